//! [`Range::scan`] against the range iterator: the same entries in the same order, for every kind
//! of bound, prefixes, both directions, empty and inverted ranges, overflow values, many leaves,
//! committed leaves in the map, pages still in the overlay, and a write transaction's uncommitted
//! nodes; and a scan stopped early or by an error gives the iterator's first entries.

use std::collections::BTreeMap;
use std::ops::{Bound, RangeBounds};

use proptest::prelude::*;

use super::*;
use crate::error::ErrorKind;

type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// What iterating `range` gives.
fn iterated(range: Range<'_>) -> Entries {
    range
        .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
        .collect()
}

/// What scanning `range` gives, stopping after `stop_after` entries when set.
fn scanned(range: Range<'_>, stop_after: Option<usize>) -> Entries {
    let mut out = Vec::new();
    range
        .scan(|k, v| {
            out.push((k.to_vec(), v.to_vec()));
            Ok(stop_after.is_none_or(|n| out.len() < n))
        })
        .unwrap();
    out
}

fn bound(kind: u8, key: &[u8]) -> Bound<&[u8]> {
    match kind % 3 {
        0 => Bound::Included(key),
        1 => Bound::Excluded(key),
        _ => Bound::Unbounded,
    }
}

/// One query: bounds (kind and key each), or a prefix; direction; where to stop early.
#[derive(Debug, Clone)]
struct Query {
    lower: (u8, Vec<u8>),
    upper: (u8, Vec<u8>),
    prefix: Option<Vec<u8>>,
    reverse: bool,
    stop_after: Option<usize>,
}

/// Keys over a small alphabet (with 0xFF, which prefix ends skip), so that bounds and prefixes
/// often fall on and between stored keys.
fn key_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(vec![0u8, 1, 2, 0xFF]), 0..7)
}

fn query_strategy() -> impl Strategy<Value = Query> {
    (
        (any::<u8>(), key_strategy()),
        (any::<u8>(), key_strategy()),
        prop::option::weighted(0.2, key_strategy()),
        any::<bool>(),
        prop::option::weighted(0.2, 0usize..40),
    )
        .prop_map(|(lower, upper, prefix, reverse, stop_after)| Query {
            lower,
            upper,
            prefix,
            reverse,
            stop_after,
        })
}

/// Values mostly short, some long enough for overflow pages (1 KiB pages).
fn value_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => prop::collection::vec(any::<u8>(), 0..120),
        1 => (1500usize..3000).prop_map(|n| vec![0xAB; n]),
    ]
}

fn range_of<'r, R: ReadOps>(r: &'r R, t: Table, q: &Query) -> Range<'r> {
    match (&q.prefix, q.reverse) {
        (Some(p), false) => r.prefix(t, p).unwrap(),
        (Some(p), true) => r.prefix_rev(t, p).unwrap(),
        (None, false) => r
            .range(
                t,
                bound(q.lower.0, &q.lower.1),
                bound(q.upper.0, &q.upper.1),
            )
            .unwrap(),
        (None, true) => r
            .range_rev(
                t,
                bound(q.lower.0, &q.lower.1),
                bound(q.upper.0, &q.upper.1),
            )
            .unwrap(),
    }
}

