//! Indexing and removing records, inside the caller's write transaction.
//!
//! A record's entry and postings are first stored together, as one pending value in
//! `fts.rec_stats` beside its kind's statistics, so that storing a record dirties that one small
//! tree instead of the entry's place in `fts.rec_docs` and one posting per distinct term scattered
//! over `fts.rec_postings` (a tool result of a dozen terms dirtied a dozen leaves there and their
//! branches, most of a commit's pages). Once [`PENDING_MAX_RECORDS`] records or
//! [`PENDING_MAX_BYTES`] bytes are pending in a kind, the store that adds the next one merges them
//! all into `fts.rec_docs` and `fts.rec_postings`, where postings of the same term share leaves.
//! Searches and removals read pending records beside the merged ones.

use std::collections::BTreeMap;

use super::layout::{
    decode_doc, decode_pending, doc_key, encode_doc, encode_pending, encode_posting, pending_key,
    posting_key, read_stats, stats_key, term_prefix, write_stats, PendingDoc, Posting, Stats,
    Tables,
};
use super::model::{RecordKind, RecordRef, RecordText};
use crate::db::{ReadOps, WriteTxn};
use crate::error::Result;
use crate::search::analyze::for_each_term;
use crate::search::model::Stemming;
use crate::search::write::settings_for_record;

/// Longest prefix of a field that is indexed, in bytes: words past it are not searchable (a tool
/// result may hold 16 MiB of JSON; indexing all of it would make storing it slow).
pub const MAX_INDEXED_FIELD_BYTES: usize = 1 << 20;

/// Pending records of a kind that trigger a merge into `fts.rec_postings`.
pub(crate) const PENDING_MAX_RECORDS: u64 = 64;
/// Bytes of pending values of a kind that trigger a merge (a search reads them all).
pub(crate) const PENDING_MAX_BYTES: u64 = 256 << 10;

/// A record's text analyzed without the write transaction: its pending value, ready to insert.
/// A combined write ([`crate::Database::write_combined`]) makes it on the caller's thread before
/// queueing, so the leader that applies the group only inserts it.
#[derive(Debug, Clone)]
pub(crate) struct AnalyzedRecord {
    /// The stemming the terms were made with; the index's at the time of the write must match.
    stemming: Stemming,
    /// Tokens over the three fields.
    tokens: u64,
    /// The `fts.rec_stats` pending value.
    value: Vec<u8>,
}

/// Analyzes `r` under `stemming` into the pending value [`index_analyzed`] stores.
pub(crate) fn analyze_record(r: &RecordText<'_>, stemming: Stemming) -> AnalyzedRecord {
    let mut terms: BTreeMap<String, [Vec<u32>; 3]> = BTreeMap::new();
    let mut field_len = [0u64; 3];
    for (f, text) in r.fields.iter().enumerate() {
        let text = crate::utf8::truncate(text, MAX_INDEXED_FIELD_BYTES);
        for_each_term(text, stemming, |term, pos| {
            field_len[f] += 1;
            match terms.get_mut(term) {
                Some(p) => p[f].push(pos),
                None => {
                    let mut p: [Vec<u32>; 3] = Default::default();
                    p[f].push(pos);
                    terms.insert(term.to_string(), p);
                }
            }
        });
    }
    let doc_len: u64 = field_len.iter().sum();
    let pending = PendingDoc {
        policy_id: r.policy_id.map(str::to_string),
        case_id: r.case_id.map(str::to_string),
        field_len,
        postings: terms
            .into_iter()
            .map(|(term, positions)| {
                let posting = encode_posting(&Posting { doc_len, positions });
                (term, posting)
            })
            .collect(),
    };
    AnalyzedRecord {
        stemming,
        tokens: doc_len,
        value: encode_pending(&pending),
    }
}

/// Indexes a record, replacing its previous entry. `fresh` says the record cannot have one (a
/// newly generated id), which saves a lookup.
pub(crate) fn index_record(tx: &mut WriteTxn, r: &RecordText<'_>, fresh: bool) -> Result<()> {
    let stemming = settings_for_record(tx)?.stemming;
    index_analyzed(tx, r, &analyze_record(r, stemming), fresh)
}

/// Indexes a record analyzed beforehand as `a` (analyzed again when the index's stemming is not
/// the one `a` was made with), replacing its previous entry unless `fresh`.
pub(crate) fn index_analyzed(
    tx: &mut WriteTxn,
    r: &RecordText<'_>,
    a: &AnalyzedRecord,
    fresh: bool,
) -> Result<()> {
    let stemming = settings_for_record(tx)?.stemming;
    if stemming != a.stemming {
        return index_analyzed(tx, r, &analyze_record(r, stemming), fresh);
    }
    let t = Tables::open(tx)?;
    let kind = r.rec.kind();
    let mut stats = read_stats(tx, &t, kind)?;
    if !fresh {
        if let Some(old) = remove_entry(tx, &t, r.rec)? {
            forget(&mut stats, &old);
        }
    }
    tx.insert(t.stats, &pending_key(r.rec), &a.value)?;
    stats.doc_count += 1;
    stats.tokens += a.tokens;
    stats.pending += 1;
    stats.pending_bytes += a.value.len() as u64;
    if stats.pending >= PENDING_MAX_RECORDS || stats.pending_bytes >= PENDING_MAX_BYTES {
        merge_pending(tx, &t, kind)?;
        stats.pending = 0;
        stats.pending_bytes = 0;
    }
    write_stats(tx, &t, kind, &stats)
}

