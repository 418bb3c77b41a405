//! The QueryEngine: reads that combine stores in one snapshot — a node with everything known about
//! it ([`enriched_node`]), and the nodes related to one ([`find_related`]) in the order the
//! reasoning service consults them: curated cross-references, keyword hits, siblings of keyword
//! hits, then `see_also` links.
//!
//! Generic metadata about a node is stored under entity type [`NODE_ENTITY`] and entity id
//! [`node_entity_id`]`(policy, node)` (version-independent: metadata about a section survives new
//! versions of its document).

mod enriched;
mod related;

pub use enriched::{enriched_node, node_entity_id, EnrichedNode, NODE_ENTITY};
pub use related::{find_related, RelatedNode, RelatedReason, MAX_RELATED};

#[cfg(test)]
mod tests;