/// Checks every query on `r`'s table `t`: the scan gives what the iterator gives (cut at
/// `stop_after` when set), and the iterator gives the model's entries.
fn check<R: ReadOps>(r: &R, t: Table, model: &BTreeMap<Vec<u8>, Vec<u8>>, queries: &[Query]) {
    for q in queries {
        let mut want = iterated(range_of(r, t, q));
        let (lo, hi) = match &q.prefix {
            Some(p) => (
                Bound::Included(p.clone()),
                table::prefix_end(p).map_or(Bound::Unbounded, Bound::Excluded),
            ),
            None => (
                bound(q.lower.0, &q.lower.1).map(<[u8]>::to_vec),
                bound(q.upper.0, &q.upper.1).map(<[u8]>::to_vec),
            ),
        };
        let mut expected: Entries = model
            .iter()
            .filter(|(k, _)| (lo.as_ref(), hi.as_ref()).contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if q.reverse {
            expected.reverse();
        }
        assert_eq!(want, expected, "iterator against the model, {q:?}");
        if let Some(n) = q.stop_after {
            want.truncate(n.max(1));
        }
        assert_eq!(scanned(range_of(r, t, q), q.stop_after), want, "{q:?}");
    }
}

/// Builds a file-backed database of `committed` (checkpointed: leaves in the map), then writes
/// `overlay` (committed, not checkpointed: pages in the overlay); returns it and the model.
fn build(
    dir: &std::path::Path,
    committed: &[(Vec<u8>, Vec<u8>)],
    overlay: &[(Vec<u8>, Vec<u8>)],
) -> (Database, BTreeMap<Vec<u8>, Vec<u8>>) {
    let options = Options {
        page_size: 1024,
        ..Options::default()
    };
    let db = Database::open(dir.join("db"), options).unwrap();
    let mut model = BTreeMap::new();
    for (batch, checkpoint) in [(committed, true), (overlay, false)] {
        let mut w = db.begin_write().unwrap();
        let t = w.table("t").unwrap();
        for (k, v) in batch {
            w.insert(t, k, v).unwrap();
            model.insert(k.clone(), v.clone());
        }
        w.commit().unwrap();
        if checkpoint {
            db.checkpoint().unwrap();
        }
    }
    (db, model)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn a_scan_gives_what_the_iterator_gives(
        committed in prop::collection::vec((key_strategy(), value_strategy()), 0..400),
        overlay in prop::collection::vec((key_strategy(), value_strategy()), 0..30),
        uncommitted in prop::collection::vec((key_strategy(), value_strategy()), 0..30),
        removed in prop::collection::vec(key_strategy(), 0..20),
        queries in prop::collection::vec(query_strategy(), 1..24),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (db, mut model) = build(dir.path(), &committed, &overlay);
        let r = db.begin_read().unwrap();
        let t = r.table("t").unwrap();
        check(&r, t, &model, &queries);
        drop(r);
        // A write transaction sees its own changes: dirty leaves beside committed ones.
        let mut w = db.begin_write().unwrap();
        let t = w.table("t").unwrap();
        for (k, v) in &uncommitted {
            w.insert(t, k, v).unwrap();
            model.insert(k.clone(), v.clone());
        }
        for k in &removed {
            w.remove(t, k).unwrap();
            model.remove(k);
        }
        check(&w, t, &model, &queries);
    }
}

/// Many leaves of mapped pages (keys 0..5000 of 1 KiB pages), every entry, both directions.
#[test]
fn a_whole_table_scan_crosses_every_leaf() {
    let dir = tempfile::tempdir().unwrap();
    let entries: Entries = (0..5000u32)
        .map(|i| (i.to_be_bytes().to_vec(), format!("v{i}").into_bytes()))
        .collect();
    let (db, model) = build(dir.path(), &entries, &[]);
    let r = db.begin_read().unwrap();
    let t = r.table("t").unwrap();
    let all = scanned(
        r.range(t, Bound::Unbounded, Bound::Unbounded).unwrap(),
        None,
    );
    assert_eq!(all.len(), 5000);
    assert_eq!(all, model.into_iter().collect::<Entries>());
    let rev = scanned(
        r.range_rev(t, Bound::Unbounded, Bound::Unbounded).unwrap(),
        None,
    );
    assert_eq!(rev.len(), 5000);
    assert_eq!(
        rev.first().map(|e| e.0.clone()),
        Some(4999u32.to_be_bytes().to_vec())
    );
}

/// An empty table and a table that was never written scan nothing.
#[test]
fn an_empty_table_scans_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = build(dir.path(), &[], &[]);
    let r = db.begin_read().unwrap();
    let t = r.table("never").unwrap();
    let all = scanned(
        r.range(t, Bound::Unbounded, Bound::Unbounded).unwrap(),
        None,
    );
    assert!(all.is_empty());
}

/// The callback's error ends the scan and is what the scan returns.
#[test]
fn a_callback_error_ends_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let entries: Entries = (0..100u32)
        .map(|i| (i.to_be_bytes().to_vec(), vec![1]))
        .collect();
    let (db, _) = build(dir.path(), &entries, &[]);
    let r = db.begin_read().unwrap();
    let t = r.table("t").unwrap();
    let mut seen = 0;
    let err = r
        .range(t, Bound::Unbounded, Bound::Unbounded)
        .unwrap()
        .scan(|_, _| {
            seen += 1;
            if seen == 7 {
                return Err(crate::error::Error::invalid("stop here"));
            }
            Ok(true)
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(seen, 7);
}
