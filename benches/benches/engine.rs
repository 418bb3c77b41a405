//! TreeStore's engine against redb, LMDB (heed) and SQLite (rusqlite) on redb's benchmark workload,
//! scaled to a small machine: 24-byte random keys, 150-byte random values, one seeded generator.
//!
//! Phases, in order, on real files in one temporary directory:
//! 1. bulk load of `N` pairs in one transaction, 1,000 individual durable writes (one insert per
//!    commit), 100 batches of 1,000 (each a durable commit): timed once by a plain runner, because
//!    criterion's per-iteration model would repeat them on a growing database;
//! 2. random gets, random range reads of 10, random gets on 2 and 4 threads: criterion groups
//!    (`iter_custom`, one read transaction per sample), reported per operation;
//! 3. removal of half the keys in one transaction (plain runner), then file sizes.
//!
//! The closing table reads criterion's estimates back from its output directory, so every number
//! in it comes from this one run. Size: `TREESTORE_BENCH_N` pairs (default 300,000); directory:
//! `TREESTORE_BENCH_DIR` (default the system temporary directory, which must be a real disk).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant, SystemTime};

use criterion::Criterion;

const KEY_LEN: usize = 24;
const VALUE_LEN: usize = 150;
const SEED: u64 = 3;
const INDIVIDUAL_WRITES: usize = 1_000;
const BATCHES: usize = 100;
const BATCH_LEN: usize = 1_000;
const SCAN_LEN: usize = 10;
const TABLE: &str = "bench";

type Pair = ([u8; KEY_LEN], [u8; VALUE_LEN]);

/// One engine under test. Every write method is one transaction with a durable commit.
trait Engine: Sync {
    type Reader<'a>: Reader
    where
        Self: 'a;
    const NAME: &'static str;
    fn write(&self, pairs: &[Pair]);
    fn remove(&self, pairs: &[Pair]);
    /// A read transaction (one snapshot) for one thread.
    fn reader(&self) -> Self::Reader<'_>;
    /// Flushes and closes; files stay in the directory.
    fn close(self);
}

trait Reader {
    /// The first byte of the value under `key`, which must be present.
    fn get(&mut self, key: &[u8]) -> u8;
    /// The sum of the first value bytes of the first `n` entries at or after `key`.
    fn scan(&mut self, key: &[u8], n: usize) -> u64;
}

// ---------------------------------------------------------------- TreeStore

mod treestore {
    use super::*;
    use treestore_core::{Database, Durability, Options, ReadOps, ReadTxn, Table};

    pub struct Engine(Database);

    impl Engine {
        pub fn open(dir: &Path) -> Engine {
            let opts = Options {
                durability: Durability::Sync,
                ..Default::default()
            };
            Engine(Database::open(dir.join("bench.tsdb"), opts).unwrap())
        }
    }

    pub struct Reader(ReadTxn, Table);

    impl super::Engine for Engine {
        type Reader<'a> = Reader;
        const NAME: &'static str = "TreeStore";

        fn write(&self, pairs: &[Pair]) {
            let mut w = self.0.begin_write().unwrap();
            let t = w.table(TABLE).unwrap();
            for (k, v) in pairs {
                w.insert(t, k, v).unwrap();
            }
            w.commit().unwrap();
        }

        fn remove(&self, pairs: &[Pair]) {
            let mut w = self.0.begin_write().unwrap();
            let t = w.table(TABLE).unwrap();
            for (k, _) in pairs {
                assert!(w.remove(t, k).unwrap());
            }
            w.commit().unwrap();
        }

        fn reader(&self) -> Reader {
            let r = self.0.begin_read().unwrap();
            let t = r.table(TABLE).unwrap();
            Reader(r, t)
        }

        fn close(self) {
            self.0.close().unwrap();
        }
    }

    impl super::Reader for Reader {
        fn get(&mut self, key: &[u8]) -> u8 {
            self.0.get(self.1, key).unwrap().unwrap()[0]
        }

        fn scan(&mut self, key: &[u8], n: usize) -> u64 {
            let it = self.0.range(self.1, Bound::Included(key), Bound::Unbounded);
            it.unwrap().take(n).map(|kv| kv.unwrap().1[0] as u64).sum()
        }
    }
}

