//! [`OsVfs`]: the real file system, through positioned reads and writes (`pread`/`pwrite`),
//! `fdatasync`, and advisory `flock` locks.
//!
//! Directory entries are made durable here: creating or removing a file syncs its parent directory
//! before returning, so a crash cannot undo either once the call has succeeded.

use super::{LockMode, OpenOptions, Vfs, VfsFile};

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;
use std::path::Path;

/// The operating system's file system.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OsVfs;

impl Vfs for OsVfs {
    fn open(&self, path: &Path, opts: OpenOptions) -> io::Result<Box<dyn VfsFile>> {
        let file = match open_existing(path, opts.read_only) {
            Err(e) if opts.create && e.kind() == io::ErrorKind::NotFound => {
                create(path, opts.read_only)?
            }
            other => other?,
        };
        Ok(Box::new(OsFile {
            file,
            read_only: opts.read_only,
        }))
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        path.try_exists()
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        match fs::remove_file(path) {
            Ok(()) => sync_parent_dir(path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)?;
        sync_parent_dir(to)
    }
}

fn open_existing(path: &Path, read_only: bool) -> io::Result<File> {
    fs::OpenOptions::new()
        .read(true)
        .write(!read_only)
        .open(path)
}

/// Creates `path` and makes its directory entry durable, then opens it as asked. When another opener
/// wins the race to create it, the file is simply opened.
fn create(path: &Path, read_only: bool) -> io::Result<File> {
    let created = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path);
    let file = match created {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return open_existing(path, read_only)
        }
        Err(e) => return Err(e),
    };
    // IMPORTANT: a new file's name is only durable once its directory is synced.
    sync_parent_dir(path)?;
    if read_only {
        drop(file);
        return open_existing(path, true);
    }
    Ok(file)
}

/// `fsync`s the directory holding `path`, so entries created or removed there survive a crash.
fn sync_parent_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

/// An open [`OsVfs`] file. Its `flock` lock, if any, is released when the descriptor closes on drop.
struct OsFile {
    file: File,
    read_only: bool,
}

impl OsFile {
    fn check_writable(&self) -> io::Result<()> {
        if self.read_only {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "file was opened read-only",
            ));
        }
        Ok(())
    }
}

impl VfsFile for OsFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.file.read_exact_at(buf, offset)
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.check_writable()?;
        self.file.write_all_at(buf, offset)
    }

    fn sync(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    fn start_writeback(&self, offset: u64, len: u64) {
        if !self.read_only {
            start_writeback(&self.file, offset, len);
        }
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.check_writable()?;
        self.file.set_len(len)
    }

    fn try_lock(&self, mode: LockMode) -> io::Result<bool> {
        let op = match mode {
            LockMode::Shared => libc::LOCK_SH,
            LockMode::Exclusive => libc::LOCK_EX,
        };
        try_flock(&self.file, op | libc::LOCK_NB)
    }

    fn as_os_file(&self) -> Option<&File> {
        Some(&self.file)
    }
}

/// `sync_file_range(SYNC_FILE_RANGE_WRITE)`: starts the writeback of the range's dirty pages and
/// returns without waiting for it. Its result is ignored: it is a hint (see
/// [`VfsFile::start_writeback`]); the next `fdatasync` reports any write error.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn start_writeback(file: &File, offset: u64, len: u64) {
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return;
    };
    // SAFETY: the descriptor is open and owned by `file`, borrowed for the whole call, and
    // `sync_file_range` reads no memory of ours: it only queues the range's pages for writing.
    let _ = unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE)
    };
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _len: u64) {}

