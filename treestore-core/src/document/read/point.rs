//! Point reads (one node by id, with its text): the record and the text's first chunk read
//! straight from the leaf slots where an earlier point read of the same node in this snapshot
//! found them ([`Resolved::slots`]), else found by lookups that leave those slots for the next
//! read.
//!
//! A lookup on a big database is a chain of misses: the page above the leaf, the leaf, the entry,
//! then the same again for the text, whose key comes from the record. From remembered slots both
//! pages are asked for at once and no page above them is read. An address is checked before use
//! (the slot must hold the very key: `ReadOps::value_at_slot`) and only read transactions keep
//! them, in their snapshot's memos, so a wrong one costs the lookup, never a wrong answer.

use std::borrow::Cow;

use super::DocReader;
use crate::btree::{Bytes, LeafSlot};
use crate::db::ReadOps;
use crate::document::record::{decode_node_id_bytes, node_key};
use crate::document::text::{self, StoredText};
use crate::error::Result;
use crate::version::read::{Resolved, NODES_HINT, RECORD_SLOT, TEXT_HINT, TEXT_SLOT};

#[cfg(test)]
thread_local! {
    /// Entries this thread's point reads took from remembered slots (tests).
    pub(super) static SLOT_READS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts an entry read from its remembered slot (tests).
fn count_slot_read() {
    #[cfg(test)]
    SLOT_READS.with(|n| n.set(n.get() + 1));
}

/// A point read's record.
pub(super) struct Point<'t> {
    pos: u32,
    pub record: Bytes<'t>,
    /// The leaf a lookup found the record in (its slot is remembered for the next read); `None`
    /// when it was read from its remembered slot.
    found_in: Option<u64>,
    /// Where the record's text was last found, if known.
    text_at: Option<LeafSlot>,
}

