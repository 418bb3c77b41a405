//! Leaf addresses: where a lookup found its entry (a committed leaf page and a slot in it), and a
//! per-snapshot directory of them for a numbered run of keys, so that a later point read of the
//! same entry reads that slot instead of descending the tree (as InnoDB's adaptive hash index
//! skips the descent for entries it has seen). The document store keeps one per version it reads,
//! numbered by pre-order position, with the address of each node's record and of its text.
//!
//! An address is only ever a guess: [`value_at_slot`] takes the entry only when the slot holds the
//! very key asked for, so a stale, wrong or damaged address costs a lookup, never a wrong answer.
//! Addresses are kept only for read transactions, whose pages never change while they live, and
//! only inside the memos of one snapshot (see `version::resolutions`), which a commit that changes
//! the tables they point into replaces.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use once_cell::race::OnceBox;

use super::page::{page_kind, LeafPage, ValRef};
use super::view::{slice_of, NodeSource, NodeView};
use super::Bytes;
use crate::error::Result;
use crate::storage::format::PageKind;

/// A slot of a committed leaf page (an address [`crate::db::ReadOps::value_at_slot`] reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafSlot {
    pub page: u64,
    pub slot: u16,
}

impl LeafSlot {
    /// Packed in one word: 0 is "none" (page numbers past 2^47 are not kept).
    fn pack(self) -> u64 {
        if self.page >= 1 << 47 {
            return 0;
        }
        ((self.page << 16) | u64::from(self.slot)) + 1
    }

    fn unpack(word: u64) -> Option<LeafSlot> {
        let w = word.checked_sub(1)?;
        Some(LeafSlot {
            page: w >> 16,
            slot: (w & 0xFFFF) as u16,
        })
    }
}

/// The value in `at` when that slot of a committed leaf holds `key` and an inline value; `None`
/// otherwise (another kind of page, no such slot, another key, a value in overflow pages, a page
/// that fails to read: the caller's lookup then finds the entry, or says what is wrong).
pub(crate) fn value_at_slot<'a, S: NodeSource<'a>>(
    src: &S,
    at: LeafSlot,
    key: &[u8],
) -> Option<Bytes<'a>> {
    let Ok(NodeView::Page(page, no)) = src.node(at.page) else {
        return None;
    };
    if !matches!(page_kind(&page, no), Ok(PageKind::Leaf)) {
        return None;
    }
    let leaf = LeafPage::new(&page, no).ok()?;
    if usize::from(at.slot) >= leaf.len() {
        return None;
    }
    match leaf.entry(usize::from(at.slot)).ok()? {
        (k, ValRef::Inline(v)) if k == key => Some(slice_of(&page, v)),
        _ => None,
    }
}

/// Where `key` is in the committed leaf `page_no`, if it is there.
pub(crate) fn slot_of<'a, S: NodeSource<'a>>(
    src: &S,
    page_no: u64,
    key: &[u8],
) -> Result<Option<LeafSlot>> {
    let NodeView::Page(page, no) = src.node(page_no)? else {
        return Ok(None);
    };
    if page_kind(&page, no)? != PageKind::Leaf {
        return Ok(None);
    }
    let found = LeafPage::new(&page, no)?.search(key)?;
    Ok(found.ok().and_then(|i| {
        Some(LeafSlot {
            page: page_no,
            slot: u16::try_from(i).ok()?,
        })
    }))
}

/// Kinds of entries a directory keeps per number.
pub(crate) const KINDS: usize = 2;

/// Bytes all directories of the process may hold together: past it, new ones are not made (their
/// reads take the lookup, as before). 8 Mi numbers.
const BUDGET_BYTES: usize = 128 << 20;

