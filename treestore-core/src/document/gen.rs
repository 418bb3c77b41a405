//! A seeded generator of realistic document trees, for tests now and benchmarks later: policy-like
//! titles, summaries and texts of realistic lengths (some non-ASCII), PageIndex-like ids ("0007")
//! and page ranges (a parent's range covers its own pages, not its children's), plus the
//! adversarial shapes (deep chains, wide fans) and "next version" edits. Same seed, same output.

use std::collections::BTreeMap;

use super::model::{Document, Node};
use crate::time::Timestamp;

/// 2024-01-01T00:00:00Z, the `created_at` of generated versions (plus the document number).
pub const BASE_TIME: Timestamp = 1_704_067_200_000_000;

pub use crate::rng::Rng;

/// A word of `words` ("" when there are none).
fn pick<'a>(rng: &mut Rng, words: &[&'a str]) -> &'a str {
    rng.pick(words).unwrap_or("")
}

const WORDS: &[&str] = &[
    "policy",
    "coverage",
    "member",
    "benefit",
    "claim",
    "provider",
    "authorization",
    "review",
    "eligibility",
    "premium",
    "deductible",
    "network",
    "appeal",
    "exclusion",
    "limitation",
    "requirement",
    "procedure",
    "service",
    "treatment",
    "medical",
    "necessity",
    "documentation",
    "reimbursement",
    "compliance",
    "obligation",
    "disclosure",
    "conflict",
    "interest",
    "customer",
    "broker",
    "dealer",
    "adviser",
    "capital",
    "liquidity",
    "risk",
    "exposure",
    "reporting",
    "quarter",
    "revenue",
    "segment",
    "operating",
    "income",
    "guidance",
    "financial",
    "stability",
    "supervision",
    "regulation",
    "the",
    "of",
    "and",
    "to",
    "for",
    "with",
    "under",
    "each",
    "shall",
    "may",
    "must",
    "within",
    "days",
    "after",
    "notice",
    "written",
    "approval",
    "Überprüfung",
    "déclaration",
    "règlement",
    "señal",
    "规定",
    "条款",
    "naïve",
    "café",
];

const TITLE_HEADS: &[&str] = &[
    "Scope",
    "Definitions",
    "Eligibility",
    "Coverage",
    "Exclusions",
    "Prior Authorization",
    "Claims",
    "Appeals",
    "Reporting",
    "Compliance",
    "Risk Management",
    "Capital Requirements",
    "Disclosure Obligation",
    "Care Obligation",
    "Conflict of Interest",
    "Recordkeeping",
    "Economic Analysis",
    "Financial Results",
    "Segment Highlights",
    "Outlook",
    "Appendix",
];

/// Shape and sizes of generated documents.
#[derive(Debug, Clone, PartialEq)]
pub struct GenConfig {
    /// Nodes per document, root included (at least 1).
    pub nodes: usize,
    /// Deepest level below the root.
    pub max_depth: u32,
    /// Most children of one node.
    pub max_children: usize,
    /// Summary length range in characters (PageIndex summaries run 200–1,000).
    pub summary_chars: (usize, usize),
    /// Fraction of nodes with a summary.
    pub summary_fraction: f64,
    /// Text length range in characters.
    pub text_chars: (usize, usize),
    /// Fraction of nodes with text.
    pub text_fraction: f64,
    /// Pages a node spans beyond its first, as a range.
    pub extra_pages: (usize, usize),
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            nodes: 100,
            max_depth: 4,
            max_children: 12,
            summary_chars: (200, 800),
            summary_fraction: 0.9,
            text_chars: (400, 2_000),
            text_fraction: 1.0,
            extra_pages: (0, 3),
        }
    }
}

