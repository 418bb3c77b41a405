//! Unit tests of the database layer on the memory file system.

use std::ops::Bound;
use std::sync::Arc;

use super::*;
use crate::error::ErrorKind;
use crate::storage::vfs::{MemVfs, Vfs};

pub(super) fn mem_options(vfs: &MemVfs) -> Options {
    Options {
        vfs: Arc::new(vfs.clone()),
        page_size: 1024,
        ..Options::default()
    }
}

pub(super) fn key(i: u32) -> Vec<u8> {
    format!("key{i:08}").into_bytes()
}

#[test]
fn insert_get_remove_across_commits_and_reopen() {
    let vfs = MemVfs::new();
    {
        let db = Database::open("/db", mem_options(&vfs)).unwrap();
        let mut w = db.begin_write().unwrap();
        let t = w.table("t").unwrap();
        for i in 0..2000 {
            w.insert(t, &key(i), format!("v{i}").as_bytes()).unwrap();
        }
        w.commit().unwrap();
        let mut w = db.begin_write().unwrap();
        let t = w.table("t").unwrap();
        for i in (0..2000).step_by(2) {
            assert!(w.remove(t, &key(i)).unwrap());
        }
        w.commit().unwrap();
        let r = db.begin_read().unwrap();
        let t = r.table("t").unwrap();
        assert_eq!(r.table_len(t).unwrap(), 1000);
        assert!(r.get(t, &key(2)).unwrap().is_none());
        assert_eq!(&*r.get(t, &key(3)).unwrap().unwrap(), b"v3");
        assert!(db.check_integrity().unwrap().is_ok());
    }
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let r = db.begin_read().unwrap();
    let t = r.table("t").unwrap();
    let keys: Vec<Vec<u8>> = r
        .range(t, Bound::Unbounded, Bound::Unbounded)
        .unwrap()
        .map(|kv| kv.unwrap().0.to_vec())
        .collect();
    let expected: Vec<Vec<u8>> = (1..2000).step_by(2).map(key).collect();
    assert_eq!(keys, expected);
    let report = db.check_integrity().unwrap();
    assert!(report.is_ok(), "{:?}", report.errors);
}

#[test]
fn readers_keep_their_snapshot_while_the_writer_commits() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    w.insert(t, b"a", b"1").unwrap();
    w.commit().unwrap();
    let r = db.begin_read().unwrap();
    for round in 0..50u32 {
        let mut w = db.begin_write().unwrap();
        let t = w.table("t").unwrap();
        w.insert(t, b"a", format!("{round}").as_bytes()).unwrap();
        for i in 0..50 {
            w.insert(t, &key(round * 100 + i), &[7u8; 100]).unwrap();
        }
        w.commit().unwrap();
        if round % 10 == 0 {
            db.checkpoint().unwrap();
        }
    }
    let t = r.table("t").unwrap();
    assert_eq!(&*r.get(t, b"a").unwrap().unwrap(), b"1");
    assert_eq!(r.table_len(t).unwrap(), 1);
    drop(r);
    assert!(db.check_integrity().unwrap().is_ok());
}

#[test]
fn rollback_and_drop_discard_everything() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    w.insert(t, b"kept", b"1").unwrap();
    w.commit().unwrap();
    let before = db.stats().unwrap().total_pages;
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    for i in 0..500 {
        w.insert(t, &key(i), &[1u8; 200]).unwrap();
    }
    w.rollback();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    w.insert(t, b"gone", b"1").unwrap();
    drop(w);
    let r = db.begin_read().unwrap();
    let t = r.table("t").unwrap();
    assert_eq!(r.table_len(t).unwrap(), 1);
    assert!(r.get(t, b"gone").unwrap().is_none());
    assert_eq!(db.stats().unwrap().total_pages, before);
    drop(r);
    assert!(db.check_integrity().unwrap().is_ok());
}

