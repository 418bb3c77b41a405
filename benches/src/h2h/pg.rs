//! PostgreSQL 15, a private server started by `scripts/pg.sh` (its own data directory in a temp
//! dir, a Unix socket only, fsync and synchronous_commit on; the settings are in that script) and
//! reached through the `postgres` crate (the synchronous client) with statements prepared once per
//! session.
//!
//! Its best schema for these queries: integer positions with a primary key on `(doc, pos)` and
//! unique `(doc, node_id)`; an adjacency list indexed on `(doc, parent, ord)` walked by
//! `WITH RECURSIVE ... SEARCH DEPTH FIRST BY ord` for subtrees and ancestors; as the alternative an
//! `ltree` path (labels: the doc, then each level's ordinal zero-padded to one width per document, so path order is pre-order)
//! with a GiST index (the `PG ltree` column); `btree_gist` on `(doc, int4range(page_start,
//! page_end, '[]'))` for pages; `tstzrange` validity with an exclusion constraint (no overlapping
//! versions of one policy) for as-of; a stored weighted `tsvector` (title A, summary B, text C,
//! `simple` configuration: no stemming, like TreeStore's default) with a GIN index, ranked by
//! `ts_rank('{0, 0.333, 0.5, 1}', ...)`. A batch of ids is one statement (`unnest ... WITH
//! ORDINALITY`), a stored document one `INSERT ... SELECT FROM unnest(arrays)`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::{Client, NoTls, Statement};

use super::queries::{tool_json, SEARCH_LIMIT, STRUCTURE_SUMMARY_CHARS};
use super::{next_write_id, node_line, Answer, Corpus, Doc, Kind, Line, Query};

/// A PostgreSQL server of our own; stopped (and its directory removed) on drop.
pub struct Server {
    dir: String,
    pub url: String,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg.sh")
}

impl Server {
    pub fn start() -> Server {
        let out = Command::new("bash")
            .arg(script())
            .arg("start")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "scripts/pg.sh start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let var = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                .unwrap_or_else(|| panic!("pg.sh printed no {name}: {text}"))
                .trim_matches('\'')
                .to_string()
        };
        Server {
            dir: var("TREESTORE_PG_DIR"),
            url: var("TREESTORE_PG_URL"),
        }
    }

    pub fn restart(&self) {
        let st = Command::new("bash")
            .arg(script())
            .args(["restart", &self.dir])
            .status()
            .unwrap();
        assert!(st.success(), "scripts/pg.sh restart failed");
    }

    pub fn connect(&self) -> Client {
        Client::connect(&self.url, NoTls).unwrap()
    }

    /// The server's version string.
    pub fn version(&self) -> String {
        self.connect()
            .query_one("SHOW server_version", &[])
            .unwrap()
            .get(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .args(["stop", &self.dir])
            .status();
    }
}

const SCHEMA: &str = "
CREATE EXTENSION IF NOT EXISTS ltree;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE versions (
    doc serial PRIMARY KEY, policy text NOT NULL, version text NOT NULL,
    created_at timestamptz NOT NULL, valid tstzrange NOT NULL,
    UNIQUE (policy, version),
    EXCLUDE USING gist (policy WITH =, valid WITH &&));
CREATE TABLE nodes (
    doc int NOT NULL, pos int NOT NULL, node_id text NOT NULL, parent int, ord int NOT NULL,
    depth int NOT NULL, title text NOT NULL, page_start int, page_end int, summary text, body text,
    lpath ltree NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') ||
        setweight(to_tsvector('simple', coalesce(summary, '')), 'B') ||
        setweight(to_tsvector('simple', coalesce(body, '')), 'C')) STORED);
CREATE TABLE tool_results (
    execution_id text PRIMARY KEY, tool_name text NOT NULL, policy_id text, node_id text,
    case_id text, result_data jsonb NOT NULL, success bool NOT NULL, error_message text,
    executed_at timestamptz NOT NULL, duration_ms bigint NOT NULL);
