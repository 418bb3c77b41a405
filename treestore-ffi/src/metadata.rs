//! Exports of the MetadataStore: tool results, trajectories, cross-references, contradictions and
//! generic metadata. Records go in as JSON objects (field names as in the result records; times as
//! ISO 8601 strings or microseconds; enumerations by name) and come back as result records.
//!
//! Every export takes `txn` (NULL: its own transaction, a write committed at once) and writes its
//! records to `*out_result`, a new result the caller frees with `treestore_result_free`. Lists put
//! `limit` and `cursor` in their query JSON and return the next page's cursor as the result's
//! `next_cursor`. Deletes report what they removed through an optional out-parameter. A tool
//! result or trajectory step stored with `txn` NULL is combined with the ones other threads store
//! at the same time into one commit and one WAL flush ([`write_combined_timed`]; a tool result
//! through `MetadataStore::store_tool_result`, which encodes it on the caller's thread first).
//! Every call is counted in the database's latency histograms (`treestore_db_metrics_text`; a
//! read's latency measured on a sample of calls: `txn::read_timed`).

use treestore_core::metadata::{
    self, Contradiction, ContradictionQuery, CrossReference, CrossReferenceQuery, MetadataEntry,
    MetadataQuery, MetadataStore, ResolutionStatus, ToolResult, ToolResultQuery, Trajectory,
    TrajectoryStep,
};
use treestore_core::metrics::Op;

use crate::args;
use crate::db::treestore_db;
use crate::error::treestore_error;
use crate::exports::{found_record, list_page};
use crate::result::{records_result, treestore_result, write_record};
use crate::status::treestore_status;
use crate::txn::{read_timed, treestore_txn, write_combined_timed, write_timed};

/// Stores a tool result given as a JSON object (`tool_name` required; `execution_id` generated
/// when absent; `result_data` any JSON). Writes a result holding the stored `tool_result` record.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
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
        let stored = if txn.is_null() {
            // Checked and encoded on this thread before joining the group (see
            // `MetadataStore::store_tool_result`).
            let db = &args::handle(db, "db")?.db;
            db.metrics().time(Op::StoreToolResult, || {
                MetadataStore(db).store_tool_result(input)
            })?
        } else {
            write_timed(db, txn, Op::StoreToolResult, |w| {
                metadata::store_tool_result(w, input)
            })?
        };
        write_record(out_result, &stored);
        Ok(())
    })
}

/// Reads the tool result `execution_id` into a result of one record; TREESTORE_NOT_FOUND if absent.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
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
        found_record(
            db,
            txn,
            Op::QueryToolResults,
            out_result,
            |r| metadata::tool_result(r, id),
            || format!("tool result {id:?}"),
        )
    })
}

/// Lists tool results newest first. `query_json` is an object with any of `policy_id`,
/// `tool_name`, `case_id`, `success`, `since`, `until`, `limit`, `cursor`; NULL or `{}` lists all.
/// The result's `next_cursor` continues the list.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
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
        let query: ToolResultQuery = args::opt_json(
            query_json,
            query_json_len,
            "query_json",
            "tool_result_query",
        )?;
        list_page(db, txn, Op::QueryToolResults, out_result, |r| {
            metadata::tool_results(r, &query)
        })
    })
}

/// Deletes the tool result `execution_id` and its index entries. Writes whether it existed to
/// `*out_removed` (may be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_tool_result_delete(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    execution_id: *const u8,
    execution_id_len: usize,
    out_removed: *mut bool,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(execution_id, execution_id_len, "execution_id")?;
        let removed = write_timed(db, txn, Op::StoreToolResult, |w| {
            metadata::delete_tool_result(w, id)
        })?;
        args::write_opt_out(out_removed, removed);
        Ok(())
    })
}

/// Deletes every tool result executed before `before_us` (microseconds since the epoch). Writes
/// how many to `*out_count` (may be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_tool_result_purge(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    before_us: i64,
    out_count: *mut u64,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let count = write_timed(db, txn, Op::StoreToolResult, |w| {
            metadata::purge_tool_results(w, before_us)
        })?;
        args::write_opt_out(out_count, count);
        Ok(())
    })
}

