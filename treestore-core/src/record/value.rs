//! The record model and its JSON rendering.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value as Json};

use crate::time::{self, Timestamp};

/// A field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Absent.
    Null,
    /// Text.
    Str(String),
    /// A signed integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A point in time (µs since the epoch, UTC).
    Time(Timestamp),
    /// A list of strings.
    StrList(Vec<String>),
    /// A string-to-string map.
    StrMap(BTreeMap<String, String>),
    /// Nested records (a trajectory's steps, a diff's changes).
    Records(Vec<Record>),
    /// JSON text (tool result data, prompt config), passed through as it was stored.
    Json(String),
}

/// A named field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field name, as the SDKs spell it (`policy_id`, `created_at`).
    pub name: &'static str,
    /// Its value.
    pub value: Value,
}

/// One result record: what it is and its fields in a fixed order.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The kind of record (`tool_result`, `version`, `node`...).
    pub kind: &'static str,
    /// The fields.
    pub fields: Vec<Field>,
}

/// Converts a store type into a [`Record`].
pub trait ToRecord {
    /// The record for `self`.
    fn to_record(&self) -> Record;
}

impl<T: ToRecord> ToRecord for &T {
    fn to_record(&self) -> Record {
        (*self).to_record()
    }
}

impl Record {
    /// An empty record of `kind`.
    pub fn new(kind: &'static str) -> Record {
        Record {
            kind,
            fields: Vec::new(),
        }
    }

    /// Adds a field.
    pub fn with(mut self, name: &'static str, value: impl Into<Value>) -> Record {
        self.fields.push(Field {
            name,
            value: value.into(),
        });
        self
    }

    /// Adds a timestamp field (`Null` for `None`).
    pub fn time(self, name: &'static str, ts: Option<Timestamp>) -> Record {
        self.with(name, ts.map_or(Value::Null, Value::Time))
    }

    /// Adds a JSON text field.
    pub fn json(self, name: &'static str, text: &str) -> Record {
        self.with(name, Value::Json(text.to_string()))
    }

    /// Adds nested records.
    pub fn records<T: ToRecord>(self, name: &'static str, items: &[T]) -> Record {
        self.with(
            name,
            Value::Records(items.iter().map(ToRecord::to_record).collect()),
        )
    }

    /// The value of the field `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| &f.value)
    }

    /// The record as a JSON object (timestamps as RFC 3339 strings, JSON fields embedded).
    pub fn to_json(&self) -> Json {
        let mut map = Map::new();
        for f in &self.fields {
            map.insert(f.name.to_string(), f.value.to_json());
        }
        Json::Object(map)
    }
}

impl Value {
    /// The value as JSON.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Str(s) => Json::String(s.clone()),
            Value::Int(i) => Json::Number((*i).into()),
            Value::Float(f) => Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::Bool(b) => Json::Bool(*b),
            Value::Time(t) => Json::String(time::format(*t)),
            Value::StrList(l) => Json::Array(l.iter().map(|s| Json::String(s.clone())).collect()),
            Value::StrMap(m) => Json::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                    .collect(),
            ),
            Value::Records(r) => Json::Array(r.iter().map(Record::to_json).collect()),
            Value::Json(text) => serde_json::from_str(text).unwrap_or(Json::String(text.clone())),
        }
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Str(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Str(v.to_string())
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Str(v.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<u64> for Value {
    fn from(v: u64) -> Value {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl From<Vec<String>> for Value {
    fn from(v: Vec<String>) -> Value {
        Value::StrList(v)
    }
}

impl From<&Vec<String>> for Value {
    fn from(v: &Vec<String>) -> Value {
        Value::StrList(v.clone())
    }
}

impl From<&BTreeMap<String, String>> for Value {
    fn from(v: &BTreeMap<String, String>) -> Value {
        Value::StrMap(v.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_kind_as_json() {
        let mut map = BTreeMap::new();
        map.insert("k".to_string(), "v".to_string());
        let step = Record::new("step").with("n", 1u32);
        let r = Record::new("thing")
            .with("s", "x")
            .with("i", -3i64)
            .with("f", 0.5)
            .with("b", true)
            .time("t", Some(0))
            .time("none", None)
            .with("l", vec!["a".to_string()])
            .with("m", &map)
            .with("r", Value::Records(vec![step]))
            .json("j", r#"{"a":[1,2]}"#);
        let j = r.to_json();
        assert_eq!(
            j.to_string(),
            r#"{"s":"x","i":-3,"f":0.5,"b":true,"t":"1970-01-01T00:00:00Z","none":null,"l":["a"],"m":{"k":"v"},"r":[{"n":1}],"j":{"a":[1,2]}}"#
        );
        assert_eq!(r.get("i"), Some(&Value::Int(-3)));
    }
}
