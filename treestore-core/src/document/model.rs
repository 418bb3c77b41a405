//! The public types of the document store and its documented size limits.

use std::collections::BTreeMap;

use crate::time::Timestamp;

/// Longest `policy_id`, `version_id`, `node_id`, `pageindex_doc_id` or see-also id, in bytes. Ids
/// other than `pageindex_doc_id` may not hold a NUL byte.
pub const MAX_ID_BYTES: usize = 256;
/// Longest tag, in bytes.
pub const MAX_TAG_BYTES: usize = 128;
/// Most tags on one version.
pub const MAX_TAGS: usize = 64;
/// Longest title, in bytes.
pub const MAX_TITLE_BYTES: usize = 8 << 10;
/// Longest summary, in bytes.
pub const MAX_SUMMARY_BYTES: usize = 256 << 10;
/// Longest text of one node, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 << 20;
/// Longest caller-given `section_path`, in bytes (derived paths of deep nodes may be longer).
pub const MAX_SECTION_PATH_BYTES: usize = 8 << 10;
/// Most bytes of keys and values in one metadata map (a node's or a version's).
pub const MAX_METADATA_BYTES: usize = 1 << 20;
/// Most see-also ids on one node.
pub const MAX_SEE_ALSO: usize = 4096;
/// Longest `description` or `created_by` of a version, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 256 << 10;
/// Most nodes in one document version.
pub const MAX_NODES: usize = 1 << 22;
/// Deepest node (the root is at depth 0). Derived section paths grow with depth, so a chain of
/// this depth costs about `MAX_DEPTH²` bytes of paths.
pub const MAX_DEPTH: u32 = 4096;
/// Highest page number; pages are `0..=MAX_PAGE`.
pub const MAX_PAGE: i64 = u32::MAX as i64;
/// Most page ranges in one `nodes_by_pages` spec.
pub const MAX_PAGE_RANGES: usize = 1024;

/// One version of a document: `(policy_id, version_id)` names it; the nodes hang below.
///
/// On [`store_document`](super::store_document), `root_node_id` may be left empty (it is then
/// the root's id), a zero `created_at` keeps the stored version's (or takes now), and a zero
/// `updated_at` takes now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// The policy (the document across its versions).
    pub policy_id: String,
    /// This version of the policy.
    pub version_id: String,
    /// The document's id in PageIndex, when it came from there.
    pub pageindex_doc_id: Option<String>,
    /// The id of the single root node.
    pub root_node_id: String,
    /// Free-form string metadata.
    pub metadata: BTreeMap<String, String>,
    /// When this version was first stored (µs since the epoch).
    pub created_at: Timestamp,
    /// When this version was last stored.
    pub updated_at: Timestamp,
    /// Start of the validity period; `None` counts from `created_at`.
    pub effective_start: Option<Timestamp>,
    /// End of the validity period (exclusive); `None` lasts until the next version starts.
    pub effective_end: Option<Timestamp>,
    /// Who stored it.
    pub created_by: String,
    /// A description of the document or of this version.
    pub description: String,
    /// Labels naming this version within its policy (a tag names one version at a time).
    pub tags: Vec<String>,
}

/// One section of a document.
///
/// On [`store_document`](super::store_document): `policy_id` and `version_id` may be left empty
/// (they are the document's), `parent_id` is `None` for the root only, `depth` is always
/// derived, an empty `child_ids` means "the children in input order" (a non-empty one must list
/// exactly the node's children), an empty `section_path` is derived from ordinal positions
/// ("2.1" is the first child of the root's second child; the root's is ""), and zero timestamps
/// take the document's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// Unique within the document version.
    pub node_id: String,
    /// The policy the node belongs to.
    pub policy_id: String,
    /// The version the node belongs to.
    pub version_id: String,
    /// The parent's id; `None` for the root.
    pub parent_id: Option<String>,
    /// The section title.
    pub title: String,
    /// First page of the section (PageIndex `start_index`), when known.
    pub page_start: Option<i64>,
    /// Last page of the section, inclusive (PageIndex `end_index`), when known.
    pub page_end: Option<i64>,
    /// A summary of the section.
    pub summary: Option<String>,
    /// The section's text. Reads that skip text return `None` here.
    pub text: Option<String>,
    /// Dotted ordinal path such as "1.2.3".
    pub section_path: String,
    /// The children's ids, in order.
    pub child_ids: Vec<String>,
    /// Distance from the root (the root is 0).
    pub depth: u32,
    /// When the node was first stored.
    pub created_at: Timestamp,
    /// When the node was last stored.
    pub updated_at: Timestamp,
    /// Ids of related nodes (not checked: they may name nodes of other documents).
    pub see_also: Vec<String>,
    /// Free-form string metadata (PageIndex fields without a column of their own land here).
    pub metadata: BTreeMap<String, String>,
}

/// What [`structure`](super::DocReader::structure) returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StructureOptions {
    /// Cut summaries to at most this many characters; `None` keeps them whole, `Some(0)` drops them.
    pub summary_chars: Option<usize>,
    /// Most nodes in one page of the result; 0 means all.
    pub limit: usize,
}

impl Default for StructureOptions {
    fn default() -> Self {
        StructureOptions {
            summary_chars: Some(420),
            limit: 0,
        }
    }
}

/// One page of a document's table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructurePage {
    /// The version the nodes belong to.
    pub document: Document,
    /// Nodes in pre-order, without text, summaries cut.
    pub nodes: Vec<Node>,
    /// Number of nodes in the whole document.
    pub total_nodes: u64,
    /// Pass it back to read the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// What a borrowed table-of-contents read ([`structure_with`](super::DocReader::structure_with))
/// returns beside the nodes it hands to its sink: a [`StructurePage`] without `nodes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureInfo {
    /// The version the nodes belong to.
    pub document: Document,
    /// Number of nodes in the whole document.
    pub total_nodes: u64,
    /// Pass it back to read the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// How much the document store holds, from [`counts`](super::DocReader::counts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocumentCounts {
    /// Policies with at least one version.
    pub policies: u64,
    /// Stored versions, of every policy.
    pub versions: u64,
    /// Stored nodes, of every version.
    pub nodes: u64,
}
