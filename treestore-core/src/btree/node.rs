//! Decoded tree nodes: the form a write transaction edits in memory. A node becomes a page again only
//! at commit, so a transaction that inserts many keys into one leaf encodes it once.

use super::branch_key::BranchKey;
use super::keycmp::{cmp_keys, prefix_of};
use super::page::{ValRef, BRANCH_ENTRY_OVERHEAD, LEAF_ENTRY_OVERHEAD, OVERFLOW_REF_LEN};
use crate::storage::format::{DEFAULT_PAGE_SIZE, PAGE_HEADER_LEN};

/// Where a value that an insert replaced or a remove took lived: what freeing it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OldVal {
    Inline,
    Overflow { first: u64, len: u64 },
}

fn stored_len(val: &ValRef<'_>) -> usize {
    match val {
        ValRef::Inline(v) => v.len(),
        ValRef::Overflow { .. } => OVERFLOW_REF_LEN,
    }
}

/// Encoded size of one leaf entry, slot included.
pub(crate) fn leaf_entry_size(key: &[u8], val: &ValRef<'_>) -> usize {
    LEAF_ENTRY_OVERHEAD + key.len() + stored_len(val)
}

/// Bit of [`Slot::vlen`] marking an overflow reference (then 16 bytes: first page, length).
const SLOT_OVERFLOW: u32 = 1 << 31;

/// Where one entry's bytes are in [`Leaf::data`].
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The key's order-preserving prefix ([`prefix_of`]): most search steps compare only this.
    prefix: u64,
    key_at: u32,
    klen: u32,
    val_at: u32,
    /// Inline value length, or [`SLOT_OVERFLOW`] for an overflow reference.
    vlen: u32,
}

/// A leaf: entries sorted by key. The bytes of every key and value sit in one buffer and the
/// entries are slots into it, so decoding a page, editing and dropping a leaf cost a few
/// allocations, not two per entry. Removed and replaced bytes stay in the buffer as garbage until
/// it is half garbage.
#[derive(Debug, Clone, Default)]
pub(crate) struct Leaf {
    data: Vec<u8>,
    slots: Vec<Slot>,
    /// Encoded size of the entries (page bytes less the header).
    size: usize,
    garbage: usize,
    /// Index of the entry this leaf last took by [`Leaf::insert_at`] (none since it was loaded or
    /// emptied): an insert just after it continues a run of ascending keys.
    last_insert: Option<u32>,
}

impl Leaf {
    /// An empty leaf with room for about `bytes` of keys and values.
    pub(crate) fn with_capacity(bytes: usize, entries: usize) -> Leaf {
        Leaf {
            data: Vec::with_capacity(bytes),
            slots: Vec::with_capacity(entries),
            size: 0,
            garbage: 0,
            last_insert: None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Empties the leaf, keeping its buffers (for [`super::pool::NodePool`]).
    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.slots.clear();
        self.size = 0;
        self.garbage = 0;
        self.last_insert = None;
    }

    /// Makes room for about `bytes` of keys and values in `entries` entries.
    pub(crate) fn reserve(&mut self, bytes: usize, entries: usize) {
        self.data.reserve(bytes.saturating_sub(self.data.len()));
        self.slots.reserve(entries.saturating_sub(self.slots.len()));
    }

    /// Bytes the leaf's buffers hold allocated.
    pub(crate) fn capacity_bytes(&self) -> usize {
        self.data.capacity() + self.slots.capacity() * std::mem::size_of::<Slot>()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn slot_key(&self, s: &Slot) -> &[u8] {
        &self.data[s.key_at as usize..(s.key_at + s.klen) as usize]
    }

    fn slot_val(&self, s: &Slot) -> ValRef<'_> {
        let at = s.val_at as usize;
        if s.vlen == SLOT_OVERFLOW {
            let word = |i: usize| {
                let mut b = [0u8; 8];
                b.copy_from_slice(&self.data[at + i..at + i + 8]);
                u64::from_le_bytes(b)
            };
            ValRef::Overflow {
                first: word(0),
                len: word(8),
            }
        } else {
            ValRef::Inline(&self.data[at..at + s.vlen as usize])
        }
    }

    pub(crate) fn key(&self, i: usize) -> &[u8] {
        self.slot_key(&self.slots[i])
    }

    pub(crate) fn entry(&self, i: usize) -> (&[u8], ValRef<'_>) {
        let s = &self.slots[i];
        (self.slot_key(s), self.slot_val(s))
    }

    /// The entries in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], ValRef<'_>)> + '_ {
        self.slots
            .iter()
            .map(|s| (self.slot_key(s), self.slot_val(s)))
    }

