//! Records and JSON input for the PromptStore's types. Nested values are nested records: a
//! prompt's labels (`prompt_label`), a diff's lines (`diff_line`), a conversation's messages.

use super::{FromJson, JsonFields, Record, ToRecord, Value};
use crate::error::Result;
use crate::prompt::{
    Conversation, ConversationQuery, ConversationWithMessages, DiffLine, DiffOp, Message,
    NewPrompt, PromptDiff, PromptInfo, PromptSelector, PromptStats, PromptUsage, PromptVersion,
    Role, UsageQuery,
};

/// `name` is also accepted under its older spelling `prompt_id`.
impl FromJson for NewPrompt {
    fn from_json(f: &JsonFields<'_>) -> Result<NewPrompt> {
        Ok(NewPrompt {
            name: f.str(f.alias(&["name", "prompt_id"]))?,
            template: f.str("template")?,
            config: f.opt_json_text("config")?,
            commit_message: f.opt_str("commit_message")?,
            created_by: f.opt_str("created_by")?,
            labels: f.str_list("labels")?,
        })
    }
}

/// `{"version": n}`, `{"label": "..."}` or `{}` for the newest version; both is an error.
impl FromJson for PromptSelector {
    fn from_json(f: &JsonFields<'_>) -> Result<PromptSelector> {
        PromptSelector::from_options(f.opt_u32("version")?, f.opt_str("label")?.as_deref())
    }
}

impl ToRecord for PromptVersion {
    fn to_record(&self) -> Record {
        Record::new("prompt_version")
            .with("name", &self.name)
            .with("version", self.version)
            .with("template", &self.template)
            .with("variables", &self.variables)
            .with("config", self.config.clone().map(Value::Json))
            .with("commit_message", self.commit_message.as_deref())
            .with("created_by", self.created_by.as_deref())
            .with("labels", &self.labels)
            .time("created_at", Some(self.created_at))
    }
}

/// `labels` are nested `prompt_label` records `{label, version}`, by label.
impl ToRecord for PromptInfo {
    fn to_record(&self) -> Record {
        let labels = self
            .labels
            .iter()
            .map(|(label, version)| {
                Record::new("prompt_label")
                    .with("label", label)
                    .with("version", *version)
            })
            .collect();
        Record::new("prompt_info")
            .with("name", &self.name)
            .with("latest_version", self.latest_version)
            .with("labels", Value::Records(labels))
            .time("created_at", Some(self.created_at))
            .time("updated_at", Some(self.updated_at))
    }
}

fn diff_op_name(op: DiffOp) -> &'static str {
    match op {
        DiffOp::Equal => "equal",
        DiffOp::Insert => "insert",
        DiffOp::Delete => "delete",
    }
}

/// `op` is `equal`, `insert` or `delete`.
impl ToRecord for DiffLine {
    fn to_record(&self) -> Record {
        Record::new("diff_line")
            .with("op", diff_op_name(self.op))
            .with("text", &self.text)
    }
}

impl ToRecord for PromptDiff {
    fn to_record(&self) -> Record {
        Record::new("prompt_diff")
            .with("name", &self.name)
            .with("from_version", self.from_version)
            .with("to_version", self.to_version)
            .records("lines", &self.lines)
            .with("variables_added", &self.variables_added)
            .with("variables_removed", &self.variables_removed)
            .with("from_config", self.from_config.clone().map(Value::Json))
            .with("to_config", self.to_config.clone().map(Value::Json))
    }
}

impl ToRecord for PromptUsage {
    fn to_record(&self) -> Record {
        Record::new("prompt_usage")
            .with("usage_id", &self.usage_id)
            .with("prompt_name", &self.prompt_name)
            .with("prompt_version", self.prompt_version)
            .with("variables", &self.variables)
            .with("response", &self.response)
            .with("latency_ms", self.latency_ms)
            .with("input_tokens", self.input_tokens)
            .with("output_tokens", self.output_tokens)
            .with("score", self.score)
            .with("case_id", self.case_id.as_deref())
            .with("metadata", &self.metadata)
            .time("created_at", Some(self.created_at))
    }
}

impl FromJson for PromptUsage {
    fn from_json(f: &JsonFields<'_>) -> Result<PromptUsage> {
        Ok(PromptUsage {
            usage_id: f.str_or_empty("usage_id")?,
            prompt_name: f.str("prompt_name")?,
            prompt_version: f.opt_u32("prompt_version")?.unwrap_or(0),
            variables: f.str_map("variables")?,
            response: f.str_or_empty("response")?,
            latency_ms: f.u64_or_zero("latency_ms")?,
            input_tokens: f.u64_or_zero("input_tokens")?,
            output_tokens: f.u64_or_zero("output_tokens")?,
            score: f.opt_f64("score")?,
            case_id: f.opt_str("case_id")?,
            metadata: f.str_map("metadata")?,
            created_at: f.time_or_zero("created_at")?,
        })
    }
}

