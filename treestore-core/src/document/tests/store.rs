//! Writing: every validation error (named node and field, nothing written), derivations,
//! replacement, deletion, space reuse, and text sharing between versions.

use std::collections::BTreeMap;

use crate::db::ReadOps;

use super::support::{check_consistency, doc, mem_db, mem_db_paged, node, paged, Reference};
use crate::document::gen;
use crate::document::text::{inline_text_max, INLINE_TEXT_MAX};
use crate::document::{Document, Documents, Node, MAX_DEPTH, MAX_ID_BYTES, MAX_SEE_ALSO};
use crate::error::ErrorKind;
use crate::version::Versions;

fn small() -> Vec<Node> {
    vec![
        paged("r", None, 1, 1),
        paged("a", Some("r"), 2, 4),
        paged("b", Some("r"), 5, 9),
        paged("a1", Some("a"), 3, 3),
    ]
}

/// Stores `nodes` over a database that already holds one version; expects the error `kind` with
/// all of `needles` in its message, and the database unchanged.
fn rejects(d: &Document, nodes: &[Node], kind: ErrorKind, needles: &[&str]) {
    let db = mem_db();
    let docs = Documents::new(&db);
    docs.store_document(&doc("keep", "v1"), &small()).unwrap();
    let before = docs.document("keep", None).unwrap();
    let err = docs.store_document(d, nodes).unwrap_err();
    assert_eq!(err.kind(), kind, "{err}");
    let msg = err.to_string();
    for n in needles {
        assert!(msg.contains(n), "{msg:?} lacks {n:?}");
    }
    assert_eq!(check_consistency(&db), 1, "a failed store wrote something");
    assert_eq!(docs.document("keep", None).unwrap(), before);
    assert!(docs.document(&d.policy_id, Some(&d.version_id)).is_err() || d.policy_id == "keep");
}

fn with(mut nodes: Vec<Node>, i: usize, f: impl FnOnce(&mut Node)) -> Vec<Node> {
    f(&mut nodes[i]);
    nodes
}

#[test]
fn tree_shape_errors_name_the_node_and_field() {
    let d = doc("p", "v1");
    let invalid = ErrorKind::InvalidArgument;
    rejects(&d, &[], invalid, &["p/v1", "nodes", "no nodes"]);
    rejects(
        &d,
        &with(small(), 2, |n| n.parent_id = None),
        invalid,
        &["node b", "parent_id", "already the root"],
    );
    rejects(
        &d,
        &with(small(), 1, |n| n.parent_id = Some("zz".into())),
        invalid,
        &["node a", "parent_id", "\"zz\""],
    );
    rejects(
        &d,
        &with(small(), 3, |n| n.node_id = "a".into()),
        invalid,
        &["node a", "node_id", "twice"],
    );
    rejects(
        &d,
        &with(small(), 1, |n| n.node_id = String::new()),
        invalid,
        &["input position 1", "node_id"],
    );
    // A cycle beside a proper root: a -> a1 -> a.
    rejects(
        &d,
        &with(small(), 1, |n| n.parent_id = Some("a1".into())),
        invalid,
        &["parent_id", "cycle"],
    );
    // A node that is its own parent.
    rejects(
        &d,
        &with(small(), 2, |n| n.parent_id = Some("b".into())),
        invalid,
        &["node b", "cycle"],
    );
    // No root at all.
    rejects(
        &d,
        &with(small(), 0, |n| n.parent_id = Some("a".into())),
        invalid,
        &["no node is the root"],
    );
}

