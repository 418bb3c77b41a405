//! Reading many stored texts at once (a subtree, a document, a batch with text): the texts of one
//! owner version whose positions lie close together are read with one range scan over their span
//! of `doc.text`, one B-tree descent for all of them instead of one per text. Texts are owned by
//! the first node that held them, so a version's texts, and the unchanged texts it shares with
//! the version they came from, sit in position order.

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
const SCAN_SPAN_FACTOR: usize = 2;

/// The texts of `refs`, in the order given; the same checks as [`text::read`].
pub(crate) fn read_many<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    refs: &[StoredText],
) -> Result<Vec<String>> {
    let mut order: Vec<usize> = (0..refs.len()).collect();
    order.sort_unstable_by_key(|&i| (refs[i].owner_vid, refs[i].owner_pos));
    let mut out: Vec<Option<String>> = vec![None; refs.len()];
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
            scan_run(tx, t, refs, run, &mut out)?;
        } else {
            for &i in run {
                out[i] = Some(text::read_with(tx, t, &refs[i], &mut finger, &mut key)?);
            }
        }
        at += len;
    }
    Ok(out.into_iter().map(Option::unwrap_or_default).collect())
}

/// Reads the texts of `run` (indices into `refs`, one owner vid, sorted by position) with one
/// scan from the first position's body to the last one's.
fn scan_run<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    refs: &[StoredText],
    run: &[usize],
    out: &mut [Option<String>],
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
    // Bodies of the wanted positions, in position order; `next` walks `run` alongside the scan.
    let mut bodies: Vec<(u32, Vec<u8>)> = Vec::with_capacity(run.len());
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
    for (j, &i) in run.iter().enumerate() {
        let s = &refs[i];
        let at = bodies
            .binary_search_by_key(&s.owner_pos, |(p, _)| *p)
            .map_err(|_| missing(s))?;
        // Nodes sharing a text get copies; the last one takes the body.
        let shared = run
            .get(j + 1)
            .is_some_and(|&n| refs[n].owner_pos == s.owner_pos);
        let body = if shared {
            bodies[at].1.clone()
        } else {
            std::mem::take(&mut bodies[at].1)
        };
        out[i] = Some(text::checked_body(s, body)?);
    }
    Ok(())
}

/// The capacity to reserve for the body of `s`: its recorded length, capped (a damaged record
/// must not make the read reserve gigabytes; the length check rejects it afterwards).
fn want_capacity(s: &StoredText) -> usize {
    usize::try_from(s.len).unwrap_or(0).min(1 << 20)
}
