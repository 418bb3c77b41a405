//! Damaged files: one byte flipped in every page of the main file, and in every record of the WAL.
//! Opening, reading everything, checking integrity and writing a little must then either report the
//! damage (`ErrorKind::Corruption`, or an integrity report with errors) or read exactly the committed
//! data (the byte was unused or superseded); a flip in the last WAL transaction may also drop that
//! transaction, as a torn tail would. Never a panic, never silently different data. A branch page
//! that points back at itself or at its parent must give `Corruption`, not a hang or a stack
//! overflow.

use std::ops::Bound;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Duration;

use treestore_core::storage::vfs::{CrashConfig, FaultyVfs, MemVfs};
use treestore_core::{Database, Error, ErrorKind, IntegrityReport, Options, ReadOps, Result};

use crate::reseal::reseal;
use crate::util::{
    describe, dump, expected_states, recover, run, small_options, workload, State, Step, DB,
};

const WAL: &str = "/db-wal";
const PAGE: usize = 1024;

/// A database with checkpointed data in the main file (free pages and a freelist chain included)
/// and five more commits only in the WAL. Returns its image and the state after each commit.
fn build() -> (MemVfs, Vec<State>) {
    let vfs = FaultyVfs::new(5);
    // Commits of twelve pages or more go straight into the main file: the WAL holds both kinds.
    let opts = Options {
        direct_commit_bytes: 12 << 10,
        ..small_options(vfs.clone())
    };
    let db = Database::open(DB, opts).expect("open");
    let mut steps = workload(31, 25);
    steps.push(Step::Checkpoint);
    let tail: Vec<Step> = workload(32, 5)
        .into_iter()
        .filter(|s| matches!(s, Step::Commit(_)))
        .collect();
    steps.extend(tail);
    let out = run(&db, &steps);
    assert!(out.error.is_none(), "{:?}", out.error);
    vfs.crash_now(CrashConfig::apply_all());
    drop(db);
    let image = vfs.crash_image().expect("crashed");
    (image, expected_states(&State::new(), &steps))
}

/// Opens, reads everything, checks integrity, then changes a few keys.
fn open_read_check_write(image: MemVfs) -> Result<(State, IntegrityReport)> {
    let db = Database::open(DB, small_options(image))?;
    let state = dump(&db)?;
    let report = db.check_integrity()?;
    if !report.is_ok() {
        return Ok((state, report));
    }
    let mut w = db.begin_write()?;
    for (name, entries) in &state {
        let t = w.table(name)?;
        if let Some(k) = entries.keys().next() {
            w.remove(t, k)?;
        }
        w.insert(t, b"new key", &[7u8; 2000])?;
    }
    w.commit()?;
    Ok((state, report))
}

fn flip(image: &MemVfs, path: &str, at: usize) {
    let mut bytes = image.file_bytes(path).expect("file");
    assert!(at < bytes.len(), "{path} was shortened below byte {at}");
    bytes[at] ^= 0x5A;
    image.set_file_bytes(path, bytes);
}

/// Runs the probe on a copy of `image` with byte `at` of `path` flipped, and checks its outcome:
/// `allowed` lists the states an undetected flip may leave. When the damage is reported, flipping
/// the byte back must give the database back: looking at damage must never make it worse.
fn flip_and_probe(image: &MemVfs, path: &str, at: usize, allowed: &[&State]) {
    let copy = image.deep_clone();
    flip(&copy, path, at);
    let what = format!(
        "{path}: byte {at} (page {}, offset {})",
        at / PAGE,
        at % PAGE
    );
    let probed = copy.clone();
    let outcome = catch_unwind(AssertUnwindSafe(|| open_read_check_write(probed)))
        .unwrap_or_else(|_| panic!("{what}: the engine panicked"));
    match outcome {
        Err(e) => assert_eq!(e.kind(), ErrorKind::Corruption, "{what}: {e}"),
        Ok((_, report)) if !report.is_ok() => {}
        Ok((state, _)) => {
            assert!(
                allowed.contains(&&state),
                "{what}: undetected, and the data differs: [{}] instead of [{}]",
                describe(&state),
                describe(allowed[0])
            );
            return;
        }
    }
    flip(&copy, path, at);
    let state = recover(&copy, Default::default())
        .unwrap_or_else(|e| panic!("{what}: with the byte restored: {e}"));
    assert!(
        allowed.contains(&&state),
        "{what}: with the byte restored the data differs: opening the damaged file destroyed data"
    );
}

