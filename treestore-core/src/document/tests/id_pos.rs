//! The id → position hint (`document::id_pos`): versions whose ids number their nodes in
//! pre-order read every way exactly as the reference says, for stored ids and for near misses
//! ("01" where "0001" is stored, numbers past the end, the root's odd id); versions stored before
//! the hint existed, versions with a wrong hint, and replacements stay exactly right.

use proptest::prelude::*;

use super::support::{check_consistency, doc, mem_db, Reference};
use crate::db::{Database, ReadOps};
use crate::document::id_pos::IdHint;
use crate::document::{DocReader, Documents, Node};
use crate::error::ErrorKind;
use crate::version::record::{encode_latest, encode_version, version_key, LATEST, VERSIONS};

/// How a generated version names its nodes.
#[derive(Debug, Clone)]
enum Naming {
    /// Node at `pos` is `format!("{:0width$}", pos - offset)`; the root (pos 0) is `root`
    /// (`None`: numbered like the others, which needs `offset` ≤ 0).
    Numbered {
        offset: i64,
        width: usize,
        root: Option<String>,
    },
    /// Sections inserted into a numbered version (as an amended version has them): the nodes at
    /// `at` are "new-…", the others numbered "0000", "0001", … in pre-order, skipping them.
    Inserted { at: Vec<usize> },
    /// Numbered with offset 0 and width 4, except the node at `at` (≥ 1), which is `id`.
    OneOdd { at: usize, id: String },
}

fn naming() -> impl Strategy<Value = Naming> {
    let root = prop_oneof![
        Just(None),
        Just(Some("root".to_string())),
        // A number past the end: the guess finds nothing there.
        Just(Some("99999".to_string())),
        // Zero in another spelling: the guess lands on a node with another id.
        Just(Some("00".to_string())),
    ];
    prop_oneof![
        (-5i64..=1, 1usize..=5, root).prop_map(|(offset, width, root)| {
            // A numbered root needs a number ≥ 0 at position 0.
            // Nor may the root take an id a numbered position has ("00" at offset 1, width 2).
            let taken = |r: &String| {
                (1..1000i64).any(|p| format!("{:0width$}", p - offset, width = width) == *r)
            };
            let root = match root {
                None if offset > 0 => Some("root".to_string()),
                Some(r) if taken(&r) => Some("root".to_string()),
                root => root,
            };
            Naming::Numbered {
                offset,
                width,
                root,
            }
        }),
        proptest::collection::vec(0usize..45, 1..5).prop_map(|at| Naming::Inserted { at }),
        (
            1usize..40,
            prop_oneof![Just("x"), Just("7777"), Just("0001a")]
        )
            .prop_map(|(at, id)| Naming::OneOdd { at, id: id.into() }),
    ]
}

impl Naming {
    fn id(&self, pos: usize) -> String {
        match self {
            Naming::Numbered { root: Some(r), .. } if pos == 0 => r.clone(),
            Naming::Numbered { offset, width, .. } => {
                format!("{:0width$}", pos as i64 - offset, width = *width)
            }
            Naming::Inserted { at } if at.contains(&pos) => format!("new-{pos}"),
            Naming::Inserted { at } => {
                let before = (0..pos).filter(|p| at.contains(p)).count();
                format!("{:04}", pos - before)
            }
            Naming::OneOdd { at, id } if *at == pos => id.clone(),
            Naming::OneOdd { .. } => format!("{pos:04}"),
        }
    }

    /// Whether a version of `nodes` nodes named this way must get a hint.
    fn has_hint(&self, nodes: usize) -> bool {
        match self {
            Naming::Numbered { .. } => nodes >= 2,
            Naming::Inserted { at } => (1..nodes).any(|p| !at.contains(&p)),
            // "7777" before smaller numbers gives none; check_consistency checks the rest.
            Naming::OneOdd { .. } => false,
        }
    }
}