    /// Appends value bytes to the buffer; returns (offset, slot length word).
    fn put_val(&mut self, val: &ValRef<'_>) -> (u32, u32) {
        let at = self.data.len() as u32;
        match val {
            ValRef::Inline(v) => {
                self.data.extend_from_slice(v);
                (at, v.len() as u32)
            }
            ValRef::Overflow { first, len } => {
                self.data.extend_from_slice(&first.to_le_bytes());
                self.data.extend_from_slice(&len.to_le_bytes());
                (at, SLOT_OVERFLOW)
            }
        }
    }

    /// Writes value bytes over the buffer at `at` (where at least as many bytes are garbage);
    /// returns (offset, slot length word).
    fn write_val_at(&mut self, at: u32, val: &ValRef<'_>) -> (u32, u32) {
        let start = at as usize;
        match val {
            ValRef::Inline(v) => {
                self.data[start..start + v.len()].copy_from_slice(v);
                (at, v.len() as u32)
            }
            ValRef::Overflow { first, len } => {
                self.data[start..start + 8].copy_from_slice(&first.to_le_bytes());
                self.data[start + 8..start + 16].copy_from_slice(&len.to_le_bytes());
                (at, SLOT_OVERFLOW)
            }
        }
    }

    fn make_slot(&mut self, key: &[u8], val: &ValRef<'_>) -> Slot {
        let key_at = self.data.len() as u32;
        self.data.extend_from_slice(key);
        let (val_at, vlen) = self.put_val(val);
        self.size += leaf_entry_size(key, val);
        Slot {
            prefix: prefix_of(key),
            key_at,
            klen: key.len() as u32,
            val_at,
            vlen,
        }
    }

    fn old_val(&self, s: &Slot) -> OldVal {
        match self.slot_val(s) {
            ValRef::Inline(_) => OldVal::Inline,
            ValRef::Overflow { first, len } => OldVal::Overflow { first, len },
        }
    }

    fn slot_bytes(s: &Slot) -> usize {
        s.klen as usize
            + if s.vlen == SLOT_OVERFLOW {
                OVERFLOW_REF_LEN
            } else {
                s.vlen as usize
            }
    }

    /// Appends an entry that sorts after every present one.
    pub(crate) fn push(&mut self, key: &[u8], val: ValRef<'_>) {
        let slot = self.make_slot(key, &val);
        self.slots.push(slot);
    }

    pub(crate) fn search(&self, key: &[u8]) -> Result<usize, usize> {
        let p = prefix_of(key);
        self.slots.binary_search_by(|s| match s.prefix.cmp(&p) {
            // Only a tie loads the key bytes.
            std::cmp::Ordering::Equal => cmp_keys(s.prefix, self.slot_key(s), p, key),
            other => other,
        })
    }

    pub(crate) fn insert_at(&mut self, i: usize, key: &[u8], val: ValRef<'_>) {
        let slot = self.make_slot(key, &val);
        self.slots.insert(i, slot);
        self.last_insert = u32::try_from(i).ok();
    }

    /// Whether an insert at `i` lands just after this leaf's last insert (a run of keys in order,
    /// such as a bulk load appending after a key range in the middle of the tree).
    pub(crate) fn continues_run(&self, i: usize) -> bool {
        i > 0 && self.last_insert == u32::try_from(i - 1).ok()
    }

    /// Replaces the value of entry `i`, returning where the old one lived.
    pub(crate) fn replace_at(&mut self, i: usize, val: ValRef<'_>) -> OldVal {
        let old = self.slots[i];
        let old_val = self.old_val(&old);
        let old_len = Leaf::slot_bytes(&old) - old.klen as usize;
        // Decided once: comparing offsets afterwards would mistake an append that lands where an
        // empty old value sat (at the end of the buffer) for an overwrite.
        let in_place = stored_len(&val) <= old_len;
        let (val_at, vlen) = if in_place {
            // Overwrite in place; a shorter value leaves its tail as garbage.
            self.write_val_at(old.val_at, &val)
        } else {
            self.put_val(&val)
        };
        self.slots[i].val_at = val_at;
        self.slots[i].vlen = vlen;
        self.size = self.size + stored_len(&val) - old_len;
        self.garbage += if in_place {
            old_len - stored_len(&val)
        } else {
            old_len
        };
        self.compact_if_wasteful();
        old_val
    }

