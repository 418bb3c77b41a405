//! Reads of the version catalog: resolving "a version or the latest" to a vid, listing, tags,
//! as-of lookups.

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::ops::Bound;
use std::sync::{Arc, OnceLock};

use crate::btree::leaf_slots::LeafSlots;
use crate::btree::PageHints;
use crate::db::ReadOps;
use crate::document::id_pos::IdHint;
use crate::document::Document;
use crate::error::{Error, ErrorKind, Result};
use crate::keys::{prefix_successor, KeyBuilder, KeyReader};
use crate::time::{self, Timestamp};

use super::effective_memo::{in_force, EffectiveMemo, Span, MAX_SPANS};
use super::inline_str::InlineStr;
use super::model::{PolicyPage, VersionPage};
use super::record::{
    decode_effective, decode_latest, decode_version, decode_version_vid, policy_prefix, tag_key,
    version_key, LazyTable, BY_TIME, EFFECTIVE, LATEST, TAGS, VERSIONS,
};
use super::resolutions::Resolutions;
use super::write::effective_key_parts;

mod borrowed;
pub use borrowed::VersionRef;

/// The remembered resolutions of one policy.
#[derive(Default)]
struct PolicyResolutions {
    latest: Option<Arc<Resolved>>,
    versions: HashMap<String, Arc<Resolved>>,
}

/// Most policies a [`VersionReader`] remembers resolutions of.
const RESOLVED_CACHE: usize = 4096;

/// A version resolved to the vid its nodes are keyed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub vid: u64,
    /// Inline when short: the shared resolutions hand this out per point read.
    pub version_id: InlineStr,
    /// The version's id → position hint, if it has one.
    pub id_hint: Option<IdHint>,
    /// Where the point reads of this resolution's readers last passed: the page above the leaf
    /// of a node record (`doc.nodes`) and of a text (`doc.text`; a policy's versions' texts are
    /// neighbours), hints [`NODES_HINT`] and [`TEXT_HINT`]. A read asks for both before its own
    /// lookups, so their misses overlap.
    pub hints: PageHints,
    /// Where the point reads of this resolution's readers found each node (by pre-order
    /// position): the slot of its record in `doc.nodes` ([`RECORD_SLOT`]) and of its text's first
    /// chunk in `doc.text` ([`TEXT_SLOT`]), so a node read again is read from those slots
    /// without a lookup (`document::read::point`).
    pub slots: LeafSlots,
}

/// [`Resolved::slots`]' kind of a node's record.
pub(crate) const RECORD_SLOT: usize = 0;
/// [`Resolved::slots`]' kind of a node's text (its first chunk).
pub(crate) const TEXT_SLOT: usize = 1;

/// [`Resolved::hints`]' hint of the node records' page.
pub(crate) const NODES_HINT: usize = 0;
/// [`Resolved::hints`]' hint of the texts' page.
pub(crate) const TEXT_HINT: usize = 1;

/// A resolution as [`VersionReader::resolve`] hands it out: borrowed from the snapshot's shared
/// resolutions when they hold it (no reference count touched), else shared with the reader's own
/// memory of it.
#[derive(Debug)]
pub(crate) enum ResolvedRef<'t> {
    Shared(&'t Resolved),
    Own(Arc<Resolved>),
}

impl std::ops::Deref for ResolvedRef<'_> {
    type Target = Resolved;

    fn deref(&self) -> &Resolved {
        match self {
            ResolvedRef::Shared(r) => r,
            ResolvedRef::Own(r) => r,
        }
    }
}

/// Reads versions within one transaction (read or write). Tables are opened on first use and
/// reused, and version resolutions are remembered, so make one reader per transaction and call it
/// many times.
pub struct VersionReader<'t, R: ReadOps + ?Sized> {
    pub(crate) tx: &'t R,
    versions: LazyTable,
    by_time: LazyTable,
    effective: LazyTable,
    tags: LazyTable,
    latest: LazyTable,
    /// Answers of earlier resolutions by `(policy, asked version)`: the snapshot cannot change
    /// while the reader borrows the transaction (a write transaction cannot be written through
    /// while it is borrowed). At most [`RESOLVED_CACHE`] entries; then it starts over.
    resolved: RefCell<HashMap<String, PolicyResolutions>>,
    /// The resolutions shared by the readers of a read transaction's snapshot (looked up once;
    /// `None` inside: a write transaction, which uses `resolved`).
    shared: OnceCell<Option<&'t Resolutions>>,
}

