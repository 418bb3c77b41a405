//! A fixed-bucket latency histogram of atomic counters: recording never blocks or allocates.
//! A call counted without a clock read ([`Histogram::observe_held`]) goes to the bucket of the
//! last measured call, and the sum is the measured calls' mean times the count, so every call is
//! counted while only a sample of them is timed.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// Upper bounds of the buckets, in seconds (a last, implicit bucket is `+Inf`).
pub const BUCKET_BOUNDS: [f64; 22] = [
    1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

const BOUNDS_NS: [u64; 22] = [
    1_000,
    2_500,
    5_000,
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
];

/// Latencies of one operation.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; 23],
    /// Sum and number of the measured observations: `_sum` is their mean times the count.
    timed_sum_ns: AtomicU64,
    timed: AtomicU64,
    errors: AtomicU64,
    /// The bucket of the last measured observation: where an unmeasured call is counted.
    held: AtomicUsize,
}

/// A copy of a histogram's counters at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistogramSnapshot {
    /// Cumulative counts per bucket of [`BUCKET_BOUNDS`], then `+Inf` (= the total count).
    pub cumulative: Vec<u64>,
    /// Sum of all observations, in seconds.
    pub sum_seconds: f64,
    /// Number of observations.
    pub count: u64,
    /// Observations that ended in an error.
    pub errors: u64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, elapsed: Duration, failed: bool) {
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let idx = BOUNDS_NS.partition_point(|&b| b < ns);
        self.held.store(idx, Ordering::Relaxed);
        self.buckets[idx].fetch_add(1, Ordering::Relaxed);
        self.timed_sum_ns.fetch_add(ns, Ordering::Relaxed);
        self.timed.fetch_add(1, Ordering::Relaxed);
        self.count_error(failed);
    }

    /// Records one call that was not timed, in the bucket of the last measured one (none yet:
    /// the first bucket): one atomic add.
    pub fn observe_held(&self, failed: bool) {
        let idx = self
            .held
            .load(Ordering::Relaxed)
            .min(self.buckets.len() - 1);
        self.buckets[idx].fetch_add(1, Ordering::Relaxed);
        self.count_error(failed);
    }

    fn count_error(&self, failed: bool) {
        if failed {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counters now.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut running = 0;
        let cumulative: Vec<u64> = self
            .buckets
            .iter()
            .map(|b| {
                running += b.load(Ordering::Relaxed);
                running
            })
            .collect();
        let timed = self.timed.load(Ordering::Relaxed);
        let timed_sum = self.timed_sum_ns.load(Ordering::Relaxed) as f64;
        // Every call measured: the exact sum; otherwise the measured mean times the count.
        let sum_ns = if timed == 0 || timed >= running {
            timed_sum
        } else {
            timed_sum / timed as f64 * running as f64
        };
        HistogramSnapshot {
            count: running,
            cumulative,
            sum_seconds: sum_ns / 1e9,
            errors: self.errors.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_right_buckets() {
        let h = Histogram::default();
        h.observe(Duration::from_nanos(500), false);
        h.observe(Duration::from_micros(1), false);
        h.observe(Duration::from_micros(3), true);
        h.observe(Duration::from_secs(60), false);
        let s = h.snapshot();
        assert_eq!(s.count, 4);
        assert_eq!(s.errors, 1);
        assert_eq!(s.cumulative[0], 2, "<= 1µs");
        assert_eq!(s.cumulative[1], 2, "<= 2.5µs");
        assert_eq!(s.cumulative[2], 3, "<= 5µs");
        assert_eq!(s.cumulative[21], 3, "<= 10s");
        assert_eq!(s.cumulative[22], 4, "+Inf");
        assert!((s.sum_seconds - 60.0000045).abs() < 1e-9);
    }

    #[test]
    fn an_untimed_call_counts_as_the_last_measured_one() {
        let h = Histogram::default();
        h.observe_held(false);
        assert_eq!(
            h.snapshot().cumulative[0],
            1,
            "nothing measured yet: first bucket"
        );
        assert_eq!(h.snapshot().sum_seconds, 0.0);
        h.observe(Duration::from_micros(3), false);
        h.observe_held(true);
        h.observe_held(false);
        let s = h.snapshot();
        assert_eq!(s.count, 4);
        assert_eq!(s.errors, 1);
        assert_eq!(s.cumulative[1], 1, "<= 2.5µs: only the first");
        assert_eq!(
            s.cumulative[2], 4,
            "<= 5µs: the measured call and the two held"
        );
        assert!(
            (s.sum_seconds - 12e-6).abs() < 1e-12,
            "mean 3µs times 4 calls"
        );
        h.observe(Duration::from_secs(1 << 40), false);
        h.observe_held(false);
        assert_eq!(
            h.snapshot().cumulative[22],
            6,
            "huge latencies stay in +Inf"
        );
    }
}
