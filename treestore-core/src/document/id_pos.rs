//! The id → position hint: most documents number their nodes in pre-order (PageIndex writes
//! "0000", "0001", … and the importer puts a synthetic root before them), so a node's position
//! can be computed from its id instead of looked up in `doc.ids`, like SQLite's rowid alias.
//!
//! When a version is stored, [`IdHint::detect`] reads the ids in pre-order. Ids of ASCII digits
//! are numbers `n`; if they increase along the pre-order, they fall into runs where the
//! position is `n + offset` for one offset per run (one run for a PageIndex output; a next run
//! after each inserted section of an amended version). The catalog records those runs with the
//! version (`ver.docs` and `ver.latest`, which reads already load to resolve it). A read then
//! [`IdHint::guess`]es the position from the id, reads the record there and uses it only if the
//! record's `node_id` equals the asked id byte for byte, falling back to `doc.ids` otherwise. The
//! hint is only ever a shortcut: ids are unique within a version, so a record with the asked id is
//! the node, and an id the guess misses (the root, an id that is not a number, "01" where "0001"
//! is stored, a number past the end, an id that does not exist) is answered by `doc.ids` as
//! before.

use crate::codec::{Decoder, Encoder};
use crate::error::{Error, Result};

/// Longest digit string read as a number: positions are u32, at most 10 digits.
const MAX_DIGITS: usize = 10;

/// Most runs a hint keeps; a version whose numbers need more gets none.
pub(crate) const MAX_RUNS: usize = 32;

/// The runs of a version's numbered ids: `(first number, offset)` in increasing number order;
/// a number `n` of the run it falls in sits at position `n + offset`.
///
/// The first run is kept inline and only the runs after it on the heap: most versions have one
/// run, and a resolved version is kept in the snapshot's shared resolutions, so a point read
/// guesses its position without following a pointer to another cache line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdHint {
    first: (u64, i64),
    /// The runs after `first`, in increasing number order (empty for most versions: no
    /// allocation). A boxed slice, not a `Vec`: a resolution fills two cache lines exactly.
    rest: Box<[(u64, i64)]>,
}

