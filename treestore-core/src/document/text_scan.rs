//! Reading many stored texts at once (a subtree, a document, a batch with text): the texts of one
//! owner version whose positions lie close together are read with one range scan over their span
//! of `doc.text`, one B-tree descent for all of them instead of one per text. Texts are owned by
//! the first node that held them, so a version's texts, and the unchanged texts it shares with
//! the version they came from, sit in position order.

use std::borrow::Cow;
use std::ops::Bound;

use crate::btree::Finger;
use crate::db::{ReadOps, Table};
use crate::error::Result;
use crate::keys::{prefix_successor, KeyBuilder, KeyReader};

use super::text::{self, missing, StoredText};

/// A run of wanted positions is scanned when its span is at most this many times the number of
/// distinct positions in it (the scan reads the unwanted texts in between); otherwise each text
/// is a point read. A scanned entry costs about a third of a point read (callgrind: ~780 against
/// ~2,500 instructions) and a position holds one entry per chunk plus any reference count, so at
/// 4 a batch of 50 scattered nodes scanned ~5 entries per wanted text and lost to point reads.
/// At 3 the head-to-head's batch of 50 nodes of one ~100-node document (40 distinct over a span
/// of ~100) is scanned: callgrind 15.9M -> 14.7M instructions for 40 batches, 2-5% faster.
const SCAN_SPAN_FACTOR: usize = 3;

/// Hands `f` the text of each of `refs` with its index, in key order (not the order given): a
/// body stored as one chunk borrowed from the store, a longer one joined into a string. The same
/// checks as [`text::read_keyed`].
pub(crate) fn read_many_with<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    refs: &[StoredText],
    mut f: impl FnMut(usize, Cow<'_, str>) -> Result<()>,
) -> Result<()> {
    let mut order: Vec<usize> = (0..refs.len()).collect();
    order.sort_unstable_by_key(|&i| (refs[i].owner_vid, refs[i].owner_pos));
    // Point reads go in key order, each from the previous one's leaf.
    let mut finger = Finger::new();
    let mut key = KeyBuilder::new();
    let mut at = 0;
    while at < order.len() {
        let vid = refs[order[at]].owner_vid;
        let len = order[at..]
            .iter()
            .take_while(|&&i| refs[i].owner_vid == vid)
            .count();
        let run = &order[at..at + len];
        let lo = refs[run[0]].owner_pos;
        let hi = refs[run[len - 1]].owner_pos;
        let distinct = 1 + run
            .windows(2)
            .filter(|w| refs[w[0]].owner_pos != refs[w[1]].owner_pos)
            .count();
        let span = (hi - lo) as usize + 1;
        if distinct >= 2 && span <= distinct * SCAN_SPAN_FACTOR {
            scan_run(tx, t, refs, run, &mut f)?;
        } else {
            for &i in run {
                text::read_with(tx, t, &refs[i], &mut finger, &mut key, |body| f(i, body))?;
            }
        }
        at += len;
    }
    Ok(())
}

/// Reads the texts of `run` (indices into `refs`, one owner vid, sorted by position) with one
/// scan from the first position's body to the last one's, handing each to `f`: a body of one
/// chunk as it is scanned, a longer one once joined.
fn scan_run<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    refs: &[StoredText],
    run: &[usize],
    f: &mut impl FnMut(usize, Cow<'_, str>) -> Result<()>,
) -> Result<()> {
    let first = &refs[run[0]];
    let last = &refs[run[run.len() - 1]];
    let lower = KeyBuilder::with_capacity(16)
        .u64(first.owner_vid)
        .u32(first.owner_pos)
        .finish();
    let upper_prefix = KeyBuilder::with_capacity(16)
        .u64(last.owner_vid)
        .u32(last.owner_pos)
        .finish();
    let upper = prefix_successor(&upper_prefix);
    let upper = upper.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
    // Bodies of more than one chunk, in position order; `next` walks `run` alongside the scan.
    let mut bodies: Vec<(u32, Vec<u8>)> = Vec::new();
    // Positions whose one-chunk body was handed over during the scan, in order.
    let mut handed: Vec<u32> = Vec::with_capacity(run.len());
    let mut handed_n = 0;
    let mut next = 0;
    for kv in tx.range(t, Bound::Included(&lower), upper)? {
        let (k, v) = kv?;
        let mut kr = KeyReader::new(&k);
        kr.u64()?;
        let pos = kr.u32()?;
        if kr.bool()? {
            continue; // a reference count
        }
        let chunk = if kr.is_empty() { 0 } else { kr.u32()? };
        while next < run.len() && refs[run[next]].owner_pos < pos {
            next += 1;
        }
        let Some(want) = run.get(next).map(|&i| &refs[i]) else {
            break;
        };
        if want.owner_pos != pos {
            continue;
        }
        match bodies.last_mut() {
            Some((p, body)) if *p == pos => {
                if (body.len() as u64) < want.len {
                    body.extend_from_slice(&v);
                }
            }
            // A whole body in its first chunk: handed over borrowed, to every node sharing it.
            _ if chunk == 0 && v.len() as u64 == want.len => {
                let body = text::checked_str(want, &v)?;
                while let Some(&i) = run.get(next).filter(|&&i| refs[i].owner_pos == pos) {
                    f(i, Cow::Borrowed(body))?;
                    next += 1;
                    handed_n += 1;
                }
                handed.push(pos);
            }
            // A body starts with chunk 0; one that starts later has lost its head.
            // Sized for the whole body, so later chunks are appended without moving it.
            _ if chunk == 0 => {
                let mut body = Vec::with_capacity(v.len().max(want_capacity(want)));
                body.extend_from_slice(&v);
                bodies.push((pos, body));
            }
            _ => return Err(missing(want)),
        }
    }
    if handed_n == run.len() {
        return Ok(()); // every body was one chunk, all handed over
    }
    // The joined bodies, and the positions the scan did not find (missing texts).
    let mut j = 0;
    while j < run.len() {
        let s = &refs[run[j]];
        let same = run[j..]
            .iter()
            .take_while(|&&i| refs[i].owner_pos == s.owner_pos)
            .count();
        if let Ok(at) = bodies.binary_search_by_key(&s.owner_pos, |(p, _)| *p) {
            let body = text::checked_body(s, std::mem::take(&mut bodies[at].1))?;
            for &i in &run[j..j + same - 1] {
                f(i, Cow::Borrowed(&body))?;
            }
            f(run[j + same - 1], Cow::Owned(body))?;
        } else if handed.binary_search(&s.owner_pos).is_err() {
            return Err(missing(s));
        }
        j += same;
    }
    Ok(())
}

/// The capacity to reserve for the body of `s`: its recorded length, capped (a damaged record
/// must not make the read reserve gigabytes; the length check rejects it afterwards).
fn want_capacity(s: &StoredText) -> usize {
    usize::try_from(s.len).unwrap_or(0).min(1 << 20)
}
