//! The on-disk layout of B+tree pages: validating readers over page bytes (zero-copy, used by every
//! lookup and scan) and encoders that turn a decoded [`Node`] back into a page.
//!
//! Leaf page, after the common 16-byte header (count = number of entries):
//!
//! | offset           | size      | field                                                 |
//! |------------------|-----------|-------------------------------------------------------|
//! | 16               | 12 × count | slots, ascending keys: entry offset from the page start (4), key prefix (8) |
//! | entry + 0        | 4         | key length                                            |
//! | entry + 4        | 4         | value length; bit 31 set: the value is an overflow ref |
//! | entry + 8        | key len   | key bytes                                             |
//! | then             | val len   | value bytes, or 16 bytes: first overflow page, length |
//!
//! Branch page (count = number of keys, children = count + 1):
//!
//! | offset      | size      | field                                                     |
//! |-------------|-----------|-----------------------------------------------------------|
//! | 16          | 8         | child 0 (every key below key 0)                           |
//! | 24          | 12 × count | slots: key entry offset (4), key prefix (8)              |
//! | entry + 0   | 4         | key length                                                |
//! | entry + 4   | key len   | key i: the smallest key of child i + 1                    |
//! | then        | 8         | child i + 1                                               |
//!
//! Header byte 1 of a leaf or branch page is `shared`: how many leading bytes every key of the
//! page has in common (at most 255; 0 for an empty leaf). A slot's key prefix is the 8 bytes of
//! its key *after* those shared bytes as a big-endian integer, zero padded
//! ([`prefix_of`]). Store keys start with a table's tuple prefix (a
//! version id, a policy), so prefixes of whole keys would tie across a page and every search step
//! would read key bytes elsewhere in the page; past the shared bytes they tell keys apart. A
//! search compares the searched key with key 0's shared bytes once (outside them, the key sorts
//! before or after the whole page), then compares slot prefixes and reads a key's bytes only when
//! two prefixes tie, so each step of a binary search touches one slot. A prefix that disagrees
//! with its key, or a key without the shared bytes, is corruption ([`LeafPage::decode`],
//! [`BranchPage::decode`], and so the integrity check, report it).
//!
//! Overflow page: bytes 16..24 the next overflow page (0 ends the chain), 24..28 the data length in
//! this page, data from 28.

use super::branch_key::BranchKey;
use super::keycmp::{cmp_keys, prefix_of};
use super::node::{Branch, Leaf, Node};
use super::pool::NodePool;
use crate::error::{Error, Result};
use crate::storage::format::{
    init_page_header, read_u16, read_u32, read_u64, seal_page, write_u32, write_u64, PageKind,
    PAGE_HEADER_LEN,
};

const OVERFLOW_FLAG: u32 = 1 << 31;
/// Bytes an overflow reference takes in a leaf entry.
pub(crate) const OVERFLOW_REF_LEN: usize = 16;
/// Per-entry bytes a leaf spends beside key and value: the slot and the two lengths.
pub(crate) const LEAF_ENTRY_OVERHEAD: usize = 20;
/// Per-key bytes a branch spends beside the key: slot, length, child.
pub(crate) const BRANCH_ENTRY_OVERHEAD: usize = 24;
/// Bytes of one slot (entry offset and key prefix) in a leaf or branch page.
const SLOT_LEN: usize = 12;
/// Where a branch page's slots start (after child 0).
const BRANCH_SLOTS: usize = PAGE_HEADER_LEN + 8;
/// Data bytes of an overflow page start here.
pub(crate) const OVERFLOW_DATA_START: usize = 28;
/// Header byte of a tree page that holds its keys' shared length.
const SHARED_AT: usize = 1;

/// Where a searched key falls against the bytes every key of a page starts with.
enum Place {
    /// Before every key of the page.
    Before,
    /// After every key of the page.
    After,
    /// Among them.
    Within,
}

fn place(key: &[u8], shared: &[u8]) -> Place {
    let n = shared.len().min(key.len());
    match key[..n].cmp(&shared[..n]) {
        std::cmp::Ordering::Less => Place::Before,
        std::cmp::Ordering::Greater => Place::After,
        std::cmp::Ordering::Equal if key.len() < shared.len() => Place::Before,
        std::cmp::Ordering::Equal => Place::Within,
    }
}

