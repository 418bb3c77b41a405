//! The database: opening and recovery, read and write transactions over named tables, checkpoints,
//! the integrity check and statistics.

mod backup;
mod checkpoint;
mod combine;
mod integrity;
pub(crate) mod key_run;
mod open;
mod options;
mod read;
mod readers;
mod shared;
mod shrink;
mod snapshot_memo;
mod stats;
mod table;
mod table_cache;
mod write;

pub use backup::BackupReport;
pub use combine::{MAX_GROUP_BYTES, MAX_GROUP_OPS};
pub use integrity::IntegrityReport;
pub use options::{Durability, Options};
pub use read::ReadTxn;
pub(crate) use snapshot_memo::Memo;
pub use snapshot_memo::SnapshotMemo;
pub use stats::Stats;
pub use table::{Range, ReadOps, Table};
pub use write::WriteTxn;

use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};
use shared::Shared;

/// An open database: one file and its WAL beside it. Cheap to clone; safe to share between threads.
#[derive(Clone)]
pub struct Database {
    shared: Arc<Shared>,
}

impl Database {
    /// Opens the database at `path`, creating it when `options.create` allows, and replays its WAL.
    pub fn open(path: impl AsRef<Path>, options: Options) -> Result<Database> {
        Ok(Database {
            shared: open::open(path.as_ref(), options)?,
        })
    }

    /// Begins a read transaction: a consistent snapshot that writers never block or change.
    pub fn begin_read(&self) -> Result<ReadTxn> {
        ReadTxn::begin(self.shared.clone())
    }

    /// Begins the write transaction, waiting while another one is open.
    pub fn begin_write(&self) -> Result<WriteTxn> {
        WriteTxn::begin(self.shared.clone())
    }

    /// Runs `op` in a write transaction shared with the operations other threads submit at the
    /// same time, and returns its result once that transaction is committed (and, in
    /// [`Durability::Sync`] mode, durable): one commit, one WAL record and one flush serve the
    /// whole group (see `db/combine.rs`). Each operation is atomic on its own: one that
    /// fails or panics writes nothing and the others still land, so `op` may run more than once
    /// (only the run that commits counts) and must write only through the transaction. A panic
    /// of `op` resumes on this thread. `op` must not begin another write transaction, and the
    /// calling thread must not hold one open.
    pub fn write_combined<T, F>(&self, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut(&mut WriteTxn) -> Result<T> + Send + 'static,
    {
        self.shared.combiner.submit(&self.shared, op)
    }

    /// Combined writes waiting for a leader (for tests that line operations up in one group).
    #[cfg(test)]
    pub(crate) fn combined_queue_len(&self) -> usize {
        self.shared.combiner.queued()
    }

    /// Copies every committed page into the main file and empties the WAL.
    pub fn checkpoint(&self) -> Result<()> {
        checkpoint::checkpoint(&self.shared)
    }

    /// Verifies every checksum and tree invariant and that every page is accounted for.
    pub fn check_integrity(&self) -> Result<IntegrityReport> {
        integrity::check(&self.shared)
    }

    /// Counters and gauges for monitoring.
    pub fn stats(&self) -> Result<Stats> {
        stats::collect(&self.shared)
    }

    /// Writes a consistent copy of the latest snapshot to a new database at `dest`, while writers go
    /// on. The copy is compacted (no free pages). `dest` must not exist.
    pub fn backup(&self, dest: impl AsRef<Path>) -> Result<BackupReport> {
        let snapshot = self.begin_read()?;
        backup::backup(&snapshot, &self.shared.options, dest.as_ref())
    }

    /// Rewrites the database at `path` into a compacted file and renames it into place. Needs the
    /// database closed (it takes the write lock).
    pub fn compact(path: impl AsRef<Path>, options: Options) -> Result<BackupReport> {
        let path = path.as_ref();
        let vfs = options.vfs.clone();
        let temp = backup::compact_temp_path(path);
        let _ = vfs.remove(&temp);
        let _ = vfs.remove(&open::wal_path(&temp));
        let db = Database::open(
            path,
            Options {
                create: false,
                ..options
            },
        )?;
        let report = db.backup(&temp)?;
        // A clean close checkpoints: the main file then holds everything and the WAL nothing.
        db.close()?;
        let io = |what: String| move |e| Error::io(what, e);
        // The old WAL goes before the rename, so it can never be replayed onto the new file.
        vfs.remove(&open::wal_path(path))
            .map_err(io(format!("removing {}", open::wal_path(path).display())))?;
        vfs.remove(&open::wal_path(&temp))
            .map_err(io(format!("removing {}", open::wal_path(&temp).display())))?;
        vfs.rename(&temp, path)
            .map_err(io(format!("renaming {} into place", temp.display())))?;
        Ok(report)
    }

    /// The per-operation latency histograms of this database (the stores and the C ABI record into
    /// them; the engine records commits and checkpoints).
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.shared.metrics
    }

    /// Every metric in the Prometheus text format: operation histograms, engine counters and gauges.
    pub fn metrics_text(&self) -> Result<String> {
        Ok(crate::metrics::render(&self.shared.metrics, &self.stats()?))
    }

    /// The path of the main file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Whether an earlier I/O failure stopped writes (every write fails until the database is
    /// reopened).
    pub fn is_poisoned(&self) -> bool {
        self.shared.is_poisoned()
    }

    /// Whether the database was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.shared.read_only
    }

    /// Checkpoints and closes this handle; the last handle also shrinks the file when a quarter of
    /// it is free (see [`Options::shrink_at_close`]). The file stays open until every clone and transaction is
    /// gone; errors of the final checkpoint are returned here rather than lost in a drop.
    pub fn close(self) -> Result<()> {
        if !self.shared.read_only && self.shared.check_writable().is_ok() {
            // Only the last handle, with no transaction open, may cut pages off the file.
            if self.shared.options.shrink_at_close && Arc::strong_count(&self.shared) == 1 {
                shrink::shrink(&self.shared)?;
            }
            checkpoint::checkpoint(&self.shared)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_combine;
#[cfg(test)]
mod tests_raw_branch;
#[cfg(test)]
mod tests_scan;
#[cfg(test)]
mod tests_table_cache;
