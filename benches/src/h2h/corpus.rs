//! The corpus every engine loads: every PageIndex file in `/work/shared/data/pageindex` (skipped,
//! with a message, when absent), the seeded generator's policies (`treestore_core::document::gen`:
//! about 100 nodes per document, PageIndex-like text lengths, 3 versions per policy with effective
//! dates), and the adversarial trees (a 1,000-deep chain, 10,000 children under one node).
//!
//! Every document's nodes are put in pre-order here, with each node's parent position, ordinal
//! among its siblings, depth and subtree size, so the SQL schemas get the same tree TreeStore
//! derives.

use std::collections::HashMap;
use std::path::Path;

use treestore_core::document::gen::{self, GenConfig, BASE_TIME};
use treestore_core::document::{parse_pageindex, Document, Node};

/// Documents at scale 1.0: 10,000 of about 100 nodes, so 1,000,000 nodes.
pub const FULL_DOCS: usize = 10_000;
/// The generator's seed.
pub const SEED: u64 = 8;
/// Versions of each generated policy.
pub const VERSIONS: usize = 3;
/// A day in microseconds.
pub const DAY: i64 = 86_400_000_000;
/// Effective start of version `v` (0-based) of a generated policy: 2024-01-01, then every 180 days.
pub fn effective_start(v: usize) -> i64 {
    BASE_TIME + v as i64 * 180 * DAY
}
/// Where the real PageIndex files are.
pub const PAGEINDEX_DIR: &str = "/work/shared/data/pageindex";

/// Where a document came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Generated,
    PageIndex,
    Chain,
    Fan,
}

/// One document version in pre-order with its derived tree shape.
#[derive(Debug)]
pub struct Doc {
    pub source: Source,
    pub doc: Document,
    pub nodes: Vec<Node>,
    /// Parent position (pre-order index) of each node; `None` for the root.
    pub parent: Vec<Option<u32>>,
    /// Position among its siblings, from 0.
    pub ord: Vec<u32>,
    pub depth: Vec<u32>,
    /// Nodes in the subtree, the node included.
    pub size: Vec<u32>,
}

impl Doc {
    /// Puts `nodes` in pre-order (children in input order) and derives the shape.
    pub fn new(source: Source, doc: Document, nodes: Vec<Node>) -> Doc {
        let index: HashMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.node_id.as_str(), i))
            .collect();
        let mut children = vec![Vec::new(); nodes.len()];
        let mut root = None;
        for (i, n) in nodes.iter().enumerate() {
            match &n.parent_id {
                Some(p) => children[index[p.as_str()]].push(i),
                None => root = Some(i),
            }
        }
        let root = root.expect("a document has a root");
        let mut order = Vec::with_capacity(nodes.len());
        let mut parent_of = vec![None; nodes.len()];
        let mut ord_of = vec![0u32; nodes.len()];
        let mut stack = vec![root];
        while let Some(i) = stack.pop() {
            order.push(i);
            for (o, &c) in children[i].iter().enumerate() {
                parent_of[c] = Some(i);
                ord_of[c] = o as u32;
            }
            stack.extend(children[i].iter().rev());
        }
        assert_eq!(order.len(), nodes.len(), "{}: not one tree", doc.policy_id);
        let mut new_pos = vec![0u32; nodes.len()];
        for (p, &i) in order.iter().enumerate() {
            new_pos[i] = p as u32;
        }
        let parent: Vec<Option<u32>> = order
            .iter()
            .map(|&i| parent_of[i].map(|p| new_pos[p]))
            .collect();
        let ord = order.iter().map(|&i| ord_of[i]).collect();
        let mut depth = vec![0u32; order.len()];
        for p in 1..order.len() {
            depth[p] = depth[parent[p].unwrap() as usize] + 1;
        }
        let mut size = vec![1u32; order.len()];
        for p in (1..order.len()).rev() {
            let q = parent[p].unwrap() as usize;
            size[q] += size[p];
        }
        let mut slots: Vec<Option<Node>> = nodes.into_iter().map(Some).collect();
        let nodes = order.iter().map(|&i| slots[i].take().unwrap()).collect();
        Doc {
            source,
            doc,
            nodes,
            parent,
            ord,
            depth,
            size,
        }
    }

    /// The effective range `[start, end)` in µs; `None` end is open.
    pub fn effective(&self) -> (i64, Option<i64>) {
        (
            self.doc.effective_start.unwrap_or(self.doc.created_at),
            self.doc.effective_end,
        )
    }
}

