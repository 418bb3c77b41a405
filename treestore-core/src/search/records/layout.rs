//! Table names, keys and records of the record index (the byte layouts are in the module doc of
//! [`crate::search::records`]).

use super::model::{RecordKind, RecordRef};
use crate::codec::{Decoder, Encoder};
use crate::db::{ReadOps, Table, WriteTxn};
use crate::error::{Error, Result};
use crate::keys::KeyBuilder;

pub(crate) const REC_DOCS: &str = "fts.rec_docs";
pub(crate) const REC_POSTINGS: &str = "fts.rec_postings";
pub(crate) const REC_STATS: &str = "fts.rec_stats";

/// Every table of the record index.
#[cfg(test)]
pub(crate) const ALL_TABLES: [&str; 3] = [REC_DOCS, REC_POSTINGS, REC_STATS];

/// Format version byte at the start of every record.
const FORMAT: u8 = 1;

/// The record index's table handles in one transaction.
#[derive(Clone, Copy)]
pub(crate) struct Tables {
    pub docs: Table,
    pub postings: Table,
    pub stats: Table,
}

impl Tables {
    pub fn open<R: ReadOps + ?Sized>(tx: &R) -> Result<Tables> {
        Ok(Tables {
            docs: tx.table(REC_DOCS)?,
            postings: tx.table(REC_POSTINGS)?,
            stats: tx.table(REC_STATS)?,
        })
    }
}

/// `(kind, id...)`: the key of a record in `fts.rec_docs`.
pub(crate) fn doc_key(rec: &RecordRef) -> Vec<u8> {
    let mut k = KeyBuilder::new();
    k.u32(rec.kind().code());
    rec.put_id(&mut k);
    k.finish()
}

/// `(kind, term, id...)`: the key of a posting.
pub(crate) fn posting_key(rec: &RecordRef, term: &str) -> Vec<u8> {
    let mut k = KeyBuilder::new();
    k.u32(rec.kind().code()).str(term);
    rec.put_id(&mut k);
    k.finish()
}

/// The prefix of every posting of `term` in records of `kind`.
pub(crate) fn term_prefix(kind: RecordKind, term: &str) -> Vec<u8> {
    KeyBuilder::new().u32(kind.code()).str(term).finish()
}

/// The prefix of every posting, in records of `kind`, of a term starting with `prefix`: the kind,
/// the string tag and the prefix's bytes without the terminator (terms hold no zero byte).
pub(crate) fn term_start_prefix(kind: RecordKind, prefix: &str) -> Vec<u8> {
    let mut k = term_prefix(kind, prefix);
    k.truncate(k.len() - 2);
    k
}

pub(crate) fn stats_key(kind: RecordKind) -> Vec<u8> {
    KeyBuilder::new().u32(kind.code()).finish()
}

/// `(kind, id...)` in `fts.rec_stats`: a pending record (the same bytes as its [`doc_key`], in
/// the statistics table, so that storing a record dirties that one small tree of the index).
pub(crate) fn pending_key(rec: &RecordRef) -> Vec<u8> {
    doc_key(rec)
}

fn check_format(d: &mut Decoder<'_>, what: &str) -> Result<()> {
    let v = d.u8()?;
    if v != FORMAT {
        return Err(Error::corruption(format!(
            "{what} record has format {v}, this build reads {FORMAT}"
        )));
    }
    Ok(())
}

/// A record whose entry and postings are not yet merged into `fts.rec_docs` and
/// `fts.rec_postings`: the entry's filter fields and field lengths, and each distinct term
/// (sorted) with its [`encode_posting`] bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct PendingDoc {
    pub policy_id: Option<String>,
    pub case_id: Option<String>,
    pub field_len: [u64; 3],
    pub postings: Vec<(String, Vec<u8>)>,
}

