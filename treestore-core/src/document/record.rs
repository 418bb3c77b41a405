//! Table names, key builders and the binary records of the document store (the layout is in the
//! module doc of [`super`]).

use std::collections::BTreeMap;

use crate::codec::{Decoder, Encoder};
use crate::codec::{StrList, StrPairs};
use crate::error::{Error, Result};
use crate::keys::{KeyBuilder, KeyReader};
use crate::time::Timestamp;

use super::text::StoredText;

/// `(vid, pos)` → [`NodeRecord`].
pub(crate) const NODES: &str = "doc.nodes";
/// `(vid, node_id)` → pos.
pub(crate) const IDS: &str = "doc.ids";
/// `(vid, false, path)` or `(vid, true, hash, pos)` → pos.
pub(crate) const SECTIONS: &str = "doc.sections";
/// Interval index; see [`super::pages`].
pub(crate) const PAGES: &str = "doc.pages";
/// `vid` → [`DocHead`].
pub(crate) const HEADS: &str = "doc.heads";
/// Content-addressed texts; see [`super::text`].
pub(crate) const TEXTS: &str = "doc.text";

/// Section paths longer than this are keyed by their hash (keys have a size limit).
pub(crate) const SECTION_KEY_INLINE_MAX: usize = 256;

const NODE_FORMAT: u8 = 1;
const HEAD_FORMAT: u8 = 1;

pub(crate) fn vid_prefix(vid: u64) -> Vec<u8> {
    KeyBuilder::new().u64(vid).finish()
}

pub(crate) fn node_key(b: &mut KeyBuilder, vid: u64, pos: u32) -> &[u8] {
    b.clear().u64(vid).u32(pos).as_slice()
}

pub(crate) fn id_key<'b>(b: &'b mut KeyBuilder, vid: u64, node_id: &str) -> &'b [u8] {
    b.clear().u64(vid).str(node_id).as_slice()
}

/// The key of a section path and whether it holds the path itself: a path of at most
/// [`SECTION_KEY_INLINE_MAX`] bytes whose key fits `max_key` (the database's key limit, which
/// pages under 4 KiB bring below it) is kept inline; a longer one is hashed and disambiguated by
/// `pos` (lookups scan the hash prefix and compare the node's stored path). Every path stored
/// inline before the limit was considered fitted it, so its key is unchanged.
pub(crate) fn section_key<'b>(
    b: &'b mut KeyBuilder,
    vid: u64,
    path: &str,
    pos: u32,
    max_key: usize,
) -> (&'b [u8], bool) {
    if path.len() <= SECTION_KEY_INLINE_MAX {
        let fits = b.clear().u64(vid).bool(false).str(path).as_slice().len() <= max_key;
        if fits {
            return (b.as_slice(), true);
        }
    }
    b.clear()
        .u64(vid)
        .bool(true)
        .bytes(&super::text::text_hash(path))
        .u32(pos);
    (b.as_slice(), false)
}

/// The prefix under which a long section path's entries live.
pub(crate) fn long_section_prefix(vid: u64, path: &str) -> Vec<u8> {
    KeyBuilder::new()
        .u64(vid)
        .bool(true)
        .bytes(&super::text::text_hash(path))
        .finish()
}

/// The position in a `doc.nodes` key.
pub(crate) fn node_key_pos(key: &[u8]) -> Result<u32> {
    let mut r = KeyReader::new(key);
    r.u64()?;
    let pos = r.u32()?;
    r.expect_end()?;
    Ok(pos)
}

/// The vid leading every key of the node tables.
#[cfg(test)]
pub(crate) fn key_vid(key: &[u8]) -> Result<u64> {
    KeyReader::new(key).u64()
}

/// A position as a `doc.ids` / `doc.sections` value: a uvar, in a fixed array with its length
/// (no allocation per node).
pub(crate) fn encode_pos(pos: u32) -> ([u8; 10], usize) {
    crate::codec::uvar_bytes(u64::from(pos))
}

pub(crate) fn decode_pos(v: &[u8], what: &'static str) -> Result<u32> {
    let n = Decoder::new(v, what).uvar()?;
    u32::try_from(n)
        .map_err(|_| Error::corruption(format!("{what} record: position {n} overflows")))
}

/// Where a node's text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TextRef {
    /// The node has no text.
    None,
    /// A short text kept in the record.
    Inline(String),
    /// A text in `doc.text`.
    Stored(StoredText),
}

