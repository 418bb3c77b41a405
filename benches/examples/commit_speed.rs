//! Durable tool-result stores, TreeStore against SQLite (WAL, `synchronous=FULL`), in one run:
//! one thread, then 8 threads storing at once (group commit), the same record as the head-to-head's
//! "store a tool result (durable)" (`src/h2h/ts.rs`, `src/h2h/sqlite.rs`). TreeStore stores through
//! `MetadataStore::store_tool_result`, the path of the C ABI and the SDKs: stores made at once are
//! combined into one commit (`Database::write_combined`), each durable when its call returns.
//!
//! `cargo run --release --example commit_speed -- [SECONDS] [PRELOAD]` (defaults 3 s and 20,000
//! results stored first, in batches, so the trees have depth). Prints per engine and phase the
//! stores per second and p50 / p99 latency, and for TreeStore the WAL bytes and pages per commit
//! and how many commits and stores shared each WAL flush, and the checkpoints' time. `ENGINES=treestore` (or
//! `sqlite`) runs one engine; `THREADS=1` one phase; `CHECKPOINT_MB=256` changes TreeStore's
//! checkpoint threshold; `RELAXED=1` opens TreeStore with `Durability::Relaxed` (no fsync per
//! commit: what is left is the commit's CPU work); `STORES=n` stores n results per thread instead
//! of running for SECONDS.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use treestore_benches::h2h::queries::tool_json;
use treestore_benches::h2h::sqlite::{insert_tool_result, TOOL_RESULTS_SCHEMA};
use treestore_core::db::{Database, Options};
use treestore_core::metadata::{store_tool_result, MetadataStore, ToolResult};
use treestore_core::metrics::Op;

static NEXT: AtomicU64 = AtomicU64::new(1);

fn result_bytes(n: u64) -> usize {
    200 + (n.wrapping_mul(2654435761) % 800) as usize
}

fn ts_result(n: u64) -> ToolResult {
    ToolResult {
        tool_name: "navigate_tree".to_string(),
        policy_id: Some(format!("policy-{}", n % 10_000)),
        node_id: Some(format!("{:04}", n % 97)),
        case_id: Some(format!("case-{}", n % 1000)),
        result_data: tool_json(result_bytes(n), n),
        success: true,
        duration_ms: 12,
        ..ToolResult::default()
    }
}

trait Store: Sync {
    fn name(&self) -> &'static str;
    fn preload(&self, n: u64);
    fn store(&self);
}

struct Ts(Database);

impl Store for Ts {
    fn name(&self) -> &'static str {
        "TreeStore"
    }
    fn preload(&self, n: u64) {
        for chunk in 0..n.div_ceil(1000) {
            let mut w = self.0.begin_write().unwrap();
            for _ in 0..1000.min(n - chunk * 1000) {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                store_tool_result(&mut w, ts_result(n)).unwrap();
            }
            w.commit().unwrap();
        }
        self.0.checkpoint().unwrap();
    }
    /// The public path the service's calls take (the C ABI's `treestore_tool_result_store`
    /// with no transaction and the SDKs go the same way): `MetadataStore::store_tool_result`,
    /// which combines the stores threads make at once into one commit; each returns durable.
    fn store(&self) {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        MetadataStore(&self.0)
            .store_tool_result(ts_result(n))
            .unwrap();
    }
}

struct Lite(Mutex<Connection>);

fn lite_insert(c: &Connection, n: u64) {
    insert_tool_result(
        c,
        n,
        &format!("policy-{}", n % 10_000),
        &format!("{:04}", n % 97),
        &tool_json(result_bytes(n), n),
    );
}

impl Store for Lite {
    fn name(&self) -> &'static str {
        "SQLite"
    }
    fn preload(&self, n: u64) {
        let mut c = self.0.lock().unwrap();
        let tx = c.transaction().unwrap();
        for _ in 0..n {
            lite_insert(&tx, NEXT.fetch_add(1, Ordering::Relaxed));
        }
        tx.commit().unwrap();
    }
    fn store(&self) {
        // One connection behind a mutex, as the head-to-head's adapter (SQLite has one writer).
        let c = self.0.lock().unwrap();
        lite_insert(&c, NEXT.fetch_add(1, Ordering::Relaxed));
    }
}

