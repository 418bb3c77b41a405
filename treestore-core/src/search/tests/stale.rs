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
    let mut rng = Rng(7);
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