#[test]
fn large_values_use_overflow_pages_and_are_freed() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    w.insert(t, b"big", &big).unwrap();
    w.commit().unwrap();
    let r = db.begin_read().unwrap();
    let t = r.table("t").unwrap();
    assert_eq!(&*r.get(t, b"big").unwrap().unwrap(), &big[..]);
    drop(r);
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    w.insert(t, b"big", b"small").unwrap();
    w.commit().unwrap();
    db.checkpoint().unwrap();
    let stats = db.stats().unwrap();
    assert!(
        stats.free_pages + stats.pending_pages > 90,
        "overflow pages not freed: {stats:?}"
    );
    assert!(db.check_integrity().unwrap().is_ok());
}

#[test]
fn file_stops_growing_under_update_churn() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut sizes = Vec::new();
    for round in 0..400u32 {
        let mut w = db.begin_write().unwrap();
        let t = w.table("t").unwrap();
        for i in 0..20 {
            w.insert(t, &key((round * 7 + i) % 300), &[round as u8; 64])
                .unwrap();
        }
        w.commit().unwrap();
        let r = db.begin_read().unwrap();
        drop(r);
        if round % 25 == 0 {
            db.checkpoint().unwrap();
            sizes.push(db.stats().unwrap().total_pages);
        }
    }
    let tail = &sizes[sizes.len() / 2..];
    assert!(
        tail.iter().max() == tail.iter().min() || tail.last() <= tail.first(),
        "file keeps growing: {sizes:?}"
    );
    assert!(db.check_integrity().unwrap().is_ok());
}

#[test]
fn second_writer_open_is_locked_and_read_only_refuses_writes() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let err = Database::open("/db", mem_options(&vfs)).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::DatabaseLocked);
    drop(db);
    let ro = Database::open(
        "/db",
        Options {
            read_only: true,
            ..mem_options(&vfs)
        },
    )
    .unwrap();
    assert_eq!(ro.begin_write().err().unwrap().kind(), ErrorKind::ReadOnly);
}

#[test]
fn table_handles_do_not_cross_transactions_and_keys_have_limits() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let r = db.begin_read().unwrap();
    let t = r.table("t").unwrap();
    let mut w = db.begin_write().unwrap();
    assert_eq!(
        w.insert(t, b"k", b"v").err().unwrap().kind(),
        ErrorKind::InvalidArgument
    );
    let t = w.table("t").unwrap();
    let long = vec![b'k'; 10_000];
    assert_eq!(
        w.insert(t, &long, b"v").err().unwrap().kind(),
        ErrorKind::TooLarge
    );
    assert_eq!(
        w.table("").err().unwrap().kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn reverse_and_prefix_scans() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    for i in 0..500 {
        w.insert(t, &key(i), b"").unwrap();
    }
    let got: Vec<Vec<u8>> = w
        .range_rev(t, Bound::Included(&key(10)), Bound::Excluded(&key(20)))
        .unwrap()
        .map(|kv| kv.unwrap().0.to_vec())
        .collect();
    let want: Vec<Vec<u8>> = (10..20).rev().map(key).collect();
    assert_eq!(got, want);
    w.commit().unwrap();
    let r = db.begin_read().unwrap();
    let t = r.table("t").unwrap();
    let n = r.prefix(t, b"key0000004").unwrap().count();
    assert_eq!(n, 10);
    let n = r.prefix_rev(t, b"key000001").unwrap().count();
    assert_eq!(n, 100);
}

#[test]
fn drop_table_frees_its_pages() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    for i in 0..1000 {
        w.insert(t, &key(i), &[3u8; 50]).unwrap();
    }
    w.commit().unwrap();
    let mut w = db.begin_write().unwrap();
    assert!(w.drop_table("t").unwrap());
    w.commit().unwrap();
    let r = db.begin_read().unwrap();
    assert!(r.table_names().unwrap().is_empty());
    drop(r);
    assert!(db.check_integrity().unwrap().is_ok());
}

