//! `treestore import`: PageIndex JSON files to document versions, one transaction per file (or
//! one for all with `--strict`), with a progress bar on stderr and a summary on stdout.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value as Json};
use treestore_core::document::{parse_pageindex, store_document, Document};
use treestore_core::metrics::Op;
use treestore_core::{Database, WriteTxn};

use crate::args::ImportArgs;
use crate::output::Out;
use crate::store::{self, parse_date, timed};
use crate::Status;

/// Version id of a file whose name names none.
const DEFAULT_VERSION: &str = "v1";

/// One file to import and the ids it goes under.
struct Planned {
    path: PathBuf,
    policy: String,
    version: String,
}

/// What importing one file did.
struct Imported {
    path: PathBuf,
    policy: String,
    version: String,
    nodes: usize,
}

pub(crate) fn run(args: &ImportArgs, out: &mut Out) -> Result<Status> {
    let plan = plan(args)?;
    let template = template(args)?;
    let db = store::open_for_import(&args.db)?;
    let bar = progress_bar(plan.len() as u64);
    let started = Instant::now();
    let mut report = Report {
        planned: plan.len(),
        json_errors: out.json,
        ..Report::default()
    };
    if args.strict {
        import_all_or_nothing(&db, &plan, &template, &bar, &mut report)?;
    } else {
        for item in &plan {
            let result = timed(&db, Op::ImportPageindex, || {
                let mut tx = db.begin_write()?;
                let stored = import_one(&mut tx, item, &template)?;
                tx.commit()?;
                Ok(stored)
            });
            report.record(item, result, &bar);
        }
    }
    bar.finish_and_clear();
    store::close(db)?;
    report.print(out, started.elapsed())?;
    Ok(if report.failed.is_empty() {
        Status::Ok
    } else {
        Status::Failed
    })
}

/// `--strict`: every file in one transaction, committed only when all of them import.
fn import_all_or_nothing(
    db: &Database,
    plan: &[Planned],
    template: &Document,
    bar: &ProgressBar,
    report: &mut Report,
) -> Result<()> {
    let mut tx = db.begin_write()?;
    for item in plan {
        let result = timed(db, Op::ImportPageindex, || {
            import_one(&mut tx, item, template)
        });
        let failed = result.is_err();
        report.record(item, result, bar);
        if failed {
            report.imported.clear();
            report.stopped = true;
            return Ok(());
        }
    }
    tx.commit()?;
    Ok(())
}

/// Parses one file and stores it; returns the node count.
fn import_one(
    tx: &mut WriteTxn,
    item: &Planned,
    template: &Document,
) -> treestore_core::Result<usize> {
    let text = std::fs::read_to_string(&item.path)
        .map_err(|e| treestore_core::Error::io("reading the file", e))?;
    let mut tpl = template.clone();
    tpl.policy_id.clone_from(&item.policy);
    tpl.version_id.clone_from(&item.version);
    let (doc, nodes) = parse_pageindex(&text, &tpl)?;
    store_document(tx, &doc, &nodes)?;
    Ok(nodes.len())
}

/// What the flags give every version.
fn template(args: &ImportArgs) -> Result<Document> {
    let date =
        |flag: &str, v: &Option<String>| v.as_deref().map(|d| parse_date(flag, d)).transpose();
    Ok(Document {
        effective_start: date("--effective-from", &args.effective_from)?,
        effective_end: date("--effective-to", &args.effective_to)?,
        tags: args.tag.clone(),
        created_by: args.created_by.clone().unwrap_or_default(),
        description: args.description.clone().unwrap_or_default(),
        ..Document::default()
    })
}

/// The files and their ids; refuses two files under one `(policy, version)`, which would
/// silently keep only the last.
fn plan(args: &ImportArgs) -> Result<Vec<Planned>> {
    let mut plan = Vec::new();
    for path in expand(&args.paths)? {
        let (policy, version) = ids_from_name(&path);
        plan.push(Planned {
            policy: args.policy.clone().unwrap_or(policy),
            version: args
                .version
                .clone()
                .or(version)
                .unwrap_or_else(|| DEFAULT_VERSION.to_string()),
            path,
        });
    }
    let mut seen: HashMap<(&str, &str), &Path> = HashMap::new();
    for p in &plan {
        if let Some(first) = seen.insert((&p.policy, &p.version), &p.path) {
            bail!(
                "{} and {} would both be policy {} version {}; name the versions in the file \
                 names or import them separately",
                first.display(),
                p.path.display(),
                p.policy,
                p.version
            );
        }
    }
    Ok(plan)
}

/// Files as given, folders as their `.json` files in name order.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let mut found = Vec::new();
        let entries =
            std::fs::read_dir(path).with_context(|| format!("listing {}", path.display()))?;
        for entry in entries {
            let p = entry
                .with_context(|| format!("listing {}", path.display()))?
                .path();
            if p.is_file() && p.extension().is_some_and(|e| e == "json") {
                found.push(p);
            }
        }
        if found.is_empty() {
            bail!("{}: the folder holds no .json files", path.display());
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// Policy and version from a file name: `NAME@VERSION`, or `NAME` with a trailing `_vN`,
/// `-vN` or `.vN` (N digits and dots), after dropping `.json` and PageIndex's `_structure`.
fn ids_from_name(path: &Path) -> (String, Option<String>) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".json").unwrap_or(&name);
    let stem = stem.strip_suffix("_structure").unwrap_or(stem);
    if let Some((policy, version)) = stem.rsplit_once('@') {
        if !policy.is_empty() && !version.is_empty() {
            return (policy.to_string(), Some(version.to_string()));
        }
    }
    let split = stem
        .char_indices()
        .filter(|&(_, c)| matches!(c, '_' | '-' | '.'))
        .map(|(i, _)| i)
        .find(|&i| is_version(&stem[i + 1..]));
    match split {
        Some(i) if i > 0 => (stem[..i].to_string(), Some(stem[i + 1..].to_string())),
        _ => (stem.to_string(), None),
    }
}