impl<'t, R: ReadOps + ?Sized> VersionReader<'t, R> {
    /// A reader over `tx`; opens nothing yet.
    pub fn new(tx: &'t R) -> Self {
        VersionReader {
            tx,
            versions: LazyTable::new(VERSIONS),
            by_time: LazyTable::new(BY_TIME),
            effective: LazyTable::new(EFFECTIVE),
            tags: LazyTable::new(TAGS),
            latest: LazyTable::new(LATEST),
            resolved: RefCell::new(HashMap::new()),
            shared: OnceCell::new(),
        }
    }

    /// The vid of `version` of `policy`, or of its latest version when `None` (shared with the
    /// reader's memory of it, so a repeated resolution allocates nothing).
    pub(crate) fn resolve(&self, policy: &str, version: Option<&str>) -> Result<ResolvedRef<'t>> {
        // A read transaction shares its snapshot's resolutions with every other reader of it;
        // a write transaction (which must see its own changes) remembers its own.
        let shared = self.shared();
        if let Some(r) = shared.and_then(|s| s.get(policy, version)) {
            return Ok(ResolvedRef::Shared(r));
        }
        // Not shared (a write transaction, or a snapshot whose table is full where this key
        // probes): the reader's own memory.
        if let Some(r) = self.cached(policy, version) {
            return Ok(ResolvedRef::Own(r));
        }
        let resolved = Arc::new(self.look_up(policy, version)?);
        // Kept for the snapshot's readers: this read uses the kept copy too, so what it learns
        // (page hints, leaf slots) is what the next read finds.
        if let Some(kept) = shared
            .filter(|s| s.insert(policy, version, &resolved))
            .and_then(|s| s.get(policy, version))
        {
            return Ok(ResolvedRef::Shared(kept));
        }
        self.remember(policy, version, &resolved);
        Ok(ResolvedRef::Own(resolved))
    }

    /// The snapshot's shared resolutions, when the transaction is a read transaction.
    fn shared(&self) -> Option<&'t Resolutions> {
        *self
            .shared
            .get_or_init(|| self.tx.snapshot_memo().and_then(|m| m.get::<Resolutions>()))
    }

    /// Resolves `version` of `policy` (`None`: the latest) from the catalog.
    fn look_up(&self, policy: &str, version: Option<&str>) -> Result<Resolved> {
        Ok(match version {
            Some(v) => {
                let t = self.versions.get(self.tx)?;
                let Some(rec) = self.tx.get(t, &version_key(policy, v))? else {
                    return Err(version_not_found(policy, v));
                };
                let (vid, id_hint) = decode_version_vid(&rec)?;
                Resolved {
                    vid,
                    version_id: v.into(),
                    id_hint,
                    hints: Default::default(),
                    slots: Default::default(),
                }
            }
            None => {
                let t = self.latest.get(self.tx)?;
                let Some(rec) = self.tx.get(t, &policy_prefix(policy))? else {
                    return Err(no_versions(policy));
                };
                let (vid, v, id_hint) = decode_latest(&rec)?;
                Resolved {
                    vid,
                    version_id: v.into(),
                    id_hint,
                    hints: Default::default(),
                    slots: Default::default(),
                }
            }
        })
    }

    /// Keeps `resolved` as the answer for `version` of `policy` in the reader's own map.
    fn remember(&self, policy: &str, version: Option<&str>, resolved: &Arc<Resolved>) {
        let mut cache = self.resolved.borrow_mut();
        if cache.len() >= RESOLVED_CACHE {
            cache.clear();
        }
        let entry = cache.entry(policy.to_string()).or_default();
        match version {
            None => entry.latest = Some(Arc::clone(resolved)),
            Some(v) => {
                entry.versions.insert(v.to_string(), Arc::clone(resolved));
            }
        }
    }

    fn cached(&self, policy: &str, version: Option<&str>) -> Option<Arc<Resolved>> {
        let cache = self.resolved.borrow();
        let entry = cache.get(policy)?;
        match version {
            None => entry.latest.clone(),
            Some(v) => entry.versions.get(v).cloned(),
        }
    }

    /// Versions of `policy`, newest `created_at` first; `limit` 0 means all. Pass the previous
    /// page's `next_cursor` to continue.
    pub fn list_versions(
        &self,
        policy: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<VersionPage> {
        let t = self.by_time.get(self.tx)?;
        let prefix = policy_prefix(policy);
        let upper_key = match cursor {
            None => None,
            Some(c) => Some(decode_cursor(c, &prefix)?),
        };
        let end = prefix_successor(&prefix);
        let upper = match (&upper_key, &end) {
            (Some(k), _) => Bound::Excluded(k.as_slice()),
            (None, Some(e)) => Bound::Excluded(e.as_slice()),
            (None, None) => Bound::Unbounded,
        };
        let mut page = VersionPage::default();
        let mut last_key = None;
        for kv in self.tx.range_rev(t, Bound::Included(&prefix), upper)? {
            let (k, _) = kv?;
            if limit != 0 && page.versions.len() == limit {
                page.next_cursor = last_key.map(|k: Vec<u8>| crate::document::hex(&k));
                break;
            }
            let (_, version) = effective_key_parts(&k)?;
            page.versions.push(self.version(policy, &version)?);
            last_key = Some(k.to_vec());
        }
        Ok(page)
    }

    /// Every policy with at least one version, in key order (one scan of `ver.latest`).
    pub fn policies(&self) -> Result<Vec<String>> {
        let t = self.latest.get(self.tx)?;
        let mut out = Vec::new();
        for kv in self.tx.range(t, Bound::Unbounded, Bound::Unbounded)? {
            let (k, _) = kv?;
            let mut r = KeyReader::new(&k);
            let policy = r.str()?.into_owned();
            r.expect_end()?;
            out.push(policy);
        }
        Ok(out)
    }

    /// One page of the policies with at least one version, in policy id order: at most `limit`
    /// (0 means all) after the policy `cursor` names (the previous page's `next_cursor`, which is
    /// the last policy id of that page).
    pub fn policies_page(&self, limit: usize, cursor: Option<&str>) -> Result<PolicyPage> {
        let t = self.latest.get(self.tx)?;
        let after = cursor.map(policy_prefix);
        let lower = match &after {
            Some(k) => Bound::Excluded(k.as_slice()),
            None => Bound::Unbounded,
        };
        let mut page = PolicyPage::default();
        for kv in self.tx.range(t, lower, Bound::Unbounded)? {
            let (k, _) = kv?;
            if limit != 0 && page.policies.len() == limit {
                page.next_cursor = page.policies.last().cloned();
                break;
            }
            let mut r = KeyReader::new(&k);
            let policy = r.str()?.into_owned();
            r.expect_end()?;
            page.policies.push(policy);
        }
        Ok(page)
    }

    /// The version `version` of `policy`.
    pub fn version(&self, policy: &str, version: &str) -> Result<Document> {
        let t = self.versions.get(self.tx)?;
        match self.tx.get(t, &version_key(policy, version))? {
            Some(v) => Ok(decode_version(policy, version, &v)?.doc),
            None => Err(version_not_found(policy, version)),
        }
    }

    /// The version of `policy` that `tag` names.
    pub fn version_by_tag(&self, policy: &str, tag: &str) -> Result<Document> {
        let version = self.tagged_version_id(policy, tag)?;
        self.version(policy, &version)
    }

    /// The id of the version of `policy` that `tag` names ([`VersionReader::version_by_tag`]).
    pub(crate) fn tagged_version_id(&self, policy: &str, tag: &str) -> Result<String> {
        let t = self.tags.get(self.tx)?;
        let Some(v) = self.tx.get(t, &tag_key(policy, tag))? else {
            return Err(Error::not_found(format!(
                "policy {policy}: no version is tagged {tag:?}"
            )));
        };
        String::from_utf8(v.to_vec())
            .map_err(|_| Error::corruption(format!("ver.tags {policy}/{tag}: not UTF-8")))
    }

    /// The newest version of `policy` (by `created_at`).
    pub fn latest_version(&self, policy: &str) -> Result<Document> {
        let r = self.resolve(policy, None)?;
        self.version(policy, &r.version_id)
    }

    /// The version of `policy` in force at `at`: the one whose `[effective_start, effective_end)`
    /// holds it, where a missing start is `created_at` and a missing end is the next version's
    /// start.
    pub fn version_as_of(&self, policy: &str, at: Timestamp) -> Result<Document> {
        let version = self.as_of_version_id(policy, at)?;
        self.version(policy, &version)
    }

    /// The id of the version of `policy` in force at `at` ([`VersionReader::version_as_of`]):
    /// from the snapshot's [memo](EffectiveMemo) of the policy's effective intervals in a read
    /// transaction (filled here on first use), else (a write transaction, a policy not kept, none
    /// in force) from the index.
    pub(crate) fn as_of_version_id(&self, policy: &str, at: Timestamp) -> Result<Cow<'t, str>> {
        if let Some(s) = self.as_of_memo(policy, at)? {
            return Ok(Cow::Borrowed(s.version.as_str()));
        }
        self.as_of_scan(policy, at).map(Cow::Owned)
    }

    /// The span of `policy` in force at `at` from the snapshot's [memo](EffectiveMemo) (filled
    /// here on first use); `None` in a write transaction, for a policy not kept, or when none is
    /// in force.
    pub(crate) fn as_of_memo(&self, policy: &str, at: Timestamp) -> Result<Option<&'t Span>> {
        let Some(memo) = self
            .tx
            .snapshot_memo()
            .and_then(|m| m.get::<EffectiveMemo>())
        else {
            return Ok(None);
        };
        let spans = match memo.get(policy) {
            Some(s) => Some(s),
            None => self
                .effective_spans(policy)?
                .and_then(|s| memo.insert(policy, s)),
        };
        Ok(spans.and_then(|s| in_force(s, at)))
    }

    /// Every `ver.effective` entry of `policy` in index order; `None` when it has none or more
    /// than [`MAX_SPANS`].
    fn effective_spans(&self, policy: &str) -> Result<Option<Vec<Span>>> {
        let t = self.effective.get(self.tx)?;
        let mut spans = Vec::new();
        for kv in self.tx.prefix(t, &policy_prefix(policy))? {
            let (k, v) = kv?;
            if spans.len() == MAX_SPANS {
                return Ok(None);
            }
            let (start, version) = effective_key_parts(&k)?;
            spans.push(Span {
                start,
                end: decode_effective(&v)?.0,
                version: version.into(),
                record: OnceLock::new(),
            });
        }
        Ok((!spans.is_empty()).then_some(spans))
    }

    /// [`VersionReader::as_of_version_id`] from the index: the last entry at or before `at`.
    fn as_of_scan(&self, policy: &str, at: Timestamp) -> Result<String> {
        let t = self.effective.get(self.tx)?;
        let prefix = policy_prefix(policy);
        let upper = prefix_successor(&KeyBuilder::new().str(policy).i64(at).finish());
        let upper = upper.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        let found = match self
            .tx
            .range_rev(t, Bound::Included(&prefix), upper)?
            .next()
        {
            None => None,
            Some(kv) => {
                let (k, v) = kv?;
                let (start, version) = effective_key_parts(&k)?;
                Some((start, version, decode_effective(&v)?.0))
            }
        };
        let Some((start, version, end)) = found else {
            self.resolve(policy, None)?;
            return Err(Error::not_found(format!(
                "policy {policy}: no version was in force at {} (the first starts later)",
                time::format(at)
            )));
        };
        if let Some(end) = end.filter(|&e| e <= at) {
            return Err(Error::not_found(format!(
                "policy {policy}: no version was in force at {} (version {version}, in force from {}, ended at {})",
                time::format(at),
                time::format(start),
                time::format(end)
            )));
        }
        Ok(version)
    }
}

fn version_not_found(policy: &str, version: &str) -> Error {
    Error::not_found(format!("policy {policy}: version {version} not found"))
}

fn no_versions(policy: &str) -> Error {
    Error::not_found(format!("policy {policy} has no versions"))
}

fn decode_cursor(c: &str, prefix: &[u8]) -> Result<Vec<u8>> {
    let bad = || {
        Error::invalid(format!(
            "cursor {c:?} is not a version-list cursor of this policy"
        ))
    };
    if !c.len().is_multiple_of(2) {
        return Err(bad());
    }
    let bytes: Option<Vec<u8>> = (0..c.len())
        .step_by(2)
        .map(|i| c.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    let bytes = bytes.ok_or_else(bad)?;
    if !bytes.starts_with(prefix) {
        return Err(bad());
    }
    effective_key_parts(&bytes).map_err(|e| Error::new(ErrorKind::InvalidArgument, e.message()))?;
    Ok(bytes)
}
