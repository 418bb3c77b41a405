//! The read side of the B+tree, shared by read and write transactions: a node is either a committed
//! page (zero-copy) or a node the current write transaction has changed. Point lookups and cursors
//! are written once against [`NodeSource`].

use std::ops::{Bound, Deref, Range};
use std::sync::Arc;

use super::node::Node;
use super::page::{page_kind, read_overflow, BranchPage, LeafPage, ValRef, OVERFLOW_DATA_START};
use crate::error::{Error, Result};
use crate::storage::format::PageKind;
use crate::storage::pager::PageRef;

/// Deeper than this, a tree must be a cycle of page pointers.
pub(crate) const MAX_DEPTH: usize = 48;

/// Bytes handed to callers: borrowed from a map or a dirty node, shared with a page, or owned.
#[derive(Clone)]
pub struct Bytes<'a>(Repr<'a>);

#[derive(Clone)]
enum Repr<'a> {
    Borrowed(&'a [u8]),
    Shared(Arc<[u8]>, Range<usize>),
    Owned(Vec<u8>),
}

impl Deref for Bytes<'_> {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Borrowed(s) => s,
            Repr::Shared(a, r) => &a[r.clone()],
            Repr::Owned(v) => v,
        }
    }
}

impl AsRef<[u8]> for Bytes<'_> {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl std::fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", &**self)
    }
}

impl PartialEq<[u8]> for Bytes<'_> {
    fn eq(&self, other: &[u8]) -> bool {
        **self == *other
    }
}

impl Bytes<'_> {
    /// An owned copy.
    pub fn to_vec(&self) -> Vec<u8> {
        self.deref().to_vec()
    }
}

/// Where the tree code finds nodes and overflow pages, for as long as `'a`. Implementations are
/// small copyable bundles of references.
pub(crate) trait NodeSource<'a> {
    /// A node, dirty or committed.
    fn node(&self, page_no: u64) -> Result<NodeView<'a>>;
    /// A committed or dirty page, raw (overflow pages).
    fn raw_page(&self, page_no: u64) -> Result<PageRef<'a>>;
    fn page_size(&self) -> usize;
}

/// A node as the read side sees it.
pub(crate) enum NodeView<'a> {
    Page(PageRef<'a>, u64),
    Dirty(&'a Node),
}

#[inline]
pub(super) fn slice_of<'a>(page: &PageRef<'a>, part: &[u8]) -> Bytes<'a> {
    match page {
        PageRef::Mapped(whole) => {
            let start = part.as_ptr() as usize - whole.as_ptr() as usize;
            Bytes(Repr::Borrowed(&whole[start..start + part.len()]))
        }
        PageRef::Shared(arc) => {
            let start = part.as_ptr() as usize - arc.as_ptr() as usize;
            Bytes(Repr::Shared(arc.clone(), start..start + part.len()))
        }
    }
}

/// A leaf value before its overflow chain (if any) is read.
pub(crate) enum ValueLoc<'a> {
    Inline(Bytes<'a>),
    Overflow { first: u64, len: u64 },
}

impl<'a> NodeView<'a> {
    pub(crate) fn is_leaf(&self, page_no: u64) -> Result<bool> {
        match self {
            NodeView::Dirty(n) => Ok(matches!(n, Node::Leaf(_))),
            NodeView::Page(p, _) => match page_kind(p, page_no)? {
                PageKind::Leaf => Ok(true),
                PageKind::Branch => Ok(false),
                k => Err(Error::corruption(format!(
                    "page {page_no}: expected a tree page, found {k:?}"
                ))),
            },
        }
    }

    /// Entries of a leaf, keys of a branch.
    pub(crate) fn len(&self) -> Result<usize> {
        match self {
            NodeView::Dirty(Node::Leaf(l)) => Ok(l.len()),
            NodeView::Dirty(Node::Branch(b)) => Ok(b.keys.len()),
            NodeView::Page(p, no) => match page_kind(p, *no)? {
                PageKind::Leaf => Ok(LeafPage::new(p, *no)?.len()),
                _ => Ok(BranchPage::new(p, *no)?.len()),
            },
        }
    }

