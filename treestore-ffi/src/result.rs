//! Result objects: one call returns one `treestore_result` holding every record the query produced,
//! with string views into memory the result owns. Pointers read from a result stay valid until
//! `treestore_result_free`; the result is never changed after it is returned.
//!
//! A result is built in place: strings are copied once into its arena and its arrays are filled
//! directly, with each string view holding an arena offset until `seal` turns the offsets into
//! pointers (the arena may move while it grows, so no pointer is taken before it is final). The
//! buffers of freed results are reused (see `pool`), so a call that fits them allocates nothing.

use crate::args;
use crate::error::treestore_error;
use crate::nodes::treestore_node;
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

/// A string view of a result being built: `ptr` holds `arena offset + 1` (NULL: absent) until
/// [`ResultData::seal`] makes it a pointer. Never handed to C before then.
pub(crate) type Span = treestore_str;

/// The bytes every string view of a result points into.
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

    /// Copies `b` in and returns its pending view.
    pub(crate) fn push(&mut self, b: &[u8]) -> Span {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(b);
        treestore_str {
            ptr: std::ptr::without_provenance(start + 1),
            len: b.len(),
        }
    }

    /// Copies `s` in and returns the offset it starts at (for [`Arena::span_at`]).
    pub(crate) fn push_str_start(&mut self, s: &str) -> usize {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(s.as_bytes());
        start
    }

    /// The pending view of the `len` bytes at `offset` (copied in by an earlier push).
    pub(crate) const fn span_at(offset: usize, len: usize) -> Span {
        treestore_str {
            ptr: std::ptr::without_provenance(offset + 1),
            len,
        }
    }

    /// Turns a pending view into a pointer into the (now final) buffer. An empty string points
    /// where it was pushed (possibly the buffer's end), never NULL.
    #[inline]
    fn seal(&self, s: &mut treestore_str) {
        let offset = s.ptr.addr();
        debug_assert!(offset == 0 || offset - 1 + s.len <= self.bytes.len());
        // No branch on the offset (a select instead): a result seals dozens of views per call.
        // `wrapping_add` computes the address without asserting anything about it; it is only
        // kept when `offset > 0`, and then `offset - 1 + len <= bytes.len()` (the span came from
        // `push` on this arena, never truncated while a result is built), so the pointer is in
        // the buffer or one past its end (only for an empty string, which is never read through).
        let ptr = self.bytes.as_ptr().wrapping_add(offset).wrapping_sub(1);
        s.ptr = if offset == 0 { std::ptr::null() } else { ptr };
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
    }
}

/// The records a call returned. Free with `treestore_result_free`. Owned by one thread at a time;
/// may be freed from any thread.
// A handle to its data on the heap, so building and returning a result moves one pointer, not the
// arrays' headers; C holds a pointer to the handle's own heap cell (see `pool`).
#[derive(Default)]
pub struct treestore_result {
    pub(crate) data: Box<ResultData>,
}

/// What a result holds.
#[derive(Default)]
pub(crate) struct ResultData {
    /// Owns the bytes every view in this result points into.
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

impl Default for treestore_str {
    fn default() -> treestore_str {
        treestore_str::NONE
    }
}

// SAFETY: the raw pointers inside point into `arena`, which the result owns and never mutates after
// construction (or at static strings); moving the result between threads moves the buffer with them.
unsafe impl Send for ResultData {}

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
    /// A result of key/value records, copied from the pairs as they are read.
    pub(crate) fn from_kvs<'a>(
        pairs: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
    ) -> treestore_result {
        let mut b = RecordBuilder::default();
        for (k, v) in pairs {
            b.push_kv(k, v);
        }
        b.finish(0, 0, None)
    }

    /// A result of string records.
    pub(crate) fn from_strings<S: AsRef<[u8]>>(items: &[S]) -> treestore_result {
        Self::from_string_page(items, None)
    }

    /// A result of string records with a page cursor.
    pub(crate) fn from_string_page<S: AsRef<[u8]>>(
        items: &[S],
        next_cursor: Option<&str>,
    ) -> treestore_result {
        let mut b = RecordBuilder::default();
        for s in items {
            b.push_bytes_item(s.as_ref());
        }
        b.finish(0, 0, next_cursor)
    }

    /// A result of records (and, from a node builder, the nodes in `pending_nodes` after any
    /// the builder holds), with an optional page cursor.
    pub(crate) fn from_builder(
        builder: RecordBuilder,
        top_records: usize,
        pending_nodes: Vec<treestore_node>,
        total: u64,
        next_cursor: Option<&str>,
    ) -> treestore_result {
        let mut builder = builder;
        builder.push_pending_nodes(&pending_nodes);
        builder.finish(top_records, total, next_cursor)
    }

    /// Hands the result to C (in a reused allocation when one is free).
    pub(crate) fn into_raw(self) -> *mut treestore_result {
        crate::pool::into_raw(self)
    }
}

