//! The key of a decoded branch: kept inline when short, so decoding a branch page (which a write
//! does for every branch on the path it copies) costs a few allocations rather than one per key.
//!
//! Store keys are tuples of short strings and integers, nearly all under [`INLINE_LEN`] bytes;
//! longer keys (up to the tree's key limit) live on the heap.

use std::fmt;
use std::ops::Deref;

/// The longest key kept inline (the whole key is 48 bytes, as `Vec<u8>`'s 24 plus a heap block).
pub(crate) const INLINE_LEN: usize = 46;

/// A branch key, inline up to [`INLINE_LEN`] bytes.
#[derive(Clone)]
pub(crate) enum BranchKey {
    Inline { len: u8, bytes: [u8; INLINE_LEN] },
    Heap(Box<[u8]>),
}

impl BranchKey {
    /// A key holding a copy of `key` (no allocation when it fits inline).
    pub(crate) fn from_slice(key: &[u8]) -> BranchKey {
        if key.len() <= INLINE_LEN {
            let mut bytes = [0u8; INLINE_LEN];
            bytes[..key.len()].copy_from_slice(key);
            // Cannot truncate: the length is at most INLINE_LEN (46).
            BranchKey::Inline {
                len: key.len() as u8,
                bytes,
            }
        } else {
            BranchKey::Heap(key.into())
        }
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            BranchKey::Inline { len, bytes } => &bytes[..usize::from(*len)],
            BranchKey::Heap(b) => b,
        }
    }
}

impl Deref for BranchKey {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl From<Vec<u8>> for BranchKey {
    fn from(key: Vec<u8>) -> BranchKey {
        if key.len() <= INLINE_LEN {
            BranchKey::from_slice(&key)
        } else {
            BranchKey::Heap(key.into_boxed_slice())
        }
    }
}

impl PartialEq for BranchKey {
    fn eq(&self, other: &BranchKey) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for BranchKey {}

impl PartialEq<Vec<u8>> for BranchKey {
    fn eq(&self, other: &Vec<u8>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl fmt::Debug for BranchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_inline_and_on_the_heap() {
        for len in [0, 1, INLINE_LEN - 1, INLINE_LEN, INLINE_LEN + 1, 1000] {
            let key: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let from_slice = BranchKey::from_slice(&key);
            let from_vec = BranchKey::from(key.clone());
            assert_eq!(from_slice.as_slice(), &key[..], "len {len}");
            assert_eq!(from_vec, from_slice, "len {len}");
            assert_eq!(
                matches!(from_slice, BranchKey::Inline { .. }),
                len <= INLINE_LEN,
                "len {len}"
            );
            assert_eq!(from_vec, key, "len {len}");
        }
    }

    #[test]
    fn a_key_is_no_larger_than_a_vec_and_its_heap_block() {
        assert_eq!(std::mem::size_of::<BranchKey>(), 48);
    }

    #[test]
    fn equal_bytes_are_equal_keys_whatever_the_padding() {
        let short = BranchKey::from_slice(b"ab");
        let mut padded = [0xffu8; INLINE_LEN];
        padded[..2].copy_from_slice(b"ab");
        let other = BranchKey::Inline {
            len: 2,
            bytes: padded,
        };
        assert_eq!(short, other);
        assert_ne!(short, BranchKey::from_slice(b"abc"));
    }
}
