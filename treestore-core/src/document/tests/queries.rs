//! Every read on fixed trees, including the adversarial shapes: a 1,000-deep chain and 10,000
//! children under one node.

use super::support::{check_consistency, doc, mem_db, mem_db_paged, paged, Reference};
use crate::document::{gen, DocReader, Documents, Node, StructureOptions};
use crate::error::ErrorKind;

/// A PageIndex-like tree where parents do not cover their children's pages.
fn policy() -> Vec<Node> {
    let mut nodes = vec![
        paged("root", None, 1, 1),
        paged("0001", Some("root"), 1, 2),
        paged("0002", Some("0001"), 3, 5),
        paged("0003", Some("0001"), 5, 9),
        paged("0004", Some("root"), 10, 10),
        paged("0005", Some("0004"), 11, 40),
        paged("0006", Some("0005"), 12, 12),
        Node {
            text: Some("long text ".repeat(100)),
            summary: Some("ünïcödé summary ".repeat(40)),
            ..paged("0007", Some("root"), 7, 13)
        },
    ];
    nodes[2].text = Some("short".into());
    nodes
}

fn ids(nodes: &[Node]) -> Vec<&str> {
    nodes.iter().map(|n| n.node_id.as_str()).collect()
}

#[test]
fn every_read_matches_the_reference() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let input = policy();
    let stored = docs.store_document(&doc("pol", "2024"), &input).unwrap();
    let reference = Reference::new(&stored, &input);
    let tx = db.begin_read().unwrap();
    let r = DocReader::new(&tx);
    let (d, all) = r.document("pol", None).unwrap();
    assert_eq!(d, stored);
    assert_eq!(all, reference.nodes);
    for n in &reference.nodes {
        let id = n.node_id.as_str();
        assert_eq!(&r.node("pol", None, id).unwrap(), n);
        assert_eq!(&r.node("pol", Some("2024"), id).unwrap(), n);
        assert_eq!(
            r.ancestor_path("pol", None, id, true).unwrap(),
            reference.ancestors(id)
        );
        assert_eq!(
            r.children("pol", None, Some(id), true).unwrap(),
            reference.children(id)
        );
        for depth in 0..4 {
            assert_eq!(
                r.subtree("pol", None, id, depth, true).unwrap(),
                reference.subtree(id, depth)
            );
        }
        let no_text: Vec<Node> = reference
            .subtree(id, 0)
            .iter()
            .map(Reference::no_text)
            .collect();
        assert_eq!(r.subtree("pol", None, id, 0, false).unwrap(), no_text);
        assert_eq!(
            &r.node_by_section_path("pol", None, &n.section_path)
                .unwrap(),
            n
        );
    }
    assert_eq!(
        r.children("pol", None, None, true).unwrap(),
        reference.children("root")
    );
    for page in 0..45 {
        let want = reference.meeting(&[(page, page)]);
        assert_eq!(
            r.nodes_by_page("pol", None, i64::from(page), true).unwrap(),
            want,
            "page {page}"
        );
    }
    assert_eq!(
        ids(&r.nodes_by_page("pol", None, 12, false).unwrap()),
        ["0005", "0006", "0007"]
    );
    let spec = r.nodes_by_pages("pol", None, "5-10,12", true).unwrap();
    assert_eq!(spec, reference.meeting(&[(5, 10), (12, 12)]));
    let batch = r
        .nodes("pol", None, &["0006", "nope", "root"], true)
        .unwrap();
    assert_eq!(
        batch,
        vec![
            Some(reference.get("0006").clone()),
            None,
            Some(reference.get("root").clone())
        ]
    );
}

#[test]
fn missing_things_are_not_found_and_bad_arguments_invalid() {
    let db = mem_db();
    let docs = Documents::new(&db);
    docs.store_document(&doc("pol", "v1"), &policy()).unwrap();
    let kind = |e: crate::error::Error| e.kind();
    assert_eq!(
        kind(docs.node("pol", None, "zzz").unwrap_err()),
        ErrorKind::NotFound
    );
    assert_eq!(
        kind(docs.node("nope", None, "root").unwrap_err()),
        ErrorKind::NotFound
    );
    assert_eq!(
        kind(docs.node("pol", Some("v9"), "root").unwrap_err()),
        ErrorKind::NotFound
    );
    assert_eq!(
        kind(docs.subtree("pol", None, "zzz", 0, true).unwrap_err()),
        ErrorKind::NotFound
    );
    assert_eq!(
        kind(docs.node_by_section_path("pol", None, "9.9").unwrap_err()),
        ErrorKind::NotFound
    );
    assert_eq!(
        kind(docs.nodes_by_page("pol", None, -1, true).unwrap_err()),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(docs.nodes_by_pages("pol", None, "3-", true).unwrap_err()),
        ErrorKind::InvalidArgument
    );
    let err = docs.node("pol", None, "zzz").unwrap_err().to_string();
    assert!(err.contains("pol") && err.contains("zzz"), "{err}");
    assert!(docs
        .nodes_by_page("pol", None, 1000, true)
        .unwrap()
        .is_empty());
    let bad = docs.structure("pol", None, &StructureOptions::default(), Some("x"));
    assert_eq!(kind(bad.unwrap_err()), ErrorKind::InvalidArgument);
}

