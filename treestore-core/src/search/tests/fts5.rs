//! Agreement with SQLite FTS5 on a generated corpus: the same matches, the same `bm25()` scores
//! (negated) and the same top-k order; and the same Porter stems.

use rusqlite::Connection;

use super::super::porter;
use super::*;

const SYLLABLES: [&str; 12] = [
    "ka", "ri", "to", "me", "su", "lo", "pa", "ne", "vi", "da", "ge", "mo",
];

/// Word `i` of the vocabulary: two or three syllables, so words share prefixes.
fn word(i: usize) -> String {
    let n = SYLLABLES.len();
    let mut w = String::new();
    w.push_str(SYLLABLES[i % n]);
    w.push_str(SYLLABLES[(i / n) % n]);
    if i >= n * n {
        w.push_str(SYLLABLES[(i / (n * n)) % n]);
    }
    w
}

/// A Zipf-like draw from a vocabulary of 1500 words: P(rank < r) = ln(r + 1) / ln(1501).
fn draw(rng: &mut Rng) -> String {
    let r = (1501f64.powf(rng.unit()) - 1.0) as usize;
    word(r.min(1499))
}

fn sentence(rng: &mut Rng, min: u64, max: u64) -> String {
    let n = min + rng.below(max - min + 1);
    (0..n).map(|_| draw(rng)).collect::<Vec<_>>().join(" ")
}

struct Corpus {
    docs: Vec<[String; 3]>,
}

fn corpus(size: usize) -> Corpus {
    let mut rng = Rng::new(20240601);
    let docs = (0..size)
        .map(|_| {
            let summary = if rng.below(3) == 0 {
                String::new()
            } else {
                sentence(&mut rng, 3, 15)
            };
            [
                sentence(&mut rng, 1, 6),
                summary,
                sentence(&mut rng, 10, 80),
            ]
        })
        .collect();
    Corpus { docs }
}

fn policy_of(i: usize) -> String {
    format!("p{}", i % 7)
}

fn doc_of(i: usize) -> DocRef {
    doc(&policy_of(i), &format!("v{}", (i / 7) % 3), &i.to_string())
}

fn build(c: &Corpus) -> (Database, Connection) {
    let db = mem_db();
    let mut tx = db.begin_write().unwrap();
    let refs: Vec<DocRef> = (0..c.docs.len()).map(doc_of).collect();
    let fields: Vec<[(Field, &str); 3]> = c
        .docs
        .iter()
        .map(|d| {
            [
                (Field::Title, &*d[0]),
                (Field::Summary, &*d[1]),
                (Field::Text, &*d[2]),
            ]
        })
        .collect();
    let nodes: Vec<NodeText<'_>> = refs
        .iter()
        .zip(&fields)
        .map(|(d, f)| NodeText { doc: d, fields: f })
        .collect();
    for chunk in nodes.chunks(500) {
        index_nodes(&mut tx, chunk).unwrap();
    }
    tx.commit().unwrap();

    let sql = Connection::open_in_memory().unwrap();
    sql.execute_batch(
        "CREATE VIRTUAL TABLE t USING fts5(title, summary, body, pol UNINDEXED, \
         tokenize = 'unicode61 remove_diacritics 0');",
    )
    .unwrap();
    let txn = sql.unchecked_transaction().unwrap();
    {
        let mut ins = txn
            .prepare("INSERT INTO t(rowid, title, summary, body, pol) VALUES (?1, ?2, ?3, ?4, ?5)")
            .unwrap();
        for (i, d) in c.docs.iter().enumerate() {
            ins.execute(rusqlite::params![i as i64, d[0], d[1], d[2], policy_of(i)])
                .unwrap();
        }
    }
    txn.commit().unwrap();
    (db, sql)
}

