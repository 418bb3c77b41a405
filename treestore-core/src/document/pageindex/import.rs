//! PageIndex JSON → document version (see the mapping in [`super`]).

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value};

use crate::db::WriteTxn;
use crate::document::{store_document, Document, Node};
use crate::error::{Error, Result};

use super::export::{doc_fields, keys_of, node_fields, Field};
use super::{
    META_DOC_NAME, META_EXTRA, META_KEYS, META_LINE_NUM, META_PREFIX_SUMMARY, META_ROOT, META_SHAPE,
};

/// Parses PageIndex output and stores it as version `template.version_id` of policy
/// `template.policy_id` (replacing that version if it exists). The template supplies what
/// PageIndex does not know: ids, effective dates, `created_by`, tags, `pageindex_doc_id` and
/// metadata; PageIndex's `doc_description`, when present, becomes the description.
pub fn import_pageindex(tx: &mut WriteTxn, json: &str, template: &Document) -> Result<Document> {
    let (doc, nodes) = parse_pageindex(json, template)?;
    store_document(tx, &doc, &nodes)
}

fn json_error(e: &serde_json::Error) -> Error {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let what = full.strip_suffix(&suffix).unwrap_or(&full);
    Error::invalid(format!(
        "PageIndex JSON is malformed at line {}, column {}: {what}",
        e.line(),
        e.column()
    ))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(path: &str, want: &str, v: &Value) -> Error {
    Error::invalid(format!(
        "PageIndex JSON: {path}: expected {want}, found {}",
        type_name(v)
    ))
}

/// A parsed section before ids are settled.
struct Raw {
    node: Node,
    parent: usize,
    keys: Vec<String>,
    child_count: usize,
}

/// Converts PageIndex output to a version and its nodes without storing them (the nodes come in
/// pre-order, the synthetic root first).
pub fn parse_pageindex(json: &str, template: &Document) -> Result<(Document, Vec<Node>)> {
    let value: Value = serde_json::from_str(json).map_err(|e| json_error(&e))?;
    let mut doc = template.clone();
    doc.root_node_id = String::new();
    let mut raws: Vec<Raw> = Vec::new();
    match value {
        Value::Array(items) => {
            doc.metadata.insert(META_SHAPE.into(), "list".into());
            collect_list(items, "", 0, &mut raws)?;
        }
        Value::Object(map) => parse_top_object(map, &mut doc, &mut raws)?,
        other => {
            return Err(Error::invalid(format!(
                "PageIndex JSON: the top level is {}, expected an object with \"structure\" or a list of sections",
                type_name(&other)
            )))
        }
    }
    let nodes = settle_ids(&doc, raws)?;
    Ok((doc, nodes))
}

fn parse_top_object(
    map: Map<String, Value>,
    doc: &mut Document,
    raws: &mut Vec<Raw>,
) -> Result<()> {
    let keys: Vec<String> = map.keys().cloned().collect();
    let mut extra = Map::new();
    let mut structure = None;
    for (k, v) in map {
        match (k.as_str(), v) {
            ("structure", v) => structure = Some(v),
            ("doc_name", Value::String(s)) => {
                doc.metadata.insert(META_DOC_NAME.into(), s);
            }
            ("doc_description", Value::String(s)) => doc.description = s,
            (_, v) => {
                extra.insert(k, v);
            }
        }
    }
    if !extra.is_empty() {
        doc.metadata
            .insert(META_EXTRA.into(), Value::Object(extra).to_string());
    }
    let single = match structure {
        Some(Value::Array(items)) => {
            collect_list(items, "structure", 0, raws)?;
            false
        }
        Some(Value::Object(node)) => {
            doc.metadata.insert(META_SHAPE.into(), "object".into());
            collect_node(node, "structure".into(), 0, raws)?;
            true
        }
        Some(other) => return Err(wrong_type("structure", "a list of sections", &other)),
        None => {
            return Err(Error::invalid(
                "PageIndex JSON: the top-level object has no \"structure\"",
            ))
        }
    };
    let placeholder = if single {
        Field::Node(0)
    } else {
        Field::Children(Vec::new())
    };
    if keys_of(&doc_fields(doc, placeholder)?) != keys {
        doc.metadata
            .insert(META_KEYS.into(), Value::from(keys).to_string());
    }
    Ok(())
}

/// Appends the sections of a `nodes` (or `structure`) list, and their subtrees, in pre-order.
/// `parent` indexes `raws` shifted by one: 0 is the synthetic root.
fn collect_list(items: Vec<Value>, path: &str, parent: usize, raws: &mut Vec<Raw>) -> Result<()> {
    for (i, item) in items.into_iter().enumerate() {
        let here = format!("{path}[{i}]");
        match item {
            Value::Object(map) => collect_node(map, here, parent, raws)?,
            other => return Err(wrong_type(&here, "a section object", &other)),
        }
    }
    Ok(())
}

fn collect_node(
    map: Map<String, Value>,
    path: String,
    parent: usize,
    raws: &mut Vec<Raw>,
) -> Result<()> {
    let keys: Vec<String> = map.keys().cloned().collect();
    let mut node = Node::default();
    let mut extra = Map::new();
    let mut children = None;
    for (k, v) in map {
        let at = || format!("{path}.{k}");
        match (k.as_str(), v) {
            (_, Value::Null) => {
                extra.insert(k, Value::Null);
            }
            ("title", Value::String(s)) => node.title = s,
            ("node_id", Value::String(s)) => node.node_id = s,
            ("summary", Value::String(s)) => node.summary = Some(s),
            ("text", Value::String(s)) => node.text = Some(s),
            ("prefix_summary", Value::String(s)) => {
                node.metadata.insert(META_PREFIX_SUMMARY.into(), s);
            }
            ("start_index", v) => node.page_start = Some(page(&at(), &v)?),
            ("end_index", v) => node.page_end = Some(page(&at(), &v)?),
            ("line_num", Value::Number(n)) if n.is_i64() || n.is_u64() => {
                node.metadata.insert(META_LINE_NUM.into(), n.to_string());
            }
            ("nodes", Value::Array(items)) => children = Some(items),
            ("title" | "node_id" | "summary" | "text" | "prefix_summary", v) => {
                return Err(wrong_type(&at(), "a string", &v))
            }
            ("line_num", v) => return Err(wrong_type(&at(), "an integer", &v)),
            ("nodes", v) => return Err(wrong_type(&at(), "a list of sections", &v)),
            (_, v) => {
                extra.insert(k, v);
            }
        }
    }
    if node.page_start.is_none() {
        node.page_start = node.page_end;
    }
    if node.page_end.is_none() {
        node.page_end = node.page_start;
    }
    if !extra.is_empty() {
        node.metadata
            .insert(META_EXTRA.into(), Value::Object(extra).to_string());
    }
    let me = raws.len() + 1;
    let children = children.unwrap_or_default();
    raws.push(Raw {
        node,
        parent,
        keys,
        child_count: children.len(),
    });
    collect_list(children, &format!("{path}.nodes"), me, raws)
}

fn page(path: &str, v: &Value) -> Result<i64> {
    v.as_i64()
        .ok_or_else(|| wrong_type(path, "an integer page number", v))
}

/// Assigns missing ids, adds the synthetic root, links parents and records key orders.
fn settle_ids(doc: &Document, raws: Vec<Raw>) -> Result<Vec<Node>> {
    let mut used: HashSet<String> = raws
        .iter()
        .filter(|r| !r.node.node_id.is_empty())
        .map(|r| r.node.node_id.clone())
        .collect();
    let root_id = free_id(&used, "root".to_string(), |k| format!("root-{k}"));
    used.insert(root_id.clone());
    let mut nodes = Vec::with_capacity(raws.len() + 1);
    nodes.push(Node {
        node_id: root_id,
        title: doc.metadata.get(META_DOC_NAME).cloned().unwrap_or_default(),
        metadata: BTreeMap::from([(META_ROOT.to_string(), "synthetic".to_string())]),
        ..Node::default()
    });
    let mut next_number = 0usize;
    for (k, raw) in raws.iter().enumerate() {
        let mut node = raw.node.clone();
        if node.node_id.is_empty() {
            next_number = next_number.max(k);
            let id = free_id(&used, format!("{next_number:04}"), |j| {
                format!("{:04}", next_number + j)
            });
            used.insert(id.clone());
            node.node_id = id;
        }
        let parent = nodes
            .get(raw.parent)
            .map(|p: &Node| p.node_id.clone())
            .ok_or_else(|| Error::corruption("PageIndex import: parent index out of range"))?;
        node.parent_id = Some(parent);
        let default = keys_of(&node_fields(&node, vec![0; raw.child_count])?);
        if default != raw.keys {
            node.metadata
                .insert(META_KEYS.into(), Value::from(raw.keys.clone()).to_string());
        }
        nodes.push(node);
    }
    Ok(nodes)
}

/// `first`, or the first of `nth(1)`, `nth(2)`, ... that is not in `used`.
fn free_id(used: &HashSet<String>, first: String, nth: impl Fn(usize) -> String) -> String {
    if !used.contains(&first) {
        return first;
    }
    (1..)
        .map(nth)
        .find(|c| !used.contains(c))
        .unwrap_or_default()
}