#[test]
fn backup_is_a_consistent_compacted_copy_taken_while_writing() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    for i in 0..3000 {
        w.insert(t, &key(i), &[5u8; 80]).unwrap();
    }
    w.create_table("empty").unwrap();
    w.commit().unwrap();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    for i in 0..2000 {
        w.remove(t, &key(i)).unwrap();
    }
    w.commit().unwrap();
    // A write transaction is open while the backup runs: the backup must not include it.
    let mut open_writer = db.begin_write().unwrap();
    let t = open_writer.table("t").unwrap();
    open_writer.insert(t, b"late", b"x").unwrap();
    let report = std::thread::scope(|s| s.spawn(|| db.backup("/copy")).join().unwrap()).unwrap();
    open_writer.commit().unwrap();
    assert_eq!(report.tables, 2);
    assert_eq!(report.entries, 1000);
    db.checkpoint().unwrap();
    assert!(report.file_bytes < db.stats().unwrap().file_bytes);
    let copy = Database::open("/copy", mem_options(&vfs)).unwrap();
    let r = copy.begin_read().unwrap();
    assert_eq!(r.table_names().unwrap(), vec!["empty", "t"]);
    let t = r.table("t").unwrap();
    assert_eq!(r.table_len(t).unwrap(), 1000);
    assert!(r.get(t, b"late").unwrap().is_none());
    assert!(copy.check_integrity().unwrap().is_ok());
    let err = db.backup("/copy").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
}

#[test]
fn compact_rewrites_the_file_in_place() {
    let vfs = MemVfs::new();
    {
        let db = Database::open("/db", mem_options(&vfs)).unwrap();
        let mut w = db.begin_write().unwrap();
        let t = w.table("t").unwrap();
        for i in 0..3000 {
            w.insert(t, &key(i), &[5u8; 80]).unwrap();
        }
        w.commit().unwrap();
        let mut w = db.begin_write().unwrap();
        let t = w.table("t").unwrap();
        for i in 500..3000 {
            w.remove(t, &key(i)).unwrap();
        }
        w.commit().unwrap();
    }
    let before = vfs.file_bytes("/db").unwrap().len();
    let report = Database::compact("/db", mem_options(&vfs)).unwrap();
    assert_eq!(report.entries, 500);
    let after = vfs.file_bytes("/db").unwrap().len();
    assert!(after < before / 2, "{after} vs {before}");
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let r = db.begin_read().unwrap();
    let t = r.table("t").unwrap();
    assert_eq!(r.table_len(t).unwrap(), 500);
    assert!(db.check_integrity().unwrap().is_ok());
}

#[test]
fn loading_in_key_order_fills_pages() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    let n = 20_000u32;
    for i in 0..n {
        w.insert(t, &key(i), &[9u8; 80]).unwrap();
    }
    w.commit().unwrap();
    let entry = 12 + key(0).len() + 80;
    let ideal = (n as usize * entry) / (1024 - 16);
    let used = db.stats().unwrap().used_pages as usize;
    // Leaves hold whole entries (9 of 103 bytes in 1008) and branches add a few pages.
    assert!(
        used < ideal * 120 / 100,
        "{used} pages for an ideal {ideal}"
    );
    assert!(db.check_integrity().unwrap().is_ok());
}

#[test]
fn runs_appended_in_the_middle_of_a_table_fill_pages() {
    // Like a posting list's appended blocks: each transaction adds, for every one of 20 groups, a
    // run of keys after the group's last one, in key order, so every run lands in the middle of
    // the tree (before the next group's keys).
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let (groups, per_group, rounds) = (20u32, 200u32, 5u32);
    for round in 0..rounds {
        let mut w = db.begin_write().unwrap();
        let t = w.table("t").unwrap();
        for g in 0..groups {
            for i in 0..per_group {
                w.insert(t, &key(g * 1_000_000 + round * per_group + i), &[9u8; 80])
                    .unwrap();
            }
        }
        w.commit().unwrap();
    }
    let n = (groups * per_group * rounds) as usize;
    let entry = 12 + key(0).len() + 80;
    let ideal = (n * entry) / (1024 - 16);
    let used = db.stats().unwrap().used_pages as usize;
    // Middle splits would leave each run's leaves about half full (about 2x the ideal).
    assert!(
        used < ideal * 130 / 100,
        "{used} pages for an ideal {ideal}"
    );
    let r = db.begin_read().unwrap();
    let t = r.table("t").unwrap();
    assert_eq!(r.table_len(t).unwrap(), n as u64);
    assert!(db.check_integrity().unwrap().is_ok());
}