/// The fields a tree walk needs, decoded first and cheaply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NodeHead {
    /// Position of the parent; `None` for the root.
    pub parent_pos: Option<u32>,
    pub depth: u32,
    /// Nodes in the subtree, this one included: the subtree is `[pos, pos + size)`.
    pub size: u32,
}

/// One node as stored in `doc.nodes` (everything but its policy and version, which the key's vid
/// stands for).
///
/// | field        | encoding                                                   |
/// |--------------|------------------------------------------------------------|
/// | format       | u8 = 1                                                     |
/// | parent_pos   | uvar, position + 1 (0: the root)                           |
/// | depth        | uvar                                                       |
/// | size         | uvar, nodes in the subtree including this one              |
/// | node_id      | str                                                        |
/// | parent_id    | opt str                                                    |
/// | pages        | u8 0, or u8 1 then uvar start, uvar end                    |
/// | title        | str                                                        |
/// | summary      | opt str                                                    |
/// | text         | u8 0 none; 1 then str (inline); 3 (2 before chunked bodies) then uvar owner vid, uvar owner pos, uvar length, 16 bytes SipHash-1-3-128 |
/// | section_path | str                                                        |
/// | child_ids    | str list                                                   |
/// | see_also     | str list                                                   |
/// | metadata     | str map                                                    |
/// | created_at   | ivar                                                       |
/// | updated_at   | ivar                                                       |
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeRecord {
    pub head: NodeHead,
    pub node_id: String,
    pub parent_id: Option<String>,
    pub pages: Option<(u32, u32)>,
    pub title: String,
    pub summary: Option<String>,
    pub text: TextRef,
    pub section_path: String,
    pub child_ids: Vec<String>,
    pub see_also: Vec<String>,
    pub metadata: BTreeMap<String, String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A borrowed view of the fields [`encode_node_into`] writes, so the write path encodes straight from
/// the caller's [`Node`](super::Node) without copying it.
pub(crate) struct NodeFields<'a> {
    pub head: NodeHead,
    pub node_id: &'a str,
    pub parent_id: Option<&'a str>,
    pub pages: Option<(u32, u32)>,
    pub title: &'a str,
    pub summary: Option<&'a str>,
    pub text: TextRefBorrowed<'a>,
    pub section_path: &'a str,
    pub child_ids: &'a [&'a str],
    pub see_also: &'a [String],
    pub metadata: &'a BTreeMap<String, String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// [`TextRef`] borrowing its inline text.
pub(crate) enum TextRefBorrowed<'a> {
    None,
    Inline(&'a str),
    Stored(StoredText),
}

/// A node record (tests; the write path encodes into a reused buffer, [`encode_node_into`]).
#[cfg(test)]
pub(crate) fn encode_node(f: &NodeFields<'_>) -> Vec<u8> {
    let mut buf = Vec::with_capacity(64 + f.title.len() + f.summary.map_or(0, str::len));
    encode_node_into(f, &mut buf);
    buf
}

/// Encodes a node record (the layout in the module doc) into `buf` (its old bytes dropped, its
/// allocation kept).
pub(crate) fn encode_node_into(f: &NodeFields<'_>, buf: &mut Vec<u8>) {
    let mut e = Encoder::reusing(std::mem::take(buf));
    e.u8(NODE_FORMAT)
        .uvar(f.head.parent_pos.map_or(0, |p| u64::from(p) + 1))
        .uvar(u64::from(f.head.depth))
        .uvar(u64::from(f.head.size))
        .str(f.node_id)
        .opt_str(f.parent_id);
    match f.pages {
        None => e.u8(0),
        Some((s, end)) => e.u8(1).uvar(u64::from(s)).uvar(u64::from(end)),
    };
    e.str(f.title).opt_str(f.summary);
    match &f.text {
        TextRefBorrowed::None => e.u8(0),
        TextRefBorrowed::Inline(t) => e.u8(1).str(t),
        TextRefBorrowed::Stored(st) => {
            // Tag 3: the body may be in chunks. Builds that read bodies whole know only tag 2 and
            // refuse the record rather than return the first chunk as the text.
            e.u8(STORED_TEXT_TAG)
                .uvar(st.owner_vid)
                .uvar(u64::from(st.owner_pos))
                .uvar(st.len);
            for &b in st.hash.iter() {
                e.u8(b);
            }
            &mut e
        }
    };
    e.str(f.section_path)
        .str_list(f.child_ids)
        .str_list(f.see_also);
    e.str_map(f.metadata).ivar(f.created_at).ivar(f.updated_at);
    *buf = e.finish();
}