impl FromJson for UsageQuery {
    fn from_json(f: &JsonFields<'_>) -> Result<UsageQuery> {
        Ok(UsageQuery {
            prompt_name: f.opt_str("prompt_name")?,
            prompt_version: f.opt_u32("prompt_version")?,
            case_id: f.opt_str("case_id")?,
            since: f.opt_time("since")?,
            until: f.opt_time("until")?,
            limit: f.limit()?,
            cursor: f.opt_str("cursor")?,
        })
    }
}

impl ToRecord for PromptStats {
    fn to_record(&self) -> Record {
        Record::new("prompt_stats")
            .with("prompt_name", &self.prompt_name)
            .with("prompt_version", self.prompt_version)
            .with("count", self.count)
            .with("mean_latency_ms", self.mean_latency_ms)
            .with("scored_count", self.scored_count)
            .with("mean_score", self.mean_score)
            .with("total_input_tokens", self.total_input_tokens)
            .with("total_output_tokens", self.total_output_tokens)
    }
}

impl ToRecord for Conversation {
    fn to_record(&self) -> Record {
        Record::new("conversation")
            .with("id", &self.id)
            .with("user_id", &self.user_id)
            .with("title", &self.title)
            .with("tags", &self.tags)
            .with("metadata", &self.metadata)
            .time("created_at", Some(self.created_at))
            .time("updated_at", Some(self.updated_at))
            .with("message_count", self.message_count)
    }
}

/// `user_id` is read as given (empty when absent): creating requires it, updating ignores it.
impl FromJson for Conversation {
    fn from_json(f: &JsonFields<'_>) -> Result<Conversation> {
        Ok(Conversation {
            id: f.str_or_empty("id")?,
            user_id: f.str_or_empty("user_id")?,
            title: f.str_or_empty("title")?,
            tags: f.str_list("tags")?,
            metadata: f.str_map("metadata")?,
            created_at: f.time_or_zero("created_at")?,
            updated_at: f.time_or_zero("updated_at")?,
            message_count: f.u64_or_zero("message_count")?,
        })
    }
}

impl ToRecord for Message {
    fn to_record(&self) -> Record {
        Record::new("message")
            .with("id", &self.id)
            .with("conversation_id", &self.conversation_id)
            .with("role", self.role.as_str())
            .with("content", &self.content)
            .with("metadata", &self.metadata)
            .time("created_at", Some(self.created_at))
    }
}

impl FromJson for Message {
    fn from_json(f: &JsonFields<'_>) -> Result<Message> {
        Ok(Message {
            id: f.str_or_empty("id")?,
            conversation_id: f.str("conversation_id")?,
            role: f.opt_name("role", Role::parse)?.unwrap_or_default(),
            content: f.str_or_empty("content")?,
            metadata: f.str_map("metadata")?,
            created_at: f.time_or_zero("created_at")?,
        })
    }
}

/// `conversation` is one nested `conversation` record, `messages` the nested `message` records.
impl ToRecord for ConversationWithMessages {
    fn to_record(&self) -> Record {
        Record::new("conversation_with_messages")
            .records("conversation", std::slice::from_ref(&self.conversation))
            .records("messages", &self.messages)
    }
}

