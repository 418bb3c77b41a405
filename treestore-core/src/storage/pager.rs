//! Page access for every transaction: committed pages not yet checkpointed live in the in-memory
//! overlay (rebuilt from the WAL on open); all others are read from a read-only memory map of the main
//! file (or with positioned reads when the file system offers no map). Writes to the main file happen
//! only at checkpoint, with positioned writes, never through the map.
//!
//! Invariants that make the borrowed page slices sound:
//! - A page reachable from a reader's snapshot is never rewritten while that reader lives: copy-on-write
//!   writes only to pages no live snapshot can reach (the allocator's pending list holds freed pages
//!   back until every older reader is gone).
//! - Every mapping ever made lives until the pager is dropped; the file is never truncated while open.
//! - Only pages below `file_pages` (the file's length) are read through a map, so no read faults past
//!   the end of the file.
//!
//!
//! Readers look pages up in the overlay without a lock and never wait for the writer changing it
//! (see [`super::overlay`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use memmap2::{Mmap, MmapOptions};
use parking_lot::RwLock;

use super::format::{verify_page, FIRST_DATA_PAGE};
use super::overlay::Overlay;
use super::vfs::VfsFile;
use crate::error::{Error, Result};

mod runs;

const VERIFIED: u8 = 1;
const IN_OVERLAY: u8 = 2;
const MAP_RESERVE_BYTES: u64 = 256 << 20;
const NO_MAP_RESERVE_PAGES: u64 = 1024;

/// A page as a transaction sees it.
pub(crate) enum PageRef<'a> {
    /// Inside a memory map that outlives the borrow.
    Mapped(&'a [u8]),
    /// Owned by the overlay (or read into memory), shared by reference count.
    Shared(Arc<[u8]>),
}

impl std::ops::Deref for PageRef<'_> {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            PageRef::Mapped(s) => s,
            PageRef::Shared(a) => a,
        }
    }
}

/// Bits of flags per page ([`VERIFIED`] and [`IN_OVERLAY`]).
const FLAG_BITS: u64 = 2;
/// Pages whose flags share one word.
const PAGES_PER_WORD: u64 = 64 / FLAG_BITS;

/// Bytes of a page [`Pager::prefetch_page`] asks for: a branch page's header and slot array.
const HINT_BYTES: usize = 2048;

/// One memory map (or none, for file systems without maps) and per-page flags.
pub(crate) struct MapState {
    mmap: Option<Mmap>,
    capacity_pages: u64,
    /// Two bits per page, 32 pages a word: every page visit reads its flags, and at a byte a page
    /// the array of a 3 GB file (780 KB) missed the caches on random reads; packed it is a quarter
    /// of that. Each change is one atomic read-modify-write of the page's word, so changes to
    /// neighbouring pages' flags do not interfere.
    flags: Box<[AtomicU64]>,
}

impl MapState {
    /// The word holding `page`'s flags and their shift inside it (`None` past the capacity).
    #[inline]
    fn slot(&self, page: u64) -> Option<(&AtomicU64, u32)> {
        if page >= self.capacity_pages {
            return None;
        }
        let word = self
            .flags
            .get(usize::try_from(page / PAGES_PER_WORD).ok()?)?;
        Some((word, ((page % PAGES_PER_WORD) * FLAG_BITS) as u32))
    }

    #[inline]
    fn flag(&self, page: u64) -> u8 {
        match self.slot(page) {
            Some((w, shift)) => ((w.load(Ordering::Acquire) >> shift) & 3) as u8,
            None => IN_OVERLAY,
        }
    }

    fn set_flag(&self, page: u64, bit: u8) {
        if let Some((w, shift)) = self.slot(page) {
            w.fetch_or(u64::from(bit) << shift, Ordering::Release);
        }
    }

    fn clear_flag(&self, page: u64, bit: u8) {
        if let Some((w, shift)) = self.slot(page) {
            w.fetch_and(!(u64::from(bit) << shift), Ordering::Release);
        }
    }
}

