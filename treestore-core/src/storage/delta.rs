//! Page deltas: the byte runs that turn one page image (the base) into another, as the WAL's
//! page-delta records carry them (see [`super::wal`]).
//!
//! Encoding: the base page number (8 bytes), then runs of `offset` (4), `len` (4) and `len` bytes,
//! in ascending offset order, not overlapping. Pages are compared 8 bytes at a time; two differing
//! stretches separated by fewer than [`MERGE_GAP`] equal bytes form one run (a run header costs 8
//! bytes). A copy-on-write branch page that differs from its source in one child pointer, its page
//! number and its checksum encodes in three runs, about 60 bytes instead of a page.

use super::format::{read_u32, read_u64};
use crate::error::{Error, Result};

/// Bytes of the base page number in front of the runs.
pub(crate) const DELTA_BASE_LEN: usize = 8;
const RUN_HEADER_LEN: usize = 8;
const WORD: usize = 8;
/// Words compared at once while skipping equal stretches.
const BLOCK_WORDS: usize = 8;
/// Equal bytes between two differing stretches below which they are sent as one run.
const MERGE_GAP: usize = 16;

/// Bytes of a block the encoder compares at once.
const BLOCK_BYTES: usize = WORD * BLOCK_WORDS;

/// Which [`BLOCK_BYTES`]-byte blocks of a page may differ from its base, when the writer knows:
/// a raw branch copy (see `btree::raw_branch`) differs from the page it was copied from only in
/// its header (page number, checksum) and the child pointers patched into it, so its encoder
/// compares those blocks and skips the other 62 of a 4 KiB page. Bit `k` stands for block `k`;
/// blocks from 64 on are taken as equal unless `all` is set (an edit past them sets it). The
/// output is what comparing every block gives, as long as the blocks left out are equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Touched {
    mask: u64,
    all: bool,
}

impl Touched {
    /// Any block may differ: the encoder compares them all.
    pub(crate) const ALL: Touched = Touched { mask: 0, all: true };
    /// Only the page header (block 0) differs so far.
    pub(crate) const HEADER: Touched = Touched {
        mask: 1,
        all: false,
    };

    /// Notes that bytes `at..at + len` may have changed.
    pub(crate) fn mark(&mut self, at: usize, len: usize) {
        let (first, last) = (at / BLOCK_BYTES, (at + len.max(1) - 1) / BLOCK_BYTES);
        if last >= 64 {
            self.all = true;
            return;
        }
        for b in first..=last {
            self.mask |= 1 << b;
        }
    }

    /// Whether block `b` may differ.
    #[inline(always)]
    fn may_differ(self, b: usize) -> bool {
        self.all || (b < 64 && self.mask & (1 << b) != 0)
    }
}

/// Appends to `out` the delta payload that turns `base` (page `base_no`) into `page`, unless it
/// would exceed `limit` bytes: then `out` is left as it was and `false` returned. Both pages have
/// the same length, a multiple of 8.
#[cfg(test)]
pub(crate) fn encode(
    base_no: u64,
    base: &[u8],
    page: &[u8],
    limit: usize,
    out: &mut Vec<u8>,
) -> bool {
    encode_touched(base_no, base, page, Touched::ALL, limit, out)
}

/// Appends to `out` the delta payload that turns `base` (page `base_no`) into `page`, unless it
/// would exceed `limit` bytes (then `out` is left as it was and `false` returned), for a page that
/// differs from `base` at most in the blocks `touched` names: the others are not compared (see
/// [`Touched`]; [`Touched::ALL`] compares every block).
pub(crate) fn encode_touched(
    base_no: u64,
    base: &[u8],
    page: &[u8],
    touched: Touched,
    limit: usize,
    out: &mut Vec<u8>,
) -> bool {
    debug_assert_eq!(base.len(), page.len());
    if limit < DELTA_BASE_LEN || base.len() != page.len() {
        return false;
    }
    let start_len = out.len();
    out.extend_from_slice(&base_no.to_le_bytes());
    let words = page.len() / WORD;
    let differs = |i: usize| word(base, i) != word(page, i);
    let mut i = 0;
    while i < words {
        // Equal stretches (most of a page) are skipped a block at a time: one vector compare
        // instead of eight word compares.
        if i % BLOCK_WORDS == 0
            && i + BLOCK_WORDS <= words
            && (!touched.may_differ(i / BLOCK_WORDS) || block_equal(base, page, i))
        {
            i += BLOCK_WORDS;
            continue;
        }
        if !differs(i) {
            i += 1;
            continue;
        }
        let first = i;
        let mut end = i + 1;
        let mut j = end;
        while j < words && (j - end) * WORD < MERGE_GAP {
            if differs(j) {
                end = j + 1;
            }
            j += 1;
        }
        let (from, to) = (first * WORD, end * WORD);
        if out.len() - start_len + RUN_HEADER_LEN + (to - from) > limit {
            out.truncate(start_len);
            return false;
        }
        out.extend_from_slice(&(from as u32).to_le_bytes());
        out.extend_from_slice(&((to - from) as u32).to_le_bytes());
        out.extend_from_slice(&page[from..to]);
        i = end;
    }
    true
}

