//! The version store: the catalog of document versions per policy — which versions exist, which is
//! the latest, which was in force at an instant, tags, and node-level diffs between versions. The
//! nodes themselves belong to [`crate::document`], which writes through this catalog.
//!
//! Every `(policy_id, version_id)` gets a fresh `vid` (u64, never reused) each time it is stored;
//! the node tables are keyed by vid, so long strings never repeat in node keys and a replaced or
//! deleted version's entries are a contiguous range to drop.
//!
//! "Latest" is the version with the newest `created_at` (ties: the greater version id). A
//! version's validity period is `[effective_start, effective_end)`, where a missing start is
//! `created_at` and a missing end is the next version's start; explicit periods of one policy may
//! not overlap (checked against the neighbours by start when storing), nor two versions start at
//! the same instant.
//!
//! ## Tables (keys use [`crate::keys`]; values the [`crate::codec`] records in `record.rs`)
//!
//! | table         | key                                   | value                                   |
//! |---------------|---------------------------------------|-----------------------------------------|
//! | `ver.docs`    | `(policy str, version str)`           | format u8, vid, the [`Document`](crate::document::Document) fields, id hint (optional: run count uvar, then first number uvar and offset ivar per run) |
//! | `ver.by_time` | `(policy str, created_at i64, version str)` | vid                               |
//! | `ver.effective` | `(policy str, start i64, version str)` | explicit end (opt ivar), vid           |
//! | `ver.tags`    | `(policy str, tag str)`               | version id (UTF-8)                      |
//! | `ver.latest`  | `(policy str)`                        | format u8, vid, version id, the version's id hint (optional, as in `ver.docs`) |
//! | `ver.meta`    | `"next_vid"` (raw)                    | next vid, u64 little-endian             |
//!
//! Costs: resolving the latest version is one point read (`ver.latest`, kept in step on every store
//! and delete by one reverse seek of `ver.by_time` and a read of that version's `ver.docs` record
//! for its id hint); a named version is one point read (`ver.docs`, decoding only the vid and the
//! id hint); as-of is one reverse seek of `ver.effective` plus the version read; listing is a reverse prefix scan of `ver.by_time`.

mod diff;
mod effective_memo;
mod handle;
mod inline_str;
mod model;
pub(crate) mod read;
pub(crate) mod record;
mod resolutions;
mod slot_table;
pub(crate) mod write;

pub use handle::Versions;
pub use model::{NodeChange, NodeField, PolicyPage, VersionDiff, VersionPage};
pub use read::VersionReader;
pub use read::VersionRef;
pub use write::{tag_version, untag_version};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_resolutions;
