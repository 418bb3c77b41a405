//! Result objects: one call returns one `treestore_result` holding every record the query produced,
//! with string views into memory the result owns. Pointers read from a result stay valid until
//! `treestore_result_free`; the result is never changed after it is returned.

use crate::args;
use crate::error::treestore_error;
use crate::status::treestore_status;

/// A view of UTF-8 (or raw) bytes owned by the object it came from. `ptr` is never NULL when
/// `len > 0`; an absent optional string has `ptr == NULL`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct treestore_str {
    /// First byte.
    pub ptr: *const u8,
    /// Number of bytes.
    pub len: usize,
}

impl treestore_str {
    pub(crate) const EMPTY: treestore_str = treestore_str {
        ptr: c"".as_ptr() as *const u8,
        len: 0,
    };
    pub(crate) const NONE: treestore_str = treestore_str {
        ptr: std::ptr::null(),
        len: 0,
    };
}

/// A key and its value, from a table scan.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct treestore_kv {
    /// The key.
    pub key: treestore_str,
    /// The value.
    pub value: treestore_str,
}

/// A string reference into the arena before the arena is final (offsets, not pointers).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Span {
    pub start: usize,
    pub len: usize,
    pub present: bool,
}

/// Collects the bytes of a result in one buffer, then hands out views.
#[derive(Default)]
pub(crate) struct Arena {
    bytes: Vec<u8>,
}

impl Arena {
    pub(crate) fn push(&mut self, b: &[u8]) -> Span {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(b);
        Span {
            start,
            len: b.len(),
            present: true,
        }
    }

    pub(crate) fn view(&self, s: Span) -> treestore_str {
        if !s.present {
            return treestore_str::NONE;
        }
        if s.len == 0 {
            return treestore_str::EMPTY;
        }
        treestore_str {
            // SAFETY: `start + len <= bytes.len()` since the span came from `push` on this arena,
            // whose buffer is never changed once views are handed out.
            ptr: unsafe { self.bytes.as_ptr().add(s.start) },
            len: s.len,
        }
    }
}

/// The records a call returned. Free with `treestore_result_free`. Owned by one thread at a time;
/// may be freed from any thread.
pub struct treestore_result {
    /// Owns the bytes every view in this result points into.
    #[allow(dead_code)]
    pub(crate) arena: Arena,
    pub(crate) kvs: Vec<treestore_kv>,
    pub(crate) strings: Vec<treestore_str>,
}

// SAFETY: the raw pointers inside point into `arena`, which the result owns and never mutates after
// construction; moving the result between threads moves the buffer with them.
unsafe impl Send for treestore_result {}

impl treestore_result {
    pub(crate) fn from_kvs(pairs: Vec<(Vec<u8>, Vec<u8>)>) -> treestore_result {
        let mut arena = Arena::default();
        let spans: Vec<(Span, Span)> = pairs
            .iter()
            .map(|(k, v)| (arena.push(k), arena.push(v)))
            .collect();
        let kvs = spans
            .iter()
            .map(|(k, v)| treestore_kv {
                key: arena.view(*k),
                value: arena.view(*v),
            })
            .collect();
        treestore_result {
            arena,
            kvs,
            strings: Vec::new(),
        }
    }

    pub(crate) fn from_strings<S: AsRef<[u8]>>(items: &[S]) -> treestore_result {
        let mut arena = Arena::default();
        let spans: Vec<Span> = items.iter().map(|s| arena.push(s.as_ref())).collect();
        let strings = spans.iter().map(|s| arena.view(*s)).collect();
        treestore_result {
            arena,
            kvs: Vec::new(),
            strings,
        }
    }

    pub(crate) fn into_raw(self) -> *mut treestore_result {
        Box::into_raw(Box::new(self))
    }
}

/// The key/value records of `result` (table scans and gets): writes the array and its length.
/// The array lives until `treestore_result_free(result)`.
#[no_mangle]
pub extern "C" fn treestore_result_kvs(
    result: *const treestore_result,
    out_items: *mut *const treestore_kv,
    out_len: *mut usize,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let r = args::handle(result, "result")?;
        args::out(out_items, "out_items")?;
        args::out(out_len, "out_len")?;
        args::write_out(out_items, r.kvs.as_ptr());
        args::write_out(out_len, r.kvs.len());
        Ok(())
    })
}

/// The string records of `result` (table names, integrity findings): writes the array and its length.
#[no_mangle]
pub extern "C" fn treestore_result_strings(
    result: *const treestore_result,
    out_items: *mut *const treestore_str,
    out_len: *mut usize,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let r = args::handle(result, "result")?;
        args::out(out_items, "out_items")?;
        args::out(out_len, "out_len")?;
        args::write_out(out_items, r.strings.as_ptr());
        args::write_out(out_len, r.strings.len());
        Ok(())
    })
}

/// Frees a result and every view into it. NULL is fine.
#[no_mangle]
pub extern "C" fn treestore_result_free(result: *mut treestore_result) {
    crate::panic::boundary_void(|| {
        if !result.is_null() {
            // SAFETY: a non-NULL result came from `Box::into_raw` in this library and is freed once.
            drop(unsafe { Box::from_raw(result) });
        }
    })
}
