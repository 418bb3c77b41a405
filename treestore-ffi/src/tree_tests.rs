//! The borrowed multi-node reads behind the ABI (`NodesSink`) against the owned ones
//! (`nodes_result` of the `Node`s `DocReader` returns): the same result, field by field, for every
//! query kind, with and without text, on the latest and older versions, with missing ids.

use std::collections::BTreeMap;
use std::path::PathBuf;

use treestore_core::db::{Database, ReadTxn};
use treestore_core::document::{store_document, DocReader, Document, Node};

use crate::nodes::{nodes_result, NodesSink};
use crate::result::{treestore_result, treestore_str};

/// A temporary database file, removed on drop.
struct TempDb(PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn node(id: &str, parent: Option<&str>, text: Option<String>, page: i64) -> Node {
    Node {
        node_id: id.into(),
        parent_id: parent.map(Into::into),
        title: format!("Tïtle {id}"),
        summary: (page % 2 == 0).then(|| format!("summary of {id}")),
        text,
        page_start: (page > 0).then_some(page),
        page_end: (page > 0).then_some(page + 1),
        see_also: if page == 3 {
            vec!["p/x".into(), "é".into()]
        } else {
            vec![]
        },
        metadata: if page == 2 {
            BTreeMap::from([("k".into(), "vé".into()), ("a".into(), String::new())])
        } else {
            BTreeMap::new()
        },
        ..Node::default()
    }
}

fn version_nodes(v2: bool) -> Vec<Node> {
    let stored = |s: &str| Some(format!("{s}: a text long enough to be stored apart. ").repeat(3));
    let long = Some("a long text, stored in many chunks; ".repeat(2000));
    let mut nodes = vec![
        node("root", None, None, 0),
        node("a", Some("root"), Some("short inline".into()), 1),
        node("a1", Some("a"), stored("shared"), 2),
        node("a2", Some("a"), stored("a2 ünïcode"), 3),
        node("b", Some("root"), long, 4),
        node("b1", Some("b"), stored("shared"), 5),
        node("b2", Some("b"), None, 6),
        node("b21", Some("b2"), stored("b21"), 6),
        node("c", Some("root"), stored("c"), 7),
    ];
    if v2 {
        nodes[8].text = stored("c changed in v2");
        nodes.push(node("c1", Some("c"), stored("new in v2"), 8));
    }
    nodes
}

fn open() -> (TempDb, Database) {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "treestore-ffi-tree-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Database::open(dir.join("t.tsdb"), Default::default()).unwrap();
    for (v, v2) in [("v1", false), ("v2", true)] {
        let doc = Document {
            policy_id: "p".into(),
            version_id: v.into(),
            ..Document::default()
        };
        let mut w = db.begin_write().unwrap();
        store_document(&mut w, &doc, &version_nodes(v2)).unwrap();
        w.commit().unwrap();
    }
    (TempDb(dir), db)
}

/// A node of a sealed result, every field as text.
type NodeView = (Vec<Option<String>>, [i64; 4], [u32; 2], Vec<String>);

fn views(r: &treestore_result) -> Vec<NodeView> {
    let text = |s: treestore_str| {
        (!s.ptr.is_null()).then(|| {
            // SAFETY (test): views point into `r`'s arena (or a static), alive here.
            let b = unsafe { std::slice::from_raw_parts(s.ptr, s.len) };
            String::from_utf8(b.to_vec()).unwrap()
        })
    };
    let d = &r.data;
    d.nodes
        .iter()
        .map(|n| {
            let strs = [
                n.node_id,
                n.policy_id,
                n.version_id,
                n.parent_id,
                n.title,
                n.summary,
                n.text,
                n.section_path,
            ];
            let list = |first: u32, count: u32, tag: &'static str| {
                (first..first + count)
                    .map(move |i| format!("{tag}:{}", text(d.strings[i as usize]).unwrap()))
            };
            let mut items: Vec<String> = list(n.child_first, n.child_count, "child").collect();
            items.extend(list(n.see_also_first, n.see_also_count, "see"));
            items.extend(
                (n.metadata_first..n.metadata_first + n.metadata_count).map(|i| {
                    let kv = d.kvs[i as usize];
                    format!("md:{}={}", text(kv.key).unwrap(), text(kv.value).unwrap())
                }),
            );
            (
                strs.iter().map(|&s| text(s)).collect(),
                [n.page_start, n.page_end, n.created_at, n.updated_at],
                [n.depth, n.flags],
                items,
            )
        })
        .collect()
}

