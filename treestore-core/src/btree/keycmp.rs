//! Key order with an 8-byte prefix: the first eight bytes of a key as a big-endian integer (zero
//! padded). Two keys whose prefixes differ compare as their prefixes do, so most comparisons of a
//! search are one integer compare, without a call to `memcmp` or a load of the key bytes themselves
//! (decoded nodes keep each key's prefix beside its slot).
//!
//! Why the shortcut is exact: at the first byte where the padded prefixes differ, either both keys
//! have a real byte there (and it decides the order), or the shorter key ends there and the longer
//! one has a non-zero byte (the shorter key sorts first, as a prefix of the other). A real zero byte
//! against padding compares equal, so equal prefixes always fall back to the full comparison.

use std::cmp::Ordering;

/// The order-preserving 8-byte prefix of `key`.
#[inline]
pub(crate) fn prefix_of(key: &[u8]) -> u64 {
    if let Some(head) = key.first_chunk::<8>() {
        return u64::from_be_bytes(*head);
    }
    let mut b = [0u8; 8];
    b[..key.len()].copy_from_slice(key);
    u64::from_be_bytes(b)
}

/// `a.cmp(b)`, given both keys' prefixes.
#[inline]
pub(crate) fn cmp_keys(a_prefix: u64, a: &[u8], b_prefix: u64, b: &[u8]) -> Ordering {
    match a_prefix.cmp(&b_prefix) {
        Ordering::Equal if a.len() >= 8 && b.len() >= 8 => a[8..].cmp(&b[8..]),
        Ordering::Equal => a.cmp(b),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_order_agrees_with_byte_order() {
        let keys: Vec<&[u8]> = vec![
            b"",
            b"\0",
            b"\0\0",
            b"a",
            b"a\0",
            b"a\0\0\0\0\0\0\0",
            b"a\0\0\0\0\0\0\0\0",
            b"a\0\0\0\0\0\0\0\x01",
            b"ab",
            b"abcdefgh",
            b"abcdefgh\0",
            b"abcdefghi",
            b"abcdefgi",
            b"\xff\xff\xff\xff\xff\xff\xff\xff",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff",
        ];
        for a in &keys {
            for b in &keys {
                let got = cmp_keys(prefix_of(a), a, prefix_of(b), b);
                assert_eq!(got, a.cmp(b), "{a:?} vs {b:?}");
            }
        }
    }
}
