//! A version's entries of one node table, gathered while its nodes are written in pre-order and
//! inserted in key order once the version is done. Every key of a new version starts with its vid,
//! the largest the catalog has handed out, so entries inserted in key order all go through the
//! B+tree's append path (no descent from the root, full leaves); in pre-order they would not
//! wherever the table's order is not the node order (`doc.pages` interleaves levels and bins,
//! `doc.sections` sorts "1.10" before "1.2").

use crate::db::{Table, WriteTxn};
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
        let start = self.bytes.len() as u32;
        self.bytes.extend_from_slice(key);
        self.bytes.extend_from_slice(value);
        self.entries
            .push((start, key.len() as u32, value.len() as u32));
    }

    /// Inserts the entries into `t` in key order (of equal keys the later pushed wins, as inserting
    /// them in push order would) and empties the run.
    pub(crate) fn insert_into(&mut self, tx: &mut WriteTxn, t: Table) -> Result<()> {
        let bytes = &self.bytes;
        let key = |&(s, k, _): &(u32, u32, u32)| &bytes[s as usize..(s + k) as usize];
        // Stable: equal keys stay in push order.
        self.entries.sort_by(|a, b| key(a).cmp(key(b)));
        let run: Vec<(&[u8], &[u8])> = self
            .entries
            .iter()
            .map(|e @ &(s, k, v)| (key(e), &bytes[(s + k) as usize..(s + k + v) as usize]))
            .collect();
        tx.insert_run(t, &run)?;
        self.bytes.clear();
        self.entries.clear();
        Ok(())
    }
}