/// Whether the [`BLOCK_WORDS`] words from word `i` on are equal in `a` and `b`: the words'
/// differences ORed together in registers. A slice comparison here was a `memcmp` call per
/// block, most of the encoder's time (a page has 64 blocks, nearly all equal).
#[inline(always)]
fn block_equal(a: &[u8], b: &[u8], i: usize) -> bool {
    let r = i * WORD..(i + BLOCK_WORDS) * WORD;
    let (Some(a), Some(b)) = (a.get(r.clone()), b.get(r)) else {
        return false;
    };
    let diff = a
        .chunks_exact(WORD)
        .zip(b.chunks_exact(WORD))
        .fold(0u64, |acc, (x, y)| acc | (load(x) ^ load(y)));
    diff == 0
}

/// An 8-byte chunk as an integer (0 if it is not 8 bytes, which the callers rule out).
#[inline(always)]
fn load(w: &[u8]) -> u64 {
    <[u8; WORD]>::try_from(w).map_or(0, u64::from_ne_bytes)
}

/// Word `i` of `p` as an integer (a plain load: a slice comparison of 8 bytes is a `memcmp` call).
/// Callers stay below `p.len() / 8`; past it the word reads as 0.
#[inline(always)]
fn word(p: &[u8], i: usize) -> u64 {
    p.get(i * WORD..(i + 1) * WORD)
        .and_then(|w| <[u8; WORD]>::try_from(w).ok())
        .map_or(0, u64::from_ne_bytes)
}

/// The base page number a delta payload names (`None` when it is too short to name one).
pub(crate) fn base_of(payload: &[u8]) -> Option<u64> {
    (payload.len() >= DELTA_BASE_LEN).then(|| read_u64(payload, 0))
}

/// Applies the runs of delta `payload` (written for page `page_no`) to `page`, a copy of the base.
/// Runs that overrun the page or the payload are `Corruption` naming both pages.
pub(crate) fn apply(payload: &[u8], page: &mut [u8], page_no: u64) -> Result<()> {
    let base_no = base_of(payload).unwrap_or(0);
    let bad = |what: &str| {
        Error::corruption(format!(
            "WAL delta of page {page_no} against page {base_no}: {what}"
        ))
    };
    let mut at = DELTA_BASE_LEN;
    while at < payload.len() {
        if at + RUN_HEADER_LEN > payload.len() {
            return Err(bad("a run header is cut off"));
        }
        let offset = read_u32(payload, at) as usize;
        let len = read_u32(payload, at + 4) as usize;
        let bytes = at + RUN_HEADER_LEN;
        let Some(end) = offset.checked_add(len).filter(|&e| e <= page.len()) else {
            return Err(bad(&format!(
                "run of {len} bytes at offset {offset} overruns the {}-byte page",
                page.len()
            )));
        };
        if bytes + len > payload.len() {
            return Err(bad(&format!(
                "run of {len} bytes at offset {offset} overruns the record"
            )));
        }
        page[offset..end].copy_from_slice(&payload[bytes..bytes + len]);
        at = bytes + len;
    }
    Ok(())
}

