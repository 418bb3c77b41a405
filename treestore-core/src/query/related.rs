//! Related nodes, with the reason each is related, in the order the reasoning service uses them.

use std::collections::HashSet;

use crate::document::{DocReader, Node};
use crate::error::{Error, ErrorKind, Result};
use crate::metadata::{self, CrossReferenceQuery, Direction, ReferenceType};
use crate::search::{self, SearchOptions};
use crate::ReadOps;

/// The most related nodes one call returns.
pub const MAX_RELATED: usize = 1_000;

/// Why a node is related to the criterion node.
#[derive(Debug, Clone, PartialEq)]
pub enum RelatedReason {
    /// A curated cross-reference of this type links the two (either direction).
    CrossReference(ReferenceType),
    /// The node matches the keywords, with this BM25 score.
    KeywordHit(f64),
    /// The node is a sibling of a keyword hit (the hit's node id).
    SiblingOfHit(String),
    /// The criterion node lists it in `see_also`.
    SeeAlso,
}

impl RelatedReason {
    /// A short name: `cross_reference`, `keyword`, `sibling`, `see_also`.
    pub fn name(&self) -> &'static str {
        match self {
            RelatedReason::CrossReference(_) => "cross_reference",
            RelatedReason::KeywordHit(_) => "keyword",
            RelatedReason::SiblingOfHit(_) => "sibling",
            RelatedReason::SeeAlso => "see_also",
        }
    }
}

/// A related node and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedNode {
    /// The node (without text).
    pub node: Node,
    /// Why it is related.
    pub reason: RelatedReason,
}

struct Collector<'a, R: ReadOps + ?Sized> {
    docs: DocReader<'a, R>,
    seen: HashSet<(String, String)>,
    out: Vec<RelatedNode>,
    limit: usize,
}

impl<R: ReadOps + ?Sized> Collector<'_, R> {
    fn full(&self) -> bool {
        self.out.len() >= self.limit
    }

    fn push(&mut self, node: Node, reason: RelatedReason) {
        if self.full()
            || !self
                .seen
                .insert((node.policy_id.clone(), node.node_id.clone()))
        {
            return;
        }
        self.out.push(RelatedNode { node, reason });
    }

    /// A node of another document: its latest version; absent nodes are skipped (a reference may
    /// outlive the section it names).
    fn lookup(&self, policy: &str, version: Option<&str>, node_id: &str) -> Result<Option<Node>> {
        match self.docs.nodes(policy, version, &[node_id], false) {
            Ok(mut found) => Ok(found.pop().flatten()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The nodes related to node `criterion_id` of `policy` (latest version when `version` is `None`):
/// first the targets and sources of its curated cross-references, then the nodes of the same
/// version matching any of `tokens` (BM25, best first), then the siblings of those hits, then the
/// nodes it lists in `see_also` — each node once, under its first reason, at most `limit`.
pub fn find_related<R: ReadOps + ?Sized>(
    tx: &R,
    policy: &str,
    version: Option<&str>,
    criterion_id: &str,
    tokens: &[String],
    limit: usize,
) -> Result<Vec<RelatedNode>> {
    if limit == 0 || limit > MAX_RELATED {
        return Err(Error::invalid(format!(
            "find_related: field limit: must be 1 to {MAX_RELATED}, got {limit}"
        )));
    }
    let docs = DocReader::new(tx);
    let criterion = docs.node(policy, version, criterion_id)?;
    let version_id = criterion.version_id.clone();
    let mut c = Collector {
        docs,
        seen: HashSet::from([(policy.to_string(), criterion_id.to_string())]),
        out: Vec::new(),
        limit,
    };
    cross_referenced(tx, &mut c, policy, criterion_id)?;
    let hits = keyword_hits(tx, &mut c, policy, &version_id, tokens)?;
    for hit in &hits {
        if c.full() {
            break;
        }
        let siblings =
            c.docs
                .children(policy, Some(&version_id), hit.parent_id.as_deref(), false)?;
        for s in siblings.into_iter().filter(|s| s.node_id != hit.node_id) {
            c.push(s, RelatedReason::SiblingOfHit(hit.node_id.clone()));
        }
    }
    for id in &criterion.see_also {
        if let Some(n) = c.lookup(policy, Some(&version_id), id)? {
            c.push(n, RelatedReason::SeeAlso);
        }
    }
    Ok(c.out)
}

fn cross_referenced<R: ReadOps + ?Sized>(
    tx: &R,
    c: &mut Collector<'_, R>,
    policy: &str,
    node_id: &str,
) -> Result<()> {
    let query = CrossReferenceQuery {
        policy_id: policy.to_string(),
        node_id: Some(node_id.to_string()),
        direction: Direction::Both,
        reference_type: None,
        limit: c.limit.min(metadata::MAX_LIMIT),
        cursor: None,
    };
    for r in metadata::cross_references(tx, &query)?.items {
        let outgoing = r.source_policy_id == policy && r.source_node_id.as_deref() == Some(node_id);
        let (p, n) = if outgoing {
            (&r.target_policy_id, r.target_node_id.as_deref())
        } else {
            (&r.source_policy_id, r.source_node_id.as_deref())
        };
        if let Some(n) = n {
            if let Some(node) = c.lookup(p, None, n)? {
                c.push(node, RelatedReason::CrossReference(r.reference_type));
            }
        }
    }
    Ok(())
}

fn keyword_hits<R: ReadOps + ?Sized>(
    tx: &R,
    c: &mut Collector<'_, R>,
    policy: &str,
    version_id: &str,
    tokens: &[String],
) -> Result<Vec<Node>> {
    let words: Vec<String> = tokens
        .iter()
        .flat_map(|t| search::analyze(t, search::Stemming::None))
        .map(|tok| tok.term)
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    let opts = SearchOptions {
        limit: c.limit.min(search::MAX_RESULTS),
        policy_id: Some(policy.to_string()),
        version_id: Some(version_id.to_string()),
        ..SearchOptions::default()
    };
    let mut hits = Vec::new();
    for hit in search::search(tx, &quoted.join(" OR "), &opts)? {
        if let Some(node) = c.lookup(policy, Some(version_id), &hit.doc.node_id)? {
            hits.push(node.clone());
            c.push(node, RelatedReason::KeywordHit(hit.score));
        }
    }
    Ok(hits)
}
