//! Online backup: a consistent copy of one snapshot into a new database file, taken while writers go
//! on. The copy is logical (every table's entries, in key order), so it is also compacted: no free
//! pages, densely filled leaves. `compact` is a backup followed by an atomic rename.

use std::ops::Bound;
use std::path::{Path, PathBuf};

use super::open::wal_path;
use super::options::{Durability, Options};
use super::read::ReadTxn;
use super::table::ReadOps;
use super::Database;
use crate::error::{Error, ErrorKind, Result};

/// Commit the destination every this many bytes of copied entries, to bound memory.
const BATCH_BYTES: usize = 32 << 20;

/// What a backup copied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BackupReport {
    /// Tables copied.
    pub tables: u64,
    /// Entries copied.
    pub entries: u64,
    /// Id of the last transaction the copy includes.
    pub txid: u64,
    /// Size of the new file in bytes.
    pub file_bytes: u64,
}

/// Copies the snapshot `src` into a new database at `dest` (which must not exist).
pub(crate) fn backup(src: &ReadTxn, src_options: &Options, dest: &Path) -> Result<BackupReport> {
    let vfs = src_options.vfs.clone();
    let exists = |p: &Path| {
        vfs.exists(p)
            .map_err(|e| Error::io(format!("checking {}", p.display()), e))
    };
    if exists(dest)? || exists(&wal_path(dest))? {
        return Err(Error::new(
            ErrorKind::AlreadyExists,
            format!("backup destination {} already exists", dest.display()),
        ));
    }
    let options = Options {
        durability: Durability::Relaxed,
        read_only: false,
        create: true,
        ..src_options.clone()
    };
    let result = copy_into(src, dest, options);
    if result.is_err() {
        let _ = vfs.remove(dest);
        let _ = vfs.remove(&wal_path(dest));
    }
    result
}

fn copy_into(src: &ReadTxn, dest: &Path, options: Options) -> Result<BackupReport> {
    let db = Database::open(dest, options)?;
    let mut report = BackupReport {
        txid: src.txid(),
        ..BackupReport::default()
    };
    for name in src.table_names()? {
        let table = src.table(&name)?;
        let mut w = db.begin_write()?;
        let mut batch = 0usize;
        for entry in src.range(table, Bound::Unbounded, Bound::Unbounded)? {
            let (k, v) = entry?;
            let t = w.table(&name)?;
            w.insert(t, &k, &v)?;
            report.entries += 1;
            batch += k.len() + v.len();
            if batch >= BATCH_BYTES {
                w.commit()?;
                w = db.begin_write()?;
                batch = 0;
            }
        }
        w.create_table(&name)?;
        w.commit()?;
        report.tables += 1;
    }
    db.checkpoint()?;
    report.file_bytes = db.stats()?.file_bytes;
    db.close()?;
    Ok(report)
}

/// The temporary path a compaction writes before renaming it over the original.
pub(crate) fn compact_temp_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".compact");
    PathBuf::from(s)
}
