//! The live readers: which snapshot each read transaction holds, so the writer frees no page a live
//! snapshot can reach, and how old the oldest one is (statistics).
//!
//! A reader takes one of [`SLOTS`] fixed slots, each on its own cache line, holding its snapshot's
//! txid (plus one; zero is a free slot) and the time it began; readers past that many go into a
//! map beside them. Registration happens under the caller's lock on the published snapshot (see
//! [`super::shared`]), so a writer that takes the same lock to find the oldest snapshot sees
//! every reader registered before it. Leaving is one atomic store with release ordering, no
//! lock: the writer's acquire load that sees the slot free also sees every read the reader made,
//! and a slot still seen taken only holds pages back a little longer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Readers that get a slot; more at once go into the map (a lock on leaving).
pub(crate) const SLOTS: usize = 128;

/// One reader's slot, alone on its cache line so threads beginning and ending reads do not share
/// lines.
#[repr(align(64))]
#[derive(Default)]
struct Slot {
    /// The txid of the reader's snapshot plus one; zero: free.
    txid: AtomicU64,
    /// When the reader began, in nanoseconds since [`Registry::epoch`].
    began: AtomicU64,
}

/// Readers past the slots: id → (txid, began), and the next id to hand out.
type Overflow = (HashMap<u64, (u64, Instant)>, u64);

/// The live readers of one database. [`Self::register`], [`Self::oldest`] and [`Self::stats`]
/// must be called under one lock held by the caller (the one that guards the published snapshot);
/// [`Self::unregister`] needs none for a reader with a slot.
pub(crate) struct Registry {
    slots: Box<[Slot]>,
    /// Slots below this index have been taken at least once (scans stop there). Changed under
    /// the caller's lock only.
    used: AtomicUsize,
    /// Where the next search for a free slot starts. Changed under the caller's lock only.
    hint: AtomicUsize,
    /// Readers that found every slot taken: id → (txid, began); ids from [`SLOTS`] up.
    overflow: Mutex<Overflow>,
    epoch: Instant,
}

impl Registry {
    pub(crate) fn new() -> Registry {
        Registry {
            slots: (0..SLOTS).map(|_| Slot::default()).collect(),
            used: AtomicUsize::new(0),
            hint: AtomicUsize::new(0),
            overflow: Mutex::new((HashMap::new(), SLOTS as u64)),
            epoch: Instant::now(),
        }
    }

    /// Records a reader of snapshot `txid`; returns its id for [`Self::unregister`]. Caller holds
    /// the lock.
    pub(crate) fn register(&self, txid: u64) -> u64 {
        let hint = self.hint.load(Ordering::Relaxed);
        for probe in 0..SLOTS {
            let i = (hint + probe) % SLOTS;
            let slot = &self.slots[i];
            // Only this lock's holder takes slots, so a slot seen free stays free until stored.
            if slot.txid.load(Ordering::Relaxed) == 0 {
                let began = self.epoch.elapsed().as_nanos() as u64;
                slot.began.store(began, Ordering::Relaxed);
                slot.txid.store(txid + 1, Ordering::Release);
                self.hint.store((i + 1) % SLOTS, Ordering::Relaxed);
                self.used.fetch_max(i + 1, Ordering::Relaxed);
                return i as u64;
            }
        }
        let mut o = self.overflow.lock();
        let id = o.1;
        o.1 += 1;
        o.0.insert(id, (txid, Instant::now()));
        id
    }

    /// Forgets reader `id`; no lock for a reader with a slot.
    pub(crate) fn unregister(&self, id: u64) {
        match self.slots.get(id as usize) {
            // Release: a writer that sees the slot free sees every page read before it.
            Some(slot) => slot.txid.store(0, Ordering::Release),
            None => {
                self.overflow.lock().0.remove(&id);
            }
        }
    }

    fn used(&self) -> &[Slot] {
        &self.slots[..self.used.load(Ordering::Relaxed)]
    }

    /// The oldest snapshot a live reader holds, if any. Caller holds the lock.
    pub(crate) fn oldest(&self) -> Option<u64> {
        let slots = self
            .used()
            .iter()
            .map(|s| s.txid.load(Ordering::Acquire))
            .filter(|&t| t != 0)
            .map(|t| t - 1)
            .min();
        let overflow = self.overflow.lock().0.values().map(|(t, _)| *t).min();
        slots.into_iter().chain(overflow).min()
    }

    /// The number of live readers and the age of the oldest. Caller holds the lock.
    pub(crate) fn stats(&self) -> (usize, Option<Duration>) {
        let now = self.epoch.elapsed().as_nanos() as u64;
        let (mut live, mut oldest) = {
            let o = self.overflow.lock();
            (o.0.len(), o.0.values().map(|(_, at)| at.elapsed()).max())
        };
        for s in self.used() {
            if s.txid.load(Ordering::Acquire) != 0 {
                live += 1;
                let age = Duration::from_nanos(now.saturating_sub(s.began.load(Ordering::Relaxed)));
                oldest = oldest.max(Some(age));
            }
        }
        (live, oldest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_and_the_oldest_is_the_smallest_live_txid() {
        let r = Registry::new();
        assert_eq!(r.oldest(), None);
        let a = r.register(5);
        let b = r.register(3);
        let c = r.register(7);
        assert_eq!(r.oldest(), Some(3));
        assert_eq!(r.stats().0, 3);
        r.unregister(b);
        assert_eq!(r.oldest(), Some(5));
        r.unregister(a);
        assert_eq!(r.oldest(), Some(7));
        r.unregister(c);
        assert_eq!(r.oldest(), None);
        assert_eq!(r.stats(), (0, None));
        // Snapshot 0 (a fresh database) is a live reader too.
        let z = r.register(0);
        assert_eq!(r.oldest(), Some(0));
        r.unregister(z);
        assert!(r.used.load(Ordering::Relaxed) <= 4);
    }

    #[test]
    fn readers_past_the_slots_go_to_the_overflow_map() {
        let r = Registry::new();
        let ids: Vec<u64> = (0..SLOTS as u64 + 3).map(|i| r.register(100 + i)).collect();
        assert_eq!(r.overflow.lock().0.len(), 3);
        assert_eq!(r.stats().0, SLOTS + 3);
        // The oldest in a slot, then in the map.
        assert_eq!(r.oldest(), Some(100));
        for &id in &ids[..SLOTS] {
            r.unregister(id);
        }
        assert_eq!(r.oldest(), Some(100 + SLOTS as u64));
        for &id in &ids[SLOTS..] {
            r.unregister(id);
        }
        assert_eq!(r.oldest(), None);
        // A freed slot is taken again before the map.
        r.register(1);
        assert!(r.overflow.lock().0.is_empty());
    }

    #[test]
    fn the_oldest_age_is_the_earliest_reader() {
        let r = Registry::new();
        let a = r.register(1);
        std::thread::sleep(Duration::from_millis(20));
        r.register(2);
        let (live, age) = r.stats();
        assert_eq!(live, 2);
        assert!(age.unwrap() >= Duration::from_millis(20));
        r.unregister(a);
        assert!(r.stats().1.unwrap() < Duration::from_millis(20));
    }
}
