//! Memos of one committed snapshot, shared by every read transaction of the snapshot: the tables
//! its readers opened ([`super::table_cache`]) and what the stores above the engine keep (the
//! version catalog's resolutions of "the latest version of P" and "version V of P").
//!
//! A snapshot never changes, so a memo of it never goes stale while it is read; a commit publishes a new snapshot with new, empty memos
//! ([`super::shared::Shared::publish`]), and a read transaction keeps the memos of the snapshot it
//! began on. Write transactions have none: they must see their own uncommitted changes.
//!
//! A memo is any `Default + Send + Sync` type, made on first use and found by its type: a fixed
//! array of write-once slots, so finding one is a few atomic loads, no lock.

use std::any::Any;
use std::sync::OnceLock;

/// Distinct memo types one snapshot holds.
const SLOTS: usize = 4;

/// The memos of one snapshot; share it with an `Arc` among the snapshot's readers.
#[derive(Default)]
pub struct SnapshotMemo {
    slots: [OnceLock<Box<dyn Any + Send + Sync>>; SLOTS],
}

impl SnapshotMemo {
    /// The snapshot's memo of type `T`, made empty (`T::default()`) on first use; `None` only when
    /// [`SLOTS`] other types took every slot.
    pub(crate) fn get<T: Any + Send + Sync + Default>(&self) -> Option<&T> {
        for slot in &self.slots {
            let memo = slot.get_or_init(|| Box::new(T::default()));
            if let Some(m) = memo.downcast_ref::<T>() {
                return Some(m);
            }
        }
        None
    }
}

impl std::fmt::Debug for SnapshotMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let used = self.slots.iter().filter(|s| s.get().is_some()).count();
        write!(f, "SnapshotMemo({used} memos)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Default)]
    struct A(AtomicU32);
    #[derive(Default)]
    struct B(AtomicU32);
    #[derive(Default)]
    struct C(u8);
    #[derive(Default)]
    struct D(u16);
    #[derive(Default)]
    struct E;

    #[test]
    fn each_type_has_its_own_memo_made_once() {
        let memo = SnapshotMemo::default();
        memo.get::<A>().unwrap().0.fetch_add(1, Ordering::Relaxed);
        memo.get::<B>().unwrap().0.fetch_add(5, Ordering::Relaxed);
        memo.get::<A>().unwrap().0.fetch_add(1, Ordering::Relaxed);
        assert_eq!(memo.get::<A>().unwrap().0.load(Ordering::Relaxed), 2);
        assert_eq!(memo.get::<B>().unwrap().0.load(Ordering::Relaxed), 5);
        assert_eq!(memo.get::<C>().unwrap().0, 0);
        assert_eq!(memo.get::<D>().unwrap().0, 0);
        // Every slot is taken: a fifth type has no memo, the others keep theirs.
        assert!(memo.get::<E>().is_none());
        assert_eq!(memo.get::<A>().unwrap().0.load(Ordering::Relaxed), 2);
    }
}
