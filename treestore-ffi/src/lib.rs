//! `libtreestore`: the stable C ABI of TreeStore. Every export follows one convention (documented in
//! the generated header's preamble and in `docs/c-api.md`), modelled on rustls-ffi:
//!
//! - opaque handles created through an out-parameter and released by a `_free` that accepts NULL;
//! - a `treestore_status` return code (numbered in groups, never reused); outputs written only on
//!   success; an optional `treestore_error **` out-parameter for the message;
//! - strings in as `(const uint8_t *, size_t)` UTF-8, validated; strings out as `treestore_str` views
//!   into a result object that owns them until it is freed;
//! - every export runs inside `panic::boundary`, so no panic unwinds into C (a test checks that no
//!   export lacks it).

#![allow(non_camel_case_types)]
// Exports are safe `extern "C" fn`s whose pointer arguments carry the documented C contract (valid or
// NULL); every dereference is fenced in `args` or a `// SAFETY:` block. Marking them `unsafe fn` would
// change nothing for C callers.
#![allow(clippy::not_unsafe_ptr_arg_deref)]
// A C signature has as many parameters as the operation needs: (ptr, len) pairs double them.
#![allow(clippy::too_many_arguments)]

mod args;
mod db;
mod documents;
mod error;
mod exports;
mod kv;
mod logging;
mod metadata;
mod nodes;
mod panic;
mod pool;
mod prompt;
mod query;
mod records;
mod result;
mod search;
mod status;
mod tree;
mod txn;
mod versions;

pub use db::*;
pub use documents::*;
pub use error::*;
pub use kv::*;
pub use logging::*;
pub use metadata::*;
pub use nodes::*;
pub use prompt::*;
pub use query::*;
pub use records::*;
pub use result::*;
pub use search::*;
pub use status::*;
pub use tree::*;
pub use txn::*;
pub use versions::*;