    pub(crate) fn child(&self, i: usize) -> Result<u64> {
        match self {
            NodeView::Dirty(Node::Branch(b)) => b
                .children
                .get(i)
                .copied()
                .ok_or_else(|| Error::corruption("child index out of range")),
            NodeView::Dirty(Node::Leaf(_)) => Err(Error::corruption("leaf has no children")),
            NodeView::Page(p, no) => BranchPage::new(p, *no)?.child(i),
        }
    }

    pub(crate) fn child_index(&self, key: &[u8]) -> Result<usize> {
        match self {
            NodeView::Dirty(Node::Branch(b)) => Ok(b.child_index(key)),
            NodeView::Dirty(Node::Leaf(_)) => Err(Error::corruption("leaf has no children")),
            NodeView::Page(p, no) => BranchPage::new(p, *no)?.child_index(key),
        }
    }

    pub(crate) fn leaf_search(&self, key: &[u8]) -> Result<std::result::Result<usize, usize>> {
        match self {
            NodeView::Dirty(Node::Leaf(l)) => Ok(l.search(key)),
            NodeView::Dirty(Node::Branch(_)) => Err(Error::corruption("branch is not a leaf")),
            NodeView::Page(p, no) => LeafPage::new(p, *no)?.search(key),
        }
    }

    #[inline]
    pub(crate) fn leaf_entry(&self, i: usize) -> Result<(Bytes<'a>, ValueLoc<'a>)> {
        match self {
            NodeView::Dirty(Node::Leaf(l)) => {
                if i >= l.len() {
                    return Err(Error::corruption("leaf entry index out of range"));
                }
                let (k, v) = l.entry(i);
                let loc = match v {
                    ValRef::Inline(b) => ValueLoc::Inline(Bytes(Repr::Borrowed(b))),
                    ValRef::Overflow { first, len } => ValueLoc::Overflow { first, len },
                };
                Ok((Bytes(Repr::Borrowed(k)), loc))
            }
            NodeView::Dirty(Node::Branch(_)) => Err(Error::corruption("branch is not a leaf")),
            NodeView::Page(p, no) => {
                let (k, v) = LeafPage::new(p, *no)?.entry(i)?;
                let loc = match v {
                    ValRef::Inline(b) => ValueLoc::Inline(slice_of(p, b)),
                    ValRef::Overflow { first, len } => ValueLoc::Overflow { first, len },
                };
                Ok((slice_of(p, k), loc))
            }
        }
    }
}

/// Reads a whole overflow chain of `len` bytes starting at `first`.
pub(crate) fn read_overflow_chain<'a, S: NodeSource<'a>>(
    src: &S,
    first: u64,
    len: u64,
) -> Result<Vec<u8>> {
    let cap = (src.page_size() - OVERFLOW_DATA_START) as u64;
    let max_pages = len.div_ceil(cap).max(1);
    let mut out = Vec::with_capacity(len.min(1 << 30) as usize);
    let mut page_no = first;
    for _ in 0..max_pages {
        let page = src.raw_page(page_no)?;
        let (data, next) = read_overflow(&page, page_no)?;
        out.extend_from_slice(data);
        if next == 0 {
            break;
        }
        page_no = next;
    }
    if out.len() as u64 != len {
        return Err(Error::corruption(format!(
            "overflow chain at page {first}: holds {} bytes, the entry says {len}",
            out.len()
        )));
    }
    Ok(out)
}

#[inline]
pub(crate) fn load_value<'a, S: NodeSource<'a>>(src: &S, loc: ValueLoc<'a>) -> Result<Bytes<'a>> {
    match loc {
        ValueLoc::Inline(b) => Ok(b),
        ValueLoc::Overflow { first, len } => {
            Ok(Bytes(Repr::Owned(read_overflow_chain(src, first, len)?)))
        }
    }
}

/// Pages this many levels or more below the root are asked for as a lookup reaches them.
const PREFETCH_FROM_DEPTH: usize = 2;

/// Bytes of such a page asked for: its first 2 KiB (32 lines: the header, the slot array and the
/// entries after it). Asking for the whole page (64 lines) measured 8-10% slower on the 1M-node
/// corpus (`read_probe node` and `h2h_node`, 3,690-4,075 against 3,970-4,500 CPU-ns a call,
/// alternated; 16 and 48 lines fell between): an L1 cache tracks only so many misses at once,
/// so the later prefetches of a cold page wait for the earlier ones, and the lookup with them.
/// An entry beyond is asked for when it is found (a text's chunk, `document/text.rs`).
const PREFETCH_BYTES: usize = 2048;

/// `page`, at `depth` levels below the root, after asking for the cache lines of its first
/// [`PREFETCH_BYTES`] when it lies [`PREFETCH_FROM_DEPTH`] or more levels down. The top levels of a
/// tree are few and stay in cache; the lower ones (a leaf above all) are mostly not, and a search
/// of one reads the header, then the slots, then an entry, then its value: each a miss that waits
/// for the one before. Asked for together, they arrive in about the time of one. A hint: it
/// changes no result.
#[inline]
fn prefetched<'p>(page: &'p PageRef<'_>, depth: usize) -> &'p PageRef<'p> {
    if depth >= PREFETCH_FROM_DEPTH {
        super::prefetch::prefetch(&page[..PREFETCH_BYTES.min(page.len())]);
    }
    page
}

