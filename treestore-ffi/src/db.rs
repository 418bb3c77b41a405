//! Opening and closing a database, and the whole-database operations: checkpoint, integrity check,
//! statistics, backup and compaction, metrics and health.

use std::time::Duration;

use treestore_core::metrics::Op;
use treestore_core::record::Record;
use treestore_core::{Database, Durability, Options};

use crate::args;
use crate::error::{treestore_error, FfiError};
use crate::records::RecordBuilder;
use crate::result::{treestore_result, write_record};
use crate::status::{treestore_status, TREESTORE_INVALID_ARGUMENT};

/// An open database. Safe to share between threads. Free with `treestore_db_close` (reports the
/// final checkpoint's error) or `treestore_db_free`.
pub struct treestore_db {
    pub(crate) db: Database,
}

impl treestore_db {
    /// The engine database behind the handle, for Rust code linked with the library (the ABI
    /// benchmark compares the two on one database). Not part of the C API.
    pub fn database(&self) -> &Database {
        &self.db
    }
}

/// Commits return after the WAL is fsynced (the default).
pub const TREESTORE_DURABILITY_SYNC: u32 = 0;
/// Commits return at once; the WAL is fsynced in the background every 100 ms and at checkpoints.
pub const TREESTORE_DURABILITY_RELAXED: u32 = 1;
/// `treestore_options.flags`: open read-only (shared lock, no writes).
pub const TREESTORE_OPEN_READ_ONLY: u32 = 1;
/// `treestore_options.flags`: fail with TREESTORE_NOT_FOUND instead of creating a missing file.
pub const TREESTORE_OPEN_NO_CREATE: u32 = 2;
/// `treestore_options.flags`: do not shrink the file when the last handle closes. By default the
/// last close moves live pages down and cuts the free end off the file when at least a quarter of
/// it is free (on file systems mounted with online discard, freeing the blocks can take seconds).
pub const TREESTORE_OPEN_NO_SHRINK: u32 = 4;

/// Options for `treestore_db_open`. Fill with `treestore_options_init`, then change fields.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct treestore_options {
    /// `sizeof(treestore_options)` as the caller knows it (set by `treestore_options_init`).
    pub struct_size: u32,
    /// `TREESTORE_DURABILITY_SYNC` or `TREESTORE_DURABILITY_RELAXED`.
    pub durability: u32,
    /// Page size of a new database (power of two, 1024 to 65536); 0 for the default (4096).
    pub page_size: u32,
    /// `TREESTORE_OPEN_*` bits.
    pub flags: u32,
    /// Checkpoint automatically once the WAL passes this many bytes; 0 for the default (64 MiB).
    pub checkpoint_wal_bytes: u64,
}

/// Engine statistics (see `treestore_db_stats`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct treestore_stats {
    /// Bytes per page.
    pub page_size: u64,
    /// Pages below the high-water mark.
    pub total_pages: u64,
    /// Pages free for reuse.
    pub free_pages: u64,
    /// Pages freed but still reachable by a live reader.
    pub pending_pages: u64,
    /// Pages holding data.
    pub used_pages: u64,
    /// Committed pages not yet checkpointed.
    pub wal_pages: u64,
    /// Bytes of the main file.
    pub file_bytes: u64,
    /// Bytes of the WAL.
    pub wal_bytes: u64,
    /// Id of the last committed transaction.
    pub last_txid: u64,
    /// Commits since open.
    pub commits: u64,
    /// Checkpoints since open.
    pub checkpoints: u64,
    /// Live read transactions.
    pub live_readers: u64,
    /// Age of the oldest live read transaction in microseconds (0: none).
    pub oldest_reader_age_us: u64,
    /// Microseconds since the last checkpoint of this process (UINT64_MAX: none yet).
    pub last_checkpoint_age_us: u64,
    /// Microseconds since open.
    pub uptime_us: u64,
}

/// Fills `opts` with the defaults. Returns TREESTORE_NULL_PARAMETER for NULL.
#[no_mangle]
pub extern "C" fn treestore_options_init(opts: *mut treestore_options) -> treestore_status {
    crate::panic::boundary(std::ptr::null_mut(), || {
        args::out(opts, "opts")?;
        args::write_out(
            opts,
            treestore_options {
                struct_size: std::mem::size_of::<treestore_options>() as u32,
                durability: TREESTORE_DURABILITY_SYNC,
                page_size: 0,
                flags: 0,
                checkpoint_wal_bytes: 0,
            },
        );
        Ok(())
    })
}

