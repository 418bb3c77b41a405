//! Status codes: a fixed-width integer, grouped by hundreds, never renumbered or reused.

use std::os::raw::c_char;

use treestore_core::ErrorKind;

/// The result of every fallible call. 0 is success; see the `TREESTORE_*` constants.
pub type treestore_status = u32;

/// Success.
pub const TREESTORE_OK: treestore_status = 0;
/// An argument is invalid (the message names it).
pub const TREESTORE_INVALID_ARGUMENT: treestore_status = 100;
/// A required pointer argument was NULL.
pub const TREESTORE_NULL_PARAMETER: treestore_status = 101;
/// A string argument is not valid UTF-8.
pub const TREESTORE_INVALID_UTF8: treestore_status = 102;
/// An argument exceeds a documented size limit.
pub const TREESTORE_TOO_LARGE: treestore_status = 103;
/// The thing asked for does not exist.
pub const TREESTORE_NOT_FOUND: treestore_status = 200;
/// The thing to create exists already.
pub const TREESTORE_ALREADY_EXISTS: treestore_status = 201;
/// The database file or WAL is damaged.
pub const TREESTORE_CORRUPTION: treestore_status = 300;
/// The operating system reported an I/O error.
pub const TREESTORE_IO: treestore_status = 400;
/// An earlier I/O failure stopped writes; reopen the database.
pub const TREESTORE_PREVIOUS_IO: treestore_status = 401;
/// Another process holds the database open for writing.
pub const TREESTORE_DATABASE_LOCKED: treestore_status = 500;
/// A write on a read-only database or transaction.
pub const TREESTORE_READ_ONLY: treestore_status = 501;
/// The database or transaction was closed or has ended.
pub const TREESTORE_CLOSED: treestore_status = 502;
/// A bug in TreeStore: a panic was caught at the boundary. Please report it.
pub const TREESTORE_PANIC: treestore_status = 900;

pub(crate) fn status_of(kind: ErrorKind) -> treestore_status {
    match kind {
        ErrorKind::NotFound => TREESTORE_NOT_FOUND,
        ErrorKind::InvalidArgument => TREESTORE_INVALID_ARGUMENT,
        ErrorKind::Corruption => TREESTORE_CORRUPTION,
        ErrorKind::Io => TREESTORE_IO,
        ErrorKind::DatabaseLocked => TREESTORE_DATABASE_LOCKED,
        ErrorKind::ReadOnly => TREESTORE_READ_ONLY,
        ErrorKind::PreviousIo => TREESTORE_PREVIOUS_IO,
        ErrorKind::Closed => TREESTORE_CLOSED,
        ErrorKind::AlreadyExists => TREESTORE_ALREADY_EXISTS,
        ErrorKind::TooLarge => TREESTORE_TOO_LARGE,
        _ => TREESTORE_INVALID_ARGUMENT,
    }
}

/// A static, NUL-terminated English name for `status`; never NULL, never freed.
#[no_mangle]
pub extern "C" fn treestore_status_str(status: treestore_status) -> *const c_char {
    crate::panic::boundary_value(c"unknown status".as_ptr(), || {
        let s: &'static std::ffi::CStr = match status {
            TREESTORE_OK => c"ok",
            TREESTORE_INVALID_ARGUMENT => c"invalid argument",
            TREESTORE_NULL_PARAMETER => c"null parameter",
            TREESTORE_INVALID_UTF8 => c"invalid UTF-8",
            TREESTORE_TOO_LARGE => c"too large",
            TREESTORE_NOT_FOUND => c"not found",
            TREESTORE_ALREADY_EXISTS => c"already exists",
            TREESTORE_CORRUPTION => c"corruption",
            TREESTORE_IO => c"I/O error",
            TREESTORE_PREVIOUS_IO => c"previous I/O error",
            TREESTORE_DATABASE_LOCKED => c"database locked",
            TREESTORE_READ_ONLY => c"read-only",
            TREESTORE_CLOSED => c"closed",
            TREESTORE_PANIC => c"internal panic",
            _ => c"unknown status",
        };
        s.as_ptr()
    })
}

/// The library's version (the crate's), as `treestore_version` returns it.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The library's version as a static NUL-terminated string, e.g. "0.1.0".
#[no_mangle]
pub extern "C" fn treestore_version() -> *const c_char {
    crate::panic::boundary_value(c"".as_ptr(), || c"0.1.0".as_ptr())
}

/// The ABI version of the library; compare with `TREESTORE_ABI_VERSION` from the header you built with.
#[no_mangle]
pub extern "C" fn treestore_abi_version() -> u32 {
    crate::panic::boundary_value(0, || 1)
}