/// A tree of `parents.len() + 1` nodes (node `i + 1` hangs under `parents[i] % (i + 1)`), in
/// pre-order, named by `naming`.
fn tree(parents: &[usize], naming: &Naming, texts: bool) -> Vec<Node> {
    let n = parents.len() + 1;
    let mut kids = vec![Vec::new(); n];
    for (i, &p) in parents.iter().enumerate() {
        kids[p % (i + 1)].push(i + 1);
    }
    let (mut order, mut stack) = (Vec::with_capacity(n), vec![0]);
    while let Some(i) = stack.pop() {
        order.push(i);
        stack.extend(kids[i].iter().rev());
    }
    let mut pos = vec![0; n];
    for (p, &i) in order.iter().enumerate() {
        pos[i] = p;
    }
    order
        .iter()
        .map(|&i| Node {
            node_id: naming.id(pos[i]),
            parent_id: (i != 0).then(|| naming.id(pos[parents[i - 1] % i])),
            title: format!("Title {i}"),
            text: (texts && i % 3 == 1)
                .then(|| format!("text of {i}, long enough to be stored out of line")),
            ..Node::default()
        })
        .collect()
}

/// Ids to ask for: every stored one, and near misses of each.
fn asked_ids(stored: &[Node]) -> Vec<String> {
    let mut out: Vec<String> = stored.iter().map(|n| n.node_id.clone()).collect();
    for n in 0..stored.len() as u64 + 3 {
        out.extend([
            n.to_string(),
            format!("{n:02}"),
            format!("{n:04}"),
            format!("{n:05}"),
            format!("{n:04} "),
            format!("+{n}"),
        ]);
    }
    out.extend(
        [
            "",
            "-1",
            "root",
            "x",
            "99999",
            "4294967295",
            "99999999999",
            "٣",
        ]
        .map(String::from),
    );
    out.sort();
    out.dedup();
    out
}

/// Every id read of `version` (and, when `latest`, of the latest version) against `reference`.
fn check_id_reads(
    db: &Database,
    reference: &Reference,
    version: &str,
    latest: bool,
) -> Result<(), TestCaseError> {
    let tx = db.begin_read().unwrap();
    let r = DocReader::new(&tx);
    let stored: Vec<Node> = reference.nodes.clone();
    let asked = asked_ids(&stored);
    let versions: &[Option<&str>] = if latest {
        &[Some(version), None]
    } else {
        &[Some(version)]
    };
    for &v in versions {
        for id in &asked {
            let want = reference
                .index
                .get(id.as_str())
                .map(|&i| &reference.nodes[i]);
            let got = r.node("p", v, id);
            let borrowed = r.node_with("p", v, id, |n| n.to_node());
            match want {
                Some(n) => {
                    prop_assert_eq!(got.as_ref().unwrap(), n);
                    prop_assert_eq!(borrowed.as_ref().unwrap(), n);
                    prop_assert_eq!(
                        r.subtree("p", v, id, 0, true).unwrap(),
                        reference.subtree(id, 0)
                    );
                    prop_assert_eq!(
                        r.subtree("p", v, id, 1, false).unwrap(),
                        reference
                            .subtree(id, 1)
                            .iter()
                            .map(Reference::no_text)
                            .collect::<Vec<_>>()
                    );
                    prop_assert_eq!(
                        r.children("p", v, Some(id), true).unwrap(),
                        reference.children(id)
                    );
                    prop_assert_eq!(
                        r.ancestor_path("p", v, id, true).unwrap(),
                        reference.ancestors(id)
                    );
                }
                None => {
                    prop_assert_eq!(
                        got.unwrap_err().kind(),
                        ErrorKind::NotFound,
                        "node {:?}",
                        id
                    );
                    prop_assert_eq!(borrowed.unwrap_err().kind(), ErrorKind::NotFound);
                    prop_assert_eq!(
                        r.subtree("p", v, id, 0, true).unwrap_err().kind(),
                        ErrorKind::NotFound
                    );
                    prop_assert_eq!(
                        r.children("p", v, Some(id), true).unwrap_err().kind(),
                        ErrorKind::NotFound
                    );
                    prop_assert_eq!(
                        r.ancestor_path("p", v, id, false).unwrap_err().kind(),
                        ErrorKind::NotFound
                    );
                }
            }
        }
        let batch = r.nodes("p", v, &asked, true).unwrap();
        let want: Vec<Option<Node>> = asked
            .iter()
            .map(|id| {
                reference
                    .index
                    .get(id.as_str())
                    .map(|&i| reference.nodes[i].clone())
            })
            .collect();
        prop_assert_eq!(batch, want);
    }
    Ok(())
}

