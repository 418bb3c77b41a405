//! Table names, keys and records of the version catalog (the layout is in the module doc of
//! [`super`]), and [`LazyTable`], the per-transaction table handle cache both stores read through.

use std::cell::OnceCell;

use crate::codec::{Decoder, Encoder};
use crate::db::{ReadOps, Table};
use crate::document::id_pos::IdHint;
use crate::document::Document;
use crate::error::{Error, Result};
use crate::keys::KeyBuilder;
use crate::time::Timestamp;

/// `(policy, version)` → [`encode_version`].
pub(crate) const VERSIONS: &str = "ver.docs";
/// `(policy, created_at i64, version)` → vid.
pub(crate) const BY_TIME: &str = "ver.by_time";
/// `(policy, effective_start i64, version)` → (explicit end, vid).
pub(crate) const EFFECTIVE: &str = "ver.effective";
/// `(policy, tag)` → version.
pub(crate) const TAGS: &str = "ver.tags";
/// `(policy)` → (vid, version) of the newest version.
pub(crate) const LATEST: &str = "ver.latest";
/// `"next_vid"` → u64 LE.
pub(crate) const META: &str = "ver.meta";

pub(crate) const NEXT_VID_KEY: &[u8] = b"next_vid";

const VERSION_FORMAT: u8 = 1;
const LATEST_FORMAT: u8 = 1;

/// A table opened on first use and then reused for the life of one transaction (opening a table
/// in a read transaction is a catalog lookup).
pub(crate) struct LazyTable {
    name: &'static str,
    cell: OnceCell<Table>,
}

impl LazyTable {
    pub(crate) const fn new(name: &'static str) -> LazyTable {
        LazyTable {
            name,
            cell: OnceCell::new(),
        }
    }

    pub(crate) fn get<R: ReadOps + ?Sized>(&self, tx: &R) -> Result<Table> {
        if let Some(t) = self.cell.get() {
            return Ok(*t);
        }
        let t = tx.table(self.name)?;
        Ok(*self.cell.get_or_init(|| t))
    }
}

/// Key bytes around each string element of a key without zero bytes (tag and terminator), to size
/// a key's buffer once.
const STR_OVERHEAD: usize = 3;

pub(crate) fn version_key(policy: &str, version: &str) -> Vec<u8> {
    KeyBuilder::with_capacity(policy.len() + version.len() + 2 * STR_OVERHEAD)
        .str(policy)
        .str(version)
        .finish()
}

pub(crate) fn policy_prefix(policy: &str) -> Vec<u8> {
    KeyBuilder::with_capacity(policy.len() + STR_OVERHEAD)
        .str(policy)
        .finish()
}

pub(crate) fn time_key(policy: &str, at: Timestamp, version: &str) -> Vec<u8> {
    KeyBuilder::new().str(policy).i64(at).str(version).finish()
}

pub(crate) fn tag_key(policy: &str, tag: &str) -> Vec<u8> {
    KeyBuilder::new().str(policy).str(tag).finish()
}

/// A version as the catalog stores it: the document header and the vid its nodes are keyed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VersionRow {
    pub vid: u64,
    pub doc: Document,
    /// The version's id → position hint, if it has one.
    pub id_hint: Option<IdHint>,
}

impl VersionRow {
    /// Start of the validity period: the explicit one, or `created_at`.
    pub(crate) fn start(&self) -> Timestamp {
        self.doc.effective_start.unwrap_or(self.doc.created_at)
    }
}

/// Value of `ver.docs` (policy and version are the key):
///
/// | field            | encoding      |
/// |------------------|---------------|
/// | format           | u8 = 1        |
/// | vid              | uvar          |
/// | pageindex_doc_id | opt str       |
/// | root_node_id     | str           |
/// | metadata         | str map       |
/// | created_at       | ivar          |
/// | updated_at       | ivar          |
/// | effective_start  | opt ivar      |
/// | effective_end    | opt ivar      |
/// | created_by       | str           |
/// | description      | str           |
/// | tags             | str list      |
/// | id hint          | only when the version has one: [`IdHint::encode`]; records written before hints existed end after `tags` |
pub(crate) fn encode_version(vid: u64, d: &Document, id_hint: Option<&IdHint>) -> Vec<u8> {
    let mut e = Encoder::with_capacity(64 + d.description.len());
    e.u8(VERSION_FORMAT)
        .uvar(vid)
        .opt_str(d.pageindex_doc_id.as_deref())
        .str(&d.root_node_id)
        .str_map(&d.metadata)
        .ivar(d.created_at)
        .ivar(d.updated_at)
        .opt_ivar(d.effective_start)
        .opt_ivar(d.effective_end)
        .str(&d.created_by)
        .str(&d.description)
        .str_list(&d.tags);
    if let Some(h) = id_hint {
        h.encode(&mut e);
    }
    e.finish()
}

