//! The panic boundary every export runs inside: a Rust panic never unwinds into C. A caught panic
//! becomes `TREESTORE_PANIC` (or the export's documented fallback value).

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{set_error, treestore_error, FfiError};
use crate::status::{treestore_status, TREESTORE_OK, TREESTORE_PANIC};

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Runs a fallible export body: `Ok` is `TREESTORE_OK`; an error or a panic becomes its status and,
/// when `err_out` is not NULL, a `treestore_error` written there.
pub(crate) fn boundary(
    err_out: *mut *mut treestore_error,
    body: impl FnOnce() -> Result<(), FfiError>,
) -> treestore_status {
    let outcome = catch_unwind(AssertUnwindSafe(body));
    let err = match outcome {
        Ok(Ok(())) => return TREESTORE_OK,
        Ok(Err(e)) => e,
        Err(payload) => FfiError::new(
            TREESTORE_PANIC,
            format!(
                "internal error (a bug in TreeStore): {}",
                panic_message(&*payload)
            ),
        ),
    };
    let status = err.status;
    set_error(err_out, err);
    status
}

/// Runs an export that returns a plain value; a panic returns `fallback`.
pub(crate) fn boundary_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Runs an export that returns nothing (the `_free` functions); a panic is swallowed.
pub(crate) fn boundary_void(body: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}
