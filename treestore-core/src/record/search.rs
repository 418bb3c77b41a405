//! Records and JSON input for the keyword search and the whole-database reports: `search_hit`,
//! `unified_hit`, `search_settings` (with a nested `field_weights` record), search options,
//! unified search options and settings updates read from JSON, and `backup_report`.

use super::{FromJson, JsonFields, Record, ToRecord, Value};
use crate::db::BackupReport;
use crate::error::Result;
use crate::query::{HitKind, HitSource, UnifiedHit, UnifiedQuery};
use crate::search::records::RecordRef;
use crate::search::{FieldWeights, Scope, SearchHit, SearchOptions, SearchSettings, Stemming};

/// A hit without its snippet (the caller adds one from the node's text).
impl ToRecord for SearchHit {
    fn to_record(&self) -> Record {
        Record::new("search_hit")
            .with("policy_id", &self.doc.policy_id)
            .with("version_id", &self.doc.version_id)
            .with("node_id", &self.doc.node_id)
            .with("score", self.score)
            .with("matched_terms", &self.matched_terms)
    }
}

impl ToRecord for FieldWeights {
    fn to_record(&self) -> Record {
        Record::new("field_weights")
            .with("title", self.title)
            .with("summary", self.summary)
            .with("text", self.text)
    }
}

/// `weights` is one nested `field_weights` record, mirroring the JSON `configure` takes.
impl ToRecord for SearchSettings {
    fn to_record(&self) -> Record {
        Record::new("search_settings")
            .with("stemming", self.stemming.name())
            .with("weights", Value::Records(vec![self.weights.to_record()]))
    }
}

/// Weights given field by field; absent fields keep `base`'s.
fn weights_over(f: &JsonFields<'_>, base: FieldWeights) -> Result<FieldWeights> {
    Ok(FieldWeights {
        title: f.opt_f64("title")?.unwrap_or(base.title),
        summary: f.opt_f64("summary")?.unwrap_or(base.summary),
        text: f.opt_f64("text")?.unwrap_or(base.text),
    })
}

fn weights_field(f: &JsonFields<'_>, base: FieldWeights) -> Result<Option<FieldWeights>> {
    match f.raw("weights") {
        None => Ok(None),
        Some(w) => weights_over(&JsonFields::new("weights", w)?, base).map(Some),
    }
}

/// `{"limit", "offset", "policy_id", "version_id", "scopes": [{"policy_id", "version_id"}],
/// "weights": {"title", "summary", "text"}}`, all optional (`limit` 0 or absent: the default).
/// Weights left out of `weights` are the defaults.
impl FromJson for SearchOptions {
    fn from_json(f: &JsonFields<'_>) -> Result<SearchOptions> {
        let mut scopes = Vec::new();
        for (i, s) in f.objects("scopes", "scope")?.iter().enumerate() {
            let read = || -> Result<Scope> {
                Ok(Scope {
                    policy_id: s.str("policy_id")?,
                    version_id: s.opt_str("version_id")?,
                })
            };
            scopes.push(read().map_err(|e| e.context(format!("search_options.scopes[{i}]")))?);
        }
        let limit = f.limit()?;
        Ok(SearchOptions {
            limit: if limit == 0 {
                crate::search::DEFAULT_LIMIT
            } else {
                limit
            },
            offset: usize::try_from(f.u64_or_zero("offset")?).unwrap_or(usize::MAX),
            policy_id: f.opt_str("policy_id")?,
            version_id: f.opt_str("version_id")?,
            scopes,
            weights: weights_field(f, FieldWeights::default())?,
        })
    }
}

/// A change of the search settings: fields left out keep their current value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchSettingsUpdate {
    stemming: Option<Stemming>,
    weights: Option<serde_json::Value>,
}

impl SearchSettingsUpdate {
    /// The settings `current` becomes.
    pub fn apply(&self, current: &SearchSettings) -> Result<SearchSettings> {
        let weights = match &self.weights {
            None => current.weights,
            Some(w) => weights_over(&JsonFields::new("weights", w)?, current.weights)?,
        };
        Ok(SearchSettings {
            stemming: self.stemming.unwrap_or(current.stemming),
            weights,
        })
    }
}

/// `{"stemming": "none" | "porter", "weights": {"title", "summary", "text"}}`, all optional.
impl FromJson for SearchSettingsUpdate {
    fn from_json(f: &JsonFields<'_>) -> Result<SearchSettingsUpdate> {
        let stemming = f
            .opt_str("stemming")?
            .map(|s| {
                Stemming::from_name(&s).map_err(|e| e.context("search_settings: field stemming"))
            })
            .transpose()?;
        let weights = f.raw("weights").cloned();
        if let Some(w) = &weights {
            weights_over(&JsonFields::new("weights", w)?, FieldWeights::default())?;
        }
        Ok(SearchSettingsUpdate { stemming, weights })
    }
}

impl ToRecord for BackupReport {
    fn to_record(&self) -> Record {
        Record::new("backup_report")
            .with("tables", self.tables)
            .with("entries", self.entries)
            .with("txid", self.txid)
            .with("file_bytes", self.file_bytes)
    }
}