#[test]
fn page_errors_name_the_node_and_field() {
    let d = doc("p", "v1");
    let invalid = ErrorKind::InvalidArgument;
    rejects(
        &d,
        &with(small(), 2, |n| n.page_start = Some(10)),
        invalid,
        &["node b", "page_start", "after page_end 9"],
    );
    rejects(
        &d,
        &with(small(), 2, |n| n.page_start = Some(-1)),
        invalid,
        &["node b", "page_start", "negative"],
    );
    rejects(
        &d,
        &with(small(), 2, |n| n.page_end = Some(-3)),
        invalid,
        &["node b", "page_end", "negative"],
    );
    rejects(
        &d,
        &with(small(), 2, |n| n.page_end = None),
        invalid,
        &["node b", "page_end", "missing"],
    );
    rejects(
        &d,
        &with(small(), 2, |n| n.page_start = None),
        invalid,
        &["node b", "page_start", "missing"],
    );
    rejects(
        &d,
        &with(small(), 2, |n| n.page_end = Some(1 << 40)),
        invalid,
        &["node b", "page_end", "highest page"],
    );
}

#[test]
fn header_and_link_errors_name_the_field() {
    let invalid = ErrorKind::InvalidArgument;
    rejects(&doc("", "v1"), &small(), invalid, &["policy_id", "empty"]);
    rejects(&doc("p", ""), &small(), invalid, &["version_id", "empty"]);
    let mut d = doc("p", "v1");
    d.root_node_id = "a".into();
    rejects(&d, &small(), invalid, &["p/v1", "root_node_id", "\"r\""]);
    let d = doc("p", "v1");
    rejects(
        &d,
        &with(small(), 1, |n| n.policy_id = "other".into()),
        invalid,
        &["node a", "policy_id"],
    );
    rejects(
        &d,
        &with(small(), 1, |n| n.version_id = "v9".into()),
        invalid,
        &["node a", "version_id"],
    );
    rejects(
        &d,
        &with(small(), 0, |n| {
            n.child_ids = vec!["a1".into(), "a".into(), "b".into()]
        }),
        invalid,
        &["node r", "child_ids", "\"a1\""],
    );
    rejects(
        &d,
        &with(small(), 0, |n| n.child_ids = vec!["a".into()]),
        invalid,
        &["node r", "child_ids", "\"b\""],
    );
    rejects(
        &d,
        &with(small(), 0, |n| n.child_ids = vec!["a".into(), "a".into()]),
        invalid,
        &["node r", "child_ids", "twice"],
    );
    rejects(
        &d,
        &with(small(), 1, |n| n.section_path = "2".into()),
        invalid,
        &["section_path", "\"2\""],
    );
    rejects(
        &d,
        &with(small(), 1, |n| n.see_also = vec![String::new()]),
        invalid,
        &["node a", "see_also"],
    );
    let mut d = doc("p", "v1");
    d.effective_start = Some(100);
    d.effective_end = Some(100);
    rejects(&d, &small(), invalid, &["p/v1", "effective_end"]);
    let mut d = doc("p", "v1");
    d.tags = vec!["x".into(), "x".into()];
    rejects(&d, &small(), invalid, &["p/v1", "tags", "twice"]);
    d.tags = vec![String::new()];
    rejects(&d, &small(), invalid, &["p/v1", "tags", "empty"]);
}

#[test]
fn size_errors_are_too_large_and_name_the_field() {
    let d = doc("p", "v1");
    let big = ErrorKind::TooLarge;
    let long = "x".repeat(MAX_ID_BYTES + 1);
    rejects(&doc(&long, "v1"), &small(), big, &["policy_id"]);
    rejects(
        &d,
        &with(small(), 3, |n| n.node_id = long.clone()),
        big,
        &["node_id"],
    );
    rejects(
        &d,
        &with(small(), 1, |n| {
            n.title = "t".repeat(crate::document::MAX_TITLE_BYTES + 1)
        }),
        big,
        &["node a", "title"],
    );
    rejects(
        &d,
        &with(small(), 1, |n| {
            n.see_also = vec!["s".into(); MAX_SEE_ALSO + 1]
        }),
        big,
        &["node a", "see_also"],
    );
    let meta: BTreeMap<String, String> = BTreeMap::from([(
        "k".to_string(),
        "v".repeat(crate::document::MAX_METADATA_BYTES),
    )]);
    rejects(
        &d,
        &with(small(), 1, |n| n.metadata = meta.clone()),
        big,
        &["node a", "metadata"],
    );
    let mut d2 = doc("p", "v1");
    d2.metadata = meta;
    rejects(&d2, &small(), big, &["p/v1", "metadata"]);
    let (_, deep) = gen::chain("p", "v1", MAX_DEPTH as usize + 1);
    rejects(
        &d,
        &deep,
        ErrorKind::InvalidArgument,
        &["parent_id", "deeper than"],
    );
}