    pub(crate) fn remove_at(&mut self, i: usize) -> OldVal {
        let s = self.slots.remove(i);
        let old = self.old_val(&s);
        self.size -= LEAF_ENTRY_OVERHEAD + Leaf::slot_bytes(&s);
        self.garbage += Leaf::slot_bytes(&s);
        self.compact_if_wasteful();
        old
    }

    fn compact_if_wasteful(&mut self) {
        if self.garbage > 1024 && self.garbage * 2 > self.data.len() {
            self.truncate_compact(self.slots.len());
        }
    }

    /// Keeps the entries before `at` and squeezes the garbage out of the buffer in place (no new
    /// allocation): keys and values are moved down in the order of their offsets, so each lands at
    /// or before where it was and never over bytes still to be moved (live chunks do not overlap).
    fn truncate_compact(&mut self, at: usize) {
        self.slots.truncate(at);
        // (offset, length, slot, whether the value)
        let mut chunks: Vec<(u32, u32, u32, bool)> = Vec::with_capacity(2 * at);
        for (i, s) in self.slots.iter().enumerate() {
            let vlen = Leaf::slot_bytes(s) as u32 - s.klen;
            chunks.push((s.key_at, s.klen, i as u32, false));
            chunks.push((s.val_at, vlen, i as u32, true));
        }
        chunks.sort_unstable_by_key(|c| c.0);
        let mut cursor = 0u32;
        for (from, len, i, is_val) in chunks {
            let from = from as usize;
            self.data
                .copy_within(from..from + len as usize, cursor as usize);
            let s = &mut self.slots[i as usize];
            if is_val {
                s.val_at = cursor;
            } else {
                s.key_at = cursor;
            }
            cursor += len;
        }
        self.data.truncate(cursor as usize);
        self.garbage = 0;
        self.size = self
            .slots
            .iter()
            .map(|s| LEAF_ENTRY_OVERHEAD + Leaf::slot_bytes(s))
            .sum();
    }

    /// A leaf of the entries `range`, without garbage, with room to fill a default page and
    /// overflow it once (the insert that splits it) without growing.
    fn copy_of(&self, range: std::ops::Range<usize>) -> Leaf {
        let slots = &self.slots[range];
        let bytes: usize = slots.iter().map(Leaf::slot_bytes).sum();
        let ps = DEFAULT_PAGE_SIZE as usize;
        let room = bytes.max(ps) + ps / 4;
        let mut out = Leaf::with_capacity(room, slots.len() * 2);
        for s in slots {
            let (k, v) = (self.slot_key(s), self.slot_val(s));
            out.push(k, v);
        }
        out
    }

    /// Bytes the leaf takes as a page.
    pub(crate) fn encoded_size(&self) -> usize {
        PAGE_HEADER_LEN + self.size
    }

    /// Moves the upper part of the entries into a new leaf so both halves hold about the same bytes.
    pub(crate) fn split(&mut self) -> Leaf {
        let half = self.size / 2;
        let mut acc = 0;
        let n = self.slots.len();
        let mut at = n - 1;
        for (i, s) in self.slots.iter().enumerate() {
            acc += LEAF_ENTRY_OVERHEAD + Leaf::slot_bytes(s);
            if acc >= half {
                at = (i + 1).min(n - 1).max(1);
                break;
            }
        }
        self.split_at(at)
    }

    /// Moves the entries from `at` on into a new leaf; both come out without garbage.
    fn split_at(&mut self, at: usize) -> Leaf {
        let right = self.copy_of(at..self.slots.len());
        self.truncate_compact(at);
        right
    }

    /// Splits an overflowing leaf whose entry `i` continued a run of ascending inserts
    /// ([`Leaf::continues_run`]) so the run fills pages: the entries after the run move to a new
    /// leaf when the rest fits in `page_size`, else the run's newest entry and those after it do
    /// (the run goes on in the new leaf). A middle split would leave each run's pages half full.
    pub(crate) fn split_after_run(&mut self, i: usize, page_size: usize) -> Leaf {
        let n = self.slots.len();
        if i == 0 || i >= n {
            return self.split();
        }
        let tail: usize = self.slots[i + 1..]
            .iter()
            .map(|s| LEAF_ENTRY_OVERHEAD + Leaf::slot_bytes(s))
            .sum();
        if i + 1 < n && self.encoded_size() - tail <= page_size {
            return self.split_at(i + 1);
        }
        let mut right = self.split_at(i);
        self.last_insert = None;
        right.last_insert = Some(0);
        right
    }