/// The length of the prefix `first` and `last` (a page's smallest and largest keys, so every key
/// between them too) share, capped to what the header byte holds.
fn shared_len(first: &[u8], last: &[u8]) -> usize {
    first
        .iter()
        .zip(last)
        .take(usize::from(u8::MAX))
        .take_while(|(a, b)| a == b)
        .count()
}

/// The bytes after the first `shared` of key `i` of page `page_no` (corruption if it is shorter).
fn suffix(key: &[u8], shared: usize, page_no: u64, i: usize) -> Result<&[u8]> {
    key.get(shared..).ok_or_else(|| {
        bad(
            page_no,
            format!("key {i} is shorter than the {shared} bytes the page's keys share"),
        )
    })
}

/// A stored value as a page holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValRef<'a> {
    Inline(&'a [u8]),
    Overflow { first: u64, len: u64 },
}

fn bad(page_no: u64, what: impl std::fmt::Display) -> Error {
    Error::corruption(format!("page {page_no}: {what}"))
}

/// The kind of a verified data page.
pub(crate) fn page_kind(page: &[u8], page_no: u64) -> Result<PageKind> {
    PageKind::from_byte(page[0]).ok_or_else(|| bad(page_no, "unknown page kind"))
}

/// Bounds-checked view of a leaf page.
#[derive(Clone, Copy)]
pub(crate) struct LeafPage<'a> {
    page: &'a [u8],
    page_no: u64,
    count: usize,
    /// Leading bytes every key shares.
    shared: usize,
}

impl<'a> LeafPage<'a> {
    #[inline]
    pub(crate) fn new(page: &'a [u8], page_no: u64) -> Result<LeafPage<'a>> {
        let count = read_u16(page, 2) as usize;
        if PAGE_HEADER_LEN + count * SLOT_LEN > page.len() {
            return Err(bad(
                page_no,
                format!("leaf entry count {count} overruns the page"),
            ));
        }
        Ok(LeafPage {
            page,
            page_no,
            count,
            shared: usize::from(page[SHARED_AT]),
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.count
    }

    #[inline]
    fn slice(&self, at: usize, len: usize) -> Result<&'a [u8]> {
        self.page.get(at..at.saturating_add(len)).ok_or_else(|| {
            bad(
                self.page_no,
                format!("entry bytes {at}+{len} overrun the page"),
            )
        })
    }

    #[inline]
    fn entry_start(&self, i: usize) -> Result<usize> {
        let at = read_u32(self.page, PAGE_HEADER_LEN + i * SLOT_LEN) as usize;
        if at + 8 > self.page.len() {
            return Err(bad(
                self.page_no,
                format!("entry {i} offset {at} overruns the page"),
            ));
        }
        Ok(at)
    }

    /// The stored prefix of key `i` (< `len()`, whose slot `new` checked lies inside the page).
    fn prefix(&self, i: usize) -> u64 {
        read_u64(self.page, PAGE_HEADER_LEN + i * SLOT_LEN + 4)
    }

    pub(crate) fn key(&self, i: usize) -> Result<&'a [u8]> {
        let at = self.entry_start(i)?;
        let klen = read_u32(self.page, at) as usize;
        self.slice(at + 8, klen)
    }

    #[inline]
    pub(crate) fn entry(&self, i: usize) -> Result<(&'a [u8], ValRef<'a>)> {
        let at = self.entry_start(i)?;
        let klen = read_u32(self.page, at) as usize;
        let vword = read_u32(self.page, at + 4);
        let key = self.slice(at + 8, klen)?;
        let vat = at + 8 + klen;
        let val = if vword & OVERFLOW_FLAG != 0 {
            let r = self.slice(vat, OVERFLOW_REF_LEN)?;
            ValRef::Overflow {
                first: read_u64(r, 0),
                len: read_u64(r, 8),
            }
        } else {
            ValRef::Inline(self.slice(vat, vword as usize)?)
        };
        Ok((key, val))
    }

    /// Key `i` without the bytes every key of the page shares.
    fn key_suffix(&self, i: usize) -> Result<&'a [u8]> {
        suffix(self.key(i)?, self.shared, self.page_no, i)
    }