impl ResultData {
    /// Makes every pending view a pointer; called once, when the result is complete.
    pub(crate) fn seal(&mut self) {
        let a = &self.arena;
        for r in &mut self.records {
            a.seal(&mut r.kind);
        }
        for f in &mut self.fields {
            a.seal(&mut f.name);
            a.seal(&mut f.str_value);
        }
        for n in &mut self.nodes {
            for s in [
                &mut n.node_id,
                &mut n.policy_id,
                &mut n.version_id,
                &mut n.parent_id,
                &mut n.title,
                &mut n.summary,
                &mut n.text,
                &mut n.section_path,
            ] {
                a.seal(s);
            }
        }
        for s in &mut self.strings {
            a.seal(s);
        }
        for kv in &mut self.kvs {
            a.seal(&mut kv.key);
            a.seal(&mut kv.value);
        }
        a.seal(&mut self.next_cursor);
    }

    /// Empties the result, keeping its buffers for the next one.
    pub(crate) fn clear(&mut self) {
        self.arena.clear();
        self.kvs.clear();
        self.strings.clear();
        self.records.clear();
        self.fields.clear();
        self.nodes.clear();
        self.top_records = 0;
        self.total = 0;
        self.next_cursor = treestore_str::NONE;
    }

    /// The bytes the result's buffers hold allocated.
    pub(crate) fn capacity_bytes(&self) -> usize {
        use std::mem::size_of;
        self.arena.capacity()
            + self.kvs.capacity() * size_of::<treestore_kv>()
            + self.strings.capacity() * size_of::<treestore_str>()
            + self.records.capacity() * size_of::<treestore_record>()
            + self.fields.capacity() * size_of::<treestore_field>()
            + self.nodes.capacity() * size_of::<treestore_node>()
    }
}

impl treestore_result {
    /// A result around `data` (buffers from the pool or new).
    pub(crate) fn from_data(data: Box<ResultData>) -> treestore_result {
        treestore_result { data }
    }

    /// The data, to keep for reuse.
    pub(crate) fn into_data(self) -> Box<ResultData> {
        self.data
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
        args::write_out(
            out,
            treestore_result_view {
                struct_size: std::mem::size_of::<treestore_result_view>() as u32,
                reserved: 0,
                records: r.data.records.as_ptr(),
                records_len: r.data.records.len(),
                top_records: r.data.top_records,
                fields: r.data.fields.as_ptr(),
                fields_len: r.data.fields.len(),
                nodes: r.data.nodes.as_ptr(),
                nodes_len: r.data.nodes.len(),
                strings: r.data.strings.as_ptr(),
                strings_len: r.data.strings.len(),
                kvs: r.data.kvs.as_ptr(),
                kvs_len: r.data.kvs.len(),
                arena: r.data.arena.bytes.as_ptr(),
                arena_len: r.data.arena.len(),
                total: r.data.total,
                next_cursor: r.data.next_cursor,
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
        args::write_out(out_items, r.data.kvs.as_ptr());
        args::write_out(out_len, r.data.kvs.len());
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
        args::write_out(out_items, r.data.strings.as_ptr());
        args::write_out(out_len, r.data.strings.len());
        Ok(())
    })
}

/// Frees a result and every view into it. NULL is fine. Freeing is cheap: the calling thread keeps
/// the buffers of a few small results for the next call to reuse (set the environment variable
/// `TREESTORE_RESULT_CACHE=0` before the first call to turn this off).
#[no_mangle]
pub extern "C" fn treestore_result_free(result: *mut treestore_result) {
    crate::panic::boundary_void(|| {
        if !result.is_null() {
            // SAFETY: a non-NULL result came from `treestore_result::into_raw` and is freed once.
            unsafe { crate::pool::free(result) };
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
    builder.finish(items.len(), 0, next_cursor)
}

/// Writes a new result holding `item`'s record to the checked out-parameter `out_result`.
pub(crate) fn write_record<T: treestore_core::record::ToRecord>(
    out_result: *mut *mut treestore_result,
    item: &T,
) {
    let result = records_result(std::slice::from_ref(item), None);
    args::write_out(out_result, result.into_raw());
}

/// Writes a new result holding a page of records (and the next page's cursor) to the checked
/// out-parameter `out_result`.
pub(crate) fn write_page<T: treestore_core::record::ToRecord>(
    out_result: *mut *mut treestore_result,
    items: &[T],
    next_cursor: Option<&str>,
) {
    args::write_out(out_result, records_result(items, next_cursor).into_raw());
}
