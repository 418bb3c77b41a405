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

    /// An optional non-negative integer.
    pub fn opt_u64(&self, field: &str) -> Result<Option<u64>> {
        match self.present(field) {
            None => Ok(None),
            Some(Json::Number(n)) => n.as_u64().map(Some).ok_or_else(|| {
                self.bad(field, format!("expected a non-negative integer, got {n}"))
            }),
            Some(other) => Err(self.bad(
                field,
                format!("expected a non-negative integer, got {}", type_name(other)),
            )),
        }
    }

    /// A non-negative integer, or 0 when absent.
    pub fn u64_or_zero(&self, field: &str) -> Result<u64> {
        Ok(self.opt_u64(field)?.unwrap_or(0))
    }

    /// An optional integer from 0 to `u32::MAX`.
    pub fn opt_u32(&self, field: &str) -> Result<Option<u32>> {
        match self.opt_u64(field)? {
            None => Ok(None),
            Some(n) => u32::try_from(n)
                .map(Some)
                .map_err(|_| self.bad(field, format!("{n} is above {}", u32::MAX))),
        }
    }

    /// The page size of a list (`limit`): 0 when absent, which the stores read as their default.
    pub fn limit(&self) -> Result<usize> {
        let n = self.u64_or_zero("limit")?;
        usize::try_from(n).map_err(|_| self.bad("limit", format!("{n} is too large")))
    }

    /// An optional name of a closed set, read with the set's own `parse` (whose error names the
    /// field and the accepted names).
    pub fn opt_name<T>(
        &self,
        field: &str,
        parse: impl FnOnce(&str, &str) -> Result<T>,
    ) -> Result<Option<T>> {
        self.opt_str(field)?.map(|s| parse(field, &s)).transpose()
    }

    /// The value of `field` as JSON, if present (not null).
    pub fn raw(&self, field: &str) -> Option<&'a Json> {
        self.present(field)
    }

    /// The whole object as a string map; non-string values are kept as their JSON text.
    pub fn as_str_map(&self) -> BTreeMap<String, String> {
        self.map
            .iter()
            .map(|(k, v)| (k.clone(), json_as_text(v)))
            .collect()
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
                .map(|(k, v)| (k.clone(), json_as_text(v)))
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

/// A string as itself, any other value as its JSON text.
pub(crate) fn json_as_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A string-to-string map given as one JSON object (a prompt's variables); non-string values are
/// kept as their JSON text.
impl FromJson for BTreeMap<String, String> {
    fn from_json(fields: &JsonFields<'_>) -> Result<Self> {
        Ok(fields.as_str_map())
    }
}

/// Parses `text` as a JSON list of strings (ids passed in bulk); errors name `kind` and the item.
pub fn parse_str_list(kind: &str, text: &str) -> Result<Vec<String>> {
    match parse_object(kind, text)? {
        Json::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                Json::String(s) => Ok(s),
                other => Err(Error::invalid(format!(
                    "{kind}: item {i}: expected a string, got {}",
                    type_name(&other)
                ))),
            })
            .collect(),
        other => Err(Error::invalid(format!(
            "{kind}: expected a JSON list of strings, got {}",
            type_name(&other)
        ))),
    }
}

/// One page of a list keyed by its arguments alone: `{"limit": n, "cursor": "..."}`, both optional.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageQuery {
    /// Page size; 0 means the store's default (100).
    pub limit: usize,
    /// The `next_cursor` of the previous page of the same list.
    pub cursor: Option<String>,
}

impl FromJson for PageQuery {
    fn from_json(f: &JsonFields<'_>) -> Result<PageQuery> {
        Ok(PageQuery {
            limit: f.limit()?,
            cursor: f.opt_str("cursor")?,
        })
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
    fn unsigned_fields_reject_negatives_and_overflow() {
        let v = parse_object(
            "x",
            r#"{"n": -1, "big": 5000000000, "ok": 7, "limit": 3, "cursor": "c", "s": "a"}"#,
        )
        .unwrap();
        let f = JsonFields::new("x", &v).unwrap();
        let e = f.opt_u64("n").unwrap_err().to_string();
        assert!(
            e.contains("x: field n: expected a non-negative integer"),
            "{e}"
        );
        assert!(f
            .opt_u32("big")
            .unwrap_err()
            .to_string()
            .contains("field big"));
        assert_eq!(f.opt_u32("ok").unwrap(), Some(7));
        assert_eq!(f.u64_or_zero("absent").unwrap(), 0);
        assert!(f.opt_u64("s").unwrap_err().to_string().contains("field s"));
        let p = PageQuery::from_json(&f).unwrap();
        assert_eq!((p.limit, p.cursor.as_deref()), (3, Some("c")));
    }

    #[test]
    fn a_whole_object_reads_as_a_string_map() {
        let m = BTreeMap::<String, String>::from_json_text("variables", r#"{"a": "x", "n": 5}"#)
            .unwrap();
        assert_eq!(m["a"], "x");
        assert_eq!(m["n"], "5");
        let e = BTreeMap::<String, String>::from_json_text("variables", "[1]").unwrap_err();
        assert!(e.to_string().contains("expected a JSON object"), "{e}");
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
