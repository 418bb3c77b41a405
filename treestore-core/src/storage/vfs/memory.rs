//! [`MemVfs`]: files held in memory, for fast tests and as the image a simulated crash leaves behind.
//!
//! Also owns the pieces the memory-backed file systems share: bounds-checked byte-buffer I/O and
//! advisory locks with `flock` semantics ([`FileLocks`], [`HandleLock`]).
//!
//! A file is a node shared by every handle opened on it, so (as with an inode) a removed file stays
//! readable and writable through handles that were open at the time, and locks belong to the node,
//! not to the path.

use super::{LockMode, OpenOptions, Vfs, VfsFile};

use parking_lot::{Mutex, RwLock};
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An in-memory file system. Cloning is cheap and yields a handle to the same files.
#[derive(Clone, Default)]
pub struct MemVfs {
    files: Arc<Mutex<BTreeMap<PathBuf, Arc<MemNode>>>>,
}

/// One file: its bytes and who holds its advisory lock.
#[derive(Default)]
struct MemNode {
    data: RwLock<Vec<u8>>,
    locks: Arc<FileLocks>,
}

impl MemNode {
    fn with_bytes(bytes: Vec<u8>) -> Self {
        MemNode {
            data: RwLock::new(bytes),
            locks: Arc::default(),
        }
    }
}

impl MemVfs {
    /// An empty file system.
    pub fn new() -> Self {
        Self::default()
    }

    /// An independent copy of every file's contents. No lock is held in the copy, and later changes to
    /// either side do not show in the other.
    pub fn deep_clone(&self) -> MemVfs {
        let copy: BTreeMap<PathBuf, Arc<MemNode>> = self
            .files
            .lock()
            .iter()
            .map(|(path, node)| {
                let bytes = node.data.read().clone();
                (path.clone(), Arc::new(MemNode::with_bytes(bytes)))
            })
            .collect();
        MemVfs {
            files: Arc::new(Mutex::new(copy)),
        }
    }

    /// A copy of the contents of `path`, or `None` when there is no such file.
    pub fn file_bytes(&self, path: impl AsRef<Path>) -> Option<Vec<u8>> {
        let node = self.node(path.as_ref())?;
        let bytes = node.data.read().clone();
        Some(bytes)
    }

    /// Replaces the contents of `path` (creating the file when missing). Open handles see the new bytes.
    pub fn set_file_bytes(&self, path: impl AsRef<Path>, bytes: Vec<u8>) {
        let mut files = self.files.lock();
        match files.get(path.as_ref()) {
            Some(node) => *node.data.write() = bytes,
            None => {
                let node = Arc::new(MemNode::with_bytes(bytes));
                files.insert(path.as_ref().to_path_buf(), node);
            }
        }
    }

    /// The paths of all files, sorted.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files.lock().keys().cloned().collect()
    }

    /// Every file with a copy of its contents, sorted by path: what tests compare when two runs
    /// must leave the same files byte for byte.
    pub fn files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let files = self.files.lock();
        let copies = files
            .iter()
            .map(|(path, node)| (path.clone(), node.data.read().clone()));
        copies.collect()
    }

    fn node(&self, path: &Path) -> Option<Arc<MemNode>> {
        self.files.lock().get(path).cloned()
    }
}

impl fmt::Debug for MemVfs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemVfs")
            .field("paths", &self.paths())
            .finish()
    }
}

impl Vfs for MemVfs {
    fn open(&self, path: &Path, opts: OpenOptions) -> io::Result<Box<dyn VfsFile>> {
        let node = {
            let mut files = self.files.lock();
            match files.get(path) {
                Some(node) => Arc::clone(node),
                None if opts.create => {
                    let node = Arc::new(MemNode::default());
                    files.insert(path.to_path_buf(), Arc::clone(&node));
                    node
                }
                None => return Err(not_found(path)),
            }
        };
        let lock = HandleLock::new(Arc::clone(&node.locks));
        Ok(Box::new(MemFile {
            node,
            read_only: opts.read_only,
            lock,
        }))
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        Ok(self.files.lock().contains_key(path))
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        self.files.lock().remove(path);
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut files = self.files.lock();
        let node = files.remove(from).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} does not exist", from.display()),
            )
        })?;
        files.insert(to.to_path_buf(), node);
        Ok(())
    }
}

/// An open [`MemVfs`] file.
struct MemFile {
    node: Arc<MemNode>,
    read_only: bool,
    lock: HandleLock,
}

