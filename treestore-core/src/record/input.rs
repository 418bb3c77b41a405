//! Reading input records from JSON objects: every accessor names the record and the field in its
//! error, and nothing is defaulted silently except where the accessor says so.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::time::{self, Timestamp};

/// Builds a store type from a JSON object.
pub trait FromJson: Sized {
    /// Reads `fields`; errors name the field.
    fn from_json(fields: &JsonFields<'_>) -> Result<Self>;

    /// Parses JSON text holding one object.
    fn from_json_text(kind: &'static str, text: &str) -> Result<Self> {
        let value = parse_object(kind, text)?;
        Self::from_json(&JsonFields::new(kind, &value)?)
    }
}

/// Parses `text` as JSON; a syntax error names the line and column.
pub fn parse_object(kind: &str, text: &str) -> Result<Json> {
    serde_json::from_str(text).map_err(|e| {
        Error::invalid(format!(
            "{kind}: invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })
}

/// The fields of one JSON object, read with errors naming `kind.field`.
pub struct JsonFields<'a> {
    kind: &'static str,
    map: &'a Map<String, Json>,
}

impl<'a> JsonFields<'a> {
    /// Wraps `value`, which must be an object.
    pub fn new(kind: &'static str, value: &'a Json) -> Result<JsonFields<'a>> {
        match value {
            Json::Object(map) => Ok(JsonFields { kind, map }),
            other => Err(Error::invalid(format!(
                "{kind}: expected a JSON object, got {}",
                type_name(other)
            ))),
        }
    }

    fn bad(&self, field: &str, why: impl std::fmt::Display) -> Error {
        Error::invalid(format!("{}: field {field}: {why}", self.kind))
    }

    fn present(&self, field: &str) -> Option<&'a Json> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    /// A required string.
    pub fn str(&self, field: &str) -> Result<String> {
        self.opt_str(field)?
            .ok_or_else(|| self.bad(field, "is required"))
    }

    /// A string, or `""` when absent.
    pub fn str_or_empty(&self, field: &str) -> Result<String> {
        Ok(self.opt_str(field)?.unwrap_or_default())
    }

    /// An optional string.
    pub fn opt_str(&self, field: &str) -> Result<Option<String>> {
        match self.present(field) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.bad(
                field,
                format!("expected a string, got {}", type_name(other)),
            )),
        }
    }

    /// An optional integer.
    pub fn opt_i64(&self, field: &str) -> Result<Option<i64>> {
        match self.present(field) {
            None => Ok(None),
            Some(Json::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.bad(field, format!("expected an integer, got {n}"))),
            Some(other) => Err(self.bad(
                field,
                format!("expected an integer, got {}", type_name(other)),
            )),
        }
    }

    /// An integer, or `default` when absent.
    pub fn i64_or(&self, field: &str, default: i64) -> Result<i64> {
        Ok(self.opt_i64(field)?.unwrap_or(default))
    }

    /// An optional float (integers accepted).
    pub fn opt_f64(&self, field: &str) -> Result<Option<f64>> {
        match self.present(field) {
            None => Ok(None),
            Some(Json::Number(n)) => Ok(n.as_f64()),
            Some(other) => Err(self.bad(
                field,
                format!("expected a number, got {}", type_name(other)),
            )),
        }
    }

    /// An optional boolean.
    pub fn opt_bool(&self, field: &str) -> Result<Option<bool>> {
        match self.present(field) {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.bad(
                field,
                format!("expected true or false, got {}", type_name(other)),
            )),
        }
    }

    /// An optional timestamp: an ISO 8601 string or an integer of µs since the epoch.
    pub fn opt_time(&self, field: &str) -> Result<Option<Timestamp>> {
        match self.present(field) {
            None => Ok(None),
            Some(Json::String(s)) => time::parse(s)
                .map(Some)
                .map_err(|e| self.bad(field, e.message())),
            Some(Json::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.bad(field, "expected microseconds since the epoch")),
            Some(other) => Err(self.bad(
                field,
                format!("expected a timestamp, got {}", type_name(other)),
            )),
        }
    }

