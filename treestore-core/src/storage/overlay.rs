//! The overlay's page map (committed pages not yet checkpointed, by page number), which readers
//! look pages up in without ever waiting for the writer.
//!
//! It keeps two copies of the map (the left-right scheme). Readers use the active copy and
//! announce themselves on that copy's counter; the writer changes the inactive copy, makes it the
//! active one, waits until no reader is left on the old one, and makes the same change there. So
//! a reader takes no lock and never waits, however long the writer takes or wherever the scheduler
//! stops it; only the writer waits (for readers, each inside one hash lookup). The pages are
//! shared by reference count, so the second copy costs one pointer per page.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::hash::FxHashMap;

/// Page number to page image.
pub(crate) type PageMap = FxHashMap<u64, Arc<[u8]>>;

pub(crate) struct Overlay {
    maps: [UnsafeCell<PageMap>; 2],
    /// The copy readers use.
    active: AtomicUsize,
    /// Readers inside each copy.
    readers: [AtomicUsize; 2],
    /// Serializes changes (commits, checkpoints, recovery); readers never take it.
    writer: Mutex<()>,
}

// SAFETY: a copy is read only by readers counted on it, and changed only by the one writer
// (`writer` held) while it is inactive and its count is zero; see `read` and `change`. The maps
// hold `Arc<[u8]>`, which is Send and Sync.
unsafe impl Sync for Overlay {}
// SAFETY: as above; the struct owns its maps.
unsafe impl Send for Overlay {}

impl Overlay {
    pub(crate) fn new() -> Overlay {
        Overlay {
            maps: [
                UnsafeCell::new(PageMap::default()),
                UnsafeCell::new(PageMap::default()),
            ],
            active: AtomicUsize::new(0),
            readers: [AtomicUsize::new(0), AtomicUsize::new(0)],
            writer: Mutex::new(()),
        }
    }

    /// Runs `f` on the active copy, without waiting.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&PageMap) -> T) -> T {
        let side = loop {
            let side = self.active.load(SeqCst);
            self.readers[side].fetch_add(1, SeqCst);
            // The writer changes a copy only after making the other one active and then seeing
            // no reader on it: a reader that counted itself here and still sees `side` active
            // is seen by that wait; one that sees a switch leaves and takes the new copy.
            if self.active.load(SeqCst) == side {
                break side;
            }
            self.readers[side].fetch_sub(1, SeqCst);
        };
        // SAFETY: this reader is counted on `side` and saw it active after counting itself, so
        // the writer will not change it until the count drops (see `change`).
        let out = f(unsafe { &*self.maps[side].get() });
        self.readers[side].fetch_sub(1, SeqCst);
        out
    }

    /// The page `page_no`, if the overlay holds it.
    pub(crate) fn get(&self, page_no: u64) -> Option<Arc<[u8]>> {
        self.read(|m| m.get(&page_no).cloned())
    }

    pub(crate) fn len(&self) -> usize {
        self.read(PageMap::len)
    }

    /// Makes the change `f` to both copies, one at a time, neither while a reader is in it. `f`
    /// runs twice and must make the same change each time.
    pub(crate) fn change(&self, mut f: impl FnMut(&mut PageMap)) {
        let _writer = self.writer.lock();
        let old = self.active.load(SeqCst);
        let next = 1 - old;
        for side in [next, old] {
            if side == old {
                self.active.store(next, SeqCst);
            }
            // Readers still counted on `side` came in before it stopped being active (or, for
            // `next`, before the last change switched away from it); they finish one lookup.
            while self.readers[side].load(SeqCst) != 0 {
                std::thread::yield_now();
            }
            // SAFETY: `side` is not active and no reader is counted on it; a reader that counts
            // itself now sees another copy active and leaves without reading (see `read`). The
            // writer lock makes this the only change under way.
            f(unsafe { &mut *self.maps[side].get() });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;

    fn page(v: u8) -> Arc<[u8]> {
        vec![v; 8].into()
    }

    #[test]
    fn changes_reach_both_copies() {
        let o = Overlay::new();
        o.change(|m| {
            m.insert(1, page(1));
            m.insert(2, page(2));
        });
        o.change(|m| {
            m.remove(&1);
        });
        for _ in 0..3 {
            // Each change switches the active copy; both must agree.
            assert_eq!(o.get(1), None);
            assert_eq!(o.get(2).as_deref(), Some(&[2u8; 8][..]));
            assert_eq!(o.len(), 1);
            o.change(|_| {});
        }
    }

    #[test]
    fn a_reader_never_waits_for_a_change_under_way() {
        let o = Overlay::new();
        o.change(|m| {
            m.insert(7, page(7));
        });
        let (inside, release) = (AtomicBool::new(false), AtomicBool::new(false));
        std::thread::scope(|s| {
            // A writer stopped in the middle of a change (the scheduler took its core, say).
            s.spawn(|| {
                let mut first = true;
                o.change(|m| {
                    if first {
                        first = false;
                        inside.store(true, SeqCst);
                        while !release.load(SeqCst) {
                            std::thread::yield_now();
                        }
                    }
                    m.insert(8, page(8));
                });
            });
            while !inside.load(SeqCst) {
                std::thread::yield_now();
            }
            // Readers are served from the other copy meanwhile, as it was before the change.
            for _ in 0..1000 {
                assert_eq!(o.get(7).as_deref(), Some(&[7u8; 8][..]));
                assert_eq!(o.get(8), None);
            }
            release.store(true, SeqCst);
        });
        assert_eq!(o.get(8).as_deref(), Some(&[8u8; 8][..]));
        assert_eq!(o.len(), 2);
    }

    #[test]
    fn readers_racing_changes_see_whole_states() {
        // The writer inserts page k and removes page k - 1, so every state holds one page.
        let o = Overlay::new();
        o.change(|m| {
            m.insert(0, page(0));
        });
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    while !done.load(SeqCst) {
                        o.read(|m| assert_eq!(m.len(), 1));
                    }
                });
            }
            for k in 1..2000u64 {
                o.change(|m| {
                    m.insert(k, page(k as u8));
                    m.remove(&(k - 1));
                });
            }
            done.store(true, SeqCst);
        });
        assert!(o.get(1999).is_some());
    }
}
