//! The write-ahead log: the file beside the database (`<db>-wal`) that makes a commit durable with one
//! sequential append and one fsync, shared by every committer waiting at the same time (group commit).
//!
//! WAL header (40 bytes):
//!
//! | offset | size | field                                             |
//! |-------:|-----:|---------------------------------------------------|
//! | 0      | 8    | magic `b"TSWAL\0\0\x03"` (format 3; 2 is still read) |
//! | 8      | 4    | page size                                         |
//! | 12     | 4    | reserved, 0                                       |
//! | 16     | 8    | checkpoint sequence the log continues (`seq`)     |
//! | 24     | 12   | reserved, 0                                       |
//! | 36     | 4    | crc32 of bytes 0..36                              |
//!
//! Then records, each a 40-byte header and a payload:
//!
//! | offset | size | field                                                  |
//! |-------:|-----:|--------------------------------------------------------|
//! | 0      | 4    | kind: 1 page image, 2 commit, 3 page delta             |
//! | 4      | 4    | payload length                                         |
//! | 8      | 8    | `seq` of the log generation (stale records never match) |
//! | 16     | 8    | txid                                                   |
//! | 24     | 8    | page number (page records), 0 otherwise                |
//! | 32     | 4    | crc32 of bytes 0..32 and the payload                   |
//! | 36     | 4    | reserved, 0                                            |
//!
//! A commit payload: catalog root (8), high-water mark (8), number of page records of the transaction
//! (8), number of freed pages (8), the log offset known durable when the record was appended (8),
//! number of direct pages (8), then the freed page numbers (8 each), then the direct page numbers
//! (8 each). A transaction counts only when its commit record is intact; replay stops at the first
//! record that fails a check.
//!
//! A page-delta payload (format 3) is a base page number and the byte runs that turn the base's
//! content into the page (see [`super::delta`]). The writer uses a base only when the latest content
//! of that page has a record in the current generation (the set [`Bases::accepts`] reads: filled by
//! appends, emptied by a reset, direct pages removed, rebuilt at open) and the overlay holds it, so
//! its bytes are that record's content. Replay keeps the latest content of every page of the
//! generation's committed transactions and resolves a transaction's deltas against the state before
//! it, never against the main file (a checkpoint cut short may have written a later content there).
//! A committed delta whose base is unknown or whose runs overrun the page is `Corruption`. A
//! format-2 log is replayed, and gets no deltas until a reset writes a format-3 header: an older
//! build would take a delta for a torn tail, while it reports a format-3 header with committed
//! transactions behind it (the first of a generation holds images only) as corruption.
//!
//! Direct pages are pages a large transaction wrote straight into the main file instead of into the
//! log (see `db/write.rs`): they were free in every state recovery can reach, and they were written
//! and synced before the commit record was appended, so the record only has to name them (recovery
//! marks them used and drops older log images of the same page numbers).
//!
//! What follows the last intact transaction is a torn tail, what a crash leaves of writes never
//! synced, and is cut off. Damage elsewhere is corruption and fails recovery rather than silently
//! dropping committed transactions: a damaged header in front of committed transactions of its
//! generation (the header is synced before any record is appended), a header of a later generation than the newest
//! intact meta page (the header is written only after that meta page is synced), and damaged records
//! followed by an intact commit record whose durable offset lies past them (they had been synced).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use super::delta;
use super::format::{read_u32, read_u64, verify_page, write_u32, write_u64};
use super::vfs::VfsFile;
use crate::error::{Error, ErrorKind, Result};
use crate::hash::{FxHashMap, FxHashSet};

/// The last byte is the format version (2 added direct pages to the commit record, 3 page deltas).
const WAL_MAGIC: &[u8; 8] = b"TSWAL\0\0\x03";
/// Format 2, still replayed (it holds no page deltas).
const WAL_MAGIC_V2: &[u8; 8] = b"TSWAL\0\0\x02";
pub(crate) const WAL_HEADER_LEN: u64 = 40;
const RECORD_HEADER_LEN: usize = 40;
const KIND_PAGE: u32 = 1;
const KIND_COMMIT: u32 = 2;
const KIND_DELTA: u32 = 3;
const COMMIT_FIXED_LEN: usize = 48;
/// Where a commit payload keeps the log offset that was durable when it was appended.
const COMMIT_SYNCED_AT: usize = 32;
/// The WAL grows by a quarter of its size at a time, between these bounds (written with zeros
/// ahead of the records, see [`prepare`]). Each growth changes the file size, so its
/// fdatasync also commits ext4's journal (a second device flush): a small log grows by 1 MiB, not
/// by a few commits' worth (a WAL that stayed small because a bulk load went straight into the
/// main file made every third single-insert commit pay that flush).
const WAL_GROW_CHUNK: u64 = 4 << 20;
const WAL_MIN_GROW: u64 = 1 << 20;
/// Bytes buffered before a long commit is written out.
const WRITE_CHUNK: usize = 1 << 20;
/// What the log grows with, a write at a time: static, so a growth allocates (and clears) nothing.
static ZEROS: [u8; 256 << 10] = [0; 256 << 10];

