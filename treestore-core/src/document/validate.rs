//! Validation of a document and its nodes before anything is written, and the derived layout:
//! pre-order positions, depths, subtree sizes, child order and section paths.
//!
//! Every check names the node and the field. Size limits fail with `TooLarge`, everything else with
//! `InvalidArgument`. All walks are iterative: a chain of [`MAX_DEPTH`] nodes is fine.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::error::{Error, ErrorKind, Result};
use crate::search::DocRef;

use super::model::{
    Document, Node, MAX_DEPTH, MAX_DESCRIPTION_BYTES, MAX_ID_BYTES, MAX_METADATA_BYTES, MAX_NODES,
    MAX_PAGE, MAX_SECTION_PATH_BYTES, MAX_SEE_ALSO, MAX_SUMMARY_BYTES, MAX_TEXT_BYTES,
    MAX_TITLE_BYTES,
};

/// The derived layout of a valid document. Indices are positions in the caller's node slice.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// `order[pos]` is the input index of the node at pre-order position `pos`.
    pub order: Vec<usize>,
    /// Per input index: its pre-order position.
    pub pos: Vec<u32>,
    pub depth: Vec<u32>,
    /// Per input index: nodes in its subtree, itself included.
    pub size: Vec<u32>,
    /// Per input index: its children's input indices, in order.
    pub children: Vec<Vec<usize>>,
    /// Per input index: its parent's input index.
    pub parent: Vec<Option<usize>>,
    /// Per input index: its section path (given or derived).
    pub section_path: Vec<String>,
    /// Per input index: its validated page range.
    pub pages: Vec<Option<(u32, u32)>>,
    /// Input index of the root.
    pub root: usize,
}

fn invalid(node: &str, field: &str, why: impl std::fmt::Display) -> Error {
    Error::invalid(format!("node {node}: field {field}: {why}"))
}

fn too_large(node: &str, field: &str, len: usize, limit: usize) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        format!("node {node}: field {field}: {len} bytes, the limit is {limit}"),
    )
}

fn doc_invalid(doc: &Document, field: &str, why: impl std::fmt::Display) -> Error {
    Error::invalid(format!(
        "document {}/{}: field {field}: {why}",
        doc.policy_id, doc.version_id
    ))
}

/// Checks that the longest keys a version's ids and tags make fit `max_key`, the database's key
/// limit ([`crate::db::ReadOps::max_key_len`]): the catalog's time key of policy, a timestamp and
/// version, each node's keyword-index key of policy, version and node id, and each tag's key of
/// policy and tag, each measured with the builder its table uses. At the default 4 KiB page (976
/// bytes) ids and tags within their own limits always fit (777 bytes at most); 1 KiB pages take
/// 208. Ids hold no NUL byte by now (the one byte keys escape), so a node's key is the key of an
/// empty node id plus the id's bytes.
pub(crate) fn check_key_room(doc: &Document, nodes: &[Node], max_key: usize) -> Result<()> {
    let too_long = |what: String, len: usize| {
        Error::new(
            ErrorKind::TooLarge,
            format!(
                "{what} takes {len} bytes, over this database's key limit of {max_key} (set by \
                 its page size)"
            ),
        )
    };
    let (policy, version) = (doc.policy_id.as_str(), doc.version_id.as_str());
    let time_key = crate::version::record::time_key(policy, 0, version).len();
    if time_key > max_key {
        let what = format!(
            "document {policy}/{version}: field version_id: the catalog's key of the policy and \
             version ids"
        );
        return Err(too_long(what, time_key));
    }
    let node_key_base = crate::search::layout::node_key(&DocRef::new(policy, version, "")).len();
    for n in nodes {
        let len = node_key_base + n.node_id.len();
        if len > max_key {
            let what = format!(
                "node {}: field node_id: its key with the policy and version ids",
                n.node_id
            );
            return Err(too_long(what, len));
        }
    }
    for tag in &doc.tags {
        crate::version::write::check_tag_key_room(policy, version, tag, max_key)?;
    }
    Ok(())
}

