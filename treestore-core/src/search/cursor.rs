//! Posting cursors of the query side: one term's postings within a set of docnum ranges
//! ([`TermCursor`]), the documents where a phrase occurs ([`PhraseCursor`]), and materialized
//! lists of either or of a prefix's merged terms ([`ListCursor`]). Every cursor moves forward only: `seek(target)`
//! positions it on its first document at or after `target` and returns it, or [`EOF`].

use std::ops::Bound;

use super::block::{decode_positions, decode_postings, BlockColumns};
use super::layout::{block_key, read_block_key, term_key, Tables};
use crate::btree::Bytes;
use crate::db::{Range, ReadOps};
use crate::error::Result;
use crate::keys::prefix_successor;

/// The docnum a cursor returns once it has no more documents.
pub(crate) const EOF: u64 = u64::MAX;

/// Every docnum: the range of an unrestricted search.
pub(crate) const ALL_DOCS: [(u64, u64); 1] = [(0, EOF)];

/// Blocks skipped one by one in a seek before the cursor re-descends the B+tree instead.
const MAX_SEQUENTIAL_SKIPS: u32 = 8;

/// One term's postings in the docnum ranges `[lo, hi)` given (sorted, disjoint).
pub(crate) struct TermCursor<'a, R: ReadOps + ?Sized> {
    tx: &'a R,
    t: Tables,
    term: String,
    prefix: Vec<u8>,
    prefix_end: Option<Vec<u8>>,
    ranges: Vec<(u64, u64)>,
    range_idx: usize,
    iter: Option<Range<'a>>,
    /// The block after the decoded one, read from the tree but not decoded.
    pending: Option<(u64, Bytes<'a>)>,
    cols: BlockColumns,
    idx: usize,
    block_first: u64,
    doc: Option<u64>,
    positions_loaded: bool,
    flat: Vec<u32>,
    offsets: Vec<usize>,
}

