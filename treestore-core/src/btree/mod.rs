//! The copy-on-write B+tree: page layouts, decoded nodes, the read side (lookups, cursors) and the
//! write side (insert, remove, split, merge).

pub(crate) mod branch_key;
pub(crate) mod keycmp;
pub(crate) mod leaf_slots;
pub(crate) mod node;
pub(crate) mod page;
pub(crate) mod pool;
mod prefetch;
pub(crate) mod raw_branch;
mod relocate;
pub(crate) mod view;
pub(crate) mod write;

pub use leaf_slots::LeafSlot;
pub(crate) use prefetch::prefetch;
pub(crate) use view::PageHints;
pub use view::{Bytes, Finger};
pub(crate) use write::max_inline_value;
