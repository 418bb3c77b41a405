//! The typed views a result hands out: generic records (kind + typed fields) for every store type,
//! and fixed-width node records for the tree queries, the hot path. All strings point into the
//! result's one arena; nested arrays are `(first, count)` index ranges into the result's shared
//! arrays, so a whole result is read with one `treestore_result_view` call.

use std::collections::VecDeque;

use treestore_core::document::Document;
use treestore_core::record::{Record, Value};
use treestore_core::version::VersionRef;

use crate::nodes::treestore_node;
use crate::result::{treestore_kv, treestore_result, treestore_str, Arena, Span};

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

/// A flat record's kind and field names: `names[0]` is the kind, and `blob` is all of them back
/// to back, so a record copies them into its arena at once.
pub(crate) struct Shape {
    pub blob: &'static str,
    pub names: &'static [&'static str],
}

/// The `version` record (see `docs/c-api.md`).
pub(crate) const VERSION_SHAPE: Shape = Shape {
    blob: "versionpolicy_idversion_idpageindex_doc_idroot_node_idmetadatacreated_atupdated_at\
           effective_starteffective_endcreated_bydescriptiontags",
    names: &[
        "version",
        "policy_id",
        "version_id",
        "pageindex_doc_id",
        "root_node_id",
        "metadata",
        "created_at",
        "updated_at",
        "effective_start",
        "effective_end",
        "created_by",
        "description",
        "tags",
    ],
};

/// Number of fields of a `version` record.
const VERSION_FIELDS: usize = 12;

/// The `version` record's fields before their values: each name a pending view of its place in
/// [`VERSION_SHAPE`]'s blob copied at arena offset 0 (shifted when the blob lands further on),
/// every value absent. A record copies the 12 fields at once and patches the values in, instead
/// of building each 64-byte field on its own.
const VERSION_TEMPLATE: [treestore_field; VERSION_FIELDS] = version_template();

const fn version_template() -> [treestore_field; VERSION_FIELDS] {
    let absent = field(treestore_str::NONE, TREESTORE_VALUE_NULL);
    let mut out = [absent; VERSION_FIELDS];
    let names = VERSION_SHAPE.names;
    let mut at = names[0].len();
    let mut i = 0;
    while i < VERSION_FIELDS {
        out[i].name = Arena::span_at(at, names[i + 1].len());
        at += names[i + 1].len();
        i += 1;
    }
    out
}

/// A `version` record's values, its metadata and tags already in the result's kvs and strings
/// arrays (as `(first, count)` ranges).
struct VersionValues<'a> {
    policy_id: &'a str,
    version_id: &'a str,
    pageindex_doc_id: Option<&'a str>,
    root_node_id: &'a str,
    metadata: (u32, u32),
    created_at: i64,
    updated_at: i64,
    effective_start: Option<i64>,
    effective_end: Option<i64>,
    created_by: &'a str,
    description: &'a str,
    tags: (u32, u32),
}

/// Builds a result in place: strings go to its arena once, records, fields, nodes and list items
/// straight into its arrays (views pending until [`RecordBuilder::finish`] seals them). Starts
/// from the buffers of a freed result when this thread has one.
pub(crate) struct RecordBuilder {
    r: treestore_result,
}

impl Default for RecordBuilder {
    fn default() -> RecordBuilder {
        RecordBuilder {
            r: crate::pool::take(),
        }
    }
}