impl VfsFile for MemFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        read_bytes(&self.node.data.read(), buf, offset)
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        if self.read_only {
            return Err(read_only_error());
        }
        write_bytes(&mut self.node.data.write(), buf, offset)
    }

    fn sync(&self) -> io::Result<()> {
        Ok(())
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.node.data.read().len() as u64)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        if self.read_only {
            return Err(read_only_error());
        }
        resize_bytes(&mut self.node.data.write(), len)
    }

    fn try_lock(&self, mode: LockMode) -> io::Result<bool> {
        Ok(self.lock.try_lock(mode))
    }
}

/// The error for a missing file opened without `create`.
pub(super) fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("no such file: {}", path.display()),
    )
}

/// The error for a write or resize through a handle opened read-only.
pub(super) fn read_only_error() -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, "file was opened read-only")
}

/// The in-memory index range of `len` bytes at `offset`; `InvalidInput` when it does not fit a `usize`.
pub(super) fn byte_range(offset: u64, len: usize) -> io::Result<Range<usize>> {
    let start = usize::try_from(offset).ok();
    match start.and_then(|start| Some(start..start.checked_add(len)?)) {
        Some(range) => Ok(range),
        None => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{len} bytes at offset {offset} lie beyond the addressable range"),
        )),
    }
}

/// Fills `buf` from `data` at `offset`; `UnexpectedEof` when that runs past the end.
pub(super) fn read_bytes(data: &[u8], buf: &mut [u8], offset: u64) -> io::Result<()> {
    let range = byte_range(offset, buf.len())?;
    match data.get(range) {
        Some(src) => {
            buf.copy_from_slice(src);
            Ok(())
        }
        None => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!(
                "read of {} bytes at offset {offset} passes the end of a {}-byte file",
                buf.len(),
                data.len()
            ),
        )),
    }
}

/// Writes `buf` into `data` at `offset`, zero-filling any gap. An empty write never grows the file
/// (as with `pwrite`). Allocation failure is an error, not an abort.
pub(super) fn write_bytes(data: &mut Vec<u8>, buf: &[u8], offset: u64) -> io::Result<()> {
    if buf.is_empty() {
        return Ok(());
    }
    let range = byte_range(offset, buf.len())?;
    if range.end > data.len() {
        resize_bytes(data, range.end as u64)?;
    }
    match data.get_mut(range) {
        Some(dst) => {
            dst.copy_from_slice(buf);
            Ok(())
        }
        None => Err(io::Error::other("file buffer shorter than its own resize")),
    }
}

/// Truncates `data` to `len` bytes or grows it with zeros. Allocation failure is an error, not an abort.
pub(super) fn resize_bytes(data: &mut Vec<u8>, len: u64) -> io::Result<()> {
    let new_len = byte_range(len, 0)?.start;
    if new_len > data.len() {
        data.try_reserve(new_len - data.len()).map_err(|e| {
            io::Error::new(
                io::ErrorKind::OutOfMemory,
                format!("cannot grow a memory file to {len} bytes: {e}"),
            )
        })?;
    }
    data.resize(new_len, 0);
    Ok(())
}

/// The advisory-lock holders of one file, with `flock` semantics: any number of shared holders or
/// one exclusive holder, where a holder is an open handle (not a thread or a process).
#[derive(Default)]
pub(super) struct FileLocks {
    counts: Mutex<LockCounts>,
}

/// Invariant: `exclusive` implies `shared == 0`.
#[derive(Default)]
struct LockCounts {
    shared: usize,
    exclusive: bool,
}

impl LockCounts {
    fn conflicts(&self, mode: LockMode) -> bool {
        match mode {
            LockMode::Shared => self.exclusive,
            LockMode::Exclusive => self.exclusive || self.shared > 0,
        }
    }

    fn acquire(&mut self, mode: LockMode) {
        match mode {
            LockMode::Shared => self.shared += 1,
            LockMode::Exclusive => self.exclusive = true,
        }
    }

    fn release(&mut self, mode: LockMode) {
        match mode {
            LockMode::Shared => self.shared = self.shared.saturating_sub(1),
            LockMode::Exclusive => self.exclusive = false,
        }
    }
}

/// The lock one open handle holds on its file (at most one, as with `flock` per open file
/// description). Released on drop, as closing the descriptor releases a `flock`.
pub(super) struct HandleLock {
    locks: Arc<FileLocks>,
    held: Mutex<Option<LockMode>>,
}

impl HandleLock {
    /// A handle on `locks` holding nothing yet.
    pub(super) fn new(locks: Arc<FileLocks>) -> Self {
        HandleLock {
            locks,
            held: Mutex::new(None),
        }
    }