    /// `Ok(i)` when entry `i` has `key`, `Err(i)` where it would be inserted.
    pub(crate) fn search(&self, key: &[u8]) -> Result<std::result::Result<usize, usize>> {
        if self.count == 0 {
            return Ok(Err(0));
        }
        // Search by the bytes after the shared ones; whether `key` has the shared bytes at all
        // is checked afterwards, against the key where the search ended (the entry read next).
        super::prefetch::prefetch(
            &self.page[PAGE_HEADER_LEN..PAGE_HEADER_LEN + self.count * SLOT_LEN],
        );
        let rest = key.get(self.shared..).unwrap_or_default();
        let p = prefix_of(rest);
        let (mut lo, mut hi) = (0, self.count);
        let found = loop {
            if lo >= hi {
                break Err(lo);
            }
            let mid = (lo + hi) / 2;
            let sp = self.prefix(mid);
            let ord = match sp.cmp(&p) {
                std::cmp::Ordering::Equal => cmp_keys(sp, self.key_suffix(mid)?, p, rest),
                other => other,
            };
            match ord {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => break Ok(mid),
            }
        };
        let near = match found {
            Ok(i) | Err(i) => i.min(self.count - 1),
        };
        let shared = shared_bytes(self.key(near)?, self.shared, self.page_no)?;
        Ok(match place(key, shared) {
            Place::Before => Err(0),
            Place::After => Err(self.count),
            Place::Within => found,
        })
    }

    pub(crate) fn decode(&self) -> Result<Leaf> {
        self.decode_into(Leaf::default())
    }

    /// Decodes into `leaf`, which must be empty (its buffers are reused).
    pub(crate) fn decode_into(&self, mut leaf: Leaf) -> Result<Leaf> {
        // Room for the page's bytes and the insert that overflows it, without growing.
        leaf.reserve(2 * self.page.len(), self.count + 8);
        let mut shared: &[u8] = &[];
        for i in 0..self.count {
            let (k, v) = self.entry(i)?;
            if i == 0 {
                shared = shared_bytes(k, self.shared, self.page_no)?;
            }
            check_prefix(self.prefix(i), k, shared, self.page_no, i)?;
            leaf.push(k, v);
        }
        Ok(leaf)
    }
}

/// Bounds-checked view of a branch page.
#[derive(Clone, Copy)]
pub(crate) struct BranchPage<'a> {
    page: &'a [u8],
    page_no: u64,
    count: usize,
    /// Leading bytes every key shares.
    shared: usize,
}

impl<'a> BranchPage<'a> {
    pub(crate) fn new(page: &'a [u8], page_no: u64) -> Result<BranchPage<'a>> {
        let count = read_u16(page, 2) as usize;
        if count == 0 || BRANCH_SLOTS + count * SLOT_LEN > page.len() {
            return Err(bad(page_no, format!("branch key count {count} is invalid")));
        }
        Ok(BranchPage {
            page,
            page_no,
            count,
            shared: usize::from(page[SHARED_AT]),
        })
    }

    /// Number of keys; there is one child more.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    fn key_entry(&self, i: usize) -> Result<(usize, usize)> {
        let at = read_u32(self.page, BRANCH_SLOTS + i * SLOT_LEN) as usize;
        if at + 4 > self.page.len() {
            return Err(bad(
                self.page_no,
                format!("branch key {i} offset {at} overruns the page"),
            ));
        }
        let klen = read_u32(self.page, at) as usize;
        if at + 4 + klen + 8 > self.page.len() {
            return Err(bad(
                self.page_no,
                format!("branch key {i} overruns the page"),
            ));
        }
        Ok((at + 4, klen))
    }

    /// The stored prefix of key `i` (< `len()`, whose slot `new` checked lies inside the page).
    fn prefix(&self, i: usize) -> u64 {
        read_u64(self.page, BRANCH_SLOTS + i * SLOT_LEN + 4)
    }