// ---------------------------------------------------------------- redb

mod redb_engine {
    use super::*;
    use redb::{Durability, ReadOnlyTable, ReadableDatabase, TableDefinition};

    const DEF: TableDefinition<&[u8], &[u8]> = TableDefinition::new(TABLE);

    pub struct Engine(redb::Database);

    impl Engine {
        pub fn open(dir: &Path) -> Engine {
            Engine(redb::Database::create(dir.join("bench.redb")).unwrap())
        }
    }

    pub struct Reader(ReadOnlyTable<&'static [u8], &'static [u8]>);

    impl super::Engine for Engine {
        type Reader<'a> = Reader;
        const NAME: &'static str = "redb";

        fn write(&self, pairs: &[Pair]) {
            let mut w = self.0.begin_write().unwrap();
            w.set_durability(Durability::Immediate).unwrap();
            {
                let mut t = w.open_table(DEF).unwrap();
                for (k, v) in pairs {
                    t.insert(&k[..], &v[..]).unwrap();
                }
            }
            w.commit().unwrap();
        }

        fn remove(&self, pairs: &[Pair]) {
            let mut w = self.0.begin_write().unwrap();
            w.set_durability(Durability::Immediate).unwrap();
            {
                let mut t = w.open_table(DEF).unwrap();
                for (k, _) in pairs {
                    assert!(t.remove(&k[..]).unwrap().is_some());
                }
            }
            w.commit().unwrap();
        }

        fn reader(&self) -> Reader {
            Reader(self.0.begin_read().unwrap().open_table(DEF).unwrap())
        }

        fn close(self) {}
    }

    impl super::Reader for Reader {
        fn get(&mut self, key: &[u8]) -> u8 {
            self.0.get(key).unwrap().unwrap().value()[0]
        }

        fn scan(&mut self, key: &[u8], n: usize) -> u64 {
            let it = self.0.range::<&[u8]>(key..).unwrap();
            it.take(n).map(|kv| kv.unwrap().1.value()[0] as u64).sum()
        }
    }
}

// ---------------------------------------------------------------- LMDB

mod lmdb {
    use super::*;
    use heed::types::Bytes;
    use heed::{CommitOrAbort, Env, EnvOpenOptions, RoTxn, WithTls};

    type Db = heed::Database<'static, Bytes, Bytes>;

    pub struct Engine {
        env: Env,
        db: Db,
    }

    impl Engine {
        pub fn open(dir: &Path) -> Engine {
            // SAFETY: the directory is fresh and private to this process; nothing else maps it.
            let env = unsafe { EnvOpenOptions::new().map_size(4 << 30).open(dir).unwrap() };
            let wtxn = env.write_txn().unwrap();
            let db = env
                .create_databases_and_commit(wtxn, |dbo, wtxn| {
                    dbo.create_database::<Bytes, Bytes>(wtxn, None)
                        .map(CommitOrAbort::<_, ()>::Commit)
                })
                .unwrap()
                .unwrap_commit();
            Engine { env, db }
        }
    }

    pub struct Reader<'a> {
        txn: RoTxn<'a, WithTls>,
        db: Db,
    }

    impl super::Engine for Engine {
        type Reader<'a> = Reader<'a>;
        const NAME: &'static str = "LMDB";

        fn write(&self, pairs: &[Pair]) {
            let mut w = self.env.write_txn().unwrap();
            for (k, v) in pairs {
                self.db.put(&mut w, k, v).unwrap();
            }
            w.commit().unwrap();
        }

        fn remove(&self, pairs: &[Pair]) {
            let mut w = self.env.write_txn().unwrap();
            for (k, _) in pairs {
                assert!(self.db.delete(&mut w, k).unwrap());
            }
            w.commit().unwrap();
        }

        fn reader(&self) -> Reader<'_> {
            Reader {
                txn: self.env.read_txn().unwrap(),
                db: self.db,
            }
        }

        fn close(self) {}
    }

    impl super::Reader for Reader<'_> {
        fn get(&mut self, key: &[u8]) -> u8 {
            self.db.get(&self.txn, key).unwrap().unwrap()[0]
        }

        fn scan(&mut self, key: &[u8], n: usize) -> u64 {
            let range = (Bound::Included(key), Bound::Unbounded);
            let it = self.db.range(&self.txn, &range).unwrap();
            it.take(n).map(|kv| kv.unwrap().1[0] as u64).sum()
        }
    }
}

