//! Writes to the version catalog: registering and removing versions with all their index entries,
//! the effective-range overlap check, vid allocation, and tags.

use std::ops::Bound;

use crate::db::{ReadOps, Table, WriteTxn};
use crate::document::id_pos::IdHint;
use crate::document::{Document, MAX_TAGS, MAX_TAG_BYTES};
use crate::error::{Error, ErrorKind, Result};
use crate::keys::{prefix_successor, KeyBuilder, KeyReader};
use crate::time::{self, Timestamp};

use super::record::{
    decode_effective, decode_version, decode_version_vid, decode_vid, encode_effective,
    encode_latest, encode_version, encode_vid, policy_prefix, tag_key, time_key, version_key,
    VersionRow, BY_TIME, EFFECTIVE, LATEST, META, NEXT_VID_KEY, TAGS, VERSIONS,
};

/// The catalog's tables, opened once per write.
pub(crate) struct VerTables {
    versions: Table,
    by_time: Table,
    effective: Table,
    tags: Table,
    latest: Table,
    meta: Table,
}

impl VerTables {
    pub(crate) fn open(tx: &WriteTxn) -> Result<VerTables> {
        Ok(VerTables {
            versions: tx.table(VERSIONS)?,
            by_time: tx.table(BY_TIME)?,
            effective: tx.table(EFFECTIVE)?,
            tags: tx.table(TAGS)?,
            latest: tx.table(LATEST)?,
            meta: tx.table(META)?,
        })
    }
}

/// The stored version `(policy, version)`, if any.
pub(crate) fn existing(
    tx: &WriteTxn,
    t: &VerTables,
    policy: &str,
    version: &str,
) -> Result<Option<VersionRow>> {
    match tx.get(t.versions, &version_key(policy, version))? {
        Some(v) => Ok(Some(decode_version(policy, version, &v)?)),
        None => Ok(None),
    }
}

/// Every stored version of `policy`, in version-id order.
pub(crate) fn all_of_policy(tx: &WriteTxn, t: &VerTables, policy: &str) -> Result<Vec<VersionRow>> {
    let mut out = Vec::new();
    for kv in tx.prefix(t.versions, &policy_prefix(policy))? {
        let (k, v) = kv?;
        let mut r = KeyReader::new(&k);
        r.str()?;
        let version = r.str()?;
        out.push(decode_version(policy, &version, &v)?);
    }
    Ok(out)
}

/// A fresh vid: never reused, so stale entries of a deleted version can never be mistaken for a
/// live one's.
pub(crate) fn allocate_vid(tx: &mut WriteTxn, t: &VerTables) -> Result<u64> {
    let next = match tx.get(t.meta, NEXT_VID_KEY)? {
        None => 1,
        Some(v) => {
            let bytes: [u8; 8] = (*v).try_into().map_err(|_| {
                Error::corruption(format!(
                    "ver.meta next_vid is {} bytes, expected 8",
                    v.len()
                ))
            })?;
            u64::from_le_bytes(bytes)
        }
    };
    tx.insert(t.meta, NEXT_VID_KEY, &(next + 1).to_le_bytes())?;
    Ok(next)
}

fn overlap(doc: &Document, why: String) -> Error {
    Error::invalid(format!(
        "document {}/{}: field effective_start: {why}",
        doc.policy_id, doc.version_id
    ))
}

