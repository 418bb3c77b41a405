//! The write transaction: one at a time, copy-on-write changes to any number of tables, committed
//! atomically through the WAL or discarded on rollback or drop.
//!
//! A commit's pages reach disk one of two ways. Most go into the WAL as page images (the overlay
//! serves them to readers until a checkpoint copies them into the main file). A commit of at least
//! [`Options::direct_commit_bytes`](super::Options) (16 MiB) writes them straight into the main file
//! instead, once:
//! 1. sync the WAL, so recovery reaches at least the latest committed snapshot; every page this
//!    transaction allocated is unreachable from that snapshot (and from every live reader's);
//! 2. write the pages at their places and fsync the main file;
//! 3. append a commit record naming them (no page images) and, when durable, fsync the WAL.
//!
//! A crash before step 3 is durable leaves pages written only where nothing recovery reaches
//! looks; after it, recovery finds the record and marks the named pages used.

use std::cell::RefCell;
use std::ops::Bound;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::checkpoint::checkpoint_locked;
use super::options::Durability;
use super::read::next_txn_serial;
use super::shared::{Shared, Snapshot, WriterState};
use super::snapshot_memo::SnapshotMemo;
use super::table::{
    decode_entry, encode_entry, new_range, validate_name, wrong_txn, Range, RangeKind, ReadOps,
    Table,
};
use crate::btree::page::{encode_node_into, ValRef};
use crate::btree::raw_branch::{encode_raw_branch, renumber};
use crate::btree::view::get;
use crate::btree::write::{max_key_len, DirtySet, DirtyView, TreeMut};
use crate::btree::{Bytes, Finger, LeafSlot};
use crate::error::{Error, ErrorKind, Result};
use crate::machine::cores;
use crate::storage::pager::MapState;
use crate::storage::wal::{CommitInfo, PageOut};

/// A direct commit of at least this many bytes writes its pages on a second thread while it
/// encodes the next ones (a thread costs tens of µs; 4 MiB take about 2 ms to encode).
const WRITE_BESIDE_BYTES: usize = 4 << 20;

/// Inserts `key` → `val` into the tree at `root`, freeing a replaced value's overflow pages;
/// returns the new root and whether a value was replaced.
fn insert_value(
    tree: &mut TreeMut<'_>,
    root: u64,
    key: &[u8],
    val: ValRef<'_>,
) -> Result<(u64, bool)> {
    let (root, old) = tree.insert(root, key, val)?;
    let replaced = old.is_some();
    if let Some(old) = old {
        tree.drop_value(old)?;
    }
    Ok((root, replaced))
}

/// Largest value accepted, in bytes.
pub const MAX_VALUE_LEN: usize = 1 << 30;

struct TableState {
    name: String,
    root: u64,
    len: u64,
    changed: bool,
}

/// The write transaction. Dropping it without [`WriteTxn::commit`] discards every change.
pub struct WriteTxn {
    shared: Arc<Shared>,
    state: Option<Box<WriterState>>,
    map: Arc<MapState>,
    base: Snapshot,
    serial: u64,
    dirty: DirtySet,
    tables: RefCell<Vec<TableState>>,
    catalog_root: u64,
    catalog_changed: bool,
    hwm_before: u64,
}

impl WriteTxn {
    pub(crate) fn begin(shared: Arc<Shared>) -> Result<WriteTxn> {
        let mut state = shared.acquire_writer()?;
        shared.wal.writer_began();
        let oldest = shared.oldest_snapshot();
        let released = state.alloc.release_pending(oldest);
        shared.pager.overlay_forget(&released);
        let base = shared.current();
        let map = shared.pager.current_map();
        let hwm_before = state.alloc.hwm();
        let mut dirty = std::mem::take(&mut state.spare);
        dirty.keep_prev_for(base.txid, shared.pager.page_size());
        Ok(WriteTxn {
            catalog_changed: false,
            hwm_before,
            map,
            base,
            serial: next_txn_serial(),
            dirty,
            tables: RefCell::new(Vec::new()),
            catalog_root: base.catalog_root,
            state: Some(state),
            shared,
        })
    }

