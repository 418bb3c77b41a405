//! The lock-free table behind the version store's snapshot memos ([`super::resolutions`],
//! [`super::effective_memo`]): write-once slots in `SEGMENTS` segments of [`SEGMENT`] slots,
//! each segment made on first use (a snapshot read once pays for one small segment, not the whole
//! table), probed from the key's hash for at most [`PROBES`] slots. A lookup is atomic loads and
//! the caller's key compare, no lock; an entry, once in, stays for the table's life (a snapshot's
//! answer never changes); the memory is bounded (a key that finds no free slot is not kept).

use std::sync::OnceLock;

/// Slots per segment.
pub(crate) const SEGMENT: usize = 64;
/// Slots a lookup or insert probes from its hash before giving up.
const PROBES: usize = 16;

/// A segment's slots, cache-line aligned (a resolution's slot is two whole lines, which the
/// hardware's adjacent-line prefetch fetches together).
#[repr(C, align(64))]
pub(crate) struct Segment<E>(pub(crate) [OnceLock<E>; SEGMENT]);

/// See the module doc.
pub(crate) struct SlotTable<E, const SEGMENTS: usize> {
    segments: Box<[OnceLock<Box<Segment<E>>>]>,
}

impl<E, const SEGMENTS: usize> Default for SlotTable<E, SEGMENTS> {
    fn default() -> Self {
        SlotTable {
            segments: (0..SEGMENTS).map(|_| OnceLock::new()).collect(),
        }
    }
}

impl<E, const SEGMENTS: usize> SlotTable<E, SEGMENTS> {
    /// Entries the table keeps at most.
    pub(crate) const SLOTS: usize = SEGMENT * SEGMENTS;

    /// The slots a key of hash `hash` may be in, in probe order.
    fn probe(hash: usize) -> impl Iterator<Item = (usize, usize)> {
        (0..PROBES).map(move |i| {
            let slot = hash.wrapping_add(i) % Self::SLOTS;
            (slot / SEGMENT, slot % SEGMENT)
        })
    }

    /// The entry of hash `hash` for which `is` holds, if kept.
    pub(crate) fn get(&self, hash: usize, is: impl Fn(&E) -> bool) -> Option<&E> {
        for (seg, i) in Self::probe(hash) {
            // Slots fill in probe order and are never emptied: an empty slot (or segment) ends
            // the search.
            let e = self.segments[seg].get()?.0[i].get()?;
            if is(e) {
                return Some(e);
            }
        }
        None
    }

    /// Keeps `make()`'s entry under hash `hash` in the first free probed slot, unless a probed
    /// slot holds one for which `is` holds already (another reader's of the same key); the entry
    /// now kept for the key, `None` when every probed slot holds another key's.
    pub(crate) fn insert(
        &self,
        hash: usize,
        mut make: impl FnMut() -> E,
        is: impl Fn(&E) -> bool,
    ) -> Option<&E> {
        for (seg, i) in Self::probe(hash) {
            let slot = &self.segments[seg]
                .get_or_init(|| Box::new(Segment(std::array::from_fn(|_| OnceLock::new()))))
                .0[i];
            let e = slot.get_or_init(&mut make);
            if is(e) {
                return Some(e);
            }
        }
        None
    }
}
