//! Statistics the layers above export: page counts, sizes, commits, checkpoints and readers.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::shared::Shared;
use crate::error::{Error, Result};

/// A point-in-time view of the database's counters and gauges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    /// Bytes per page.
    pub page_size: u64,
    /// Pages below the high-water mark (the used part of the file).
    pub total_pages: u64,
    /// Pages free for reuse.
    pub free_pages: u64,
    /// Pages freed but still reachable by a live reader.
    pub pending_pages: u64,
    /// Pages holding data (total less free and pending).
    pub used_pages: u64,
    /// Committed pages not yet checkpointed into the main file.
    pub wal_pages: u64,
    /// Bytes of the main file.
    pub file_bytes: u64,
    /// Bytes of the WAL.
    pub wal_bytes: u64,
    /// Id of the last committed transaction.
    pub last_txid: u64,
    /// Commits since open.
    pub commits: u64,
    /// Checkpoints since open.
    pub checkpoints: u64,
    /// WAL flushes (fsyncs) run for commits since open; fewer than `commits` when concurrent
    /// committers shared flushes (group commit).
    pub wal_syncs: u64,
    /// Bytes commits appended to the WAL since open (page images and commit records).
    pub wal_appended_bytes: u64,
    /// Page-delta records among them since open (pages logged as the bytes that changed against
    /// the page they were copied from, instead of whole images).
    pub wal_delta_records: u64,
    /// Read transactions alive now.
    pub live_readers: u64,
    /// Age of the oldest live read transaction.
    pub oldest_reader_age: Option<Duration>,
    /// Time since the last checkpoint of this process (None: none yet).
    pub last_checkpoint_age: Option<Duration>,
    /// Time since the database was opened.
    pub uptime: Duration,
}

pub(crate) fn collect(shared: &Shared) -> Result<Stats> {
    let snap = shared.current();
    let c = &shared.counters;
    let free_pages = c.free_pages.load(Ordering::Relaxed);
    let pending_pages = c.pending_pages.load(Ordering::Relaxed);
    let (live, oldest) = shared.reader_stats();
    let file_bytes = shared
        .pager
        .file()
        .len()
        .map_err(|e| Error::io("reading the file length", e))?;
    let last_ms = c.last_checkpoint_ms.load(Ordering::Relaxed);
    let uptime = shared.opened_at.elapsed();
    Ok(Stats {
        page_size: shared.pager.page_size() as u64,
        total_pages: snap.hwm,
        free_pages,
        pending_pages,
        used_pages: snap.hwm.saturating_sub(free_pages + pending_pages),
        wal_pages: shared.pager.overlay_len() as u64,
        file_bytes,
        wal_bytes: shared.wal.len(),
        last_txid: snap.txid,
        commits: c.commits.load(Ordering::Relaxed),
        checkpoints: c.checkpoints.load(Ordering::Relaxed),
        wal_syncs: shared.wal.sync_count(),
        wal_appended_bytes: shared.wal.appended_bytes(),
        wal_delta_records: shared.wal.delta_records(),
        live_readers: live as u64,
        oldest_reader_age: oldest,
        last_checkpoint_age: (last_ms > 0)
            .then(|| uptime.saturating_sub(Duration::from_millis(last_ms))),
        uptime,
    })
}
