//! Looking after the file: `stats`, `check`, `checkpoint`, `compact` and `backup`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{json, Value as Json};
use treestore_core::document::DocReader;
use treestore_core::metrics::Op;
use treestore_core::record::ToRecord;
use treestore_core::search::{self, IndexSummary};
use treestore_core::{Database, ErrorKind, IntegrityReport, Options, Stats};

use crate::args::{BackupArgs, DbArg, StatsArgs};
use crate::commands::history::{policy_rows, PolicyRow};
use crate::output::{self, Out};
use crate::store::{self, timed};
use crate::Status;

pub(crate) fn stats(args: &StatsArgs, out: &mut Out) -> Result<Status> {
    let db = store::open_read(&args.db)?;
    let (counts, policies) = {
        let tx = db.begin_read()?;
        let reader = DocReader::new(&tx);
        (reader.counts()?, policy_rows(&db, &reader)?)
    };
    // After the read transaction ends, so this run's own reader is not counted.
    let stats = db.stats()?;
    if args.prometheus {
        out.write_all(db.metrics_text()?.as_bytes())?;
        return Ok(Status::Ok);
    }
    if out.json {
        let policies: Vec<Json> = policies.iter().map(PolicyRow::to_json).collect();
        out.json(&json!({
            "path": args.db.display().to_string(),
            "documents": counts.to_record().to_json(),
            "engine": stats.to_record().to_json(),
            "policies": policies,
        }))?;
        return Ok(Status::Ok);
    }
    let rows = [
        ("database", args.db.display().to_string()),
        ("policies", counts.policies.to_string()),
        ("versions", counts.versions.to_string()),
        ("nodes", format!("{} (all versions)", counts.nodes)),
        ("file", file_line(&stats)),
        ("pages", pages_line(&stats)),
        (
            "WAL",
            format!(
                "{} ({} pages not yet checkpointed)",
                output::bytes(stats.wal_bytes),
                stats.wal_pages
            ),
        ),
        ("readers", readers_line(&stats)),
        ("last txid", stats.last_txid.to_string()),
    ];
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(k, v)| vec![k.to_string(), v])
        .collect();
    out.write_all(output::columns(&rows).as_bytes())?;
    if !policies.is_empty() {
        writeln!(out)?;
        out.write_all(PolicyRow::table(&policies).as_bytes())?;
    }
    Ok(Status::Ok)
}

fn file_line(s: &Stats) -> String {
    format!(
        "{} ({} pages of {})",
        output::bytes(s.file_bytes),
        s.total_pages,
        output::bytes(s.page_size)
    )
}

fn pages_line(s: &Stats) -> String {
    let pct = |n: u64| 100.0 * n as f64 / s.total_pages.max(1) as f64;
    format!(
        "{} used ({:.0}%), {} free, {} pending release",
        s.used_pages,
        pct(s.used_pages),
        s.free_pages,
        s.pending_pages
    )
}

fn readers_line(s: &Stats) -> String {
    match s.oldest_reader_age {
        Some(age) => format!(
            "{} live, the oldest for {:.3} s",
            s.live_readers,
            age.as_secs_f64()
        ),
        None => format!("{} live", s.live_readers),
    }
}

/// What `check` found: the engine's report and the keyword index's summary, or the problems.
struct CheckResult {
    report: Option<IntegrityReport>,
    index: Option<IndexSummary>,
    problems: Vec<String>,
}

pub(crate) fn check(args: &DbArg, out: &mut Out) -> Result<Status> {
    let result = run_check(&args.db)?;
    if out.json {
        out.json(&json!({
            "path": args.db.display().to_string(),
            "ok": result.problems.is_empty(),
            "problems": result.problems,
            "engine": result.report.map(|r| r.to_record().to_json()),
            "index_nodes": result.index.map(|i| i.nodes),
        }))?;
    } else if result.problems.is_empty() {
        let r = result.report.unwrap_or_default();
        let nodes = result.index.map_or(0, |i| i.nodes);
        writeln!(
            out,
            "ok: {} pages, {} tables and {} entries verified; the keyword index matches the \
             documents ({nodes} nodes)",
            r.pages_checked, r.tables, r.entries
        )?;
    } else {
        writeln!(
            out,
            "DAMAGED: {} ({})",
            args.db.display(),
            problems(result.problems.len())
        )?;
        for p in &result.problems {
            writeln!(out, "  {p}")?;
        }
    }
    if result.problems.is_empty() {
        return Ok(Status::Ok);
    }
    out.flush()?;
    eprintln!(
        "error: the integrity check of {} found {}",
        args.db.display(),
        problems(result.problems.len())
    );
    Ok(Status::Failed)
}