/// Rejects a validity period `[start, end)` that overlaps another version of the policy (the
/// version's own stored entry is ignored: it is being replaced). Existing periods never overlap,
/// so the neighbours by start are the only candidates.
pub(crate) fn check_effective(tx: &WriteTxn, t: &VerTables, doc: &Document) -> Result<()> {
    let start = doc.effective_start.unwrap_or(doc.created_at);
    let fmt = time::format;
    if let Some(end) = doc.effective_end.filter(|&e| e <= start) {
        return Err(Error::invalid(format!(
            "document {}/{}: field effective_end: {} is not after the start {}",
            doc.policy_id,
            doc.version_id,
            fmt(end),
            fmt(start)
        )));
    }
    let prefix = policy_prefix(&doc.policy_id);
    let at_start = KeyBuilder::new().str(&doc.policy_id).i64(start).finish();
    let after_start = prefix_successor(&at_start);
    let policy_end = prefix_successor(&prefix);
    let bound = |k: &Option<Vec<u8>>| k.clone().map_or(Bound::Unbounded, Bound::Excluded);
    let before = (Bound::Included(prefix.clone()), bound(&after_start));
    if let Some((s, version, end)) = neighbour(tx, t, doc, before, true)? {
        if s == start {
            return Err(overlap(
                doc,
                format!("{} is also the start of version {version}", fmt(start)),
            ));
        }
        if let Some(end) = end.filter(|&e| e > start) {
            return Err(overlap(
                doc,
                format!(
                    "{} falls inside version {version}'s period [{}, {})",
                    fmt(start),
                    fmt(s),
                    fmt(end)
                ),
            ));
        }
    }
    let (Some(end), Some(lower)) = (doc.effective_end, after_start) else {
        return Ok(());
    };
    if let Some((s, version, _)) = neighbour(
        tx,
        t,
        doc,
        (Bound::Included(lower), bound(&policy_end)),
        false,
    )? {
        if s < end {
            return Err(Error::invalid(format!(
                "document {}/{}: field effective_end: version {version} starts at {}, inside [{}, {})",
                doc.policy_id,
                doc.version_id,
                fmt(s),
                fmt(start),
                fmt(end)
            )));
        }
    }
    Ok(())
}

/// The first `ver.effective` entry in `range` (scanned backwards when `reverse`) of a version other
/// than `doc`'s: its start, version and explicit end.
fn neighbour(
    tx: &WriteTxn,
    t: &VerTables,
    doc: &Document,
    (lower, upper): (Bound<Vec<u8>>, Bound<Vec<u8>>),
    reverse: bool,
) -> Result<Option<(Timestamp, String, Option<Timestamp>)>> {
    let (lower, upper) = (
        lower.as_ref().map(Vec::as_slice),
        upper.as_ref().map(Vec::as_slice),
    );
    let entries = if reverse {
        tx.range_rev(t.effective, lower, upper)?
    } else {
        tx.range(t.effective, lower, upper)?
    };
    for kv in entries {
        let (k, v) = kv?;
        let (s, version) = effective_key_parts(&k)?;
        if version != doc.version_id {
            return Ok(Some((s, version, decode_effective(&v)?.0)));
        }
    }
    Ok(None)
}

pub(crate) fn effective_key_parts(k: &[u8]) -> Result<(Timestamp, String)> {
    let mut r = KeyReader::new(k);
    r.str()?;
    let s = r.i64()?;
    let version = r.str()?.into_owned();
    Ok((s, version))
}

/// Checks the tags of a version: present, short, few and distinct.
pub(crate) fn validate_tags(doc: &Document) -> Result<()> {
    if doc.tags.len() > MAX_TAGS {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "document {}/{}: field tags: {} tags, the limit is {MAX_TAGS}",
                doc.policy_id,
                doc.version_id,
                doc.tags.len()
            ),
        ));
    }
    for (i, tag) in doc.tags.iter().enumerate() {
        check_tag(tag)
            .map_err(|e| e.context(format!("document {}/{}", doc.policy_id, doc.version_id)))?;
        if doc.tags[..i].contains(tag) {
            return Err(Error::invalid(format!(
                "document {}/{}: field tags: {tag:?} is listed twice",
                doc.policy_id, doc.version_id
            )));
        }
    }
    Ok(())
}

