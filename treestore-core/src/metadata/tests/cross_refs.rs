use proptest::prelude::*;

use super::{assert_field_error, keys, mem_db, write};
use crate::error::ErrorKind;
use crate::metadata::cross_refs::CROSS_REFS;
use crate::metadata::*;

fn xref(
    sp: &str,
    sn: Option<&str>,
    tp: &str,
    tn: Option<&str>,
    ty: ReferenceType,
) -> CrossReference {
    CrossReference {
        source_policy_id: sp.into(),
        source_node_id: sn.map(Into::into),
        target_policy_id: tp.into(),
        target_node_id: tn.map(Into::into),
        reference_type: ty,
        context: Some("see section".into()),
        created_at: 7,
    }
}

fn q(policy: &str, node: Option<&str>, direction: Direction) -> CrossReferenceQuery {
    CrossReferenceQuery {
        policy_id: policy.into(),
        node_id: node.map(Into::into),
        direction,
        ..CrossReferenceQuery::default()
    }
}

#[test]
fn references_list_from_either_end() {
    let db = mem_db();
    let a = xref("A", Some("2.1"), "B", Some("4"), ReferenceType::Cites);
    let b = xref("A", None, "C", None, ReferenceType::SeeAlso);
    let c = xref("B", Some("4"), "A", Some("2.1"), ReferenceType::Contradicts);
    write(&db, |w| {
        for r in [&a, &b, &c] {
            store_cross_reference(w, r.clone())?;
        }
        Ok(())
    })
    .unwrap();
    let r = db.begin_read().unwrap();
    let list = |q: &CrossReferenceQuery| cross_references(&r, q).unwrap().items;
    // Policy-level references (no node) sort first.
    assert_eq!(
        list(&q("A", None, Direction::Outgoing)),
        vec![b.clone(), a.clone()]
    );
    assert_eq!(
        list(&q("A", Some("2.1"), Direction::Outgoing)),
        vec![a.clone()]
    );
    assert_eq!(
        list(&q("A", Some("2.1"), Direction::Incoming)),
        vec![c.clone()]
    );
    assert_eq!(
        list(&q("A", None, Direction::Both)),
        vec![b.clone(), a.clone(), c.clone()]
    );
    assert_eq!(list(&q("C", None, Direction::Both)), vec![b.clone()]);
    assert_eq!(
        list(&q("B", Some("4"), Direction::Incoming)),
        vec![a.clone()]
    );
    let mut typed = q("A", None, Direction::Both);
    typed.reference_type = Some(ReferenceType::Contradicts);
    assert_eq!(list(&typed), vec![c.clone()]);
    assert!(list(&q("Z", None, Direction::Both)).is_empty());
}

#[test]
fn storing_again_replaces_and_deleting_removes_both_entries() {
    let db = mem_db();
    let a = xref("A", Some("1"), "B", None, ReferenceType::Supports);
    write(&db, |w| store_cross_reference(w, a.clone())).unwrap();
    let a2 = CrossReference {
        context: None,
        created_at: 9,
        ..a.clone()
    };
    write(&db, |w| store_cross_reference(w, a2.clone())).unwrap();
    assert_eq!(keys(&db, CROSS_REFS).len(), 2);
    let r = db.begin_read().unwrap();
    assert_eq!(
        cross_references(&r, &q("B", None, Direction::Incoming))
            .unwrap()
            .items,
        vec![a2]
    );
    drop(r);
    assert!(write(&db, |w| delete_cross_reference(w, &a)).unwrap());
    assert!(!write(&db, |w| delete_cross_reference(w, &a)).unwrap());
    assert!(keys(&db, CROSS_REFS).is_empty());
    write(&db, |w| {
        store_cross_reference(w, xref("A", None, "B", None, ReferenceType::Cites))?;
        store_cross_reference(w, xref("C", None, "A", Some("x"), ReferenceType::Cites))?;
        store_cross_reference(w, xref("C", None, "B", None, ReferenceType::Cites))
    })
    .unwrap();
    assert_eq!(
        write(&db, |w| delete_cross_references_of(w, "A")).unwrap(),
        2
    );
    assert_eq!(keys(&db, CROSS_REFS).len(), 2);
}

