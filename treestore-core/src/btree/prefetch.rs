//! Software prefetch of the cache lines a page search is about to read.
//!
//! A binary search over a page's slot array reads one slot per step, each step's line chosen by
//! the previous comparison, so on a page not yet in cache every step waits for its own miss. Asking
//! for all the slot array's lines up front lets the memory system fetch them in parallel: the
//! search then waits for about one miss instead of one per step. On targets without a prefetch
//! instruction this does nothing.

/// Bytes of one cache line (the granularity of a prefetch).
const LINE: usize = 64;

/// Most lines one call prefetches (a 4 KiB page's whole slot array is at most this many).
const MAX_LINES: usize = 64;

/// Asks for every cache line of `bytes` (at most [`MAX_LINES`] of them) to be loaded, without
/// waiting. A hint only: it never faults and never changes what a read returns.
#[inline]
pub(crate) fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        let start = bytes.as_ptr() as usize & !(LINE - 1);
        let end = bytes.as_ptr() as usize + bytes.len();
        let lines = (end - start).div_ceil(LINE).min(MAX_LINES);
        // Eight lines a step: a whole page is 64 prefetches and 8 loop steps, not 64 steps.
        let mut line = start as *const i8;
        for _ in 0..lines / 8 {
            for k in 0..8 {
                hint(line.wrapping_add(k * LINE));
            }
            line = line.wrapping_add(8 * LINE);
        }
        for k in 0..lines % 8 {
            hint(line.wrapping_add(k * LINE));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (bytes, LINE, MAX_LINES);
    }
}

/// One line's prefetch.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn hint(line: *const i8) {
    // SAFETY: PREFETCHT0 is a hint: it does not fault on any address and does not change memory,
    // and SSE (which provides it) is part of the x86_64 baseline. The addresses are the lines of
    // the caller's slice anyway (computed with wrapping arithmetic, never dereferenced).
    unsafe { core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(line) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefetching_any_slice_is_harmless() {
        let page = vec![7u8; 4096];
        prefetch(&page);
        prefetch(&page[1..2]);
        prefetch(&page[4095..]);
        prefetch(&[]);
        assert!(page.iter().all(|&b| b == 7));
    }
}
