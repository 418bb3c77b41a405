//! Table names, key builders, document numbers and the records of every table but the postings
//! (see `block`). The byte layouts are documented in the module doc of [`crate::search`].

use super::doc_terms;
use super::model::{DocRef, FieldWeights, SearchSettings, Stemming};
use crate::codec::{Decoder, Encoder};
use crate::db::{ReadOps, Table, WriteTxn};
use crate::error::{Error, ErrorKind, Result};
use crate::keys::{KeyBuilder, KeyReader};

pub(crate) const SETTINGS: &str = "fts.settings";
pub(crate) const STATS: &str = "fts.stats";
pub(crate) const POLICIES: &str = "fts.policies";
pub(crate) const VERSIONS: &str = "fts.versions";
pub(crate) const NODES: &str = "fts.nodes";
pub(crate) const DOCS: &str = "fts.docs";
pub(crate) const TERMS: &str = "fts.terms";
pub(crate) const POSTINGS: &str = "fts.postings";
pub(crate) const POSITIONS: &str = "fts.positions";

/// Every table of the store.
#[cfg(test)]
pub(crate) const ALL_TABLES: [&str; 9] = [
    SETTINGS, STATS, POLICIES, VERSIONS, NODES, DOCS, TERMS, POSTINGS, POSITIONS,
];

/// Format version byte at the start of every record.
const FORMAT: u8 = 1;

// Document numbers: policy number (24 bits) | version number (20 bits) | node sequence (20 bits).
// A policy's documents, and a version's, are one contiguous docnum range, so a search within
// a scope reads only that range of each posting list.
pub(crate) const VERSION_BITS: u32 = 20;
pub(crate) const SEQ_BITS: u32 = 20;
/// Most policies numbered while the index is not empty.
pub(crate) const MAX_POLICIES: u64 = 1 << 24;
/// Most versions numbered per policy while it has indexed nodes.
pub(crate) const MAX_VERSIONS: u64 = 1 << VERSION_BITS;
/// Most nodes numbered per version while it has indexed nodes.
pub(crate) const MAX_SEQ: u64 = 1 << SEQ_BITS;

pub(crate) fn docnum(policy: u64, version: u64, seq: u64) -> u64 {
    (policy << (VERSION_BITS + SEQ_BITS)) | (version << SEQ_BITS) | seq
}

/// The docnum range `[lo, hi)` of a policy, or of one of its versions.
pub(crate) fn docnum_range(policy: u64, version: Option<u64>) -> (u64, u64) {
    match version {
        None => {
            let lo = policy << (VERSION_BITS + SEQ_BITS);
            (lo, lo + (1 << (VERSION_BITS + SEQ_BITS)))
        }
        Some(v) => {
            let lo = docnum(policy, v, 0);
            (lo, lo + (1 << SEQ_BITS))
        }
    }
}

/// The policy and version numbers packed into `docnum`.
pub(crate) fn docnum_parts(docnum: u64) -> (u64, u64) {
    (
        docnum >> (VERSION_BITS + SEQ_BITS),
        (docnum >> SEQ_BITS) & (MAX_VERSIONS - 1),
    )
}

/// The store's table handles in one transaction.
#[derive(Clone, Copy)]
pub(crate) struct Tables {
    pub settings: Table,
    pub stats: Table,
    pub policies: Table,
    pub versions: Table,
    pub nodes: Table,
    pub docs: Table,
    pub terms: Table,
    pub postings: Table,
    pub positions: Table,
}

impl Tables {
    pub fn open<R: ReadOps + ?Sized>(tx: &R) -> Result<Tables> {
        Ok(Tables {
            settings: tx.table(SETTINGS)?,
            stats: tx.table(STATS)?,
            policies: tx.table(POLICIES)?,
            versions: tx.table(VERSIONS)?,
            nodes: tx.table(NODES)?,
            docs: tx.table(DOCS)?,
            terms: tx.table(TERMS)?,
            postings: tx.table(POSTINGS)?,
            positions: tx.table(POSITIONS)?,
        })
    }
}

// ---- keys ----

