//! Renders metrics in the Prometheus text exposition format (version 0.0.4): names in base units
//! (`_seconds`, `_bytes`), `_total` for counters.

use std::fmt::Write;

use super::histogram::BUCKET_BOUNDS;
use super::op::{Metrics, Op};
use crate::db::Stats;

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &str, value: impl std::fmt::Display) {
    if labels.is_empty() {
        let _ = writeln!(out, "{name} {value}");
    } else {
        let _ = writeln!(out, "{name}{{{labels}}} {value}");
    }
}

/// The operation histograms (operations called at least once) and the engine's gauges and counters.
pub fn render(metrics: &Metrics, stats: &Stats) -> String {
    let mut out = String::with_capacity(8192);
    render_ops(&mut out, metrics);
    render_engine(&mut out, stats);
    out
}

fn render_ops(out: &mut String, metrics: &Metrics) {
    let observed: Vec<(Op, _)> = Op::ALL
        .iter()
        .map(|&op| (op, metrics.snapshot(op)))
        .filter(|(_, s)| s.count > 0)
        .collect();
    let name = "treestore_op_duration_seconds";
    family(out, name, "histogram", "Latency of TreeStore operations.");
    for (op, s) in &observed {
        for (bound, count) in BUCKET_BOUNDS.iter().zip(&s.cumulative) {
            let labels = format!("op=\"{}\",le=\"{bound:e}\"", op.name());
            sample(out, &format!("{name}_bucket"), &labels, count);
        }
        let labels = format!("op=\"{}\",le=\"+Inf\"", op.name());
        sample(out, &format!("{name}_bucket"), &labels, s.count);
        let op_label = format!("op=\"{}\"", op.name());
        sample(out, &format!("{name}_sum"), &op_label, s.sum_seconds);
        sample(out, &format!("{name}_count"), &op_label, s.count);
    }
    let name = "treestore_op_errors_total";
    family(out, name, "counter", "Operations that returned an error.");
    for (op, s) in &observed {
        sample(out, name, &format!("op=\"{}\"", op.name()), s.errors);
    }
}

fn render_engine(out: &mut String, s: &Stats) {
    let counters = [
        (
            "treestore_commits_total",
            "Transactions committed since open.",
            s.commits,
        ),
        (
            "treestore_checkpoints_total",
            "Checkpoints since open.",
            s.checkpoints,
        ),
    ];
    for (name, help, v) in counters {
        family(out, name, "counter", help);
        sample(out, name, "", v);
    }
    family(
        out,
        "treestore_pages",
        "gauge",
        "Pages of the main file by state.",
    );
    for (state, v) in [
        ("used", s.used_pages),
        ("free", s.free_pages),
        ("pending", s.pending_pages),
        ("wal", s.wal_pages),
    ] {
        sample(out, "treestore_pages", &format!("state=\"{state}\""), v);
    }
    let gauges = [
        (
            "treestore_page_size_bytes",
            "Bytes per page.",
            s.page_size as f64,
        ),
        (
            "treestore_file_size_bytes",
            "Bytes of the main file.",
            s.file_bytes as f64,
        ),
        (
            "treestore_wal_size_bytes",
            "Bytes of the write-ahead log.",
            s.wal_bytes as f64,
        ),
        (
            "treestore_last_txid",
            "Id of the last committed transaction.",
            s.last_txid as f64,
        ),
        (
            "treestore_readers",
            "Live read transactions.",
            s.live_readers as f64,
        ),
        (
            "treestore_oldest_reader_age_seconds",
            "Age of the oldest live read transaction (0: none).",
            s.oldest_reader_age.map_or(0.0, |d| d.as_secs_f64()),
        ),
        (
            "treestore_last_checkpoint_age_seconds",
            "Time since the last checkpoint of this process (-1: none yet).",
            s.last_checkpoint_age.map_or(-1.0, |d| d.as_secs_f64()),
        ),
        (
            "treestore_uptime_seconds",
            "Time since the database was opened.",
            s.uptime.as_secs_f64(),
        ),
    ];
    for (name, help, v) in gauges {
        family(out, name, "gauge", help);
        sample(out, name, "", v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn renders_histograms_counters_and_gauges() {
        let m = Metrics::default();
        let _: Result<(), ()> = m.time(Op::GetNode, || Ok(()));
        let stats = Stats {
            page_size: 4096,
            total_pages: 10,
            free_pages: 2,
            pending_pages: 1,
            used_pages: 7,
            wal_pages: 3,
            file_bytes: 40960,
            wal_bytes: 100,
            last_txid: 5,
            commits: 5,
            checkpoints: 1,
            wal_syncs: 0,
            wal_appended_bytes: 0,
            wal_delta_records: 0,
            live_readers: 0,
            oldest_reader_age: None,
            last_checkpoint_age: Some(Duration::from_secs(2)),
            uptime: Duration::from_secs(9),
        };
        let text = render(&m, &stats);
        assert!(text.contains("# TYPE treestore_op_duration_seconds histogram"));
        assert!(text.contains("treestore_op_duration_seconds_count{op=\"get_node\"} 1"));
        assert!(
            text.contains("treestore_op_duration_seconds_bucket{op=\"get_node\",le=\"+Inf\"} 1")
        );
        assert!(text.contains("treestore_pages{state=\"free\"} 2"));
        assert!(text.contains("treestore_commits_total 5"));
        assert!(
            !text.contains("op=\"search\""),
            "unobserved operations are left out"
        );
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "bad sample value in {line:?}");
        }
    }
}