CREATE INDEX tr_time ON tool_results (executed_at);
CREATE INDEX tr_policy ON tool_results (policy_id, executed_at);
CREATE INDEX tr_tool ON tool_results (tool_name, executed_at);
CREATE INDEX tr_case ON tool_results (case_id, executed_at);
";

/// Built after the bulk load (as a DBA loads a big table).
const INDEXES: &str = "
ALTER TABLE nodes ADD PRIMARY KEY (doc, pos);
CREATE UNIQUE INDEX nodes_id ON nodes (doc, node_id);
CREATE INDEX nodes_parent ON nodes (doc, parent, ord);
CREATE INDEX nodes_lpath ON nodes USING gist (lpath) WHERE nlevel(lpath) <= 128;
CREATE INDEX nodes_pages ON nodes USING gist (doc, int4range(page_start, page_end, '[]'));
CREATE INDEX nodes_tsv ON nodes USING gin (tsv);
SELECT setval('versions_doc_seq', (SELECT max(doc) FROM versions));
VACUUM ANALYZE;
CHECKPOINT;
";

/// Which of the two tree schemas a session walks subtrees with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Recursive,
    Ltree,
}

pub struct Engine<'s> {
    server: &'s Server,
    variant: Variant,
}

impl<'s> Engine<'s> {
    pub fn new(server: &'s Server, variant: Variant) -> Engine<'s> {
        Engine { server, variant }
    }

    pub fn create(server: &Server) {
        server.connect().batch_execute(SCHEMA).unwrap();
    }

    /// COPY of every node, then the indexes.
    pub fn load(server: &Server, corpus: &Corpus) {
        let mut c = server.connect();
        let mut tx = c.transaction().unwrap();
        let ins = tx
            .prepare(
                "INSERT INTO versions (doc, policy, version, created_at, valid)
                 VALUES ($1, $2, $3, $4, tstzrange($5, $6, '[)'))",
            )
            .unwrap();
        for (i, d) in corpus.docs.iter().enumerate() {
            let (start, end) = d.effective();
            tx.execute(
                &ins,
                &[
                    &(i as i32 + 1),
                    &d.doc.policy_id,
                    &d.doc.version_id,
                    &ts(d.doc.created_at),
                    &ts(start),
                    &end.map(ts),
                ],
            )
            .unwrap();
        }
        let mut w = tx
            .copy_in(
                "COPY nodes (doc, pos, node_id, parent, ord, depth, title, page_start, page_end, summary, body, lpath) FROM STDIN",
            )
            .unwrap();
        let mut line = String::new();
        for (i, d) in corpus.docs.iter().enumerate() {
            let paths = lpaths(d, i as i32 + 1);
            for (p, n) in d.nodes.iter().enumerate() {
                line.clear();
                let _ = write!(line, "{}\t{}\t", i + 1, p);
                esc(&mut line, Some(&n.node_id));
                let _ = write!(
                    line,
                    "\t{}\t{}\t{}\t",
                    opt(d.parent[p]),
                    d.ord[p],
                    d.depth[p]
                );
                esc(&mut line, Some(&n.title));
                let _ = write!(line, "\t{}\t{}\t", opt(n.page_start), opt(n.page_end));
                esc(&mut line, n.summary.as_deref());
                line.push('\t');
                esc(&mut line, n.text.as_deref());
                line.push('\t');
                line.push_str(&paths[p]);
                line.push('\n');
                w.write_all(line.as_bytes()).unwrap();
            }
        }
        w.finish().unwrap();
        tx.commit().unwrap();
        for st in INDEXES.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            if let Err(e) = c.batch_execute(st) {
                panic!("PostgreSQL: {st}: {e:?}");
            }
        }
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "\\N".to_string(), |v| v.to_string())
}

