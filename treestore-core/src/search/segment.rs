//! The in-memory segment of one indexing batch: every posting the batch adds or deletes, built
//! without an allocation per posting (terms interned once per batch, positions in one arena), then
//! written term by term in term order. A term whose new postings all follow its last block (the
//! common case of new documents) gets them as appended blocks, a short last block being extended
//! first, with B+tree inserts in key order; other edits (deletes, a docnum inside the list) take
//! the general block merge of [`super::block::apply_edit`].

use super::analyze::for_each_term;
use super::block::{
    append_fits, apply_edit, decode_positions, decode_postings, last_block, view_header_len,
    write_appended, BlockColumns, LastBlock, Posting, PostingView, TermEdit,
};
use super::layout::{doc_key, encode_doc, encode_term, read_df, term_key, Tables};
use super::model::Stemming;
use super::write::NodeText;
use crate::db::{ReadOps, WriteTxn};
use crate::error::{Error, Result};
use crate::hash::FxHashMap;

/// Positions a segment holds before it is written out (bounds its memory, ~1 GiB, and keeps
/// arena offsets within `u32`: one node adds fewer than 2^27).
const MAX_SEGMENT_POSITIONS: usize = 1 << 28;

#[cfg(test)]
thread_local! {
    /// Tests lower the segment size to write a batch in several segments.
    pub(crate) static TEST_SEGMENT_POSITIONS: std::cell::Cell<usize> =
        const { std::cell::Cell::new(MAX_SEGMENT_POSITIONS) };
}

fn max_segment_positions() -> usize {
    #[cfg(test)]
    return TEST_SEGMENT_POSITIONS.with(|c| c.get());
    #[cfg(not(test))]
    MAX_SEGMENT_POSITIONS
}

/// One new posting: the term, the node (index into `Segment::docs`), and its positions in the
/// arena, all fields in order.
#[derive(Debug, Clone, Copy)]
struct SegPosting {
    term: u32,
    doc: u32,
    tf: [u32; 3],
    pos: u32,
}

impl SegPosting {
    fn positions_len(&self) -> u32 {
        self.tf.iter().sum()
    }
}

/// One node indexed in the segment.
struct SegDoc {
    /// Index into the batch's nodes.
    node: usize,
    docnum: u64,
    doc_len: u64,
    field_len: [u64; 3],
    /// Its postings: `postings[first..first + count]`.
    first: usize,
    count: usize,
}

/// Term ids of one batch.
#[derive(Default)]
struct TermDict {
    ids: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl TermDict {
    #[inline]
    fn intern(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(term.into());
        self.ids.insert(term.into(), id);
        id
    }
}

/// Per-node scratch, reused: the node's distinct terms and its tokens.
#[derive(Default)]
struct Scratch {
    /// Per term id: the node stamp that last saw it and its local index in that node.
    seen: Vec<(u32, u32)>,
    /// Distinct terms of the node in first-occurrence order, with per-field frequencies.
    local: Vec<(u32, [u32; 3])>,
    /// (local index, position) of every token, in field and position order.
    tokens: Vec<(u32, u32)>,
    /// Arena cursor per local term.
    cursor: Vec<u32>,
}

/// See the module doc.
pub(crate) struct Segment {
    stemming: Stemming,
    dict: TermDict,
    postings: Vec<SegPosting>,
    positions: Vec<u32>,
    docs: Vec<SegDoc>,
    /// (term id, docnum) of postings to delete.
    deletes: Vec<(u32, u64)>,
    scratch: Scratch,
    cols: BlockColumns,
}

impl Segment {
    pub(crate) fn new(stemming: Stemming) -> Segment {
        Segment {
            stemming,
            dict: TermDict::default(),
            postings: Vec::new(),
            positions: Vec::new(),
            docs: Vec::new(),
            deletes: Vec::new(),
            scratch: Scratch::default(),
            cols: BlockColumns::default(),
        }
    }

    /// Whether the segment should be written before it takes more nodes.
    pub(crate) fn is_full(&self) -> bool {
        self.positions.len() >= max_segment_positions()
    }

    /// Deletes the postings of `docnum` under `terms` (its previous entry).
    pub(crate) fn delete(&mut self, docnum: u64, terms: &[String]) {
        for term in terms {
            let id = self.dict.intern(term);
            self.deletes.push((id, docnum));
        }
    }

