//! The operations TreeStore measures and the registry holding one histogram per operation.

use std::time::Instant;

use super::histogram::{Histogram, HistogramSnapshot};

macro_rules! ops {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// An operation whose calls and latencies are recorded.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Op { $($variant),* }

        impl Op {
            /// Every operation, in declaration order.
            pub const ALL: &'static [Op] = &[$(Op::$variant),*];

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

    /// The counters of `op` now.
    pub fn snapshot(&self, op: Op) -> HistogramSnapshot {
        self.histogram(op).snapshot()
    }

    fn histogram(&self, op: Op) -> &Histogram {
        let idx = Op::ALL.iter().position(|o| *o == op).unwrap_or(0);
        &self.per_op[idx]
    }
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
    }
}
