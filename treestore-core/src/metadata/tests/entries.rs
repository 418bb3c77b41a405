use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::{assert_field_error, keys, mem_db, write};
use crate::error::ErrorKind;
use crate::metadata::entries::{index_len, ENTRIES};
use crate::metadata::*;

fn entry(ty: &str, id: &str, key: &str, value: &str, value_type: ValueType) -> MetadataEntry {
    MetadataEntry {
        entity_type: ty.into(),
        entity_id: id.into(),
        key: key.into(),
        value: value.into(),
        value_type,
        ..MetadataEntry::default()
    }
}

fn s(ty: &str, id: &str, key: &str, value: &str) -> MetadataEntry {
    entry(ty, id, key, value, ValueType::String)
}

#[test]
fn set_get_update_and_delete() {
    let db = mem_db();
    let first = write(&db, |w| {
        set_metadata(w, entry("document", "d1", "pages", "12", ValueType::Int))
    })
    .unwrap();
    assert!(first.created_at > 0 && first.created_at == first.updated_at);
    let mut upd = entry("document", "d1", "pages", "13", ValueType::Int);
    upd.updated_at = first.updated_at + 5;
    let second = write(&db, |w| set_metadata(w, upd)).unwrap();
    assert_eq!(second.created_at, first.created_at);
    write(&db, |w| set_metadata(w, s("document", "d1", "lang", "en"))).unwrap();
    write(&db, |w| set_metadata(w, s("document", "d2", "lang", "en"))).unwrap();
    let r = db.begin_read().unwrap();
    assert_eq!(
        metadata(&r, "document", "d1", "pages").unwrap().unwrap(),
        second
    );
    assert!(metadata(&r, "document", "d1", "nope").unwrap().is_none());
    let all: Vec<String> = all_metadata(&r, "document", "d1")
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(all, vec!["lang", "pages"]);
    assert!(query_by_key_value(&r, None, "pages", "12", 0, None)
        .unwrap()
        .items
        .is_empty());
    assert_eq!(
        query_by_key_value(&r, None, "pages", "13", 0, None)
            .unwrap()
            .items,
        vec![second]
    );
    assert_eq!(index_len(&r).unwrap(), 3);
    drop(r);
    assert!(write(&db, |w| delete_metadata(w, "document", "d1", "pages")).unwrap());
    assert!(!write(&db, |w| delete_metadata(w, "document", "d1", "pages")).unwrap());
    assert_eq!(
        write(&db, |w| delete_all_metadata(w, "document", "d2")).unwrap(),
        1
    );
    assert_eq!(keys(&db, ENTRIES).len(), 2);
    assert_eq!(
        write(&db, |w| delete_all_metadata(w, "document", "d1")).unwrap(),
        1
    );
    assert!(keys(&db, ENTRIES).is_empty());
}

#[test]
fn queries_by_key_and_value_filter_by_type_and_page() {
    let db = mem_db();
    write(&db, |w| {
        set_metadata(w, s("document", "d1", "status", "draft"))?;
        set_metadata(w, s("document", "d2", "status", "final"))?;
        set_metadata(w, s("node", "n1", "status", "draft"))?;
        set_metadata(w, s("document", "d3", "status", "draft"))
    })
    .unwrap();
    let r = db.begin_read().unwrap();
    let ids = |p: Page<MetadataEntry>| p.items.into_iter().map(|e| e.entity_id).collect::<Vec<_>>();
    assert_eq!(
        ids(query_by_key(&r, None, "status", 0, None).unwrap()),
        vec!["d1", "d3", "n1", "d2"]
    );
    assert_eq!(
        ids(query_by_key(&r, Some("document"), "status", 0, None).unwrap()),
        vec!["d1", "d3", "d2"]
    );
    assert_eq!(
        ids(query_by_key_value(&r, Some("document"), "status", "draft", 0, None).unwrap()),
        vec!["d1", "d3"]
    );
    let p1 = query_by_key_value(&r, None, "status", "draft", 2, None).unwrap();
    assert_eq!(ids(p1.clone()), vec!["d1", "d3"]);
    let p2 = query_by_key_value(&r, None, "status", "draft", 2, p1.next_cursor.as_deref()).unwrap();
    assert_eq!(ids(p2.clone()), vec!["n1"]);
    assert_eq!(p2.next_cursor, None);
    assert!(query_by_key(&r, None, "missing", 0, None)
        .unwrap()
        .items
        .is_empty());
}