#[test]
fn a_flipped_byte_in_any_page_is_reported_or_harmless() {
    let (image, states) = build();
    let last = states.last().expect("states");
    let len = image.file_bytes(DB).expect("db").len();
    for page in 0..len / PAGE {
        let base = page * PAGE;
        for offset in [page % 16, 16 + page % 48, 16 + (page * 97) % (PAGE - 16)] {
            flip_and_probe(&image, DB, base + offset, &[last]);
        }
    }
}

/// (offset, length, txid) of every record of the current generation after the 40-byte WAL header:
/// what follows them is the zeros the WAL is extended with, or records of older generations (a
/// checkpoint rewrites the WAL from the start).
fn wal_records(wal: &[u8]) -> Vec<(usize, usize, u64)> {
    let u32_at = |at: usize| u32::from_le_bytes(wal[at..at + 4].try_into().expect("4 bytes"));
    let u64_at = |at: usize| u64::from_le_bytes(wal[at..at + 8].try_into().expect("8 bytes"));
    let mut records = Vec::new();
    let mut at = 40;
    while at + 40 <= wal.len() {
        if !matches!(u32_at(at), 1 | 2) || u64_at(at + 8) != u64_at(16) {
            break;
        }
        let len = 40 + u32_at(at + 4) as usize;
        records.push((at, len, u64_at(at + 16)));
        at += len;
    }
    records
}

#[test]
fn a_flipped_byte_in_the_wal_is_reported_unless_it_is_in_the_last_transaction() {
    let (image, states) = build();
    let n = states.len() - 1;
    let (last, before_last) = (&states[n], &states[n - 1]);
    let wal = image.file_bytes(WAL).expect("wal");
    let records = wal_records(&wal);
    let last_txid = records.iter().map(|r| r.2).max().expect("records");
    assert!(records.iter().filter(|r| r.2 != last_txid).count() > 10);
    let direct_commits = records
        .iter()
        .filter(|&&(at, len, _)| u32_at(&wal, at) == 2 && u64_at(&wal, at + 80) > 0 && len > 88)
        .count();
    assert!(direct_commits > 0, "no commit of the tail went direct");
    for at in 0..40 {
        flip_and_probe(&image, WAL, at, &[last]);
    }
    for (i, &(start, len, txid)) in records.iter().enumerate() {
        let allowed: &[&State] = if txid == last_txid {
            &[last, before_last]
        } else {
            &[last]
        };
        for offset in [i % 40, 40 + (i * 131) % (len - 40), len - 1] {
            flip_and_probe(&image, WAL, start + offset, allowed);
        }
    }
}

fn u64_at(page: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(page[at..at + 8].try_into().expect("8 bytes"))
}

fn u32_at(page: &[u8], at: usize) -> usize {
    u32::from_le_bytes(page[at..at + 4].try_into().expect("4 bytes")) as usize
}

fn key(i: u32) -> Vec<u8> {
    format!("key{i:08}").into_bytes()
}

