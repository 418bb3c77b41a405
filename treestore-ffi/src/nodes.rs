//! Node records: the fixed-width view of a document node, the type every tree query returns.

use std::borrow::Cow;

use crate::records::{push_version, RecordBuilder};
use crate::result::{treestore_result, treestore_str};
use treestore_core::document::{Document, Node, NodeRef, NodeSink};

/// `treestore_node.flags`: `page_start` holds a value.
pub const TREESTORE_NODE_HAS_PAGE_START: u32 = 1;
/// `treestore_node.flags`: `page_end` holds a value.
pub const TREESTORE_NODE_HAS_PAGE_END: u32 = 2;
/// `treestore_node.flags`: `text` was read (queries asked to skip text leave it NULL).
pub const TREESTORE_NODE_HAS_TEXT: u32 = 4;

/// One document node. Optional strings (`parent_id` at the root, `summary`, `text`) have
/// `ptr == NULL` when absent. Lists are `(first, count)` ranges: child and see-also ids in the
/// result's `strings`, metadata in its `kvs`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct treestore_node {
    /// Unique within its document version.
    pub node_id: treestore_str,
    /// The policy.
    pub policy_id: treestore_str,
    /// The version.
    pub version_id: treestore_str,
    /// The parent's id (NULL at the root).
    pub parent_id: treestore_str,
    /// The section title.
    pub title: treestore_str,
    /// The summary (NULL when none).
    pub summary: treestore_str,
    /// The text (NULL when none or not read).
    pub text: treestore_str,
    /// Dotted ordinal path, e.g. "1.2.3" ("" at the root).
    pub section_path: treestore_str,
    /// First page (see `flags`).
    pub page_start: i64,
    /// Last page, inclusive (see `flags`).
    pub page_end: i64,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
    /// Distance from the root (0 at the root).
    pub depth: u32,
    /// `TREESTORE_NODE_*` bits.
    pub flags: u32,
    /// First child id in `strings`.
    pub child_first: u32,
    /// Number of children.
    pub child_count: u32,
    /// First see-also id in `strings`.
    pub see_also_first: u32,
    /// Number of see-also ids.
    pub see_also_count: u32,
    /// First metadata pair in `kvs`.
    pub metadata_first: u32,
    /// Number of metadata pairs.
    pub metadata_count: u32,
}

/// A node whose string views are pending (arena offsets) until its result is sealed.
pub(crate) type PendingNode = treestore_node;

/// Adds `n` to `b` (its strings to the arena, its lists to the shared arrays) and returns the
/// pending node. `text_read` sets `TREESTORE_NODE_HAS_TEXT`: the query read texts, so a NULL
/// `text` means the node has none.
pub(crate) fn push_node(b: &mut RecordBuilder, n: &Node, text_read: bool) -> PendingNode {
    let opt = |b: &mut RecordBuilder, s: Option<&str>| {
        s.map_or(treestore_str::NONE, |s| b.string_span(s))
    };
    let (child_first, child_count) = b.push_strings(&n.child_ids);
    let (see_also_first, see_also_count) = b.push_strings(&n.see_also);
    let (metadata_first, metadata_count) = b.push_kvs(n.metadata.iter());
    let flags = node_flags(n.page_start, n.page_end, text_read);
    PendingNode {
        node_id: b.string_span(&n.node_id),
        policy_id: b.string_span(&n.policy_id),
        version_id: b.string_span(&n.version_id),
        parent_id: opt(b, n.parent_id.as_deref()),
        title: b.string_span(&n.title),
        summary: opt(b, n.summary.as_deref()),
        text: opt(b, n.text.as_deref()),
        section_path: b.string_span(&n.section_path),
        page_start: n.page_start.unwrap_or(0),
        page_end: n.page_end.unwrap_or(0),
        created_at: n.created_at,
        updated_at: n.updated_at,
        depth: n.depth,
        flags,
        child_first,
        child_count,
        see_also_first,
        see_also_count,
        metadata_first,
        metadata_count,
    }
}

/// [`push_node`] for a node borrowed from the store ([`DocReader::node_with`] and the `*_with`
/// multi-node reads): its strings are copied from the stored record into the arena, the only
/// copy the read makes.
///
/// [`DocReader::node_with`]: treestore_core::document::DocReader::node_with
pub(crate) fn push_node_ref(
    b: &mut RecordBuilder,
    n: &NodeRef<'_>,
    text_read: bool,
) -> treestore_core::Result<PendingNode> {
    let opt = |b: &mut RecordBuilder, s: Option<&str>| {
        s.map_or(treestore_str::NONE, |s| b.string_span(s))
    };
    let (child_first, child_count) = b.push_str_items(n.child_ids.iter())?;
    let (see_also_first, see_also_count) = b.push_str_items(n.see_also.iter())?;
    let (metadata_first, metadata_count) = b.push_str_pairs(n.metadata.iter())?;
    Ok(PendingNode {
        node_id: b.string_span(n.node_id),
        policy_id: b.string_span(n.policy_id),
        version_id: b.string_span(n.version_id),
        parent_id: opt(b, n.parent_id),
        title: b.string_span(n.title),
        summary: opt(b, n.summary),
        text: opt(b, n.text),
        section_path: b.string_span(n.section_path),
        page_start: n.page_start.unwrap_or(0),
        page_end: n.page_end.unwrap_or(0),
        created_at: n.created_at,
        updated_at: n.updated_at,
        depth: n.depth,
        flags: node_flags(n.page_start, n.page_end, text_read),
        child_first,
        child_count,
        see_also_first,
        see_also_count,
        metadata_first,
        metadata_count,
    })
}

