//! Index, replace and remove leave no stale posting, term or statistic: checked by scanning
//! every table.

use super::super::block::TEST_BLOCK_POSTINGS;
use super::super::layout::{block_key, STATS};
use super::*;

#[test]
fn replacing_and_removing_leaves_the_tables_of_a_fresh_index() {
    let churned = mem_db();
    let a = doc("p", "v", "a");
    let b = doc("p", "v", "b");
    put(&churned, &a, "old title", "old summary", "old words shared");
    put(&churned, &b, "other", "", "shared words only here");
    put(
        &churned,
        &a,
        "new title",
        "",
        "fresh words shared twice shared",
    );
    assert!(SearchIndex::new(&churned).remove_node(&b).unwrap());
    assert!(!SearchIndex::new(&churned).remove_node(&b).unwrap());

    let fresh = mem_db();
    put(
        &fresh,
        &a,
        "new title",
        "",
        "fresh words shared twice shared",
    );
    // Identical but for the version's node counter, which never goes back.
    let strip = |d: Vec<(String, Vec<u8>, Vec<u8>)>| {
        d.into_iter()
            .map(|(t, k, v)| {
                if t == "fts.versions" {
                    (t, k, Vec::new())
                } else {
                    (t, k, v)
                }
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(dump(&churned)), strip(dump(&fresh)));
    assert!(find(&churned, "old").is_empty());
    assert!(find(&churned, "here").is_empty());
    assert_eq!(ids(&find(&churned, "shared")), ["a"]);
}

#[test]
fn removing_everything_empties_every_table_but_settings_and_stats() {
    let db = mem_db();
    let idx = SearchIndex::new(&db);
    for p in ["p1", "p2"] {
        for v in ["v1", "v2"] {
            for n in ["n1", "n2", "n3"] {
                put(
                    &db,
                    &doc(p, v, n),
                    "title words",
                    n,
                    &format!("{p} {v} {n} text"),
                );
            }
        }
    }
    assert_eq!(idx.check().unwrap().nodes, 12);
    assert_eq!(idx.remove_version("p1", "v1").unwrap(), 3);
    assert_eq!(idx.remove_version("p1", "v1").unwrap(), 0);
    assert!(find(&db, "p1 v1").is_empty());
    assert_eq!(find(&db, "p1").len(), 3);
    let s = idx.check().unwrap();
    assert_eq!((s.nodes, s.policies, s.versions), (9, 2, 3));
    assert_eq!(idx.remove_policy("p2").unwrap(), 6);
    let s = idx.check().unwrap();
    assert_eq!((s.nodes, s.policies, s.versions), (3, 1, 1));
    assert!(idx.remove_node(&doc("p1", "v2", "n1")).unwrap());
    assert_eq!(idx.remove_version("p1", "v2").unwrap(), 2);
    let sizes = table_sizes(&db);
    for (name, n) in &sizes {
        let want = u64::from(*name == "fts.settings" || *name == STATS);
        assert_eq!(*n, want, "{name}: {sizes:?}");
    }
    let r = db.begin_read().unwrap();
    let stats =
        super::super::layout::read_stats(&r, &super::super::layout::Tables::open(&r).unwrap())
            .unwrap();
    assert_eq!(stats, Default::default());
    assert!(find(&db, "title").is_empty());
}

/// Random batches of index, replace and remove on tiny blocks, each step checked against the
/// tables and against a fresh index of the surviving nodes.
#[test]
fn churn_over_many_blocks_matches_a_fresh_index() {
    TEST_BLOCK_POSTINGS.with(|c| c.set(4));
    let vocab = ["ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen"];
    let mut rng = Rng::new(7);
    let text = |rng: &mut Rng| {
        let n = rng.below(7) as usize;
        (0..n)
            .map(|_| vocab[rng.below(vocab.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let db = mem_db();
    let idx = SearchIndex::new(&db);
    let mut live: std::collections::BTreeMap<DocRef, [String; 3]> = Default::default();
    for step in 0..12 {
        let mut tx = db.begin_write().unwrap();
        let batch: Vec<(DocRef, [String; 3])> = (0..25)
            .map(|_| {
                let d = doc(
                    &format!("p{}", rng.below(3)),
                    &format!("v{}", rng.below(2)),
                    &format!("n{}", rng.below(40)),
                );
                (d, [text(&mut rng), text(&mut rng), text(&mut rng)])
            })
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_iter()
            .collect();
        let fields: Vec<[(Field, &str); 3]> = batch
            .iter()
            .map(|(_, f)| {
                [
                    (Field::Title, &*f[0]),
                    (Field::Summary, &*f[1]),
                    (Field::Text, &*f[2]),
                ]
            })
            .collect();
        let nodes: Vec<NodeText<'_>> = batch
            .iter()
            .zip(&fields)
            .map(|((d, _), f)| NodeText { doc: d, fields: f })
            .collect();
        index_nodes(&mut tx, &nodes).unwrap();
        for (d, f) in &batch {
            live.insert(d.clone(), f.clone());
        }
        for _ in 0..10 {
            let d = doc(
                &format!("p{}", rng.below(3)),
                &format!("v{}", rng.below(2)),
                &format!("n{}", rng.below(40)),
            );
            assert_eq!(remove_node(&mut tx, &d).unwrap(), live.remove(&d).is_some());
        }
        if step % 4 == 3 {
            let (p, v) = (format!("p{}", rng.below(3)), format!("v{}", rng.below(2)));
            let n = remove_version(&mut tx, &p, &v).unwrap();
            let before = live.len();
            live.retain(|d, _| !(d.policy_id == p && d.version_id == v));
            assert_eq!(n as usize, before - live.len());
        }
        tx.commit().unwrap();
        let summary = idx.check().unwrap();
        assert_eq!(summary.nodes as usize, live.len());
        assert!(summary.blocks > summary.terms, "blocks of 4 must split");

        let fresh = mem_db();
        for (d, f) in &live {
            put(&fresh, d, &f[0], &f[1], &f[2]);
        }
        for q in [
            "ant",
            "bee cat",
            "dog OR eel",
            "\"fox gnu\"",
            "h*",
            "ant NOT bee",
        ] {
            let mut got = find(&db, q);
            let mut want = find(&fresh, q);
            for hits in [&mut got, &mut want] {
                hits.sort_by(|a, b| a.doc.cmp(&b.doc));
            }
            assert_eq!(got.len(), want.len(), "{q} at step {step}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.doc, w.doc, "{q}");
                assert_close(g.score, w.score, q);
                assert_eq!(g.matched_terms, w.matched_terms);
            }
        }
    }
    TEST_BLOCK_POSTINGS.with(|c| c.set(super::super::block::MAX_BLOCK_POSTINGS));
}

#[test]
fn check_detects_stale_and_missing_postings() {
    let db = mem_db();
    put(&db, &doc("p", "v", "a"), "alpha", "", "beta");
    put(&db, &doc("p", "v", "b"), "alpha", "", "gamma");
    SearchIndex::new(&db).check().unwrap();
    // Drop one posting block of "beta".
    let mut tx = db.begin_write().unwrap();
    let t = tx.table("fts.postings").unwrap();
    let key = tx
        .prefix(t, &crate::keys::KeyBuilder::new().str("beta").finish())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .0
        .to_vec();
    tx.remove(t, &key).unwrap();
    let err = check(&tx).unwrap_err();
    assert_eq!(err.kind(), crate::error::ErrorKind::Corruption);
    drop(tx);
    // A posting for a term the document does not hold.
    let mut tx = db.begin_write().unwrap();
    let t = tx.table("fts.postings").unwrap();
    let (p, q) = super::super::block::encode_block(&[super::super::block::Posting {
        doc: 0,
        tf: [1, 0, 0],
        doc_len: 2,
        positions: [vec![0], vec![], vec![]],
    }]);
    tx.insert(t, &block_key("zeta", 0), &p).unwrap();
    let tq = tx.table("fts.positions").unwrap();
    tx.insert(tq, &block_key("zeta", 0), &q).unwrap();
    let err = check(&tx).unwrap_err();
    assert!(err.message().contains("zeta"), "{err}");
    drop(tx);
    SearchIndex::new(&db).check().unwrap();
}

/// A batch written in several segments (each appending to, or merging into, what the one before
/// wrote) leaves the tables one segment would, with replacements inside the batch.
#[test]
fn a_batch_split_into_segments_writes_the_tables_of_one() {
    use super::super::segment::TEST_SEGMENT_POSITIONS;
    let texts: Vec<(DocRef, String)> = (0..60)
        .map(|i| {
            let words = ["ant", "bee", "cat", "dog", "eel"];
            let text = (0..(i % 7 + 1))
                .map(|j| words[(i * 3 + j) % words.len()])
                .collect::<Vec<_>>()
                .join(" ");
            (doc("p", &format!("v{}", i % 2), &format!("n{i:02}")), text)
        })
        .collect();
    let build = |segment: usize| {
        TEST_SEGMENT_POSITIONS.with(|c| c.set(segment));
        TEST_BLOCK_POSTINGS.with(|c| c.set(4));
        let db = mem_db();
        // A first batch, then a second that replaces a third of it and adds the rest.
        for (lo, hi, shift) in [(0, 40, 0), (20, 60, 1)] {
            let fields: Vec<(DocRef, [(Field, String); 2])> = texts[lo..hi]
                .iter()
                .map(|(d, t)| {
                    let t = format!("{t} {}", ["fox", "gnu"][shift]);
                    (d.clone(), [(Field::Title, t.clone()), (Field::Text, t)])
                })
                .collect();
            let borrowed: Vec<[(Field, &str); 2]> = fields
                .iter()
                .map(|(_, f)| [(f[0].0, &*f[0].1), (f[1].0, &*f[1].1)])
                .collect();
            let nodes: Vec<NodeText<'_>> = fields
                .iter()
                .zip(&borrowed)
                .map(|((d, _), f)| NodeText { doc: d, fields: f })
                .collect();
            let mut tx = db.begin_write().unwrap();
            index_nodes(&mut tx, &nodes).unwrap();
            tx.commit().unwrap();
        }
        SearchIndex::new(&db).check().unwrap();
        TEST_SEGMENT_POSITIONS.with(|c| c.set(1 << 28));
        TEST_BLOCK_POSTINGS.with(|c| c.set(super::super::block::MAX_BLOCK_POSTINGS));
        logical_dump(&db)
    };
    let one = build(1 << 28);
    for segment in [1, 7] {
        let split = build(segment);
        assert_eq!(split.len(), one.len());
        for (a, b) in split.iter().zip(&one) {
            assert_eq!(a, b, "segments of {segment} positions");
        }
    }
}

/// Every table but the posting blocks as stored, and each term's postings decoded and joined
/// (block boundaries may differ where replacements split blocks).
fn logical_dump(db: &Database) -> Vec<String> {
    use super::super::block::decode_block;
    use super::super::layout::{read_block_key_full, POSITIONS, POSTINGS};
    let mut out = Vec::new();
    let mut lists: std::collections::BTreeMap<String, Vec<super::super::block::Posting>> =
        Default::default();
    let rows = dump(db);
    let positions: std::collections::HashMap<Vec<u8>, Vec<u8>> = rows
        .iter()
        .filter(|(t, _, _)| t == POSITIONS)
        .map(|(_, k, v)| (k.clone(), v.clone()))
        .collect();
    for (table, k, v) in &rows {
        if table == POSTINGS {
            let (term, first) = read_block_key_full(k).unwrap();
            let block = decode_block(first, v, &positions[k]).unwrap();
            lists.entry(term).or_default().extend(block);
        } else if table != POSITIONS {
            out.push(format!("{table} {k:?} {v:?}"));
        }
    }
    out.extend(lists.into_iter().map(|(t, ps)| format!("{t}: {ps:?}")));
    out
}

/// The order a caller lists a node's fields in changes nothing that is stored.
#[test]
fn field_order_of_the_caller_does_not_matter() {
    let fields = [
        (Field::Text, "alpha beta alpha gamma"),
        (Field::Title, "beta alpha"),
        (Field::Summary, "gamma gamma delta"),
    ];
    let mut sorted = fields;
    sorted.sort_by_key(|(f, _)| f.index());
    let dumps: Vec<_> = [&fields[..], &sorted[..]]
        .iter()
        .map(|fs| {
            let db = mem_db();
            let d = doc("p", "v", "n");
            SearchIndex::new(&db).index_node(&d, fs).unwrap();
            assert_eq!(ids(&find(&db, "\"beta alpha\"")), ["n"]);
            dump(&db)
        })
        .collect();
    assert_eq!(dumps[0], dumps[1]);
}
