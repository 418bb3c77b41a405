//! Unit tests of the per-snapshot table cache through read and write transactions: a reader
//! keeps seeing its own snapshot's tables after later commits, and write transactions see their
//! own uncommitted tables. Also the read path's scans over mapped and overlay leaves.

use std::ops::Bound;

use super::tests::{key, mem_options};
use super::*;
use crate::storage::vfs::MemVfs;

fn fill(db: &Database, table: &str, from: u32, to: u32) {
    let mut w = db.begin_write().unwrap();
    let t = w.create_table(table).unwrap();
    for i in from..to {
        w.insert(t, &key(i), format!("{table}{i}").as_bytes())
            .unwrap();
    }
    w.commit().unwrap();
}

/// Length and every key of `name` as `r` reads it, opening the table twice (cold, then cached).
fn read_all(r: &ReadTxn, name: &str) -> (u64, Vec<Vec<u8>>) {
    let first = r.table(name).unwrap();
    let t = r.table(name).unwrap();
    assert_eq!(first, t, "a second open of {name} gives the same handle");
    let keys = r
        .range(t, Bound::Unbounded, Bound::Unbounded)
        .unwrap()
        .map(|kv| kv.unwrap().0.to_vec())
        .collect();
    (r.table_len(t).unwrap(), keys)
}

fn keys(from: u32, to: u32) -> Vec<Vec<u8>> {
    (from..to).map(key).collect()
}

#[test]
fn reader_sees_tables_of_its_snapshot_only() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    fill(&db, "t", 0, 100);
    let old = db.begin_read().unwrap();
    assert_eq!(read_all(&old, "t"), (100, keys(0, 100)));
    assert_eq!(read_all(&old, "u"), (0, vec![]));
    // A second reader of the same snapshot takes the cached entries.
    let same = db.begin_read().unwrap();
    assert_eq!(read_all(&same, "t"), (100, keys(0, 100)));

    fill(&db, "t", 100, 300);
    fill(&db, "u", 0, 5);
    assert_eq!(read_all(&old, "t"), (100, keys(0, 100)));
    assert_eq!(read_all(&old, "u"), (0, vec![]));
    assert_eq!(read_all(&same, "u"), (0, vec![]));
    let new = db.begin_read().unwrap();
    assert_eq!(read_all(&new, "t"), (300, keys(0, 300)));
    assert_eq!(read_all(&new, "u"), (5, keys(0, 5)));
    let t = new.table("t").unwrap();
    assert!(new.get(t, &key(250)).unwrap().is_some());
    let t = old.table("t").unwrap();
    assert!(old.get(t, &key(250)).unwrap().is_none());
}

#[test]
fn concurrent_readers_of_two_snapshots() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    fill(&db, "t", 0, 50);
    let old = db.begin_read().unwrap();
    fill(&db, "t", 50, 400);
    let new = db.begin_read().unwrap();
    std::thread::scope(|s| {
        for (r, want) in [(&old, 50u32), (&new, 400), (&old, 50), (&new, 400)] {
            s.spawn(move || {
                for _ in 0..200 {
                    let t = r.table("t").unwrap();
                    assert_eq!(r.table_len(t).unwrap(), u64::from(want));
                    assert!(r.get(t, &key(want - 1)).unwrap().is_some());
                    assert!(r.get(t, &key(want)).unwrap().is_none());
                }
            });
        }
        // Commits meanwhile publish new snapshots; the readers above are not affected.
        for i in 0..5 {
            fill(&db, "t", 400 + i * 10, 410 + i * 10);
        }
    });
    assert_eq!(read_all(&old, "t"), (50, keys(0, 50)));
    assert_eq!(read_all(&new, "t"), (400, keys(0, 400)));
    assert_eq!(
        read_all(&db.begin_read().unwrap(), "t"),
        (450, keys(0, 450))
    );
}

#[test]
fn dropped_table_reads_empty_after_the_drop_only() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    fill(&db, "t", 0, 500);
    let before = db.begin_read().unwrap();
    assert_eq!(read_all(&before, "t"), (500, keys(0, 500)));
    let mut w = db.begin_write().unwrap();
    assert!(w.drop_table("t").unwrap());
    w.commit().unwrap();
    assert_eq!(read_all(&before, "t"), (500, keys(0, 500)));
    let after = db.begin_read().unwrap();
    assert_eq!(read_all(&after, "t"), (0, vec![]));
    assert!(!after.table_names().unwrap().contains(&"t".to_string()));
    // Recreated under the same name: a new snapshot, new contents.
    fill(&db, "t", 7, 9);
    assert_eq!(read_all(&after, "t"), (0, vec![]));
    assert_eq!(read_all(&db.begin_read().unwrap(), "t"), (2, keys(7, 9)));
}

