//! The in-memory segment of one indexing batch: every posting the batch adds or deletes, built
//! without an allocation per posting (terms interned once per batch; each term's postings and
//! positions appended to its own two arrays, so encoding reads them in order), then written term by
//! term in term order. A term whose new postings all follow its last block (the
//! common case of new documents) gets them as appended blocks, a short last block being extended
//! first, with B+tree inserts in key order; other edits (deletes, a docnum inside the list) take
//! the general block merge of [`super::block::apply_edit`]. A field whose text the segment has
//! analyzed before is replayed from [`super::reuse`] instead of analyzed again.

use super::analyze::{for_each_spelling, term_into};
mod append;

#[cfg(test)]
pub(crate) use append::TEST_ENCODE_BESIDE;

use super::block::{
    apply_edit, decode_posting_positions, push_gap, BlockColumns, Posting, PostingView, TermEdit,
};
use super::layout::{doc_key_in, encode_doc_into, encode_term, read_df, term_key, Tables};
use super::model::Stemming;
use super::reuse::{AnalysisCache, FieldTerm, Lookup};
use super::write::NodeText;
use crate::db::key_run::KeyRun;
use crate::db::WriteTxn;
use crate::error::{Error, Result};
use crate::hash::FxHashMap;
use crate::keys::KeyBuilder;

/// `fts.docs` records inserted in one run (bounds the run's buffers).
const DOCS_RUN: usize = 1024;

/// Positions a segment holds before it is written out (bounds its memory, ~1 GiB, and keeps
/// offsets within `u32`: one node adds fewer than 2^27).
const MAX_SEGMENT_POSITIONS: usize = 1 << 28;

#[cfg(test)]
thread_local! {
    /// Tests lower the segment size to write a batch in several segments.
    pub(crate) static TEST_SEGMENT_POSITIONS: std::cell::Cell<usize> =
        const { std::cell::Cell::new(MAX_SEGMENT_POSITIONS) };
}

