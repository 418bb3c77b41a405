//! Tests of the document store: validation, derivation, every read against an in-memory
//! reference, replacement and deletion without stale entries, crash consistency, PageIndex.

pub(crate) mod support;

mod batch;
mod crash;
mod id_pos;
mod pageindex;
mod projection;
mod props;
mod queries;
mod search;
mod store;