/// Stores a whole trajectory given as a JSON object (`case_id` required; `trajectory_id`
/// generated when absent; `steps` a list of step objects, each with `action` required and
/// `step_number` 0 or absent meaning "next"), replacing one with the same id. Writes a result
/// holding the stored `trajectory` record, whose `steps` field holds nested `trajectory_step`
/// records.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_trajectory_store(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let input: Trajectory = args::json(json, json_len, "json", "trajectory")?;
        args::out(out_result, "out_result")?;
        let stored = write_timed(db, txn, Op::StoreTrajectory, |w| {
            metadata::store_trajectory(w, input)
        })?;
        write_record(out_result, &stored);
        Ok(())
    })
}

/// Appends a step (a JSON object: `action` required; `tool_name`, `observation`, `thought`,
/// `timestamp`, `step_number`) to the open trajectory `trajectory_id`. Writes a result holding the
/// stored `trajectory_step` record. TREESTORE_NOT_FOUND when the trajectory does not exist;
/// TREESTORE_INVALID_ARGUMENT when it is completed.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_trajectory_append_step(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    trajectory_id: *const u8,
    trajectory_id_len: usize,
    step_json: *const u8,
    step_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(trajectory_id, trajectory_id_len, "trajectory_id")?;
        let step: TrajectoryStep =
            args::json(step_json, step_json_len, "step_json", "trajectory_step")?;
        args::out(out_result, "out_result")?;
        let id = id.to_string();
        let stored = write_combined_timed(db, txn, Op::StoreTrajectory, move |w| {
            metadata::append_trajectory_step(w, &id, step.clone())
        })?;
        write_record(out_result, &stored);
        Ok(())
    })
}

/// Completes the open trajectory `trajectory_id` at `completed_at_us` (microseconds since the
/// epoch; 0 means now). TREESTORE_NOT_FOUND when it does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_trajectory_complete(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    trajectory_id: *const u8,
    trajectory_id_len: usize,
    completed_at_us: i64,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(trajectory_id, trajectory_id_len, "trajectory_id")?;
        write_timed(db, txn, Op::StoreTrajectory, |w| {
            metadata::complete_trajectory(w, id, completed_at_us)
        })
    })
}

/// Reads the trajectory `trajectory_id` with all its steps into a result of one `trajectory`
/// record; TREESTORE_NOT_FOUND if absent.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_trajectory_get(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    trajectory_id: *const u8,
    trajectory_id_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(trajectory_id, trajectory_id_len, "trajectory_id")?;
        found_record(
            db,
            txn,
            Op::GetTrajectories,
            out_result,
            |r| metadata::trajectory(r, id),
            || format!("trajectory {id:?}"),
        )
    })
}

/// Lists the trajectories of case `case_id` with their steps, latest started first.
/// `page_json` is `{"limit": n, "cursor": "..."}` (both optional; NULL for the first page).
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_trajectory_list(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    case_id: *const u8,
    case_id_len: usize,
    page_json: *const u8,
    page_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let case_id = args::string(case_id, case_id_len, "case_id")?;
        let page = args::page(page_json, page_json_len)?;
        list_page(db, txn, Op::GetTrajectories, out_result, |r| {
            metadata::trajectories(r, case_id, page.limit, page.cursor.as_deref())
        })
    })
}

/// Lists the steps of trajectory `trajectory_id` by step number as `trajectory_step` records, for
/// trajectories too long to read whole. `page_json` is `{"limit": n, "cursor": "..."}` (both
/// optional; NULL for the first page); the result's `next_cursor` continues the list.
/// TREESTORE_NOT_FOUND when the trajectory does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_trajectory_list_steps(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    trajectory_id: *const u8,
    trajectory_id_len: usize,
    page_json: *const u8,
    page_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(trajectory_id, trajectory_id_len, "trajectory_id")?;
        let page = args::page(page_json, page_json_len)?;
        list_page(db, txn, Op::GetTrajectories, out_result, |r| {
            metadata::trajectory_steps(r, id, page.limit, page.cursor.as_deref())
        })
    })
}

