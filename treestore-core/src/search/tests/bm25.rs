//! Scores against BM25 computed by hand from the textbook formula, independently of the store.

use super::*;

/// (node, title, summary, text): lowercase words separated by single spaces.
const CORPUS: &[(&str, &str, &str, &str)] = &[
    (
        "d1",
        "prior authorization",
        "",
        "prior authorization is required for imaging",
    ),
    (
        "d2",
        "imaging",
        "radiology imaging rules",
        "imaging requires prior review by radiology",
    ),
    (
        "d3",
        "claims",
        "",
        "claims must be filed within ninety days of service",
    ),
    (
        "d4",
        "appeals",
        "denied claims",
        "appeals of denied claims go to the review board",
    ),
    (
        "d5",
        "pharmacy",
        "drug coverage",
        "formulary drugs need authorization before dispensing",
    ),
    (
        "d6",
        "eligibility",
        "",
        "member eligibility rules apply to every claim",
    ),
    (
        "d7",
        "glossary",
        "terms",
        "authorization means approval and imaging means radiology",
    ),
    ("d8", "contacts", "", "call the plan"),
];

const W: [f64; 3] = [3.0, 1.5, 1.0];

fn fields(i: usize) -> [Vec<&'static str>; 3] {
    let (_, a, b, c) = CORPUS[i];
    let split = |s: &'static str| s.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>();
    [split(a), split(b), split(c)]
}

/// Occurrences of the phrase `words` in each field of document `i`.
fn occurrences(i: usize, words: &[&str]) -> [f64; 3] {
    let f = fields(i);
    let mut out = [0.0; 3];
    for c in 0..3 {
        out[c] = f[c].windows(words.len()).filter(|w| *w == words).count() as f64;
    }
    out
}

/// The textbook BM25 with FTS5's column weights: for each phrase, IDF(q) * f * (k1 + 1) /
/// (f + k1 * (1 - b + b * |D| / avgdl)), f the weighted occurrence count, IDF =
/// ln((N - n + 0.5) / (n + 0.5)) floored at 1e-6.
fn textbook(i: usize, phrases: &[&[&str]]) -> f64 {
    let (k1, b) = (1.2, 0.75);
    let n_docs = CORPUS.len() as f64;
    let len = |d: usize| fields(d).iter().map(|f| f.len()).sum::<usize>() as f64;
    let avgdl = (0..CORPUS.len()).map(len).sum::<f64>() / n_docs;
    let mut score = 0.0;
    for words in phrases {
        let n = (0..CORPUS.len())
            .filter(|&d| occurrences(d, words).iter().sum::<f64>() > 0.0)
            .count() as f64;
        let mut idf = ((n_docs - n + 0.5) / (n + 0.5)).ln();
        if idf <= 0.0 {
            idf = 1e-6;
        }
        let occ = occurrences(i, words);
        let f = occ[0] * W[0] + occ[1] * W[1] + occ[2] * W[2];
        score += idf * f * (k1 + 1.0) / (f + k1 * (1.0 - b + b * len(i) / avgdl));
    }
    score
}

fn corpus_db() -> Database {
    let db = mem_db();
    for (i, (id, t, s, x)) in CORPUS.iter().enumerate() {
        // Spread over two policies and versions: the statistics stay global.
        let p = if i % 2 == 0 { "pa" } else { "pb" };
        put(&db, &doc(p, "v1", id), t, s, x);
    }
    db
}

/// Checks every hit of `query` against the textbook score of `phrases` (the query's leaves), and
/// that the hits are exactly the documents `matching` the query, best first.
fn check(db: &Database, query: &str, phrases: &[&[&str]], matching: impl Fn(usize) -> bool) {
    let hits = find(db, query);
    let mut want: Vec<(String, f64)> = (0..CORPUS.len())
        .filter(|&i| matching(i))
        .map(|i| (CORPUS[i].0.to_string(), textbook(i, phrases)))
        .collect();
    want.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    assert_eq!(hits.len(), want.len(), "{query}: {:?}", ids(&hits));
    for (h, (id, score)) in hits.iter().zip(&want) {
        let i = CORPUS.iter().position(|c| c.0 == h.doc.node_id).unwrap();
        assert_close(
            h.score,
            textbook(i, phrases),
            &format!("{query} {}", h.doc.node_id),
        );
        assert_close(
            h.score,
            *score,
            &format!("{query}: rank of {}", h.doc.node_id),
        );
        let _ = id;
    }
}

