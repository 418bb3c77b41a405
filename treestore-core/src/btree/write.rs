//! The write side of the copy-on-write B+tree: insert and remove with node split, merge and
//! rebalance. A committed page is never changed: the first change to it copies it into a new page
//! (decoded, in [`DirtySet`]) and frees the original once no snapshot reaches it.

use crate::hash::FxHashMap;

use super::branch_key::BranchKey;
use super::node::{leaf_entry_size, Branch, Leaf, Node, OldVal};
use super::page::{
    decode_node_with, encode_overflow, read_overflow, BranchPage, ValRef, LEAF_ENTRY_OVERHEAD,
    OVERFLOW_DATA_START,
};
use super::pool::NodePool;
use super::view::{NodeSource, NodeView, MAX_DEPTH};
use crate::error::{Error, Result};
use crate::storage::alloc::Allocator;
use crate::storage::delta::Touched;
use crate::storage::pager::{MapState, PageRef, Pager};

/// Everything a write transaction has changed and not yet committed.
#[derive(Default)]
pub(crate) struct DirtySet {
    /// Tree nodes written by this transaction, by their new page number.
    pub nodes: FxHashMap<u64, Node>,
    /// Encoded overflow pages written by this transaction.
    pub overflow: FxHashMap<u64, Vec<u8>>,
    /// Every page this transaction allocated (for rollback).
    pub allocated: Vec<u64>,
    /// Committed pages this transaction no longer reaches.
    pub freed: Vec<u64>,
    /// The committed page each node of `nodes` was copied from (new page number to old), where
    /// it was: the WAL may log the node as a delta against it.
    pub sources: FxHashMap<u64, u64>,
    /// Emptied nodes from earlier transactions, whose buffers decodes reuse.
    pub pool: NodePool,
    /// Branches copied raw by an insert (see [`super::raw_branch`]), by their new page number;
    /// a page is in `nodes` or here, never both.
    pub raw: FxHashMap<u64, Box<[u8]>>,
    /// For each page of `raw`, the blocks where it may differ from the page it was copied from
    /// (its header and the children patched in), so the WAL's delta encoder compares only those.
    /// Read only for pages in `raw`; a page missing here is compared whole.
    pub raw_touched: FxHashMap<u64, Touched>,
    /// The decoded nodes the writer's last commit (txid `prev_txid`) wrote, by their page numbers:
    /// each is what decoding its committed page gives. A transaction whose base is that commit
    /// takes one instead of decoding the page again: small commits in a row rewrite the same
    /// leaves (a table's last leaf, a statistics leaf, the catalog's), and decoding them was
    /// about 7% of a tool-result store's instructions.
    pub prev: FxHashMap<u64, Node>,
    /// The commit `prev` holds the nodes of (0: none).
    pub prev_txid: u64,
    /// Leaves and branches this transaction took from `prev` (for tests).
    #[cfg(test)]
    pub prev_hits: [usize; 2],
}

/// Nodes of a commit kept in [`DirtySet::prev`] at most; a larger commit keeps none (a bulk
/// load's would hold memory for little gain).
const PREV_MAX_NODES: usize = 64;

