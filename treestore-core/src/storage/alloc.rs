//! The page allocator: free pages, pages freed but still reachable by a live snapshot (pending, keyed
//! by the transaction that freed them), and the high-water mark. Lowest free page first, so the used
//! part of the file stays dense.

use std::collections::{BTreeSet, VecDeque};

/// Writer-owned allocation state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Allocator {
    free: BTreeSet<u64>,
    /// (txid that freed them, pages), oldest first.
    pending: VecDeque<(u64, Vec<u64>)>,
    hwm: u64,
}

impl Allocator {
    pub(crate) fn new(free: impl IntoIterator<Item = u64>, hwm: u64) -> Allocator {
        Allocator {
            free: free.into_iter().collect(),
            pending: VecDeque::new(),
            hwm,
        }
    }

    pub(crate) fn hwm(&self) -> u64 {
        self.hwm
    }

    pub(crate) fn free_count(&self) -> u64 {
        self.free.len() as u64
    }

    pub(crate) fn pending_count(&self) -> u64 {
        self.pending.iter().map(|(_, p)| p.len() as u64).sum()
    }

    /// Takes the lowest free page, or a new one at the end.
    pub(crate) fn allocate(&mut self) -> u64 {
        match self.free.pop_first() {
            Some(p) => p,
            None => {
                self.hwm += 1;
                self.hwm - 1
            }
        }
    }

    /// Returns a page nobody can reach (allocated and dropped in the same transaction).
    pub(crate) fn release_now(&mut self, page: u64) {
        self.free.insert(page);
    }

    /// Undoes the allocations of a rolled-back transaction.
    pub(crate) fn roll_back(&mut self, allocated: &[u64], hwm_before: u64) {
        for &p in allocated {
            if p < hwm_before {
                self.free.insert(p);
            }
        }
        drop(self.free.split_off(&hwm_before));
        self.hwm = hwm_before;
    }

    /// Records pages that transaction `txid` stopped reaching.
    pub(crate) fn defer_free(&mut self, txid: u64, pages: Vec<u64>) {
        if !pages.is_empty() {
            self.pending.push_back((txid, pages));
        }
    }

    /// Frees the pending pages of every transaction at or before `oldest_snapshot`: no live reader
    /// can reach them. Returns the pages that became free.
    pub(crate) fn release_pending(&mut self, oldest_snapshot: u64) -> Vec<u64> {
        let mut released = Vec::new();
        while self
            .pending
            .front()
            .is_some_and(|(txid, _)| *txid <= oldest_snapshot)
        {
            if let Some((_, pages)) = self.pending.pop_front() {
                released.extend_from_slice(&pages);
                self.free.extend(pages);
            }
        }
        released
    }

    /// Every page a restart would find free: free and pending.
    pub(crate) fn free_on_restart(&self) -> Vec<u64> {
        let mut all: Vec<u64> = self.free.iter().copied().collect();
        for (_, pages) in &self.pending {
            all.extend_from_slice(pages);
        }
        all.sort_unstable();
        all
    }

    /// Takes `n` free pages (for the freelist chain), lowest first; fewer if fewer are free.
    pub(crate) fn take_free(&mut self, n: usize) -> Vec<u64> {
        let mut taken = Vec::with_capacity(n);
        while taken.len() < n {
            match self.free.pop_first() {
                Some(p) => taken.push(p),
                None => break,
            }
        }
        taken
    }

    /// Lowers the high-water mark below the free pages at the end of the file (never below
    /// `floor`); returns how many pages it took off. Pending pages are not touched: release them
    /// first.
    pub(crate) fn trim_free_tail(&mut self, floor: u64) -> u64 {
        let before = self.hwm;
        while self.hwm > floor && self.free.last() == Some(&(self.hwm - 1)) {
            self.free.pop_last();
            self.hwm -= 1;
        }
        before - self.hwm
    }

    /// Replays one committed transaction during recovery.
    pub(crate) fn replay_commit(&mut self, written: &[u64], freed: &[u64], hwm: u64) {
        for p in self.hwm..hwm {
            self.free.insert(p);
        }
        self.hwm = self.hwm.max(hwm);
        for p in written {
            self.free.remove(p);
        }
        self.free.extend(freed.iter().copied());
    }

    pub(crate) fn is_free(&self, page: u64) -> bool {
        self.free.contains(&page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_pages_wait_for_the_oldest_reader() {
        let mut a = Allocator::new([], 10);
        assert_eq!(a.allocate(), 10);
        a.defer_free(5, vec![3, 4]);
        a.defer_free(6, vec![7]);
        assert!(a.release_pending(4).is_empty());
        assert_eq!(a.release_pending(5), vec![3, 4]);
        assert_eq!(a.allocate(), 3);
        assert_eq!(a.free_on_restart(), vec![4, 7]);
        assert_eq!(a.release_pending(100), vec![7]);
    }

    #[test]
    fn trimming_takes_only_the_free_run_at_the_end() {
        let mut a = Allocator::new([4, 5, 7, 8, 9], 10);
        assert_eq!(a.trim_free_tail(3), 3);
        assert_eq!(a.hwm(), 7);
        assert!(a.is_free(4) && a.is_free(5) && !a.is_free(7));
        assert_eq!(a.allocate(), 4);
        let mut b = Allocator::new([3, 4, 5], 6);
        assert_eq!(b.trim_free_tail(4), 2, "never below the floor");
        assert_eq!(b.hwm(), 4);
        assert_eq!(b.trim_free_tail(4), 0);
    }

    #[test]
    fn roll_back_restores_allocations() {
        let mut a = Allocator::new([5, 6], 10);
        let got = vec![a.allocate(), a.allocate(), a.allocate()];
        assert_eq!(got, vec![5, 6, 10]);
        a.roll_back(&got, 10);
        assert_eq!(a.hwm(), 10);
        assert_eq!(a.free_count(), 2);
    }
}