/// COPY text format escaping.
fn esc(out: &mut String, s: Option<&str>) {
    let Some(s) = s else {
        out.push_str("\\N");
        return;
    };
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => {}
            c => out.push(c),
        }
    }
}

/// The ltree path of each node: `d<doc>` then each level's ordinal, zero-padded to the width of
/// the document's largest ordinal (ltree compares labels bytewise, so equal widths make path
/// order pre-order; the narrowest width keeps the 1,000-deep chain's path, at 8 bytes per label,
/// under the GiST index's 8 KiB tuple limit).
fn lpaths(d: &Doc, doc: i32) -> Vec<String> {
    let width = d.ord.iter().max().map_or(1, |m| m.to_string().len());
    let mut out: Vec<String> = Vec::with_capacity(d.nodes.len());
    for p in 0..d.nodes.len() {
        out.push(match d.parent[p] {
            None => format!("d{doc}"),
            Some(q) => format!("{}.{:0width$}", out[q as usize], d.ord[p]),
        });
    }
    out
}

fn ts(micros: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(micros as u64)
}

impl super::Engine for Engine<'_> {
    fn name(&self) -> &'static str {
        match self.variant {
            Variant::Recursive => "PostgreSQL",
            Variant::Ltree => "PG ltree",
        }
    }

    fn session(&self) -> Box<dyn super::Session + '_> {
        Box::new(Session::new(self.server.connect(), self.variant))
    }

    fn reopen(&mut self) {
        self.server.restart();
    }

    fn runs(&self, kind: Kind) -> bool {
        self.variant == Variant::Recursive || (kind.is_subtree() && kind != Kind::ChainSubtree)
    }
}

const NODE: &str = "SELECT node_id, title, summary, body FROM nodes WHERE doc = (SELECT doc FROM versions WHERE policy = $1 AND version = $2) AND node_id = $3";

struct Session {
    c: Client,
    variant: Variant,
    st: HashMap<&'static str, Statement>,
}

impl Session {
    fn new(c: Client, variant: Variant) -> Session {
        Session {
            c,
            variant,
            st: HashMap::new(),
        }
    }

    /// The statement for `sql`, prepared on first use.
    fn st(&mut self, sql: &'static str) -> Statement {
        if let Some(s) = self.st.get(sql) {
            return s.clone();
        }
        let s = self.c.prepare(sql).unwrap();
        self.st.insert(sql, s.clone());
        s
    }

    fn nodes(&mut self, sql: &'static str, p: &[&(dyn postgres::types::ToSql + Sync)]) -> Answer {
        let st = self.st(sql);
        self.c
            .query(&st, p)
            .unwrap()
            .iter()
            .map(|r| {
                node_line(
                    r.get::<_, &str>(0).to_string(),
                    r.get::<_, &str>(1),
                    r.get::<_, Option<&str>>(2),
                    r.get::<_, Option<&str>>(3),
                )
            })
            .collect()
    }
}

