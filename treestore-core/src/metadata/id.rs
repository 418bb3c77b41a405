//! Generated ids: 32 lowercase hex digits of a 128-bit value, a 48-bit Unix time in milliseconds
//! followed by 80 random bits (the ULID layout). Within one process the ids only grow: an id made
//! in the same millisecond as the previous one (or while the clock steps back) is the previous
//! one plus 1, so ids sort in the order they were made and byte order is time order.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use parking_lot::Mutex;

const RANDOM_BITS: u32 = 80;
const RANDOM_MASK: u128 = (1 << RANDOM_BITS) - 1;
/// Fresh random parts leave their top bit clear, so a millisecond holds at least 2^79 increments.
const FRESH_MASK: u128 = RANDOM_MASK >> 1;

/// The last id made by this process.
static LAST: Mutex<u128> = Mutex::new(0);

/// A new unique, time-ordered id.
pub fn new_id() -> String {
    let ms = (crate::time::now().max(0) / 1000) as u128 & ((1 << 48) - 1);
    let mut last = LAST.lock();
    let fresh = (ms << RANDOM_BITS) | (random() & FRESH_MASK);
    let id = if (*last >> RANDOM_BITS) >= ms {
        last.wrapping_add(1)
    } else {
        fresh
    };
    *last = id;
    format!("{id:032x}")
}

/// 128 random bits from the process's hash keys, which the standard library seeds from the OS.
fn random() -> u128 {
    let state = RandomState::new();
    let mut h = state.build_hasher();
    h.write_u64(crate::time::now() as u64);
    let a = h.finish();
    h.write_u8(1);
    let b = h.finish();
    (u128::from(a) << 64) | u128::from(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_hex_and_start_with_the_time() {
        let ids: Vec<String> = (0..10_000).map(|_| new_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, ids);
        for id in &ids {
            assert_eq!(id.len(), 32);
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        }
        let ms = u64::from_str_radix(&ids[0][..12], 16).unwrap();
        let now_ms = (crate::time::now() / 1000) as u64;
        assert!(now_ms - ms < 60_000);
    }
}
