//! `make bench-pg`: TreeStore against PostgreSQL 15 and SQLite on the same corpus and the same
//! queries (issue 8; the speed sections of issues 3 and 4). See `src/h2h/` and benches/RESULTS.md.
//!
//! Environment: `BENCH_SCALE` (fraction of the 1,000,000-node corpus, default 1), `BENCH_SECS`
//! (seconds per multi-threaded measurement, default 3), `BENCH_COLD_ROUNDS` (default 3),
//! `TREESTORE_BENCH_DIR` (where the SQLite and TreeStore files go). Criterion's own arguments
//! (a filter, `--warm-up-time`, ...) pass through. Nothing is cached between runs: the write
//! queries change every database, and a cached TreeStore file would hide a format change.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use treestore_benches::env_f64;
use treestore_benches::h2h::report::{write_section, Results, Stats};
use treestore_benches::h2h::{check, pg, queries, sqlite, ts, Corpus, Engine, Kind, Query};

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    let d = t.elapsed();
    eprintln!("{what}: {:.1} s", d.as_secs_f64());
    (out, d)
}

fn main() {
    let scale = env_f64("BENCH_SCALE", 1.0);
    let secs = env_f64("BENCH_SECS", 3.0);
    let cold_rounds = env_f64("BENCH_COLD_ROUNDS", 3.0) as usize;
    let started = Instant::now();
    let (corpus, gen_time) = timed("corpus generated", || Corpus::build(scale));
    let nodes = corpus.node_count();
    eprintln!(
        "corpus: {} documents, {nodes} nodes, {:.0} MiB of text, {} PageIndex files",
        corpus.docs.len(),
        corpus.text_bytes() as f64 / (1 << 20) as f64,
        corpus.pageindex_files()
    );
    let dir = treestore_benches::temp_dir();
    let mut res = Results {
        load_nodes: nodes,
        ..Results::default()
    };

    let mut tse = ts::Engine::create(dir.path());
    let ((), d) = timed("TreeStore load", || tse.load(&corpus));
    res.load.insert("TreeStore", d);
    let mut sqe = sqlite::Engine::create(dir.path());
    let ((), d) = timed("SQLite load", || sqe.load(&corpus));
    res.load.insert("SQLite", d);
    let server = pg::Server::start();
    pg::Engine::create(&server);
    let ((), d) = timed("PostgreSQL load", || pg::Engine::load(&server, &corpus));
    res.load.insert("PostgreSQL", d);
    let pg_version = server.version();
    let mut pge = pg::Engine::new(&server, pg::Variant::Recursive);
    let mut pgl = pg::Engine::new(&server, pg::Variant::Ltree);

    let sets = queries::query_sets(&corpus, 20261126);
    {
        let engines: [&dyn Engine; 4] = [&tse, &pge, &pgl, &sqe];
        res.engines = engines.iter().map(|e| e.name()).collect();
        equality_check(&engines, &sets, &mut res);
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs_f64(env_f64("BENCH_WARMUP_SECS", 1.0)))
        .measurement_time(Duration::from_secs_f64(env_f64("BENCH_MEASURE_SECS", 3.0)))
        .sample_size(20)
        .configure_from_args();
    {
        let engines: [&dyn Engine; 4] = [&tse, &pge, &pgl, &sqe];
        for (kind, set) in &sets {
            warm(&mut c, &engines, *kind, set, &mut res);
        }
        for e in [&tse as &dyn Engine, &pge, &sqe] {
            for kind in Kind::UNDER_WRITER {
                under_writer(e, kind, &sets, secs, &mut res);
            }
            tool_results_8(e, &sets, secs, &mut res);
        }
    }
    {
        let engines: [&mut dyn Engine; 4] = [&mut tse, &mut pge, &mut pgl, &mut sqe];
        cold(engines, &sets, cold_rounds, &mut res);
    }
    c.final_summary();

    res.header = vec![
        "## Head-to-head: TreeStore, PostgreSQL 15, SQLite (issue 8)".into(),
        String::new(),
        format!(
            "Run {} (wall time {:.0} min, corpus generation {:.0} s), command: `make bench-pg` \
             (= `cd benches && nice cargo bench --bench headtohead`), BENCH_SCALE={scale}, BENCH_SECS={secs}, BENCH_COLD_ROUNDS={cold_rounds}, \
             BENCH_WARMUP_SECS={}, BENCH_MEASURE_SECS={}.",
            utc_now(),
            started.elapsed().as_secs_f64() / 60.0,
            gen_time.as_secs_f64(),
            env_f64("BENCH_WARMUP_SECS", 1.0),
            env_f64("BENCH_MEASURE_SECS", 3.0)
        ),
        format!(
            "Corpus: {} document versions, {nodes} nodes, {:.0} MiB of titles, summaries and texts: \
             {} PageIndex files, {} generated documents (3 versions per policy, effective dates), a \
             1,000-deep chain and a 10,000-child fan. Machine: {}. PostgreSQL {pg_version}; \
             SQLite {} (bundled); TreeStore from this tree.",
            corpus.docs.len(),
            corpus.text_bytes() as f64 / (1 << 20) as f64,
            corpus.pageindex_files(),
            corpus.generated,
            machine(),
            rusqlite::version()
        ),
        String::new(),
        "Chart of the ratios: [headtohead.png](headtohead.png). Code: `benches/benches/headtohead.rs` (the run), \
         `benches/src/h2h/` (corpus, queries, one adapter per engine, the equality check, this report)."
            .into(),
    ];
    res.footer = HOW.lines().map(String::from).collect();
    let md = res.markdown();
    println!("\n{md}");
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = here.join("target/h2h");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("ratios.csv"), res.ratios_csv()).unwrap();
    std::fs::write(out.join("table.md"), &md).unwrap();
    // Only the full corpus is recorded; a quick run leaves RESULTS.md and the chart alone.
    if scale == 1.0 && std::env::args().skip(1).all(|a| a.starts_with("--")) {
        write_section(&here.join("RESULTS.md"), &md);
        std::fs::write(here.join("headtohead-ratios.csv"), res.ratios_csv()).unwrap();
        eprintln!("wrote benches/RESULTS.md and benches/headtohead-ratios.csv");
    } else {
        eprintln!(
            "partial run (BENCH_SCALE={scale} or a filter): table in {}",
            out.join("table.md").display()
        );
    }
    drop(server);
}