/// The value stored under `key` in the tree rooted at `root` (0: empty tree).
pub(crate) fn get<'a, S: NodeSource<'a>>(
    src: &S,
    root: u64,
    key: &[u8],
) -> Result<Option<Bytes<'a>>> {
    let mut page_no = root;
    for depth in 0..MAX_DEPTH {
        if page_no == 0 {
            return Ok(None);
        }
        let next = match src.node(page_no)? {
            NodeView::Page(page, no) => match page_kind(prefetched(&page, depth), no)? {
                PageKind::Leaf => return leaf_get(src, &page, no, key),
                PageKind::Branch => BranchPage::new(&page, no)?.child_for(key)?,
                k => {
                    return Err(Error::corruption(format!(
                        "page {no}: expected a tree page, found {k:?}"
                    )))
                }
            },
            node @ NodeView::Dirty(Node::Leaf(_)) => {
                return match node.leaf_search(key)? {
                    Ok(i) => {
                        let (_, loc) = node.leaf_entry(i)?;
                        Ok(Some(load_value(src, loc)?))
                    }
                    Err(_) => Ok(None),
                };
            }
            node => node.child(node.child_index(key)?)?,
        };
        page_no = next;
    }
    Err(Error::corruption(format!(
        "tree at page {root} is deeper than {MAX_DEPTH} levels (cyclic page pointers?)"
    )))
}

/// A lookup's last step on a committed leaf: one parse of the page.
fn leaf_get<'a, S: NodeSource<'a>>(
    src: &S,
    page: &PageRef<'a>,
    page_no: u64,
    key: &[u8],
) -> Result<Option<Bytes<'a>>> {
    let leaf = LeafPage::new(page, page_no)?;
    let Ok(i) = leaf.search(key)? else {
        return Ok(None);
    };
    let loc = match leaf.entry(i)?.1 {
        ValRef::Inline(b) => ValueLoc::Inline(slice_of(page, b)),
        ValRef::Overflow { first, len } => ValueLoc::Overflow { first, len },
    };
    load_value(src, loc).map(Some)
}

/// The path of the last lookup through one table of one transaction, so that a lookup of a
/// nearby key starts from the lowest remembered page whose key range surely holds it instead of
/// from the root (a finger search). Records a store reads together (the ancestors of a node, the
/// hits of a page query) are neighbours in key order: mostly in the same leaf, nearly always
/// under the same parent. Make one per run of related lookups; it is valid for one table of one
/// transaction and starts over by itself when used with another.
#[derive(Debug, Default, Clone)]
pub struct Finger {
    /// The transaction serial and table root the path was taken in.
    owner: Option<(u64, u64)>,
    /// Page numbers from the root down to the last leaf.
    path: FingerPath,
}

/// A finger's pages, root first, held inline (a lookup path is at most [`MAX_DEPTH`] pages): a
/// finger made for one query allocated its path on its first lookup and freed it at the end.
#[derive(Clone)]
pub(crate) struct FingerPath {
    pages: [u64; MAX_DEPTH],
    len: usize,
}

impl Default for FingerPath {
    fn default() -> FingerPath {
        FingerPath {
            pages: [0; MAX_DEPTH],
            len: 0,
        }
    }
}