impl<'t, R: ReadOps + ?Sized> DocReader<'t, R> {
    /// The record of `node_id` in version `r`, from its remembered slot when there is one, else
    /// by [`Self::locate_point`].
    pub(super) fn point(&self, r: &Resolved, policy: &str, node_id: &str) -> Result<Point<'t>> {
        if let Some(p) = self.point_from_slots(r, node_id)? {
            return Ok(p);
        }
        let (pos, record, leaf) = self.locate_point(r, policy, node_id)?;
        Ok(Point {
            pos,
            record,
            found_in: leaf,
            text_at: None,
        })
    }

    /// The record of `node_id` from the slot an earlier point read found it in, asking for its
    /// text's page at the same time; `None` when no slot is known or it no longer holds it.
    fn point_from_slots(&self, r: &Resolved, node_id: &str) -> Result<Option<Point<'t>>> {
        let Some(pos) = r.id_hint.as_ref().and_then(|h| h.guess(node_id)) else {
            return Ok(None);
        };
        let Some(at) = r.slots.get(pos, RECORD_SLOT) else {
            return Ok(None);
        };
        let text_at = r.slots.get(pos, TEXT_SLOT);
        let tx = self.tx();
        tx.prefetch_page(at.page);
        if let Some(t) = text_at {
            tx.prefetch_page(t.page);
        }
        let t = self.nodes.get(tx)?;
        let record = {
            let mut kb = self.keys.borrow_mut();
            tx.value_at_slot(t, at, node_key(&mut kb, r.vid, pos))
        };
        // The position is the id hint's guess: the record there must be the node asked for.
        Ok(match record {
            Some(record) if decode_node_id_bytes(&record)? == node_id.as_bytes() => {
                count_slot_read();
                Some(Point {
                    pos,
                    record,
                    found_in: None,
                    text_at,
                })
            }
            _ => None,
        })
    }

    /// The position, stored record and leaf of `node_id` for a point read (one node, with its
    /// text next): first asks for the pages the last point reads of `r` passed above their
    /// record's and their text's leaf ([`Resolved::hints`]), so both arrive while this lookup
    /// descends, which starts at the record's one when it holds the key
    /// ([`ReadOps::start_near`]); then leaves its own record's one in the hints.
    pub(super) fn locate_point(
        &self,
        r: &Resolved,
        policy: &str,
        node_id: &str,
    ) -> Result<(u32, Bytes<'t>, Option<u64>)> {
        for hint in [NODES_HINT, TEXT_HINT] {
            match r.hints.get(hint) {
                0 => {}
                page => self.tx().prefetch_page(page),
            }
        }
        let mut fingers = self.fingers_near(r)?;
        let (pos, v) = self.locate_or_not_found(r, policy, node_id, Some(&mut fingers))?;
        r.hints.set(NODES_HINT, fingers.records.above_leaf());
        Ok((pos, v, fingers.records.last_page()))
    }

    /// `f` of the stored text `s` of the point read `p`: from the slots its first chunk was last
    /// found at when they still hold all of it, else by lookups from the version's text hint
    /// page; then remembers where `p`'s record and text were found.
    pub(super) fn point_text<T>(
        &self,
        r: &Resolved,
        policy: &str,
        p: &Point<'t>,
        s: &StoredText,
        f: impl FnOnce(Cow<'_, str>) -> Result<T>,
    ) -> Result<T> {
        let tx = self.tx();
        let t = self.texts.get(tx)?;
        // The reader's key buffer, taken for the read (so `f` may read through `self` again)
        // and given back after it: a point read allocates no key.
        let mut key = std::mem::take(&mut *self.keys.borrow_mut());
        let mut finger = tx.finger_near(t, r.hints.get(TEXT_HINT));
        let remembered = p
            .text_at
            .and_then(|at| Some((text::first_chunk_at(tx, t, s, at, &mut key)?, at)));
        let (first, at, looked_up) = match remembered {
            Some((first, at)) => {
                count_slot_read();
                (first, Some(at), false)
            }
            None => {
                let first = match text::first_chunk(tx, t, s, &mut finger, &mut key) {
                    Ok(first) => first,
                    Err(e) => {
                        *self.keys.borrow_mut() = key;
                        return Err(e);
                    }
                };
                let at = finger.last_page().and_then(|leaf| {
                    let first_key = text::chunk_key_in(&mut key, s.owner_vid, s.owner_pos, 0);
                    tx.slot_of(t, leaf, first_key).ok().flatten()
                });
                (first, at, true)
            }
        };
        let first = text::FirstChunk { body: &first, at };
        let got = text::finish_with(tx, t, s, first, &mut finger, &mut key, f);
        *self.keys.borrow_mut() = key;
        if looked_up {
            r.hints.set(TEXT_HINT, finger.above_leaf());
        }
        if looked_up || p.found_in.is_some() {
            self.remember_point(r, policy, p, at);
        }
        got
    }

    /// Remembers where a point read found `p`'s record (when a lookup found it) and its text
    /// (`text_at`), making the version's directory on its first use (sized by its node count,
    /// one `doc.heads` read). Read transactions only (a write transaction's pages change under
    /// it, and it keeps no slots); best effort: a failure only leaves the addresses unknown.
    pub(super) fn remember_point(
        &self,
        r: &Resolved,
        policy: &str,
        p: &Point<'t>,
        text_at: Option<LeafSlot>,
    ) {
        let tx = self.tx();
        if tx.snapshot_memo().is_none() || (p.found_in.is_none() && text_at.is_none()) {
            return;
        }
        if !r.slots.is_made() {
            match self.head(r, policy) {
                Ok(head) if r.slots.make(head.node_count) => {}
                _ => return,
            }
        }
        if let (Some(leaf), Ok(t)) = (p.found_in, self.nodes.get(tx)) {
            let record_at = {
                let mut kb = self.keys.borrow_mut();
                tx.slot_of(t, leaf, node_key(&mut kb, r.vid, p.pos))
            };
            if let Ok(Some(at)) = record_at {
                r.slots.remember(p.pos, RECORD_SLOT, at);
            }
        }
        if let Some(at) = text_at {
            r.slots.remember(p.pos, TEXT_SLOT, at);
        }
    }
}
