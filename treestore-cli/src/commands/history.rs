//! The version catalog: `policies`, `versions`, `as-of` and `diff`.

use std::io::Write;

use anyhow::Result;
use serde_json::{json, Value as Json};
use treestore_core::document::{DocReader, Document, StructureOptions};
use treestore_core::metrics::Op;
use treestore_core::record::ToRecord;
use treestore_core::version::{NodeChange, VersionDiff};
use treestore_core::{Database, ReadOps};

use crate::args::{AsOfArgs, DbArg, DiffArgs, PolicyArgs};
use crate::output::{self, Out};
use crate::store::{self, parse_date, timed};
use crate::Status;

/// Characters of a description in tables.
const DESCRIPTION_CHARS: usize = 60;

pub(crate) fn policies(args: &DbArg, out: &mut Out) -> Result<Status> {
    let db = store::open_read(&args.db)?;
    let tx = db.begin_read()?;
    let rows = policy_rows(&db, &DocReader::new(&tx))?;
    if out.json {
        out.json(&Json::Array(rows.iter().map(PolicyRow::to_json).collect()))?;
    } else {
        out.write_all(PolicyRow::table(&rows).as_bytes())?;
    }
    Ok(Status::Ok)
}

/// One policy in `policies` and `stats`.
pub(crate) struct PolicyRow {
    policy: String,
    versions: usize,
    latest: Document,
    latest_nodes: u64,
}

/// Every policy with its version count, latest version and that version's node count.
pub(crate) fn policy_rows<R: ReadOps + ?Sized>(
    db: &Database,
    reader: &DocReader<'_, R>,
) -> Result<Vec<PolicyRow>> {
    let mut rows = Vec::new();
    for policy in reader.versions().policies()? {
        let list = timed(db, Op::ListVersions, || {
            reader.versions().list_versions(&policy, 0, None)
        })?;
        let latest = timed(db, Op::GetVersion, || {
            reader.versions().latest_version(&policy)
        })?;
        // One node is enough: the page carries the version's total.
        let options = StructureOptions {
            summary_chars: Some(0),
            limit: 1,
        };
        let latest_nodes = timed(db, Op::GetStructure, || {
            reader.structure(&policy, Some(&latest.version_id), &options, None)
        })?
        .total_nodes;
        rows.push(PolicyRow {
            policy,
            versions: list.versions.len(),
            latest,
            latest_nodes,
        });
    }
    Ok(rows)
}

impl PolicyRow {
    pub(crate) fn to_json(&self) -> Json {
        json!({"policy_id": self.policy, "versions": self.versions,
               "latest_version": self.latest.version_id, "latest_nodes": self.latest_nodes,
               "description": self.latest.description})
    }

    pub(crate) fn table(rows: &[PolicyRow]) -> String {
        let mut table = vec![["POLICY", "VERSIONS", "LATEST", "NODES", "DESCRIPTION"]
            .map(String::from)
            .to_vec()];
        for r in rows {
            table.push(vec![
                r.policy.clone(),
                r.versions.to_string(),
                r.latest.version_id.clone(),
                r.latest_nodes.to_string(),
                output::clip(&r.latest.description, DESCRIPTION_CHARS),
            ]);
        }
        output::columns(&table)
    }
}

