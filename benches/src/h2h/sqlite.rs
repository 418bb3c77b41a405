//! SQLite through rusqlite (bundled), its best schema for these queries: WAL mode,
//! `synchronous=FULL`, a 64 MiB page cache per connection, integer node positions with indexes
//! on `(doc, node_id)`, `(doc, pos)`, `(doc, parent, ord)` and `(doc, page_start, page_end)`,
//! recursive CTEs for subtrees and ancestors (`CROSS JOIN`, SQLite's way of fixing the join order,
//! so each step probes the index from the CTE's rows rather than scanning `nodes`), an external-content FTS5 table ranked by
//! `bm25(fts, 3.0, 1.5, 1.0)` (the same weights as TreeStore's), and cached prepared statements.

use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use rusqlite::{params, Connection, OptionalExtension};

use super::queries::{tool_json, SEARCH_LIMIT, STRUCTURE_SUMMARY_CHARS};
use super::{next_write_id, node_line, Answer, Corpus, Doc, Line, Query};

/// The tool-result table and its indexes (also `examples/commit_speed.rs`'s whole schema).
pub const TOOL_RESULTS_SCHEMA: &str = "
CREATE TABLE tool_results (
    execution_id TEXT PRIMARY KEY, tool_name TEXT NOT NULL, policy_id TEXT, node_id TEXT,
    case_id TEXT, result_data TEXT NOT NULL, success INTEGER NOT NULL, error_message TEXT,
    executed_at INTEGER NOT NULL, duration_ms INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX tr_time ON tool_results (executed_at);
CREATE INDEX tr_policy ON tool_results (policy_id, executed_at);
CREATE INDEX tr_tool ON tool_results (tool_name, executed_at);
CREATE INDEX tr_case ON tool_results (case_id, executed_at);
";

const SCHEMA: &str = "
CREATE TABLE versions (
    doc INTEGER PRIMARY KEY, policy TEXT NOT NULL, version TEXT NOT NULL,
    created_at INTEGER NOT NULL, eff_start INTEGER NOT NULL, eff_end INTEGER,
    UNIQUE (policy, version));
CREATE INDEX versions_eff ON versions (policy, eff_start);
CREATE TABLE nodes (
    id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, pos INTEGER NOT NULL, node_id TEXT NOT NULL,
    parent INTEGER, ord INTEGER NOT NULL, depth INTEGER NOT NULL, title TEXT NOT NULL,
    page_start INTEGER, page_end INTEGER, summary TEXT, body TEXT);
CREATE VIRTUAL TABLE fts USING fts5 (title, summary, body, content='nodes', content_rowid='id',
    tokenize = 'unicode61 remove_diacritics 0');
";

/// Indexes built after the bulk load.
const INDEXES: &str = "
CREATE UNIQUE INDEX nodes_id ON nodes (doc, node_id);
CREATE UNIQUE INDEX nodes_pos ON nodes (doc, pos);
CREATE INDEX nodes_parent ON nodes (doc, parent, ord);
CREATE INDEX nodes_pages ON nodes (doc, page_start, page_end);
ANALYZE;
";

const DOC: &str = "(SELECT doc FROM versions WHERE policy = ?1 AND version = ?2)";

/// Writes of every session go through one connection behind a mutex (SQLite allows one writer at
/// a time; serializing in the process is the recommended practice and far faster under
/// contention than connections sleeping in the busy handler).
pub struct Engine {
    path: PathBuf,
    writer: Mutex<Connection>,
}

fn connect(path: &Path) -> Connection {
    let c = Connection::open(path).unwrap();
    let mode: String = c
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    c.pragma_update(None, "synchronous", "FULL").unwrap();
    c.pragma_update(None, "cache_size", -65536).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(60)).unwrap();
    c.set_prepared_statement_cache_capacity(64);
    c
}

impl Engine {
    pub fn create(dir: &Path) -> Engine {
        let path = dir.join("bench.sqlite");
        let c = connect(&path);
        c.execute_batch(SCHEMA).unwrap();
        c.execute_batch(TOOL_RESULTS_SCHEMA).unwrap();
        let writer = Mutex::new(connect(&path));
        Engine { path, writer }
    }