fn utc_now() -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "+%F %H:%M UTC"])
        .output();
    out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split(' ').next().unwrap_or("?").to_string();
    format!(
        "{} cores ({cpu}), load average {load} at the end",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    )
}

/// Every engine answers the first queries of each read kind; they must agree with TreeStore.
fn equality_check(engines: &[&dyn Engine], sets: &[(Kind, Vec<Query>)], res: &mut Results) {
    const SAMPLE: usize = 25;
    let mut sessions: Vec<_> = engines.iter().map(|e| e.session()).collect();
    let mut min_overlap = usize::MAX;
    let (mut exact, mut approx) = (0, 0);
    for (kind, set) in sets {
        if kind.is_write() {
            continue;
        }
        let mut empty = 0;
        for q in set.iter().take(SAMPLE) {
            let want = sessions[0].run(q);
            empty += want.is_empty() as usize;
            for (e, s) in engines.iter().zip(sessions.iter_mut()).skip(1) {
                if !e.runs(*kind) {
                    continue;
                }
                let got = s.run(q);
                let bm25 = e.name() == "SQLite";
                if let Some(why) = check::differs(&want, &got, kind.is_search(), bm25) {
                    panic!("EQUALITY CHECK FAILED: {} answers {:?} differently from TreeStore: {why}\nquery: {q:?}", e.name(), kind);
                }
                if kind.is_search() && bm25 && check::same_scores(&want, &got) {
                    exact += 1;
                } else if kind.is_search() && bm25 {
                    approx += 1;
                    let common = want.iter().filter(|h| {
                        let id = h.text().rsplit_once('@').unwrap().0;
                        got.iter()
                            .any(|g| g.text().rsplit_once('@').unwrap().0 == id)
                    });
                    min_overlap = min_overlap.min(common.count() * 10 / want.len().max(1));
                }
            }
        }
        assert!(
            empty < SAMPLE,
            "every sampled {kind:?} query returned nothing: the check would prove nothing"
        );
        eprintln!("equality check {kind:?}: {SAMPLE} queries agree ({empty} empty)");
    }
    res.check_notes.push(format!(
        "Before timing, every engine answered the first {SAMPLE} queries of each read kind and agreed with \
         TreeStore: same node ids in the same order with the same title, summary and text lengths; the \
         same version for as-of. Search against SQLite FTS5: {exact} queries had the same BM25 scores rank \
         by rank and the same hits up to reordering within equal scores and the choice among hits tied at \
         the cut; {approx} had slightly different scores (FTS5's unicode61 counts a run of CJK ideographs \
         as one token, TreeStore each ideograph, so document lengths differ): scores within {}% rank by \
         rank (lowest top-10 id overlap: {}/10: near-equal hits reorder). PostgreSQL's ts_rank is another formula, so only its hit count is compared.",
        check::SCORE_TOLERANCE * 100.0,
        if min_overlap == usize::MAX { 10 } else { min_overlap }
    ));
}