#[test]
fn derives_depth_child_order_section_paths_root_and_timestamps() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let mut nodes = vec![
        node("b2", Some("b")),
        node("r", None),
        node("b", Some("r")),
        node("a", Some("r")),
        node("b1", Some("b")),
    ];
    nodes[2].child_ids = vec!["b1".into(), "b2".into()];
    nodes[3].section_path = "Annex A".into();
    let stored = docs.store_document(&doc("p", "v1"), &nodes).unwrap();
    assert_eq!(stored.root_node_id, "r");
    assert!(stored.created_at > 0 && stored.updated_at >= stored.created_at);
    let (_, got) = docs.document("p", None).unwrap();
    let ids: Vec<&str> = got.iter().map(|n| n.node_id.as_str()).collect();
    assert_eq!(ids, ["r", "b", "b1", "b2", "a"]);
    let paths: Vec<&str> = got.iter().map(|n| n.section_path.as_str()).collect();
    assert_eq!(paths, ["", "1", "1.1", "1.2", "Annex A"]);
    let depths: Vec<u32> = got.iter().map(|n| n.depth).collect();
    assert_eq!(depths, [0, 1, 2, 2, 1]);
    assert_eq!(got[0].child_ids, ["b", "a"]);
    assert!(got
        .iter()
        .all(|n| n.created_at == stored.created_at && n.policy_id == "p"));
    assert_eq!(got, Reference::new(&stored, &nodes).nodes);
    // Replacing keeps created_at and moves updated_at.
    let again = docs.store_document(&doc("p", "v1"), &nodes).unwrap();
    assert_eq!(again.created_at, stored.created_at);
    assert!(again.updated_at >= stored.updated_at);
}

#[test]
fn replace_and_delete_leave_no_stale_entry() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let cfg = gen::GenConfig {
        nodes: 60,
        ..gen::GenConfig::default()
    };
    let v1 = gen::document(1, "p", "v1", &cfg);
    let v2 = gen::next_version(2, &v1, "v2", 0.2);
    let other = gen::document(3, "q", "v1", &cfg);
    docs.store_documents(&[v1.clone(), v2.clone(), other.clone()])
        .unwrap();
    assert_eq!(check_consistency(&db), 3);
    // Replace v1 with a different tree: the old entries go.
    let v1b = gen::document(
        4,
        "p",
        "v1",
        &gen::GenConfig {
            nodes: 20,
            ..cfg.clone()
        },
    );
    docs.store_document(&v1b.0, &v1b.1).unwrap();
    assert_eq!(check_consistency(&db), 3);
    assert_eq!(docs.document("p", Some("v1")).unwrap().1.len(), 20);
    assert_eq!(docs.document("p", Some("v2")).unwrap().1.len(), v2.1.len());
    // Delete one version, then all of a policy.
    assert_eq!(docs.delete_document("p", Some("v1")).unwrap(), 1);
    assert_eq!(check_consistency(&db), 2);
    assert_eq!(docs.delete_document("p", Some("v1")).unwrap(), 0);
    assert_eq!(
        docs.node("p", Some("v1"), "0000").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        Versions::new(&db).latest_version("p").unwrap().version_id,
        "v2"
    );
    assert_eq!(docs.delete_document("p", None).unwrap(), 1);
    assert_eq!(check_consistency(&db), 1);
    assert_eq!(
        docs.node("p", None, "0000").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(docs.document("q", None).unwrap().1.len(), other.1.len());
    assert_eq!(docs.delete_document("q", None).unwrap(), 1);
    assert_eq!(check_consistency(&db), 0);
}

