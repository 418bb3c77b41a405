//! Random index, replace and remove sequences against an in-memory model that scores by brute
//! force: identical hits, scores and matched terms, and a clean consistency check after every
//! step.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::super::analyze::terms;
use super::super::block::TEST_BLOCK_POSTINGS;
use super::super::query::{parse, Leaf, Query};
use super::*;

const VOCAB: [&str; 7] = ["alpha", "alphabet", "beta", "be", "gamma", "delta", "al"];
const POLICIES: [&str; 2] = ["p0", "p1"];
const VERSIONS: [&str; 2] = ["v0", "v1"];
const NODES: usize = 4;

const QUERIES: [&str; 12] = [
    "alpha",
    "alpha beta",
    "alpha OR gamma",
    "\"alpha beta\"",
    "be*",
    "al*",
    "alpha NOT beta",
    "(gamma OR delta) alpha",
    "beta OR \"gamma gamma\" NOT delta",
    "alpha alpha",
    "delta OR (beta NOT al*)",
    "\"be be\" OR alphabet",
];

#[derive(Debug, Clone)]
enum Op {
    Index(Vec<(usize, [String; 3])>),
    Remove(usize),
    RemoveVersion(usize, usize),
    RemovePolicy(usize),
}

fn docref(i: usize) -> DocRef {
    let (p, rest) = (i / (VERSIONS.len() * NODES), i % (VERSIONS.len() * NODES));
    doc(
        POLICIES[p],
        VERSIONS[rest / NODES],
        &format!("n{}", rest % NODES),
    )
}

const DOC_REFS: usize = 2 * 2 * NODES;

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&VOCAB[..]), 0..6).prop_map(|w| w.join(" "))
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => prop::collection::vec((0..DOC_REFS, [text(), text(), text()]), 1..4).prop_map(Op::Index),
        2 => (0..DOC_REFS).prop_map(Op::Remove),
        1 => (0..2usize, 0..2usize).prop_map(|(p, v)| Op::RemoveVersion(p, v)),
        1 => (0..2usize).prop_map(Op::RemovePolicy),
    ]
}