/// Reads step `step_number` of trajectory `trajectory_id` into a result of one `trajectory_step`
/// record; TREESTORE_NOT_FOUND when the trajectory or the step does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_trajectory_get_step(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    trajectory_id: *const u8,
    trajectory_id_len: usize,
    step_number: u32,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(trajectory_id, trajectory_id_len, "trajectory_id")?;
        found_record(
            db,
            txn,
            Op::GetTrajectories,
            out_result,
            |r| metadata::trajectory_step(r, id, step_number),
            || format!("step {step_number} of trajectory {id:?}"),
        )
    })
}

/// Deletes the trajectory `trajectory_id` with its steps. Writes whether it existed to
/// `*out_removed` (may be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_trajectory_delete(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    trajectory_id: *const u8,
    trajectory_id_len: usize,
    out_removed: *mut bool,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(trajectory_id, trajectory_id_len, "trajectory_id")?;
        let removed = write_timed(db, txn, Op::StoreTrajectory, |w| {
            metadata::delete_trajectory(w, id)
        })?;
        args::write_opt_out(out_removed, removed);
        Ok(())
    })
}

/// Stores a cross-reference given as a JSON object (`source_policy_id` and `target_policy_id`
/// required; `source_node_id`, `target_node_id`, `context`, `created_at`; `reference_type` one of
/// `cites` (the default), `contradicts`, `supports`, `see_also`), replacing the same one. Writes
/// a result holding the stored `cross_reference` record.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_cross_reference_store(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let input: CrossReference = args::json(json, json_len, "json", "cross_reference")?;
        args::out(out_result, "out_result")?;
        let stored = write_timed(db, txn, Op::CrossReferences, |w| {
            metadata::store_cross_reference(w, input)
        })?;
        write_record(out_result, &stored);
        Ok(())
    })
}

/// Lists the cross-references at a policy or node. `query_json` is an object with `policy_id`
/// (required), `node_id`, `direction` (`outgoing`, `incoming` or `both`, the default),
/// `reference_type`, `limit`, `cursor`.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_cross_reference_list(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    query_json: *const u8,
    query_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let query: CrossReferenceQuery = args::json(
            query_json,
            query_json_len,
            "query_json",
            "cross_reference_query",
        )?;
        list_page(db, txn, Op::CrossReferences, out_result, |r| {
            metadata::cross_references(r, &query)
        })
    })
}

/// Deletes the cross-reference with the ends and type of `json` (an object as for
/// `treestore_cross_reference_store`; `context` and `created_at` are ignored). Writes whether it
/// existed to `*out_removed` (may be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_cross_reference_delete(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_removed: *mut bool,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let reference: CrossReference = args::json(json, json_len, "json", "cross_reference")?;
        let removed = write_timed(db, txn, Op::CrossReferences, |w| {
            metadata::delete_cross_reference(w, &reference)
        })?;
        args::write_opt_out(out_removed, removed);
        Ok(())
    })
}

/// Deletes every cross-reference from or to policy `policy_id`. Writes how many to `*out_count`
/// (may be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_cross_reference_delete_of_policy(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    out_count: *mut u64,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let policy = args::string(policy_id, policy_id_len, "policy_id")?;
        let count = write_timed(db, txn, Op::CrossReferences, |w| {
            metadata::delete_cross_references_of(w, policy)
        })?;
        args::write_opt_out(out_count, count);
        Ok(())
    })
}

/// Stores a contradiction given as a JSON object (`policy_a`, `policy_b`, `description`
/// required; `contradiction_id` generated when absent; `node_a`, `node_b`, `detected_at`;
/// `severity` `low`, `medium` (the default) or `high`; `status` `open` (the default),
/// `acknowledged`, `resolved` or `dismissed`; `resolution`). Writes a result holding the stored
/// `contradiction` record.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_contradiction_store(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let input: Contradiction = args::json(json, json_len, "json", "contradiction")?;
        args::out(out_result, "out_result")?;
        let stored = write_timed(db, txn, Op::Contradictions, |w| {
            metadata::store_contradiction(w, input)
        })?;
        write_record(out_result, &stored);
        Ok(())
    })
}