/// What a commit record says beside the pages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct CommitInfo {
    pub txid: u64,
    pub catalog_root: u64,
    pub hwm: u64,
    pub freed: Vec<u64>,
    /// Pages written straight into the main file (and synced there) before this record.
    pub direct: Vec<u64>,
}

/// One transaction found intact in the log.
#[derive(Debug)]
pub(crate) struct ReplayedCommit {
    pub info: CommitInfo,
    /// The page numbers it logged (images or deltas).
    pub pages: Vec<u64>,
}

/// What replay found.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    pub commits: Vec<ReplayedCommit>,
    /// The latest content of every page the replayed commits logged, resolved and verified (less
    /// pages a later commit wrote straight into the main file).
    pub pages: FxHashMap<u64, Arc<[u8]>>,
    /// Where the intact part of the log ends.
    pub end: u64,
    /// The log's header is of format 3, so records appended behind it may be page deltas.
    pub deltas_allowed: bool,
}

/// A page for [`Wal::append`]: its number, its bytes and, when it was copied from a page whose
/// latest content the overlay holds, that page's number and bytes (a candidate delta base).
pub(crate) struct PageOut<'a> {
    pub page_no: u64,
    pub page: &'a [u8],
    pub base: Option<(u64, &'a [u8])>,
    /// The blocks that may differ from the base (see [`delta::Touched`]).
    pub touched: delta::Touched,
}

/// What the writer may use as a delta base (see [`Bases::accepts`]).
#[derive(Default)]
struct Bases {
    /// The header in place is of format 3 (written by this build's reset, or found at open).
    allowed: bool,
    /// Pages whose latest content has a record in the current generation.
    logged: FxHashSet<u64>,
}

impl Bases {
    /// Whether a record may be a delta against page `page_no`: the header in place is of format 3
    /// and the latest content of `page_no` has a record in the current generation, so recovery
    /// knows it from the records it replays before the delta (it never reads a base from the main
    /// file, which a checkpoint cut short may have left with a later content). The writer also
    /// finds `page_no` in the overlay, whose bytes are that record's content; [`Wal::append`]
    /// applies this rule to the bases it is given.
    fn accepts(&self, page_no: u64) -> bool {
        self.allowed && self.logged.contains(&page_no)
    }
}

struct WalState {
    end: u64,
    /// Bytes of the file already written (zeros or old records): appends below it overwrite
    /// allocated blocks, and once those are synced (by the background preparer, or by an earlier
    /// commit) a commit's fsync has no new file size or block to journal and no zeros to write
    /// back. Only a holder of [`Wal::grow`] writes at or above it or moves it.
    allocated: u64,
    synced: u64,
    syncing: bool,
    seq: u64,
    /// A sync failed: the kernel may have dropped the unsynced pages and would report the next
    /// fsync as a success, so no later sync may acknowledge anything (the log is reopened instead).
    failed: bool,
}

/// The open log.
pub(crate) struct Wal {
    file: Box<dyn VfsFile>,
    page_size: u32,
    /// A reset keeps at most this many bytes of the old file for reuse: the checkpoint threshold
    /// plus 8 MiB (what growth and preparation reach past it, but for a huge last commit), so a
    /// log that checkpoints at its threshold is reused whole, never grown or cut again.
    keep_bytes: u64,
    state: Mutex<WalState>,
    synced_cond: Condvar,
    /// fsyncs run by [`Wal::sync_to`] (statistics: commits per flush shows group commit at work).
    syncs: AtomicU64,
    /// Bytes appended by [`Wal::append`] since open (statistics).
    appended: AtomicU64,
    /// Page-delta records appended since open (statistics).
    deltas: AtomicU64,
    bases: Mutex<Bases>,
    /// The append buffer, kept between commits (writer only): a fresh one per commit made
    /// glibc's malloc consolidate its free lists on every free of a buffer above 64 KiB.
    scratch: Mutex<Vec<u8>>,
    /// Held by whoever writes at or above `allocated` or changes the file's length (growth,
    /// background preparation, reset, truncation), so none of them race; taken before `state`.
    grow: Mutex<()>,
    /// The background thread that prepares space ahead of the appends, when there is one
    /// ([`prepare::start`]); [`Wal::sync_to`] wakes it when the prepared space runs low.
    preparer: Mutex<Option<std::thread::Thread>>,
    /// Whether a write transaction has begun since open ([`Wal::writer_began`]): the preparer
    /// starts its first round only then, so a database opened for writing that only reads writes
    /// nothing to its log.
    writer_seen: AtomicBool,
}