#[test]
fn write_txn_sees_its_own_tables_while_readers_see_the_committed_ones() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    fill(&db, "t", 0, 10);
    let r = db.begin_read().unwrap();
    assert_eq!(read_all(&r, "t"), (10, keys(0, 10)));
    assert_eq!(read_all(&r, "new"), (0, vec![]));
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    for i in 10..20 {
        w.insert(t, &key(i), b"v").unwrap();
    }
    let n = w.create_table("new").unwrap();
    w.insert(n, b"k", b"v").unwrap();
    // The write transaction reads its own roots, through a fresh open as well.
    let t2 = w.table("t").unwrap();
    assert_eq!(w.table_len(t2).unwrap(), 20);
    assert!(w.get(t2, &key(15)).unwrap().is_some());
    let n2 = w.table("new").unwrap();
    assert_eq!(w.table_len(n2).unwrap(), 1);
    // Readers begun before the commit, of the same snapshot, do not.
    let during = db.begin_read().unwrap();
    assert_eq!(read_all(&during, "t"), (10, keys(0, 10)));
    assert_eq!(read_all(&during, "new"), (0, vec![]));
    w.commit().unwrap();
    assert_eq!(read_all(&r, "t"), (10, keys(0, 10)));
    let after = db.begin_read().unwrap();
    assert_eq!(read_all(&after, "t"), (20, keys(0, 20)));
    assert_eq!(read_all(&after, "new"), (1, vec![b"k".to_vec()]));
}

/// Ranges over a file-backed database read committed leaves straight from the memory map (the
/// scan's fast path) and overlay pages through the general path; both give the model's entries,
/// in either direction, with every kind of bound, across many leaves.
#[test]
fn ranges_over_mapped_and_overlay_leaves_match_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path().join("db"), Options::default()).unwrap();
    let mut model = std::collections::BTreeMap::new();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    for i in (0..6000).step_by(2) {
        let v = format!("value {i} {}", "x".repeat((i % 7) as usize * 40));
        w.insert(t, &key(i), v.as_bytes()).unwrap();
        model.insert(key(i), v.into_bytes());
    }
    // One value on overflow pages.
    let big = vec![7u8; 20_000];
    w.insert(t, &key(3001), &big).unwrap();
    model.insert(key(3001), big);
    w.commit().unwrap();
    db.checkpoint().unwrap();
    // Then changes that stay in the overlay until the next checkpoint.
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    for i in (1..300).step_by(50) {
        w.insert(t, &key(i), b"overlay").unwrap();
        model.insert(key(i), b"overlay".to_vec());
    }
    w.commit().unwrap();
    let r = db.begin_read().unwrap();
    let t = r.table("t").unwrap();
    let bounds = |lo: u32, hi: u32| {
        [
            (Bound::Included(key(lo)), Bound::Excluded(key(hi))),
            (Bound::Excluded(key(lo)), Bound::Included(key(hi))),
            (Bound::Unbounded, Bound::Included(key(hi))),
            (Bound::Included(key(lo)), Bound::Unbounded),
        ]
    };
    for (lo, hi) in [(0, 6000), (10, 11), (999, 4321), (2, 2), (5998, 7000)] {
        for (l, u) in bounds(lo, hi) {
            let want: Vec<_> = model
                .range::<Vec<u8>, _>((l.clone(), u.clone()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let lb = l.as_ref().map(Vec::as_slice);
            let ub = u.as_ref().map(Vec::as_slice);
            let got: Vec<_> = r
                .range(t, lb, ub)
                .unwrap()
                .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
                .collect();
            assert_eq!(got, want, "forward {l:?}..{u:?}");
            let mut got_rev: Vec<_> = r
                .range_rev(t, lb, ub)
                .unwrap()
                .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
                .collect();
            got_rev.reverse();
            assert_eq!(got_rev, want, "reverse {l:?}..{u:?}");
        }
    }
}