/// Moves contradiction `id` to `status` (`open`, `acknowledged`, `resolved` or `dismissed`) with
/// an optional `resolution` note (NULL for none). Writes a result holding the updated
/// `contradiction` record. TREESTORE_NOT_FOUND when it does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_contradiction_resolve(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    id: *const u8,
    id_len: usize,
    status: *const u8,
    status_len: usize,
    resolution: *const u8,
    resolution_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(id, id_len, "id")?;
        let status =
            ResolutionStatus::parse("status", args::string(status, status_len, "status")?)?;
        let resolution = args::opt_string(resolution, resolution_len, "resolution")?;
        args::out(out_result, "out_result")?;
        let updated = write_timed(db, txn, Op::Contradictions, |w| {
            metadata::resolve_contradiction(w, id, status, resolution)
        })?;
        write_record(out_result, &updated);
        Ok(())
    })
}

/// Reads contradiction `id` into a result of one `contradiction` record; TREESTORE_NOT_FOUND if
/// absent.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_contradiction_get(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    id: *const u8,
    id_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(id, id_len, "id")?;
        found_record(
            db,
            txn,
            Op::Contradictions,
            out_result,
            |r| metadata::contradiction(r, id),
            || format!("contradiction {id:?}"),
        )
    })
}

/// Lists contradictions newest detected first. `query_json` is an object with any of
/// `policy_id` (either side), `severity`, `status`, `since`, `until`, `limit`, `cursor`; NULL or
/// `{}` lists all.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_contradiction_list(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    query_json: *const u8,
    query_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let query: ContradictionQuery = args::opt_json(
            query_json,
            query_json_len,
            "query_json",
            "contradiction_query",
        )?;
        list_page(db, txn, Op::Contradictions, out_result, |r| {
            metadata::contradictions(r, &query)
        })
    })
}

/// Deletes contradiction `id`. Writes whether it existed to `*out_removed` (may be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_contradiction_delete(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    id: *const u8,
    id_len: usize,
    out_removed: *mut bool,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(id, id_len, "id")?;
        let removed = write_timed(db, txn, Op::Contradictions, |w| {
            metadata::delete_contradiction(w, id)
        })?;
        args::write_opt_out(out_removed, removed);
        Ok(())
    })
}

/// Sets a key on an entity from a JSON object (`entity_type`, `entity_id`, `key`, `value`
/// required). `value` may be any JSON value (a string is stored as is, anything else as its JSON
/// text); `value_type` (`string`, `int`, `float`, `bool`, `json`) defaults to the JSON type of
/// `value`, and the value must parse as it. Writes a result holding the stored `metadata_entry`
/// record.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_metadata_set(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let entry: MetadataEntry = args::json(json, json_len, "json", "metadata_entry")?;
        args::out(out_result, "out_result")?;
        let stored = write_timed(db, txn, Op::Metadata, |w| metadata::set_metadata(w, entry))?;
        write_record(out_result, &stored);
        Ok(())
    })
}

/// Reads `key` of an entity into a result of one `metadata_entry` record; TREESTORE_NOT_FOUND
/// when the key is not set.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_metadata_get(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    entity_type: *const u8,
    entity_type_len: usize,
    entity_id: *const u8,
    entity_id_len: usize,
    key: *const u8,
    key_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let ty = args::string(entity_type, entity_type_len, "entity_type")?;
        let id = args::string(entity_id, entity_id_len, "entity_id")?;
        let key = args::string(key, key_len, "key")?;
        found_record(
            db,
            txn,
            Op::Metadata,
            out_result,
            |r| metadata::metadata(r, ty, id, key),
            || format!("metadata {ty}/{id}/{key:?}"),
        )
    })
}

/// Reads every entry of an entity, by key, into a result of `metadata_entry` records (none when
/// the entity has no metadata).
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_metadata_get_all(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    entity_type: *const u8,
    entity_type_len: usize,
    entity_id: *const u8,
    entity_id_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let ty = args::string(entity_type, entity_type_len, "entity_type")?;
        let id = args::string(entity_id, entity_id_len, "entity_id")?;
        args::out(out_result, "out_result")?;
        let entries = read_timed(db, txn, Op::Metadata, |r| metadata::all_metadata(r, ty, id))?;
        args::write_out(out_result, records_result(&entries, None).into_raw());
        Ok(())
    })
}