/// One criterion benchmark per engine for `kind`, every operation timed on its own too.
fn warm(c: &mut Criterion, engines: &[&dyn Engine], kind: Kind, set: &[Query], res: &mut Results) {
    let mut g = c.benchmark_group(format!("h2h/{}", kind.id()));
    if kind.is_search() || kind.is_write() || matches!(kind, Kind::FanChildren | Kind::ChainSubtree)
    {
        g.sampling_mode(SamplingMode::Flat).sample_size(10);
    }
    for e in engines {
        if !e.runs(kind) {
            continue;
        }
        let mut session = e.session();
        let lat = Mutex::new(Vec::new());
        let warm_until = Mutex::new(None::<Instant>);
        let mut next = 0usize;
        g.bench_function(e.name(), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut lat = lat.lock().unwrap();
                let keep = {
                    let mut w = warm_until.lock().unwrap();
                    let until = *w.get_or_insert_with(|| {
                        Instant::now() + Duration::from_secs_f64(env_f64("BENCH_WARMUP_SECS", 1.0))
                    });
                    Instant::now() >= until
                };
                for _ in 0..iters {
                    let q = &set[next % set.len()];
                    next += 1;
                    let t = Instant::now();
                    let a = session.run(q);
                    let d = t.elapsed();
                    std::hint::black_box(a);
                    total += d;
                    if keep {
                        lat.push(d.as_nanos() as u64);
                    }
                }
                total
            })
        });
        let lat = lat.into_inner().unwrap();
        if !lat.is_empty() {
            res.warm.insert((kind, e.name()), Stats::new(lat));
        }
    }
    g.finish();
}

/// The first query of each kind after a reopen, `rounds` times.
fn cold(
    mut engines: [&mut dyn Engine; 4],
    sets: &[(Kind, Vec<Query>)],
    rounds: usize,
    res: &mut Results,
) {
    for e in engines.iter_mut() {
        let mut lat: std::collections::BTreeMap<Kind, Vec<u64>> = Default::default();
        for round in 0..rounds {
            for (kind, set) in sets {
                if kind.is_write() || !e.runs(*kind) {
                    continue;
                }
                e.reopen();
                let mut s = e.session();
                let q = &set[(round * 7 + 3) % set.len()];
                let t = Instant::now();
                std::hint::black_box(s.run(q));
                lat.entry(*kind)
                    .or_default()
                    .push(t.elapsed().as_nanos() as u64);
            }
        }
        for (kind, l) in lat {
            res.cold.insert((kind, e.name()), Stats::new(l));
        }
        eprintln!("cold: {} done", e.name());
    }
}

fn set_of(sets: &[(Kind, Vec<Query>)], kind: Kind) -> &[Query] {
    &sets.iter().find(|(k, _)| *k == kind).unwrap().1
}