/// Moves every pending record of `kind` into `fts.rec_docs` and `fts.rec_postings`; the
/// statistics are the caller's.
fn merge_pending(tx: &mut WriteTxn, t: &Tables, kind: RecordKind) -> Result<()> {
    for (id, doc) in pending_of(tx, t, kind)? {
        for (term, posting) in &doc.postings {
            let mut key = term_prefix(kind, term);
            key.extend_from_slice(&id);
            tx.insert(t.postings, &key, posting)?;
        }
        let mut key = stats_key(kind);
        key.extend_from_slice(&id);
        tx.insert(t.docs, &key, &encode_doc(&doc.entry()))?;
        tx.remove(t.stats, &key)?;
    }
    Ok(())
}

/// The pending records of `kind`: the id part of their keys and their postings.
pub(crate) fn pending_of<R: ReadOps + ?Sized>(
    tx: &R,
    t: &Tables,
    kind: RecordKind,
) -> Result<Vec<(Vec<u8>, PendingDoc)>> {
    let prefix = stats_key(kind);
    let mut out = Vec::new();
    for kv in tx.prefix(t.stats, &prefix)? {
        let (k, v) = kv?;
        if k.len() == prefix.len() {
            continue; // the statistics
        }
        let id = k[prefix.len()..].to_vec();
        let doc = decode_pending(&v).map_err(|e| {
            let name = RecordRef::read_id(kind, &id).map_or_else(|_| format!("{id:?}"), |r| r.id());
            e.context(format!("pending {} {name}", kind.name()))
        })?;
        out.push((id, doc));
    }
    Ok(out)
}

/// What removing the entry of a record took away.
struct Removed {
    tokens: u64,
    /// The bytes of its pending value, when its postings were pending.
    pending_bytes: Option<u64>,
}

fn forget(stats: &mut Stats, old: &Removed) {
    stats.doc_count = stats.doc_count.saturating_sub(1);
    stats.tokens = stats.tokens.saturating_sub(old.tokens);
    if let Some(bytes) = old.pending_bytes {
        stats.pending = stats.pending.saturating_sub(1);
        stats.pending_bytes = stats.pending_bytes.saturating_sub(bytes);
    }
}

/// Removes a record's entry and postings; returns whether it had one.
pub(crate) fn remove_record(tx: &mut WriteTxn, rec: &RecordRef) -> Result<bool> {
    let t = Tables::open(tx)?;
    let Some(old) = remove_entry(tx, &t, rec)? else {
        return Ok(false);
    };
    let mut stats = read_stats(tx, &t, rec.kind())?;
    forget(&mut stats, &old);
    write_stats(tx, &t, rec.kind(), &stats)?;
    Ok(true)
}

/// Deletes the entry and postings (pending or merged) of `rec`; statistics are the caller's.
fn remove_entry(tx: &mut WriteTxn, t: &Tables, rec: &RecordRef) -> Result<Option<Removed>> {
    let key = doc_key(rec);
    let pkey = pending_key(rec);
    if let Some(v) = tx.get(t.stats, &pkey)? {
        let pending_bytes = v.len() as u64;
        let old = decode_pending(&v).map_err(|e| e.context(format!("record {}", rec.id())))?;
        tx.remove(t.stats, &pkey)?;
        return Ok(Some(Removed {
            tokens: old.field_len.iter().sum(),
            pending_bytes: Some(pending_bytes),
        }));
    }
    let old = match tx.get(t.docs, &key)? {
        Some(v) => decode_doc(&v).map_err(|e| e.context(format!("record {}", rec.id())))?,
        None => return Ok(None),
    };
    for term in &old.terms {
        tx.remove(t.postings, &posting_key(rec, term))?;
    }
    tx.remove(t.docs, &key)?;
    Ok(Some(Removed {
        tokens: old.field_len.iter().sum(),
        pending_bytes: None,
    }))
}

/// Records of every kind in the index.
pub(crate) fn record_count<R: ReadOps + ?Sized>(tx: &R) -> Result<u64> {
    let t = Tables::open(tx)?;
    let mut n = 0;
    for kind in RecordKind::ALL {
        n += read_stats(tx, &t, kind)?.doc_count;
    }
    Ok(n)
}