/// FTS5's hits: (rowid, -bm25), best first, and the number of matching rows.
fn fts5(
    sql: &Connection,
    q: &str,
    policy: Option<&str>,
    limit: usize,
) -> (Vec<(usize, f64)>, usize) {
    let filter = if policy.is_some() {
        "AND pol = ?2"
    } else {
        "AND ?2 IS NULL"
    };
    let rank = "bm25(t, 3.0, 1.5, 1.0, 0.0)";
    let mut stmt = sql
        .prepare(&format!(
            "SELECT rowid, {rank} FROM t WHERE t MATCH ?1 {filter} ORDER BY {rank}, rowid LIMIT {limit}"
        ))
        .unwrap();
    let hits = stmt
        .query_map(rusqlite::params![q, policy], |r| {
            Ok((r.get::<_, i64>(0)? as usize, -r.get::<_, f64>(1)?))
        })
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap_or_else(|e| panic!("{q}: {e}"));
    let count: i64 = sql
        .query_row(
            &format!("SELECT count(*) FROM t WHERE t MATCH ?1 {filter}"),
            rusqlite::params![q, policy],
            |r| r.get(0),
        )
        .unwrap();
    (hits, count as usize)
}

fn queries() -> Vec<String> {
    let w = |i: usize| word(i);
    let mut q = vec![];
    for r in [0, 3, 20, 50, 120, 300, 700, 1400] {
        q.push(w(r));
    }
    q.push(format!("{} {}", w(0), w(5)));
    q.push(format!("{} {}", w(30), w(90)));
    q.push(format!("{} {} {}", w(12), w(40), w(70)));
    q.push(format!("{} OR {}", w(50), w(600)));
    q.push(format!("{} OR {} OR {}", w(15), w(150), w(1000)));
    q.push(format!("{} NOT {}", w(25), w(60)));
    q.push(format!("{} NOT {}", w(4), w(1)));
    // FTS5 wants an explicit AND after parentheses; the store accepts both.
    q.push(format!("({} OR {}) AND {}", w(35), w(80), w(45)));
    q.push(format!("{} AND {} OR {}", w(33), w(88), w(300)));
    q.push(format!("{}*", SYLLABLES[4]));
    q.push(format!("{}*", w(150)));
    q.push(format!("{}* {}", w(75), w(18)));
    q.push(format!("{}* NOT {}", &w(20)[..3], w(0)));
    q.push(format!("{} {} OR {} NOT {}", w(21), w(22), w(23), w(24)));
    q
}

/// Phrases taken from the corpus, so that they occur.
fn phrases(c: &Corpus) -> Vec<String> {
    [(3usize, 2usize), (17, 5), (101, 10), (500, 0), (650, 20)]
        .iter()
        .map(|&(d, at)| {
            // A text has at least 10 words; `at` wraps on shorter ones.
            let words: Vec<&str> = c.docs[d][2].split(' ').collect();
            let at = at % (words.len() - 1);
            format!("\"{} {}\"", words[at], words[at + 1])
        })
        .chain(std::iter::once(format!(
            "\"{} {}\" {}",
            word(0),
            word(1),
            word(2)
        )))
        .collect()
}

fn compare(db: &Database, sql: &Connection, q: &str, policy: Option<&str>) {
    let limit = 10;
    // Ten more rows than compared, to see ties across the cut.
    let (mut want, count) = fts5(sql, q, policy, limit + 10);
    let beyond = want.split_off(want.len().min(limit));
    let opts = SearchOptions {
        policy_id: policy.map(String::from),
        ..SearchOptions::with_limit(limit)
    };
    let got = SearchIndex::new(db).search(q, &opts).unwrap();
    assert_eq!(got.len(), want.len(), "{q}: hit count");
    for (rank, (g, (row, score))) in got.iter().zip(&want).enumerate() {
        assert_close(g.score, *score, &format!("{q}: score at rank {rank}"));
        // The same document unless FTS5 has a tie there.
        let tied = want
            .iter()
            .chain(&beyond)
            .filter(|(_, s)| (s - score).abs() <= 1e-9 * score.abs().max(1.0))
            .count()
            > 1;
        if !tied {
            assert_eq!(g.doc, doc_of(*row), "{q}: document at rank {rank}");
        }
    }
    let all = SearchIndex::new(db)
        .search(
            q,
            &SearchOptions {
                policy_id: policy.map(String::from),
                ..SearchOptions::with_limit(MAX_RESULTS)
            },
        )
        .unwrap();
    assert_eq!(all.len(), count, "{q}: matching documents");
}