impl std::fmt::Debug for FingerPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl FingerPath {
    fn as_slice(&self) -> &[u64] {
        &self.pages[..self.len]
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn first(&self) -> Option<&u64> {
        self.as_slice().first()
    }

    pub(crate) fn last(&self) -> Option<&u64> {
        self.as_slice().last()
    }

    pub(crate) fn pop(&mut self) -> Option<u64> {
        let last = self.last().copied()?;
        self.len -= 1;
        Some(last)
    }

    /// Appends `page`; a full path (callers check [`MAX_DEPTH`] first) starts over from it.
    pub(crate) fn push(&mut self, page: u64) {
        if self.len == MAX_DEPTH {
            self.len = 0;
        }
        self.pages[self.len] = page;
        self.len += 1;
    }
}

impl Finger {
    /// An empty finger: its first lookup descends from the root.
    pub fn new() -> Finger {
        Finger::default()
    }

    /// The page above the leaf of the last lookup, when that leaf lies two or more levels below
    /// the root (a page worth a hint, [`PageHints`]).
    pub(crate) fn above_leaf(&self) -> Option<u64> {
        let path = self.path.as_slice();
        (path.len() >= 3).then(|| path[path.len() - 2])
    }

    /// The page the last lookup started at (the root; tests).
    #[cfg(test)]
    pub(crate) fn first_page(&self) -> Option<u64> {
        self.path.first().copied()
    }

    /// The page the last lookup ended at (its leaf), if the transaction keeps paths.
    pub(crate) fn last_page(&self) -> Option<u64> {
        self.path.last().copied()
    }