pub(crate) const SETTINGS_KEY: &str = "config";
pub(crate) const STATS_KEY: &str = "totals";

pub(crate) fn str_key(s: &str) -> Vec<u8> {
    KeyBuilder::new().str(s).finish()
}

pub(crate) fn version_key(policy_id: &str, version_id: &str) -> Vec<u8> {
    KeyBuilder::new().str(policy_id).str(version_id).finish()
}

pub(crate) fn node_key(doc: &DocRef) -> Vec<u8> {
    let mut b = KeyBuilder::new();
    node_key_in(&mut b, doc);
    b.finish()
}

/// [`node_key`] built in `b` (a caller's buffer, reused from node to node).
pub(crate) fn node_key_in<'b>(b: &'b mut KeyBuilder, doc: &DocRef) -> &'b [u8] {
    b.clear()
        .str(&doc.policy_id)
        .str(&doc.version_id)
        .str(&doc.node_id)
        .as_slice()
}

pub(crate) fn doc_key(docnum: u64) -> Vec<u8> {
    KeyBuilder::new().u64(docnum).finish()
}

/// [`doc_key`] built in `b` (a caller's buffer, reused from record to record).
pub(crate) fn doc_key_in(b: &mut KeyBuilder, docnum: u64) -> &[u8] {
    b.clear().u64(docnum).as_slice()
}

pub(crate) fn read_doc_key(key: &[u8]) -> Result<u64> {
    let mut r = KeyReader::new(key);
    let d = r.u64()?;
    r.expect_end()?;
    Ok(d)
}

pub(crate) fn term_key(term: &str) -> Vec<u8> {
    str_key(term)
}

/// The common byte prefix of the keys of every term starting with `prefix`: the string tag and
/// the bytes, without the terminator. Terms never hold a zero byte, so no escape intervenes.
pub(crate) fn term_prefix_key(prefix: &str) -> Vec<u8> {
    let mut k = str_key(prefix);
    k.truncate(k.len() - 2);
    k
}

pub(crate) fn read_term_key(key: &[u8]) -> Result<String> {
    let mut r = KeyReader::new(key);
    let t = r.str()?.into_owned();
    r.expect_end()?;
    Ok(t)
}

/// Key of the posting block of `term` whose first document is `first`.
pub(crate) fn block_key(term: &str, first: u64) -> Vec<u8> {
    block_key_in(&mut KeyBuilder::new(), term, first).to_vec()
}

/// [`block_key`] built in `b` (a caller's buffer, reused from block to block).
pub(crate) fn block_key_in<'b>(b: &'b mut KeyBuilder, term: &str, first: u64) -> &'b [u8] {
    b.clear().str(term).u64(first).as_slice()
}

/// The first docnum of a block key of `term`.
pub(crate) fn read_block_key(key: &[u8], term_prefix_len: usize) -> Result<u64> {
    let mut r = KeyReader::new(key.get(term_prefix_len..).unwrap_or_default());
    let first = r.u64()?;
    r.expect_end()?;
    Ok(first)
}

/// A term and first docnum from a block key.
pub(crate) fn read_block_key_full(key: &[u8]) -> Result<(String, u64)> {
    let mut r = KeyReader::new(key);
    let term = r.str()?.into_owned();
    let first = r.u64()?;
    r.expect_end()?;
    Ok((term, first))
}

// ---- records ----

fn check_format(d: &mut Decoder<'_>, what: &str) -> Result<()> {
    let v = d.u8()?;
    if v != FORMAT {
        return Err(Error::corruption(format!(
            "{what} record has format {v}, this build reads {FORMAT}"
        )));
    }
    Ok(())
}

pub(crate) fn encode_settings(s: &SearchSettings) -> Vec<u8> {
    let mut e = Encoder::new();
    e.u8(FORMAT)
        .u8(match s.stemming {
            Stemming::None => 0,
            Stemming::Porter => 1,
        })
        .f64(s.weights.title)
        .f64(s.weights.summary)
        .f64(s.weights.text);
    e.finish()
}