/// An id of node `node`: at most [`MAX_ID_BYTES`] and without a NUL byte.
fn check_id(node: &str, field: &str, value: &str) -> Result<()> {
    check_len(node, field, value, MAX_ID_BYTES)?;
    check_no_nul(&format_args!("node {node}"), field, value)
}

/// Refuses an id holding a NUL byte, naming `what` and `field` (as PostgreSQL's text: the keys
/// escape NUL into two bytes, so ids without it keep every key within the tree's key limit).
fn check_no_nul(what: &dyn std::fmt::Display, field: &str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(Error::invalid(format!(
            "{what}: field {field}: contains a NUL byte, which ids may not"
        )));
    }
    Ok(())
}

fn check_len(node: &str, field: &str, value: &str, limit: usize) -> Result<()> {
    if value.len() > limit {
        return Err(too_large(node, field, value.len(), limit));
    }
    Ok(())
}

pub(crate) fn metadata_bytes(m: &BTreeMap<String, String>) -> usize {
    m.iter().map(|(k, v)| k.len() + v.len()).sum()
}

/// Checks the document header (not its tags or dates, which the version catalog checks).
pub(crate) fn check_document(doc: &Document) -> Result<()> {
    for (field, value) in [
        ("policy_id", &doc.policy_id),
        ("version_id", &doc.version_id),
    ] {
        if value.is_empty() {
            return Err(doc_invalid(doc, field, "is empty"));
        }
        if value.len() > MAX_ID_BYTES {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "document: field {field}: {} bytes, the limit is {MAX_ID_BYTES}",
                    value.len()
                ),
            ));
        }
        check_no_nul(&"document", field, value)?;
    }
    check_no_nul(
        &format_args!("document {}/{}", doc.policy_id, doc.version_id),
        "root_node_id",
        &doc.root_node_id,
    )?;
    let sizes = [
        (
            "pageindex_doc_id",
            doc.pageindex_doc_id.as_deref().map_or(0, str::len),
            MAX_ID_BYTES,
        ),
        ("root_node_id", doc.root_node_id.len(), MAX_ID_BYTES),
        ("created_by", doc.created_by.len(), MAX_DESCRIPTION_BYTES),
        ("description", doc.description.len(), MAX_DESCRIPTION_BYTES),
        (
            "metadata",
            metadata_bytes(&doc.metadata),
            MAX_METADATA_BYTES,
        ),
    ];
    for (field, len, limit) in sizes {
        if len > limit {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "document {}/{}: field {field}: {len} bytes, the limit is {limit}",
                    doc.policy_id, doc.version_id
                ),
            ));
        }
    }
    Ok(())
}

/// Checks one node's own fields; returns its page range.
fn check_node(doc: &Document, i: usize, n: &Node) -> Result<Option<(u32, u32)>> {
    if n.node_id.is_empty() {
        return Err(Error::invalid(format!(
            "node at input position {i}: field node_id: is empty"
        )));
    }
    let id = n.node_id.as_str();
    check_len(id, "node_id", id, MAX_ID_BYTES)?;
    check_no_nul(&format_args!("node at input position {i}"), "node_id", id)?;
    for (field, given, want) in [
        ("policy_id", &n.policy_id, &doc.policy_id),
        ("version_id", &n.version_id, &doc.version_id),
    ] {
        if !given.is_empty() && given != want {
            return Err(invalid(
                id,
                field,
                format!("{given:?} differs from the document's {want:?}"),
            ));
        }
    }
    check_len(id, "title", &n.title, MAX_TITLE_BYTES)?;
    check_len(
        id,
        "summary",
        n.summary.as_deref().unwrap_or(""),
        MAX_SUMMARY_BYTES,
    )?;
    check_len(id, "text", n.text.as_deref().unwrap_or(""), MAX_TEXT_BYTES)?;
    check_len(id, "section_path", &n.section_path, MAX_SECTION_PATH_BYTES)?;
    if let Some(p) = &n.parent_id {
        check_id(id, "parent_id", p)?;
    }
    if n.see_also.len() > MAX_SEE_ALSO {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "node {id}: field see_also: {} ids, the limit is {MAX_SEE_ALSO}",
                n.see_also.len()
            ),
        ));
    }
    for s in &n.see_also {
        if s.is_empty() {
            return Err(invalid(id, "see_also", "an id is empty"));
        }
        check_id(id, "see_also", s)?;
    }
    let md = metadata_bytes(&n.metadata);
    if md > MAX_METADATA_BYTES {
        return Err(too_large(id, "metadata", md, MAX_METADATA_BYTES));
    }
    check_pages(id, n.page_start, n.page_end)
}