/// Brute-force search over the model: FTS5's matching and bm25 from the definitions.
fn model_search(
    docs: &BTreeMap<DocRef, [String; 3]>,
    q: &str,
    scope: Option<&Scope>,
) -> Vec<(DocRef, f64, Vec<String>)> {
    let parsed = parse(q, Stemming::None).unwrap();
    let tokens: BTreeMap<&DocRef, [Vec<String>; 3]> = docs
        .iter()
        .map(|(d, f)| (d, [0, 1, 2].map(|i| terms(&f[i], Stemming::None))))
        .collect();
    let count = |toks: &[Vec<String>; 3], leaf: &Leaf| -> [u32; 3] {
        [0, 1, 2].map(|f| {
            let t = &toks[f];
            (match leaf {
                Leaf::Term(w) => t.iter().filter(|x| *x == w).count(),
                Leaf::Prefix(p) => t.iter().filter(|x| x.starts_with(p.as_str())).count(),
                Leaf::Phrase(ws) => t
                    .windows(ws.len())
                    .filter(|win| win == &ws.as_slice())
                    .count(),
            }) as u32
        })
    };
    let n_docs = docs.len() as u64;
    let total: usize = tokens
        .values()
        .map(|t| t.iter().map(Vec::len).sum::<usize>())
        .sum();
    let avgdl = total as f64 / n_docs as f64;
    let dfs: Vec<u64> = parsed
        .leaves
        .iter()
        .map(|l| {
            tokens
                .values()
                .filter(|t| count(t, l).iter().sum::<u32>() > 0)
                .count() as u64
        })
        .collect();
    fn eval(q: &Query, present: &dyn Fn(usize) -> bool, out: &mut Vec<usize>) -> bool {
        match q {
            Query::Leaf(i) => {
                let m = present(*i);
                if m {
                    out.push(*i);
                }
                m
            }
            Query::And(c) => {
                let mut mine = Vec::new();
                let all = c.iter().all(|x| eval(x, present, &mut mine));
                if all {
                    out.extend(mine);
                }
                all
            }
            Query::Or(c) => {
                let mut any = false;
                for x in c {
                    any |= eval(x, present, out);
                }
                any
            }
            Query::Not(a, b) => {
                let mut mine = Vec::new();
                let m = eval(a, present, &mut mine) && !eval(b, present, &mut Vec::new());
                if m {
                    out.extend(mine);
                }
                m
            }
        }
    }
    let w = FieldWeights::default().as_array();
    let mut out = Vec::new();
    for (d, toks) in &tokens {
        if let Some(s) = scope {
            if d.policy_id != s.policy_id
                || s.version_id.as_ref().is_some_and(|v| *v != d.version_id)
            {
                continue;
            }
        }
        let counts: Vec<[u32; 3]> = parsed.leaves.iter().map(|l| count(toks, l)).collect();
        let present = |i: usize| counts[i].iter().sum::<u32>() > 0;
        let mut contributing = Vec::new();
        if !eval(&parsed.root, &present, &mut contributing) {
            continue;
        }
        contributing.sort_unstable();
        let len: usize = toks.iter().map(Vec::len).sum();
        let mut score = 0.0;
        let mut matched = Vec::new();
        for &i in &contributing {
            let f: f64 = (0..3).map(|c| w[c] * f64::from(counts[i][c])).sum();
            let n = dfs[i] as f64;
            let mut idf = ((n_docs as f64 - n + 0.5) / (n + 0.5)).ln();
            if idf <= 0.0 {
                idf = 1e-6;
            }
            score += idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * len as f64 / avgdl));
            match &parsed.leaves[i] {
                Leaf::Term(t) => matched.push(t.clone()),
                Leaf::Phrase(ws) => matched.extend(ws.iter().cloned()),
                Leaf::Prefix(p) => matched.extend(
                    toks.iter()
                        .flatten()
                        .filter(|x| x.starts_with(p.as_str()))
                        .cloned(),
                ),
            }
        }
        matched.sort();
        matched.dedup();
        out.push(((*d).clone(), score, matched));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn compare(db: &Database, model: &BTreeMap<DocRef, [String; 3]>) {
    let scopes = [
        None,
        Some(Scope {
            policy_id: "p0".into(),
            version_id: None,
        }),
        Some(Scope {
            policy_id: "p1".into(),
            version_id: Some("v1".into()),
        }),
    ];
    for q in QUERIES {
        for scope in &scopes {
            let opts = SearchOptions {
                policy_id: scope.as_ref().map(|s| s.policy_id.clone()),
                version_id: scope.as_ref().and_then(|s| s.version_id.clone()),
                ..SearchOptions::with_limit(100)
            };
            let mut got = SearchIndex::new(db).search(q, &opts).unwrap();
            assert!(
                got.windows(2).all(|w| w[0].score >= w[1].score),
                "{q}: not sorted"
            );
            got.sort_by(|a, b| a.doc.cmp(&b.doc));
            let want = if model.is_empty() {
                Vec::new()
            } else {
                model_search(model, q, scope.as_ref())
            };
            assert_eq!(got.len(), want.len(), "{q} {scope:?}: {got:?} vs {want:?}");
            for (g, (d, s, m)) in got.iter().zip(&want) {
                assert_eq!(&g.doc, d, "{q}");
                assert_close(g.score, *s, &format!("{q} {d}"));
                assert_eq!(&g.matched_terms, m, "{q} {d}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_changes_match_the_model(ops in prop::collection::vec(op(), 1..14), block in 2usize..6) {
        TEST_BLOCK_POSTINGS.with(|c| c.set(block));
        let db = mem_db();
        let mut model: BTreeMap<DocRef, [String; 3]> = BTreeMap::new();
        for op in ops {
            let mut tx = db.begin_write().unwrap();
            match op {
                Op::Index(batch) => {
                    let mut seen = BTreeMap::new();
                    for (i, f) in batch {
                        seen.insert(i, f);
                    }
                    let refs: Vec<DocRef> = seen.keys().map(|&i| docref(i)).collect();
                    let fields: Vec<[(Field, &str); 3]> = seen
                        .values()
                        .map(|f| [(Field::Title, &*f[0]), (Field::Summary, &*f[1]), (Field::Text, &*f[2])])
                        .collect();
                    let nodes: Vec<NodeText<'_>> = refs
                        .iter()
                        .zip(&fields)
                        .map(|(d, f)| NodeText { doc: d, fields: f })
                        .collect();
                    index_nodes(&mut tx, &nodes).unwrap();
                    for (i, f) in seen {
                        model.insert(docref(i), f);
                    }
                }
                Op::Remove(i) => {
                    let d = docref(i);
                    prop_assert_eq!(remove_node(&mut tx, &d).unwrap(), model.remove(&d).is_some());
                }
                Op::RemoveVersion(p, v) => {
                    let n = remove_version(&mut tx, POLICIES[p], VERSIONS[v]).unwrap();
                    let before = model.len();
                    model.retain(|d, _| !(d.policy_id == POLICIES[p] && d.version_id == VERSIONS[v]));
                    prop_assert_eq!(n as usize, before - model.len());
                }
                Op::RemovePolicy(p) => {
                    let n = remove_policy(&mut tx, POLICIES[p]).unwrap();
                    let before = model.len();
                    model.retain(|d, _| d.policy_id != POLICIES[p]);
                    prop_assert_eq!(n as usize, before - model.len());
                }
            }
            tx.commit().unwrap();
            let summary = SearchIndex::new(&db).check().unwrap();
            prop_assert_eq!(summary.nodes as usize, model.len());
        }
        compare(&db, &model);
        TEST_BLOCK_POSTINGS.with(|c| c.set(super::super::block::MAX_BLOCK_POSTINGS));
    }
}