    /// Loads the corpus in one transaction, then builds the indexes and the FTS index.
    pub fn load(&self, corpus: &Corpus) {
        let mut c = connect(&self.path);
        let tx = c.transaction().unwrap();
        let mut next_id = 1i64;
        for d in &corpus.docs {
            insert_doc(&tx, d, &d.doc.policy_id, &mut next_id);
        }
        tx.commit().unwrap();
        c.execute_batch(INDEXES).unwrap();
        c.execute_batch(
            "INSERT INTO fts(fts) VALUES ('rebuild'); PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .unwrap();
    }
}

/// Inserts one version and its nodes (and, when `index`, their FTS rows).
fn insert_doc(c: &Connection, d: &Doc, policy: &str, next_id: &mut i64) -> i64 {
    let (start, end) = d.effective();
    c.prepare_cached(
        "INSERT INTO versions (policy, version, created_at, eff_start, eff_end) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .unwrap()
    .execute(params![policy, d.doc.version_id, d.doc.created_at, start, end])
    .unwrap();
    let doc = c.last_insert_rowid();
    let mut ins = c
        .prepare_cached(
            "INSERT INTO nodes (id, doc, pos, node_id, parent, ord, depth, title, page_start, page_end, summary, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .unwrap();
    let first = *next_id;
    for (p, n) in d.nodes.iter().enumerate() {
        ins.execute(params![
            *next_id,
            doc,
            p as i64,
            n.node_id,
            d.parent[p],
            d.ord[p],
            d.depth[p],
            n.title,
            n.page_start,
            n.page_end,
            n.summary,
            n.text
        ])
        .unwrap();
        *next_id += 1;
    }
    first
}

impl super::Engine for Engine {
    fn name(&self) -> &'static str {
        "SQLite"
    }

    fn session(&self) -> Box<dyn super::Session + '_> {
        Box::new(Session {
            c: connect(&self.path),
            writer: &self.writer,
        })
    }

    fn reopen(&mut self) {
        // Read sessions own their connections: a new session is a cold page cache.
        *self.writer.lock().unwrap() = connect(&self.path);
    }
}

struct Session<'a> {
    c: Connection,
    writer: &'a Mutex<Connection>,
}

fn node_rows(c: &Connection, sql: &str, p: impl rusqlite::Params) -> Answer {
    let mut st = c.prepare_cached(sql).unwrap();
    let rows = st
        .query_map(p, |r| {
            // Borrowed views of the row (UTF-8 checked, as the other engines check it); only
            // the id is allocated.
            Ok(node_line(
                r.get_ref(0)?.as_str()?.to_string(),
                r.get_ref(1)?.as_str()?,
                r.get_ref(2)?.as_str_or_null()?,
                r.get_ref(3)?.as_str_or_null()?,
            ))
        })
        .unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap()
}

/// The read statements' text, built once: they splice [`DOC`] and constants in, and a timed
/// query should not pay for formatting its SQL (`prepare_cached` looks the text up).
struct Sql {
    node: String,
    children: String,
    subtree: String,
    ancestors: String,
    page: String,
    structure: String,
    search: String,
}

