//! The page index: which nodes' page ranges cover a page, or meet a range of pages, in
//! `O(levels + hits)` seeks, where `levels` ≤ 33 is the number of distinct binning levels the
//! version uses (≈ log2 of its page span).
//!
//! PageIndex parents do not cover their children, so the answer is an interval stabbing query over
//! all of a version's nodes. Each range `[s, e]` is filed at the smallest aligned power-of-two block
//! holding it (the binning of UCSC/BAM indexes): level `L` = bit length of `s ^ e`, bin `s >> L`.
//! For `L ≥ 1` every range of bin `b` straddles the block's midpoint `m = (b << L) + (1 << (L-1))`:
//! `s < m ≤ e`. So within one bin, the ranges that meet `[a, z]` are a prefix of the bin's ranges
//! ordered by `s` ascending (when `a < m`: they are those with `s ≤ z`) or by `e` descending (when
//! `a ≥ m`: those with `e ≥ a`), as in a centred interval tree; and every range of a bin strictly
//! inside `[a, z]` is a hit. A range is therefore filed twice, once per order (once at level 0,
//! where `s = e`), and a query reads per level at most one prefix of an "end" list and one run of
//! "start" lists, stopping at the first entry past `z`.
//!
//! Key of `doc.pages`, value empty:
//! `(vid u64, level u32, side bool, bin u32, bound u32, pos u32)` where side `false` is the start
//! list (`bound = s`) and `true` the end list (`bound = u32::MAX - e`, so ascending keys give
//! descending ends).

use std::ops::Bound;

use crate::db::{ReadOps, Table};
use crate::error::{Error, Result};
use crate::keys::{prefix_successor, KeyBuilder, KeyReader};

use super::model::{MAX_PAGE, MAX_PAGE_RANGES};
use crate::db::key_run::KeyRun;

/// The level and bin a range `[s, e]` is filed under.
pub(crate) fn placement(s: u32, e: u32) -> (u32, u32) {
    let level = 32 - (s ^ e).leading_zeros();
    let bin = if level >= 32 { 0 } else { s >> level };
    (level, bin)
}

fn midpoint(level: u32, bin: u32) -> u64 {
    (u64::from(bin) << level) + (1u64 << (level - 1))
}

fn entry_key(b: &mut KeyBuilder, vid: u64, level: u32, side: bool, bin: u32, bound: u32, pos: u32) {
    b.clear()
        .u64(vid)
        .u32(level)
        .bool(side)
        .u32(bin)
        .u32(bound)
        .u32(pos);
}

/// Files the range `[s, e]` of the node at `pos` in `run` (the version's `doc.pages` entries,
/// inserted in key order once all are in); returns its level (for the version's level mask).
pub(crate) fn file(
    run: &mut KeyRun,
    b: &mut KeyBuilder,
    vid: u64,
    (s, e): (u32, u32),
    pos: u32,
) -> u32 {
    let (level, bin) = placement(s, e);
    entry_key(b, vid, level, false, bin, s, pos);
    run.push(b.as_slice(), &[]);
    if level > 0 {
        entry_key(b, vid, level, true, bin, u32::MAX - e, pos);
        run.push(b.as_slice(), &[]);
    }
    level
}

/// Positions of the nodes whose range meets `[a, z]`, appended to `out` unsorted.
/// `levels` is the version's mask of used levels (bit `L` set when a range is filed at level `L`).
pub(crate) fn query<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    vid: u64,
    levels: u64,
    (a, z): (u32, u32),
    out: &mut Vec<u32>,
) -> Result<()> {
    for level in 0..=32u32 {
        if levels & (1u64 << level) == 0 {
            continue;
        }
        if level >= 32 {
            // Only ranges with s < 2^31 ≤ e: the single bin straddles 2^31.
            scan_level_top(tx, t, vid, (a, z), out)?;
            continue;
        }
        let first = a >> level;
        let last = z >> level;
        let mut start_bin = first;
        if level > 0 && u64::from(a) >= midpoint(level, first) {
            scan_ends(tx, t, vid, level, first, a, out)?;
            if first == last {
                continue;
            }
            start_bin = first + 1;
        }
        scan_starts(tx, t, vid, level, (start_bin, last), z, out)?;
    }
    Ok(())
}

fn scan_level_top<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    vid: u64,
    (a, z): (u32, u32),
    out: &mut Vec<u32>,
) -> Result<()> {
    if u64::from(a) >= 1u64 << 31 {
        scan_ends(tx, t, vid, 32, 0, a, out)
    } else {
        scan_starts(tx, t, vid, 32, (0, 0), z, out)
    }
}

