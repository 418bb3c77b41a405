//! Result objects: one call returns one `treestore_result` holding every record the query produced,
//! with string views into memory the result owns. Pointers read from a result stay valid until
//! `treestore_result_free`; the result is never changed after it is returned.

use crate::args;
use crate::error::treestore_error;
use crate::nodes::{treestore_node, PendingNode};
use crate::records::{treestore_field, treestore_record, RecordBuilder};
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
    /// Makes room for `additional` more bytes, so a result of known size is built without
    /// regrowing the buffer.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.bytes.reserve(additional);
    }

    pub(crate) fn push(&mut self, b: &[u8]) -> Span {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(b);
        Span {
            start,
            len: b.len(),
            present: true,
        }
    }

    /// The arena's bytes (for the result view).
    pub(crate) fn raw(&self) -> (*const u8, usize) {
        (self.bytes.as_ptr(), self.bytes.len())
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
    pub(crate) records: Vec<treestore_record>,
    pub(crate) fields: Vec<treestore_field>,
    pub(crate) nodes: Vec<treestore_node>,
    pub(crate) top_records: usize,
    pub(crate) total: u64,
    pub(crate) next_cursor: treestore_str,
}

// SAFETY: the raw pointers inside point into `arena`, which the result owns and never mutates after
// construction; moving the result between threads moves the buffer with them.
unsafe impl Send for treestore_result {}

/// Everything a result holds, read in one call. Arrays and strings live until the result is freed.
/// Nested arrays (a record's fields, a field's list items, a node's children) are `(first, count)`
/// ranges into these arrays.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct treestore_result_view {
    /// Set to `sizeof(treestore_result_view)` before the call.
    pub struct_size: u32,
    /// Zero.
    pub reserved: u32,
    /// Records: the first `top_records` are the results, nested ones follow.
    pub records: *const treestore_record,
    /// Length of `records`.
    pub records_len: usize,
    /// Number of top-level records.
    pub top_records: usize,
    /// Fields of all records.
    pub fields: *const treestore_field,
    /// Length of `fields`.
    pub fields_len: usize,
    /// Nodes (tree queries, search hits: one per hit, parallel to the hit records).
    pub nodes: *const treestore_node,
    /// Length of `nodes`.
    pub nodes_len: usize,
    /// Shared string array (list items, child ids).
    pub strings: *const treestore_str,
    /// Length of `strings`.
    pub strings_len: usize,
    /// Shared key/value array (maps, metadata, table scans).
    pub kvs: *const treestore_kv,
    /// Length of `kvs`.
    pub kvs_len: usize,
    /// The bytes every string view points into.
    pub arena: *const u8,
    /// Length of `arena`.
    pub arena_len: usize,
    /// A count the query reports beside its page (e.g. all nodes of a structure); 0 if none.
    pub total: u64,
    /// The cursor for the next page; `ptr == NULL` on the last page.
    pub next_cursor: treestore_str,
}

impl treestore_result {
    fn empty(arena: Arena) -> treestore_result {
        treestore_result {
            arena,
            kvs: Vec::new(),
            strings: Vec::new(),
            records: Vec::new(),
            fields: Vec::new(),
            nodes: Vec::new(),
            top_records: 0,
            total: 0,
            next_cursor: treestore_str::NONE,
        }
    }

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
            kvs,
            ..treestore_result::empty(arena)
        }
    }

    pub(crate) fn from_strings<S: AsRef<[u8]>>(items: &[S]) -> treestore_result {
        let mut arena = Arena::default();
        let spans: Vec<Span> = items.iter().map(|s| arena.push(s.as_ref())).collect();
        let strings = spans.iter().map(|s| arena.view(*s)).collect();
        treestore_result {
            strings,
            ..treestore_result::empty(arena)
        }
    }

    /// A result of records (and, from a node builder, nodes), with an optional page cursor.
    pub(crate) fn from_builder(
        builder: RecordBuilder,
        top_records: usize,
        pending_nodes: Vec<PendingNode>,
        total: u64,
        next_cursor: Option<&str>,
    ) -> treestore_result {
        let mut builder = builder;
        let cursor = next_cursor.map(|c| builder.string_span(c));
        let built = builder.finish();
        let nodes = pending_nodes.iter().map(|n| n.view(&built.arena)).collect();
        let next_cursor = cursor.map_or(treestore_str::NONE, |c| built.arena.view(c));
        treestore_result {
            arena: built.arena,
            kvs: built.kvs,
            strings: built.strings,
            records: built.records,
            fields: built.fields,
            nodes,
            top_records,
            total,
            next_cursor,
        }
    }

    pub(crate) fn into_raw(self) -> *mut treestore_result {
        Box::into_raw(Box::new(self))
    }
}

/// Fills `*out` with every array of `result`. `out->struct_size` must be set first.
#[no_mangle]
pub extern "C" fn treestore_result_read(
    result: *const treestore_result,
    out: *mut treestore_result_view,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let r = args::handle(result, "result")?;
        args::out(out, "out")?;
        // SAFETY: `out` is non-NULL and points to a caller-owned view whose size field it set.
        let size = unsafe { (*out).struct_size } as usize;
        if size < std::mem::size_of::<treestore_result_view>() {
            return Err(crate::error::FfiError::new(
                crate::status::TREESTORE_INVALID_ARGUMENT,
                format!("treestore_result_view.struct_size is {size}: set it to sizeof(treestore_result_view)"),
            ));
        }
        let (arena, arena_len) = r.arena.raw();
        args::write_out(
            out,
            treestore_result_view {
                struct_size: std::mem::size_of::<treestore_result_view>() as u32,
                reserved: 0,
                records: r.records.as_ptr(),
                records_len: r.records.len(),
                top_records: r.top_records,
                fields: r.fields.as_ptr(),
                fields_len: r.fields.len(),
                nodes: r.nodes.as_ptr(),
                nodes_len: r.nodes.len(),
                strings: r.strings.as_ptr(),
                strings_len: r.strings.len(),
                kvs: r.kvs.as_ptr(),
                kvs_len: r.kvs.len(),
                arena,
                arena_len,
                total: r.total,
                next_cursor: r.next_cursor,
            },
        );
        Ok(())
    })
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

/// A result holding `records` (and nothing else), with an optional page cursor.
pub(crate) fn records_result<T: treestore_core::record::ToRecord>(
    items: &[T],
    next_cursor: Option<&str>,
) -> treestore_result {
    let mut builder = RecordBuilder::default();
    builder.push_records(items.iter().map(|i| i.to_record()).collect());
    treestore_result::from_builder(builder, items.len(), Vec::new(), 0, next_cursor)
}
