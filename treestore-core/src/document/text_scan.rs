//! Reading many stored texts at once (a subtree, a document, a batch with text): the texts of one
//! owner version whose positions lie close together are read with one range scan over their span
//! of `doc.text`, one B-tree descent for all of them instead of one per text. Texts are owned by
//! the first node that held them, so a version's texts, and the unchanged texts it shares with
//! the version they came from, sit in position order.

use std::borrow::Cow;
use std::ops::Bound;

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
/// checks as [`text::read_keyed`]. Point reads start from page `start` of `t` when it holds their
/// keys (0: from the root).
pub(crate) fn read_many_with<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    refs: &[StoredText],
    start: u64,
    mut f: impl FnMut(usize, Cow<'_, str>) -> Result<()>,
) -> Result<()> {
    let mut order: Vec<usize> = (0..refs.len()).collect();
    order.sort_unstable_by_key(|&i| (refs[i].owner_vid, refs[i].owner_pos));
    // Point reads go in key order, each from the previous one's leaf (the first from `start`).
    let mut finger = tx.finger_near(t, start);
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
    let mut joined = Joined::default();
    // Positions whose one-chunk body was handed over during the scan, in order.
    let mut handed: Vec<u32> = Vec::with_capacity(run.len());
    let mut handed_n = 0;
    // `next` walks `run` alongside the scan.
    let mut next = 0;
    tx.range(t, Bound::Included(&lower), upper)?.scan(|k, v| {
        let mut kr = KeyReader::new(k);
        kr.u64()?;
        let pos = kr.u32()?;
        if kr.bool()? {
            return Ok(true); // a reference count
        }
        let chunk = if kr.is_empty() { 0 } else { kr.u32()? };
        while next < run.len() && refs[run[next]].owner_pos < pos {
            next += 1;
        }
        let Some(want) = run.get(next).map(|&i| &refs[i]) else {
            return Ok(false);
        };
        if want.owner_pos != pos {
            return Ok(true);
        }
        if joined.last_pos() == Some(pos) {
            joined.extend(v, want.len);
        } else if chunk == 0 && v.len() as u64 == want.len {
            // A whole body in its first chunk: handed over borrowed, to every node sharing it.
            let body = text::checked_str(want, v)?;
            while let Some(&i) = run.get(next).filter(|&&i| refs[i].owner_pos == pos) {
                f(i, Cow::Borrowed(body))?;
                next += 1;
                handed_n += 1;
            }
            handed.push(pos);
        } else if chunk == 0 {
            joined.start(pos, v, || joined_bytes(refs, &run[next..], v.len()));
        } else {
            // A body starts with chunk 0; one that starts later has lost its head.
            return Err(missing(want));
        }
        Ok(true)
    })?;
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
        if let Some(body) = joined.body(s.owner_pos) {
            let body = text::checked_slice(s, body)?;
            for &i in &run[j..j + same] {
                f(i, Cow::Borrowed(body))?;
            }
        } else if handed.binary_search(&s.owner_pos).is_err() {
            return Err(missing(s));
        }
        j += same;
    }
    Ok(())
}

/// The bodies of more than one chunk a scan joins, one after the other in one buffer (one
/// allocation for all of them, not one per body), in position order.
#[derive(Default)]
struct Joined {
    buf: Vec<u8>,
    /// `(position, where its body starts in buf)`; a body ends where the next starts.
    starts: Vec<(u32, usize)>,
}

impl Joined {
    /// The position of the body being joined, if any.
    fn last_pos(&self) -> Option<u32> {
        self.starts.last().map(|&(p, _)| p)
    }

    /// Starts the body of `pos` with its first chunk; `room` is what to reserve for the bodies
    /// still to come when the buffer has none (asked at most once per buffer growth).
    fn start(&mut self, pos: u32, chunk: &[u8], room: impl FnOnce() -> usize) {
        if self.buf.capacity() == self.buf.len() {
            self.buf.reserve(room().max(chunk.len()));
        }
        self.starts.push((pos, self.buf.len()));
        self.buf.extend_from_slice(chunk);
    }

