//! Generic metadata: typed key/value pairs on any entity (a document, a node, a case, a user),
//! with a secondary index by key and value so that entities can be found by one pair or by
//! several at once (the index lists of every pair are intersected by leapfrogging, so a query
//! costs about the size of its most selective pair, not of its first).
//!
//! Values longer than [`VALUE_PREFIX_LEN`] bytes are indexed by their first bytes with a
//! "truncated" flag; a match on a long value is confirmed against the stored record.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::codec::Encoder;
use crate::db::{ReadOps, Table, WriteTxn};
use crate::error::Result;
use crate::keys::{prefix_successor, KeyBuilder, KeyReader};
use crate::time::Timestamp;

use super::common::{
    check_id, check_len, check_limit, check_token, dangling, decode_cursor, decoder, encode_cursor,
    invalid, name_enum, or_now, Page, Scan, FORMAT_V1, MAX_KEY_LEN, MAX_TEXT_LEN,
};

/// Entries and their index share one table.
pub(crate) const ENTRIES: &str = "meta.entries";

const ENTRY: &str = "e";
const BY_KEY_VALUE: &str = "kv";

/// Values up to this many bytes are indexed whole; longer ones by a prefix of about this length.
pub const VALUE_PREFIX_LEN: usize = 128;
/// Longest entity type, in bytes.
pub const MAX_ENTITY_TYPE_LEN: usize = 64;

name_enum! {
    /// How a metadata value reads; the store checks the value parses as its type.
    ValueType, "metadata entry" {
        /// Any text.
        #[default]
        String = 1, "string";
        /// A signed 64-bit integer in decimal.
        Int = 2, "int";
        /// A finite decimal floating-point number.
        Float = 3, "float";
        /// `true` or `false`.
        Bool = 4, "bool";
        /// JSON text.
        Json = 5, "json";
    }
}

/// One key/value pair on one entity.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetadataEntry {
    /// The kind of entity, e.g. `document`, `node`, `case` (required, at most 64 bytes).
    pub entity_type: String,
    /// The entity (required).
    pub entity_id: String,
    /// The key (required, at most 128 bytes).
    pub key: String,
    /// The value, as text (at most 64 KiB).
    pub value: String,
    /// How the value reads.
    pub value_type: ValueType,
    /// When the key was first set on the entity; kept on updates.
    pub created_at: Timestamp,
    /// When the value was last set; 0 means now.
    pub updated_at: Timestamp,
}

/// An entity found by a query.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EntityRef {
    /// The kind of entity.
    pub entity_type: String,
    /// The entity.
    pub entity_id: String,
}

/// The entities that carry every `key = value` pair of `filters`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetadataQuery {
    /// Only entities of this type.
    pub entity_type: Option<String>,
    /// Required pairs, key to value (at least one).
    pub filters: BTreeMap<String, String>,
    /// Page size; 0 means 100.
    pub limit: usize,
    /// The `next_cursor` of the previous page of the same query.
    pub cursor: Option<String>,
}

fn subject(e: &MetadataEntry) -> String {
    format!("metadata {}/{}/{}", e.entity_type, e.entity_id, e.key)
}

fn check_value(what: &dyn std::fmt::Display, value: &str, ty: ValueType) -> Result<()> {
    check_len(what, "value", value, MAX_TEXT_LEN)?;
    let ok = match ty {
        ValueType::String => true,
        ValueType::Int => value.parse::<i64>().is_ok(),
        ValueType::Float => value.parse::<f64>().is_ok_and(f64::is_finite),
        ValueType::Bool => value == "true" || value == "false",
        ValueType::Json => {
            return super::common::check_json(what, "value", value, MAX_TEXT_LEN);
        }
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(
            what,
            "value",
            format_args!("{value:?} is not a valid {ty}"),
        ))
    }
}

fn validate(e: &MetadataEntry) -> Result<()> {
    let what = subject(e);
    check_token(&what, "entity_type", &e.entity_type, MAX_ENTITY_TYPE_LEN)?;
    check_id(&what, "entity_id", &e.entity_id)?;
    check_token(&what, "key", &e.key, MAX_KEY_LEN)?;
    check_value(&what, &e.value, e.value_type)
}

fn entry_key(ty: &str, id: &str, key: &str) -> Vec<u8> {
    KeyBuilder::new()
        .str(ENTRY)
        .str(ty)
        .str(id)
        .str(key)
        .finish()
}

