//! The per-thread cache of freed results. `treestore_result_free` keeps the buffers of a freed
//! result (its arena and arrays, cleared) and its heap cell for the next result built on the same
//! thread, so a call whose result fits them makes no allocation at all: the malloc/free pairs
//! were most of what the ABI added to a small read.
//!
//! Bounded so a thread never hoards memory: at most [`MAX_CACHED`] results of at most
//! [`MAX_CACHED_BYTES`] each. A result freed on another thread than the one that built it is
//! simply cached there (results may be freed from any thread). The cache is freed with its thread.
//! `TREESTORE_RESULT_CACHE=0` in the environment turns it off (every result is then a fresh
//! allocation, which lets a memory checker see a caller reading a freed result).

use std::cell::RefCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::result::{treestore_result, ResultData};

/// Freed results a thread keeps.
pub(crate) const MAX_CACHED: usize = 4;
/// The largest result (bytes allocated by its buffers) worth keeping: a 1,000-node subtree fits.
pub(crate) const MAX_CACHED_BYTES: usize = 1 << 20;

type Cell = Box<MaybeUninit<treestore_result>>;

#[derive(Default)]
struct Cache {
    /// Cleared result data whose buffers are kept (boxed: a result owns its data by pointer, so
    /// moving it in and out of the cache allocates nothing).
    #[allow(clippy::vec_box)]
    buffers: Vec<Box<ResultData>>,
    /// Heap cells of freed results, for `into_raw`.
    cells: Vec<Cell>,
}

thread_local! {
    static CACHE: RefCell<Cache> = const {
        RefCell::new(Cache {
            buffers: Vec::new(),
            cells: Vec::new(),
        })
    };
}

const UNKNOWN: u8 = 0;
const ON: u8 = 1;
const OFF: u8 = 2;
static ENABLED: AtomicU8 = AtomicU8::new(UNKNOWN);

fn enabled() -> bool {
    match ENABLED.load(Ordering::Relaxed) {
        ON => true,
        OFF => false,
        _ => {
            let on = std::env::var_os("TREESTORE_RESULT_CACHE").is_none_or(|v| v != "0");
            ENABLED.store(if on { ON } else { OFF }, Ordering::Relaxed);
            on
        }
    }
}

/// Runs `f` on this thread's cache; `None` when it is off, being torn down, or already borrowed.
fn with_cache<T>(f: impl FnOnce(&mut Cache) -> T) -> Option<T> {
    if !enabled() {
        return None;
    }
    CACHE
        .try_with(|c| c.try_borrow_mut().ok().map(|mut c| f(&mut c)))
        .ok()
        .flatten()
}

/// An empty result to build into: a cached one's buffers, or new (empty) ones.
pub(crate) fn take() -> treestore_result {
    let data = with_cache(|c| c.buffers.pop())
        .flatten()
        .unwrap_or_default();
    treestore_result::from_data(data)
}

/// Moves `result` to the heap, into a cached cell when there is one.
pub(crate) fn into_raw(result: treestore_result) -> *mut treestore_result {
    let cell = with_cache(|c| c.cells.pop())
        .flatten()
        .unwrap_or_else(Box::new_uninit);
    Box::into_raw(Box::write(cell, result))
}

/// Frees a result from `into_raw`, keeping its cell and buffers when the cache has room.
///
/// # Safety
/// `result` came from [`into_raw`] and is not used again.
pub(crate) unsafe fn free(result: *mut treestore_result) {
    // SAFETY: per the contract, `result` is the live, initialised cell `into_raw` leaked; reading the
    // value out leaves a cell that is freed (or reused) without dropping anything twice.
    let cell: Cell = unsafe { Box::from_raw(result.cast::<MaybeUninit<treestore_result>>()) };
    // SAFETY: the cell holds an initialised result (written by `into_raw`), read exactly once.
    let mut data = unsafe { cell.assume_init_read() }.into_data();
    let kept = with_cache(|c| {
        if c.cells.len() < MAX_CACHED {
            c.cells.push(cell);
        }
        if c.buffers.len() < MAX_CACHED && data.capacity_bytes() <= MAX_CACHED_BYTES {
            data.clear();
            c.buffers.push(data);
            None
        } else {
            Some(data)
        }
    });
    drop(kept);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::RecordBuilder;

    fn kv_result(value: &[u8]) -> treestore_result {
        treestore_result::from_kvs([(&b"k"[..], value)])
    }

    #[test]
    fn a_freed_result_is_reused_by_the_next_one_on_the_thread() {
        if !enabled() {
            eprintln!("SKIP: TREESTORE_RESULT_CACHE=0");
            return;
        }
        let first = kv_result(b"value").into_raw();
        // SAFETY (test): `first` came from `into_raw` and is freed once.
        let arena = unsafe { (*first).data.arena.capacity() };
        unsafe { free(first) };
        let second = kv_result(b"other").into_raw();
        assert_eq!(first, second, "the heap cell is reused");
        // SAFETY (test): `second` is live until freed below.
        let r = unsafe { &*second };
        assert_eq!(r.data.arena.capacity(), arena, "the arena is reused");
        assert_eq!(
            r.data.kvs.len(),
            1,
            "the reused result holds only the new records"
        );
        // SAFETY (test): the views point into `r`'s arena, alive here.
        let v =
            unsafe { std::slice::from_raw_parts(r.data.kvs[0].value.ptr, r.data.kvs[0].value.len) };
        assert_eq!(v, b"other");
        unsafe { free(second) };
    }

    #[test]
    fn large_results_and_results_past_the_limit_are_not_kept() {
        if !enabled() {
            eprintln!("SKIP: TREESTORE_RESULT_CACHE=0");
            return;
        }
        let big = vec![7u8; MAX_CACHED_BYTES + 1];
        let raw = kv_result(&big).into_raw();
        // SAFETY (test): from `into_raw`, freed once.
        unsafe { free(raw) };
        let next = RecordBuilder::default().finish(0, 0, None);
        assert!(next.data.capacity_bytes() <= MAX_CACHED_BYTES);
        let raws: Vec<_> = (0..MAX_CACHED + 3)
            .map(|_| kv_result(b"v").into_raw())
            .collect();
        for r in raws {
            // SAFETY (test): each from `into_raw`, freed once.
            unsafe { free(r) };
        }
        let cached = CACHE.with(|c| {
            let c = c.borrow();
            (c.buffers.len(), c.cells.len())
        });
        assert_eq!(cached, (MAX_CACHED, MAX_CACHED));
    }

    #[test]
    fn a_result_freed_on_another_thread_is_reused_there_and_reads_correctly() {
        struct Raw(*mut treestore_result);
        // SAFETY (test): results may be freed from any thread (`treestore_result` is Send).
        unsafe impl Send for Raw {}
        let raw = Raw(kv_result(b"built on the main thread").into_raw());
        std::thread::spawn(move || {
            let raw = raw;
            // SAFETY (test): from `into_raw`, freed once, on this thread.
            unsafe { free(raw.0) };
            let next = kv_result(b"next").into_raw();
            // SAFETY (test): `next` is live until freed below; its views point into its arena.
            let r = unsafe { &*next };
            let v = unsafe {
                std::slice::from_raw_parts(r.data.kvs[0].value.ptr, r.data.kvs[0].value.len)
            };
            assert_eq!(v, b"next");
            assert_eq!(r.data.kvs.len(), 1);
            unsafe { free(next) };
        })
        .join()
        .unwrap();
    }
}
