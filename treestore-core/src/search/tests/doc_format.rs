//! `fts.docs` records of format 1 (terms as a string list, written before the front-coded
//! format 2) still read: searched, checked, replaced and removed like the new ones.

use super::super::layout::{decode_doc, DocRec, DOCS};
use super::*;
use crate::codec::Encoder;

/// `rec` as format 1 wrote it.
fn string_list_value(rec: &DocRec) -> Vec<u8> {
    let mut e = Encoder::new();
    e.u8(1)
        .str(&rec.doc.policy_id)
        .str(&rec.doc.version_id)
        .str(&rec.doc.node_id);
    for l in rec.field_len {
        e.uvar(l);
    }
    e.str_list(&rec.terms);
    e.finish()
}

/// Rewrites every `fts.docs` value in format 1; returns how many.
fn downgrade_docs(db: &Database) -> usize {
    let mut tx = db.begin_write().unwrap();
    let t = tx.table(DOCS).unwrap();
    let mut old = Vec::new();
    for kv in tx
        .range(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)
        .unwrap()
    {
        let (k, v) = kv.unwrap();
        assert_eq!(v[0], 2, "new records are front-coded");
        old.push((k.to_vec(), string_list_value(&decode_doc(&v).unwrap())));
    }
    for (k, v) in &old {
        tx.insert(t, k, v).unwrap();
    }
    tx.commit().unwrap();
    old.len()
}

/// Every document record, decoded.
fn doc_recs(db: &Database) -> Vec<DocRec> {
    dump(db)
        .into_iter()
        .filter(|(t, _, _)| t == DOCS)
        .map(|(_, _, v)| decode_doc(&v).unwrap())
        .collect()
}

fn fill(db: &Database) {
    put(
        db,
        &doc("p", "v", "a"),
        "Règlement café",
        "",
        "shared words, sharp covers",
    );
    put(
        db,
        &doc("p", "v", "b"),
        "Übersicht",
        "coverage",
        "shared 规定 条款 cover",
    );
    put(db, &doc("p", "v", "c"), "other", "", "nothing shared here");
}

#[test]
fn documents_of_format_one_read_beside_format_two() {
    let (old, new) = (mem_db(), mem_db());
    fill(&old);
    fill(&new);
    assert_eq!(downgrade_docs(&old), 3);
    assert_eq!(doc_recs(&old), doc_recs(&new));
    assert_eq!(SearchIndex::new(&old).check().unwrap().nodes, 3);
    for q in ["shar*", "cover*", "规*", "règlement", "sha* AND 条款"] {
        assert_eq!(find(&old, q), find(&new, q), "{q}");
    }
    // A replaced and a removed node of format 1 leave no posting behind.
    for db in [&old, &new] {
        put(db, &doc("p", "v", "a"), "new title", "", "fresh words");
        assert!(SearchIndex::new(db)
            .remove_node(&doc("p", "v", "b"))
            .unwrap());
        SearchIndex::new(db).check().unwrap();
    }
    assert_eq!(doc_recs(&old), doc_recs(&new));
    assert!(find(&old, "shared").iter().all(|h| h.doc.node_id == "c"));
    assert!(find(&old, "规定").is_empty());
}