/// The part of an index key that selects one key and value: `("kv", key, prefix, truncated)`.
fn value_prefix(key: &str, value: &str) -> KeyBuilder {
    let short = crate::utf8::truncate(value, VALUE_PREFIX_LEN);
    let mut k = KeyBuilder::new();
    k.str(BY_KEY_VALUE)
        .str(key)
        .str(short)
        .bool(short.len() < value.len());
    k
}

fn index_key(e: &MetadataEntry) -> Vec<u8> {
    value_prefix(&e.key, &e.value)
        .str(&e.entity_type)
        .str(&e.entity_id)
        .finish()
}

fn encode(e: &MetadataEntry) -> Vec<u8> {
    let mut enc = Encoder::with_capacity(24 + e.value.len());
    enc.u8(FORMAT_V1)
        .str(&e.value)
        .u8(e.value_type.code())
        .ivar(e.created_at)
        .ivar(e.updated_at);
    enc.finish()
}

fn decode(ty: &str, id: &str, key: &str, v: &[u8]) -> Result<MetadataEntry> {
    let mut d = decoder(v, "metadata entry")?;
    Ok(MetadataEntry {
        entity_type: ty.to_string(),
        entity_id: id.to_string(),
        key: key.to_string(),
        value: d.string()?,
        value_type: ValueType::from_code(d.u8()?)?,
        created_at: d.ivar()?,
        updated_at: d.ivar()?,
    })
}

fn load<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    ty: &str,
    id: &str,
    key: &str,
) -> Result<Option<MetadataEntry>> {
    match tx.get(t, &entry_key(ty, id, key))? {
        Some(v) => decode(ty, id, key, &v).map(Some),
        None => Ok(None),
    }
}

/// Sets `entry.key` on its entity (replacing the value) and returns the stored entry.
pub fn set_metadata(txn: &mut WriteTxn, mut entry: MetadataEntry) -> Result<MetadataEntry> {
    validate(&entry)?;
    entry.updated_at = or_now(entry.updated_at);
    let t = txn.table(ENTRIES)?;
    let old = load(txn, t, &entry.entity_type, &entry.entity_id, &entry.key)?;
    entry.created_at = match &old {
        Some(o) => o.created_at,
        None if entry.created_at != 0 => entry.created_at,
        None => entry.updated_at,
    };
    if let Some(o) = &old {
        txn.remove(t, &index_key(o))?;
    }
    let key = entry_key(&entry.entity_type, &entry.entity_id, &entry.key);
    txn.insert(t, &key, &encode(&entry))?;
    txn.insert(t, &index_key(&entry), &[])?;
    Ok(entry)
}

/// The value of `key` on an entity.
pub fn metadata<R: ReadOps + ?Sized>(
    tx: &R,
    entity_type: &str,
    entity_id: &str,
    key: &str,
) -> Result<Option<MetadataEntry>> {
    let t = tx.table(ENTRIES)?;
    load(tx, t, entity_type, entity_id, key)
}

/// Every entry of an entity, by key.
pub fn all_metadata<R: ReadOps + ?Sized>(
    tx: &R,
    entity_type: &str,
    entity_id: &str,
) -> Result<Vec<MetadataEntry>> {
    let t = tx.table(ENTRIES)?;
    let prefix = KeyBuilder::new()
        .str(ENTRY)
        .str(entity_type)
        .str(entity_id)
        .finish();
    let mut out = Vec::new();
    for kv in tx.prefix(t, &prefix)? {
        let (k, v) = kv?;
        let mut r = KeyReader::new(&k);
        r.str()?;
        r.str()?;
        r.str()?;
        out.push(decode(entity_type, entity_id, &r.str()?, &v)?);
    }
    Ok(out)
}

/// One page of the entries of an entity, by key (an entity may hold any number of keys:
/// [`all_metadata`] reads them all, this a page at a time).
pub fn metadata_page<R: ReadOps + ?Sized>(
    tx: &R,
    entity_type: &str,
    entity_id: &str,
    limit: usize,
    cursor: Option<&str>,
) -> Result<Page<MetadataEntry>> {
    let what = "metadata page";
    check_token(&what, "entity_type", entity_type, MAX_ENTITY_TYPE_LEN)?;
    check_id(&what, "entity_id", entity_id)?;
    let limit = check_limit(&what, limit)?;
    let t = tx.table(ENTRIES)?;
    let prefix = KeyBuilder::new()
        .str(ENTRY)
        .str(entity_type)
        .str(entity_id)
        .finish();
    Scan::prefix(t, prefix, false).page(tx, &what, "", cursor, limit, |k, v| {
        let mut r = KeyReader::new(k);
        r.str()?;
        r.str()?;
        r.str()?;
        decode(entity_type, entity_id, &r.str()?, v).map(Some)
    })
}