#[test]
fn deleted_space_is_reused() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let cfg = gen::GenConfig {
        nodes: 80,
        ..gen::GenConfig::default()
    };
    let mut sizes = Vec::new();
    for round in 0..12u64 {
        let d = gen::document(round, "p", "v1", &cfg);
        docs.store_document(&d.0, &d.1).unwrap();
        docs.delete_document("p", None).unwrap();
        db.checkpoint().unwrap();
        sizes.push(db.stats().unwrap().total_pages);
    }
    assert_eq!(check_consistency(&db), 0);
    // After warm-up the file stops growing: freed pages are reused.
    assert!(sizes[11] <= sizes[3] + 2, "{sizes:?}");
}

#[test]
fn unchanged_text_is_stored_once_across_versions() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let cfg = gen::GenConfig {
        nodes: 50,
        text_chars: (2_000, 3_000),
        ..gen::GenConfig::default()
    };
    let v1 = gen::document(9, "p", "v1", &cfg);
    docs.store_document(&v1.0, &v1.1).unwrap();
    let mut prev = v1;
    for i in 2..=20 {
        let next = gen::next_version(i, &prev, &format!("v{i}"), 0.04);
        docs.store_document(&next.0, &next.1).unwrap();
        prev = next;
    }
    // Node records (titles, summaries) and the keyword index are per version; texts are not: the
    // text table holds one body per distinct text.
    let bodies = text_bodies(&db);
    let distinct: std::collections::HashSet<String> = (1..=20)
        .flat_map(|i| docs.document("p", Some(&format!("v{i}"))).unwrap().1)
        .filter_map(|n| n.text)
        .filter(|t| t.len() > inline_text_max(page_size(&db)))
        .collect();
    assert_eq!(bodies, distinct.len());
    assert!(bodies < 50 + 19 * 4, "{bodies} text bodies");
    assert_eq!(check_consistency(&db), 20);
    let (_, last) = docs.document("p", Some("v20")).unwrap();
    assert_eq!(last.len(), prev.1.len());
}

/// The database's page size.
fn page_size(db: &crate::db::Database) -> usize {
    db.begin_write().unwrap().page_size()
}

/// The `doc.text` bodies (first chunks) in the file.
fn text_bodies(db: &crate::db::Database) -> usize {
    let tx = db.begin_read().unwrap();
    let t = tx.table("doc.text").unwrap();
    let n = tx
        .range(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)
        .unwrap()
        .filter(|kv| kv.as_ref().unwrap().0.ends_with(&[0x20, 0x00]))
        .count();
    n
}

/// Texts up to the inline limit stay in the node record (no `doc.text` body), longer ones are
/// stored apart, and so is a small text whose record it would push out of the leaf; every read
/// returns each text whole.
#[test]
fn small_texts_stay_in_the_record_unless_it_would_overflow_the_leaf() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let limit = inline_text_max(page_size(&db));
    assert_eq!(limit, 512);
    let with_text = |id: &str, parent: Option<&str>, text: String| Node {
        text: Some(text),
        ..node(id, parent)
    };
    let nodes = vec![
        with_text("r", None, "a".repeat(INLINE_TEXT_MAX)),
        with_text("at-limit", Some("r"), "é".repeat(limit / 2)),
        with_text("past-limit", Some("r"), "b".repeat(limit + 1)),
        Node {
            summary: Some("s".repeat(2_000)),
            ..with_text("big-record", Some("r"), "c".repeat(limit))
        },
    ];
    docs.store_document(&doc("p", "v1"), &nodes).unwrap();
    assert_eq!(
        text_bodies(&db),
        2,
        "past-limit and big-record store theirs apart"
    );
    for n in &nodes {
        let got = docs.node("p", None, &n.node_id).unwrap();
        assert_eq!(got.text, n.text, "{}", n.node_id);
    }
    let texts = |v: Vec<Node>| v.into_iter().map(|n| n.text).collect::<Vec<_>>();
    let want: Vec<_> = nodes.iter().map(|n| n.text.clone()).collect();
    assert_eq!(texts(docs.subtree("p", None, "r", 0, true).unwrap()), want);
    assert_eq!(
        texts(docs.children("p", None, None, true).unwrap()),
        want[1..]
    );
    assert_eq!(texts(docs.document("p", None).unwrap().1), want);
    // A second version with the same texts shares the stored ones and copies the inline ones.
    docs.store_document(&doc("p", "v2"), &nodes).unwrap();
    assert_eq!(text_bodies(&db), 2);
    check_consistency(&db);
}

