//! The head-to-head benchmark of issue 8: the same corpus loaded into TreeStore, PostgreSQL 15 and
//! SQLite, the same tree, version, search and write queries run against each, answers checked for
//! equality before anything is timed. `benches/headtohead.rs` drives it; this module owns the
//! corpus ([`corpus`]), the query sets ([`queries`]), one adapter per engine ([`ts`], [`pg`],
//! [`sqlite`]), the answer comparison ([`check`]) and the latency statistics and report
//! ([`report`]).

pub mod check;
pub mod corpus;
pub mod pg;
pub mod queries;
pub mod report;
pub mod sqlite;
pub mod ts;

use std::sync::atomic::{AtomicU64, Ordering};

pub use corpus::{Corpus, Doc};
pub use queries::{Kind, Query};

/// What a query returned, normalized so engines compare: one line per node (id and the lengths of
/// what was returned), the version id, or search hits with their score.
pub type Answer = Vec<String>;

/// One engine under test. A session is one connection (PostgreSQL, SQLite) or handle (TreeStore)
/// used by one thread.
pub trait Engine: Sync {
    /// The column name in the table.
    fn name(&self) -> &'static str;
    /// A new session for one thread.
    fn session(&self) -> Box<dyn Session + '_>;
    /// Closes and reopens (restarts the server), so the next query of each kind is cold for the
    /// engine's own caches. The OS page cache stays warm.
    fn reopen(&mut self);
    /// Whether this engine answers `kind` (the ltree variant answers subtree kinds only).
    fn runs(&self, kind: Kind) -> bool {
        let _ = kind;
        true
    }
}

/// One thread's connection to an engine.
pub trait Session: Send {
    /// Runs one query and returns its normalized answer.
    fn run(&mut self, q: &Query) -> Answer;
}

/// One line of a node answer: its id and the byte lengths of title, summary and text returned
/// (0 when absent), so an engine returning other content or a cut differently fails the check.
pub fn node_line(id: &str, title: &str, summary: Option<&str>, text: Option<&str>) -> String {
    format!(
        "{id}|{}|{}|{}",
        title.len(),
        summary.map_or(0, str::len),
        text.map_or(0, str::len)
    )
}

/// A process-wide counter for names of written documents and tool results, so that no two
/// writes (of any engine, any thread) collide.
pub fn next_write_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
