//! Latency statistics (every operation timed on its own: p50, p99, mean, throughput) and the
//! report: a markdown section written into `benches/RESULTS.md` between two markers (the rest of
//! the file is kept) and a CSV of the ratios the chart script draws.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::Kind;

/// Per-operation latencies of one (kind, engine) measurement.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    sorted: Vec<u64>,
    /// Operations per second over the wall time of a multi-threaded run; `None`: 1 / mean.
    pub wall_ops: Option<f64>,
}

impl Stats {
    pub fn new(mut ns: Vec<u64>) -> Stats {
        ns.sort_unstable();
        Stats {
            sorted: ns,
            wall_ops: None,
        }
    }

    pub fn count(&self) -> usize {
        self.sorted.len()
    }

    pub fn quantile(&self, q: f64) -> f64 {
        if self.sorted.is_empty() {
            return f64::NAN;
        }
        let i = ((self.sorted.len() as f64 * q).ceil() as usize).clamp(1, self.sorted.len()) - 1;
        self.sorted[i] as f64
    }

    pub fn mean(&self) -> f64 {
        self.sorted.iter().sum::<u64>() as f64 / self.sorted.len().max(1) as f64
    }

    /// Operations per second: from the wall time when set, else one thread's 1 / mean.
    pub fn ops(&self) -> f64 {
        self.wall_ops.unwrap_or_else(|| 1e9 / self.mean())
    }
}

