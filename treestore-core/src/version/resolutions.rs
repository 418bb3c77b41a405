//! The resolutions of one committed snapshot, shared by all its readers: "the latest version of
//! policy P" and "version V of policy P", each to its vid, version id and id hint
//! ([`Resolved`]), so a reader that opens one transaction per call (the [`Documents`] and
//! [`Versions`] handles, the C ABI) resolves a version without a catalog lookup once any reader of
//! the snapshot did.
//!
//! It lives in the snapshot's [memos](crate::db::SnapshotMemo): a commit that changes a `ver.` or a
//! `doc.` table (a version stored or deleted, a tag moved) publishes a new snapshot with an empty
//! one (other commits hand it on), while an older snapshot's readers keep theirs, which still
//! tells the truth about that snapshot. Write transactions do not
//! use it. Only successful resolutions are kept.
//!
//! Layout: a [`SlotTable`] of 32,768 write-once slots ([`SEGMENTS`]) keyed by the policy and the
//! version asked for. A lookup hands out the resolution borrowed from its slot (kept inline: no
//! pointer to follow and no reference count to touch, which on a big database are a cache miss and
//! two atomic writes per read); a resolution that finds no free slot is kept by its reader alone,
//! as in a write transaction.
//!
//! [`Documents`]: crate::document::Documents
//! [`Versions`]: crate::version::Versions

use std::hash::Hasher;

use crate::hash::FxHasher;

use super::inline_str::InlineStr;
use super::read::Resolved;
use super::slot_table::SlotTable;

/// Segments of one snapshot's table: 32,768 resolutions, so that every version of a corpus of
/// 10,000 versions read by explicit id (issue 8's benchmark) stays resolved. The segment array
/// (8 KiB) is made by the first reader of a snapshot that resolves, segments as they fill.
const SEGMENTS: usize = 512;
/// Resolutions one snapshot keeps at most.
#[cfg(test)]
pub(crate) const SLOTS: usize = Table::SLOTS;

type Table = SlotTable<Entry, SEGMENTS>;

/// One kept resolution. Its key and the resolution's version id are inline when short (as
/// is a one-run id hint), so a lookup that finds it reads only the slot's own cache lines.
struct Entry {
    policy: InlineStr,
    /// Whether it answers for its version by name (then the version asked for is the
    /// resolution's version id) rather than for the latest version.
    named: bool,
    resolved: Resolved,
    /// Fills the slot to two whole cache lines (see the test `a_slot_is_two_cache_lines`).
    _line_fill: u64,
}

impl Entry {
    fn answers(&self, policy: &str, version: Option<&str>) -> bool {
        self.policy == policy
            && match version {
                None => !self.named,
                Some(v) => self.named && self.resolved.version_id.as_str() == v,
            }
    }
}

/// See the module doc; share it through the snapshot's memos.
#[derive(Default)]
pub(crate) struct Resolutions {
    table: Table,
}

fn hash(policy: &str, version: Option<&str>) -> usize {
    let mut h = FxHasher::default();
    h.write(policy.as_bytes());
    h.write_u32(policy.len() as u32);
    match version {
        None => h.write_u8(0),
        Some(v) => {
            h.write_u8(1);
            h.write(v.as_bytes());
        }
    }
    // Fx leaves its low bits weakest: take the slot from the high ones.
    (h.finish() >> 32) as usize
}

/// Resolved from the `ver.` tables; their page hints point into `doc.nodes` and `doc.text`.
impl crate::db::Memo for Resolutions {
    const TABLES: &'static [&'static str] = &["ver.", "doc."];
}

impl Resolutions {
    /// The kept resolution of `version` of `policy` (`None`: the latest version), if any.
    pub(crate) fn get(&self, policy: &str, version: Option<&str>) -> Option<&Resolved> {
        self.table
            .get(hash(policy, version), |e| e.answers(policy, version))
            .map(|e| &e.resolved)
    }

    /// Keeps `resolved` as the answer for `version` of `policy`, if a probed slot is free;
    /// whether the table now holds an answer for it.
    pub(crate) fn insert(&self, policy: &str, version: Option<&str>, resolved: &Resolved) -> bool {
        // A version asked for by name resolves to itself (the entry keeps its name once).
        if version.is_some_and(|v| v != resolved.version_id.as_str()) {
            return false;
        }
        let make = || Entry {
            policy: policy.into(),
            named: version.is_some(),
            resolved: resolved.clone(),
            _line_fill: 0,
        };
        // This insert's entry, or another reader's of the same key: either way it is kept.
        self.table
            .insert(hash(policy, version), make, |e| e.answers(policy, version))
            .is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, OnceLock};

    fn resolved(vid: u64, version: &str) -> Arc<Resolved> {
        Arc::new(Resolved {
            vid,
            version_id: version.into(),
            id_hint: None,
            hints: Default::default(),
            slots: Default::default(),
        })
    }

    #[test]
    fn a_slot_is_two_cache_lines() {
        assert_eq!(std::mem::size_of::<OnceLock<Entry>>(), 128);
        assert_eq!(
            std::mem::align_of::<super::super::slot_table::Segment<Entry>>(),
            64
        );
    }

    #[test]
    fn latest_and_named_versions_are_kept_apart() {
        let r = Resolutions::default();
        assert!(r.get("p", None).is_none());
        r.insert("p", None, &resolved(3, "v3"));
        r.insert("p", Some("v1"), &resolved(1, "v1"));
        r.insert("pv", Some("1"), &resolved(9, "1"));
        // A version asked for by name resolves to that name, or is not kept.
        assert!(!r.insert("p", Some("v2"), &resolved(2, "v7")));
        assert!(r.get("p", Some("v2")).is_none());
        assert_eq!(r.get("p", None).unwrap().vid, 3);
        assert_eq!(r.get("p", Some("v1")).unwrap().vid, 1);
        assert_eq!(r.get("pv", Some("1")).unwrap().vid, 9);
        assert!(r.get("p", Some("v3")).is_none());
        assert!(r.get("pv", None).is_none());
        assert!(r.get("q", None).is_none());
        // The first answer stays (a snapshot's answer never changes).
        r.insert("p", None, &resolved(4, "v4"));
        assert_eq!(r.get("p", None).unwrap().vid, 3);
    }

    #[test]
    fn more_keys_than_slots_stay_correct() {
        let r = Resolutions::default();
        let n = SLOTS + SLOTS / 2;
        let mut inserted = 0;
        for i in 0..n {
            inserted +=
                usize::from(r.insert(&format!("policy{i}"), None, &resolved(i as u64, "v")));
        }
        let mut kept = 0;
        for i in 0..n {
            if let Some(got) = r.get(&format!("policy{i}"), None) {
                assert_eq!(got.vid, i as u64);
                kept += 1;
            }
        }
        assert_eq!(kept, inserted);
        assert!(kept <= SLOTS);
        assert!(kept > SLOTS / 2, "only {kept} of {n} kept");
    }

    #[test]
    fn readers_on_many_threads_agree() {
        let r = Resolutions::default();
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let r = &r;
                s.spawn(move || {
                    for i in 0..2000u64 {
                        let p = format!("p{}", (i * 7 + t) % 500);
                        let vid = (i * 7 + t) % 500;
                        match r.get(&p, None) {
                            Some(got) => assert_eq!(got.vid, vid),
                            None => assert!(r.insert(&p, None, &resolved(vid, "v"))),
                        }
                    }
                });
            }
        });
        for i in 0..500u64 {
            assert_eq!(r.get(&format!("p{i}"), None).unwrap().vid, i);
        }
    }
}