/// A result of the one node `n` (a point read, built from the borrowed record).
pub(crate) fn node_ref_result(n: &NodeRef<'_>) -> treestore_core::Result<treestore_result> {
    let mut b = RecordBuilder::default();
    let opt = |s: Option<&str>| s.map_or(0, str::len);
    b.reserve_bytes(
        n.node_id.len()
            + n.policy_id.len()
            + n.version_id.len()
            + opt(n.parent_id)
            + n.title.len()
            + opt(n.summary)
            + opt(n.text)
            + n.section_path.len()
            + 256,
    );
    let pending = push_node_ref(&mut b, n, true)?;
    b.push_pending_node(pending);
    Ok(b.finish(0, 0, None))
}

/// The result of a borrowed multi-node read ([`DocReader`]'s `*_with` reads): each node is
/// written into the result's arrays and arena as the read hands it over, its stored text when
/// that is read at the end; no owned [`Node`] between the store and the result.
///
/// [`DocReader`]: treestore_core::document::DocReader
pub(crate) struct NodesSink {
    b: RecordBuilder,
    text_read: bool,
    count: usize,
}

impl NodesSink {
    /// An empty result of nodes; `text_read`: the read was asked for texts (see
    /// [`TREESTORE_NODE_HAS_TEXT`]).
    pub(crate) fn new(text_read: bool) -> NodesSink {
        NodesSink {
            b: RecordBuilder::default(),
            text_read,
            count: 0,
        }
    }

    /// The finished result.
    pub(crate) fn finish(self) -> treestore_result {
        self.b.finish(0, 0, None)
    }

    /// The finished result of a whole document: the version record of `doc`, then the nodes, with
    /// their count as the total (what [`nodes_result`] gives for the owned nodes).
    pub(crate) fn finish_document(mut self, doc: &Document) -> treestore_result {
        push_version(&mut self.b, doc);
        self.b.finish(1, self.count as u64, None)
    }

    /// The finished result of a structure page: the version record of `doc`, then the nodes,
    /// with the page's `total` and `next_cursor` (what [`nodes_result`] gives for the owned page).
    pub(crate) fn finish_page(
        mut self,
        doc: &Document,
        total: u64,
        next_cursor: Option<&str>,
    ) -> treestore_result {
        push_version(&mut self.b, doc);
        self.b.finish(1, total, next_cursor)
    }
}

impl NodeSink for NodesSink {
    fn reserve(&mut self, nodes: usize) {
        self.b.reserve_nodes(nodes);
        // About what a node of a PageIndex tree takes, its text stored apart or not.
        self.b.reserve_bytes(nodes.saturating_mul(160));
    }

    fn node(&mut self, n: &NodeRef<'_>) -> treestore_core::Result<()> {
        let pending = push_node_ref(&mut self.b, n, self.text_read)?;
        self.b.push_pending_node(pending);
        self.count += 1;
        Ok(())
    }

    fn text(&mut self, index: usize, text: Cow<'_, str>) -> treestore_core::Result<()> {
        if self.b.set_node_text(index, &text) {
            Ok(())
        } else {
            Err(treestore_core::Error::invalid(format!(
                "a text came for node {index}, which the read did not hand over"
            )))
        }
    }
}

fn node_flags(page_start: Option<i64>, page_end: Option<i64>, text_read: bool) -> u32 {
    let mut flags = 0;
    if page_start.is_some() {
        flags |= TREESTORE_NODE_HAS_PAGE_START;
    }
    if page_end.is_some() {
        flags |= TREESTORE_NODE_HAS_PAGE_END;
    }
    if text_read {
        flags |= TREESTORE_NODE_HAS_TEXT;
    }
    flags
}

/// The bytes `push_node` adds to the arena for `n`.
pub(crate) fn node_bytes(n: &Node) -> usize {
    let opt = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    let list = |l: &[String]| l.iter().map(String::len).sum::<usize>();
    n.node_id.len()
        + n.policy_id.len()
        + n.version_id.len()
        + opt(&n.parent_id)
        + n.title.len()
        + opt(&n.summary)
        + opt(&n.text)
        + n.section_path.len()
        + list(&n.child_ids)
        + list(&n.see_also)
        + n.metadata
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
}

/// A result of `nodes` (in the `nodes` array), preceded by the version record when `doc` is given,
/// with the paging fields of a structure page.
pub(crate) fn nodes_result(
    doc: Option<&Document>,
    nodes: &[Node],
    text_read: bool,
    total: u64,
    next_cursor: Option<&str>,
) -> treestore_result {
    let mut b = RecordBuilder::default();
    b.reserve_bytes(nodes.iter().map(node_bytes).sum::<usize>() + 512);
    let top = match doc {
        Some(d) => {
            push_version(&mut b, d);
            1
        }
        None => 0,
    };
    for n in nodes {
        let pending = push_node(&mut b, n, text_read);
        b.push_pending_node(pending);
    }
    b.finish(top, total, next_cursor)
}
