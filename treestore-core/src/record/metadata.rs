//! Records and JSON input for the MetadataStore's types. Enumerations travel as their names
//! (`"cites"`, `"high"`, `"open"`, `"int"`), as the SDKs spell them.

use serde_json::Value as Json;

use super::input::json_as_text;
use super::{FromJson, JsonFields, Record, ToRecord};
use crate::error::{Error, Result};
use crate::metadata::{
    Contradiction, ContradictionQuery, CrossReference, CrossReferenceQuery, Direction, EntityRef,
    MetadataEntry, MetadataQuery, ReferenceType, ResolutionStatus, Severity, ToolResult,
    ToolResultQuery, Trajectory, TrajectoryStep, ValueType,
};

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
            duration_ms: f.u64_or_zero("duration_ms")?,
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
            limit: f.limit()?,
            cursor: f.opt_str("cursor")?,
        })
    }
}

impl ToRecord for TrajectoryStep {
    fn to_record(&self) -> Record {
        Record::new("trajectory_step")
            .with("step_number", self.step_number)
            .with("tool_name", self.tool_name.as_deref())
            .with("action", &self.action)
            .with("observation", &self.observation)
            .with("thought", &self.thought)
            .time("timestamp", Some(self.timestamp))
    }
}

impl FromJson for TrajectoryStep {
    fn from_json(f: &JsonFields<'_>) -> Result<TrajectoryStep> {
        Ok(TrajectoryStep {
            step_number: f.opt_u32("step_number")?.unwrap_or(0),
            tool_name: f.opt_str("tool_name")?,
            action: f.str("action")?,
            observation: f.str_or_empty("observation")?,
            thought: f.str_or_empty("thought")?,
            timestamp: f.time_or_zero("timestamp")?,
        })
    }
}

/// A trajectory's steps are nested `trajectory_step` records, by step number.
impl ToRecord for Trajectory {
    fn to_record(&self) -> Record {
        Record::new("trajectory")
            .with("trajectory_id", &self.trajectory_id)
            .with("case_id", &self.case_id)
            .records("steps", &self.steps)
            .time("started_at", Some(self.started_at))
            .time("completed_at", self.completed_at)
    }
}

impl FromJson for Trajectory {
    fn from_json(f: &JsonFields<'_>) -> Result<Trajectory> {
        let steps = f
            .objects("steps", "trajectory_step")?
            .iter()
            .enumerate()
            .map(|(i, s)| {
                TrajectoryStep::from_json(s)
                    .map_err(|e| e.context(format!("trajectory.steps[{i}]")))
            })
            .collect::<Result<_>>()?;
        Ok(Trajectory {
            trajectory_id: f.str_or_empty("trajectory_id")?,
            case_id: f.str("case_id")?,
            steps,
            started_at: f.time_or_zero("started_at")?,
            completed_at: f.opt_time("completed_at")?,
        })
    }
}

impl ToRecord for CrossReference {
    fn to_record(&self) -> Record {
        Record::new("cross_reference")
            .with("source_policy_id", &self.source_policy_id)
            .with("source_node_id", self.source_node_id.as_deref())
            .with("target_policy_id", &self.target_policy_id)
            .with("target_node_id", self.target_node_id.as_deref())
            .with("reference_type", self.reference_type.as_str())
            .with("context", self.context.as_deref())
            .time("created_at", Some(self.created_at))
    }
}

impl FromJson for CrossReference {
    fn from_json(f: &JsonFields<'_>) -> Result<CrossReference> {
        Ok(CrossReference {
            source_policy_id: f.str("source_policy_id")?,
            source_node_id: f.opt_str("source_node_id")?,
            target_policy_id: f.str("target_policy_id")?,
            target_node_id: f.opt_str("target_node_id")?,
            reference_type: f
                .opt_name("reference_type", ReferenceType::parse)?
                .unwrap_or_default(),
            context: f.opt_str("context")?,
            created_at: f.time_or_zero("created_at")?,
        })
    }
}

/// The name of a [`Direction`], as lists take it.
fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Outgoing => "outgoing",
        Direction::Incoming => "incoming",
        Direction::Both => "both",
    }
}

fn parse_direction(field: &str, s: &str) -> Result<Direction> {
    [Direction::Outgoing, Direction::Incoming, Direction::Both]
        .into_iter()
        .find(|d| direction_name(*d) == s)
        .ok_or_else(|| {
            Error::invalid(format!(
                "cross reference query: field {field}: {s:?} is not one of outgoing, incoming, both"
            ))
        })
}