    /// A timestamp, or 0 ("now" for the stores) when absent.
    pub fn time_or_zero(&self, field: &str) -> Result<Timestamp> {
        Ok(self.opt_time(field)?.unwrap_or(0))
    }

    /// A list of strings, empty when absent.
    pub fn str_list(&self, field: &str) -> Result<Vec<String>> {
        match self.present(field) {
            None => Ok(Vec::new()),
            Some(Json::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Json::String(s) => Ok(s.clone()),
                    other => Err(self.bad(
                        field,
                        format!("item {i}: expected a string, got {}", type_name(other)),
                    )),
                })
                .collect(),
            Some(other) => Err(self.bad(
                field,
                format!("expected a list of strings, got {}", type_name(other)),
            )),
        }
    }

    /// A string map, empty when absent. Non-string values are kept as their JSON text.
    pub fn str_map(&self, field: &str) -> Result<BTreeMap<String, String>> {
        match self.present(field) {
            None => Ok(BTreeMap::new()),
            Some(Json::Object(m)) => Ok(m
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        Json::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect()),
            Some(other) => Err(self.bad(
                field,
                format!("expected an object of strings, got {}", type_name(other)),
            )),
        }
    }

    /// JSON given either as text (validated) or as any JSON value (serialised), or `None`.
    pub fn opt_json_text(&self, field: &str) -> Result<Option<String>> {
        match self.present(field) {
            None => Ok(None),
            Some(Json::String(s)) => {
                serde_json::from_str::<Json>(s)
                    .map_err(|e| self.bad(field, format!("invalid JSON: {e}")))?;
                Ok(Some(s.clone()))
            }
            Some(other) => Ok(Some(other.to_string())),
        }
    }

    /// The objects of a list field, each wrapped for reading as `kind`.
    pub fn objects(&self, field: &str, kind: &'static str) -> Result<Vec<JsonFields<'a>>> {
        match self.present(field) {
            None => Ok(Vec::new()),
            Some(Json::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    JsonFields::new(kind, v)
                        .map_err(|e| e.context(format!("{}.{field}[{i}]", self.kind)))
                })
                .collect(),
            Some(other) => Err(self.bad(
                field,
                format!("expected a list of objects, got {}", type_name(other)),
            )),
        }
    }

    /// The first present name of several accepted spellings (`name`, then the old `prompt_id`).
    pub fn alias<'n>(&self, names: &[&'n str]) -> &'n str {
        names
            .iter()
            .copied()
            .find(|n| self.present(n).is_some())
            .unwrap_or(names[0])
    }
}

fn type_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_record_and_field() {
        let v = parse_object(
            "tool_result",
            r#"{"tool_name": 5, "at": "2024-13-01", "tags": ["a", 1]}"#,
        )
        .unwrap();
        let f = JsonFields::new("tool_result", &v).unwrap();
        let e = f.str("tool_name").unwrap_err().to_string();
        assert!(
            e.contains("tool_result: field tool_name: expected a string"),
            "{e}"
        );
        assert!(f
            .str("missing")
            .unwrap_err()
            .to_string()
            .contains("field missing: is required"));
        assert!(f
            .opt_time("at")
            .unwrap_err()
            .to_string()
            .contains("field at"));
        assert!(f
            .str_list("tags")
            .unwrap_err()
            .to_string()
            .contains("item 1"));
        let e = parse_object("doc", "{\n  \"a\": }")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn reads_times_as_iso_or_micros() {
        let v = parse_object("x", r#"{"a": "1970-01-01T00:00:01Z", "b": 5, "c": null}"#).unwrap();
        let f = JsonFields::new("x", &v).unwrap();
        assert_eq!(f.opt_time("a").unwrap(), Some(1_000_000));
        assert_eq!(f.opt_time("b").unwrap(), Some(5));
        assert_eq!(f.opt_time("c").unwrap(), None);
        assert_eq!(f.time_or_zero("d").unwrap(), 0);
    }
}
