//! [`MetadataStore`]: every operation of the metadata store in its own transaction, for callers
//! that do not combine stores in one commit. The single-record writes the service makes from
//! many threads at once (tool results, trajectory steps) go through write combining
//! ([`Database::write_combined`](crate::Database::write_combined)).

use crate::db::{Database, ReadTxn, WriteTxn};
use crate::error::Result;
use crate::time::Timestamp;

use super::common::Page;
use super::contradictions::{self as con, Contradiction, ContradictionQuery, ResolutionStatus};
use super::cross_refs::{self as xr, CrossReference, CrossReferenceQuery};
use super::entries::{self as ent, EntityRef, MetadataEntry, MetadataQuery};
use super::tool_results::{self as tr, ToolResult, ToolResultQuery};
use super::trajectories::{self as traj, Trajectory, TrajectoryStep};

/// The metadata store of one database. Each method runs in its own transaction (writes commit
/// durably before returning; on error nothing is written); to combine stores in one commit, call
/// the module's functions on a shared [`WriteTxn`] instead.
#[derive(Clone, Copy)]
pub struct MetadataStore<'db>(pub &'db Database);

impl MetadataStore<'_> {
    fn write<T>(&self, f: impl FnOnce(&mut WriteTxn) -> Result<T>) -> Result<T> {
        let mut txn = self.0.begin_write()?;
        let out = f(&mut txn)?;
        txn.commit()?;
        Ok(out)
    }

    /// A single-record write: combined with the ones other threads make at the same time into
    /// one commit and one WAL flush ([`Database::write_combined`]); as durable and as atomic as
    /// [`Self::write`]'s. `f` may run more than once; the run that commits counts.
    fn combined<T: Send + 'static>(
        &self,
        f: impl FnMut(&mut WriteTxn) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.0.write_combined(f)
    }

    fn read<T>(&self, f: impl FnOnce(&ReadTxn) -> Result<T>) -> Result<T> {
        f(&self.0.begin_read()?)
    }

    /// See [`store_tool_result`](super::store_tool_result). Tool results stored by several
    /// threads at once share one commit and one WAL flush; each call still returns only once its
    /// own result is durable, and a failing one writes nothing without failing the others.
    ///
    /// The result is checked, encoded and its text analyzed on this thread before it joins the
    /// group, so the thread that applies the group only inserts it (and an invalid result fails
    /// here, alone).
    pub fn store_tool_result(&self, result: ToolResult) -> Result<ToolResult> {
        let stemming = self.read(crate::search::stemming)?;
        let prepared = tr::PreparedToolResult::new(result, stemming)?;
        self.combined(move |w| {
            prepared.store(w)?;
            Ok(prepared.result().clone())
        })
    }

    /// See [`tool_result`](super::tool_result).
    pub fn tool_result(&self, execution_id: &str) -> Result<Option<ToolResult>> {
        self.read(|r| tr::tool_result(r, execution_id))
    }

    /// See [`tool_results`](fn@super::tool_results).
    pub fn tool_results(&self, query: &ToolResultQuery) -> Result<Page<ToolResult>> {
        self.read(|r| tr::tool_results(r, query))
    }

    /// See [`delete_tool_result`](super::delete_tool_result).
    pub fn delete_tool_result(&self, execution_id: &str) -> Result<bool> {
        self.write(|w| tr::delete_tool_result(w, execution_id))
    }

    /// See [`purge_tool_results`](super::purge_tool_results).
    pub fn purge_tool_results(&self, before: Timestamp) -> Result<u64> {
        self.write(|w| tr::purge_tool_results(w, before))
    }

    /// See [`store_trajectory`](super::store_trajectory).
    pub fn store_trajectory(&self, trajectory: Trajectory) -> Result<Trajectory> {
        self.write(|w| traj::store_trajectory(w, trajectory))
    }

    /// See [`append_trajectory_step`](super::append_trajectory_step).
    pub fn append_trajectory_step(
        &self,
        trajectory_id: &str,
        step: TrajectoryStep,
    ) -> Result<TrajectoryStep> {
        // Combined as tool results are (see `store_tool_result`).
        let id = trajectory_id.to_string();
        self.combined(move |w| traj::append_trajectory_step(w, &id, step.clone()))
    }

    /// See [`complete_trajectory`](super::complete_trajectory).
    pub fn complete_trajectory(&self, trajectory_id: &str, completed_at: Timestamp) -> Result<()> {
        self.write(|w| traj::complete_trajectory(w, trajectory_id, completed_at))
    }

    /// See [`trajectory`](super::trajectory).
    pub fn trajectory(&self, trajectory_id: &str) -> Result<Option<Trajectory>> {
        self.read(|r| traj::trajectory(r, trajectory_id))
    }

    /// See [`trajectory_steps`](super::trajectory_steps).
    pub fn trajectory_steps(
        &self,
        trajectory_id: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<TrajectoryStep>> {
        self.read(|r| traj::trajectory_steps(r, trajectory_id, limit, cursor))
    }

    /// See [`trajectories`](fn@super::trajectories).
    pub fn trajectories(
        &self,
        case_id: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<Trajectory>> {
        self.read(|r| traj::trajectories(r, case_id, limit, cursor))
    }

    /// See [`delete_trajectory`](super::delete_trajectory).
    pub fn delete_trajectory(&self, trajectory_id: &str) -> Result<bool> {
        self.write(|w| traj::delete_trajectory(w, trajectory_id))
    }

    /// See [`store_cross_reference`](super::store_cross_reference).
    pub fn store_cross_reference(&self, reference: CrossReference) -> Result<CrossReference> {
        self.write(|w| xr::store_cross_reference(w, reference))
    }

    /// See [`cross_references`](super::cross_references).
    pub fn cross_references(&self, query: &CrossReferenceQuery) -> Result<Page<CrossReference>> {
        self.read(|r| xr::cross_references(r, query))
    }

    /// See [`delete_cross_reference`](super::delete_cross_reference).
    pub fn delete_cross_reference(&self, reference: &CrossReference) -> Result<bool> {
        self.write(|w| xr::delete_cross_reference(w, reference))
    }

    /// See [`delete_cross_references_of`](super::delete_cross_references_of).
    pub fn delete_cross_references_of(&self, policy_id: &str) -> Result<u64> {
        self.write(|w| xr::delete_cross_references_of(w, policy_id))
    }

    /// See [`store_contradiction`](super::store_contradiction).
    pub fn store_contradiction(&self, contradiction: Contradiction) -> Result<Contradiction> {
        self.write(|w| con::store_contradiction(w, contradiction))
    }

    /// See [`resolve_contradiction`](super::resolve_contradiction).
    pub fn resolve_contradiction(
        &self,
        id: &str,
        status: ResolutionStatus,
        resolution: Option<&str>,
    ) -> Result<Contradiction> {
        self.write(|w| con::resolve_contradiction(w, id, status, resolution))
    }

    /// See [`contradiction`](super::contradiction).
    pub fn contradiction(&self, id: &str) -> Result<Option<Contradiction>> {
        self.read(|r| con::contradiction(r, id))
    }

    /// See [`contradictions`](fn@super::contradictions) (the SDKs' `list_contradictions`).
    pub fn contradictions(&self, query: &ContradictionQuery) -> Result<Page<Contradiction>> {
        self.read(|r| con::contradictions(r, query))
    }

    /// See [`delete_contradiction`](super::delete_contradiction).
    pub fn delete_contradiction(&self, id: &str) -> Result<bool> {
        self.write(|w| con::delete_contradiction(w, id))
    }

    /// See [`set_metadata`](super::set_metadata).
    pub fn set_metadata(&self, entry: MetadataEntry) -> Result<MetadataEntry> {
        self.write(|w| ent::set_metadata(w, entry))
    }

    /// See [`metadata`](super::metadata).
    pub fn metadata(
        &self,
        entity_type: &str,
        entity_id: &str,
        key: &str,
    ) -> Result<Option<MetadataEntry>> {
        self.read(|r| ent::metadata(r, entity_type, entity_id, key))
    }

    /// See [`all_metadata`](super::all_metadata).
    pub fn all_metadata(&self, entity_type: &str, entity_id: &str) -> Result<Vec<MetadataEntry>> {
        self.read(|r| ent::all_metadata(r, entity_type, entity_id))
    }

    /// See [`metadata_page`](super::metadata_page).
    pub fn metadata_page(
        &self,
        entity_type: &str,
        entity_id: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<MetadataEntry>> {
        self.read(|r| ent::metadata_page(r, entity_type, entity_id, limit, cursor))
    }

    /// See [`delete_metadata`](super::delete_metadata).
    pub fn delete_metadata(&self, entity_type: &str, entity_id: &str, key: &str) -> Result<bool> {
        self.write(|w| ent::delete_metadata(w, entity_type, entity_id, key))
    }

    /// See [`delete_all_metadata`](super::delete_all_metadata).
    pub fn delete_all_metadata(&self, entity_type: &str, entity_id: &str) -> Result<u64> {
        self.write(|w| ent::delete_all_metadata(w, entity_type, entity_id))
    }

    /// See [`query_by_key`](super::query_by_key).
    pub fn query_by_key(
        &self,
        entity_type: Option<&str>,
        key: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<MetadataEntry>> {
        self.read(|r| ent::query_by_key(r, entity_type, key, limit, cursor))
    }

    /// See [`query_by_key_value`](super::query_by_key_value).
    pub fn query_by_key_value(
        &self,
        entity_type: Option<&str>,
        key: &str,
        value: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<MetadataEntry>> {
        self.read(|r| ent::query_by_key_value(r, entity_type, key, value, limit, cursor))
    }

    /// See [`query_multiple`](super::query_multiple).
    pub fn query_multiple(&self, query: &MetadataQuery) -> Result<Page<EntityRef>> {
        self.read(|r| ent::query_multiple(r, query))
    }
}