/// A cleanly closed database whose only table is three levels deep; returns the image and the
/// page numbers of the table's root and of the root's first child.
fn deep_table() -> (MemVfs, usize, usize) {
    let vfs = MemVfs::new();
    let db = Database::open(DB, small_options(vfs.clone())).expect("open");
    let mut w = db.begin_write().expect("begin");
    let t = w.table("t").expect("table");
    for i in 0..5000 {
        w.insert(t, &key(i), &i.to_le_bytes()).expect("insert");
    }
    w.commit().expect("commit");
    drop(db);
    let file = vfs.file_bytes(DB).expect("db");
    let page = |n: usize| &file[n * PAGE..(n + 1) * PAGE];
    let meta = [1, 2]
        .into_iter()
        .filter(|&n| &page(n)[0..4] == b"META")
        .max_by_key(|&n| u64_at(page(n), 8))
        .expect("a meta page");
    let catalog = page(u64_at(page(meta), 24) as usize);
    assert_eq!(catalog[0], 1, "the catalog of one table is a leaf");
    let entry = u32_at(catalog, 16);
    let klen = u32_at(catalog, entry);
    let root = u64_at(catalog, entry + 8 + klen) as usize;
    assert_eq!(page(root)[0], 2, "the table root is a branch");
    let child = u64_at(page(root), 16) as usize;
    assert_eq!(page(child)[0], 2, "the table is at least three levels deep");
    (vfs, root, child)
}

/// Every operation that descends through the damaged pointer, each expected to fail.
fn descend_everywhere(image: MemVfs) -> Vec<(&'static str, Option<Error>)> {
    let first = key(0);
    let mut results = Vec::new();
    let db = match Database::open(DB, small_options(image)) {
        Ok(db) => db,
        Err(e) => return vec![("open", Some(e))],
    };
    let r = db.begin_read().expect("read");
    let t = r.table("t").expect("table");
    results.push(("get", r.get(t, &first).err()));
    // A finger lookup, twice: the second starts from the path the first left behind.
    let mut finger = treestore_core::Finger::new();
    results.push(("get_near", r.get_near(t, &first, &mut finger).err()));
    results.push(("get_near again", r.get_near(t, &first, &mut finger).err()));
    let scan = |rev: bool| -> Option<Error> {
        let it = if rev {
            r.range_rev(t, Bound::Unbounded, Bound::Unbounded)
        } else {
            r.range(t, Bound::Unbounded, Bound::Unbounded)
        };
        match it {
            Err(e) => Some(e),
            Ok(mut it) => it.find_map(|kv| kv.err()),
        }
    };
    results.push(("range", scan(false)));
    results.push(("range_rev", scan(true)));
    drop(r);
    let write = |f: &dyn Fn(&mut treestore_core::WriteTxn) -> Result<bool>| -> Option<Error> {
        let mut w = db.begin_write().ok()?;
        f(&mut w).err()
    };
    results.push((
        "insert",
        write(&|w| {
            let t = w.table("t")?;
            w.insert(t, &first, b"x")
        }),
    ));
    results.push((
        "remove",
        write(&|w| {
            let t = w.table("t")?;
            w.remove(t, &first)
        }),
    ));
    let integrity = match db.check_integrity() {
        Err(e) => Some(e),
        Ok(report) if !report.is_ok() => Some(Error::new(ErrorKind::Corruption, "reported")),
        Ok(_) => None,
    };
    results.push(("check_integrity", integrity));
    results
}

fn assert_cycle_is_corruption(image: MemVfs, what: &str) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = catch_unwind(AssertUnwindSafe(|| descend_everywhere(image)));
        let _ = tx.send(outcome.map_err(|_| ()));
    });
    let results = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("{what}: hung"))
        .unwrap_or_else(|_| panic!("{what}: panicked"));
    for (op, err) in results {
        let err = err.unwrap_or_else(|| panic!("{what}: {op} succeeded through a cycle"));
        assert_eq!(err.kind(), ErrorKind::Corruption, "{what}: {op}: {err}");
    }
}

#[test]
fn cyclic_page_pointers_are_corruption_not_a_hang() {
    let (vfs, root, child) = deep_table();
    for (what, damaged, target) in [
        ("root points at itself", root, root),
        ("child points at the root", child, root),
    ] {
        let image = vfs.deep_clone();
        let mut file = image.file_bytes(DB).expect("db");
        let page = &mut file[damaged * PAGE..(damaged + 1) * PAGE];
        page[16..24].copy_from_slice(&(target as u64).to_le_bytes());
        reseal(page);
        image.set_file_bytes(DB, file);
        assert_cycle_is_corruption(image, what);
    }
}