fn header_bytes(page_size: u32, seq: u64) -> [u8; WAL_HEADER_LEN as usize] {
    let mut h = [0u8; WAL_HEADER_LEN as usize];
    h[0..8].copy_from_slice(WAL_MAGIC);
    write_u32(&mut h, 8, page_size);
    write_u64(&mut h, 16, seq);
    let crc = crc32fast::hash(&h[0..36]);
    write_u32(&mut h, 36, crc);
    h
}

/// Appends a record whose payload `fill` writes to the end of `buf`.
fn push_record(
    buf: &mut Vec<u8>,
    kind: u32,
    seq: u64,
    txid: u64,
    page_no: u64,
    fill: impl FnOnce(&mut Vec<u8>),
) {
    let at = buf.len();
    buf.resize(at + RECORD_HEADER_LEN, 0);
    fill(buf);
    let (head, payload) = buf[at..].split_at_mut(RECORD_HEADER_LEN);
    head.copy_from_slice(&record_header(kind, payload, seq, txid, page_no));
}

fn record_header(kind: u32, payload: &[u8], seq: u64, txid: u64, page_no: u64) -> [u8; 40] {
    let mut h = [0u8; RECORD_HEADER_LEN];
    write_u32(&mut h, 0, kind);
    write_u32(&mut h, 4, payload.len() as u32);
    write_u64(&mut h, 8, seq);
    write_u64(&mut h, 16, txid);
    write_u64(&mut h, 24, page_no);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&h[0..32]);
    hasher.update(payload);
    write_u32(&mut h, 32, hasher.finalize());
    h
}

fn commit_payload_len(info: &CommitInfo) -> usize {
    COMMIT_FIXED_LEN + (info.freed.len() + info.direct.len()) * 8
}

fn encode_commit(info: &CommitInfo, page_count: usize, synced: u64) -> Vec<u8> {
    let mut p = vec![0u8; commit_payload_len(info)];
    write_u64(&mut p, 0, info.catalog_root);
    write_u64(&mut p, 8, info.hwm);
    write_u64(&mut p, 16, page_count as u64);
    write_u64(&mut p, 24, info.freed.len() as u64);
    write_u64(&mut p, COMMIT_SYNCED_AT, synced);
    write_u64(&mut p, 40, info.direct.len() as u64);
    for (i, f) in info.freed.iter().chain(&info.direct).enumerate() {
        write_u64(&mut p, COMMIT_FIXED_LEN + i * 8, *f);
    }
    p
}

impl Wal {
    /// Opens the log for appending after `end` (from [`Wal::replay`]), continuing generation `seq`
    /// whose records hold the latest content of `logged`. Resets keep up to `keep_bytes` of the file
    /// for reuse. `deltas_allowed`: the header in place is of format 3 (a format-2 log gets no
    /// delta records until a reset writes a format-3 header).
    pub(crate) fn new(
        file: Box<dyn VfsFile>,
        page_size: u32,
        seq: u64,
        end: u64,
        keep_bytes: u64,
        logged: FxHashSet<u64>,
        deltas_allowed: bool,
    ) -> Wal {
        let allocated = file.len().unwrap_or(end).max(end);
        Wal {
            file,
            page_size,
            keep_bytes: keep_bytes
                .max(WAL_GROW_CHUNK)
                .saturating_add(2 * WAL_GROW_CHUNK),
            state: Mutex::new(WalState {
                end,
                allocated,
                synced: end,
                syncing: false,
                seq,
                failed: false,
            }),
            synced_cond: Condvar::new(),
            syncs: AtomicU64::new(0),
            appended: AtomicU64::new(0),
            deltas: AtomicU64::new(0),
            bases: Mutex::new(Bases {
                allowed: deltas_allowed,
                logged,
            }),
            scratch: Mutex::new(Vec::new()),
            grow: Mutex::new(()),
            preparer: Mutex::new(None),
            writer_seen: AtomicBool::new(false),
        }
    }

