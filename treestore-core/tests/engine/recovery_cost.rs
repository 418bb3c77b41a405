//! Recovery costs time in proportion to the WAL, not to the database: opening after a crash reads
//! the WAL once and only a few pages of the main file (header, meta pages, freelist), however large
//! the main file is. Measured in bytes read through a counting file system, not in time.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use treestore_core::storage::vfs::{CrashConfig, FaultyVfs, MemVfs};
use treestore_core::{Database, Options, ReadOps};

use crate::util::{is_wal, small_options, value, HookVfs, Hooks, DB};

const PAGE: u64 = 1024;

#[derive(Default)]
struct CountReads {
    main: AtomicU64,
    wal: AtomicU64,
}

impl Hooks for CountReads {
    fn read(&self, path: &Path, len: usize) {
        let counter = if is_wal(path) { &self.wal } else { &self.main };
        counter.fetch_add(len as u64, Ordering::Relaxed);
    }
}

fn key(i: u64) -> Vec<u8> {
    format!("key{i:08}").into_bytes()
}

/// The image a power cut leaves after `keys` keys were loaded and checkpointed and then the same
/// 40 small commits ran (only in the WAL).
fn crashed_database(keys: u64) -> MemVfs {
    let vfs = FaultyVfs::new(0);
    let opts = Options {
        checkpoint_wal_bytes: u64::MAX,
        ..small_options(vfs.clone())
    };
    let db = Database::open(DB, opts).expect("open");
    for batch in (0..keys).step_by(5000) {
        let mut w = db.begin_write().expect("begin");
        let t = w.table("t").expect("table");
        for i in batch..(batch + 5000).min(keys) {
            w.insert(t, &key(i), &value(i, 40)).expect("insert");
        }
        w.commit().expect("commit");
    }
    db.checkpoint().expect("checkpoint");
    for round in 0..40 {
        let mut w = db.begin_write().expect("begin");
        let t = w.table("t").expect("table");
        for i in 0..5 {
            w.insert(t, &key(round * 5 + i), &value(round, 60))
                .expect("insert");
        }
        w.commit().expect("commit");
    }
    vfs.crash_now(CrashConfig::apply_all());
    drop(db);
    vfs.crash_image().expect("crashed")
}

struct Cost {
    main_len: u64,
    wal_len: u64,
    main_read: u64,
    wal_read: u64,
}

fn recovery_cost(image: MemVfs) -> Cost {
    let main_len = image.file_bytes(DB).expect("db").len() as u64;
    let wal_len = image.file_bytes("/db-wal").expect("wal").len() as u64;
    let vfs = HookVfs::new(image, CountReads::default());
    let db = Database::open(DB, small_options(vfs.clone())).expect("recover");
    let cost = Cost {
        main_len,
        wal_len,
        main_read: vfs.hooks.main.load(Ordering::Relaxed),
        wal_read: vfs.hooks.wal.load(Ordering::Relaxed),
    };
    let r = db.begin_read().expect("read");
    let t = r.table("t").expect("table");
    assert!(r
        .get(t, &key(199))
        .expect("get")
        .is_some_and(|v| v[..] == value(39, 60)[..]));
    cost
}

#[test]
fn recovery_reads_the_wal_once_and_a_few_pages_whatever_the_database_size() {
    let small = recovery_cost(crashed_database(1_000));
    let large = recovery_cost(crashed_database(30_000));
    assert!(
        large.main_len > 20 * small.main_len,
        "the large database should be much larger: {} vs {} bytes",
        large.main_len,
        small.main_len
    );
    for (what, c) in [("small", &small), ("large", &large)] {
        assert!(
            c.wal_len > 40 * PAGE,
            "{what}: the WAL should hold the 40 commits"
        );
        assert!(
            c.wal_read <= c.wal_len,
            "{what}: recovery read {} bytes of a {}-byte WAL",
            c.wal_read,
            c.wal_len
        );
        assert!(
            c.main_read <= 4 * PAGE,
            "{what}: recovery read {} bytes of the {}-byte main file",
            c.main_read,
            c.main_len
        );
    }
}