    /// Moves only the last entry into a new leaf (for appends in key order).
    pub(crate) fn split_off_last(&mut self) -> Leaf {
        let n = self.slots.len();
        if n < 2 {
            return Leaf::default();
        }
        let right = self.copy_of(n - 1..n);
        let s = self.slots.pop().map_or(0, |s| Leaf::slot_bytes(&s));
        self.size -= LEAF_ENTRY_OVERHEAD + s;
        self.garbage += s;
        right
    }

    /// Appends every entry of `right`, whose keys all sort after ours.
    pub(crate) fn absorb(&mut self, right: Leaf) {
        for (k, v) in right.iter() {
            self.push(k, v);
        }
    }
}

/// A branch: `keys.len() + 1` children; `keys[i]` is the smallest key under `children[i + 1]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Branch {
    pub keys: Vec<BranchKey>,
    pub children: Vec<u64>,
    /// `prefixes[i]` is [`prefix_of`] `keys[i]`: a search reads this array, not the keys' heap
    /// buffers, until two prefixes tie.
    prefixes: Vec<u64>,
    size: usize,
}

impl Branch {
    pub(crate) fn with_first_child(child: u64) -> Branch {
        Branch {
            keys: Vec::new(),
            children: vec![child],
            prefixes: Vec::new(),
            size: 8,
        }
    }

    /// Empties the branch, keeping its buffers (for [`super::pool::NodePool`]); it has no child
    /// until [`Branch::reset`].
    pub(crate) fn clear(&mut self) {
        self.keys.clear();
        self.children.clear();
        self.prefixes.clear();
        self.size = 8;
    }

    /// Makes the branch an empty one with first child `child` and room for `keys` keys (a decoded
    /// page's), in its own buffers.
    pub(crate) fn reset(&mut self, child: u64, keys: usize) {
        self.clear();
        self.keys.reserve(keys);
        self.prefixes.reserve(keys);
        self.children.reserve(keys + 1);
        self.children.push(child);
    }

    /// Keys the branch's buffers have room for.
    pub(crate) fn capacity_keys(&self) -> usize {
        self.keys.capacity()
    }

    /// Appends a key and the child to its right.
    pub(crate) fn push(&mut self, key: impl Into<BranchKey>, child: u64) {
        let key = key.into();
        self.size += BRANCH_ENTRY_OVERHEAD + key.len();
        self.prefixes.push(prefix_of(&key));
        self.keys.push(key);
        self.children.push(child);
    }

