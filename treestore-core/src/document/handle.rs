//! [`Documents`]: the document store's convenience handle, one transaction per call.

use crate::db::Database;
use crate::error::Result;

use super::model::{Document, DocumentCounts, Node, StructureOptions, StructurePage};
use super::pageindex::{self, PageIndexFormat};
use super::read::DocReader;
use super::write;

/// The document store on a database: every method runs in its own transaction (a write commits
/// before it returns). To combine operations, or several stores, in one transaction, use
/// [`store_document`](super::store_document) and friends on a [`WriteTxn`](crate::WriteTxn) and
/// [`DocReader`] on a read transaction; a [`DocReader`] also avoids reopening tables per call.
#[derive(Clone, Copy)]
pub struct Documents<'db>(pub &'db Database);

impl<'db> Documents<'db> {
    /// The document store of `db`.
    pub fn new(db: &'db Database) -> Self {
        Documents(db)
    }

    /// See [`store_document`](super::store_document).
    pub fn store_document(&self, document: &Document, nodes: &[Node]) -> Result<Document> {
        let mut tx = self.0.begin_write()?;
        let stored = write::store_document(&mut tx, document, nodes)?;
        tx.commit()?;
        Ok(stored)
    }

    /// See [`store_documents`](super::store_documents).
    pub fn store_documents(&self, documents: &[(Document, Vec<Node>)]) -> Result<u64> {
        let mut tx = self.0.begin_write()?;
        let n = write::store_documents(&mut tx, documents)?;
        tx.commit()?;
        Ok(n)
    }

    /// See [`delete_document`](super::delete_document).
    pub fn delete_document(&self, policy: &str, version: Option<&str>) -> Result<u64> {
        let mut tx = self.0.begin_write()?;
        let n = write::delete_document(&mut tx, policy, version)?;
        tx.commit()?;
        Ok(n)
    }

    /// See [`import_pageindex`](super::import_pageindex).
    pub fn import_pageindex(&self, json: &str, template: &Document) -> Result<Document> {
        let mut tx = self.0.begin_write()?;
        let stored = pageindex::import_pageindex(&mut tx, json, template)?;
        tx.commit()?;
        Ok(stored)
    }

    /// See [`DocReader::export_pageindex`].
    pub fn export_pageindex(
        &self,
        policy: &str,
        version: Option<&str>,
        format: &PageIndexFormat,
    ) -> Result<String> {
        let tx = self.0.begin_read()?;
        DocReader::new(&tx).export_pageindex(policy, version, format)
    }

    /// See [`DocReader::document`].
    pub fn document(&self, policy: &str, version: Option<&str>) -> Result<(Document, Vec<Node>)> {
        let tx = self.0.begin_read()?;
        DocReader::new(&tx).document(policy, version)
    }

    /// See [`DocReader::node`].
    pub fn node(&self, policy: &str, version: Option<&str>, node_id: &str) -> Result<Node> {
        let tx = self.0.begin_read()?;
        DocReader::new(&tx).node(policy, version, node_id)
    }

    /// See [`DocReader::nodes`].
    pub fn nodes<S: AsRef<str>>(
        &self,
        policy: &str,
        version: Option<&str>,
        node_ids: &[S],
        include_text: bool,
    ) -> Result<Vec<Option<Node>>> {
        let tx = self.0.begin_read()?;
        DocReader::new(&tx).nodes(policy, version, node_ids, include_text)
    }

    /// See [`DocReader::children`].
    pub fn children(
        &self,
        policy: &str,
        version: Option<&str>,
        parent: Option<&str>,
        include_text: bool,
    ) -> Result<Vec<Node>> {
        let tx = self.0.begin_read()?;
        DocReader::new(&tx).children(policy, version, parent, include_text)
    }

    /// See [`DocReader::subtree`].
    pub fn subtree(
        &self,
        policy: &str,
        version: Option<&str>,
        node_id: &str,
        max_depth: u32,
        include_text: bool,
    ) -> Result<Vec<Node>> {
        let tx = self.0.begin_read()?;
        DocReader::new(&tx).subtree(policy, version, node_id, max_depth, include_text)
    }

    /// See [`DocReader::ancestor_path`].
    pub fn ancestor_path(
        &self,
        policy: &str,
        version: Option<&str>,
        node_id: &str,
        include_text: bool,
    ) -> Result<Vec<Node>> {
        let tx = self.0.begin_read()?;
        DocReader::new(&tx).ancestor_path(policy, version, node_id, include_text)
    }

    /// See [`DocReader::nodes_by_page`].
    pub fn nodes_by_page(
        &self,
        policy: &str,
        version: Option<&str>,
        page: i64,
        include_text: bool,
    ) -> Result<Vec<Node>> {
        let tx = self.0.begin_read()?;
        DocReader::new(&tx).nodes_by_page(policy, version, page, include_text)
    }

    /// See [`DocReader::nodes_by_pages`].
    pub fn nodes_by_pages(
        &self,
        policy: &str,
        version: Option<&str>,
        spec: &str,
        include_text: bool,
    ) -> Result<Vec<Node>> {
        let tx = self.0.begin_read()?;
        DocReader::new(&tx).nodes_by_pages(policy, version, spec, include_text)
    }

    /// See [`DocReader::node_by_section_path`].
    pub fn node_by_section_path(
        &self,
        policy: &str,
        version: Option<&str>,
        path: &str,
    ) -> Result<Node> {
        let tx = self.0.begin_read()?;
        DocReader::new(&tx).node_by_section_path(policy, version, path)
    }

    /// See [`DocReader::structure`].
    pub fn structure(
        &self,
        policy: &str,
        version: Option<&str>,
        options: &StructureOptions,
        cursor: Option<&str>,
    ) -> Result<StructurePage> {
        let tx = self.0.begin_read()?;
        DocReader::new(&tx).structure(policy, version, options, cursor)
    }

    /// See [`DocReader::counts`].
    pub fn counts(&self) -> Result<DocumentCounts> {
        let tx = self.0.begin_read()?;
        DocReader::new(&tx).counts()
    }
}
