//! The storage layer under the B+tree: the file-system seam, the main file's format, the page cache
//! and memory map, the page allocator and the write-ahead log.

pub(crate) mod alloc;
pub(crate) mod delta;
pub(crate) mod format;
pub(crate) mod overlay;
pub(crate) mod pager;
pub mod vfs;
pub(crate) mod wal;