    /// Called as each write transaction begins: the first one wakes the preparer for its first
    /// round, which prepares the space that transaction's commit will overwrite. (At open the
    /// thread waits, so that opening for writing and reading costs no log I/O: a command-line read
    /// or a read-mostly service would otherwise write and sync megabytes of zeros per open, and
    /// compete with its first reads for the disk and the CPU.)
    pub(crate) fn writer_began(&self) {
        if self.writer_seen.load(Ordering::Relaxed)
            || self.writer_seen.swap(true, Ordering::Relaxed)
        {
            return;
        }
        if let Some(t) = &*self.preparer.lock() {
            t.unpark();
        }
    }

    /// [`Bases::accepts`], for tests.
    #[cfg(test)]
    pub(crate) fn can_be_base(&self, page_no: u64) -> bool {
        self.bases.lock().accepts(page_no)
    }

    /// Bytes in the log now.
    pub(crate) fn len(&self) -> u64 {
        self.state.lock().end
    }

    /// Empties the log and starts generation `seq` (after a checkpoint made it redundant). The file
    /// is kept (up to `keep_bytes`) and overwritten from the start, as SQLite does: records of the
    /// old generation behind the new ones never match the new `seq`.
    pub(crate) fn reset(&self, seq: u64) -> Result<()> {
        let _grow = self.grow.lock();
        let mut st = self.state.lock();
        let len = self
            .file
            .len()
            .map_err(|e| Error::io("reading the WAL length", e))?;
        if len > self.keep_bytes {
            self.file
                .set_len(self.keep_bytes)
                .map_err(|e| Error::io("truncating the WAL", e))?;
        }
        st.allocated = len.min(self.keep_bytes).max(WAL_HEADER_LEN);
        self.file
            .write_at(&header_bytes(self.page_size, seq), 0)
            .map_err(|e| Error::io("writing the WAL header", e))?;
        self.file
            .sync()
            .map_err(|e| Error::io("syncing the WAL", e))?;
        st.end = WAL_HEADER_LEN;
        st.synced = WAL_HEADER_LEN;
        st.seq = seq;
        let mut b = self.bases.lock();
        b.allowed = true;
        b.logged.clear();
        Ok(())
    }

    /// Gives the space kept for reuse back at the last close: cuts an empty log (just reset, nothing
    /// appended since) down to its header and syncs. The log holds no record of the current
    /// generation, so a crash at any point leaves a valid empty log of this generation or an older
    /// one's records behind the header, which recovery ignores.
    pub(crate) fn release_space(&self) -> Result<()> {
        let _grow = self.grow.lock();
        let mut st = self.state.lock();
        if st.end != WAL_HEADER_LEN {
            return Ok(());
        }
        let len = self
            .file
            .len()
            .map_err(|e| Error::io("reading the WAL length", e))?;
        if len > WAL_HEADER_LEN {
            self.file
                .set_len(WAL_HEADER_LEN)
                .map_err(|e| Error::io("truncating the WAL at close", e))?;
            self.file
                .sync()
                .map_err(|e| Error::io("syncing the WAL", e))?;
        }
        st.allocated = WAL_HEADER_LEN;
        Ok(())
    }

    /// Drops a torn or garbage tail so new records follow the last intact commit (recovery).
    pub(crate) fn truncate_to(&self, end: u64) -> Result<()> {
        let _grow = self.grow.lock();
        let mut st = self.state.lock();
        let len = self
            .file
            .len()
            .map_err(|e| Error::io("reading the WAL length", e))?;
        if len > end {
            self.file
                .set_len(end)
                .map_err(|e| Error::io("truncating the WAL's damaged tail", e))?;
            self.file
                .sync()
                .map_err(|e| Error::io("syncing the WAL", e))?;
        }
        st.end = end;
        st.synced = end;
        st.allocated = end;
        Ok(())
    }

