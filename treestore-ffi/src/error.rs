//! The error object: a status and a message, returned through an optional out-parameter (never a
//! thread-local "last error": Go moves goroutines between threads between calls).

use crate::result::treestore_str;
use crate::status::{status_of, treestore_status, TREESTORE_OK};

/// An error's status and message. Create: any fallible call with a non-NULL `err_out`.
/// Free: `treestore_error_free`.
pub struct treestore_error {
    status: treestore_status,
    /// The message followed by a NUL byte, so it can also be read as a C string.
    message: Vec<u8>,
}

/// An error on its way to the caller.
#[derive(Debug)]
pub(crate) struct FfiError {
    pub status: treestore_status,
    pub message: String,
}

impl FfiError {
    pub(crate) fn new(status: treestore_status, message: impl Into<String>) -> FfiError {
        FfiError {
            status,
            message: message.into(),
        }
    }
}

/// The `TREESTORE_NOT_FOUND` error for a lookup that found nothing.
pub(crate) fn not_found(what: impl std::fmt::Display) -> FfiError {
    FfiError::new(
        crate::status::TREESTORE_NOT_FOUND,
        format!("{what} not found"),
    )
}

impl From<treestore_core::Error> for FfiError {
    fn from(e: treestore_core::Error) -> FfiError {
        FfiError::new(status_of(e.kind()), e.to_string())
    }
}

pub(crate) fn set_error(err_out: *mut *mut treestore_error, err: FfiError) {
    if err_out.is_null() {
        return;
    }
    let mut message = err.message.replace('\0', " ").into_bytes();
    message.push(0);
    let boxed = Box::new(treestore_error {
        status: err.status,
        message,
    });
    // SAFETY: `err_out` is non-NULL and, by the documented contract, points to writable storage for
    // one pointer.
    unsafe { *err_out = Box::into_raw(boxed) };
}

/// The status of `err` (`TREESTORE_OK` for NULL).
#[no_mangle]
pub extern "C" fn treestore_error_status(err: *const treestore_error) -> treestore_status {
    crate::panic::boundary_value(TREESTORE_OK, || {
        // SAFETY: NULL or a live error object from this library, per the contract.
        unsafe { err.as_ref() }.map_or(TREESTORE_OK, |e| e.status)
    })
}

/// The message of `err`, UTF-8, valid until `treestore_error_free(err)`. The byte after the view is
/// NUL, so `ptr` is also a C string. Empty for NULL.
#[no_mangle]
pub extern "C" fn treestore_error_message(err: *const treestore_error) -> treestore_str {
    crate::panic::boundary_value(treestore_str::EMPTY, || {
        // SAFETY: NULL or a live error object from this library, per the contract.
        match unsafe { err.as_ref() } {
            Some(e) => treestore_str {
                ptr: e.message.as_ptr(),
                len: e.message.len().saturating_sub(1),
            },
            None => treestore_str::EMPTY,
        }
    })
}

/// Frees an error object. NULL is fine.
#[no_mangle]
pub extern "C" fn treestore_error_free(err: *mut treestore_error) {
    crate::panic::boundary_void(|| {
        if !err.is_null() {
            // SAFETY: a non-NULL `err` came from `Box::into_raw` in `set_error` and is freed once.
            drop(unsafe { Box::from_raw(err) });
        }
    })
}
