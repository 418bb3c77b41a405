//! Tests of the QueryEngine on a small policy with cross-references, metadata and see-also links.

use std::sync::Arc;

use super::*;
use crate::document::{store_document, Document, Node};
use crate::metadata::{self, CrossReference, MetadataEntry, ReferenceType, ValueType};
use crate::storage::vfs::MemVfs;
use crate::{Database, ErrorKind, Options};

fn node(id: &str, parent: Option<&str>, title: &str, text: &str) -> Node {
    Node {
        node_id: id.into(),
        parent_id: parent.map(str::to_string),
        title: title.into(),
        text: Some(text.into()),
        ..Node::default()
    }
}

fn setup() -> Database {
    let db = Database::open(
        "/q",
        Options {
            vfs: Arc::new(MemVfs::new()),
            ..Options::default()
        },
    )
    .unwrap();
    let mut w = db.begin_write().unwrap();
    let doc = |p: &str| Document {
        policy_id: p.into(),
        version_id: "v1".into(),
        ..Document::default()
    };
    let mut criterion = node(
        "c",
        Some("r"),
        "Criteria",
        "Members must meet the criteria.",
    );
    criterion.see_also = vec!["d".into()];
    let nodes = vec![
        node("r", None, "Prior authorization", "Policy scope."),
        criterion,
        node("a", Some("r"), "Imaging", "MRI of the knee needs review."),
        node("a2", Some("r"), "Laboratory", "Genetic tests."),
        node("d", Some("r"), "Definitions", "Terms used."),
    ];
    store_document(&mut w, &doc("p1"), &nodes).unwrap();
    let other = vec![
        node("x", None, "Other policy", "Unrelated."),
        node("y", Some("x"), "Appeals", "How to appeal."),
    ];
    store_document(&mut w, &doc("p2"), &other).unwrap();
    metadata::store_cross_reference(
        &mut w,
        CrossReference {
            source_policy_id: "p1".into(),
            source_node_id: Some("c".into()),
            target_policy_id: "p2".into(),
            target_node_id: Some("y".into()),
            reference_type: ReferenceType::Cites,
            context: None,
            created_at: 0,
        },
    )
    .unwrap();
    metadata::set_metadata(
        &mut w,
        MetadataEntry {
            entity_type: NODE_ENTITY.into(),
            entity_id: node_entity_id("p1", "c"),
            key: "reviewed".into(),
            value: "true".into(),
            value_type: ValueType::Bool,
            ..MetadataEntry::default()
        },
    )
    .unwrap();
    w.commit().unwrap();
    db
}

#[test]
fn enriched_node_gathers_version_metadata_and_references() {
    let db = setup();
    let r = db.begin_read().unwrap();
    let e = enriched_node(&r, "p1", None, "c", 0).unwrap();
    assert_eq!(e.node.title, "Criteria");
    assert_eq!(e.version.version_id, "v1");
    assert_eq!(e.metadata.len(), 1);
    assert_eq!(e.metadata[0].key, "reviewed");
    assert_eq!(e.cross_references.len(), 1);
    let e = enriched_node(&r, "p2", None, "y", 0).unwrap();
    assert_eq!(e.cross_references.len(), 1, "incoming references count too");
    let err = enriched_node(&r, "p1", None, "nope", 0).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn find_related_orders_references_hits_siblings_then_see_also() {
    let db = setup();
    let r = db.begin_read().unwrap();
    let related = find_related(&r, "p1", None, "c", &["MRI knee".into()], 10).unwrap();
    let got: Vec<(&str, &str)> = related
        .iter()
        .map(|n| (n.node.node_id.as_str(), n.reason.name()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("y", "cross_reference"),
            ("a", "keyword"),
            ("a2", "sibling"),
            ("d", "sibling"),
            ("c", "see_also"),
        ]
        .into_iter()
        .filter(|(id, _)| *id != "c")
        .collect::<Vec<_>>(),
        "d is a sibling of the hit before it is a see_also link; c is the criterion itself"
    );
    let two = find_related(&r, "p1", None, "c", &["MRI".into()], 2).unwrap();
    assert_eq!(two.len(), 2);
    let none = find_related(&r, "p1", None, "c", &[], 10).unwrap();
    let ids: Vec<&str> = none.iter().map(|n| n.node.node_id.as_str()).collect();
    assert_eq!(ids, vec!["y", "d"]);
    assert_eq!(
        find_related(&r, "p1", None, "c", &[], 0)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn enriched_node_pages_its_cross_references_with_a_cursor() {
    let db = setup();
    let mut w = db.begin_write().unwrap();
    for target in ["x", "y"] {
        let r = CrossReference {
            source_policy_id: "p1".into(),
            source_node_id: Some("c".into()),
            target_policy_id: "p2".into(),
            target_node_id: Some(target.into()),
            reference_type: ReferenceType::SeeAlso,
            context: None,
            created_at: 0,
        };
        metadata::store_cross_reference(&mut w, r).unwrap();
    }
    w.commit().unwrap();
    let r = db.begin_read().unwrap();
    let whole = enriched_node(&r, "p1", None, "c", 0).unwrap();
    assert_eq!(whole.cross_references.len(), 3);
    assert_eq!(whole.cross_references_cursor, None);
    let first = enriched_node(&r, "p1", None, "c", 2).unwrap();
    assert_eq!(first.cross_references[..], whole.cross_references[..2]);
    let query = metadata::CrossReferenceQuery {
        policy_id: "p1".into(),
        node_id: Some("c".into()),
        direction: metadata::Direction::Both,
        reference_type: None,
        limit: 2,
        cursor: first.cross_references_cursor.clone(),
    };
    assert!(query.cursor.is_some());
    let rest = metadata::cross_references(&r, &query).unwrap();
    assert_eq!(rest.items[..], whole.cross_references[2..]);
    assert_eq!(rest.next_cursor, None);
}