/// Bytes the directories of the process hold now.
static HELD_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Per number `0..len`, the last known [`LeafSlot`] of each of [`KINDS`] entries, made on the
/// first [`LeafSlots::remember`] (when the budget allows). Readers of a snapshot share it:
/// addresses are atomic words, read and written without locks (two kinds of one number may come
/// from different readers' lookups; each is checked on its own when used).
///
/// One pointer wide (a `OnceBox`), so a version's resolution, which holds one, still fits the
/// cache lines it did (`version::resolutions`).
#[derive(Debug, Default)]
pub(crate) struct LeafSlots(OnceBox<Cells>);

#[derive(Debug)]
struct Cells(Box<[AtomicU64]>);

impl Drop for Cells {
    fn drop(&mut self) {
        HELD_BYTES.fetch_sub(bytes_for(self.0.len()), Ordering::Relaxed);
    }
}

fn bytes_for(words: usize) -> usize {
    words * std::mem::size_of::<AtomicU64>()
}

impl LeafSlots {
    /// The address of entry `kind` of number `n`, if one was remembered.
    #[inline]
    pub(crate) fn get(&self, n: u32, kind: usize) -> Option<LeafSlot> {
        let cells = &self.0.get()?.0;
        let word = cells
            .get(n as usize * KINDS + kind)?
            .load(Ordering::Relaxed);
        LeafSlot::unpack(word)
    }

    /// Whether the directory was made (so [`Self::remember`] keeps addresses).
    pub(crate) fn is_made(&self) -> bool {
        self.0.get().is_some()
    }

    /// Makes the directory for numbers `0..len` unless it exists or the process's directories
    /// would exceed their budget; whether it exists now.
    pub(crate) fn make(&self, len: u32) -> bool {
        if self.is_made() {
            return true;
        }
        let words = len as usize * KINDS;
        let bytes = bytes_for(words);
        let held = HELD_BYTES.fetch_add(bytes, Ordering::Relaxed);
        if held + bytes > BUDGET_BYTES {
            HELD_BYTES.fetch_sub(bytes, Ordering::Relaxed);
            return false;
        }
        let cells = Box::new(Cells((0..words).map(|_| AtomicU64::new(0)).collect()));
        // Another reader may have made it first: this one is then handed back and dropped here
        // (its bytes given back).
        drop(self.0.set(cells));
        true
    }

    /// Remembers `at` as where entry `kind` of number `n` is (numbers past the directory's length,
    /// or no directory yet: nothing).
    pub(crate) fn remember(&self, n: u32, kind: usize, at: LeafSlot) {
        let Some(cells) = self.0.get() else {
            return;
        };
        if let Some(cell) = cells.0.get(n as usize * KINDS + kind) {
            cell.store(at.pack(), Ordering::Relaxed);
        }
    }
}

/// A copy starts empty: the addresses belong to the snapshot the original was made in.
impl Clone for LeafSlots {
    fn clone(&self) -> LeafSlots {
        LeafSlots::default()
    }
}

/// Addresses take no part in equality (they change no answer).
impl PartialEq for LeafSlots {
    fn eq(&self, _: &LeafSlots) -> bool {
        true
    }
}

impl Eq for LeafSlots {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btree::Finger;
    use crate::db::{Database, Options, ReadOps};
    use crate::storage::vfs::MemVfs;

    fn key(i: u32) -> Vec<u8> {
        format!("key{i:06}").into_bytes()
    }

    /// A table of 3,000 entries (several levels) on memory.
    fn filled() -> Database {
        let db = Database::open(
            "/slots.tsdb",
            Options {
                vfs: std::sync::Arc::new(MemVfs::new()),
                ..Options::default()
            },
        )
        .unwrap();
        let mut w = db.begin_write().unwrap();
        let t = w.table("t").unwrap();
        for i in 0..3_000 {
            w.insert(t, &key(i), format!("value {i}").as_bytes())
                .unwrap();
        }
        w.commit().unwrap();
        db
    }