/// Everything the engines load, in load order.
pub struct Corpus {
    pub docs: Vec<Doc>,
    /// Generated documents asked for (scale x 10,000).
    pub generated: usize,
}

impl Corpus {
    /// The corpus at `scale` (1.0: 10,000 generated documents, about 1,000,000 nodes).
    pub fn build(scale: f64) -> Corpus {
        let generated = ((FULL_DOCS as f64 * scale).round() as usize).max(VERSIONS);
        let mut docs = Vec::new();
        pageindex(&mut docs);
        let cfg = GenConfig::default();
        let policies = generated.div_ceil(VERSIONS);
        let mut count = 0;
        for p in 0..policies {
            let seed = SEED.wrapping_mul(1_000_003).wrapping_add(p as u64);
            let mut prev = gen::document(seed, &format!("policy-{p:05}"), "v1", &cfg);
            prev.0.created_at = BASE_TIME + p as i64;
            for v in 0..VERSIONS {
                if count == generated {
                    break;
                }
                if v > 0 {
                    prev = gen::next_version(
                        seed ^ ((v as u64) << 32),
                        &prev,
                        &format!("v{}", v + 1),
                        0.1,
                    );
                }
                let (mut doc, nodes) = prev.clone();
                doc.effective_start = Some(effective_start(v));
                doc.effective_end = (v + 1 < VERSIONS).then(|| effective_start(v + 1));
                docs.push(Doc::new(Source::Generated, doc, nodes));
                count += 1;
            }
        }
        let (doc, nodes) = gen::chain("adv-chain", "v1", 1000);
        docs.push(Doc::new(Source::Chain, dated(doc), nodes));
        let (doc, nodes) = gen::fan("adv-fan", "v1", 10_000);
        docs.push(Doc::new(Source::Fan, dated(doc), nodes));
        Corpus { docs, generated }
    }

    /// Nodes in the corpus.
    pub fn node_count(&self) -> usize {
        self.docs.iter().map(|d| d.nodes.len()).sum()
    }

    /// Bytes of titles, summaries and texts.
    pub fn text_bytes(&self) -> usize {
        self.docs
            .iter()
            .flat_map(|d| &d.nodes)
            .map(|n| {
                n.title.len()
                    + n.summary.as_ref().map_or(0, String::len)
                    + n.text.as_ref().map_or(0, String::len)
            })
            .sum()
    }

    /// PageIndex files loaded.
    pub fn pageindex_files(&self) -> usize {
        self.docs
            .iter()
            .filter(|d| d.source == Source::PageIndex)
            .count()
    }
}

fn dated(mut doc: Document) -> Document {
    doc.effective_start = Some(doc.created_at);
    doc
}

/// Every `*.json` of [`PAGEINDEX_DIR`], as policy `pi-<file stem>` version `v1`.
fn pageindex(docs: &mut Vec<Doc>) {
    let dir = Path::new(PAGEINDEX_DIR);
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("SKIP PageIndex files: {PAGEINDEX_DIR} is absent; the corpus is generated only");
        return;
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let stem = path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace(' ', "_");
        let json = std::fs::read_to_string(&path).unwrap();
        let template = Document {
            policy_id: format!("pi-{stem}"),
            version_id: "v1".to_string(),
            created_at: BASE_TIME,
            ..Document::default()
        };
        match parse_pageindex(&json, &template) {
            Ok((doc, nodes)) => docs.push(Doc::new(Source::PageIndex, dated(doc), nodes)),
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
}