#[test]
fn one_node_documents_and_empty_strings_work() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let n = Node {
        node_id: "only".into(),
        title: String::new(),
        summary: Some(String::new()),
        text: Some(String::new()),
        ..Node::default()
    };
    docs.store_document(&doc("p", "v"), std::slice::from_ref(&n))
        .unwrap();
    let got = docs.node("p", None, "only").unwrap();
    assert_eq!(got.summary.as_deref(), Some(""));
    assert_eq!(got.text.as_deref(), Some(""));
    assert_eq!(got.section_path, "");
    assert!(docs.children("p", None, None, true).unwrap().is_empty());
    assert_eq!(docs.subtree("p", None, "only", 0, true).unwrap(), vec![got]);
    check_consistency(&db);
}

/// Texts around the chunk length (987 bytes at 4 KiB pages), with multi-byte characters across
/// chunk edges, read back whole, shared by the next version and released with the last holder.
#[test]
fn long_texts_are_stored_in_chunks_and_read_whole() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let texts: Vec<String> = vec![
        "a".repeat(987),
        "b".repeat(988),
        "c".repeat(1974),
        "d".repeat(1975),
        "é中x".repeat(700),
        "ab中".repeat(329) + "z",
    ];
    let mut nodes = vec![node("r", None)];
    for (i, t) in texts.iter().enumerate() {
        let mut n = node(&format!("n{i}"), Some("r"));
        n.text = Some(t.clone());
        nodes.push(n);
    }
    docs.store_document(&doc("p", "v1"), &nodes).unwrap();
    // The next version keeps every text but the first, which it changes by one byte at the end.
    let mut next = nodes.clone();
    next[1].text = Some("a".repeat(986) + "b");
    docs.store_document(&doc("p", "v2"), &next).unwrap();
    for (version, want) in [("v1", &nodes), ("v2", &next)] {
        let (_, got) = docs.document("p", Some(version)).unwrap();
        for (g, w) in got.iter().zip(want.iter()) {
            assert_eq!(g.text, w.text, "{version} {}", w.node_id);
        }
    }
    assert_eq!(check_consistency(&db), 2);
    assert_eq!(docs.delete_document("p", Some("v1")).unwrap(), 1);
    assert_eq!(check_consistency(&db), 1);
    let (_, got) = docs.document("p", Some("v2")).unwrap();
    assert_eq!(got[5].text, next[5].text);
    assert_eq!(docs.delete_document("p", None).unwrap(), 1);
    let tx = db.begin_read().unwrap();
    let t = tx.table("doc.text").unwrap();
    let left = tx
        .range(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)
        .unwrap()
        .count();
    assert_eq!(left, 0, "text chunks outlive their last holder");
}