/// Declares `fn $name() -> bool`, a fast path's switch: always on in a build; in tests read from
/// the thread-local `$flag` (on unless a test turns it off), so a test can compare the pages the
/// fast path writes against the plain path's on its own thread.
macro_rules! fast_path_switch {
    ($(#[$doc:meta])* $name:ident, $flag:ident) => {
        $(#[$doc])*
        #[cfg(not(test))]
        pub(crate) fn $name() -> bool {
            true
        }

        #[cfg(test)]
        thread_local! {
            pub(crate) static $flag: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
        }

        $(#[$doc])*
        #[cfg(test)]
        pub(crate) fn $name() -> bool {
            $flag.with(|c| c.get())
        }
    };
}

fast_path_switch!(
    /// Whether write transactions take the last commit's decoded nodes ([`DirtySet::prev`]).
    node_memo,
    NODE_MEMO
);

fast_path_switch!(
    /// Whether inserts copy committed branches raw ([`super::raw_branch`]).
    raw_branch_cow,
    RAW_BRANCH_COW
);

fast_path_switch!(
    /// Whether the WAL's delta encoder compares only the blocks of a raw branch its writer
    /// touched ([`DirtySet::raw_touched`]), not the whole page.
    touched_blocks,
    TOUCHED_BLOCKS
);

impl DirtySet {
    /// The blocks in which dirty page `page_no` may differ from the page it was copied from.
    pub(crate) fn touched(&self, page_no: u64) -> Touched {
        if !touched_blocks() || !self.raw.contains_key(&page_no) {
            return Touched::ALL;
        }
        self.raw_touched
            .get(&page_no)
            .copied()
            .unwrap_or(Touched::ALL)
    }
}

/// Entries of a map or list a recycled [`DirtySet`] keeps its room for; a larger one (a bulk
/// load's) is freed.
const KEEP_CAPACITY: usize = 4096;

impl DirtySet {
    /// Empties the set for the next transaction, keeping its nodes' buffers in the pool and the
    /// room of its maps and lists (unless a large transaction grew them).
    fn recycle_nodes_and_lists(&mut self, page_size: usize) {
        for (_, node) in self.nodes.drain() {
            self.pool.recycle(node, page_size);
        }
        for (_, page) in self.raw.drain() {
            self.pool.recycle_page(page);
        }
        if self.nodes.capacity() > KEEP_CAPACITY {
            self.nodes = FxHashMap::default();
        }
        if self.raw.capacity() > KEEP_CAPACITY {
            self.raw = FxHashMap::default();
        }
        if self.raw_touched.capacity() > KEEP_CAPACITY {
            self.raw_touched = FxHashMap::default();
        }
        self.raw_touched.clear();
        if self.sources.capacity() > KEEP_CAPACITY {
            self.sources = FxHashMap::default();
        }
        self.sources.clear();
        self.overflow = FxHashMap::default();
        #[cfg(test)]
        {
            self.prev_hits = [0; 2];
        }
        self.allocated.clear();
        if self.allocated.capacity() > KEEP_CAPACITY {
            self.allocated = Vec::new();
        }
        self.freed = Vec::new();
    }

    /// Empties the set after it committed as `txid`, for the writer's next transaction: keeps the
    /// nodes it wrote in [`DirtySet::prev`] (unless they are many, then in the pool).
    pub(crate) fn recycle_after_commit(&mut self, page_size: usize, txid: u64) {
        self.forget_prev(page_size);
        if node_memo() && self.nodes.len() <= PREV_MAX_NODES {
            std::mem::swap(&mut self.prev, &mut self.nodes);
            self.prev_txid = txid;
        }
        self.recycle_nodes_and_lists(page_size);
    }

    /// Drops [`DirtySet::prev`] (into the pool) unless it holds the nodes of commit `base_txid`,
    /// the snapshot a new transaction starts from.
    pub(crate) fn keep_prev_for(&mut self, base_txid: u64, page_size: usize) {
        if self.prev_txid != base_txid {
            self.forget_prev(page_size);
        }
    }

    fn forget_prev(&mut self, page_size: usize) {
        for (_, node) in self.prev.drain() {
            self.pool.recycle(node, page_size);
        }
        self.prev_txid = 0;
    }
}

/// A write transaction's view of the tree: dirty nodes first, then committed pages.
pub(crate) struct TreeMut<'a> {
    pub pager: &'a Pager,
    pub map: &'a MapState,
    pub dirty: &'a mut DirtySet,
    pub alloc: &'a mut Allocator,
}

/// Read access to a write transaction's state without the allocator.
#[derive(Clone, Copy)]
pub(crate) struct DirtyView<'a> {
    pub pager: &'a Pager,
    pub map: &'a MapState,
    pub dirty: &'a DirtySet,
}

impl<'a> NodeSource<'a> for DirtyView<'a> {
    fn node(&self, page_no: u64) -> Result<NodeView<'a>> {
        if let Some(n) = self.dirty.nodes.get(&page_no) {
            return Ok(NodeView::Dirty(n));
        }
        if let Some(raw) = self.dirty.raw.get(&page_no) {
            return Ok(NodeView::Page(PageRef::Mapped(raw), page_no));
        }
        Ok(NodeView::Page(self.pager.page(self.map, page_no)?, page_no))
    }

    fn raw_page(&self, page_no: u64) -> Result<PageRef<'a>> {
        match self.dirty.overflow.get(&page_no) {
            Some(p) => Ok(PageRef::Mapped(p.as_slice())),
            None => self.pager.page(self.map, page_no),
        }
    }

    fn page_size(&self) -> usize {
        self.pager.page_size()
    }
}