/// The page cache layer over the main file.
pub(crate) struct Pager {
    file: Box<dyn VfsFile>,
    page_size: usize,
    maps: RwLock<Vec<Arc<MapState>>>,
    overlay: Overlay,
    file_pages: AtomicU64,
}

impl Pager {
    pub(crate) fn new(file: Box<dyn VfsFile>, page_size: u32) -> Result<Pager> {
        let len = file
            .len()
            .map_err(|e| Error::io("reading the file length", e))?;
        let file_pages = len / page_size as u64;
        let pager = Pager {
            file,
            page_size: page_size as usize,
            maps: RwLock::new(Vec::new()),
            overlay: Overlay::new(),
            file_pages: AtomicU64::new(file_pages),
        };
        let first = pager.make_map(file_pages, None)?;
        pager.maps.write().push(Arc::new(first));
        Ok(pager)
    }

    pub(crate) fn page_size(&self) -> usize {
        self.page_size
    }

    pub(crate) fn file(&self) -> &dyn VfsFile {
        &*self.file
    }

    /// The newest map, for a transaction to hold.
    pub(crate) fn current_map(&self) -> Arc<MapState> {
        self.maps
            .read()
            .last()
            .cloned()
            .expect("pager always has a map")
    }

    fn make_map(&self, min_pages: u64, previous: Option<&MapState>) -> Result<MapState> {
        let ps = self.page_size as u64;
        let (mmap, capacity_pages) = match self.file.as_os_file() {
            Some(file) => {
                let cap = (min_pages * 2).max(MAP_RESERVE_BYTES / ps);
                let len = usize::try_from(cap * ps)
                    .map_err(|_| Error::invalid("database too large for this address space"))?;
                // SAFETY: the map is read-only and the database holds the file lock, so no other
                // TreeStore process writes the file. This process writes only pages no live
                // snapshot can reach (see the module invariants), and reads only pages below the
                // file length, so no access faults past the end of the file.
                let mmap = unsafe { MmapOptions::new().len(len).map(file) }
                    .map_err(|e| Error::io("memory-mapping the database file", e))?;
                (Some(mmap), cap)
            }
            None => (None, (min_pages * 2).max(NO_MAP_RESERVE_PAGES)),
        };
        // Each page's flags carry over (a page past the previous map's capacity counts as in the
        // overlay there, and so here).
        let flags: Box<[AtomicU64]> = (0..capacity_pages.div_ceil(PAGES_PER_WORD))
            .map(|w| {
                let first = w * PAGES_PER_WORD;
                let word = (0..PAGES_PER_WORD.min(capacity_pages - first)).fold(0, |word, i| {
                    let flag = previous.map_or(0, |m| m.flag(first + i));
                    word | u64::from(flag) << (i * FLAG_BITS)
                });
                AtomicU64::new(word)
            })
            .collect();
        Ok(MapState {
            mmap,
            capacity_pages,
            flags,
        })
    }

    /// Makes sure the newest map covers pages `[0, pages)`. Writer only.
    pub(crate) fn ensure_capacity(&self, pages: u64) -> Result<()> {
        let current = self.current_map();
        if pages <= current.capacity_pages {
            return Ok(());
        }
        let next = self.make_map(pages, Some(&current))?;
        self.maps.write().push(Arc::new(next));
        Ok(())
    }

    fn latest_map(&self) -> &MapState {
        let latest = self.current_map();
        let ptr: *const MapState = &*latest;
        // SAFETY: `maps` only grows and keeps every Arc until the pager drops, so the MapState
        // behind `ptr` lives at least as long as `&'a self`.
        unsafe { &*ptr }
    }