// ---------------------------------------------------------------- SQLite

mod sqlite {
    use super::*;
    use rusqlite::Connection;

    const GET: &str = "SELECT v FROM kv WHERE k = ?1";
    const SCAN: &str = "SELECT v FROM kv WHERE k >= ?1 ORDER BY k LIMIT ?2";

    /// One writer connection; readers borrow pooled connections, since SQLite's page cache
    /// belongs to a connection and opening one per snapshot would measure schema parsing.
    pub struct Engine {
        path: PathBuf,
        writer: Mutex<Connection>,
        pool: Mutex<Vec<Connection>>,
    }

    impl Engine {
        pub fn open(dir: &Path) -> Engine {
            let path = dir.join("bench.sqlite");
            let conn = Connection::open(&path).unwrap();
            let mode: String = conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
            conn.pragma_update(None, "synchronous", "FULL").unwrap();
            conn.execute_batch("CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID")
                .unwrap();
            Engine {
                path,
                writer: Mutex::new(conn),
                pool: Mutex::new(Vec::new()),
            }
        }

        fn in_txn(&self, sql: &str, pairs: &[Pair], with_value: bool) {
            let mut conn = self.writer.lock().unwrap();
            let tx = conn.transaction().unwrap();
            {
                let mut st = tx.prepare_cached(sql).unwrap();
                for (k, v) in pairs {
                    let n = if with_value {
                        st.execute((&k[..], &v[..])).unwrap()
                    } else {
                        st.execute([&k[..]]).unwrap()
                    };
                    assert_eq!(n, 1);
                }
            }
            tx.commit().unwrap();
        }
    }

    pub struct Reader<'a> {
        conn: Option<Connection>,
        pool: &'a Mutex<Vec<Connection>>,
    }

    impl super::Engine for Engine {
        type Reader<'a> = Reader<'a>;
        const NAME: &'static str = "SQLite";

        fn write(&self, pairs: &[Pair]) {
            self.in_txn("INSERT OR REPLACE INTO kv VALUES (?1, ?2)", pairs, true);
        }

        fn remove(&self, pairs: &[Pair]) {
            self.in_txn("DELETE FROM kv WHERE k = ?1", pairs, false);
        }

        fn reader(&self) -> Reader<'_> {
            let pooled = self.pool.lock().unwrap().pop();
            let conn = pooled.unwrap_or_else(|| Connection::open(&self.path).unwrap());
            conn.execute_batch("BEGIN").unwrap();
            Reader {
                conn: Some(conn),
                pool: &self.pool,
            }
        }

        fn close(self) {
            drop(self.pool);
            drop(self.writer);
        }
    }

    impl Drop for Reader<'_> {
        fn drop(&mut self) {
            if let Some(conn) = self.conn.take() {
                conn.execute_batch("COMMIT").unwrap();
                self.pool.lock().unwrap().push(conn);
            }
        }
    }

    impl super::Reader for Reader<'_> {
        fn get(&mut self, key: &[u8]) -> u8 {
            let conn = self.conn.as_ref().unwrap();
            let mut st = conn.prepare_cached(GET).unwrap();
            let mut rows = st.query([key]).unwrap();
            let row = rows.next().unwrap().unwrap();
            row.get_ref(0).unwrap().as_blob().unwrap()[0]
        }

        fn scan(&mut self, key: &[u8], n: usize) -> u64 {
            let conn = self.conn.as_ref().unwrap();
            let mut st = conn.prepare_cached(SCAN).unwrap();
            let mut rows = st.query((key, n as i64)).unwrap();
            let mut sum = 0;
            while let Some(row) = rows.next().unwrap() {
                sum += row.get_ref(0).unwrap().as_blob().unwrap()[0] as u64;
            }
            sum
        }
    }
}

