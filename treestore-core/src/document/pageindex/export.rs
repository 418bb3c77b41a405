//! Document version → PageIndex JSON. The tree is written iteratively (no recursion per level), so
//! a chain of any depth exports.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::document::{Document, Node};
use crate::error::{Error, Result};

use super::json::JsonWriter;
use super::{
    META_DOC_NAME, META_EXTRA, META_KEYS, META_LINE_NUM, META_PREFIX_SUMMARY, META_ROOT, META_SHAPE,
};

/// How [`render_pageindex`] formats its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageIndexFormat {
    /// Indent by 2 spaces, one field per line (as PageIndex writes); otherwise compact.
    pub pretty: bool,
    /// Escape every non-ASCII character as `\uXXXX` (as PageIndex writes); otherwise UTF-8.
    pub ascii: bool,
}

impl Default for PageIndexFormat {
    fn default() -> Self {
        PageIndexFormat {
            pretty: true,
            ascii: true,
        }
    }
}

/// A field's value before it is written: JSON, or a list of nodes, or one node (by index).
pub(super) enum Field {
    Json(Value),
    Children(Vec<usize>),
    Node(usize),
}

pub(super) type Fields = Vec<(String, Field)>;

/// A node's fields in export's default order and presence.
pub(super) fn node_fields(n: &Node, children: Vec<usize>) -> Result<Fields> {
    let mut f: Fields = Vec::with_capacity(8);
    f.push(("title".into(), Field::Json(Value::String(n.title.clone()))));
    if let (Some(s), Some(e)) = (n.page_start, n.page_end) {
        f.push(("start_index".into(), Field::Json(Value::from(s))));
        f.push(("end_index".into(), Field::Json(Value::from(e))));
    }
    if let Some(line) = n.metadata.get(META_LINE_NUM) {
        let v = match line.parse::<i64>() {
            Ok(i) => Value::from(i),
            Err(_) => Value::String(line.clone()),
        };
        f.push(("line_num".into(), Field::Json(v)));
    }
    if !children.is_empty() {
        f.push(("nodes".into(), Field::Children(children)));
    }
    f.push((
        "node_id".into(),
        Field::Json(Value::String(n.node_id.clone())),
    ));
    if let Some(s) = &n.summary {
        f.push(("summary".into(), Field::Json(Value::String(s.clone()))));
    }
    if let Some(p) = n.metadata.get(META_PREFIX_SUMMARY) {
        f.push((
            "prefix_summary".into(),
            Field::Json(Value::String(p.clone())),
        ));
    }
    if let Some(t) = &n.text {
        f.push(("text".into(), Field::Json(Value::String(t.clone()))));
    }
    append_extra(&mut f, &n.metadata, || format!("node {}", n.node_id))?;
    Ok(f)
}

/// The document's fields in export's default order and presence.
pub(super) fn doc_fields(doc: &Document, structure: Field) -> Result<Fields> {
    let mut f: Fields = Vec::with_capacity(4);
    let name = doc
        .metadata
        .get(META_DOC_NAME)
        .cloned()
        .unwrap_or_else(|| doc.policy_id.clone());
    f.push(("doc_name".into(), Field::Json(Value::String(name))));
    if !doc.description.is_empty() {
        f.push((
            "doc_description".into(),
            Field::Json(Value::String(doc.description.clone())),
        ));
    }
    append_extra(&mut f, &doc.metadata, || {
        format!("document {}/{}", doc.policy_id, doc.version_id)
    })?;
    f.push(("structure".into(), structure));
    Ok(f)
}

/// Appends the kept unknown fields, skipping any that a column now provides.
fn append_extra(
    f: &mut Fields,
    metadata: &std::collections::BTreeMap<String, String>,
    who: impl Fn() -> String,
) -> Result<()> {
    let Some(extra) = metadata.get(META_EXTRA) else {
        return Ok(());
    };
    let map: Map<String, Value> = match serde_json::from_str(extra) {
        Ok(Value::Object(m)) => m,
        _ => {
            return Err(Error::invalid(format!(
                "{}: metadata {META_EXTRA} is not a JSON object",
                who()
            )))
        }
    };
    for (k, v) in map {
        if !f.iter().any(|(fk, _)| *fk == k) {
            f.push((k, Field::Json(v)));
        }
    }
    Ok(())
}

/// The field names of `fields`, in order.
pub(super) fn keys_of(fields: &Fields) -> Vec<String> {
    fields.iter().map(|(k, _)| k.clone()).collect()
}

/// Puts `fields` in the order of a kept key list, which is then authoritative: listed fields that
/// are absent are skipped (`nodes` and `structure` are written empty), unlisted ones are dropped,
/// except children, which are never lost.
fn arrange(mut fields: Fields, metadata: &std::collections::BTreeMap<String, String>) -> Fields {
    let Some(keys) = metadata.get(META_KEYS) else {
        return fields;
    };
    let Ok(keys) = serde_json::from_str::<Vec<String>>(keys) else {
        return fields;
    };
    let mut out = Vec::with_capacity(fields.len());
    for k in keys {
        if let Some(i) = fields.iter().position(|(fk, _)| *fk == k) {
            out.push(fields.remove(i));
        } else if k == "nodes" || k == "structure" {
            out.push((k, Field::Children(Vec::new())));
        }
    }
    out.extend(
        fields
            .into_iter()
            .filter(|(k, _)| k == "nodes" || k == "structure"),
    );
    out
}

enum Frame {
    Array {
        items: Vec<usize>,
        next: usize,
        level: usize,
    },
    Object {
        fields: Fields,
        next: usize,
        level: usize,
    },
}

