//! The subcommands, grouped by what they read or write; `main` dispatches to them.

pub(crate) mod admin;
pub(crate) mod browse;
pub(crate) mod history;
pub(crate) mod import;
pub(crate) mod search;