/// Words joined by spaces until about `chars` characters, ending with a period.
pub fn prose(rng: &mut Rng, chars: usize) -> String {
    let mut s = String::with_capacity(chars + 16);
    let mut sentence_start = true;
    let mut count = 0;
    while count < chars {
        let w = pick(rng, WORDS);
        count += w.chars().count() + 2;
        if !s.is_empty() {
            s.push(' ');
        }
        if sentence_start {
            let mut cs = w.chars();
            if let Some(c) = cs.next() {
                s.extend(c.to_uppercase());
                s.push_str(cs.as_str());
            }
        } else {
            s.push_str(w);
        }
        sentence_start = rng.below(12) == 0;
        if sentence_start {
            s.push('.');
        }
    }
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// Parent indices of a random tree of `n` nodes in pre-order (`parents[0]` is `None`).
fn shape(rng: &mut Rng, cfg: &GenConfig) -> Vec<Option<usize>> {
    let n = cfg.nodes.max(1);
    let max_depth = cfg.max_depth.max(1);
    // Breadth-first growth bounded by depth and fan-out, then a pre-order renumbering.
    let mut parent: Vec<Option<usize>> = vec![None];
    let mut depth = vec![0u32];
    let mut frontier = std::collections::VecDeque::from([0usize]);
    while parent.len() < n {
        let Some(p) = frontier.pop_front() else {
            frontier.push_back(rng.below(parent.len() as u64) as usize);
            continue;
        };
        if depth[p] >= max_depth {
            continue;
        }
        let k = rng.range(1, cfg.max_children.max(1)).min(n - parent.len());
        for _ in 0..k {
            parent.push(Some(p));
            depth.push(depth[p] + 1);
            frontier.push_back(parent.len() - 1);
        }
    }
    preorder(&parent)
}

/// Renumbers a tree given by parent links into pre-order (children keep their relative order).
fn preorder(parent: &[Option<usize>]) -> Vec<Option<usize>> {
    let mut children = vec![Vec::new(); parent.len()];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = p {
            children[*p].push(i);
        }
    }
    let mut new_index = vec![0usize; parent.len()];
    let mut order = Vec::with_capacity(parent.len());
    let mut stack = vec![0usize];
    while let Some(i) = stack.pop() {
        new_index[i] = order.len();
        order.push(i);
        stack.extend(children[i].iter().rev());
    }
    order
        .iter()
        .map(|&old| parent[old].map(|p| new_index[p]))
        .collect()
}

/// One document version with `cfg.nodes` nodes in pre-order, ids "0000", "0001", ...
pub fn document(
    seed: u64,
    policy_id: &str,
    version_id: &str,
    cfg: &GenConfig,
) -> (Document, Vec<Node>) {
    let mut rng = Rng::new(seed);
    let parents = shape(&mut rng, cfg);
    let mut nodes = Vec::with_capacity(parents.len());
    let mut page = 1usize;
    for (i, p) in parents.iter().enumerate() {
        let start = page;
        let end = start + rng.range(cfg.extra_pages.0, cfg.extra_pages.1);
        page = if rng.chance(0.5) { end } else { end + 1 };
        nodes.push(Node {
            node_id: format!("{i:04}"),
            parent_id: p.map(|p| format!("{p:04}")),
            title: title(&mut rng, i),
            page_start: Some(start as i64),
            page_end: Some(end as i64),
            summary: rng
                .chance(cfg.summary_fraction)
                .then(|| prose(&mut rng, rng_len(seed, i, cfg.summary_chars))),
            text: rng
                .chance(cfg.text_fraction)
                .then(|| prose(&mut rng, rng_len(seed ^ 0x7e, i, cfg.text_chars))),
            ..Node::default()
        });
    }
    let doc = Document {
        policy_id: policy_id.to_string(),
        version_id: version_id.to_string(),
        created_at: BASE_TIME + (seed % 1_000_000) as i64,
        created_by: "gen".to_string(),
        description: format!("Generated policy {policy_id}"),
        metadata: BTreeMap::from([("source".to_string(), "gen".to_string())]),
        ..Document::default()
    };
    (doc, nodes)
}

fn rng_len(seed: u64, i: usize, (lo, hi): (usize, usize)) -> usize {
    Rng::new(seed.wrapping_add(i as u64)).range(lo, hi)
}

fn title(rng: &mut Rng, i: usize) -> String {
    let head = pick(rng, TITLE_HEADS);
    let tail = pick(rng, WORDS);
    format!("{head} — {tail} ({i})")
}