fn options_from(opts: *const treestore_options) -> Result<Options, FfiError> {
    let mut o = Options::default();
    // SAFETY: NULL or a pointer to a `treestore_options` the caller initialised, per the contract.
    let Some(c) = (unsafe { opts.as_ref() }) else {
        return Ok(o);
    };
    if (c.struct_size as usize) < std::mem::size_of::<treestore_options>() {
        return Err(FfiError::new(
            TREESTORE_INVALID_ARGUMENT,
            format!(
                "treestore_options.struct_size is {}; call treestore_options_init first",
                c.struct_size
            ),
        ));
    }
    o.durability = match args::enum_value(c.durability, 1, "options.durability")? {
        TREESTORE_DURABILITY_SYNC => Durability::Sync,
        _ => Durability::Relaxed,
    };
    if c.page_size != 0 {
        o.page_size = c.page_size;
    }
    if c.flags & !(TREESTORE_OPEN_READ_ONLY | TREESTORE_OPEN_NO_CREATE | TREESTORE_OPEN_NO_SHRINK)
        != 0
    {
        return Err(FfiError::new(
            TREESTORE_INVALID_ARGUMENT,
            format!("options.flags has unknown bits: {:#x}", c.flags),
        ));
    }
    o.read_only = c.flags & TREESTORE_OPEN_READ_ONLY != 0;
    o.create = c.flags & TREESTORE_OPEN_NO_CREATE == 0;
    o.shrink_at_close = c.flags & TREESTORE_OPEN_NO_SHRINK == 0;
    if c.checkpoint_wal_bytes != 0 {
        o.checkpoint_wal_bytes = c.checkpoint_wal_bytes;
    }
    Ok(o)
}

/// Opens (creating if allowed) the database at the UTF-8 path `(path, path_len)`. `opts` may be NULL
/// for the defaults. On success writes a new handle to `*out_db`; free it with `treestore_db_close`.
#[no_mangle]
pub extern "C" fn treestore_db_open(
    path: *const u8,
    path_len: usize,
    opts: *const treestore_options,
    out_db: *mut *mut treestore_db,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let path = args::string(path, path_len, "path")?;
        args::out(out_db, "out_db")?;
        if path.is_empty() {
            return Err(FfiError::new(
                TREESTORE_INVALID_ARGUMENT,
                "argument `path` is empty",
            ));
        }
        let options = options_from(opts)?;
        let db = Database::open(path, options)?;
        args::write_out(out_db, Box::into_raw(Box::new(treestore_db { db })));
        Ok(())
    })
}

/// Checkpoints and frees the handle, reporting the checkpoint's error. The handle is freed even on
/// error. NULL is fine. Transactions still open keep the file open until they are freed.
#[no_mangle]
pub extern "C" fn treestore_db_close(
    db: *mut treestore_db,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        if db.is_null() {
            return Ok(());
        }
        // SAFETY: a non-NULL handle came from `treestore_db_open` and is freed once.
        let handle = unsafe { Box::from_raw(db) };
        handle.db.close()?;
        Ok(())
    })
}

/// Frees the handle without reporting errors (a final checkpoint is still attempted). NULL is fine.
#[no_mangle]
pub extern "C" fn treestore_db_free(db: *mut treestore_db) {
    crate::panic::boundary_void(|| {
        if !db.is_null() {
            // SAFETY: a non-NULL handle came from `treestore_db_open` and is freed once.
            drop(unsafe { Box::from_raw(db) });
        }
    })
}

/// Copies committed pages into the main file and empties the WAL.
#[no_mangle]
pub extern "C" fn treestore_db_checkpoint(
    db: *const treestore_db,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        args::handle(db, "db")?.db.checkpoint()?;
        Ok(())
    })
}

/// Verifies every checksum and invariant. Writes whether the database is intact to `*out_ok` and,
/// when `out_findings` is not NULL, a result whose strings are the problems found (free it).
#[no_mangle]
pub extern "C" fn treestore_db_check_integrity(
    db: *const treestore_db,
    out_ok: *mut bool,
    out_findings: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let db = args::handle(db, "db")?;
        args::out(out_ok, "out_ok")?;
        let report = db.db.check_integrity()?;
        args::write_out(out_ok, report.is_ok());
        if !out_findings.is_null() {
            args::write_out(
                out_findings,
                treestore_result::from_strings(&report.errors).into_raw(),
            );
        }
        Ok(())
    })
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Writes the engine statistics to `*out`.
#[no_mangle]
pub extern "C" fn treestore_db_stats(
    db: *const treestore_db,
    out: *mut treestore_stats,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let db = args::handle(db, "db")?;
        args::out(out, "out")?;
        let s = db.db.stats()?;
        args::write_out(
            out,
            treestore_stats {
                page_size: s.page_size,
                total_pages: s.total_pages,
                free_pages: s.free_pages,
                pending_pages: s.pending_pages,
                used_pages: s.used_pages,
                wal_pages: s.wal_pages,
                file_bytes: s.file_bytes,
                wal_bytes: s.wal_bytes,
                last_txid: s.last_txid,
                commits: s.commits,
                checkpoints: s.checkpoints,
                live_readers: s.live_readers,
                oldest_reader_age_us: s.oldest_reader_age.map_or(0, micros),
                last_checkpoint_age_us: s.last_checkpoint_age.map_or(u64::MAX, micros),
                uptime_us: micros(s.uptime),
            },
        );
        Ok(())
    })
}

