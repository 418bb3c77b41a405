//! Running a parsed query over the records of one kind: each leaf's postings gathered whole
//! (record sets are small next to the node index, and a unified search pages by score, so every
//! match is scored), the boolean tree evaluated per candidate, BM25 as the node index scores.
//! Postings still pending (see `write.rs`) are read beside the merged ones.

use std::collections::{HashMap, HashSet};

use super::layout::{
    decode_doc, decode_posting, read_stats, term_prefix, term_start_prefix, PendingDoc, Posting,
    Tables,
};
use super::model::{kind_from_code, KindHits, RecordFilter, RecordHit, RecordKind, RecordRef};
use super::write::pending_of;
use crate::db::ReadOps;
use crate::error::Result;
use crate::keys::KeyReader;
use crate::search::query::{scoring_leaves, Leaf, Parsed, Query};
use crate::search::read::{bm25_term, idf, K1};

/// What one leaf found in one record.
#[derive(Debug, Clone, Default)]
struct Match {
    doc_len: u64,
    tf: [u32; 3],
    /// Index terms of the leaf found in the record.
    terms: Vec<String>,
}

/// A leaf's matches, by the id part of the record's keys.
type LeafMatches = HashMap<Vec<u8>, Match>;

/// The postings one search reads: the merged table and the pending records of the kind.
struct Source<'a, R: ?Sized> {
    tx: &'a R,
    t: Tables,
    kind: RecordKind,
    pending: Vec<(Vec<u8>, PendingDoc)>,
}

/// Scores every record of `kind` matching `parsed` and passing `filter`, with the database's
/// field `weights`.
pub(crate) fn search_kind<R: ReadOps + ?Sized>(
    tx: &R,
    parsed: &Parsed,
    weights: [f64; 3],
    kind: RecordKind,
    filter: &RecordFilter<'_>,
) -> Result<KindHits> {
    let t = Tables::open(tx)?;
    let stats = read_stats(tx, &t, kind)?;
    if stats.doc_count == 0 {
        return Ok(KindHits::default());
    }
    let avgdl = stats.tokens as f64 / stats.doc_count as f64;
    let src = Source {
        tx,
        t,
        kind,
        pending: if stats.pending > 0 {
            pending_of(tx, &t, kind)?
        } else {
            Vec::new()
        },
    };
    let mut leaves = Vec::with_capacity(parsed.leaves.len());
    for leaf in &parsed.leaves {
        leaves.push(leaf_matches(&src, leaf)?);
    }
    let idfs: Vec<f64> = leaves
        .iter()
        .map(|m| idf(stats.doc_count, m.len() as u64))
        .collect();
    let bound = scoring_leaves(&parsed.root)
        .iter()
        .filter_map(|&i| idfs.get(i))
        .map(|idf| idf * (K1 + 1.0))
        .sum();
    let candidates: HashSet<&Vec<u8>> = leaves.iter().flat_map(|m| m.keys()).collect();
    let mut hits = Vec::new();
    let mut contributing = Vec::new();
    for id in candidates {
        if !matches(&parsed.root, id, &leaves) || !passes(&src, id, filter)? {
            continue;
        }
        contributing.clear();
        contributions(&parsed.root, id, &leaves, &mut contributing);
        contributing.sort_unstable();
        let mut hit = RecordHit {
            rec: RecordRef::read_id(kind, id)?,
            score: 0.0,
            matched_terms: Vec::new(),
            matched_fields: [false; 3],
        };
        for &i in &contributing {
            let (Some(m), Some(&idf)) = (leaves.get(i).and_then(|l| l.get(id)), idfs.get(i)) else {
                continue;
            };
            let wtf: f64 = weights
                .iter()
                .zip(m.tf)
                .map(|(w, n)| w * f64::from(n))
                .sum();
            hit.score += bm25_term(idf, wtf, m.doc_len as f64, avgdl);
            hit.matched_terms.extend(m.terms.iter().cloned());
            for (f, n) in m.tf.iter().enumerate() {
                hit.matched_fields[f] |= *n > 0;
            }
        }
        hit.matched_terms.sort_unstable();
        hit.matched_terms.dedup();
        hits.push(hit);
    }
    Ok(KindHits { hits, bound })
}

/// Whether the record passes the policy and case filters (read from its entry only when set).
fn passes<R: ReadOps + ?Sized>(
    src: &Source<'_, R>,
    id: &[u8],
    filter: &RecordFilter<'_>,
) -> Result<bool> {
    if filter.policy_id.is_none() && filter.case_id.is_none() {
        return Ok(true);
    }
    let (policy, case) = match src.pending.iter().find(|(p, _)| p == id) {
        Some((_, doc)) => (doc.policy_id.clone(), doc.case_id.clone()),
        None => {
            let mut key = crate::keys::KeyBuilder::new().u32(src.kind.code()).finish();
            key.extend_from_slice(id);
            let Some(v) = src.tx.get(src.t.docs, &key)? else {
                return Err(crate::error::Error::corruption(format!(
                    "fts.rec_postings: a posting names record {}, which has no entry",
                    RecordRef::read_id(src.kind, id)?.id()
                )));
            };
            let doc = decode_doc(&v)?;
            (doc.policy_id, doc.case_id)
        }
    };
    Ok(filter
        .policy_id
        .is_none_or(|p| policy.as_deref() == Some(p))
        && filter.case_id.is_none_or(|c| case.as_deref() == Some(c)))
}