/// The end list of one bin: entries with `e ≥ a`, a prefix.
fn scan_ends<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    vid: u64,
    level: u32,
    bin: u32,
    a: u32,
    out: &mut Vec<u32>,
) -> Result<()> {
    let mut lower = KeyBuilder::with_capacity(KEY_CAPACITY);
    lower.u64(vid).u32(level).bool(true).u32(bin);
    let mut upper = lower.clone();
    upper.u32(u32::MAX - a);
    scan_positions(tx, t, &lower, &upper, out)
}

/// The start lists of bins `first..=last`: all entries, except that in bin `last` only those with
/// `s ≤ z` (a prefix).
fn scan_starts<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    vid: u64,
    level: u32,
    (first, last): (u32, u32),
    z: u32,
    out: &mut Vec<u32>,
) -> Result<()> {
    let mut lower = KeyBuilder::with_capacity(KEY_CAPACITY);
    lower.u64(vid).u32(level).bool(false);
    let mut upper = lower.clone();
    lower.u32(first);
    upper.u32(last).u32(z);
    scan_positions(tx, t, &lower, &upper, out)
}

/// Room for a whole `doc.pages` key: its builders allocate once (grown from empty, each built a
/// range's bounds with three reallocations: ~15% of a page read's instructions).
const KEY_CAPACITY: usize = 32;

/// Appends the positions of the entries from `lower` up to every key starting with `upper`.
fn scan_positions<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    lower: &KeyBuilder,
    upper: &KeyBuilder,
    out: &mut Vec<u32>,
) -> Result<()> {
    let upper = prefix_successor(upper.as_slice());
    let upper = upper.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
    tx.range(t, Bound::Included(lower.as_slice()), upper)?
        .scan(|key, _| {
            out.push(read_entry(key)?.2);
            Ok(true)
        })
}

/// `(level, side, pos)` of a `doc.pages` key (after its vid).
pub(crate) fn read_entry(key: &[u8]) -> Result<(u32, bool, u32)> {
    let mut r = KeyReader::new(key);
    r.u64()?;
    let level = r.u32()?;
    let side = r.bool()?;
    r.u32()?;
    r.u32()?;
    let pos = r.u32()?;
    r.expect_end()?;
    Ok((level, side, pos))
}

/// Parses a page list such as `"5-10,12"` into inclusive ranges, in the order given.
pub fn parse_page_spec(spec: &str) -> Result<Vec<(u32, u32)>> {
    let bad = |part: &str, why: &str| {
        Error::invalid(format!(
            "page spec {spec:?}: part {part:?} {why} (expected e.g. \"5-10,12\")"
        ))
    };
    let mut out = Vec::new();
    for part in spec.split(',') {
        let part = part.trim();
        if part.is_empty() {
            return Err(bad(part, "is empty"));
        }
        let (lo, hi) = match part.split_once('-') {
            Some((lo, hi)) => (lo.trim(), hi.trim()),
            None => (part, part),
        };
        let lo = parse_page(lo).ok_or_else(|| bad(part, "does not start with a page number"))?;
        let hi = parse_page(hi).ok_or_else(|| bad(part, "does not end with a page number"))?;
        if lo > hi {
            return Err(bad(part, "ends before it starts"));
        }
        out.push((lo, hi));
        if out.len() > MAX_PAGE_RANGES {
            return Err(bad(
                part,
                &format!("is past the limit of {MAX_PAGE_RANGES} ranges"),
            ));
        }
    }
    Ok(out)
}

fn parse_page(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: u64 = s.parse().ok()?;
    if v as i128 > i128::from(MAX_PAGE) {
        return None;
    }
    u32::try_from(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_is_the_smallest_aligned_block() {
        assert_eq!(placement(5, 5), (0, 5));
        assert_eq!(placement(4, 5), (1, 2));
        assert_eq!(placement(5, 6), (2, 1));
        assert_eq!(placement(0, u32::MAX), (32, 0));
        for (s, e) in [(1u32, 9u32), (7, 8), (100, 300), (0, 1)] {
            let (l, b) = placement(s, e);
            if l < 32 {
                assert_eq!(s >> l, b);
                assert_eq!(e >> l, b);
            }
            if l > 0 {
                let m = midpoint(l, b);
                assert!(u64::from(s) < m && m <= u64::from(e), "{s}..{e}");
            }
        }
    }

    #[test]
    fn page_specs_parse_and_reject_clearly() {
        assert_eq!(parse_page_spec("5-10,12").unwrap(), vec![(5, 10), (12, 12)]);
        assert_eq!(
            parse_page_spec(" 3 , 4 - 4 ").unwrap(),
            vec![(3, 3), (4, 4)]
        );
        for bad in ["", "5,", "a", "10-5", "-3", "5-", "1.5", "99999999999"] {
            let err = parse_page_spec(bad).unwrap_err();
            assert_eq!(
                err.kind(),
                crate::error::ErrorKind::InvalidArgument,
                "{bad}"
            );
            assert!(err.to_string().contains("page spec"), "{err}");
        }
    }
}
