//! Replayed analyses (a text seen before in the batch) and terms found by spelling write exactly
//! the tables a fresh analysis of every word writes: random batches whose fields repeat each
//! other, under both stemmings, in one segment and in several, with replacements of earlier nodes.

use proptest::prelude::*;

use super::super::block::TEST_BLOCK_POSTINGS;
use super::super::segment::{TEST_REUSE, TEST_SEGMENT_POSITIONS};
use super::*;

/// Pieces that exercise the analyzer: ASCII words and capitals, apostrophes, marks, folding
/// specials (final sigma, dotted I, sharp s), CJK, separators, long words.
const PIECES: [&str; 26] = [
    "Authorizations",
    "ALPHA",
    "Überprüfungsverfahren",
    "policy's",
    "alpha",
    "Beta",
    " ",
    " ",
    ". ",
    "don't",
    "O’Brien",
    "café",
    "e\u{301}",
    "ΟΔΟΣ",
    "İx",
    "Straße",
    "中华",
    "ひら",
    "-",
    "42",
    "x'",
    "naïve",
    "§",
    "\u{a0}",
    "gamma gamma",
    "Ω",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec(prop::sample::select(&PIECES[..]), 0..12)
            .prop_map(|p| p.concat()),
        1 => Just("w".repeat(70)),
        1 => Just(String::new()),
    ]
}

/// A batch: per node, each field names a text of the pool (so fields repeat across nodes and
/// across the fields of one node).
fn batch() -> impl Strategy<Value = (Vec<String>, Vec<[usize; 3]>)> {
    (
        prop::collection::vec(text(), 1..6),
        prop::collection::vec([0usize..6, 0usize..6, 0usize..6], 1..16),
    )
}

fn build(
    stemming: Stemming,
    pool: &[String],
    batches: &[Vec<[usize; 3]>],
    reuse: bool,
    segment: usize,
) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    TEST_REUSE.with(|c| c.set(reuse));
    TEST_SEGMENT_POSITIONS.with(|c| c.set(segment));
    TEST_BLOCK_POSTINGS.with(|c| c.set(3));
    let db = mem_db();
    let mut tx = db.begin_write().unwrap();
    configure(
        &mut tx,
        &SearchSettings {
            stemming,
            ..SearchSettings::default()
        },
    )
    .unwrap();
    tx.commit().unwrap();
    for nodes in batches {
        let refs: Vec<DocRef> = (0..nodes.len())
            .map(|i| doc("p", &format!("v{}", i % 2), &format!("n{i}")))
            .collect();
        let fields: Vec<[(Field, &str); 3]> = nodes
            .iter()
            .map(|f| {
                [
                    (Field::Text, &*pool[f[2] % pool.len()]),
                    (Field::Title, &*pool[f[0] % pool.len()]),
                    (Field::Summary, &*pool[f[1] % pool.len()]),
                ]
            })
            .collect();
        let texts: Vec<NodeText<'_>> = refs
            .iter()
            .zip(&fields)
            .map(|(d, f)| NodeText { doc: d, fields: f })
            .collect();
        let mut tx = db.begin_write().unwrap();
        index_nodes(&mut tx, &texts).unwrap();
        tx.commit().unwrap();
    }
    SearchIndex::new(&db).check().unwrap();
    TEST_REUSE.with(|c| c.set(true));
    TEST_SEGMENT_POSITIONS.with(|c| c.set(1 << 28));
    TEST_BLOCK_POSTINGS.with(|c| c.set(super::super::block::MAX_BLOCK_POSTINGS));
    dump(&db)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn replayed_fields_write_the_tables_analysis_writes(
        (pool, first) in batch(),
        second in prop::collection::vec([0usize..6, 0usize..6, 0usize..6], 1..16),
        porter in any::<bool>(),
        segment in prop_oneof![Just(1usize << 28), 1usize..40],
    ) {
        let stemming = if porter { Stemming::Porter } else { Stemming::None };
        // The second batch replaces the first one's nodes of the same index.
        let batches = [first, second];
        let fresh = build(stemming, &pool, &batches, false, segment);
        let replayed = build(stemming, &pool, &batches, true, segment);
        prop_assert_eq!(replayed, fresh);
    }
}

/// Replay is taken: a repeated text adds its postings without being analyzed again, and a node
/// whose fields hold the same text gets one posting per term with each field's positions.
#[test]
fn a_node_with_one_text_in_every_field_matches_in_each() {
    let db = mem_db();
    let text = "Alpha beta ALPHA café";
    let d = doc("p", "v", "n");
    put(&db, &d, text, text, text);
    let hits = find(&db, "\"alpha beta\"");
    assert_eq!(ids(&hits), ["n"]);
    assert_eq!(dump(&db), {
        TEST_REUSE.with(|c| c.set(false));
        let other = mem_db();
        put(&other, &d, text, text, text);
        TEST_REUSE.with(|c| c.set(true));
        dump(&other)
    });
}