/// The hints the reader resolves for `version` and for the latest version.
fn hints(db: &Database, version: &str) -> (Option<IdHint>, Option<IdHint>) {
    let tx = db.begin_read().unwrap();
    let r = DocReader::new(&tx);
    let named = r
        .versions()
        .resolve("p", Some(version))
        .unwrap()
        .id_hint
        .clone();
    let latest = r.versions().resolve("p", None).unwrap().id_hint.clone();
    (named, latest)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    #[test]
    fn reads_with_the_hint_equal_the_reference(
        parents in proptest::collection::vec(0usize..1000, 0..40),
        a in naming(),
        b in naming(),
    ) {
        let db = mem_db();
        let docs = Documents::new(&db);
        let nodes_a = tree(&parents, &a, true);
        let stored_a = docs.store_document(&doc("p", "v1"), &nodes_a).unwrap();
        let ref_a = Reference::new(&stored_a, &nodes_a);
        let (named, latest) = hints(&db, "v1");
        prop_assert_eq!(&named, &latest);
        if a.has_hint(nodes_a.len()) {
            prop_assert!(named.is_some());
        }
        check_id_reads(&db, &ref_a, "v1", true)?;
        // Another version named the other way; then v1 replaced by it, then v2 deleted.
        let nodes_b = tree(&parents, &b, false);
        let stored_b = docs.store_document(&doc("p", "v2"), &nodes_b).unwrap();
        check_id_reads(&db, &Reference::new(&stored_b, &nodes_b), "v2", true)?;
        check_id_reads(&db, &ref_a, "v1", false)?;
        prop_assert_eq!(check_consistency(&db), 2);
        let replaced = docs.store_document(&doc("p", "v1"), &nodes_b).unwrap();
        // v1 keeps its created_at, so v2 stays the latest.
        check_id_reads(&db, &Reference::new(&replaced, &nodes_b), "v1", false)?;
        let (named, latest) = hints(&db, "v1");
        prop_assert!(named.is_some() || !b.has_hint(nodes_b.len()));
        prop_assert_eq!(latest, hints(&db, "v2").0);
        docs.delete_document("p", Some("v2")).unwrap();
        prop_assert_eq!(check_consistency(&db), 1);
        let (named, latest) = hints(&db, "v1");
        prop_assert_eq!(&named, &latest);
        check_id_reads(&db, &Reference::new(&replaced, &nodes_b), "v1", true)?;
    }
}

fn numbered(n: usize) -> Vec<Node> {
    let parents: Vec<usize> = (0..n - 1).map(|i| i / 3).collect();
    let naming = Naming::Numbered {
        offset: 1,
        width: 4,
        root: Some("root".into()),
    };
    tree(&parents, &naming, true)
}

/// Rewrites the catalog records of `p/version` with `hint` as the id → position hint (`None`:
/// as records were written before the hint existed).
fn set_hint(db: &Database, version: &str, hint: Option<IdHint>) {
    let (row_vid, doc) = {
        let tx = db.begin_read().unwrap();
        let r = DocReader::new(&tx);
        let vid = r.versions().resolve("p", Some(version)).unwrap().vid;
        (vid, r.versions().version("p", version).unwrap())
    };
    let mut w = db.begin_write().unwrap();
    let t = w.table(VERSIONS).unwrap();
    w.insert(
        t,
        &version_key("p", version),
        &encode_version(row_vid, &doc, hint.as_ref()),
    )
    .unwrap();
    let t = w.table(LATEST).unwrap();
    w.insert(
        t,
        &crate::version::record::policy_prefix("p"),
        &encode_latest(row_vid, version, hint.as_ref()),
    )
    .unwrap();
    w.commit().unwrap();
}

#[test]
fn versions_without_the_hint_or_with_a_wrong_one_read_the_same() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let nodes = numbered(30);
    let stored = docs.store_document(&doc("p", "v1"), &nodes).unwrap();
    let reference = Reference::new(&stored, &nodes);
    let one = IdHint::from_runs(vec![(0, 1)]);
    assert_eq!(hints(&db, "v1"), (Some(one.clone()), Some(one.clone())));
    check_id_reads(&db, &reference, "v1", true).unwrap();
    // Records from before the hint: no trailing field.
    set_hint(&db, "v1", None);
    assert_eq!(hints(&db, "v1"), (None, None));
    check_id_reads(&db, &reference, "v1", true).unwrap();
    // A hint that is wrong for every node (never written, but reads must not trust it).
    for wrong in [
        vec![(0, 0)],
        vec![(0, 2)],
        vec![(0, -3)],
        vec![(0, 1_000_000)],
        vec![(0, i64::MIN)],
        vec![(0, i64::MAX)],
        vec![(5, 1), (3, 2)],
        vec![(u64::MAX, 0)],
        vec![(0, 1), (10, 5), (12, -1)],
    ] {
        let wrong = IdHint::from_runs(wrong);
        set_hint(&db, "v1", Some(wrong.clone()));
        assert_eq!(hints(&db, "v1"), (Some(wrong.clone()), Some(wrong)));
        check_id_reads(&db, &reference, "v1", true).unwrap();
    }
    // Tagging rewrites the version record and keeps its hint.
    set_hint(&db, "v1", Some(one.clone()));
    let mut w = db.begin_write().unwrap();
    crate::version::tag_version(&mut w, "p", "v1", "current").unwrap();
    w.commit().unwrap();
    assert_eq!(hints(&db, "v1"), (Some(one.clone()), Some(one)));
    check_consistency(&db);
}

