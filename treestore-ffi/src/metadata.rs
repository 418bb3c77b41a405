//! Exports of the MetadataStore: tool results, trajectories, cross-references, contradictions and
//! generic metadata. Records go in as JSON objects (field names as in the result records; times as
//! ISO 8601 strings or microseconds) and come back as result records.

use treestore_core::metadata::{self, ToolResult, ToolResultQuery};

use crate::args;
use crate::db::treestore_db;
use crate::error::treestore_error;
use crate::result::{records_result, treestore_result};
use crate::status::{treestore_status, TREESTORE_NOT_FOUND};
use crate::txn::{read_with, treestore_txn, write_with};

/// Stores a tool result given as a JSON object (`tool_name` required; `execution_id` generated
/// when absent; `result_data` any JSON). Writes a result holding the stored `tool_result` record.
#[no_mangle]
pub extern "C" fn treestore_tool_result_store(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let input: ToolResult = args::json(json, json_len, "json", "tool_result")?;
        args::out(out_result, "out_result")?;
        let stored = write_with(db, txn, |w| metadata::store_tool_result(w, input))?;
        args::write_out(out_result, records_result(&[stored], None).into_raw());
        Ok(())
    })
}

/// Reads the tool result `execution_id` into a result of one record; TREESTORE_NOT_FOUND if absent.
#[no_mangle]
pub extern "C" fn treestore_tool_result_get(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    execution_id: *const u8,
    execution_id_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(execution_id, execution_id_len, "execution_id")?;
        args::out(out_result, "out_result")?;
        let found = read_with(db, txn, |r| metadata::tool_result(r, id))?;
        let found = found.ok_or_else(|| {
            crate::error::FfiError::new(
                TREESTORE_NOT_FOUND,
                format!("tool result {id:?} not found"),
            )
        })?;
        args::write_out(out_result, records_result(&[found], None).into_raw());
        Ok(())
    })
}

/// Lists tool results newest first. `query_json` is an object with any of `policy_id`,
/// `tool_name`, `case_id`, `success`, `since`, `until`, `limit`, `cursor`; NULL or `{}` lists all.
/// The result's `next_cursor` continues the list.
#[no_mangle]
pub extern "C" fn treestore_tool_result_list(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    query_json: *const u8,
    query_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let query: ToolResultQuery = if query_json.is_null() {
            ToolResultQuery::default()
        } else {
            args::json(
                query_json,
                query_json_len,
                "query_json",
                "tool_result_query",
            )?
        };
        args::out(out_result, "out_result")?;
        let page = read_with(db, txn, |r| metadata::tool_results(r, &query))?;
        let result = records_result(&page.items, page.next_cursor.as_deref());
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}
