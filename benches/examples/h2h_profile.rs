//! One head-to-head query kind on TreeStore alone, in a loop, for a profiler (see profile.sh's
//! pattern): `h2h_profile KIND SECONDS` with KIND a criterion id of `src/h2h/queries.rs`
//! (`node`, `subtree20`, ...). Loads the corpus at `BENCH_SCALE` (default 0.05), prints `ready`,
//! then runs the kind's queries and prints operations per second. `h2h_profile load` prints
//! `ready` before the load instead and times it.

use std::time::{Duration, Instant};

use treestore_benches::h2h::{queries, ts, Corpus, Engine, Kind};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let kind = args.get(1).map(String::as_str).unwrap_or("node");
    if kind == "load" {
        return load(treestore_benches::env_f64("BENCH_SCALE", 0.05));
    }
    let secs: f64 = args
        .get(2)
        .map_or(10.0, |s| s.parse().expect("SECONDS is a number"));
    let scale: f64 = treestore_benches::env_f64("BENCH_SCALE", 0.05);
    let kind = Kind::by_id(kind);
    let corpus = Corpus::build(scale);
    let dir = treestore_benches::temp_dir();
    let engine = ts::Engine::create(dir.path());
    engine.load(&corpus);
    let sets = queries::query_sets(&corpus, 20261126);
    let set = &sets.iter().find(|(k, _)| *k == kind).unwrap().1;
    let mut s = engine.session();
    println!("ready");
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    let mut n = 0usize;
    while t.elapsed().as_secs_f64() < secs {
        std::hint::black_box(s.run(&set[n % set.len()]));
        n += 1;
    }
    println!(
        "{kind:?}: {n} ops, {:.0} ops/s",
        n as f64 / t.elapsed().as_secs_f64()
    );
}

/// Times TreeStore's load of the corpus (search index and checkpoint included).
fn load(scale: f64) {
    let corpus = Corpus::build(scale);
    let dir = treestore_benches::temp_dir();
    let engine = ts::Engine::create(dir.path());
    println!("ready");
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    engine.load(&corpus);
    let s = t.elapsed().as_secs_f64();
    println!(
        "load: {} nodes in {s:.1} s, {:.0} nodes/s",
        corpus.node_count(),
        corpus.node_count() as f64 / s
    );
}
