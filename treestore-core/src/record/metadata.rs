//! Records and JSON input for the MetadataStore's types.

use super::{FromJson, JsonFields, Record, ToRecord};
use crate::error::Result;
use crate::metadata::{ToolResult, ToolResultQuery};

impl ToRecord for ToolResult {
    fn to_record(&self) -> Record {
        Record::new("tool_result")
            .with("execution_id", &self.execution_id)
            .with("tool_name", &self.tool_name)
            .with("policy_id", self.policy_id.as_deref())
            .with("node_id", self.node_id.as_deref())
            .with("case_id", self.case_id.as_deref())
            .json("result_data", &self.result_data)
            .with("success", self.success)
            .with("error_message", self.error_message.as_deref())
            .time("executed_at", Some(self.executed_at))
            .with("duration_ms", self.duration_ms)
    }
}

impl FromJson for ToolResult {
    fn from_json(f: &JsonFields<'_>) -> Result<ToolResult> {
        Ok(ToolResult {
            execution_id: f.str_or_empty("execution_id")?,
            tool_name: f.str("tool_name")?,
            policy_id: f.opt_str("policy_id")?,
            node_id: f.opt_str("node_id")?,
            case_id: f.opt_str("case_id")?,
            result_data: f
                .opt_json_text("result_data")?
                .unwrap_or_else(|| "null".into()),
            success: f.opt_bool("success")?.unwrap_or(true),
            error_message: f.opt_str("error_message")?,
            executed_at: f.time_or_zero("executed_at")?,
            duration_ms: u64::try_from(f.i64_or("duration_ms", 0)?).unwrap_or(0),
        })
    }
}

impl FromJson for ToolResultQuery {
    fn from_json(f: &JsonFields<'_>) -> Result<ToolResultQuery> {
        Ok(ToolResultQuery {
            policy_id: f.opt_str("policy_id")?,
            tool_name: f.opt_str("tool_name")?,
            case_id: f.opt_str("case_id")?,
            success: f.opt_bool("success")?,
            since: f.opt_time("since")?,
            until: f.opt_time("until")?,
            limit: usize::try_from(f.i64_or("limit", 0)?).unwrap_or(0),
            cursor: f.opt_str("cursor")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_result_round_trips_through_json() {
        let json = r#"{"tool_name": "navigate_tree", "policy_id": "p1", "node_id": "0003",
            "result_data": {"children": ["0004"]}, "success": false, "error_message": "boom",
            "executed_at": "2024-05-01T10:00:00Z", "duration_ms": 12}"#;
        let r = ToolResult::from_json_text("tool_result", json).unwrap();
        assert_eq!(r.result_data, r#"{"children":["0004"]}"#);
        assert!(!r.success);
        let back = r.to_record().to_json();
        assert_eq!(back["executed_at"], "2024-05-01T10:00:00Z");
        assert_eq!(back["result_data"]["children"][0], "0004");
        let err = ToolResult::from_json_text("tool_result", r#"{"tool_name": 3}"#).unwrap_err();
        assert!(err.to_string().contains("field tool_name"), "{err}");
    }
}
