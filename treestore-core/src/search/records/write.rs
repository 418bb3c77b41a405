//! Indexing and removing records, inside the caller's write transaction.

use std::collections::BTreeMap;

use super::layout::{
    decode_doc, doc_key, encode_doc, encode_posting, posting_key, read_stats, write_stats, DocRec,
    Posting, Tables,
};
use super::model::{RecordRef, RecordText};
use crate::db::{ReadOps, WriteTxn};
use crate::error::Result;
use crate::search::analyze::for_each_term;
use crate::search::write::settings_for_record;

/// Longest prefix of a field that is indexed, in bytes: words past it are not searchable (a tool
/// result may hold 16 MiB of JSON; indexing all of it would make storing it slow).
pub const MAX_INDEXED_FIELD_BYTES: usize = 1 << 20;

/// Indexes a record, replacing its previous entry. `fresh` says the record cannot have one (a
/// newly generated id), which saves a lookup.
pub(crate) fn index_record(tx: &mut WriteTxn, r: &RecordText<'_>, fresh: bool) -> Result<()> {
    let stemming = settings_for_record(tx)?.stemming;
    let t = Tables::open(tx)?;
    let kind = r.rec.kind();
    let mut stats = read_stats(tx, &t, kind)?;
    if !fresh {
        if let Some(old) = remove_entry(tx, &t, r.rec)? {
            stats.doc_count = stats.doc_count.saturating_sub(1);
            stats.tokens = stats.tokens.saturating_sub(old.field_len.iter().sum());
        }
    }
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
    let mut names = Vec::with_capacity(terms.len());
    for (term, positions) in terms {
        let posting = Posting { doc_len, positions };
        tx.insert(
            t.postings,
            &posting_key(r.rec, &term),
            &encode_posting(&posting),
        )?;
        names.push(term);
    }
    let doc = DocRec {
        policy_id: r.policy_id.map(str::to_string),
        case_id: r.case_id.map(str::to_string),
        field_len,
        terms: names,
    };
    tx.insert(t.docs, &doc_key(r.rec), &encode_doc(&doc))?;
    stats.doc_count += 1;
    stats.tokens += doc_len;
    write_stats(tx, &t, kind, &stats)
}

/// Removes a record's entry and postings; returns whether it had one.
pub(crate) fn remove_record(tx: &mut WriteTxn, rec: &RecordRef) -> Result<bool> {
    let t = Tables::open(tx)?;
    let Some(old) = remove_entry(tx, &t, rec)? else {
        return Ok(false);
    };
    let mut stats = read_stats(tx, &t, rec.kind())?;
    stats.doc_count = stats.doc_count.saturating_sub(1);
    stats.tokens = stats.tokens.saturating_sub(old.field_len.iter().sum());
    write_stats(tx, &t, rec.kind(), &stats)?;
    Ok(true)
}

/// Deletes the entry and postings of `rec`, returning the entry; statistics are the caller's.
fn remove_entry(tx: &mut WriteTxn, t: &Tables, rec: &RecordRef) -> Result<Option<DocRec>> {
    let key = doc_key(rec);
    let old = match tx.get(t.docs, &key)? {
        Some(v) => decode_doc(&v).map_err(|e| e.context(format!("record {}", rec.id())))?,
        None => return Ok(None),
    };
    for term in &old.terms {
        tx.remove(t.postings, &posting_key(rec, term))?;
    }
    tx.remove(t.docs, &key)?;
    Ok(Some(old))
}

/// Records of every kind in the index.
pub(crate) fn record_count<R: ReadOps + ?Sized>(tx: &R) -> Result<u64> {
    let t = Tables::open(tx)?;
    let mut n = 0;
    for kind in super::model::RecordKind::ALL {
        n += read_stats(tx, &t, kind)?.doc_count;
    }
    Ok(n)
}
