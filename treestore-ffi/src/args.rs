//! Validation of the arguments C passes in: NULL checks, UTF-8, sizes, enum values.

use crate::error::FfiError;
use crate::status::{
    TREESTORE_INVALID_ARGUMENT, TREESTORE_INVALID_UTF8, TREESTORE_NULL_PARAMETER,
    TREESTORE_TOO_LARGE,
};

/// The longest string or byte argument accepted (1 GiB).
pub(crate) const MAX_ARG_LEN: usize = 1 << 30;

pub(crate) fn null(name: &str) -> FfiError {
    FfiError::new(
        TREESTORE_NULL_PARAMETER,
        format!("argument `{name}` is NULL"),
    )
}

/// Bytes from `(ptr, len)`; NULL is allowed only with `len == 0`.
pub(crate) fn bytes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], FfiError> {
    if len > MAX_ARG_LEN {
        return Err(FfiError::new(
            TREESTORE_TOO_LARGE,
            format!("argument `{name}` is {len} bytes; the limit is {MAX_ARG_LEN}"),
        ));
    }
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(null(name)) };
    }
    // SAFETY: the caller promises `ptr` points to `len` readable bytes that stay valid and unchanged
    // for the duration of the call (the documented contract of every `(ptr, len)` argument).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A UTF-8 string from `(ptr, len)`.
pub(crate) fn string<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a str, FfiError> {
    let b = bytes(ptr, len, name)?;
    std::str::from_utf8(b).map_err(|e| {
        FfiError::new(
            TREESTORE_INVALID_UTF8,
            format!(
                "argument `{name}` is not valid UTF-8 (byte {})",
                e.valid_up_to()
            ),
        )
    })
}

/// A shared reference to a handle.
pub(crate) fn handle<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, FfiError> {
    // SAFETY: NULL or a live handle created by this library, per the contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| null(name))
}

/// Checks an out-parameter is not NULL.
pub(crate) fn out<T>(ptr: *mut T, name: &str) -> Result<(), FfiError> {
    if ptr.is_null() {
        Err(null(name))
    } else {
        Ok(())
    }
}

/// Writes `value` into a checked out-parameter.
pub(crate) fn write_out<T>(ptr: *mut T, value: T) {
    // SAFETY: callers check `ptr` with `out` first; it points to writable storage for one `T`.
    unsafe { ptr.write(value) }
}

/// Writes `value` into an optional out-parameter (a NULL one is skipped).
pub(crate) fn write_opt_out<T>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        write_out(ptr, value);
    }
}

/// An optional UTF-8 string: NULL `ptr` is `None`.
pub(crate) fn opt_string<'a>(
    ptr: *const u8,
    len: usize,
    name: &str,
) -> Result<Option<&'a str>, FfiError> {
    if ptr.is_null() {
        Ok(None)
    } else {
        string(ptr, len, name).map(Some)
    }
}

/// An enum value passed as an integer, checked against its range.
pub(crate) fn enum_value(v: u32, max: u32, name: &str) -> Result<u32, FfiError> {
    if v > max {
        return Err(FfiError::new(
            TREESTORE_INVALID_ARGUMENT,
            format!("argument `{name}` is {v}; valid values are 0 to {max}"),
        ));
    }
    Ok(v)
}

/// A required JSON object argument parsed into a store type; errors name the field. NULL is
/// `TREESTORE_NULL_PARAMETER`.
pub(crate) fn json<T: treestore_core::record::FromJson>(
    ptr: *const u8,
    len: usize,
    name: &str,
    kind: &'static str,
) -> Result<T, FfiError> {
    if ptr.is_null() {
        return Err(null(name));
    }
    let text = string(ptr, len, name)?;
    Ok(T::from_json_text(kind, text)?)
}

/// An optional JSON object argument: NULL `ptr` (with `len` 0, as for every `(ptr, len)`
/// argument) is `T::default()` (an empty query).
pub(crate) fn opt_json<T: treestore_core::record::FromJson + Default>(
    ptr: *const u8,
    len: usize,
    name: &str,
    kind: &'static str,
) -> Result<T, FfiError> {
    if ptr.is_null() && len != 0 {
        Err(null(name))
    } else if ptr.is_null() {
        Ok(T::default())
    } else {
        json(ptr, len, name, kind)
    }
}

/// The optional `page_json` argument of a paged list, `{"limit": n, "cursor": "..."}`: NULL is
/// the first page with the default limit.
pub(crate) fn page(
    ptr: *const u8,
    len: usize,
) -> Result<treestore_core::record::PageQuery, FfiError> {
    opt_json(ptr, len, "page_json", "page")
}
