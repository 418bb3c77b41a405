//! The tables one committed snapshot has already opened: name -> (root page, entry count), so a
//! read transaction opens a table it or an earlier reader of the same snapshot opened without
//! descending the catalog again.
//!
//! It is one of the snapshot's [memos](super::snapshot_memo): a snapshot never changes, so an entry
//! never goes stale while the snapshot is read, and a commit publishes a new snapshot with new,
//! empty memos ([`super::shared::Shared::publish`]). The cache
//! is a fixed array of write-once slots probed from the name's hash: a lookup is atomic loads and
//! name compares, no lock, and the memory is bounded (names beyond [`SLOTS`] are opened uncached).
//! Write transactions never use it: they must see their own uncommitted table roots.

use std::hash::{BuildHasher, BuildHasherDefault};
use std::sync::OnceLock;

use crate::hash::FxHasher;

/// Distinct tables one snapshot caches (a store opens a handful).
pub(crate) const SLOTS: usize = 16;

struct Entry {
    name: Box<str>,
    root: u64,
    len: u64,
}

/// The opened tables of one snapshot, a memo of it.
pub(crate) struct TableCache {
    slots: [OnceLock<Entry>; SLOTS],
}

impl Default for TableCache {
    fn default() -> Self {
        TableCache {
            slots: std::array::from_fn(|_| OnceLock::new()),
        }
    }
}

/// The slot probing starts from: the engine's Fx hash of the name.
fn hash(name: &str) -> usize {
    BuildHasherDefault::<FxHasher>::default().hash_one(name) as usize
}

/// Roots and lengths of tables change with any commit that writes them: a new snapshot starts empty.
impl super::Memo for TableCache {
    const TABLES: &'static [&'static str] = &[""];
}

impl TableCache {
    /// `(root, len)` of table `name`: cached, or from `open` (then cached if a slot is free).
    /// Errors of `open` are returned and not cached.
    pub(crate) fn get_or_open(
        &self,
        name: &str,
        open: impl FnOnce() -> crate::error::Result<(u64, u64)>,
    ) -> crate::error::Result<(u64, u64)> {
        let start = hash(name);
        for i in 0..SLOTS {
            let slot = &self.slots[(start + i) % SLOTS];
            match slot.get() {
                Some(e) if &*e.name == name => return Ok((e.root, e.len)),
                Some(_) => continue,
                None => {
                    let (root, len) = open()?;
                    // Another reader may fill the slot first (with this name or another): then
                    // this open simply stays uncached.
                    let _ = slot.set(Entry {
                        name: name.into(),
                        root,
                        len,
                    });
                    return Ok((root, len));
                }
            }
        }
        open()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn opens_each_name_once_and_more_names_than_slots_stay_correct() {
        let cache = TableCache::default();
        let opens = Cell::new(0);
        let open = |i: u64| {
            opens.set(opens.get() + 1);
            Ok((i, i * 10))
        };
        for round in 0..3 {
            for i in 0..(SLOTS as u64 + 8) {
                let got = cache.get_or_open(&format!("table{i}"), || open(i)).unwrap();
                assert_eq!(got, (i, i * 10), "round {round}, table{i}");
            }
        }
        // The first SLOTS names are cached after round 0; the rest open every time.
        assert_eq!(opens.get(), SLOTS + 8 + 2 * 8);
    }

    #[test]
    fn errors_are_not_cached() {
        let cache = TableCache::default();
        let err = cache.get_or_open("t", || Err(crate::error::Error::corruption("bad entry")));
        assert!(err.is_err());
        assert_eq!(cache.get_or_open("t", || Ok((7, 1))).unwrap(), (7, 1));
        assert_eq!(cache.get_or_open("t", || Ok((9, 9))).unwrap(), (7, 1));
    }
}