    #[test]
    fn a_slot_a_lookup_found_reads_its_value_and_nothing_else() {
        let db = filled();
        let tx = db.begin_read().unwrap();
        let t = tx.table("t").unwrap();
        for i in [0, 1, 1_234, 2_999] {
            let mut finger = Finger::new();
            tx.get_near(t, &key(i), &mut finger).unwrap().unwrap();
            let leaf = finger.last_page().unwrap();
            let at = tx.slot_of(t, leaf, &key(i)).unwrap().unwrap();
            assert_eq!(at.page, leaf);
            let want = format!("value {i}");
            assert_eq!(&*tx.value_at_slot(t, at, &key(i)).unwrap(), want.as_bytes());
            // Another key, a slot past the leaf's entries, the root (a branch), pages that are
            // no tree page or lie past the file: no value.
            assert!(tx.value_at_slot(t, at, &key(i + 1)).is_none());
            let past = LeafSlot {
                slot: u16::MAX,
                ..at
            };
            assert!(tx.value_at_slot(t, past, &key(i)).is_none());
            assert!(tx.slot_of(t, leaf, b"absent").unwrap().is_none());
            for page in [0, 1, 2, t_root(&tx), 1 << 40] {
                let at = LeafSlot { page, slot: 0 };
                assert!(tx.value_at_slot(t, at, &key(i)).is_none(), "page {page}");
            }
        }
        // A write transaction keeps no slots: its pages change under it.
        let w = db.begin_write().unwrap();
        let wt = w.table("t").unwrap();
        let mut finger = Finger::new();
        let leaf = {
            tx.get_near(t, &key(5), &mut finger).unwrap();
            finger.last_page().unwrap()
        };
        assert!(w.slot_of(wt, leaf, &key(5)).unwrap().is_none());
        let at = tx.slot_of(t, leaf, &key(5)).unwrap().unwrap();
        assert!(w.value_at_slot(wt, at, &key(5)).is_none());
    }

    /// The root page of table `t` in `tx` (a branch: the table has several levels).
    fn t_root(tx: &crate::db::ReadTxn) -> u64 {
        let t = tx.table("t").unwrap();
        let mut finger = Finger::new();
        tx.get_near(t, &key(0), &mut finger).unwrap();
        let root = finger.first_page().unwrap();
        assert_ne!(
            Some(root),
            finger.last_page(),
            "the table has more than one level"
        );
        root
    }

    #[test]
    fn an_address_packs_into_one_word() {
        let at = LeafSlot {
            page: 123_456,
            slot: 300,
        };
        assert_eq!(LeafSlot::unpack(at.pack()), Some(at));
        assert_eq!(LeafSlot::unpack(0), None);
        let far = LeafSlot {
            page: 1 << 47,
            slot: 1,
        };
        assert_eq!(far.pack(), 0, "a page past 2^47 is not kept");
    }

    #[test]
    fn a_directory_keeps_addresses_by_number_and_kind() {
        let d = LeafSlots::default();
        let at = LeafSlot { page: 9, slot: 2 };
        d.remember(1, 0, at);
        assert_eq!(
            d.get(1, 0),
            None,
            "nothing is kept before the directory is made"
        );
        assert!(d.make(4));
        d.remember(1, 0, at);
        d.remember(3, 1, LeafSlot { page: 7, slot: 0 });
        d.remember(4, 0, at);
        assert_eq!(d.get(1, 0), Some(at));
        assert_eq!(d.get(1, 1), None);
        assert_eq!(d.get(3, 1), Some(LeafSlot { page: 7, slot: 0 }));
        assert_eq!(d.get(4, 0), None, "numbers past the length are not kept");
        assert_eq!(d.clone().get(1, 0), None, "a copy starts empty");
    }

    #[test]
    fn directories_stay_within_the_process_budget() {
        let d = LeafSlots::default();
        let too_many = (BUDGET_BYTES / bytes_for(KINDS)) as u32 + 1;
        assert!(!d.make(too_many));
        assert!(!d.is_made());
        assert!(d.make(8));
    }
}