static SQL: LazyLock<Sql> = LazyLock::new(|| {
    Sql {
    node: format!("SELECT node_id, title, summary, body FROM nodes WHERE doc = {DOC} AND node_id = ?3"),
    children: format!("SELECT c.node_id, c.title, c.summary, NULL FROM nodes p JOIN nodes c
                       ON c.doc = p.doc AND c.parent = p.pos
                     WHERE p.doc = {DOC} AND p.node_id = ?3 ORDER BY c.ord"),
    subtree: format!("WITH RECURSIVE t(doc, pos, lvl) AS (
                        SELECT doc, pos, 0 FROM nodes WHERE doc = {DOC} AND node_id = ?3
                        UNION ALL
                        SELECT c.doc, c.pos, t.lvl + 1 FROM t CROSS JOIN nodes c ON c.doc = t.doc AND c.parent = t.pos
                        WHERE ?4 = 0 OR t.lvl < ?4)
                     SELECT n.node_id, n.title, n.summary, n.body FROM t CROSS JOIN nodes n
                       ON n.doc = t.doc AND n.pos = t.pos ORDER BY n.pos"),
    ancestors: format!("WITH RECURSIVE t(doc, pos, parent, lvl) AS (
                        SELECT doc, pos, parent, 0 FROM nodes WHERE doc = {DOC} AND node_id = ?3
                        UNION ALL
                        SELECT n.doc, n.pos, n.parent, t.lvl + 1 FROM t CROSS JOIN nodes n ON n.doc = t.doc AND n.pos = t.parent)
                     SELECT n.node_id, n.title, n.summary, NULL FROM t CROSS JOIN nodes n
                       ON n.doc = t.doc AND n.pos = t.pos ORDER BY t.lvl DESC"),
    page: format!("SELECT node_id, title, summary, body FROM nodes
                     WHERE doc = {DOC} AND page_start <= ?3 AND page_end >= ?3 ORDER BY pos"),
    structure: format!("SELECT node_id, title, substr(summary, 1, {STRUCTURE_SUMMARY_CHARS}), NULL FROM nodes
                     WHERE doc = {DOC} ORDER BY pos"),
    search: format!("SELECT v.policy, v.version, n.node_id, -h.score FROM
                           (SELECT rowid, bm25(fts, 3.0, 1.5, 1.0) AS score FROM fts WHERE fts MATCH ?1
                            ORDER BY score, rowid LIMIT {SEARCH_LIMIT}) h
                         JOIN nodes n ON n.id = h.rowid JOIN versions v ON v.doc = n.doc
                         ORDER BY h.score, h.rowid"),
}
});

impl super::Session for Session<'_> {
    fn run(&mut self, q: &Query) -> Answer {
        let c = &self.c;
        match q {
            Query::Node {
                policy,
                version,
                id,
            } => node_rows(c, &SQL.node, params![policy, version, id]),
            Query::Batch {
                policy,
                version,
                ids,
            } => {
                // One statement per id inside one read transaction (a snapshot), as an
                // application does; SQLite's per-statement cost is a function call.
                let tx = c.unchecked_transaction().unwrap();
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    out.extend(node_rows(&tx, &SQL.node, params![policy, version, id]));
                }
                tx.commit().unwrap();
                out
            }
            Query::Children {
                policy,
                version,
                id,
            } => node_rows(c, &SQL.children, params![policy, version, id]),
            Query::Subtree {
                policy,
                version,
                id,
                depth,
            } => node_rows(c, &SQL.subtree, params![policy, version, id, depth]),
            Query::Ancestors {
                policy,
                version,
                id,
            } => node_rows(c, &SQL.ancestors, params![policy, version, id]),
            Query::Page {
                policy,
                version,
                page,
            } => node_rows(c, &SQL.page, params![policy, version, page]),
            Query::Structure { policy, version } => {
                node_rows(c, &SQL.structure, params![policy, version])
            }
            Query::AsOf { policy, at } => {
                let v: Option<String> = c
                    .prepare_cached(
                        "SELECT version FROM (SELECT version, eff_end FROM versions
                           WHERE policy = ?1 AND eff_start <= ?2 ORDER BY eff_start DESC LIMIT 1)
                         WHERE eff_end IS NULL OR eff_end > ?2",
                    )
                    .unwrap()
                    .query_row(params![policy, at], |r| r.get(0))
                    .optional()
                    .unwrap();
                vec![Line::Text(v.unwrap_or_else(|| "none".to_string()))]
            }
            Query::Search { q } => {
                let mut st = c.prepare_cached(&SQL.search).unwrap();
                let rows = st
                    .query_map(params![q], |r| {
                        Ok(Line::Text(format!(
                            "{}/{}/{}@{:.6}",
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, f64>(3)?
                        )))
                    })
                    .unwrap();
                rows.collect::<rusqlite::Result<_>>().unwrap()
            }
            Query::StoreDoc { doc } => {
                let c = &*self.writer.lock().unwrap();
                let tx = rusqlite::Transaction::new_unchecked(
                    c,
                    rusqlite::TransactionBehavior::Immediate,
                )
                .unwrap();
                let mut next: i64 = tx
                    .query_row("SELECT coalesce(max(id), 0) + 1 FROM nodes", [], |r| {
                        r.get(0)
                    })
                    .unwrap();
                let first = insert_doc(&tx, doc, &format!("w-{}", next_write_id()), &mut next);
                tx.prepare_cached(
                    "INSERT INTO fts (rowid, title, summary, body)
                     SELECT id, title, summary, body FROM nodes WHERE id >= ?1",
                )
                .unwrap()
                .execute(params![first])
                .unwrap();
                tx.commit().unwrap();
                Vec::new()
            }
            Query::StoreToolResult {
                policy,
                node,
                result_bytes,
            } => {
                let c = &*self.writer.lock().unwrap();
                let n = next_write_id();
                insert_tool_result(c, n, policy, node, &tool_json(*result_bytes, n));
                Vec::new()
            }
        }
    }
}

/// Inserts tool result number `n` (execution id `ex-<n>`, `navigate_tree`, case `case-<n % 1000>`,
/// executed now) with `result_data` as given; the head-to-head's and `commit_speed`'s store.
pub fn insert_tool_result(c: &Connection, n: u64, policy: &str, node: &str, result_data: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64;
    c.prepare_cached(
        "INSERT INTO tool_results (execution_id, tool_name, policy_id, node_id, case_id,
           result_data, success, error_message, executed_at, duration_ms)
         VALUES (?1, 'navigate_tree', ?2, ?3, ?4, json(?5), 1, NULL, ?6, 12)",
    )
    .unwrap()
    .execute(params![
        format!("ex-{n:016}"),
        policy,
        node,
        format!("case-{}", n % 1000),
        result_data,
        now
    ])
    .unwrap();
}