/// Lists the entries of an entity by key as `metadata_entry` records, a page at a time.
/// `page_json` is `{"limit": n, "cursor": "..."}` (both optional; NULL for the first page); the
/// result's `next_cursor` continues the list.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_metadata_list(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    entity_type: *const u8,
    entity_type_len: usize,
    entity_id: *const u8,
    entity_id_len: usize,
    page_json: *const u8,
    page_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let ty = args::string(entity_type, entity_type_len, "entity_type")?;
        let id = args::string(entity_id, entity_id_len, "entity_id")?;
        let page = args::page(page_json, page_json_len)?;
        list_page(db, txn, Op::Metadata, out_result, |r| {
            metadata::metadata_page(r, ty, id, page.limit, page.cursor.as_deref())
        })
    })
}

/// Deletes `key` from an entity. Writes whether it was set to `*out_removed` (may be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_metadata_delete(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    entity_type: *const u8,
    entity_type_len: usize,
    entity_id: *const u8,
    entity_id_len: usize,
    key: *const u8,
    key_len: usize,
    out_removed: *mut bool,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let ty = args::string(entity_type, entity_type_len, "entity_type")?;
        let id = args::string(entity_id, entity_id_len, "entity_id")?;
        let key = args::string(key, key_len, "key")?;
        let removed = write_timed(db, txn, Op::Metadata, |w| {
            metadata::delete_metadata(w, ty, id, key)
        })?;
        args::write_opt_out(out_removed, removed);
        Ok(())
    })
}

/// Deletes every entry of an entity. Writes how many to `*out_count` (may be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_metadata_delete_all(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    entity_type: *const u8,
    entity_type_len: usize,
    entity_id: *const u8,
    entity_id_len: usize,
    out_count: *mut u64,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let ty = args::string(entity_type, entity_type_len, "entity_type")?;
        let id = args::string(entity_id, entity_id_len, "entity_id")?;
        let count = write_timed(db, txn, Op::Metadata, |w| {
            metadata::delete_all_metadata(w, ty, id)
        })?;
        args::write_opt_out(out_count, count);
        Ok(())
    })
}

/// Lists the `metadata_entry` records with `key` on any entity (of `entity_type` when not NULL),
/// ordered by value, then entity. `page_json` is `{"limit": n, "cursor": "..."}` or NULL.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_metadata_query_by_key(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    entity_type: *const u8,
    entity_type_len: usize,
    key: *const u8,
    key_len: usize,
    page_json: *const u8,
    page_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let ty = args::opt_string(entity_type, entity_type_len, "entity_type")?;
        let key = args::string(key, key_len, "key")?;
        let page = args::page(page_json, page_json_len)?;
        list_page(db, txn, Op::Metadata, out_result, |r| {
            metadata::query_by_key(r, ty, key, page.limit, page.cursor.as_deref())
        })
    })
}

/// Lists the `metadata_entry` records whose `key` is `value` (on entities of `entity_type` when
/// not NULL), by entity. `page_json` is `{"limit": n, "cursor": "..."}` or NULL.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_metadata_query_by_key_value(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    entity_type: *const u8,
    entity_type_len: usize,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
    page_json: *const u8,
    page_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let ty = args::opt_string(entity_type, entity_type_len, "entity_type")?;
        let key = args::string(key, key_len, "key")?;
        let value = args::string(value, value_len, "value")?;
        let page = args::page(page_json, page_json_len)?;
        list_page(db, txn, Op::Metadata, out_result, |r| {
            metadata::query_by_key_value(r, ty, key, value, page.limit, page.cursor.as_deref())
        })
    })
}

/// Lists the entities carrying every `key: value` pair of a query, as `entity_ref` records
/// (`entity_type`, `entity_id`) by type and id. `query_json` is an object with `filters` (an
/// object of at least one pair; required), `entity_type`, `limit`, `cursor`.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_metadata_query_multiple(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    query_json: *const u8,
    query_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let query: MetadataQuery =
            args::json(query_json, query_json_len, "query_json", "metadata_query")?;
        list_page(db, txn, Op::Metadata, out_result, |r| {
            metadata::query_multiple(r, &query)
        })
    })
}