pub(crate) fn check_format(d: &mut Decoder<'_>) -> Result<()> {
    match d.u8()? {
        VERSION_FORMAT => Ok(()),
        other => Err(Error::corruption(format!(
            "version record: unknown format {other}"
        ))),
    }
}

/// Only the vid and the id → position hint of a `ver.docs` value (the hot path of version
/// resolution): the fields between them are skipped, not decoded.
pub(crate) fn decode_version_vid(v: &[u8]) -> Result<(u64, Option<IdHint>)> {
    let mut d = Decoder::new(v, "version");
    check_format(&mut d)?;
    let vid = d.uvar()?;
    match d.u8()? {
        0 => {}
        1 => {
            d.bytes()?;
        }
        _ => return Err(Error::corruption("version record: invalid option tag")),
    }
    d.bytes()?;
    d.str_pairs_ref()?;
    d.ivar()?;
    d.ivar()?;
    d.opt_ivar()?;
    d.opt_ivar()?;
    d.bytes()?;
    d.bytes()?;
    d.str_list_ref()?;
    Ok((vid, IdHint::decode_trailing(&mut d)?))
}

pub(crate) fn decode_version(policy: &str, version: &str, v: &[u8]) -> Result<VersionRow> {
    let mut d = Decoder::new(v, "version");
    check_format(&mut d)?;
    let vid = d.uvar()?;
    let doc = Document {
        policy_id: policy.to_string(),
        version_id: version.to_string(),
        pageindex_doc_id: d.opt_string()?,
        root_node_id: d.string()?,
        metadata: d.str_map()?,
        created_at: d.ivar()?,
        updated_at: d.ivar()?,
        effective_start: d.opt_ivar()?,
        effective_end: d.opt_ivar()?,
        created_by: d.string()?,
        description: d.string()?,
        tags: d.str_list()?,
    };
    let id_hint = IdHint::decode_trailing(&mut d)?;
    Ok(VersionRow { vid, doc, id_hint })
}

/// Value of `ver.effective`: opt ivar explicit end, uvar vid.
pub(crate) fn encode_effective(end: Option<Timestamp>, vid: u64) -> Vec<u8> {
    let mut e = Encoder::with_capacity(20);
    e.opt_ivar(end).uvar(vid);
    e.finish()
}

pub(crate) fn decode_effective(v: &[u8]) -> Result<(Option<Timestamp>, u64)> {
    let mut d = Decoder::new(v, "effective-date index");
    Ok((d.opt_ivar()?, d.uvar()?))
}

/// Value of `ver.latest`: u8 format = 1, uvar vid, str version, and the version's id → position
/// hint ([`IdHint::encode`]) when it has one (older records end after the version).
pub(crate) fn encode_latest(vid: u64, version: &str, id_hint: Option<&IdHint>) -> Vec<u8> {
    let mut e = Encoder::with_capacity(16 + version.len());
    e.u8(LATEST_FORMAT).uvar(vid).str(version);
    if let Some(h) = id_hint {
        h.encode(&mut e);
    }
    e.finish()
}

/// vid, version id and id → position hint of a `ver.latest` value.
pub(crate) fn decode_latest(v: &[u8]) -> Result<(u64, &str, Option<IdHint>)> {
    let mut d = Decoder::new(v, "latest-version pointer");
    match d.u8()? {
        LATEST_FORMAT => Ok((d.uvar()?, d.str()?, IdHint::decode_trailing(&mut d)?)),
        other => Err(Error::corruption(format!(
            "latest-version pointer: unknown format {other}"
        ))),
    }
}

pub(crate) fn encode_vid(vid: u64) -> Vec<u8> {
    let mut e = Encoder::with_capacity(10);
    e.uvar(vid);
    e.finish()
}

pub(crate) fn decode_vid(v: &[u8], what: &'static str) -> Result<u64> {
    Decoder::new(v, what).uvar()
}