#[test]
fn top_k_matches_fts5_bm25() {
    top_k_matches_fts5_bm25_with_blocks(super::super::block::MAX_BLOCK_POSTINGS, 2500);
}

#[test]
fn top_k_matches_fts5_bm25_on_small_blocks() {
    // Many blocks per term: cursors skip blocks by key and re-descend the tree.
    top_k_matches_fts5_bm25_with_blocks(6, 700);
}

fn top_k_matches_fts5_bm25_with_blocks(block: usize, docs: usize) {
    super::super::block::TEST_BLOCK_POSTINGS.with(|c| c.set(block));
    let c = corpus(docs);
    let (db, sql) = build(&c);
    SearchIndex::new(&db).check().unwrap();
    for q in queries().iter().chain(&phrases(&c)) {
        compare(&db, &sql, q, None);
    }
    for q in [
        word(2),
        word(40),
        format!("{} {}", word(10), word(26)),
        format!("{}*", SYLLABLES[0]),
        format!("\"{} {}\" OR {}", word(3), word(7), word(200)),
    ] {
        compare(&db, &sql, &q, Some("p3"));
    }
}

#[test]
fn porter_stems_as_fts5_porter() {
    let stems = [
        "connect",
        "relate",
        "hope",
        "general",
        "authoriz",
        "operat",
        "form",
        "adjust",
        "depend",
        "electric",
        "sens",
        "ration",
        "condition",
        "digit",
        "valid",
        "happ",
        "sk",
        "agre",
        "fe",
        "plaster",
        "motor",
        "sing",
        "troubl",
        "siz",
        "hop",
        "tan",
        "fall",
        "hiss",
        "fizz",
        "fil",
        "cri",
        "bak",
        "controll",
        "roll",
        "pay",
        "sy",
        "ye",
        "oscill",
        "triplic",
        "feudal",
    ];
    let suffixes = [
        "", "s", "es", "ed", "ing", "ion", "ions", "al", "ally", "ness", "ful", "fulness", "ive",
        "iveness", "ize", "izer", "ization", "izations", "er", "ers", "able", "ability", "ible",
        "ibility", "ism", "ist", "ity", "ities", "iti", "ly", "li", "ment", "ement", "ent",
        "entli", "ence", "ance", "enci", "anci", "ic", "ical", "icate", "iciti", "ous", "ousli",
        "ousness", "ate", "ation", "ational", "tional", "ator", "alism", "aliti", "alize", "logi",
        "bli", "eli", "alli", "y", "ies", "eed", "e", "ll", "ative", "ant",
    ];
    let mut words: Vec<String> = stems
        .iter()
        .flat_map(|s| suffixes.iter().map(move |x| format!("{s}{x}")))
        .collect();
    let mut rng = Rng::new(99);
    let letters = b"abcdeilmnorstuyz";
    for _ in 0..3000 {
        let n = 3 + rng.below(10) as usize;
        words.push(
            (0..n)
                .map(|_| letters[rng.below(letters.len() as u64) as usize] as char)
                .collect(),
        );
    }
    words.sort();
    words.dedup();

    let sql = Connection::open_in_memory().unwrap();
    sql.execute_batch(
        "CREATE VIRTUAL TABLE s USING fts5(w, tokenize = 'porter unicode61 remove_diacritics 0');
         CREATE VIRTUAL TABLE sv USING fts5vocab(s, 'instance');",
    )
    .unwrap();
    let txn = sql.unchecked_transaction().unwrap();
    for (i, w) in words.iter().enumerate() {
        txn.execute(
            "INSERT INTO s(rowid, w) VALUES (?1, ?2)",
            rusqlite::params![i as i64, w],
        )
        .unwrap();
    }
    txn.commit().unwrap();
    let mut stmt = sql.prepare("SELECT doc, term FROM sv").unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)? as usize, r.get::<_, String>(1)?))
        })
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    assert_eq!(rows.len(), words.len());
    let mut differ = Vec::new();
    for (i, fts_stem) in rows {
        let ours = porter::stem(&words[i]);
        if ours != fts_stem {
            differ.push(format!("{} -> ours {ours}, fts5 {fts_stem}", words[i]));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} differ: {:?}",
        differ.len(),
        words.len(),
        &differ[..differ.len().min(20)]
    );
}
