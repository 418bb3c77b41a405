use proptest::prelude::*;

use super::{assert_field_error, keys, mem_db, write};
use crate::error::ErrorKind;
use crate::metadata::contradictions::CONTRADICTIONS;
use crate::metadata::*;

fn con(a: &str, b: &str, severity: Severity, at: i64) -> Contradiction {
    Contradiction {
        policy_a: a.into(),
        node_a: Some("1".into()),
        policy_b: b.into(),
        node_b: Some("2".into()),
        description: "limits differ".into(),
        severity,
        detected_at: at,
        ..Contradiction::default()
    }
}

#[test]
fn store_get_resolve_and_delete() {
    let db = mem_db();
    let c = write(&db, |w| {
        store_contradiction(w, con("A", "B", Severity::High, 5))
    })
    .unwrap();
    assert_eq!(c.status, ResolutionStatus::Open);
    assert_eq!(c.resolved_at, None);
    assert_eq!(keys(&db, CONTRADICTIONS).len(), 5);
    let r = db.begin_read().unwrap();
    assert_eq!(contradiction(&r, &c.contradiction_id).unwrap().unwrap(), c);
    drop(r);
    let id = c.contradiction_id.clone();
    let done = write(&db, |w| {
        resolve_contradiction(w, &id, ResolutionStatus::Resolved, Some("B wins"))
    })
    .unwrap();
    assert!(done.resolved_at.is_some());
    assert_eq!(done.resolution.as_deref(), Some("B wins"));
    assert_eq!(keys(&db, CONTRADICTIONS).len(), 5);
    let r = db.begin_read().unwrap();
    let open = ContradictionQuery {
        status: Some(ResolutionStatus::Open),
        ..Default::default()
    };
    assert!(contradictions(&r, &open).unwrap().items.is_empty());
    let resolved = ContradictionQuery {
        status: Some(ResolutionStatus::Resolved),
        ..Default::default()
    };
    assert_eq!(contradictions(&r, &resolved).unwrap().items, vec![done]);
    drop(r);
    let reopened = write(&db, |w| {
        resolve_contradiction(w, &id, ResolutionStatus::Open, None)
    })
    .unwrap();
    assert_eq!(reopened.resolved_at, None);
    let err = write(&db, |w| {
        resolve_contradiction(w, "nope", ResolutionStatus::Resolved, None)
    })
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(write(&db, |w| delete_contradiction(w, &id)).unwrap());
    assert!(!write(&db, |w| delete_contradiction(w, &id)).unwrap());
    assert!(keys(&db, CONTRADICTIONS).is_empty());
}

#[test]
fn bad_input_names_the_field_and_writes_nothing() {
    let db = mem_db();
    let good = con("A", "B", Severity::Low, 1);
    let cases = [
        (
            Contradiction {
                policy_a: String::new(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "policy_a",
        ),
        (
            Contradiction {
                policy_b: String::new(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "policy_b",
        ),
        (
            Contradiction {
                node_a: Some(String::new()),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "node_a",
        ),
        (
            Contradiction {
                description: "  ".into(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "description",
        ),
        (
            Contradiction {
                policy_b: "A".into(),
                node_b: Some("1".into()),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "node_b",
        ),
        (
            Contradiction {
                resolution: Some("r".repeat(65 << 10)),
                ..good.clone()
            },
            ErrorKind::TooLarge,
            "resolution",
        ),
        (
            Contradiction {
                contradiction_id: "\u{7}".into(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "contradiction_id",
        ),
    ];
    for (c, kind, field) in cases {
        assert_field_error(write(&db, |w| store_contradiction(w, c)), kind, field);
    }
    assert!(keys(&db, CONTRADICTIONS).is_empty());
    assert_field_error(
        Severity::parse("severity", "critical"),
        ErrorKind::InvalidArgument,
        "severity",
    );
    assert_field_error(
        ResolutionStatus::parse("status", "closed"),
        ErrorKind::InvalidArgument,
        "status",
    );
    let r = db.begin_read().unwrap();
    let q = ContradictionQuery {
        since: Some(3),
        until: Some(1),
        ..Default::default()
    };
    assert_field_error(contradictions(&r, &q), ErrorKind::InvalidArgument, "until");
}

proptest! {
    #[test]
    fn filters_and_pages_match_a_model(
        items in prop::collection::vec((0usize..3, 0usize..3, 0usize..3, 0usize..4, 1i64..10), 0..25),
        policy in prop::option::of(0usize..4),
        severity in prop::option::of(0usize..3),
        status in prop::option::of(0usize..4),
        since in prop::option::of(0i64..6),
        limit in 1usize..5,
    ) {
        let db = mem_db();
        let policies = ["A", "B", "C", "D"];
        let stored: Vec<Contradiction> = write(&db, |w| {
            let mut out = Vec::new();
            for &(a, b, sev, st, at) in &items {
                let mut c = con(policies[a], policies[b], Severity::ALL[sev], at);
                c.status = ResolutionStatus::ALL[st];
                out.push(store_contradiction(w, c)?);
            }
            Ok(out)
        }).unwrap();
        let entries: usize = stored.iter().map(|c| 4 + usize::from(c.policy_a != c.policy_b)).sum();
        prop_assert_eq!(keys(&db, CONTRADICTIONS).len(), entries);
        let query = ContradictionQuery {
            policy_id: policy.map(|p| policies[p].to_string()),
            severity: severity.map(|s| Severity::ALL[s]),
            status: status.map(|s| ResolutionStatus::ALL[s]),
            since,
            until: None,
            limit,
            cursor: None,
        };
        let mut expected: Vec<&Contradiction> = stored.iter().filter(|c| {
            query.policy_id.as_ref().is_none_or(|p| &c.policy_a == p || &c.policy_b == p)
                && query.severity.is_none_or(|s| c.severity == s)
                && query.status.is_none_or(|s| c.status == s)
                && since.is_none_or(|s| c.detected_at >= s)
        }).collect();
        expected.sort_by(|a, b| (b.detected_at, &b.contradiction_id).cmp(&(a.detected_at, &a.contradiction_id)));
        let r = db.begin_read().unwrap();
        let mut got = Vec::new();
        let mut q = query.clone();
        loop {
            let page = contradictions(&r, &q).unwrap();
            got.extend(page.items);
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        prop_assert_eq!(got.iter().collect::<Vec<_>>(), expected);
    }
}