fn problems(n: usize) -> String {
    if n == 1 {
        "1 problem".to_string()
    } else {
        format!("{n} problems")
    }
}

/// Damage is a finding, not an error: only a file that cannot be read at all for another reason
/// (missing, locked) is an error.
fn run_check(path: &Path) -> Result<CheckResult> {
    let mut result = CheckResult {
        report: None,
        index: None,
        problems: Vec::new(),
    };
    let db = match store::open_read(path) {
        Ok(db) => db,
        Err(e) if is_damage(&e) => {
            result.problems.push(format!("{e:#}"));
            return Ok(result);
        }
        Err(e) => return Err(e),
    };
    match timed(&db, Op::IntegrityCheck, || db.check_integrity()) {
        Ok(report) => {
            result.problems.extend(report.errors.iter().cloned());
            result.report = Some(report);
        }
        Err(e) => result.problems.push(e.to_string()),
    }
    // The index check reads every table through the trees: only on a sound file.
    if result.problems.is_empty() {
        let tx = db.begin_read()?;
        match search::check(&tx) {
            Ok(summary) => result.index = Some(summary),
            Err(e) => result.problems.push(format!("keyword index: {e}")),
        }
    }
    Ok(result)
}

fn is_damage(e: &anyhow::Error) -> bool {
    e.downcast_ref::<treestore_core::Error>()
        .is_some_and(|e| e.kind() == ErrorKind::Corruption)
}

pub(crate) fn checkpoint(args: &DbArg, out: &mut Out) -> Result<Status> {
    let db = store::open_write(&args.db)?;
    let before = db.stats()?;
    db.checkpoint()
        .with_context(|| format!("checkpointing {}", args.db.display()))?;
    let after = db.stats()?;
    store::close(db)?;
    if out.json {
        out.json(&json!({
            "path": args.db.display().to_string(),
            "wal_bytes_before": before.wal_bytes,
            "wal_pages_copied": before.wal_pages,
            "wal_bytes_after": after.wal_bytes,
        }))?;
    } else {
        writeln!(
            out,
            "checkpointed {}: {} WAL pages copied into the file; WAL {} -> {}",
            args.db.display(),
            before.wal_pages,
            output::bytes(before.wal_bytes),
            output::bytes(after.wal_bytes)
        )?;
    }
    Ok(Status::Ok)
}

pub(crate) fn compact(args: &DbArg, out: &mut Out) -> Result<Status> {
    let before = on_disk_bytes(&args.db)?;
    let report = Database::compact(
        &args.db,
        Options {
            create: false,
            ..Options::default()
        },
    )
    .with_context(|| format!("compacting {}", args.db.display()))?;
    let after = on_disk_bytes(&args.db)?;
    if out.json {
        let mut j = report.to_record().to_json();
        j["bytes_before"] = json!(before);
        j["bytes_after"] = json!(after);
        out.json(&j)?;
    } else {
        writeln!(
            out,
            "compacted {}: {} -> {} ({} tables, {} entries)",
            args.db.display(),
            output::bytes(before),
            output::bytes(after),
            report.tables,
            report.entries
        )?;
    }
    Ok(Status::Ok)
}

/// The main file and its WAL, in bytes.
fn on_disk_bytes(path: &Path) -> Result<u64> {
    if !path.exists() {
        anyhow::bail!("{}: no such database", path.display());
    }
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    Ok(size(path) + size(Path::new(&wal)))
}

pub(crate) fn backup(args: &BackupArgs, out: &mut Out) -> Result<Status> {
    let db = store::open_read(&args.db)?;
    let report = timed(&db, Op::Backup, || db.backup(&args.dest))
        .with_context(|| format!("backing up to {}", args.dest.display()))?;
    if out.json {
        let mut j = report.to_record().to_json();
        j["path"] = json!(args.dest.display().to_string());
        out.json(&j)?;
    } else {
        writeln!(
            out,
            "backed up {} to {}: {} tables, {} entries as of transaction {}, {}",
            args.db.display(),
            args.dest.display(),
            report.tables,
            report.entries,
            report.txid,
            output::bytes(report.file_bytes)
        )?;
    }
    Ok(Status::Ok)
}