impl<'a, R: ReadOps + ?Sized> TermCursor<'a, R> {
    pub fn new(tx: &'a R, t: Tables, term: &str, ranges: &[(u64, u64)]) -> TermCursor<'a, R> {
        let prefix = term_key(term);
        TermCursor {
            tx,
            t,
            term: term.to_string(),
            prefix_end: prefix_successor(&prefix),
            prefix,
            ranges: ranges.to_vec(),
            range_idx: 0,
            iter: None,
            pending: None,
            cols: BlockColumns::default(),
            idx: 0,
            block_first: 0,
            doc: None,
            positions_loaded: false,
            flat: Vec::new(),
            offsets: Vec::new(),
        }
    }

    /// The first document at or after `target`, or [`EOF`].
    pub fn seek(&mut self, mut target: u64) -> Result<u64> {
        if let Some(d) = self.doc {
            if d >= target {
                return Ok(d);
            }
        }
        loop {
            while self
                .ranges
                .get(self.range_idx)
                .is_some_and(|&(_, hi)| target >= hi)
            {
                self.range_idx += 1;
                self.iter = None;
            }
            let Some(&(lo, hi)) = self.ranges.get(self.range_idx) else {
                self.doc = Some(EOF);
                return Ok(EOF);
            };
            let target_in = target.max(lo);
            if self.iter.is_none() {
                self.reseek(target_in)?;
            }
            let d = self.advance_to(target_in)?;
            if d == EOF || d < hi {
                self.doc = Some(d);
                return Ok(d);
            }
            target = d;
        }
    }

    /// Repositions the tree scan on the block that may hold `target`.
    fn reseek(&mut self, target: u64) -> Result<()> {
        let at = block_key(&self.term, target);
        let start = self
            .tx
            .range_rev(
                self.t.postings,
                Bound::Included(&self.prefix),
                Bound::Included(&at),
            )?
            .next()
            .transpose()?
            .map(|(k, _)| k.to_vec());
        let lower = start.as_deref().unwrap_or(&self.prefix);
        let upper = self
            .prefix_end
            .as_deref()
            .map_or(Bound::Unbounded, Bound::Excluded);
        self.iter = Some(
            self.tx
                .range(self.t.postings, Bound::Included(lower), upper)?,
        );
        self.pending = None;
        self.cols.docs.clear();
        self.idx = 0;
        Ok(())
    }

    fn next_raw(&mut self) -> Result<Option<(u64, Bytes<'a>)>> {
        let Some(iter) = self.iter.as_mut() else {
            return Ok(None);
        };
        match iter.next().transpose()? {
            Some((k, v)) => Ok(Some((read_block_key(&k, self.prefix.len())?, v))),
            None => Ok(None),
        }
    }

    /// The first posting at or after `target` from the current block on.
    fn advance_to(&mut self, target: u64) -> Result<u64> {
        loop {
            if let Some(rest) = self.cols.docs.get(self.idx..) {
                if rest.last().is_some_and(|&l| l >= target) {
                    self.idx += rest.partition_point(|&d| d < target);
                    return Ok(self.cols.docs.get(self.idx).copied().unwrap_or(EOF));
                }
            }
            if !self.load_next_block(target)? {
                self.idx = self.cols.docs.len();
                return Ok(EOF);
            }
        }
    }

    /// Decodes the next block that may hold `target`, skipping blocks whose successor starts at
    /// or before it without decoding them. False at the end of the term.
    fn load_next_block(&mut self, target: u64) -> Result<bool> {
        let mut skips = 0;
        loop {
            let cand = match self.pending.take() {
                Some(p) => p,
                None => match self.next_raw()? {
                    Some(p) => p,
                    None => return Ok(false),
                },
            };
            self.pending = self.next_raw()?;
            if self
                .pending
                .as_ref()
                .is_some_and(|(next, _)| *next <= target)
            {
                skips += 1;
                if skips > MAX_SEQUENTIAL_SKIPS {
                    self.reseek(target)?;
                    skips = 0;
                }
                continue;
            }
            decode_postings(cand.0, &cand.1, &mut self.cols)?;
            self.block_first = cand.0;
            self.idx = 0;
            self.positions_loaded = false;
            return Ok(true);
        }
    }

    /// Term frequencies per field at the current document.
    pub fn tf(&self) -> [u32; 3] {
        self.cols.tf.get(self.idx).copied().unwrap_or_default()
    }

    /// Tokens in the current document.
    pub fn doc_len(&self) -> u64 {
        self.cols.doc_len.get(self.idx).copied().unwrap_or_default()
    }

    /// Loads the positions of the current block, if not loaded yet.
    pub fn load_positions(&mut self) -> Result<()> {
        if self.positions_loaded {
            return Ok(());
        }
        let key = block_key(&self.term, self.block_first);
        let v = self.tx.get(self.t.positions, &key)?.ok_or_else(|| {
            crate::error::Error::corruption(format!(
                "fts.positions: block {} of term {:?} is missing",
                self.block_first, self.term
            ))
        })?;
        decode_positions(
            self.block_first,
            &v,
            &self.cols,
            &mut self.flat,
            &mut self.offsets,
        )?;
        self.positions_loaded = true;
        Ok(())
    }

    /// Positions in field `f` at the current document; [`Self::load_positions`] first.
    pub fn positions(&self, f: usize) -> &[u32] {
        let at = self.idx * 3 + f;
        match (self.offsets.get(at), self.offsets.get(at + 1)) {
            (Some(&a), Some(&b)) if self.positions_loaded => {
                self.flat.get(a..b).unwrap_or_default()
            }
            _ => &[],
        }
    }
}

/// A materialized posting list: per document, occurrences per field and the document length.
/// Prefix and phrase leaves use it: their IDF needs the whole list anyway.
pub(crate) struct ListCursor {
    postings: Vec<(u64, [u32; 3], u64)>,
    idx: usize,
}

impl ListCursor {
    /// The merged postings of `terms` in `ranges`, summing the occurrences of every term per
    /// document as FTS5 counts a prefix query's instances.
    pub fn union<R: ReadOps + ?Sized>(
        tx: &R,
        t: Tables,
        terms: &[String],
        ranges: &[(u64, u64)],
    ) -> Result<ListCursor> {
        let mut all: Vec<(u64, [u32; 3], u64)> = Vec::new();
        for term in terms {
            let mut c = TermCursor::new(tx, t, term, ranges);
            let mut d = c.seek(0)?;
            while d != EOF {
                all.push((d, c.tf(), c.doc_len()));
                d = c.seek(d + 1)?;
            }
        }
        all.sort_by_key(|p| p.0);
        let mut postings: Vec<(u64, [u32; 3], u64)> = Vec::with_capacity(all.len());
        for (d, tf, len) in all {
            match postings.last_mut() {
                Some(last) if last.0 == d => {
                    for (a, b) in last.1.iter_mut().zip(tf) {
                        *a += b;
                    }
                }
                _ => postings.push((d, tf, len)),
            }
        }
        Ok(ListCursor { postings, idx: 0 })
    }

