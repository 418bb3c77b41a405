//! TreeStore through `treestore-core` directly: one database file, `Durability::Sync` (a commit
//! returns once its WAL record is fsynced; concurrent committers share one fsync), the default
//! 4 KiB pages. Tool results are stored as the C ABI and the SDKs store them
//! (`MetadataStore::store_tool_result`: stores made at once are combined into one commit). The
//! search index is the built-in BM25 one, kept by `store_document`.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use treestore_core::document::{
    store_document, store_documents, DocReader, NodeRef, NodeSink, Projection, StructureOptions,
};
use treestore_core::metadata::{MetadataStore, ToolResult};
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

/// The answer of a node-list read, built from the borrowed nodes the read hands over (as the C
/// ABI and the SDKs read them): the id copied, the field lengths noted, nothing else allocated;
/// only the fields the SQL engines select are decoded ([`Projection::Content`]).
#[derive(Default)]
struct Lines(Answer);

impl NodeSink for Lines {
    /// The fields the SQL engines select (`node_id, title, summary, body`), no others.
    fn projection(&self) -> Projection {
        Projection::Content
    }

    fn reserve(&mut self, nodes: usize) {
        self.0.reserve(nodes);
    }

    fn node(&mut self, n: &NodeRef<'_>) -> treestore_core::Result<()> {
        self.0.push(ref_line(n));
        Ok(())
    }

    fn text(&mut self, index: usize, t: Cow<'_, str>) -> treestore_core::Result<()> {
        if let Some(Line::Node { text, .. }) = self.0.get_mut(index) {
            *text = t.len();
        }
        Ok(())
    }
}

fn ref_line(n: &NodeRef<'_>) -> Line {
    node_line(n.node_id.to_string(), n.title, n.summary, n.text)
}

/// Runs a borrowed read into a [`Lines`] sink.
fn lines(read: impl FnOnce(&mut Lines) -> treestore_core::Result<()>) -> Answer {
    let mut sink = Lines::default();
    read(&mut sink).unwrap();
    sink.0
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
            } => vec![r
                .node_with(policy, Some(version), id, |n| Ok(ref_line(n)))
                .unwrap()],
            Query::Batch {
                policy,
                version,
                ids,
            } => {
                let got = lines(|s| r.nodes_with(policy, Some(version), ids, true, s));
                assert_eq!(got.len(), ids.len(), "a batch id is missing");
                got
            }
            Query::Children {
                policy,
                version,
                id,
            } => lines(|s| r.children_with(policy, Some(version), Some(id), false, s)),
            Query::Subtree {
                policy,
                version,
                id,
                depth,
            } => lines(|s| r.subtree_with(policy, Some(version), id, *depth, true, s)),
            Query::Ancestors {
                policy,
                version,
                id,
            } => lines(|s| r.ancestor_path_with(policy, Some(version), id, false, s)),
            Query::Page {
                policy,
                version,
                page,
            } => lines(|s| r.nodes_by_page_with(policy, Some(version), *page, true, s)),
            Query::Structure { policy, version } => {
                let opts = StructureOptions {
                    summary_chars: Some(STRUCTURE_SUMMARY_CHARS),
                    limit: 0,
                };
                lines(|s| {
                    r.structure_with(policy, Some(version), &opts, None, s)
                        .map(drop)
                })
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
                // The public path of the C ABI and the SDKs: stores made at once by several
                // threads share one commit and flush; each is durable when the call returns.
                MetadataStore(self.db).store_tool_result(result).unwrap();
                Vec::new()
            }
        }
    }
}