/// Everything one run measured.
#[derive(Default)]
pub struct Results {
    pub engines: Vec<&'static str>,
    pub warm: BTreeMap<(Kind, &'static str), Stats>,
    pub cold: BTreeMap<(Kind, &'static str), Stats>,
    pub under_writer: BTreeMap<(Kind, &'static str), Stats>,
    /// Writer commits per second during each under-writer run.
    pub writer_rate: BTreeMap<(Kind, &'static str), f64>,
    pub tool_results_8: BTreeMap<&'static str, Stats>,
    pub load: BTreeMap<&'static str, Duration>,
    /// Free text lines: corpus, machine, settings, command.
    pub header: Vec<String>,
    /// Notes from the equality check.
    pub check_notes: Vec<String>,
    /// Nodes every engine loaded.
    pub load_nodes: usize,
    /// Fixed text after the tables.
    pub footer: Vec<String>,
}

pub fn fmt_ns(ns: f64) -> String {
    if ns.is_nan() {
        "–".into()
    } else if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

pub fn fmt_ops(ops: f64) -> String {
    if ops >= 1e6 {
        format!("{:.2}M", ops / 1e6)
    } else if ops >= 1e3 {
        format!("{:.1}k", ops / 1e3)
    } else {
        format!("{ops:.1}")
    }
}

const TS: &str = "TreeStore";
const PG: &str = "PostgreSQL";
const PGL: &str = "PG ltree";
const SQ: &str = "SQLite";

impl Results {
    /// TreeStore's throughput over the opponent's (>1: TreeStore faster). For PostgreSQL the
    /// faster of its two schemas counts.
    pub fn ratio(
        &self,
        map: &BTreeMap<(Kind, &'static str), Stats>,
        kind: Kind,
        opp: &str,
    ) -> Option<f64> {
        let ts = map.get(&(kind, TS))?.ops();
        let o = if opp == PG {
            let a = map.get(&(kind, PG)).map(Stats::ops);
            let b = map.get(&(kind, PGL)).map(Stats::ops);
            a.into_iter().chain(b).reduce(f64::max)?
        } else {
            map.get(&(kind, opp))?.ops()
        };
        Some(ts / o)
    }

    fn table(&self, out: &mut String, map: &BTreeMap<(Kind, &'static str), Stats>, cold: bool) {
        out.push_str("| query |");
        for e in &self.engines {
            if cold {
                let _ = write!(out, " {e} |");
            } else {
                let _ = write!(out, " {e} p50 / p99 | {e} ops/s |");
            }
        }
        out.push_str(" TS/PG | TS/SQLite |\n|---|");
        let cols = if cold { 1 } else { 2 };
        for _ in 0..self.engines.len() * cols + 2 {
            out.push_str("---:|");
        }
        out.push('\n');
        for kind in Kind::ALL {
            if !self.engines.iter().any(|e| map.contains_key(&(kind, *e))) {
                continue;
            }
            let _ = write!(out, "| {} |", kind.label());
            for e in &self.engines {
                match map.get(&(kind, *e)) {
                    Some(s) if cold => {
                        let _ = write!(out, " {} |", fmt_ns(s.quantile(0.5)));
                    }
                    Some(s) => {
                        let _ = write!(
                            out,
                            " {} / {} | {} |",
                            fmt_ns(s.quantile(0.5)),
                            fmt_ns(s.quantile(0.99)),
                            fmt_ops(s.ops())
                        );
                    }
                    None if cold => out.push_str(" – |"),
                    None => out.push_str(" – | – |"),
                }
            }
            for opp in [PG, SQ] {
                match self.ratio(map, kind, opp) {
                    Some(r) => {
                        let _ = write!(out, " {r:.2}x |");
                    }
                    None => out.push_str(" – |"),
                }
            }
            out.push('\n');
        }
    }

    /// The markdown section.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for l in &self.header {
            out.push_str(l);
            out.push('\n');
        }
        out.push_str("\n### Warm, one thread\n\nLatency of each operation (p50 / p99) and throughput (1 / mean) \
            over every operation criterion ran; TS/PG and TS/SQLite are TreeStore's throughput over the \
            opponent's (above 1: TreeStore is faster; for PostgreSQL the faster of its two schemas).\n\n");
        self.table(&mut out, &self.warm, false);
        out.push_str("\n### Cold: the first query of each kind after reopening\n\nTreeStore: the database \
            closed and opened again; SQLite: a new connection (empty page cache); PostgreSQL: the server \
            restarted (empty shared buffers) and a new connection; the time includes preparing the \
            statement, as a first query after a restart does. The OS page cache stays warm (dropping it would disturb the other work on this shared \
            machine). Median of the rounds; ratios of those medians.\n\n");
        let cold_medians: BTreeMap<(Kind, &'static str), Stats> = self
            .cold
            .iter()
            .map(|(k, s)| {
                let m = s.quantile(0.5);
                (
                    *k,
                    Stats {
                        sorted: vec![m as u64],
                        wall_ops: Some(1e9 / m),
                    },
                )
            })
            .collect();
        self.table(&mut out, &cold_medians, true);
        out.push_str("\n### Four reader threads while one writer commits\n\nEach reader runs the query in a \
            loop with its own session; the writer stores 100-node documents (one durable commit each) \
            the whole time. Reader latency p50 / p99, readers' total throughput, the writer's commits/s.\n\n");
        out.push_str("| query |");
        for e in &self.engines {
            if self.under_writer.keys().any(|k| k.1 == *e) {
                let _ = write!(out, " {e} p50 / p99 | {e} reads/s | {e} commits/s |");
            }
        }
        out.push_str(" TS/PG | TS/SQLite |\n|---|");
        let n = self
            .engines
            .iter()
            .filter(|e| self.under_writer.keys().any(|k| k.1 == **e))
            .count();
        for _ in 0..n * 3 + 2 {
            out.push_str("---:|");
        }
        out.push('\n');
        for kind in Kind::UNDER_WRITER {
            let _ = write!(out, "| {} |", kind.label());
            for e in &self.engines {
                if !self.under_writer.keys().any(|k| k.1 == *e) {
                    continue;
                }
                match self.under_writer.get(&(kind, *e)) {
                    Some(s) => {
                        let _ = write!(
                            out,
                            " {} / {} | {} | {:.0} |",
                            fmt_ns(s.quantile(0.5)),
                            fmt_ns(s.quantile(0.99)),
                            fmt_ops(s.ops()),
                            self.writer_rate
                                .get(&(kind, *e))
                                .copied()
                                .unwrap_or(f64::NAN)
                        );
                    }
                    None => out.push_str(" – | – | – |"),
                }
            }
            for opp in [PG, SQ] {
                match self.ratio(&self.under_writer, kind, opp) {
                    Some(r) => {
                        let _ = write!(out, " {r:.2}x |");
                    }
                    None => out.push_str(" – |"),
                }
            }
            out.push('\n');
        }
        out.push_str("\n### Durable tool results, 8 threads storing at once\n\n| engine | stores/s | p50 / p99 |\n|---|---:|---:|\n");
        for (e, s) in &self.tool_results_8 {
            let _ = writeln!(
                out,
                "| {e} | {} | {} / {} |",
                fmt_ops(s.ops()),
                fmt_ns(s.quantile(0.5)),
                fmt_ns(s.quantile(0.99))
            );
        }
        out.push_str(
            "\n### Bulk load of the corpus\n\n| engine | wall time | nodes/s |\n|---|---:|---:|\n",
        );
        for (e, d) in &self.load {
            let _ = writeln!(
                out,
                "| {e} | {:.1} s | {} |",
                d.as_secs_f64(),
                fmt_ops(self.load_rate(e))
            );
        }
        out.push_str("\n### Targets\n\n");
        for t in self.targets() {
            let _ = writeln!(out, "- {t}");
        }
        if !self.check_notes.is_empty() {
            out.push_str("\n### Equality check\n\n");
            for n in &self.check_notes {
                let _ = writeln!(out, "- {n}");
            }
        }
        for l in &self.footer {
            out.push_str(l);
            out.push('\n');
        }
        out
    }

    /// Nodes per second of an engine's load (set by the runner through `load_nodes`).
    pub fn load_rate(&self, e: &str) -> f64 {
        let nodes = self.load_nodes as f64;
        self.load
            .get(e)
            .map_or(f64::NAN, |d| nodes / d.as_secs_f64())
    }

    /// The chart's data: one line per kind, TreeStore's speed-up over PostgreSQL and SQLite
    /// (warm, one thread).
    pub fn ratios_csv(&self) -> String {
        let mut out = String::from("query,ts_over_pg,ts_over_sqlite\n");
        for kind in Kind::ALL {
            let pg = self.ratio(&self.warm, kind, PG);
            let sq = self.ratio(&self.warm, kind, SQ);
            if pg.is_none() && sq.is_none() {
                continue;
            }
            let f = |r: Option<f64>| r.map_or(String::new(), |r| format!("{r:.4}"));
            let _ = writeln!(out, "\"{}\",{},{}", kind.label(), f(pg), f(sq));
        }
        out
    }
}

/// Writes `section` into `path` between the markers, replacing what was there (or, the first
/// time, before the file's first line), and keeps everything else.
pub fn write_section(path: &Path, section: &str) {
    const BEGIN: &str =
        "<!-- headtohead:begin (written by `make bench-pg`; edits here are overwritten) -->";
    const END: &str = "<!-- headtohead:end -->";
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let block = format!("{BEGIN}\n{section}\n{END}\n");
    let new = match (old.find("<!-- headtohead:begin"), old.find(END)) {
        (Some(b), Some(e)) => format!(
            "{}{block}{}",
            &old[..b],
            old[e + END.len()..].trim_start_matches('\n')
        ),
        _ => format!("{block}\n{old}"),
    };
    std::fs::write(path, new).unwrap();
}

impl Results {
    /// Every target of issues 3, 4 and 8 with its verdict, from this run's numbers.
    pub fn targets(&self) -> Vec<String> {
        let mut out = Vec::new();
        let verdict = |got: f64, want: f64| {
            if got >= want {
                format!("MET ({got:.2}x, target {want}x)")
            } else {
                format!(
                    "MISSED ({got:.2}x, target {want}x: {:.0}% short)",
                    100.0 * (1.0 - got / want)
                )
            }
        };
        for kind in Kind::ALL.into_iter().filter(|k| k.is_tree()) {
            if let Some(r) = self.ratio(&self.warm, kind, PG) {
                out.push(format!(
                    "issue 8, {} at least 30x PostgreSQL: {}",
                    kind.label(),
                    verdict(r, 30.0)
                ));
            }
            if let Some(r) = self.ratio(&self.warm, kind, SQ) {
                out.push(format!(
                    "issue 8, {} at least 3x SQLite: {}",
                    kind.label(),
                    verdict(r, 3.0)
                ));
            }
        }
        for kind in Kind::UNDER_WRITER.into_iter().filter(|k| k.is_tree()) {
            if let Some(s) = self.under_writer.get(&(kind, TS)) {
                let p99 = s.quantile(0.99);
                let v = if p99 < 1e6 { "MET" } else { "MISSED" };
                out.push(format!(
                    "issue 8, {} p99 under 1 ms with 4 readers and a committing writer: {v} (TreeStore p99 {})",
                    kind.label(),
                    fmt_ns(p99)
                ));
            }
        }
        for (kind, go_lo, go_hi) in [
            (Kind::Node, 100e3, 200e3),
            (Kind::Subtree20, 5e3, 15e3),
            (Kind::Ancestors, 20e3, 50e3),
            (Kind::AsOf, 10e3, 30e3),
        ] {
            if let Some(s) = self.warm.get(&(kind, TS)) {
                let ops = s.ops();
                let v = if ops >= 10.0 * go_hi {
                    "MET against the top of the Go range".to_string()
                } else if ops >= 10.0 * go_lo {
                    "MET against the bottom of the Go range only".to_string()
                } else {
                    format!("MISSED ({:.1}x the top of the Go range)", ops / go_hi)
                };
                out.push(format!(
                    "issue 3, {}: {} ops/s vs Go {}-{} ops/s, target 10x: {v}",
                    kind.label(),
                    fmt_ops(ops),
                    fmt_ops(go_lo),
                    fmt_ops(go_hi)
                ));
            }
        }
        let rate = self.load_rate(TS);
        if rate.is_finite() {
            let v = if rate >= 200e3 { "MET" } else { "MISSED" };
            out.push(format!("issue 3, bulk import at least 200k nodes/s: {v} ({} nodes/s, search index included)", fmt_ops(rate)));
        }
        for kind in [Kind::SearchSelective, Kind::SearchBroad] {
            if let Some(r) = self.ratio(&self.warm, kind, SQ) {
                out.push(format!(
                    "issue 4, {} at least as fast as SQLite FTS5: {}",
                    kind.label(),
                    verdict(r, 1.0)
                ));
            }
        }
        if let Some(r) = self.ratio(&self.warm, Kind::StoreToolResult, SQ) {
            out.push(format!("issue 4, durable tool result at least 2x SQLite (WAL, synchronous=FULL), one thread: {}", verdict(r, 2.0)));
        }
        if let (Some(t), Some(s)) = (self.tool_results_8.get(TS), self.tool_results_8.get(SQ)) {
            out.push(format!(
                "issue 4, durable tool results with 8 threads at least 5x SQLite's throughput: {}",
                verdict(t.ops() / s.ops(), 5.0)
            ));
        }
        out
    }
}
