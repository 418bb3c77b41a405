//! The read path: point lookups, batches, children, subtrees, ancestor paths, page and section
//! lookups, and the paginated table of contents, all through one [`DocReader`] per transaction.

use std::cell::RefCell;
use std::ops::Bound;

use crate::btree::{Bytes, Finger};
use crate::db::ReadOps;
use crate::error::{Error, Result};
use crate::keys::KeyBuilder;
use crate::version::read::{Resolved, NODES_HINT, TEXT_HINT};
use crate::version::record::{self as version_record, LazyTable};
use crate::version::VersionReader;

use super::model::{Document, DocumentCounts, Node, MAX_PAGE};
use super::pages::{self, parse_page_spec};
use super::record::{
    decode_head_and_child_count, decode_head_record, decode_node, decode_node_head,
    decode_node_id_bytes, decode_pos, id_key, long_section_prefix, node_key, node_key_pos,
    section_key, vid_prefix, DocHead, NodeHead, NodeRecord, TextRef, HEADS, IDS, NODES, PAGES,
    SECTIONS, TEXTS,
};
use super::text;

mod borrowed;
mod collect;
mod point;
#[cfg(test)]
mod point_tests;
mod sink;
mod spare_keys;
mod structure;
pub use borrowed::NodeRef;
use collect::Collected;
use sink::Feed;
pub use sink::{NodeSink, Projection};
use spare_keys::SpareKeys;

/// A walk that must skip more than this many nodes re-seeks instead of scanning past them.
const SKIP_BY_SEEK: u32 = 32;

/// What reading children by point reads ([`DocReader::hop_children`]) costs per child, and what
/// setting up a scan of the parent's subtree costs, in scanned entries (callgrind, get_children
/// from Python on the bench corpus: a point read from the previous one's leaf ~2,000 instructions,
/// a scanned entry ~290, a range's setup ~5,400). Children hop when that is cheaper than scanning
/// every node below the parent.
const CHILD_HOP_ENTRIES: usize = 7;
const SCAN_SETUP_ENTRIES: usize = 18;

/// Reads documents within one transaction (read or write). Tables are opened on first use and
/// reused, so make one reader per transaction and call it many times. Every method takes the
/// policy and an optional version (`None`: the latest).
pub struct DocReader<'t, R: ReadOps + ?Sized> {
    ver: VersionReader<'t, R>,
    nodes: LazyTable,
    ids: LazyTable,
    sections: LazyTable,
    pages: LazyTable,
    heads: LazyTable,
    texts: LazyTable,
    /// One key buffer for the point reads, so a read allocates no key.
    keys: RefCell<SpareKeys>,
}

/// A node found by the walk helpers, before it becomes a [`Node`].
type Found = (u32, NodeRecord);

/// The last lookups of a run of id lookups ([`DocReader::locate`]) in `doc.nodes` and `doc.ids`.
/// The `doc.ids` one is made on its first use: most ids are found by their position hint, and a
/// finger is 416 bytes to initialise.
#[derive(Default)]
struct Fingers {
    records: Finger,
    ids: Option<Finger>,
}

impl<'t, R: ReadOps + ?Sized> DocReader<'t, R> {
    /// A reader over `tx`; opens nothing yet.
    pub fn new(tx: &'t R) -> Self {
        DocReader {
            ver: VersionReader::new(tx),
            nodes: LazyTable::new(NODES),
            ids: LazyTable::new(IDS),
            sections: LazyTable::new(SECTIONS),
            pages: LazyTable::new(PAGES),
            heads: LazyTable::new(HEADS),
            texts: LazyTable::new(TEXTS),
            keys: RefCell::new(SpareKeys::take()),
        }
    }