fn has(i: usize, w: &[&str]) -> bool {
    occurrences(i, w).iter().sum::<f64>() > 0.0
}

#[test]
fn single_terms_score_as_the_textbook_formula() {
    let db = corpus_db();
    for term in [
        "authorization",
        "imaging",
        "radiology",
        "claims",
        "plan",
        "review",
    ] {
        check(&db, term, &[&[term]], |i| has(i, &[term]));
    }
}

#[test]
fn conjunctions_disjunctions_and_phrases_sum_their_leaves() {
    let db = corpus_db();
    check(
        &db,
        "prior authorization",
        &[&["prior"], &["authorization"]],
        |i| has(i, &["prior"]) && has(i, &["authorization"]),
    );
    // Under OR a document scores only the alternatives it holds: absent leaves add 0.
    check(
        &db,
        "imaging OR claims",
        &[&["imaging"], &["claims"]],
        |i| has(i, &["imaging"]) || has(i, &["claims"]),
    );
    check(
        &db,
        "\"prior authorization\"",
        &[&["prior", "authorization"]],
        |i| has(i, &["prior", "authorization"]),
    );
    // The NOT side never scores: a matching document lacks it.
    check(&db, "imaging NOT prior", &[&["imaging"], &["prior"]], |i| {
        has(i, &["imaging"]) && !has(i, &["prior"])
    });
}

#[test]
fn ranking_puts_title_matches_and_short_documents_first() {
    let db = corpus_db();
    // d1 has "authorization" in its title (weight 3) and text; d5 and d7 only in their text,
    // once, and are as long: a tie, broken by indexing order.
    let hits = find(&db, "authorization");
    assert_eq!(ids(&hits), ["d1", "d5", "d7"]);
    assert!(hits[0].score > hits[1].score);
    assert_eq!(hits[1].score, hits[2].score);
    // "imaging": d2 holds it in every field and wins over longer d1 and d7.
    assert_eq!(ids(&find(&db, "imaging"))[0], "d2");
    assert_eq!(hits[0].matched_terms, ["authorization"]);
}

#[test]
fn idf_and_term_helpers_follow_fts5() {
    assert_close(idf(10, 1), (9.5f64 / 1.5).ln(), "idf");
    assert_eq!(idf(10, 5), MIN_IDF);
    assert_eq!(idf(10, 9), MIN_IDF);
    let t = bm25_term(2.0, 3.0, 10.0, 5.0);
    assert_close(
        t,
        2.0 * 3.0 * 2.2 / (3.0 + 1.2 * (0.25 + 0.75 * 2.0)),
        "bm25_term",
    );
}

#[test]
fn custom_weights_change_scores_as_the_formula_says() {
    let db = corpus_db();
    let w = FieldWeights {
        title: 1.0,
        summary: 1.0,
        text: 1.0,
    };
    let opts = SearchOptions {
        weights: Some(w),
        ..SearchOptions::with_limit(10)
    };
    let hits = SearchIndex::new(&db).search("imaging", &opts).unwrap();
    // d2: title 1 + summary 1 + text 1 occurrences, all weighted 1.
    let d2 = hits.iter().find(|h| h.doc.node_id == "d2").unwrap();
    let n_docs = CORPUS.len() as f64;
    let total: f64 = (0..CORPUS.len())
        .map(|d| fields(d).iter().map(|f| f.len()).sum::<usize>() as f64)
        .sum();
    let len = fields(1).iter().map(|f| f.len()).sum::<usize>() as f64;
    let idf = ((n_docs - 3.0 + 0.5) / 3.5f64).ln();
    let want = idf * 3.0 * 2.2 / (3.0 + 1.2 * (0.25 + 0.75 * len / (total / n_docs)));
    assert_close(d2.score, want, "d2 with unit weights");
}