fn check_pages(id: &str, start: Option<i64>, end: Option<i64>) -> Result<Option<(u32, u32)>> {
    let one = |field: &str, p: i64| -> Result<u32> {
        if p < 0 {
            return Err(invalid(id, field, format!("{p} is negative")));
        }
        if p > MAX_PAGE {
            return Err(invalid(
                id,
                field,
                format!("{p} is above the highest page {MAX_PAGE}"),
            ));
        }
        Ok(p as u32)
    };
    match (start, end) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(invalid(
            id,
            "page_end",
            "is missing while page_start is set",
        )),
        (None, Some(_)) => Err(invalid(
            id,
            "page_start",
            "is missing while page_end is set",
        )),
        (Some(s), Some(e)) => {
            let (s, e) = (one("page_start", s)?, one("page_end", e)?);
            if s > e {
                return Err(invalid(
                    id,
                    "page_start",
                    format!("{s} is after page_end {e}"),
                ));
            }
            Ok(Some((s, e)))
        }
    }
}

/// Validates everything about `nodes` that needs no database read and derives the layout.
pub(crate) fn plan(doc: &Document, nodes: &[Node]) -> Result<Plan> {
    check_document(doc)?;
    if nodes.len() > MAX_NODES {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "document {}/{}: {} nodes, the limit is {MAX_NODES}",
                doc.policy_id,
                doc.version_id,
                nodes.len()
            ),
        ));
    }
    let mut pages = Vec::with_capacity(nodes.len());
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        pages.push(check_node(doc, i, n)?);
        if let Some(first) = index.insert(n.node_id.as_str(), i) {
            return Err(invalid(
                &n.node_id,
                "node_id",
                format!("is used twice (input positions {first} and {i})"),
            ));
        }
    }
    let (root, parent) = link_parents(doc, nodes, &index)?;
    let children = order_children(nodes, &index, &parent)?;
    let (order, pos, depth) = preorder(nodes, root, &children)?;
    if doc.root_node_id.is_empty() || doc.root_node_id == nodes[root].node_id {
        let size = subtree_sizes(&order, &parent);
        let section_path = section_paths(nodes, &order, &parent, &children)?;
        return Ok(Plan {
            order,
            pos,
            depth,
            size,
            children,
            parent,
            section_path,
            pages,
            root,
        });
    }
    Err(doc_invalid(
        doc,
        "root_node_id",
        format!(
            "{:?} is not the root (the node without a parent is {:?})",
            doc.root_node_id, nodes[root].node_id
        ),
    ))
}

/// Finds the single root and every node's parent index.
fn link_parents(
    doc: &Document,
    nodes: &[Node],
    index: &HashMap<&str, usize>,
) -> Result<(usize, Vec<Option<usize>>)> {
    let mut root = None;
    let mut parent = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        match &n.parent_id {
            None => {
                if let Some(r) = root {
                    let first: &Node = &nodes[r];
                    return Err(invalid(
                        &n.node_id,
                        "parent_id",
                        format!("is missing, but node {} is already the root", first.node_id),
                    ));
                }
                root = Some(i);
                parent.push(None);
            }
            Some(p) => match index.get(p.as_str()) {
                Some(&pi) => parent.push(Some(pi)),
                None => {
                    return Err(invalid(
                        &n.node_id,
                        "parent_id",
                        format!("parent {p:?} is not in the document"),
                    ))
                }
            },
        }
    }
    match root {
        Some(r) => Ok((r, parent)),
        None if nodes.is_empty() => Err(doc_invalid(doc, "nodes", "the document has no nodes")),
        None => Err(doc_invalid(
            doc,
            "nodes",
            "no node is the root (every node has a parent_id, so the parents form a cycle)",
        )),
    }
}

