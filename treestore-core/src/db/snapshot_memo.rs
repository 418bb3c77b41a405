//! Memos of one committed snapshot, shared by every read transaction of the snapshot: the tables
//! its readers opened ([`super::table_cache`]) and what the stores above the engine keep (the
//! version catalog's resolutions of "the latest version of P" and "version V of P").
//!
//! A snapshot never changes, so a memo of it never goes stale while it is read. A commit publishes
//! a new snapshot ([`super::shared::Shared::publish`]) whose memos are the old ones that depend on
//! none of the tables the commit changed ([`Memo::TABLES`], shared, not copied: they tell the same
//! truth about both snapshots) and new, empty ones for the rest; so a store's memos survive the
//! commits of other stores (a tool result stored between two document reads). A read transaction
//! keeps the memos of the snapshot it began on. Write transactions have none: they must see their
//! own uncommitted changes.
//!
//! A memo is a [`Memo`] type, made on first use and found by its type: a fixed array of
//! write-once slots, so finding one is a few atomic loads, no lock.

use std::any::Any;
use std::sync::{Arc, OnceLock};

/// Distinct memo types one snapshot holds.
const SLOTS: usize = 4;

/// A type of memo: made empty (`Default`) on a snapshot's first use of it.
pub(crate) trait Memo: Any + Send + Sync + Default {
    /// Name prefixes of the tables whose content the memo holds or points into (`""`: every
    /// table). A commit that changes a table with one of these prefixes gives the new snapshot a
    /// new, empty memo; any other commit hands the memo on.
    const TABLES: &'static [&'static str];
}

/// A made memo, with the tables it depends on.
struct Slot {
    memo: Arc<dyn Any + Send + Sync>,
    tables: &'static [&'static str],
}

impl Slot {
    fn depends_on(&self, table: &str) -> bool {
        self.tables.iter().any(|prefix| table.starts_with(prefix))
    }
}

/// The memos of one snapshot; share it with an `Arc` among the snapshot's readers.
#[derive(Default)]
pub struct SnapshotMemo {
    slots: [OnceLock<Slot>; SLOTS],
}

impl SnapshotMemo {
    /// The snapshot's memo of type `T`, made empty (`T::default()`) on first use; `None` only when
    /// [`SLOTS`] other types took every slot.
    pub(crate) fn get<T: Memo>(&self) -> Option<&T> {
        for slot in &self.slots {
            let made = slot.get_or_init(|| Slot {
                memo: Arc::new(T::default()),
                tables: T::TABLES,
            });
            if let Some(m) = made.memo.downcast_ref::<T>() {
                return Some(m);
            }
        }
        None
    }

    /// The memos of the snapshot a commit that changed the tables `changed` names makes from this
    /// one (`None`: the pages of every table may have moved): the memos that depend on none of
    /// them, shared; every other type starts empty.
    pub(crate) fn after_commit(&self, changed: Option<&[&str]>) -> SnapshotMemo {
        let next = SnapshotMemo::default();
        let Some(changed) = changed else {
            return next;
        };
        // Kept memos fill the first slots, so no empty slot comes before one of them (`get`
        // would make a second, empty memo of the type there).
        let kept = self
            .slots
            .iter()
            .filter_map(OnceLock::get)
            .filter(|slot| !changed.iter().any(|t| slot.depends_on(t)));
        for (slot, to) in kept.zip(&next.slots) {
            let _ = to.set(Slot {
                memo: slot.memo.clone(),
                tables: slot.tables,
            });
        }
        next
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

    impl Memo for A {
        const TABLES: &'static [&'static str] = &["a."];
    }
    impl Memo for B {
        const TABLES: &'static [&'static str] = &["b.", "shared."];
    }
    impl Memo for C {
        const TABLES: &'static [&'static str] = &[""];
    }
    impl Memo for D {
        const TABLES: &'static [&'static str] = &["d."];
    }
    impl Memo for E {
        const TABLES: &'static [&'static str] = &["e."];
    }

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

    #[test]
    fn a_commit_hands_on_the_memos_of_tables_it_left_alone() {
        let memo = SnapshotMemo::default();
        memo.get::<A>().unwrap().0.fetch_add(1, Ordering::Relaxed);
        memo.get::<B>().unwrap().0.fetch_add(5, Ordering::Relaxed);
        memo.get::<C>().unwrap();
        // Changing "a.x" drops A (and C, which depends on every table); B is the same memo.
        let next = memo.after_commit(Some(&["a.x"]));
        assert_eq!(next.get::<B>().unwrap().0.load(Ordering::Relaxed), 5);
        next.get::<B>().unwrap().0.fetch_add(1, Ordering::Relaxed);
        assert_eq!(memo.get::<B>().unwrap().0.load(Ordering::Relaxed), 6);
        assert_eq!(next.get::<A>().unwrap().0.load(Ordering::Relaxed), 0);
        assert_eq!(memo.get::<A>().unwrap().0.load(Ordering::Relaxed), 1);
        // A commit of nothing any memo depends on but C's "every table" keeps A and B.
        next.get::<A>().unwrap().0.fetch_add(7, Ordering::Relaxed);
        let third = next.after_commit(Some(&["z.other"]));
        assert_eq!(third.get::<A>().unwrap().0.load(Ordering::Relaxed), 7);
        assert_eq!(third.get::<B>().unwrap().0.load(Ordering::Relaxed), 6);
        // Any prefix of B's counts; `None` (pages moved) drops everything.
        assert_eq!(
            third
                .after_commit(Some(&["shared.t"]))
                .get::<B>()
                .unwrap()
                .0
                .load(Ordering::Relaxed),
            0
        );
        let moved = third.after_commit(None);
        assert_eq!(moved.get::<A>().unwrap().0.load(Ordering::Relaxed), 0);
        assert_eq!(moved.get::<B>().unwrap().0.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn kept_memos_come_first_so_none_is_made_twice() {
        let memo = SnapshotMemo::default();
        memo.get::<C>().unwrap();
        memo.get::<A>().unwrap().0.fetch_add(3, Ordering::Relaxed);
        // C (slot 0) is dropped by any change; A (slot 1) must be found, not shadowed by a new A.
        let next = memo.after_commit(Some(&["q.t"]));
        assert_eq!(next.get::<A>().unwrap().0.load(Ordering::Relaxed), 3);
        assert_eq!(next.get::<C>().unwrap().0, 0);
        assert_eq!(next.get::<D>().unwrap().0, 0);
        assert_eq!(next.get::<B>().unwrap().0.load(Ordering::Relaxed), 0);
        assert!(next.get::<E>().is_none());
    }
}