pub(crate) fn decode_settings(v: &[u8]) -> Result<SearchSettings> {
    let mut d = Decoder::new(v, "fts.settings");
    check_format(&mut d, "fts.settings")?;
    let stemming = match d.u8()? {
        0 => Stemming::None,
        1 => Stemming::Porter,
        other => {
            return Err(Error::corruption(format!(
                "fts.settings record: unknown stemming {other}"
            )))
        }
    };
    let weights = FieldWeights {
        title: d.f64()?,
        summary: d.f64()?,
        text: d.f64()?,
    };
    Ok(SearchSettings { stemming, weights })
}

/// The recorded settings, if the index was ever used.
pub(crate) fn read_settings<R: ReadOps + ?Sized>(
    tx: &R,
    t: &Tables,
) -> Result<Option<SearchSettings>> {
    match tx.get(t.settings, &str_key(SETTINGS_KEY))? {
        Some(v) => Ok(Some(decode_settings(&v)?)),
        None => Ok(None),
    }
}

/// Index-wide statistics: the BM25 collection statistics and the policy number counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Stats {
    pub doc_count: u64,
    /// Total tokens per field over every document.
    pub field_len: [u64; 3],
    pub next_policy: u64,
}

impl Stats {
    pub fn total_len(&self) -> u64 {
        self.field_len.iter().sum()
    }
}

pub(crate) fn read_stats<R: ReadOps + ?Sized>(tx: &R, t: &Tables) -> Result<Stats> {
    let Some(v) = tx.get(t.stats, &str_key(STATS_KEY))? else {
        return Ok(Stats::default());
    };
    let mut d = Decoder::new(&v, "fts.stats");
    check_format(&mut d, "fts.stats")?;
    Ok(Stats {
        doc_count: d.uvar()?,
        field_len: [d.uvar()?, d.uvar()?, d.uvar()?],
        next_policy: d.uvar()?,
    })
}

pub(crate) fn write_stats(tx: &mut WriteTxn, t: &Tables, s: &Stats) -> Result<()> {
    let mut e = Encoder::new();
    e.u8(FORMAT).uvar(s.doc_count);
    for l in s.field_len {
        e.uvar(l);
    }
    e.uvar(s.next_policy);
    tx.insert(t.stats, &str_key(STATS_KEY), &e.finish())?;
    Ok(())
}

/// `fts.policies` value: the policy's number and its version counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PolicyRec {
    pub num: u64,
    pub next_version: u64,
}

pub(crate) fn encode_policy(p: &PolicyRec) -> Vec<u8> {
    let mut e = Encoder::new();
    e.u8(FORMAT).uvar(p.num).uvar(p.next_version);
    e.finish()
}

pub(crate) fn decode_policy(v: &[u8]) -> Result<PolicyRec> {
    let mut d = Decoder::new(v, "fts.policies");
    check_format(&mut d, "fts.policies")?;
    Ok(PolicyRec {
        num: d.uvar()?,
        next_version: d.uvar()?,
    })
}

/// `fts.versions` value: the version's number and its node counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VersionRec {
    pub num: u64,
    pub next_seq: u64,
}

pub(crate) fn encode_version(v: &VersionRec) -> Vec<u8> {
    let mut e = Encoder::new();
    e.u8(FORMAT).uvar(v.num).uvar(v.next_seq);
    e.finish()
}

pub(crate) fn decode_version(v: &[u8]) -> Result<VersionRec> {
    let mut d = Decoder::new(v, "fts.versions");
    check_format(&mut d, "fts.versions")?;
    Ok(VersionRec {
        num: d.uvar()?,
        next_seq: d.uvar()?,
    })
}

pub(crate) fn encode_node(docnum: u64) -> Vec<u8> {
    let mut e = Encoder::new();
    e.u8(FORMAT).uvar(docnum);
    e.finish()
}

pub(crate) fn decode_node(v: &[u8]) -> Result<u64> {
    let mut d = Decoder::new(v, "fts.nodes");
    check_format(&mut d, "fts.nodes")?;
    d.uvar()
}