#[test]
fn a_relaxed_database_releases_its_lock_as_soon_as_it_is_dropped() {
    let vfs = MemVfs::new();
    let options = Options {
        durability: Durability::Relaxed,
        sync_interval: std::time::Duration::from_millis(1),
        ..mem_options(&vfs)
    };
    for round in 0..50u32 {
        let db = Database::open("/db", options.clone()).unwrap();
        let mut w = db.begin_write().unwrap();
        let t = w.table("t").unwrap();
        w.insert(t, &key(round), b"v").unwrap();
        w.commit().unwrap();
        std::thread::sleep(std::time::Duration::from_micros(500));
        drop(db);
    }
    let db = Database::open("/db", options).unwrap();
    let r = db.begin_read().unwrap();
    let t = r.table("t").unwrap();
    assert_eq!(r.table_len(t).unwrap(), 50);
}

#[test]
fn commits_and_checkpoints_are_measured() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    w.insert(t, b"k", b"v").unwrap();
    w.commit().unwrap();
    db.checkpoint().unwrap();
    use crate::metrics::Op;
    assert_eq!(db.metrics().snapshot(Op::Commit).count, 1);
    assert_eq!(db.metrics().snapshot(Op::Checkpoint).count, 1);
    let text = db.metrics_text().unwrap();
    assert!(
        text.contains("treestore_op_duration_seconds_count{op=\"commit\"} 1"),
        "{text}"
    );
    assert!(text.contains("treestore_commits_total 1"));
}

#[test]
fn read_only_handles_report_the_free_pages_too() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let big = vec![7u8; 50_000];
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    w.insert(t, b"big", &big).unwrap();
    w.commit().unwrap();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    w.remove(t, b"big").unwrap();
    w.commit().unwrap();
    db.close().unwrap();
    let writable = Database::open("/db", mem_options(&vfs)).unwrap();
    let want = writable.stats().unwrap();
    assert!(want.free_pages > 40, "{want:?}");
    drop(writable);
    for with_wal in [true, false] {
        if !with_wal {
            let _ = Vfs::remove(&vfs, &super::open::wal_path(std::path::Path::new("/db")));
        }
        let options = Options {
            read_only: true,
            ..mem_options(&vfs)
        };
        let ro = Database::open("/db", options).unwrap();
        let got = ro.stats().unwrap();
        assert_eq!(
            (got.free_pages, got.used_pages),
            (want.free_pages, want.used_pages)
        );
    }
}

/// Lookups through one [`Finger`](crate::Finger) answer exactly as root descents do, in any
/// order (ascending, descending, jumping across leaves, keys between and outside the stored
/// ones), and a finger moved to another table or transaction starts over by itself.
#[test]
fn finger_lookups_agree_with_plain_gets_in_any_order() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut w = db.begin_write().unwrap();
    let (a, b) = (w.table("a").unwrap(), w.table("b").unwrap());
    // Even keys only, 1 KiB pages: hundreds of leaves under three levels.
    for i in (0..6000).step_by(2) {
        w.insert(a, &key(i), format!("a{i}").as_bytes()).unwrap();
        w.insert(b, &key(i), format!("b{i}").as_bytes()).unwrap();
    }
    w.commit().unwrap();
    let r = db.begin_read().unwrap();
    let (a, b) = (r.table("a").unwrap(), r.table("b").unwrap());
    let mut probes: Vec<Vec<u8>> = (0..6003).map(key).collect();
    probes.push(b"".to_vec());
    probes.push(b"key".to_vec());
    probes.push(b"zzz".to_vec());
    let mut orders = vec![probes.clone()];
    orders.push(probes.iter().rev().cloned().collect());
    let mut rng = crate::rng::Rng::new(7);
    orders.push(
        (0..4000)
            .map(|_| probes[rng.index(probes.len())].clone())
            .collect(),
    );
    orders.push((0..6003).step_by(37).map(key).collect());
    let mut finger = crate::Finger::new();
    for order in &orders {
        for (n, k) in order.iter().enumerate() {
            let t = if n % 97 == 0 { b } else { a };
            let want = r.get(t, k).unwrap().map(|v| v.to_vec());
            let got = r.get_near(t, k, &mut finger).unwrap().map(|v| v.to_vec());
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(k));
        }
    }
    drop(r);
    // A new snapshot with a changed tree: the old path is not used.
    let mut w = db.begin_write().unwrap();
    let t = w.table("a").unwrap();
    for i in (1..6000).step_by(10) {
        w.insert(t, &key(i), b"new").unwrap();
    }
    w.commit().unwrap();
    let r = db.begin_read().unwrap();
    let a = r.table("a").unwrap();
    for i in 0..6000 {
        let want = r.get(a, &key(i)).unwrap().map(|v| v.to_vec());
        assert_eq!(
            r.get_near(a, &key(i), &mut finger)
                .unwrap()
                .map(|v| v.to_vec()),
            want
        );
    }
    // An empty table.
    let empty = r.table("none").unwrap();
    assert!(r.get_near(empty, &key(1), &mut finger).unwrap().is_none());
}