    /// Analyzes the node at `index` of the batch under `docnum`; returns its tokens per field.
    pub(crate) fn add(&mut self, index: usize, docnum: u64, node: &NodeText<'_>) -> [u64; 3] {
        let stamp = self.docs.len() as u32 + 1;
        let Segment {
            stemming,
            dict,
            scratch: s,
            ..
        } = self;
        s.local.clear();
        s.tokens.clear();
        let mut field_len = [0u64; 3];
        for &(field, text) in node.fields {
            let f = field.index();
            let mut count = 0u64;
            for_each_term(text, *stemming, |term, position| {
                count += 1;
                let id = dict.intern(term) as usize;
                if id >= s.seen.len() {
                    s.seen.resize(id + 1, (0, 0));
                }
                let slot = &mut s.seen[id];
                if slot.0 != stamp {
                    *slot = (stamp, s.local.len() as u32);
                    s.local.push((id as u32, [0; 3]));
                }
                let l = slot.1;
                s.local[l as usize].1[f] += 1;
                s.tokens.push((l, position));
            });
            field_len[f] = count;
        }
        self.push_postings(index, docnum, field_len);
        field_len
    }

    /// Moves the scratch of the node just analyzed into the postings and the arena.
    fn push_postings(&mut self, index: usize, docnum: u64, field_len: [u64; 3]) {
        let doc = self.docs.len() as u32;
        let first = self.postings.len();
        let s = &mut self.scratch;
        s.cursor.clear();
        let mut at = self.positions.len() as u32;
        for &(term, tf) in &s.local {
            s.cursor.push(at);
            self.postings.push(SegPosting {
                term,
                doc,
                tf,
                pos: at,
            });
            at += tf.iter().sum::<u32>();
        }
        self.positions.resize(at as usize, 0);
        // Tokens come in field then position order, so each term's run is in that order too.
        for &(l, position) in &s.tokens {
            let c = &mut s.cursor[l as usize];
            self.positions[*c as usize] = position;
            *c += 1;
        }
        self.docs.push(SegDoc {
            node: index,
            docnum,
            doc_len: field_len.iter().sum(),
            field_len,
            first,
            count: s.local.len(),
        });
    }

    /// Writes the document records and every term's postings and document frequency, and
    /// empties the segment for more nodes of the batch.
    pub(crate) fn write(
        &mut self,
        tx: &mut WriteTxn,
        t: &Tables,
        nodes: &[NodeText<'_>],
    ) -> Result<()> {
        let mut cols = std::mem::take(&mut self.cols);
        let names = &self.dict.names;
        let mut order: Vec<u32> = (0..names.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| names[a as usize].cmp(&names[b as usize]));
        let mut rank = vec![0u32; names.len()];
        for (r, &id) in order.iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        self.write_docs(tx, t, nodes, &rank)?;
        let by_term = group_by(names.len(), self.postings.iter().map(|p| p.term));
        // In term order, as the loop below takes them.
        self.deletes
            .sort_unstable_by_key(|&(id, doc)| (rank[id as usize], doc));
        let mut dels = self.deletes.as_slice();
        let mut new: Vec<u32> = Vec::new();
        for &id in &order {
            let cut = dels.partition_point(|&(term, _)| term == id);
            let (term_dels, rest) = dels.split_at(cut);
            dels = rest;
            new.clear();
            new.extend_from_slice(&by_term.1[by_term.0[id as usize]..by_term.0[id as usize + 1]]);
            if !new.is_sorted_by_key(|&i| self.docnum(i)) {
                new.sort_by_key(|&i| self.docnum(i));
            }
            let term = &*self.dict.names[id as usize];
            let delta = self.write_term(tx, t, &mut cols, term, &new, term_dels)?;
            update_df(tx, t, term, delta)?;
        }
        self.cols = cols;
        self.dict = TermDict::default();
        self.postings.clear();
        self.positions.clear();
        self.docs.clear();
        self.deletes.clear();
        self.scratch.seen.clear();
        Ok(())
    }

    fn docnum(&self, posting: u32) -> u64 {
        self.docs[self.postings[posting as usize].doc as usize].docnum
    }

    fn view(&self, posting: u32) -> PostingView<'_> {
        let p = &self.postings[posting as usize];
        let d = &self.docs[p.doc as usize];
        let at = p.pos as usize;
        PostingView {
            doc: d.docnum,
            tf: p.tf,
            doc_len: d.doc_len,
            positions: &self.positions[at..at + p.positions_len() as usize],
        }
    }