/// Deletes `key` from an entity; returns whether it was set.
pub fn delete_metadata(
    txn: &mut WriteTxn,
    entity_type: &str,
    entity_id: &str,
    key: &str,
) -> Result<bool> {
    let t = txn.table(ENTRIES)?;
    let Some(old) = load(txn, t, entity_type, entity_id, key)? else {
        return Ok(false);
    };
    txn.remove(t, &index_key(&old))?;
    txn.remove(t, &entry_key(entity_type, entity_id, key))
}

/// Deletes every entry of an entity; returns how many.
pub fn delete_all_metadata(txn: &mut WriteTxn, entity_type: &str, entity_id: &str) -> Result<u64> {
    let entries = all_metadata(txn, entity_type, entity_id)?;
    let t = txn.table(ENTRIES)?;
    for e in &entries {
        txn.remove(t, &index_key(e))?;
        txn.remove(t, &entry_key(entity_type, entity_id, &e.key))?;
    }
    Ok(entries.len() as u64)
}

/// The entity at the end of a `kv` index key.
fn entity_of_index_key(k: &[u8]) -> Result<EntityRef> {
    let mut r = KeyReader::new(k);
    r.str()?;
    r.str()?;
    r.str()?;
    r.bool()?;
    let entity_type = r.str()?.into_owned();
    let entity_id = r.str()?.into_owned();
    r.expect_end()?;
    Ok(EntityRef {
        entity_type,
        entity_id,
    })
}

fn check_query_key(what: &str, entity_type: Option<&str>, key: &str) -> Result<()> {
    if let Some(ty) = entity_type {
        check_token(&what, "entity_type", ty, MAX_ENTITY_TYPE_LEN)?;
    }
    check_token(&what, "key", key, MAX_KEY_LEN)
}

/// Entries with `key` on any entity (of `entity_type` when given), ordered by value, then entity.
pub fn query_by_key<R: ReadOps + ?Sized>(
    tx: &R,
    entity_type: Option<&str>,
    key: &str,
    limit: usize,
    cursor: Option<&str>,
) -> Result<Page<MetadataEntry>> {
    let what = "metadata query";
    check_query_key(what, entity_type, key)?;
    let limit = check_limit(&what, limit)?;
    let t = tx.table(ENTRIES)?;
    let prefix = KeyBuilder::new().str(BY_KEY_VALUE).str(key).finish();
    Scan::prefix(t, prefix, false).page(tx, &what, "", cursor, limit, |k, _| {
        let e = entity_of_index_key(k)?;
        if entity_type.is_some_and(|ty| ty != e.entity_type) {
            return Ok(None);
        }
        load(tx, t, &e.entity_type, &e.entity_id, key)?
            .ok_or_else(|| {
                dangling(
                    "metadata entry",
                    &format!("{}/{}/{key}", e.entity_type, e.entity_id),
                )
            })
            .map(Some)
    })
}

/// Entries with `key` set to `value` (on entities of `entity_type` when given), by entity.
pub fn query_by_key_value<R: ReadOps + ?Sized>(
    tx: &R,
    entity_type: Option<&str>,
    key: &str,
    value: &str,
    limit: usize,
    cursor: Option<&str>,
) -> Result<Page<MetadataEntry>> {
    let what = "metadata query";
    check_query_key(what, entity_type, key)?;
    check_len(&what, "value", value, MAX_TEXT_LEN)?;
    let limit = check_limit(&what, limit)?;
    let t = tx.table(ENTRIES)?;
    let mut prefix = value_prefix(key, value);
    if let Some(ty) = entity_type {
        prefix.str(ty);
    }
    Scan::prefix(t, prefix.finish(), false).page(tx, &what, "", cursor, limit, |k, _| {
        let e = entity_of_index_key(k)?;
        let entry = load(tx, t, &e.entity_type, &e.entity_id, key)?.ok_or_else(|| {
            dangling(
                "metadata entry",
                &format!("{}/{}/{key}", e.entity_type, e.entity_id),
            )
        })?;
        Ok((entry.value == value).then_some(entry))
    })
}

/// One filter's index list: the entity suffixes after `prefix`, sorted.
struct Posting<'a> {
    prefix: Vec<u8>,
    end: Option<Vec<u8>>,
    key: &'a str,
    value: &'a str,
    truncated: bool,
}

