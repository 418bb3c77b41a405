//! Tests of the metadata store, one file per record kind, on the memory file system.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod contradictions;
mod cross_refs;
mod entries;
mod store;
mod tool_results;
mod trajectories;

use std::sync::Arc;

use crate::db::{Database, Options, ReadOps, WriteTxn};
use crate::error::{ErrorKind, Result};
use crate::storage::vfs::MemVfs;

/// A fresh database in memory.
pub(crate) fn mem_db() -> Database {
    let options = Options {
        vfs: Arc::new(MemVfs::new()),
        ..Options::default()
    };
    Database::open("/test.tsdb", options).unwrap()
}

/// Runs `f` in one write transaction and commits when it succeeds.
pub(crate) fn write<T>(db: &Database, f: impl FnOnce(&mut WriteTxn) -> Result<T>) -> Result<T> {
    let mut txn = db.begin_write()?;
    let out = f(&mut txn)?;
    txn.commit()?;
    Ok(out)
}

/// Every key of table `name`.
pub(crate) fn keys(db: &Database, name: &str) -> Vec<Vec<u8>> {
    let r = db.begin_read().unwrap();
    let t = r.table(name).unwrap();
    r.prefix(t, &[])
        .unwrap()
        .map(|kv| kv.unwrap().0.to_vec())
        .collect()
}

/// Entry counts of the tables `names`.
pub(crate) fn counts(db: &Database, names: &[&str]) -> Vec<usize> {
    names.iter().map(|n| keys(db, n).len()).collect()
}

/// Asserts `r` is an error of `kind` whose message names `field`.
#[track_caller]
pub(crate) fn assert_field_error<T: std::fmt::Debug>(r: Result<T>, kind: ErrorKind, field: &str) {
    let err = r.expect_err("must fail");
    assert_eq!(err.kind(), kind, "{err}");
    assert!(
        err.message().contains(&format!("field {field}")),
        "{err} does not name {field}"
    );
}
