//! The bodies many store exports share once their arguments are checked: read one record by id
//! (TREESTORE_NOT_FOUND when absent) or one page of a list in the call's transaction, and write
//! it to the caller's out-parameter as a new result. Both are counted as one call of their `Op`
//! (`txn::read_timed`, `txn::write_timed`).

use treestore_core::metadata::Page;
use treestore_core::metrics::Op;
use treestore_core::record::ToRecord;

use crate::args;
use crate::db::treestore_db;
use crate::error::{not_found, FfiError};
use crate::result::{treestore_result, write_page, write_record};
use crate::txn::{read_timed, treestore_txn, Snapshot};

/// Reads a record with `get` and writes a result of it; `what` names it in the not-found error.
pub(crate) fn found_record<T: ToRecord>(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    op: Op,
    out_result: *mut *mut treestore_result,
    get: impl FnOnce(&Snapshot<'_>) -> treestore_core::Result<Option<T>>,
    what: impl FnOnce() -> String,
) -> Result<(), FfiError> {
    args::out(out_result, "out_result")?;
    let found = read_timed(db, txn, op, get)?.ok_or_else(|| not_found(what()))?;
    write_record(out_result, &found);
    Ok(())
}

/// Reads a page with `list` and writes a result of its records and next cursor.
pub(crate) fn list_page<T: ToRecord>(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    op: Op,
    out_result: *mut *mut treestore_result,
    list: impl FnOnce(&Snapshot<'_>) -> treestore_core::Result<Page<T>>,
) -> Result<(), FfiError> {
    args::out(out_result, "out_result")?;
    let page = read_timed(db, txn, op, list)?;
    write_page(out_result, &page.items, page.next_cursor.as_deref());
    Ok(())
}