fn idx(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

const fn field(name: Span, kind: u32) -> treestore_field {
    treestore_field {
        name,
        kind,
        count: 0,
        first: 0,
        reserved: 0,
        int_value: 0,
        float_value: 0.0,
        str_value: treestore_str::NONE,
    }
}

impl RecordBuilder {
    /// Makes room for `additional` more arena bytes.
    pub(crate) fn reserve_bytes(&mut self, additional: usize) {
        self.r.data.arena.reserve(additional);
    }

    /// Adds strings, returning (first, count) in the strings array.
    pub(crate) fn push_strings<S: AsRef<str>>(&mut self, items: &[S]) -> (u32, u32) {
        let first = idx(self.r.data.strings.len());
        for s in items {
            self.push_bytes_item(s.as_ref().as_bytes());
        }
        (first, idx(items.len()))
    }

    /// Adds strings read from a store record (each may fail its UTF-8 check), returning
    /// (first, count) in the strings array.
    pub(crate) fn push_str_items<'a>(
        &mut self,
        items: impl Iterator<Item = treestore_core::Result<&'a str>>,
    ) -> treestore_core::Result<(u32, u32)> {
        let first = idx(self.r.data.strings.len());
        for s in items {
            self.push_bytes_item(s?.as_bytes());
        }
        Ok((first, idx(self.r.data.strings.len()) - first))
    }

    /// Adds key/value pairs read from a store record, returning (first, count) in the kvs array.
    pub(crate) fn push_str_pairs<'a>(
        &mut self,
        items: impl Iterator<Item = treestore_core::Result<(&'a str, &'a str)>>,
    ) -> treestore_core::Result<(u32, u32)> {
        let first = idx(self.r.data.kvs.len());
        for kv in items {
            let (k, v) = kv?;
            self.push_kv(k.as_bytes(), v.as_bytes());
        }
        Ok((first, idx(self.r.data.kvs.len()) - first))
    }

    /// Adds one item to the strings array.
    pub(crate) fn push_bytes_item(&mut self, s: &[u8]) {
        let span = self.r.data.arena.push(s);
        self.r.data.strings.push(span);
    }

    /// Adds key/value pairs, returning (first, count) in the kvs array.
    pub(crate) fn push_kvs<'a>(
        &mut self,
        items: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) -> (u32, u32) {
        let first = idx(self.r.data.kvs.len());
        for (k, v) in items {
            self.push_kv(k.as_bytes(), v.as_bytes());
        }
        (first, idx(self.r.data.kvs.len()) - first)
    }

    /// Adds one pair to the kvs array.
    pub(crate) fn push_kv(&mut self, k: &[u8], v: &[u8]) {
        let key = self.r.data.arena.push(k);
        let value = self.r.data.arena.push(v);
        self.r.data.kvs.push(treestore_kv { key, value });
    }

    /// Adds top-level records (their nested records follow them in the array, breadth first).
    pub(crate) fn push_records(&mut self, records: Vec<Record>) {
        let mut queue: VecDeque<(usize, Record)> = VecDeque::new();
        let first = self.r.data.records.len();
        self.reserve_records(records.len());
        for (at, record) in (first..).zip(records) {
            self.fill_record(at, record, &mut queue);
        }
        while let Some((at, record)) = queue.pop_front() {
            self.fill_record(at, record, &mut queue);
        }
    }

    fn reserve_records(&mut self, n: usize) {
        let empty = treestore_record {
            kind: treestore_str::NONE,
            first_field: 0,
            field_count: 0,
        };
        self.r.data.records.extend(std::iter::repeat_n(empty, n));
    }

    fn fill_record(&mut self, at: usize, record: Record, queue: &mut VecDeque<(usize, Record)>) {
        let kind = self.r.data.arena.push(record.kind.as_bytes());
        let first_field = idx(self.r.data.fields.len());
        let count = idx(record.fields.len());
        for f in record.fields {
            let pending = self.field(f.name, f.value, queue);
            self.r.data.fields.push(pending);
        }
        self.r.data.records[at] = treestore_record {
            kind,
            first_field,
            field_count: count,
        };
    }

    fn field(
        &mut self,
        name: &str,
        value: Value,
        queue: &mut VecDeque<(usize, Record)>,
    ) -> treestore_field {
        let name = self.r.data.arena.push(name.as_bytes());
        let mut f = field(name, TREESTORE_VALUE_NULL);
        match value {
            Value::Null => {}
            Value::Str(s) => {
                (f.kind, f.str_value) = (TREESTORE_VALUE_STR, self.r.data.arena.push(s.as_bytes()))
            }
            Value::Json(s) => {
                (f.kind, f.str_value) = (TREESTORE_VALUE_JSON, self.r.data.arena.push(s.as_bytes()))
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
                f.first = idx(self.r.data.records.len());
                f.count = idx(rs.len());
                let first = self.r.data.records.len();
                self.reserve_records(rs.len());
                queue.extend((first..).zip(rs));
            }
        }
        f
    }

    /// Adds one `version` record: its kind and field names copied into the arena as one string,
    /// its 12 fields copied from [`VERSION_TEMPLATE`] at once, then each value set in place.
    fn push_version_values(&mut self, v: &VersionValues<'_>) {
        let d = &mut *self.r.data;
        let strs = [
            v.policy_id,
            v.version_id,
            v.root_node_id,
            v.created_by,
            v.description,
        ];
        let bytes: usize = strs.iter().map(|s| s.len()).sum::<usize>()
            + v.pageindex_doc_id.map_or(0, str::len)
            + VERSION_SHAPE.blob.len();
        d.arena.reserve(bytes);
        let base = d.arena.push_str_start(VERSION_SHAPE.blob);
        let first_field = d.fields.len();
        d.fields.extend_from_slice(&VERSION_TEMPLATE);
        let f = &mut d.fields[first_field..][..VERSION_FIELDS];
        if base != 0 {
            for field in f.iter_mut() {
                field.name.ptr = field.name.ptr.wrapping_add(base);
            }
        }
        let a = &mut d.arena;
        let text = |f: &mut treestore_field, a: &mut Arena, s: &str| {
            (f.kind, f.str_value) = (TREESTORE_VALUE_STR, a.push(s.as_bytes()));
        };
        let time =
            |f: &mut treestore_field, t: i64| (f.kind, f.int_value) = (TREESTORE_VALUE_TIME, t);
        // One statement a field (no loop over an array of options: that compiled to a spill and
        // reload per field on the hot path).
        text(&mut f[0], a, v.policy_id);
        text(&mut f[1], a, v.version_id);
        if let Some(s) = v.pageindex_doc_id {
            text(&mut f[2], a, s);
        }
        text(&mut f[3], a, v.root_node_id);
        (f[4].kind, f[4].first, f[4].count) = (TREESTORE_VALUE_STR_MAP, v.metadata.0, v.metadata.1);
        time(&mut f[5], v.created_at);
        time(&mut f[6], v.updated_at);
        if let Some(t) = v.effective_start {
            time(&mut f[7], t);
        }
        if let Some(t) = v.effective_end {
            time(&mut f[8], t);
        }
        text(&mut f[9], a, v.created_by);
        text(&mut f[10], a, v.description);
        (f[11].kind, f[11].first, f[11].count) = (TREESTORE_VALUE_STR_LIST, v.tags.0, v.tags.1);
        d.records.push(treestore_record {
            kind: Arena::span_at(base, VERSION_SHAPE.names[0].len()),
            first_field: idx(first_field),
            field_count: VERSION_FIELDS as u32,
        });
    }

    /// Copies `s` into the arena, returning its pending view.
    pub(crate) fn string_span(&mut self, s: &str) -> Span {
        self.r.data.arena.push(s.as_bytes())
    }

    /// Adds a node built with pending views.
    pub(crate) fn push_pending_node(&mut self, n: treestore_node) {
        self.r.data.nodes.push(n);
    }

    /// Makes room for `n` more nodes.
    pub(crate) fn reserve_nodes(&mut self, n: usize) {
        self.r.data.nodes.reserve(n);
    }

    /// Sets the text of the node added `index`th (from 0) to a copy of `text`. False when there
    /// is no such node.
    pub(crate) fn set_node_text(&mut self, index: usize, text: &str) -> bool {
        if index >= self.r.data.nodes.len() {
            return false;
        }
        let span = self.r.data.arena.push(text.as_bytes());
        self.r.data.nodes[index].text = span;
        true
    }

    /// Adds nodes built with pending views.
    pub(crate) fn push_pending_nodes(&mut self, nodes: &[treestore_node]) {
        self.r.data.nodes.extend_from_slice(nodes);
    }

    /// The finished result: every view made a pointer now that the arena will not move again.
    pub(crate) fn finish(
        self,
        top_records: usize,
        total: u64,
        next_cursor: Option<&str>,
    ) -> treestore_result {
        let mut r = self.r;
        let d = &mut r.data;
        if let Some(c) = next_cursor {
            d.next_cursor = d.arena.push(c.as_bytes());
        }
        d.top_records = top_records;
        d.total = total;
        d.seal();
        r
    }
}

