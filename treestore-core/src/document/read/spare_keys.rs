//! The key buffer a [`DocReader`](super::DocReader) reads with, kept per thread between readers:
//! callers that make a reader per call (the store handles, the C ABI: one read transaction and
//! one reader per call) would otherwise allocate one and free it on every call (callgrind,
//! `read_probe <db> h2h_node`: malloc and free were about 1% of a point read's instructions).

use std::cell::Cell;

use crate::keys::KeyBuilder;

/// Bytes a reader asks for when there is no spare buffer (a node key is 18, a text chunk's 24).
const FRESH_CAPACITY: usize = 64;

/// Largest buffer kept for the next reader (a key built for an unusually long id is let go).
const MAX_KEPT: usize = 1024;

thread_local! {
    /// The last reader's buffer, cleared; `None` while a reader of this thread holds it.
    static SPARE: Cell<Option<KeyBuilder>> = const { Cell::new(None) };
}

/// A reader's key buffer: taken from the thread's spare on creation, given back when dropped.
/// (The reader itself has no `Drop`: a reader made in a tail expression, `DocReader::new(&tx)
/// .node(..)`, may outlive its transaction's borrow only while its drop cannot reach it.)
#[derive(Default)]
pub(super) struct SpareKeys(KeyBuilder);

impl SpareKeys {
    /// The thread's spare buffer, or a new one.
    pub(super) fn take() -> SpareKeys {
        SpareKeys(
            SPARE
                .try_with(Cell::take)
                .ok()
                .flatten()
                .unwrap_or_else(|| KeyBuilder::with_capacity(FRESH_CAPACITY)),
        )
    }
}

impl Drop for SpareKeys {
    /// Keeps the buffer for the thread's next reader, unless it never allocated (a placeholder
    /// left by `mem::take`) or grew past [`MAX_KEPT`].
    fn drop(&mut self) {
        let mut keys = std::mem::take(&mut self.0);
        if keys.capacity() == 0 || keys.capacity() > MAX_KEPT {
            return;
        }
        keys.clear();
        // During the thread's exit the slot may be gone: the buffer is then simply freed.
        let _ = SPARE.try_with(|spare| spare.set(Some(keys)));
    }
}

impl std::ops::Deref for SpareKeys {
    type Target = KeyBuilder;

    fn deref(&self) -> &KeyBuilder {
        &self.0
    }
}

impl std::ops::DerefMut for SpareKeys {
    fn deref_mut(&mut self) -> &mut KeyBuilder {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_given_back_is_taken_again_cleared() {
        let mut k = SpareKeys::take();
        k.u64(7);
        let at = k.as_slice().as_ptr();
        drop(k);
        let again = SpareKeys::take();
        assert!(again.is_empty());
        assert_eq!(again.as_slice().as_ptr(), at, "the same allocation");
        // While it is taken, another reader gets a fresh one.
        let other = SpareKeys::take();
        assert_ne!(other.as_slice().as_ptr(), at);
        assert!(other.capacity() >= FRESH_CAPACITY);
    }

    #[test]
    fn placeholders_and_grown_buffers_are_not_kept() {
        let mut k = SpareKeys::take();
        k.bytes(&[1; 4 * MAX_KEPT]);
        drop(k);
        drop(SpareKeys::default());
        assert!(SpareKeys::take().capacity() >= FRESH_CAPACITY);
        let k = SpareKeys::take();
        assert!((FRESH_CAPACITY..=MAX_KEPT).contains(&k.capacity()));
    }
}