    /// Makes sure the file has been written up to `upto`, extending it with zeros in whole chunks
    /// so that most commits overwrite allocated blocks instead of growing the file. Usually the
    /// background preparer has done it already (and synced it); else the writer does it here,
    /// before it writes its records, without a sync of its own (its commit's sync covers the zeros).
    fn preallocate(&self, upto: u64) -> Result<()> {
        if upto <= self.state.lock().allocated {
            return Ok(());
        }
        let _grow = self.grow.lock();
        let allocated = self.state.lock().allocated;
        if upto <= allocated {
            return Ok(());
        }
        let chunk = (upto / 4).clamp(WAL_MIN_GROW, WAL_GROW_CHUNK);
        self.fill(allocated, upto.div_ceil(chunk) * chunk)
    }

    /// Appends one transaction (a record per page, then its commit record), not yet synced. A page
    /// whose base [`Bases::accepts`] accepts is written as a delta against it when that takes at
    /// most half a page, else as an image. Returns the log offset a [`Wal::sync_to`] must reach
    /// for it to be durable. Writer only.
    pub(crate) fn append(&self, info: &CommitInfo, pages: &[PageOut<'_>]) -> Result<u64> {
        let (start, seq, synced) = {
            let st = self.state.lock();
            (st.end, st.seq, st.synced)
        };
        let mut at = start;
        let commit_len = RECORD_HEADER_LEN + commit_payload_len(info);
        let most = pages.len() * (self.page_size as usize + RECORD_HEADER_LEN) + commit_len;
        self.preallocate(at + most as u64)?;
        let mut bases = self.bases.lock();
        let delta_limit = self.page_size as usize / 2;
        let mut deltas = 0;
        let mut scratch = self.scratch.lock();
        let buf = &mut *scratch;
        buf.clear();
        buf.reserve(WRITE_CHUNK.min(most));
        for p in pages {
            let base = p.base.filter(|(b, _)| bases.accepts(*b));
            let mut as_delta = false;
            if let Some((base_no, base)) = base {
                push_record(buf, KIND_DELTA, seq, info.txid, p.page_no, |buf| {
                    as_delta =
                        delta::encode_touched(base_no, base, p.page, p.touched, delta_limit, buf);
                });
                if !as_delta {
                    buf.truncate(buf.len() - RECORD_HEADER_LEN);
                }
            }
            if as_delta {
                deltas += 1;
            } else {
                push_record(buf, KIND_PAGE, seq, info.txid, p.page_no, |buf| {
                    buf.extend_from_slice(p.page)
                });
            }
            if buf.len() >= WRITE_CHUNK {
                self.write_out(buf, at)?;
                at += buf.len() as u64;
                buf.clear();
            }
        }
        let commit = encode_commit(info, pages.len(), synced);
        push_record(buf, KIND_COMMIT, seq, info.txid, 0, |buf| {
            buf.extend_from_slice(&commit)
        });
        self.write_out(buf, at)?;
        at += buf.len() as u64;
        buf.clear();
        drop(scratch);
        bases.logged.extend(pages.iter().map(|p| p.page_no));
        for d in &info.direct {
            bases.logged.remove(d);
        }
        drop(bases);
        self.state.lock().end = at;
        self.appended.fetch_add(at - start, Ordering::Relaxed);
        self.deltas.fetch_add(deltas, Ordering::Relaxed);
        Ok(at)
    }

    fn write_out(&self, buf: &[u8], at: u64) -> Result<()> {
        self.file
            .write_at(buf, at)
            .map_err(|e| Error::io(format!("appending to the WAL at offset {at}"), e))
    }

    /// Returns once the log is durable up to `target`. Committers that arrive while a sync runs wait
    /// for it and, if it did not cover them, one of them runs the next: one fsync serves many commits.
    pub(crate) fn sync_to(&self, target: u64) -> Result<()> {
        let mut st = self.state.lock();
        loop {
            if st.synced >= target {
                return Ok(());
            }
            if st.failed {
                return Err(Error::new(
                    ErrorKind::Io,
                    "an earlier sync of the WAL failed; its records may not be durable",
                ));
            }
            if !st.syncing {
                break;
            }
            self.synced_cond.wait(&mut st);
        }
        st.syncing = true;
        let end = st.end;
        drop(st);
        self.syncs.fetch_add(1, Ordering::Relaxed);
        let result = self.file.sync();
        let mut st = self.state.lock();
        st.syncing = false;
        match result {
            Ok(()) => st.synced = st.synced.max(end),
            Err(_) => st.failed = true,
        }
        let low = prepare::wanted(st.end, st.allocated).is_some();
        drop(st);
        self.synced_cond.notify_all();
        // Woken after the sync, not at the append: zeros copied in before this sync started would
        // have been written back by it, on the commit's time.
        if low && result.is_ok() {
            if let Some(t) = &*self.preparer.lock() {
                t.unpark();
            }
        }
        result.map_err(|e| Error::io("syncing the WAL", e))
    }

    /// fsyncs [`Wal::sync_to`] has run since open.
    pub(crate) fn sync_count(&self) -> u64 {
        self.syncs.load(Ordering::Relaxed)
    }

    /// Bytes [`Wal::append`] has written since open.
    pub(crate) fn appended_bytes(&self) -> u64 {
        self.appended.load(Ordering::Relaxed)
    }

    /// Page-delta records [`Wal::append`] has written since open.
    pub(crate) fn delta_records(&self) -> u64 {
        self.deltas.load(Ordering::Relaxed)
    }

    /// Whether appended bytes wait for a sync.
    pub(crate) fn has_unsynced(&self) -> bool {
        let st = self.state.lock();
        st.end > st.synced
    }

    /// Reads the log and returns every intact transaction of generation `seq` with a txid above
    /// `after_txid`, in order. A log of an older generation holds nothing; damage that a crash
    /// cannot explain (see the module documentation) is a `Corruption` error.
    pub(crate) fn replay(
        file: &dyn VfsFile,
        page_size: u32,
        seq: u64,
        after_txid: u64,
    ) -> Result<Replay> {
        let len = file
            .len()
            .map_err(|e| Error::io("reading the WAL length", e))?;
        if len < WAL_HEADER_LEN {
            return Ok(Replay::default());
        }
        let mut header = [0u8; WAL_HEADER_LEN as usize];
        file.read_at(&mut header, 0)
            .map_err(|e| Error::io("reading the WAL header", e))?;
        let v2 = &header[0..8] == WAL_MAGIC_V2;
        let mut reader = RecordReader {
            file,
            len,
            at: WAL_HEADER_LEN,
            seq,
            page_size,
            deltas: !v2,
        };
        let header_ok = (v2 || &header[0..8] == WAL_MAGIC)
            && crc32fast::hash(&header[0..36]) == read_u32(&header, 36);
        if !header_ok {
            // Only a committed transaction proves the header was synced: a reset cut short can
            // leave page records of a transaction that never committed behind a torn header.
            if !reader.read_all(after_txid)?.commits.is_empty() {
                return Err(Error::corruption(
                    "WAL header is damaged, but committed transactions of the current checkpoint \
                     follow it",
                ));
            }
            return Ok(Replay::default());
        }
        let (wal_page_size, wal_seq) = (read_u32(&header, 8), read_u64(&header, 16));
        if wal_page_size != page_size {
            return Err(Error::corruption(format!(
                "WAL header: page size {wal_page_size}, the database's is {page_size}"
            )));
        }
        if wal_seq > seq {
            return Err(Error::corruption(format!(
                "the WAL continues checkpoint {wal_seq}, but the newest intact meta page is of \
                 checkpoint {seq}: the meta page of a completed checkpoint is damaged"
            )));
        }
        if wal_seq < seq {
            return Ok(Replay::default());
        }
        let mut replay = reader.read_all(after_txid)?;
        replay.deltas_allowed = !v2;
        Ok(replay)
    }
}

struct RecordReader<'a> {
    file: &'a dyn VfsFile,
    len: u64,
    at: u64,
    seq: u64,
    page_size: u32,
    /// The log may hold page-delta records (format 3).
    deltas: bool,
}

