//! Named tables and the read operations both transaction kinds offer ([`ReadOps`]).
//!
//! The catalog is itself a B+tree: table name -> (root page u64, entry count u64), little-endian.

use std::ops::Bound;

use crate::btree::view::{NodeSource, RangeIter};
use crate::btree::{Bytes, Finger, LeafSlot};
use crate::error::{Error, Result};

use super::snapshot_memo::SnapshotMemo;

/// Longest table name, in bytes.
pub const MAX_TABLE_NAME: usize = 255;

/// A handle to a named table inside one transaction. Using it in another transaction is an
/// `InvalidArgument` error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    pub(crate) txn: u64,
    pub(crate) idx: u32,
    pub(crate) root: u64,
    pub(crate) len: u64,
}

pub(crate) fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > MAX_TABLE_NAME {
        return Err(Error::invalid(format!(
            "table name must be 1 to {MAX_TABLE_NAME} bytes, got {}",
            name.len()
        )));
    }
    Ok(())
}

pub(crate) fn encode_entry(root: u64, len: u64) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[..8].copy_from_slice(&root.to_le_bytes());
    v[8..].copy_from_slice(&len.to_le_bytes());
    v
}

pub(crate) fn decode_entry(name: &str, v: &[u8]) -> Result<(u64, u64)> {
    if v.len() != 16 {
        return Err(Error::corruption(format!(
            "catalog entry of table {name:?} is {} bytes, expected 16",
            v.len()
        )));
    }
    let mut a = [0u8; 8];
    a.copy_from_slice(&v[..8]);
    let mut b = [0u8; 8];
    b.copy_from_slice(&v[8..]);
    Ok((u64::from_le_bytes(a), u64::from_le_bytes(b)))
}

pub(crate) fn wrong_txn() -> Error {
    Error::invalid("table handle belongs to another transaction")
}

/// A scan over part of a table, in key order or reversed. Items are `(key, value)`.
pub struct Range<'a>(pub(crate) RangeKind<'a>);

pub(crate) enum RangeKind<'a> {
    Read(RangeIter<'a, super::read::ReadSource<'a>>),
    Write(RangeIter<'a, crate::btree::write::DirtyView<'a>>),
}

impl<'a> Iterator for Range<'a> {
    type Item = Result<(Bytes<'a>, Bytes<'a>)>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            RangeKind::Read(it) => it.next(),
            RangeKind::Write(it) => it.next(),
        }
    }
}

impl Range<'_> {
    /// Hands every entry of the range to `f` as borrowed `(key, value)` slices, in the range's
    /// order, until the range ends or `f` returns `Ok(false)`; the first error (the tree's or
    /// `f`'s) ends the scan and is returned. The same entries as iterating, cheaper per entry:
    /// for reads that look at each entry once and keep nothing of it.
    pub fn scan(self, f: impl FnMut(&[u8], &[u8]) -> Result<bool>) -> Result<()> {
        match self.0 {
            RangeKind::Read(it) => it.scan(f),
            RangeKind::Write(it) => it.scan(f),
        }
    }
}

pub(crate) fn new_range<'a, S: NodeSource<'a>>(
    src: S,
    root: u64,
    lower: Bound<&[u8]>,
    upper: Bound<&[u8]>,
    reverse: bool,
) -> Result<RangeIter<'a, S>> {
    RangeIter::new(src, root, lower, upper, reverse)
}

/// The smallest key above every key that starts with `prefix` (None: no such key).
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Reads that work the same in read and write transactions.
pub trait ReadOps {
    /// Opens the table `name`; a table that was never written reads as empty.
    fn table(&self, name: &str) -> Result<Table>;
    /// The value under `key`.
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Bytes<'_>>>;
    /// Entries with keys in `(lower, upper)`, ascending.
    fn range(&self, table: Table, lower: Bound<&[u8]>, upper: Bound<&[u8]>) -> Result<Range<'_>>;
    /// Entries with keys in `(lower, upper)`, descending.
    fn range_rev(
        &self,
        table: Table,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
    ) -> Result<Range<'_>>;
    /// Number of entries in the table.
    fn table_len(&self, table: Table) -> Result<u64>;

