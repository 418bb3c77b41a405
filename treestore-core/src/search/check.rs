//! The consistency check of the index: every table against the documents table, exactly. Used
//! by the tests after every change and available to integrity tooling.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;

use super::block::{decode_block, Posting};
use super::layout::{
    decode_doc, decode_node, decode_policy, decode_term, decode_version, docnum_parts, node_key,
    read_block_key_full, read_doc_key, read_settings, read_stats, read_term_key, Tables, SEQ_BITS,
};
use crate::db::ReadOps;
use crate::error::{Error, Result};
use crate::keys::KeyReader;

/// What the index holds, as [`check`] counted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IndexSummary {
    /// Indexed nodes.
    pub nodes: u64,
    /// Distinct terms.
    pub terms: u64,
    /// (term, node) postings.
    pub postings: u64,
    /// Posting blocks.
    pub blocks: u64,
    /// Policies with indexed nodes.
    pub policies: u64,
    /// Versions with indexed nodes.
    pub versions: u64,
}

/// Every posting of the index by term, in docnum order, whatever blocks hold them: for tests that
/// compare indexes whose blocks may be cut differently.
#[cfg(test)]
pub(crate) fn postings_by_term<R: ReadOps + ?Sized>(
    tx: &R,
) -> Result<BTreeMap<String, Vec<Posting>>> {
    let t = Tables::open(tx)?;
    let mut out: BTreeMap<String, Vec<Posting>> = BTreeMap::new();
    for_each_block(tx, &t, |term, _, block| {
        out.entry(term).or_default().extend(block);
        Ok(())
    })?;
    Ok(out)
}

/// Calls `f` with each posting block in key order: its term, its first docnum and its postings
/// decoded with their positions (a block without positions is a `Corruption` error).
fn for_each_block<R: ReadOps + ?Sized>(
    tx: &R,
    t: &Tables,
    mut f: impl FnMut(String, u64, Vec<Posting>) -> Result<()>,
) -> Result<()> {
    for kv in tx.range(t.postings, Bound::Unbounded, Bound::Unbounded)? {
        let (k, v) = kv?;
        let (term, first) = read_block_key_full(&k)?;
        let q = tx
            .get(t.positions, &k)?
            .ok_or_else(|| corrupt(format!("block {term:?}/{first} has no positions")))?;
        let block = decode_block(first, &v, &q)?;
        f(term, first, block)?;
    }
    Ok(())
}

fn corrupt(msg: String) -> Error {
    Error::corruption(format!("search index check: {msg}"))
}

/// Verifies that the postings, positions, term dictionary, statistics and numbering tables agree
/// exactly with the documents table; the first disagreement is a `Corruption` error. Reads the
/// whole index: meant for tests and integrity checks, not for request paths.
pub fn check<R: ReadOps + ?Sized>(tx: &R) -> Result<IndexSummary> {
    let t = Tables::open(tx)?;
    read_settings(tx, &t)?;
    let stats = read_stats(tx, &t)?;
    let mut summary = IndexSummary::default();

    // Documents: expected postings per term, lengths, and numbering.
    let mut expected: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut lens: HashMap<u64, [u64; 3]> = HashMap::new();
    let mut field_len = [0u64; 3];
    let mut per_version: HashMap<(String, String), (u64, u64, u64)> = HashMap::new();
    for kv in tx.range(t.docs, Bound::Unbounded, Bound::Unbounded)? {
        let (k, v) = kv?;
        let d = read_doc_key(&k)?;
        let rec = decode_doc(&v)?;
        summary.nodes += 1;
        let node = tx
            .get(t.nodes, &node_key(&rec.doc))?
            .ok_or_else(|| corrupt(format!("document {d} ({}) has no fts.nodes entry", rec.doc)))?;
        if decode_node(&node)? != d {
            return Err(corrupt(format!(
                "fts.nodes of {} points elsewhere than {d}",
                rec.doc
            )));
        }
        if rec.terms.windows(2).any(|w| w[0] >= w[1]) {
            return Err(corrupt(format!(
                "document {d}: terms not sorted and distinct"
            )));
        }
        for term in &rec.terms {
            expected.entry(term.clone()).or_default().push(d);
        }
        for (a, b) in field_len.iter_mut().zip(rec.field_len) {
            *a += b;
        }
        lens.insert(d, rec.field_len);
        let (p, v) = docnum_parts(d);
        let seq = d & ((1 << SEQ_BITS) - 1);
        let entry = per_version
            .entry((rec.doc.policy_id.clone(), rec.doc.version_id.clone()))
            .or_insert((p, v, 0));
        if (entry.0, entry.1) != (p, v) {
            return Err(corrupt(format!("version of {} has two numbers", rec.doc)));
        }
        entry.2 = entry.2.max(seq + 1);
    }
    if tx.table_len(t.nodes)? != summary.nodes {
        return Err(corrupt(format!(
            "fts.nodes has {} entries for {} documents",
            tx.table_len(t.nodes)?,
            summary.nodes
        )));
    }
    if stats.doc_count != summary.nodes || stats.field_len != field_len {
        return Err(corrupt(format!(
            "fts.stats says {} documents of lengths {:?}, the documents are {} of {:?}",
            stats.doc_count, stats.field_len, summary.nodes, field_len
        )));
    }
    check_numbering(tx, &t, &per_version, stats.next_policy, &mut summary)?;
    check_postings(tx, &t, &expected, &lens, &mut summary)?;
    check_terms(tx, &t, &expected, &mut summary)?;
    Ok(summary)
}

