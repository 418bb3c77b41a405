//! Copy-on-write of a branch page as raw bytes: an insert that only changes which page a branch
//! points at copies the committed page and patches the one child number, instead of decoding
//! every key of the branch and encoding them again at commit.
//!
//! A small commit passes through a branch on every level of every tree it touches, and almost
//! always leaves it with the same keys (only a child split adds one); decoding and re-encoding
//! those branches was about a fifth of a tool-result store's instructions. The raw copy lives in
//! [`DirtySet::raw`](super::write::DirtySet) until anything else touches the branch (a split below
//! it, a removal, a rebalance, a relocation): [`TreeMut::node_mut`] and [`TreeMut::make_dirty`]
//! then decode it into a [`Node::Branch`](super::node::Node) and the usual path takes over. At
//! commit the copy gets its new page number and checksum: the page that decoding, patching and
//! encoding would give, byte for byte (checked by the tests below and in `db/tests_raw_branch.rs`).

use super::page::{page_kind, BranchPage};
use super::write::TreeMut;
use crate::error::{Error, Result};
use crate::storage::delta::Touched;
use crate::storage::format::{seal_page, write_u64, PageKind};

/// Writes the raw branch `raw` as page `page_no` into `page` (a whole page) and seals it.
pub(crate) fn encode_raw_branch(raw: &[u8], page_no: u64, page: &mut [u8]) {
    page.copy_from_slice(raw);
    renumber(page, page_no);
}

/// Makes `page`, a copy of a raw branch, page `page_no`, and seals it.
pub(crate) fn renumber(page: &mut [u8], page_no: u64) {
    write_u64(page, 8, page_no);
    seal_page(page);
}

/// Points child `i` of the raw branch `raw` (dirty page `page_no`) at `child`; returns the offset
/// of the 8 bytes written.
fn set_child(raw: &mut [u8], page_no: u64, i: usize, child: u64) -> Result<usize> {
    let at = BranchPage::new(raw, page_no)?.child_at(i)?;
    write_u64(raw, at, child);
    Ok(at)
}

/// Which child of a raw branch a descent takes.
pub(super) struct RawStep {
    pub idx: usize,
    pub child: u64,
    /// The branch's key count (the index of its last child).
    pub last: usize,
}

impl TreeMut<'_> {
    /// Makes `page_no` writable for an insert's descent: a committed branch becomes a raw copy
    /// (see the module doc), anything else what [`TreeMut::make_dirty`] makes it.
    pub(super) fn make_dirty_for_insert(&mut self, page_no: u64) -> Result<u64> {
        if self.dirty.nodes.contains_key(&page_no) || self.dirty.raw.contains_key(&page_no) {
            return Ok(page_no);
        }
        if !super::write::raw_branch_cow() {
            return self.make_dirty(page_no);
        }
        let raw: Box<[u8]> = {
            let page = self.pager.page(self.map, page_no)?;
            if page_kind(&page, page_no)? != PageKind::Branch {
                drop(page);
                return self.make_dirty(page_no);
            }
            // Checks the key count and slot area as a decode would before the copy is trusted.
            BranchPage::new(&page, page_no)?;
            self.dirty.pool.page_copy(&page)
        };
        self.dirty.freed.push(page_no);
        let p = self.allocate();
        self.dirty.raw.insert(p, raw);
        // At commit the copy gets its page number and checksum: the header block changes.
        self.dirty.raw_touched.insert(p, Touched::HEADER);
        self.dirty.sources.insert(p, page_no);
        Ok(p)
    }

    /// The child of raw branch `p` whose range holds `key`, when `p` is a raw branch.
    pub(super) fn raw_step(&self, p: u64, key: &[u8]) -> Result<Option<RawStep>> {
        let Some(raw) = self.dirty.raw.get(&p) else {
            return Ok(None);
        };
        let page = BranchPage::new(raw, p)?;
        let idx = page.child_index(key)?;
        Ok(Some(RawStep {
            idx,
            child: page.child(idx)?,
            last: page.len(),
        }))
    }

    /// Points child `idx` of raw branch `p` at `child`.
    pub(super) fn set_raw_child(&mut self, p: u64, idx: usize, child: u64) -> Result<()> {
        let raw = self
            .dirty
            .raw
            .get_mut(&p)
            .ok_or_else(|| Error::corruption(format!("raw branch {p} vanished")))?;
        let at = set_child(raw, p, idx, child)?;
        // A page without an entry is compared whole, so the entry is only ever widened.
        if let Some(t) = self.dirty.raw_touched.get_mut(&p) {
            t.mark(at, 8);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btree::node::{Branch, Node};
    use crate::btree::page::{decode_node, encode_node};

    fn branch(n: usize, key_len: usize) -> Branch {
        let mut b = Branch::with_first_child(500);
        for i in 0..n {
            let mut key = format!("{i:06}").into_bytes();
            key.resize(key_len.max(6), b'k');
            b.push(key, 501 + i as u64);
        }
        b
    }

    /// Patching a child of a raw copy and re-numbering it gives the page that decoding, setting
    /// the child and encoding give, for every child of branches of several shapes.
    #[test]
    fn a_raw_patch_matches_decode_and_encode() {
        let ps = 4096;
        for (n, key_len) in [(1, 6), (2, 30), (40, 12), (90, 20), (30, 60), (8, 200)] {
            let committed = encode_node(&Node::Branch(branch(n, key_len)), 7, ps);
            for idx in 0..=n {
                let mut raw = committed.clone();
                set_child(&mut raw, 9, idx, 12_345 + idx as u64).unwrap();
                let mut fast = vec![0u8; ps];
                encode_raw_branch(&raw, 9, &mut fast);
                let Node::Branch(mut b) = decode_node(&committed, 7).unwrap() else {
                    panic!("decoded a leaf");
                };
                b.children[idx] = 12_345 + idx as u64;
                assert_eq!(
                    fast,
                    encode_node(&Node::Branch(b), 9, ps),
                    "n {n} idx {idx}"
                );
            }
            assert!(set_child(&mut committed.clone(), 9, n + 1, 1).is_err());
        }
    }
}
