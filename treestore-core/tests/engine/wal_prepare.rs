//! WAL space prepared ahead of the appends (zeros written past the last record: by the writer,
//! unsynced, or by a background thread, which syncs them): it must never overwrite a record. The
//! power is cut at the first sync after each growth and at the sync after that; and on real files,
//! while a background thread prepares the space as commits append, copies of the files taken every
//! ten commits (what `kill -9` leaves) must recover every acknowledged commit.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use treestore_core::storage::vfs::{FaultyVfs, MemVfs, OsVfs};
use treestore_core::{Database, Durability, Options};

use crate::crash::{modes, seed_of};
use crate::util::{
    assert_prefix, dump, expected_states, is_wal, recover, run, small_options, value, HookVfs,
    Hooks, Op, State, Step, DB,
};

/// What the writer's growth writes at a time (the zero block of `storage/wal.rs`): no commit of
/// this workload writes as much to the WAL at once.
const ZERO_BLOCK: usize = 256 << 10;

/// Notes which syncs (numbered from 1, over every file, as [`FaultyVfs`] numbers them) follow a
/// growth of the WAL: a write of a whole zero block since the WAL's last sync.
#[derive(Default)]
struct GrowthSyncs {
    syncs: AtomicU64,
    grew: Mutex<bool>,
    found: Mutex<Vec<u64>>,
}

impl Hooks for GrowthSyncs {
    fn wrote(&self, path: &Path, len: usize) {
        if is_wal(path) && len == ZERO_BLOCK {
            *self.grew.lock().unwrap() = true;
        }
    }
    fn sync(&self, path: &Path) -> std::io::Result<()> {
        let n = self.syncs.fetch_add(1, Ordering::Relaxed) + 1;
        if is_wal(path) && std::mem::take(&mut *self.grew.lock().unwrap()) {
            self.found.lock().unwrap().push(n);
        }
        Ok(())
    }
}

/// One log generation (no checkpoint) of commits that each log about 20 KiB, so the WAL grows
/// past 1, 2 and 3 MiB: three values of 6 KB (overflow pages) over 30 keys.
fn growing() -> Vec<Step> {
    (0..170u64)
        .map(|c| {
            let ops = (0..3)
                .map(|j| Op::Insert {
                    table: "alpha",
                    key: format!("k{:03}", (c * 3 + j) % 30).into_bytes(),
                    value: value(c << 8 | j, 6000),
                })
                .collect();
            Step::Commit(ops)
        })
        .collect()
}

fn options(vfs: impl treestore_core::storage::vfs::Vfs) -> Options {
    Options {
        checkpoint_wal_bytes: 64 << 20,
        direct_commit_bytes: 1 << 30,
        ..small_options(vfs)
    }
}

#[test]
fn every_growth_of_the_wal_recovers_every_acknowledged_commit() {
    let steps = growing();
    let states = expected_states(&State::new(), &steps);
    let counting = HookVfs::new(FaultyVfs::new(0), GrowthSyncs::default());
    let db = Database::open(DB, options(counting.clone())).expect("open");
    let out = run(&db, &steps);
    assert!(out.error.is_none(), "fault-free run: {:?}", out.error);
    assert!(
        db.stats().expect("stats").wal_bytes > 3 << 20,
        "the WAL should pass 3 MiB in one generation"
    );
    drop(db);
    let growths = counting.hooks.found.lock().unwrap().clone();
    assert!(
        growths.len() >= 4,
        "the WAL should grow at least 4 times, grew at syncs {growths:?}"
    );
    for (mi, (name, mode)) in modes().into_iter().enumerate() {
        for &k in &growths {
            for k in [k, k + 1] {
                let vfs = FaultyVfs::new(seed_of(mi) + k);
                vfs.crash_at_sync(k, mode);
                let db = Database::open(DB, options(vfs.clone())).expect("open");
                let out = run(&db, &steps);
                drop(db);
                let image = vfs.crash_image().expect("the sync was reached");
                let what = format!("crash at sync {k} (growths at {growths:?}, {name})");
                let state = recover(&image, Durability::Sync)
                    .unwrap_or_else(|e| panic!("{what}: recovery failed: {e}"));
                assert_prefix(&states, &state, out.acked, out.attempted, &what);
            }
        }
    }
}

/// Copies the database and its WAL from `from` to `to`, as the page cache holds them now.
fn copy_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for name in ["db", "db-wal"] {
        std::fs::copy(from.join(name), to.join(name)).unwrap();
    }
}

#[test]
fn the_background_preparer_never_overwrites_a_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live");
    std::fs::create_dir_all(&path).unwrap();
    let opts = Options {
        vfs: Arc::new(OsVfs),
        ..options(MemVfs::new())
    };
    let db = Database::open(path.join("db"), opts.clone()).expect("open");
    let steps = growing();
    let states = expected_states(&State::new(), &steps);
    for (i, step) in steps.iter().enumerate() {
        let out = run(&db, std::slice::from_ref(step));
        assert!(out.error.is_none(), "commit {i}: {:?}", out.error);
        if (i + 1) % 10 == 0 {
            // What a kill leaves: the files as they are, the preparer possibly mid-step.
            let copy = dir.path().join(format!("copy{i}"));
            copy_files(&path, &copy);
            let back = Database::open(copy.join("db"), opts.clone()).expect("reopen a copy");
            let state = dump(&back).expect("read a copy");
            assert_prefix(
                &states,
                &state,
                i + 1,
                i + 1,
                &format!("copy after {}", i + 1),
            );
        }
    }
    assert!(db.stats().unwrap().wal_bytes > 3 << 20);
}

/// The length of the WAL beside the database `db`.
fn wal_len(db: &Path) -> u64 {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    std::fs::metadata(name).map_or(0, |m| m.len())
}

#[test]
fn the_preparer_waits_for_the_first_write_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let opts = Options {
        vfs: Arc::new(OsVfs),
        durability: Durability::Sync,
        ..options(MemVfs::new())
    };
    drop(Database::open(&path, opts.clone()).expect("create"));
    let closed = wal_len(&path);

    // Opened for writing and only read: the log is left as it was (the thread would have written
    // its first megabyte within milliseconds).
    let db = Database::open(&path, opts.clone()).expect("open");
    for _ in 0..5 {
        drop(db.begin_read().unwrap());
        std::thread::sleep(std::time::Duration::from_millis(40));
    }
    assert_eq!(
        wal_len(&path),
        closed,
        "a read-only use of the database grew its log"
    );

    // The first write transaction wakes it. The commit's own growth stops at 1 MiB (one chunk of a
    // small log); the thread prepares two reserves (of 1 MiB) past the end of the log.
    let out = run(&db, &growing()[..1]);
    assert!(out.error.is_none(), "{:?}", out.error);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while wal_len(&path) < 2 << 20 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(wal_len(&path) >= 2 << 20, "log of {} bytes", wal_len(&path));
}
