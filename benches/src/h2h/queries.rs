//! The queries the reasoning service runs, as kinds (one table row each) and seeded parameter
//! sets drawn from the corpus, so every engine runs exactly the same queries in the same order.

use std::sync::Arc;

use treestore_core::document::gen::Rng;

use super::corpus::{effective_start, Corpus, Doc, Source, DAY, VERSIONS};

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Node,
    Batch50,
    Children,
    Subtree3,
    Subtree20,
    SubtreeWhole,
    Ancestors,
    Page,
    Structure,
    AsOf,
    SearchSelective,
    SearchBroad,
    ChainSubtree,
    ChainAncestors,
    FanChildren,
    StoreDoc,
    StoreToolResult,
}

impl Kind {
    pub const ALL: [Kind; 17] = [
        Kind::Node,
        Kind::Batch50,
        Kind::Children,
        Kind::Subtree3,
        Kind::Subtree20,
        Kind::SubtreeWhole,
        Kind::Ancestors,
        Kind::Page,
        Kind::Structure,
        Kind::AsOf,
        Kind::SearchSelective,
        Kind::SearchBroad,
        Kind::ChainSubtree,
        Kind::ChainAncestors,
        Kind::FanChildren,
        Kind::StoreDoc,
        Kind::StoreToolResult,
    ];

    /// The row label.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Node => "get node (with text)",
            Kind::Batch50 => "get 50 nodes (with text)",
            Kind::Children => "children (no text)",
            Kind::Subtree3 => "subtree to depth 3 (with text)",
            Kind::Subtree20 => "subtree of ~20 nodes (with text)",
            Kind::SubtreeWhole => "whole subtree of a root (with text)",
            Kind::Ancestors => "ancestor path (no text)",
            Kind::Page => "nodes covering a page (with text)",
            Kind::Structure => "structure view (no text, summary 420 chars)",
            Kind::AsOf => "version as-of",
            Kind::SearchSelective => "search top-10, selective (~hundreds of hits)",
            Kind::SearchBroad => "search top-10, broad (~1/21 of nodes hit)",
            Kind::ChainSubtree => "adversarial: subtree of a 1,000-deep chain",
            Kind::ChainAncestors => "adversarial: ancestors of the chain's leaf",
            Kind::FanChildren => "adversarial: 10,000 children of one node",
            Kind::StoreDoc => "store a 100-node document (durable)",
            Kind::StoreToolResult => "store a tool result (durable)",
        }
    }

    /// The short name criterion uses.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Node => "node",
            Kind::Batch50 => "batch50",
            Kind::Children => "children",
            Kind::Subtree3 => "subtree3",
            Kind::Subtree20 => "subtree20",
            Kind::SubtreeWhole => "subtree_whole",
            Kind::Ancestors => "ancestors",
            Kind::Page => "page",
            Kind::Structure => "structure",
            Kind::AsOf => "as_of",
            Kind::SearchSelective => "search_selective",
            Kind::SearchBroad => "search_broad",
            Kind::ChainSubtree => "chain_subtree",
            Kind::ChainAncestors => "chain_ancestors",
            Kind::FanChildren => "fan_children",
            Kind::StoreDoc => "store_doc",
            Kind::StoreToolResult => "store_tool_result",
        }
    }

    /// The kind whose [`Kind::id`] is `id`; panics listing the ids when there is none (the
    /// examples' argument).
    pub fn by_id(id: &str) -> Kind {
        Kind::ALL
            .into_iter()
            .find(|k| k.id() == id)
            .unwrap_or_else(|| {
                let ids: Vec<&str> = Kind::ALL.iter().map(|k| k.id()).collect();
                panic!("unknown query kind {id:?}; one of {}", ids.join(", "))
            })
    }

    /// Tree queries (the targets: 30x PostgreSQL, 3x SQLite, p99 < 1 ms under a writer).
    pub fn is_tree(self) -> bool {
        matches!(
            self,
            Kind::Node
                | Kind::Batch50
                | Kind::Children
                | Kind::Subtree3
                | Kind::Subtree20
                | Kind::SubtreeWhole
                | Kind::Ancestors
                | Kind::Page
                | Kind::Structure
                | Kind::ChainSubtree
                | Kind::ChainAncestors
                | Kind::FanChildren
        )
    }

    pub fn is_subtree(self) -> bool {
        matches!(
            self,
            Kind::Subtree3 | Kind::Subtree20 | Kind::SubtreeWhole | Kind::ChainSubtree
        )
    }

    pub fn is_write(self) -> bool {
        matches!(self, Kind::StoreDoc | Kind::StoreToolResult)
    }

    pub fn is_search(self) -> bool {
        matches!(self, Kind::SearchSelective | Kind::SearchBroad)
    }

    /// The kinds the 4-readers-under-a-writer run measures.
    pub const UNDER_WRITER: [Kind; 7] = [
        Kind::Node,
        Kind::Children,
        Kind::Subtree20,
        Kind::Ancestors,
        Kind::Page,
        Kind::Structure,
        Kind::AsOf,
    ];
}