/// Writes a consistent copy of the latest snapshot to a new database at the UTF-8 path
/// `(dest, dest_len)`, while other threads go on reading and writing. The copy is compacted (no
/// free pages). TREESTORE_ALREADY_EXISTS when `dest` (or its WAL) exists. Writes a result of one
/// `backup_report` record (`tables`, `entries`, `txid`: the last transaction the copy holds,
/// `file_bytes`). On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_db_backup(
    db: *const treestore_db,
    dest: *const u8,
    dest_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let db = args::handle(db, "db")?;
        let dest = non_empty_path(dest, dest_len, "dest")?;
        args::out(out_result, "out_result")?;
        let report = db.db.metrics().time(Op::Backup, || db.db.backup(dest))?;
        write_record(out_result, &report);
        Ok(())
    })
}

/// Rewrites the database at the UTF-8 path `(path, path_len)` into a compacted file and renames
/// it into place (the old WAL is removed first, so a crash leaves either file whole). The database
/// must be closed: no handle in this or another process may have it open
/// (TREESTORE_DATABASE_LOCKED otherwise). `opts` may be NULL for the defaults (its page size is
/// ignored: the file keeps its own). Writes a result of one `backup_report` record for the new
/// file. On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_db_compact(
    path: *const u8,
    path_len: usize,
    opts: *const treestore_options,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let path = non_empty_path(path, path_len, "path")?;
        let options = options_from(opts)?;
        args::out(out_result, "out_result")?;
        let report = Database::compact(path, options)?;
        write_record(out_result, &report);
        Ok(())
    })
}

/// Writes a result whose one string (`treestore_result_strings`, or the view's `strings`) is
/// every metric in the Prometheus text exposition format (0.0.4): the per-operation latency
/// histograms `treestore_op_duration_seconds{op="get_node",...}` (every call of a store export
/// is counted, transaction included; a write's latency is measured on every call, a read's on
/// about one call in 8 per operation and thread, the calls between counted in the bucket of the
/// last measured one, so `_count` and the `+Inf` bucket are exact call counts and the buckets and
/// `_sum` estimates), error counters (exact), and the engine's counters and gauges. Serve it
/// as `text/plain; version=0.0.4`. On success `*out_result` is a new result owned by the caller:
/// free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_db_metrics_text(
    db: *const treestore_db,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let db = args::handle(db, "db")?;
        args::out(out_result, "out_result")?;
        let text = db.db.metrics_text()?;
        args::write_out(
            out_result,
            treestore_result::from_strings(&[text]).into_raw(),
        );
        Ok(())
    })
}

/// Writes a result of one `health` record: `healthy` (BOOL: open and writable, i.e. neither
/// read-only nor stopped by an earlier I/O failure), `read_only` (BOOL), `poisoned` (BOOL: an I/O
/// failure stopped writes; reopen), `version` (the library version), `uptime_seconds` (FLOAT),
/// `last_checkpoint_age_seconds` (FLOAT; NULL before the first checkpoint of this process),
/// `wal_bytes` and `live_readers` (INT). On success `*out_result` is a new result owned by the
/// caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_db_health(
    db: *const treestore_db,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let db = args::handle(db, "db")?;
        args::out(out_result, "out_result")?;
        let stats = db.db.stats()?;
        let (read_only, poisoned) = (db.db.is_read_only(), db.db.is_poisoned());
        let record = Record::new("health")
            .with("healthy", !read_only && !poisoned)
            .with("read_only", read_only)
            .with("poisoned", poisoned)
            .with("version", crate::status::VERSION)
            .with("uptime_seconds", stats.uptime.as_secs_f64())
            .with(
                "last_checkpoint_age_seconds",
                stats.last_checkpoint_age.map(|d| d.as_secs_f64()),
            )
            .with("wal_bytes", stats.wal_bytes)
            .with("live_readers", stats.live_readers);
        let mut builder = RecordBuilder::default();
        builder.push_records(vec![record]);
        let result = treestore_result::from_builder(builder, 1, Vec::new(), 0, None);
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

fn non_empty_path<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a str, FfiError> {
    let path = args::string(ptr, len, name)?;
    if path.is_empty() {
        return Err(FfiError::new(
            TREESTORE_INVALID_ARGUMENT,
            format!("argument `{name}` is empty"),
        ));
    }
    Ok(path)
}