/// Writes a run header (tests build damaged deltas with it).
#[cfg(test)]
pub(crate) fn push_run(out: &mut Vec<u8>, offset: u32, bytes: &[u8]) {
    out.extend_from_slice(&offset.to_le_bytes());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use proptest::prelude::*;

    const PS: usize = 4096;

    fn round_trip(base: &[u8], page: &[u8], limit: usize) -> Option<Vec<u8>> {
        let mut out = vec![0xEE];
        if !encode(7, base, page, limit, &mut out) {
            assert_eq!(
                out,
                vec![0xEE],
                "a refused delta leaves the buffer as it was"
            );
            return None;
        }
        let payload = &out[1..];
        assert_eq!(base_of(payload), Some(7));
        let mut rebuilt = base.to_vec();
        apply(payload, &mut rebuilt, 9).unwrap();
        assert_eq!(rebuilt, page);
        Some(payload.to_vec())
    }

    #[test]
    fn identical_pages_need_no_run() {
        let page = vec![3u8; PS];
        assert_eq!(round_trip(&page, &page, PS / 2).unwrap().len(), 8);
    }

    #[test]
    fn small_changes_make_small_deltas() {
        let base: Vec<u8> = (0..PS).map(|i| (i * 7) as u8).collect();
        let mut page = base.clone();
        page[4] ^= 1; // checksum
        page[9] ^= 1; // page number
        page[2000] ^= 1; // a child pointer
        page[PS - 1] ^= 1; // the last byte
        let d = round_trip(&base, &page, PS / 2).unwrap();
        // The first two changes are one run (fewer than 16 equal bytes apart).
        assert_eq!(d.len(), 8 + 3 * (8 + 8) + 8, "{d:?}");
        let mut far = base.clone();
        far[0] ^= 1;
        far[24] ^= 1;
        assert_eq!(round_trip(&base, &far, PS).unwrap().len(), 8 + 2 * 16);
    }

    #[test]
    fn a_totally_different_page_is_refused() {
        let base = vec![0u8; PS];
        let page = vec![1u8; PS];
        assert!(round_trip(&base, &page, PS / 2).is_none());
        assert!(round_trip(&base, &page, PS + 16).is_some());
    }

    #[test]
    fn runs_outside_the_page_or_the_record_are_corruption() {
        let mut page = vec![0u8; PS];
        for (offset, bytes) in [(PS as u32 - 4, vec![1u8; 8]), (u32::MAX, vec![1u8; 8])] {
            let mut d = 5u64.to_le_bytes().to_vec();
            push_run(&mut d, offset, &bytes);
            let err = apply(&d, &mut page, 6).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Corruption);
            assert!(err.to_string().contains("page 6 against page 5"), "{err}");
        }
        let mut d = 5u64.to_le_bytes().to_vec();
        push_run(&mut d, 0, &[1u8; 8]);
        d.truncate(d.len() - 1);
        assert!(apply(&d, &mut page, 6).is_err(), "a run cut short");
        d.truncate(8 + 3);
        assert!(apply(&d, &mut page, 6).is_err(), "a run header cut short");
    }

    /// Eight-byte writes at random offsets (child pointers patched into a raw branch copy) and
    /// header changes: the encoder told which blocks they touch writes what comparing every
    /// block writes, and, told of all but one, misses that one.
    #[test]
    fn touched_blocks_give_what_comparing_every_block_gives() {
        let mut rng = crate::rng::Rng::new(0x9E37_79B9_7F4A_7C15);
        let mut next = || rng.next_u64();
        for ps in [1024usize, 4096] {
            for round in 0..300 {
                let base: Vec<u8> = (0..ps).map(|_| next() as u8).collect();
                let mut page = base.clone();
                page[4..16].copy_from_slice(&next().to_le_bytes().repeat(2)[..12]);
                let mut touched = Touched::HEADER;
                let mut writes = Vec::new();
                for _ in 0..1 + round % 4 {
                    let at = 16 + next() as usize % (ps - 24);
                    page[at..at + 8].copy_from_slice(&next().to_le_bytes());
                    touched.mark(at, 8);
                    writes.push(at);
                }
                let (mut full, mut fast) = (Vec::new(), Vec::new());
                assert!(encode(3, &base, &page, ps, &mut full));
                assert!(encode_touched(3, &base, &page, touched, ps, &mut fast));
                assert_eq!(fast, full, "page size {ps} round {round}");
                // Leaving out the block of the last write (when no other change is near it) loses
                // that write: the hint is what the encoder trusts.
                let last = *writes.last().unwrap();
                let mut partial = Touched::HEADER;
                for &at in &writes[..writes.len() - 1] {
                    partial.mark(at, 8);
                }
                // (A run may run on word by word into the next block, so the blocks beside it
                // must be untouched too.)
                if ((last / BLOCK_BYTES).saturating_sub(1)..=(last + 7) / BLOCK_BYTES + 1)
                    .all(|b| !partial.may_differ(b))
                {
                    let mut short = Vec::new();
                    assert!(encode_touched(3, &base, &page, partial, ps, &mut short));
                    assert_ne!(short, full, "page size {ps} round {round}");
                }
            }
        }
    }

    #[test]
    fn a_touch_past_the_mask_compares_every_block() {
        let mut t = Touched::HEADER;
        t.mark(100, 8);
        assert!(t.may_differ(0) && t.may_differ(1) && !t.may_differ(2) && !t.may_differ(70));
        t.mark(120, 16); // spans blocks 1 and 2
        assert!(t.may_differ(2) && !t.may_differ(3));
        t.mark(64 * BLOCK_BYTES + 8, 8);
        assert_eq!(
            t,
            Touched {
                mask: t.mask,
                all: true
            }
        );
        assert!((0..200).all(|b| t.may_differ(b)));
        assert!((0..200).all(|b| Touched::ALL.may_differ(b)));
    }

    /// The encoder's definition, word by word with no block skipping (skipping an equal block
    /// only skips equal words, so it cannot change the output): the faster encoder must write
    /// exactly these bytes.
    fn encode_reference(
        base_no: u64,
        base: &[u8],
        page: &[u8],
        limit: usize,
        out: &mut Vec<u8>,
    ) -> bool {
        if limit < DELTA_BASE_LEN || base.len() != page.len() {
            return false;
        }
        let start_len = out.len();
        out.extend_from_slice(&base_no.to_le_bytes());
        let words = page.len() / WORD;
        let differs = |i: usize| word(base, i) != word(page, i);
        let mut i = 0;
        while i < words {
            if !differs(i) {
                i += 1;
                continue;
            }
            let first = i;
            let mut end = i + 1;
            let mut j = end;
            while j < words && (j - end) * WORD < MERGE_GAP {
                if differs(j) {
                    end = j + 1;
                }
                j += 1;
            }
            let (from, to) = (first * WORD, end * WORD);
            if out.len() - start_len + RUN_HEADER_LEN + (to - from) > limit {
                out.truncate(start_len);
                return false;
            }
            out.extend_from_slice(&(from as u32).to_le_bytes());
            out.extend_from_slice(&((to - from) as u32).to_le_bytes());
            out.extend_from_slice(&page[from..to]);
            i = end;
        }
        true
    }

    /// A page edited the ways commits edit them: single bytes (a checksum, a pointer), a byte
    /// flipped in each of the words of one block, and a stretch shifted (an entry inserted).
    fn edited(base: &[u8], edits: &[(usize, u8)], shift: Option<(usize, usize, usize)>) -> Vec<u8> {
        let mut page = base.to_vec();
        for &(at, v) in edits {
            let at = at % page.len();
            page[at] ^= v;
        }
        if let Some((from, len, by)) = shift {
            let from = from % page.len();
            let len = len.min(page.len() - from);
            let to = (from + by).min(page.len() - len);
            page.copy_within(from..from + len, to);
        }
        page
    }

    #[test]
    fn a_difference_in_any_word_of_a_block_is_seen() {
        let base: Vec<u8> = (0..PS).map(|i| (i * 13) as u8).collect();
        for at in 0..PS {
            let page = edited(&base, &[(at, 0x40)], None);
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            assert_eq!(
                encode(3, &base, &page, PS, &mut fast),
                encode_reference(3, &base, &page, PS, &mut slow)
            );
            assert_eq!(fast, slow, "byte {at} changed");
            assert_eq!(
                fast.len(),
                8 + 8 + 8,
                "byte {at} changed: one run of one word"
            );
        }
    }

    proptest! {
        #[test]
        fn the_encoder_writes_what_the_reference_encoder_writes(
            base in proptest::collection::vec(any::<u8>(), PS),
            edits in proptest::collection::vec((0usize..PS, 1u8..), 0..40),
            shift in proptest::option::of((0usize..PS, 0usize..PS, 1usize..64)),
            limit in 0usize..PS + 64,
            tail in 0usize..3,
        ) {
            // Pages of the page size and, with `tail`, lengths that are not a multiple of the
            // block.
            let len = PS - tail * 24;
            let base = &base[..len];
            let page = edited(base, &edits, shift);
            let (mut fast, mut slow) = (vec![0xAB], vec![0xAB]);
            let a = encode(9, base, &page, limit, &mut fast);
            let b = encode_reference(9, base, &page, limit, &mut slow);
            prop_assert_eq!(a, b);
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn random_page_pairs_round_trip(
            base in proptest::collection::vec(any::<u8>(), 1024),
            edits in proptest::collection::vec((0usize..1024, any::<u8>()), 0..64),
            limit in 8usize..1200,
        ) {
            let mut page = base.clone();
            for (at, v) in edits {
                page[at] = v;
            }
            let mut out = Vec::new();
            if encode(1, &base, &page, limit, &mut out) {
                prop_assert!(out.len() <= limit);
                let mut rebuilt = base.clone();
                apply(&out, &mut rebuilt, 2).unwrap();
                prop_assert_eq!(rebuilt, page);
            } else {
                prop_assert!(out.is_empty());
            }
        }
    }
}
