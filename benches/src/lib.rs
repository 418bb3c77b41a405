//! The workload of redb's benchmark, scaled to a small machine, and one adapter per engine under
//! test (TreeStore, redb, LMDB, SQLite) behind one trait, shared by the criterion bench
//! (`benches/engine.rs`) and the profiling runner (`examples/profile.rs`).
//!
//! Workload: 24-byte random keys, 150-byte random values, all drawn from one generator seeded with
//! 3 (as redb's): a bulk load of `n` pairs in one transaction, then 1,000 individual writes (one
//! insert per durable commit), then 100 batches of 1,000; reads pick random present keys.

pub mod engines;
pub mod h2h;

use std::path::Path;

pub const KEY_LEN: usize = 24;
pub const VALUE_LEN: usize = 150;
pub const SEED: u64 = 3;
pub const INDIVIDUAL_WRITES: usize = 1_000;
pub const BATCHES: usize = 100;
pub const BATCH_LEN: usize = 1_000;
pub const SCAN_LEN: usize = 10;
/// The one table (or database) every engine writes.
pub const TABLE: &str = "bench";

pub type Pair = ([u8; KEY_LEN], [u8; VALUE_LEN]);

/// One engine under test. Every write method is one transaction with a durable commit.
pub trait Engine: Sync {
    type Reader<'a>: Reader
    where
        Self: 'a;
    const NAME: &'static str;
    /// Inserts (or replaces) every pair.
    fn write(&self, pairs: &[Pair]);
    /// Removes the key of every pair; each must be present.
    fn remove(&self, pairs: &[Pair]);
    /// A read transaction (one snapshot) for one thread.
    fn reader(&self) -> Self::Reader<'_>;
    /// Flushes and closes; the files stay.
    fn close(self);
    /// Moves committed pages to their final place, for engines with such a step (TreeStore's
    /// checkpoint). The bench never calls it; the profiling runner can, to compare.
    fn checkpoint(&self) {}
}

pub trait Reader {
    /// The first byte of the value under `key`, which must be present.
    fn get(&mut self, key: &[u8]) -> u8;
    /// The sum of the first value bytes of the first `n` entries at or after `key`.
    fn scan(&mut self, key: &[u8], n: usize) -> u64;
}

/// Every pair the workload inserts, in insertion order: bulk, then individual, then batches.
pub struct Workload {
    pub pairs: Vec<Pair>,
    pub bulk: usize,
}

impl Workload {
    pub fn new(bulk: usize) -> Workload {
        let mut rng = fastrand::Rng::with_seed(SEED);
        let total = bulk + INDIVIDUAL_WRITES + BATCHES * BATCH_LEN;
        let pairs = (0..total)
            .map(|_| {
                let mut pair = ([0u8; KEY_LEN], [0u8; VALUE_LEN]);
                rng.fill(&mut pair.0);
                rng.fill(&mut pair.1);
                pair
            })
            .collect();
        Workload { pairs, bulk }
    }

    pub fn bulk(&self) -> &[Pair] {
        &self.pairs[..self.bulk]
    }

    pub fn individual(&self) -> &[Pair] {
        &self.pairs[self.bulk..self.bulk + INDIVIDUAL_WRITES]
    }

    /// The 100 batches of 1,000.
    pub fn batches(&self) -> std::slice::Chunks<'_, Pair> {
        self.pairs[self.bulk + INDIVIDUAL_WRITES..].chunks(BATCH_LEN)
    }

    /// The half the removal phase takes out: the first inserted.
    pub fn removed_half(&self) -> &[Pair] {
        &self.pairs[..self.pairs.len() / 2]
    }
}

/// Bytes of every file in `dir` (the database, its WAL or lock files), by apparent length.
pub fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// The number in environment variable `name`, else `default`; panics naming a value that is not a number.
pub fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
        })
        .unwrap_or(default)
}

/// The pair count from `TREESTORE_BENCH_N` (underscores allowed), else `default`.
pub fn bulk_from_env(default: usize) -> usize {
    std::env::var("TREESTORE_BENCH_N")
        .map(|s| {
            s.replace('_', "")
                .parse()
                .expect("TREESTORE_BENCH_N is a count")
        })
        .unwrap_or(default)
}

/// A fresh temporary directory under `TREESTORE_BENCH_DIR`, else the system's (a real disk here).
pub fn temp_dir() -> tempfile::TempDir {
    let base = std::env::var_os("TREESTORE_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    tempfile::tempdir_in(base).unwrap()
}