/// `flock(file, op)` with `op` non-blocking; `Ok(false)` when another open file description holds a
/// conflicting lock.
#[allow(unsafe_code)]
fn try_flock(file: &File, op: libc::c_int) -> io::Result<bool> {
    let fd = file.as_raw_fd();
    loop {
        // SAFETY: `fd` is an open descriptor owned by `file`, borrowed for the whole call, and `flock`
        // touches no memory of ours: it only changes the lock of the open file description.
        let rc = unsafe { libc::flock(fd, op) };
        if rc == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        match err.kind() {
            io::ErrorKind::WouldBlock => return Ok(false),
            io::ErrorKind::Interrupted => continue,
            _ => return Err(err),
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

    fn open(path: &Path, opts: OpenOptions) -> Box<dyn VfsFile> {
        OsVfs.open(path, opts).expect("open")
    }

    #[test]
    fn starting_writeback_changes_no_byte_and_never_fails() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let f = open(&path, CREATE);
        let data: Vec<u8> = (0..3 << 20).map(|i| (i % 251) as u8).collect();
        f.write_at(&data, 4096).expect("write");
        f.start_writeback(4096, data.len() as u64);
        f.start_writeback(0, 64 << 20); // past the end: ignored
        f.start_writeback(u64::MAX, u64::MAX); // out of range: ignored
        f.sync().expect("sync");
        let mut back = vec![0u8; data.len()];
        f.read_at(&mut back, 4096).expect("read");
        assert_eq!(back, data);
        open(&path, READ_ONLY).start_writeback(0, 4096);
    }

    #[test]
    fn second_open_cannot_take_an_exclusive_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let a = open(&path, CREATE);
        let b = open(&path, EXISTING);
        assert!(a.try_lock(LockMode::Exclusive).expect("lock"));
        assert!(!b.try_lock(LockMode::Exclusive).expect("lock"));
        assert!(!b.try_lock(LockMode::Shared).expect("lock"));
    }

    #[test]
    fn shared_locks_coexist_and_block_exclusive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let a = open(&path, CREATE);
        let b = open(&path, READ_ONLY);
        let c = open(&path, EXISTING);
        assert!(a.try_lock(LockMode::Shared).expect("lock"));
        assert!(b.try_lock(LockMode::Shared).expect("lock"));
        assert!(!c.try_lock(LockMode::Exclusive).expect("lock"));
    }

    #[test]
    fn lock_is_released_when_the_file_is_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let a = open(&path, CREATE);
        assert!(a.try_lock(LockMode::Exclusive).expect("lock"));
        drop(a);
        let b = open(&path, EXISTING);
        assert!(b.try_lock(LockMode::Exclusive).expect("lock"));
    }

    /// `MemVfs` and `FaultyVfs` copy this Linux behaviour, so the assertion lives here too.
    #[cfg(target_os = "linux")]
    #[test]
    fn failed_upgrade_drops_the_shared_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let a = open(&path, CREATE);
        let b = open(&path, EXISTING);
        assert!(a.try_lock(LockMode::Shared).expect("lock"));
        assert!(b.try_lock(LockMode::Shared).expect("lock"));
        assert!(!a.try_lock(LockMode::Exclusive).expect("upgrade"));
        assert!(b.try_lock(LockMode::Exclusive).expect("upgrade"));
    }

    #[test]
    fn reading_past_the_end_is_unexpected_eof() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = open(&dir.path().join("db"), CREATE);
        f.write_at(b"abcd", 0).expect("write");
        let mut buf = [0u8; 4];
        let err = f.read_at(&mut buf, 2).expect_err("error");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn opening_missing_file_without_create_is_not_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let err = OsVfs.open(&path, EXISTING).err().expect("error");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(!OsVfs.exists(&path).expect("exists"));
    }

    #[test]
    fn writes_sync_resize_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let f = open(&path, CREATE);
        f.write_at(b"xyz", 5).expect("write");
        f.sync().expect("sync");
        assert_eq!(f.len().expect("len"), 8);
        let mut buf = [9u8; 8];
        f.read_at(&mut buf, 0).expect("read");
        assert_eq!(&buf, b"\0\0\0\0\0xyz");
        f.set_len(6).expect("truncate");
        assert_eq!(fs::read(&path).expect("read"), b"\0\0\0\0\0x");
        assert!(f.as_os_file().is_some());
    }

    #[test]
    fn read_only_open_refuses_writes_and_may_create() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let opts = OpenOptions {
            create: true,
            read_only: true,
        };
        let f = OsVfs.open(&path, opts).expect("open");
        assert!(OsVfs.exists(&path).expect("exists"));
        let err = f.write_at(b"x", 0).expect_err("error");
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert!(f.set_len(1).is_err());
        assert!(f.try_lock(LockMode::Shared).expect("lock"));
    }

    #[test]
    fn create_opens_an_existing_file_without_truncating() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        fs::write(&path, b"keep").expect("write");
        let f = open(&path, CREATE);
        assert_eq!(f.len().expect("len"), 4);
    }

    #[test]
    fn remove_deletes_and_tolerates_missing_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        drop(open(&path, CREATE));
        OsVfs.remove(&path).expect("remove");
        assert!(!OsVfs.exists(&path).expect("exists"));
        OsVfs
            .remove(&path)
            .expect("removing a missing file is fine");
    }
}