/// One query with its parameters. Reads name a version by `(policy, version)`, resolved by each
/// engine (no engine is handed an internal id).
#[derive(Debug, Clone)]
pub enum Query {
    Node {
        policy: String,
        version: String,
        id: String,
    },
    Batch {
        policy: String,
        version: String,
        ids: Vec<String>,
    },
    /// Children without text.
    Children {
        policy: String,
        version: String,
        id: String,
    },
    /// Pre-order with text; `depth` levels below the node, 0 for all.
    Subtree {
        policy: String,
        version: String,
        id: String,
        depth: u32,
    },
    /// Root first, without text.
    Ancestors {
        policy: String,
        version: String,
        id: String,
    },
    /// Pre-order, with text.
    Page {
        policy: String,
        version: String,
        page: i64,
    },
    /// Pre-order without text, summaries cut to [`STRUCTURE_SUMMARY_CHARS`] characters.
    Structure {
        policy: String,
        version: String,
    },
    AsOf {
        policy: String,
        at: i64,
    },
    Search {
        q: String,
    },
    /// Stores `doc` under a fresh policy id (one durable transaction).
    StoreDoc {
        doc: Arc<Doc>,
    },
    /// Stores a tool result with `result_bytes` of JSON (one durable transaction).
    StoreToolResult {
        policy: String,
        node: String,
        result_bytes: usize,
    },
}

/// Summaries in the structure view are cut to this many characters.
pub const STRUCTURE_SUMMARY_CHARS: usize = 420;
/// Hits a search returns.
pub const SEARCH_LIMIT: usize = 10;
/// Parameter sets per kind (cycled while timing).
pub const SET_LEN: usize = 2_000;

/// Title heads of the generator that are not also body words: each is in about 1/21 of titles.
const HEADS: [&str; 8] = [
    "definitions",
    "exclusions",
    "claims",
    "appeals",
    "recordkeeping",
    "outlook",
    "appendix",
    "scope",
];

/// The parameter sets of every kind, seeded.
pub fn query_sets(corpus: &Corpus, seed: u64) -> Vec<(Kind, Vec<Query>)> {
    let gen: Vec<&Doc> = corpus
        .docs
        .iter()
        .filter(|d| d.source == Source::Generated)
        .collect();
    let find = |s: Source| corpus.docs.iter().find(|d| d.source == s).unwrap();
    let chain = find(Source::Chain);
    let fan = find(Source::Fan);
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for kind in Kind::ALL {
        // Written documents are cycled from a few (each store takes a fresh policy id).
        let len = if kind == Kind::StoreDoc { 50 } else { SET_LEN };
        let set: Vec<Query> = (0..len)
            .map(|_| make(kind, &gen, chain, fan, &mut rng))
            .collect();
        out.push((kind, set));
    }
    out
}

fn pv(d: &Doc) -> (String, String) {
    (d.doc.policy_id.clone(), d.doc.version_id.clone())
}

fn pick<'a>(rng: &mut Rng, docs: &[&'a Doc]) -> &'a Doc {
    docs[rng.below(docs.len() as u64) as usize]
}

/// The first node position satisfying `ok` from a random start, cyclically.
fn node_where(rng: &mut Rng, d: &Doc, ok: impl Fn(usize) -> bool) -> Option<usize> {
    let n = d.nodes.len();
    let start = rng.below(n as u64) as usize;
    (0..n).map(|i| (start + i) % n).find(|&p| ok(p))
}

/// What a kind needs of its node, if anything.
fn wanted(kind: Kind, d: &Doc, p: usize) -> bool {
    match kind {
        Kind::Children => d.size[p] > 1,
        Kind::Subtree3 => d.depth[p] == 1,
        Kind::Subtree20 => (15..=25).contains(&d.size[p]),
        Kind::Ancestors => d.size[p] == 1,
        _ => true,
    }
}

