//! Property tests: random trees (any input order, unicode and empty strings, big texts, random page
//! ranges, some given section paths and child orders) stored, read every way and compared with
//! the reference; then replaced and deleted with the tables checked for stale entries.

use proptest::prelude::*;

use super::support::{check_consistency, doc, mem_db, Reference};
use crate::document::{DocReader, Documents, Node, StructureOptions};

#[derive(Debug, Clone)]
struct TreeSpec {
    /// `parent[i] < i` for i ≥ 1 (node 0 is the root).
    parent: Vec<usize>,
    /// Input order: a permutation of the nodes.
    order: Vec<usize>,
    titles: Vec<String>,
    pages: Vec<Option<(u32, u32)>>,
    texts: Vec<Option<String>>,
    summaries: Vec<Option<String>>,
    given_path: Vec<bool>,
    reverse_children: Vec<bool>,
}

fn text() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(None),
        2 => Just(Some(String::new())),
        3 => "\\PC{0,60}".prop_map(Some),
        1 => ("\\PC{1,8}", 100usize..3000).prop_map(|(s, n)| Some(s.repeat(n))),
    ]
}

fn pages() -> impl Strategy<Value = Option<(u32, u32)>> {
    prop_oneof![
        1 => Just(None),
        4 => (0u32..64, 0u32..8).prop_map(|(s, l)| Some((s, s + l))),
        1 => (0u32..64, 0u32..200).prop_map(|(s, l)| Some((s, s + l))),
    ]
}

fn tree() -> impl Strategy<Value = TreeSpec> {
    (1usize..40)
        .prop_flat_map(|n| {
            let parents = (0..n)
                .map(|i| {
                    if i == 0 {
                        Just(0).boxed()
                    } else {
                        (0..i).boxed()
                    }
                })
                .collect::<Vec<_>>();
            (
                parents,
                Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
                proptest::collection::vec("\\PC{0,20}", n),
                proptest::collection::vec(pages(), n),
                proptest::collection::vec(text(), n),
                proptest::collection::vec(text(), n),
                proptest::collection::vec(proptest::bool::weighted(0.2), n),
                proptest::collection::vec(proptest::bool::weighted(0.3), n),
            )
        })
        .prop_map(
            |(parent, order, titles, pages, texts, summaries, given, reverse)| TreeSpec {
                given_path: given,
                parent,
                order,
                titles,
                pages,
                texts,
                summaries,
                reverse_children: reverse,
            },
        )
}

fn build(spec: &TreeSpec) -> Vec<Node> {
    let n = spec.parent.len();
    let id = |i: usize| format!("n{i}·é");
    let mut nodes: Vec<Node> = (0..n)
        .map(|i| Node {
            node_id: id(i),
            parent_id: (i > 0).then(|| id(spec.parent[i])),
            title: spec.titles[i].clone(),
            page_start: spec.pages[i].map(|p| i64::from(p.0)),
            page_end: spec.pages[i].map(|p| i64::from(p.1)),
            summary: spec.summaries[i].clone(),
            text: spec.texts[i].clone(),
            section_path: if spec.given_path[i] {
                format!("§{i}")
            } else {
                String::new()
            },
            ..Node::default()
        })
        .collect();
    for (i, node) in nodes.iter_mut().enumerate() {
        if spec.reverse_children[i] {
            node.child_ids = (1..n)
                .filter(|&c| spec.parent[c] == i)
                .rev()
                .map(id)
                .collect();
        }
    }
    spec.order.iter().map(|&i| nodes[i].clone()).collect()
}

fn check_reads(
    db: &crate::db::Database,
    stored: &crate::document::Document,
    input: &[Node],
) -> Result<(), TestCaseError> {
    let reference = Reference::new(stored, input);
    let tx = db.begin_read().unwrap();
    let r = DocReader::new(&tx);
    let (p, v) = (stored.policy_id.as_str(), Some(stored.version_id.as_str()));
    prop_assert_eq!(&r.document(p, v).unwrap().1, &reference.nodes);
    for n in &reference.nodes {
        let id = n.node_id.as_str();
        prop_assert_eq!(&r.node(p, v, id).unwrap(), n);
        prop_assert_eq!(
            r.ancestor_path(p, v, id, true).unwrap(),
            reference.ancestors(id)
        );
        prop_assert_eq!(
            r.children(p, v, Some(id), true).unwrap(),
            reference.children(id)
        );
        for d in [0, 1, 2] {
            prop_assert_eq!(
                r.subtree(p, v, id, d, true).unwrap(),
                reference.subtree(id, d)
            );
        }
        prop_assert_eq!(&r.node_by_section_path(p, v, &n.section_path).unwrap(), n);
    }
    for page in 0..=70u32 {
        prop_assert_eq!(
            r.nodes_by_page(p, v, i64::from(page), true).unwrap(),
            reference.meeting(&[(page, page)])
        );
    }
    for (a, z) in [(0u32, 3u32), (5, 40), (60, 300), (17, 17)] {
        prop_assert_eq!(
            r.nodes_by_pages(p, v, &format!("{a}-{z}"), true).unwrap(),
            reference.meeting(&[(a, z)])
        );
    }
    let all: Vec<Node> = reference.nodes.iter().map(Reference::no_text).collect();
    let opts = StructureOptions {
        summary_chars: None,
        limit: 7,
    };
    let mut cursor = None;
    let mut got = Vec::new();
    loop {
        let page = r.structure(p, v, &opts, cursor.as_deref()).unwrap();
        got.extend(page.nodes);
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    prop_assert_eq!(got, all);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_trees_read_back_every_way(a in tree(), b in tree()) {
        let db = mem_db();
        let docs = Documents::new(&db);
        let input_a = build(&a);
        let stored_a = docs.store_document(&doc("pølicy", "v1"), &input_a).unwrap();
        check_reads(&db, &stored_a, &input_a)?;
        // A second version, then a replacement of the first by the second's tree.
        let input_b = build(&b);
        let stored_b = docs.store_document(&doc("pølicy", "v2"), &input_b).unwrap();
        check_reads(&db, &stored_b, &input_b)?;
        check_reads(&db, &stored_a, &input_a)?;
        prop_assert_eq!(check_consistency(&db), 2);
        let replaced = docs.store_document(&doc("pølicy", "v1"), &input_b).unwrap();
        check_reads(&db, &replaced, &input_b)?;
        prop_assert_eq!(check_consistency(&db), 2);
        docs.delete_document("pølicy", Some("v2")).unwrap();
        prop_assert_eq!(check_consistency(&db), 1);
        check_reads(&db, &replaced, &input_b)?;
        docs.delete_document("pølicy", None).unwrap();
        prop_assert_eq!(check_consistency(&db), 0);
    }
}
