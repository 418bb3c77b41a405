//! Transactions across the C ABI. Every operation takes an optional `treestore_txn *`: NULL runs it
//! in a transaction of its own (committed at once for writes); a transaction groups many operations
//! into one atomic commit or one consistent snapshot.

use parking_lot::Mutex;
use std::ops::Bound;
use treestore_core::metrics::Op;

use treestore_core::db::SnapshotMemo;
use treestore_core::{Bytes, Finger, LeafSlot, Range, ReadOps, ReadTxn, Table, WriteTxn};

use crate::args;
use crate::db::treestore_db;
use crate::error::{treestore_error, FfiError};
use crate::status::{treestore_status, TREESTORE_CLOSED, TREESTORE_READ_ONLY};

enum TxnState {
    Read(ReadTxn),
    /// Boxed: a write transaction is several hundred bytes, a read one a few dozen.
    Write(Box<WriteTxn>),
    Ended,
}

/// A read or write transaction. Use from one thread at a time; free from any thread with
/// `treestore_txn_free` (which rolls back a write transaction still open).
pub struct treestore_txn {
    state: Mutex<TxnState>,
}

fn ended() -> FfiError {
    FfiError::new(
        TREESTORE_CLOSED,
        "the transaction has already committed or rolled back",
    )
}

/// The snapshot a read runs on: a read transaction or the write transaction's view. A read
/// through it is dispatched statically (a `match`, which the store code inlines), not through a
/// `dyn ReadOps` vtable at every table access.
pub(crate) enum Snapshot<'a> {
    Read(&'a ReadTxn),
    Write(&'a WriteTxn),
}

macro_rules! dispatch {
    ($self:ident, $t:ident => $e:expr) => {
        match $self {
            Snapshot::Read($t) => $e,
            Snapshot::Write($t) => $e,
        }
    };
}

impl ReadOps for Snapshot<'_> {
    fn max_key_len(&self) -> usize {
        dispatch!(self, t => t.max_key_len())
    }
    fn table(&self, name: &str) -> treestore_core::Result<Table> {
        dispatch!(self, t => t.table(name))
    }
    fn get(&self, table: Table, key: &[u8]) -> treestore_core::Result<Option<Bytes<'_>>> {
        dispatch!(self, t => t.get(table, key))
    }
    fn range(
        &self,
        table: Table,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
    ) -> treestore_core::Result<Range<'_>> {
        dispatch!(self, t => t.range(table, lower, upper))
    }
    fn range_rev(
        &self,
        table: Table,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
    ) -> treestore_core::Result<Range<'_>> {
        dispatch!(self, t => t.range_rev(table, lower, upper))
    }
    fn table_len(&self, table: Table) -> treestore_core::Result<u64> {
        dispatch!(self, t => t.table_len(table))
    }
    fn get_near(
        &self,
        table: Table,
        key: &[u8],
        finger: &mut Finger,
    ) -> treestore_core::Result<Option<Bytes<'_>>> {
        dispatch!(self, t => t.get_near(table, key, finger))
    }
    fn prefetch_page(&self, page_no: u64) {
        dispatch!(self, t => t.prefetch_page(page_no))
    }
    fn start_near(&self, table: Table, finger: &mut Finger, page_no: u64) {
        dispatch!(self, t => t.start_near(table, finger, page_no))
    }
    fn snapshot_memo(&self) -> Option<&SnapshotMemo> {
        dispatch!(self, t => t.snapshot_memo())
    }
    fn value_at_slot(&self, table: Table, at: LeafSlot, key: &[u8]) -> Option<Bytes<'_>> {
        dispatch!(self, t => t.value_at_slot(table, at, key))
    }
    fn slot_of(
        &self,
        table: Table,
        page_no: u64,
        key: &[u8],
    ) -> treestore_core::Result<Option<LeafSlot>> {
        dispatch!(self, t => t.slot_of(table, page_no, key))
    }
}