    /// Appends a later chunk to the body being joined while it is shorter than `len` (the
    /// length its nodes record; chunks past it are left out, and the length check then fails).
    fn extend(&mut self, chunk: &[u8], len: u64) {
        let start = self.starts.last().map_or(0, |&(_, s)| s);
        if ((self.buf.len() - start) as u64) < len {
            self.buf.extend_from_slice(chunk);
        }
    }

    /// The joined body of `pos`, if the scan started one.
    fn body(&self, pos: u32) -> Option<&[u8]> {
        let at = self.starts.binary_search_by_key(&pos, |&(p, _)| p).ok()?;
        let start = self.starts[at].1;
        let end = self.starts.get(at + 1).map_or(self.buf.len(), |&(_, s)| s);
        Some(&self.buf[start..end])
    }
}

/// The bytes the texts of `rest` (indices into `refs`, sorted by position) longer than `chunk`
/// bytes (the first chunk of a body being joined: the others longer than it are joined too) hold,
/// each distinct position once, capped (a damaged record must not make the read reserve
/// gigabytes; the length check rejects it afterwards).
fn joined_bytes(refs: &[StoredText], rest: &[usize], chunk: usize) -> usize {
    let mut total = 0usize;
    let mut prev = None;
    for &i in rest {
        let s = &refs[i];
        if prev != Some(s.owner_pos) && s.len > chunk as u64 {
            total = total.saturating_add(want_capacity(s));
        }
        prev = Some(s.owner_pos);
    }
    total.min(1 << 20)
}