fn make(kind: Kind, gen: &[&Doc], chain: &Doc, fan: &Doc, rng: &mut Rng) -> Query {
    // A document that has a node the kind needs, and that node.
    let (d, at) = loop {
        let d = pick(rng, gen);
        if let Some(p) = node_where(rng, d, |p| wanted(kind, d, p)) {
            break (d, p);
        }
    };
    let (policy, version) = pv(d);
    let id_at = |p: usize| d.nodes[p].node_id.clone();
    match kind {
        Kind::Node => {
            let p = at;
            Query::Node {
                policy,
                version,
                id: id_at(p),
            }
        }
        Kind::Batch50 => {
            let ids = (0..50)
                .map(|_| id_at(rng.below(d.nodes.len() as u64) as usize))
                .collect();
            Query::Batch {
                policy,
                version,
                ids,
            }
        }
        Kind::Children => {
            let p = at;
            Query::Children {
                policy,
                version,
                id: id_at(p),
            }
        }
        Kind::Subtree3 => {
            let p = at;
            Query::Subtree {
                policy,
                version,
                id: id_at(p),
                depth: 3,
            }
        }
        Kind::Subtree20 => {
            let p = at;
            Query::Subtree {
                policy,
                version,
                id: id_at(p),
                depth: 0,
            }
        }
        Kind::SubtreeWhole => Query::Subtree {
            policy,
            version,
            id: id_at(0),
            depth: 0,
        },
        Kind::Ancestors => {
            let p = at;
            Query::Ancestors {
                policy,
                version,
                id: id_at(p),
            }
        }
        Kind::Page => {
            let last = d.nodes.iter().filter_map(|n| n.page_end).max().unwrap_or(1);
            let page = 1 + rng.below(last as u64) as i64;
            Query::Page {
                policy,
                version,
                page,
            }
        }
        Kind::Structure => Query::Structure { policy, version },
        Kind::AsOf => {
            let span = VERSIONS as i64 * 180 * DAY + 365 * DAY;
            let at = effective_start(0) + rng.below(span as u64) as i64;
            Query::AsOf { policy, at }
        }
        Kind::SearchSelective => {
            let head = HEADS[rng.below(HEADS.len() as u64) as usize];
            let n = rng.below(100);
            Query::Search {
                q: format!("{head} {n}"),
            }
        }
        Kind::SearchBroad => {
            let head = HEADS[rng.below(HEADS.len() as u64) as usize];
            Query::Search {
                q: head.to_string(),
            }
        }
        Kind::ChainSubtree => {
            let (policy, version) = pv(chain);
            Query::Subtree {
                policy,
                version,
                id: chain.nodes[0].node_id.clone(),
                depth: 0,
            }
        }
        Kind::ChainAncestors => {
            let (policy, version) = pv(chain);
            let id = chain.nodes.last().unwrap().node_id.clone();
            Query::Ancestors {
                policy,
                version,
                id,
            }
        }
        Kind::FanChildren => {
            let (policy, version) = pv(fan);
            Query::Children {
                policy,
                version,
                id: fan.nodes[0].node_id.clone(),
            }
        }
        Kind::StoreDoc => Query::StoreDoc {
            doc: Arc::new(write_doc(d)),
        },
        Kind::StoreToolResult => {
            let p = at;
            Query::StoreToolResult {
                policy,
                node: id_at(p),
                result_bytes: 200 + rng.below(800) as usize,
            }
        }
    }
}

/// A copy of `d` to store as a new document (its policy id is replaced when stored).
fn write_doc(d: &Doc) -> Doc {
    let mut doc = d.doc.clone();
    doc.effective_start = None;
    doc.effective_end = None;
    let nodes = d.nodes.iter().take(100).cloned().collect::<Vec<_>>();
    // Keep a tree: the first 100 nodes in pre-order are closed under parents.
    Doc::new(d.source, doc, nodes)
}

/// A JSON tool result of about `bytes` bytes.
pub fn tool_json(bytes: usize, n: u64) -> String {
    let pad = "x".repeat(bytes.saturating_sub(60));
    format!("{{\"step\":{n},\"ok\":true,\"nodes\":[\"0001\",\"0002\"],\"note\":\"{pad}\"}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parameter sets are what their labels say.
    #[test]
    fn sets_match_their_labels() {
        let corpus = Corpus::build(0.003);
        let sets = query_sets(&corpus, 1);
        let docs: std::collections::HashMap<(&str, &str), &Doc> = corpus
            .docs
            .iter()
            .map(|d| ((d.doc.policy_id.as_str(), d.doc.version_id.as_str()), d))
            .collect();
        for (kind, set) in &sets {
            for q in set {
                if let (
                    Kind::Subtree20,
                    Query::Subtree {
                        policy,
                        version,
                        id,
                        depth,
                    },
                ) = (kind, q)
                {
                    let d = docs[&(policy.as_str(), version.as_str())];
                    let p = d.nodes.iter().position(|n| &n.node_id == id).unwrap();
                    assert_eq!(*depth, 0);
                    assert!(
                        (15..=25).contains(&d.size[p]),
                        "subtree of {} nodes",
                        d.size[p]
                    );
                }
                if let (
                    Kind::Subtree3,
                    Query::Subtree {
                        policy,
                        version,
                        id,
                        ..
                    },
                ) = (kind, q)
                {
                    let d = docs[&(policy.as_str(), version.as_str())];
                    let p = d.nodes.iter().position(|n| &n.node_id == id).unwrap();
                    assert_eq!(d.depth[p], 1);
                }
            }
        }
    }
}
