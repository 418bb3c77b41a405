//! Tests of the prompt store, one file per record kind, on the memory file system.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod conversations;
mod prompts;
mod store;
mod usage;

pub(crate) use crate::metadata::tests::{assert_field_error, keys, mem_db, write};
