//! The record index: a second BM25 index, beside the node index, over the records agents write —
//! tool results, prompt template versions and trajectory steps — so that one query can search
//! documents, tool results and prompts together ([`crate::query::unified_search`]). The stores
//! that own the records call it inside the write transaction that stores or deletes them, so a
//! record and its index entry always commit together; deleting or purging a record removes its
//! entry and every posting.
//!
//! # Fields
//!
//! Each record is indexed as three fields weighted like a node's title, summary and text (the
//! database's [`FieldWeights`](crate::search::FieldWeights)):
//!
//! | kind              | title (3.0)              | summary (1.5)    | text (1.0)    |
//! |-------------------|--------------------------|------------------|---------------|
//! | `tool_result`     | `tool_name`              | `error_message`  | `result_data` |
//! | `prompt`          | `name`                   | `commit_message` | `template`    |
//! | `trajectory_step` | `tool_name` and `action` | `thought`        | `observation` |
//!
//! Text is analyzed as nodes are, under the database's stemming (recording the settings on first
//! use; the stemming then cannot change while records are indexed). Only the first
//! [`MAX_INDEXED_FIELD_BYTES`] of a field are indexed.
//!
//! # Scoring
//!
//! The query language and BM25 are the node index's (k1 = 1.2, b = 0.75, FTS5's IDF and field
//! weighting), with the statistics (N, avgdl, n_i) of each kind taken over the records of that
//! kind only: each kind is a collection of its own. Every match is scored (no top-k pruning: the
//! unified search pages by score across kinds).
//!
//! # Tables
//!
//! Keys are [`crate::keys`] tuples; `kind` is a `u32` (1 tool result, 2 prompt, 3 trajectory
//! step) and `id...` the record's id elements: `(execution_id)`, `(name, version: u32)`,
//! `(trajectory_id, step_number: u32)`. Values start with a format byte (1); integers are LEB128.
//!
//! | table              | key                    | value                                                      |
//! |--------------------|------------------------|------------------------------------------------------------|
//! | `fts.rec_docs`     | `(kind, id...)`        | policy_id?, case_id?, tokens per field (3), distinct terms (sorted list) |
//! | `fts.rec_postings` | `(kind, term, id...)`  | record tokens (all fields), then per field: tf, tf position gaps |
//! | `fts.rec_stats`    | `(kind)`               | records of the kind, their tokens, then (when any) pending records and their bytes; absent when none |
//! | `fts.rec_stats`    | `(kind, id...)`        | a pending record: policy_id?, case_id?, tokens per field (3), its distinct terms (sorted) each with its posting bytes |
//!
//! A kind's postings of a term are one key range, and a prefix query's one range over every term
//! it expands to. A stored record first stays pending (its entry and postings in one value beside
//! the statistics, so a store dirties one small tree of the index) until its kind has
//! 64 pending records or 256 KiB of them; then one store merges them all (see `write.rs`).
//! Invariant after every write: each term in a record's list has exactly one posting, merged or
//! pending (never both), no other posting exists, and the statistics are the sums over the
//! entries and pending values; [`check_records`] verifies all of it.

mod check;
mod layout;
mod model;
mod read;
mod write;

#[cfg(test)]
mod tests;

pub use check::{check_records, RecordIndexSummary};
pub use model::{RecordKind, RecordRef};
pub use write::MAX_INDEXED_FIELD_BYTES;

pub(crate) use model::{KindHits, RecordFilter, RecordHit, RecordText};
pub(crate) use write::{
    analyze_record, index_analyzed, index_record, record_count, remove_record, AnalyzedRecord,
};

#[cfg(test)]
pub(crate) use layout::ALL_TABLES;

use crate::db::ReadOps;
use crate::error::Result;

/// Parses `query` under the database's stemming and scores the records of each of `kinds`
/// passing `filter`; returns each kind's hits and score bound.
pub(crate) fn search_records<R: ReadOps + ?Sized>(
    tx: &R,
    query: &str,
    kinds: &[RecordKind],
    filter: &RecordFilter<'_>,
) -> Result<Vec<(RecordKind, KindHits)>> {
    let settings = super::settings(tx)?;
    let parsed = super::query::parse(query, settings.stemming)?;
    let weights = settings.weights.as_array();
    kinds
        .iter()
        .map(|&k| read::search_kind(tx, &parsed, weights, k, filter).map(|h| (k, h)))
        .collect()
}