#[test]
fn structure_is_paginated_without_text_and_cuts_summaries() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let input = policy();
    docs.store_document(&doc("pol", "v1"), &input).unwrap();
    let opts = StructureOptions {
        summary_chars: Some(10),
        limit: 3,
    };
    let mut cursor = None;
    let mut all = Vec::new();
    loop {
        let page = docs
            .structure("pol", None, &opts, cursor.as_deref())
            .unwrap();
        assert_eq!(page.total_nodes, 8);
        assert!(page.nodes.len() <= 3);
        all.extend(page.nodes);
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(all.len(), 8);
    assert!(all.iter().all(|n| n.text.is_none()));
    let long = all.iter().find(|n| n.node_id == "0007").unwrap();
    assert_eq!(long.summary.as_deref(), Some("ünïcödé su"));
    let whole = docs
        .structure(
            "pol",
            None,
            &StructureOptions {
                summary_chars: None,
                limit: 0,
            },
            None,
        )
        .unwrap();
    assert_eq!(whole.nodes.len(), 8);
    assert_eq!(whole.nodes[7].summary, input[7].summary);
    assert!(whole.next_cursor.is_none());
    let none = docs
        .structure(
            "pol",
            None,
            &StructureOptions {
                summary_chars: Some(0),
                limit: 0,
            },
            None,
        )
        .unwrap();
    assert!(none.nodes.iter().all(|n| n.summary.is_none()));
}

/// Stores policy "chain" as a chain of `depth` nodes below its root; its input nodes and what
/// reads should return.
fn stored_chain(db: &crate::db::Database, depth: usize) -> (Vec<Node>, Reference) {
    let (d, nodes) = gen::chain("chain", "v1", depth);
    let stored = Documents::new(db).store_document(&d, &nodes).unwrap();
    let reference = Reference::new(&stored, &nodes);
    (nodes, reference)
}

/// 1 KiB pages take keys of at most 208 bytes, so the section paths of 200 to 256 bytes that a
/// 4 KiB page keeps inline are hashed there (storing a 130-deep chain used to fail with "key of
/// 209 bytes exceeds the limit of 208"); each is found again, as are the inline ones.
#[test]
fn section_paths_too_long_for_a_small_page_s_keys_are_hashed() {
    let db = mem_db_paged(1024);
    let (nodes, reference) = stored_chain(&db, 130);
    let tx = db.begin_read().unwrap();
    let r = DocReader::new(&tx);
    let mut lengths = Vec::new();
    for n in &nodes {
        let path = &reference.get(&n.node_id).section_path;
        lengths.push(path.len());
        let found = r.node_by_section_path("chain", None, path).unwrap();
        assert_eq!(found.node_id, n.node_id, "path of {} bytes", path.len());
    }
    assert!(lengths.iter().any(|l| (209..=256).contains(l)));
    assert!(lengths.iter().any(|&l| l > 256) && lengths.iter().any(|&l| l < 100));
    drop(tx);
    check_consistency(&db);
}

#[test]
fn thousand_deep_chain_reads_every_way() {
    let db = mem_db();
    let (_, reference) = stored_chain(&db, 1000);
    let tx = db.begin_read().unwrap();
    let r = DocReader::new(&tx);
    let path = r.ancestor_path("chain", None, "c1000", false).unwrap();
    assert_eq!(path.len(), 1001);
    assert_eq!(path[1000].depth, 1000);
    assert_eq!(path[1000].section_path, reference.get("c1000").section_path);
    assert_eq!(
        r.subtree("chain", None, "c0", 0, false).unwrap().len(),
        1001
    );
    assert_eq!(
        ids(&r.subtree("chain", None, "c10", 2, false).unwrap()),
        ["c10", "c11", "c12"]
    );
    assert_eq!(
        ids(&r.children("chain", None, Some("c500"), false).unwrap()),
        ["c501"]
    );
    assert_eq!(
        ids(&r.nodes_by_page("chain", None, 700, false).unwrap()),
        ["c699", "c700"]
    );
    let long_path = &reference.get("c900").section_path;
    assert!(long_path.len() > 256);
    assert_eq!(
        r.node_by_section_path("chain", None, long_path)
            .unwrap()
            .node_id,
        "c900"
    );
    drop(tx);
    check_consistency(&db);
}