/// The most bytes a leaf entry may take inline; larger values go to overflow pages.
pub(crate) fn max_inline_entry(page_size: usize) -> usize {
    (page_size - 16) / 4
}

/// The longest value a leaf keeps inline beside a key of `key_len` bytes.
pub(crate) fn max_inline_value(page_size: usize, key_len: usize) -> usize {
    (max_inline_entry(page_size) - LEAF_ENTRY_OVERHEAD).saturating_sub(key_len)
}

/// The longest key a tree accepts: with an overflow reference (16) and its slot and lengths (20) it
/// still fits a quarter page with 8 bytes to spare, as a branch entry (24 beside the key) does.
pub(crate) fn max_key_len(page_size: usize) -> usize {
    max_inline_entry(page_size) - 12 - 16 - 16
}

fn missing(page_no: u64) -> Error {
    Error::corruption(format!(
        "dirty page {page_no} vanished from the transaction"
    ))
}

impl TreeMut<'_> {
    pub(super) fn view(&self) -> DirtyView<'_> {
        DirtyView {
            pager: self.pager,
            map: self.map,
            dirty: self.dirty,
        }
    }

    fn page_size(&self) -> usize {
        self.pager.page_size()
    }

    pub(super) fn allocate(&mut self) -> u64 {
        let p = self.alloc.allocate();
        self.dirty.allocated.push(p);
        // A page number freed and allocated again within the transaction holds a new page.
        self.dirty.sources.remove(&p);
        p
    }

    fn add_node(&mut self, node: Node) -> u64 {
        let p = self.allocate();
        self.dirty.nodes.insert(p, node);
        p
    }

    /// Makes `page_no` writable: returns its page number in this transaction (a new one for a
    /// committed page, which is freed).
    pub(super) fn make_dirty(&mut self, page_no: u64) -> Result<u64> {
        if self.dirty.nodes.contains_key(&page_no) {
            return Ok(page_no);
        }
        if self.dirty.raw.contains_key(&page_no) {
            self.materialize(page_no)?;
            return Ok(page_no);
        }
        let node = match self.dirty.prev.remove(&page_no) {
            Some(node) => {
                #[cfg(test)]
                {
                    self.dirty.prev_hits[usize::from(matches!(node, Node::Branch(_)))] += 1;
                }
                node
            }
            None => {
                let page = self.pager.page(self.map, page_no)?;
                decode_node_with(&page, page_no, &mut self.dirty.pool)?
            }
        };
        self.dirty.freed.push(page_no);
        let p = self.add_node(node);
        self.dirty.sources.insert(p, page_no);
        Ok(p)
    }

    /// Decodes the raw branch `page_no` into a node (see [`super::raw_branch`]).
    fn materialize(&mut self, page_no: u64) -> Result<()> {
        let Some(raw) = self.dirty.raw.remove(&page_no) else {
            return Ok(());
        };
        let node = decode_node_with(&raw, page_no, &mut self.dirty.pool)?;
        self.dirty.pool.recycle_page(raw);
        self.dirty.nodes.insert(page_no, node);
        Ok(())
    }

    pub(super) fn node_mut(&mut self, page_no: u64) -> Result<&mut Node> {
        if self.dirty.raw.contains_key(&page_no) {
            self.materialize(page_no)?;
        }
        self.dirty
            .nodes
            .get_mut(&page_no)
            .ok_or_else(|| missing(page_no))
    }

    /// Frees a page this tree no longer uses.
    fn free_page(&mut self, page_no: u64) {
        let mine = self.dirty.nodes.remove(&page_no).is_some()
            || self.dirty.raw.remove(&page_no).is_some()
            || self.dirty.overflow.remove(&page_no).is_some();
        if mine {
            self.alloc.release_now(page_no);
        } else {
            self.dirty.freed.push(page_no);
        }
    }

    /// Stores `value` as a leaf value, writing an overflow chain when it is too long to stay inline.
    pub(crate) fn make_value<'v>(&mut self, key_len: usize, value: &'v [u8]) -> ValRef<'v> {
        let ps = self.page_size();
        if value.len() <= max_inline_value(ps, key_len) {
            return ValRef::Inline(value);
        }
        let cap = ps - OVERFLOW_DATA_START;
        let chunks: Vec<&[u8]> = value.chunks(cap).collect();
        let pages: Vec<u64> = chunks.iter().map(|_| self.allocate()).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let next = pages.get(i + 1).copied().unwrap_or(0);
            let page = encode_overflow(chunk, next, pages[i], ps);
            self.dirty.overflow.insert(pages[i], page);
        }
        ValRef::Overflow {
            first: pages.first().copied().unwrap_or(0),
            len: value.len() as u64,
        }
    }

    /// Frees the overflow chain behind a value that was replaced or removed.
    pub(crate) fn drop_value(&mut self, val: OldVal) -> Result<()> {
        let OldVal::Overflow { first, len } = val else {
            return Ok(());
        };
        let cap = (self.page_size() - OVERFLOW_DATA_START) as u64;
        let mut page_no = first;
        for _ in 0..len.div_ceil(cap).max(1) {
            let next = {
                let view = self.view();
                let page = view.raw_page(page_no)?;
                read_overflow(&page, page_no)?.1
            };
            self.free_page(page_no);
            if next == 0 {
                break;
            }
            page_no = next;
        }
        Ok(())
    }

    /// Inserts or replaces; returns the new root and the value it replaced.
    pub(crate) fn insert(
        &mut self,
        root: u64,
        key: &[u8],
        val: ValRef<'_>,
    ) -> Result<(u64, Option<OldVal>)> {
        if root == 0 {
            let mut leaf = Leaf::default();
            leaf.push(key, val);
            return Ok((self.add_node(Node::Leaf(leaf)), None));
        }
        if self.append_to_last_leaf(root, key, &val) {
            return Ok((root, None));
        }
        let (page, split, old) = self.insert_rec(root, key, val, 0, true)?;
        Ok((self.grow_root(page, split), old))
    }

    /// The fast path of a load in key order: when `key` sorts after every key of the tree, the
    /// rightmost path (each branch's last child, from `root`) is dirty already, and the last leaf
    /// has room, appends there without a search or a change to any branch; returns whether it
    /// did. Nothing else qualifies (a key inside the tree, a committed page on the path, a full
    /// leaf): the general insert takes it. The walk itself proves the leaf is the tree's last, so
    /// no state is kept between inserts.
    fn append_to_last_leaf(&mut self, root: u64, key: &[u8], val: &ValRef<'_>) -> bool {
        self.last_leaf_for(root, key)
            .is_some_and(|page| self.push_to_last_leaf(page, key, val))
    }

    /// The tree's last leaf when `key` sorts after every separator on the rightmost path from
    /// `root` and that path is dirty (see [`Self::append_to_last_leaf`]); `None` otherwise.
    pub(crate) fn last_leaf_for(&self, root: u64, key: &[u8]) -> Option<u64> {
        let (nodes, raws) = (&self.dirty.nodes, &self.dirty.raw);
        let mut page = root;
        for depth in 0..=MAX_DEPTH {
            if let Some(raw) = raws.get(&page) {
                match last_child_after(raw, page, key, depth == 0) {
                    Some(child) => {
                        page = child;
                        continue;
                    }
                    None => return None,
                }
            }
            match nodes.get(&page) {
                Some(Node::Branch(b)) => {
                    // A key at or before the last separator belongs to another child: a random
                    // insert stops here, after one lookup.
                    if depth == 0 && b.keys.last().is_some_and(|k| key <= k.as_ref()) {
                        return None;
                    }
                    match b.children.last() {
                        Some(&child) => page = child,
                        None => return None,
                    }
                }
                Some(Node::Leaf(_)) => return Some(page),
                None => return None,
            }
        }
        None
    }

    /// Appends `key` to leaf `page`, the tree's last leaf ([`Self::last_leaf_for`]), when the key
    /// sorts after its last key and the entry fits; returns whether it did.
    pub(crate) fn push_to_last_leaf(&mut self, page: u64, key: &[u8], val: &ValRef<'_>) -> bool {
        let ps = self.page_size();
        let Some(Node::Leaf(leaf)) = self.dirty.nodes.get_mut(&page) else {
            return false;
        };
        let after_last = !leaf.is_empty() && key > leaf.key(leaf.len() - 1);
        if !after_last || leaf.encoded_size() + leaf_entry_size(key, val) > ps {
            return false;
        }
        leaf.push(key, *val);
        true
    }

    fn grow_root(&mut self, page: u64, split: Option<(BranchKey, u64)>) -> u64 {
        match split {
            None => page,
            Some((sep, right)) => {
                let mut branch = Branch::with_first_child(page);
                branch.push(sep, right);
                self.add_node(Node::Branch(branch))
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn insert_rec(
        &mut self,
        page_no: u64,
        key: &[u8],
        val: ValRef<'_>,
        depth: usize,
        rightmost: bool,
    ) -> Result<(u64, Option<(BranchKey, u64)>, Option<OldVal>)> {
        if depth > MAX_DEPTH {
            return Err(Error::corruption(format!(
                "tree deeper than {MAX_DEPTH} levels at page {page_no} (cyclic page pointers?)"
            )));
        }
        let p = self.make_dirty_for_insert(page_no)?;
        if let Some(step) = self.raw_step(p, key)? {
            let child_rightmost = rightmost && step.idx == step.last;
            let (new_child, child_split, old) =
                self.insert_rec(step.child, key, val, depth + 1, child_rightmost)?;
            if child_split.is_none() {
                if new_child != step.child {
                    self.set_raw_child(p, step.idx, new_child)?;
                }
                return Ok((p, None, old));
            }
            let split = self.finish_branch(p, step.idx, new_child, child_split, child_rightmost)?;
            return Ok((p, split, old));
        }
        let ps = self.page_size();
        let (idx, child) = match self.node_mut(p)? {
            Node::Leaf(leaf) => {
                let mut appended = false;
                let mut run = None;
                let old = match leaf.search(key) {
                    Ok(i) => Some(leaf.replace_at(i, val)),
                    Err(i) => {
                        appended = i == leaf.len();
                        if leaf.continues_run(i) {
                            run = Some(i);
                        }
                        leaf.insert_at(i, key, val);
                        None
                    }
                };
                let split = if leaf.encoded_size() > ps {
                    // Appending past the last key of the tree (a bulk load in key order) leaves
                    // the full leaf full and starts a new one, so sorted loads fill pages; a run
                    // of ascending inserts elsewhere (a posting list's appended blocks) likewise.
                    let right = if rightmost && appended {
                        leaf.split_off_last()
                    } else if let Some(i) = run {
                        leaf.split_after_run(i, ps)
                    } else {
                        leaf.split()
                    };
                    let sep = BranchKey::from_slice(right.key(0));
                    Some((sep, self.add_node(Node::Leaf(right))))
                } else {
                    None
                };
                return Ok((p, split, old));
            }
            Node::Branch(b) => {
                let idx = b.child_index(key);
                (idx, b.children[idx])
            }
        };
        let last = self.branch_len(p)?;
        let child_rightmost = rightmost && idx == last;
        let (new_child, child_split, old) =
            self.insert_rec(child, key, val, depth + 1, child_rightmost)?;
        let split = self.finish_branch(p, idx, new_child, child_split, child_rightmost)?;
        Ok((p, split, old))
    }

    /// Number of keys of branch `p` (the index of its last child).
    fn branch_len(&mut self, p: u64) -> Result<usize> {
        match self.node_mut(p)? {
            Node::Branch(b) => Ok(b.keys.len()),
            Node::Leaf(_) => Err(Error::corruption(format!(
                "page {p} changed kind during a write"
            ))),
        }
    }

    /// Puts a changed child back into branch `p` and splits `p` if it overflowed (lopsided when the
    /// split came from appending past the tree's last key).
    fn finish_branch(
        &mut self,
        p: u64,
        idx: usize,
        new_child: u64,
        child_split: Option<(BranchKey, u64)>,
        appending: bool,
    ) -> Result<Option<(BranchKey, u64)>> {
        let ps = self.page_size();
        let Node::Branch(b) = self.node_mut(p)? else {
            return Err(Error::corruption(format!(
                "page {p} changed kind during a write"
            )));
        };
        b.children[idx] = new_child;
        if let Some((sep, right)) = child_split {
            b.insert_at(idx, sep, right);
        }
        if b.encoded_size() <= ps {
            return Ok(None);
        }
        let (up, right) = if appending && b.keys.len() >= 4 {
            b.split_off_last()
        } else {
            b.split()
        };
        Ok(Some((up, self.add_node(Node::Branch(right)))))
    }

    /// Removes `key`; returns the new root and the removed value (None: absent, tree unchanged).
    pub(crate) fn remove(&mut self, root: u64, key: &[u8]) -> Result<(u64, Option<OldVal>)> {
        if root == 0 || super::view::get(&self.view(), root, key)?.is_none() {
            return Ok((root, None));
        }
        let (page, split, old) = self.remove_rec(root, key, 0)?;
        let mut root = self.grow_root(page, split);
        while root != 0 {
            let next = {
                let view = self.view();
                let node = view.node(root)?;
                let len = node.len()?;
                match (node.is_leaf(root)?, len) {
                    (false, 0) => node.child(0)?,
                    (true, 0) => 0,
                    _ => break,
                }
            };
            self.free_page(root);
            root = next;
        }
        Ok((root, Some(old)))
    }

    #[allow(clippy::type_complexity)]
    fn remove_rec(
        &mut self,
        page_no: u64,
        key: &[u8],
        depth: usize,
    ) -> Result<(u64, Option<(BranchKey, u64)>, OldVal)> {
        if depth > MAX_DEPTH {
            return Err(Error::corruption(format!(
                "tree deeper than {MAX_DEPTH} levels at page {page_no} (cyclic page pointers?)"
            )));
        }
        let p = self.make_dirty(page_no)?;
        let (idx, child) = match self.node_mut(p)? {
            Node::Leaf(leaf) => {
                let i = leaf.search(key).map_err(|_| {
                    Error::corruption(format!("page {page_no}: key found by lookup is missing"))
                })?;
                return Ok((p, None, leaf.remove_at(i)));
            }
            Node::Branch(b) => {
                let idx = b.child_index(key);
                (idx, b.children[idx])
            }
        };
        let (new_child, child_split, old) = self.remove_rec(child, key, depth + 1)?;
        let split_before = self.finish_branch(p, idx, new_child, child_split, false)?;
        if split_before.is_some() {
            return Ok((p, split_before, old));
        }
        self.rebalance(p, idx)?;
        let split = self.finish_oversize(p)?;
        Ok((p, split, old))
    }

    fn finish_oversize(&mut self, p: u64) -> Result<Option<(BranchKey, u64)>> {
        let ps = self.page_size();
        let Node::Branch(b) = self.node_mut(p)? else {
            return Ok(None);
        };
        if b.encoded_size() <= ps {
            return Ok(None);
        }
        let (up, right) = b.split();
        Ok(Some((up, self.add_node(Node::Branch(right)))))
    }

    /// Merges or redistributes child `idx` of branch `p` with a sibling when it is under a quarter full.
    fn rebalance(&mut self, p: u64, idx: usize) -> Result<()> {
        let ps = self.page_size();
        let (left_idx, left, right, sep) = {
            let Node::Branch(b) = self.node_mut(p)? else {
                return Ok(());
            };
            if b.children.len() < 2 {
                return Ok(());
            }
            let child = b.children[idx];
            let left_idx = if idx > 0 { idx - 1 } else { 0 };
            (
                left_idx,
                b.children[left_idx],
                b.children[left_idx + 1],
                child,
            )
        };
        self.node_mut(sep)?;
        let child_size = self
            .dirty
            .nodes
            .get(&sep)
            .map(|n| (n.encoded_size(), node_is_empty(n)))
            .ok_or_else(|| missing(sep))?;
        if child_size.0 >= ps / 4 && !child_size.1 {
            return Ok(());
        }
        let left = self.make_dirty(left)?;
        let right = self.make_dirty(right)?;
        let left_node = self
            .dirty
            .nodes
            .remove(&left)
            .ok_or_else(|| missing(left))?;
        let right_node = self
            .dirty
            .nodes
            .remove(&right)
            .ok_or_else(|| missing(right))?;
        let Node::Branch(b) = self.node_mut(p)? else {
            return Err(Error::corruption(format!(
                "page {p} changed kind during a write"
            )));
        };
        b.children[left_idx] = left;
        b.children[left_idx + 1] = right;
        let separator = b.keys[left_idx].clone();
        let merged = merge_pair(left_node, right_node, separator, ps)?;
        self.dirty.nodes.insert(left, merged.left);
        let Node::Branch(b) = self.node_mut(p)? else {
            return Err(Error::corruption(format!(
                "page {p} changed kind during a write"
            )));
        };
        match merged.right {
            None => {
                b.remove_at(left_idx);
                self.alloc.release_now(right);
            }
            Some((new_sep, node)) => {
                b.set_key(left_idx, new_sep);
                self.dirty.nodes.insert(right, node);
            }
        }
        Ok(())
    }
}

/// The last child of raw branch `raw` (page `page_no`), unless `check_last_key` and `key` sorts
/// at or before the branch's last key (the fast append path of [`TreeMut::insert`]).
fn last_child_after(raw: &[u8], page_no: u64, key: &[u8], check_last_key: bool) -> Option<u64> {
    let page = BranchPage::new(raw, page_no).ok()?;
    let last = page.len();
    if check_last_key && key <= page.key(last - 1).ok()? {
        return None;
    }
    page.child(last).ok()
}

fn node_is_empty(n: &Node) -> bool {
    match n {
        Node::Leaf(l) => l.is_empty(),
        Node::Branch(b) => b.keys.is_empty(),
    }
}

struct Merged {
    left: Node,
    /// None: everything fit in `left`. Some: the new separator and the right node.
    right: Option<(BranchKey, Node)>,
}

/// Joins two siblings; splits them again evenly when the join does not fit in a page.
fn merge_pair(left: Node, right: Node, separator: BranchKey, ps: usize) -> Result<Merged> {
    match (left, right) {
        (Node::Leaf(mut l), Node::Leaf(r)) => {
            l.absorb(r);
            if l.encoded_size() <= ps || l.len() < 2 {
                return Ok(Merged {
                    left: Node::Leaf(l),
                    right: None,
                });
            }
            let r = l.split();
            let sep = BranchKey::from_slice(r.key(0));
            Ok(Merged {
                left: Node::Leaf(l),
                right: Some((sep, Node::Leaf(r))),
            })
        }
        (Node::Branch(mut l), Node::Branch(r)) => {
            l.absorb(separator, r);
            if l.encoded_size() <= ps || l.keys.len() < 3 {
                return Ok(Merged {
                    left: Node::Branch(l),
                    right: None,
                });
            }
            let (up, r) = l.split();
            Ok(Merged {
                left: Node::Branch(l),
                right: Some((up, Node::Branch(r))),
            })
        }
        _ => Err(Error::corruption(
            "sibling pages are of different kinds (a leaf beside a branch)",
        )),
    }
}
