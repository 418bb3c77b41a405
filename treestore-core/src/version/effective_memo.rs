//! The effective intervals of the policies one committed snapshot's as-of reads looked at, shared
//! by all its readers: a policy's `ver.effective` entries (start, end, version id) read once per
//! snapshot, so an as-of read that repeats a policy finds its version by a binary search in memory
//! instead of a reverse range scan of the index (its cursor, key building and allocations were
//! about a quarter of a warm `treestore_version_as_of`, callgrind), and the record of each version
//! an as-of read answered with (when short), so the next one skips the `ver.versions` lookup.
//!
//! It lives in the snapshot's [memos](crate::db::SnapshotMemo), like the version
//! [resolutions](super::resolutions): a commit that changes a `ver.` table publishes a new snapshot
//! with an empty one (other commits hand it on), while an older snapshot's readers keep theirs,
//! which still tells the truth about that snapshot. Write
//! transactions do not use it. A policy is kept only when its scan succeeded and it has at most
//! [`MAX_SPANS`] versions; a lookup it cannot answer (none in force) goes the index's way, which
//! also words the error.
//!
//! Layout as the resolutions': a [`SlotTable`] keyed by the policy (a policy that finds no free
//! slot is read from the index each time).

use std::hash::Hasher;
use std::sync::OnceLock;

use crate::hash::FxHasher;
use crate::time::Timestamp;

use super::inline_str::InlineStr;
use super::slot_table::SlotTable;

/// Segments: 8,192 policies per snapshot.
const SEGMENTS: usize = 128;
#[cfg(test)]
const SLOTS: usize = Table::SLOTS;

type Table = SlotTable<Entry, SEGMENTS>;

/// Most versions a kept policy has (a policy with more is read from the index).
pub(crate) const MAX_SPANS: usize = 16;
/// Longest version record kept beside its span (a longer one is read from `ver.versions` each
/// time). Records are kept only for the versions an as-of read answered with: at most 32 MiB
/// per snapshot with [`MAX_SPANS`] and the slots, in practice a few bytes per policy read.
pub(crate) const MAX_RECORD: usize = 256;

/// One `ver.effective` entry: the version in force from `start` (until `end`, if set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    pub version: InlineStr,
    /// The version's `ver.versions` record, kept by the first as-of read that answered with
    /// this span (when at most [`MAX_RECORD`] bytes).
    pub record: OnceLock<Box<[u8]>>,
}

/// One kept policy: its spans in index order (by start, then version id).
struct Entry {
    policy: InlineStr,
    spans: Box<[Span]>,
}

/// See the module doc; share it through the snapshot's memos.
#[derive(Default)]
pub(crate) struct EffectiveMemo {
    table: Table,
}

fn hash(policy: &str) -> usize {
    let mut h = FxHasher::default();
    h.write(policy.as_bytes());
    h.write_u32(policy.len() as u32);
    // Fx leaves its low bits weakest: take the slot from the high ones.
    (h.finish() >> 32) as usize
}

/// Read from `ver.effective` and `ver.versions`.
impl crate::db::Memo for EffectiveMemo {
    const TABLES: &'static [&'static str] = &["ver."];
}

impl EffectiveMemo {
    /// The kept spans of `policy`, if any.
    pub(crate) fn get(&self, policy: &str) -> Option<&[Span]> {
        self.table
            .get(hash(policy), |e| e.policy == policy)
            .map(|e| &*e.spans)
    }

    /// Keeps `spans` as `policy`'s, if a probed slot is free; the spans the memo now holds for
    /// it (another reader's, equal, when it came first).
    pub(crate) fn insert(&self, policy: &str, spans: Vec<Span>) -> Option<&[Span]> {
        let mut spans = Some(spans);
        let make = || Entry {
            policy: policy.into(),
            spans: spans.take().unwrap_or_default().into_boxed_slice(),
        };
        self.table
            .insert(hash(policy), make, |e| e.policy == policy)
            .map(|e| &*e.spans)
    }
}

/// The span of `spans` (in index order) in force at `at`: the last one starting at or before it,
/// if it has not ended by then; `None` when none is.
pub(crate) fn in_force(spans: &[Span], at: Timestamp) -> Option<&Span> {
    let n = spans.partition_point(|s| s.start <= at);
    let s = spans.get(n.checked_sub(1)?)?;
    match s.end {
        Some(end) if end <= at => None,
        _ => Some(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: Timestamp, end: Option<Timestamp>, v: &str) -> Span {
        Span {
            start,
            end,
            version: v.into(),
            record: OnceLock::new(),
        }
    }

    #[test]
    fn in_force_takes_the_last_start_at_or_before() {
        let s = [
            span(10, Some(20), "a"),
            span(20, None, "b"),
            span(20, None, "c"),
        ];
        assert!(in_force(&s, 9).is_none());
        assert_eq!(in_force(&s, 10).unwrap().version, "a");
        assert_eq!(in_force(&s, 19).unwrap().version, "a");
        assert_eq!(in_force(&s, 20).unwrap().version, "c");
        assert_eq!(in_force(&s, i64::MAX).unwrap().version, "c");
        assert!(in_force(&[span(10, Some(15), "a")], 15).is_none());
        assert!(in_force(&[], 15).is_none());
    }

    #[test]
    fn policies_are_kept_apart_and_the_first_insert_stays() {
        let m = EffectiveMemo::default();
        assert!(m.get("p").is_none());
        let got = m.insert("p", vec![span(1, None, "v1")]).unwrap();
        assert_eq!(got[0].version, "v1");
        m.insert("q", vec![span(2, None, "w")]);
        assert_eq!(
            m.insert("p", vec![span(9, None, "x")]).unwrap()[0].version,
            "v1"
        );
        assert_eq!(m.get("p").unwrap()[0].start, 1);
        assert_eq!(m.get("q").unwrap()[0].version, "w");
        assert!(m.get("pq").is_none());
    }

    #[test]
    fn more_policies_than_slots_stay_correct() {
        let m = EffectiveMemo::default();
        let n = SLOTS + SLOTS / 4;
        for i in 0..n {
            m.insert(&format!("p{i}"), vec![span(i as i64, None, "v")]);
        }
        let mut kept = 0;
        for i in 0..n {
            if let Some(s) = m.get(&format!("p{i}")) {
                assert_eq!(s[0].start, i as i64);
                kept += 1;
            }
        }
        assert!(kept <= SLOTS && kept > SLOTS / 2, "kept {kept}");
    }
}