#[test]
fn bad_input_names_the_field_and_writes_nothing() {
    let db = mem_db();
    let good = xref("A", None, "B", None, ReferenceType::Cites);
    let cases = [
        (
            CrossReference {
                source_policy_id: String::new(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "source_policy_id",
        ),
        (
            CrossReference {
                target_policy_id: "x".repeat(201),
                ..good.clone()
            },
            ErrorKind::TooLarge,
            "target_policy_id",
        ),
        (
            CrossReference {
                source_node_id: Some(String::new()),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "source_node_id",
        ),
        (
            CrossReference {
                target_policy_id: "A".into(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "target_node_id",
        ),
        (
            CrossReference {
                context: Some("c".repeat(65 << 10)),
                ..good.clone()
            },
            ErrorKind::TooLarge,
            "context",
        ),
    ];
    for (r, kind, field) in cases {
        assert_field_error(write(&db, |w| store_cross_reference(w, r)), kind, field);
    }
    assert!(keys(&db, CROSS_REFS).is_empty());
    assert_field_error(
        ReferenceType::parse("reference_type", "quotes"),
        ErrorKind::InvalidArgument,
        "reference_type",
    );
    assert_eq!(
        ReferenceType::parse("t", "see_also").unwrap(),
        ReferenceType::SeeAlso
    );
    let r = db.begin_read().unwrap();
    assert_field_error(
        cross_references(&r, &q("", None, Direction::Both)),
        ErrorKind::InvalidArgument,
        "policy_id",
    );
    let mut bad = q("A", None, Direction::Both);
    bad.cursor = Some("q00".into());
    assert_field_error(
        cross_references(&r, &bad),
        ErrorKind::InvalidArgument,
        "cursor",
    );
}

proptest! {
    #[test]
    fn pages_of_both_directions_cover_everything_once(
        refs in prop::collection::vec((0usize..3, prop::option::of(0usize..2), 0usize..3, prop::option::of(0usize..2), 0usize..4), 0..25),
        limit in 1usize..5,
        direction in prop::sample::select(vec![Direction::Outgoing, Direction::Incoming, Direction::Both]),
        node in prop::option::of(0usize..2),
    ) {
        let db = mem_db();
        let policies = ["A", "B", "C"];
        let nodes = ["1", "2"];
        let mut model = std::collections::BTreeMap::new();
        write(&db, |w| {
            for &(sp, sn, tp, tn, ty) in &refs {
                let r = xref(policies[sp], sn.map(|n| nodes[n]), policies[tp], tn.map(|n| nodes[n]), ReferenceType::ALL[ty]);
                if store_cross_reference(w, r.clone()).is_ok() {
                    model.insert((sp, sn, tp, tn, ty), r);
                }
            }
            Ok(())
        }).unwrap();
        prop_assert_eq!(keys(&db, CROSS_REFS).len(), 2 * model.len());
        let node_id = node.map(|n| nodes[n]);
        let at = |p: &str, n: &Option<String>| p == "A" && node_id.is_none_or(|x| n.as_deref() == Some(x));
        let mut expected: Vec<CrossReference> = Vec::new();
        if direction != Direction::Incoming {
            expected.extend(model.values().filter(|r| at(&r.source_policy_id, &r.source_node_id)).cloned());
        }
        if direction != Direction::Outgoing {
            expected.extend(model.values().filter(|r| at(&r.target_policy_id, &r.target_node_id)).cloned());
        }
        let r = db.begin_read().unwrap();
        let mut query = q("A", node_id, direction);
        query.limit = limit;
        let mut got = Vec::new();
        loop {
            let page = cross_references(&r, &query).unwrap();
            prop_assert!(page.items.len() <= limit);
            got.extend(page.items);
            match page.next_cursor {
                Some(c) => query.cursor = Some(c),
                None => break,
            }
        }
        let key = |r: &CrossReference| format!("{:?}", r);
        let mut g: Vec<String> = got.iter().map(key).collect();
        let mut e: Vec<String> = expected.iter().map(key).collect();
        prop_assert_eq!(g.len(), e.len());
        g.sort();
        e.sort();
        prop_assert_eq!(g, e);
    }
}