impl super::Session for Session {
    fn run(&mut self, q: &Query) -> Answer {
        match q {
            Query::Node { policy, version, id } => self.nodes(NODE, &[policy, version, id]),
            Query::Batch { policy, version, ids } => self.nodes(
                "SELECT n.node_id, n.title, n.summary, n.body
                 FROM unnest($3::text[]) WITH ORDINALITY AS q(id, i)
                 JOIN nodes n ON n.doc = (SELECT doc FROM versions WHERE policy = $1 AND version = $2)
                   AND n.node_id = q.id
                 ORDER BY q.i",
                &[policy, version, ids],
            ),
            Query::Children { policy, version, id } => self.nodes(
                "SELECT c.node_id, c.title, c.summary, NULL::text FROM nodes p JOIN nodes c
                   ON c.doc = p.doc AND c.parent = p.pos
                 WHERE p.doc = (SELECT doc FROM versions WHERE policy = $1 AND version = $2)
                   AND p.node_id = $3 ORDER BY c.ord",
                &[policy, version, id],
            ),
            Query::Subtree { policy, version, id, depth } => {
                let depth = *depth as i32;
                match self.variant {
                    Variant::Recursive => self.nodes(
                        "WITH RECURSIVE t(doc, pos, ord, lvl, node_id, title, summary, body) AS (
                            SELECT doc, pos, ord, 0, node_id, title, summary, body FROM nodes
                            WHERE doc = (SELECT doc FROM versions WHERE policy = $1 AND version = $2)
                              AND node_id = $3
                            UNION ALL
                            SELECT c.doc, c.pos, c.ord, t.lvl + 1, c.node_id, c.title, c.summary, c.body
                            FROM t JOIN nodes c ON c.doc = t.doc AND c.parent = t.pos
                            WHERE $4 = 0 OR t.lvl < $4
                         ) SEARCH DEPTH FIRST BY ord SET preorder
                         SELECT node_id, title, summary, body FROM t ORDER BY preorder",
                        &[policy, version, id, &depth],
                    ),
                    Variant::Ltree => self.nodes(
                        "SELECT n.node_id, n.title, n.summary, n.body FROM nodes r JOIN nodes n
                           ON n.lpath <@ r.lpath
                         WHERE r.doc = (SELECT doc FROM versions WHERE policy = $1 AND version = $2)
                           AND r.node_id = $3
                           AND nlevel(n.lpath) <= 128
                           AND ($4 = 0 OR nlevel(n.lpath) <= nlevel(r.lpath) + $4)
                         ORDER BY n.lpath",
                        &[policy, version, id, &depth],
                    ),
                }
            }
            Query::Ancestors { policy, version, id } => self.nodes(
                "WITH RECURSIVE t(doc, pos, parent, lvl, node_id, title, summary) AS (
                    SELECT doc, pos, parent, 0, node_id, title, summary FROM nodes
                    WHERE doc = (SELECT doc FROM versions WHERE policy = $1 AND version = $2)
                      AND node_id = $3
                    UNION ALL
                    SELECT n.doc, n.pos, n.parent, t.lvl + 1, n.node_id, n.title, n.summary
                    FROM t JOIN nodes n ON n.doc = t.doc AND n.pos = t.parent)
                 SELECT node_id, title, summary, NULL::text FROM t ORDER BY lvl DESC",
                &[policy, version, id],
            ),
            Query::Page { policy, version, page } => self.nodes(
                "SELECT node_id, title, summary, body FROM nodes
                 WHERE doc = (SELECT doc FROM versions WHERE policy = $1 AND version = $2)
                   AND int4range(page_start, page_end, '[]') @> $3::int4
                   AND page_start IS NOT NULL ORDER BY pos",
                &[policy, version, &(*page as i32)],
            ),
            Query::Structure { policy, version } => {
                const _: () = assert!(STRUCTURE_SUMMARY_CHARS == 420);
                self.nodes(
                    "SELECT node_id, title, left(summary, 420), NULL::text FROM nodes
                     WHERE doc = (SELECT doc FROM versions WHERE policy = $1 AND version = $2)
                     ORDER BY pos",
                    &[policy, version],
                )
            }
            Query::AsOf { policy, at } => {
                let st = self.st("SELECT version FROM versions WHERE policy = $1 AND valid @> $2::timestamptz");
                let row = self.c.query_opt(&st, &[policy, &ts(*at)]).unwrap();
                vec![Line::Text(row.map_or_else(|| "none".to_string(), |r| r.get(0)))]
            }
            Query::Search { q } => {
                const _: () = assert!(SEARCH_LIMIT == 10);
                let st = self.st(
                    "SELECT v.policy, v.version, n.node_id, ts_rank('{0, 0.333333, 0.5, 1}', n.tsv, q) AS r
                     FROM nodes n JOIN versions v ON v.doc = n.doc, plainto_tsquery('simple', $1) q
                     WHERE n.tsv @@ q ORDER BY r DESC, n.doc, n.pos LIMIT 10",
                );
                self.c
                    .query(&st, &[q])
                    .unwrap()
                    .iter()
                    .map(|r| {
                        Line::Text(format!(
                            "{}/{}/{}@{:.6}",
                            r.get::<_, &str>(0),
                            r.get::<_, &str>(1),
                            r.get::<_, &str>(2),
                            r.get::<_, f32>(3)
                        ))
                    })
                    .collect()
            }
            Query::StoreDoc { doc } => {
                let v = self.st(
                    "INSERT INTO versions (policy, version, created_at, valid)
                     VALUES ($1, $2, $3, tstzrange($3, NULL, '[)')) RETURNING doc",
                );
                let n = self.st(
                    "INSERT INTO nodes (doc, pos, node_id, parent, ord, depth, title, page_start, page_end, summary, body, lpath)
                     SELECT $1, u.pos, u.node_id, u.parent, u.ord, u.depth, u.title, u.ps, u.pe, u.summary, u.body, u.lpath::ltree
                     FROM unnest($2::int4[], $3::text[], $4::int4[], $5::int4[], $6::int4[], $7::text[],
                                 $8::int4[], $9::int4[], $10::text[], $11::text[], $12::text[])
                       AS u(pos, node_id, parent, ord, depth, title, ps, pe, summary, body, lpath)",
                );
                let policy = format!("w-{}", next_write_id());
                let mut tx = self.c.transaction().unwrap();
                let id: i32 = tx
                    .query_one(&v, &[&policy, &doc.doc.version_id, &SystemTime::now()])
                    .unwrap()
                    .get(0);
                let k = doc.nodes.len();
                let pos: Vec<i32> = (0..k as i32).collect();
                let ids: Vec<&str> = doc.nodes.iter().map(|n| n.node_id.as_str()).collect();
                let parent: Vec<Option<i32>> = doc.parent.iter().map(|p| p.map(|p| p as i32)).collect();
                let ord: Vec<i32> = doc.ord.iter().map(|&o| o as i32).collect();
                let depth: Vec<i32> = doc.depth.iter().map(|&o| o as i32).collect();
                let title: Vec<&str> = doc.nodes.iter().map(|n| n.title.as_str()).collect();
                let ps: Vec<Option<i32>> = doc.nodes.iter().map(|n| n.page_start.map(|p| p as i32)).collect();
                let pe: Vec<Option<i32>> = doc.nodes.iter().map(|n| n.page_end.map(|p| p as i32)).collect();
                let summary: Vec<Option<&str>> = doc.nodes.iter().map(|n| n.summary.as_deref()).collect();
                let body: Vec<Option<&str>> = doc.nodes.iter().map(|n| n.text.as_deref()).collect();
                let paths = lpaths(doc, id);
                tx.execute(
                    &n,
                    &[&id, &pos, &ids, &parent, &ord, &depth, &title, &ps, &pe, &summary, &body, &paths],
                )
                .unwrap();
                tx.commit().unwrap();
                Vec::new()
            }
            Query::StoreToolResult { policy, node, result_bytes } => {
                let st = self.st(
                    "INSERT INTO tool_results (execution_id, tool_name, policy_id, node_id, case_id,
                       result_data, success, error_message, executed_at, duration_ms)
                     VALUES ($1, 'navigate_tree', $2, $3, $4, CAST($5::text AS jsonb), true, NULL, now(), 12)",
                );
                let n = next_write_id();
                self.c
                    .execute(
                        &st,
                        &[
                            &format!("ex-{n:016}"),
                            policy,
                            node,
                            &format!("case-{}", n % 1000),
                            &tool_json(*result_bytes, n),
                        ],
                    )
                    .unwrap();
                Vec::new()
            }
        }
    }
}