impl FromJson for CrossReferenceQuery {
    fn from_json(f: &JsonFields<'_>) -> Result<CrossReferenceQuery> {
        Ok(CrossReferenceQuery {
            policy_id: f.str("policy_id")?,
            node_id: f.opt_str("node_id")?,
            direction: f
                .opt_name("direction", parse_direction)?
                .unwrap_or_default(),
            reference_type: f.opt_name("reference_type", ReferenceType::parse)?,
            limit: f.limit()?,
            cursor: f.opt_str("cursor")?,
        })
    }
}

impl ToRecord for Contradiction {
    fn to_record(&self) -> Record {
        Record::new("contradiction")
            .with("contradiction_id", &self.contradiction_id)
            .with("policy_a", &self.policy_a)
            .with("node_a", self.node_a.as_deref())
            .with("policy_b", &self.policy_b)
            .with("node_b", self.node_b.as_deref())
            .with("description", &self.description)
            .with("severity", self.severity.as_str())
            .time("detected_at", Some(self.detected_at))
            .with("status", self.status.as_str())
            .with("resolution", self.resolution.as_deref())
            .time("resolved_at", self.resolved_at)
    }
}

impl FromJson for Contradiction {
    fn from_json(f: &JsonFields<'_>) -> Result<Contradiction> {
        Ok(Contradiction {
            contradiction_id: f.str_or_empty("contradiction_id")?,
            policy_a: f.str("policy_a")?,
            node_a: f.opt_str("node_a")?,
            policy_b: f.str("policy_b")?,
            node_b: f.opt_str("node_b")?,
            description: f.str("description")?,
            severity: f.opt_name("severity", Severity::parse)?.unwrap_or_default(),
            detected_at: f.time_or_zero("detected_at")?,
            status: f
                .opt_name("status", ResolutionStatus::parse)?
                .unwrap_or_default(),
            resolution: f.opt_str("resolution")?,
            resolved_at: f.opt_time("resolved_at")?,
        })
    }
}

impl FromJson for ContradictionQuery {
    fn from_json(f: &JsonFields<'_>) -> Result<ContradictionQuery> {
        Ok(ContradictionQuery {
            policy_id: f.opt_str("policy_id")?,
            severity: f.opt_name("severity", Severity::parse)?,
            status: f.opt_name("status", ResolutionStatus::parse)?,
            since: f.opt_time("since")?,
            until: f.opt_time("until")?,
            limit: f.limit()?,
            cursor: f.opt_str("cursor")?,
        })
    }
}

/// The value stays the stored text; `value_type` says how to read it.
impl ToRecord for MetadataEntry {
    fn to_record(&self) -> Record {
        Record::new("metadata_entry")
            .with("entity_type", &self.entity_type)
            .with("entity_id", &self.entity_id)
            .with("key", &self.key)
            .with("value", &self.value)
            .with("value_type", self.value_type.as_str())
            .time("created_at", Some(self.created_at))
            .time("updated_at", Some(self.updated_at))
    }
}

/// `value` may be any JSON value: a string is the text itself, anything else its JSON text. Without
/// `value_type` the type follows the JSON: integer `int`, other number `float`, boolean `bool`,
/// object or list `json`, string `string`.
impl FromJson for MetadataEntry {
    fn from_json(f: &JsonFields<'_>) -> Result<MetadataEntry> {
        let raw = f.raw("value");
        let inferred = match raw {
            Some(Json::Number(n)) if n.is_i64() || n.is_u64() => ValueType::Int,
            Some(Json::Number(_)) => ValueType::Float,
            Some(Json::Bool(_)) => ValueType::Bool,
            Some(Json::Object(_) | Json::Array(_)) => ValueType::Json,
            _ => ValueType::String,
        };
        let value = raw.map(json_as_text);
        Ok(MetadataEntry {
            entity_type: f.str("entity_type")?,
            entity_id: f.str("entity_id")?,
            key: f.str("key")?,
            value: value.map_or_else(|| f.str("value"), Ok)?,
            value_type: f
                .opt_name("value_type", ValueType::parse)?
                .unwrap_or(inferred),
            created_at: f.time_or_zero("created_at")?,
            updated_at: f.time_or_zero("updated_at")?,
        })
    }
}