/// The records one leaf matches, with its term frequencies there.
fn leaf_matches<R: ReadOps + ?Sized>(src: &Source<'_, R>, leaf: &Leaf) -> Result<LeafMatches> {
    match leaf {
        Leaf::Term(term) => term_matches(src, term, false).map(|m| {
            m.into_iter()
                .map(|(id, p)| {
                    let m = Match {
                        doc_len: p.doc_len,
                        tf: p.tf(),
                        terms: vec![term.clone()],
                    };
                    (id, m)
                })
                .collect()
        }),
        Leaf::Prefix(prefix) => prefix_matches(src, prefix),
        Leaf::Phrase(words) => phrase_matches(src, words),
    }
}

/// The postings of `term` in records of the kind, by record id.
fn term_matches<R: ReadOps + ?Sized>(
    src: &Source<'_, R>,
    term: &str,
    with_positions: bool,
) -> Result<HashMap<Vec<u8>, Posting>> {
    let prefix = term_prefix(src.kind, term);
    let mut out = HashMap::new();
    for kv in src.tx.prefix(src.t.postings, &prefix)? {
        let (k, v) = kv?;
        let id = k.get(prefix.len()..).unwrap_or_default().to_vec();
        out.insert(id, decode_posting(&v, with_positions)?);
    }
    for (id, doc) in &src.pending {
        if let Ok(i) = doc.postings.binary_search_by(|(t, _)| t.as_str().cmp(term)) {
            out.insert(
                id.clone(),
                decode_posting(&doc.postings[i].1, with_positions)?,
            );
        }
    }
    Ok(out)
}

/// Adds one posting of an expansion `term` of a prefix query to the matches.
fn add_expansion(out: &mut LeafMatches, id: Vec<u8>, term: String, p: &Posting) {
    let m = out.entry(id).or_default();
    m.doc_len = p.doc_len;
    for (sum, n) in m.tf.iter_mut().zip(p.tf()) {
        *sum = sum.saturating_add(n);
    }
    m.terms.push(term);
}

/// Every record holding a term that starts with `prefix`, the term frequencies summed over the
/// expansions it holds.
fn prefix_matches<R: ReadOps + ?Sized>(src: &Source<'_, R>, prefix: &str) -> Result<LeafMatches> {
    let mut out: LeafMatches = HashMap::new();
    for kv in src
        .tx
        .prefix(src.t.postings, &term_start_prefix(src.kind, prefix))?
    {
        let (k, v) = kv?;
        let mut r = KeyReader::new(&k);
        kind_from_code(r.u32()?)?;
        let term = r.str()?.into_owned();
        let id = r.rest().to_vec();
        add_expansion(&mut out, id, term, &decode_posting(&v, false)?);
    }
    for (id, doc) in &src.pending {
        for (term, posting) in doc.postings.iter().filter(|(t, _)| t.starts_with(prefix)) {
            let p = decode_posting(posting, false)?;
            add_expansion(&mut out, id.clone(), term.clone(), &p);
        }
    }
    Ok(out)
}

/// Records holding the words of the phrase one after the other in one field; the tf of a field
/// is the number of places the phrase starts there.
fn phrase_matches<R: ReadOps + ?Sized>(
    src: &Source<'_, R>,
    words: &[String],
) -> Result<LeafMatches> {
    let mut lists = Vec::with_capacity(words.len());
    for w in words {
        let list = term_matches(src, w, true)?;
        if list.is_empty() {
            return Ok(HashMap::new());
        }
        lists.push(list);
    }
    let Some((first, rest)) = lists.split_first() else {
        return Ok(HashMap::new());
    };
    let mut out = HashMap::new();
    for (id, p0) in first {
        let others: Option<Vec<_>> = rest.iter().map(|l| l.get(id)).collect();
        let Some(others) = others else { continue };
        let mut tf = [0u32; 3];
        for (f, count) in tf.iter_mut().enumerate() {
            *count = p0.positions[f]
                .iter()
                .filter(|&&start| {
                    others.iter().enumerate().all(|(j, p)| {
                        let want = start.checked_add(j as u32 + 1);
                        want.is_some_and(|w| p.positions[f].binary_search(&w).is_ok())
                    })
                })
                .count() as u32;
        }
        if tf.iter().any(|&n| n > 0) {
            let m = Match {
                doc_len: p0.doc_len,
                tf,
                terms: words.to_vec(),
            };
            out.insert(id.clone(), m);
        }
    }
    Ok(out)
}

/// Whether the query matches the record `id`.
fn matches(q: &Query, id: &[u8], leaves: &[LeafMatches]) -> bool {
    match q {
        Query::Leaf(i) => leaves.get(*i).is_some_and(|m| m.contains_key(id)),
        Query::And(c) => c.iter().all(|x| matches(x, id, leaves)),
        Query::Or(c) => c.iter().any(|x| matches(x, id, leaves)),
        Query::Not(a, b) => matches(a, id, leaves) && !matches(b, id, leaves),
    }
}

/// The leaves that count towards the score of a matching record: those of the branches that
/// match it, never the right side of a `NOT` (as FTS5 and the node index count them).
fn contributions(q: &Query, id: &[u8], leaves: &[LeafMatches], out: &mut Vec<usize>) {
    if !matches(q, id, leaves) {
        return;
    }
    match q {
        Query::Leaf(i) => out.push(*i),
        Query::And(c) | Query::Or(c) => {
            for x in c {
                contributions(x, id, leaves, out);
            }
        }
        Query::Not(a, _) => contributions(a, id, leaves, out),
    }
}
