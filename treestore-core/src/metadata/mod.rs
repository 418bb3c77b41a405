//! The metadata store (placeholder doc, completed below).

mod common;
mod id;
mod tool_results;
mod trajectories;

pub use common::{
    Page, DEFAULT_LIMIT, MAX_BLOB_LEN, MAX_ID_LEN, MAX_KEY_LEN, MAX_LIMIT, MAX_TEXT_LEN,
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
