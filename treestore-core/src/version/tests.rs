//! Tests of the version store: listing, latest, tags, as-of with overlap rejection, and diffs.

use crate::document::tests::support::{check_consistency, doc, mem_db, node, paged};
use crate::document::{Document, Documents, Node};
use crate::error::ErrorKind;
use crate::time::{parse, Timestamp};
use crate::version::{NodeField, Versions};

fn at(s: &str) -> Timestamp {
    parse(s).unwrap()
}

fn tree() -> Vec<Node> {
    vec![paged("r", None, 1, 1), paged("a", Some("r"), 2, 3)]
}

fn dated(version: &str, created: &str, start: Option<&str>, end: Option<&str>) -> Document {
    Document {
        created_at: at(created),
        effective_start: start.map(at),
        effective_end: end.map(at),
        ..doc("pol", version)
    }
}

#[test]
fn list_versions_is_newest_first_and_paginated() {
    let db = mem_db();
    let docs = Documents::new(&db);
    // Stored out of order: "newest" is by created_at, not by storing order.
    for (v, c) in [
        ("v2", "2024-02-01"),
        ("v1", "2024-01-01"),
        ("v4", "2024-04-01"),
        ("v3", "2024-03-01"),
    ] {
        docs.store_document(&dated(v, c, None, None), &tree())
            .unwrap();
    }
    docs.store_document(&doc("other", "x"), &tree()).unwrap();
    let versions = Versions::new(&db);
    let all = versions.list_versions("pol", 0, None).unwrap();
    let names: Vec<&str> = all.versions.iter().map(|d| d.version_id.as_str()).collect();
    assert_eq!(names, ["v4", "v3", "v2", "v1"]);
    assert!(all.next_cursor.is_none());
    let mut cursor = None;
    let mut paged_names = Vec::new();
    loop {
        let page = versions.list_versions("pol", 3, cursor.as_deref()).unwrap();
        paged_names.extend(page.versions.into_iter().map(|d| d.version_id));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(paged_names, names);
    assert_eq!(versions.latest_version("pol").unwrap().version_id, "v4");
    assert_eq!(
        versions.version("pol", "v2").unwrap().created_at,
        at("2024-02-01")
    );
    assert_eq!(
        versions.version("pol", "v9").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        versions.latest_version("none").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(versions
        .list_versions("none", 0, None)
        .unwrap()
        .versions
        .is_empty());
    let bad = versions.list_versions("pol", 1, Some("zz")).unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidArgument);
    // Reads without a version follow the latest; deleting it falls back to the next newest.
    assert_eq!(docs.node("pol", None, "a").unwrap().version_id, "v4");
    docs.delete_document("pol", Some("v4")).unwrap();
    assert_eq!(docs.node("pol", None, "a").unwrap().version_id, "v3");
    assert_eq!(check_consistency(&db), 4);
}

#[test]
fn tags_name_one_version_and_move() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let versions = Versions::new(&db);
    let mut v1 = dated("v1", "2024-01-01", None, None);
    v1.tags = vec!["production".into(), "reviewed".into()];
    docs.store_document(&v1, &tree()).unwrap();
    let mut v2 = dated("v2", "2024-02-01", None, None);
    v2.tags = vec!["production".into()];
    docs.store_document(&v2, &tree()).unwrap();
    assert_eq!(
        versions
            .version_by_tag("pol", "production")
            .unwrap()
            .version_id,
        "v2"
    );
    assert_eq!(versions.version("pol", "v1").unwrap().tags, ["reviewed"]);
    versions.tag_version("pol", "v1", "production").unwrap();
    assert_eq!(
        versions
            .version_by_tag("pol", "production")
            .unwrap()
            .version_id,
        "v1"
    );
    assert!(versions.version("pol", "v2").unwrap().tags.is_empty());
    assert_eq!(
        versions.tag_version("pol", "v9", "x").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        versions.tag_version("pol", "v1", "").unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert!(versions.untag_version("pol", "reviewed").unwrap());
    assert!(!versions.untag_version("pol", "reviewed").unwrap());
    assert_eq!(versions.version("pol", "v1").unwrap().tags, ["production"]);
    assert_eq!(check_consistency(&db), 2);
    docs.delete_document("pol", Some("v1")).unwrap();
    assert_eq!(
        versions
            .version_by_tag("pol", "production")
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(check_consistency(&db), 1);
}

/// v1 in force from its creation (2024-01-01) until v2 starts; v2 explicit [2024-03-01, 2024-06-01).
fn store_first_two(docs: &Documents<'_>) {
    docs.store_document(&dated("v1", "2024-01-01", None, None), &tree())
        .unwrap();
    docs.store_document(
        &dated("v2", "2024-01-15", Some("2024-03-01"), Some("2024-06-01")),
        &tree(),
    )
    .unwrap();
}

/// v3 open from 2024-09-01 (after a gap from 2024-06-01).
fn store_third(docs: &Documents<'_>) {
    docs.store_document(
        &dated("v3", "2024-08-01", Some("2024-09-01"), None),
        &tree(),
    )
    .unwrap();
}

#[test]
fn as_of_finds_the_version_in_force() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let versions = Versions::new(&db);
    // v1 from its creation until v2 starts; v2 explicit [Mar, Jun); gap; v3 open from Sep.
    store_first_two(&docs);
    store_third(&docs);
    let cases = [
        ("2024-01-01", Some("v1")),
        ("2024-02-29T23:59:59Z", Some("v1")),
        ("2024-03-01", Some("v2")),
        ("2024-05-31", Some("v2")),
        ("2024-06-01", None),
        ("2024-08-31", None),
        ("2024-09-01", Some("v3")),
        ("2030-01-01", Some("v3")),
        ("2023-12-31", None),
    ];
    for (instant, want) in cases {
        match (versions.version_as_of("pol", at(instant)), want) {
            (Ok(d), Some(v)) => assert_eq!(d.version_id, v, "at {instant}"),
            (Err(e), None) => {
                assert_eq!(e.kind(), ErrorKind::NotFound, "at {instant}");
                assert!(e.to_string().contains("no version was in force"), "{e}");
            }
            (got, want) => panic!("at {instant}: got {got:?}, want {want:?}"),
        }
    }
    assert_eq!(
        versions
            .version_as_of("nope", at("2024-01-01"))
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn as_of_from_the_snapshot_memo_agrees_with_the_index() {
    use crate::version::VersionReader;
    let db = mem_db();
    let docs = Documents::new(&db);
    store_first_two(&docs);
    let instants = [
        "2023-12-31",
        "2024-01-01",
        "2024-02-01",
        "2024-03-01",
        "2024-06-01",
        "2031-01-01",
    ];
    let answers = |tx: &dyn crate::db::ReadOps| -> Vec<Option<String>> {
        let r = VersionReader::new(tx);
        instants
            .iter()
            .map(|i| {
                r.as_of_version_id("pol", at(i))
                    .ok()
                    .map(|v| v.into_owned())
            })
            .collect()
    };
    let read = db.begin_read().unwrap();
    let memo = answers(&read);
    // twice: the second pass reads the memo the first filled
    assert_eq!(answers(&read), memo);
    let write = db.begin_write().unwrap();
    assert_eq!(answers(&write), memo);
    // the borrowed read: its record is kept by the first answer and read from the memo after
    let whole = VersionReader::new(&write)
        .version_as_of("pol", at("2024-03-01"))
        .unwrap();
    for _ in 0..2 {
        let got = VersionReader::new(&read)
            .version_as_of_with("pol", at("2024-03-01"), |v| v.to_document())
            .unwrap();
        assert_eq!(got, whole);
    }
    drop(write);
    assert_eq!(memo[0], None);
    assert_eq!(memo[2].as_deref(), Some("v1"));
    assert_eq!(memo[3].as_deref(), Some("v2"));
    assert_eq!(memo[4], None);
    // a commit publishes a new snapshot: its readers see the new version, the old reader does not
    store_third(&docs);
    assert_eq!(answers(&db.begin_read().unwrap())[5].as_deref(), Some("v3"));
    assert_eq!(answers(&read)[5], None);
}

#[test]
fn overlapping_effective_ranges_are_rejected() {
    let db = mem_db();
    let docs = Documents::new(&db);
    docs.store_document(
        &dated("v1", "2024-01-01", Some("2024-03-01"), Some("2024-06-01")),
        &tree(),
    )
    .unwrap();
    docs.store_document(
        &dated("v2", "2024-01-01", Some("2024-09-01"), None),
        &tree(),
    )
    .unwrap();
    let rejected = [
        dated("x", "2024-01-01", Some("2024-04-01"), None),
        dated("x", "2024-01-01", Some("2024-03-01"), Some("2024-03-02")),
        dated("x", "2024-01-01", Some("2024-02-01"), Some("2024-03-02")),
        dated("x", "2024-01-01", Some("2024-07-01"), Some("2024-09-02")),
        dated("x", "2024-01-01", Some("2024-09-01"), None),
        dated("x", "2024-04-01", None, None),
    ];
    for d in &rejected {
        let err = docs.store_document(d, &tree()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{d:?}");
        assert!(err.to_string().contains("pol/x: field effective_"), "{err}");
    }
    assert_eq!(check_consistency(&db), 2);
    // Touching ranges and open ends that the next start cuts are fine.
    docs.store_document(
        &dated("ok1", "2024-01-01", Some("2024-06-01"), Some("2024-07-01")),
        &tree(),
    )
    .unwrap();
    docs.store_document(
        &dated("ok2", "2024-01-01", Some("2024-07-15"), None),
        &tree(),
    )
    .unwrap();
    // Replacing a version may move its own range over where it was.
    docs.store_document(
        &dated("v1", "2024-01-01", Some("2024-02-01"), Some("2024-05-01")),
        &tree(),
    )
    .unwrap();
    assert_eq!(check_consistency(&db), 4);
    let versions = Versions::new(&db);
    assert_eq!(
        versions
            .version_as_of("pol", at("2024-02-10"))
            .unwrap()
            .version_id,
        "v1"
    );
    assert!(versions.version_as_of("pol", at("2024-05-10")).is_err());
}

#[test]
fn diff_reports_added_removed_and_changed_fields() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let text = |s: &str| Some(s.repeat(30));
    let v1 = vec![
        Node {
            text: text("root "),
            ..paged("r", None, 1, 1)
        },
        Node {
            text: text("alpha "),
            ..paged("a", Some("r"), 2, 3)
        },
        Node {
            text: text("beta "),
            ..paged("b", Some("r"), 4, 5)
        },
        paged("c", Some("b"), 5, 5),
        node("gone", Some("r")),
    ];
    let mut v2 = v1.clone();
    v2.retain(|n| n.node_id != "gone");
    v2[1].text = text("alpha amended ");
    v2[2].title = "Beta (new)".into();
    v2[2].page_end = Some(6);
    v2[3].parent_id = Some("a".into());
    v2.push(node("new", Some("r")));
    v2.swap(1, 2);
    docs.store_document(&dated("v1", "2024-01-01", None, None), &v1)
        .unwrap();
    docs.store_document(&dated("v2", "2024-02-01", None, None), &v2)
        .unwrap();
    let diff = Versions::new(&db).diff_versions("pol", "v1", "v2").unwrap();
    let added: Vec<&str> = diff.added.iter().map(|c| c.node_id.as_str()).collect();
    let removed: Vec<&str> = diff.removed.iter().map(|c| c.node_id.as_str()).collect();
    assert_eq!(added, ["new"]);
    assert_eq!(removed, ["gone"]);
    let changed: Vec<(&str, Vec<NodeField>)> = diff
        .changed
        .iter()
        .map(|c| (c.node_id.as_str(), c.fields.clone()))
        .collect();
    assert_eq!(
        changed,
        [
            (
                "b",
                vec![
                    NodeField::Title,
                    NodeField::Pages,
                    NodeField::Position,
                    NodeField::SectionPath
                ]
            ),
            (
                "a",
                vec![NodeField::Text, NodeField::Position, NodeField::SectionPath]
            ),
            ("c", vec![NodeField::Parent]),
        ]
    );
    assert_eq!(diff.changed[0].title, "Beta (new)");
    let same = Versions::new(&db).diff_versions("pol", "v1", "v1").unwrap();
    assert!(same.added.is_empty() && same.removed.is_empty() && same.changed.is_empty());
    assert_eq!(
        Versions::new(&db)
            .diff_versions("pol", "v1", "v9")
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn policies_and_counts_follow_stores_replacements_and_deletes() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let versions = Versions::new(&db);
    assert!(versions.policies().unwrap().is_empty());
    assert_eq!(docs.counts().unwrap(), Default::default());
    docs.store_document(&doc("pol", "v1"), &tree()).unwrap();
    docs.store_document(&doc("pol", "v2"), &tree()).unwrap();
    docs.store_document(&doc("a-first", "v1"), &[node("r", None)])
        .unwrap();
    // Replacing a version keeps the counts.
    docs.store_document(&doc("pol", "v2"), &tree()).unwrap();
    assert_eq!(versions.policies().unwrap(), ["a-first", "pol"]);
    let counts = docs.counts().unwrap();
    assert_eq!(
        (counts.policies, counts.versions, counts.nodes),
        (2, 3, 2 + 2 + 1)
    );
    docs.delete_document("a-first", None).unwrap();
    assert_eq!(versions.policies().unwrap(), ["pol"]);
    let counts = docs.counts().unwrap();
    assert_eq!((counts.policies, counts.versions, counts.nodes), (1, 2, 4));
}

#[test]
fn policies_page_walks_every_policy_once_in_order() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let versions = Versions::new(&db);
    assert_eq!(versions.policies_page(3, None).unwrap(), Default::default());
    // Ids that share prefixes, so a cursor must exclude exactly its own policy.
    let ids = ["p", "p-1", "p-10", "p-2", "q", "é", "pp"];
    for id in ids {
        docs.store_document(&doc(id, "v1"), &[node("r", None)])
            .unwrap();
        docs.store_document(&doc(id, "v2"), &[node("r", None)])
            .unwrap();
    }
    let all = versions.policies().unwrap();
    assert_eq!(versions.policies_page(0, None).unwrap().policies, all);
    for limit in 1..=8 {
        let mut walked = Vec::new();
        let mut cursor = None;
        loop {
            let page = versions.policies_page(limit, cursor.as_deref()).unwrap();
            assert!(page.policies.len() <= limit);
            walked.extend(page.policies);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(walked, all, "limit {limit}");
    }
    // A cursor naming a policy that is gone continues after where it would sort.
    let page = versions.policies_page(2, Some("p-11")).unwrap();
    assert_eq!(page.policies, ["p-2", "pp"]);
}

#[test]
fn one_reader_resolves_every_mix_of_policies_and_versions_alike() {
    // The reader remembers its resolutions (shared with its snapshot, or its own in a write
    // transaction): every order of asks must give what a fresh reader gives.
    let db = mem_db();
    let docs = Documents::new(&db);
    for (p, v) in [("a", "v1"), ("a", "v2"), ("b", "v1"), ("b", "v3")] {
        docs.store_document(&doc(p, v), &tree()).unwrap();
    }
    let tx = db.begin_read().unwrap();
    let asks: [(&str, Option<&str>); 7] = [
        ("a", None),
        ("a", Some("v1")),
        ("a", None),
        ("b", Some("v1")),
        ("b", None),
        ("a", Some("v2")),
        ("b", Some("v1")),
    ];
    let fresh = |p: &str, v: Option<&str>| {
        let r = super::VersionReader::new(&tx).resolve(p, v).unwrap();
        (r.vid, r.version_id.clone())
    };
    let shared = super::VersionReader::new(&tx);
    for round in 0..2 {
        for &(p, v) in &asks {
            let r = shared.resolve(p, v).unwrap();
            assert_eq!(
                (r.vid, r.version_id.clone()),
                fresh(p, v),
                "{p} {v:?} round {round}"
            );
        }
    }
    assert_eq!(shared.resolve("a", None).unwrap().version_id, "v2");
    assert_eq!(shared.resolve("b", None).unwrap().version_id, "v3");
    let missing = shared.resolve("a", Some("v3")).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}
