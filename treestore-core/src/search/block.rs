//! Posting blocks: the encoding of `fts.postings` and `fts.positions` values, and the edits that
//! add and remove postings of one term while keeping its blocks sorted, disjoint and small.
//!
//! A term's postings are split into blocks of at most [`MAX_BLOCK_POSTINGS`] postings, each stored
//! twice under the same key `(term, first docnum)`: the postings (docnum, per-field term
//! frequencies, document length), read by every query, and the positions, read by phrase queries
//! only. Keeping positions apart keeps the postings blocks small enough to stay inline in the
//! B+tree pages, so a term query reads ~128 postings per entry.

use std::ops::Bound;

use super::layout::{block_key, block_key_in, read_block_key, term_key, Tables};
use crate::codec::{uvar_bytes, Decoder, Encoder};
use crate::db::{ReadOps, WriteTxn};
use crate::error::{Error, Result};
use crate::keys::{prefix_successor, KeyBuilder};

/// Most postings in one block.
pub(crate) const MAX_BLOCK_POSTINGS: usize = 128;

#[cfg(test)]
thread_local! {
    /// Tests lower the block size to exercise splits and skips on small corpora.
    pub(crate) static TEST_BLOCK_POSTINGS: std::cell::Cell<usize> =
        const { std::cell::Cell::new(MAX_BLOCK_POSTINGS) };
}

fn max_block_postings() -> usize {
    #[cfg(test)]
    return TEST_BLOCK_POSTINGS.with(|c| c.get());
    #[cfg(not(test))]
    MAX_BLOCK_POSTINGS
}
/// Soft limit of the encoded postings of one block, so that blocks stay inline at 4 KiB pages.
const MAX_BLOCK_BYTES: usize = 768;

const FORMAT: u8 = 1;

/// One document's entry in one term's posting list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Posting {
    pub doc: u64,
    /// Occurrences per field (title, summary, text).
    pub tf: [u32; 3],
    /// Tokens in the whole document (all fields): BM25's D.
    pub doc_len: u64,
    /// Positions per field, ascending; `positions[f].len() == tf[f]`.
    pub positions: [Vec<u32>; 3],
}

#[inline]
fn mask_of(tf: &[u32; 3]) -> u8 {
    u8::from(tf[0] > 0) | u8::from(tf[1] > 0) << 1 | u8::from(tf[2] > 0) << 2
}

/// Writes one posting's entry in the postings value: the document gap, the field mask, the
/// non-zero term frequencies and the document length.
fn put_posting_head(p: &mut Encoder, doc_gap: u64, tf: &[u32; 3], doc_len: u64) {
    p.uvar(doc_gap);
    p.u8(mask_of(tf));
    for &n in tf.iter().filter(|&&n| n > 0) {
        p.uvar(u64::from(n));
    }
    p.uvar(doc_len);
}

/// Encodes `postings` (sorted, non-empty) as the postings value and the positions value of the
/// block keyed by `postings[0].doc`.
pub(crate) fn encode_block(postings: &[Posting]) -> (Vec<u8>, Vec<u8>) {
    let mut p = Encoder::with_capacity(postings.len() * 6 + 2);
    let mut q = Encoder::with_capacity(postings.len() * 4 + 2);
    p.u8(FORMAT).uvar(postings.len() as u64);
    q.u8(FORMAT).uvar(postings.len() as u64);
    let mut prev = postings.first().map_or(0, |x| x.doc);
    for x in postings {
        put_posting_head(&mut p, x.doc - prev, &x.tf, x.doc_len);
        prev = x.doc;
        for field in x.positions.iter().filter(|ps| !ps.is_empty()) {
            let mut last = 0;
            for (i, &pos) in field.iter().enumerate() {
                q.uvar(u64::from(if i == 0 { pos } else { pos - last }));
                last = pos;
            }
        }
    }
    (p.finish(), q.finish())
}

/// One posting borrowed from wherever it is held (a stored block, a batch's segment), its
/// positions already encoded as a positions value holds them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PostingView<'a> {
    pub doc: u64,
    pub tf: [u32; 3],
    pub doc_len: u64,
    /// The encoded positions: per field with occurrences (title, summary, text), the first
    /// position then the gaps, LEB128.
    pub positions: &'a [u8],
}