#[inline(always)]
fn u32_field(d: &mut Decoder<'_>, what: &str) -> Result<u32> {
    let v = d.uvar()?;
    u32::try_from(v).map_err(|_| overflows(what, v))
}

#[cold]
#[inline(never)]
fn overflows(what: &str, v: u64) -> Error {
    Error::corruption(format!("node record: {what} {v} overflows u32"))
}

/// The page range of a record: tag 0 (none) or 1 then start and end.
/// The error of a record whose `what` tag is `t`, none of the known ones.
#[cold]
#[inline(never)]
fn bad_tag(node_id: &str, what: &str, t: u8) -> Error {
    Error::corruption(format!("node record {node_id}: {what} tag {t}"))
}

#[inline(always)]
fn decode_pages(d: &mut Decoder<'_>, node_id: &str) -> Result<Option<(u32, u32)>> {
    match d.u8()? {
        0 => Ok(None),
        1 => Ok(Some((
            u32_field(d, "page_start")?,
            u32_field(d, "page_end")?,
        ))),
        t => Err(bad_tag(node_id, "page", t)),
    }
}

#[inline(always)]
fn check_format(d: &mut Decoder<'_>) -> Result<()> {
    match d.u8()? {
        NODE_FORMAT => Ok(()),
        other => Err(Error::corruption(format!(
            "node record: unknown format {other}"
        ))),
    }
}

// Inlined: a `Result` returned through memory costs its caller a store-forwarding stall.
#[inline(always)]
fn decode_head_from(d: &mut Decoder<'_>) -> Result<NodeHead> {
    check_format(d)?;
    let parent = d.uvar()?;
    let parent_pos = match parent {
        0 => None,
        p => Some(u32::try_from(p - 1).map_err(|_| overflows("parent position", p))?),
    };
    Ok(NodeHead {
        parent_pos,
        depth: u32_field(d, "depth")?,
        size: u32_field(d, "subtree size")?,
    })
}

/// Only the walk fields of a node record (what an ancestor walk needs to find the parent).
pub(crate) fn decode_node_head(v: &[u8]) -> Result<NodeHead> {
    decode_head_from(&mut Decoder::new(v, "node"))
}

/// Only the `node_id` of a node record, as stored (the check of a guessed position).
pub(crate) fn decode_node_id_bytes(v: &[u8]) -> Result<&[u8]> {
    let mut d = Decoder::new(v, "node");
    decode_head_from(&mut d)?;
    d.bytes()
}

/// Decodes a node record; with `with_text` false an inline text is skipped too.
pub(crate) fn decode_node(v: &[u8], with_text: bool) -> Result<NodeRecord> {
    let mut d = Decoder::new(v, "node");
    let head = decode_head_from(&mut d)?;
    let node_id = d.string()?;
    let parent_id = d.opt_string()?;
    let pages = decode_pages(&mut d, &node_id)?;
    let title = d.string()?;
    let summary = d.opt_string()?;
    let text = decode_text(&mut d, &node_id, with_text)?;
    Ok(NodeRecord {
        head,
        node_id,
        parent_id,
        pages,
        title,
        summary,
        text,
        section_path: d.string()?,
        child_ids: d.str_list()?,
        see_also: d.str_list()?,
        metadata: d.str_map()?,
        created_at: d.ivar()?,
        updated_at: d.ivar()?,
    })
}

/// A node record decoded without copying: its strings borrow the stored bytes (see
/// [`super::NodeRef`]); lists are validated as they are iterated.
pub(crate) struct NodeRecordRef<'a> {
    pub head: NodeHead,
    pub node_id: &'a str,
    pub parent_id: Option<&'a str>,
    pub pages: Option<(u32, u32)>,
    pub title: &'a str,
    pub summary: Option<&'a str>,
    pub text: TextRefBorrowed<'a>,
    pub section_path: &'a str,
    pub child_ids: StrList<'a>,
    pub see_also: StrList<'a>,
    pub metadata: StrPairs<'a>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The error of a record whose `what` string is not UTF-8.
#[cold]
#[inline(never)]
fn bad_utf8(node_id: &str, what: &str) -> Error {
    Error::corruption(format!("node record {node_id}: {what} is not UTF-8"))
}

