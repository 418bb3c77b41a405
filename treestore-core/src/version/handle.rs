//! [`Versions`]: the version store's convenience handle, one transaction per call.

use crate::db::Database;
use crate::document::Document;
use crate::error::Result;
use crate::time::Timestamp;

use super::model::{PolicyPage, VersionDiff, VersionPage};
use super::read::VersionReader;
use super::write;

/// The version store on a database: every method runs in its own transaction. Use
/// [`VersionReader`] and [`tag_version`](super::tag_version) on a transaction to combine calls.
#[derive(Clone, Copy)]
pub struct Versions<'db>(pub &'db Database);

impl<'db> Versions<'db> {
    /// The version store of `db`.
    pub fn new(db: &'db Database) -> Self {
        Versions(db)
    }

    /// See [`VersionReader::list_versions`].
    pub fn list_versions(
        &self,
        policy: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<VersionPage> {
        let tx = self.0.begin_read()?;
        VersionReader::new(&tx).list_versions(policy, limit, cursor)
    }

    /// See [`VersionReader::policies`].
    pub fn policies(&self) -> Result<Vec<String>> {
        let tx = self.0.begin_read()?;
        VersionReader::new(&tx).policies()
    }

    /// See [`VersionReader::policies_page`].
    pub fn policies_page(&self, limit: usize, cursor: Option<&str>) -> Result<PolicyPage> {
        let tx = self.0.begin_read()?;
        VersionReader::new(&tx).policies_page(limit, cursor)
    }

    /// See [`VersionReader::version`].
    pub fn version(&self, policy: &str, version: &str) -> Result<Document> {
        let tx = self.0.begin_read()?;
        VersionReader::new(&tx).version(policy, version)
    }

    /// See [`VersionReader::version_by_tag`].
    pub fn version_by_tag(&self, policy: &str, tag: &str) -> Result<Document> {
        let tx = self.0.begin_read()?;
        VersionReader::new(&tx).version_by_tag(policy, tag)
    }

    /// See [`VersionReader::latest_version`].
    pub fn latest_version(&self, policy: &str) -> Result<Document> {
        let tx = self.0.begin_read()?;
        VersionReader::new(&tx).latest_version(policy)
    }

    /// See [`VersionReader::version_as_of`].
    pub fn version_as_of(&self, policy: &str, at: Timestamp) -> Result<Document> {
        let tx = self.0.begin_read()?;
        VersionReader::new(&tx).version_as_of(policy, at)
    }

    /// See [`VersionReader::diff_versions`].
    pub fn diff_versions(&self, policy: &str, from: &str, to: &str) -> Result<VersionDiff> {
        let tx = self.0.begin_read()?;
        VersionReader::new(&tx).diff_versions(policy, from, to)
    }

    /// See [`tag_version`](super::tag_version).
    pub fn tag_version(&self, policy: &str, version: &str, tag: &str) -> Result<()> {
        let mut tx = self.0.begin_write()?;
        write::tag_version(&mut tx, policy, version, tag)?;
        tx.commit()
    }

    /// See [`untag_version`](super::untag_version).
    pub fn untag_version(&self, policy: &str, tag: &str) -> Result<bool> {
        let mut tx = self.0.begin_write()?;
        let had = write::untag_version(&mut tx, policy, tag)?;
        tx.commit()?;
        Ok(had)
    }
}