/// The number an id of 1 to [`MAX_DIGITS`] ASCII digits spells ("0042" is 42), else `None`.
fn number(id: &str) -> Option<u64> {
    let b = id.as_bytes();
    if b.is_empty() || b.len() > MAX_DIGITS || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

impl IdHint {
    /// The hint of a version whose ids in pre-order are `ids_in_preorder`; the root (position 0)
    /// and ids that are not numbers are left to `doc.ids`. `None` when no other id is a number,
    /// when the numbers do not increase along the pre-order, or when they need more than
    /// [`MAX_RUNS`] runs.
    pub(crate) fn detect<'a>(ids_in_preorder: impl IntoIterator<Item = &'a str>) -> Option<IdHint> {
        let mut runs: Vec<(u64, i64)> = Vec::new();
        let mut last = None;
        for (pos, id) in ids_in_preorder.into_iter().enumerate().skip(1) {
            let Some(n) = number(id) else {
                continue;
            };
            if last.is_some_and(|l| n <= l) {
                return None;
            }
            last = Some(n);
            let offset = i64::try_from(pos).ok()? - i64::try_from(n).ok()?;
            if runs.last().map(|r| r.1) != Some(offset) {
                if runs.len() == MAX_RUNS {
                    return None;
                }
                runs.push((n, offset));
            }
        }
        IdHint::of_runs(runs)
    }

    /// The hint of `runs` (in increasing number order); `None` when there are none.
    fn of_runs(mut runs: Vec<(u64, i64)>) -> Option<IdHint> {
        if runs.is_empty() {
            return None;
        }
        let first = runs.remove(0);
        Some(IdHint {
            first,
            rest: runs.into_boxed_slice(),
        })
    }

    /// The runs in order, `(first number, offset)` each.
    fn all_runs(&self) -> impl Iterator<Item = &(u64, i64)> {
        std::iter::once(&self.first).chain(&self.rest)
    }

    /// The position `node_id` has if it follows the hint: a guess the caller checks against the
    /// record found there.
    pub(crate) fn guess(&self, node_id: &str) -> Option<u32> {
        let n = number(node_id)?;
        if n < self.first.0 {
            return None;
        }
        // The last run starting at or before `n` (`rest` is only read when it has runs).
        let offset = match self.rest.partition_point(|r| r.0 <= n) {
            0 => self.first.1,
            i => self.rest[i - 1].1,
        };
        let pos = i64::try_from(n).ok()?.checked_add(offset)?;
        u32::try_from(pos).ok()
    }

    /// A hint of the given runs (tests write wrong ones to see that reads do not trust them).
    #[cfg(test)]
    pub(crate) fn from_runs(runs: Vec<(u64, i64)>) -> IdHint {
        IdHint::of_runs(runs).expect("a hint has at least one run")
    }

    /// The runs, `(first number, offset)` each.
    #[cfg(test)]
    pub(crate) fn runs(&self) -> Vec<(u64, i64)> {
        self.all_runs().copied().collect()
    }

    /// Appends the hint to a catalog record: uvar run count, then per run uvar first number and
    /// ivar offset.
    pub(crate) fn encode(&self, e: &mut Encoder) {
        e.uvar(1 + self.rest.len() as u64);
        for &(first, offset) in self.all_runs() {
            e.uvar(first).ivar(offset);
        }
    }

    /// The hint at the end of a catalog record; `None` when the record ends before it (records
    /// written before hints existed, and versions without one).
    pub(crate) fn decode_trailing(d: &mut Decoder<'_>) -> Result<Option<IdHint>> {
        if d.is_empty() {
            return Ok(None);
        }
        let count = d.uvar()?;
        if count == 0 || count > MAX_RUNS as u64 {
            return Err(Error::corruption(format!(
                "catalog record: id hint of {count} runs"
            )));
        }
        let mut runs = Vec::with_capacity(count as usize);
        for _ in 0..count {
            runs.push((d.uvar()?, d.ivar()?));
        }
        Ok(IdHint::of_runs(runs))
    }
}

#[cfg(test)]
mod tests {
    use super::{IdHint, MAX_RUNS};
    use crate::codec::{Decoder, Encoder};

    fn runs(ids: &[&str]) -> Option<Vec<(u64, i64)>> {
        IdHint::detect(ids.iter().copied()).map(|h| h.runs())
    }

    fn hint(runs: &[(u64, i64)]) -> IdHint {
        IdHint::from_runs(runs.to_vec())
    }

    #[test]
    fn pre_order_numbers_give_one_run() {
        // The seeded generator: the root is "0000" at position 0.
        assert_eq!(runs(&["0000", "0001", "0002"]), Some(vec![(1, 0)]));
        // PageIndex import: a synthetic root, then "0000" at position 1.
        assert_eq!(runs(&["root", "0000", "0001", "0002"]), Some(vec![(0, 1)]));
        // Unpadded, wider than the padding, and a negative offset.
        assert_eq!(runs(&["r", "1", "2", "3"]), Some(vec![(1, 0)]));
        assert_eq!(runs(&["r", "9999", "10000"]), Some(vec![(9999, 1 - 9999)]));
    }

    #[test]
    fn the_root_is_exempt_whatever_its_id() {
        assert_eq!(runs(&["7", "0000", "0001"]), Some(vec![(0, 1)]));
        assert_eq!(runs(&["", "0000"]), Some(vec![(0, 1)]));
    }