    /// Branches this transaction holds as raw copies (for tests of `btree/raw_branch.rs`).
    #[cfg(test)]
    pub(crate) fn raw_branches(&self) -> usize {
        self.dirty.raw.len()
    }

    /// Leaves and branches this transaction took decoded from the last commit instead of
    /// decoding their pages (for tests of `DirtySet::prev`).
    #[cfg(test)]
    pub(crate) fn prev_hits(&self) -> [usize; 2] {
        self.dirty.prev_hits
    }

    /// Bytes per page of the database (values longer than about a quarter of it leave the leaf).
    pub(crate) fn page_size(&self) -> usize {
        self.shared.pager.page_size()
    }

    /// The id this transaction commits as.
    pub fn txid(&self) -> u64 {
        self.base.txid + 1
    }

    fn view(&self) -> DirtyView<'_> {
        DirtyView {
            pager: &self.shared.pager,
            map: &self.map,
            dirty: &self.dirty,
        }
    }

    fn root_of(&self, table: Table) -> Result<u64> {
        if table.txn != self.serial {
            return Err(wrong_txn());
        }
        let tables = self.tables.borrow();
        let t = tables.get(table.idx as usize).ok_or_else(wrong_txn)?;
        Ok(t.root)
    }

    fn state_mut(&mut self) -> Result<&mut WriterState> {
        self.state
            .as_deref_mut()
            .ok_or_else(|| Error::new(ErrorKind::Closed, "the write transaction has ended"))
    }

    /// The tree-editing view of this transaction: its changes and the writer's allocator.
    fn tree(&mut self) -> Result<TreeMut<'_>> {
        let state = self
            .state
            .as_deref_mut()
            .ok_or_else(|| Error::new(ErrorKind::Closed, "the write transaction has ended"))?;
        Ok(TreeMut {
            pager: &self.shared.pager,
            map: &self.map,
            dirty: &mut self.dirty,
            alloc: &mut state.alloc,
        })
    }

    /// Runs `f` on the tree of `table` and stores the new root and length change.
    fn with_tree<R>(
        &mut self,
        table: Table,
        f: impl FnOnce(&mut TreeMut<'_>, u64) -> Result<(u64, R, i64)>,
    ) -> Result<R> {
        let root = self.root_of(table)?;
        self.shared.check_writable()?;
        let (new_root, out, delta) = f(&mut self.tree()?, root)?;
        let mut tables = self.tables.borrow_mut();
        let t = &mut tables[table.idx as usize];
        t.root = new_root;
        t.len = t.len.saturating_add_signed(delta);
        t.changed = true;
        Ok(out)
    }

    /// An entry's size limits.
    fn check_entry(&self, key: &[u8], value: &[u8]) -> Result<()> {
        let max_key = max_key_len(self.shared.pager.page_size());
        if key.len() > max_key {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!("key of {} bytes exceeds the limit of {max_key}", key.len()),
            ));
        }
        if value.len() > MAX_VALUE_LEN {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "value of {} bytes exceeds the limit of {MAX_VALUE_LEN}",
                    value.len()
                ),
            ));
        }
        Ok(())
    }

    /// Inserts or replaces `key`; returns whether a value was replaced.
    pub fn insert(&mut self, table: Table, key: &[u8], value: &[u8]) -> Result<bool> {
        self.check_entry(key, value)?;
        self.with_tree(table, |tree, root| {
            let val = tree.make_value(key.len(), value);
            let (root, replaced) = insert_value(tree, root, key, val)?;
            Ok((root, replaced, if replaced { 0 } else { 1 }))
        })
    }

    /// Inserts or replaces each of `entries` (key, value), in order: the same table as
    /// [`insert`](Self::insert) one entry at a time makes. Every entry's size is checked before
    /// anything is written. Entries whose keys ascend past the table's last key (a new version's
    /// rows in key order) go into the tree's last leaf one after another with one walk to it
    /// rather than one per entry.
    pub(crate) fn insert_run(&mut self, table: Table, entries: &[(&[u8], &[u8])]) -> Result<()> {
        for &(key, value) in entries {
            self.check_entry(key, value)?;
        }
        self.with_tree(table, |tree, mut root| {
            let mut added = 0i64;
            // The tree's last leaf, dirty, while every key since the walk went into it.
            let mut last_leaf = None;
            for &(key, value) in entries {
                let val = tree.make_value(key.len(), value);
                if root != 0 {
                    let leaf = match last_leaf {
                        Some(page) => Some(page),
                        None => tree.last_leaf_for(root, key),
                    };
                    if leaf.is_some_and(|page| tree.push_to_last_leaf(page, key, &val)) {
                        last_leaf = leaf;
                        added += 1;
                        continue;
                    }
                }
                last_leaf = None;
                let (new_root, replaced) = insert_value(tree, root, key, val)?;
                root = new_root;
                added += i64::from(!replaced);
            }
            Ok((root, (), added))
        })
    }

    /// Removes `key`; returns whether it was present.
    pub fn remove(&mut self, table: Table, key: &[u8]) -> Result<bool> {
        self.with_tree(table, |tree, root| {
            let (root, old) = tree.remove(root, key)?;
            let removed = old.is_some();
            if let Some(old) = old {
                tree.drop_value(old)?;
            }
            Ok((root, removed, if removed { -1 } else { 0 }))
        })
    }

    /// Removes every key in `[lower, upper)`-style bounds; returns how many were removed.
    pub fn remove_range(
        &mut self,
        table: Table,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
    ) -> Result<u64> {
        let keys: Vec<Vec<u8>> = self
            .range(table, lower, upper)?
            .map(|kv| kv.map(|(k, _)| k.to_vec()))
            .collect::<Result<_>>()?;
        for key in &keys {
            self.remove(table, key)?;
        }
        Ok(keys.len() as u64)
    }

    /// Commits: appends the changes to the WAL, publishes them to new readers and, in
    /// [`Durability::Sync`] mode, returns once they are on disk.
    pub fn commit(self) -> Result<()> {
        self.commit_then(true).map(|_| ())
    }

    /// Commits, syncing in [`Durability::Sync`] mode only when `sync`; returns the WAL offset the
    /// commit's record ends at (0 when there was nothing to commit), which a caller that
    /// deferred the sync hands to [`sync_committed`] before it reports the commit durable.
    pub(crate) fn commit_then(mut self, sync: bool) -> Result<u64> {
        let shared = self.shared.clone();
        let timer = shared.metrics.start(crate::metrics::Op::Commit);
        let result = self.commit_inner(sync);
        timer.finish(result.is_err());
        if let Err(e) = &result {
            self.shared.poison(e);
        }
        result
    }

    /// Bytes of the pages this transaction has changed so far.
    pub(crate) fn dirty_bytes(&self) -> usize {
        (self.dirty.nodes.len() + self.dirty.raw.len() + self.dirty.overflow.len())
            * self.shared.pager.page_size()
    }

    fn commit_inner(&mut self, sync: bool) -> Result<u64> {
        self.shared.check_writable()?;
        let tables = std::mem::take(&mut *self.tables.borrow_mut());
        if !self.catalog_changed && !tables.iter().any(|t| t.changed) {
            return Ok(0);
        }
        self.write_catalog(&tables)?;
        let ps = self.shared.pager.page_size();
        let page_bytes =
            (self.dirty.nodes.len() + self.dirty.raw.len() + self.dirty.overflow.len()) * ps;
        let (pages, direct) = if page_bytes as u64 >= self.shared.options.direct_commit_bytes {
            (Vec::new(), self.write_direct()?)
        } else {
            (self.encode_pages()?, Vec::new())
        };
        let txid = self.txid();
        let catalog_root = self.catalog_root;
        let freed = std::mem::take(&mut self.dirty.freed);
        let state = self.state_mut()?;
        let info = CommitInfo {
            txid,
            catalog_root,
            hwm: state.alloc.hwm(),
            freed,
            direct,
        };
        let bases = self.delta_bases(&pages);
        let out: Vec<PageOut<'_>> = pages
            .iter()
            .zip(&bases)
            .map(|((page_no, page), base)| PageOut {
                page_no: *page_no,
                page,
                base: base.as_ref().map(|(b, bytes)| (*b, &bytes[..])),
                touched: self.dirty.touched(*page_no),
            })
            .collect();
        let lsn = self.shared.wal.append(&info, &out)?;
        drop(out);
        // The memos of tables this commit left alone stay valid (a dropped table or moved pages:
        // none do).
        let changed: Option<Vec<&str>> = (!self.catalog_changed).then(|| {
            tables
                .iter()
                .filter(|t| t.changed)
                .map(|t| t.name.as_str())
                .collect()
        });
        self.publish(pages, info, changed.as_deref())?;
        let mut state = self
            .state
            .take()
            .ok_or_else(|| Error::corruption("writer state lost"))?;
        let mut dirty = std::mem::take(&mut self.dirty);
        dirty.recycle_after_commit(ps, txid);
        state.spare = dirty;
        let checkpoint = if self.shared.wal.len() > self.shared.checkpoint_wal_bytes {
            checkpoint_locked(&self.shared, &mut state)
        } else {
            Ok(())
        };
        self.shared.release_writer(state);
        checkpoint?;
        if sync && self.shared.durability == Durability::Sync {
            self.shared.wal.sync_to(lsn)?;
        }
        Ok(lsn)
    }

    /// The dirty pages, encoded and sealed, by page number (for the WAL and the overlay).
    fn encode_pages(&mut self) -> Result<Vec<(u64, Arc<[u8]>)>> {
        let ps = self.shared.pager.page_size();
        let mut pages: Vec<(u64, Arc<[u8]>)> = Vec::with_capacity(
            self.dirty.nodes.len() + self.dirty.raw.len() + self.dirty.overflow.len(),
        );
        for (&page_no, node) in &self.dirty.nodes {
            // Encoded straight into the shared buffer the overlay keeps (no copy from a Vec).
            let mut page: Arc<[u8]> = std::iter::repeat_n(0u8, ps).collect();
            match Arc::get_mut(&mut page) {
                Some(buf) => encode_node_into(node, page_no, buf),
                None => return Err(Error::corruption("a fresh page buffer is shared")),
            }
            pages.push((page_no, page));
        }
        for (&page_no, raw) in &self.dirty.raw {
            // Copied straight into the shared buffer (no zeroing first).
            let mut page: Arc<[u8]> = Arc::from(&raw[..]);
            match Arc::get_mut(&mut page) {
                Some(buf) => renumber(buf, page_no),
                None => return Err(Error::corruption("a fresh page buffer is shared")),
            }
            pages.push((page_no, page));
        }
        for (page_no, page) in self.dirty.overflow.drain() {
            pages.push((page_no, page.into()));
        }
        pages.sort_unstable_by_key(|(p, _)| *p);
        Ok(pages)
    }

    /// For each page, the page it was copied from with its overlay bytes, when the overlay still
    /// has it. Which of them may serve as a delta base (a record of the current log generation
    /// holds their content) the WAL decides in [`Wal::append`](crate::storage::wal::Wal::append).
    fn delta_bases(&self, pages: &[(u64, Arc<[u8]>)]) -> Vec<Option<(u64, Arc<[u8]>)>> {
        let pager = &self.shared.pager;
        pages
            .iter()
            .map(|(page_no, _)| {
                let src = *self.dirty.sources.get(page_no)?;
                pager.overlay_page(src).map(|bytes| (src, bytes))
            })
            .collect()
    }

    /// Steps 1 and 2 of a direct commit (see the module doc): returns the pages written.
    fn write_direct(&mut self) -> Result<Vec<u64>> {
        let shared = self.shared.clone();
        shared.wal.sync_to(shared.wal.len())?;
        let hwm = self.state_mut()?.alloc.hwm();
        shared.pager.grow_file(hwm)?;
        let mut numbers: Vec<u64> = self
            .dirty
            .nodes
            .keys()
            .chain(self.dirty.raw.keys())
            .chain(self.dirty.overflow.keys())
            .copied()
            .collect();
        numbers.sort_unstable();
        let ps = shared.pager.page_size();
        let beside = numbers.len() * ps >= WRITE_BESIDE_BYTES && cores() > 1;
        let dirty = &self.dirty;
        shared.pager.write_runs(beside, |w| {
            for &page_no in &numbers {
                let buf = w.page(page_no)?;
                if let Some(raw) = dirty.raw.get(&page_no) {
                    encode_raw_branch(raw, page_no, buf);
                    continue;
                }
                match (dirty.nodes.get(&page_no), dirty.overflow.get(&page_no)) {
                    (Some(node), _) => encode_node_into(node, page_no, buf),
                    (None, Some(page)) => buf.copy_from_slice(page),
                    (None, None) => return Err(missing_dirty(page_no)),
                }
            }
            Ok(())
        })?;
        shared.pager.sync()?;
        Ok(numbers)
    }

    fn write_catalog(&mut self, tables: &[TableState]) -> Result<()> {
        let mut root = self.catalog_root;
        let mut tree = self.tree()?;
        for t in tables.iter().filter(|t| t.changed) {
            let entry = encode_entry(t.root, t.len);
            let val = tree.make_value(t.name.len(), &entry);
            let (new_root, old) = tree.insert(root, t.name.as_bytes(), val)?;
            root = new_root;
            if let Some(old) = old {
                tree.drop_value(old)?;
            }
        }
        self.catalog_root = root;
        Ok(())
    }

    fn publish(
        &mut self,
        pages: Vec<(u64, Arc<[u8]>)>,
        info: CommitInfo,
        changed: Option<&[&str]>,
    ) -> Result<()> {
        let shared = self.shared.clone();
        let state = self.state_mut()?;
        shared.pager.ensure_capacity(info.hwm)?;
        shared.pager.written_direct(&info.direct);
        shared.pager.overlay_insert(pages);
        state.alloc.defer_free(info.txid, info.freed);
        shared.publish(
            Snapshot {
                txid: info.txid,
                catalog_root: info.catalog_root,
                hwm: info.hwm,
            },
            changed,
        );
        shared.counters.commits.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Opens `name` and makes sure it exists in the catalog at commit, even while empty.
    pub fn create_table(&mut self, name: &str) -> Result<Table> {
        let table = self.table(name)?;
        self.tables.borrow_mut()[table.idx as usize].changed = true;
        Ok(table)
    }

    /// The high-water mark and the number of free pages (pending ones not counted).
    pub(crate) fn allocation(&self) -> (u64, u64) {
        self.state
            .as_deref()
            .map_or((0, 0), |s| (s.alloc.hwm(), s.alloc.free_count()))
    }

    /// Moves every page at or above `limit` (of every table and of the catalog) to a lower free
    /// page, the allocator's lowest first; see `super::shrink`. Returns false when the free pages
    /// below `limit` ran out, so some page landed at or above it (the caller then drops the
    /// transaction).
    pub(crate) fn relocate_above(&mut self, limit: u64) -> Result<bool> {
        let names: Vec<String> = Range(RangeKind::Write(new_range(
            self.view(),
            self.catalog_root,
            Bound::Unbounded,
            Bound::Unbounded,
            false,
        )?))
        .map(|kv| kv.map(|(k, _)| String::from_utf8_lossy(&k).into_owned()))
        .collect::<Result<_>>()?;
        for name in &names {
            let table = self.table(name)?;
            self.with_tree(table, |tree, root| Ok((tree.relocate(root, limit)?, (), 0)))?;
        }
        let mut tables = std::mem::take(&mut *self.tables.borrow_mut());
        self.write_catalog(&tables)?;
        let catalog_root = self.catalog_root;
        self.catalog_root = self.tree()?.relocate(catalog_root, limit)?;
        tables.iter_mut().for_each(|t| t.changed = false);
        *self.tables.borrow_mut() = tables;
        self.catalog_changed = true;
        Ok(self.dirty.allocated.iter().all(|&p| p < limit))
    }

    /// Discards every change.
    pub fn rollback(self) {}

    /// Removes a table and frees its pages; returns whether it existed.
    pub fn drop_table(&mut self, name: &str) -> Result<bool> {
        let table = self.table(name)?;
        let existed = get(&self.view(), self.catalog_root, name.as_bytes())?.is_some();
        let keys: Vec<Vec<u8>> = self
            .range(table, Bound::Unbounded, Bound::Unbounded)?
            .map(|kv| kv.map(|(k, _)| k.to_vec()))
            .collect::<Result<_>>()?;
        for key in &keys {
            self.remove(table, key)?;
        }
        let catalog_root = self.catalog_root;
        let mut tree = self.tree()?;
        let (root, old) = tree.remove(catalog_root, name.as_bytes())?;
        if let Some(old) = old {
            tree.drop_value(old)?;
        }
        self.catalog_root = root;
        let mut tables = self.tables.borrow_mut();
        let t = &mut tables[table.idx as usize];
        t.changed = false;
        t.root = 0;
        t.len = 0;
        self.catalog_changed |= existed;
        Ok(existed)
    }
}