    /// Reads page `page_no` as seen by a transaction holding `map`.
    pub(crate) fn page<'a>(&'a self, map: &'a MapState, page_no: u64) -> Result<PageRef<'a>> {
        // One read of the page's flags serves both questions below (the map this transaction
        // holds covers the page in the common case).
        let flags = map.flag(page_no);
        if flags & IN_OVERLAY != 0 {
            if let Some(page) = self.overlay.get(page_no) {
                return Ok(PageRef::Shared(page));
            }
        }
        if page_no < FIRST_DATA_PAGE || page_no >= self.file_pages.load(Ordering::Acquire) {
            return Err(Error::corruption(format!(
                "page pointer {page_no} is outside the file's data pages"
            )));
        }
        let (map, flags) = if page_no < map.capacity_pages {
            (map, flags)
        } else {
            let latest = self.latest_map();
            (latest, latest.flag(page_no))
        };
        let Some(mmap) = &map.mmap else {
            let page = self.read_page_from_file(page_no)?;
            verify_page(&page, page_no)?;
            return Ok(PageRef::Shared(page.into()));
        };
        let start = page_no as usize * self.page_size;
        let page = mmap.get(start..start + self.page_size).ok_or_else(|| {
            Error::corruption(format!("page {page_no} lies beyond the memory map"))
        })?;
        if flags & VERIFIED == 0 {
            verify_page(page, page_no)?;
            map.set_flag(page_no, VERIFIED);
        }
        Ok(PageRef::Mapped(page))
    }

    /// Asks for the first [`HINT_BYTES`] of page `page_no` in `map` to be loaded, if the map
    /// covers it (a hint: nothing is read, checked or verified).
    pub(crate) fn prefetch_page(&self, map: &MapState, page_no: u64) {
        let (Some(mmap), true) = (&map.mmap, page_no < map.capacity_pages) else {
            return;
        };
        let start = page_no as usize * self.page_size;
        if let Some(head) = mmap.get(start..start + HINT_BYTES.min(self.page_size)) {
            crate::btree::prefetch(head);
        }
    }

    /// Reads and verifies a page from the overlay or the file, bypassing the map and its
    /// verification cache (integrity check).
    pub(crate) fn page_fresh(&self, page_no: u64) -> Result<Vec<u8>> {
        if let Some(page) = self.overlay.get(page_no) {
            verify_page(&page, page_no)?;
            return Ok(page.to_vec());
        }
        if page_no < FIRST_DATA_PAGE || page_no >= self.file_pages() {
            return Err(Error::corruption(format!(
                "page pointer {page_no} is outside the file's data pages"
            )));
        }
        let page = self.read_page_from_file(page_no)?;
        verify_page(&page, page_no)?;
        Ok(page)
    }

