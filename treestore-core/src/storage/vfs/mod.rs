//! The file-system seam: every byte the engine reads or writes goes through [`Vfs`] and [`VfsFile`], so
//! tests can run on memory, fail the Nth write or sync, and rebuild the image a power cut would leave.
//!
//! Implementations: [`OsVfs`] (real files, `flock`, memory maps), [`MemVfs`] (memory), and
//! [`FaultyVfs`] (memory with injected I/O errors and crash images).

mod faulty;
mod memory;
mod os;

pub use faulty::{CrashConfig, FaultyVfs};
pub use memory::MemVfs;
pub use os::OsVfs;

use std::io;
use std::path::Path;

/// How a file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Create the file when it does not exist.
    pub create: bool,
    /// Open for reading only; writes fail.
    pub read_only: bool,
}

/// A file system: opens files by path.
pub trait Vfs: Send + Sync + 'static {
    /// Opens `path`. A missing file is `io::ErrorKind::NotFound` unless `opts.create`.
    fn open(&self, path: &Path, opts: OpenOptions) -> io::Result<Box<dyn VfsFile>>;
    /// Whether `path` exists.
    fn exists(&self, path: &Path) -> io::Result<bool>;
    /// Removes `path`; a missing file is not an error.
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// Renames `from` to `to`, replacing `to` atomically, and makes the rename durable.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
}

/// How a file lock is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// Many holders at once (read-only opens).
    Shared,
    /// One holder (a writer).
    Exclusive,
}

/// An open file. All methods take `&self`: implementations synchronise internally, and positioned
/// reads and writes from several threads at once are allowed.
// `len` is an I/O call that can fail; an `is_empty` beside it would add nothing.
#[allow(clippy::len_without_is_empty)]
pub trait VfsFile: Send + Sync {
    /// Reads exactly `buf.len()` bytes at `offset`; reading past the end is `io::ErrorKind::UnexpectedEof`.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
    /// Writes all of `buf` at `offset`, growing the file when needed. Not durable until [`VfsFile::sync`].
    fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<()>;
    /// Makes every earlier write durable (`fdatasync`).
    fn sync(&self) -> io::Result<()>;
    /// Asks the system to start writing `len` bytes at `offset` to the disk now, without waiting,
    /// so a later [`VfsFile::sync`] waits for less. Only a hint: nothing is durable before that
    /// sync, and failing to start is not an error (the sync reports any failure to write).
    fn start_writeback(&self, _offset: u64, _len: u64) {}
    /// The current length in bytes.
    fn len(&self) -> io::Result<u64>;
    /// Grows (with zeros) or truncates the file.
    fn set_len(&self, len: u64) -> io::Result<()>;
    /// Tries to take an advisory lock without waiting; `Ok(false)` when another holder prevents it.
    fn try_lock(&self, mode: LockMode) -> io::Result<bool>;
    /// The real file behind this one, when there is one, so the pager can memory-map it.
    fn as_os_file(&self) -> Option<&std::fs::File> {
        None
    }
}
