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

/// What a query returned, normalized so engines compare: one line per node, the version id, or
/// search hits with their score.
pub type Answer = Vec<Line>;

/// One line of an [`Answer`].
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// A node: its id and the byte lengths of the title, summary and text returned (0 when
    /// absent), so an engine returning other content or cutting it differently fails the check.
    /// Lengths rather than a formatted line, so that building the answer costs each engine only
    /// what it must return anyway (the id it allocated), not number formatting.
    Node {
        id: String,
        title: usize,
        summary: usize,
        text: usize,
    },
    /// A version id, `none`, or a search hit as `policy/version/node@score`.
    Text(String),
}

impl Line {
    /// The text of a [`Line::Text`] (empty for a node).
    pub fn text(&self) -> &str {
        match self {
            Line::Text(s) => s,
            Line::Node { .. } => "",
        }
    }
}

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

/// The [`Line::Node`] of a returned node.
pub fn node_line(id: String, title: &str, summary: Option<&str>, text: Option<&str>) -> Line {
    Line::Node {
        id,
        title: title.len(),
        summary: summary.map_or(0, str::len),
        text: text.map_or(0, str::len),
    }
}

/// A process-wide counter for names of written documents and tool results, so that no two
/// writes (of any engine, any thread) collide.
pub fn next_write_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
