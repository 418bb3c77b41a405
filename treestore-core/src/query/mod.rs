//! The QueryEngine: reads that combine stores in one snapshot — a node with everything known about
//! it ([`enriched_node`]), and the nodes related to one ([`find_related`]) in the order the
//! reasoning service consults them: curated cross-references, keyword hits, siblings of keyword
//! hits, then `see_also` links — and one search across documents, tool results, prompts and
//! trajectory steps ([`unified_search`]), merged by a normalised score and paged by a cursor.
//!
//! Generic metadata about a node is stored under entity type [`NODE_ENTITY`] and entity id
//! [`node_entity_id`]`(policy, node)` (version-independent: metadata about a section survives new
//! versions of its document).

mod enriched;
mod related;
mod unified;

pub use enriched::{enriched_node, node_entity_id, EnrichedNode, NODE_ENTITY};
pub use related::{find_related, RelatedNode, RelatedReason, MAX_RELATED};
pub use unified::{
    unified_search, HitKind, HitSource, UnifiedHit, UnifiedQuery, DEFAULT_SNIPPET_CHARS,
    DEFAULT_UNIFIED_LIMIT, MAX_UNIFIED_LIMIT,
};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod unified_tests;
