//! A run of table entries gathered in one buffer and handed to [`WriteTxn::insert_run`]: no
//! allocation per entry once the buffers have grown, and one walk to the tree's last leaf for the
//! entries that ascend past the table's last key. The document store gathers a version's
//! `doc.ids`, `doc.sections` and `doc.pages` entries while it writes the nodes in pre-order and
//! inserts each table's run in key order once the version is done (every key of a new version
//! starts with its vid, the largest the catalog has handed out, so all of them take the append
//! path; in pre-order they would not wherever the table's order is not the node order:
//! `doc.pages` interleaves levels and bins, `doc.sections` sorts "1.10" before "1.2"); the
//! keyword index inserts its `fts.docs` and `fts.nodes` records in the order it made them.

use super::{Table, WriteTxn};
use crate::error::Result;

/// Entries in one buffer: no allocation per entry once the buffers have grown.
#[derive(Default)]
pub(crate) struct KeyRun {
    bytes: Vec<u8>,
    /// `(start in bytes, key length, value length)`, the value right after the key.
    entries: Vec<(u32, u32, u32)>,
}

impl KeyRun {
    /// Adds the entry `key` → `value`.
    pub(crate) fn push(&mut self, key: &[u8], value: &[u8]) {
        self.push_with(key, |bytes| bytes.extend_from_slice(value));
    }

    /// Adds the entry `key` → the bytes `write_value` appends to the buffer it is given (a value
    /// encoded in place, not copied).
    pub(crate) fn push_with(&mut self, key: &[u8], write_value: impl FnOnce(&mut Vec<u8>)) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(key);
        let value_start = self.bytes.len();
        write_value(&mut self.bytes);
        self.entries.push((
            start as u32,
            key.len() as u32,
            (self.bytes.len() - value_start) as u32,
        ));
    }

    /// Inserts the entries into `t` in key order (of equal keys the later pushed wins, as inserting
    /// them in push order would) and empties the run.
    pub(crate) fn insert_into(&mut self, tx: &mut WriteTxn, t: Table) -> Result<()> {
        let bytes = &self.bytes;
        // Stable: equal keys stay in push order.
        self.entries
            .sort_by(|a, b| key_of(bytes, a).cmp(key_of(bytes, b)));
        self.insert_in_push_order(tx, t)
    }

    /// Inserts the entries into `t` in the order they were pushed (the table an insert per entry
    /// in that order makes) and empties the run.
    pub(crate) fn insert_in_push_order(&mut self, tx: &mut WriteTxn, t: Table) -> Result<()> {
        let bytes = &self.bytes;
        let run: Vec<(&[u8], &[u8])> = self
            .entries
            .iter()
            .map(|e @ &(s, k, v)| {
                (
                    key_of(bytes, e),
                    &bytes[(s + k) as usize..(s + k + v) as usize],
                )
            })
            .collect();
        tx.insert_run(t, &run)?;
        self.bytes.clear();
        self.entries.clear();
        Ok(())
    }
}

/// The key of `entry` in `bytes`.
fn key_of<'b>(bytes: &'b [u8], &(s, k, _): &(u32, u32, u32)) -> &'b [u8] {
    &bytes[s as usize..(s + k) as usize]
}
