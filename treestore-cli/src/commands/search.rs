//! `treestore search`: BM25 hits with their titles and a snippet of the matched words, by default
//! over the latest version of each policy (every version is indexed, and older ones would repeat
//! most hits).

use std::io::Write;

use anyhow::Result;
use treestore_core::db::ReadOps;
use treestore_core::document::{DocReader, Node};
use treestore_core::metrics::Op;
use treestore_core::record::{ToRecord, Value};
use treestore_core::search::{self, Scope, SearchHit, SearchOptions, MARK_CLOSE, MARK_OPEN};
use treestore_core::Database;

use crate::args::SearchArgs;
use crate::output::{node_line, Out};
use crate::store::{self, timed};
use crate::Status;

/// Characters of text around the matched words in a snippet.
const SNIPPET_CHARS: usize = 160;

pub(crate) fn run(args: &SearchArgs, out: &mut Out) -> Result<Status> {
    let db = store::open_read(&args.db)?;
    let tx = db.begin_read()?;
    let reader = DocReader::new(&tx);
    let query = args.query.join(" ");
    let mut options = SearchOptions {
        limit: args.limit,
        offset: args.offset,
        ..SearchOptions::default()
    };
    match (&args.policy, args.all_versions) {
        (Some(p), true) => options.policy_id = Some(p.clone()),
        (None, true) => {}
        (_, false) => options.scopes = latest_scopes(&db, &reader, args)?,
    }
    if !args.all_versions && options.scopes.is_empty() {
        return finish(out, &[]);
    }
    let hits = timed(&db, Op::Search, || search::search(&tx, &query, &options))?;
    let stemming = search::settings(&tx)?.stemming;
    let mut found = Vec::with_capacity(hits.len());
    for hit in hits {
        let d = &hit.doc;
        let node = timed(&db, Op::GetNode, || {
            reader.node(&d.policy_id, Some(&d.version_id), &d.node_id)
        })?;
        let body = [&node.text, &node.summary]
            .into_iter()
            .flatten()
            .find(|t| !t.is_empty())
            .map_or(node.title.as_str(), String::as_str);
        let snippet = search::snippet_with(body, &hit.matched_terms, SNIPPET_CHARS, stemming);
        found.push(Found { hit, node, snippet });
    }
    finish(out, &found)
}

struct Found {
    hit: SearchHit,
    node: Node,
    snippet: String,
}

/// The latest version of `--policy` (or `--version` of it), or of every policy.
fn latest_scopes<R: ReadOps + ?Sized>(
    db: &Database,
    reader: &DocReader<'_, R>,
    args: &SearchArgs,
) -> Result<Vec<Scope>> {
    let policies = match &args.policy {
        Some(p) => vec![p.clone()],
        None => reader.versions().policies()?,
    };
    let mut scopes = Vec::with_capacity(policies.len());
    for policy in policies {
        let version_id = match &args.version {
            Some(v) => v.clone(),
            None => {
                timed(db, Op::GetVersion, || {
                    reader.versions().latest_version(&policy)
                })?
                .version_id
            }
        };
        scopes.push(Scope {
            policy_id: policy,
            version_id: Some(version_id),
        });
    }
    Ok(scopes)
}

fn finish(out: &mut Out, found: &[Found]) -> Result<Status> {
    if out.json {
        let hits = found
            .iter()
            .map(|f| {
                let mut r = f.hit.to_record();
                r = r
                    .with("title", &f.node.title)
                    .with("section_path", &f.node.section_path)
                    .with(
                        "page_start",
                        f.node.page_start.map_or(Value::Null, Value::Int),
                    )
                    .with("page_end", f.node.page_end.map_or(Value::Null, Value::Int))
                    .with("snippet", &f.snippet);
                r.to_json()
            })
            .collect();
        out.json(&serde_json::Value::Array(hits))?;
        return Ok(Status::Ok);
    }
    for (i, f) in found.iter().enumerate() {
        let d = &f.hit.doc;
        writeln!(
            out,
            "{}. {} {}: {}  (score {:.2})",
            i + 1,
            d.policy_id,
            d.version_id,
            node_line(&f.node),
            f.hit.score
        )?;
        writeln!(out, "   {}", highlight(&f.snippet, out.tty))?;
    }
    Ok(Status::Ok)
}

/// The snippet's marks as bold on a terminal, else as `«word»` (PageIndex texts are often
/// Markdown, so `**` would be ambiguous).
fn highlight(snippet: &str, tty: bool) -> String {
    let (open, close) = if tty {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("«", "»")
    };
    snippet.replace(MARK_OPEN, open).replace(MARK_CLOSE, close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_become_bold_or_guillemets() {
        let s = format!("a {MARK_OPEN}b{MARK_CLOSE} c");
        assert_eq!(highlight(&s, false), "a «b» c");
        assert_eq!(highlight(&s, true), "a \x1b[1mb\x1b[0m c");
    }
}