/// The capacity to reserve for the body of `s`: its recorded length, capped (a damaged record
/// must not make the read reserve gigabytes; the length check rejects it afterwards).
fn want_capacity(s: &StoredText) -> usize {
    usize::try_from(s.len).unwrap_or(0).min(1 << 20)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btree::Finger;
    use crate::error::ErrorKind;

    /// Writes `chunks` as the body of `(vid, pos)` (chunk 0 under the body key) and returns its
    /// reference, with the length `len` (the joined length unless a test damages it).
    fn put(
        tx: &mut crate::db::WriteTxn,
        t: Table,
        (vid, pos): (u64, u32),
        chunks: &[&[u8]],
        len: Option<u64>,
    ) -> StoredText {
        for (i, c) in chunks.iter().enumerate() {
            let mut k = KeyBuilder::new();
            k.u64(vid).u32(pos).bool(false);
            if i > 0 {
                k.u32(i as u32);
            }
            tx.insert(t, k.as_slice(), c).unwrap();
        }
        let whole: usize = chunks.iter().map(|c| c.len()).sum();
        StoredText {
            owner_vid: vid,
            owner_pos: pos,
            len: len.unwrap_or(whole as u64),
            hash: [0; 16],
        }
    }

    /// Every text of `refs` read together, by index.
    fn read_all<R: ReadOps + ?Sized>(
        tx: &R,
        t: Table,
        refs: &[StoredText],
    ) -> Result<Vec<Option<String>>> {
        let mut out = vec![None; refs.len()];
        read_many_with(tx, t, refs, 0, |i, body| {
            assert!(out[i].is_none(), "text {i} handed twice");
            out[i] = Some(body.into_owned());
            Ok(())
        })?;
        Ok(out)
    }

    /// A scanned run mixing one-chunk and several-chunk bodies, shared positions and a reference
    /// count entry gives each text as it was stored, the joined ones each with its own bytes
    /// (they share one buffer), and as the one-by-one read gives it.
    #[test]
    fn a_scanned_run_gives_every_body_as_stored() {
        let db = crate::document::tests::support::mem_db();
        let mut tx = db.begin_write().unwrap();
        let t = tx.table(crate::document::record::TEXTS).unwrap();
        let a = "a".repeat(900);
        let (b0, b1) = ("é".repeat(400), "b".repeat(300));
        let (c0, c1, c2) = ("c".repeat(979), "中".repeat(100), "x".to_string());
        let d = "d".repeat(60);
        let (e0, e1) = ("e".repeat(979), "f".repeat(5));
        let refs = [
            put(&mut tx, t, (4, 10), &[a.as_bytes()], None),
            put(&mut tx, t, (4, 11), &[b0.as_bytes(), b1.as_bytes()], None),
            put(
                &mut tx,
                t,
                (4, 12),
                &[c0.as_bytes(), c1.as_bytes(), c2.as_bytes()],
                None,
            ),
            put(&mut tx, t, (4, 13), &[d.as_bytes()], None),
            put(&mut tx, t, (4, 14), &[e0.as_bytes(), e1.as_bytes()], None),
        ];
        // A reference count between bodies is skipped.
        let mut k = KeyBuilder::new();
        tx.insert(t, k.u64(4).u32(12).bool(true).as_slice(), &[2])
            .unwrap();
        let want = [
            a.clone(),
            b0.clone() + &b1,
            c0.clone() + &c1 + &c2,
            d.clone(),
            e0.clone() + &e1,
        ];
        // Asked out of order, with positions 11 and 14 asked twice: all one run, scanned.
        let asked = [
            refs[4], refs[1], refs[0], refs[2], refs[1], refs[3], refs[4],
        ];
        let got = read_all(&tx, t, &asked).unwrap();
        for (i, s) in asked.iter().enumerate() {
            let at = refs.iter().position(|r| r == s).unwrap();
            assert_eq!(got[i].as_deref(), Some(want[at].as_str()), "text {i}");
            let alone =
                text::read_keyed(&tx, t, s, &mut Finger::new(), &mut KeyBuilder::new()).unwrap();
            assert_eq!(got[i].as_deref(), Some(alone.as_str()));
        }
    }

    /// Damage in a scanned run is a corruption error, never a wrong text: a chunk missing from a
    /// joined body, a body with more bytes than recorded, a joined body or a one-chunk body that
    /// is not UTF-8, a body without its first chunk, a body missing altogether.
    #[test]
    fn damage_in_a_scanned_run_is_corruption() {
        let db = crate::document::tests::support::mem_db();
        let good = "g".repeat(500);
        let (j0, j1) = ("j".repeat(979), "k".repeat(20));
        type Case = (&'static str, Vec<(u32, Vec<Vec<u8>>, Option<u64>)>);
        let bad_utf8 = vec![b'z'; 979];
        let cases: Vec<Case> = vec![
            ("short", vec![(2, vec![j0.clone().into()], Some(999))]),
            (
                "long",
                vec![(2, vec![j0.clone().into(), j1.clone().into()], Some(990))],
            ),
            (
                "utf8 joined",
                vec![(2, vec![bad_utf8.clone(), vec![0xC3]], None)],
            ),
            (
                "utf8 one chunk",
                vec![(2, vec![vec![b'a', 0xFF, b'b']], None)],
            ),
            ("headless", vec![(2, vec![], Some(999))]),
            ("missing", vec![(2, vec![], Some(999))]),
        ];
        for (name, bodies) in cases {
            let mut tx = db.begin_write().unwrap();
            let t = tx.table(crate::document::record::TEXTS).unwrap();
            let mut refs = vec![put(&mut tx, t, (9, 1), &[good.as_bytes()], None)];
            for (pos, chunks, len) in &bodies {
                let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
                refs.push(put(&mut tx, t, (9, *pos), &chunks, *len));
            }
            if name == "headless" {
                // Only a later chunk of position 2 is there.
                let mut k = KeyBuilder::new();
                tx.insert(t, k.u64(9).u32(2).bool(false).u32(1).as_slice(), b"x")
                    .unwrap();
            }
            refs.push(put(
                &mut tx,
                t,
                (9, 3),
                &[j0.as_bytes(), j1.as_bytes()],
                None,
            ));
            let err = read_all(&tx, t, &refs).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Corruption, "{name}: {err}");
            tx.rollback();
        }
    }
}