    #[test]
    fn gaps_and_inserted_sections_start_new_runs() {
        // A gap: "0002" follows "0000".
        assert_eq!(
            runs(&["r", "0000", "0002", "0003"]),
            Some(vec![(0, 1), (2, 0)])
        );
        // An amended version: a new section "v2-new" after "0001" shifts what follows by one.
        assert_eq!(
            runs(&["0000", "0001", "v2-new", "0002", "0003"]),
            Some(vec![(1, 0), (2, 1)])
        );
    }

    #[test]
    fn ids_that_are_not_numbers_are_left_out() {
        assert_eq!(runs(&["r", "0000", "a", "0002"]), Some(vec![(0, 1)]));
        for odd in ["1e3", "+1", " 1", "", "٣", "00000000000"] {
            assert_eq!(runs(&["r", "0000", odd]), Some(vec![(0, 1)]), "{odd:?}");
        }
        assert_eq!(runs(&["r", "a", "b"]), None, "no number at all");
        assert_eq!(runs(&["root"]), None, "only a root");
        assert_eq!(runs(&[]), None);
    }

    #[test]
    fn numbers_that_do_not_increase_or_need_too_many_runs_give_no_hint() {
        assert_eq!(runs(&["r", "0001", "0000"]), None, "out of order");
        assert_eq!(runs(&["r", "1", "01"]), None, "one number twice");
        let many: Vec<String> = (0..=MAX_RUNS).map(|i| (i * 2).to_string()).collect();
        let ids: Vec<&str> = std::iter::once("r")
            .chain(many.iter().map(String::as_str))
            .collect();
        assert_eq!(runs(&ids), None, "{} runs", MAX_RUNS + 1);
        assert_eq!(runs(&ids[..MAX_RUNS + 1]).unwrap().len(), MAX_RUNS);
    }

    #[test]
    fn non_canonical_spellings_still_detect() {
        // "01" and "2": the numbers fit the positions; reads check the id byte for byte.
        assert_eq!(runs(&["r", "01", "2"]), Some(vec![(1, 0)]));
    }

    #[test]
    fn guesses_use_the_run_of_the_number_and_stay_in_range() {
        let h = hint(&[(0, 1)]);
        assert_eq!(h.guess("0042"), Some(43));
        assert_eq!(h.guess("42"), Some(43));
        assert_eq!(h.guess("x1"), None);
        assert_eq!(h.guess(""), None);
        assert_eq!(h.guess("12345678901"), None, "too many digits");
        let h = hint(&[(1, 0), (2, 1), (10, 3)]);
        assert_eq!(h.guess("0"), None, "below the first run");
        assert_eq!(h.guess("1"), Some(1));
        assert_eq!(h.guess("2"), Some(3), "the first number of the second run");
        assert_eq!(h.guess("9"), Some(10));
        assert_eq!(h.guess("10"), Some(13));
        assert_eq!(hint(&[(0, -1)]).guess("0000"), None, "negative");
        assert_eq!(hint(&[(0, 0)]).guess("9999999999"), None, "past u32");
        assert_eq!(hint(&[(0, 0)]).guess("4294967295"), Some(u32::MAX));
        assert_eq!(hint(&[(0, i64::MAX)]).guess("1"), None, "overflow");
    }

    #[test]
    fn hints_round_trip_and_absent_ones_read_as_none() {
        let h = hint(&[(0, 1), (7, 3), (u64::MAX, i64::MIN)]);
        let mut e = Encoder::new();
        e.u8(9);
        h.encode(&mut e);
        let bytes = e.finish();
        let mut d = Decoder::new(&bytes, "t");
        d.u8().unwrap();
        assert_eq!(IdHint::decode_trailing(&mut d).unwrap(), Some(h));
        assert!(d.is_empty());
        let mut d = Decoder::new(&bytes[..1], "t");
        d.u8().unwrap();
        assert_eq!(IdHint::decode_trailing(&mut d).unwrap(), None);
        for bad in [&[0u8][..], &[33], &[1, 5]] {
            assert!(IdHint::decode_trailing(&mut Decoder::new(bad, "t")).is_err());
        }
    }
}
