//! How a database is opened: durability, page size, read-only, file system.

use std::sync::Arc;
use std::time::Duration;

use crate::storage::vfs::{OsVfs, Vfs};

/// When a commit is durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// A commit returns after its WAL record is fsynced (concurrent commits share one fsync).
    #[default]
    Sync,
    /// Commits return without fsync; the WAL is synced in the background every `sync_interval` and
    /// at each checkpoint. A crash loses at most the commits since, never consistency.
    Relaxed,
}

/// Options for [`Database::open`](super::Database::open).
#[derive(Clone)]
pub struct Options {
    /// Durability of commits.
    pub durability: Durability,
    /// Page size of a new database (a power of two, 1 KiB to 64 KiB); an existing file keeps its own.
    pub page_size: u32,
    /// Open for reading only (shared file lock; no writes, no WAL changes).
    pub read_only: bool,
    /// Create the file when it does not exist.
    pub create: bool,
    /// Checkpoint automatically once the WAL passes this many bytes.
    pub checkpoint_wal_bytes: u64,
    /// A commit of at least this many bytes of pages writes them straight into the main file
    /// (synced before its WAL commit record, which names them) instead of into the WAL, so a bulk
    /// load writes its pages once instead of twice. Costs one more fsync per such commit (of
    /// scattered pages), which is why commits of a few MiB stay on the WAL.
    pub direct_commit_bytes: u64,
    /// Background WAL sync interval in relaxed mode.
    pub sync_interval: Duration,
    /// When the last handle closes with at least a quarter of the main file free (and 1 MiB),
    /// move the live pages down and cut the free end off the file (as SQLite's auto-vacuum does).
    /// Costs one write transaction and two checkpoints at that close.
    pub shrink_at_close: bool,
    /// The file system (tests inject memory and faulty ones).
    pub vfs: Arc<dyn Vfs>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            durability: Durability::Sync,
            page_size: crate::storage::format::DEFAULT_PAGE_SIZE,
            read_only: false,
            create: true,
            checkpoint_wal_bytes: 64 << 20,
            direct_commit_bytes: 16 << 20,
            sync_interval: Duration::from_millis(100),
            shrink_at_close: true,
            vfs: Arc::new(OsVfs),
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("durability", &self.durability)
            .field("page_size", &self.page_size)
            .field("read_only", &self.read_only)
            .field("create", &self.create)
            .field("checkpoint_wal_bytes", &self.checkpoint_wal_bytes)
            .field("direct_commit_bytes", &self.direct_commit_bytes)
            .field("sync_interval", &self.sync_interval)
            .field("shrink_at_close", &self.shrink_at_close)
            .finish_non_exhaustive()
    }
}
