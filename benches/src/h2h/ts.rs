//! TreeStore through `treestore-core` directly: one database file, `Durability::Sync` (a commit
//! returns once its WAL record is fsynced; concurrent committers share one fsync), the default
//! 4 KiB pages. The search index is the built-in BM25 one, kept by `store_document`.

use std::path::{Path, PathBuf};

use treestore_core::document::{store_document, store_documents, DocReader, StructureOptions};
use treestore_core::metadata::{store_tool_result, ToolResult};
use treestore_core::search::{search, SearchOptions};
use treestore_core::version::VersionReader;
use treestore_core::{Database, Durability, ErrorKind, Options};

use super::queries::{tool_json, STRUCTURE_SUMMARY_CHARS};
use super::{next_write_id, node_line, Answer, Corpus, Line, Query};

/// Documents per load transaction.
const LOAD_BATCH: usize = 500;

pub struct Engine {
    path: PathBuf,
    db: Option<Database>,
}

fn options() -> Options {
    Options {
        durability: Durability::Sync,
        ..Options::default()
    }
}

impl Engine {
    pub fn create(dir: &Path) -> Engine {
        let path = dir.join("bench.tsdb");
        let db = Database::open(&path, options()).unwrap();
        Engine { path, db: Some(db) }
    }

    pub fn db(&self) -> &Database {
        self.db.as_ref().unwrap()
    }

    /// Loads the corpus, [`LOAD_BATCH`] documents per transaction.
    pub fn load(&self, corpus: &Corpus) {
        let mut batch = Vec::with_capacity(LOAD_BATCH);
        for chunk in corpus.docs.chunks(LOAD_BATCH) {
            batch.clear();
            batch.extend(chunk.iter().map(|d| (d.doc.clone(), d.nodes.clone())));
            let mut tx = self.db().begin_write().unwrap();
            store_documents(&mut tx, &batch).unwrap();
            tx.commit().unwrap();
        }
        self.db().checkpoint().unwrap();
    }
}

impl super::Engine for Engine {
    fn name(&self) -> &'static str {
        "TreeStore"
    }

    fn session(&self) -> Box<dyn super::Session + '_> {
        Box::new(Session { db: self.db() })
    }

    fn reopen(&mut self) {
        self.db.take().unwrap().close().unwrap();
        self.db = Some(Database::open(&self.path, options()).unwrap());
    }
}

struct Session<'a> {
    db: &'a Database,
}

fn lines(nodes: Vec<treestore_core::document::Node>) -> Answer {
    nodes
        .into_iter()
        .map(|n| node_line(n.node_id, &n.title, n.summary.as_deref(), n.text.as_deref()))
        .collect()
}

impl super::Session for Session<'_> {
    fn run(&mut self, q: &Query) -> Answer {
        let tx = self.db.begin_read().unwrap();
        let r = DocReader::new(&tx);
        match q {
            Query::Node {
                policy,
                version,
                id,
            } => lines(vec![r.node(policy, Some(version), id).unwrap()]),
            Query::Batch {
                policy,
                version,
                ids,
            } => {
                let got = r.nodes(policy, Some(version), ids, true).unwrap();
                let got: Vec<_> = got.into_iter().map(Option::unwrap).collect();
                lines(got)
            }
            Query::Children {
                policy,
                version,
                id,
            } => lines(r.children(policy, Some(version), Some(id), false).unwrap()),
            Query::Subtree {
                policy,
                version,
                id,
                depth,
            } => lines(r.subtree(policy, Some(version), id, *depth, true).unwrap()),
            Query::Ancestors {
                policy,
                version,
                id,
            } => lines(r.ancestor_path(policy, Some(version), id, false).unwrap()),
            Query::Page {
                policy,
                version,
                page,
            } => lines(r.nodes_by_page(policy, Some(version), *page, true).unwrap()),
            Query::Structure { policy, version } => {
                let opts = StructureOptions {
                    summary_chars: Some(STRUCTURE_SUMMARY_CHARS),
                    limit: 0,
                };
                lines(
                    r.structure(policy, Some(version), &opts, None)
                        .unwrap()
                        .nodes,
                )
            }
            Query::AsOf { policy, at } => {
                match VersionReader::new(&tx).version_as_of(policy, *at) {
                    Ok(d) => vec![Line::Text(d.version_id)],
                    Err(e) if e.kind() == ErrorKind::NotFound => {
                        vec![Line::Text("none".to_string())]
                    }
                    Err(e) => panic!("as-of {policy} {at}: {e}"),
                }
            }
            Query::Search { q } => {
                let opts = SearchOptions::with_limit(super::queries::SEARCH_LIMIT);
                search(&tx, q, &opts)
                    .unwrap()
                    .into_iter()
                    .map(|h| {
                        Line::Text(format!(
                            "{}/{}/{}@{:.6}",
                            h.doc.policy_id, h.doc.version_id, h.doc.node_id, h.score
                        ))
                    })
                    .collect()
            }
            Query::StoreDoc { doc } => {
                drop(tx);
                let mut d = doc.doc.clone();
                d.policy_id = format!("w-{}", next_write_id());
                let mut w = self.db.begin_write().unwrap();
                store_document(&mut w, &d, &doc.nodes).unwrap();
                w.commit().unwrap();
                Vec::new()
            }
            Query::StoreToolResult {
                policy,
                node,
                result_bytes,
            } => {
                drop(tx);
                let n = next_write_id();
                let result = ToolResult {
                    tool_name: "navigate_tree".to_string(),
                    policy_id: Some(policy.clone()),
                    node_id: Some(node.clone()),
                    case_id: Some(format!("case-{}", n % 1000)),
                    result_data: tool_json(*result_bytes, n),
                    success: true,
                    duration_ms: 12,
                    ..ToolResult::default()
                };
                let mut w = self.db.begin_write().unwrap();
                store_tool_result(&mut w, result).unwrap();
                w.commit().unwrap();
                Vec::new()
            }
        }
    }
}