// ---------------------------------------------------------------- the workload

/// What one cell of the closing table holds.
#[derive(Clone, Copy)]
enum Cell {
    Time(Duration),
    NsPerOp(f64),
    Bytes(u64),
}

/// Results by (operation, engine).
#[derive(Default)]
struct Results(HashMap<(String, &'static str), Cell>);

impl Results {
    fn put(&mut self, op: &str, engine: &'static str, cell: Cell) {
        self.0.insert((op.to_string(), engine), cell);
    }

    fn get(&self, op: &str, engine: &str) -> Option<Cell> {
        self.0
            .iter()
            .find(|((o, e), _)| o == op && *e == engine)
            .map(|(_, c)| *c)
    }
}

struct Workload {
    /// Every pair ever inserted, in insertion order: bulk, then individual, then batches.
    pairs: Vec<Pair>,
    bulk: usize,
}

impl Workload {
    fn new(bulk: usize) -> Workload {
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
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

fn load_phase<E: Engine>(e: &E, w: &Workload, dir: &Path, res: &mut Results) {
    let (bulk, rest) = w.pairs.split_at(w.bulk);
    let (single, batches) = rest.split_at(INDIVIDUAL_WRITES);
    let t = timed(|| e.write(bulk));
    eprintln!("{}: bulk load of {} in {t:.2?}", E::NAME, bulk.len());
    res.put("bulk load", E::NAME, Cell::Time(t));
    let t = timed(|| single.iter().for_each(|p| e.write(std::slice::from_ref(p))));
    eprintln!("{}: {INDIVIDUAL_WRITES} individual writes in {t:.2?}", E::NAME);
    res.put("individual writes", E::NAME, Cell::Time(t));
    let t = timed(|| batches.chunks(BATCH_LEN).for_each(|b| e.write(b)));
    eprintln!("{}: {BATCHES} x {BATCH_LEN} batch writes in {t:.2?}", E::NAME);
    res.put("batch writes", E::NAME, Cell::Time(t));
    res.put("size after writes", E::NAME, Cell::Bytes(dir_bytes(dir)));
}

fn remove_phase<E: Engine>(e: E, w: &Workload, dir: &Path, res: &mut Results) {
    let half = &w.pairs[..w.pairs.len() / 2];
    let t = timed(|| e.remove(half));
    eprintln!("{}: removed {} in {t:.2?}", E::NAME, half.len());
    res.put("removals", E::NAME, Cell::Time(t));
    res.put("size after removals", E::NAME, Cell::Bytes(dir_bytes(dir)));
    e.close();
    res.put("size after removals, closed", E::NAME, Cell::Bytes(dir_bytes(dir)));
}

/// Gets of random present keys, `iters` of them split over `threads`; returns the wall time of the
/// slowest thread, counted from a common start.
fn timed_gets<E: Engine>(e: &E, pairs: &[Pair], iters: u64, threads: u64, seed: u64) -> Duration {
    let barrier = Barrier::new(threads as usize);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let n = iters / threads + u64::from(i < iters % threads);
                let barrier = &barrier;
                s.spawn(move || {
                    let mut r = e.reader();
                    let mut rng = fastrand::Rng::with_seed(seed ^ i);
                    let (mut sum, mut expected) = (0u64, 0u64);
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..n {
                        let (k, v) = &pairs[rng.usize(..pairs.len())];
                        sum += r.get(k) as u64;
                        expected += v[0] as u64;
                    }
                    let t = start.elapsed();
                    assert_eq!(sum, expected, "{} returned a wrong value", E::NAME);
                    t
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).max().unwrap()
    })
}

fn bench_gets<E: Engine>(c: &mut Criterion, e: &E, pairs: &[Pair], group: &str, threads: u64) {
    let mut g = c.benchmark_group(group);
    let mut seed = SEED;
    g.bench_function(E::NAME, |b| {
        b.iter_custom(|iters| {
            seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
            if threads == 1 {
                // No thread hop for the single-threaded case.
                let mut r = e.reader();
                let mut rng = fastrand::Rng::with_seed(seed);
                let start = Instant::now();
                let mut sum = 0u64;
                for _ in 0..iters {
                    sum += r.get(&pairs[rng.usize(..pairs.len())].0) as u64;
                }
                let t = start.elapsed();
                std::hint::black_box(sum);
                t
            } else {
                timed_gets(e, pairs, iters, threads, seed)
            }
        })
    });
    g.finish();
}

fn bench_scans<E: Engine>(c: &mut Criterion, e: &E, pairs: &[Pair]) {
    let mut g = c.benchmark_group("random range reads (10)");
    let mut rng = fastrand::Rng::with_seed(SEED);
    g.bench_function(E::NAME, |b| {
        b.iter_custom(|iters| {
            let mut r = e.reader();
            let start = Instant::now();
            let mut sum = 0u64;
            for _ in 0..iters {
                sum += r.scan(&pairs[rng.usize(..pairs.len())].0, SCAN_LEN);
            }
            let t = start.elapsed();
            assert!(iters < 100 || sum > 0);
            t
        })
    });
    g.finish();
}

const READ_GROUPS: [(&str, u64); 3] = [
    ("random reads", 1),
    ("random reads (2 threads)", 2),
    ("random reads (4 threads)", 4),
];
const SCAN_GROUP: &str = "random range reads (10)";

/// Runs `$body` once per engine, with `$e` bound to it.
macro_rules! each_engine {
    ($engines:expr, $e:ident => $body:expr) => {{
        {
            let $e = &$engines.0;
            $body
        }
        {
            let $e = &$engines.1;
            $body
        }
        {
            let $e = &$engines.2;
            $body
        }
        {
            let $e = &$engines.3;
            $body
        }
    }};
}

fn main() {
    let n: usize = std::env::var("TREESTORE_BENCH_N")
        .map(|s| s.replace('_', "").parse().expect("TREESTORE_BENCH_N is a count"))
        .unwrap_or(300_000);
    let base = std::env::var_os("TREESTORE_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let tmp = tempfile::tempdir_in(&base).unwrap();
    let dirs: Vec<PathBuf> = ["treestore", "redb", "lmdb", "sqlite"]
        .iter()
        .map(|d| tmp.path().join(d))
        .collect();
    dirs.iter().for_each(|d| std::fs::create_dir(d).unwrap());
    let crit_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("criterion");
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .output_directory(&crit_dir)
        .configure_from_args();

    let started = SystemTime::now();
    let w = Workload::new(n);
    eprintln!(
        "workload: bulk {n}, then {INDIVIDUAL_WRITES} individual and {BATCHES} x {BATCH_LEN} batch \
         writes ({} entries); files in {}",
        w.pairs.len(),
        tmp.path().display()
    );
    let mut res = Results::default();
    let engines = (
        treestore::Engine::open(&dirs[0]),
        redb_engine::Engine::open(&dirs[1]),
        lmdb::Engine::open(&dirs[2]),
        sqlite::Engine::open(&dirs[3]),
    );
    let mut dir = dirs.iter();
    each_engine!(engines, e => load_phase(e, &w, dir.next().unwrap(), &mut res));
    for (group, threads) in READ_GROUPS {
        each_engine!(engines, e => bench_gets(&mut c, e, &w.pairs, group, threads));
    }
    each_engine!(engines, e => bench_scans(&mut c, e, &w.pairs));
    remove_phase(engines.0, &w, &dirs[0], &mut res);
    remove_phase(engines.1, &w, &dirs[1], &mut res);
    remove_phase(engines.2, &w, &dirs[2], &mut res);
    remove_phase(engines.3, &w, &dirs[3], &mut res);
    c.final_summary();

    for group in READ_GROUPS.iter().map(|g| g.0).chain([SCAN_GROUP]) {
        for engine in ENGINES {
            if let Some(ns) = criterion_estimate(&crit_dir, group, engine, started) {
                res.put(group, engine, Cell::NsPerOp(ns));
            }
        }
    }
    let table = render(&res, n, w.pairs.len());
    println!("\n{table}");
    let out = crit_dir.join("engine-table.md");
    std::fs::write(&out, &table).unwrap();
    eprintln!("table written to {}", out.display());
}

const ENGINES: [&str; 4] = ["TreeStore", "redb", "LMDB", "SQLite"];

/// Criterion's typical estimate (the slope, else the mean) in ns per iteration, when this run
/// wrote it (a filtered run leaves older estimates behind). Group and engine names hold none of
/// the characters criterion replaces in directory names.
fn criterion_estimate(dir: &Path, group: &str, func: &str, since: SystemTime) -> Option<f64> {
    let path = dir.join(group).join(func).join("new/estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    ["slope", "mean"]
        .iter()
        .find_map(|k| json[k]["point_estimate"].as_f64())
}

fn fmt_cell(cell: Option<Cell>) -> String {
    match cell {
        None => "n/a".into(),
        Some(Cell::Time(t)) => format!("{:.0} ms", t.as_secs_f64() * 1e3),
        Some(Cell::NsPerOp(ns)) if ns >= 10_000.0 => format!("{:.1} µs/op", ns / 1e3),
        Some(Cell::NsPerOp(ns)) => format!("{ns:.0} ns/op"),
        Some(Cell::Bytes(b)) => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
    }
}

fn value(cell: Option<Cell>) -> Option<f64> {
    match cell? {
        Cell::Time(t) => Some(t.as_secs_f64()),
        Cell::NsPerOp(ns) => Some(ns),
        Cell::Bytes(b) => Some(b as f64),
    }
}

const OPS: [&str; 11] = [
    "bulk load",
    "individual writes",
    "batch writes",
    "random reads",
    "random range reads (10)",
    "random reads (2 threads)",
    "random reads (4 threads)",
    "removals",
    "size after writes",
    "size after removals",
    "size after removals, closed",
];

fn ratio(res: &Results, op: &str, other: &str) -> Option<f64> {
    Some(value(res.get(op, "TreeStore"))? / value(res.get(op, other))?)
}

/// The markdown table (ratios are TreeStore / other: below 1 means TreeStore is faster or smaller)
/// and the targets, met or missed.
fn render(res: &Results, bulk: usize, total: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "bulk {bulk} pairs, {total} after the writes; key {KEY_LEN} B, value {VALUE_LEN} B\n"
    );
    let _ = writeln!(
        s,
        "| operation | TreeStore | redb | LMDB | SQLite | TS/redb | TS/LMDB | TS/SQLite |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for op in OPS {
        let _ = write!(s, "| {op} |");
        for e in ENGINES {
            let _ = write!(s, " {} |", fmt_cell(res.get(op, e)));
        }
        for other in &ENGINES[1..] {
            let r = ratio(res, op, other).map_or("n/a".into(), |r| format!("{r:.2}"));
            let _ = write!(s, " {r} |");
        }
        s.push('\n');
    }
    s.push_str("\nTargets (ratio = TreeStore / opponent):\n\n");
    let targets: [(&str, &str, &str, f64); 8] = [
        ("random reads", "redb", "random reads <= redb", 1.0),
        ("random reads", "LMDB", "random reads <= 1.5x LMDB", 1.5),
        ("random range reads (10)", "redb", "range reads <= redb", 1.0),
        ("random range reads (10)", "LMDB", "range reads <= 1.5x LMDB", 1.5),
        ("individual writes", "SQLite", "individual durable writes >= 2x SQLite's speed", 0.5),
        ("bulk load", "redb", "bulk load <= redb", 1.0),
        ("size after writes", "redb", "file after writes <= redb's", 1.0),
        ("size after removals", "redb", "file after removals <= redb's", 1.0),
    ];
    for (op, other, what, limit) in targets {
        let verdict = match ratio(res, op, other) {
            Some(r) if r <= limit => format!("MET (ratio {r:.2}, limit {limit})"),
            Some(r) => format!("MISSED (ratio {r:.2}, limit {limit})"),
            None => "not measured".into(),
        };
        let _ = writeln!(
            s,
            "- {what}: {verdict}: TreeStore {} vs {other} {}",
            fmt_cell(res.get(op, "TreeStore")),
            fmt_cell(res.get(op, other))
        );
    }
    s
}