    /// Reads a page straight from the file, unverified (header, meta and recovery reads).
    pub(crate) fn read_page_from_file(&self, page_no: u64) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; self.page_size];
        self.file
            .read_at(&mut buf, page_no * self.page_size as u64)
            .map_err(|e| Error::io(format!("reading page {page_no}"), e))?;
        Ok(buf)
    }

    /// Publishes committed pages to readers. Writer only, before the snapshot that reaches them.
    pub(crate) fn overlay_insert(&self, pages: Vec<(u64, Arc<[u8]>)>) {
        self.overlay.change(|m| {
            for (page_no, page) in &pages {
                m.insert(*page_no, page.clone());
            }
        });
        let map = self.current_map();
        for (page_no, _) in &pages {
            map.set_flag(*page_no, IN_OVERLAY);
        }
    }

    /// The overlay's copy of `page_no` (the latest committed content of a page logged since the
    /// last checkpoint), if it holds one.
    pub(crate) fn overlay_page(&self, page_no: u64) -> Option<Arc<[u8]>> {
        self.overlay.get(page_no)
    }

    /// Drops overlay copies of pages that became free (no snapshot reaches them).
    pub(crate) fn overlay_forget(&self, pages: &[u64]) {
        self.overlay.change(|m| {
            for page_no in pages {
                m.remove(page_no);
            }
        });
        let map = self.current_map();
        for page_no in pages {
            map.clear_flag(*page_no, IN_OVERLAY);
        }
    }

    /// The overlay's pages, sorted, for a checkpoint to write.
    pub(crate) fn overlay_pages(&self) -> Vec<(u64, Arc<[u8]>)> {
        let mut pages: Vec<_> = self
            .overlay
            .read(|m| m.iter().map(|(p, b)| (*p, b.clone())).collect());
        pages.sort_unstable_by_key(|(p, _)| *p);
        pages
    }

    pub(crate) fn overlay_len(&self) -> usize {
        self.overlay.len()
    }

    /// After a checkpoint made `pages` durable in the main file: readers go to the file for them
    /// (the same bytes, so a reader may still find one in the overlay meanwhile), and verify them
    /// there again on first use. A page committed again since `pages` was taken stays.
    pub(crate) fn overlay_retire(&self, pages: &[(u64, Arc<[u8]>)]) {
        let mut retired = Vec::with_capacity(pages.len());
        self.overlay.change(|m| {
            retired.clear();
            for (page_no, page) in pages {
                if m.get(page_no).is_some_and(|cur| Arc::ptr_eq(cur, page)) {
                    m.remove(page_no);
                    retired.push(*page_no);
                }
            }
        });
        let map = self.current_map();
        for page_no in retired {
            map.clear_flag(page_no, IN_OVERLAY | VERIFIED);
        }
    }

    /// After a commit wrote `pages` straight into the main file: any overlay copy of those page
    /// numbers is stale (no snapshot reaches them), and the map verifies their new contents on
    /// first use.
    pub(crate) fn written_direct(&self, pages: &[u64]) {
        self.overlay.change(|m| {
            for page_no in pages {
                m.remove(page_no);
            }
        });
        let map = self.current_map();
        for page_no in pages {
            map.clear_flag(*page_no, IN_OVERLAY | VERIFIED);
        }
    }

    /// Grows the file to hold `pages` pages (never shrinks it: a reader may map any page).
    pub(crate) fn grow_file(&self, pages: u64) -> Result<()> {
        if pages <= self.file_pages.load(Ordering::Acquire) {
            return Ok(());
        }
        let len = pages * self.page_size as u64;
        self.file
            .set_len(len)
            .map_err(|e| Error::io(format!("growing the file to {len} bytes"), e))?;
        self.ensure_capacity(pages)?;
        self.file_pages.store(pages, Ordering::Release);
        Ok(())
    }

    /// Cuts the file to `pages` pages and syncs it. Only for the last close: no reader may hold a
    /// page at or above `pages` (the map keeps covering them; nothing reads them again).
    pub(crate) fn truncate_file(&self, pages: u64) -> Result<()> {
        let len = pages * self.page_size as u64;
        self.file
            .set_len(len)
            .map_err(|e| Error::io(format!("cutting the file to {len} bytes"), e))?;
        self.file_pages.store(pages, Ordering::Release);
        self.sync()
    }

    pub(crate) fn file_pages(&self) -> u64 {
        self.file_pages.load(Ordering::Acquire)
    }

    /// Writes one page to the main file (checkpoint, creation).
    pub(crate) fn write_page(&self, page_no: u64, page: &[u8]) -> Result<()> {
        self.file
            .write_at(page, page_no * self.page_size as u64)
            .map_err(|e| Error::io(format!("writing page {page_no}"), e))
    }

    /// Writes `pages` (ascending page numbers, each a whole page) through a [`runs::RunWriter`] ([`Pager::write_runs`], inline).
    pub(crate) fn write_pages<'p>(
        &self,
        pages: impl IntoIterator<Item = (u64, &'p [u8])>,
    ) -> Result<()> {
        self.write_runs(false, |w| {
            for (page_no, page) in pages {
                w.page(page_no)?.copy_from_slice(page);
            }
            Ok(())
        })
    }

    pub(crate) fn sync(&self) -> Result<()> {
        self.file
            .sync()
            .map_err(|e| Error::io("syncing the database file", e))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::storage::format::{init_page_header, seal_page, PageKind};
    use crate::storage::vfs::{MemVfs, OpenOptions, Vfs};

    const PS: usize = 4096;
    const BATCH: usize = 100;

    fn page(page_no: u64) -> Arc<[u8]> {
        let mut p = vec![0u8; PS];
        init_page_header(&mut p, PageKind::Leaf, 0, page_no);
        seal_page(&mut p);
        p.into()
    }

    /// A pager over a new file in memory.
    fn mem_pager() -> Pager {
        let opts = OpenOptions {
            create: true,
            read_only: false,
        };
        let file = MemVfs::new().open(Path::new("db"), opts).unwrap();
        Pager::new(file, PS as u32).unwrap()
    }

    #[test]
    fn prefetching_any_page_number_is_harmless() {
        let pager = mem_pager();
        pager.overlay_insert(vec![(FIRST_DATA_PAGE, page(FIRST_DATA_PAGE))]);
        let map = pager.current_map();
        for p in [
            0,
            1,
            FIRST_DATA_PAGE,
            FIRST_DATA_PAGE + 1,
            1 << 40,
            u64::MAX,
        ] {
            pager.prefetch_page(&map, p);
        }
        assert_eq!(
            &*pager.page(&map, FIRST_DATA_PAGE).unwrap(),
            &*page(FIRST_DATA_PAGE)
        );
    }

    #[test]
    fn overlay_changes_reach_readers_and_the_flags() {
        let pager = mem_pager();
        let n = 3 * BATCH as u64 + 5;
        let pages: Vec<_> = (0..n)
            .map(|i| (FIRST_DATA_PAGE + i, page(FIRST_DATA_PAGE + i)))
            .collect();
        pager.overlay_insert(pages.clone());
        assert_eq!(pager.overlay_len(), n as usize);
        let map = pager.current_map();
        for (p, bytes) in &pages {
            assert_eq!(&*pager.page(&map, *p).unwrap(), &**bytes);
        }
        let (first, rest) = pages.split_at(BATCH + 1);
        pager.overlay_retire(first);
        assert_eq!(pager.overlay_len(), rest.len());
        let forget: Vec<u64> = rest[..BATCH * 2].iter().map(|(p, _)| *p).collect();
        pager.overlay_forget(&forget);
        let direct: Vec<u64> = rest[BATCH * 2..].iter().map(|(p, _)| *p).collect();
        pager.written_direct(&direct);
        assert_eq!(pager.overlay_len(), 0);
        assert!(pages.iter().all(|(p, _)| map.flag(*p) & IN_OVERLAY == 0));
    }

    #[test]
    fn packed_flags_are_per_page_and_carry_over_to_a_grown_map() {
        let pager = mem_pager();
        let map = pager.current_map();
        let cap = map.capacity_pages;
        // Neighbours in one word and across a word boundary.
        for p in [30, 31, 32, 33] {
            assert_eq!(map.flag(p), 0);
        }
        map.set_flag(31, VERIFIED | IN_OVERLAY);
        map.set_flag(32, VERIFIED);
        map.set_flag(30, IN_OVERLAY);
        map.clear_flag(31, IN_OVERLAY);
        assert_eq!(
            [30, 31, 32, 33].map(|p| map.flag(p)),
            [IN_OVERLAY, VERIFIED, VERIFIED, 0]
        );
        // Past the capacity a page counts as in the overlay; a grown map keeps that and the rest.
        assert_eq!(map.flag(cap), IN_OVERLAY);
        pager.ensure_capacity(cap + 1).unwrap();
        let grown = pager.current_map();
        assert!(grown.capacity_pages > cap);
        assert_eq!(
            [30, 31, 32, 33].map(|p| grown.flag(p)),
            [IN_OVERLAY, VERIFIED, VERIFIED, 0]
        );
        assert_eq!(grown.flag(cap - 1), 0);
        assert_eq!(grown.flag(cap), IN_OVERLAY);
        grown.clear_flag(cap, IN_OVERLAY);
        assert_eq!(grown.flag(cap), 0);
        assert_eq!(grown.flag(grown.capacity_pages), IN_OVERLAY);
    }
}
