//! The public types of the version store.

use crate::document::Document;

/// One page of [`list_versions`](super::VersionReader::list_versions), newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionPage {
    /// The versions of this page, newest `created_at` first.
    pub versions: Vec<Document>,
    /// Pass it back to read the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// One page of [`policies_page`](super::VersionReader::policies_page), in policy id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyPage {
    /// The policy ids of this page, ascending.
    pub policies: Vec<String>,
    /// Pass it back to read the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A field of a node that [`diff_versions`](super::VersionReader::diff_versions) compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum NodeField {
    /// `title`.
    Title,
    /// `page_start` or `page_end`.
    Pages,
    /// `summary`.
    Summary,
    /// `text` (compared by content address, so without reading either text).
    Text,
    /// `parent_id`: the node moved to another parent.
    Parent,
    /// The node's ordinal among its siblings.
    Position,
    /// `section_path`.
    SectionPath,
    /// `see_also`.
    SeeAlso,
    /// `metadata`.
    Metadata,
}

impl NodeField {
    /// The field's name as the SDKs spell it.
    pub fn name(self) -> &'static str {
        match self {
            NodeField::Title => "title",
            NodeField::Pages => "pages",
            NodeField::Summary => "summary",
            NodeField::Text => "text",
            NodeField::Parent => "parent_id",
            NodeField::Position => "position",
            NodeField::SectionPath => "section_path",
            NodeField::SeeAlso => "see_also",
            NodeField::Metadata => "metadata",
        }
    }
}

/// One node in a [`VersionDiff`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeChange {
    /// The node's id (the same in both versions for a changed node).
    pub node_id: String,
    /// Its title: in the newer version, or in the older one for a removed node.
    pub title: String,
    /// Its section path, from the same version as `title`.
    pub section_path: String,
    /// The fields that differ; empty for added and removed nodes.
    pub fields: Vec<NodeField>,
}

/// What changed from one version of a policy to another, node by node (matched by node id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionDiff {
    /// The policy.
    pub policy_id: String,
    /// The older side of the comparison.
    pub from_version: String,
    /// The newer side of the comparison.
    pub to_version: String,
    /// Nodes only in `to_version`, in its pre-order.
    pub added: Vec<NodeChange>,
    /// Nodes only in `from_version`, in its pre-order.
    pub removed: Vec<NodeChange>,
    /// Nodes in both whose content differs, in `to_version`'s pre-order.
    pub changed: Vec<NodeChange>,
}