struct Record {
    kind: u32,
    txid: u64,
    page_no: u64,
    payload: Vec<u8>,
}

impl RecordReader<'_> {
    fn read_all(&mut self, after_txid: u64) -> Result<Replay> {
        let mut replay = Replay {
            end: self.at,
            ..Replay::default()
        };
        let mut expected_txid = after_txid + 1;
        let mut pages: Vec<Record> = Vec::new();
        let mut group_txid = None;
        while let Some(rec) = self.next_record()? {
            if *group_txid.get_or_insert(rec.txid) != rec.txid {
                break;
            }
            if rec.kind != KIND_COMMIT {
                pages.push(rec);
                continue;
            }
            let Some(info) = decode_commit(&rec, pages.len()) else {
                break;
            };
            group_txid = None;
            let taken = std::mem::take(&mut pages);
            if info.txid > after_txid {
                if info.txid != expected_txid {
                    break;
                }
                expected_txid += 1;
                let numbers = resolve_commit(&mut replay.pages, taken, &info.direct)?;
                replay.commits.push(ReplayedCommit {
                    info,
                    pages: numbers,
                });
            }
            replay.end = self.at;
        }
        self.check_tail(replay.end, expected_txid)?;
        Ok(replay)
    }

    /// Fails when the bytes from `end` (past the last intact transaction) are not a torn tail: when
    /// an intact commit record there, of a later transaction, was appended after they were synced.
    /// Walks record by record, stepping over damaged records by the lengths their headers imply.
    fn check_tail(&mut self, end: u64, next_txid: u64) -> Result<()> {
        self.at = end;
        while self.at + RECORD_HEADER_LEN as u64 <= self.len {
            let start = self.at;
            match self.next_record()? {
                Some(rec) if rec.kind == KIND_COMMIT && rec.txid >= next_txid => {
                    let synced = read_u64(&rec.payload, COMMIT_SYNCED_AT);
                    if synced > end {
                        return Err(Error::corruption(format!(
                            "WAL: records from offset {end} are damaged, but they were synced \
                             before the commit record of txid {} at offset {start}",
                            rec.txid
                        )));
                    }
                }
                Some(_) => {}
                None => match self.skip_damaged(start)? {
                    Some(next) => self.at = next,
                    None => break,
                },
            }
        }
        Ok(())
    }

    /// Where the record after the damaged one at `start` begins, judged from the lengths its header
    /// (or, for a commit record with a damaged length, its freed-page count) implies: the first that
    /// lands on the end of the log or on a header of this generation. `None` when none does.
    fn skip_damaged(&self, start: u64) -> Result<Option<u64>> {
        let mut h = [0u8; RECORD_HEADER_LEN];
        self.read(&mut h, start)?;
        let (kind, plen) = (read_u32(&h, 0), read_u32(&h, 4) as u64);
        let page_len = self.page_size as u64;
        let commit_len = |n: u64| {
            n >= COMMIT_FIXED_LEN as u64 && (n - COMMIT_FIXED_LEN as u64).is_multiple_of(8)
        };
        let mut lens = Vec::new();
        if kind != KIND_COMMIT && (kind == KIND_PAGE || plen == page_len) {
            lens.push(page_len);
        }
        if kind != KIND_PAGE && (commit_len(plen) || self.delta_len(plen)) {
            lens.push(plen);
        }
        let body = start + RECORD_HEADER_LEN as u64;
        if kind == KIND_DELTA && self.deltas {
            lens.extend(self.delta_lens_by_runs(body)?);
        }
        if kind == KIND_COMMIT && body + COMMIT_FIXED_LEN as u64 <= self.len {
            let mut fixed = [0u8; COMMIT_FIXED_LEN];
            self.read(&mut fixed, body)?;
            let (freed, direct) = (read_u64(&fixed, 24), read_u64(&fixed, 40));
            if freed < self.len / 8 && direct < self.len / 8 {
                lens.push(COMMIT_FIXED_LEN as u64 + (freed + direct) * 8);
            }
        }
        for plen in lens {
            let next = body + plen;
            if next == self.len || self.header_of_this_log_at(next)? {
                return Ok(Some(next));
            }
        }
        Ok(None)
    }

    /// The payload lengths a delta record at `body` may have with a damaged length field: where
    /// each of its runs (read from its base page number on) ends, while they fit the page.
    fn delta_lens_by_runs(&self, body: u64) -> Result<Vec<u64>> {
        let most = (self.page_size as u64).min(self.len.saturating_sub(body)) as usize;
        let mut payload = vec![0u8; most];
        self.read(&mut payload, body)?;
        let mut lens = Vec::new();
        let mut at = delta::DELTA_BASE_LEN;
        while at + 8 <= payload.len() {
            let (offset, len) = (
                read_u32(&payload, at) as u64,
                read_u32(&payload, at + 4) as u64,
            );
            if offset + len > self.page_size as u64 {
                break;
            }
            at += 8 + len as usize;
            lens.push(at as u64);
        }
        Ok(lens)
    }

    fn header_of_this_log_at(&self, at: u64) -> Result<bool> {
        if at + RECORD_HEADER_LEN as u64 > self.len {
            return Ok(false);
        }
        let mut h = [0u8; RECORD_HEADER_LEN];
        self.read(&mut h, at)?;
        let kind = read_u32(&h, 0);
        let known = kind == KIND_PAGE || kind == KIND_COMMIT || (self.deltas && kind == KIND_DELTA);
        Ok(known && read_u64(&h, 8) == self.seq)
    }

    /// Whether a delta record may have a payload of `plen` bytes: a base page number and runs that
    /// fit the page (the writer keeps deltas to half a page).
    fn delta_len(&self, plen: u64) -> bool {
        self.deltas && (delta::DELTA_BASE_LEN as u64..=self.page_size as u64).contains(&plen)
    }

    /// The next intact record, or `None` at the end or at the first damaged one.
    fn next_record(&mut self) -> Result<Option<Record>> {
        if self.at + RECORD_HEADER_LEN as u64 > self.len {
            return Ok(None);
        }
        let mut h = [0u8; RECORD_HEADER_LEN];
        self.read(&mut h, self.at)?;
        let kind = read_u32(&h, 0);
        let plen = read_u32(&h, 4) as u64;
        let plausible = match kind {
            KIND_PAGE => plen == self.page_size as u64,
            KIND_COMMIT => {
                plen >= COMMIT_FIXED_LEN as u64
                    && (plen - COMMIT_FIXED_LEN as u64).is_multiple_of(8)
            }
            KIND_DELTA => self.delta_len(plen),
            _ => false,
        };
        let start = self.at + RECORD_HEADER_LEN as u64;
        if !plausible || read_u64(&h, 8) != self.seq || start + plen > self.len {
            return Ok(None);
        }
        let mut payload = vec![0u8; plen as usize];
        self.read(&mut payload, start)?;
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&h[0..32]);
        hasher.update(&payload);
        if hasher.finalize() != read_u32(&h, 32) {
            return Ok(None);
        }
        self.at = start + plen;
        Ok(Some(Record {
            kind,
            txid: read_u64(&h, 16),
            page_no: read_u64(&h, 24),
            payload,
        }))
    }

    fn read(&self, buf: &mut [u8], at: u64) -> Result<()> {
        self.file
            .read_at(buf, at)
            .map_err(|e| Error::io(format!("reading the WAL at offset {at}"), e))
    }
}

