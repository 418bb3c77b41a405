//! Opening a database: creating a new file, or validating the header, picking the newest intact meta
//! page, loading the freelist and replaying the WAL (recovery). Recovery reads the WAL and the
//! freelist, never the whole file, so it costs time in proportion to the WAL.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::options::{Durability, Options};
use super::shared::{Flusher, Shared, SharedParts, Snapshot, WriterState};
use crate::btree::write::DirtySet;
use crate::error::{Error, ErrorKind, Result};
use crate::storage::alloc::Allocator;
use crate::storage::format::{
    self, decode_file_header, encode_file_header, read_u16, read_u64, valid_page_size, verify_page,
    Meta, PageKind, FIRST_DATA_PAGE, META_PAGES, PAGE_HEADER_LEN,
};
use crate::storage::pager::Pager;
use crate::storage::vfs::{LockMode, OpenOptions, Vfs, VfsFile};
use crate::storage::wal::{start_preparer, Wal, WAL_HEADER_LEN};

/// The WAL's path: the database path with `-wal` appended.
pub(crate) fn wal_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

fn open_file(
    vfs: &dyn Vfs,
    path: &Path,
    create: bool,
    read_only: bool,
) -> Result<Box<dyn VfsFile>> {
    vfs.open(path, OpenOptions { create, read_only })
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => {
                Error::not_found(format!("database file {} does not exist", path.display()))
            }
            _ => Error::io(format!("opening {}", path.display()), e),
        })
}

pub(crate) fn open(path: &Path, opts: Options) -> Result<Arc<Shared>> {
    if !valid_page_size(opts.page_size) {
        return Err(Error::invalid(format!(
            "page_size {} must be a power of two from 1024 to 65536",
            opts.page_size
        )));
    }
    let vfs = opts.vfs.clone();
    let file = open_file(&*vfs, path, opts.create && !opts.read_only, opts.read_only)?;
    let mode = if opts.read_only {
        LockMode::Shared
    } else {
        LockMode::Exclusive
    };
    let locked = file
        .try_lock(mode)
        .map_err(|e| Error::io(format!("locking {}", path.display()), e))?;
    if !locked {
        return Err(Error::new(
            ErrorKind::DatabaseLocked,
            format!(
                "{} is open for writing by another process or handle",
                path.display()
            ),
        ));
    }
    let len = file
        .len()
        .map_err(|e| Error::io("reading the file length", e))?;
    if len == 0 || (!opts.read_only && unfinished_creation(&*file, &*vfs, path, len)?) {
        if opts.read_only {
            return Err(Error::corruption(format!("{} is empty", path.display())));
        }
        initialize(&*file, &*vfs, path, opts.page_size)?;
    }
    let shared = Arc::new(recover(path, file, &opts)?);
    if opts.durability == Durability::Relaxed && !opts.read_only {
        *shared.flusher.lock() = start_flusher(shared.wal.clone(), opts.sync_interval);
    }
    // Only a synced commit waits for the disk. (A relaxed writer logs about 200 MB/s, outruns the
    // preparer, and with it saw its p99 rise from about 1 to 4 ms in some runs.)
    if opts.durability == Durability::Sync && !opts.read_only {
        *shared.preparer.lock() = start_preparer(shared.wal.clone());
    }
    Ok(shared)
}

/// Writes the header and the first meta page of a new database, and an empty WAL.
fn initialize(file: &dyn VfsFile, vfs: &dyn Vfs, path: &Path, page_size: u32) -> Result<()> {
    let io = |what: &'static str| move |e| Error::io(what, e);
    let ps = page_size as u64;
    // A stale WAL goes first: removed after the new file is synced, a crash in between would leave
    // its records (of generation 0, like the new file's) to be replayed into the new database.
    vfs.remove(&wal_path(path))
        .map_err(io("removing a stale WAL"))?;
    // An unfinished creation may have left bytes in the meta slots; start from nothing.
    file.set_len(0).map_err(io("emptying the new file"))?;
    file.write_at(&encode_file_header(page_size), 0)
        .map_err(io("writing the file header"))?;
    let meta = Meta::empty();
    file.write_at(&meta.encode(page_size), meta.slot_page() * ps)
        .map_err(io("writing the meta page"))?;
    file.set_len(FIRST_DATA_PAGE * ps)
        .map_err(io("sizing the new file"))?;
    file.sync().map_err(io("syncing the new file"))?;
    Ok(())
}