    /// The remembered path if it was taken in `owner`; otherwise forgets it.
    pub(crate) fn path_for(&mut self, owner: (u64, u64)) -> &mut FingerPath {
        if self.owner != Some(owner) {
            self.owner = Some(owner);
            self.path.clear();
        }
        &mut self.path
    }
}

/// Two page numbers remembered across the lookups of many transactions of one snapshot, each
/// where lookups of related keys are likely to pass (the page above the leaves of one version's
/// records), so a later lookup can ask for it before it gets there
/// ([`crate::db::ReadOps::prefetch_page`]). Only ever prefetch addresses: a stale or wrong one
/// costs a wasted prefetch, never a wrong answer; they take no part in equality. Packed in one
/// word (page numbers past `u32::MAX` are not kept); 0: none yet.
#[derive(Debug, Default)]
pub(crate) struct PageHints(std::sync::atomic::AtomicU64);

impl PageHints {
    fn word(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Hint `i` (0 or 1); 0 when there is none.
    pub(crate) fn get(&self, i: usize) -> u64 {
        (self.word() >> (32 * (i & 1))) & u64::from(u32::MAX)
    }

    /// Remembers `page` as hint `i` (0 or 1), written only when it changes (readers on other
    /// cores share the line). Two readers setting at once may lose one's: it is a hint.
    pub(crate) fn set(&self, i: usize, page: Option<u64>) {
        let Some(page) = page.filter(|&p| p <= u64::from(u32::MAX) && p != self.get(i)) else {
            return;
        };
        let shift = 32 * (i & 1);
        let word = (self.word() & !(u64::from(u32::MAX) << shift)) | (page << shift);
        self.0.store(word, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Clone for PageHints {
    fn clone(&self) -> PageHints {
        PageHints(self.word().into())
    }
}

impl PartialEq for PageHints {
    fn eq(&self, _: &PageHints) -> bool {
        true
    }
}

impl Eq for PageHints {}

/// What one page says about a key.
enum Route<'a> {
    /// The leaf holds the key's place: its value, or `None` when it is absent from the tree.
    Leaf(Option<Bytes<'a>>),
    /// The branch's child that holds the key's place.
    Child(u64),
}

/// Routes `key` at `page_no`. With `edges_decide` false (a remembered page below the root) a key
/// at either edge of the page, before its first key or at or after its last, gives `None` (ask
/// the parent): only the keys between the page's own first and last key surely belong to it.
/// `depth` is the page's level below the root, for [`prefetched`] (0 for a remembered page: it
/// was read by the lookup before, so it is most likely still in cache).
fn route<'a, S: NodeSource<'a>>(
    src: &S,
    page_no: u64,
    key: &[u8],
    edges_decide: bool,
    depth: usize,
) -> Result<Option<Route<'a>>> {
    let node = src.node(page_no)?;
    if let NodeView::Page(page, no) = &node {
        prefetched(page, depth);
        return route_page(src, page, *no, key, edges_decide);
    }
    if node.is_leaf(page_no)? {
        let found = node.leaf_search(key)?;
        return match found {
            Ok(i) => {
                let (_, loc) = node.leaf_entry(i)?;
                Ok(Some(Route::Leaf(Some(load_value(src, loc)?))))
            }
            Err(i) if edges_decide || (i > 0 && i < node.len()?) => Ok(Some(Route::Leaf(None))),
            Err(_) => Ok(None),
        };
    }
    let i = node.child_index(key)?;
    if !edges_decide && (i == 0 || i >= node.len()?) {
        return Ok(None);
    }
    Ok(Some(Route::Child(node.child(i)?)))
}

/// [`route`] on a committed page, parsed once.
#[inline]
fn route_page<'a, S: NodeSource<'a>>(
    src: &S,
    page: &PageRef<'a>,
    page_no: u64,
    key: &[u8],
    edges_decide: bool,
) -> Result<Option<Route<'a>>> {
    match page_kind(page, page_no)? {
        PageKind::Leaf => {
            let leaf = LeafPage::new(page, page_no)?;
            match leaf.search(key)? {
                Ok(i) => {
                    let loc = match leaf.entry(i)?.1 {
                        ValRef::Inline(b) => ValueLoc::Inline(slice_of(page, b)),
                        ValRef::Overflow { first, len } => ValueLoc::Overflow { first, len },
                    };
                    Ok(Some(Route::Leaf(Some(load_value(src, loc)?))))
                }
                Err(i) if edges_decide || (i > 0 && i < leaf.len()) => Ok(Some(Route::Leaf(None))),
                Err(_) => Ok(None),
            }
        }
        PageKind::Branch => {
            let branch = BranchPage::new(page, page_no)?;
            let i = branch.child_index(key)?;
            if !edges_decide && (i == 0 || i >= branch.len()) {
                return Ok(None);
            }
            Ok(Some(Route::Child(branch.child(i)?)))
        }
        k => Err(Error::corruption(format!(
            "page {page_no}: expected a tree page, found {k:?}"
        ))),
    }
}

/// Like [`get`], starting from the lowest page of `path` (the pages of the previous lookup in
/// the same tree, root first) whose key range holds `key`, and leaving this lookup's pages in
/// `path`.
pub(crate) fn get_near<'a, S: NodeSource<'a>>(
    src: &S,
    root: u64,
    key: &[u8],
    path: &mut FingerPath,
) -> Result<Option<Bytes<'a>>> {
    if root == 0 {
        path.clear();
        return Ok(None);
    }
    if path.first() != Some(&root) || path.len() > MAX_DEPTH {
        path.clear();
        path.push(root);
    }
    // Up: the lowest remembered page that surely holds the key (the root holds every key).
    let mut next = root;
    while let Some(&at) = path.last() {
        match route(src, at, key, path.len() == 1, 0)? {
            Some(Route::Leaf(v)) => return Ok(v),
            Some(Route::Child(c)) => {
                next = c;
                break;
            }
            None => {
                path.pop();
            }
        }
    }
    // Down from there, remembering the pages.
    loop {
        if path.len() >= MAX_DEPTH {
            path.clear();
            return Err(Error::corruption(format!(
                "tree at page {root} is deeper than {MAX_DEPTH} levels (cyclic page pointers?)"
            )));
        }
        path.push(next);
        match route(src, next, key, true, path.len() - 1)? {
            Some(Route::Child(c)) => next = c,
            Some(Route::Leaf(v)) => return Ok(v),
            // With `edges_decide` every page routes; `None` cannot happen here.
            None => return Ok(None),
        }
    }
}

/// Whether `key` lies past `stop`, the bound a scan ends at (the upper one forward, the lower one
/// in reverse).
#[inline]
fn past_stop(stop: &Bound<Vec<u8>>, reverse: bool, key: &[u8]) -> bool {
    match (stop, reverse) {
        (Bound::Unbounded, _) => false,
        (Bound::Included(s), false) => key > s.as_slice(),
        (Bound::Excluded(s), false) => key >= s.as_slice(),
        (Bound::Included(s), true) => key < s.as_slice(),
        (Bound::Excluded(s), true) => key <= s.as_slice(),
    }
}

struct Frame<'a> {
    node: NodeView<'a>,
    /// Leaf: next entry to yield (forward) or one past it (reverse). Branch: child being walked.
    idx: usize,
    len: usize,
}

/// A forward or reverse scan over a key range.
pub(crate) struct RangeIter<'a, S: NodeSource<'a>> {
    src: S,
    stack: Vec<Frame<'a>>,
    reverse: bool,
    /// Forward: the upper bound; reverse: the lower bound.
    stop: Bound<Vec<u8>>,
    done: bool,
    /// The top frame's leaf, parsed once, when it is a committed page in the memory map (the
    /// common case): each step then reads its entry without matching and re-parsing the node.
    leaf: Option<LeafPage<'a>>,
}

fn owned_bound(b: Bound<&[u8]>) -> Bound<Vec<u8>> {
    match b {
        Bound::Included(k) => Bound::Included(k.to_vec()),
        Bound::Excluded(k) => Bound::Excluded(k.to_vec()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

impl<'a, S: NodeSource<'a>> RangeIter<'a, S> {
    pub(crate) fn new(
        src: S,
        root: u64,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
        reverse: bool,
    ) -> Result<RangeIter<'a, S>> {
        let (start, stop) = if reverse {
            (upper, lower)
        } else {
            (lower, upper)
        };
        let mut it = RangeIter {
            src,
            stack: Vec::new(),
            reverse,
            stop: owned_bound(stop),
            done: root == 0,
            leaf: None,
        };
        if root != 0 {
            it.seek(root, start)?;
        }
        Ok(it)
    }

    fn push(&mut self, page_no: u64, start: Bound<&[u8]>) -> Result<bool> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Error::corruption(format!(
                "tree deeper than {MAX_DEPTH} levels at page {page_no} (cyclic page pointers?)"
            )));
        }
        let node = self.src.node(page_no)?;
        let leaf = node.is_leaf(page_no)?;
        let len = node.len()?;
        let idx = match (leaf, start) {
            (false, Bound::Unbounded) => {
                if self.reverse {
                    len
                } else {
                    0
                }
            }
            (false, Bound::Included(k) | Bound::Excluded(k)) => node.child_index(k)?,
            (true, Bound::Unbounded) => {
                if self.reverse {
                    len
                } else {
                    0
                }
            }
            (true, Bound::Included(k)) => match node.leaf_search(k)? {
                Ok(i) => i + usize::from(self.reverse),
                Err(i) => i,
            },
            (true, Bound::Excluded(k)) => match node.leaf_search(k)? {
                Ok(i) => i + usize::from(!self.reverse),
                Err(i) => i,
            },
        };
        if leaf {
            self.leaf = match &node {
                NodeView::Page(PageRef::Mapped(bytes), no) => Some(LeafPage::new(bytes, *no)?),
                _ => None,
            };
        }
        self.stack.push(Frame { node, idx, len });
        Ok(leaf)
    }

    fn seek(&mut self, root: u64, start: Bound<&[u8]>) -> Result<()> {
        let mut page_no = root;
        while !self.push(page_no, start)? {
            let top = self.stack.last().expect("just pushed");
            page_no = top.node.child(top.idx)?;
        }
        Ok(())
    }

    /// Moves to the next leaf position; false at the end of the tree.
    fn advance_leaf(&mut self) -> Result<bool> {
        self.leaf = None;
        loop {
            self.stack.pop();
            let Some(top) = self.stack.last_mut() else {
                return Ok(false);
            };
            let next = if self.reverse {
                if top.idx == 0 {
                    continue;
                }
                top.idx - 1
            } else {
                if top.idx >= top.len {
                    continue;
                }
                top.idx + 1
            };
            top.idx = next;
            let mut page_no = top.node.child(next)?;
            let edge = Bound::Unbounded;
            while !self.push(page_no, edge)? {
                let top = self.stack.last().expect("just pushed");
                page_no = top.node.child(top.idx)?;
            }
            return Ok(true);
        }
    }

    #[inline]
    fn past_stop(&self, key: &[u8]) -> bool {
        past_stop(&self.stop, self.reverse, key)
    }

    /// Hands every remaining entry to `f` as borrowed key and value slices, in the iterator's
    /// order, until the range ends or `f` returns `Ok(false)`. The same entries as the iterator,
    /// without building a [`Bytes`] pair and an `Option<Result<..>>` per entry: on a committed
    /// leaf in the map, each step is one slot read, one bound check and the call.
    pub(crate) fn scan<F>(mut self, mut f: F) -> Result<()>
    where
        F: FnMut(&[u8], &[u8]) -> Result<bool>,
    {
        if self.done {
            return Ok(());
        }
        loop {
            let Some(leaf) = self.leaf else {
                // A dirty node or a shared page: one entry the iterator's way, then look again
                // (the next leaf may be a mapped one).
                match self.next_entry()? {
                    Some((k, v)) if f(&k, &v)? => continue,
                    _ => return Ok(()),
                }
            };
            let Some(top) = self.stack.last_mut() else {
                return Ok(());
            };
            loop {
                let at = if self.reverse {
                    match top.idx.checked_sub(1) {
                        Some(at) => at,
                        None => break,
                    }
                } else if top.idx < top.len {
                    top.idx
                } else {
                    break;
                };
                top.idx = if self.reverse { at } else { at + 1 };
                let (k, v) = leaf.entry(at)?;
                if past_stop(&self.stop, self.reverse, k) {
                    return Ok(());
                }
                let go = match v {
                    ValRef::Inline(v) => f(k, v)?,
                    ValRef::Overflow { first, len } => {
                        f(k, &read_overflow_chain(&self.src, first, len)?)?
                    }
                };
                if !go {
                    return Ok(());
                }
            }
            if !self.advance_leaf()? {
                return Ok(());
            }
        }
    }

    #[inline]
    fn next_entry(&mut self) -> Result<Option<(Bytes<'a>, Bytes<'a>)>> {
        loop {
            let Some(top) = self.stack.last_mut() else {
                return Ok(None);
            };
            let at = if self.reverse {
                top.idx.checked_sub(1)
            } else {
                (top.idx < top.len).then_some(top.idx)
            };
            let Some(at) = at else {
                if !self.advance_leaf()? {
                    return Ok(None);
                }
                continue;
            };
            top.idx = if self.reverse { at } else { at + 1 };
            let (key, loc) = match &self.leaf {
                Some(leaf) => {
                    let (k, v) = leaf.entry(at)?;
                    let loc = match v {
                        ValRef::Inline(b) => ValueLoc::Inline(Bytes(Repr::Borrowed(b))),
                        ValRef::Overflow { first, len } => ValueLoc::Overflow { first, len },
                    };
                    (Bytes(Repr::Borrowed(k)), loc)
                }
                None => top.node.leaf_entry(at)?,
            };
            if self.past_stop(&key) {
                return Ok(None);
            }
            let value = load_value(&self.src, loc)?;
            return Ok(Some((key, value)));
        }
    }
}

