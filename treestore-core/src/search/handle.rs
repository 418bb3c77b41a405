//! [`SearchIndex`]: the store's functions, each in its own transaction.

use super::check::{check, IndexSummary};
use super::model::{DocRef, Field, SearchHit, SearchOptions, SearchSettings};
use super::snippet::snippet_with;
use super::write::{self, NodeText};
use crate::db::Database;
use crate::error::Result;

/// The search index of a database, for callers that need no transaction spanning stores.
#[derive(Clone, Copy)]
pub struct SearchIndex<'db>(pub &'db Database);

impl<'db> SearchIndex<'db> {
    /// The index of `db`.
    pub fn new(db: &'db Database) -> SearchIndex<'db> {
        SearchIndex(db)
    }

    /// Runs `f` in a write transaction and commits when it succeeds.
    fn write<T>(&self, f: impl FnOnce(&mut crate::db::WriteTxn) -> Result<T>) -> Result<T> {
        let mut tx = self.0.begin_write()?;
        let out = f(&mut tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// See [`super::settings`].
    pub fn settings(&self) -> Result<SearchSettings> {
        write::settings(&self.0.begin_read()?)
    }

    /// See [`super::configure`].
    pub fn configure(&self, settings: &SearchSettings) -> Result<()> {
        self.write(|tx| write::configure(tx, settings))
    }

    /// See [`super::index_node`].
    pub fn index_node(&self, doc: &DocRef, fields: &[(Field, &str)]) -> Result<()> {
        self.write(|tx| write::index_node(tx, doc, fields))
    }

    /// See [`super::index_nodes`].
    pub fn index_nodes(&self, nodes: &[NodeText<'_>]) -> Result<()> {
        self.write(|tx| write::index_nodes(tx, nodes))
    }

    /// See [`super::remove_node`].
    pub fn remove_node(&self, doc: &DocRef) -> Result<bool> {
        self.write(|tx| write::remove_node(tx, doc))
    }

    /// See [`super::remove_version`].
    pub fn remove_version(&self, policy_id: &str, version_id: &str) -> Result<u64> {
        self.write(|tx| write::remove_version(tx, policy_id, version_id))
    }

    /// See [`super::remove_policy`].
    pub fn remove_policy(&self, policy_id: &str) -> Result<u64> {
        self.write(|tx| write::remove_policy(tx, policy_id))
    }

    /// See [`super::search`].
    pub fn search(&self, query: &str, opts: &SearchOptions) -> Result<Vec<SearchHit>> {
        super::read::search(&self.0.begin_read()?, query, opts)
    }

    /// A snippet of `text` for a hit's matched terms, analyzed with the database's stemming
    /// (see [`super::snippet_with`]).
    pub fn snippet(&self, text: &str, matched_terms: &[String], max_len: usize) -> Result<String> {
        let stemming = self.settings()?.stemming;
        Ok(snippet_with(text, matched_terms, max_len, stemming))
    }

    /// See [`check`](fn@super::check).
    pub fn check(&self) -> Result<IndexSummary> {
        check(&self.0.begin_read()?)
    }
}
