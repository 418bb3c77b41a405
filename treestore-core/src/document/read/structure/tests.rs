//! The borrowed table of contents against the owned one and against a reference built from the
//! whole document: pagination, cursors, summaries cut at character boundaries, errors.

use std::borrow::Cow;

use crate::document::tests::support::{doc, mem_db};
use crate::document::{
    store_document, DocReader, Node, NodeRef, NodeSink, StructureOptions, StructurePage,
};
use crate::error::Result;

/// Copies each node it is handed (what a caller of the borrowed read keeps).
#[derive(Default)]
struct ToNodes {
    nodes: Vec<Node>,
    texts: usize,
}

impl NodeSink for ToNodes {
    fn node(&mut self, n: &NodeRef<'_>) -> Result<()> {
        self.nodes.push(n.to_node()?);
        Ok(())
    }

    fn text(&mut self, _: usize, _: Cow<'_, str>) -> Result<()> {
        self.texts += 1;
        Ok(())
    }
}

fn tree() -> Vec<Node> {
    let summaries = [
        None,
        Some("ünïcödé summary, multi-byte: ü is two bytes"),
        Some("日本語の要約はここにあります"),
        Some("emoji 🌲🌳🌴 trees"),
        Some(""),
        Some("plain ascii summary that is long enough to cut"),
    ];
    (0..23)
        .map(|i| Node {
            node_id: format!("n{i:02}"),
            parent_id: (i > 0).then(|| format!("n{:02}", (i - 1) / 3)),
            title: format!("Section {i} é"),
            summary: summaries[i % summaries.len()].map(String::from),
            text: (i % 4 != 0).then(|| format!("text {i} ").repeat(i * 20)),
            page_start: Some(i as i64),
            page_end: Some(i as i64 + 1),
            ..Node::default()
        })
        .collect()
}

/// A page as the reference says: the document's nodes, text dropped, summaries cut by chars.
fn reference(all: &[Node], start: usize, limit: usize, chars: Option<usize>) -> Vec<Node> {
    let end = if limit == 0 {
        all.len()
    } else {
        (start + limit).min(all.len())
    };
    all[start..end]
        .iter()
        .map(|n| Node {
            text: None,
            summary: match chars {
                Some(0) => None,
                Some(c) => n.summary.as_ref().map(|s| s.chars().take(c).collect()),
                None => n.summary.clone(),
            },
            ..n.clone()
        })
        .collect()
}

#[test]
fn borrowed_and_owned_structure_agree_page_by_page() {
    let db = mem_db();
    let mut w = db.begin_write().unwrap();
    store_document(&mut w, &doc("p", "v1"), &tree()).unwrap();
    w.commit().unwrap();
    let tx = db.begin_read().unwrap();
    let rd = DocReader::new(&tx);
    let (_, all) = rd.document("p", None).unwrap();
    for chars in [None, Some(0), Some(1), Some(3), Some(7), Some(10_000)] {
        for limit in [0, 1, 4, 23, 50] {
            let opts = StructureOptions {
                summary_chars: chars,
                limit,
            };
            let (mut cursor, mut start, mut pages) = (None::<String>, 0, 0);
            loop {
                let owned: StructurePage =
                    rd.structure("p", None, &opts, cursor.as_deref()).unwrap();
                let mut sink = ToNodes::default();
                let info = rd
                    .structure_with("p", None, &opts, cursor.as_deref(), &mut sink)
                    .unwrap();
                assert_eq!(sink.texts, 0);
                assert_eq!(sink.nodes, owned.nodes, "{chars:?} {limit} {cursor:?}");
                assert_eq!(info.document, owned.document);
                assert_eq!(info.total_nodes, 23);
                assert_eq!(info.total_nodes, owned.total_nodes);
                assert_eq!(info.next_cursor, owned.next_cursor);
                assert_eq!(owned.nodes, reference(&all, start, limit, chars));
                start += owned.nodes.len();
                pages += 1;
                cursor = info.next_cursor;
                if cursor.is_none() {
                    break;
                }
            }
            assert_eq!(start, 23);
            let want_pages = if limit == 0 {
                1
            } else {
                23usize.div_ceil(limit)
            };
            assert_eq!(pages, want_pages, "{limit}");
        }
    }
}

#[test]
fn borrowed_and_owned_structure_fail_alike() {
    let db = mem_db();
    let mut w = db.begin_write().unwrap();
    store_document(&mut w, &doc("p", "v1"), &tree()).unwrap();
    w.commit().unwrap();
    let tx = db.begin_read().unwrap();
    let rd = DocReader::new(&tx);
    let opts = StructureOptions::default();
    let cases: [(&str, Option<&str>, Option<&str>); 5] = [
        ("p", None, Some("x")),
        ("p", None, Some("24")),
        ("p", None, Some("-1")),
        ("nope", None, None),
        ("p", Some("v9"), None),
    ];
    for (policy, version, cursor) in cases {
        let owned = rd.structure(policy, version, &opts, cursor).unwrap_err();
        let mut sink = ToNodes::default();
        let borrowed = rd
            .structure_with(policy, version, &opts, cursor, &mut sink)
            .unwrap_err();
        assert_eq!(owned.kind(), borrowed.kind(), "{policy} {cursor:?}");
        assert_eq!(owned.to_string(), borrowed.to_string());
        assert!(sink.nodes.is_empty());
    }
    // The end cursor is valid: an empty last page.
    let mut sink = ToNodes::default();
    let info = rd
        .structure_with("p", None, &opts, Some("23"), &mut sink)
        .unwrap();
    assert!(sink.nodes.is_empty() && info.next_cursor.is_none());
}

#[test]
fn structure_cuts_summaries_at_character_boundaries() {
    // One summary mixing one- to four-byte characters, cut at every character count through the
    // decoder's cut on raw bytes.
    let s = "aé日🌲z".repeat(40);
    let nodes = vec![Node {
        node_id: "r".into(),
        title: "root".into(),
        summary: Some(s.clone()),
        ..Node::default()
    }];
    let db = mem_db();
    let mut w = db.begin_write().unwrap();
    store_document(&mut w, &doc("p", "v1"), &nodes).unwrap();
    w.commit().unwrap();
    let tx = db.begin_read().unwrap();
    let rd = DocReader::new(&tx);
    for max in 0..=s.chars().count() + 3 {
        let opts = StructureOptions {
            summary_chars: Some(max),
            limit: 0,
        };
        let page = rd.structure("p", None, &opts, None).unwrap();
        let want = (max > 0).then(|| s.chars().take(max).collect::<String>());
        assert_eq!(page.nodes[0].summary, want, "cut to {max}");
    }
}