/// `v` followed by digits and single dots (`v2`, `v1.3`).
fn is_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v').or_else(|| s.strip_prefix('V')) else {
        return false;
    };
    !rest.is_empty()
        && rest
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// Files, nodes and rate on stderr; hidden when stderr is not a terminal.
fn progress_bar(files: u64) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(files), target);
    let style = ProgressStyle::with_template(
        "{spinner} importing [{bar:30}] {pos}/{len} files, {msg} ({elapsed})",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

#[derive(Default)]
struct Report {
    planned: usize,
    imported: Vec<Imported>,
    failed: Vec<(PathBuf, String)>,
    /// `--strict` stopped at a failure and rolled everything back.
    stopped: bool,
    /// Per-file errors go to stderr as JSON objects (`--json`).
    json_errors: bool,
    nodes: usize,
    started: Option<Instant>,
}

impl Report {
    fn record(&mut self, item: &Planned, result: treestore_core::Result<usize>, bar: &ProgressBar) {
        let started = *self.started.get_or_insert_with(Instant::now);
        match result {
            Ok(nodes) => {
                self.nodes += nodes;
                self.imported.push(Imported {
                    path: item.path.clone(),
                    policy: item.policy.clone(),
                    version: item.version.clone(),
                    nodes,
                });
            }
            Err(e) => {
                let file = item.path.display().to_string();
                let line = if self.json_errors {
                    json!({"error": {"kind": e.kind().name(), "message": e.message(), "file": file}})
                        .to_string()
                } else {
                    format!("error: {file}: {e}")
                };
                bar.suspend(|| eprintln!("{line}"));
                self.failed.push((item.path.clone(), e.to_string()));
            }
        }
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!(
            "{} nodes, {:.0} nodes/s",
            self.nodes,
            self.nodes as f64 / secs
        ));
        bar.inc(1);
    }

    fn print(&self, out: &mut Out, elapsed: Duration) -> Result<()> {
        let nodes: usize = self.imported.iter().map(|i| i.nodes).sum();
        if out.json {
            return Ok(out.json(&self.to_json(nodes, elapsed))?);
        }
        for i in &self.imported {
            writeln!(
                out,
                "{} {}: {} nodes from {}",
                i.policy,
                i.version,
                i.nodes,
                i.path.display()
            )?;
        }
        if self.stopped {
            writeln!(
                out,
                "imported nothing: --strict stopped at the first failure (see above); \
                 {} files planned",
                self.planned
            )?;
            return Ok(());
        }
        let secs = elapsed.as_secs_f64();
        write!(
            out,
            "imported {} of {} files, {nodes} nodes in {secs:.2} s ({:.0} nodes/s)",
            self.imported.len(),
            self.planned,
            nodes as f64 / secs.max(1e-9)
        )?;
        if !self.failed.is_empty() {
            write!(out, "; {} failed (see above)", self.failed.len())?;
        }
        writeln!(out)?;
        Ok(())
    }

    fn to_json(&self, nodes: usize, elapsed: Duration) -> Json {
        let imported: Vec<Json> = self
            .imported
            .iter()
            .map(|i| {
                json!({"file": i.path.display().to_string(), "policy_id": i.policy,
                       "version_id": i.version, "nodes": i.nodes})
            })
            .collect();
        let failed: Vec<Json> = self
            .failed
            .iter()
            .map(|(p, e)| json!({"file": p.display().to_string(), "error": e}))
            .collect();
        json!({"imported": imported, "failed": failed, "planned": self.planned,
               "rolled_back": self.stopped, "nodes": nodes, "seconds": elapsed.as_secs_f64()})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(name: &str) -> (String, Option<String>) {
        ids_from_name(Path::new(name))
    }

    #[test]
    fn file_names_give_policy_and_version() {
        let pv = |p: &str, v: &str| (p.to_string(), Some(v.to_string()));
        assert_eq!(ids("dir/prior-auth_v2.json"), pv("prior-auth", "v2"));
        assert_eq!(ids("prior-auth-v10.json"), pv("prior-auth", "v10"));
        assert_eq!(ids("prior-auth.v1.2.json"), pv("prior-auth", "v1.2"));
        assert_eq!(ids("imaging@2024-q1.json"), pv("imaging", "2024-q1"));
        assert_eq!(ids("PRML_v3_structure.json"), pv("PRML", "v3"));
    }

    #[test]
    fn names_without_a_version_keep_their_whole_stem() {
        assert_eq!(ids("PRML_structure.json"), ("PRML".to_string(), None));
        assert_eq!(
            ids("review-vision.json"),
            ("review-vision".to_string(), None)
        );
        assert_eq!(ids("_v1.json"), ("_v1".to_string(), None));
        assert_eq!(ids("a@.json"), ("a@".to_string(), None));
    }
}
