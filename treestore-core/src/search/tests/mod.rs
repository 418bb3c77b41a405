//! Tests of the search store on the memory file system.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod bm25;
mod damaged;
mod doc_format;
mod fts5;
mod model;
mod perf;
mod reuse;
mod semantics;
mod stale;

use std::sync::Arc;

use super::layout::ALL_TABLES;
use super::*;
use crate::db::{Database, Options, ReadOps};
use crate::storage::vfs::MemVfs;

pub(super) fn mem_db() -> Database {
    Database::open(
        "/search.db",
        Options {
            vfs: Arc::new(MemVfs::new()),
            ..Options::default()
        },
    )
    .unwrap()
}

pub(super) fn doc(p: &str, v: &str, n: &str) -> DocRef {
    DocRef::new(p, v, n)
}

/// Indexes one node with the three fields in its own transaction.
pub(super) fn put(db: &Database, d: &DocRef, title: &str, summary: &str, text: &str) {
    SearchIndex::new(db)
        .index_node(
            d,
            &[
                (Field::Title, title),
                (Field::Summary, summary),
                (Field::Text, text),
            ],
        )
        .unwrap();
}

pub(super) fn find(db: &Database, q: &str) -> Vec<SearchHit> {
    SearchIndex::new(db)
        .search(q, &SearchOptions::with_limit(1000))
        .unwrap()
}

/// The node ids of the hits, best first.
pub(super) fn ids(hits: &[SearchHit]) -> Vec<String> {
    hits.iter().map(|h| h.doc.node_id.clone()).collect()
}

/// The node ids of the hits, sorted.
pub(super) fn id_set(hits: &[SearchHit]) -> Vec<String> {
    let mut v = ids(hits);
    v.sort();
    v
}

/// Every entry of every `fts.*` table, for comparing whole index states.
pub(super) fn dump(db: &Database) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let r = db.begin_read().unwrap();
    let mut out = Vec::new();
    for name in ALL_TABLES {
        let t = r.table(name).unwrap();
        for kv in r
            .range(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)
            .unwrap()
        {
            let (k, v) = kv.unwrap();
            out.push((name.to_string(), k.to_vec(), v.to_vec()));
        }
    }
    out
}

/// Entries per `fts.*` table.
pub(super) fn table_sizes(db: &Database) -> Vec<(&'static str, u64)> {
    let r = db.begin_read().unwrap();
    ALL_TABLES
        .iter()
        .map(|&name| {
            let t = r.table(name).unwrap();
            (name, r.table_len(t).unwrap())
        })
        .collect()
}

pub(super) fn assert_close(a: f64, b: f64, what: &str) {
    let tol = 1e-9 * a.abs().max(b.abs()).max(1.0);
    assert!((a - b).abs() <= tol, "{what}: {a} != {b}");
}

pub(super) use crate::rng::Rng;
