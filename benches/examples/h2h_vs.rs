//! One head-to-head query kind on TreeStore and SQLite in the same run, for a quick before/after
//! on a noisy machine: `h2h_vs KIND ROUNDS [ts|sqlite]` with KIND a criterion id of
//! `src/h2h/queries.rs` (`fan_children`, `chain_ancestors`, ...). Loads the corpus at
//! `BENCH_SCALE` (default 0: the PageIndex files, 3 generated documents and the adversarial trees,
//! a few seconds), takes the first `H2H_QUERIES` (default 100) of the kind's set, checks both engines give the same answers, then runs them once per round on each engine in turn and prints each engine's median µs per query over the rounds
//! and the TreeStore/SQLite ratio. With `ts` or `sqlite` only that engine runs (for a profiler or
//! callgrind).

use std::time::Instant;

use treestore_benches::h2h::{queries, sqlite, ts, Corpus, Engine, Kind, Session};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let kind = args.get(1).map_or("fan_children", String::as_str);
    let rounds: usize = args
        .get(2)
        .map_or(20, |s| s.parse().expect("ROUNDS is a number"));
    let only = args.get(3).map(String::as_str);
    let queries_per_round: usize =
        std::env::var("H2H_QUERIES").map_or(100, |s| s.parse().expect("H2H_QUERIES is a number"));
    let scale: f64 = treestore_benches::env_f64("BENCH_SCALE", 0.0);
    let kind = Kind::by_id(kind);
    let corpus = Corpus::build(scale);
    let dir = treestore_benches::temp_dir();
    let sets = queries::query_sets(&corpus, 20261126);
    let set = &sets.iter().find(|(k, _)| *k == kind).unwrap().1;
    let set = &set[..set.len().min(queries_per_round)];
    let mut engines: Vec<Box<dyn Engine>> = Vec::new();
    if only != Some("sqlite") {
        let e = ts::Engine::create(dir.path());
        e.load(&corpus);
        engines.push(Box::new(e));
    }
    if only != Some("ts") {
        let e = sqlite::Engine::create(dir.path());
        e.load(&corpus);
        engines.push(Box::new(e));
    }
    let mut sessions: Vec<Box<dyn Session + '_>> = engines.iter().map(|e| e.session()).collect();
    if let [a, b] = &mut sessions[..] {
        for q in set {
            assert_eq!(a.run(q), b.run(q), "the engines disagree on {q:?}");
        }
    }
    let mut times = vec![Vec::with_capacity(rounds); sessions.len()];
    for _ in 0..rounds {
        for (s, t) in sessions.iter_mut().zip(&mut times) {
            let start = Instant::now();
            for q in set {
                std::hint::black_box(s.run(q));
            }
            t.push(start.elapsed().as_secs_f64() * 1e6 / set.len() as f64);
        }
    }
    let medians: Vec<f64> = times
        .iter_mut()
        .map(|t| {
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        })
        .collect();
    for (e, m) in engines.iter().zip(&medians) {
        println!(
            "{kind:?} {}: {m:.1} µs per query (median of {rounds} rounds)",
            e.name()
        );
    }
    if let [t, s] = medians[..] {
        println!("TreeStore/SQLite speed ratio: {:.2}x", s / t);
    }
}