/// `count` documents of policies `policy-00000`, ... version `v1`, each seeded from `seed`.
pub fn corpus(
    seed: u64,
    count: usize,
    cfg: &GenConfig,
) -> impl Iterator<Item = (Document, Vec<Node>)> + '_ {
    (0..count).map(move |i| {
        let (mut doc, nodes) = document(
            seed.wrapping_add(i as u64),
            &format!("policy-{i:05}"),
            "v1",
            cfg,
        );
        doc.created_at = BASE_TIME + i as i64;
        (doc, nodes)
    })
}

/// The next version of a document: the same ids, about `change_fraction` of the nodes with a new
/// title, summary or text, one extra leaf, and `created_at` one day later.
pub fn next_version(
    seed: u64,
    prev: &(Document, Vec<Node>),
    version_id: &str,
    change_fraction: f64,
) -> (Document, Vec<Node>) {
    let mut rng = Rng::new(seed);
    let (mut doc, mut nodes) = prev.clone();
    doc.version_id = version_id.to_string();
    doc.created_at += 86_400_000_000;
    doc.updated_at = 0;
    doc.tags.clear();
    doc.effective_start = None;
    doc.effective_end = None;
    for n in &mut nodes {
        n.version_id.clear();
        n.child_ids.clear();
        n.section_path.clear();
        if rng.chance(change_fraction) {
            match rng.below(3) {
                0 => n.title.push_str(" (amended)"),
                1 => n.summary = Some(prose(&mut rng, 300)),
                _ => n.text = Some(prose(&mut rng, 800)),
            }
        }
    }
    let parent = nodes
        .get(rng.below(nodes.len() as u64) as usize)
        .map(|n| n.node_id.clone());
    if let Some(parent) = parent {
        nodes.push(Node {
            node_id: format!("{}-new", version_id),
            parent_id: Some(parent),
            title: "New section".to_string(),
            text: Some(prose(&mut rng, 500)),
            ..Node::default()
        });
    }
    (doc, nodes)
}

/// A chain: each node the only child of the previous one, `depth` levels below the root.
pub fn chain(policy_id: &str, version_id: &str, depth: usize) -> (Document, Vec<Node>) {
    let nodes = (0..=depth)
        .map(|i| Node {
            node_id: format!("c{i}"),
            parent_id: i.checked_sub(1).map(|p| format!("c{p}")),
            title: format!("Level {i}"),
            page_start: Some(i as i64),
            page_end: Some(i as i64 + 1),
            ..Node::default()
        })
        .collect();
    (header(policy_id, version_id), nodes)
}

/// A fan: a root with `children` leaf children.
pub fn fan(policy_id: &str, version_id: &str, children: usize) -> (Document, Vec<Node>) {
    let mut nodes = vec![Node {
        node_id: "root".to_string(),
        title: "Root".to_string(),
        ..Node::default()
    }];
    nodes.extend((0..children).map(|i| Node {
        node_id: format!("f{i}"),
        parent_id: Some("root".to_string()),
        title: format!("Leaf {i}"),
        page_start: Some(i as i64),
        page_end: Some(i as i64),
        ..Node::default()
    }));
    (header(policy_id, version_id), nodes)
}

fn header(policy_id: &str, version_id: &str) -> Document {
    Document {
        policy_id: policy_id.to_string(),
        version_id: version_id.to_string(),
        created_at: BASE_TIME,
        ..Document::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_sized() {
        let cfg = GenConfig::default();
        let a = document(7, "p", "v1", &cfg);
        let b = document(7, "p", "v1", &cfg);
        assert_eq!(a, b);
        assert_eq!(a.1.len(), 100);
        assert!(a.1.iter().skip(1).all(|n| n.parent_id.is_some()));
        let c = document(8, "p", "v1", &cfg);
        assert_ne!(a.1, c.1);
        let texts: usize =
            a.1.iter()
                .filter_map(|n| n.text.as_ref())
                .map(|t| t.chars().count())
                .sum();
        assert!(texts > 100 * 300, "{texts}");
    }

    #[test]
    fn parents_come_before_children() {
        let (_, nodes) = document(
            3,
            "p",
            "v",
            &GenConfig {
                nodes: 500,
                ..GenConfig::default()
            },
        );
        for (i, n) in nodes.iter().enumerate() {
            if let Some(p) = &n.parent_id {
                let pi: usize = p.parse().unwrap();
                assert!(pi < i);
            }
        }
    }
}