/// Adds the `version` record of `d`: the record `d.to_record()` gives (a test keeps the two
/// the same), written without building it first. Versions are the common small read.
pub(crate) fn push_version(b: &mut RecordBuilder, d: &Document) {
    let metadata = b.push_kvs(d.metadata.iter());
    let tags = b.push_strings(&d.tags);
    b.push_version_values(&VersionValues {
        policy_id: &d.policy_id,
        version_id: &d.version_id,
        pageindex_doc_id: d.pageindex_doc_id.as_deref(),
        root_node_id: &d.root_node_id,
        metadata,
        created_at: d.created_at,
        updated_at: d.updated_at,
        effective_start: d.effective_start,
        effective_end: d.effective_end,
        created_by: &d.created_by,
        description: &d.description,
        tags,
    });
}

/// [`push_version`] for a version borrowed from the store ([`VersionReader::version_with`]):
/// its strings are copied from the stored record into the arena, the only copy the read makes.
///
/// [`VersionReader::version_with`]: treestore_core::version::VersionReader::version_with
pub(crate) fn push_version_ref(
    b: &mut RecordBuilder,
    v: &VersionRef<'_>,
) -> treestore_core::Result<()> {
    // Most versions have no metadata or tags: skip setting up the readers of empty lists.
    let metadata = if v.metadata.is_empty() {
        (idx(b.r.data.kvs.len()), 0)
    } else {
        b.push_str_pairs(v.metadata.iter())?
    };
    let tags = if v.tags.is_empty() {
        (idx(b.r.data.strings.len()), 0)
    } else {
        b.push_str_items(v.tags.iter())?
    };
    b.push_version_values(&VersionValues {
        policy_id: v.policy_id,
        version_id: v.version_id,
        pageindex_doc_id: v.pageindex_doc_id,
        root_node_id: v.root_node_id,
        metadata,
        created_at: v.created_at,
        updated_at: v.updated_at,
        effective_start: v.effective_start,
        effective_end: v.effective_end,
        created_by: v.created_by,
        description: v.description,
        tags,
    });
    Ok(())
}