impl<'a, S: NodeSource<'a>> Iterator for RangeIter<'a, S> {
    type Item = Result<(Bytes<'a>, Bytes<'a>)>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_entry() {
            Ok(Some(kv)) => Some(Ok(kv)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_hints_keep_two_pages_apart() {
        let h = PageHints::default();
        assert_eq!((h.get(0), h.get(1)), (0, 0));
        h.set(0, Some(7));
        h.set(1, Some(u64::from(u32::MAX)));
        h.set(0, None);
        assert_eq!((h.get(0), h.get(1)), (7, u64::from(u32::MAX)));
        // A page number past 32 bits is not kept; the other hint is untouched.
        h.set(1, Some(1 << 40));
        h.set(0, Some(9));
        assert_eq!((h.get(0), h.get(1)), (9, u64::from(u32::MAX)));
        assert_eq!(h.clone().get(0), 9);
        assert_eq!(h, PageHints::default());
    }

    #[test]
    fn a_finger_path_is_a_bounded_stack() {
        let mut p = FingerPath::default();
        assert_eq!((p.len(), p.first(), p.last()), (0, None, None));
        assert_eq!(p.pop(), None);
        for page in 1..=MAX_DEPTH as u64 {
            p.push(page);
        }
        assert_eq!(
            (p.len(), p.first(), p.last()),
            (MAX_DEPTH, Some(&1), Some(&48))
        );
        assert_eq!(p.pop(), Some(48));
        p.push(99);
        // Full: the next push starts over instead of writing past the end.
        p.push(7);
        assert_eq!((p.len(), p.first(), p.last()), (1, Some(&7), Some(&7)));
        p.clear();
        assert_eq!(format!("{p:?}"), "[]");
    }
}