impl ToRecord for EntityRef {
    fn to_record(&self) -> Record {
        Record::new("entity_ref")
            .with("entity_type", &self.entity_type)
            .with("entity_id", &self.entity_id)
    }
}

impl FromJson for MetadataQuery {
    fn from_json(f: &JsonFields<'_>) -> Result<MetadataQuery> {
        Ok(MetadataQuery {
            entity_type: f.opt_str("entity_type")?,
            filters: f.str_map("filters")?,
            limit: f.limit()?,
            cursor: f.opt_str("cursor")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Value;

    fn err<T: FromJson + std::fmt::Debug>(kind: &'static str, json: &str) -> String {
        T::from_json_text(kind, json).unwrap_err().to_string()
    }

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
        let e = err::<ToolResult>("tool_result", r#"{"tool_name": 3}"#);
        assert!(e.contains("field tool_name"), "{e}");
        let e = err::<ToolResult>("tool_result", r#"{"tool_name": "t", "duration_ms": -4}"#);
        assert!(
            e.contains("field duration_ms: expected a non-negative"),
            "{e}"
        );
    }

    #[test]
    fn trajectory_steps_are_nested_records() {
        let json = r#"{"case_id": "c1", "started_at": 5, "steps": [
            {"action": "open", "tool_name": "navigate_tree", "timestamp": 6},
            {"step_number": 4, "action": "read", "observation": "text", "thought": "why"}]}"#;
        let t = Trajectory::from_json_text("trajectory", json).unwrap();
        assert_eq!(t.trajectory_id, "");
        assert_eq!(t.steps.len(), 2);
        assert_eq!((t.steps[0].step_number, t.steps[1].step_number), (0, 4));
        assert_eq!(t.completed_at, None);
        let r = t.to_record();
        assert_eq!(r.kind, "trajectory");
        let Some(Value::Records(steps)) = r.get("steps") else {
            panic!("steps are not nested records: {r:?}");
        };
        assert_eq!(steps[1].kind, "trajectory_step");
        assert_eq!(steps[1].get("action"), Some(&Value::Str("read".into())));
        assert_eq!(steps[0].get("timestamp"), Some(&Value::Time(6)));
        assert_eq!(r.get("completed_at"), Some(&Value::Null));
        let e = err::<Trajectory>(
            "trajectory",
            r#"{"case_id": "c", "steps": [{}, {"thought": 1}]}"#,
        );
        assert!(
            e.contains("trajectory.steps[0]: trajectory_step: field action: is required"),
            "{e}"
        );
        let e = err::<Trajectory>("trajectory", r#"{"steps": []}"#);
        assert!(e.contains("trajectory: field case_id: is required"), "{e}");
        let e = err::<Trajectory>("trajectory", r#"{"case_id": "c", "steps": [3]}"#);
        assert!(e.contains("trajectory.steps[0]"), "{e}");
        let e = err::<TrajectoryStep>(
            "trajectory_step",
            r#"{"action": "a", "step_number": 5000000000}"#,
        );
        assert!(e.contains("field step_number"), "{e}");
    }

    #[test]
    fn cross_references_read_type_and_direction_names() {
        let r = CrossReference::from_json_text(
            "cross_reference",
            r#"{"source_policy_id": "a", "target_policy_id": "b", "target_node_id": "2",
                "reference_type": "see_also", "context": "see 2"}"#,
        )
        .unwrap();
        assert_eq!(r.reference_type, ReferenceType::SeeAlso);
        let rec = r.to_record();
        assert_eq!(
            rec.get("reference_type"),
            Some(&Value::Str("see_also".into()))
        );
        assert_eq!(rec.get("source_node_id"), Some(&Value::Null));
        let d = CrossReference::from_json_text(
            "cross_reference",
            r#"{"source_policy_id": "a", "target_policy_id": "b"}"#,
        )
        .unwrap();
        assert_eq!(d.reference_type, ReferenceType::Cites);
        let e = err::<CrossReference>(
            "cross_reference",
            r#"{"source_policy_id": "a", "target_policy_id": "b", "reference_type": "likes"}"#,
        );
        assert!(
            e.contains("field reference_type") && e.contains("cites"),
            "{e}"
        );
        let q = CrossReferenceQuery::from_json_text(
            "cross_reference_query",
            r#"{"policy_id": "a", "direction": "incoming", "reference_type": "cites", "limit": 2}"#,
        )
        .unwrap();
        assert_eq!(q.direction, Direction::Incoming);
        assert_eq!(q.reference_type, Some(ReferenceType::Cites));
        assert_eq!(q.limit, 2);
        let q = CrossReferenceQuery::from_json_text("q", r#"{"policy_id": "a"}"#).unwrap();
        assert_eq!(q.direction, Direction::Both);
        let e = err::<CrossReferenceQuery>("q", r#"{"policy_id": "a", "direction": "up"}"#);
        assert!(
            e.contains("field direction") && e.contains("outgoing"),
            "{e}"
        );
        let e = err::<CrossReferenceQuery>("cross_reference_query", "{}");
        assert!(e.contains("field policy_id: is required"), "{e}");
    }

    #[test]
    fn contradictions_read_severity_and_status() {
        let c = Contradiction::from_json_text(
            "contradiction",
            r#"{"policy_a": "a", "policy_b": "b", "description": "d", "severity": "high",
                "detected_at": "2024-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(
            (c.severity, c.status),
            (Severity::High, ResolutionStatus::Open)
        );
        let j = c.to_record().to_json();
        assert_eq!(j["severity"], "high");
        assert_eq!(j["status"], "open");
        assert_eq!(j["detected_at"], "2024-01-01T00:00:00Z");
        assert!(j["resolved_at"].is_null());
        let e = err::<Contradiction>("contradiction", r#"{"policy_a": "a", "policy_b": "b"}"#);
        assert!(e.contains("field description: is required"), "{e}");
        let e = err::<ContradictionQuery>("contradiction_query", r#"{"status": "closed"}"#);
        assert!(e.contains("field status") && e.contains("dismissed"), "{e}");
        let q = ContradictionQuery::from_json_text(
            "contradiction_query",
            r#"{"policy_id": "a", "severity": "low", "since": 3, "cursor": "x"}"#,
        )
        .unwrap();
        assert_eq!(q.severity, Some(Severity::Low));
        assert_eq!(q.since, Some(3));
        assert_eq!(q.cursor.as_deref(), Some("x"));
    }

    #[test]
    fn metadata_values_infer_their_type_from_json() {
        let read = |v: &str| {
            let json =
                format!(r#"{{"entity_type": "doc", "entity_id": "d", "key": "k", "value": {v}}}"#);
            let e = MetadataEntry::from_json_text("metadata_entry", &json).unwrap();
            (e.value, e.value_type)
        };
        assert_eq!(read("7"), ("7".into(), ValueType::Int));
        assert_eq!(read("2.5"), ("2.5".into(), ValueType::Float));
        assert_eq!(read("true"), ("true".into(), ValueType::Bool));
        assert_eq!(read(r#"{"a":1}"#), (r#"{"a":1}"#.into(), ValueType::Json));
        assert_eq!(read(r#""7""#), ("7".into(), ValueType::String));
        let e = MetadataEntry::from_json_text(
            "metadata_entry",
            r#"{"entity_type": "doc", "entity_id": "d", "key": "k", "value": "7", "value_type": "int"}"#,
        )
        .unwrap();
        assert_eq!(e.value_type, ValueType::Int);
        let r = e.to_record();
        assert_eq!(r.get("value_type"), Some(&Value::Str("int".into())));
        assert_eq!(r.get("value"), Some(&Value::Str("7".into())));
        let e = err::<MetadataEntry>(
            "metadata_entry",
            r#"{"entity_type": "doc", "entity_id": "d", "key": "k"}"#,
        );
        assert!(
            e.contains("metadata_entry: field value: is required"),
            "{e}"
        );
        let e = err::<MetadataEntry>(
            "metadata_entry",
            r#"{"entity_type": "doc", "entity_id": "d", "key": "k", "value": 1, "value_type": "date"}"#,
        );
        assert!(e.contains("field value_type"), "{e}");
        let q = MetadataQuery::from_json_text(
            "metadata_query",
            r#"{"entity_type": "doc", "filters": {"a": "1", "b": 2}, "limit": 9}"#,
        )
        .unwrap();
        assert_eq!(q.filters.len(), 2);
        assert_eq!(q.filters["b"], "2");
        let r = EntityRef {
            entity_type: "doc".into(),
            entity_id: "d".into(),
        }
        .to_record();
        assert_eq!(
            r.to_json().to_string(),
            r#"{"entity_type":"doc","entity_id":"d"}"#
        );
    }
}