pub(crate) fn versions(args: &PolicyArgs, out: &mut Out) -> Result<Status> {
    let db = store::open_read(&args.db)?;
    let tx = db.begin_read()?;
    let reader = DocReader::new(&tx);
    let list = timed(&db, Op::ListVersions, || {
        reader.versions().list_versions(&args.policy, 0, None)
    })?
    .versions;
    if list.is_empty() {
        anyhow::bail!("policy {} has no versions", args.policy);
    }
    if out.json {
        out.json(&output::records(&list))?;
        return Ok(Status::Ok);
    }
    let latest = timed(&db, Op::GetVersion, || {
        reader.versions().latest_version(&args.policy)
    })?;
    let mut table = vec![["VERSION", "EFFECTIVE", "UNTIL", "STORED", "TAGS"]
        .map(String::from)
        .to_vec()];
    for doc in &list {
        let mark = if doc.version_id == latest.version_id {
            " (latest)"
        } else {
            ""
        };
        table.push(vec![
            format!("{}{mark}", doc.version_id),
            output::date(start(doc)),
            until(doc, &list).map_or("-".to_string(), output::date),
            output::moment(doc.updated_at),
            doc.tags.join(","),
        ]);
    }
    out.write_all(output::columns(&table).as_bytes())?;
    Ok(Status::Ok)
}

/// When a version's validity starts: its effective start, or when it was stored.
fn start(doc: &Document) -> i64 {
    doc.effective_start.unwrap_or(doc.created_at)
}

/// When a version's validity ends: its explicit end, or the next version's start.
fn until(doc: &Document, all: &[Document]) -> Option<i64> {
    doc.effective_end
        .or_else(|| all.iter().map(start).filter(|&s| s > start(doc)).min())
}

pub(crate) fn as_of(args: &AsOfArgs, out: &mut Out) -> Result<Status> {
    let at = parse_date("date", &args.date)?;
    let db = store::open_read(&args.db)?;
    let tx = db.begin_read()?;
    let reader = DocReader::new(&tx);
    let doc = timed(&db, Op::GetVersionAsOf, || {
        reader.versions().version_as_of(&args.policy, at)
    })?;
    if out.json {
        out.json(&doc.to_record().to_json())?;
        return Ok(Status::Ok);
    }
    let all = timed(&db, Op::ListVersions, || {
        reader.versions().list_versions(&args.policy, 0, None)
    })?
    .versions;
    let until = until(&doc, &all).map_or("further notice".to_string(), output::date);
    writeln!(
        out,
        "{} {}: in force from {} until {}",
        doc.policy_id,
        doc.version_id,
        output::date(start(&doc)),
        until
    )?;
    if !doc.description.is_empty() {
        writeln!(out, "  {}", doc.description)?;
    }
    Ok(Status::Ok)
}

pub(crate) fn diff(args: &DiffArgs, out: &mut Out) -> Result<Status> {
    let db = store::open_read(&args.db)?;
    let tx = db.begin_read()?;
    let reader = DocReader::new(&tx);
    let diff = timed(&db, Op::DiffVersions, || {
        reader
            .versions()
            .diff_versions(&args.policy, &args.from, &args.to)
    })?;
    if out.json {
        out.json(&diff.to_record().to_json())?;
        return Ok(Status::Ok);
    }
    print_diff(out, &diff)?;
    Ok(Status::Ok)
}

fn print_diff(out: &mut Out, diff: &VersionDiff) -> Result<()> {
    writeln!(
        out,
        "{}: {} -> {}",
        diff.policy_id, diff.from_version, diff.to_version
    )?;
    let line = |mark: char, c: &NodeChange| {
        let mut s = format!("{mark} ");
        if !c.section_path.is_empty() {
            s.push_str(&c.section_path);
            s.push(' ');
        }
        s.push_str(&format!("{} [{}]", c.title, c.node_id));
        if !c.fields.is_empty() {
            let names: Vec<&str> = c.fields.iter().map(|f| f.name()).collect();
            s.push_str(&format!(": {}", names.join(", ")));
        }
        s
    };
    for c in &diff.added {
        writeln!(out, "{}", line('+', c))?;
    }
    for c in &diff.removed {
        writeln!(out, "{}", line('-', c))?;
    }
    for c in &diff.changed {
        writeln!(out, "{}", line('~', c))?;
    }
    writeln!(
        out,
        "{} added, {} removed, {} changed",
        diff.added.len(),
        diff.removed.len(),
        diff.changed.len()
    )?;
    Ok(())
}