    /// Every match of the phrase `words` in `ranges`.
    pub fn phrase<R: ReadOps + ?Sized>(
        tx: &R,
        t: Tables,
        words: &[String],
        ranges: &[(u64, u64)],
    ) -> Result<ListCursor> {
        let mut c = PhraseCursor::new(tx, t, words, ranges);
        let mut postings = Vec::new();
        let mut d = c.seek(0)?;
        while d != EOF {
            postings.push((d, c.counts, c.doc_len));
            d = c.seek(d + 1)?;
        }
        Ok(ListCursor { postings, idx: 0 })
    }

    /// Keeps the documents in `ranges` (sorted, disjoint).
    pub fn restrict(&mut self, ranges: &[(u64, u64)]) {
        self.postings.retain(|p| {
            let i = ranges.partition_point(|r| r.1 <= p.0);
            ranges.get(i).is_some_and(|r| r.0 <= p.0)
        });
        self.idx = 0;
    }

    /// Documents in the list.
    pub fn doc_count(&self) -> u64 {
        self.postings.len() as u64
    }

    pub fn seek(&mut self, target: u64) -> u64 {
        if let Some(rest) = self.postings.get(self.idx..) {
            self.idx += rest.partition_point(|p| p.0 < target);
        }
        self.postings.get(self.idx).map_or(EOF, |p| p.0)
    }

    pub fn tf(&self) -> [u32; 3] {
        self.postings.get(self.idx).map_or([0; 3], |p| p.1)
    }

    pub fn doc_len(&self) -> u64 {
        self.postings.get(self.idx).map_or(0, |p| p.2)
    }
}

/// Documents where the terms occur at consecutive positions of one field.
pub(crate) struct PhraseCursor<'a, R: ReadOps + ?Sized> {
    words: Vec<TermCursor<'a, R>>,
    doc: Option<u64>,
    counts: [u32; 3],
    doc_len: u64,
}

impl<'a, R: ReadOps + ?Sized> PhraseCursor<'a, R> {
    pub fn new(tx: &'a R, t: Tables, terms: &[String], ranges: &[(u64, u64)]) -> Self {
        PhraseCursor {
            words: terms
                .iter()
                .map(|w| TermCursor::new(tx, t, w, ranges))
                .collect(),
            doc: None,
            counts: [0; 3],
            doc_len: 0,
        }
    }

    pub fn seek(&mut self, mut target: u64) -> Result<u64> {
        if let Some(d) = self.doc {
            if d >= target {
                return Ok(d);
            }
        }
        loop {
            let d = self.all_at(target)?;
            if d == EOF {
                self.doc = Some(EOF);
                return Ok(EOF);
            }
            let counts = self.phrase_counts()?;
            if counts.iter().any(|&c| c > 0) {
                self.doc = Some(d);
                self.counts = counts;
                self.doc_len = self.words.first().map_or(0, |w| w.doc_len());
                return Ok(d);
            }
            target = d + 1;
        }
    }

    /// The first document at or after `target` holding every word.
    fn all_at(&mut self, mut target: u64) -> Result<u64> {
        'again: loop {
            for w in &mut self.words {
                let d = w.seek(target)?;
                if d == EOF {
                    return Ok(EOF);
                }
                if d > target {
                    target = d;
                    continue 'again;
                }
            }
            return Ok(target);
        }
    }

    /// Occurrences of the phrase per field in the document all words are on.
    fn phrase_counts(&mut self) -> Result<[u32; 3]> {
        for w in &mut self.words {
            w.load_positions()?;
        }
        let mut counts = [0u32; 3];
        for (f, count) in counts.iter_mut().enumerate() {
            let Some((first, rest)) = self.words.split_first() else {
                break;
            };
            *count = first
                .positions(f)
                .iter()
                .filter(|&&start| {
                    rest.iter().enumerate().all(|(i, w)| {
                        let want = u64::from(start) + i as u64 + 1;
                        w.positions(f)
                            .binary_search_by(|&p| u64::from(p).cmp(&want))
                            .is_ok()
                    })
                })
                .count() as u32;
        }
        Ok(counts)
    }
}
