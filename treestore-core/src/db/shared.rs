//! State shared by a database's handles and transactions: the pager and WAL, the published snapshot,
//! the live readers, the writer's state (handed to one write transaction at a time) and the poison
//! flag that stops writes after an I/O failure.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::options::{Durability, Options};
use super::readers::Registry;
use super::snapshot_memo::SnapshotMemo;
use crate::btree::write::DirtySet;
use crate::error::{Error, ErrorKind, Result};
use crate::storage::alloc::Allocator;
use crate::storage::format::Meta;
use crate::storage::pager::Pager;
use crate::storage::wal::Wal;

/// One committed state of the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub txid: u64,
    pub catalog_root: u64,
    pub hwm: u64,
}

/// What only the writer touches; moved into the write transaction while it runs.
pub(crate) struct WriterState {
    pub alloc: Allocator,
    /// The meta of the last checkpoint.
    pub meta: Meta,
    /// Pages holding the last checkpoint's freelist chain (reused after the next checkpoint).
    pub freelist_chain: Vec<u64>,
    /// The last committed transaction's emptied [`DirtySet`], whose buffers the next one reuses.
    pub spare: DirtySet,
}

struct Readers {
    current: Snapshot,
    /// The memos of `current`'s readers (the tables they opened, the version resolutions);
    /// replaced at each publish (those of unchanged tables handed on).
    memo: Arc<SnapshotMemo>,
}

/// Monotonic counters and gauges for statistics.
#[derive(Default)]
pub(crate) struct Counters {
    pub commits: AtomicU64,
    pub checkpoints: AtomicU64,
    pub free_pages: AtomicU64,
    pub pending_pages: AtomicU64,
    pub last_checkpoint_ms: AtomicU64,
}

pub(crate) struct Shared {
    pub path: PathBuf,
    pub options: Options,
    pub read_only: bool,
    pub durability: Durability,
    pub checkpoint_wal_bytes: u64,
    pub pager: Pager,
    pub wal: Arc<Wal>,
    pub opened_at: Instant,
    pub counters: Counters,
    pub metrics: crate::metrics::Metrics,
    readers: Mutex<Readers>,
    /// The live readers; registered and scanned under `readers`' lock, left without it.
    live: Registry,
    writer: Mutex<Option<Box<WriterState>>>,
    writer_free: Condvar,
    poisoned: AtomicBool,
    poison_reason: Mutex<String>,
    pub flusher: Mutex<Option<Flusher>>,
    /// The thread that prepares WAL space ahead of the appends (writable, real files only).
    pub preparer: Mutex<Option<crate::storage::wal::Preparer>>,
    /// The queue of combined writes ([`super::combine`]).
    pub combiner: super::combine::Combiner,
}

/// The relaxed mode's background WAL sync thread.
pub(crate) struct Flusher {
    pub stop: Arc<AtomicBool>,
    pub handle: std::thread::JoinHandle<()>,
}

impl Flusher {
    /// Stops the thread and waits for it (at most one WAL sync).
    pub(crate) fn stop(self) {
        self.stop.store(true, Ordering::Release);
        self.handle.thread().unpark();
        let _ = self.handle.join();
    }
}

pub(crate) struct SharedParts {
    pub path: PathBuf,
    pub options: Options,
    pub read_only: bool,
    pub durability: Durability,
    pub checkpoint_wal_bytes: u64,
    pub pager: Pager,
    pub wal: Arc<Wal>,
    pub snapshot: Snapshot,
    /// Free pages at open; read-only handles have no allocator but still report them.
    pub free_pages: u64,
    pub writer: Option<WriterState>,
}

impl Shared {
    pub(crate) fn new(parts: SharedParts) -> Shared {
        let counters = Counters::default();
        counters
            .free_pages
            .store(parts.free_pages, Ordering::Relaxed);
        Shared {
            path: parts.path,
            options: parts.options,
            read_only: parts.read_only,
            durability: parts.durability,
            checkpoint_wal_bytes: parts.checkpoint_wal_bytes,
            pager: parts.pager,
            wal: parts.wal,
            opened_at: Instant::now(),
            counters,
            metrics: crate::metrics::Metrics::default(),
            readers: Mutex::new(Readers {
                current: parts.snapshot,
                memo: Arc::default(),
            }),
            live: Registry::new(),
            writer: Mutex::new(parts.writer.map(Box::new)),
            writer_free: Condvar::new(),
            poisoned: AtomicBool::new(false),
            poison_reason: Mutex::new(String::new()),
            flusher: Mutex::new(None),
            preparer: Mutex::new(None),
            combiner: Default::default(),
        }
    }