    /// The `fts.docs` records: who, field lengths, distinct terms in term order.
    fn write_docs(
        &self,
        tx: &mut WriteTxn,
        t: &Tables,
        nodes: &[NodeText<'_>],
        rank: &[u32],
    ) -> Result<()> {
        let mut terms: Vec<u32> = Vec::new();
        for d in &self.docs {
            terms.clear();
            terms.extend(
                self.postings[d.first..d.first + d.count]
                    .iter()
                    .map(|p| p.term),
            );
            terms.sort_unstable_by_key(|&id| rank[id as usize]);
            let names = terms.iter().map(|&id| &*self.dict.names[id as usize]);
            let value = encode_doc(nodes[d.node].doc, d.field_len, terms.len(), names);
            tx.insert(t.docs, &doc_key(d.docnum), &value)?;
        }
        Ok(())
    }

    /// Writes the new postings `new` (sorted by docnum) and deletes `dels` (sorted) of `term`;
    /// returns the change of its document frequency.
    fn write_term(
        &self,
        tx: &mut WriteTxn,
        t: &Tables,
        cols: &mut BlockColumns,
        term: &str,
        new: &[u32],
        dels: &[(u32, u64)],
    ) -> Result<i64> {
        if dels.is_empty() && !new.is_empty() && self.append(tx, t, cols, term, new)? {
            return Ok(new.len() as i64);
        }
        let edit = TermEdit {
            deletes: dels.iter().map(|&(_, d)| d).collect(),
            inserts: new.iter().map(|&i| self.posting(i)).collect(),
        };
        apply_edit(tx, t, term, edit)
    }

    /// Appends `new` after the term's blocks, extending a last block with room; false (nothing
    /// written) when a new docnum does not follow the last present one.
    fn append(
        &self,
        tx: &mut WriteTxn,
        t: &Tables,
        cols: &mut BlockColumns,
        term: &str,
        new: &[u32],
    ) -> Result<bool> {
        let views: Vec<PostingView<'_>>;
        let Some(LastBlock {
            key,
            first,
            postings: value,
        }) = last_block(tx, t, term)?
        else {
            views = new.iter().map(|&i| self.view(i)).collect();
            write_appended(tx, t, term, &views)?;
            return Ok(true);
        };
        decode_postings(first, &value, cols)?;
        let last = cols.docs.last().copied().unwrap_or(first);
        if self.docnum(new[0]) <= last {
            return Ok(false);
        }
        let bytes: usize = cols
            .tf
            .iter()
            .zip(&cols.doc_len)
            .map(|(tf, &l)| view_header_len(tf, l))
            .sum();
        let head = self.view(new[0]);
        if !append_fits(cols.len(), bytes, view_header_len(&head.tf, head.doc_len)) {
            let views: Vec<PostingView<'_>> = new.iter().map(|&i| self.view(i)).collect();
            write_appended(tx, t, term, &views)?;
            return Ok(true);
        }
        // Extend the last block: its postings first, rewritten under the same key.
        let stored = tx.get(t.positions, &key)?.ok_or_else(|| {
            Error::corruption(format!(
                "fts.positions: block at docnum {first} is missing beside its postings"
            ))
        })?;
        let (mut flat, mut offsets) = (Vec::new(), Vec::new());
        decode_positions(first, &stored, cols, &mut flat, &mut offsets)?;
        let mut all: Vec<PostingView<'_>> = Vec::with_capacity(cols.len() + new.len());
        for i in 0..cols.len() {
            all.push(PostingView {
                doc: cols.docs[i],
                tf: cols.tf[i],
                doc_len: cols.doc_len[i],
                positions: &flat[offsets[i * 3]..offsets[i * 3 + 3]],
            });
        }
        all.extend(new.iter().map(|&i| self.view(i)));
        write_appended(tx, t, term, &all)?;
        Ok(true)
    }

    /// An owned posting, for the general edit.
    fn posting(&self, i: u32) -> Posting {
        let v = self.view(i);
        let mut p = Posting {
            doc: v.doc,
            tf: v.tf,
            doc_len: v.doc_len,
            positions: Default::default(),
        };
        let mut rest = v.positions;
        for (slot, &n) in p.positions.iter_mut().zip(&v.tf) {
            let (field, tail) = rest.split_at(n as usize);
            *slot = field.to_vec();
            rest = tail;
        }
        p
    }
}

/// Item indices grouped by key (stable): `(starts, items)` where the items of key `k` are
/// `items[starts[k]..starts[k + 1]]`.
fn group_by(keys: usize, of: impl Iterator<Item = u32> + Clone) -> (Vec<usize>, Vec<u32>) {
    let mut starts = vec![0usize; keys + 1];
    for k in of.clone() {
        starts[k as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut cursor = starts.clone();
    let mut items = vec![0u32; starts[keys]];
    for (i, k) in of.enumerate() {
        let c = &mut cursor[k as usize];
        items[*c] = i as u32;
        *c += 1;
    }
    (starts, items)
}

/// Adds `delta` to the document frequency of `term`, removing it at zero.
pub(crate) fn update_df(tx: &mut WriteTxn, t: &Tables, term: &str, delta: i64) -> Result<()> {
    if delta == 0 {
        return Ok(());
    }
    let df = read_df(tx, t, term)?;
    let new = df.checked_add_signed(delta).ok_or_else(|| {
        Error::corruption(format!(
            "fts.terms: document frequency of {term:?} would fall below zero"
        ))
    })?;
    if new == 0 {
        tx.remove(t.terms, &term_key(term))?;
    } else {
        tx.insert(t.terms, &term_key(term), &encode_term(new))?;
    }
    Ok(())
}