/// Children lists in input order, or in the order a non-empty `child_ids` gives.
fn order_children(
    nodes: &[Node],
    index: &HashMap<&str, usize>,
    parent: &[Option<usize>],
) -> Result<Vec<Vec<usize>>> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = *p {
            children[p].push(i);
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        if n.child_ids.is_empty() {
            continue;
        }
        let mut given = Vec::with_capacity(n.child_ids.len());
        let mut seen = HashSet::with_capacity(n.child_ids.len());
        for c in &n.child_ids {
            let ci = index
                .get(c.as_str())
                .copied()
                .filter(|&ci| parent[ci] == Some(i));
            let Some(ci) = ci else {
                return Err(invalid(
                    &n.node_id,
                    "child_ids",
                    format!("lists {c:?}, whose parent_id is not this node"),
                ));
            };
            if !seen.insert(ci) {
                return Err(invalid(
                    &n.node_id,
                    "child_ids",
                    format!("lists {c:?} twice"),
                ));
            }
            given.push(ci);
        }
        if given.len() != children[i].len() {
            let missing = children[i].iter().find(|c| !seen.contains(*c));
            let name = missing.map_or("", |&c| nodes[c].node_id.as_str());
            return Err(invalid(
                &n.node_id,
                "child_ids",
                format!("does not list its child {name:?}"),
            ));
        }
        children[i] = given;
    }
    Ok(children)
}

/// Pre-order from the root; nodes it never reaches sit on parent cycles.
fn preorder(
    nodes: &[Node],
    root: usize,
    children: &[Vec<usize>],
) -> Result<(Vec<usize>, Vec<u32>, Vec<u32>)> {
    let mut order = Vec::with_capacity(nodes.len());
    let mut pos = vec![u32::MAX; nodes.len()];
    let mut depth = vec![0u32; nodes.len()];
    let mut stack = vec![root];
    while let Some(i) = stack.pop() {
        pos[i] = order.len() as u32;
        order.push(i);
        for &c in children[i].iter().rev() {
            depth[c] = depth[i] + 1;
            if depth[c] > MAX_DEPTH {
                return Err(invalid(
                    &nodes[c].node_id,
                    "parent_id",
                    format!("the node is deeper than the limit of {MAX_DEPTH} levels"),
                ));
            }
            stack.push(c);
        }
    }
    if order.len() < nodes.len() {
        if let Some(i) = pos.iter().position(|&p| p == u32::MAX) {
            return Err(invalid(
                &nodes[i].node_id,
                "parent_id",
                format!(
                    "the node is on a cycle of parents (it is not below the root {:?})",
                    nodes[root].node_id
                ),
            ));
        }
    }
    Ok((order, pos, depth))
}

fn subtree_sizes(order: &[usize], parent: &[Option<usize>]) -> Vec<u32> {
    let mut size = vec![1u32; parent.len()];
    for &i in order.iter().rev() {
        if let Some(p) = parent[i] {
            size[p] += size[i];
        }
    }
    size
}

/// Given paths, or derived ones: the root's is "", the k-th child (1-based) of a node with path
/// `p` gets `p.k` (or `k` below an empty path). Paths must be distinct.
fn section_paths(
    nodes: &[Node],
    order: &[usize],
    parent: &[Option<usize>],
    children: &[Vec<usize>],
) -> Result<Vec<String>> {
    let mut ordinal = vec![0usize; nodes.len()];
    for kids in children {
        for (k, &c) in kids.iter().enumerate() {
            ordinal[c] = k + 1;
        }
    }
    let mut paths = vec![String::new(); nodes.len()];
    let mut owner: HashMap<String, usize> = HashMap::with_capacity(nodes.len());
    for &i in order {
        let path = if !nodes[i].section_path.is_empty() {
            nodes[i].section_path.clone()
        } else {
            match parent[i] {
                None => String::new(),
                Some(p) if paths[p].is_empty() => ordinal[i].to_string(),
                Some(p) => format!("{}.{}", paths[p], ordinal[i]),
            }
        };
        if let Some(other) = owner.insert(path.clone(), i) {
            return Err(invalid(
                &nodes[i].node_id,
                "section_path",
                format!("{path:?} is also the path of node {}", nodes[other].node_id),
            ));
        }
        paths[i] = path;
    }
    Ok(paths)
}