    /// The latest committed snapshot.
    pub(crate) fn current(&self) -> Snapshot {
        self.readers.lock().current
    }

    /// Registers a reader on the latest snapshot; also hands out that snapshot's memos.
    pub(crate) fn register_reader(&self) -> (u64, Snapshot, Arc<SnapshotMemo>) {
        // Under the lock, so a writer looking for the oldest snapshot (same lock) either sees
        // this reader or ran before it took the snapshot.
        let r = self.readers.lock();
        let snap = r.current;
        let id = self.live.register(snap.txid);
        (id, snap, r.memo.clone())
    }

    /// Forgets a reader (no lock: one atomic store in the common case).
    pub(crate) fn unregister_reader(&self, id: u64) {
        self.live.unregister(id);
    }

    /// Makes `snap` the latest snapshot, made by a commit that changed the tables `changed` names
    /// (`None`: pages of every table may have moved), with the memos of the last snapshot that
    /// depend on none of them ([`SnapshotMemo::after_commit`]) and empty ones for the rest.
    pub(crate) fn publish(&self, snap: Snapshot, changed: Option<&[&str]>) {
        let mut r = self.readers.lock();
        let fresh = Arc::new(r.memo.after_commit(changed));
        r.current = snap;
        // The old memos drop when their last reader does, outside this lock.
        let _old = std::mem::replace(&mut r.memo, fresh);
        drop(r);
    }

    /// The oldest snapshot a live reader holds (the latest when none is live).
    pub(crate) fn oldest_snapshot(&self) -> u64 {
        let r = self.readers.lock();
        self.live.oldest().unwrap_or(r.current.txid)
    }

    /// Number of live readers and the age of the oldest.
    pub(crate) fn reader_stats(&self) -> (usize, Option<Duration>) {
        let _r = self.readers.lock();
        self.live.stats()
    }

    /// Takes the writer state, waiting while a write transaction holds it.
    pub(crate) fn acquire_writer(&self) -> Result<Box<WriterState>> {
        if self.read_only {
            return Err(Error::new(
                ErrorKind::ReadOnly,
                "the database was opened read-only",
            ));
        }
        let mut w = self.writer.lock();
        loop {
            self.check_writable()?;
            if let Some(state) = w.take() {
                return Ok(state);
            }
            self.writer_free.wait(&mut w);
        }
    }

    /// Hands the writer state back for the next write transaction.
    pub(crate) fn release_writer(&self, state: Box<WriterState>) {
        self.counters
            .free_pages
            .store(state.alloc.free_count(), Ordering::Relaxed);
        self.counters
            .pending_pages
            .store(state.alloc.pending_count(), Ordering::Relaxed);
        *self.writer.lock() = Some(state);
        self.writer_free.notify_one();
    }

    /// Fails with `PreviousIo` after an earlier I/O failure.
    pub(crate) fn check_writable(&self) -> Result<()> {
        if self.poisoned.load(Ordering::Acquire) {
            return Err(Error::new(
                ErrorKind::PreviousIo,
                format!(
                    "an earlier I/O failure stopped writes; reopen the database ({})",
                    self.poison_reason.lock()
                ),
            ));
        }
        Ok(())
    }

    /// Records an I/O failure: every later write fails until the database is reopened.
    pub(crate) fn poison(&self, err: &Error) {
        if matches!(err.kind(), ErrorKind::Io | ErrorKind::Corruption) {
            log::error!(
                target: "treestore",
                "{}: writes stop until the database is reopened: {err}",
                self.path.display()
            );
            *self.poison_reason.lock() = err.to_string();
            self.poisoned.store(true, Ordering::Release);
            self.writer_free.notify_all();
        }
    }

    pub(crate) fn is_poisoned(&self) -> bool {
        self.poisoned.load(Ordering::Acquire)
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(flusher) = self.flusher.lock().take() {
            flusher.stop();
        }
        if let Some(preparer) = self.preparer.lock().take() {
            preparer.stop();
        }
        if self.read_only || self.is_poisoned() {
            return;
        }
        if let Some(mut state) = self.writer.lock().take() {
            // Best effort: a clean close leaves an empty WAL, cut to its header (no transaction
            // is left to append to it). Errors surface at the next open.
            if super::checkpoint::checkpoint_locked(self, &mut state).is_ok() {
                let _ = self.wal.release_space();
            }
        }
    }
}
