//! A rough speed comparison with FTS5, not a benchmark: `cargo test --release -p treestore-core
//! search::tests::perf -- --ignored --nocapture` (SEARCH_PERF_DOCS sets the corpus size).

use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::*;

const SYL: [&str; 20] = [
    "ka", "ri", "to", "me", "su", "lo", "pa", "ne", "vi", "da", "ge", "mo", "ba", "ti", "ro", "fe",
    "nu", "sa", "le", "zo",
];

fn word(i: usize) -> String {
    let mut w = String::new();
    let mut i = i;
    loop {
        w.push_str(SYL[i % SYL.len()]);
        i /= SYL.len();
        if i == 0 {
            break;
        }
    }
    w
}

fn draw(rng: &mut Rng) -> String {
    let r = (30_001f64.powf(rng.unit()) - 1.0) as usize;
    word(r.min(29_999))
}

fn sentence(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| draw(rng)).collect::<Vec<_>>().join(" ")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
#[ignore]
fn perf_against_fts5() {
    let n: usize = std::env::var("SEARCH_PERF_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut rng = Rng::new(42);
    let docs: Vec<[String; 3]> = (0..n)
        .map(|_| {
            [
                sentence(&mut rng, 6),
                sentence(&mut rng, 20),
                sentence(&mut rng, 120),
            ]
        })
        .collect();
    let refs: Vec<DocRef> = (0..n)
        .map(|i| doc(&format!("p{}", i / 200), "v1", &format!("n{i}")))
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(
        dir.path().join("perf.db"),
        Options {
            durability: crate::db::Durability::Relaxed,
            ..Options::default()
        },
    )
    .unwrap();
    let t0 = Instant::now();
    for (batch, (chunk_docs, chunk_refs)) in docs.chunks(5000).zip(refs.chunks(5000)).enumerate() {
        let tb = Instant::now();
        let fields: Vec<[(Field, &str); 3]> = chunk_docs
            .iter()
            .map(|d| {
                [
                    (Field::Title, &*d[0]),
                    (Field::Summary, &*d[1]),
                    (Field::Text, &*d[2]),
                ]
            })
            .collect();
        let nodes: Vec<NodeText<'_>> = chunk_refs
            .iter()
            .zip(&fields)
            .map(|(d, f)| NodeText { doc: d, fields: f })
            .collect();
        let mut tx = db.begin_write().unwrap();
        index_nodes(&mut tx, &nodes).unwrap();
        let tc = Instant::now();
        tx.commit().unwrap();
        eprintln!(
            "batch {batch}: index {:?}, commit {:?}",
            tc - tb,
            tc.elapsed()
        );
    }
    db.checkpoint().unwrap();
    let ours_build = t0.elapsed();

    let sql = Connection::open(dir.path().join("fts5.db")).unwrap();
    sql.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;
         CREATE VIRTUAL TABLE t USING fts5(title, summary, body, pol UNINDEXED,
         tokenize = 'unicode61 remove_diacritics 0');",
    )
    .unwrap();
    let t0 = Instant::now();
    let txn = sql.unchecked_transaction().unwrap();
    {
        let mut ins = txn
            .prepare("INSERT INTO t(rowid, title, summary, body, pol) VALUES (?1, ?2, ?3, ?4, ?5)")
            .unwrap();
        for (i, d) in docs.iter().enumerate() {
            ins.execute(rusqlite::params![
                i as i64,
                d[0],
                d[1],
                d[2],
                refs[i].policy_id
            ])
            .unwrap();
        }
    }
    txn.commit().unwrap();
    let fts_build = t0.elapsed();
    eprintln!("{n} docs: build ours {ours_build:?}, fts5 {fts_build:?}");

    let queries = [
        word(0),
        word(10),
        word(100),
        word(1000),
        word(10000),
        format!("{} {}", word(5), word(50)),
        format!("{} {}", word(0), word(3000)),
        format!("{} OR {}", word(20), word(200)),
        format!("\"{} {}\"", word(0), word(1)),
        format!("{}*", word(30)),
    ];
    let idx = SearchIndex::new(&db);
    eprintln!(
        "{:<28} {:>8} {:>12} {:>12}",
        "query", "matches", "ours", "fts5"
    );
    for q in &queries {
        for policy in [None, Some("p7")] {
            let opts = SearchOptions {
                policy_id: policy.map(String::from),
                ..SearchOptions::with_limit(10)
            };
            let ours = median(
                (0..7)
                    .map(|_| {
                        let t = Instant::now();
                        idx.search(q, &opts).unwrap();
                        t.elapsed()
                    })
                    .collect(),
            );
            let filter = if policy.is_some() {
                "AND pol = ?2"
            } else {
                "AND ?2 IS NULL"
            };
            let mut stmt = sql
                .prepare(&format!(
                    "SELECT rowid, bm25(t, 3.0, 1.5, 1.0, 0.0) FROM t WHERE t MATCH ?1 {filter} \
                     ORDER BY bm25(t, 3.0, 1.5, 1.0, 0.0) LIMIT 10"
                ))
                .unwrap();
            let fts = median(
                (0..7)
                    .map(|_| {
                        let t = Instant::now();
                        let rows: Vec<i64> = stmt
                            .query_map(rusqlite::params![q, policy], |r| r.get(0))
                            .unwrap()
                            .collect::<rusqlite::Result<_>>()
                            .unwrap();
                        assert!(rows.len() <= 10);
                        t.elapsed()
                    })
                    .collect(),
            );
            let matches: i64 = sql
                .query_row(
                    &format!("SELECT count(*) FROM t WHERE t MATCH ?1 {filter}"),
                    rusqlite::params![q, policy],
                    |r| r.get(0),
                )
                .unwrap();
            let label = format!("{q}{}", policy.map_or(String::new(), |p| format!(" [{p}]")));
            eprintln!("{label:<28} {matches:>8} {ours:>12.2?} {fts:>12.2?}");
        }
    }
}
