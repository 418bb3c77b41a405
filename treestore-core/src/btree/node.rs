//! Decoded tree nodes: the form a write transaction edits in memory. A node becomes a page again only
//! at commit, so a transaction that inserts many keys into one leaf encodes it once.

use super::page::{BRANCH_ENTRY_OVERHEAD, LEAF_ENTRY_OVERHEAD, OVERFLOW_REF_LEN};
use crate::storage::format::PAGE_HEADER_LEN;

/// A value as a leaf holds it: inline bytes or a reference to an overflow chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    Inline(Vec<u8>),
    Overflow { first: u64, len: u64 },
}

impl Val {
    fn stored_len(&self) -> usize {
        match self {
            Val::Inline(v) => v.len(),
            Val::Overflow { .. } => OVERFLOW_REF_LEN,
        }
    }
}

/// Encoded size of one leaf entry, slot included.
pub(crate) fn leaf_entry_size(key: &[u8], val: &Val) -> usize {
    LEAF_ENTRY_OVERHEAD + key.len() + val.stored_len()
}

/// A leaf: sorted entries and their encoded size.
#[derive(Debug, Clone, Default)]
pub(crate) struct Leaf {
    pub entries: Vec<(Vec<u8>, Val)>,
    size: usize,
}

impl Leaf {
    /// Appends an entry that sorts after every present one.
    pub(crate) fn push(&mut self, key: Vec<u8>, val: Val) {
        self.size += leaf_entry_size(&key, &val);
        self.entries.push((key, val));
    }

    pub(crate) fn search(&self, key: &[u8]) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|(k, _)| k.as_slice().cmp(key))
    }

    pub(crate) fn insert_at(&mut self, i: usize, key: Vec<u8>, val: Val) {
        self.size += leaf_entry_size(&key, &val);
        self.entries.insert(i, (key, val));
    }

    /// Replaces the value of entry `i`, returning the old one.
    pub(crate) fn replace_at(&mut self, i: usize, val: Val) -> Val {
        self.size += val.stored_len();
        let old = std::mem::replace(&mut self.entries[i].1, val);
        self.size -= old.stored_len();
        old
    }

    pub(crate) fn remove_at(&mut self, i: usize) -> (Vec<u8>, Val) {
        let (k, v) = self.entries.remove(i);
        self.size -= leaf_entry_size(&k, &v);
        (k, v)
    }

    /// Bytes the leaf takes as a page.
    pub(crate) fn encoded_size(&self) -> usize {
        PAGE_HEADER_LEN + self.size
    }

    /// Moves the upper part of the entries into a new leaf so both halves hold about the same bytes.
    pub(crate) fn split(&mut self) -> Leaf {
        let half = self.size / 2;
        let mut acc = 0;
        let mut at = self.entries.len() - 1;
        for (i, (k, v)) in self.entries.iter().enumerate() {
            acc += leaf_entry_size(k, v);
            if acc >= half {
                at = (i + 1).min(self.entries.len() - 1).max(1);
                break;
            }
        }
        let mut right = Leaf::default();
        for (k, v) in self.entries.drain(at..) {
            right.push(k, v);
        }
        self.size -= right.size;
        right
    }

    /// Moves only the last entry into a new leaf (for appends in key order).
    pub(crate) fn split_off_last(&mut self) -> Leaf {
        let mut right = Leaf::default();
        if self.entries.len() > 1 {
            if let Some((k, v)) = self.entries.pop() {
                self.size -= leaf_entry_size(&k, &v);
                right.push(k, v);
            }
        }
        right
    }

    /// Appends every entry of `right`, whose keys all sort after ours.
    pub(crate) fn absorb(&mut self, right: Leaf) {
        self.size += right.size;
        self.entries.extend(right.entries);
    }
}

/// A branch: `keys.len() + 1` children; `keys[i]` is the smallest key under `children[i + 1]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Branch {
    pub keys: Vec<Vec<u8>>,
    pub children: Vec<u64>,
    size: usize,
}

impl Branch {
    pub(crate) fn with_first_child(child: u64) -> Branch {
        Branch {
            keys: Vec::new(),
            children: vec![child],
            size: 8,
        }
    }

    /// Appends a key and the child to its right.
    pub(crate) fn push(&mut self, key: Vec<u8>, child: u64) {
        self.size += BRANCH_ENTRY_OVERHEAD + key.len();
        self.keys.push(key);
        self.children.push(child);
    }

    /// The child whose key range holds `key`.
    pub(crate) fn child_index(&self, key: &[u8]) -> usize {
        self.keys.partition_point(|k| k.as_slice() <= key)
    }

    /// Inserts `key` at `i` with `child` to its right.
    pub(crate) fn insert_at(&mut self, i: usize, key: Vec<u8>, child: u64) {
        self.size += BRANCH_ENTRY_OVERHEAD + key.len();
        self.keys.insert(i, key);
        self.children.insert(i + 1, child);
    }

    /// Removes key `i` and the child to its right.
    pub(crate) fn remove_at(&mut self, i: usize) -> (Vec<u8>, u64) {
        let key = self.keys.remove(i);
        let child = self.children.remove(i + 1);
        self.size -= BRANCH_ENTRY_OVERHEAD + key.len();
        (key, child)
    }

    pub(crate) fn set_key(&mut self, i: usize, key: Vec<u8>) {
        self.size += key.len();
        self.size -= self.keys[i].len();
        self.keys[i] = key;
    }

    pub(crate) fn encoded_size(&self) -> usize {
        PAGE_HEADER_LEN + self.size
    }

    /// Splits around the middle key, which moves up: returns (that key, the right half).
    pub(crate) fn split(&mut self) -> (Vec<u8>, Branch) {
        let mid = self.keys.len() / 2;
        let mut right_keys = self.keys.split_off(mid);
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
    pub(crate) fn split_off_last(&mut self) -> (Vec<u8>, Branch) {
        let n = self.keys.len();
        let mut right_keys = self.keys.split_off(n - 2);
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
    pub(crate) fn absorb(&mut self, separator: Vec<u8>, right: Branch) {
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
            leaf.push(format!("k{i:04}").into_bytes(), Val::Inline(vec![7; 30]));
        }
        leaf
    }

    #[test]
    fn leaf_split_halves_bytes_and_keeps_order() {
        let mut left = leaf_of(40);
        let total = left.encoded_size();
        let right = left.split();
        assert!(!left.entries.is_empty() && !right.entries.is_empty());
        assert!(left.entries.last().unwrap().0 < right.entries[0].0);
        assert_eq!(
            left.encoded_size() + right.encoded_size(),
            total + PAGE_HEADER_LEN
        );
        let diff = left.encoded_size().abs_diff(right.encoded_size());
        assert!(diff <= 60, "unbalanced split: {diff}");
    }

    #[test]
    fn append_splits_leave_the_left_node_full() {
        let mut leaf = leaf_of(40);
        let right = leaf.split_off_last();
        assert_eq!((leaf.entries.len(), right.entries.len()), (39, 1));
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