#[test]
fn ten_thousand_children_under_one_node() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let (d, nodes) = gen::fan("fan", "v1", 10_000);
    docs.store_document(&d, &nodes).unwrap();
    let tx = db.begin_read().unwrap();
    let r = DocReader::new(&tx);
    let kids = r.children("fan", None, None, false).unwrap();
    assert_eq!(kids.len(), 10_000);
    assert_eq!(kids[9_999].node_id, "f9999");
    assert_eq!(r.node("fan", None, "root").unwrap().child_ids.len(), 10_000);
    assert_eq!(
        ids(&r.ancestor_path("fan", None, "f5000", false).unwrap()),
        ["root", "f5000"]
    );
    assert_eq!(
        ids(&r.nodes_by_page("fan", None, 4321, false).unwrap()),
        ["f4321"]
    );
    assert_eq!(
        r.nodes_by_pages("fan", None, "100-199", false)
            .unwrap()
            .len(),
        100
    );
    assert_eq!(
        r.subtree("fan", None, "root", 1, false).unwrap().len(),
        10_001
    );
    assert_eq!(
        r.node_by_section_path("fan", None, "10000")
            .unwrap()
            .node_id,
        "f9999"
    );
}

#[test]
fn depth_limited_walks_skip_big_subtrees_by_seeking() {
    // Two subtrees of 100 nodes under the root: depth 1 must return 3 nodes.
    let mut nodes = vec![paged("r", None, 0, 0)];
    for top in ["a", "b"] {
        nodes.push(paged(top, Some("r"), 1, 1));
        for i in 0..100 {
            nodes.push(paged(&format!("{top}{i}"), Some(top), 2, 2));
        }
    }
    let db = mem_db();
    let docs = Documents::new(&db);
    let stored = docs.store_document(&doc("p", "v"), &nodes).unwrap();
    let reference = Reference::new(&stored, &nodes);
    assert_eq!(
        ids(&docs.subtree("p", None, "r", 1, true).unwrap()),
        ["r", "a", "b"]
    );
    assert_eq!(
        docs.children("p", None, Some("b"), true).unwrap(),
        reference.children("b")
    );
    assert_eq!(
        docs.subtree("p", None, "r", 2, true).unwrap(),
        reference.subtree("r", 2)
    );
}

#[test]
fn pages_near_the_top_of_the_range_are_found() {
    let top = i64::from(u32::MAX);
    let nodes = vec![
        paged("r", None, 0, top),
        paged("a", Some("r"), top - 1, top),
        paged("b", Some("r"), (1 << 31) - 1, 1 << 31),
        paged("c", Some("r"), 0, 0),
    ];
    let db = mem_db();
    let docs = Documents::new(&db);
    let stored = docs.store_document(&doc("p", "v"), &nodes).unwrap();
    let reference = Reference::new(&stored, &nodes);
    for page in [0, 1, (1 << 31) - 1, 1 << 31, top - 1, top] {
        let want = reference.meeting(&[(page as u32, page as u32)]);
        assert_eq!(
            docs.nodes_by_page("p", None, page, true).unwrap(),
            want,
            "page {page}"
        );
    }
    let spec = format!("{}-{}", (1u64 << 31) + 5, top);
    assert_eq!(
        ids(&docs.nodes_by_pages("p", None, &spec, true).unwrap()),
        ["r", "a"]
    );
}

