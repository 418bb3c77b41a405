//! A fixed run of document reads on an existing database, for instruction counts (callgrind) or
//! profiles of the read path without building the corpus first: `cargo run --release -p
//! treestore-core --example read_probe -- <db path>
//! <node|node_with|node_tx|ancestors|subtree_text|subtree20|subtree20b|h2h_node|h2h_children|h2h_ancestors|
//! h2h_structure|h2h_batch50|h2h_page|h2h_fan>
//! [calls]`.
//!
//! Reads a database `doc_speed` built (its phase `import`): a seeded random policy per call, and
//! a random node id among "0000".."0099" (ids the update left out are skipped); `node_with` reads
//! the node through the borrowed API (keeping its id and field lengths); `subtree20` reads,
//! with text, the whole subtree of nodes whose subtree has 18-22 nodes (as `doc_speed`'s subtree
//! phase), picked before the counted calls; `subtree20b` reads the same through the borrowed
//! API (`subtree_with`, keeping each node's id and field lengths, as `doc_speed`'s borrowed row,
//! but asking for `Projection::Content` as the `h2h_*` phases). The `h2h_*` phases read as the head-to-head
//! benchmark reads TreeStore (`benches/src/h2h/ts.rs`): a read transaction and a reader per call,
//! version "v3" named, the borrowed API, keeping each node's id and field lengths (and so asking
//! for `Projection::Content`); children and
//! ancestors without text; `h2h_structure` the whole structure view with summaries cut to 420
//! characters, `h2h_batch50` 50 of the ids "0000".."0099" in a seeded order, with text,
//! `h2h_page` the nodes covering page 1 + the id's number, with text. The calls run twice,
//! the second time in [`probe`], so `valgrind --tool=callgrind
//! --toggle-collect='read_probe::probe'` counts only warm calls.
//!
//! `h2h_fan` reads the head-to-head's adversarial fan: the 10,000 children of one node (policy
//! `adv-fan`, version `v1`, as `benches/src/h2h/corpus.rs` stores it), without text. Its database
//! is not the 1M one: give a path of its own, which is built there first if it does not exist.

use std::borrow::Cow;
use std::hint::black_box;

use treestore_core::document::gen::Rng;
use treestore_core::document::{
    DocReader, Documents, NodeRef, NodeSink, Projection, StructureOptions,
};
use treestore_core::version::VersionReader;
use treestore_core::{Database, ErrorKind, Options, ReadTxn, Result};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: read_probe <db path> <phase> [calls]");
    let phase = args.next().unwrap_or_else(|| "node".to_string());
    let calls: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    if phase == "h2h_fan" && !std::path::Path::new(&path).exists() {
        build_fan(&path)?;
    }
    let db = Database::open(
        &path,
        Options {
            create: false,
            // Read-only: several probes (and benchmarks) can share one database at once.
            read_only: true,
            ..Options::default()
        },
    )?;
    let policies = VersionReader::new(&db.begin_read()?).policies()?;
    // The same calls first, uncounted: their pages are verified and mapped, as in a running server.
    let tx = db.begin_read()?;
    let r = DocReader::new(&tx);
    let picks = if phase.starts_with("subtree20") {
        subtree_picks(&r, &policies, calls)?
    } else {
        Vec::new()
    };
    let q = Query {
        db: &db,
        policies: &policies,
        picks: &picks,
        phase: &phase,
        calls,
    };
    warm(&r, &q)?;
    let (started, cpu) = (std::time::Instant::now(), thread_cpu_seconds());
    let items = probe(&r, &q)?;
    println!(
        "{phase}: {calls} calls, {items} nodes, {:.0} ns/call, {:.0} CPU-ns/call",
        started.elapsed().as_nanos() as f64 / calls as f64,
        (thread_cpu_seconds() - cpu) * 1e9 / calls as f64
    );
    Ok(())
}

/// A database holding the head-to-head's fan: one root with 10,000 leaf children.
fn build_fan(path: &str) -> Result<()> {
    let db = Database::open(path, Options::default())?;
    let (mut doc, nodes) = treestore_core::document::gen::fan("adv-fan", "v1", 10_000);
    doc.effective_start = Some(doc.created_at);
    let mut w = db.begin_write()?;
    treestore_core::document::store_document(&mut w, &doc, &nodes)?;
    w.commit()?;
    db.checkpoint()?;
    db.close()
}

/// CPU seconds this thread has run (the machine may be shared: wall time moves with the load).
fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes only into the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// One reader over one read transaction, for the one-transaction phases.
type Reader<'t> = DocReader<'t, ReadTxn>;

/// What to run.
struct Query<'a> {
    db: &'a Database,
    policies: &'a [String],
    /// For `subtree20` and `subtree20b`: (policy index, node id) per call.
    picks: &'a [(usize, String)],
    phase: &'a str,
    calls: u64,
}