/// A result of the one version record of `v`.
pub(crate) fn version_ref_result(v: &VersionRef<'_>) -> treestore_core::Result<treestore_result> {
    let mut b = RecordBuilder::default();
    push_version_ref(&mut b, v)?;
    Ok(b.finish(1, 0, None))
}

pub(crate) fn versions_result(docs: &[Document], next_cursor: Option<&str>) -> treestore_result {
    let mut b = RecordBuilder::default();
    for d in docs {
        push_version(&mut b, d);
    }
    b.finish(docs.len(), 0, next_cursor)
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
        let built = b.finish(2, 0, None);
        assert_eq!(built.data.records.len(), 4);
        let r0 = built.data.records[0];
        assert_eq!(r0.field_count, 3);
        let steps = built.data.fields[r0.first_field as usize + 1];
        assert_eq!(steps.kind, TREESTORE_VALUE_RECORDS);
        assert_eq!((steps.first, steps.count), (2, 2));
        let s1 = built.data.records[3];
        assert_eq!(built.data.fields[s1.first_field as usize].int_value, 2);
        let tags = built.data.fields[r0.first_field as usize + 2];
        assert_eq!((tags.first, tags.count), (0, 2));
        // SAFETY (test): views point into `built.data.arena`, alive here.
        let t = unsafe {
            std::slice::from_raw_parts(built.data.strings[1].ptr, built.data.strings[1].len)
        };
        assert_eq!(t, b"b");
    }

    /// A field as (name, kind, int, string, list items), for comparing results.
    type FieldText = (String, u32, i64, Option<String>, Vec<String>);

    fn fields_of(r: &treestore_result, rec: usize) -> Vec<FieldText> {
        let text = |s: treestore_str| {
            (!s.ptr.is_null()).then(|| {
                // SAFETY (test): views point into `r`'s arena (or a static), alive here.
                let b = unsafe { std::slice::from_raw_parts(s.ptr, s.len) };
                String::from_utf8(b.to_vec()).unwrap()
            })
        };
        let rec = r.data.records[rec];
        let fields = &r.data.fields[rec.first_field as usize..][..rec.field_count as usize];
        fields
            .iter()
            .map(|f| {
                let items = match f.kind {
                    TREESTORE_VALUE_STR_LIST => (0..f.count)
                        .map(|i| text(r.data.strings[(f.first + i) as usize]).unwrap())
                        .collect(),
                    TREESTORE_VALUE_STR_MAP => (0..f.count)
                        .map(|i| {
                            let kv = r.data.kvs[(f.first + i) as usize];
                            format!("{}={}", text(kv.key).unwrap(), text(kv.value).unwrap())
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                (
                    text(f.name).unwrap(),
                    f.kind,
                    f.int_value,
                    text(f.str_value),
                    items,
                )
            })
            .collect()
    }

    #[test]
    fn a_shape_blob_is_its_names_back_to_back() {
        assert_eq!(VERSION_SHAPE.blob, VERSION_SHAPE.names.concat());
    }

    #[test]
    fn the_version_fast_path_writes_the_record_to_record_gives() {
        use treestore_core::record::ToRecord;
        let full = Document {
            policy_id: "p".into(),
            version_id: "v2".into(),
            pageindex_doc_id: Some("pi-7".into()),
            root_node_id: "0000".into(),
            metadata: [("a".to_string(), "1".to_string()), ("b".into(), "".into())].into(),
            created_at: 5,
            updated_at: 6,
            effective_start: Some(7),
            effective_end: None,
            created_by: "me".into(),
            description: "".into(),
            tags: vec!["prod".into(), "x".into()],
        };
        for d in [full, Document::default()] {
            let fast = versions_result(std::slice::from_ref(&d), Some("next"));
            let mut b = RecordBuilder::default();
            b.push_records(vec![d.to_record()]);
            let generic = b.finish(1, 0, Some("next"));
            assert_eq!(fast.data.records.len(), 1);
            let kind = |r: &treestore_result| {
                // SAFETY (test): the kind view points into the result's arena.
                unsafe {
                    std::slice::from_raw_parts(
                        r.data.records[0].kind.ptr,
                        r.data.records[0].kind.len,
                    )
                }
                .to_vec()
            };
            assert_eq!(kind(&fast), kind(&generic));
            assert_eq!(fields_of(&fast, 0), fields_of(&generic, 0));
            assert_eq!(fast.data.top_records, 1);
        }
    }

    /// A stored version read borrowed (`version_ref_result`, the point reads' path) gives the
    /// record the owned `Document` gives, with and without metadata, tags and optional fields,
    /// and after other records (name views shifted past earlier arena bytes).
    #[test]
    fn the_borrowed_version_record_matches_the_owned_one() {
        use treestore_core::document::{store_document, Node};
        use treestore_core::version::VersionReader;
        let path = std::env::temp_dir().join(format!("ts-ffi-records-{}.tsdb", std::process::id()));
        let db = treestore_core::Database::open(&path, Default::default()).unwrap();
        let full = Document {
            policy_id: "p".into(),
            version_id: "v2".into(),
            pageindex_doc_id: Some("pi-7".into()),
            metadata: [("a".to_string(), "é".to_string()), ("b".into(), "".into())].into(),
            effective_start: Some(7),
            created_by: "me".into(),
            description: "second".into(),
            tags: vec!["prod".into(), "x".into()],
            ..Document::default()
        };
        let bare = Document {
            policy_id: "p".into(),
            version_id: "v1".into(),
            ..Document::default()
        };
        let root = [Node {
            node_id: "r".into(),
            title: "R".into(),
            ..Node::default()
        }];
        let mut w = db.begin_write().unwrap();
        store_document(&mut w, &bare, &root).unwrap();
        store_document(&mut w, &full, &root).unwrap();
        w.commit().unwrap();
        let r = db.begin_read().unwrap();
        let reader = VersionReader::new(&r);
        for v in ["v1", "v2"] {
            let owned = reader.version("p", v).unwrap();
            let expected = versions_result(std::slice::from_ref(&owned), None);
            let borrowed = reader.version_with("p", v, version_ref_result).unwrap();
            assert_eq!(fields_of(&borrowed, 0), fields_of(&expected, 0), "{v}");
            // Two records in one result: the second's names sit after the first's bytes.
            let mut b = RecordBuilder::default();
            push_version(&mut b, &owned);
            reader
                .version_with("p", v, |vr| push_version_ref(&mut b, vr))
                .unwrap();
            let both = b.finish(2, 0, None);
            assert_eq!(fields_of(&both, 1), fields_of(&expected, 0), "{v} second");
        }
        drop((r, db));
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(path.with_extension("tsdb-wal"));
    }
}