/// `fts.docs` value: who the document is, its field lengths and its distinct terms (sorted), so
/// that removing it needs no text and leaves no posting behind. The terms are front-coded
/// (record format 2, see [`super::doc_terms`]); values of format 1 are read too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocRec {
    pub doc: DocRef,
    pub field_len: [u64; 3],
    pub terms: Vec<String>,
}

/// A [`DocRec`] value from borrowed parts, appended to `out`: `count` terms, sorted.
pub(crate) fn encode_doc_into<'a>(
    out: &mut Vec<u8>,
    doc: &DocRef,
    field_len: [u64; 3],
    count: usize,
    terms: impl Iterator<Item = &'a str>,
) {
    let mut e = Encoder::appending(std::mem::take(out));
    e.u8(doc_terms::FRONT_CODED)
        .str(&doc.policy_id)
        .str(&doc.version_id)
        .str(&doc.node_id);
    for l in field_len {
        e.uvar(l);
    }
    *out = e.finish();
    doc_terms::encode_terms(out, count, terms);
}

/// The record format of an `fts.docs` value (either of the two this build reads) and its
/// document.
fn decode_doc_head<'v>(v: &'v [u8]) -> Result<(Decoder<'v>, u8, DocRef)> {
    let mut d = Decoder::new(v, "fts.docs");
    let format = d.u8()?;
    if format != doc_terms::STRING_LIST && format != doc_terms::FRONT_CODED {
        return Err(Error::corruption(format!(
            "fts.docs record has format {format}, this build reads {} and {}",
            doc_terms::STRING_LIST,
            doc_terms::FRONT_CODED
        )));
    }
    let doc = DocRef {
        policy_id: d.string()?,
        version_id: d.string()?,
        node_id: d.string()?,
    };
    Ok((d, format, doc))
}

/// Decodes a document's reference and, without copying the others, its terms that start with
/// one of `prefixes` (none are read when there is no prefix).
pub(crate) fn decode_doc_hit(v: &[u8], prefixes: &[&str]) -> Result<(DocRef, Vec<String>)> {
    let (mut d, format, doc) = decode_doc_head(v)?;
    let mut matched = Vec::new();
    if !prefixes.is_empty() {
        for _ in 0..3 {
            d.uvar()?;
        }
        doc_terms::for_each_term(&mut d, format, |term| {
            if prefixes.iter().any(|p| term.starts_with(p)) {
                matched.push(term.to_string());
            }
            Ok(())
        })?;
    }
    Ok((doc, matched))
}

pub(crate) fn decode_doc(v: &[u8]) -> Result<DocRec> {
    let (mut d, format, doc) = decode_doc_head(v)?;
    let field_len = [d.uvar()?, d.uvar()?, d.uvar()?];
    let terms = doc_terms::decode_terms(&mut d, format)?;
    Ok(DocRec {
        doc,
        field_len,
        terms,
    })
}

pub(crate) fn read_doc<R: ReadOps + ?Sized>(tx: &R, t: &Tables, docnum: u64) -> Result<DocRec> {
    let v = tx
        .get(t.docs, &doc_key(docnum))?
        .ok_or_else(|| Error::corruption(format!("fts.docs: document {docnum} is missing")))?;
    decode_doc(&v).map_err(|e| e.context(format!("document {docnum}")))
}

pub(crate) fn encode_term(df: u64) -> Vec<u8> {
    let mut e = Encoder::new();
    e.u8(FORMAT).uvar(df);
    e.finish()
}

pub(crate) fn decode_term(v: &[u8]) -> Result<u64> {
    let mut d = Decoder::new(v, "fts.terms");
    check_format(&mut d, "fts.terms")?;
    d.uvar()
}

/// The document frequency of `term` (0 when it is not indexed).
pub(crate) fn read_df<R: ReadOps + ?Sized>(tx: &R, t: &Tables, term: &str) -> Result<u64> {
    match tx.get(t.terms, &term_key(term))? {
        Some(v) => decode_term(&v).map_err(|e| e.context(format!("term {term:?}"))),
        None => Ok(0),
    }
}

pub(crate) fn too_large(what: String) -> Error {
    Error::new(ErrorKind::TooLarge, what)
}