#[test]
fn long_values_are_found_exactly() {
    let db = mem_db();
    let base = "é".repeat(VALUE_PREFIX_LEN);
    let (a, b) = (format!("{base}a"), format!("{base}b"));
    write(&db, |w| {
        set_metadata(w, s("doc", "1", "summary", &a))?;
        set_metadata(w, s("doc", "2", "summary", &b))?;
        set_metadata(w, s("doc", "3", "summary", &base))
    })
    .unwrap();
    let r = db.begin_read().unwrap();
    let found = query_by_key_value(&r, None, "summary", &b, 0, None)
        .unwrap()
        .items;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].entity_id, "2");
    let q = MetadataQuery {
        filters: BTreeMap::from([("summary".to_string(), a.clone())]),
        ..Default::default()
    };
    assert_eq!(
        query_multiple(&r, &q).unwrap().items,
        vec![EntityRef {
            entity_type: "doc".into(),
            entity_id: "1".into()
        }]
    );
    assert_eq!(
        query_by_key_value(&r, None, "summary", &base, 0, None)
            .unwrap()
            .items
            .len(),
        1
    );
}

#[test]
fn bad_input_names_the_field_and_writes_nothing() {
    let db = mem_db();
    let cases = [
        (
            s("", "1", "k", "v"),
            ErrorKind::InvalidArgument,
            "entity_type",
        ),
        (
            s("t", "", "k", "v"),
            ErrorKind::InvalidArgument,
            "entity_id",
        ),
        (s("t", "1", "", "v"), ErrorKind::InvalidArgument, "key"),
        (
            s(&"t".repeat(65), "1", "k", "v"),
            ErrorKind::TooLarge,
            "entity_type",
        ),
        (
            s("t", "1", &"k".repeat(129), "v"),
            ErrorKind::TooLarge,
            "key",
        ),
        (
            s("t", "1", "k", &"v".repeat((64 << 10) + 1)),
            ErrorKind::TooLarge,
            "value",
        ),
        (
            entry("t", "1", "k", "1.5", ValueType::Int),
            ErrorKind::InvalidArgument,
            "value",
        ),
        (
            entry("t", "1", "k", "NaN", ValueType::Float),
            ErrorKind::InvalidArgument,
            "value",
        ),
        (
            entry("t", "1", "k", "yes", ValueType::Bool),
            ErrorKind::InvalidArgument,
            "value",
        ),
        (
            entry("t", "1", "k", "{x", ValueType::Json),
            ErrorKind::InvalidArgument,
            "value",
        ),
    ];
    for (e, kind, field) in cases {
        assert_field_error(write(&db, |w| set_metadata(w, e)), kind, field);
    }
    for (v, ty) in [
        ("-7", ValueType::Int),
        ("2.5e3", ValueType::Float),
        ("false", ValueType::Bool),
        ("[1]", ValueType::Json),
    ] {
        write(&db, |w| set_metadata(w, entry("t", "ok", "k", v, ty))).unwrap();
    }
    write(&db, |w| delete_all_metadata(w, "t", "ok")).unwrap();
    assert!(keys(&db, ENTRIES).is_empty());
    assert_field_error(
        ValueType::parse("value_type", "date"),
        ErrorKind::InvalidArgument,
        "value_type",
    );
    let r = db.begin_read().unwrap();
    assert_field_error(
        query_multiple(&r, &MetadataQuery::default()),
        ErrorKind::InvalidArgument,
        "filters",
    );
    assert_field_error(
        query_by_key(&r, None, "", 0, None),
        ErrorKind::InvalidArgument,
        "key",
    );
    assert_field_error(
        query_by_key(&r, None, "k", MAX_LIMIT + 1, None),
        ErrorKind::InvalidArgument,
        "limit",
    );
}