/// Refuses a tag whose key with `policy` is longer than `max_key`, the database's key limit
/// ([`crate::db::ReadOps::max_key_len`]), with `TooLarge` naming the version and the tag.
pub(crate) fn check_tag_key_room(
    policy: &str,
    version: &str,
    tag: &str,
    max_key: usize,
) -> Result<()> {
    let key_len = tag_key(policy, tag).len();
    if key_len <= max_key {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::TooLarge,
        format!(
            "document {policy}/{version}: field tags: the key of tag {tag:?} with the policy id \
             takes {key_len} bytes, over this database's key limit of {max_key} (set by its page \
             size)"
        ),
    ))
}

fn check_tag(tag: &str) -> Result<()> {
    if tag.is_empty() {
        return Err(Error::invalid("field tags: a tag is empty"));
    }
    if tag.len() > MAX_TAG_BYTES {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "field tags: tag of {} bytes, the limit is {MAX_TAG_BYTES}",
                tag.len()
            ),
        ));
    }
    Ok(())
}

/// Stores the catalog entries of `doc` under `vid` (with its id → position hint `id_hint`),
/// replacing those of `old` (the same version stored before), moving its tags to it, and
/// refreshing the policy's latest pointer.
pub(crate) fn put(
    tx: &mut WriteTxn,
    t: &VerTables,
    doc: &Document,
    vid: u64,
    id_hint: Option<&IdHint>,
    old: Option<&VersionRow>,
) -> Result<()> {
    let (policy, version) = (doc.policy_id.as_str(), doc.version_id.as_str());
    if let Some(old) = old {
        tx.remove(t.by_time, &time_key(policy, old.doc.created_at, version))?;
        tx.remove(t.effective, &time_key(policy, old.start(), version))?;
        for tag in old.doc.tags.iter().filter(|t| !doc.tags.contains(t)) {
            tx.remove(t.tags, &tag_key(policy, tag))?;
        }
    }
    for tag in &doc.tags {
        take_tag_from_other(tx, t, policy, version, tag)?;
        tx.insert(t.tags, &tag_key(policy, tag), version.as_bytes())?;
    }
    tx.insert(
        t.versions,
        &version_key(policy, version),
        &encode_version(vid, doc, id_hint),
    )?;
    tx.insert(
        t.by_time,
        &time_key(policy, doc.created_at, version),
        &encode_vid(vid),
    )?;
    let start = doc.effective_start.unwrap_or(doc.created_at);
    tx.insert(
        t.effective,
        &time_key(policy, start, version),
        &encode_effective(doc.effective_end, vid),
    )?;
    refresh_latest(tx, t, policy)
}

/// If `tag` names another version of `policy`, removes it from that version's record.
fn take_tag_from_other(
    tx: &mut WriteTxn,
    t: &VerTables,
    policy: &str,
    version: &str,
    tag: &str,
) -> Result<()> {
    let Some(holder) = tx.get(t.tags, &tag_key(policy, tag))? else {
        return Ok(());
    };
    let holder = std::str::from_utf8(&holder)
        .map_err(|_| Error::corruption(format!("ver.tags {policy}/{tag}: not UTF-8")))?
        .to_string();
    if holder == version {
        return Ok(());
    }
    let Some(mut row) = existing(tx, t, policy, &holder)? else {
        return Err(Error::corruption(format!(
            "ver.tags {policy}/{tag} names version {holder}, which does not exist"
        )));
    };
    row.doc.tags.retain(|x| x != tag);
    tx.insert(
        t.versions,
        &version_key(policy, &holder),
        &encode_version(row.vid, &row.doc, row.id_hint.as_ref()),
    )?;
    Ok(())
}

/// Removes every catalog entry of a version.
pub(crate) fn remove(tx: &mut WriteTxn, t: &VerTables, row: &VersionRow) -> Result<()> {
    let (policy, version) = (row.doc.policy_id.as_str(), row.doc.version_id.as_str());
    tx.remove(t.versions, &version_key(policy, version))?;
    tx.remove(t.by_time, &time_key(policy, row.doc.created_at, version))?;
    tx.remove(t.effective, &time_key(policy, row.start(), version))?;
    for tag in &row.doc.tags {
        tx.remove(t.tags, &tag_key(policy, tag))?;
    }
    refresh_latest(tx, t, policy)
}

