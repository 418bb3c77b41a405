//! TreeStore's engine against redb, LMDB (heed) and SQLite (rusqlite) on redb's benchmark workload,
//! scaled to a small machine: 24-byte random keys, 150-byte random values, one seeded generator.
//!
//! Phases, in order, on real files in one temporary directory:
//! 1. bulk load of `N` pairs in one transaction (engine after engine), then 1,000 individual
//!    durable writes (one insert per commit) and 100 batches of 1,000 (each a durable commit), the
//!    engines taking turns every 50 commits so a neighbour's I/O burst on a shared disk hits all of
//!    them alike: timed by a plain runner, because criterion's per-iteration model would repeat
//!    them on a growing database;
//! 2. random gets, random range reads of 10, random gets on 2 and 4 threads: criterion groups
//!    (`iter_custom`, one read transaction per sample), reported per operation;
//! 3. removal of half the keys in one transaction (plain runner), then file sizes.
//!
//! The closing table reads criterion's estimates back from its output directory, so every number
//! in it comes from this one run. Size: `TREESTORE_BENCH_N` pairs (default 500,000); directory:
//! `TREESTORE_BENCH_DIR` (default the system temporary directory, which must be a real disk).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::{Duration, Instant, SystemTime};

use criterion::Criterion;
use treestore_benches::engines::{Lmdb, Redb, Sqlite, TreeStore};
use treestore_benches::{
    bulk_from_env, dir_bytes, temp_dir, Engine, Pair, Reader, Workload, BATCHES, BATCH_LEN,
    INDIVIDUAL_WRITES, KEY_LEN, SCAN_LEN, SEED, VALUE_LEN,
};

/// Runs `$body` once per engine, with `$e` bound to it and `$i` to its index in [`ENGINES`].
macro_rules! each_engine {
    ($engines:expr, $i:ident, $e:ident => $body:expr) => {{
        {
            let ($i, $e) = (0usize, &$engines.0);
            $body
        }
        {
            let ($i, $e) = (1usize, &$engines.1);
            $body
        }
        {
            let ($i, $e) = (2usize, &$engines.2);
            $body
        }
        {
            let ($i, $e) = (3usize, &$engines.3);
            $body
        }
    }};
}

/// The engines in [`ENGINES`] order.
type Engines = (TreeStore, Redb, Lmdb, Sqlite);

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

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// Commits per engine before the next engine takes its turn in the interleaved write phases.
const INTERLEAVE: usize = 50;

/// Bulk load, one engine after the other (one transaction each cannot be interleaved).
fn bulk_phase<E: Engine>(e: &E, w: &Workload, res: &mut Results) {
    let t = timed(|| e.write(w.bulk()));
    eprintln!("{}: bulk load of {} in {t:.2?}", E::NAME, w.bulk);
    res.put("bulk load", E::NAME, Cell::Time(t));
}

/// Runs `commits` (each a slice of pairs for one durable transaction) on every engine, the engines
/// taking turns every [`INTERLEAVE`] commits, so a neighbour's burst of I/O on a shared disk lands
/// on all of them alike; returns each engine's summed time.
fn interleaved_writes(engines: &Engines, commits: &[&[Pair]]) -> [Duration; 4] {
    let mut total = [Duration::ZERO; 4];
    for turn in commits.chunks(INTERLEAVE) {
        each_engine!(engines, i, e => {
            total[i] += timed(|| turn.iter().for_each(|c| e.write(c)));
        });
    }
    total
}

fn write_phases(engines: &Engines, w: &Workload, dirs: &[PathBuf], res: &mut Results) {
    each_engine!(engines, _i, e => bulk_phase(e, w, res));
    let single: Vec<&[Pair]> = w.individual().chunks(1).collect();
    let batches: Vec<&[Pair]> = w.batches().collect();
    let t_single = interleaved_writes(engines, &single);
    let t_batch = interleaved_writes(engines, &batches);
    for (i, name) in ENGINES.iter().enumerate() {
        eprintln!(
            "{name}: {INDIVIDUAL_WRITES} individual writes in {:.2?}, {BATCHES} x {BATCH_LEN} \
             batch writes in {:.2?}",
            t_single[i], t_batch[i]
        );
        res.put("individual writes", name, Cell::Time(t_single[i]));
        res.put("batch writes", name, Cell::Time(t_batch[i]));
        res.put("size after writes", name, Cell::Bytes(dir_bytes(&dirs[i])));
    }
}

fn remove_phase<E: Engine>(e: E, w: &Workload, dir: &Path, res: &mut Results) {
    let half = w.removed_half();
    let t = timed(|| e.remove(half));
    eprintln!("{}: removed {} in {t:.2?}", E::NAME, half.len());
    res.put("removals", E::NAME, Cell::Time(t));
    res.put("size after removals", E::NAME, Cell::Bytes(dir_bytes(dir)));
    e.close();
    res.put(
        "size after removals, closed",
        E::NAME,
        Cell::Bytes(dir_bytes(dir)),
    );
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
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .max()
            .unwrap()
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

/// Pairs of the bulk load unless `TREESTORE_BENCH_N` says otherwise.
const DEFAULT_BULK: usize = 500_000;

const READ_GROUPS: [(&str, u64); 3] = [
    ("random reads", 1),
    ("random reads (2 threads)", 2),
    ("random reads (4 threads)", 4),
];
const SCAN_GROUP: &str = "random range reads (10)";

fn main() {
    let n = bulk_from_env(DEFAULT_BULK);
    let tmp = temp_dir();
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
    let engines: Engines = (
        TreeStore::open(&dirs[0]),
        Redb::open(&dirs[1]),
        Lmdb::open(&dirs[2]),
        Sqlite::open(&dirs[3]),
    );
    write_phases(&engines, &w, &dirs, &mut res);
    for (group, threads) in READ_GROUPS {
        each_engine!(engines, _i, e => bench_gets(&mut c, e, &w.pairs, group, threads));
    }
    each_engine!(engines, _i, e => bench_scans(&mut c, e, &w.pairs));
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
        (
            "random range reads (10)",
            "redb",
            "range reads <= redb",
            1.0,
        ),
        (
            "random range reads (10)",
            "LMDB",
            "range reads <= 1.5x LMDB",
            1.5,
        ),
        (
            "individual writes",
            "SQLite",
            "individual durable writes >= 2x SQLite's speed",
            0.5,
        ),
        ("bulk load", "redb", "bulk load <= redb", 1.0),
        (
            "size after writes",
            "redb",
            "file after writes <= redb's",
            1.0,
        ),
        (
            "size after removals",
            "redb",
            "file after removals <= redb's",
            1.0,
        ),
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
