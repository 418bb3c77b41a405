//! A node with its version, its metadata and its cross-references, read in one snapshot.

use crate::document::{DocReader, Document, Node};
use crate::error::Result;
use crate::metadata::{self, CrossReference, CrossReferenceQuery, Direction, MetadataEntry};
use crate::ReadOps;

/// Entity type of generic metadata about document nodes.
pub const NODE_ENTITY: &str = "node";

/// Entity id of the metadata about node `node_id` of `policy_id`: `"{policy_id}/{node_id}"`.
pub fn node_entity_id(policy_id: &str, node_id: &str) -> String {
    format!("{policy_id}/{node_id}")
}

/// A node and what the other stores know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrichedNode {
    /// The node, with text.
    pub node: Node,
    /// The version it was read from.
    pub version: Document,
    /// Generic metadata entries about the node (entity type [`NODE_ENTITY`]).
    pub metadata: Vec<MetadataEntry>,
    /// Cross-references from and to the node (both directions), at most `limit`.
    pub cross_references: Vec<CrossReference>,
    /// When the node has more cross-references: the cursor of the next page of
    /// [`metadata::cross_references`] for `(policy, node, Direction::Both)`.
    pub cross_references_cursor: Option<String>,
}

/// Reads node `node_id` of `policy` (latest version when `version` is `None`) with its version,
/// metadata and up to `limit` cross-references (0: the default page of 100; the rest through
/// [`EnrichedNode::cross_references_cursor`]).
pub fn enriched_node<R: ReadOps + ?Sized>(
    tx: &R,
    policy: &str,
    version: Option<&str>,
    node_id: &str,
    limit: usize,
) -> Result<EnrichedNode> {
    let docs = DocReader::new(tx);
    let node = docs.node(policy, version, node_id)?;
    let version = match version {
        Some(v) => docs.versions().version(policy, v)?,
        None => docs.versions().latest_version(policy)?,
    };
    let metadata = metadata::all_metadata(tx, NODE_ENTITY, &node_entity_id(policy, node_id))?;
    let query = CrossReferenceQuery {
        policy_id: policy.to_string(),
        node_id: Some(node_id.to_string()),
        direction: Direction::Both,
        reference_type: None,
        limit,
        cursor: None,
    };
    let page = metadata::cross_references(tx, &query)?;
    Ok(EnrichedNode {
        node,
        version,
        metadata,
        cross_references: page.items,
        cross_references_cursor: page.next_cursor,
    })
}