/// Turns the page records of one intact commit into pages: a delta is applied to the latest content
/// of its base before this commit (bases are resolved only from records replayed before, never
/// from the main file). Every page must pass [`verify_page`]. Updates `latest` with the commit's
/// pages, drops the pages it wrote into the main file, and returns the numbers it logged.
fn resolve_commit(
    latest: &mut FxHashMap<u64, Arc<[u8]>>,
    records: Vec<Record>,
    direct: &[u64],
) -> Result<Vec<u64>> {
    let mut resolved = Vec::with_capacity(records.len());
    for rec in records {
        let page: Arc<[u8]> = if rec.kind == KIND_DELTA {
            let base_no = delta::base_of(&rec.payload).unwrap_or(0);
            let Some(base) = latest.get(&base_no) else {
                return Err(Error::corruption(format!(
                    "WAL delta of page {} (txid {}) names base page {base_no}, which no earlier \
                     record of this log holds",
                    rec.page_no, rec.txid
                )));
            };
            let mut page = base.to_vec();
            delta::apply(&rec.payload, &mut page, rec.page_no)?;
            page.into()
        } else {
            rec.payload.into()
        };
        verify_page(&page, rec.page_no).map_err(|e| e.context("WAL page record"))?;
        resolved.push((rec.page_no, page));
    }
    let numbers = resolved.iter().map(|(p, _)| *p).collect();
    latest.extend(resolved);
    for d in direct {
        latest.remove(d);
    }
    Ok(numbers)
}

fn decode_commit(rec: &Record, pages_seen: usize) -> Option<CommitInfo> {
    let p = &rec.payload;
    let page_count = read_u64(p, 16);
    let (nfreed, ndirect) = (read_u64(p, 24), read_u64(p, 40));
    let listed = ((p.len() - COMMIT_FIXED_LEN) / 8) as u64;
    if page_count != pages_seen as u64 || nfreed.checked_add(ndirect) != Some(listed) {
        return None;
    }
    let id = |i: usize| read_u64(p, COMMIT_FIXED_LEN + i * 8);
    let nfreed = nfreed as usize;
    Some(CommitInfo {
        txid: rec.txid,
        catalog_root: read_u64(p, 0),
        hwm: read_u64(p, 8),
        freed: (0..nfreed).map(id).collect(),
        direct: (nfreed..listed as usize).map(id).collect(),
    })
}

mod prepare;
#[cfg(test)]
mod tests;

pub(crate) use prepare::{start as start_preparer, Preparer};
