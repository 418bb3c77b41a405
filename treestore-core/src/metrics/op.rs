//! The operations TreeStore measures and the registry holding one histogram per operation.
//!
//! [`Metrics::time`] times every call. [`Metrics::time_sampled`], for the reads a C caller makes
//! by the million, reads the clock on about one call in [`SAMPLE_EVERY`] of each operation on each
//! thread (the first call, then after a random gap, so a periodic workload cannot hide an
//! operation) and counts each call in between in the bucket of the last measured one: the counts
//! stay exact, the buckets and the sum (the measured mean times the count) become estimates, and
//! the two clock reads (~50 ns, a quarter of what the C ABI added to a node read) are paid once
//! per sample.

use std::cell::Cell;
use std::time::Instant;

use super::histogram::{Histogram, HistogramSnapshot};

macro_rules! ops {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// An operation whose calls and latencies are recorded.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Op { $($variant),* }

        impl Op {
            /// Every operation, in declaration order (`Op::ALL[op as usize] == op`).
            pub const ALL: &'static [Op] = &[$(Op::$variant),*];

            /// The number of operations.
            pub const COUNT: usize = Op::ALL.len();

            /// The label value used in metrics (`op="get_node"`).
            pub fn name(self) -> &'static str {
                match self { $(Op::$variant => $name),* }
            }
        }
    };
}

ops! {
    Commit => "commit",
    Checkpoint => "checkpoint",
    StoreDocument => "store_document",
    DeleteDocument => "delete_document",
    GetDocument => "get_document",
    GetNode => "get_node",
    GetNodes => "get_nodes",
    GetChildren => "get_children",
    GetSubtree => "get_subtree",
    GetAncestorPath => "get_ancestor_path",
    GetNodesByPage => "get_nodes_by_page",
    GetStructure => "get_structure",
    GetBySectionPath => "get_by_section_path",
    ImportPageindex => "import_pageindex",
    ExportPageindex => "export_pageindex",
    ListVersions => "list_versions",
    GetVersion => "get_version",
    GetVersionAsOf => "get_version_as_of",
    DiffVersions => "diff_versions",
    GetVersionByTag => "get_version_by_tag",
    GetLatestVersion => "get_latest_version",
    TagVersion => "tag_version",
    UntagVersion => "untag_version",
    StoreDocuments => "store_documents",
    SearchSettings => "search_settings",
    ConfigureSearch => "configure_search",
    Search => "search",
    StoreToolResult => "store_tool_result",
    QueryToolResults => "query_tool_results",
    StoreTrajectory => "store_trajectory",
    GetTrajectories => "get_trajectories",
    CrossReferences => "cross_references",
    Contradictions => "contradictions",
    Metadata => "metadata",
    Prompts => "prompts",
    Conversations => "conversations",
    EnrichedNode => "enriched_node",
    FindRelated => "find_related",
    Backup => "backup",
    IntegrityCheck => "integrity_check",
}

/// One histogram per operation.
#[derive(Debug)]
pub struct Metrics {
    per_op: Vec<Histogram>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            per_op: Op::ALL.iter().map(|_| Histogram::default()).collect(),
        }
    }
}

impl Metrics {
    /// Starts timing one call of `op`; finish with [`OpTimer::finish`].
    pub fn start(&self, op: Op) -> OpTimer<'_> {
        OpTimer {
            metrics: self,
            op,
            started: Instant::now(),
        }
    }

    /// Times `f` as one call of `op`, counting an `Err` as an error.
    pub fn time<T, E>(&self, op: Op, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let timer = self.start(op);
        let out = f();
        timer.finish(out.is_err());
        out
    }

    /// Counts `f` as one call of `op`, timing it when this thread's sample of `op` is due (see
    /// the module doc); an `Err` is counted as an error either way.
    pub fn time_sampled<T, E>(&self, op: Op, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        if sample_due(op) {
            return self.time(op, f);
        }
        let out = f();
        self.histogram(op).observe_held(out.is_err());
        out
    }

    /// The counters of `op` now.
    pub fn snapshot(&self, op: Op) -> HistogramSnapshot {
        self.histogram(op).snapshot()
    }

    fn histogram(&self, op: Op) -> &Histogram {
        // `per_op` has one histogram per variant, in declaration order.
        &self.per_op[op as usize]
    }
}

