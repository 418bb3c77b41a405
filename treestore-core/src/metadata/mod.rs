//! The metadata store (placeholder doc, completed below).

mod common;
mod id;
mod tool_results;

pub use common::{
    Page, DEFAULT_LIMIT, MAX_BLOB_LEN, MAX_ID_LEN, MAX_KEY_LEN, MAX_LIMIT, MAX_TEXT_LEN,
};
pub use id::new_id;
pub use tool_results::{
    delete_tool_result, purge_tool_results, store_tool_result, tool_result, tool_results,
    ToolResult, ToolResultQuery,
};

#[cfg(test)]
mod tests;