impl Drop for WriteTxn {
    fn drop(&mut self) {
        if let Some(mut state) = self.state.take() {
            state
                .alloc
                .roll_back(&self.dirty.allocated, self.hwm_before);
            self.shared.release_writer(state);
        }
    }
}

impl ReadOps for WriteTxn {
    fn max_key_len(&self) -> usize {
        max_key_len(self.page_size())
    }

    fn table(&self, name: &str) -> Result<Table> {
        validate_name(name)?;
        let mut tables = self.tables.borrow_mut();
        if let Some(i) = tables.iter().position(|t| t.name == name) {
            return Ok(Table {
                txn: self.serial,
                idx: i as u32,
                root: tables[i].root,
                len: tables[i].len,
            });
        }
        let (root, len) = match get(&self.view(), self.catalog_root, name.as_bytes())? {
            Some(v) => decode_entry(name, &v)?,
            None => (0, 0),
        };
        tables.push(TableState {
            name: name.to_string(),
            root,
            len,
            changed: false,
        });
        Ok(Table {
            txn: self.serial,
            idx: (tables.len() - 1) as u32,
            root,
            len,
        })
    }

    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Bytes<'_>>> {
        let root = self.root_of(table)?;
        get(&self.view(), root, key)
    }

    fn range(&self, table: Table, lower: Bound<&[u8]>, upper: Bound<&[u8]>) -> Result<Range<'_>> {
        let root = self.root_of(table)?;
        Ok(Range(RangeKind::Write(new_range(
            self.view(),
            root,
            lower,
            upper,
            false,
        )?)))
    }

    fn range_rev(
        &self,
        table: Table,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
    ) -> Result<Range<'_>> {
        let root = self.root_of(table)?;
        Ok(Range(RangeKind::Write(new_range(
            self.view(),
            root,
            lower,
            upper,
            true,
        )?)))
    }

    fn table_len(&self, table: Table) -> Result<u64> {
        self.root_of(table)?;
        Ok(self.tables.borrow()[table.idx as usize].len)
    }

    /// A write transaction keeps no path: it reads from the root.
    fn get_near(
        &self,
        table: Table,
        key: &[u8],
        _finger: &mut Finger,
    ) -> Result<Option<Bytes<'_>>> {
        self.get(table, key)
    }

    /// None: a write transaction must see its own uncommitted changes.
    /// No hint: a write transaction's pages may be its own, not yet in the map.
    fn prefetch_page(&self, _page_no: u64) {}

    /// Nothing: a write transaction reads from the root ([`Self::get_near`]).
    fn start_near(&self, _table: Table, _finger: &mut Finger, _page_no: u64) {}

    fn value_at_slot(&self, _table: Table, _at: LeafSlot, _key: &[u8]) -> Option<Bytes<'_>> {
        None
    }

    fn slot_of(&self, _table: Table, _page_no: u64, _key: &[u8]) -> Result<Option<LeafSlot>> {
        Ok(None)
    }

    fn snapshot_memo(&self) -> Option<&SnapshotMemo> {
        None
    }
}

/// In [`Durability::Sync`] mode, returns once the WAL is durable up to `lsn` (what
/// [`WriteTxn::commit_then`] returned); a failed sync poisons the database, as a failed commit does.
pub(crate) fn sync_committed(shared: &Shared, lsn: u64) -> Result<()> {
    if shared.durability != Durability::Sync {
        return Ok(());
    }
    let result = shared.wal.sync_to(lsn);
    if let Err(e) = &result {
        shared.poison(e);
    }
    result
}

fn missing_dirty(page_no: u64) -> Error {
    Error::corruption(format!(
        "dirty page {page_no} vanished from the transaction"
    ))
}
