//! TreeStore's engine: a crash-safe, MVCC, copy-on-write B+tree with a write-ahead log, and the
//! stores for hierarchical documents built on it.
//!
//! Layers, from the user down to the disk:
//! - [`db`]: [`Database`], read and write transactions over named tables, checkpoints, integrity;
//! - `btree`: the copy-on-write B+tree (page layouts, lookups and cursors, insert and remove);
//! - [`storage`]: the file format, page cache and memory map, allocator, WAL, and the [`storage::vfs`]
//!   seam through which every byte passes;
//! - [`keys`]: the order-preserving encoding of composite keys the stores lay out their tables with.

#![deny(unsafe_op_in_unsafe_fn)]

mod btree;
#[doc(hidden)]
pub mod codec;
pub mod db;
pub mod document;
pub mod error;
mod hash;
pub mod keys;
mod machine;
pub mod metadata;
pub mod metrics;
pub mod prompt;
pub mod query;
pub mod record;
pub mod rng;
pub mod search;
pub mod storage;
pub mod time;
mod utf8;
pub mod version;

#[doc(hidden)]
pub use btree::LeafSlot;
pub use btree::{Bytes, Finger};
pub use db::{
    Database, Durability, IntegrityReport, Options, Range, ReadOps, ReadTxn, Stats, Table, WriteTxn,
};
pub use error::{Error, ErrorKind, Result};
