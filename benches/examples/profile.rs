//! Runs one phase of the engine workload on one engine, for a profiler to watch.
//!
//! `cargo run --release --example profile -- ENGINE PHASE [SECONDS]`
//! - ENGINE: treestore, redb, lmdb, sqlite;
//! - PHASE: bulk, individual, batch, removals (each runs once, after the phases before it), or
//!   reads, scans, reads2, reads4 (after the writes, repeated for SECONDS, default 10); with
//!   `TREESTORE_PROFILE_CHECKPOINT=1` the engine checkpoints before the reads (TreeStore only).
//!
//! It prints `ready <pid>` once the setup is done and the phase starts, so a profiler can attach
//! then (`perf record -p <pid>`) and see the phase alone; `benches/profile.sh` does that.

use std::time::{Duration, Instant};

use treestore_benches::engines::{Lmdb, Redb, Sqlite, TreeStore};
use treestore_benches::{bulk_from_env, temp_dir, Engine, Reader, Workload, SCAN_LEN};

fn ready(phase: &str) {
    println!("ready {} {phase}", std::process::id());
    // Give an attaching profiler time to start.
    std::thread::sleep(Duration::from_millis(
        std::env::var("TREESTORE_PROFILE_ATTACH_MS").map_or(1500, |s| s.parse().unwrap()),
    ));
}

fn run<E: Engine>(e: E, w: &Workload, phase: &str, secs: u64) {
    let write_phases = ["bulk", "individual", "batch"];
    let stop = write_phases
        .iter()
        .position(|p| *p == phase)
        .unwrap_or(write_phases.len());
    for (i, p) in write_phases.iter().enumerate() {
        if i == stop {
            ready(phase);
        }
        let start = Instant::now();
        match *p {
            "bulk" => e.write(w.bulk()),
            "individual" => w.individual().chunks(1).for_each(|pair| e.write(pair)),
            _ => w.batches().for_each(|b| e.write(b)),
        }
        println!("{} {p}: {:.2?}", E::NAME, start.elapsed());
        if i == stop {
            return;
        }
    }
    if phase == "removals" {
        ready(phase);
        let start = Instant::now();
        e.remove(w.removed_half());
        println!("{} removals: {:.2?}", E::NAME, start.elapsed());
        return;
    }
    if std::env::var_os("TREESTORE_PROFILE_CHECKPOINT").is_some() {
        e.checkpoint();
    }
    let threads = match phase {
        "reads" | "scans" => 1,
        "reads2" => 2,
        "reads4" => 4,
        other => panic!("unknown phase {other}"),
    };
    ready(phase);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let total: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let e = &e;
                s.spawn(move || {
                    let mut rng = fastrand::Rng::with_seed(t);
                    let mut ops = 0u64;
                    while Instant::now() < deadline {
                        let mut r = e.reader();
                        for _ in 0..10_000 {
                            let key = &w.pairs[rng.usize(..w.pairs.len())].0;
                            if phase == "scans" {
                                std::hint::black_box(r.scan(key, SCAN_LEN));
                            } else {
                                std::hint::black_box(r.get(key));
                            }
                        }
                        ops += 10_000;
                    }
                    ops
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let ns = secs as f64 * 1e9 / total as f64;
    println!(
        "{} {phase}: {total} ops, {ns:.0} ns/op (wall / ops)",
        E::NAME
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (engine, phase) = match &args[..] {
        [_, e, p, ..] => (e.as_str(), p.as_str()),
        _ => panic!("usage: profile ENGINE PHASE [SECONDS]"),
    };
    let secs = args.get(3).map_or(10, |s| s.parse().unwrap());
    let w = Workload::new(bulk_from_env(500_000));
    let tmp = temp_dir();
    let dir = tmp.path();
    match engine {
        "treestore" => run(TreeStore::open(dir), &w, phase, secs),
        "redb" => run(Redb::open(dir), &w, phase, secs),
        "lmdb" => run(Lmdb::open(dir), &w, phase, secs),
        "sqlite" => run(Sqlite::open(dir), &w, phase, secs),
        other => panic!("unknown engine {other}"),
    }
}
