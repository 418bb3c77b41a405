//! Buffers of decoded nodes kept from one write transaction for the next.
//!
//! A small commit copies a few dozen committed pages into decoded nodes (a leaf reserves two pages
//! of bytes) and drops them all at commit. Allocating and freeing those page-sized buffers was a
//! fifth of a small commit's CPU time (glibc consolidates its free lists on every large request),
//! so the writer keeps up to [`POOL_NODES`] emptied leaves and branches and decodes into them.

use super::node::{Branch, Leaf, Node};

/// Emptied nodes of each kind kept at most.
pub(crate) const POOL_NODES: usize = 64;

/// Emptied leaves and branches whose buffers the next decode reuses.
#[derive(Default)]
pub(crate) struct NodePool {
    leaves: Vec<Leaf>,
    branches: Vec<Branch>,
    /// Page buffers of raw branch copies ([`super::raw_branch`]).
    pages: Vec<Box<[u8]>>,
}

impl NodePool {
    /// An empty leaf, with a recycled buffer when there is one.
    pub(crate) fn leaf(&mut self) -> Leaf {
        self.leaves.pop().unwrap_or_default()
    }

    /// An empty branch, with recycled buffers when there are some.
    pub(crate) fn branch(&mut self) -> Branch {
        self.branches.pop().unwrap_or_default()
    }

    /// `page` in a recycled page buffer when one of its length is kept, else in a new one.
    pub(crate) fn page_copy(&mut self, page: &[u8]) -> Box<[u8]> {
        match self.pages.pop() {
            Some(mut buf) if buf.len() == page.len() => {
                buf.copy_from_slice(page);
                buf
            }
            _ => page.into(),
        }
    }

    /// Keeps a page buffer for [`NodePool::page_copy`] unless the pool holds enough.
    pub(crate) fn recycle_page(&mut self, page: Box<[u8]>) {
        if self.pages.len() < POOL_NODES {
            self.pages.push(page);
        }
    }

    /// Keeps `node`'s buffers for a later decode, emptied; drops it when the pool is full or its
    /// buffers are larger than a decode of a `page_size` page needs (a bulk load's leaves).
    pub(crate) fn recycle(&mut self, node: Node, page_size: usize) {
        match node {
            Node::Leaf(mut leaf) => {
                if self.leaves.len() < POOL_NODES && leaf.capacity_bytes() <= 4 * page_size {
                    leaf.clear();
                    self.leaves.push(leaf);
                }
            }
            Node::Branch(mut branch) => {
                if self.branches.len() < POOL_NODES && branch.capacity_keys() <= page_size / 8 {
                    branch.clear();
                    self.branches.push(branch);
                }
            }
        }
    }

    /// Nodes held (for tests).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.leaves.len() + self.branches.len() + self.pages.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btree::page::{decode_node, decode_node_with, encode_node, ValRef};

    fn leaf(n: usize, seed: u8) -> Leaf {
        let mut l = Leaf::default();
        for i in 0..n {
            let key = format!("key-{seed}-{i:05}");
            l.push(key.as_bytes(), ValRef::Inline(&[seed; 40]));
        }
        l
    }

    fn branch(n: usize, seed: u8) -> Branch {
        let mut b = Branch::with_first_child(1000);
        for i in 0..n {
            b.push(format!("sep-{seed}-{i:05}").into_bytes(), 1001 + i as u64);
        }
        b
    }

    /// Decoding into a recycled node (which held other entries before) gives the node a fresh
    /// decode gives: the same page when encoded again, for leaves and branches of every size.
    #[test]
    fn a_recycled_node_decodes_like_a_fresh_one() {
        let ps = 4096;
        let mut pool = NodePool::default();
        for round in 0..6u8 {
            // Fill the pool with nodes of other sizes and contents first.
            for n in [3usize, 60, 1] {
                pool.recycle(Node::Leaf(leaf(n, round + 50)), ps);
                pool.recycle(Node::Branch(branch(n, round + 50)), ps);
            }
            for n in [1usize, 7, 25, 45] {
                for node in [Node::Leaf(leaf(n, round)), Node::Branch(branch(n, round))] {
                    let page = encode_node(&node, 9, ps);
                    let fresh = decode_node(&page, 9).unwrap();
                    let reused = decode_node_with(&page, 9, &mut pool).unwrap();
                    assert_eq!(encode_node(&reused, 9, ps), page);
                    assert_eq!(encode_node(&fresh, 9, ps), page);
                    assert_eq!(reused.encoded_size(), fresh.encoded_size());
                    pool.recycle(reused, ps);
                }
            }
        }
    }

    /// The pool keeps at most `POOL_NODES` of each kind and drops oversized buffers.
    #[test]
    fn the_pool_stays_bounded() {
        let ps = 4096;
        let mut pool = NodePool::default();
        for _ in 0..3 * POOL_NODES {
            pool.recycle(Node::Leaf(leaf(2, 1)), ps);
            pool.recycle(Node::Branch(branch(2, 1)), ps);
        }
        assert_eq!(pool.len(), 2 * POOL_NODES);
        let mut big = NodePool::default();
        big.recycle(Node::Leaf(leaf(2000, 1)), ps);
        big.recycle(Node::Branch(branch(2000, 1)), ps);
        assert_eq!(big.len(), 0);
        let mut pages = NodePool::default();
        for i in 0..2 * POOL_NODES {
            let copy = pages.page_copy(&[i as u8; 64]);
            assert_eq!(*copy, [i as u8; 64]);
            pages.recycle_page(copy);
            pages.recycle_page(vec![0; 64].into());
        }
        assert_eq!(pages.len(), POOL_NODES);
        // A kept buffer of another length is not handed out for a page.
        assert_eq!(pages.page_copy(&[9u8; 32]).len(), 32);
    }
}