/// The vid of the policy's latest version, if it has any.
pub(crate) fn latest_vid(tx: &WriteTxn, t: &VerTables, policy: &str) -> Result<Option<u64>> {
    match tx.get(t.latest, &policy_prefix(policy))? {
        Some(v) => Ok(Some(super::record::decode_latest(&v)?.0)),
        None => Ok(None),
    }
}

/// Points `ver.latest` at the newest version by `created_at` (or removes it), with that version's
/// id → position hint (read from its `ver.docs` record).
fn refresh_latest(tx: &mut WriteTxn, t: &VerTables, policy: &str) -> Result<()> {
    let prefix = policy_prefix(policy);
    let newest = match tx.prefix_rev(t.by_time, &prefix)?.next() {
        None => None,
        Some(kv) => {
            let (k, v) = kv?;
            let (_, version) = effective_key_parts(&k)?;
            Some((decode_vid(&v, "created-at index")?, version))
        }
    };
    match newest {
        Some((vid, version)) => {
            let id_hint = match tx.get(t.versions, &version_key(policy, &version))? {
                Some(v) => decode_version_vid(&v)?.1,
                None => None,
            };
            tx.insert(
                t.latest,
                &prefix,
                &encode_latest(vid, &version, id_hint.as_ref()),
            )?
        }
        None => tx.remove(t.latest, &prefix)?,
    };
    Ok(())
}

/// Names `version` of `policy` with `tag`, taking the tag from the version that had it.
pub fn tag_version(tx: &mut WriteTxn, policy: &str, version: &str, tag: &str) -> Result<()> {
    check_tag(tag).map_err(|e| e.context(format!("document {policy}/{version}")))?;
    // Checked before anything changes (a database with pages under 4 KiB takes shorter keys).
    check_tag_key_room(policy, version, tag, tx.max_key_len())?;
    let t = VerTables::open(tx)?;
    let Some(mut row) = existing(tx, &t, policy, version)? else {
        return Err(Error::not_found(format!(
            "policy {policy}: version {version} not found"
        )));
    };
    if row.doc.tags.iter().any(|x| x == tag) {
        return Ok(());
    }
    if row.doc.tags.len() >= MAX_TAGS {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!("document {policy}/{version}: field tags: already {MAX_TAGS} tags"),
        ));
    }
    take_tag_from_other(tx, &t, policy, version, tag)?;
    row.doc.tags.push(tag.to_string());
    tx.insert(
        t.versions,
        &version_key(policy, version),
        &encode_version(row.vid, &row.doc, row.id_hint.as_ref()),
    )?;
    tx.insert(t.tags, &tag_key(policy, tag), version.as_bytes())?;
    Ok(())
}

/// Removes `tag` from whichever version of `policy` has it; returns whether one had it.
pub fn untag_version(tx: &mut WriteTxn, policy: &str, tag: &str) -> Result<bool> {
    let t = VerTables::open(tx)?;
    let Some(holder) = tx.get(t.tags, &tag_key(policy, tag))? else {
        return Ok(false);
    };
    let holder = String::from_utf8(holder.to_vec())
        .map_err(|_| Error::corruption(format!("ver.tags {policy}/{tag}: not UTF-8")))?;
    tx.remove(t.tags, &tag_key(policy, tag))?;
    if let Some(mut row) = existing(tx, &t, policy, &holder)? {
        row.doc.tags.retain(|x| x != tag);
        tx.insert(
            t.versions,
            &version_key(policy, &holder),
            &encode_version(row.vid, &row.doc, row.id_hint.as_ref()),
        )?;
    }
    Ok(true)
}
