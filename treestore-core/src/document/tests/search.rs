//! The keyword index follows the document store in the same transaction: stored versions are
//! searchable, replaced and deleted ones leave no postings behind.

use super::support::{doc, mem_db, node};
use crate::document::{delete_document, store_document, store_documents, Node};
use crate::search::{self, SearchOptions};
use crate::ReadOps;

fn texted(id: &str, parent: Option<&str>, title: &str, text: &str) -> Node {
    Node {
        title: title.to_string(),
        text: Some(text.to_string()),
        ..node(id, parent)
    }
}

fn hits(db: &crate::Database, query: &str, policy: Option<&str>) -> Vec<(String, String)> {
    let r = db.begin_read().unwrap();
    let opts = SearchOptions {
        limit: 50,
        policy_id: policy.map(str::to_string),
        ..SearchOptions::default()
    };
    search::search(&r, query, &opts)
        .unwrap()
        .into_iter()
        .map(|h| (h.doc.version_id, h.doc.node_id))
        .collect()
}

fn index_is_consistent(db: &crate::Database) {
    let r = db.begin_read().unwrap();
    search::check(&r).unwrap();
    let _ = r.table("fts.docs").unwrap();
}

#[test]
fn stored_replaced_and_deleted_versions_are_searchable_exactly() {
    let db = mem_db();
    let mut w = db.begin_write().unwrap();
    let nodes = vec![
        texted(
            "r",
            None,
            "Prior authorization policy",
            "Scope of the policy.",
        ),
        texted(
            "a",
            Some("r"),
            "Imaging",
            "MRI requires prior authorization.",
        ),
        texted("b", Some("r"), "Pharmacy", "Specialty drugs need a review."),
    ];
    store_document(&mut w, &doc("p1", "v1"), &nodes).unwrap();
    w.commit().unwrap();
    assert_eq!(hits(&db, "mri", None), vec![("v1".into(), "a".into())]);
    assert_eq!(hits(&db, "\"prior authorization\"", Some("p1")).len(), 2);

    // Replace v1: node b is gone, a's text changes.
    let mut w = db.begin_write().unwrap();
    let nodes = vec![
        texted(
            "r",
            None,
            "Prior authorization policy",
            "Scope of the policy.",
        ),
        texted("a", Some("r"), "Imaging", "CT scans require notification."),
    ];
    store_document(&mut w, &doc("p1", "v1"), &nodes).unwrap();
    w.commit().unwrap();
    assert!(hits(&db, "mri", None).is_empty());
    assert!(hits(&db, "specialty", None).is_empty());
    assert_eq!(
        hits(&db, "notification", None),
        vec![("v1".into(), "a".into())]
    );
    index_is_consistent(&db);

    // A batch that stores v2 twice keeps only the later one.
    let mut w = db.begin_write().unwrap();
    let first = vec![texted("r", None, "Policy", "first draft wording")];
    let second = vec![texted("r", None, "Policy", "final wording")];
    store_documents(
        &mut w,
        &[(doc("p1", "v2"), first), (doc("p1", "v2"), second)],
    )
    .unwrap();
    w.commit().unwrap();
    assert!(hits(&db, "draft", None).is_empty());
    assert_eq!(hits(&db, "final", None), vec![("v2".into(), "r".into())]);

    let mut w = db.begin_write().unwrap();
    delete_document(&mut w, "p1", None).unwrap();
    w.commit().unwrap();
    assert!(hits(&db, "policy", None).is_empty());
    index_is_consistent(&db);
    let r = db.begin_read().unwrap();
    let postings = r.table("fts.postings").unwrap();
    assert_eq!(
        r.table_len(postings).unwrap(),
        0,
        "no posting survives the deletes"
    );
}

#[test]
fn a_rejected_store_leaves_the_index_untouched() {
    let db = mem_db();
    let mut w = db.begin_write().unwrap();
    let bad = vec![
        texted("r", None, "Root", "alpha"),
        texted("x", Some("nowhere"), "Orphan", "beta"),
    ];
    assert!(store_document(&mut w, &doc("p1", "v1"), &bad).is_err());
    drop(w);
    assert!(hits(&db, "alpha", None).is_empty());
}
