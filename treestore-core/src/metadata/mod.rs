//! The metadata store (placeholder doc, completed below).

mod common;
mod contradictions;
mod cross_refs;
mod entries;
mod id;
mod tool_results;
mod trajectories;

pub use common::{
    Page, DEFAULT_LIMIT, MAX_BLOB_LEN, MAX_ID_LEN, MAX_KEY_LEN, MAX_LIMIT, MAX_TEXT_LEN,
};
pub use contradictions::{
    contradiction, contradictions, delete_contradiction, resolve_contradiction,
    store_contradiction, Contradiction, ContradictionQuery, ResolutionStatus, Severity,
};
pub use cross_refs::{
    cross_references, delete_cross_reference, delete_cross_references_of, store_cross_reference,
    CrossReference, CrossReferenceQuery, Direction, ReferenceType,
};
pub use entries::{
    all_metadata, delete_all_metadata, delete_metadata, metadata, query_by_key, query_by_key_value,
    query_multiple, set_metadata, EntityRef, MetadataEntry, MetadataQuery, ValueType,
    MAX_ENTITY_TYPE_LEN, VALUE_PREFIX_LEN,
};
pub use id::new_id;
pub use tool_results::{
    delete_tool_result, purge_tool_results, store_tool_result, tool_result, tool_results,
    ToolResult, ToolResultQuery,
};
pub use trajectories::{
    append_trajectory_step, complete_trajectory, delete_trajectory, store_trajectory, trajectories,
    trajectory, Trajectory, TrajectoryStep, MAX_STEPS,
};

#[cfg(test)]
mod tests;