/// Runs `f` on a snapshot: the transaction's, or a fresh one when `txn` is NULL.
pub(crate) fn read_with<T>(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    f: impl FnOnce(&Snapshot<'_>) -> treestore_core::Result<T>,
) -> Result<T, FfiError> {
    if txn.is_null() {
        let db = args::handle(db, "db")?;
        let r = db.db.begin_read()?;
        return Ok(f(&Snapshot::Read(&r))?);
    }
    let txn = args::handle(txn as *const treestore_txn, "txn")?;
    let state = txn.state.lock();
    match &*state {
        TxnState::Read(r) => Ok(f(&Snapshot::Read(r))?),
        TxnState::Write(w) => Ok(f(&Snapshot::Write(w))?),
        TxnState::Ended => Err(ended()),
    }
}

/// Runs `f` in the write transaction `txn`, or in one of its own committed at once when NULL.
pub(crate) fn write_with<T>(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    f: impl FnOnce(&mut WriteTxn) -> treestore_core::Result<T>,
) -> Result<T, FfiError> {
    if txn.is_null() {
        let db = args::handle(db, "db")?;
        let mut w = db.db.begin_write()?;
        let out = f(&mut w)?;
        w.commit()?;
        return Ok(out);
    }
    let txn = args::handle(txn as *const treestore_txn, "txn")?;
    let mut state = txn.state.lock();
    match &mut *state {
        TxnState::Write(w) => Ok(f(w)?),
        TxnState::Read(_) => Err(FfiError::new(
            TREESTORE_READ_ONLY,
            "a write was attempted in a read transaction",
        )),
        TxnState::Ended => Err(ended()),
    }
}

/// [`read_with`], counted as one call of `op` in the database's latency histograms (errors
/// counted), its latency measured on a sample of the calls (`Metrics::time_sampled`: reads are
/// the calls made by the million, where two clock reads were a quarter of the ABI's cost). `db`
/// is required even when `txn` is given: the histograms live with it.
pub(crate) fn read_timed<T>(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    op: Op,
    f: impl FnOnce(&Snapshot<'_>) -> treestore_core::Result<T>,
) -> Result<T, FfiError> {
    let handle = args::handle(db, "db")?;
    handle
        .db
        .metrics()
        .time_sampled(op, || read_with(db, txn, f))
}

/// [`write_with`], timed as one call of `op`, every call (a write's clock reads are lost in its
/// commit; see [`read_timed`]).
pub(crate) fn write_timed<T>(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    op: Op,
    f: impl FnOnce(&mut WriteTxn) -> treestore_core::Result<T>,
) -> Result<T, FfiError> {
    let handle = args::handle(db, "db")?;
    handle.db.metrics().time(op, || write_with(db, txn, f))
}

/// [`write_timed`] for the single-record writes the service makes from many threads at once
/// (tool results, trajectory steps, prompt usage records): with `txn` NULL the write is combined
/// with the ones other threads make at the same time into one commit and one WAL flush
/// ([`treestore_core::Database::write_combined`]); each call still returns once its own write is
/// durable, and a failing one writes nothing without failing the others. `f` may run more than
/// once (the run that commits counts). With a `txn`, `f` runs once in it.
pub(crate) fn write_combined_timed<T: Send + 'static>(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    op: Op,
    mut f: impl FnMut(&mut WriteTxn) -> treestore_core::Result<T> + Send + 'static,
) -> Result<T, FfiError> {
    if !txn.is_null() {
        return write_timed(db, txn, op, |w| f(w));
    }
    let handle = args::handle(db, "db")?;
    Ok(handle
        .db
        .metrics()
        .time(op, || handle.db.write_combined(f))?)
}

/// Begins a transaction: a write transaction when `write` is true (waiting while another one is
/// open), a read snapshot otherwise. Writes the handle to `*out_txn`.
#[no_mangle]
pub extern "C" fn treestore_txn_begin(
    db: *const treestore_db,
    write: bool,
    out_txn: *mut *mut treestore_txn,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let db = args::handle(db, "db")?;
        args::out(out_txn, "out_txn")?;
        let state = if write {
            TxnState::Write(Box::new(db.db.begin_write()?))
        } else {
            TxnState::Read(db.db.begin_read()?)
        };
        let txn = Box::new(treestore_txn {
            state: Mutex::new(state),
        });
        args::write_out(out_txn, Box::into_raw(txn));
        Ok(())
    })
}

/// Commits a write transaction (a read transaction just ends). The handle must still be freed.
#[no_mangle]
pub extern "C" fn treestore_txn_commit(
    txn: *mut treestore_txn,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let txn = args::handle(txn as *const treestore_txn, "txn")?;
        let mut state = txn.state.lock();
        match std::mem::replace(&mut *state, TxnState::Ended) {
            TxnState::Write(w) => Ok((*w).commit()?),
            TxnState::Read(_) => Ok(()),
            TxnState::Ended => Err(ended()),
        }
    })
}

/// Rolls back a write transaction (a read transaction just ends). The handle must still be freed.
#[no_mangle]
pub extern "C" fn treestore_txn_rollback(
    txn: *mut treestore_txn,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let txn = args::handle(txn as *const treestore_txn, "txn")?;
        let mut state = txn.state.lock();
        match std::mem::replace(&mut *state, TxnState::Ended) {
            TxnState::Ended => Err(ended()),
            _ => Ok(()),
        }
    })
}

/// Frees a transaction, rolling back a write transaction that is still open. NULL is fine.
#[no_mangle]
pub extern "C" fn treestore_txn_free(txn: *mut treestore_txn) {
    crate::panic::boundary_void(|| {
        if !txn.is_null() {
            // SAFETY: a non-NULL transaction came from `treestore_txn_begin` and is freed once.
            drop(unsafe { Box::from_raw(txn) });
        }
    })
}

#[cfg(test)]
#[path = "txn_tests.rs"]
mod tests;