/// Ids at the document store's limit are stored, found and searched by keyword (the keyword
/// index takes every id the store takes; all three ids that long fit its keys); an id with a NUL
/// byte, which keys escape into two, is refused naming the field, before anything is written.
#[test]
fn ids_at_the_limit_are_stored_and_indexed_and_nul_is_refused() {
    let long = "x".repeat(MAX_ID_BYTES);
    let (d, nodes) = with_root_id(&long, &long);
    let db = mem_db();
    let docs = Documents::new(&db);
    docs.store_document(&d, &nodes).unwrap();
    assert_eq!(docs.node(&long, Some(&long), &long).unwrap().node_id, long);
    let hits = crate::search::SearchIndex::new(&db)
        .search("needle", &crate::search::SearchOptions::default())
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0].doc.policy_id.as_str(), hits[0].doc.node_id.as_str()),
        (long.as_str(), "a")
    );

    let invalid = ErrorKind::InvalidArgument;
    let nul = "a\0b";
    rejects(&doc(nul, "v1"), &small(), invalid, &["policy_id", "NUL"]);
    rejects(&doc("p", nul), &small(), invalid, &["version_id", "NUL"]);
    let (d, nodes) = with_root_id("p", nul);
    rejects(&d, &nodes, invalid, &["root_node_id", "NUL"]);
    let d = doc("p", "v1");
    let nodes = with(small(), 1, |n| n.node_id = nul.into());
    rejects(&d, &nodes, invalid, &["input position 1", "node_id", "NUL"]);
    let nodes = with(small(), 1, |n| n.see_also = vec![nul.into()]);
    rejects(&d, &nodes, invalid, &["node a", "see_also", "NUL"]);
}

/// A version `id`/`id` whose root node is `root`, with a child "a" whose text says "needle".
fn with_root_id(id: &str, root: &str) -> (Document, Vec<Node>) {
    let mut d = doc(id, id);
    d.root_node_id = root.to_string();
    let mut nodes = small();
    nodes[0].node_id = root.to_string();
    for n in &mut nodes[1..] {
        if n.parent_id.as_deref() == Some("r") {
            n.parent_id = Some(root.to_string());
        }
    }
    nodes[1].text = Some("needle in a long id".into());
    (d, nodes)
}

/// 1 KiB pages take keys of at most 208 bytes, fewer than ids and tags within their own limits
/// can make (777 at most, which 4 KiB pages take): an id or a tag whose key would not fit is
/// refused before anything is written, by name (the engine used to refuse "a key of 215 bytes"
/// mid-write, naming nothing; `tag_version` had changed the version's row by then).
#[test]
fn ids_and_tags_whose_keys_a_small_page_cannot_hold_are_refused_by_name() {
    let db = mem_db_paged(1024);
    let docs = Documents::new(&db);
    docs.store_document(&doc("keep", "v1"), &small()).unwrap();
    let before = docs.document("keep", None).unwrap();
    let too_large = |e: crate::error::Error, needles: &[&str]| {
        assert_eq!(e.kind(), ErrorKind::TooLarge, "{e}");
        for n in needles {
            assert!(e.to_string().contains(n), "{e} lacks {n:?}");
        }
    };

    let long_id = "x".repeat(200);
    let nodes = with(small(), 2, |n| n.node_id = long_id.clone());
    let err = docs.store_document(&doc("p", "v1"), &nodes).unwrap_err();
    too_large(
        err,
        &[
            &format!("node {long_id}: field node_id"),
            "key limit of 208",
        ],
    );
    let err = docs
        .store_document(&doc(&"p".repeat(100), &"v".repeat(95)), &small())
        .unwrap_err();
    too_large(err, &["field version_id", "key limit of 208"]);
    let mut tagged = doc(&"p".repeat(100), "v1");
    tagged.tags = vec!["t".repeat(128)];
    let err = docs.store_document(&tagged, &small()).unwrap_err();
    too_large(err, &["field tags", "key limit of 208"]);
    assert_eq!(
        check_consistency(&db),
        1,
        "a refused version wrote something"
    );

    tagged.tags.clear();
    docs.store_document(&tagged, &small()).unwrap();
    let mut w = db.begin_write().unwrap();
    let err = crate::version::tag_version(&mut w, &tagged.policy_id, "v1", &"t".repeat(128));
    too_large(err.unwrap_err(), &["field tags", "key limit of 208"]);
    w.commit().unwrap();
    let versions = Versions::new(&db);
    assert!(versions
        .version(&tagged.policy_id, "v1")
        .unwrap()
        .tags
        .is_empty());
    assert_eq!(docs.document("keep", None).unwrap(), before);
    let fits = with(small(), 2, |n| n.node_id = "y".repeat(150));
    docs.store_document(&doc("p", "v2"), &fits).unwrap();
}