/// Appends a gap to a posting's encoded positions (LEB128): the distance from the previous
/// position of the field, or the first position itself.
#[inline]
pub(crate) fn push_gap(out: &mut Vec<u8>, gap: u32) {
    let mut v = gap;
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The encoded positions of one owned posting.
#[cfg(test)]
pub(crate) fn encode_positions(positions: &[Vec<u32>; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    for field in positions {
        let mut last = 0;
        for &pos in field {
            push_gap(&mut out, pos - last);
            last = pos;
        }
    }
    out
}

/// Decodes the encoded positions of one posting with frequencies `tf` into its fields.
pub(crate) fn decode_posting_positions(bytes: &[u8], tf: &[u32; 3]) -> Result<[Vec<u32>; 3]> {
    let mut d = Decoder::new(bytes, "fts.positions");
    let mut out: [Vec<u32>; 3] = Default::default();
    for (slot, &n) in out.iter_mut().zip(tf) {
        let mut pos: u64 = 0;
        for i in 0..n {
            let gap = d.uvar()?;
            pos = if i == 0 { gap } else { pos + gap };
            slot.push(
                u32::try_from(pos).map_err(|_| {
                    Error::corruption("fts.positions: position overflow".to_string())
                })?,
            );
        }
    }
    Ok(out)
}

/// The byte range of each posting's encoded positions in a positions value (after its header),
/// found by skipping LEB128 numbers without decoding them.
pub(crate) fn position_spans(
    first: u64,
    v: &[u8],
    cols: &BlockColumns,
) -> Result<Vec<std::ops::Range<usize>>> {
    let mut d = Decoder::new(v, "fts.positions");
    if d.u8()? != FORMAT {
        return Err(bad("fts.positions", first, "unknown format"));
    }
    if d.uvar()? != cols.len() as u64 {
        return Err(bad("fts.positions", first, "posting count differs"));
    }
    let mut at = v.len() - d.remaining();
    let mut spans = Vec::with_capacity(cols.len());
    for tf in &cols.tf {
        let start = at;
        let mut left = tf.iter().sum::<u32>();
        while left > 0 {
            let b = *v
                .get(at)
                .ok_or_else(|| bad("fts.positions", first, "truncated"))?;
            at += 1;
            if b & 0x80 == 0 {
                left -= 1;
            }
        }
        spans.push(start..at);
    }
    if at != v.len() {
        return Err(bad("fts.positions", first, "trailing bytes"));
    }
    Ok(spans)
}

/// [`encode_block`] of borrowed postings (sorted, non-empty); the same bytes.
#[cfg(test)]
pub(crate) fn encode_views(postings: &[PostingView<'_>]) -> (Vec<u8>, Vec<u8>) {
    encode_views_in(postings, &[], &mut Vec::new())
}

/// [`encode_views_into`] as two values.
#[cfg(test)]
pub(crate) fn encode_views_in(
    postings: &[PostingView<'_>],
    backing: &[u8],
    scratch: &mut Vec<u8>,
) -> (Vec<u8>, Vec<u8>) {
    let mut out = Vec::new();
    let at = encode_views_into(postings, backing, scratch, &mut out);
    let positions = out.split_off(at);
    (out, positions)
}

/// [`encode_block`] of borrowed postings (sorted, non-empty), where positions that lie end to
/// end inside `backing` (a segment term's positions, kept in the order of its postings) are
/// copied as one run instead of a copy per posting; positions elsewhere are copied one by one.
/// The same bytes whatever `backing` is. `scratch` is room reused from block to block.
/// Both values are appended to `out`, the postings value then the positions value; returns
/// where the positions value starts.
pub(crate) fn encode_views_into(
    postings: &[PostingView<'_>],
    backing: &[u8],
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> usize {
    let (count, count_len) = uvar_bytes(postings.len() as u64);
    let count = &count[..count_len];
    // The heads are written into `scratch`, with room for the longest ones (a store per byte,
    // without a capacity check per byte), then copied out.
    let mut at = 1 + count.len();
    let room = at + postings.len() * MAX_HEAD;
    if scratch.len() < room {
        scratch.resize(room, 0);
    }
    scratch[0] = FORMAT;
    scratch[1..at].copy_from_slice(count);
    let mut prev = postings.first().map_or(0, |x| x.doc);
    for x in postings {
        at = put_head_at(scratch, at, x.doc - prev, &x.tf, x.doc_len);
        prev = x.doc;
    }
    let bytes: usize = postings.iter().map(|x| x.positions.len()).sum();
    out.reserve(at + 1 + count.len() + bytes);
    out.extend_from_slice(&scratch[..at]);
    let positions_at = out.len();
    out.push(FORMAT);
    out.extend_from_slice(count);
    // The run of `backing` not yet copied.
    let mut run = 0..0;
    for x in postings {
        match offset_in(backing, x.positions) {
            Some(at) if at == run.end => run.end += x.positions.len(),
            Some(at) => {
                out.extend_from_slice(&backing[run]);
                run = at..at + x.positions.len();
            }
            None => {
                out.extend_from_slice(&backing[run]);
                run = 0..0;
                out.extend_from_slice(x.positions);
            }
        }
    }
    out.extend_from_slice(&backing[run]);
    positions_at
}

/// The most bytes one posting head takes: the docnum gap, the mask, three frequencies and the
/// document length, LEB128.
const MAX_HEAD: usize = 10 + 1 + 3 * 5 + 10;

/// [`put_posting_head`] into `out[at..]` (room for [`MAX_HEAD`] bytes); returns where it ends.
#[inline]
fn put_head_at(out: &mut [u8], at: usize, doc_gap: u64, tf: &[u32; 3], doc_len: u64) -> usize {
    if doc_gap < 0x80 && doc_len < 0x4000 && (tf[0] | tf[1] | tf[2]) < 0x80 {
        // The gap and the frequencies one byte each, the length one or two (the common case):
        // no loops. A zero frequency's byte is written and then overwritten by the next one.
        let o = &mut out[at..at + 7];
        o[0] = doc_gap as u8;
        o[1] = mask_of(tf);
        let mut k = 2;
        for &n in tf {
            o[k] = n as u8;
            k += usize::from(n > 0);
        }
        if doc_len < 0x80 {
            o[k] = doc_len as u8;
            return at + k + 1;
        }
        o[k] = doc_len as u8 | 0x80;
        o[k + 1] = (doc_len >> 7) as u8;
        return at + k + 2;
    }
    let mut at = put_uvar_at(out, at, doc_gap);
    out[at] = mask_of(tf);
    at += 1;
    for &n in tf.iter().filter(|&&n| n > 0) {
        at = put_uvar_at(out, at, u64::from(n));
    }
    put_uvar_at(out, at, doc_len)
}

/// `v` as LEB128 into `out[at..]`; returns where it ends.
#[inline]
fn put_uvar_at(out: &mut [u8], mut at: usize, mut v: u64) -> usize {
    while v >= 0x80 {
        out[at] = (v as u8) | 0x80;
        v >>= 7;
        at += 1;
    }
    out[at] = v as u8;
    at + 1
}

/// Where `part` starts inside `whole`, when it lies inside it.
fn offset_in(whole: &[u8], part: &[u8]) -> Option<usize> {
    let at = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (at.checked_add(part.len())? <= whole.len()).then_some(at)
}

/// The postings of one block, decoded into reusable columns.
#[derive(Debug, Default)]
pub(crate) struct BlockColumns {
    pub docs: Vec<u64>,
    pub tf: Vec<[u32; 3]>,
    pub doc_len: Vec<u64>,
}

impl BlockColumns {
    pub fn len(&self) -> usize {
        self.docs.len()
    }
}

fn bad(what: &str, first: u64, why: &str) -> Error {
    Error::corruption(format!("{what} block at docnum {first}: {why}"))
}

/// Decodes the postings value of the block whose key holds `first`.
pub(crate) fn decode_postings(first: u64, v: &[u8], out: &mut BlockColumns) -> Result<()> {
    out.docs.clear();
    out.tf.clear();
    out.doc_len.clear();
    let mut d = Decoder::new(v, "fts.postings");
    if d.u8()? != FORMAT {
        return Err(bad("fts.postings", first, "unknown format"));
    }
    let n = d.uvar()?;
    if n == 0 || n > 1 << 20 {
        return Err(bad("fts.postings", first, &format!("{n} postings")));
    }
    let mut doc = first;
    for i in 0..n {
        let delta = d.uvar()?;
        if (i == 0) != (delta == 0) {
            return Err(bad("fts.postings", first, "docnums out of order"));
        }
        doc = doc
            .checked_add(delta)
            .ok_or_else(|| bad("fts.postings", first, "docnum overflow"))?;
        let mask = d.u8()?;
        if mask == 0 || mask > 7 {
            return Err(bad("fts.postings", first, "bad field mask"));
        }
        let mut tf = [0u32; 3];
        for (f, slot) in tf.iter_mut().enumerate() {
            if mask & (1 << f) != 0 {
                *slot = u32::try_from(d.uvar()?)
                    .ok()
                    .filter(|&t| t > 0)
                    .ok_or_else(|| bad("fts.postings", first, "bad term frequency"))?;
            }
        }
        out.docs.push(doc);
        out.tf.push(tf);
        out.doc_len.push(d.uvar()?);
    }
    if !d.is_empty() {
        return Err(bad("fts.postings", first, "trailing bytes"));
    }
    Ok(())
}

/// Decodes the positions value of a block into one flat list: for posting `i` and field `f`,
/// the positions are `flat[offsets[i*3+f] .. offsets[i*3+f+1]]`.
pub(crate) fn decode_positions(
    first: u64,
    v: &[u8],
    cols: &BlockColumns,
    flat: &mut Vec<u32>,
    offsets: &mut Vec<usize>,
) -> Result<()> {
    flat.clear();
    offsets.clear();
    let mut d = Decoder::new(v, "fts.positions");
    if d.u8()? != FORMAT {
        return Err(bad("fts.positions", first, "unknown format"));
    }
    if d.uvar()? != cols.len() as u64 {
        return Err(bad("fts.positions", first, "posting count differs"));
    }
    offsets.push(0);
    for tf in &cols.tf {
        for &n in tf {
            let mut pos: u64 = 0;
            for i in 0..n {
                let gap = d.uvar()?;
                if i > 0 && gap == 0 {
                    return Err(bad("fts.positions", first, "positions out of order"));
                }
                pos = pos.saturating_add(gap);
                flat.push(
                    u32::try_from(pos)
                        .map_err(|_| bad("fts.positions", first, "position overflow"))?,
                );
            }
            offsets.push(flat.len());
        }
    }
    if !d.is_empty() {
        return Err(bad("fts.positions", first, "trailing bytes"));
    }
    Ok(())
}

/// Decodes both values of a block into full postings.
pub(crate) fn decode_block(first: u64, postings: &[u8], positions: &[u8]) -> Result<Vec<Posting>> {
    let mut cols = BlockColumns::default();
    decode_postings(first, postings, &mut cols)?;
    let mut flat = Vec::new();
    let mut offsets = Vec::new();
    decode_positions(first, positions, &cols, &mut flat, &mut offsets)?;
    let mut spans = offsets
        .windows(2)
        .map(|w| flat.get(w[0]..w[1]).unwrap_or_default());
    let mut out = Vec::with_capacity(cols.len());
    for ((&doc, &tf), &doc_len) in cols.docs.iter().zip(&cols.tf).zip(&cols.doc_len) {
        let mut p = Posting {
            doc,
            tf,
            doc_len,
            positions: Default::default(),
        };
        for slot in p.positions.iter_mut() {
            *slot = spans.next().unwrap_or_default().to_vec();
        }
        out.push(p);
    }
    Ok(out)
}

/// Changes to one term's posting list: documents to drop and postings to add, both sorted by
/// docnum. A docnum in both is a replacement.
#[derive(Debug, Default)]
pub(crate) struct TermEdit {
    pub deletes: Vec<u64>,
    pub inserts: Vec<Posting>,
}

/// Applies `edit` to the blocks of `term`; returns the change of its document frequency.
/// Deleting a posting that is not there, or adding one that is, is `Corruption`: the documents
/// table and the postings disagree.
pub(crate) fn apply_edit(tx: &mut WriteTxn, t: &Tables, term: &str, edit: TermEdit) -> Result<i64> {
    let TermEdit { deletes, inserts } = edit;
    let df_delta = inserts.len() as i64 - deletes.len() as i64;
    let prefix = term_key(term);
    let prefix_end = prefix_successor(&prefix);
    let mut dels = deletes.as_slice();
    let mut ins = inserts.into_iter().peekable();
    loop {
        let d = match (dels.first(), ins.peek()) {
            (Some(&a), Some(b)) => a.min(b.doc),
            (Some(&a), None) => a,
            (None, Some(b)) => b.doc,
            (None, None) => break,
        };
        let Some(block) = locate_block(tx, t, &prefix, prefix_end.as_deref(), term, d)? else {
            if let Some(&x) = dels.first() {
                return Err(missing(term, x));
            }
            write_chunks(tx, t, term, None, &ins.collect::<Vec<_>>(), true)?;
            break;
        };
        let in_block = |doc: u64| block.next.is_none_or(|n| doc < n);
        let (block_dels, rest) = dels.split_at(dels.iter().take_while(|&&x| in_block(x)).count());
        dels = rest;
        let mut block_ins = Vec::new();
        while let Some(p) = ins.next_if(|p| in_block(p.doc)) {
            block_ins.push(p);
        }
        // The block found for `d` holds it unless the blocks' keys are out of order (a damaged
        // page): the next turn would find the same block again, forever.
        if block_dels.is_empty() && block_ins.is_empty() {
            return Err(bad(
                "fts.postings",
                block.first,
                &format!("term {term:?}: the next block starts at or before document {d}"),
            ));
        }
        let positions = tx
            .get(t.positions, &block.key)?
            .ok_or_else(|| bad("fts.positions", block.first, "missing beside its postings"))?;
        let old = decode_block(block.first, &block.postings, &positions)?;
        let appends_only = block.next.is_none()
            && block_dels.is_empty()
            && old
                .last()
                .is_none_or(|l| block_ins.first().is_none_or(|x| x.doc > l.doc));
        let merged = merge(term, old, block_dels, block_ins)?;
        write_chunks(tx, t, term, Some(&block.key), &merged, appends_only)?;
    }
    Ok(df_delta)
}

fn missing(term: &str, doc: u64) -> Error {
    Error::corruption(format!(
        "fts.postings: term {term:?} has no posting for document {doc} that fts.docs lists"
    ))
}

/// A block found for an edit, with the first docnum of the block after it.
struct FoundBlock {
    key: Vec<u8>,
    first: u64,
    postings: Vec<u8>,
    next: Option<u64>,
}

/// The block responsible for docnum `d`: the last one starting at or before it, else the first.
fn locate_block(
    tx: &WriteTxn,
    t: &Tables,
    prefix: &[u8],
    prefix_end: Option<&[u8]>,
    term: &str,
    d: u64,
) -> Result<Option<FoundBlock>> {
    let at = block_key(term, d);
    let before = tx
        .range_rev(t.postings, Bound::Included(prefix), Bound::Included(&at))?
        .next()
        .transpose()?
        .map(|(k, _)| k.to_vec());
    let start = before.as_deref().unwrap_or(prefix);
    let upper = prefix_end.map_or(Bound::Unbounded, Bound::Excluded);
    let mut it = tx.range(t.postings, Bound::Included(start), upper)?;
    let Some((key, value)) = it.next().transpose()? else {
        return Ok(None);
    };
    let next = match it.next().transpose()? {
        Some((k, _)) => Some(read_block_key(&k, prefix.len())?),
        None => None,
    };
    Ok(Some(FoundBlock {
        first: read_block_key(&key, prefix.len())?,
        key: key.to_vec(),
        postings: value.to_vec(),
        next,
    }))
}

/// `old` without `deletes`, plus `inserts`, in docnum order.
fn merge(
    term: &str,
    old: Vec<Posting>,
    deletes: &[u64],
    inserts: Vec<Posting>,
) -> Result<Vec<Posting>> {
    let mut out = Vec::with_capacity(old.len() + inserts.len());
    let mut dels = deletes.iter().peekable();
    let mut ins = inserts.into_iter().peekable();
    for p in old {
        while let Some(x) = ins.next_if(|x| x.doc < p.doc) {
            out.push(x);
        }
        if dels.peek().is_some_and(|&&d| d < p.doc) {
            break;
        }
        if dels.next_if(|&&d| d == p.doc).is_some() {
            // Deleted, or replaced by an insert of the same document.
            out.extend(ins.next_if(|x| x.doc == p.doc));
            continue;
        }
        if ins.peek().is_some_and(|x| x.doc == p.doc) {
            return Err(Error::corruption(format!(
                "fts.postings: term {term:?} already has a posting for document {}",
                p.doc
            )));
        }
        out.push(p);
    }
    if let Some(&&d) = dels.peek() {
        return Err(missing(term, d));
    }
    out.extend(ins);
    Ok(out)
}

fn header_len(p: &Posting) -> usize {
    view_header_len(&p.tf, p.doc_len)
}

/// The bytes [`chunk_sizes`] counts for a posting: delta, mask, tfs and length, at their usual
/// one or two bytes.
pub(crate) fn view_header_len(tf: &[u32; 3], doc_len: u64) -> usize {
    2 + tf.iter().filter(|&&n| n > 0).count() + if doc_len < 128 { 1 } else { 2 }
}

/// Whether a block of `count` postings counting `bytes` has room for one more of `h` bytes
/// when appending (the cut rule of [`chunk_sizes`]).
pub(crate) fn append_fits(count: usize, bytes: usize, h: usize) -> bool {
    fits(max_block_postings(), count, bytes, h)
}

/// [`append_fits`] with blocks of at most `max_postings` postings.
fn fits(max_postings: usize, count: usize, bytes: usize, h: usize) -> bool {
    count < max_postings && (count == 0 || bytes + h <= MAX_BLOCK_BYTES)
}

/// Most postings in one block on this thread (tests lower it per thread): read on the writing
/// thread for [`EncodedBlocks::push_term`] made on another.
pub(crate) fn block_postings_limit() -> usize {
    max_block_postings()
}

/// The encoded blocks of one or more terms in one buffer, term after term (see
/// [`EncodedBlocks::push_term`]), so encoding a term's blocks allocates nothing once the buffer
/// has grown, and a buffer handed to another thread is one allocation to give back, not several
/// per term.
#[derive(Debug, Default)]
pub(crate) struct EncodedBlocks {
    bytes: Vec<u8>,
    /// Per block: where its postings value starts, where its positions value starts and where
    /// it ends in `bytes` (its key starts where the block before it ends).
    blocks: Vec<[usize; 3]>,
    /// Per term: how many blocks the terms up to it have.
    terms: Vec<usize>,
    scratch: Vec<u8>,
    key: KeyBuilder,
}

impl EncodedBlocks {
    /// Forgets every term but keeps the buffers.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.blocks.clear();
        self.terms.clear();
    }

    /// Bytes of the blocks held.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Terms held.
    pub(crate) fn terms(&self) -> usize {
        self.terms.len()
    }

    /// The blocks of the `i`th term pushed, in order: (key, postings value, positions value);
    /// `None` past the last term.
    pub(crate) fn term(&self, i: usize) -> Option<impl Iterator<Item = (&[u8], &[u8], &[u8])>> {
        let end = *self.terms.get(i)?;
        let first = if i == 0 { 0 } else { self.terms[i - 1] };
        Some((first..end).map(move |b| {
            let start = if b == 0 { 0 } else { self.blocks[b - 1][2] };
            let [postings, positions, end] = self.blocks[b];
            (
                &self.bytes[start..postings],
                &self.bytes[postings..positions],
                &self.bytes[positions..end],
            )
        }))
    }

    /// Adds `term`'s blocks for `postings` (sorted, after every posting of the term's present
    /// blocks but a block they extend, whose key is then overwritten), cut into full blocks of
    /// at most `max_postings` (the writing thread's [`block_postings_limit`]) the way
    /// [`chunk_sizes`] cuts appends, and encoded (`backing`: see [`encode_views_into`]). Reads no
    /// transaction, so it may run beside the writer.
    pub(crate) fn push_term(
        &mut self,
        term: &str,
        postings: &[PostingView<'_>],
        max_postings: usize,
        backing: &[u8],
    ) {
        let mut start = 0;
        let (mut count, mut bytes) = (0, 0);
        for (i, p) in postings.iter().enumerate() {
            let h = view_header_len(&p.tf, p.doc_len);
            if !fits(max_postings, count, bytes, h) {
                self.push_block(term, &postings[start..i], backing);
                (start, count, bytes) = (i, 0, 0);
            }
            count += 1;
            bytes += h;
        }
        self.push_block(term, &postings[start..], backing);
        self.terms.push(self.blocks.len());
    }

    fn push_block(&mut self, term: &str, chunk: &[PostingView<'_>], backing: &[u8]) {
        let Some(head) = chunk.first() else {
            return;
        };
        self.bytes
            .extend_from_slice(block_key_in(&mut self.key, term, head.doc));
        let postings = self.bytes.len();
        let positions = encode_views_into(chunk, backing, &mut self.scratch, &mut self.bytes);
        self.blocks.push([postings, positions, self.bytes.len()]);
    }
}

/// Inserts the blocks of `blocks`' `i`th term in order, each block's postings then its
/// positions.
pub(crate) fn insert_term_blocks(
    tx: &mut WriteTxn,
    t: &Tables,
    blocks: &EncodedBlocks,
    i: usize,
) -> Result<()> {
    let term = blocks.term(i).ok_or_else(|| {
        Error::corruption(format!(
            "the index's block encoder handed over {} terms, term {i} was asked for",
            blocks.terms()
        ))
    })?;
    for (key, postings, positions) in term {
        tx.insert(t.postings, key, postings)?;
        tx.insert(t.positions, key, positions)?;
    }
    Ok(())
}

/// A block read for an append: its key, first docnum and postings value.
pub(crate) struct LastBlock {
    pub key: Vec<u8>,
    pub first: u64,
    pub postings: Vec<u8>,
}

/// The last block of `term`.
pub(crate) fn last_block(tx: &WriteTxn, t: &Tables, term: &str) -> Result<Option<LastBlock>> {
    let prefix = term_key(term);
    let upper = prefix_successor(&prefix);
    let upper = upper.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
    let Some((key, value)) = tx
        .range_rev(t.postings, Bound::Included(&prefix), upper)?
        .next()
        .transpose()?
    else {
        return Ok(None);
    };
    let first = read_block_key(&key, prefix.len())?;
    Ok(Some(LastBlock {
        key: key.to_vec(),
        first,
        postings: value.to_vec(),
    }))
}

/// Where `postings` are cut into blocks: full blocks when appending at the end of the list (the
/// common case of indexing new documents), else blocks of even size, so that a block that
/// overflowed splits in halves rather than into a full block and a tiny one.
fn chunk_sizes(postings: &[Posting], appends_only: bool) -> Vec<usize> {
    let mut sizes = Vec::new();
    if appends_only {
        let (mut count, mut bytes) = (0, 0);
        for p in postings {
            let h = header_len(p);
            if count == max_block_postings() || (count > 0 && bytes + h > MAX_BLOCK_BYTES) {
                sizes.push(count);
                (count, bytes) = (0, 0);
            }
            count += 1;
            bytes += h;
        }
        if count > 0 {
            sizes.push(count);
        }
        return sizes;
    }
    let bytes: usize = postings.iter().map(header_len).sum();
    let blocks = postings
        .len()
        .div_ceil(max_block_postings())
        .max(bytes.div_ceil(MAX_BLOCK_BYTES))
        .clamp(1, postings.len().max(1));
    let (base, extra) = (postings.len() / blocks, postings.len() % blocks);
    (0..blocks).map(|i| base + usize::from(i < extra)).collect()
}

/// Writes `postings` (sorted) as the blocks that replace the one under `old_key`.
fn write_chunks(
    tx: &mut WriteTxn,
    t: &Tables,
    term: &str,
    old_key: Option<&[u8]>,
    postings: &[Posting],
    appends_only: bool,
) -> Result<()> {
    if let Some(old) = old_key {
        // A block keeping its first document is overwritten in place.
        let kept = postings
            .first()
            .is_some_and(|p| block_key(term, p.doc) == old);
        if !kept {
            tx.remove(t.postings, old)?;
            tx.remove(t.positions, old)?;
        }
    }
    let mut rest = postings;
    for size in chunk_sizes(postings, appends_only) {
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        rest = tail;
        let Some(head) = chunk.first() else { continue };
        let (p, q) = encode_block(chunk);
        let key = block_key(term, head.doc);
        tx.insert(t.postings, &key, &p)?;
        tx.insert(t.positions, &key, &q)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posting_heads_in_place_match_the_encoder() {
        let numbers = [0u64, 1, 5, 0x7f, 0x80, 0x3fff, 0x4000, u64::from(u32::MAX)];
        let mut out = vec![0xAAu8; 4 * MAX_HEAD];
        for &gap in &numbers {
            for &len in &numbers {
                for i in 0..numbers.len().pow(3) {
                    let n = numbers.len();
                    let tf = [i % n, i / n % n, i / n / n % n].map(|k| numbers[k] as u32);
                    let mut want = Encoder::new();
                    put_posting_head(&mut want, gap, &tf, len);
                    let want = want.finish();
                    let end = put_head_at(&mut out, 3, gap, &tf, len);
                    assert_eq!(&out[3..end], &want[..], "{gap} {tf:?} {len}");
                    let fields = tf.iter().filter(|&&n| n > 0).count();
                    let short = if len < 128 { 1 } else { 2 };
                    assert_eq!(view_header_len(&tf, len), 2 + fields + short);
                }
            }
        }
    }

    fn posting(doc: u64, title: &[u32], text: &[u32]) -> Posting {
        Posting {
            doc,
            tf: [title.len() as u32, 0, text.len() as u32],
            doc_len: 40,
            positions: [title.to_vec(), Vec::new(), text.to_vec()],
        }
    }

    #[test]
    fn blocks_round_trip() {
        let ps = vec![
            posting(5, &[0], &[]),
            posting(9, &[], &[3, 7, 200]),
            posting(1 << 40, &[1, 2], &[0]),
        ];
        let (p, q) = encode_block(&ps);
        assert_eq!(decode_block(5, &p, &q).unwrap(), ps);
        // A wrong first docnum in the key shifts every docnum, but a truncated value fails.
        for cut in 0..p.len() {
            assert!(decode_block(5, &p[..cut], &q).is_err());
        }
        for cut in 0..q.len() {
            assert!(decode_block(5, &p, &q[..cut]).is_err());
        }
    }

    #[test]
    fn borrowed_postings_encode_as_owned_ones() {
        let ps = vec![
            posting(5, &[0], &[]),
            posting(9, &[], &[3, 7, 200]),
            posting(1 << 40, &[1, 2], &[0]),
        ];
        let flat: Vec<Vec<u8>> = ps.iter().map(|p| encode_positions(&p.positions)).collect();
        for (p, f) in ps.iter().zip(&flat) {
            assert_eq!(decode_posting_positions(f, &p.tf).unwrap(), p.positions);
        }
        let views: Vec<PostingView<'_>> = ps
            .iter()
            .zip(&flat)
            .map(|(p, f)| PostingView {
                doc: p.doc,
                tf: p.tf,
                doc_len: p.doc_len,
                positions: f,
            })
            .collect();
        assert_eq!(encode_views(&views), encode_block(&ps));
    }

    /// Positions end to end in one buffer are copied as runs: the bytes do not change whether
    /// the postings' positions are all in the buffer, in it out of order (the runs break), partly
    /// in another buffer, or the buffer is empty.
    #[test]
    fn positions_copied_in_runs_encode_as_owned_ones() {
        let ps: Vec<Posting> = (0..9u32)
            .map(|i| {
                let title: Vec<u32> = (0..i % 3).map(|k| k * 2 + i).collect();
                let text: Vec<u32> = (0..(i * 7) % 5 + 1).map(|k| k * 200 + i).collect();
                let mut p = posting(u64::from(i) * 3 + 1, &title, &text);
                // Heads of every length: docnum gaps, frequencies and lengths of 1 to 10 bytes.
                p.doc += u64::from(i) << (i * 7).min(62);
                p.doc_len = u64::MAX >> (i * 7).min(63);
                p.tf[1] = if i % 2 == 0 { 0 } else { u32::MAX >> i };
                p
            })
            .collect();
        let flat: Vec<Vec<u8>> = ps.iter().map(|p| encode_positions(&p.positions)).collect();
        let expected = encode_block(&ps);
        // The order the positions lie in `backing`: in posting order, or swapped in pairs.
        for order in [
            vec![0, 1, 2, 3, 4, 5, 6, 7, 8],
            vec![1, 0, 3, 2, 5, 4, 7, 6, 8],
        ] {
            let backing: Vec<u8> = order.iter().flat_map(|&i| flat[i].clone()).collect();
            let mut at = vec![0; ps.len()];
            let mut off = 0;
            for &i in &order {
                at[i] = off;
                off += flat[i].len();
            }
            // Postings 4 and 5 read their positions from elsewhere.
            let views: Vec<PostingView<'_>> = ps
                .iter()
                .enumerate()
                .map(|(i, p)| PostingView {
                    doc: p.doc,
                    tf: p.tf,
                    doc_len: p.doc_len,
                    positions: if i == 4 || i == 5 {
                        &flat[i]
                    } else {
                        &backing[at[i]..at[i] + flat[i].len()]
                    },
                })
                .collect();
            // A scratch left dirty by another block changes nothing.
            let mut scratch = vec![0xAB; 3];
            let one = encode_block(&ps[..1]);
            assert_eq!(encode_views_in(&views[..1], &backing, &mut scratch), one);
            let all = encode_views_in(&views, &backing, &mut scratch);
            assert_eq!(all, expected, "{order:?}");
            assert_eq!(encode_views_in(&views[..1], &backing, &mut scratch), one);
            assert_eq!(encode_views_in(&views, &[], &mut scratch), expected);
        }
    }

    #[test]
    fn merge_rejects_missing_deletes_and_duplicate_inserts() {
        let old = vec![posting(1, &[0], &[]), posting(3, &[0], &[])];
        let got = merge("t", old.clone(), &[1], vec![posting(2, &[1], &[])]).unwrap();
        assert_eq!(got.iter().map(|p| p.doc).collect::<Vec<_>>(), [2, 3]);
        // Replacing: delete and insert the same document.
        let got = merge("t", old.clone(), &[3], vec![posting(3, &[5], &[])]).unwrap();
        assert_eq!(got[1].positions[0], [5]);
        assert!(merge("t", old.clone(), &[2], vec![]).is_err());
        assert!(merge("t", old.clone(), &[0], vec![]).is_err());
        assert!(merge("t", old, &[], vec![posting(3, &[1], &[])]).is_err());
    }
}