impl FromJson for ConversationQuery {
    fn from_json(f: &JsonFields<'_>) -> Result<ConversationQuery> {
        Ok(ConversationQuery {
            user_id: f.opt_str("user_id")?,
            tag: f.opt_str("tag")?,
            since: f.opt_time("since")?,
            until: f.opt_time("until")?,
            limit: f.limit()?,
            cursor: f.opt_str("cursor")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn err<T: FromJson + std::fmt::Debug>(kind: &'static str, json: &str) -> String {
        T::from_json_text(kind, json).unwrap_err().to_string()
    }

    #[test]
    fn new_prompts_accept_the_old_name_spelling() {
        let p = NewPrompt::from_json_text(
            "prompt",
            r#"{"prompt_id": "triage", "template": "Hi {{name}}", "config": {"t": 0},
                "labels": ["prod"]}"#,
        )
        .unwrap();
        assert_eq!(p.name, "triage");
        assert_eq!(p.config.as_deref(), Some(r#"{"t":0}"#));
        assert_eq!(p.labels, vec!["prod".to_string()]);
        let e = err::<NewPrompt>("prompt", r#"{"template": "x"}"#);
        assert!(e.contains("prompt: field name: is required"), "{e}");
        let e = err::<NewPrompt>("prompt", r#"{"name": "n"}"#);
        assert!(e.contains("field template: is required"), "{e}");
    }

    #[test]
    fn selectors_take_a_version_or_a_label() {
        let s = |j| PromptSelector::from_json_text("prompt_selector", j);
        assert_eq!(s("{}").unwrap(), PromptSelector::Latest);
        assert_eq!(s(r#"{"version": 2}"#).unwrap(), PromptSelector::Version(2));
        assert_eq!(
            s(r#"{"label": "prod"}"#).unwrap(),
            PromptSelector::Label("prod".into())
        );
        assert!(s(r#"{"version": 2, "label": "prod"}"#).is_err());
    }

    #[test]
    fn prompt_versions_and_infos_render_typed_fields() {
        let v = PromptVersion {
            name: "triage".into(),
            version: 3,
            template: "Hi {{name}}".into(),
            variables: vec!["name".into()],
            config: Some(r#"{"t":0}"#.into()),
            labels: vec!["latest".into()],
            created_at: 1,
            ..PromptVersion::default()
        };
        let j = v.to_record().to_json();
        assert_eq!(j["version"], 3);
        assert_eq!(j["config"]["t"], 0);
        assert_eq!(j["variables"][0], "name");
        assert!(j["commit_message"].is_null());
        let info = PromptInfo {
            name: "triage".into(),
            latest_version: 3,
            labels: BTreeMap::from([("prod".to_string(), 2)]),
            created_at: 1,
            updated_at: 2,
        };
        let r = info.to_record();
        let Some(Value::Records(labels)) = r.get("labels") else {
            panic!("labels are not nested records: {r:?}");
        };
        assert_eq!(labels[0].kind, "prompt_label");
        assert_eq!(labels[0].get("version"), Some(&Value::Int(2)));
    }

    #[test]
    fn diffs_nest_their_lines() {
        let d = PromptDiff {
            name: "p".into(),
            from_version: 1,
            to_version: 2,
            lines: crate::prompt::diff_lines("a\nb", "a\nc"),
            variables_added: vec!["x".into()],
            ..PromptDiff::default()
        };
        let j = d.to_record().to_json();
        assert_eq!(j["lines"][0]["op"], "equal");
        assert_eq!(j["lines"][1]["op"], "delete");
        assert_eq!(j["lines"][2]["op"], "insert");
        assert_eq!(j["lines"][2]["text"], "c");
        assert_eq!(j["variables_added"][0], "x");
        assert!(j["to_config"].is_null());
    }

    #[test]
    fn usage_round_trips_and_stats_keep_absent_scores_null() {
        let u = PromptUsage::from_json_text(
            "prompt_usage",
            r#"{"prompt_name": "p", "prompt_version": 2, "variables": {"n": "x"},
                "response": "ok", "latency_ms": 30, "input_tokens": 5, "output_tokens": 7,
                "score": 0.5, "metadata": {"model": "m"}, "created_at": 9}"#,
        )
        .unwrap();
        assert_eq!((u.prompt_version, u.score), (2, Some(0.5)));
        let r = u.to_record();
        assert_eq!(r.get("score"), Some(&Value::Float(0.5)));
        assert_eq!(r.get("created_at"), Some(&Value::Time(9)));
        let e = err::<PromptUsage>("prompt_usage", r#"{"prompt_name": "p", "latency_ms": "1"}"#);
        assert!(e.contains("field latency_ms"), "{e}");
        let e = err::<PromptUsage>("prompt_usage", "{}");
        assert!(e.contains("field prompt_name: is required"), "{e}");
        let q = UsageQuery::from_json_text(
            "usage_query",
            r#"{"prompt_name": "p", "prompt_version": 1}"#,
        )
        .unwrap();
        assert_eq!(q.prompt_version, Some(1));
        let s = PromptStats {
            prompt_name: "p".into(),
            prompt_version: 1,
            count: 2,
            mean_latency_ms: 1.5,
            ..PromptStats::default()
        };
        let r = s.to_record();
        assert_eq!(r.get("mean_score"), Some(&Value::Null));
        assert_eq!(r.get("mean_latency_ms"), Some(&Value::Float(1.5)));
    }

    #[test]
    fn conversations_and_messages_round_trip() {
        let c = Conversation::from_json_text(
            "conversation",
            r#"{"user_id": "u", "title": "t", "tags": ["a"], "metadata": {"k": "v"}}"#,
        )
        .unwrap();
        assert_eq!((c.id.as_str(), c.user_id.as_str()), ("", "u"));
        let m = Message::from_json_text(
            "message",
            r#"{"conversation_id": "c1", "role": "assistant", "content": "hello"}"#,
        )
        .unwrap();
        assert_eq!(m.role, Role::Assistant);
        let e = err::<Message>("message", r#"{"conversation_id": "c1", "role": "bot"}"#);
        assert!(e.contains("field role") && e.contains("assistant"), "{e}");
        let e = err::<Message>("message", r#"{"content": "x"}"#);
        assert!(
            e.contains("message: field conversation_id: is required"),
            "{e}"
        );
        let both = ConversationWithMessages {
            conversation: c,
            messages: vec![m],
        };
        let j = both.to_record().to_json();
        assert_eq!(j["conversation"][0]["user_id"], "u");
        assert_eq!(j["messages"][0]["role"], "assistant");
        let q =
            ConversationQuery::from_json_text("conversation_query", r#"{"tag": "a", "until": 5}"#)
                .unwrap();
        assert_eq!((q.tag.as_deref(), q.until), (Some("a"), Some(5)));
    }
}