/// Four readers run `kind` while one writer stores 100-node documents, for `secs`.
fn under_writer(
    e: &dyn Engine,
    kind: Kind,
    sets: &[(Kind, Vec<Query>)],
    secs: f64,
    res: &mut Results,
) {
    let reads = set_of(sets, kind);
    let writes = set_of(sets, Kind::StoreDoc);
    let stop = AtomicBool::new(false);
    let commits = AtomicU64::new(0);
    let dur = Duration::from_secs_f64(secs);
    let mut all = Vec::new();
    let mut sessions: Vec<_> = (0..5).map(|_| e.session()).collect();
    let mut writer = sessions.pop().unwrap();
    let t0 = Instant::now();
    let wall = std::thread::scope(|sc| {
        let w = sc.spawn(|| {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                writer.run(&writes[i % writes.len()]);
                commits.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        });
        let readers: Vec<_> = sessions
            .iter_mut()
            .enumerate()
            .map(|(r, s)| {
                sc.spawn(move || {
                    let mut lat = Vec::new();
                    let start = Instant::now();
                    let mut i = r * 397;
                    while start.elapsed() < dur {
                        let t = Instant::now();
                        std::hint::black_box(s.run(&reads[i % reads.len()]));
                        lat.push(t.elapsed().as_nanos() as u64);
                        i += 1;
                    }
                    lat
                })
            })
            .collect();
        for r in readers {
            all.extend(r.join().unwrap());
        }
        let wall = t0.elapsed();
        stop.store(true, Ordering::Relaxed);
        w.join().unwrap();
        wall
    });
    let mut stats = Stats::new(all);
    stats.wall_ops = Some(stats.count() as f64 / wall.as_secs_f64());
    let rate = commits.load(Ordering::Relaxed) as f64 / t0.elapsed().as_secs_f64();
    eprintln!(
        "under writer {kind:?} {}: {} reads, p99 {:.0} µs, {rate:.0} commits/s",
        e.name(),
        stats.count(),
        stats.quantile(0.99) / 1e3
    );
    res.writer_rate.insert((kind, e.name()), rate);
    res.under_writer.insert((kind, e.name()), stats);
}