/// A lookup started at a page of the table's tree (`start_near`: the page above a leaf another
/// lookup passed, a leaf, the root) or at no readable page (past the file, 0) gives what a plain
/// get gives, for keys inside and outside that page's range.
#[test]
fn lookups_started_at_a_hint_page_agree_with_plain_gets() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut w = db.begin_write().unwrap();
    let a = w.table("a").unwrap();
    for i in (0..6000).step_by(2) {
        w.insert(a, &key(i), format!("a{i}").as_bytes()).unwrap();
    }
    w.commit().unwrap();
    let r = db.begin_read().unwrap();
    let a = r.table("a").unwrap();
    let mut starts = vec![0, 1 << 30, u64::from(u32::MAX)];
    for i in [10, 3000, 5990] {
        let mut f = crate::Finger::new();
        r.get_near(a, &key(i), &mut f).unwrap();
        starts.push(f.above_leaf().expect("three levels"));
        starts.push(f.last_page().unwrap());
        starts.push(a.root);
    }
    for &start in &starts {
        for i in (0..6003).step_by(7) {
            let mut f = crate::Finger::new();
            r.start_near(a, &mut f, start);
            let got = r.get_near(a, &key(i), &mut f).unwrap().map(|v| v.to_vec());
            let want = r.get(a, &key(i)).unwrap().map(|v| v.to_vec());
            assert_eq!(got, want, "start {start}, key {i}");
        }
    }
}