proptest! {
    #[test]
    fn query_multiple_matches_a_model(
        sets in prop::collection::vec((0usize..2, 0usize..6, 0usize..3, 0usize..3), 0..40),
        deletes in prop::collection::vec((0usize..2, 0usize..6, 0usize..3), 0..6),
        filters in prop::collection::btree_map(0usize..3, 0usize..3, 1..4),
        entity_type in prop::option::of(0usize..2),
        limit in 1usize..4,
    ) {
        let db = mem_db();
        let (types, keys_, values) = (["doc", "node"], ["a", "b", "c"], ["x", "y", "z"]);
        let mut model: BTreeMap<(usize, usize, usize), usize> = BTreeMap::new();
        write(&db, |w| {
            for &(t, id, k, v) in &sets {
                set_metadata(w, s(types[t], &id.to_string(), keys_[k], values[v]))?;
                model.insert((t, id, k), v);
            }
            for &(t, id, k) in &deletes {
                let existed = delete_metadata(w, types[t], &id.to_string(), keys_[k])?;
                assert_eq!(existed, model.remove(&(t, id, k)).is_some());
            }
            Ok(())
        }).unwrap();
        let r = db.begin_read().unwrap();
        prop_assert_eq!(index_len(&r).unwrap(), model.len());
        prop_assert_eq!(keys(&db, ENTRIES).len(), 2 * model.len());
        let expected: Vec<EntityRef> = (0..2).flat_map(|t| (0..6).map(move |id| (t, id)))
            .filter(|&(t, _)| entity_type.is_none_or(|et| et == t))
            .filter(|&(t, id)| filters.iter().all(|(&k, &v)| model.get(&(t, id, k)) == Some(&v)))
            .map(|(t, id)| EntityRef { entity_type: types[t].into(), entity_id: id.to_string() })
            .collect::<BTreeSet<_>>().into_iter().collect();
        let mut q = MetadataQuery {
            entity_type: entity_type.map(|t| types[t].to_string()),
            filters: filters.iter().map(|(&k, &v)| (keys_[k].to_string(), values[v].to_string())).collect(),
            limit,
            cursor: None,
        };
        let mut got = Vec::new();
        loop {
            let page = query_multiple(&r, &q).unwrap();
            prop_assert!(page.items.len() <= limit);
            got.extend(page.items);
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn an_entitys_entries_page_by_key() {
    let db = mem_db();
    for i in 0..9 {
        write(&db, |w| {
            set_metadata(w, s("node", "p/1", &format!("k{i}"), "v"))
        })
        .unwrap();
    }
    write(&db, |w| set_metadata(w, s("node", "p/2", "other", "v"))).unwrap();
    let r = db.begin_read().unwrap();
    let whole = all_metadata(&r, "node", "p/1").unwrap();
    assert_eq!(whole.len(), 9);
    for limit in [1, 4, 9, 10] {
        let (mut got, mut cursor) = (Vec::new(), None);
        loop {
            let page = metadata_page(&r, "node", "p/1", limit, cursor.as_deref()).unwrap();
            assert!(page.items.len() <= limit);
            got.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(got, whole, "limit {limit}");
    }
    assert_field_error(
        metadata_page(&r, "", "p/1", 0, None),
        ErrorKind::InvalidArgument,
        "entity_type",
    );
    assert_field_error(
        metadata_page(&r, "node", "", 0, None),
        ErrorKind::InvalidArgument,
        "entity_id",
    );
    assert_field_error(
        metadata_page(&r, "node", "p/1", 0, Some("q")),
        ErrorKind::InvalidArgument,
        "cursor",
    );
}
