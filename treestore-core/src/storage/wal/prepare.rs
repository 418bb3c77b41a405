//! Space prepared ahead of the WAL's appends: zeros written *and synced* past the last record by a
//! background thread, so that a commit overwrites blocks the file system has already allocated and
//! recorded. Its fdatasync then writes only the commit's own bytes and flushes the device: no new
//! file size or block allocation to journal, no megabyte of zeros to write back. (The lead's C probe
//! on this machine's ext4: 4 KiB + fdatasync at growing offsets 226 µs, overwriting synced blocks
//! 89 µs.)
//!
//! Who writes the zeros:
//! - the thread (one per writable database in `Durability::Sync` mode whose log is a real file:
//!   relaxed commits do not wait for the disk, and in some runs their p99 rose from 1 to 4 ms with
//!   the thread) keeps between one and two reserves (a quarter of the log, 1 to 4 MiB) ahead of the
//!   end of the log. A round writes the zeros [`STEP`] by [`STEP`], holding [`super::Wal::grow`]
//!   for one page-cache copy at a time (an append never waits for the disk on its account), then
//!   syncs them once: one journal commit per round, as many as the log's own growth cost before.
//!   [`super::Wal::sync_to`] wakes it, after its sync, when less than one reserve is left.
//! - the writer itself, before it appends, when the thread is behind or there is none (in-memory
//!   and fault-injecting file systems, whose crash tests count syncs and must be deterministic):
//!   [`super::Wal::preallocate`] grows by whole chunks, unsynced, as the log always did (the
//!   commit's own sync covers them; a relaxed commit does not wait for the disk).
//!
//! Crash safety: zeros are written only at or above `allocated`, which is at or above the end of
//! the log, under [`super::Wal::grow`] (which reset, truncation and the writer's growth also hold),
//! so no record is ever overwritten; an all-zero record header has kind 0, which replay takes for
//! the end of the log, as it takes a torn tail. A failed sync marks the log failed, as a failed
//! commit sync does: the kernel may have dropped unsynced commit records along with the zeros, and
//! would report the next fsync of the file as a success.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::{Wal, WAL_GROW_CHUNK, WAL_MIN_GROW, ZEROS};
use crate::error::{Error, Result};

/// What the preparer copies at a time while it holds [`super::Wal::grow`].
const STEP: u64 = 256 << 10;

/// The space the preparer keeps ahead of a log that ends at `end`.
fn reserve(end: u64) -> u64 {
    (end / 4).clamp(WAL_MIN_GROW, WAL_GROW_CHUNK)
}

/// How far the preparer should prepare a log that ends at `end` and is prepared up to
/// `allocated`: `None` while at least one reserve lies ahead, else two reserves past the end.
pub(super) fn wanted(end: u64, allocated: u64) -> Option<u64> {
    let reserve = reserve(end);
    (allocated < end + reserve).then_some(end + 2 * reserve)
}

impl Wal {
    /// Writes zeros over `from..to` and records `to` as allocated. The caller holds [`Wal::grow`]
    /// and `from` is `allocated`, at or above the end of the log.
    pub(super) fn fill(&self, from: u64, to: u64) -> Result<()> {
        let mut at = from;
        while at < to {
            let n = (to - at).min(ZEROS.len() as u64) as usize;
            self.file
                .write_at(&ZEROS[..n], at)
                .map_err(|e| Error::io(format!("extending the WAL at offset {at}"), e))?;
            at += n as u64;
        }
        let mut st = self.state.lock();
        st.allocated = st.allocated.max(to);
        Ok(())
    }

    /// One background round: when [`wanted`] asks for more space, writes the zeros up to its
    /// target a [`STEP`] at a time (holding [`Wal::grow`] for one step's page-cache copy only, so
    /// an append that needs the space never waits for the disk), then syncs them all at once: one
    /// journal commit per round, as one growth of the log cost before. Returns whether it wrote.
    fn prepare_round(&self) -> Result<bool> {
        let mut wrote = false;
        loop {
            let _grow = self.grow.lock();
            let (end, allocated, failed) = {
                let st = self.state.lock();
                (st.end, st.allocated, st.failed)
            };
            // Once a round started, it fills up to two reserves past the end.
            let target = if wrote {
                Some(end + 2 * reserve(end)).filter(|t| *t > allocated)
            } else {
                wanted(end, allocated)
            };
            let Some(target) = target.filter(|_| !failed) else {
                break;
            };
            self.fill(allocated, target.min(allocated + STEP))?;
            wrote = true;
        }
        if wrote {
            if let Err(e) = self.file.sync() {
                self.state.lock().failed = true;
                self.synced_cond.notify_all();
                return Err(Error::io("syncing the WAL's prepared space", e));
            }
        }
        Ok(wrote)
    }

    /// Whether the log is a real file, which a background thread may prepare.
    fn prepares_in_background(&self) -> bool {
        self.file.as_os_file().is_some()
    }
}

/// The background preparer of one open log.
pub(crate) struct Preparer {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<()>,
}

impl Preparer {
    /// Stops the thread and waits for it (at most one round).
    pub(crate) fn stop(self) {
        self.stop.store(true, Ordering::Release);
        self.handle.thread().unpark();
        let _ = self.handle.join();
    }
}

/// Starts the preparer of `wal` (writable logs on a real file system only). Its first round waits
/// for the first write transaction ([`Wal::writer_began`]); later ones for [`Wal::sync_to`] to find
/// the prepared space running low. Without the thread the writer prepares the space itself. Called
/// at open, before any write transaction can begin.
pub(crate) fn start(wal: Arc<Wal>) -> Option<Preparer> {
    if !wal.prepares_in_background() {
        return None;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let log = wal.clone();
    let handle = std::thread::Builder::new()
        .name("treestore-wal-prepare".into())
        .spawn(move || loop {
            std::thread::park();
            loop {
                if flag.load(Ordering::Acquire) {
                    return;
                }
                match log.prepare_round() {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        // A failed sync marked the log failed (every later commit reports
                        // it); after a failed write of zeros, which lie past every record, the
                        // writer grows the log itself, as without the thread.
                        log::error!(target: "treestore", "the WAL preparer stops: {e}");
                        return;
                    }
                }
            }
        })
        .ok()?;
    *wal.preparer.lock() = Some(handle.thread().clone());
    Some(Preparer { stop, handle })
}