#[test]
fn a_record_at_the_guessed_position_with_another_id_is_not_taken() {
    // "01" parses to 1, so it is guessed at position 2, where "0001" is.
    let db = mem_db();
    let docs = Documents::new(&db);
    let stored = docs.store_document(&doc("p", "v1"), &numbered(5)).unwrap();
    let tx = db.begin_read().unwrap();
    let r = DocReader::new(&tx);
    assert_eq!(r.node("p", None, "0001").unwrap().node_id, "0001");
    for miss in ["01", "1", "00001", "0005", "0004a"] {
        let err = r.node("p", None, miss).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{miss}");
        assert!(err.to_string().contains(miss), "{err}");
    }
    assert_eq!(
        r.node("p", None, "root").unwrap().node_id,
        stored.root_node_id
    );
}

/// Batches of ids in every shape a batch read handles differently (dense ones read by one range
/// scan, sparse ones by sorted point reads, ids the hint guesses wrong or not at all, repeats,
/// misses), with the right hint, none and wrong ones: each the same as reading its ids one by one.
#[test]
fn batches_of_any_shape_read_as_their_ids_one_by_one() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let nodes = numbered(400);
    docs.store_document(&doc("p", "v1"), &nodes).unwrap();
    let ids: Vec<String> = nodes.iter().map(|n| n.node_id.clone()).collect();
    let mut rng = crate::rng::Rng::new(7);
    let mut rand = |n: usize| rng.index(n);
    let mut batches: Vec<Vec<String>> = vec![
        Vec::new(),
        vec![ids[5].clone()],
        ids.clone(),
        ids.iter().rev().cloned().collect(),
        ids.iter().step_by(40).cloned().collect(),
        ids[100..150].iter().rev().cloned().collect(),
        vec![
            "nope".into(),
            "01".into(),
            "0399".into(),
            "99999".into(),
            ids[0].clone(),
        ],
    ];
    for len in [3, 50, 50, 120] {
        let from = rand(300);
        let width = [8, 100, 400][rand(3)];
        batches.push(
            (0..len)
                .map(|_| match rand(10) {
                    0 => format!("x{}", rand(5)),
                    1 => format!("{:02}", rand(400)),
                    _ => ids[(from + rand(width)).min(ids.len() - 1)].clone(),
                })
                .collect(),
        );
    }
    let one = IdHint::from_runs(vec![(0, 1)]);
    let hints = [
        Some(one.clone()),
        None,
        Some(IdHint::from_runs(vec![(0, 2)])),
        Some(IdHint::from_runs(vec![(0, 1), (50, 3), (60, -2)])),
        Some(IdHint::from_runs(vec![(0, i64::from(u32::MAX) - 20)])),
    ];
    for hint in hints {
        set_hint(&db, "v1", hint.clone());
        let tx = db.begin_read().unwrap();
        let r = DocReader::new(&tx);
        for batch in &batches {
            let want: Vec<Option<Node>> = batch
                .iter()
                .map(|id| match r.node("p", None, id) {
                    Ok(n) => Some(n),
                    Err(e) if e.kind() == ErrorKind::NotFound => None,
                    Err(e) => panic!("{id}: {e}"),
                })
                .collect();
            for text in [true, false] {
                let got = r.nodes("p", Some("v1"), batch, text).unwrap();
                let want: Vec<Option<Node>> = want
                    .iter()
                    .map(|n| {
                        n.clone().map(|mut n| {
                            if !text {
                                n.text = None;
                            }
                            n
                        })
                    })
                    .collect();
                assert_eq!(got, want, "hint {hint:?}, batch {batch:?}, text {text}");
            }
        }
    }
    set_hint(&db, "v1", Some(one));
    check_consistency(&db);
}