/// Whether `file` is what a crash during [`initialize`] leaves, so it holds nothing committed and is
/// created afresh: no longer than the three fixed pages, a WAL without records, and no valid meta
/// page beside a valid header (nor, when the header is damaged, a meta page that counts data pages).
/// Anything else without a valid header or meta page is reported as corruption by recovery.
fn unfinished_creation(file: &dyn VfsFile, vfs: &dyn Vfs, path: &Path, len: u64) -> Result<bool> {
    if len > FIRST_DATA_PAGE * format::MAX_PAGE_SIZE as u64 || wal_has_records(vfs, path)? {
        return Ok(false);
    }
    let read = |offset: u64, n: u64| -> Result<Vec<u8>> {
        let mut buf = vec![0u8; n.min(len.saturating_sub(offset)) as usize];
        if buf.is_empty() {
            return Ok(buf);
        }
        file.read_at(&mut buf, offset)
            .map_err(|e| Error::io(format!("reading the file at offset {offset}"), e))?;
        Ok(buf)
    };
    let header = decode_file_header(&read(0, 20)?);
    let sizes: Vec<u64> = match header {
        Ok(ps) if len > FIRST_DATA_PAGE * ps as u64 => return Ok(false),
        Ok(ps) => vec![ps as u64],
        Err(_) => (10..=16).map(|shift| 1u64 << shift).collect(),
    };
    for ps in sizes {
        for page_no in META_PAGES {
            let Some(meta) = Meta::decode(&read(page_no * ps, 64)?) else {
                continue;
            };
            if meta.slot_page() == page_no && (header.is_ok() || meta.hwm > FIRST_DATA_PAGE) {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

fn wal_has_records(vfs: &dyn Vfs, path: &Path) -> Result<bool> {
    let opts = OpenOptions {
        create: false,
        read_only: true,
    };
    match vfs.open(&wal_path(path), opts) {
        Ok(wal) => Ok(wal
            .len()
            .map_err(|e| Error::io("reading the WAL length", e))?
            > WAL_HEADER_LEN),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("opening the WAL", e)),
    }
}

fn read_meta(pager: &Pager) -> Result<Meta> {
    let mut best: Option<Meta> = None;
    for page_no in META_PAGES {
        let page = pager.read_page_from_file(page_no)?;
        if let Some(m) = Meta::decode(&page) {
            if m.slot_page() == page_no && best.is_none_or(|b| m.seq > b.seq) {
                best = Some(m);
            }
        }
    }
    let meta = best.ok_or_else(|| Error::corruption("both meta pages (1 and 2) are damaged"))?;
    let file_pages = pager.file_pages();
    if meta.hwm < FIRST_DATA_PAGE || meta.hwm > file_pages {
        return Err(Error::corruption(format!(
            "meta page {}: high-water mark {} outside the file's {} pages",
            meta.slot_page(),
            meta.hwm,
            file_pages
        )));
    }
    for (what, p) in [
        ("catalog root", meta.catalog_root),
        ("freelist head", meta.freelist_head),
    ] {
        if p != 0 && (p < FIRST_DATA_PAGE || p >= meta.hwm) {
            return Err(Error::corruption(format!(
                "meta page {}: {what} {p} outside the data pages",
                meta.slot_page()
            )));
        }
    }
    Ok(meta)
}

/// Loads the freelist chain of `meta`: (free pages, chain pages).
fn read_freelist(pager: &Pager, meta: &Meta) -> Result<(Vec<u64>, Vec<u64>)> {
    let mut free = Vec::with_capacity(meta.freelist_count.min(1 << 24) as usize);
    let mut chain = Vec::new();
    let mut page_no = meta.freelist_head;
    while page_no != 0 {
        if chain.len() as u64 >= meta.freelist_pages
            || page_no < FIRST_DATA_PAGE
            || page_no >= meta.hwm
        {
            return Err(Error::corruption(format!(
                "freelist chain: page {page_no} is out of range or the chain is longer than {}",
                meta.freelist_pages
            )));
        }
        let page = pager.read_page_from_file(page_no)?;
        verify_page(&page, page_no)?;
        if page[0] != PageKind::Freelist as u8 {
            return Err(Error::corruption(format!(
                "page {page_no}: expected a freelist page"
            )));
        }
        let n = read_u16(&page, 2) as usize;
        if 24 + n * 8 > page.len() {
            return Err(Error::corruption(format!(
                "page {page_no}: freelist count {n} overruns the page"
            )));
        }
        for i in 0..n {
            let p = read_u64(&page, 24 + i * 8);
            if p < FIRST_DATA_PAGE || p >= meta.hwm {
                return Err(Error::corruption(format!(
                    "page {page_no}: free page id {p} is outside the data pages"
                )));
            }
            free.push(p);
        }
        chain.push(page_no);
        page_no = read_u64(&page, PAGE_HEADER_LEN);
    }
    if free.len() as u64 != meta.freelist_count || chain.len() as u64 != meta.freelist_pages {
        return Err(Error::corruption(format!(
            "freelist: found {} ids in {} pages, the meta page says {} in {}",
            free.len(),
            chain.len(),
            meta.freelist_count,
            meta.freelist_pages
        )));
    }
    Ok((free, chain))
}

fn recover(path: &Path, file: Box<dyn VfsFile>, opts: &Options) -> Result<Shared> {
    let len = file
        .len()
        .map_err(|e| Error::io("reading the file length", e))?;
    if len < FIRST_DATA_PAGE * format::MIN_PAGE_SIZE as u64 {
        return Err(Error::corruption(format!(
            "{} is {len} bytes: too short for a TreeStore database",
            path.display()
        )));
    }
    let mut head = [0u8; 20];
    file.read_at(&mut head, 0)
        .map_err(|e| Error::io("reading the file header", e))?;
    let page_size = decode_file_header(&head)?;
    let pager = Pager::new(file, page_size)?;
    let meta = read_meta(&pager)?;
    let (free, chain) = read_freelist(&pager, &meta)?;
    let mut alloc = Allocator::new(free, meta.hwm);

    let vfs = &*opts.vfs;
    let wal_file = open_file(vfs, &wal_path(path), !opts.read_only, opts.read_only);
    let wal_file = match wal_file {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound && opts.read_only => {
            return read_only_without_wal(path, pager, meta, alloc, opts);
        }
        Err(e) => return Err(e),
    };
    let replay = Wal::replay(&*wal_file, page_size, meta.seq, meta.txid)?;
    let mut snap = Snapshot {
        txid: meta.txid,
        catalog_root: meta.catalog_root,
        hwm: meta.hwm,
    };
    // Replay resolved page deltas and verified every page; the main file holds the direct pages
    // (replay dropped older log records of them).
    let replayed = replay.commits.len();
    for commit in replay.commits {
        let mut written = commit.pages;
        if !commit.info.direct.is_empty() {
            check_direct(&commit.info, pager.file_pages())?;
            written.extend_from_slice(&commit.info.direct);
        }
        alloc.replay_commit(&written, &commit.info.freed, commit.info.hwm);
        snap = Snapshot {
            txid: commit.info.txid,
            catalog_root: commit.info.catalog_root,
            hwm: commit.info.hwm,
        };
    }
    if replayed > 0 {
        log::info!(
            target: "treestore",
            "{}: recovery replayed {replayed} commits ({} pages) from the WAL, up to txid {}",
            path.display(),
            replay.pages.len(),
            snap.txid
        );
    }
    pager.ensure_capacity(snap.hwm)?;
    // The overlay holds the latest content of every page logged in this generation, which the
    // writer may use as delta bases.
    let logged = replay.pages.keys().copied().collect();
    pager.overlay_insert(replay.pages.into_iter().collect());
    let wal = Wal::new(
        wal_file,
        page_size,
        meta.seq,
        replay.end,
        opts.checkpoint_wal_bytes,
        logged,
        replay.deltas_allowed,
    );
    if !opts.read_only {
        if replay.end <= WAL_HEADER_LEN && snap.txid == meta.txid {
            wal.reset(meta.seq)?;
        } else {
            wal.truncate_to(replay.end)?;
        }
    }
    Ok(Shared::new(SharedParts {
        path: path.to_path_buf(),
        options: opts.clone(),
        read_only: opts.read_only,
        durability: opts.durability,
        checkpoint_wal_bytes: opts.checkpoint_wal_bytes,
        pager,
        wal: Arc::new(wal),
        snapshot: snap,
        free_pages: alloc.free_count(),
        writer: (!opts.read_only).then_some(WriterState {
            alloc,
            meta,
            freelist_chain: chain,
            spare: DirtySet::default(),
        }),
    }))
}

/// A direct commit's pages were synced into the main file before its record: each must lie
/// inside the file and below the commit's high-water mark.
fn check_direct(info: &crate::storage::wal::CommitInfo, file_pages: u64) -> Result<()> {
    let end = info.hwm.min(file_pages);
    match info
        .direct
        .iter()
        .find(|&&p| p < FIRST_DATA_PAGE || p >= end)
    {
        Some(p) => Err(Error::corruption(format!(
            "WAL commit of txid {} names direct page {p}, outside the file's data pages \
             (the file has {file_pages} pages, the commit's high-water mark is {})",
            info.txid, info.hwm
        ))),
        None => Ok(()),
    }
}

fn read_only_without_wal(
    path: &Path,
    pager: Pager,
    meta: Meta,
    alloc: Allocator,
    opts: &Options,
) -> Result<Shared> {
    let page_size = pager.page_size() as u32;
    let wal = Wal::new(
        Box::new(NoWal),
        page_size,
        meta.seq,
        0,
        0,
        Default::default(),
        false,
    );
    Ok(Shared::new(SharedParts {
        path: path.to_path_buf(),
        options: opts.clone(),
        read_only: true,
        durability: opts.durability,
        checkpoint_wal_bytes: opts.checkpoint_wal_bytes,
        pager,
        wal: Arc::new(wal),
        snapshot: Snapshot {
            txid: meta.txid,
            catalog_root: meta.catalog_root,
            hwm: meta.hwm,
        },
        free_pages: alloc.free_count(),
        writer: None,
    }))
}

/// Stands in for a WAL that does not exist (read-only open of a cleanly closed database).
struct NoWal;

impl VfsFile for NoWal {
    fn read_at(&self, _: &mut [u8], _: u64) -> io::Result<()> {
        Err(io::ErrorKind::UnexpectedEof.into())
    }
    fn write_at(&self, _: &[u8], _: u64) -> io::Result<()> {
        Err(io::Error::other("no WAL in a read-only database"))
    }
    fn sync(&self) -> io::Result<()> {
        Ok(())
    }
    fn len(&self) -> io::Result<u64> {
        Ok(0)
    }
    fn set_len(&self, _: u64) -> io::Result<()> {
        Err(io::Error::other("no WAL in a read-only database"))
    }
    fn try_lock(&self, _: LockMode) -> io::Result<bool> {
        Ok(true)
    }
}

/// In relaxed mode, syncs the WAL every `interval` while there is something to sync. The thread
/// holds the WAL, never the database, so dropping the database never waits for it to let go of
/// the file lock; the database stops and joins it when dropped.
fn start_flusher(wal: Arc<Wal>, interval: std::time::Duration) -> Option<Flusher> {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let spawned = std::thread::Builder::new()
        .name("treestore-wal-sync".into())
        .spawn(move || loop {
            std::thread::park_timeout(interval);
            if flag.load(std::sync::atomic::Ordering::Acquire) {
                return;
            }
            // A failed sync sticks in the WAL: every later commit reports it.
            if wal.has_unsynced() {
                if let Err(e) = wal.sync_to(wal.len()) {
                    log::error!(target: "treestore", "the WAL sync thread stops: {e}");
                    return;
                }
            }
        });
    // Without the thread, relaxed commits still reach disk at each checkpoint and at close.
    spawned.ok().map(|handle| Flusher { stop, handle })
}