/// `calls` random nodes whose subtree has 18-22 nodes.
fn subtree_picks(r: &Reader, policies: &[String], calls: u64) -> Result<Vec<(usize, String)>> {
    let mut rng = Rng::new(7);
    let mut picks = Vec::new();
    while (picks.len() as u64) < calls {
        let p = rng.below(policies.len() as u64) as usize;
        let id = format!("{:04}", rng.below(100));
        match r.subtree(&policies[p], None, &id, 0, false) {
            Ok(nodes) if (18..=22).contains(&nodes.len()) => picks.push((p, id)),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(picks)
}

#[inline(never)]
fn warm(r: &Reader, q: &Query) -> Result<usize> {
    // Not folded with `probe` (identical bodies may share one symbol): this one also prints.
    let items = run(r, q)?;
    println!("warm-up: {items} nodes");
    Ok(items)
}

#[inline(never)]
fn probe(r: &Reader, q: &Query) -> Result<usize> {
    run(r, q)
}

/// How many items `got` holds, dropped here (its drop is part of the call).
fn count<T>(got: Vec<T>) -> usize {
    black_box(got).len()
}

/// What a caller of the borrowed reads keeps of a node (as the head-to-head's TreeStore side).
struct Kept(Vec<(String, usize, usize, usize)>);

impl Kept {
    fn line(n: &NodeRef<'_>) -> (String, usize, usize, usize) {
        (
            n.node_id.to_string(),
            n.title.len(),
            n.summary.map_or(0, str::len),
            n.text.map_or(0, str::len),
        )
    }
}

impl NodeSink for Kept {
    fn projection(&self) -> Projection {
        Projection::Content
    }

    fn reserve(&mut self, nodes: usize) {
        self.0.reserve(nodes);
    }

    fn node(&mut self, n: &NodeRef<'_>) -> Result<()> {
        self.0.push(Kept::line(n));
        Ok(())
    }

    fn text(&mut self, index: usize, text: Cow<'_, str>) -> Result<()> {
        if let Some(k) = self.0.get_mut(index) {
            k.3 = text.len();
        }
        Ok(())
    }
}

/// One `h2h_*` call: a transaction and a reader of its own, version "v3", borrowed.
fn h2h(
    db: &Database,
    phase: &str,
    p: &str,
    id: &str,
) -> Result<Vec<(String, usize, usize, usize)>> {
    let tx = db.begin_read()?;
    let r = DocReader::new(&tx);
    let v = Some("v3");
    let mut kept = Kept(Vec::new());
    match phase {
        "h2h_node" => kept.0.push(r.node_with(p, v, id, |n| Ok(Kept::line(n)))?),
        "h2h_children" => r.children_with(p, v, Some(id), false, &mut kept)?,
        "h2h_fan" => r.children_with("adv-fan", Some("v1"), Some("root"), false, &mut kept)?,
        "h2h_page" => {
            // Pages 1..=100, within every generated document's range (each node adds one or two).
            let page = id.parse::<i64>().unwrap_or(0) + 1;
            r.nodes_by_page_with(p, v, page, true, &mut kept)?
        }
        "h2h_structure" => {
            let opts = StructureOptions {
                summary_chars: Some(420),
                limit: 0,
            };
            r.structure_with(p, v, &opts, None, &mut kept).map(drop)?
        }
        "h2h_batch50" => {
            // 50 distinct ids in a seeded random order, as the head-to-head's batch.
            let mut rng = Rng::new(u64::from(id.as_bytes()[3]) + 1);
            let mut ids: Vec<String> = (0..100).map(|i| format!("{i:04}")).collect();
            for i in (1..ids.len()).rev() {
                ids.swap(i, rng.below(i as u64 + 1) as usize);
            }
            ids.truncate(50);
            r.nodes_with(p, v, &ids, true, &mut kept)?
        }
        _ => r.ancestor_path_with(p, v, id, false, &mut kept)?,
    }
    Ok(kept.0)
}

#[inline(never)]
fn run(r: &Reader, q: &Query) -> Result<usize> {
    let (db, policies, phase) = (q.db, q.policies, q.phase);
    let docs = Documents::new(db);
    let mut rng = Rng::new(42);
    let mut items = 0;
    for call in 0..q.calls {
        let p = &policies[rng.below(policies.len() as u64) as usize];
        let id = format!("{:04}", rng.below(100));
        let got = match phase {
            "subtree20" => {
                let (p, id) = &q.picks[call as usize];
                r.subtree(&policies[*p], None, id, 0, true).map(count)
            }
            "subtree20b" => {
                let (p, id) = &q.picks[call as usize];
                let mut kept = Kept(Vec::new());
                r.subtree_with(&policies[*p], None, id, 0, true, &mut kept)
                    .map(|()| count(kept.0))
            }
            "node" => r.node(p, None, &id).map(|n| count(vec![n])),
            "node_with" => r
                .node_with(p, None, &id, |n| Ok(Kept::line(n)))
                .map(|n| count(vec![n])),
            "node_tx" => docs.node(p, None, &id).map(|n| count(vec![n])),
            "h2h_node" | "h2h_children" | "h2h_ancestors" | "h2h_structure" | "h2h_batch50"
            | "h2h_fan" | "h2h_page" => h2h(db, phase, p, &id).map(count),
            "ancestors" => r.ancestor_path(p, None, &id, false).map(count),
            "subtree_text" => r.subtree(p, None, &id, 2, true).map(count),
            other => panic!("unknown phase {other}"),
        };
        match got {
            Ok(n) => items += n,
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(items)
}