/// [`decode_node`] without copying: the record's strings are borrowed from `v` (checked to be
/// UTF-8), its lists left to be read lazily.
pub(crate) fn decode_node_ref(v: &[u8], with_text: bool) -> Result<NodeRecordRef<'_>> {
    decode_node_ref_as(v, with_text, None, false)
}

/// [`decode_node_ref`] with the summary cut to `summary_chars` characters (`Some(0)`: dropped,
/// `None`: whole), only the kept part checked to be UTF-8 (see [`crate::utf8::char_prefix`]).
/// With `content_only`, only the fields of [`Projection::Content`](super::Projection) are read:
/// the walk fields, id, page range, title, summary and text. The parent id is skipped unchecked
/// and the fields after the text are not read at all (they read as empty: no parent id, an empty
/// section path and lists, time 0): callgrind, the head-to-head's 10,000-child fan 13.24M ->
/// 10.41M instructions a read.
#[inline(always)]
pub(crate) fn decode_node_ref_as(
    v: &[u8],
    with_text: bool,
    summary_chars: Option<usize>,
    content_only: bool,
) -> Result<NodeRecordRef<'_>> {
    let mut d = Decoder::new(v, "node");
    let head = decode_head_from(&mut d)?;
    let node_id = d.str()?;
    let parent_id = match d.u8()? {
        0 => None,
        1 if content_only => {
            d.bytes()?;
            None
        }
        1 => Some(d.str()?),
        t => return Err(bad_tag(node_id, "parent", t)),
    };
    let pages = decode_pages(&mut d, node_id)?;
    let title = d.str()?;
    let summary = match (d.u8()?, summary_chars) {
        (0, _) => None,
        (1, None) => Some(d.str()?),
        (1, Some(0)) => {
            d.bytes()?;
            None
        }
        (1, Some(max)) => Some(
            crate::utf8::char_prefix(d.bytes()?, max)
                .ok_or_else(|| bad_utf8(node_id, "summary"))?,
        ),
        (t, _) => return Err(bad_tag(node_id, "summary", t)),
    };
    if content_only && !with_text {
        // Nothing after the text tag is read: its body need not be skipped either.
        return match d.u8()? {
            0 | 1 | 2 | STORED_TEXT_TAG => Ok(content_ref(
                head,
                node_id,
                (pages, title, summary),
                TextRefBorrowed::None,
            )),
            t => Err(bad_tag(node_id, "text", t)),
        };
    }
    let text = decode_text_ref(&mut d, node_id, with_text)?;
    if content_only {
        return Ok(content_ref(head, node_id, (pages, title, summary), text));
    }
    Ok(NodeRecordRef {
        head,
        node_id,
        parent_id,
        pages,
        title,
        summary,
        text,
        section_path: d.str()?,
        child_ids: d.str_list_ref()?,
        see_also: d.str_list_ref()?,
        metadata: d.str_pairs_ref()?,
        created_at: d.ivar()?,
        updated_at: d.ivar()?,
    })
}

/// The [`NodeRecordRef`] of a [`decode_node_ref_as`] reading only the content fields (the
/// parent id left out with the rest).
#[inline(always)]
fn content_ref<'a>(
    head: NodeHead,
    node_id: &'a str,
    (pages, title, summary): (Option<(u32, u32)>, &'a str, Option<&'a str>),
    text: TextRefBorrowed<'a>,
) -> NodeRecordRef<'a> {
    NodeRecordRef {
        head,
        node_id,
        parent_id: None,
        pages,
        title,
        summary,
        text,
        section_path: "",
        child_ids: StrList::EMPTY,
        see_also: StrList::EMPTY,
        metadata: StrPairs::EMPTY,
        created_at: 0,
        updated_at: 0,
    }
}

/// [`decode_text`] with an inline text borrowed; without `with_text` an inline text is skipped
/// unread (not even checked to be UTF-8: nothing returns it).
#[inline(always)]
fn decode_text_ref<'a>(
    d: &mut Decoder<'a>,
    node_id: &str,
    with_text: bool,
) -> Result<TextRefBorrowed<'a>> {
    Ok(match d.u8()? {
        0 => TextRefBorrowed::None,
        1 if with_text => TextRefBorrowed::Inline(d.str()?),
        1 => {
            d.bytes()?;
            TextRefBorrowed::None
        }
        2 | STORED_TEXT_TAG => TextRefBorrowed::Stored(decode_stored(d)?),
        t => return Err(bad_tag(node_id, "text", t)),
    })
}