/// [`Metrics::time_sampled`] times one call in this many of an operation on a thread, on average.
pub const SAMPLE_EVERY: u32 = 8;

/// A thread's sampling state: per operation, the calls left to count before the next timed one.
struct Sampler {
    left: [Cell<u8>; Op::COUNT],
    rng: Cell<u32>,
}

thread_local! {
    static SAMPLER: Sampler = const {
        Sampler {
            left: [const { Cell::new(0) }; Op::COUNT],
            rng: Cell::new(0x9E37_79B9),
        }
    };
}

/// Whether this thread's call of `op` is to be timed; when it is, draws the gap to the next one,
/// uniform in `0..=2 * (SAMPLE_EVERY - 1)` untimed calls (a mean of `SAMPLE_EVERY - 1`).
fn sample_due(op: Op) -> bool {
    SAMPLER
        .try_with(|s| {
            let left = &s.left[op as usize];
            match left.get() {
                0 => {
                    // xorshift32: cheap, and enough to break a periodic pattern of calls.
                    let mut x = s.rng.get();
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    s.rng.set(x);
                    left.set((x % (2 * SAMPLE_EVERY - 1)) as u8);
                    true
                }
                n => {
                    left.set(n - 1);
                    false
                }
            }
        })
        .unwrap_or(true)
}

/// A call being timed.
pub struct OpTimer<'a> {
    metrics: &'a Metrics,
    op: Op,
    started: Instant,
}

impl OpTimer<'_> {
    /// Records the call's latency and whether it failed.
    pub fn finish(self, failed: bool) {
        self.metrics
            .histogram(self.op)
            .observe(self.started.elapsed(), failed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_counts_calls_and_errors_per_op() {
        let m = Metrics::default();
        let _: Result<(), ()> = m.time(Op::GetNode, || Ok(()));
        let _: Result<(), ()> = m.time(Op::GetNode, || Err(()));
        let _: Result<(), ()> = m.time(Op::Search, || Ok(()));
        assert_eq!(m.snapshot(Op::GetNode).count, 2);
        assert_eq!(m.snapshot(Op::GetNode).errors, 1);
        assert_eq!(m.snapshot(Op::Search).count, 1);
        assert_eq!(m.snapshot(Op::Commit).count, 0);
        let names: std::collections::HashSet<_> = Op::ALL.iter().map(|o| o.name()).collect();
        assert_eq!(names.len(), Op::ALL.len(), "operation names are unique");
        for (i, op) in Op::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i, "{op:?} indexes its histogram");
        }
    }

    #[test]
    fn sampled_timing_counts_every_call_and_every_error() {
        let m = Metrics::default();
        for i in 0..8000 {
            let _: Result<(), ()> =
                m.time_sampled(Op::GetNode, || if i % 10 == 0 { Err(()) } else { Ok(()) });
        }
        let s = m.snapshot(Op::GetNode);
        assert_eq!(s.count, 8000, "every call is counted");
        assert_eq!(s.errors, 800, "every error is counted");
        assert_eq!(s.cumulative.last(), Some(&8000), "+Inf is the count");
    }

    #[test]
    fn the_sampler_times_the_first_call_then_about_one_in_sample_every() {
        std::thread::spawn(|| {
            assert!(sample_due(Op::Search), "first call of an op on a thread");
            assert!(sample_due(Op::GetNode), "first call of another op");
            let timed = (0..80_000).filter(|_| sample_due(Op::Search)).count();
            let expected = 80_000 / SAMPLE_EVERY as usize;
            assert!(
                timed > expected * 9 / 10 && timed < expected * 11 / 10,
                "{timed} of 80,000 timed, expected about {expected}"
            );
        })
        .join()
        .unwrap();
    }
}