/// Texts read together (a subtree or a document with text: one scan per run of close owner
/// positions) equal the texts read one by one and the input, across versions that share most
/// texts, with texts of several chunks, texts shared by two nodes of one version, inline texts
/// and nodes without text.
#[test]
fn texts_read_together_equal_texts_read_alone() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let cfg = gen::GenConfig {
        text_fraction: 0.8,
        ..gen::GenConfig::default()
    };
    let v1 = gen::document(11, "pol", "v1", &cfg);
    let mut v2 = gen::next_version(12, &v1, "v2", 0.3);
    let shared = v2.1[5].text.clone();
    v2.1[9].text = shared;
    v2.1[10].text = Some("short inline".into());
    let v3 = gen::next_version(13, &v2, "v3", 0.3);
    for (d, nodes) in [&v1, &v2, &v3] {
        docs.store_document(d, nodes).unwrap();
    }
    let tx = db.begin_read().unwrap();
    let r = DocReader::new(&tx);
    for (d, input) in [&v1, &v2, &v3] {
        let v = Some(d.version_id.as_str());
        let (_, all) = r.document("pol", v).unwrap();
        let subtree = r.subtree("pol", v, &all[0].node_id, 0, true).unwrap();
        assert_eq!(subtree, all);
        for n in &all {
            let alone = r.node("pol", v, &n.node_id).unwrap();
            assert_eq!(&alone, n, "node {} of {}", n.node_id, d.version_id);
            let want = input.iter().find(|i| i.node_id == n.node_id).unwrap();
            assert_eq!(
                n.text, want.text,
                "text of {} in {}",
                n.node_id, d.version_id
            );
        }
        let mid = &all[all.len() / 2].node_id;
        let one_by_one: Vec<Node> = r
            .subtree("pol", v, mid, 2, true)
            .unwrap()
            .iter()
            .map(|n| r.node("pol", v, &n.node_id).unwrap())
            .collect();
        assert_eq!(r.subtree("pol", v, mid, 2, true).unwrap(), one_by_one);
    }
    assert!(has_chunked_texts(&v1.1));
    check_consistency(&db);
}

/// Whether the generated texts include some longer than one chunk (987 bytes at 4 KiB pages).
fn has_chunked_texts(nodes: &[Node]) -> bool {
    nodes
        .iter()
        .any(|n| n.text.as_ref().is_some_and(|t| t.len() > 1_000))
}

/// A point read (`node`, owned, and `node_with`, borrowed) and an ancestor path give each node's
/// text as it was stored, for every shape a text takes: none, inline, one stored chunk (up to
/// exactly the chunk length), two and three chunks (one byte past the boundaries), multi-byte
/// characters across chunk edges, a text shared by two nodes of a version, and texts the next
/// version shares with the first (owned by the other version's positions).
#[test]
fn point_reads_give_every_text_shape_as_stored() {
    use super::support::node;
    let db = mem_db();
    let docs = Documents::new(&db);
    let texts: Vec<Option<String>> = vec![
        None,
        Some("inline".into()),
        Some("s".repeat(49)),
        Some("a".repeat(987)),
        Some("b".repeat(988)),
        Some("c".repeat(1975)),
        Some("é中x".repeat(700)),
        Some("é中x".repeat(700)),
        Some("ab中".repeat(329) + "z"),
    ];
    // A chain, so that ancestor paths cross every shape.
    let mut v1 = vec![node("r", None)];
    for (i, t) in texts.iter().enumerate() {
        let parent = v1.last().unwrap().node_id.clone();
        let mut n = node(&format!("n{i}"), Some(&parent));
        n.text = t.clone();
        v1.push(n);
    }
    // v2 keeps most texts (shared with v1), changes two and moves one.
    let mut v2 = v1.clone();
    v2[4].text = Some("d".repeat(990));
    v2[2].text = Some("changed inline".into());
    v2[9].text = v1[6].text.clone();
    docs.store_document(&doc("p", "v1"), &v1).unwrap();
    docs.store_document(&doc("p", "v2"), &v2).unwrap();
    let tx = db.begin_read().unwrap();
    let r = DocReader::new(&tx);
    for (version, input) in [("v1", &v1), ("v2", &v2)] {
        let v = Some(version);
        for (at, want) in input.iter().enumerate() {
            let id = want.node_id.as_str();
            let owned = r.node("p", v, id).unwrap();
            assert_eq!(owned.text, want.text, "{version} {id}: node");
            let borrowed = r
                .node_with("p", v, id, |n| Ok(n.text.map(str::to_string)))
                .unwrap();
            assert_eq!(borrowed, want.text, "{version} {id}: node_with");
            for with_text in [false, true] {
                let path = r.ancestor_path("p", v, id, with_text).unwrap();
                let want_ids: Vec<&str> = input[..=at].iter().map(|n| n.node_id.as_str()).collect();
                assert_eq!(ids(&path), want_ids, "{version} {id}: ancestors");
                for (got, want) in path.iter().zip(&input[..=at]) {
                    // Without text, inline texts are left out too.
                    let want_text = if with_text { &want.text } else { &None };
                    assert_eq!(
                        &got.text, want_text,
                        "{version} {id}: text of {}",
                        got.node_id
                    );
                }
            }
        }
    }
    check_consistency(&db);
}