    pub(crate) fn key(&self, i: usize) -> Result<&'a [u8]> {
        let (at, klen) = self.key_entry(i)?;
        Ok(&self.page[at..at + klen])
    }

    pub(crate) fn child(&self, i: usize) -> Result<u64> {
        Ok(read_u64(self.page, self.child_at(i)?))
    }

    /// Where child `i`'s page number sits in the page (8 bytes, little-endian).
    pub(crate) fn child_at(&self, i: usize) -> Result<usize> {
        if i == 0 {
            return Ok(PAGE_HEADER_LEN);
        }
        if i > self.count {
            return Err(bad(self.page_no, format!("branch child {i} out of range")));
        }
        let (at, klen) = self.key_entry(i - 1)?;
        Ok(at + klen)
    }

    /// The child whose key range holds `key`.
    pub(crate) fn child_index(&self, key: &[u8]) -> Result<usize> {
        // As in `LeafPage::search`: the shared bytes are checked after the search, against the
        // key whose entry holds the child found (read next anyway).
        // The search's steps each read a slot chosen by the last one: ask for them all at once.
        super::prefetch::prefetch(&self.page[BRANCH_SLOTS..BRANCH_SLOTS + self.count * SLOT_LEN]);
        let rest = key.get(self.shared..).unwrap_or_default();
        let p = prefix_of(rest);
        let (mut lo, mut hi) = (0, self.count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let sp = self.prefix(mid);
            let ord = match sp.cmp(&p) {
                std::cmp::Ordering::Equal => cmp_keys(
                    sp,
                    suffix(self.key(mid)?, self.shared, self.page_no, mid)?,
                    p,
                    rest,
                ),
                other => other,
            };
            if ord.is_le() {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let shared = shared_bytes(self.key(lo.saturating_sub(1))?, self.shared, self.page_no)?;
        Ok(match place(key, shared) {
            Place::Before => 0,
            Place::After => self.count,
            Place::Within => lo,
        })
    }

    /// The child whose key range holds `key`.
    pub(crate) fn child_for(&self, key: &[u8]) -> Result<u64> {
        self.child(self.child_index(key)?)
    }

    pub(crate) fn decode(&self) -> Result<Branch> {
        self.decode_into(Branch::default())
    }

    /// Decodes into `branch`, whose buffers are reused.
    pub(crate) fn decode_into(&self, mut branch: Branch) -> Result<Branch> {
        branch.reset(self.child(0)?, self.count);
        let shared = shared_bytes(self.key(0)?, self.shared, self.page_no)?;
        for i in 0..self.count {
            let key = self.key(i)?;
            check_prefix(self.prefix(i), key, shared, self.page_no, i)?;
            branch.push(BranchKey::from_slice(key), self.child(i + 1)?);
        }
        Ok(branch)
    }
}

/// Key 0's first `shared` bytes: the bytes every key of the page must start with.
fn shared_bytes(key0: &[u8], shared: usize, page_no: u64) -> Result<&[u8]> {
    key0.get(..shared)
        .ok_or_else(|| bad(page_no, "key 0 is shorter than the shared key bytes"))
}

/// Checks that key `i` starts with the page's `shared` bytes and that its slot's prefix is the
/// prefix of the rest.
fn check_prefix(stored: u64, key: &[u8], shared: &[u8], page_no: u64, i: usize) -> Result<()> {
    if !key.starts_with(shared) {
        return Err(bad(
            page_no,
            format!("key {i} lacks the bytes the page's keys share"),
        ));
    }
    if stored != prefix_of(&key[shared.len()..]) {
        return Err(bad(
            page_no,
            format!("slot {i}: key prefix disagrees with the key"),
        ));
    }
    Ok(())
}

/// Decodes any tree page (leaf or branch).
pub(crate) fn decode_node(page: &[u8], page_no: u64) -> Result<Node> {
    match page_kind(page, page_no)? {
        PageKind::Leaf => Ok(Node::Leaf(LeafPage::new(page, page_no)?.decode()?)),
        PageKind::Branch => Ok(Node::Branch(BranchPage::new(page, page_no)?.decode()?)),
        other => Err(bad(
            page_no,
            format!("expected a tree page, found {other:?}"),
        )),
    }
}

/// [`decode_node`] into buffers taken from `pool`.
pub(crate) fn decode_node_with(page: &[u8], page_no: u64, pool: &mut NodePool) -> Result<Node> {
    match page_kind(page, page_no)? {
        PageKind::Leaf => Ok(Node::Leaf(
            LeafPage::new(page, page_no)?.decode_into(pool.leaf())?,
        )),
        PageKind::Branch => Ok(Node::Branch(
            BranchPage::new(page, page_no)?.decode_into(pool.branch())?,
        )),
        other => Err(bad(
            page_no,
            format!("expected a tree page, found {other:?}"),
        )),
    }
}

/// Encodes a node into a sealed page of `page_size` bytes.
#[cfg(test)]
pub(crate) fn encode_node(node: &Node, page_no: u64, page_size: usize) -> Vec<u8> {
    let mut page = vec![0u8; page_size];
    encode_node_into(node, page_no, &mut page);
    page
}

/// Encodes a node into `page` (zeroed, a whole page) and seals it.
pub(crate) fn encode_node_into(node: &Node, page_no: u64, page: &mut [u8]) {
    match node {
        Node::Leaf(leaf) => encode_leaf(leaf, page_no, page),
        Node::Branch(branch) => encode_branch(branch, page_no, page),
    }
    seal_page(page);
}

fn encode_leaf(leaf: &Leaf, page_no: u64, page: &mut [u8]) {
    init_page_header(page, PageKind::Leaf, leaf.len() as u16, page_no);
    let shared = match leaf.len() {
        0 => 0,
        n => shared_len(leaf.key(0), leaf.key(n - 1)),
    };
    page[SHARED_AT] = shared as u8;
    let mut at = PAGE_HEADER_LEN + leaf.len() * SLOT_LEN;
    for (i, (key, val)) in leaf.iter().enumerate() {
        let slot = PAGE_HEADER_LEN + i * SLOT_LEN;
        write_u32(page, slot, at as u32);
        write_u64(page, slot + 4, prefix_of(&key[shared..]));
        write_u32(page, at, key.len() as u32);
        page[at + 8..at + 8 + key.len()].copy_from_slice(key);
        let vat = at + 8 + key.len();
        match val {
            ValRef::Inline(v) => {
                write_u32(page, at + 4, v.len() as u32);
                page[vat..vat + v.len()].copy_from_slice(v);
                at = vat + v.len();
            }
            ValRef::Overflow { first, len } => {
                write_u32(page, at + 4, OVERFLOW_FLAG | OVERFLOW_REF_LEN as u32);
                write_u64(page, vat, first);
                write_u64(page, vat + 8, len);
                at = vat + OVERFLOW_REF_LEN;
            }
        }
    }
}

fn encode_branch(branch: &Branch, page_no: u64, page: &mut [u8]) {
    init_page_header(page, PageKind::Branch, branch.keys.len() as u16, page_no);
    let shared = match (branch.keys.first(), branch.keys.last()) {
        (Some(first), Some(last)) => shared_len(first, last),
        _ => 0,
    };
    page[SHARED_AT] = shared as u8;
    write_u64(page, PAGE_HEADER_LEN, branch.children[0]);
    let mut at = BRANCH_SLOTS + branch.keys.len() * SLOT_LEN;
    for (i, key) in branch.keys.iter().enumerate() {
        let slot = BRANCH_SLOTS + i * SLOT_LEN;
        write_u32(page, slot, at as u32);
        write_u64(page, slot + 4, prefix_of(&key[shared..]));
        write_u32(page, at, key.len() as u32);
        page[at + 4..at + 4 + key.len()].copy_from_slice(key);
        write_u64(page, at + 4 + key.len(), branch.children[i + 1]);
        at += 4 + key.len() + 8;
    }
}

/// Builds a sealed overflow page holding `data` (at most the page's capacity) and linking to `next`.
pub(crate) fn encode_overflow(data: &[u8], next: u64, page_no: u64, page_size: usize) -> Vec<u8> {
    let mut page = vec![0u8; page_size];
    init_page_header(&mut page, PageKind::Overflow, 0, page_no);
    write_u64(&mut page, PAGE_HEADER_LEN, next);
    write_u32(&mut page, 24, data.len() as u32);
    page[OVERFLOW_DATA_START..OVERFLOW_DATA_START + data.len()].copy_from_slice(data);
    seal_page(&mut page);
    page
}

/// Reads an overflow page: its data and the next page of the chain.
pub(crate) fn read_overflow(page: &[u8], page_no: u64) -> Result<(&[u8], u64)> {
    if page_kind(page, page_no)? != PageKind::Overflow {
        return Err(bad(page_no, "expected an overflow page"));
    }
    let next = read_u64(page, PAGE_HEADER_LEN);
    let len = read_u32(page, 24) as usize;
    let data = page
        .get(OVERFLOW_DATA_START..OVERFLOW_DATA_START.saturating_add(len))
        .ok_or_else(|| bad(page_no, format!("overflow length {len} overruns the page")))?;
    Ok((data, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_round_trips_through_a_page() {
        let mut leaf = Leaf::default();
        leaf.push(b"apple", ValRef::Inline(b"red"));
        leaf.push(
            b"banana",
            ValRef::Overflow {
                first: 9,
                len: 70000,
            },
        );
        leaf.push(b"cherry", ValRef::Inline(&[]));
        let page = encode_node(&Node::Leaf(leaf.clone()), 5, 4096);
        crate::storage::format::verify_page(&page, 5).unwrap();
        let view = LeafPage::new(&page, 5).unwrap();
        assert_eq!(view.search(b"banana").unwrap(), Ok(1));
        assert_eq!(view.search(b"b").unwrap(), Err(1));
        assert_eq!(view.search(b"zzz").unwrap(), Err(3));
        assert_eq!(
            view.entry(1).unwrap().1,
            ValRef::Overflow {
                first: 9,
                len: 70000
            }
        );
        let back = view.decode().unwrap();
        assert!(back.iter().eq(leaf.iter()));
        assert_eq!(leaf.encoded_size(), {
            let last = view.entry_start(2).unwrap();
            last + 8 + 6
        });
    }

    #[test]
    fn branch_round_trips_and_routes_keys() {
        let mut branch = Branch::with_first_child(10);
        branch.push(b"m".to_vec(), 11);
        branch.push(b"t".to_vec(), 12);
        let page = encode_node(&Node::Branch(branch.clone()), 6, 1024);
        let view = BranchPage::new(&page, 6).unwrap();
        assert_eq!(view.child_index(b"a").unwrap(), 0);
        assert_eq!(view.child_index(b"m").unwrap(), 1);
        assert_eq!(view.child_index(b"s").unwrap(), 1);
        assert_eq!(view.child_index(b"z").unwrap(), 2);
        assert_eq!(view.child(2).unwrap(), 12);
        let back = view.decode().unwrap();
        assert_eq!(back.keys, branch.keys);
        assert_eq!(back.children, branch.children);
        let mut bad_prefix = page.clone();
        bad_prefix[BRANCH_SLOTS + SLOT_LEN + 4] ^= 1;
        let err = BranchPage::new(&bad_prefix, 6)
            .unwrap()
            .decode()
            .unwrap_err();
        assert!(err.to_string().contains("prefix"), "{err}");
    }

    /// Keys sharing their first bytes, as a store's `(vid, pos)` keys do, every second one.
    fn shared_keys() -> Vec<Vec<u8>> {
        (0..60u32)
            .map(|i| {
                let mut k = b"\x11\0\0\0\0\0\0\x01\x02".to_vec();
                k.extend_from_slice(&(i * 2 + 1).to_be_bytes());
                k
            })
            .collect()
    }

    /// Probes around, between and outside `keys`, including keys shorter than what they share.
    fn probes(keys: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = vec![
            vec![],
            b"\x10zzz".to_vec(),
            b"\x11".to_vec(),
            keys[0][..5].to_vec(),
            keys[0][..12].to_vec(),
            b"\x12".to_vec(),
            vec![0xFF; 20],
        ];
        for k in keys {
            out.push(k.clone());
            let mut less = k.clone();
            *less.last_mut().unwrap() -= 1;
            out.push(less);
            let mut longer = k.clone();
            longer.push(0);
            out.push(longer);
        }
        out
    }

    /// A leaf and a branch holding `keys` (the branch's children numbered from 100).
    fn leaf_and_branch_of(keys: &[Vec<u8>]) -> (Leaf, Branch) {
        let mut leaf = Leaf::default();
        let mut branch = Branch::with_first_child(100);
        for (i, k) in keys.iter().enumerate() {
            leaf.push(k, ValRef::Inline(b"v"));
            branch.push(k.clone(), 101 + i as u64);
        }
        (leaf, branch)
    }

    #[test]
    fn slot_prefixes_skip_the_shared_key_bytes_and_search_like_a_sorted_list() {
        let keys = shared_keys();
        let (leaf, branch) = leaf_and_branch_of(&keys);
        let lpage = encode_node(&Node::Leaf(leaf), 5, 4096);
        let bpage = encode_node(&Node::Branch(branch), 6, 4096);
        // The keys share their 9-byte head and the two high bytes of the u32: 12 bytes.
        assert_eq!(lpage[SHARED_AT], 12);
        assert_eq!(bpage[SHARED_AT], 12);
        let lview = LeafPage::new(&lpage, 5).unwrap();
        let bview = BranchPage::new(&bpage, 6).unwrap();
        lview.decode().unwrap();
        bview.decode().unwrap();
        for probe in probes(&keys) {
            let want = keys.binary_search(&probe);
            assert_eq!(lview.search(&probe).unwrap(), want, "{probe:?}");
            let below = keys.iter().filter(|k| **k <= probe).count();
            assert_eq!(bview.child_index(&probe).unwrap(), below, "{probe:?}");
        }
    }

    #[test]
    fn a_damaged_shared_length_is_corruption_not_a_panic() {
        let keys = shared_keys();
        let (leaf, branch) = leaf_and_branch_of(&keys);
        for (node, no) in [(Node::Leaf(leaf), 5), (Node::Branch(branch), 6)] {
            let page = encode_node(&node, no, 4096);
            // Longer than the keys: every search and decode must fail cleanly.
            let mut long = page.clone();
            long[SHARED_AT] = 200;
            // Shorter than what the keys share: the slots' prefixes no longer match.
            let mut short = page.clone();
            short[SHARED_AT] = 3;
            for bad_page in [&long, &short] {
                match node {
                    Node::Leaf(_) => {
                        let view = LeafPage::new(bad_page, no).unwrap();
                        assert!(view.decode().is_err());
                        for probe in probes(&keys) {
                            let _ = view.search(&probe);
                        }
                    }
                    Node::Branch(_) => {
                        let view = BranchPage::new(bad_page, no).unwrap();
                        assert!(view.decode().is_err());
                        for probe in probes(&keys) {
                            let _ = view.child_index(&probe);
                        }
                    }
                }
            }
            let long_err = match node {
                Node::Leaf(_) => LeafPage::new(&long, no)
                    .unwrap()
                    .search(&keys[3])
                    .unwrap_err(),
                Node::Branch(_) => BranchPage::new(&long, no)
                    .unwrap()
                    .child_index(&keys[3])
                    .unwrap_err(),
            };
            assert!(long_err.to_string().contains("shared"), "{long_err}");
        }
    }

    #[test]
    fn garbage_offsets_are_corruption_not_panics() {
        let mut page = vec![0xFFu8; 1024];
        page[0] = PageKind::Leaf as u8;
        page[2] = 3;
        page[3] = 0;
        // Prefixes that tie with the key searched for, so the search reads the garbage offsets.
        for i in 0..3 {
            write_u64(
                &mut page,
                PAGE_HEADER_LEN + i * SLOT_LEN + 4,
                prefix_of(b"k"),
            );
        }
        let view = LeafPage::new(&page, 4).unwrap();
        assert!(view.entry(0).is_err());
        assert!(view.search(b"k").is_err());
        page[0] = PageKind::Branch as u8;
        let view = BranchPage::new(&page, 4).unwrap();
        assert!(view.child(1).is_err());
    }
}
