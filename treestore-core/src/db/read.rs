//! Read transactions: a registered snapshot that pins every page it can reach until it is dropped.

use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::shared::{Shared, Snapshot};
use super::snapshot_memo::SnapshotMemo;
use super::table::{
    decode_entry, new_range, validate_name, wrong_txn, Range, RangeKind, ReadOps, Table,
};
use super::table_cache::TableCache;
use crate::btree::leaf_slots::{slot_of, value_at_slot};
use crate::btree::view::{get, get_near, NodeSource, NodeView};
use crate::btree::write::max_key_len;
use crate::btree::{Bytes, Finger, LeafSlot};
use crate::error::Result;
use crate::storage::pager::{MapState, PageRef, Pager};

static NEXT_TXN: AtomicU64 = AtomicU64::new(1);

/// A fresh identity for a transaction, so table handles cannot cross transactions.
pub(crate) fn next_txn_serial() -> u64 {
    NEXT_TXN.fetch_add(1, Ordering::Relaxed)
}

/// Committed pages as one snapshot reads them.
#[derive(Clone, Copy)]
pub(crate) struct ReadSource<'a> {
    pub pager: &'a Pager,
    pub map: &'a MapState,
}

impl<'a> NodeSource<'a> for ReadSource<'a> {
    fn node(&self, page_no: u64) -> Result<NodeView<'a>> {
        Ok(NodeView::Page(self.pager.page(self.map, page_no)?, page_no))
    }

    fn raw_page(&self, page_no: u64) -> Result<PageRef<'a>> {
        self.pager.page(self.map, page_no)
    }

    fn page_size(&self) -> usize {
        self.pager.page_size()
    }
}

/// A read transaction. It sees one consistent snapshot for its whole life, never blocks a writer and
/// is never blocked by one. Send it to another thread freely; drop it to let pages be reused.
pub struct ReadTxn {
    shared: Arc<Shared>,
    map: Arc<MapState>,
    snap: Snapshot,
    /// Memos of this snapshot's readers.
    memo: Arc<SnapshotMemo>,
    reader_id: u64,
    serial: u64,
}

impl ReadTxn {
    pub(crate) fn begin(shared: Arc<Shared>) -> Result<ReadTxn> {
        let (reader_id, snap, memo) = shared.register_reader();
        let map = shared.pager.current_map();
        Ok(ReadTxn {
            shared,
            map,
            snap,
            memo,
            reader_id,
            serial: next_txn_serial(),
        })
    }

    fn source(&self) -> ReadSource<'_> {
        ReadSource {
            pager: &self.shared.pager,
            map: &self.map,
        }
    }

    /// The id of the last transaction this snapshot includes.
    pub fn txid(&self) -> u64 {
        self.snap.txid
    }

    /// Names of every table in the snapshot, sorted.
    pub fn table_names(&self) -> Result<Vec<String>> {
        let it = new_range(
            self.source(),
            self.snap.catalog_root,
            Bound::Unbounded,
            Bound::Unbounded,
            false,
        )?;
        it.map(|kv| kv.map(|(k, _)| String::from_utf8_lossy(&k).into_owned()))
            .collect()
    }

    fn check(&self, table: Table) -> Result<()> {
        if table.txn != self.serial {
            return Err(wrong_txn());
        }
        Ok(())
    }
}

impl Drop for ReadTxn {
    fn drop(&mut self) {
        self.shared.unregister_reader(self.reader_id);
    }
}

impl ReadOps for ReadTxn {
    fn max_key_len(&self) -> usize {
        max_key_len(self.shared.pager.page_size())
    }

    fn table(&self, name: &str) -> Result<Table> {
        validate_name(name)?;
        let open = || match get(&self.source(), self.snap.catalog_root, name.as_bytes())? {
            Some(v) => decode_entry(name, &v),
            None => Ok((0, 0)),
        };
        // The tables this snapshot's readers already opened (none when the memos are full).
        let (root, len) = match self.memo.get::<TableCache>() {
            Some(tables) => tables.get_or_open(name, open)?,
            None => open()?,
        };
        Ok(Table {
            txn: self.serial,
            idx: 0,
            root,
            len,
        })
    }

    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Bytes<'_>>> {
        self.check(table)?;
        get(&self.source(), table.root, key)
    }

    fn get_near(&self, table: Table, key: &[u8], finger: &mut Finger) -> Result<Option<Bytes<'_>>> {
        self.check(table)?;
        let path = finger.path_for((self.serial, table.root));
        match get_near(&self.source(), table.root, key, path) {
            // A remembered page that failed (a start page given by `start_near` that is not
            // one of the tree's): once more from the root, which gives the tree's own answer.
            Err(_) if path.len() > 1 => {
                path.clear();
                get_near(&self.source(), table.root, key, path)
            }
            got => got,
        }
    }

    fn prefetch_page(&self, page_no: u64) {
        self.shared.pager.prefetch_page(&self.map, page_no);
    }

    fn start_near(&self, table: Table, finger: &mut Finger, page_no: u64) {
        if self.check(table).is_err() || page_no == 0 || page_no == table.root {
            return;
        }
        let path = finger.path_for((self.serial, table.root));
        if path.len() == 0 {
            path.push(table.root);
            path.push(page_no);
        }
    }

    fn value_at_slot(&self, table: Table, at: LeafSlot, key: &[u8]) -> Option<Bytes<'_>> {
        self.check(table).ok()?;
        value_at_slot(&self.source(), at, key)
    }

    fn slot_of(&self, table: Table, page_no: u64, key: &[u8]) -> Result<Option<LeafSlot>> {
        self.check(table)?;
        slot_of(&self.source(), page_no, key)
    }

    fn range(&self, table: Table, lower: Bound<&[u8]>, upper: Bound<&[u8]>) -> Result<Range<'_>> {
        self.check(table)?;
        let it = new_range(self.source(), table.root, lower, upper, false)?;
        Ok(Range(RangeKind::Read(it)))
    }

    fn range_rev(
        &self,
        table: Table,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
    ) -> Result<Range<'_>> {
        self.check(table)?;
        let it = new_range(self.source(), table.root, lower, upper, true)?;
        Ok(Range(RangeKind::Read(it)))
    }

    fn table_len(&self, table: Table) -> Result<u64> {
        self.check(table)?;
        Ok(table.len)
    }

    fn snapshot_memo(&self) -> Option<&SnapshotMemo> {
        Some(&self.memo)
    }
}