/// Only the stored-text reference of a node record, skipping the fields before it without
/// allocating (for sharing and releasing texts).
pub(crate) fn decode_stored_text(v: &[u8]) -> Result<Option<StoredText>> {
    let mut d = Decoder::new(v, "node");
    decode_head_from(&mut d)?;
    skip_to_text(&mut d)?;
    match decode_text(&mut d, "?", false)? {
        TextRef::Stored(s) => Ok(Some(s)),
        _ => Ok(None),
    }
}

/// The walk fields of a node record and its number of children, the rest skipped unread (not
/// even checked to be UTF-8): where a children read starts, which returns the children, not the
/// node.
pub(crate) fn decode_head_and_child_count(v: &[u8]) -> Result<(NodeHead, usize)> {
    let mut d = Decoder::new(v, "node");
    let head = decode_head_from(&mut d)?;
    skip_to_text(&mut d)?;
    match d.u8()? {
        0 => {}
        1 => {
            d.bytes()?;
        }
        2 | STORED_TEXT_TAG => {
            decode_stored(&mut d)?;
        }
        t => return Err(bad_tag("?", "text", t)),
    }
    d.bytes()?;
    Ok((head, d.list_len()?))
}

/// Skips the fields between the walk fields and the text (node id to summary).
fn skip_to_text(d: &mut Decoder<'_>) -> Result<()> {
    d.bytes()?;
    if d.u8()? == 1 {
        d.bytes()?;
    }
    match d.u8()? {
        0 => {}
        1 => {
            d.uvar()?;
            d.uvar()?;
        }
        t => return Err(Error::corruption(format!("node record: page tag {t}"))),
    }
    d.bytes()?;
    if d.u8()? == 1 {
        d.bytes()?;
    }
    Ok(())
}

/// Text tag of a stored text (tag 2, from builds that stored bodies whole, reads the same).
const STORED_TEXT_TAG: u8 = 3;

fn decode_text(d: &mut Decoder<'_>, node_id: &str, with_text: bool) -> Result<TextRef> {
    Ok(match d.u8()? {
        0 => TextRef::None,
        1 if with_text => TextRef::Inline(d.string()?),
        1 => {
            d.str()?;
            TextRef::None
        }
        2 | STORED_TEXT_TAG => TextRef::Stored(decode_stored(d)?),
        t => return Err(bad_tag(node_id, "text", t)),
    })
}

/// The reference to a text in `doc.text` (after its tag).
#[inline]
fn decode_stored(d: &mut Decoder<'_>) -> Result<StoredText> {
    let owner_vid = d.uvar()?;
    let owner_pos = u32_field(d, "text owner position")?;
    let len = d.uvar()?;
    Ok(StoredText {
        owner_vid,
        owner_pos,
        len,
        hash: d.array()?,
    })
}

/// The per-version facts of the node tables, keyed by vid in `doc.heads`.
///
/// | field       | encoding                                             |
/// |-------------|------------------------------------------------------|
/// | format      | u8 = 1                                               |
/// | policy_id   | str                                                  |
/// | version_id  | str                                                  |
/// | node_count  | uvar                                                 |
/// | page_levels | uvar, bit L set when `doc.pages` has entries at level L |
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocHead {
    pub policy_id: String,
    pub version_id: String,
    pub node_count: u32,
    pub page_levels: u64,
}

pub(crate) fn encode_head(h: &DocHead) -> Vec<u8> {
    let mut e = Encoder::with_capacity(32 + h.policy_id.len() + h.version_id.len());
    e.u8(HEAD_FORMAT)
        .str(&h.policy_id)
        .str(&h.version_id)
        .uvar(u64::from(h.node_count))
        .uvar(h.page_levels);
    e.finish()
}

