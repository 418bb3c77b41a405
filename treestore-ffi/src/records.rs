//! The typed views a result hands out: generic records (kind + typed fields) for every store type,
//! and fixed-width node records for the tree queries, the hot path. All strings point into the
//! result's one arena; nested arrays are `(first, count)` index ranges into the result's shared
//! arrays, so a whole result is read with one `treestore_result_view` call.

use std::collections::VecDeque;

use treestore_core::record::{Record, Value};

use crate::result::{treestore_kv, treestore_str, Arena, Span};

/// `treestore_field.kind`: no value.
pub const TREESTORE_VALUE_NULL: u32 = 0;
/// `treestore_field.kind`: text in `str_value`.
pub const TREESTORE_VALUE_STR: u32 = 1;
/// `treestore_field.kind`: a signed integer in `int_value`.
pub const TREESTORE_VALUE_INT: u32 = 2;
/// `treestore_field.kind`: a float in `float_value`.
pub const TREESTORE_VALUE_FLOAT: u32 = 3;
/// `treestore_field.kind`: a boolean in `int_value` (0 or 1).
pub const TREESTORE_VALUE_BOOL: u32 = 4;
/// `treestore_field.kind`: a time in `int_value`, microseconds since 1970-01-01T00:00:00Z.
pub const TREESTORE_VALUE_TIME: u32 = 5;
/// `treestore_field.kind`: `count` strings from `strings[first]`.
pub const TREESTORE_VALUE_STR_LIST: u32 = 6;
/// `treestore_field.kind`: `count` key/value pairs from `kvs[first]`.
pub const TREESTORE_VALUE_STR_MAP: u32 = 7;
/// `treestore_field.kind`: `count` nested records from `records[first]`.
pub const TREESTORE_VALUE_RECORDS: u32 = 8;
/// `treestore_field.kind`: JSON text in `str_value`.
pub const TREESTORE_VALUE_JSON: u32 = 9;

/// One named, typed field of a record.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct treestore_field {
    /// The field name (`policy_id`, `created_at`...).
    pub name: treestore_str,
    /// `TREESTORE_VALUE_*`.
    pub kind: u32,
    /// Number of items (lists, maps, nested records).
    pub count: u32,
    /// Index of the first item in the result's strings, kvs or records array.
    pub first: u32,
    /// Zero.
    pub reserved: u32,
    /// INT, BOOL and TIME values.
    pub int_value: i64,
    /// FLOAT values.
    pub float_value: f64,
    /// STR and JSON values.
    pub str_value: treestore_str,
}

/// A record: its kind and `field_count` fields from `fields[first_field]`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct treestore_record {
    /// What the record is (`tool_result`, `version`, `search_hit`...).
    pub kind: treestore_str,
    /// Index of its first field in the result's fields array.
    pub first_field: u32,
    /// Number of fields.
    pub field_count: u32,
}

#[derive(Clone, Copy)]
struct PendingField {
    name: Span,
    kind: u32,
    count: u32,
    first: u32,
    int_value: i64,
    float_value: f64,
    str_value: Span,
}

/// Builds the arrays of a result before its arena is final.
#[derive(Default)]
pub(crate) struct RecordBuilder {
    pub arena: Arena,
    records: Vec<(Span, u32, u32)>,
    fields: Vec<PendingField>,
    strings: Vec<Span>,
    kvs: Vec<(Span, Span)>,
}

/// The finished arrays, with pointers into the arena.
pub(crate) struct BuiltRecords {
    pub arena: Arena,
    pub records: Vec<treestore_record>,
    pub fields: Vec<treestore_field>,
    pub strings: Vec<treestore_str>,
    pub kvs: Vec<treestore_kv>,
}

