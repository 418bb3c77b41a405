//! Where the p99 of a read goes while a writer commits (issue 8's "4 readers and a writer"):
//! `h2h_writer KIND SECONDS READERS WRITES [ts|sqlite]` runs READERS threads looping over KIND's
//! queries (a criterion id of `src/h2h/queries.rs`, e.g. `subtree20`) for SECONDS, with one more
//! thread storing 100-node documents (one durable commit each) when WRITES is `on`. Corpus at
//! `BENCH_SCALE` (default 0.05).
//!
//! Each read is timed and wrapped in `getrusage(RUSAGE_THREAD)`: a read that slept on a lock or
//! on I/O shows a voluntary context switch, one that the scheduler took the core from (another
//! runnable thread's timeslice) an involuntary one. Printed: p50, p99, the reads over 1 ms and how
//! many of those had each kind of switch, and the reads of every length with a switch.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use treestore_benches::h2h::{queries, sqlite, ts, Corpus, Engine, Kind, Query};

/// `(voluntary, involuntary)` context switches of the calling thread so far.
fn switches() -> (i64, i64) {
    // SAFETY: `getrusage` only writes the struct it is given, which is zeroed and ours.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_THREAD is valid on Linux.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut u) };
    assert_eq!(rc, 0, "getrusage failed");
    (u.ru_nvcsw, u.ru_nivcsw)
}

/// One read: its latency and the context switches during it.
struct Read {
    nanos: u64,
    voluntary: i64,
    involuntary: i64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let kind = args.get(1).map_or("subtree20", String::as_str);
    let secs: f64 = args
        .get(2)
        .map_or(5.0, |s| s.parse().expect("SECONDS is a number"));
    let readers: usize = args
        .get(3)
        .map_or(4, |s| s.parse().expect("READERS is a number"));
    let writes = args.get(4).map_or("on", String::as_str) == "on";
    let engine_name = args.get(5).map_or("ts", String::as_str);
    let scale: f64 = treestore_benches::env_f64("BENCH_SCALE", 0.05);
    let kind = Kind::by_id(kind);
    let corpus = Corpus::build(scale);
    let dir = treestore_benches::temp_dir();
    let sets = queries::query_sets(&corpus, 20261126);
    let set_of = |k: Kind| -> &[Query] { &sets.iter().find(|(x, _)| *x == k).unwrap().1 };
    let engine: Box<dyn Engine> = match engine_name {
        "ts" => {
            let e = ts::Engine::create(dir.path());
            e.load(&corpus);
            Box::new(e)
        }
        "sqlite" => {
            let e = sqlite::Engine::create(dir.path());
            e.load(&corpus);
            Box::new(e)
        }
        other => panic!("unknown engine {other}"),
    };
    let (reads, stores) = (set_of(kind), set_of(Kind::StoreDoc));
    let stop = AtomicBool::new(false);
    let commits = AtomicU64::new(0);
    let dur = Duration::from_secs_f64(secs);
    let mut sessions: Vec<_> = (0..=readers).map(|_| engine.session()).collect();
    let mut writer = sessions.pop().unwrap();
    let all: Vec<Read> = std::thread::scope(|sc| {
        let w = sc.spawn(|| {
            let mut i = 0;
            while writes && !stop.load(Ordering::Relaxed) {
                writer.run(&stores[i % stores.len()]);
                commits.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        });
        let handles: Vec<_> = sessions
            .iter_mut()
            .enumerate()
            .map(|(r, s)| {
                sc.spawn(move || {
                    let mut out = Vec::new();
                    let start = Instant::now();
                    let mut i = r * 397;
                    while start.elapsed() < dur {
                        let (v0, i0) = switches();
                        let t = Instant::now();
                        std::hint::black_box(s.run(&reads[i % reads.len()]));
                        let nanos = t.elapsed().as_nanos() as u64;
                        let (v1, i1) = switches();
                        out.push(Read {
                            nanos,
                            voluntary: v1 - v0,
                            involuntary: i1 - i0,
                        });
                        i += 1;
                    }
                    out
                })
            })
            .collect();
        let all = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        stop.store(true, Ordering::Relaxed);
        w.join().unwrap();
        all
    });
    let mut lat: Vec<u64> = all.iter().map(|r| r.nanos).collect();
    lat.sort_unstable();
    let q = |f: f64| lat[((lat.len() - 1) as f64 * f) as usize] as f64 / 1e3;
    let slow: Vec<&Read> = all.iter().filter(|r| r.nanos > 1_000_000).collect();
    let count = |rs: &[&Read], f: fn(&Read) -> bool| rs.iter().filter(|r| f(r)).count();
    let every: Vec<&Read> = all.iter().collect();
    println!(
        "{} {kind:?}, {readers} readers, writer {}: {} reads, p50 {:.1} µs, p99 {:.1} µs, {} commits",
        engine.name(),
        if writes { "on" } else { "off" },
        lat.len(),
        q(0.5),
        q(0.99),
        commits.load(Ordering::Relaxed)
    );
    for (what, rs) in [("reads over 1 ms", &slow), ("all reads", &every)] {
        println!(
            "  {what}: {} ({:.2}%); with an involuntary switch only {}, a voluntary switch only {}, both {}, none {}",
            rs.len(),
            100.0 * rs.len() as f64 / lat.len() as f64,
            count(rs, |r| r.involuntary > 0 && r.voluntary == 0),
            count(rs, |r| r.voluntary > 0 && r.involuntary == 0),
            count(rs, |r| r.voluntary > 0 && r.involuntary > 0),
            count(rs, |r| r.voluntary == 0 && r.involuntary == 0),
        );
    }
}
