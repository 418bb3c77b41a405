//! Raw tables: the engine's ordered key/value tables, for C programs that keep their own records next
//! to the document stores (and for testing the ABI itself).

use std::ops::Bound;

use treestore_core::ReadOps;

use crate::args;
use crate::db::treestore_db;
use crate::error::{treestore_error, FfiError};
use crate::records::RecordBuilder;
use crate::result::treestore_result;
use crate::status::{treestore_status, TREESTORE_NOT_FOUND};
use crate::txn::{read_with, treestore_txn, write_with};

/// Reads the value of `key` in `table` into a new result holding one key/value record
/// (`treestore_result_kvs`). TREESTORE_NOT_FOUND when absent. `txn` may be NULL.
#[no_mangle]
pub extern "C" fn treestore_kv_get(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    table: *const u8,
    table_len: usize,
    key: *const u8,
    key_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let table = args::string(table, table_len, "table")?;
        let key = args::bytes(key, key_len, "key")?;
        args::out(out_result, "out_result")?;
        let result = read_with(db, txn, |r| {
            let t = r.table(table)?;
            Ok(r.get(t, key)?
                .map(|v| treestore_result::from_kvs([(key, &v[..])])))
        })?;
        let result = result.ok_or_else(|| {
            FfiError::new(
                TREESTORE_NOT_FOUND,
                format!("key not found in table {table:?}"),
            )
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Inserts or replaces `key` in `table`. `txn` may be NULL (the write commits at once).
#[no_mangle]
pub extern "C" fn treestore_kv_put(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    table: *const u8,
    table_len: usize,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let table = args::string(table, table_len, "table")?;
        let key = args::bytes(key, key_len, "key")?;
        let value = args::bytes(value, value_len, "value")?;
        write_with(db, txn, |w| {
            let t = w.table(table)?;
            w.insert(t, key, value).map(|_| ())
        })
    })
}

/// Removes `key` from `table`; writes whether it was present to `*out_removed` (may be NULL).
#[no_mangle]
pub extern "C" fn treestore_kv_delete(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    table: *const u8,
    table_len: usize,
    key: *const u8,
    key_len: usize,
    out_removed: *mut bool,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let table = args::string(table, table_len, "table")?;
        let key = args::bytes(key, key_len, "key")?;
        let removed = write_with(db, txn, |w| {
            let t = w.table(table)?;
            w.remove(t, key)
        })?;
        if !out_removed.is_null() {
            args::write_out(out_removed, removed);
        }
        Ok(())
    })
}

/// Scans `table` for keys in `[start, end)` (a NULL `start` or `end` is unbounded), ascending or, with
/// `reverse`, descending, at most `limit` records (0: no limit), into a new result.
#[no_mangle]
pub extern "C" fn treestore_kv_scan(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    table: *const u8,
    table_len: usize,
    start: *const u8,
    start_len: usize,
    end: *const u8,
    end_len: usize,
    limit: usize,
    reverse: bool,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let table = args::string(table, table_len, "table")?;
        let lower = if start.is_null() {
            Bound::Unbounded
        } else {
            Bound::Included(args::bytes(start, start_len, "start")?)
        };
        let upper = if end.is_null() {
            Bound::Unbounded
        } else {
            Bound::Excluded(args::bytes(end, end_len, "end")?)
        };
        args::out(out_result, "out_result")?;
        let limit = if limit == 0 { usize::MAX } else { limit };
        let result = read_with(db, txn, |r| {
            let t = r.table(table)?;
            let it = if reverse {
                r.range_rev(t, lower, upper)?
            } else {
                r.range(t, lower, upper)?
            };
            let mut b = RecordBuilder::default();
            for kv in it.take(limit) {
                let (k, v) = kv?;
                b.push_kv(&k, &v);
            }
            Ok(b.finish(0, 0, None))
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}
