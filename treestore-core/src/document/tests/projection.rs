//! Reads whose sink asks for [`Projection::Content`] against the same reads of every field: the
//! content fields alike (stored texts included), the others left empty.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::support::{doc, mem_db, paged};
use crate::document::{DocReader, Node, NodeRef, NodeSink, Projection, StructureOptions};
use crate::error::Result;

/// Copies each node it is handed, with the projection it was built with.
struct Copied {
    projection: Projection,
    nodes: Vec<Node>,
}

impl Copied {
    fn new(projection: Projection) -> Self {
        Copied {
            projection,
            nodes: Vec::new(),
        }
    }
}

impl NodeSink for Copied {
    fn projection(&self) -> Projection {
        self.projection
    }

    fn node(&mut self, n: &NodeRef<'_>) -> Result<()> {
        self.nodes.push(n.to_node()?);
        Ok(())
    }

    fn text(&mut self, index: usize, text: Cow<'_, str>) -> Result<()> {
        self.nodes[index].text = Some(text.into_owned());
        Ok(())
    }
}

fn tree() -> Vec<Node> {
    let full = |mut n: Node, i: usize| {
        n.summary = Some(format!("ünïcödé summary {i} ").repeat(i % 4));
        n.text = match i % 3 {
            0 => None,
            1 => Some(format!("short {i}")),
            _ => Some(format!("a text long enough to be stored apart {i} ").repeat(30)),
        };
        n.see_also = vec![format!("s{i}"), "é".into()];
        n.metadata = BTreeMap::from([("k".into(), format!("v{i}"))]);
        n
    };
    let mut nodes = vec![full(paged("root", None, 1, 30), 0)];
    for i in 1..30 {
        let parent = if i < 6 {
            "root".to_string()
        } else {
            format!("n{}", i % 5 + 1)
        };
        nodes.push(full(
            paged(&format!("n{i}"), Some(&parent), i as i64, i as i64 + 1),
            i,
        ));
    }
    nodes
}

/// What a content-only read must return of a node read whole.
fn content_of(n: &Node) -> Node {
    Node {
        node_id: n.node_id.clone(),
        policy_id: n.policy_id.clone(),
        version_id: n.version_id.clone(),
        title: n.title.clone(),
        page_start: n.page_start,
        page_end: n.page_end,
        summary: n.summary.clone(),
        text: n.text.clone(),
        depth: n.depth,
        ..Node::default()
    }
}

#[test]
fn a_content_read_returns_the_content_fields_and_leaves_the_others_empty() {
    let db = mem_db();
    let mut w = db.begin_write().unwrap();
    crate::document::store_document(&mut w, &doc("p", "v1"), &tree()).unwrap();
    w.commit().unwrap();
    let tx = db.begin_read().unwrap();
    let r = DocReader::new(&tx);
    let v = Some("v1");
    let batch = ["n7", "root", "n3", "n29", "n12"];
    let opts = StructureOptions {
        summary_chars: Some(5),
        limit: 0,
    };
    type Read<'a> = Box<dyn Fn(&mut Copied) -> Result<()> + 'a>;
    let reads: Vec<(&str, Read)> = vec![
        (
            "children",
            Box::new(|s| r.children_with("p", v, Some("root"), true, s)),
        ),
        (
            "children of n2",
            Box::new(|s| r.children_with("p", v, Some("n2"), false, s)),
        ),
        (
            "subtree",
            Box::new(|s| r.subtree_with("p", v, "n1", 0, true, s)),
        ),
        (
            "subtree 1",
            Box::new(|s| r.subtree_with("p", v, "root", 1, true, s)),
        ),
        (
            "ancestors",
            Box::new(|s| r.ancestor_path_with("p", v, "n26", true, s)),
        ),
        ("batch", Box::new(|s| r.nodes_with("p", v, &batch, true, s))),
        (
            "page",
            Box::new(|s| r.nodes_by_page_with("p", v, 7, true, s)),
        ),
        (
            "pages",
            Box::new(|s| r.nodes_by_pages_with("p", v, "3-9,20", false, s)),
        ),
        (
            "structure",
            Box::new(|s| r.structure_with("p", v, &opts, None, s).map(drop)),
        ),
        (
            "document",
            Box::new(|s| r.document_with("p", v, s).map(drop)),
        ),
    ];
    for (what, read) in reads {
        let mut all = Copied::new(Projection::All);
        read(&mut all).unwrap();
        let mut content = Copied::new(Projection::Content);
        read(&mut content).unwrap();
        assert!(!all.nodes.is_empty(), "{what}");
        assert!(all.nodes.iter().any(|n| !n.see_also.is_empty()), "{what}");
        let want: Vec<Node> = all.nodes.iter().map(content_of).collect();
        assert_eq!(content.nodes, want, "{what}");
    }
}