impl PendingDoc {
    /// The `fts.rec_docs` entry the record gets when merged.
    pub fn entry(&self) -> DocRec {
        DocRec {
            policy_id: self.policy_id.clone(),
            case_id: self.case_id.clone(),
            field_len: self.field_len,
            terms: self.postings.iter().map(|(t, _)| t.clone()).collect(),
        }
    }
}

pub(crate) fn encode_pending(p: &PendingDoc) -> Vec<u8> {
    let n: usize = p.postings.iter().map(|(t, v)| t.len() + v.len() + 4).sum();
    let mut e = Encoder::with_capacity(32 + n);
    e.u8(FORMAT)
        .opt_str(p.policy_id.as_deref())
        .opt_str(p.case_id.as_deref());
    for l in p.field_len {
        e.uvar(l);
    }
    e.uvar(p.postings.len() as u64);
    for (term, posting) in &p.postings {
        e.str(term).bytes(posting);
    }
    e.finish()
}

pub(crate) fn decode_pending(v: &[u8]) -> Result<PendingDoc> {
    let mut d = Decoder::new(v, "fts.rec_stats pending record");
    check_format(&mut d, "fts.rec_stats pending")?;
    let policy_id = d.opt_string()?;
    let case_id = d.opt_string()?;
    let field_len = [d.uvar()?, d.uvar()?, d.uvar()?];
    let n = d.uvar()?;
    if n > d.remaining() as u64 {
        return Err(Error::corruption(format!(
            "fts.rec_stats: a pending record of {n} postings in {} bytes",
            d.remaining()
        )));
    }
    let mut postings = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let term = d.string()?;
        postings.push((term, d.bytes()?.to_vec()));
    }
    Ok(PendingDoc {
        policy_id,
        case_id,
        field_len,
        postings,
    })
}

/// `fts.rec_docs` value: the filter fields, the field lengths and the distinct terms (sorted), so
/// that removing a record needs no text and leaves no posting behind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct DocRec {
    pub policy_id: Option<String>,
    pub case_id: Option<String>,
    pub field_len: [u64; 3],
    pub terms: Vec<String>,
}

pub(crate) fn encode_doc(d: &DocRec) -> Vec<u8> {
    let mut e = Encoder::with_capacity(32 + d.terms.len() * 10);
    e.u8(FORMAT)
        .opt_str(d.policy_id.as_deref())
        .opt_str(d.case_id.as_deref());
    for l in d.field_len {
        e.uvar(l);
    }
    e.str_list(&d.terms);
    e.finish()
}

pub(crate) fn decode_doc(v: &[u8]) -> Result<DocRec> {
    let mut d = Decoder::new(v, "fts.rec_docs");
    check_format(&mut d, "fts.rec_docs")?;
    Ok(DocRec {
        policy_id: d.opt_string()?,
        case_id: d.opt_string()?,
        field_len: [d.uvar()?, d.uvar()?, d.uvar()?],
        terms: d.str_list()?,
    })
}

/// A posting: the record's length in tokens (all fields) and the term's positions per field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Posting {
    pub doc_len: u64,
    pub positions: [Vec<u32>; 3],
}

impl Posting {
    pub fn tf(&self) -> [u32; 3] {
        self.positions
            .each_ref()
            .map(|p| u32::try_from(p.len()).unwrap_or(u32::MAX))
    }
}

pub(crate) fn encode_posting(p: &Posting) -> Vec<u8> {
    let n: usize = p.positions.iter().map(Vec::len).sum();
    let mut e = Encoder::with_capacity(8 + n * 2);
    e.u8(FORMAT).uvar(p.doc_len);
    for field in &p.positions {
        e.uvar(field.len() as u64);
        let mut last = 0u32;
        for &pos in field {
            e.uvar(u64::from(pos - last));
            last = pos;
        }
    }
    e.finish()
}

