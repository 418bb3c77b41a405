//! Reading one version's tree: `tree`, `show`, `pages` and `export`, each in one read transaction.

use std::io::Write;

use anyhow::{Context, Result};
use serde_json::json;
use treestore_core::document::{DocReader, Node, PageIndexFormat, StructureOptions};
use treestore_core::metrics::Op;
use treestore_core::record::ToRecord;

use crate::args::{ExportArgs, PagesArgs, ShowArgs, TreeArgs};
use crate::draw;
use crate::output::{self, node_line, Out};
use crate::store::{self, select_version, timed};
use crate::Status;

pub(crate) fn tree(args: &TreeArgs, out: &mut Out) -> Result<Status> {
    let db = store::open_read(&args.db)?;
    let tx = db.begin_read()?;
    let reader = DocReader::new(&tx);
    let version = select_version(&db, &reader, &args.policy, &args.sel)?;
    let policy = args.policy.as_str();
    let v = version.as_deref();
    let (document, mut nodes) = match &args.node {
        None => {
            // Summaries only for JSON: the drawing shows titles.
            let options = StructureOptions {
                summary_chars: if out.json { None } else { Some(0) },
                limit: 0,
            };
            let page = timed(&db, Op::GetStructure, || {
                reader.structure(policy, v, &options, None)
            })?;
            (page.document, page.nodes)
        }
        Some(id) => {
            let depth = args.depth.unwrap_or(0);
            let nodes = timed(&db, Op::GetSubtree, || {
                reader.subtree(policy, v, id, depth, false)
            })?;
            let version_id = nodes.first().map(|n| n.version_id.clone());
            let doc = timed(&db, Op::GetVersion, || {
                reader
                    .versions()
                    .version(policy, version_id.as_deref().unwrap_or_default())
            })?;
            (doc, nodes)
        }
    };
    if let (Some(depth), Some(top)) = (args.depth, nodes.first().map(|n| n.depth)) {
        nodes.retain(|n| n.depth <= top.saturating_add(depth));
    }
    if out.json {
        out.json(&json!({
            "document": document.to_record().to_json(),
            "nodes": output::records(&nodes),
        }))?;
        return Ok(Status::Ok);
    }
    let Some(top) = nodes.first() else {
        return Ok(Status::Ok);
    };
    let label = format!(
        "{} {}: {}",
        document.policy_id,
        document.version_id,
        node_line(top)
    );
    out.write_all(draw::tree(&nodes, &label).as_bytes())?;
    Ok(Status::Ok)
}

pub(crate) fn show(args: &ShowArgs, out: &mut Out) -> Result<Status> {
    let db = store::open_read(&args.db)?;
    let tx = db.begin_read()?;
    let reader = DocReader::new(&tx);
    let version = select_version(&db, &reader, &args.policy, &args.sel)?;
    let (policy, v) = (args.policy.as_str(), version.as_deref());
    let mut node = match (&args.node, &args.section) {
        (Some(id), _) => timed(&db, Op::GetNode, || reader.node(policy, v, id))?,
        (None, Some(path)) => timed(&db, Op::GetBySectionPath, || {
            reader.node_by_section_path(policy, v, path)
        })?,
        (None, None) => anyhow::bail!("name a node id or --section"),
    };
    if args.no_text {
        node.text = None;
    }
    let path = timed(&db, Op::GetAncestorPath, || {
        reader.ancestor_path(policy, Some(&node.version_id), &node.node_id, false)
    })?;
    let children = timed(&db, Op::GetChildren, || {
        reader.children(policy, Some(&node.version_id), Some(&node.node_id), false)
    })?;
    if out.json {
        out.json(&json!({
            "node": node.to_record().to_json(),
            "ancestors": output::records(&path[..path.len().saturating_sub(1)]),
            "children": output::records(&children),
        }))?;
        return Ok(Status::Ok);
    }
    print_node(out, &node, &path, &children)?;
    Ok(Status::Ok)
}

fn print_node(out: &mut Out, node: &Node, path: &[Node], children: &[Node]) -> Result<()> {
    writeln!(out, "{}", node_line(node))?;
    let breadcrumb: Vec<&str> = path.iter().map(|n| n.title.as_str()).collect();
    let mut rows = vec![
        vec![
            "version".to_string(),
            format!("{} {}", node.policy_id, node.version_id),
        ],
        vec!["path".to_string(), breadcrumb.join(" > ")],
    ];
    if let Some(p) = output::pages(node) {
        rows.push(vec!["pages".to_string(), p]);
    }
    if let Some(parent) = &node.parent_id {
        rows.push(vec!["parent".to_string(), parent.clone()]);
    }
    for (i, child) in children.iter().enumerate() {
        let label = if i == 0 { "children" } else { "" };
        rows.push(vec![label.to_string(), node_line(child)]);
    }
    for (k, v) in &node.metadata {
        rows.push(vec![k.clone(), v.clone()]);
    }
    for line in output::columns(&rows).lines() {
        writeln!(out, "  {line}")?;
    }
    for (label, body) in [("summary", &node.summary), ("text", &node.text)] {
        if let Some(body) = body {
            writeln!(out, "\n{label}:\n{body}")?;
        }
    }
    Ok(())
}

pub(crate) fn pages(args: &PagesArgs, out: &mut Out) -> Result<Status> {
    let db = store::open_read(&args.db)?;
    let tx = db.begin_read()?;
    let reader = DocReader::new(&tx);
    let version = select_version(&db, &reader, &args.policy, &args.sel)?;
    let nodes = timed(&db, Op::GetNodesByPage, || {
        reader.nodes_by_pages(&args.policy, version.as_deref(), &args.pages, false)
    })?;
    if out.json {
        out.json(&output::records(&nodes))?;
    } else {
        for node in &nodes {
            writeln!(out, "{}", node_line(node))?;
        }
    }
    Ok(Status::Ok)
}

pub(crate) fn export(args: &ExportArgs, out: &mut Out) -> Result<Status> {
    let db = store::open_read(&args.db)?;
    let tx = db.begin_read()?;
    let reader = DocReader::new(&tx);
    let version = select_version(&db, &reader, &args.policy, &args.sel)?;
    let format = PageIndexFormat {
        pretty: !args.compact,
        ascii: !args.utf8,
    };
    // Written as rendered, without a final newline, so a default export is PageIndex's file.
    let text = timed(&db, Op::ExportPageindex, || {
        reader.export_pageindex(&args.policy, version.as_deref(), &format)
    })?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(Status::Ok)
}
