//! Shrinking at close on the memory file system: what moves, what stays, and when it is skipped.

use std::ops::Bound;

use crate::db::tests::{key, mem_options as options};
use crate::db::{Database, ReadOps};
use crate::storage::vfs::MemVfs;

/// Values of every size: inline, near the inline limit, and overflow chains of several pages.
fn value(i: u32) -> Vec<u8> {
    let len = match i % 10 {
        0 => 3000 + (i as usize % 7) * 100,
        1..=3 => 200,
        _ => 20 + (i as usize % 50),
    };
    (0..len).map(|j| (i as usize * 31 + j) as u8).collect()
}

const TABLES: [&str; 3] = ["a", "b", "c"];

/// Fills three tables, then removes all but every `keep_every`-th key in one transaction.
fn fill_and_remove(db: &Database, n: u32, keep_every: u32) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut w = db.begin_write().unwrap();
        for name in TABLES {
            let t = w.table(name).unwrap();
            for &i in chunk {
                w.insert(t, &key(i), &value(i)).unwrap();
            }
        }
        w.commit().unwrap();
    }
    let mut w = db.begin_write().unwrap();
    for name in TABLES {
        let t = w.table(name).unwrap();
        for i in (0..n).filter(|i| i % keep_every != 0) {
            assert!(w.remove(t, &key(i)).unwrap());
        }
    }
    w.commit().unwrap();
}

fn file_len(vfs: &MemVfs) -> usize {
    vfs.file_bytes("/db").expect("the main file").len()
}

fn assert_holds(db: &Database, n: u32, keep_every: u32) {
    let r = db.begin_read().unwrap();
    for name in TABLES {
        let t = r.table(name).unwrap();
        let got: Vec<(Vec<u8>, Vec<u8>)> = r
            .range(t, Bound::Unbounded, Bound::Unbounded)
            .unwrap()
            .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
            .collect();
        let want: Vec<(Vec<u8>, Vec<u8>)> = (0..n)
            .filter(|i| i % keep_every == 0)
            .map(|i| (key(i), value(i)))
            .collect();
        assert_eq!(got.len(), want.len(), "table {name}");
        assert!(got == want, "table {name} differs");
    }
    let report = db.check_integrity().unwrap();
    assert!(report.is_ok(), "{:?}", report.errors);
}

#[test]
fn the_last_close_moves_live_pages_down_and_cuts_the_free_end() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", options(&vfs)).unwrap();
    fill_and_remove(&db, 3000, 7);
    db.checkpoint().unwrap();
    let before = file_len(&vfs);
    let stats = db.stats().unwrap();
    let unused = stats.free_pages + stats.pending_pages;
    assert!(unused * 4 > stats.total_pages, "{stats:?}");
    db.close().unwrap();
    let after = file_len(&vfs);
    assert!(
        after * 2 < before,
        "the file should lose over half: {before} -> {after} bytes"
    );
    let db = Database::open("/db", options(&vfs)).unwrap();
    assert_holds(&db, 3000, 7);
    let stats = db.stats().unwrap();
    assert!(
        stats.free_pages * 4 < stats.total_pages,
        "few free pages are left after the shrink: {stats:?}"
    );
    // The shrunk file grows again and stays consistent.
    let mut w = db.begin_write().unwrap();
    let t = w.table("a").unwrap();
    for i in (0..3000).filter(|i| i % 7 != 0) {
        w.insert(t, &key(i), &value(i)).unwrap();
    }
    w.commit().unwrap();
    assert!(db.check_integrity().unwrap().is_ok());
    db.close().unwrap();
    let db = Database::open("/db", options(&vfs)).unwrap();
    let r = db.begin_read().unwrap();
    let t = r.table("a").unwrap();
    assert_eq!(r.table_len(t).unwrap(), 3000);
    assert_eq!(&*r.get(t, &key(7)).unwrap().unwrap(), &value(7)[..]);
}

#[test]
fn a_file_with_little_free_space_is_left_as_it_is() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", options(&vfs)).unwrap();
    // Removing one key in 20 frees far less than a quarter of the file.
    fill_and_remove(&db, 3000, 1);
    let mut w = db.begin_write().unwrap();
    let t = w.table("a").unwrap();
    for i in (0..3000).step_by(20) {
        w.remove(t, &key(i)).unwrap();
    }
    w.commit().unwrap();
    db.checkpoint().unwrap();
    let before = file_len(&vfs);
    db.close().unwrap();
    assert_eq!(file_len(&vfs), before);
}

#[test]
fn another_handle_or_a_reader_or_the_option_off_keeps_the_file() {
    for case in ["clone", "reader", "option"] {
        let vfs = MemVfs::new();
        let mut opts = options(&vfs);
        opts.shrink_at_close = case != "option";
        let db = Database::open("/db", opts).unwrap();
        fill_and_remove(&db, 3000, 7);
        db.checkpoint().unwrap();
        let before = file_len(&vfs);
        let other = (case == "clone").then(|| db.clone());
        let reader = (case == "reader").then(|| db.begin_read().unwrap());
        db.close().unwrap();
        assert_eq!(file_len(&vfs), before, "{case}");
        drop((other, reader));
        assert_eq!(file_len(&vfs), before, "{case}: dropping is no close");
        let db = Database::open("/db", options(&vfs)).unwrap();
        assert_holds(&db, 3000, 7);
    }
}

#[test]
fn the_limit_leaves_room_for_branch_copies_and_freelists() {
    // 1,000 live pages out of 10,000 at 1 KiB: the live pages, 1/32 of them for branch copies,
    // two freelist chains of 73 pages (125 ids a page) and 16 to spare.
    assert_eq!(
        super::relocation_limit(10_000, 9_000, 1024),
        1000 + 31 + 2 * 73 + 16
    );
}

#[test]
fn the_cut_keeps_the_freelist_page_the_final_checkpoint_takes() {
    // The final checkpoint may need a page for its freelist chain (the previous checkpoint's chain
    // page is listed free, and no free page is left below the lowered mark): it takes one at the
    // mark, so the cut must come after that checkpoint, not before. Every shape of fill and
    // removal here reopens, intact, after the last close.
    let mut shrunk = 0;
    for n in (200..=1400).step_by(100) {
        for keep_every in 2..16 {
            let vfs = MemVfs::new();
            let db = Database::open("/db", options(&vfs)).unwrap();
            fill_and_remove(&db, n, keep_every);
            db.checkpoint().unwrap();
            let before = file_len(&vfs);
            db.close().unwrap();
            shrunk += usize::from(file_len(&vfs) < before);
            let db = Database::open("/db", options(&vfs))
                .unwrap_or_else(|e| panic!("n {n}, keep every {keep_every}: {e}"));
            assert_holds(&db, n, keep_every);
        }
    }
    assert!(shrunk > 100, "only {shrunk} of the files shrank");
}