/// Decodes a posting; positions only when `with_positions` (else each field holds as many
/// zeros as the term occurs there, enough for [`Posting::tf`]).
pub(crate) fn decode_posting(v: &[u8], with_positions: bool) -> Result<Posting> {
    let mut d = Decoder::new(v, "fts.rec_postings");
    check_format(&mut d, "fts.rec_postings")?;
    let mut p = Posting {
        doc_len: d.uvar()?,
        ..Posting::default()
    };
    for field in &mut p.positions {
        let n = d.uvar()?;
        if n > d.remaining() as u64 {
            return Err(Error::corruption(format!(
                "fts.rec_postings: {n} positions in {} bytes",
                d.remaining()
            )));
        }
        let mut at = 0u32;
        for _ in 0..n {
            let gap = u32::try_from(d.uvar()?)
                .map_err(|_| Error::corruption("fts.rec_postings: position gap above u32"))?;
            at = at.saturating_add(gap);
            field.push(if with_positions { at } else { 0 });
        }
    }
    Ok(p)
}

/// `fts.rec_stats` value: records of the kind and their tokens (all fields), then the records
/// whose postings are pending and the bytes of their pending values (absent in databases written
/// before pending postings: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Stats {
    pub doc_count: u64,
    pub tokens: u64,
    pub pending: u64,
    pub pending_bytes: u64,
}

pub(crate) fn read_stats<R: ReadOps + ?Sized>(
    tx: &R,
    t: &Tables,
    kind: RecordKind,
) -> Result<Stats> {
    let Some(v) = tx.get(t.stats, &stats_key(kind))? else {
        return Ok(Stats::default());
    };
    let mut d = Decoder::new(&v, "fts.rec_stats");
    check_format(&mut d, "fts.rec_stats")?;
    let (doc_count, tokens) = (d.uvar()?, d.uvar()?);
    let (pending, pending_bytes) = if d.is_empty() {
        (0, 0)
    } else {
        (d.uvar()?, d.uvar()?)
    };
    Ok(Stats {
        doc_count,
        tokens,
        pending,
        pending_bytes,
    })
}

/// Writes the statistics of `kind`, removing the record when the kind has no record left.
pub(crate) fn write_stats(
    tx: &mut WriteTxn,
    t: &Tables,
    kind: RecordKind,
    s: &Stats,
) -> Result<()> {
    if s.doc_count == 0 {
        tx.remove(t.stats, &stats_key(kind))?;
        return Ok(());
    }
    let mut e = Encoder::new();
    e.u8(FORMAT).uvar(s.doc_count).uvar(s.tokens);
    if s.pending > 0 {
        e.uvar(s.pending).uvar(s.pending_bytes);
    }
    tx.insert(t.stats, &stats_key(kind), &e.finish())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_and_docs_round_trip() {
        let p = Posting {
            doc_len: 9,
            positions: [vec![0, 4], vec![], vec![1, 2, 300]],
        };
        let v = encode_posting(&p);
        assert_eq!(decode_posting(&v, true).unwrap(), p);
        assert_eq!(decode_posting(&v, false).unwrap().tf(), [2, 0, 3]);
        let d = DocRec {
            policy_id: Some("p".into()),
            case_id: None,
            field_len: [1, 2, 3],
            terms: vec!["a".into(), "b".into()],
        };
        assert_eq!(decode_doc(&encode_doc(&d)).unwrap(), d);
        let pending = PendingDoc {
            policy_id: None,
            case_id: Some("c".into()),
            field_len: [2, 0, 1],
            postings: vec![("a".into(), v.clone()), ("b".into(), vec![1, 2])],
        };
        assert_eq!(decode_pending(&encode_pending(&pending)).unwrap(), pending);
    }

    #[test]
    fn damaged_records_are_corruption() {
        assert!(decode_posting(&[2, 1], true).is_err());
        assert!(decode_posting(&[1, 1, 200], true).is_err());
        assert!(decode_doc(&[1, 9]).is_err());
        assert!(decode_pending(&[1, 0, 0, 1, 1, 1, 200]).is_err());
        assert!(decode_pending(&[1, 0, 0, 1, 1, 1, 1, 5, b'a']).is_err());
    }
}