    /// The longest key this database's tables take, in bytes (set by its page size: 976 at the
    /// default 4 KiB page, 208 at 1 KiB); a longer key is refused with `TooLarge`.
    fn max_key_len(&self) -> usize;

    /// Entries whose keys start with `prefix`, ascending.
    fn prefix(&self, table: Table, prefix: &[u8]) -> Result<Range<'_>> {
        let end = prefix_end(prefix);
        let upper = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        self.range(table, Bound::Included(prefix), upper)
    }

    /// Entries whose keys start with `prefix`, descending.
    fn prefix_rev(&self, table: Table, prefix: &[u8]) -> Result<Range<'_>> {
        let end = prefix_end(prefix);
        let upper = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        self.range_rev(table, Bound::Included(prefix), upper)
    }

    /// The value under `key`, as [`ReadOps::get`] gives it, looked up from where `finger`'s
    /// previous lookup in this table went (see [`Finger`]): cheaper when keys read one after the
    /// other are neighbours. Transactions that keep no path (write transactions) read from the root.
    ///
    /// Required, with no default: a wrapper that forgot to forward it would silently read from
    /// the root on every call.
    fn get_near(&self, table: Table, key: &[u8], finger: &mut Finger) -> Result<Option<Bytes<'_>>>;

    /// Asks for the first cache lines of committed page `page_no` (of the file's map) to be
    /// loaded, without waiting: a lookup about to pass through it finds them arriving. A hint:
    /// any page number is harmless, and nothing is read or checked.
    ///
    /// Required, with no default: a wrapper that forgot to forward it would silently lose it.
    #[doc(hidden)]
    fn prefetch_page(&self, page_no: u64);

    /// Makes `finger`, if it holds no path in `table` yet, start its next lookup at `page_no`
    /// (0: none) instead of at the root when the key lies inside that page's keys: a page a
    /// lookup in `table` passed in this transaction's snapshot (a version's page hints), so a
    /// point read skips the levels above it. A page that is not readable only costs a lookup
    /// from the root; a page of another table's tree must never be given (its keys would route
    /// this table's key).
    ///
    /// Required, with no default: a wrapper that forgot to forward it would silently lose it.
    #[doc(hidden)]
    fn start_near(&self, table: Table, finger: &mut Finger, page_no: u64);

    /// A new finger whose first lookup in `table` starts at `page_no` ([`Self::start_near`]).
    #[doc(hidden)]
    fn finger_near(&self, table: Table, page_no: u64) -> Finger {
        let mut finger = Finger::new();
        self.start_near(table, &mut finger, page_no);
        finger
    }

    /// The memos of the committed snapshot this transaction reads, shared with every other reader
    /// of that snapshot (see [`SnapshotMemo`]); `None` for a write transaction, which must see its
    /// own changes.
    ///
    /// Required, with no default: a wrapper that forgot to forward it (the C ABI's did) makes
    /// every reader through it resolve versions from the catalog again, on every call.
    #[doc(hidden)]
    fn snapshot_memo(&self) -> Option<&SnapshotMemo>;

    /// The value in slot `at` of a committed leaf of `table` when that slot holds `key` (an
    /// inline value): an address a lookup in this snapshot found before ([`Self::slot_of`]),
    /// read without descending the tree. `None` when the slot holds anything else or the page
    /// does not read, and always in a write transaction, whose pages change under it.
    ///
    /// Required, with no default: a wrapper that forgot to forward it would silently lose it.
    #[doc(hidden)]
    fn value_at_slot(&self, table: Table, at: LeafSlot, key: &[u8]) -> Option<Bytes<'_>>;

    /// Where `key` sits in leaf `page_no` of `table` (the leaf a lookup just reached), for
    /// [`Self::value_at_slot`]; `None` when it is not there, and always in a write transaction.
    ///
    /// Required, with no default: a wrapper that forgot to forward it would silently lose it.
    #[doc(hidden)]
    fn slot_of(&self, table: Table, page_no: u64, key: &[u8]) -> Result<Option<LeafSlot>>;

    /// Whether `key` is present.
    fn contains(&self, table: Table, key: &[u8]) -> Result<bool> {
        Ok(self.get(table, key)?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_skips_trailing_ff() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[1, 0xFF]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xFF, 0xFF]), None);
        assert_eq!(prefix_end(b""), None);
    }
}