#[cfg(test)]
thread_local! {
    /// Tests turn replay and the spelling map off to compare with plain analysis.
    pub(crate) static TEST_REUSE: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

fn reuse_analysis() -> bool {
    #[cfg(test)]
    return TEST_REUSE.with(|c| c.get());
    #[cfg(not(test))]
    true
}

fn max_segment_positions() -> usize {
    #[cfg(test)]
    return TEST_SEGMENT_POSITIONS.with(|c| c.get());
    #[cfg(not(test))]
    MAX_SEGMENT_POSITIONS
}

/// One new posting of a term: the node (index into `Segment::docs`), its frequencies, and where
/// its encoded positions start in the term's `positions`.
#[derive(Debug, Clone, Copy)]
struct SegPosting {
    doc: u32,
    tf: [u32; 3],
    pos: u32,
    /// Bytes of its encoded positions, set once the segment is complete.
    len: u32,
}

/// A term of the batch, with its new postings in the order the nodes came and their positions
/// encoded as blocks store them (so writing a block copies them).
struct SegTerm {
    name: Box<str>,
    postings: Vec<SegPosting>,
    positions: Vec<u8>,
    /// Per field, the last position added to the current posting (0 before the first, so the
    /// first is stored as its gap from 0, as the format wants, without a branch).
    lasts: [u32; 3],
    /// The node stamp that last added a posting (1 + its index in `Segment::docs`).
    stamp: u32,
    /// The field analysis that last touched the term (see `Segment::field_seq`).
    field_seq: u64,
}

/// One node indexed in the segment.
struct SegDoc {
    /// Index into the batch's nodes.
    node: usize,
    docnum: u64,
    doc_len: u64,
    field_len: [u64; 3],
    /// Its terms: `doc_terms[first..first + count]`.
    first: usize,
    count: usize,
}

/// See the module doc. A segment is analyzed without the transaction (so it may be built on
/// another thread while the caller writes): its nodes get their docnums by [`Segment::set_docnum`]
/// before [`Segment::write`].
pub(crate) struct Segment<'a> {
    stemming: Stemming,
    /// Positions it holds before it is full ([`MAX_SEGMENT_POSITIONS`] outside tests).
    max_positions: usize,
    /// Whether analyses are replayed (always outside tests).
    reuse: bool,
    ids: TermIds,
    /// Term ids by spelling, for words that are not their own term (capitals, non-ASCII, long,
    /// stemmed): folding and stemming run once per distinct spelling of the segment.
    spellings: TermIds,
    /// The term being made from a spelling.
    term_buf: String,
    terms: Vec<SegTerm>,
    docs: Vec<SegDoc>,
    /// The term ids of each document, in first-occurrence order.
    doc_terms: Vec<u32>,
    positions: usize,
    /// (term id, docnum) of postings to delete.
    deletes: Vec<(u32, u64)>,
    cols: BlockColumns,
    /// Analyses of the texts seen so far, for replay.
    cache: AnalysisCache<'a>,
    /// Counts field analyses, to find each one's distinct terms.
    field_seq: u64,
    /// The distinct terms of the field being analyzed: (id, where its positions for this field
    /// start in the term's `positions`).
    touched: Vec<(u32, u32)>,
    /// Segments absorbed and not yet joined, with their term ids in this one (see
    /// [`Segment::absorb`]).
    absorbed: Vec<(Segment<'a>, Vec<u32>)>,
}

impl<'a> Segment<'a> {
    pub(crate) fn new(stemming: Stemming) -> Segment<'a> {
        Segment {
            stemming,
            max_positions: max_segment_positions(),
            reuse: reuse_analysis(),
            ids: TermIds::default(),
            spellings: TermIds::default(),
            term_buf: String::new(),
            terms: Vec::new(),
            docs: Vec::new(),
            doc_terms: Vec::new(),
            positions: 0,
            deletes: Vec::new(),
            cols: BlockColumns::default(),
            cache: AnalysisCache::default(),
            field_seq: 0,
            touched: Vec::new(),
            absorbed: Vec::new(),
        }
    }

    /// Whether the segment should be written before it takes more nodes.
    pub(crate) fn is_full(&self) -> bool {
        self.positions >= self.max_positions
    }

    /// Analyzes `nodes[from..]` in order until the segment is full; returns where it stopped
    /// (`nodes.len()` when it took them all). Node `k` of the segment is `nodes[from + k]`.
    pub(crate) fn fill(&mut self, nodes: &[NodeText<'a>], from: usize) -> usize {
        let mut i = from;
        self.docs.reserve(nodes.len().saturating_sub(from));
        while i < nodes.len() {
            self.add(i, &nodes[i]);
            i += 1;
            if self.is_full() {
                break;
            }
        }
        i
    }

    /// Whether it holds a distinct term or more per node: writing a segment costs a pass over its
    /// terms (each a lookup of the term's last block and a leaf rewritten) besides its postings.
    pub(crate) fn is_dense(&self) -> bool {
        let absorbed: usize = self.absorbed.iter().map(|(o, _)| o.docs.len()).sum();
        self.terms.len() >= self.docs.len() + absorbed
    }

    /// Whether [`Segment::absorb`] may take `other`: the two hold no more positions than a
    /// segment may.
    pub(crate) fn fits(&self, other: &Segment<'_>) -> bool {
        self.positions + other.positions <= self.max_positions
    }

    /// Takes `other` (which [`Segment::fits`]), the analysis of the nodes right after this
    /// segment's and the segments absorbed before it (made under the same stemming, nothing
    /// deleted or numbered in either yet, neither to be filled further), so the two are written
    /// in one pass over their terms: the same postings, positions and document records as
    /// writing them one after the other. Only its terms are entered here (so
    /// [`Segment::is_dense`] counts them); [`Segment::join`] appends every absorbed segment's
    /// postings at once.
    pub(crate) fn absorb(&mut self, other: Segment<'a>) {
        let remap: Vec<u32> = other
            .terms
            .iter()
            .map(|t| intern(&mut self.ids, &mut self.terms, &t.name))
            .collect();
        self.positions += other.positions;
        self.absorbed.push((other, remap));
    }

    /// Appends the postings, positions and document records of the absorbed segments, in the
    /// order they were absorbed, each term's arrays grown once for all of them (growing them
    /// segment by segment cost a copy of each array per segment: session 17, 49k terms, the
    /// three absorbs of a batch 0.43 s). Numbering a node or deleting joins them first.
    pub(crate) fn join(&mut self) {
        if self.absorbed.is_empty() {
            return;
        }
        let absorbed = std::mem::take(&mut self.absorbed);
        let mut more = vec![(0usize, 0usize); self.terms.len()];
        for (other, remap) in &absorbed {
            for (t, &id) in other.terms.iter().zip(remap) {
                let m = &mut more[id as usize];
                m.0 += t.postings.len();
                m.1 += t.positions.len();
            }
        }
        for (st, &(postings, positions)) in self.terms.iter_mut().zip(&more) {
            st.postings.reserve_exact(postings);
            st.positions.reserve_exact(positions);
        }
        let docs: usize = absorbed.iter().map(|(o, _)| o.docs.len()).sum();
        let doc_terms: usize = absorbed.iter().map(|(o, _)| o.doc_terms.len()).sum();
        self.docs.reserve_exact(docs);
        self.doc_terms.reserve_exact(doc_terms);
        for (other, remap) in absorbed {
            self.append(other, &remap);
        }
    }

    /// Appends `other`'s postings, positions and documents, its term `i` being this one's
    /// `remap[i]`.
    fn append(&mut self, other: Segment<'a>, remap: &[u32]) {
        let Segment {
            terms,
            docs,
            doc_terms,
            ..
        } = other;
        let doc_offset = self.docs.len() as u32;
        for (t, &id) in terms.iter().zip(remap) {
            let st = &mut self.terms[id as usize];
            let base = st.positions.len() as u32;
            st.postings.extend(t.postings.iter().map(|p| SegPosting {
                doc: p.doc + doc_offset,
                pos: p.pos + base,
                ..*p
            }));
            st.positions.extend_from_slice(&t.positions);
        }
        let first = self.doc_terms.len();
        self.docs.extend(docs.into_iter().map(|d| SegDoc {
            first: d.first + first,
            ..d
        }));
        self.doc_terms
            .extend(doc_terms.iter().map(|&id| remap[id as usize]));
    }

    /// Sets the docnum of the segment's `k`th node and returns its tokens per field.
    pub(crate) fn set_docnum(&mut self, k: usize, docnum: u64) -> [u64; 3] {
        self.join();
        let d = &mut self.docs[k];
        d.docnum = docnum;
        d.field_len
    }

    /// Deletes the postings of `docnum` under `terms` (its previous entry).
    pub(crate) fn delete(&mut self, docnum: u64, terms: &[String]) {
        self.join();
        for term in terms {
            let id = intern(&mut self.ids, &mut self.terms, term);
            self.deletes.push((id, docnum));
        }
    }

    /// Analyzes the node at `index` of the batch (its docnum comes later, by
    /// [`Segment::set_docnum`]); returns its tokens per field. A field whose text the segment has
    /// analyzed before is replayed (see [`super::reuse`]).
    pub(crate) fn add(&mut self, index: usize, node: &NodeText<'a>) -> [u64; 3] {
        let doc = self.docs.len() as u32;
        let at = DocAt {
            doc,
            stamp: doc + 1,
        };
        let first = self.doc_terms.len();
        // Fields in field order, whatever order the caller gave: a posting's positions are the
        // title's, then the summary's, then the text's.
        let mut texts = [""; 3];
        for &(field, text) in node.fields {
            texts[field.index()] = text;
        }
        let mut field_len = [0u64; 3];
        for (f, text) in texts.into_iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            let lookup = if self.reuse {
                self.cache.lookup(text)
            } else {
                Lookup::Miss(None)
            };
            field_len[f] = u64::from(match lookup {
                Lookup::Hit(k) => self.replay(k, f, at),
                Lookup::Miss(keep) => self.analyze(text, f, at, keep),
            });
        }
        let doc_len = field_len.iter().sum();
        self.positions += doc_len as usize;
        self.docs.push(SegDoc {
            node: index,
            docnum: 0,
            doc_len,
            field_len,
            first,
            count: self.doc_terms.len() - first,
        });
        field_len
    }

    /// Analyzes field `f`'s `text` into the segment; keeps the analysis under `keep` when given.
    /// Returns the field's tokens.
    fn analyze(&mut self, text: &'a str, f: usize, at: DocAt, keep: Option<u64>) -> u32 {
        let Segment {
            stemming,
            reuse,
            ids,
            spellings,
            term_buf,
            terms,
            doc_terms,
            field_seq,
            touched,
            ..
        } = self;
        let (stemming, reuse) = (*stemming, *reuse);
        *field_seq += 1;
        let seq = *field_seq;
        touched.clear();
        let record = keep.is_some();
        let mut count = 0u32;
        for_each_spelling(text, stemming, |word, is_term, position| {
            count += 1;
            let id = if is_term {
                intern(ids, terms, word)
            } else if !reuse {
                term_into(word, stemming, term_buf);
                intern(ids, terms, term_buf)
            } else {
                spellings.get_or_insert(word, || {
                    term_into(word, stemming, term_buf);
                    intern(ids, terms, term_buf)
                })
            };
            let st = &mut terms[id as usize];
            open_posting(st, id, at, doc_terms);
            if record && st.field_seq != seq {
                st.field_seq = seq;
                touched.push((id, st.positions.len() as u32));
            }
            if let Some(p) = st.postings.last_mut() {
                push_gap(&mut st.positions, position - st.lasts[f]);
                st.lasts[f] = position;
                p.tf[f] += 1;
            }
        });
        if let Some(hash) = keep {
            let terms = &self.terms;
            let kept = self.touched.iter().map(|&(id, start)| {
                let st = &terms[id as usize];
                FieldTerm {
                    id,
                    tf: st.postings.last().map_or(0, |p| p.tf[f]),
                    start,
                    len: st.positions.len() as u32 - start,
                }
            });
            self.cache.insert(hash, text, count, kept);
        }
        count
    }

    /// Replays the kept analysis `k` as field `f` of the document `at`; returns its tokens.
    fn replay(&mut self, k: usize, f: usize, at: DocAt) -> u32 {
        let r = self.cache.replay(k);
        for t in r.terms {
            let st = &mut self.terms[t.id as usize];
            open_posting(st, t.id, at, &mut self.doc_terms);
            // The kept range is behind the end: this term's positions only grow in a segment.
            copy_within_end(&mut st.positions, t.start as usize, t.len as usize);
            if let Some(p) = st.postings.last_mut() {
                p.tf[f] += t.tf;
            }
        }
        r.tokens
    }

    /// Writes the document records and every term's postings and document frequency, and
    /// empties the segment for more nodes of the batch. The blocks appended after a term's
    /// present ones are encoded beside the writer when the segment is large (see [`append`]);
    /// the writes are the same, in the same order, either way.
    pub(crate) fn write(
        &mut self,
        tx: &mut WriteTxn,
        t: &Tables,
        nodes: &[NodeText<'_>],
    ) -> Result<()> {
        let mut cols = std::mem::take(&mut self.cols);
        let terms = &self.terms;
        let mut order: Vec<u32> = (0..terms.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| terms[a as usize].name.cmp(&terms[b as usize].name));
        let mut rank = vec![0u32; terms.len()];
        for (r, &id) in order.iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        // In term order, as the loop below takes them.
        self.deletes
            .sort_unstable_by_key(|&(id, doc)| (rank[id as usize], doc));
        self.sort_postings();
        let dels = std::mem::take(&mut self.deletes);
        let plans = self.plan_terms(tx, t, &mut cols, &order, &dels)?;
        self.write_planned(tx, t, nodes, &order, &plans, &dels)?;
        let mut dels = dels;
        dels.clear();
        self.deletes = dels;
        self.cols = cols;
        self.ids.clear();
        self.spellings.clear();
        self.cache.clear();
        self.terms.clear();
        self.docs.clear();
        self.doc_terms.clear();
        self.positions = 0;
        Ok(())
    }

    /// Sets each posting's position length and sorts each term's postings by docnum.
    fn sort_postings(&mut self) {
        let docs = &self.docs;
        for st in &mut self.terms {
            // Each posting's positions end where the next one's start (in the order they came).
            let mut end = st.positions.len() as u32;
            let mut sorted = true;
            let mut next_doc = u64::MAX;
            for p in st.postings.iter_mut().rev() {
                p.len = end - p.pos;
                end = p.pos;
                let docnum = docs[p.doc as usize].docnum;
                sorted &= docnum < next_doc;
                next_doc = docnum;
            }
            if !sorted {
                st.postings.sort_by_key(|p| docs[p.doc as usize].docnum);
            }
        }
    }

    /// The general edit of `st`: its new postings (sorted by docnum) inserted and `dels`
    /// (sorted) deleted; returns how its document frequency changed.
    fn edit_term(
        &self,
        tx: &mut WriteTxn,
        t: &Tables,
        st: &SegTerm,
        dels: &[(u32, u64)],
    ) -> Result<i64> {
        let edit = TermEdit {
            deletes: dels.iter().map(|&(_, d)| d).collect(),
            inserts: (0..st.postings.len())
                .map(|i| self.posting(st, i))
                .collect::<Result<_>>()?,
        };
        apply_edit(tx, t, &st.name, edit)
    }

    fn view<'v>(&'v self, st: &'v SegTerm, i: usize) -> PostingView<'v> {
        let p = &st.postings[i];
        let d = &self.docs[p.doc as usize];
        let at = p.pos as usize;
        PostingView {
            doc: d.docnum,
            tf: p.tf,
            doc_len: d.doc_len,
            positions: &st.positions[at..at + p.len as usize],
        }
    }

    /// The `fts.docs` records: who, field lengths, distinct terms in term order.
    fn write_docs(
        &self,
        tx: &mut WriteTxn,
        t: &Tables,
        nodes: &[NodeText<'_>],
        order: &[u32],
    ) -> Result<()> {
        let sorted = self.doc_terms_in_order(order);
        // Records in runs, inserted in node order through one walk to the tree's last leaf per
        // run (the tree an insert per record makes).
        let mut records = KeyRun::default();
        let mut key = KeyBuilder::with_capacity(16);
        for run in self.docs.chunks(DOCS_RUN) {
            for d in run {
                let terms = &sorted[d.first..d.first + d.count];
                let names = terms.iter().map(|&id| &*self.terms[id as usize].name);
                let doc = nodes[d.node].doc;
                records.push_with(doc_key_in(&mut key, d.docnum), |value| {
                    encode_doc_into(value, doc, d.field_len, terms.len(), names)
                });
            }
            records.insert_in_push_order(tx, t.docs)?;
        }
        Ok(())
    }

    /// Each document's terms in term order (`order`), where `doc_terms` holds them in the order
    /// they came: from one pass over the terms in term order (their postings transposed), not a
    /// sort per document, since a document has a posting in each term of its `doc_terms` range
    /// and in no other.
    fn doc_terms_in_order(&self, order: &[u32]) -> Vec<u32> {
        let mut next: Vec<usize> = self.docs.iter().map(|d| d.first).collect();
        let mut sorted = vec![0u32; self.doc_terms.len()];
        for &id in order {
            for p in &self.terms[id as usize].postings {
                let slot = &mut next[p.doc as usize];
                sorted[*slot] = id;
                *slot += 1;
            }
        }
        sorted
    }

    /// An owned posting, for the general edit.
    fn posting(&self, st: &SegTerm, i: usize) -> Result<Posting> {
        let v = self.view(st, i);
        Ok(Posting {
            doc: v.doc,
            tf: v.tf,
            doc_len: v.doc_len,
            positions: decode_posting_positions(v.positions, &v.tf)?,
        })
    }
}

/// Appends `v[start..start + len]` to `v`. A field's positions of one term are mostly a byte or
/// two, which a loop copies for less than a call to `memcpy`.
#[inline]
fn copy_within_end(v: &mut Vec<u8>, start: usize, len: usize) {
    if len <= 4 {
        v.reserve(len);
        for i in start..start + len {
            let b = v[i];
            v.push(b);
        }
    } else {
        v.extend_from_within(start..start + len);
    }
}

/// The document being added: its index in `Segment::docs` and its stamp (one more).
#[derive(Debug, Clone, Copy)]
struct DocAt {
    doc: u32,
    stamp: u32,
}

/// Starts the posting of `st` (term `id`) for the document `at` unless it has one already.
#[inline]
fn open_posting(st: &mut SegTerm, id: u32, at: DocAt, doc_terms: &mut Vec<u32>) {
    if st.stamp == at.stamp {
        return;
    }
    st.stamp = at.stamp;
    st.lasts = [0; 3];
    st.postings.push(SegPosting {
        doc: at.doc,
        tf: [0; 3],
        pos: st.positions.len() as u32,
        len: 0,
    });
    doc_terms.push(id);
}

/// The id of `term`, adding it on first sight.
#[inline]
fn intern(ids: &mut TermIds, terms: &mut Vec<SegTerm>, term: &str) -> u32 {
    ids.get_or_insert(term, || new_term(terms, term))
}

/// Adds `term` to `terms`; returns its id.
#[inline(never)]
fn new_term(terms: &mut Vec<SegTerm>, term: &str) -> u32 {
    let id = terms.len() as u32;
    terms.push(SegTerm {
        name: term.into(),
        postings: Vec::new(),
        positions: Vec::new(),
        lasts: [0; 3],
        stamp: 0,
        field_seq: 0,
    });
    id
}

/// Term ids of a batch. Terms of 1 to 16 bytes (nearly all) sit inline in an open-addressing
/// table, so a lookup hashes two words and compares two words, with no pointer to follow; longer
/// terms are in a map.
#[derive(Default)]
struct TermIds {
    /// Power-of-two length, at most half full.
    slots: Vec<ShortTerm>,
    count: usize,
    long: FxHashMap<Box<str>, u32>,
}

/// Eight bytes of `b` from `at`, little-endian.
#[inline]
fn load8(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// 1 to 7 bytes as a little-endian word, zero-padded.
#[inline]
fn small_word(b: &[u8]) -> u64 {
    let n = b.len();
    let load4 = |at: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&b[at..at + 4]);
        u64::from(u32::from_le_bytes(w))
    };
    if n >= 4 {
        // Two overlapping loads; the overlapping bytes agree.
        load4(0) | (load4(n - 4) << (8 * (n - 4)))
    } else {
        b.iter().rev().fold(0u64, |w, &x| (w << 8) | u64::from(x))
    }
}

/// A short term, zero-padded into two words; `meta` is `len << 32 | id`, 0 for an empty slot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ShortTerm {
    w0: u64,
    w1: u64,
    meta: u64,
}