/// Inserts past the tree's last key take the B+tree's append path (no descent) when the last
/// leaf is dirty and has room; everything else the general one. Mixed in every way (appends
/// that fill and split leaves, inserts inside the tree, replacing and removing the last keys,
/// overflow values, rolled back transactions), the tree holds what a model holds.
#[test]
fn appends_in_key_order_mixed_with_other_writes_match_a_model() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut model = std::collections::BTreeMap::<Vec<u8>, Vec<u8>>::new();
    let mut rng = crate::rng::Rng::new(5);
    let mut next = 1_000u32;
    for round in 0..40 {
        let mut w = db.begin_write().unwrap();
        let t = w.table("t").unwrap();
        let mut changed = model.clone();
        for _ in 0..400 {
            let value = |rng: &mut crate::rng::Rng| {
                let len = if rng.chance(0.02) {
                    3000
                } else {
                    rng.range(0, 120)
                };
                vec![rng.below(256) as u8; len]
            };
            match rng.below(10) {
                // Runs of appends, the common case.
                0..=5 => {
                    for _ in 0..rng.range(1, 30) {
                        next += rng.range(1, 3) as u32;
                        let v = value(&mut rng);
                        assert!(!w.insert(t, &key(next), &v).unwrap());
                        changed.insert(key(next), v);
                    }
                }
                // An insert inside the tree.
                6 => {
                    let k = key(rng.below(u64::from(next)) as u32);
                    let v = value(&mut rng);
                    let replaced = w.insert(t, &k, &v).unwrap();
                    assert_eq!(replaced, changed.insert(k, v).is_some());
                }
                // Replacing the last key: not past it.
                7 => {
                    if let Some(k) = changed.keys().next_back().cloned() {
                        let v = value(&mut rng);
                        assert!(w.insert(t, &k, &v).unwrap());
                        changed.insert(k, v);
                    }
                }
                // Removing the last keys, so appends follow a shrunk or merged last leaf.
                _ => {
                    for _ in 0..rng.range(1, 40) {
                        let Some(k) = changed.keys().next_back().cloned() else {
                            break;
                        };
                        assert!(w.remove(t, &k).unwrap());
                        changed.remove(&k);
                    }
                }
            }
        }
        let got: Vec<(Vec<u8>, Vec<u8>)> = w
            .range(t, Bound::Unbounded, Bound::Unbounded)
            .unwrap()
            .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
            .collect();
        let want: Vec<(Vec<u8>, Vec<u8>)> = changed.clone().into_iter().collect();
        assert!(
            got == want,
            "round {round}: the tree differs from the model"
        );
        assert_eq!(w.table_len(t).unwrap(), changed.len() as u64);
        if round % 5 == 4 {
            w.rollback();
        } else {
            w.commit().unwrap();
            model = changed;
        }
        assert!(db.check_integrity().unwrap().is_ok(), "round {round}");
    }
    let r = db.begin_read().unwrap();
    let t = r.table("t").unwrap();
    let n = r
        .range(t, Bound::Unbounded, Bound::Unbounded)
        .unwrap()
        .count();
    assert_eq!(n, model.len());
}

#[test]
fn insert_run_makes_the_table_inserts_one_by_one_make() {
    // Runs past the last key (the append walk), keys inside the tree, replaced keys, values that
    // need overflow pages, over several commits: both tables hold the same entries.
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut runs: Vec<Vec<(Vec<u8>, Vec<u8>)>> = Vec::new();
    runs.push((0..700).map(|i| (key(i * 3), vec![i as u8; 20])).collect());
    runs.push((0..300).map(|i| (key(i * 7 + 1), b"x".to_vec())).collect());
    runs.push(
        (2000..2600)
            .map(|i| (key(i), vec![7u8; if i % 50 == 0 { 3000 } else { 9 }]))
            .chain([(key(3), b"replaced".to_vec()), (key(5000), Vec::new())])
            .collect(),
    );
    for run in &runs {
        let mut w = db.begin_write().unwrap();
        let (a, b) = (w.table("a").unwrap(), w.table("b").unwrap());
        let entries: Vec<(&[u8], &[u8])> = run.iter().map(|(k, v)| (&k[..], &v[..])).collect();
        w.insert_run(a, &entries).unwrap();
        for (k, v) in run {
            w.insert(b, k, v).unwrap();
        }
        w.commit().unwrap();
    }
    let r = db.begin_read().unwrap();
    let all = |name: &str| -> Vec<(Vec<u8>, Vec<u8>)> {
        let t = r.table(name).unwrap();
        r.range(t, Bound::Unbounded, Bound::Unbounded)
            .unwrap()
            .map(|kv| {
                let (k, v) = kv.unwrap();
                (k.to_vec(), v.to_vec())
            })
            .collect()
    };
    assert_eq!(all("a"), all("b"));
    let (a, b) = (r.table("a").unwrap(), r.table("b").unwrap());
    assert_eq!(r.table_len(a).unwrap(), r.table_len(b).unwrap());
    let report = db.check_integrity().unwrap();
    assert!(report.is_ok(), "{:?}", report.errors);
}

#[test]
fn insert_run_checks_every_size_before_writing() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    let long = vec![1u8; 5000];
    let err = w.insert_run(t, &[(b"a", b"1"), (&long, b"2")]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert!(w.get(t, b"a").unwrap().is_none());
}
