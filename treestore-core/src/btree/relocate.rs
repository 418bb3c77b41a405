//! Moving a tree out of the top of the file: every page at or above a limit (tree pages and the
//! overflow pages of values) is copied into a page the allocator hands out, lowest free first, and
//! every branch on the way to a moved page is copied too, so its pointer can change. The originals
//! are freed like any copy-on-write original. Shrinking the file at close is built on this (see
//! `crate::db::shrink`).

use super::node::Node;
use super::page::{read_overflow, OVERFLOW_DATA_START};
use super::view::{read_overflow_chain, NodeSource, NodeView, ValueLoc, MAX_DEPTH};
use super::write::TreeMut;
use crate::error::{Error, Result};

impl TreeMut<'_> {
    /// Relocates every page of the tree at `root` that lies at or above `limit`; returns the new
    /// root (the old one when nothing had to move).
    pub(crate) fn relocate(&mut self, root: u64, limit: u64) -> Result<u64> {
        if root == 0 {
            return Ok(0);
        }
        self.relocate_node(root, limit, 0)
    }

    fn relocate_node(&mut self, page_no: u64, limit: u64, depth: usize) -> Result<u64> {
        if depth > MAX_DEPTH {
            return Err(Error::corruption(format!(
                "page {page_no}: the tree is deeper than {MAX_DEPTH} levels (a cycle?)"
            )));
        }
        if self.view().node(page_no)?.is_leaf(page_no)? {
            self.relocate_leaf(page_no, limit)
        } else {
            self.relocate_branch(page_no, limit, depth)
        }
    }

    fn relocate_branch(&mut self, page_no: u64, limit: u64, depth: usize) -> Result<u64> {
        let children: Vec<u64> = {
            let view = self.view();
            let node = view.node(page_no)?;
            (0..=node.len()?)
                .map(|i| node.child(i))
                .collect::<Result<_>>()?
        };
        let mut moved = Vec::new();
        for (i, &child) in children.iter().enumerate() {
            let new = self.relocate_node(child, limit, depth + 1)?;
            if new != child {
                moved.push((i, new));
            }
        }
        if moved.is_empty() && page_no < limit {
            return Ok(page_no);
        }
        let new = self.make_dirty(page_no)?;
        let Node::Branch(branch) = self.node_mut(new)? else {
            return Err(Error::corruption(format!(
                "page {page_no}: expected a branch"
            )));
        };
        for (i, child) in moved {
            branch.children[i] = child;
        }
        Ok(new)
    }

    fn relocate_leaf(&mut self, page_no: u64, limit: u64) -> Result<u64> {
        let values = self.overflow_values_above(page_no, limit)?;
        if values.is_empty() && page_no < limit {
            return Ok(page_no);
        }
        let new = self.make_dirty(page_no)?;
        for (i, key_len, bytes) in values {
            let val = self.make_value(key_len, &bytes);
            let Node::Leaf(leaf) = self.node_mut(new)? else {
                return Err(Error::corruption(format!(
                    "page {page_no}: expected a leaf"
                )));
            };
            let old = leaf.replace_at(i, val);
            self.drop_value(old)?;
        }
        Ok(new)
    }

    /// The values of leaf `page_no` whose overflow chain has a page at or above `limit`: (entry
    /// index, key length, the value's bytes).
    fn overflow_values_above(
        &self,
        page_no: u64,
        limit: u64,
    ) -> Result<Vec<(usize, usize, Vec<u8>)>> {
        let view = self.view();
        let node: NodeView<'_> = view.node(page_no)?;
        let mut out = Vec::new();
        for i in 0..node.len()? {
            let (key, loc) = node.leaf_entry(i)?;
            let ValueLoc::Overflow { first, len } = loc else {
                continue;
            };
            if chain_reaches(&view, first, len, limit)? {
                let bytes = read_overflow_chain(&view, first, len)?;
                out.push((i, key.len(), bytes));
            }
        }
        Ok(out)
    }
}

/// Whether the overflow chain of `len` bytes at `first` has a page at or above `limit`.
fn chain_reaches<'a, S: NodeSource<'a>>(src: &S, first: u64, len: u64, limit: u64) -> Result<bool> {
    let cap = (src.page_size() - OVERFLOW_DATA_START) as u64;
    let mut page_no = first;
    for _ in 0..len.div_ceil(cap).max(1) {
        if page_no >= limit {
            return Ok(true);
        }
        let page = src.raw_page(page_no)?;
        let next = read_overflow(&page, page_no)?.1;
        if next == 0 {
            break;
        }
        page_no = next;
    }
    Ok(false)
}