    /// Takes `mode` without waiting; `false` when another handle prevents it.
    ///
    /// Changing the mode of a held lock behaves as on Linux: the old lock is dropped first and stays
    /// dropped when the new mode conflicts, so a failed upgrade leaves the handle holding nothing.
    pub(super) fn try_lock(&self, mode: LockMode) -> bool {
        // Lock order: `held`, then `counts` (also in `drop`).
        let mut held = self.held.lock();
        if *held == Some(mode) {
            return true;
        }
        let mut counts = self.locks.counts.lock();
        if let Some(old) = held.take() {
            counts.release(old);
        }
        if counts.conflicts(mode) {
            return false;
        }
        counts.acquire(mode);
        *held = Some(mode);
        true
    }
}

impl Drop for HandleLock {
    fn drop(&mut self) {
        if let Some(old) = self.held.get_mut().take() {
            self.locks.counts.lock().release(old);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATE: OpenOptions = OpenOptions {
        create: true,
        read_only: false,
    };
    const EXISTING: OpenOptions = OpenOptions {
        create: false,
        read_only: false,
    };
    const READ_ONLY: OpenOptions = OpenOptions {
        create: false,
        read_only: true,
    };

    fn open(vfs: &MemVfs, path: &str, opts: OpenOptions) -> Box<dyn VfsFile> {
        vfs.open(Path::new(path), opts).expect("open")
    }

    #[test]
    fn opening_missing_file_without_create_is_not_found() {
        let vfs = MemVfs::new();
        let err = vfs.open(Path::new("a"), EXISTING).err().expect("error");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(!vfs.exists(Path::new("a")).expect("exists"));
    }

    #[test]
    fn writes_are_read_back_and_grow_the_file_with_zeros() {
        let vfs = MemVfs::new();
        let f = open(&vfs, "a", CREATE);
        f.write_at(b"xyz", 5).expect("write");
        assert_eq!(f.len().expect("len"), 8);
        let mut buf = [9u8; 8];
        f.read_at(&mut buf, 0).expect("read");
        assert_eq!(&buf, b"\0\0\0\0\0xyz");
        assert_eq!(vfs.file_bytes("a").expect("bytes"), b"\0\0\0\0\0xyz");
    }

    #[test]
    fn empty_write_past_the_end_does_not_grow_the_file() {
        let vfs = MemVfs::new();
        let f = open(&vfs, "a", CREATE);
        f.write_at(&[], 100).expect("write");
        assert_eq!(f.len().expect("len"), 0);
    }

    #[test]
    fn reading_past_the_end_is_unexpected_eof() {
        let vfs = MemVfs::new();
        let f = open(&vfs, "a", CREATE);
        f.write_at(b"abcd", 0).expect("write");
        let mut buf = [0u8; 4];
        let err = f.read_at(&mut buf, 1).expect_err("error");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let err = f.read_at(&mut buf, u64::MAX).expect_err("error");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn absurd_offsets_and_lengths_are_errors_not_panics() {
        let vfs = MemVfs::new();
        let f = open(&vfs, "a", CREATE);
        assert!(f.write_at(b"x", u64::MAX).is_err());
        assert!(f.write_at(b"x", 1 << 60).is_err());
        assert!(f.set_len(1 << 60).is_err());
        assert_eq!(f.len().expect("len"), 0);
    }

    #[test]
    fn set_len_truncates_and_grows_with_zeros() {
        let vfs = MemVfs::new();
        let f = open(&vfs, "a", CREATE);
        f.write_at(b"abcdef", 0).expect("write");
        f.set_len(2).expect("truncate");
        f.set_len(4).expect("grow");
        assert_eq!(vfs.file_bytes("a").expect("bytes"), b"ab\0\0");
    }

    #[test]
    fn read_only_handle_refuses_writes_and_resizes() {
        let vfs = MemVfs::new();
        open(&vfs, "a", CREATE).write_at(b"abc", 0).expect("write");
        let f = open(&vfs, "a", READ_ONLY);
        let err = f.write_at(b"x", 0).expect_err("error");
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert!(f.set_len(0).is_err());
        let mut buf = [0u8; 3];
        f.read_at(&mut buf, 0).expect("read");
        assert_eq!(&buf, b"abc");
    }

    #[test]
    fn exclusive_lock_excludes_other_handles_until_dropped() {
        let vfs = MemVfs::new();
        let a = open(&vfs, "db", CREATE);
        let b = open(&vfs, "db", EXISTING);
        assert!(a.try_lock(LockMode::Exclusive).expect("lock"));
        assert!(a.try_lock(LockMode::Exclusive).expect("relock"));
        assert!(!b.try_lock(LockMode::Exclusive).expect("lock"));
        assert!(!b.try_lock(LockMode::Shared).expect("lock"));
        drop(a);
        assert!(b.try_lock(LockMode::Exclusive).expect("lock"));
    }

    #[test]
    fn shared_locks_coexist_and_block_exclusive() {
        let vfs = MemVfs::new();
        let a = open(&vfs, "db", CREATE);
        let b = open(&vfs, "db", READ_ONLY);
        let c = open(&vfs, "db", EXISTING);
        assert!(a.try_lock(LockMode::Shared).expect("lock"));
        assert!(b.try_lock(LockMode::Shared).expect("lock"));
        assert!(!c.try_lock(LockMode::Exclusive).expect("lock"));
        drop(a);
        drop(b);
        assert!(c.try_lock(LockMode::Exclusive).expect("lock"));
    }

    #[test]
    fn failed_upgrade_drops_the_shared_lock_like_flock() {
        let vfs = MemVfs::new();
        let a = open(&vfs, "db", CREATE);
        let b = open(&vfs, "db", EXISTING);
        assert!(a.try_lock(LockMode::Shared).expect("lock"));
        assert!(b.try_lock(LockMode::Shared).expect("lock"));
        assert!(!a.try_lock(LockMode::Exclusive).expect("upgrade"));
        // `a` now holds nothing, so `b` can upgrade.
        assert!(b.try_lock(LockMode::Exclusive).expect("upgrade"));
        assert!(b.try_lock(LockMode::Shared).expect("downgrade"));
        assert!(a.try_lock(LockMode::Shared).expect("lock"));
    }

    #[test]
    fn removed_file_stays_usable_through_open_handles() {
        let vfs = MemVfs::new();
        let old = open(&vfs, "a", CREATE);
        assert!(old.try_lock(LockMode::Exclusive).expect("lock"));
        vfs.remove(Path::new("a")).expect("remove");
        vfs.remove(Path::new("a"))
            .expect("removing a missing file is fine");
        old.write_at(b"old", 0).expect("write");
        let new = open(&vfs, "a", CREATE);
        assert_eq!(new.len().expect("len"), 0);
        assert!(new
            .try_lock(LockMode::Exclusive)
            .expect("lock on the new file"));
    }

    #[test]
    fn deep_clone_is_independent_and_holds_no_locks() {
        let vfs = MemVfs::new();
        let f = open(&vfs, "a", CREATE);
        f.write_at(b"one", 0).expect("write");
        assert!(f.try_lock(LockMode::Exclusive).expect("lock"));
        let copy = vfs.deep_clone();
        f.write_at(b"two", 0).expect("write");
        assert_eq!(copy.file_bytes("a").expect("bytes"), b"one");
        let g = open(&copy, "a", EXISTING);
        assert!(g.try_lock(LockMode::Exclusive).expect("lock"));
        g.write_at(b"three", 0).expect("write");
        assert_eq!(vfs.file_bytes("a").expect("bytes"), b"two");
    }

    #[test]
    fn set_file_bytes_creates_or_replaces_and_paths_are_sorted() {
        let vfs = MemVfs::new();
        vfs.set_file_bytes("b", b"bee".to_vec());
        let f = open(&vfs, "b", EXISTING);
        vfs.set_file_bytes("b", b"BE".to_vec());
        vfs.set_file_bytes("a", Vec::new());
        assert_eq!(f.len().expect("len"), 2);
        assert_eq!(vfs.paths(), vec![PathBuf::from("a"), PathBuf::from("b")]);
        assert_eq!(vfs.file_bytes("c"), None);
    }

    #[test]
    fn clones_share_files() {
        let vfs = MemVfs::new();
        let other = vfs.clone();
        open(&vfs, "a", CREATE).write_at(b"hi", 0).expect("write");
        assert_eq!(other.file_bytes("a").expect("bytes"), b"hi");
    }

    #[test]
    fn concurrent_positioned_writes_all_land() {
        let vfs = MemVfs::new();
        let f: Arc<dyn VfsFile> = Arc::from(open(&vfs, "a", CREATE));
        let threads: Vec<_> = (0..4u8)
            .map(|i| {
                let f = Arc::clone(&f);
                std::thread::spawn(move || {
                    for j in 0..64u64 {
                        let offset = (u64::from(i) * 64 + j) * 8;
                        f.write_at(&[i; 8], offset).expect("write");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("join");
        }
        let bytes = vfs.file_bytes("a").expect("bytes");
        assert_eq!(bytes.len(), 4 * 64 * 8);
        for (i, chunk) in bytes.chunks(64 * 8).enumerate() {
            assert!(chunk.iter().all(|&b| usize::from(b) == i));
        }
    }
}