fn idx(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl RecordBuilder {
    /// Adds strings, returning (first, count) in the strings array.
    pub(crate) fn push_strings<S: AsRef<str>>(&mut self, items: &[S]) -> (u32, u32) {
        let first = idx(self.strings.len());
        for s in items {
            let span = self.arena.push(s.as_ref().as_bytes());
            self.strings.push(span);
        }
        (first, idx(items.len()))
    }

    /// Adds key/value pairs, returning (first, count) in the kvs array.
    pub(crate) fn push_kvs<'a>(
        &mut self,
        items: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) -> (u32, u32) {
        let first = idx(self.kvs.len());
        for (k, v) in items {
            let k = self.arena.push(k.as_bytes());
            let v = self.arena.push(v.as_bytes());
            self.kvs.push((k, v));
        }
        (first, idx(self.kvs.len()) - first)
    }

    /// Adds top-level records (their nested records follow them in the array).
    pub(crate) fn push_records(&mut self, records: Vec<Record>) {
        let mut queue: VecDeque<(usize, Record)> = VecDeque::new();
        for r in records {
            let at = self.records.len();
            self.records.push((Span::default(), 0, 0));
            queue.push_back((at, r));
        }
        while let Some((at, record)) = queue.pop_front() {
            let kind = self.arena.push(record.kind.as_bytes());
            let first_field = idx(self.fields.len());
            let count = idx(record.fields.len());
            for field in record.fields {
                let pending = self.field(field.name, field.value, &mut queue);
                self.fields.push(pending);
            }
            self.records[at] = (kind, first_field, count);
        }
    }

    fn field(
        &mut self,
        name: &str,
        value: Value,
        queue: &mut VecDeque<(usize, Record)>,
    ) -> PendingField {
        let mut f = PendingField {
            name: self.arena.push(name.as_bytes()),
            kind: TREESTORE_VALUE_NULL,
            count: 0,
            first: 0,
            int_value: 0,
            float_value: 0.0,
            str_value: Span::default(),
        };
        match value {
            Value::Null => {}
            Value::Str(s) => {
                (f.kind, f.str_value) = (TREESTORE_VALUE_STR, self.arena.push(s.as_bytes()))
            }
            Value::Json(s) => {
                (f.kind, f.str_value) = (TREESTORE_VALUE_JSON, self.arena.push(s.as_bytes()))
            }
            Value::Int(i) => (f.kind, f.int_value) = (TREESTORE_VALUE_INT, i),
            Value::Bool(b) => (f.kind, f.int_value) = (TREESTORE_VALUE_BOOL, i64::from(b)),
            Value::Time(t) => (f.kind, f.int_value) = (TREESTORE_VALUE_TIME, t),
            Value::Float(x) => (f.kind, f.float_value) = (TREESTORE_VALUE_FLOAT, x),
            Value::StrList(l) => {
                f.kind = TREESTORE_VALUE_STR_LIST;
                (f.first, f.count) = self.push_strings(&l);
            }
            Value::StrMap(m) => {
                f.kind = TREESTORE_VALUE_STR_MAP;
                (f.first, f.count) = self.push_kvs(m.iter());
            }
            Value::Records(rs) => {
                f.kind = TREESTORE_VALUE_RECORDS;
                f.first = idx(self.records.len());
                f.count = idx(rs.len());
                for r in rs {
                    let at = self.records.len();
                    self.records.push((Span::default(), 0, 0));
                    queue.push_back((at, r));
                }
            }
        }
        f
    }

    pub(crate) fn string_span(&mut self, s: &str) -> Span {
        self.arena.push(s.as_bytes())
    }

    /// Fixes every view now that the arena will not move again.
    pub(crate) fn finish(self) -> BuiltRecords {
        let arena = self.arena;
        let records = self
            .records
            .iter()
            .map(|(kind, first_field, field_count)| treestore_record {
                kind: arena.view(*kind),
                first_field: *first_field,
                field_count: *field_count,
            })
            .collect();
        let fields = self
            .fields
            .iter()
            .map(|f| treestore_field {
                name: arena.view(f.name),
                kind: f.kind,
                count: f.count,
                first: f.first,
                reserved: 0,
                int_value: f.int_value,
                float_value: f.float_value,
                str_value: arena.view(f.str_value),
            })
            .collect();
        let strings = self.strings.iter().map(|s| arena.view(*s)).collect();
        let kvs = self
            .kvs
            .iter()
            .map(|(k, v)| treestore_kv {
                key: arena.view(*k),
                value: arena.view(*v),
            })
            .collect();
        BuiltRecords {
            arena,
            records,
            fields,
            strings,
            kvs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_records_follow_the_top_level_ones_and_fields_are_contiguous() {
        let step = |n: i64| Record::new("step").with("n", n);
        let traj = Record::new("trajectory")
            .with("id", "t1")
            .with("steps", Value::Records(vec![step(1), step(2)]))
            .with("tags", vec!["a".to_string(), "b".to_string()]);
        let other = Record::new("trajectory").with("id", "t2");
        let mut b = RecordBuilder::default();
        b.push_records(vec![traj, other]);
        let built = b.finish();
        assert_eq!(built.records.len(), 4);
        let r0 = built.records[0];
        assert_eq!(r0.field_count, 3);
        let steps = built.fields[r0.first_field as usize + 1];
        assert_eq!(steps.kind, TREESTORE_VALUE_RECORDS);
        assert_eq!((steps.first, steps.count), (2, 2));
        let s1 = built.records[3];
        assert_eq!(built.fields[s1.first_field as usize].int_value, 2);
        let tags = built.fields[r0.first_field as usize + 2];
        assert_eq!((tags.first, tags.count), (0, 2));
        // SAFETY (test): views point into `built.arena`, alive here.
        let t = unsafe { std::slice::from_raw_parts(built.strings[1].ptr, built.strings[1].len) };
        assert_eq!(t, b"b");
    }
}