/// Writes `doc` and its `nodes` (any order; the tree is rebuilt from `parent_id` and `child_ids`)
/// as PageIndex JSON.
pub fn render_pageindex(
    doc: &Document,
    nodes: &[Node],
    format: &PageIndexFormat,
) -> Result<String> {
    let tree = Tree::new(doc, nodes)?;
    let root = &nodes[tree.root];
    let top = if root.metadata.get(META_ROOT).map(String::as_str) == Some("synthetic") {
        tree.children[tree.root].clone()
    } else {
        vec![tree.root]
    };
    let shape = doc.metadata.get(META_SHAPE).map(String::as_str);
    let mut w = JsonWriter {
        out: String::new(),
        pretty: format.pretty,
        ascii: format.ascii,
    };
    let mut stack = Vec::new();
    match shape {
        Some("list") => open_array(&mut w, &mut stack, top, 0),
        Some("object") if top.len() == 1 => {
            let fields = arrange(doc_fields(doc, Field::Node(top[0]))?, &doc.metadata);
            open_object(&mut w, &mut stack, fields, 0);
        }
        _ => {
            let fields = arrange(doc_fields(doc, Field::Children(top))?, &doc.metadata);
            open_object(&mut w, &mut stack, fields, 0);
        }
    }
    let mut opened = 0usize;
    while let Some(frame) = stack.last_mut() {
        match step(&mut w, frame) {
            Step::Done => {
                stack.pop();
            }
            Step::Wrote => {}
            Step::Open(i, level) => {
                opened += 1;
                if opened > nodes.len() {
                    return Err(Error::invalid(format!(
                        "document {}/{}: the nodes' child_ids form a cycle",
                        doc.policy_id, doc.version_id
                    )));
                }
                let n = &nodes[i];
                let fields = arrange(node_fields(n, tree.children[i].clone())?, &n.metadata);
                open_object(&mut w, &mut stack, fields, level);
            }
            Step::OpenArray(items, level) => open_array(&mut w, &mut stack, items, level),
        }
    }
    Ok(w.out)
}

enum Step {
    Wrote,
    Done,
    Open(usize, usize),
    OpenArray(Vec<usize>, usize),
}

fn open_array(w: &mut JsonWriter, stack: &mut Vec<Frame>, items: Vec<usize>, level: usize) {
    if items.is_empty() {
        w.out.push_str("[]");
    } else {
        w.out.push('[');
        stack.push(Frame::Array {
            items,
            next: 0,
            level,
        });
    }
}

fn open_object(w: &mut JsonWriter, stack: &mut Vec<Frame>, fields: Fields, level: usize) {
    if fields.is_empty() {
        w.out.push_str("{}");
    } else {
        w.out.push('{');
        stack.push(Frame::Object {
            fields,
            next: 0,
            level,
        });
    }
}

/// Writes the next element of the innermost open array or object.
fn step(w: &mut JsonWriter, frame: &mut Frame) -> Step {
    match frame {
        Frame::Array { items, next, level } => {
            let Some(&i) = items.get(*next) else {
                w.newline(*level);
                w.out.push(']');
                return Step::Done;
            };
            if *next > 0 {
                w.out.push(',');
            }
            *next += 1;
            w.newline(*level + 1);
            Step::Open(i, *level + 1)
        }
        Frame::Object {
            fields,
            next,
            level,
        } => {
            let Some((key, field)) = fields.get_mut(*next) else {
                w.newline(*level);
                w.out.push('}');
                return Step::Done;
            };
            if *next > 0 {
                w.out.push(',');
            }
            *next += 1;
            w.newline(*level + 1);
            w.string(key);
            w.colon();
            match std::mem::replace(field, Field::Json(Value::Null)) {
                Field::Json(v) => {
                    w.value(&v, *level + 1);
                    Step::Wrote
                }
                Field::Children(items) => Step::OpenArray(items, *level + 1),
                Field::Node(i) => Step::Open(i, *level + 1),
            }
        }
    }
}

/// Children lists by index, rebuilt from the nodes' own links.
struct Tree {
    root: usize,
    children: Vec<Vec<usize>>,
}

impl Tree {
    fn new(doc: &Document, nodes: &[Node]) -> Result<Tree> {
        let index: HashMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.node_id.as_str(), i))
            .collect();
        let root = nodes
            .iter()
            .position(|n| n.parent_id.is_none())
            .ok_or_else(|| {
                Error::invalid(format!(
                    "document {}/{}: no root node to export",
                    doc.policy_id, doc.version_id
                ))
            })?;
        // Children by parent link in input order, unless a node lists its own order.
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            if let Some(&p) = n.parent_id.as_deref().and_then(|p| index.get(p)) {
                if nodes[p].child_ids.is_empty() {
                    children[p].push(i);
                }
            }
        }
        for (i, n) in nodes.iter().enumerate() {
            for c in &n.child_ids {
                match index.get(c.as_str()) {
                    Some(&ci) => children[i].push(ci),
                    None => {
                        return Err(Error::invalid(format!(
                            "node {}: field child_ids: child {c:?} is not among the nodes",
                            n.node_id
                        )))
                    }
                }
            }
        }
        Ok(Tree { root, children })
    }
}

impl<R: crate::db::ReadOps + ?Sized> crate::document::DocReader<'_, R> {
    /// The version as PageIndex JSON (see [`render_pageindex`]).
    pub fn export_pageindex(
        &self,
        policy: &str,
        version: Option<&str>,
        format: &PageIndexFormat,
    ) -> Result<String> {
        let (doc, nodes) = self.document(policy, version)?;
        render_pageindex(&doc, &nodes, format)
    }
}