    /// The version reader over the same transaction.
    pub fn versions(&self) -> &VersionReader<'t, R> {
        &self.ver
    }

    fn tx(&self) -> &'t R {
        self.ver.tx
    }

    /// The version and all its nodes, with text, in pre-order.
    pub fn document(&self, policy: &str, version: Option<&str>) -> Result<(Document, Vec<Node>)> {
        let mut out = Collected::with_capacity(0);
        let doc = self.document_with(policy, version, &mut out)?;
        Ok((doc, out.nodes))
    }

    /// [`Self::document`]: the version returned, its nodes handed to `sink`.
    pub fn document_with(
        &self,
        policy: &str,
        version: Option<&str>,
        sink: &mut (impl NodeSink + ?Sized),
    ) -> Result<Document> {
        let r = self.ver.resolve(policy, version)?;
        let doc = self.ver.version(policy, &r.version_id)?;
        self.scan_nodes(policy, &r, (0, None), true, None, sink)?;
        Ok(doc)
    }

    /// One node, with text.
    pub fn node(&self, policy: &str, version: Option<&str>, node_id: &str) -> Result<Node> {
        let r = self.ver.resolve(policy, version)?;
        let p = self.point(&r, policy, node_id)?;
        let mut rec = decode_node(&p.record, true)?;
        let text = match std::mem::replace(&mut rec.text, TextRef::None) {
            TextRef::Stored(s) => {
                Some(self.point_text(&r, policy, &p, &s, |body| Ok(body.into_owned()))?)
            }
            other => {
                self.remember_point(&r, policy, &p, None);
                match other {
                    TextRef::Inline(s) => Some(s),
                    _ => None,
                }
            }
        };
        Ok(node_of(policy, &r.version_id, rec, text))
    }

    /// Several nodes by id, in the order asked; `None` for an id the version does not have.
    pub fn nodes<S: AsRef<str>>(
        &self,
        policy: &str,
        version: Option<&str>,
        node_ids: &[S],
        include_text: bool,
    ) -> Result<Vec<Option<Node>>> {
        let mut out = Collected::with_capacity(node_ids.len());
        let slots = self.batch(policy, version, node_ids, include_text, &mut out)?;
        let mut nodes = out.nodes.into_iter();
        Ok(slots
            .into_iter()
            .map(|hit| if hit { nodes.next() } else { None })
            .collect())
    }

    /// [`Self::nodes`] handed to `sink`: the nodes found, in the order asked (ids the version
    /// does not have are left out).
    pub fn nodes_with<S: AsRef<str>>(
        &self,
        policy: &str,
        version: Option<&str>,
        node_ids: &[S],
        include_text: bool,
        sink: &mut (impl NodeSink + ?Sized),
    ) -> Result<()> {
        self.batch(policy, version, node_ids, include_text, sink)
            .map(drop)
    }

    /// The nodes of `node_ids` the version has, handed to `sink`; whether each id was found.
    fn batch<S: AsRef<str>>(
        &self,
        policy: &str,
        version: Option<&str>,
        node_ids: &[S],
        include_text: bool,
        sink: &mut (impl NodeSink + ?Sized),
    ) -> Result<Vec<bool>> {
        let r = self.ver.resolve(policy, version)?;
        let values = self.locate_many(&r, node_ids)?;
        let slots = values.iter().map(Option::is_some).collect();
        let found: Vec<Bytes<'t>> = values.into_iter().flatten().collect();
        self.feed_values(policy, &r, &found, include_text, sink)?;
        Ok(slots)
    }

    /// The stored records of `node_ids` in version `r`, in the order asked (`None`: the version
    /// has no such node). The positions the version's id hint guesses are read in key order, by
    /// one range scan over their span when that is cheaper than a point read each (a batch of
    /// many nodes of one document), and each record checked to be the node asked for; the ids
    /// without a guess or with a wrong one are then looked up one by one ([`Self::locate`]).
    fn locate_many<S: AsRef<str>>(
        &self,
        r: &Resolved,
        node_ids: &[S],
    ) -> Result<Vec<Option<Bytes<'t>>>> {
        let mut out: Vec<Option<Bytes<'t>>> = node_ids.iter().map(|_| None).collect();
        if let Some(hint) = &r.id_hint {
            // (guessed position, index in `node_ids`), in key order.
            let mut guessed: Vec<(u32, usize)> = node_ids
                .iter()
                .enumerate()
                .filter_map(|(i, id)| hint.guess(id.as_ref()).map(|p| (p, i)))
                .collect();
            guessed.sort_unstable();
            self.read_guessed(r, node_ids, &guessed, &mut out)?;
        }
        // The ids and records of one version are neighbours: each table's lookups start from
        // the previous one's leaf.
        let mut fingers = Fingers::default();
        for (id, slot) in node_ids.iter().zip(out.iter_mut()) {
            if slot.is_none() {
                *slot = self
                    .locate(r, id.as_ref(), Some(&mut fingers))?
                    .map(|(_, v)| v);
            }
        }
        Ok(out)
    }

    /// Reads the records at the `guessed` positions (sorted, with the index of the id each is
    /// for) into `out`, those whose id is the one asked for.
    fn read_guessed<S: AsRef<str>>(
        &self,
        r: &Resolved,
        node_ids: &[S],
        guessed: &[(u32, usize)],
        out: &mut [Option<Bytes<'t>>],
    ) -> Result<()> {
        let (Some(&(first, _)), Some(&(last, _))) = (guessed.first(), guessed.last()) else {
            return Ok(());
        };
        let mut take = |pos: u32, v: &Bytes<'t>, j: &mut usize| -> Result<()> {
            while let Some(&(p, i)) = guessed.get(*j) {
                if p > pos {
                    break;
                }
                if p == pos && decode_node_id_bytes(v)? == node_ids[i].as_ref().as_bytes() {
                    out[i] = Some(v.clone());
                }
                *j += 1;
            }
            Ok(())
        };
        let mut j = 0;
        let distinct = 1 + guessed.windows(2).filter(|w| w[0].0 != w[1].0).count();
        let span = u64::from(last - first) + 1;
        if span < (distinct * CHILD_HOP_ENTRIES + SCAN_SETUP_ENTRIES) as u64 {
            let t = self.nodes.get(self.tx())?;
            let (lower, upper) = scan_bounds(r.vid, first, last.checked_add(1));
            let upper = match &upper {
                Some(u) => Bound::Excluded(u.as_slice()),
                None => Bound::Unbounded,
            };
            for kv in self.tx().range(t, Bound::Included(&lower), upper)? {
                let (k, v) = kv?;
                take(node_key_pos(&k)?, &v, &mut j)?;
            }
        } else {
            let mut finger = Finger::new();
            let mut prev = None;
            for &(pos, _) in guessed {
                if prev == Some(pos) {
                    continue;
                }
                prev = Some(pos);
                if let Some(v) = self.value_at(r.vid, pos, Some(&mut finger))? {
                    take(pos, &v, &mut j)?;
                }
            }
        }
        Ok(())
    }

    /// The children of `parent` in order; `None` means the root's children.
    pub fn children(
        &self,
        policy: &str,
        version: Option<&str>,
        parent: Option<&str>,
        include_text: bool,
    ) -> Result<Vec<Node>> {
        let mut out = Collected::with_capacity(0);
        self.children_with(policy, version, parent, include_text, &mut out)?;
        Ok(out.nodes)
    }

    /// [`Self::children`] handed to `sink`.
    pub fn children_with(
        &self,
        policy: &str,
        version: Option<&str>,
        parent: Option<&str>,
        include_text: bool,
        sink: &mut (impl NodeSink + ?Sized),
    ) -> Result<()> {
        let r = self.ver.resolve(policy, version)?;
        // One finger for the parent's lookup and its children's: the first child's record is
        // usually in the parent's leaf or the next one, not a descent from the root away.
        let mut fingers = self.fingers_near(&r)?;
        let (pos, v) = match parent {
            Some(id) => self.locate_or_not_found(&r, policy, id, Some(&mut fingers))?,
            None => (
                0,
                self.value_at(r.vid, 0, Some(&mut fingers.records))?
                    .ok_or_else(|| missing_node(r.vid, 0))?,
            ),
        };
        // The parent's child count sizes the result, so a wide fan is not copied as it grows; the
        // rest of its record is not read.
        let (head, child_count) = decode_head_and_child_count(&v)?;
        let mut feed = Feed::new(sink, policy, &r.version_id, include_text);
        feed.reserve(child_count);
        // Children with subtrees of their own are found by point reads, each past the previous
        // one's subtree; children that are mostly leaves lie side by side and are scanned.
        let below = (head.size as usize).saturating_sub(1);
        if child_count.saturating_mul(CHILD_HOP_ENTRIES) < SCAN_SETUP_ENTRIES + below {
            self.hop_children(&r, pos, head, &mut fingers.records, &mut feed)?;
        } else {
            self.walk(&r, pos, head, 1, &mut feed)?;
        }
        self.complete(feed, r.hints.get(TEXT_HINT))
    }

    /// The children of the node at `pos` (whose walk fields are `head`), by one point read each
    /// from the previous one's leaf: the next child is past the previous one's subtree. Cheaper
    /// than scanning the subtrees between them once those hold more than a node or so each.
    /// `finger`: the parent's lookup, continued.
    fn hop_children<S: NodeSink + ?Sized>(
        &self,
        r: &Resolved,
        pos: u32,
        head: NodeHead,
        finger: &mut Finger,
        feed: &mut Feed<'_, S>,
    ) -> Result<()> {
        let end = u64::from(pos) + u64::from(head.size);
        let mut next = u64::from(pos) + 1;
        while next < end {
            let at = u32::try_from(next).map_err(|_| missing_node(r.vid, u32::MAX))?;
            let v = self
                .value_at(r.vid, at, Some(finger))?
                .ok_or_else(|| missing_node(r.vid, at))?;
            let rec = feed.decode(&v, None)?;
            if rec.head.size == 0 {
                return Err(Error::corruption(format!(
                    "doc.nodes: vid {} position {at}: a subtree of size 0",
                    r.vid
                )));
            }
            next += u64::from(rec.head.size);
            feed.push(&rec)?;
        }
        Ok(())
    }

    /// The subtree of `node_id` in pre-order, the node first, down to `max_depth` levels below it
    /// (0: unlimited).
    pub fn subtree(
        &self,
        policy: &str,
        version: Option<&str>,
        node_id: &str,
        max_depth: u32,
        include_text: bool,
    ) -> Result<Vec<Node>> {
        let mut out = Collected::with_capacity(0);
        self.subtree_with(policy, version, node_id, max_depth, include_text, &mut out)?;
        Ok(out.nodes)
    }

    /// [`Self::subtree`] handed to `sink`.
    pub fn subtree_with(
        &self,
        policy: &str,
        version: Option<&str>,
        node_id: &str,
        max_depth: u32,
        include_text: bool,
        sink: &mut (impl NodeSink + ?Sized),
    ) -> Result<()> {
        let r = self.ver.resolve(policy, version)?;
        let (pos, v) = self.locate_or_not_found(&r, policy, node_id, None)?;
        let mut feed = Feed::new(sink, policy, &r.version_id, include_text);
        // The node's own record, read to find it, tells how far the subtree goes.
        let rec = feed.decode(&v, None)?;
        feed.reserve(rec.head.size.min(1024) as usize);
        feed.push(&rec)?;
        self.walk(&r, pos, rec.head, max_depth, &mut feed)?;
        self.complete(feed, r.hints.get(TEXT_HINT))
    }

    /// The path from the root down to `node_id`, both included: one point read per level.
    pub fn ancestor_path(
        &self,
        policy: &str,
        version: Option<&str>,
        node_id: &str,
        include_text: bool,
    ) -> Result<Vec<Node>> {
        let mut out = Collected::with_capacity(0);
        self.ancestor_path_with(policy, version, node_id, include_text, &mut out)?;
        Ok(out.nodes)
    }

    /// [`Self::ancestor_path`] handed to `sink`.
    pub fn ancestor_path_with(
        &self,
        policy: &str,
        version: Option<&str>,
        node_id: &str,
        include_text: bool,
        sink: &mut (impl NodeSink + ?Sized),
    ) -> Result<()> {
        let r = self.ver.resolve(policy, version)?;
        // A version's records are neighbours in `doc.nodes`: each parent is looked up from the
        // leaf (or the branch) where its child was found.
        let mut fingers = Fingers::default();
        let (_, v) = self.locate_or_not_found(&r, policy, node_id, Some(&mut fingers))?;
        // Only the parent's position is needed here: the records are decoded whole once, in
        // `feed_values`.
        let head = decode_node_head(&v)?;
        let mut finger = fingers.records;
        let mut chain = Vec::with_capacity(head.depth.min(super::model::MAX_DEPTH) as usize + 1);
        let mut parent = head.parent_pos;
        chain.push(v);
        while let Some(p) = parent {
            if chain.len() > super::model::MAX_DEPTH as usize + 1 {
                return Err(Error::corruption(format!(
                    "policy {policy}: the parents of node {node_id} form a cycle"
                )));
            }
            let v = self
                .value_at(r.vid, p, Some(&mut finger))?
                .ok_or_else(|| missing_node(r.vid, p))?;
            parent = decode_node_head(&v)?.parent_pos;
            chain.push(v);
        }
        chain.reverse();
        self.feed_values(policy, &r, &chain, include_text, sink)
    }

    /// Every node whose page range covers `page`, in pre-order.
    pub fn nodes_by_page(
        &self,
        policy: &str,
        version: Option<&str>,
        page: i64,
        include_text: bool,
    ) -> Result<Vec<Node>> {
        let mut out = Collected::with_capacity(0);
        self.nodes_by_page_with(policy, version, page, include_text, &mut out)?;
        Ok(out.nodes)
    }

    /// [`Self::nodes_by_page`] handed to `sink`.
    pub fn nodes_by_page_with(
        &self,
        policy: &str,
        version: Option<&str>,
        page: i64,
        include_text: bool,
        sink: &mut (impl NodeSink + ?Sized),
    ) -> Result<()> {
        if !(0..=MAX_PAGE).contains(&page) {
            return Err(Error::invalid(format!(
                "page {page} is outside 0..={MAX_PAGE}"
            )));
        }
        let range = [(page as u32, page as u32)];
        self.by_ranges(policy, version, &range, include_text, sink)
    }

    /// Every node whose page range meets one of the ranges of `spec` (e.g. `"5-10,12"`), in
    /// pre-order.
    pub fn nodes_by_pages(
        &self,
        policy: &str,
        version: Option<&str>,
        spec: &str,
        include_text: bool,
    ) -> Result<Vec<Node>> {
        let mut out = Collected::with_capacity(0);
        self.nodes_by_pages_with(policy, version, spec, include_text, &mut out)?;
        Ok(out.nodes)
    }

    /// [`Self::nodes_by_pages`] handed to `sink`.
    pub fn nodes_by_pages_with(
        &self,
        policy: &str,
        version: Option<&str>,
        spec: &str,
        include_text: bool,
        sink: &mut (impl NodeSink + ?Sized),
    ) -> Result<()> {
        let ranges = parse_page_spec(spec)?;
        self.by_ranges(policy, version, &ranges, include_text, sink)
    }

    fn by_ranges(
        &self,
        policy: &str,
        version: Option<&str>,
        ranges: &[(u32, u32)],
        include_text: bool,
        sink: &mut (impl NodeSink + ?Sized),
    ) -> Result<()> {
        let r = self.ver.resolve(policy, version)?;
        let head = self.head(&r, policy)?;
        let t = self.pages.get(self.tx())?;
        let mut positions = Vec::new();
        for &range in ranges {
            pages::query(self.tx(), t, r.vid, head.page_levels, range, &mut positions)?;
        }
        positions.sort_unstable();
        positions.dedup();
        let mut found = Vec::with_capacity(positions.len());
        let mut finger = Finger::new();
        for pos in positions {
            found.push(
                self.value_at(r.vid, pos, Some(&mut finger))?
                    .ok_or_else(|| missing_node(r.vid, pos))?,
            );
        }
        self.feed_values(policy, &r, &found, include_text, sink)
    }

    /// The node whose section path is `path`, with text.
    pub fn node_by_section_path(
        &self,
        policy: &str,
        version: Option<&str>,
        path: &str,
    ) -> Result<Node> {
        let r = self.ver.resolve(policy, version)?;
        let t = self.sections.get(self.tx())?;
        let not_found = || {
            Error::not_found(format!(
                "policy {policy} version {}: no node has section path {path:?}",
                r.version_id
            ))
        };
        let mut kb = KeyBuilder::new();
        if let (key, true) = section_key(&mut kb, r.vid, path, 0, self.tx().max_key_len()) {
            let Some(v) = self.tx().get(t, key)? else {
                return Err(not_found());
            };
            let rec = self.record_at(r.vid, decode_pos(&v, "section index")?, true)?;
            return self.to_node(policy, &r, rec, true);
        }
        for kv in self.tx().prefix(t, &long_section_prefix(r.vid, path))? {
            let (_, v) = kv?;
            let rec = self.record_at(r.vid, decode_pos(&v, "section index")?, true)?;
            if rec.section_path == path {
                return self.to_node(policy, &r, rec, true);
            }
        }
        Err(not_found())
    }

    /// How many policies, versions and nodes the store holds: the entry counts of `ver.latest`,
    /// `ver.docs` and `doc.nodes`, which the table catalog keeps, so three reads whatever the size.
    pub fn counts(&self) -> Result<DocumentCounts> {
        let tx = self.tx();
        let len = |name: &str| tx.table(name).and_then(|t| tx.table_len(t));
        Ok(DocumentCounts {
            policies: len(version_record::LATEST)?,
            versions: len(version_record::VERSIONS)?,
            nodes: len(NODES)?,
        })
    }

    fn head(&self, r: &Resolved, policy: &str) -> Result<DocHead> {
        let t = self.heads.get(self.tx())?;
        match self.tx().get(t, &vid_prefix(r.vid))? {
            Some(v) => decode_head_record(&v),
            None => Err(Error::corruption(format!(
                "policy {policy} version {}: doc.heads has no entry for vid {}",
                r.version_id, r.vid
            ))),
        }
    }

    pub(crate) fn pos_of(&self, vid: u64, node_id: &str) -> Result<Option<u32>> {
        let t = self.ids.get(self.tx())?;
        let mut kb = self.keys.borrow_mut();
        match self.tx().get(t, id_key(&mut kb, vid, node_id))? {
            Some(v) => Ok(Some(decode_pos(&v, "node id index")?)),
            None => Ok(None),
        }
    }

    /// Like [`Self::pos_of`], from `finger`'s last lookup in `doc.ids`.
    fn pos_near(&self, vid: u64, node_id: &str, finger: &mut Finger) -> Result<Option<u32>> {
        let t = self.ids.get(self.tx())?;
        let mut kb = self.keys.borrow_mut();
        match self
            .tx()
            .get_near(t, id_key(&mut kb, vid, node_id), finger)?
        {
            Some(v) => Ok(Some(decode_pos(&v, "node id index")?)),
            None => Ok(None),
        }
    }

    /// The position and stored record of `node_id` in version `r`, or `None` when it has no
    /// such node. When the version has an id → position hint ([`super::id_pos`]) the record at the
    /// guessed position is read and taken if its id is `node_id` byte for byte; otherwise (no
    /// hint, no guess, another id there, nothing there) the position comes from `doc.ids`.
    /// `fingers`: continue a run of lookups from its last ones.
    fn locate(
        &self,
        r: &Resolved,
        node_id: &str,
        mut fingers: Option<&mut Fingers>,
    ) -> Result<Option<(u32, Bytes<'t>)>> {
        if let Some(pos) = r.id_hint.as_ref().and_then(|h| h.guess(node_id)) {
            let finger = fingers.as_deref_mut().map(|f| &mut f.records);
            if let Some(v) = self.value_at(r.vid, pos, finger)? {
                if decode_node_id_bytes(&v)? == node_id.as_bytes() {
                    return Ok(Some((pos, v)));
                }
            }
        }
        let pos = match fingers.as_deref_mut() {
            Some(f) => self.pos_near(r.vid, node_id, f.ids.get_or_insert_with(Finger::new))?,
            None => self.pos_of(r.vid, node_id)?,
        };
        let Some(pos) = pos else {
            return Ok(None);
        };
        let v = self.value_at(r.vid, pos, fingers.map(|f| &mut f.records))?;
        Ok(Some((pos, v.ok_or_else(|| missing_node(r.vid, pos))?)))
    }

    /// Fingers for a run of id lookups in `r` whose first record lookup starts at the page above
    /// the last point read's record leaf in that version (most of a version's records are below
    /// it), as a point read starts.
    fn fingers_near(&self, r: &Resolved) -> Result<Fingers> {
        let t = self.nodes.get(self.tx())?;
        Ok(Fingers {
            records: self.tx().finger_near(t, r.hints.get(NODES_HINT)),
            ids: None,
        })
    }

    /// [`Self::locate`], with a `NotFound` error naming the node when the version lacks it.
    fn locate_or_not_found(
        &self,
        r: &Resolved,
        policy: &str,
        node_id: &str,
        fingers: Option<&mut Fingers>,
    ) -> Result<(u32, Bytes<'t>)> {
        self.locate(r, node_id, fingers)?.ok_or_else(|| {
            Error::not_found(format!(
                "policy {policy} version {}: node {node_id} not found",
                r.version_id
            ))
        })
    }

    /// The stored record at `pos` of `vid`, if any; with `finger`, from its last lookup.
    fn value_at(
        &self,
        vid: u64,
        pos: u32,
        finger: Option<&mut Finger>,
    ) -> Result<Option<Bytes<'t>>> {
        let t = self.nodes.get(self.tx())?;
        let mut kb = self.keys.borrow_mut();
        let key = node_key(&mut kb, vid, pos);
        match finger {
            Some(f) => self.tx().get_near(t, key, f),
            None => self.tx().get(t, key),
        }
    }

    pub(crate) fn record_at(&self, vid: u64, pos: u32, with_text: bool) -> Result<NodeRecord> {
        let t = self.nodes.get(self.tx())?;
        let mut kb = self.keys.borrow_mut();
        match self.tx().get(t, node_key(&mut kb, vid, pos))? {
            Some(v) => decode_node(&v, with_text),
            None => Err(missing_node(vid, pos)),
        }
    }

    /// Records at positions `[start, end)` (`None`: to the end of the version), in pre-order
    /// (for diffs, which compare records).
    pub(crate) fn scan(
        &self,
        vid: u64,
        start: u32,
        end: Option<u32>,
        with_text: bool,
    ) -> Result<Vec<Found>> {
        let t = self.nodes.get(self.tx())?;
        let (lower, upper) = scan_bounds(vid, start, end);
        let upper = match &upper {
            Some(u) => Bound::Excluded(u.as_slice()),
            None => Bound::Unbounded,
        };
        let mut out = Vec::new();
        for kv in self.tx().range(t, Bound::Included(&lower), upper)? {
            let (k, v) = kv?;
            out.push((node_key_pos(&k)?, decode_node(&v, with_text)?));
        }
        Ok(out)
    }

    /// Nodes at positions `[start, end)` (`None`: to the end of the version), in pre-order,
    /// handed to `sink` (stored texts read at the end).
    fn scan_nodes(
        &self,
        policy: &str,
        r: &Resolved,
        (start, end): (u32, Option<u32>),
        with_text: bool,
        summary_chars: Option<usize>,
        sink: &mut (impl NodeSink + ?Sized),
    ) -> Result<()> {
        let vid = r.vid;
        let t = self.nodes.get(self.tx())?;
        let (lower, upper) = scan_bounds(vid, start, end);
        let upper = match &upper {
            Some(u) => Bound::Excluded(u.as_slice()),
            None => Bound::Unbounded,
        };
        let mut feed = Feed::new(sink, policy, &r.version_id, with_text);
        feed.reserve(end.map_or(0, |e| e.saturating_sub(start).min(4096)) as usize);
        self.tx()
            .range(t, Bound::Included(&lower), upper)?
            .scan(|k, v| {
                node_key_pos(k)?;
                feed.push(&feed.decode(v, summary_chars)?)?;
                Ok(true)
            })?;
        self.complete(feed, 0)
    }

    /// The subtree `[pos, pos + size)` below the node at `pos` (whose walk fields, already read,
    /// are `head`; the node itself is left out) in pre-order, down to `max_depth` levels below it
    /// (0: unlimited), skipping the subtrees below that depth (by re-seeking past big ones),
    /// handed to `feed`.
    fn walk<S: NodeSink + ?Sized>(
        &self,
        r: &Resolved,
        pos: u32,
        head: NodeHead,
        max_depth: u32,
        feed: &mut Feed<'_, S>,
    ) -> Result<()> {
        let vid = r.vid;
        let t = self.nodes.get(self.tx())?;
        let end = u64::from(pos) + u64::from(head.size);
        let limit = depth_limit(head, max_depth);
        let mut upper = KeyBuilder::with_capacity(16);
        upper.u64(vid).u32(u32::try_from(end).unwrap_or(u32::MAX));
        let mut next = pos.saturating_add(1);
        let mut lower = KeyBuilder::with_capacity(16);
        while u64::from(next) < end {
            let mut skip_to = next;
            // Where to seek again, past a big subtree below the depth limit; `None`: done.
            let mut reseek = None;
            let range = self.tx().range(
                t,
                Bound::Included(node_key(&mut lower, vid, next)),
                Bound::Excluded(upper.as_slice()),
            )?;
            range.scan(|k, v| {
                let at = node_key_pos(k)?;
                if u64::from(at) >= end {
                    return Ok(false);
                }
                if at < skip_to {
                    return Ok(true);
                }
                let rec = feed.decode(v, None)?;
                let h = rec.head;
                feed.push(&rec)?;
                if limit.is_some_and(|d| h.depth >= d) && h.size > 1 {
                    skip_to = at.saturating_add(h.size);
                    if h.size > SKIP_BY_SEEK {
                        reseek = Some(skip_to);
                        return Ok(false);
                    }
                }
                Ok(true)
            })?;
            match reseek {
                Some(n) => next = n,
                None => break,
            }
        }
        Ok(())
    }

    /// Hands the records `values` (read by point lookups) to `sink` in order; with text, the
    /// stored texts of two or more nodes are read together (see [`super::text_scan`]).
    fn feed_values(
        &self,
        policy: &str,
        r: &Resolved,
        values: &[Bytes<'_>],
        with_text: bool,
        sink: &mut (impl NodeSink + ?Sized),
    ) -> Result<()> {
        let mut feed = Feed::new(sink, policy, &r.version_id, with_text);
        feed.reserve(values.len());
        for v in values {
            feed.push(&feed.decode(v, None)?)?;
        }
        self.complete(feed, r.hints.get(TEXT_HINT))
    }

    /// Reads the stored texts `feed` noted into its sink, their point reads starting from page
    /// `start` of `doc.text` when it holds their keys (0: from the root).
    fn complete<S: NodeSink + ?Sized>(&self, feed: Feed<'_, S>, start: u64) -> Result<()> {
        feed.finish(self.tx(), || self.texts.get(self.tx()), start)
    }

    fn to_node(
        &self,
        policy: &str,
        r: &Resolved,
        mut rec: NodeRecord,
        with_text: bool,
    ) -> Result<Node> {
        let text = match std::mem::replace(&mut rec.text, TextRef::None) {
            TextRef::None => None,
            TextRef::Inline(s) => with_text.then_some(s),
            TextRef::Stored(s) if with_text => {
                let t = self.texts.get(self.tx())?;
                let mut key = self.keys.borrow_mut();
                let mut finger = self.tx().finger_near(t, r.hints.get(TEXT_HINT));
                let body = text::read_keyed(self.tx(), t, &s, &mut finger, &mut key)?;
                r.hints.set(TEXT_HINT, finger.above_leaf());
                Some(body)
            }
            TextRef::Stored(..) => None,
        };
        Ok(node_of(policy, &r.version_id, rec, text))
    }
}

