//! The metadata store: what an agent records around documents — tool results, trajectories,
//! cross-references between policies, contradictions found between them, and typed key/value
//! metadata on any entity.
//!
//! Every write function takes the caller's [`WriteTxn`](crate::WriteTxn), so one commit can span
//! stores (a tool result, a trajectory step and a prompt usage together); every read function
//! takes any [`ReadOps`](crate::ReadOps). [`MetadataStore`] wraps each in its own transaction.
//! Each function validates its whole input before it writes anything, with an error naming the
//! record and the field; a failed call leaves the transaction as it was, apart from engine
//! errors (I/O), after which the transaction must be dropped.
//!
//! The text of tool results and trajectory steps is also indexed for the unified search
//! ([`crate::query::unified_search`]) by the write that stores it, and dropped by the delete or
//! purge that removes it, in the same transaction (the record index,
//! [`crate::search::records`]).
//!
//! Conventions: an empty id is generated ([`new_id`]: 32 hex digits, time-ordered); a timestamp
//! of 0 means now (microseconds since the epoch, UTC); a limit of 0 means [`DEFAULT_LIMIT`];
//! lists return a [`Page`] whose `next_cursor` continues the same query.
//!
//! # Tables
//!
//! Keys are [`keys`](crate::keys) tuples; values start with a format version byte (1) and are
//! [`codec`](crate::codec) records. Each record kind keeps its records and its index entries in
//! one table, so a write dirties a single tree. `ts` is an `i64` timestamp; index families that
//! end in `(ts, id)` are scanned newest first.
//!
//! `meta.tool_results`
//!
//! | key | value |
//! |---|---|
//! | `("id", execution_id)` | tool_name, policy_id?, node_id?, case_id?, result_data, success, error_message?, executed_at, duration_ms |
//! | `("time", executed_at, execution_id)` | summary: tool_name, policy_id?, case_id?, success |
//! | `("policy", policy_id, executed_at, execution_id)` | summary (only with a policy) |
//! | `("case", case_id, executed_at, execution_id)` | summary (only with a case) |
//!
//! `meta.trajectories`
//!
//! | key | value |
//! |---|---|
//! | `("traj", trajectory_id)` | case_id, started_at, completed_at?, last step number, step count |
//! | `("step", trajectory_id, step_number: u32)` | tool_name?, action, observation, thought, timestamp |
//! | `("case", case_id, started_at, trajectory_id)` | empty |
//!
//! `meta.cross_refs` (a missing node is `""`; `type` is the [`ReferenceType`] code as `u32`)
//!
//! | key | value |
//! |---|---|
//! | `("out", src_policy, src_node, tgt_policy, tgt_node, type)` | context?, created_at |
//! | `("in", tgt_policy, tgt_node, src_policy, src_node, type)` | the same value |
//!
//! `meta.contradictions` (`status` is the [`ResolutionStatus`] code as `u32`)
//!
//! | key | value |
//! |---|---|
//! | `("id", contradiction_id)` | policy_a, node_a?, policy_b, node_b?, description, severity, detected_at, status, resolution?, resolved_at? |
//! | `("time", detected_at, id)` | summary: severity, status, policy_a, policy_b |
//! | `("status", status, detected_at, id)` | summary |
//! | `("policy", policy, detected_at, id)` | summary; one entry per distinct policy of the pair |
//!
//! `meta.entries` (`prefix` is the value cut to [`VALUE_PREFIX_LEN`] bytes at a character
//! boundary, `cut` whether that cut anything)
//!
//! | key | value |
//! |---|---|
//! | `("e", entity_type, entity_id, key)` | value, value_type, created_at, updated_at |
//! | `("kv", key, prefix, cut: bool, entity_type, entity_id)` | empty |
//!
//! Keys hold several ids of at most [`MAX_ID_LEN`] bytes; they fit the B+tree's key limit at the
//! default 4 KiB page (976 bytes); at 1 KiB pages long ids fail with `TooLarge`.

#![warn(missing_docs)]

pub(crate) mod common;
mod contradictions;
mod cross_refs;
mod entries;
mod id;
mod store;
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
    all_metadata, delete_all_metadata, delete_metadata, metadata, metadata_page, query_by_key,
    query_by_key_value, query_multiple, set_metadata, EntityRef, MetadataEntry, MetadataQuery,
    ValueType, MAX_ENTITY_TYPE_LEN, VALUE_PREFIX_LEN,
};
pub use id::new_id;
pub use store::MetadataStore;
pub use tool_results::{
    delete_tool_result, purge_tool_results, store_tool_result, tool_result, tool_results,
    ToolResult, ToolResultQuery,
};
pub use trajectories::{
    append_trajectory_step, complete_trajectory, delete_trajectory, store_trajectory, trajectories,
    trajectory, trajectory_step, trajectory_steps, Trajectory, TrajectoryStep, MAX_STEPS,
};

#[cfg(test)]
pub(crate) mod tests;