/// Eight threads store durable tool results for `secs`.
fn tool_results_8(e: &dyn Engine, sets: &[(Kind, Vec<Query>)], secs: f64, res: &mut Results) {
    let set = set_of(sets, Kind::StoreToolResult);
    let dur = Duration::from_secs_f64(secs);
    let mut sessions: Vec<_> = (0..8).map(|_| e.session()).collect();
    let t0 = Instant::now();
    let all: Vec<u64> = std::thread::scope(|sc| {
        let hs: Vec<_> = sessions
            .iter_mut()
            .enumerate()
            .map(|(r, s)| {
                sc.spawn(move || {
                    let mut lat = Vec::new();
                    let mut i = r * 211;
                    while t0.elapsed() < dur {
                        let t = Instant::now();
                        s.run(&set[i % set.len()]);
                        lat.push(t.elapsed().as_nanos() as u64);
                        i += 1;
                    }
                    lat
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let wall = t0.elapsed();
    let mut stats = Stats::new(all);
    stats.wall_ops = Some(stats.count() as f64 / wall.as_secs_f64());
    eprintln!("tool results x8 {}: {:.0}/s", e.name(), stats.ops());
    res.tool_results_8.insert(e.name(), stats);
}

/// The fixed part of the report: what is compared and how.
const HOW: &str = "
### How the head-to-head is run

- **Corpus** (`src/h2h/corpus.rs`): every PageIndex file in `/work/shared/data/pageindex` (skipped with a
  message when absent), `treestore_core::document::gen` documents (about 100 nodes, summaries 200-800
  and texts 400-2,000 characters, some non-ASCII words; policies of 3 versions, the later ones with
  10% of the nodes edited and a node added, effective `[2024-01-01, 2024-06-29)`,
  `[2024-06-29, 2024-12-26)`, `[2024-12-26, )`), a 1,000-deep chain and a root with 10,000 children.
  `BENCH_SCALE` scales the generated part (1 = 10,000 documents, about 1,000,000 nodes).
- **Loads**: TreeStore `store_documents`, 500 documents per transaction (search index included), then a
  checkpoint; SQLite one transaction of inserts, then its indexes, then the FTS5 `rebuild`; PostgreSQL
  `COPY` (the tsvector is a stored generated column), then the indexes, `VACUUM ANALYZE`, `CHECKPOINT`.
- **Nothing is cached between runs**: the write queries change every database, and a cached TreeStore
  file would hide a format change after a core merge. Each run loads all three from scratch.
- **TreeStore**: `treestore-core` from this tree, `Durability::Sync` (a commit returns after its WAL
  record is fsynced; concurrent commits share an fsync), 4 KiB pages, one read transaction per query.
- **PostgreSQL 15** (`scripts/pg.sh`: initdb into a temp dir, Unix socket only, run as the `postgres`
  user): `shared_buffers = 512MB`, `work_mem = 16MB`, `maintenance_work_mem = 1GB`,
  `effective_cache_size = 8GB`, `random_page_cost = 1.1`, `max_wal_size = 8GB`, `jit = off`,
  `max_stack_depth = 7MB`, and `fsync`, `synchronous_commit`, `full_page_writes` on. `postgres` crate
  (synchronous client), statements prepared once per connection. Schema (`src/h2h/pg.rs`):
  `nodes(doc, pos, node_id, parent, ord, depth, title, page_start, page_end, summary, body, lpath ltree,
  tsv tsvector generated)`, primary key `(doc, pos)`, unique `(doc, node_id)`, index
  `(doc, parent, ord)`: subtrees and ancestors are `WITH RECURSIVE ... SEARCH DEPTH FIRST BY ord`. The
  alternative `PG ltree` (subtree queries): GiST on `lpath` (labels: the doc, then ordinals zero-padded
  to one width per document, so path order is pre-order), `lpath <@ root ORDER BY lpath`; PostgreSQL
  could not build that index over the 1,000-deep chain (\"failed to add item to index page\" or
  \"stack depth limit exceeded\"), so it is partial (paths up to 128 levels) and the ltree variant
  skips the chain. Pages: GiST (`btree_gist`) on `(doc, int4range(page_start, page_end, '[]'))`.
  Versions: `versions(doc, policy, version, created_at, valid tstzrange)` with
  `EXCLUDE USING gist (policy WITH =, valid WITH &&)`; as-of is `valid @> $t`. Search: `tsv` =
  title (weight A), summary (B), text (C) under the `simple` configuration (no stemming, like
  TreeStore's default), GIN index, `ts_rank('{0, 0.333, 0.5, 1}', tsv, plainto_tsquery(...))`. A
  batch of ids is one statement (`unnest($ids) WITH ORDINALITY`), a stored document one
  `INSERT ... SELECT FROM unnest(arrays)` after its version row; tool results have the same four
  indexes as TreeStore's (time, policy, tool, case).
- **SQLite** (bundled, `src/h2h/sqlite.rs`): WAL, `synchronous = FULL`, 64 MiB cache per connection,
  one connection per reading thread and one writer connection behind a mutex (SQLite has one writer
  at a time; in-process serialization beats the busy handler). `nodes` (rowid table) with unique
  `(doc, node_id)` and `(doc, pos)`, `(doc, parent, ord)`, `(doc, page_start, page_end)`; recursive
  CTEs for subtrees and ancestors; an external-content FTS5 table (`unicode61 remove_diacritics 0`)
  ranked by `bm25(fts, 3.0, 1.5, 1.0)`, TreeStore's field weights; `ANALYZE` after the load.
- **Queries** (`src/h2h/queries.rs`; 2,000 seeded parameter sets per kind, the same for every engine,
  cycled): reads name a version by (policy, version), resolved by each engine. Subtree of ~20 nodes:
  whole subtrees of nodes with 15-25 nodes; depth 3: from a depth-1 node; search: selective =
  a title word and a title number (`appeals 37`), broad = a title word alone.
  Writes: a copy of a generated document under a new policy id; a tool result of 200-1,000 bytes
  of JSON (TreeStore generates its time-ordered id; PostgreSQL and SQLite get one from the bench).
- **Answers**: every engine does the same work per returned node: it allocates the node id as a
  `String` and takes the byte lengths of title, summary and text from borrowed views
  (`h2h::Line::Node`). TreeStore is read through its borrowed sink API (`DocReader::*_with`, a
  `NodeSink` handed each node as a `NodeRef` into the read transaction's pages), as the C ABI and
  the SDKs read it; SQLite through `Row::get_ref` (`&str` views of its row); PostgreSQL through
  `&str` gets of the received row (the driver's row buffer holds the columns anyway).
- **Timing**: criterion (warm-up 1 s, 3 s of samples; 10 flat samples for search, writes and the
  adversarial trees) measures each (query, engine); every operation it runs after the first second
  is also timed on its own, for p50, p99 and the mean (throughput = 1 / mean). Cold: see above.
  Under a writer and the 8-thread tool results: `BENCH_SECS` seconds each.
";