const SHORT_TERM: usize = 16;

impl TermIds {
    /// The term (1 to 16 bytes) as two little-endian words, zero-padded. Built from overlapping
    /// loads rather than a copy into a padded buffer, whose reload would stall on the copy.
    #[inline]
    fn words(term: &[u8]) -> (u64, u64) {
        let n = term.len();
        match n {
            0 => (0, 0),
            1..=7 => (small_word(term), 0),
            8 => (load8(term, 0), 0),
            _ => (load8(term, 0), load8(term, n - 8) >> (8 * (16 - n))),
        }
    }

    #[inline(always)]
    fn hash(w0: u64, w1: u64, len: u64) -> u64 {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let h = (w0 ^ len.rotate_right(8)).wrapping_mul(K);
        (h.rotate_left(5) ^ w1).wrapping_mul(K)
    }

    /// The slot of a short term: its own, or the empty one where it belongs.
    #[inline(always)]
    fn find(&self, w0: u64, w1: u64, len: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = (Self::hash(w0, w1, len) >> 32) as usize & mask;
        loop {
            let e = &self.slots[i];
            if e.meta == 0 || (e.w0 == w0 && e.w1 == w1 && e.meta >> 32 == len) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /// The id of `term`, from `new_id` on first sight. The lookup of a short term seen before
    /// (nearly every call) is inlined into the caller; the rest is out of line.
    #[inline(always)]
    fn get_or_insert(&mut self, term: &str, new_id: impl FnOnce() -> u32) -> u32 {
        let bytes = term.as_bytes();
        if bytes.is_empty() || bytes.len() > SHORT_TERM || self.slots.is_empty() {
            return self.get_or_insert_slow(term, new_id);
        }
        let (w0, w1) = Self::words(bytes);
        let len = bytes.len() as u64;
        let i = self.find(w0, w1, len);
        let meta = self.slots[i].meta;
        if meta != 0 {
            return meta as u32;
        }
        self.insert_short(i, w0, w1, len, new_id())
    }

    /// [`TermIds::get_or_insert`] of a long or empty term, or into an empty table.
    #[cold]
    #[inline(never)]
    fn get_or_insert_slow(&mut self, term: &str, new_id: impl FnOnce() -> u32) -> u32 {
        let bytes = term.as_bytes();
        if bytes.is_empty() || bytes.len() > SHORT_TERM {
            if let Some(&id) = self.long.get(term) {
                return id;
            }
            let id = new_id();
            self.long.insert(term.into(), id);
            return id;
        }
        self.slots = vec![ShortTerm::default(); 1024];
        let (w0, w1) = Self::words(bytes);
        let len = bytes.len() as u64;
        let i = self.find(w0, w1, len);
        self.insert_short(i, w0, w1, len, new_id())
    }

    /// Puts the new short term `(w0, w1, len)` with `id` into the empty slot `i`.
    #[inline(never)]
    fn insert_short(&mut self, i: usize, w0: u64, w1: u64, len: u64, id: u32) -> u32 {
        self.slots[i] = ShortTerm {
            w0,
            w1,
            meta: len << 32 | u64::from(id),
        };
        self.count += 1;
        if self.count * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    fn grow(&mut self) {
        let bigger = vec![ShortTerm::default(); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        for e in old.into_iter().filter(|e| e.meta != 0) {
            let i = self.find(e.w0, e.w1, e.meta >> 32);
            self.slots[i] = e;
        }
    }

    fn clear(&mut self) {
        self.slots.fill(ShortTerm::default());
        self.count = 0;
        self.long.clear();
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_terms_load_as_padded_words() {
        for n in 0..=16 {
            let term: Vec<u8> = (1..=n as u8).map(|b| b.wrapping_mul(37)).collect();
            let mut padded = [0u8; 16];
            padded[..n].copy_from_slice(&term);
            let (lo, hi) = padded.split_at(8);
            let want = (
                u64::from_le_bytes(lo.try_into().unwrap()),
                u64::from_le_bytes(hi.try_into().unwrap()),
            );
            assert_eq!(TermIds::words(&term), want, "length {n}");
        }
    }

    #[test]
    fn term_ids_are_dense_and_stable_across_growth() {
        let mut ids = TermIds::default();
        let mut next = 0u32;
        let terms: Vec<String> = (0..5000)
            .map(|i| match i % 4 {
                0 => format!("t{i}"),
                1 => format!("{i:016}"),
                2 => format!("{i:017}"),
                _ => format!("é{i}"),
            })
            .collect();
        for t in &terms {
            let id = ids.get_or_insert(t, || {
                next += 1;
                next - 1
            });
            assert_eq!(id, next - 1, "{t} is new");
        }
        for (i, t) in terms.iter().enumerate() {
            assert_eq!(ids.get_or_insert(t, || unreachable!()), i as u32);
        }
        ids.clear();
        assert_eq!(ids.get_or_insert("t0", || 77), 77);
    }
}

#[cfg(test)]
mod bench {
    use super::super::analyze::for_each_term;
    use super::*;
    use crate::document::gen;
    use crate::search::{DocRef, Field};

    /// Nanoseconds per token of the word splitter, of splitting and interning, and of segment
    /// analysis, on the generated corpus: `cargo test --release -p treestore-core --lib
    /// segment_analysis_speed -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn segment_analysis_speed() {
        let corpus: Vec<_> = gen::corpus(7, 200, &gen::GenConfig::default()).collect();
        let texts: Vec<(DocRef, [(Field, String); 3])> = corpus
            .iter()
            .flat_map(|(d, nodes)| {
                nodes.iter().map(|n| {
                    let doc = DocRef::new(&d.policy_id, &d.version_id, &n.node_id);
                    let summary = n.summary.clone().unwrap_or_default();
                    let text = n.text.clone().unwrap_or_default();
                    let fields = [
                        (Field::Title, n.title.clone()),
                        (Field::Summary, summary),
                        (Field::Text, text),
                    ];
                    (doc, fields)
                })
            })
            .collect();
        let fields: Vec<[(Field, &str); 3]> = texts
            .iter()
            .map(|(_, f)| [(f[0].0, &*f[0].1), (f[1].0, &*f[1].1), (f[2].0, &*f[2].1)])
            .collect();
        let nodes: Vec<NodeText<'_>> = texts
            .iter()
            .zip(&fields)
            .map(|((d, _), f)| NodeText { doc: d, fields: f })
            .collect();
        let per_token = |started: std::time::Instant, tokens: u64| {
            started.elapsed().as_secs_f64() * 1e9 / tokens as f64
        };
        let (mut tokens, mut check) = (0u64, 0u64);
        let started = std::time::Instant::now();
        for f in &fields {
            for (_, text) in f {
                for_each_term(text, Stemming::None, |t, p| {
                    tokens += 1;
                    check += t.len() as u64 + u64::from(p);
                });
            }
        }
        let split = per_token(started, tokens);
        let mut ids = TermIds::default();
        let mut next = 0u32;
        let started = std::time::Instant::now();
        for f in &fields {
            for (_, text) in f {
                for_each_term(text, Stemming::None, |t, _| {
                    check += u64::from(ids.get_or_insert(t, || {
                        next += 1;
                        next
                    }));
                });
            }
        }
        let intern = per_token(started, tokens);
        let mut seg = Segment::new(Stemming::None);
        let started = std::time::Instant::now();
        for (i, n) in nodes.iter().enumerate() {
            check += seg.add(i, n).iter().sum::<u64>();
        }
        let add = per_token(started, tokens);
        println!(
            "{} nodes, {tokens} tokens: split {split:.1} ns/token, split and intern {intern:.1}, \
             segment add {add:.1} ({check})",
            nodes.len()
        );
    }
}