/// Runs `threads` storers for `secs`; returns stores per second, p50 and p99 in µs, and the
/// number of stores.
fn run(s: &dyn Store, threads: usize, secs: f64) -> (f64, f64, f64, u64) {
    let dur = Duration::from_secs_f64(secs);
    // STORES=n: each thread stores n results instead of running for `secs` (a fixed workload,
    // for instruction counts).
    let count: Option<u64> = std::env::var("STORES")
        .ok()
        .map(|n| n.parse().expect("STORES"));
    let t0 = Instant::now();
    let mut all: Vec<u64> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                sc.spawn(move || {
                    let mut lat = Vec::new();
                    while match count {
                        Some(n) => (lat.len() as u64) < n,
                        None => t0.elapsed() < dur,
                    } {
                        let t = Instant::now();
                        s.store();
                        lat.push(t.elapsed().as_nanos() as u64);
                    }
                    lat
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let wall = t0.elapsed().as_secs_f64();
    all.sort_unstable();
    let q = |p: f64| all[((all.len() - 1) as f64 * p) as usize] as f64 / 1e3;
    (all.len() as f64 / wall, q(0.5), q(0.99), all.len() as u64)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secs: f64 = args.get(1).map_or(3.0, |s| s.parse().expect("SECONDS"));
    let preload: u64 = args.get(2).map_or(20_000, |s| s.parse().expect("PRELOAD"));
    let dir = treestore_benches::temp_dir();
    // CHECKPOINT_MB overrides the WAL size that triggers a checkpoint (default 64 MiB).
    let mut opts = Options::default();
    if let Ok(mb) = std::env::var("CHECKPOINT_MB") {
        opts.checkpoint_wal_bytes = mb.parse::<u64>().expect("CHECKPOINT_MB") << 20;
    }
    // RELAXED=1 commits with Durability::Relaxed (the WAL synced in the background).
    if std::env::var("RELAXED").is_ok() {
        opts.durability = treestore_core::db::Durability::Relaxed;
    }
    let ts = Ts(Database::open(dir.path().join("t.tsdb"), opts).unwrap());
    let c = Connection::open(dir.path().join("s.sqlite")).unwrap();
    let mode: String = c
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    c.pragma_update(None, "synchronous", "FULL").unwrap();
    c.pragma_update(None, "cache_size", -65536).unwrap();
    c.execute_batch(TOOL_RESULTS_SCHEMA).unwrap();
    let lite = Lite(Mutex::new(c));
    let all: [&dyn Store; 2] = [&ts, &lite];
    // ENGINES=treestore (or sqlite) runs one engine alone (for a profiler).
    let only = std::env::var("ENGINES").unwrap_or_default().to_lowercase();
    let engines: Vec<&dyn Store> = all
        .into_iter()
        .filter(|e| only.is_empty() || e.name().to_lowercase().starts_with(&only))
        .collect();
    for e in &engines {
        e.preload(preload);
    }
    println!("durable tool-result stores, {secs} s per phase, {preload} preloaded");
    println!("| engine | threads | stores/s | p50 µs | p99 µs |");
    println!("|---|---:|---:|---:|---:|");
    let mut rows = Vec::new();
    // THREADS=1 (or 8) runs one phase (for a profiler).
    let phases: Vec<usize> = match std::env::var("THREADS") {
        Ok(t) => vec![t.parse().expect("THREADS")],
        Err(_) => vec![1, 8],
    };
    for threads in phases {
        for &e in &engines {
            let before = ts.0.stats().unwrap();
            let cp_before = ts.0.metrics().snapshot(Op::Checkpoint).sum_seconds;
            let (ops, p50, p99, stores) = run(e, threads, secs);
            let after = ts.0.stats().unwrap();
            let cp_secs = ts.0.metrics().snapshot(Op::Checkpoint).sum_seconds - cp_before;
            println!(
                "| {} | {threads} | {ops:.0} | {p50:.1} | {p99:.1} |",
                e.name()
            );
            if e.name() == "TreeStore" {
                rows.push((threads, stores, before, after, cp_secs));
            }
        }
    }
    for (threads, stores, b, a, cp_secs) in rows {
        let commits = a.commits - b.commits;
        let cps = a.checkpoints - b.checkpoints;
        let flushes = a.wal_syncs.saturating_sub(b.wal_syncs);
        let bytes = (a.wal_appended_bytes - b.wal_appended_bytes) as f64 / commits as f64;
        let deltas = (a.wal_delta_records - b.wal_delta_records) as f64 / commits as f64;
        println!(
            "TreeStore {threads} thread(s): {stores} stores in {commits} commits, WAL bytes/commit \
             {bytes:.0} ({:.1} pages; {deltas:.1} page-delta records), {:.2} commits and {:.2} stores \
             per WAL flush, {cps} checkpoints taking {:.0} ms in all",
            bytes / (a.page_size + 40) as f64,
            commits as f64 / flushes.max(1) as f64,
            stores as f64 / flushes.max(1) as f64,
            cp_secs * 1e3
        );
    }
}
