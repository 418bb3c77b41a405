//! File growth: under steady update churn with short readers the file reaches a size and stays
//! there (freed pages are reused), while a long-lived reader pins every page its snapshot reaches
//! (pending pages grow) until it is dropped.

use treestore_core::storage::vfs::MemVfs;
use treestore_core::{Database, Options, ReadOps, Stats};

use crate::util::{small_options, value, Rng, DB};

fn options() -> Options {
    Options {
        checkpoint_wal_bytes: 64 << 10,
        ..small_options(MemVfs::new())
    }
}

fn key(i: u64) -> Vec<u8> {
    format!("key{i:05}").into_bytes()
}

/// The size of `key(i)`'s values: fixed per key, so the live data stays the same size; one key in
/// ten has a value of 1 to 3 KiB, in overflow pages.
fn len_of(i: u64) -> usize {
    let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    if i % 10 == 3 {
        1000 + (x % 2000) as usize
    } else {
        (x % 150) as usize
    }
}

/// Rewrites 20 of 300 keys with new contents of the same sizes: a window that slides over the keys,
/// so every commit is about as large as the others (with keys drawn at random, the largest commit
/// so far, and with it the file, keeps growing by a page now and then).
fn churn(db: &Database, round: u64) {
    let mut w = db.begin_write().expect("begin");
    let t = w.table("t").expect("table");
    for i in 0..20 {
        let k = (round * 20 + i) % 300;
        w.insert(t, &key(k), &value(round * 100 + i, len_of(k)))
            .expect("insert");
    }
    w.commit().expect("commit");
}

fn short_read(db: &Database, rng: &mut Rng) {
    let r = db.begin_read().expect("read");
    let t = r.table("t").expect("table");
    let _ = r.get(t, &key(rng.below(300))).expect("get");
}

fn stats(db: &Database) -> Stats {
    db.stats().expect("stats")
}

#[test]
fn the_file_stops_growing_under_update_churn_with_short_readers() {
    let db = Database::open(DB, options()).expect("open");
    let mut rng = Rng::new(1);
    let mut sizes = Vec::new();
    // Most of these commits go straight into the main file (see `small_options`), so the WAL fills
    // and checkpoints come slowly: the size settles within about 600 rounds (within 100 when every
    // commit goes through the WAL).
    for round in 0..1500 {
        short_read(&db, &mut rng);
        churn(&db, round);
        short_read(&db, &mut rng);
        let s = stats(&db);
        sizes.push((s.total_pages, s.file_bytes));
    }
    let (warm, steady) = sizes.split_at(750);
    let max_warm = *warm.iter().max().expect("sizes");
    if let Some((i, grown)) = steady.iter().enumerate().find(|(_, s)| **s > max_warm) {
        panic!(
            "the file keeps growing: (pages, bytes) was at most {max_warm:?} in the first 750 \
             rounds and reached {grown:?} in round {}",
            750 + i
        );
    }
    let report = db.check_integrity().expect("check_integrity");
    assert!(report.is_ok(), "{:?}", report.errors);
}

#[test]
fn a_long_lived_reader_pins_pages_until_it_is_dropped() {
    let db = Database::open(DB, options()).expect("open");
    let mut rng = Rng::new(2);
    for round in 0..100 {
        churn(&db, round);
    }
    let settled = stats(&db);
    let reader = db.begin_read().expect("read");
    let t = reader.table("t").expect("table");
    let pinned: Vec<_> = (0..300)
        .map(|i| reader.get(t, &key(i)).expect("get").map(|v| v.to_vec()))
        .collect();
    let mut pending = Vec::new();
    for round in 100..160 {
        churn(&db, round);
        pending.push(stats(&db).pending_pages);
    }
    assert!(
        pending.windows(2).all(|w| w[0] < w[1]),
        "pending pages should grow while the reader lives: {pending:?}"
    );
    let grown = stats(&db);
    assert!(grown.total_pages > settled.total_pages, "{grown:?}");
    for (i, want) in pinned.iter().enumerate() {
        let got = reader
            .get(t, &key(i as u64))
            .expect("get")
            .map(|v| v.to_vec());
        assert!(got == *want, "the pinned snapshot changed at key {i}");
    }
    drop(reader);
    churn(&db, 160);
    let released = stats(&db);
    assert!(
        released.pending_pages * 10 < grown.pending_pages,
        "pages stayed pending after the reader was dropped: {} then {}",
        grown.pending_pages,
        released.pending_pages
    );
    assert!(released.free_pages > grown.free_pages, "{released:?}");
    // Released pages are reused: the file does not grow again for a while.
    for round in 161..260 {
        short_read(&db, &mut rng);
        churn(&db, round);
    }
    assert!(
        stats(&db).total_pages <= grown.total_pages,
        "the file grew after the release"
    );
}
