//! Log forwarding. The engine logs through the `log` facade (recovery, checkpoints, a database
//! stopping writes after an I/O failure, the WAL sync thread stopping); a C program receives those
//! lines through one process-wide callback.
//!
//! The forwarder is installed as the process's `log` logger on the first call (once: the facade
//! allows one logger per process) and the callback is kept behind a lock that is replaced as a
//! whole, so changing or removing the callback is atomic: once
//! `treestore_log_set_callback` returns, the previous callback is never called again and no call
//! to it is still running, so its `user` data may be freed.

use std::ffi::c_void;
use std::sync::OnceLock;

use parking_lot::RwLock;

use crate::args;
use crate::error::{treestore_error, FfiError};
use crate::status::{treestore_status, TREESTORE_ALREADY_EXISTS};

/// No logging (as `min_level`).
pub const TREESTORE_LOG_OFF: u32 = 0;
/// Errors: the database stopped writes after an I/O failure, the WAL sync thread stopped.
pub const TREESTORE_LOG_ERROR: u32 = 1;
/// Warnings.
pub const TREESTORE_LOG_WARN: u32 = 2;
/// Notable events: recovery replayed commits, a checkpoint wrote pages.
pub const TREESTORE_LOG_INFO: u32 = 3;
/// Details for debugging.
pub const TREESTORE_LOG_DEBUG: u32 = 4;
/// Everything.
pub const TREESTORE_LOG_TRACE: u32 = 5;

/// A log callback: `level` is a `TREESTORE_LOG_*` value (1 error .. 5 trace), `(msg, len)` the
/// UTF-8 message (not NUL-terminated, valid only during the call), `user` the pointer given to
/// `treestore_log_set_callback`.
pub type treestore_log_callback =
    Option<extern "C" fn(level: u32, msg: *const u8, len: usize, user: *mut c_void)>;

struct Sink {
    callback: extern "C" fn(u32, *const u8, usize, *mut c_void),
    /// The caller's `user` pointer; never dereferenced here, only passed back.
    user: usize,
    min_level: u32,
}

/// The current callback. Held for reading while a callback runs, so a replacement (which takes it
/// for writing) waits for calls in flight.
static SINK: RwLock<Option<Sink>> = parking_lot::const_rwlock(None);

/// Whether the forwarder became the process's logger (false: another logger was there first).
static INSTALLED: OnceLock<bool> = OnceLock::new();

struct Forwarder;

static FORWARDER: Forwarder = Forwarder;

impl log::Log for Forwarder {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        let level = metadata.level() as u32;
        SINK.read_recursive()
            .as_ref()
            .is_some_and(|s| level <= s.min_level)
    }

    fn log(&self, record: &log::Record<'_>) {
        let level = record.level() as u32;
        // Recursive: a callback that calls back into TreeStore may log again on this thread.
        let sink = SINK.read_recursive();
        if let Some(s) = sink.as_ref().filter(|s| level <= s.min_level) {
            let msg = record.args().to_string();
            (s.callback)(level, msg.as_ptr(), msg.len(), s.user as *mut c_void);
        }
    }

    fn flush(&self) {}
}

fn filter(min_level: u32) -> log::LevelFilter {
    match min_level {
        TREESTORE_LOG_OFF => log::LevelFilter::Off,
        TREESTORE_LOG_ERROR => log::LevelFilter::Error,
        TREESTORE_LOG_WARN => log::LevelFilter::Warn,
        TREESTORE_LOG_INFO => log::LevelFilter::Info,
        TREESTORE_LOG_DEBUG => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    }
}

/// Sets the process-wide log callback: messages at `min_level` or more severe (a
/// `TREESTORE_LOG_*` value; `TREESTORE_LOG_OFF` for none) are passed to `callback` with `user`.
/// NULL `callback` removes it. Replacing is atomic: when this returns, the previous callback is
/// not running and is never called again (its `user` data may be freed).
///
/// Threads: the callback may be called from any thread, several at once, including TreeStore's
/// own WAL sync thread; it must be thread-safe, must not unwind (no C++ exceptions, no longjmp)
/// and must not call `treestore_log_set_callback` itself (that would wait for itself). It may call
/// other TreeStore functions. TREESTORE_ALREADY_EXISTS when the program (a Rust one linking this
/// library) installed another `log` logger first.
#[no_mangle]
pub extern "C" fn treestore_log_set_callback(
    callback: treestore_log_callback,
    user: *mut c_void,
    min_level: u32,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let min_level = args::enum_value(min_level, TREESTORE_LOG_TRACE, "min_level")?;
        let installed = *INSTALLED.get_or_init(|| log::set_logger(&FORWARDER).is_ok());
        if !installed {
            return Err(FfiError::new(
                TREESTORE_ALREADY_EXISTS,
                "another `log` logger is installed in this process",
            ));
        }
        let sink = callback.map(|callback| Sink {
            callback,
            user: user as usize,
            min_level,
        });
        let level = sink.as_ref().map_or(TREESTORE_LOG_OFF, |s| s.min_level);
        *SINK.write() = sink;
        log::set_max_level(filter(level));
        Ok(())
    })
}