/// Policy and version records: exactly those with documents, numbers matching the docnums,
/// counters past every number used.
fn check_numbering<R: ReadOps + ?Sized>(
    tx: &R,
    t: &Tables,
    per_version: &HashMap<(String, String), (u64, u64, u64)>,
    next_policy: u64,
    summary: &mut IndexSummary,
) -> Result<()> {
    let mut policy_nums: HashMap<String, u64> = HashMap::new();
    let mut seen_nums = HashSet::new();
    for kv in tx.range(t.policies, Bound::Unbounded, Bound::Unbounded)? {
        let (k, v) = kv?;
        let id = KeyReader::new(&k).str()?.into_owned();
        let rec = decode_policy(&v)?;
        if rec.num >= next_policy || !seen_nums.insert(rec.num) {
            return Err(corrupt(format!(
                "policy {id:?} has number {} (next {next_policy})",
                rec.num
            )));
        }
        policy_nums.insert(id, rec.num);
        summary.policies += 1;
    }
    let mut policies_with_versions = HashSet::new();
    for kv in tx.range(t.versions, Bound::Unbounded, Bound::Unbounded)? {
        let (k, v) = kv?;
        let mut r = KeyReader::new(&k);
        let p = r.str()?.into_owned();
        let ver = r.str()?.into_owned();
        let rec = decode_version(&v)?;
        let Some(&(pn, vn, seqs)) = per_version.get(&(p.clone(), ver.clone())) else {
            return Err(corrupt(format!("version {p:?}/{ver:?} has no document")));
        };
        let policy = decode_policy(
            &tx.get(t.policies, &super::layout::str_key(&p))?
                .ok_or_else(|| corrupt(format!("version {p:?}/{ver:?} has no policy record")))?,
        )?;
        if policy.num != pn || rec.num != vn || rec.next_seq < seqs || policy.next_version <= vn {
            return Err(corrupt(format!(
                "numbers of version {p:?}/{ver:?} disagree with its documents"
            )));
        }
        policies_with_versions.insert(p);
        summary.versions += 1;
    }
    if summary.versions != per_version.len() as u64
        || policies_with_versions.len() != policy_nums.len()
    {
        return Err(corrupt(
            "policy and version records do not match the indexed documents".into(),
        ));
    }
    Ok(())
}

/// Postings and positions: sorted disjoint blocks holding exactly the expected documents.
fn check_postings<R: ReadOps + ?Sized>(
    tx: &R,
    t: &Tables,
    expected: &BTreeMap<String, Vec<u64>>,
    lens: &HashMap<u64, [u64; 3]>,
    summary: &mut IndexSummary,
) -> Result<()> {
    let mut actual: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for_each_block(tx, t, |term, first, block| {
        summary.blocks += 1;
        if block.first().map(|p| p.doc) != Some(first) {
            return Err(corrupt(format!("block {term:?}/{first} starts elsewhere")));
        }
        let docs = actual.entry(term.clone()).or_default();
        for p in &block {
            if docs.last().is_some_and(|&l| l >= p.doc) {
                return Err(corrupt(format!(
                    "term {term:?}: blocks overlap at {}",
                    p.doc
                )));
            }
            docs.push(p.doc);
            let Some(fl) = lens.get(&p.doc) else {
                return Err(corrupt(format!(
                    "term {term:?}: posting of missing document {}",
                    p.doc
                )));
            };
            if p.doc_len != fl.iter().sum::<u64>() {
                return Err(corrupt(format!(
                    "term {term:?}, document {}: stale length",
                    p.doc
                )));
            }
            for (positions, &len) in p.positions.iter().zip(fl) {
                if positions.last().is_some_and(|&x| u64::from(x) >= len) {
                    return Err(corrupt(format!(
                        "term {term:?}, document {}: position past the field",
                        p.doc
                    )));
                }
            }
        }
        summary.postings += block.len() as u64;
        Ok(())
    })?;
    if tx.table_len(t.positions)? != summary.blocks {
        return Err(corrupt(format!(
            "fts.positions has {} blocks, fts.postings {}",
            tx.table_len(t.positions)?,
            summary.blocks
        )));
    }
    if &actual != expected {
        let diff = expected
            .iter()
            .find(|(term, docs)| actual.get(*term) != Some(docs))
            .map(|(term, _)| term.clone())
            .or_else(|| actual.keys().find(|k| !expected.contains_key(*k)).cloned());
        return Err(corrupt(format!(
            "postings of term {diff:?} differ from the documents' term lists"
        )));
    }
    Ok(())
}

/// The term dictionary: exactly the posted terms, each with its document frequency.
fn check_terms<R: ReadOps + ?Sized>(
    tx: &R,
    t: &Tables,
    expected: &BTreeMap<String, Vec<u64>>,
    summary: &mut IndexSummary,
) -> Result<()> {
    let mut want = expected.iter();
    for kv in tx.range(t.terms, Bound::Unbounded, Bound::Unbounded)? {
        let (k, v) = kv?;
        let term = read_term_key(&k)?;
        let df = decode_term(&v)?;
        match want.next() {
            Some((w, docs)) if *w == term && docs.len() as u64 == df => {}
            _ => {
                return Err(corrupt(format!(
                    "fts.terms entry {term:?} (df {df}) does not match the postings"
                )))
            }
        }
        summary.terms += 1;
    }
    if let Some((w, _)) = want.next() {
        return Err(corrupt(format!(
            "term {w:?} has postings but no fts.terms entry"
        )));
    }
    Ok(())
}