    /// The child whose key range holds `key`.
    pub(crate) fn child_index(&self, key: &[u8]) -> usize {
        let p = prefix_of(key);
        let (mut lo, mut hi) = (0, self.keys.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if cmp_keys(self.prefixes[mid], &self.keys[mid], p, key).is_le() {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Inserts `key` at `i` with `child` to its right.
    pub(crate) fn insert_at(&mut self, i: usize, key: impl Into<BranchKey>, child: u64) {
        let key = key.into();
        self.size += BRANCH_ENTRY_OVERHEAD + key.len();
        self.prefixes.insert(i, prefix_of(&key));
        self.keys.insert(i, key);
        self.children.insert(i + 1, child);
    }

    /// Removes key `i` and the child to its right.
    pub(crate) fn remove_at(&mut self, i: usize) -> (BranchKey, u64) {
        let key = self.keys.remove(i);
        self.prefixes.remove(i);
        let child = self.children.remove(i + 1);
        self.size -= BRANCH_ENTRY_OVERHEAD + key.len();
        (key, child)
    }

    pub(crate) fn set_key(&mut self, i: usize, key: impl Into<BranchKey>) {
        let key = key.into();
        self.size += key.len();
        self.size -= self.keys[i].len();
        self.prefixes[i] = prefix_of(&key);
        self.keys[i] = key;
    }

    pub(crate) fn encoded_size(&self) -> usize {
        PAGE_HEADER_LEN + self.size
    }

    /// Splits around the middle key, which moves up: returns (that key, the right half).
    pub(crate) fn split(&mut self) -> (BranchKey, Branch) {
        let mid = self.keys.len() / 2;
        let mut right_keys = self.keys.split_off(mid);
        self.prefixes.truncate(mid);
        let right_children = self.children.split_off(mid + 1);
        let up = right_keys.remove(0);
        let mut right = Branch::with_first_child(right_children[0]);
        for (k, c) in right_keys
            .into_iter()
            .zip(right_children.into_iter().skip(1))
        {
            right.push(k, c);
        }
        self.recompute_size();
        (up, right)
    }

    /// Splits off the last key and the two children around it (for appends in key order): returns
    /// (the key before them, which moves up, the right branch). Needs at least two keys.
    pub(crate) fn split_off_last(&mut self) -> (BranchKey, Branch) {
        let n = self.keys.len();
        let mut right_keys = self.keys.split_off(n - 2);
        self.prefixes.truncate(n - 2);
        let right_children = self.children.split_off(n - 1);
        let up = right_keys.remove(0);
        let mut right = Branch::with_first_child(right_children[0]);
        for (k, c) in right_keys
            .into_iter()
            .zip(right_children.into_iter().skip(1))
        {
            right.push(k, c);
        }
        self.recompute_size();
        (up, right)
    }

    /// Appends `separator` and every key and child of `right`.
    pub(crate) fn absorb(&mut self, separator: impl Into<BranchKey>, right: Branch) {
        let mut children = right.children.into_iter();
        if let Some(first) = children.next() {
            self.push(separator, first);
        }
        for (k, c) in right.keys.into_iter().zip(children) {
            self.push(k, c);
        }
    }

    fn recompute_size(&mut self) {
        self.size = 8 + self
            .keys
            .iter()
            .map(|k| BRANCH_ENTRY_OVERHEAD + k.len())
            .sum::<usize>();
    }
}

/// A decoded tree node.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Leaf(Leaf),
    Branch(Branch),
}

impl Node {
    pub(crate) fn encoded_size(&self) -> usize {
        match self {
            Node::Leaf(l) => l.encoded_size(),
            Node::Branch(b) => b.encoded_size(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf_of(n: usize) -> Leaf {
        let mut leaf = Leaf::default();
        for i in 0..n {
            leaf.push(format!("k{i:04}").as_bytes(), ValRef::Inline(&[7; 30]));
        }
        leaf
    }

    #[test]
    fn leaf_split_halves_bytes_and_keeps_order() {
        let mut left = leaf_of(40);
        let total = left.encoded_size();
        let right = left.split();
        assert!(!left.is_empty() && !right.is_empty());
        assert!(left.key(left.len() - 1) < right.key(0));
        assert_eq!(
            left.encoded_size() + right.encoded_size(),
            total + PAGE_HEADER_LEN
        );
        let diff = left.encoded_size().abs_diff(right.encoded_size());
        assert!(diff <= 60, "unbalanced split: {diff}");
    }

    /// Inserts, replacements (inline and overflow), removals, compaction and splits against a
    /// sorted map, checking the entries and the encoded size after every step.
    #[test]
    fn leaf_edits_match_a_model() {
        let mut leaf = Leaf::default();
        let mut model: std::collections::BTreeMap<Vec<u8>, Vec<u8>> = Default::default();
        let mut rng = crate::rng::Rng::new(0x9e37_79b9_7f4a_7c15);
        let mut next = || rng.next_u64();
        let check = |leaf: &Leaf, model: &std::collections::BTreeMap<Vec<u8>, Vec<u8>>| {
            let got: Vec<(Vec<u8>, Vec<u8>)> = leaf
                .iter()
                .map(|(k, v)| match v {
                    ValRef::Inline(b) => (k.to_vec(), b.to_vec()),
                    ValRef::Overflow { first, len } => (
                        k.to_vec(),
                        [first.to_le_bytes(), len.to_le_bytes()].concat(),
                    ),
                })
                .collect();
            let want: Vec<(Vec<u8>, Vec<u8>)> =
                model.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            assert_eq!(got, want);
            let size: usize = model
                .iter()
                .map(|(k, v)| LEAF_ENTRY_OVERHEAD + k.len() + v.len())
                .sum();
            assert_eq!(leaf.encoded_size(), PAGE_HEADER_LEN + size);
        };
        for step in 0..4000u64 {
            let key = format!("k{:03}", next() % 300).into_bytes();
            match next() % 5 {
                0 | 1 => {
                    // Empty values often: replacing one at the end of the buffer once confused an append
                    // with an overwrite.
                    let len = if next() % 4 == 0 { 0 } else { next() % 90 };
                    let val = vec![step as u8; len as usize];
                    match leaf.search(&key) {
                        Ok(i) => {
                            let was_overflow = model[&key].len() == 16
                                && model[&key][8..16] == 5000u64.to_le_bytes();
                            let old = leaf.replace_at(i, ValRef::Inline(&val));
                            assert_eq!(matches!(old, OldVal::Overflow { .. }), was_overflow);
                        }
                        Err(i) => leaf.insert_at(i, &key, ValRef::Inline(&val)),
                    }
                    model.insert(key, val);
                }
                2 => {
                    let r = ValRef::Overflow {
                        first: step,
                        len: 5000,
                    };
                    let stored = [step.to_le_bytes(), 5000u64.to_le_bytes()].concat();
                    match leaf.search(&key) {
                        Ok(i) => {
                            leaf.replace_at(i, r);
                        }
                        Err(i) => leaf.insert_at(i, &key, r),
                    }
                    model.insert(key, stored);
                }
                3 => {
                    if let Ok(i) = leaf.search(&key) {
                        leaf.remove_at(i);
                        model.remove(&key);
                    }
                }
                _ if leaf.len() > 4 && step % 50 == 0 => {
                    let right = if step % 100 == 0 {
                        leaf.split_off_last()
                    } else {
                        leaf.split()
                    };
                    assert!(leaf.key(leaf.len() - 1) < right.key(0));
                    leaf.absorb(right);
                }
                _ => {}
            }
            check(&leaf, &model);
        }
        assert!(leaf.data.len() < 64 << 10, "garbage is never collected");
    }

    #[test]
    fn append_splits_leave_the_left_node_full() {
        let mut leaf = leaf_of(40);
        let right = leaf.split_off_last();
        assert_eq!((leaf.len(), right.len()), (39, 1));
        let mut b = Branch::with_first_child(0);
        for i in 1..=5u64 {
            b.push(vec![i as u8], i);
        }
        let (up, right) = b.split_off_last();
        assert_eq!(up, vec![4]);
        assert_eq!(b.children, vec![0, 1, 2, 3]);
        assert_eq!(right.keys, vec![vec![5]]);
        assert_eq!(right.children, vec![4, 5]);
    }

    #[test]
    fn a_run_split_moves_only_what_follows_the_run() {
        let mut leaf = leaf_of(40);
        leaf.insert_at(10, b"k0009a", ValRef::Inline(&[7; 30]));
        assert!(leaf.continues_run(11) && !leaf.continues_run(10) && !leaf.continues_run(12));
        leaf.insert_at(11, b"k0009b", ValRef::Inline(&[7; 30]));
        // The entries after the run move; the run stays and goes on in the left leaf.
        let right = leaf.split_after_run(11, 4096);
        assert_eq!((leaf.len(), right.len()), (12, 30));
        assert_eq!(right.key(0), b"k0010");
        assert!(leaf.continues_run(12));
        // When the rest would not fit, the run's newest entry moves too and the run goes on there.
        let mut leaf = leaf_of(40);
        leaf.insert_at(39, b"k0038a", ValRef::Inline(&[7; 30]));
        let size = leaf.encoded_size();
        let right = leaf.split_after_run(39, size - 100);
        assert_eq!((leaf.len(), right.len()), (39, 2));
        assert_eq!(right.key(0), b"k0038a");
        assert!(right.continues_run(1) && !leaf.continues_run(39));
    }

    #[test]
    fn branch_split_moves_middle_key_up() {
        let mut b = Branch::with_first_child(0);
        for i in 1..=5u64 {
            b.push(vec![i as u8], i);
        }
        let size = b.encoded_size();
        let (up, right) = b.split();
        assert_eq!(up, vec![3]);
        assert_eq!(b.keys, vec![vec![1], vec![2]]);
        assert_eq!(b.children, vec![0, 1, 2]);
        assert_eq!(right.keys, vec![vec![4], vec![5]]);
        assert_eq!(right.children, vec![3, 4, 5]);
        let mut joined = b.clone();
        joined.absorb(up, right);
        assert_eq!(joined.encoded_size(), size);
        assert_eq!(joined.children, vec![0, 1, 2, 3, 4, 5]);
    }
}