/// A unified search hit: `kind`, `id`, `score` (normalised), `bm25`, `matched_terms`, `snippet`,
/// and the ids of its kind (the others null): `policy_id`, `version_id`, `node_id` for a node,
/// `execution_id` for a tool result, `prompt_name` and `prompt_version` for a prompt,
/// `trajectory_id` and `step_number` for a trajectory step.
impl ToRecord for UnifiedHit {
    fn to_record(&self) -> Record {
        let (mut node, mut execution, mut prompt, mut step) = (None, None, None, None);
        match &self.source {
            HitSource::Node(d) => node = Some(d),
            HitSource::Record(RecordRef::ToolResult { execution_id }) => {
                execution = Some(execution_id.as_str())
            }
            HitSource::Record(RecordRef::Prompt { name, version }) => {
                prompt = Some((name.as_str(), *version))
            }
            HitSource::Record(RecordRef::TrajectoryStep {
                trajectory_id,
                step_number,
            }) => step = Some((trajectory_id.as_str(), *step_number)),
        }
        Record::new("unified_hit")
            .with("kind", self.kind.name())
            .with("id", self.source.id())
            .with("score", self.score)
            .with("bm25", self.bm25)
            .with("matched_terms", &self.matched_terms)
            .with("snippet", self.snippet.as_str())
            .with("policy_id", node.map(|d| d.policy_id.as_str()))
            .with("version_id", node.map(|d| d.version_id.as_str()))
            .with("node_id", node.map(|d| d.node_id.as_str()))
            .with("execution_id", execution)
            .with("prompt_name", prompt.map(|p| p.0))
            .with("prompt_version", prompt.map(|p| p.1))
            .with("trajectory_id", step.map(|s| s.0))
            .with("step_number", step.map(|s| s.1))
    }
}

/// The options of a unified search (its query text comes apart): `kinds` (names of
/// [`HitKind`]), `policy_id`, `version_id`, `case_id`, `limit`, `cursor`, `snippet_chars`.
impl FromJson for UnifiedQuery {
    fn from_json(f: &JsonFields<'_>) -> Result<UnifiedQuery> {
        let kinds = f
            .str_list("kinds")?
            .iter()
            .map(|k| HitKind::parse(k))
            .collect::<Result<_>>()?;
        let chars = f.u64_or_zero("snippet_chars")?;
        Ok(UnifiedQuery {
            query: String::new(),
            kinds,
            policy_id: f.opt_str("policy_id")?,
            version_id: f.opt_str("version_id")?,
            case_id: f.opt_str("case_id")?,
            limit: f.limit()?,
            cursor: f.opt_str("cursor")?,
            snippet_chars: usize::try_from(chars).unwrap_or(usize::MAX),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_options_read_scopes_and_partial_weights() {
        let o = SearchOptions::from_json_text(
            "search_options",
            r#"{"limit": 5, "scopes": [{"policy_id": "a"}, {"policy_id": "b", "version_id": "v"}],
                "weights": {"title": 10}}"#,
        )
        .unwrap();
        assert_eq!(o.limit, 5);
        assert_eq!(o.scopes.len(), 2);
        assert_eq!(o.scopes[1].version_id.as_deref(), Some("v"));
        let w = o.weights.unwrap();
        assert_eq!((w.title, w.text), (10.0, 1.0));
        let e = SearchOptions::from_json_text("search_options", r#"{"scopes": [{}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("field policy_id"), "{e}");
        assert_eq!(
            SearchOptions::from_json_text("search_options", "{}")
                .unwrap()
                .limit,
            crate::search::DEFAULT_LIMIT
        );
    }

    #[test]
    fn a_settings_update_keeps_what_it_leaves_out() {
        let current = SearchSettings {
            stemming: Stemming::Porter,
            weights: FieldWeights {
                title: 2.0,
                summary: 2.0,
                text: 2.0,
            },
        };
        let u =
            SearchSettingsUpdate::from_json_text("search_settings", r#"{"weights": {"text": 4}}"#)
                .unwrap();
        let s = u.apply(&current).unwrap();
        assert_eq!(s.stemming, Stemming::Porter);
        assert_eq!((s.weights.title, s.weights.text), (2.0, 4.0));
        let e =
            SearchSettingsUpdate::from_json_text("search_settings", r#"{"stemming": "snowball"}"#)
                .unwrap_err()
                .to_string();
        assert!(
            e.contains("field stemming") && e.contains("snowball"),
            "{e}"
        );
        let e = SearchSettingsUpdate::from_json_text(
            "search_settings",
            r#"{"weights": {"title": "x"}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("weights: field title"), "{e}");
    }

    #[test]
    fn unified_options_read_kinds_and_hits_carry_the_ids_of_their_kind() {
        use crate::query::{HitKind, HitSource, UnifiedHit, UnifiedQuery};
        use crate::search::records::RecordRef;
        let q = UnifiedQuery::from_json_text(
            "unified_search_options",
            r#"{"kinds": ["node", "prompt"], "case_id": "c", "limit": 5, "snippet_chars": 9}"#,
        )
        .unwrap();
        assert_eq!(q.kinds, vec![HitKind::Node, HitKind::Prompt]);
        assert_eq!(
            (q.case_id.as_deref(), q.limit, q.snippet_chars),
            (Some("c"), 5, 9)
        );
        let err = UnifiedQuery::from_json_text("unified_search_options", r#"{"kinds": ["x"]}"#)
            .unwrap_err();
        assert!(err.message().contains("field kinds"), "{err}");
        let hit = UnifiedHit {
            kind: HitKind::Prompt,
            source: HitSource::Record(RecordRef::Prompt {
                name: "n".into(),
                version: 2,
            }),
            score: 0.5,
            bm25: 1.5,
            matched_terms: vec!["a".into()],
            snippet: "<b>a</b>".into(),
        };
        let r = hit.to_record();
        assert_eq!(r.get("id"), Some(&Value::from("n:2")));
        assert_eq!(r.get("prompt_version"), Some(&Value::from(2u32)));
        assert_eq!(r.get("node_id"), Some(&Value::from(None::<&str>)));
    }
}