/// A [`Node`] of `rec` of version `version_id` of `policy`, with `text` (already read; the
/// record's own text reference is not looked at).
pub(super) fn node_of(
    policy: &str,
    version_id: &str,
    rec: NodeRecord,
    text: Option<String>,
) -> Node {
    Node {
        node_id: rec.node_id,
        policy_id: policy.to_string(),
        version_id: version_id.to_string(),
        parent_id: rec.parent_id,
        title: rec.title,
        page_start: rec.pages.map(|p| i64::from(p.0)),
        page_end: rec.pages.map(|p| i64::from(p.1)),
        summary: rec.summary,
        text,
        section_path: rec.section_path,
        child_ids: rec.child_ids,
        depth: rec.head.depth,
        created_at: rec.created_at,
        updated_at: rec.updated_at,
        see_also: rec.see_also,
        metadata: rec.metadata,
    }
}

/// The keys bounding positions `[start, end)` of `vid` in `doc.nodes` (`end` `None`: to the end
/// of the version); no upper key for the last possible vid.
fn scan_bounds(vid: u64, start: u32, end: Option<u32>) -> (Vec<u8>, Option<Vec<u8>>) {
    // Sized for a whole key: grown from empty, each would be reallocated twice.
    let key = || KeyBuilder::with_capacity(16);
    let lower = key().u64(vid).u32(start).finish();
    let upper = match end {
        Some(e) => Some(key().u64(vid).u32(e).finish()),
        None if vid == u64::MAX => None,
        None => Some(key().u64(vid + 1).finish()),
    };
    (lower, upper)
}

/// The deepest absolute depth a walk below `head` returns; `None`: unlimited (`max_depth` 0).
fn depth_limit(head: NodeHead, max_depth: u32) -> Option<u32> {
    (max_depth != 0).then(|| head.depth.saturating_add(max_depth))
}

fn missing_node(vid: u64, pos: u32) -> Error {
    Error::corruption(format!(
        "doc.nodes: vid {vid} has no node at position {pos}, though an index points there"
    ))
}