pub(crate) fn decode_head_record(v: &[u8]) -> Result<DocHead> {
    let mut d = Decoder::new(v, "document head");
    match d.u8()? {
        HEAD_FORMAT => {}
        other => {
            return Err(Error::corruption(format!(
                "document head record: unknown format {other}"
            )))
        }
    }
    let policy_id = d.string()?;
    let version_id = d.string()?;
    let count = d.uvar()?;
    Ok(DocHead {
        node_count: u32::try_from(count).map_err(|_| {
            Error::corruption(format!(
                "document head {policy_id}/{version_id}: node count {count}"
            ))
        })?,
        page_levels: d.uvar()?,
        policy_id,
        version_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_encode_as_the_codecs_uvar() {
        for pos in [
            0,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            1 << 21,
            1 << 28,
            u32::MAX,
        ] {
            let (bytes, n) = encode_pos(pos);
            let mut e = Encoder::new();
            e.uvar(u64::from(pos));
            assert_eq!(&bytes[..n], &e.finish()[..], "pos {pos}");
            assert_eq!(decode_pos(&bytes[..n], "test").unwrap(), pos);
        }
    }

    #[test]
    fn stored_text_tags_of_both_formats_decode_alike() {
        let mut rec = vec![STORED_TEXT_TAG, 7, 3, 200, 1];
        rec.extend_from_slice(&[9u8; 16]);
        let want = TextRef::Stored(StoredText {
            owner_vid: 7,
            owner_pos: 3,
            len: 200,
            hash: [9; 16],
        });
        let mut d = Decoder::new(&rec, "node");
        assert_eq!(decode_text(&mut d, "n", true).unwrap(), want);
        rec[0] = 2;
        let mut d = Decoder::new(&rec, "node");
        assert_eq!(decode_text(&mut d, "n", true).unwrap(), want);
        rec[0] = 4;
        let mut d = Decoder::new(&rec, "node");
        assert!(decode_text(&mut d, "n", true).is_err());
    }

    #[test]
    fn node_records_round_trip_and_reject_truncation() {
        let mut md = BTreeMap::new();
        md.insert("k".to_string(), "v".to_string());
        let children = ["c1", "c2"];
        let see = vec!["x".to_string()];
        let stored = StoredText {
            owner_vid: 9,
            owner_pos: 70_000,
            len: 1234,
            hash: [7u8; 16],
        };
        let fields = NodeFields {
            head: NodeHead {
                parent_pos: Some(3),
                depth: 2,
                size: 7,
            },
            node_id: "n",
            parent_id: Some("p"),
            pages: Some((4, 9)),
            title: "Tïtle",
            summary: None,
            text: TextRefBorrowed::Stored(stored),
            section_path: "1.2",
            child_ids: &children,
            see_also: &see,
            metadata: &md,
            created_at: -5,
            updated_at: 1 << 40,
        };
        let bytes = encode_node(&fields);
        let rec = decode_node(&bytes, true).unwrap();
        assert_eq!(rec.head, fields.head);
        assert_eq!(rec.text, TextRef::Stored(stored));
        assert_eq!(rec.child_ids, vec!["c1", "c2"]);
        assert_eq!(rec.metadata, md);
        assert_eq!(rec.updated_at, 1 << 40);
        assert_eq!(decode_node_ref(&bytes, false).unwrap().head, fields.head);
        assert_eq!(decode_stored_text(&bytes).unwrap(), Some(stored));
        assert_eq!(
            decode_head_and_child_count(&bytes).unwrap(),
            (fields.head, children.len())
        );
        assert_eq!(decode_node_head(&bytes).unwrap(), fields.head);
        for cut in 0..bytes.len() {
            let err = decode_node(&bytes[..cut], true).unwrap_err();
            assert_eq!(err.kind(), crate::error::ErrorKind::Corruption);
        }
        let content = decode_node_ref_as(&bytes, true, None, true).unwrap();
        assert_eq!((content.node_id, content.title), ("n", "Tïtle"));
        assert_eq!((content.pages, content.parent_id), (Some((4, 9)), None));
        assert!(matches!(content.text, TextRefBorrowed::Stored(s) if s == stored));
        assert_eq!((content.section_path, content.child_ids.len()), ("", 0));
        // The fields after the text are not read: a record cut there still gives its content.
        // After the text: the path (4 bytes), the lists (7 and 3), the map (5), the times (1, 6).
        let text_end = bytes.len() - (4 + 7 + 3 + 5 + 1 + 6);
        for cut in 0..bytes.len() {
            let got = decode_node_ref_as(&bytes[..cut], true, None, true);
            assert_eq!(got.is_ok(), cut >= text_end, "cut at {cut}");
        }
        // Without text, not even the stored text's reference after its tag: owner vid (1 byte),
        // owner position (3), length (2), hash (16).
        let tag_end = text_end - (1 + 3 + 2 + 16);
        for cut in 0..bytes.len() {
            let got = decode_node_ref_as(&bytes[..cut], false, None, true);
            assert_eq!(got.is_ok(), cut >= tag_end, "cut at {cut} without text");
        }
    }
}