/// The owned and the borrowed result of one query; both must succeed or both fail alike.
fn check(
    tx: &ReadTxn,
    what: &str,
    text: bool,
    owned: impl Fn(&DocReader<'_, ReadTxn>) -> treestore_core::Result<Vec<Node>>,
    borrowed: impl Fn(&DocReader<'_, ReadTxn>, &mut NodesSink) -> treestore_core::Result<()>,
) -> usize {
    let want = owned(&DocReader::new(tx));
    let mut sink = NodesSink::new(text);
    let got = borrowed(&DocReader::new(tx), &mut sink);
    match (want, got) {
        (Ok(nodes), Ok(())) => {
            let want = views(&nodes_result(None, &nodes, text, 0, None));
            let got = views(&sink.finish());
            assert_eq!(got, want, "{what} (text {text})");
            nodes.len()
        }
        (Err(a), Err(b)) => {
            assert_eq!(
                (a.kind(), a.to_string()),
                (b.kind(), b.to_string()),
                "{what}"
            );
            0
        }
        (a, b) => panic!("{what}: owned {:?}, borrowed {:?}", a.map(|n| n.len()), b),
    }
}

#[test]
fn borrowed_reads_give_the_results_owned_reads_give() {
    let (_dir, db) = open();
    let tx = db.begin_read().unwrap();
    let mut nodes_seen = 0;
    let mut texts_seen = 0;
    for version in [None, Some("v1"), Some("v2"), Some("v9")] {
        let v = version;
        for text in [false, true] {
            let tag = |q: &str| format!("{q} of version {v:?}");
            for parent in [
                None,
                Some("root"),
                Some("a"),
                Some("b"),
                Some("b21"),
                Some("nope"),
            ] {
                nodes_seen += check(
                    &tx,
                    &tag(&format!("children of {parent:?}")),
                    text,
                    |r| r.children("p", v, parent, text),
                    |r, s| r.children_with("p", v, parent, text, s),
                );
            }
            for (id, depth) in [
                ("root", 0),
                ("root", 1),
                ("root", 2),
                ("b", 0),
                ("c", 0),
                ("x", 0),
            ] {
                nodes_seen += check(
                    &tx,
                    &tag(&format!("subtree of {id} to {depth}")),
                    text,
                    |r| r.subtree("p", v, id, depth, text),
                    |r, s| r.subtree_with("p", v, id, depth, text, s),
                );
            }
            for id in ["root", "a2", "b21", "c1", "x"] {
                nodes_seen += check(
                    &tx,
                    &tag(&format!("ancestors of {id}")),
                    text,
                    |r| r.ancestor_path("p", v, id, text),
                    |r, s| r.ancestor_path_with("p", v, id, text, s),
                );
            }
            let ids = ["c1", "nope", "a1", "b1", "b", "a1", "root", "c"];
            nodes_seen += check(
                &tx,
                &tag("batch"),
                text,
                |r| Ok(r.nodes("p", v, &ids, text)?.into_iter().flatten().collect()),
                |r, s| r.nodes_with("p", v, &ids, text, s),
            );
            for page in [0, 3, 6, 8, -1] {
                nodes_seen += check(
                    &tx,
                    &tag(&format!("page {page}")),
                    text,
                    |r| r.nodes_by_page("p", v, page, text),
                    |r, s| r.nodes_by_page_with("p", v, page, text, s),
                );
            }
            for spec in ["1-3,6", "5", "9-99", "bad"] {
                nodes_seen += check(
                    &tx,
                    &tag(&format!("pages {spec}")),
                    text,
                    |r| r.nodes_by_pages("p", v, spec, text),
                    |r, s| r.nodes_by_pages_with("p", v, spec, text, s),
                );
            }
            if text {
                let all = DocReader::new(&tx).subtree("p", v, "root", 0, true);
                texts_seen += all.map_or(0, |n| n.iter().filter(|n| n.text.is_some()).count());
            }
        }
    }
    // The checks compared real results: nodes on every version, texts of every kind read.
    assert!(nodes_seen > 300, "{nodes_seen} nodes compared");
    assert_eq!(texts_seen, 8 + 7 + 8, "latest, v1 and v2");
}

#[test]
fn a_borrowed_document_read_gives_the_result_of_the_owned_one() {
    let (_dir, db) = open();
    let tx = db.begin_read().unwrap();
    for version in [None, Some("v1"), Some("v2")] {
        let (doc, nodes) = DocReader::new(&tx).document("p", version).unwrap();
        let want = nodes_result(Some(&doc), &nodes, true, nodes.len() as u64, None);
        let mut sink = NodesSink::new(true);
        let got_doc = DocReader::new(&tx)
            .document_with("p", version, &mut sink)
            .unwrap();
        assert_eq!(got_doc, doc);
        let got = sink.finish_document(&got_doc);
        assert_eq!(views(&got), views(&want), "{version:?}");
        let shape = |r: &treestore_result| {
            let d = &r.data;
            (
                d.top_records,
                d.total,
                d.records.len(),
                d.fields.len(),
                d.strings.len(),
                d.kvs.len(),
            )
        };
        assert_eq!(shape(&got), shape(&want), "{version:?}");
        assert_eq!(got.data.total, nodes.len() as u64);
    }
    let missing = DocReader::new(&tx).document_with("p", Some("v9"), &mut NodesSink::new(true));
    assert!(missing.is_err());
}

#[test]
fn a_borrowed_structure_page_gives_the_result_of_the_owned_one() {
    use treestore_core::document::StructureOptions;
    let (_dir, db) = open();
    let tx = db.begin_read().unwrap();
    let cursor_of = |r: &treestore_result| {
        let c = r.data.next_cursor;
        // SAFETY (test): the cursor points into `r`'s arena, alive here.
        (!c.ptr.is_null()).then(|| unsafe { std::slice::from_raw_parts(c.ptr, c.len) }.to_vec())
    };
    for version in [None, Some("v1"), Some("v2")] {
        for (chars, limit) in [(None, 0), (Some(0), 2), (Some(3), 1), (Some(420), 3)] {
            let opts = StructureOptions {
                summary_chars: chars,
                limit,
            };
            let mut cursor: Option<String> = None;
            loop {
                let page = DocReader::new(&tx)
                    .structure("p", version, &opts, cursor.as_deref())
                    .unwrap();
                let want = nodes_result(
                    Some(&page.document),
                    &page.nodes,
                    false,
                    page.total_nodes,
                    page.next_cursor.as_deref(),
                );
                let mut sink = NodesSink::new(false);
                let info = DocReader::new(&tx)
                    .structure_with("p", version, &opts, cursor.as_deref(), &mut sink)
                    .unwrap();
                let got = sink.finish_page(
                    &info.document,
                    info.total_nodes,
                    info.next_cursor.as_deref(),
                );
                let what = format!("{version:?} {chars:?} {limit} {cursor:?}");
                assert_eq!(views(&got), views(&want), "{what}");
                assert_eq!(got.data.top_records, want.data.top_records, "{what}");
                assert_eq!(got.data.total, want.data.total, "{what}");
                assert_eq!(cursor_of(&got), cursor_of(&want), "{what}");
                cursor = info.next_cursor;
                if cursor.is_none() {
                    break;
                }
            }
        }
    }
    let bad = DocReader::new(&tx).structure_with(
        "p",
        None,
        &StructureOptions::default(),
        Some("x"),
        &mut NodesSink::new(false),
    );
    assert!(bad
        .unwrap_err()
        .to_string()
        .contains("not a structure cursor"));
}

#[test]
fn a_text_for_a_node_not_handed_over_is_an_error() {
    use std::borrow::Cow;
    use treestore_core::document::NodeSink;
    let mut sink = NodesSink::new(true);
    let err = sink.text(0, Cow::Borrowed("x")).unwrap_err();
    assert!(err.to_string().contains("node 0"), "{err}");
}