impl Posting<'_> {
    /// The first suffix at or after (`exclusive`: after) `from`.
    fn seek<R: ReadOps + ?Sized>(
        &self,
        tx: &R,
        t: Table,
        from: &[u8],
        exclusive: bool,
    ) -> Result<Option<Vec<u8>>> {
        let mut lower = self.prefix.clone();
        lower.extend_from_slice(from);
        let lower = if exclusive {
            Bound::Excluded(lower.as_slice())
        } else {
            Bound::Included(lower.as_slice())
        };
        let upper = self
            .end
            .as_deref()
            .map_or(Bound::Unbounded, Bound::Excluded);
        match tx.range(t, lower, upper)?.next() {
            Some(kv) => Ok(kv?.0.get(self.prefix.len()..).map(<[u8]>::to_vec)),
            None => Ok(None),
        }
    }
}

/// The entities carrying every pair of `query.filters`, by entity type and id. The filters' index
/// lists are intersected by leapfrogging: the first list proposes an entity, every other list
/// seeks to it, and a list that lands past it moves the proposal there.
pub fn query_multiple<R: ReadOps + ?Sized>(
    tx: &R,
    query: &MetadataQuery,
) -> Result<Page<EntityRef>> {
    let what = "metadata query";
    if query.filters.is_empty() {
        return Err(invalid(&what, "filters", "needs at least one key"));
    }
    for (k, v) in &query.filters {
        check_query_key(what, query.entity_type.as_deref(), k)?;
        check_len(&what, "filters", v, MAX_TEXT_LEN)?;
    }
    let limit = check_limit(&what, query.limit)?;
    let t = tx.table(ENTRIES)?;
    let postings = postings(query);
    let (first, rest) = match postings.split_first() {
        Some(split) => split,
        None => return Err(invalid(&what, "filters", "needs at least one key")),
    };
    let start = match &query.cursor {
        Some(c) => Some(decode_cursor(&what, c, "", &[])?),
        None => None,
    };
    let mut cand = match &start {
        Some(s) => first.seek(tx, t, s, true)?,
        None => first.seek(tx, t, &[], false)?,
    };
    let mut items = Vec::new();
    'next: while let Some(c) = cand {
        for p in rest {
            match p.seek(tx, t, &c, false)? {
                None => break 'next,
                Some(s) if s == c => {}
                Some(s) => {
                    cand = first.seek(tx, t, &s, false)?;
                    continue 'next;
                }
            }
        }
        let e = entity_of_suffix(query.entity_type.as_deref(), &c)?;
        if confirm_long_values(tx, t, &postings, &e)? {
            items.push(e);
            if items.len() >= limit {
                let next_cursor = Some(encode_cursor("", &c));
                return Ok(Page { items, next_cursor });
            }
        }
        cand = first.seek(tx, t, &c, true)?;
    }
    Ok(Page {
        items,
        next_cursor: None,
    })
}

/// The index list of each filter of `query`.
fn postings(query: &MetadataQuery) -> Vec<Posting<'_>> {
    query
        .filters
        .iter()
        .map(|(k, v)| {
            let mut p = value_prefix(k, v);
            if let Some(ty) = &query.entity_type {
                p.str(ty);
            }
            let prefix = p.finish();
            Posting {
                end: prefix_successor(&prefix),
                prefix,
                key: k,
                value: v,
                truncated: crate::utf8::truncate(v, VALUE_PREFIX_LEN).len() < v.len(),
            }
        })
        .collect()
}

/// The entity a posting suffix names: `(entity_type, entity_id)`, or `(entity_id)` when the
/// query fixed the type.
fn entity_of_suffix(entity_type: Option<&str>, suffix: &[u8]) -> Result<EntityRef> {
    let mut r = KeyReader::new(suffix);
    let entity_type = match entity_type {
        Some(ty) => ty.to_string(),
        None => r.str()?.into_owned(),
    };
    let entity_id = r.str()?.into_owned();
    r.expect_end()?;
    Ok(EntityRef {
        entity_type,
        entity_id,
    })
}

/// Whether the entity's stored values equal the filters whose index entries hold only a prefix.
fn confirm_long_values<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    postings: &[Posting<'_>],
    e: &EntityRef,
) -> Result<bool> {
    for p in postings.iter().filter(|p| p.truncated) {
        let stored = load(tx, t, &e.entity_type, &e.entity_id, p.key)?;
        if stored.is_none_or(|s| s.value != p.value) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Keys of the index, for tests that check no stale entries remain.
#[cfg(test)]
pub(crate) fn index_len<R: ReadOps + ?Sized>(tx: &R) -> Result<usize> {
    let t = tx.table(ENTRIES)?;
    let prefix = KeyBuilder::new().str(BY_KEY_VALUE).finish();
    Ok(super::common::keys_with_prefix(tx, t, &prefix)?.len())
}
