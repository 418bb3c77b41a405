//! The consistency check of the record index: postings and statistics against the entries,
//! exactly.

use std::collections::HashMap;

use super::layout::{decode_doc, decode_posting, read_stats, Stats, Tables};
use super::model::{kind_from_code, RecordKind, RecordRef};
use super::write::pending_of;
use crate::db::ReadOps;
use crate::error::{Error, Result};
use crate::keys::KeyReader;

/// What the record index holds, as [`check_records`] counted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordIndexSummary {
    /// Indexed records, of every kind.
    pub records: u64,
    /// (term, record) postings.
    pub postings: u64,
}

fn corrupt(msg: String) -> Error {
    Error::corruption(format!("record index check: {msg}"))
}

/// Verifies that each entry's terms have exactly one posting each (merged or pending, never
/// both), holding the entry's length, that no other posting exists, and that each kind's
/// statistics are the sums over its entries and pending records;
/// the first disagreement is a `Corruption` error naming the record. Reads the whole index.
pub fn check_records<R: ReadOps + ?Sized>(tx: &R) -> Result<RecordIndexSummary> {
    let t = Tables::open(tx)?;
    // Expected postings: (kind code, term, id bytes) -> record length.
    let mut expected: HashMap<(u32, String, Vec<u8>), u64> = HashMap::new();
    let mut sums: HashMap<u32, Stats> = HashMap::new();
    for kv in tx.prefix(t.docs, &[])? {
        let (k, v) = kv?;
        let mut r = KeyReader::new(&k);
        let code = r.u32()?;
        let kind = kind_from_code(code)?;
        let id = r.rest().to_vec();
        let rec = RecordRef::read_id(kind, &id)?;
        let doc = decode_doc(&v).map_err(|e| e.context(format!("record {}", rec.id())))?;
        let len: u64 = doc.field_len.iter().sum();
        let s = sums.entry(code).or_default();
        s.doc_count += 1;
        s.tokens += len;
        for term in doc.terms {
            expected.insert((code, term, id.clone()), len);
        }
    }
    let mut postings = 0u64;
    for kind in RecordKind::ALL {
        let s = sums.entry(kind.code()).or_default();
        for (id, doc) in pending_of(tx, &t, kind)? {
            let name = RecordRef::read_id(kind, &id)?.id();
            let len: u64 = doc.field_len.iter().sum();
            s.doc_count += 1;
            s.tokens += len;
            s.pending += 1;
            s.pending_bytes += pending_len(&doc);
            for (term, _) in &doc.postings {
                let key = (kind.code(), term.clone(), id.clone());
                if expected.insert(key, len).is_some() {
                    return Err(corrupt(format!(
                        "{} {name} is both pending and merged",
                        kind.name()
                    )));
                }
            }
            for (term, v) in doc.postings {
                check_posting(&mut expected, (kind.code(), term, id.clone()), &name, &v)?;
                postings += 1;
            }
        }
    }
    for kv in tx.prefix(t.postings, &[])? {
        let (k, v) = kv?;
        let mut r = KeyReader::new(&k);
        let code = r.u32()?;
        let kind = kind_from_code(code)?;
        let term = r.str()?.into_owned();
        let id = r.rest().to_vec();
        let name = RecordRef::read_id(kind, &id)?.id();
        check_posting(&mut expected, (code, term, id), &name, &v)?;
        postings += 1;
    }
    if let Some(((code, term, id), _)) = expected.into_iter().next() {
        let kind = kind_from_code(code)?;
        let name = RecordRef::read_id(kind, &id)?.id();
        return Err(corrupt(format!(
            "{} {name} lacks its posting of {term:?}",
            kind.name()
        )));
    }
    let mut records = 0;
    for kind in RecordKind::ALL {
        let want = sums.get(&kind.code()).copied().unwrap_or_default();
        let got = read_stats(tx, &t, kind)?;
        if got != want {
            return Err(corrupt(format!(
                "statistics of {} are {got:?}, the entries sum to {want:?}",
                kind.name()
            )));
        }
        records += want.doc_count;
    }
    Ok(RecordIndexSummary { records, postings })
}

/// The bytes of a pending record's value (what the statistics count).
fn pending_len(doc: &super::layout::PendingDoc) -> u64 {
    super::layout::encode_pending(doc).len() as u64
}

/// Checks one posting (merged or pending) against the entries' expectations and crosses it off.
fn check_posting(
    expected: &mut HashMap<(u32, String, Vec<u8>), u64>,
    key: (u32, String, Vec<u8>),
    name: &str,
    v: &[u8],
) -> Result<()> {
    let kind = kind_from_code(key.0)?;
    let term = key.1.clone();
    let Some(len) = expected.remove(&key) else {
        return Err(corrupt(format!(
            "posting of {term:?} in {} {name} is stale (or both pending and merged)",
            kind.name()
        )));
    };
    let p = decode_posting(v, true)?;
    if p.doc_len != len || p.tf().iter().all(|&n| n == 0) {
        return Err(corrupt(format!(
            "posting of {term:?} in {} {name} holds length {} and tf {:?}; the entry has {len}",
            kind.name(),
            p.doc_len,
            p.tf()
        )));
    }
    Ok(())
}
