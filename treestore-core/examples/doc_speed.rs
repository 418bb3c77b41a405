//! Measures the document store on issue 3's corpus: `cargo run --release -p treestore-core
//! --example doc_speed -- [policies] [phase] [db path]`.
//!
//! The corpus is seeded: `policies` policies (default 3,334) of 3 versions each (v1 from
//! `gen::document` with 100 nodes, v2 and v3 from `gen::next_version` changing 10% of the nodes),
//! so the default is 10,002 versions and about 1,000,000 nodes. It is imported in batches of 500
//! versions per transaction (relaxed durability, then a checkpoint), timed by wall clock and by the
//! process's CPU time; then, single-threaded, in one read transaction with one reader (a random
//! policy each call, so nothing is answered from the previous call):
//!
//! - `node`: GetNode with text, of a random node of the latest version;
//! - `subtree`: GetSubtree of a node whose subtree has 18-22 nodes, without and with text;
//! - `ancestors`: GetAncestorPath of a random node (depth 0-4), without and with text;
//! - `as_of`: GetVersionAsOf at a random instant of the policy's three days;
//!
//! and the same calls through the one-transaction-per-call handles (`Documents`, `Versions`).
//! Rows marked `borrowed` make the same reads through the borrowed API (`node_with`,
//! `subtree_with`, `ancestor_path_with`: each node handed over as a `NodeRef`, as the C ABI reads
//! them), keeping what a caller would keep of each node (its id and field lengths) instead of the
//! owned `Node` with every field.
//! Before the reads, every entry of the `doc.*` and `ver.*` tables is read once (a running
//! server's warm state). Each line gives calls per wall-clock second and per second of the thread's CPU time (the
//! machine may be shared). `phase` picks one of them (or `import`, or `all`, the default). With a `db path` the database
//! is kept there and an existing one is reused without importing, to repeat or profile the reads.

use std::borrow::Cow;
use std::hint::black_box;
use std::time::Instant;

use treestore_core::document::gen::{self, GenConfig, Rng, BASE_TIME};
use treestore_core::document::{
    store_documents, DocReader, Document, Documents, Node, NodeRef, NodeSink,
};
use treestore_core::version::{VersionReader, Versions};
use treestore_core::{Database, Durability, Options, Result};

const VERSIONS: usize = 3;
const DAY: i64 = 86_400_000_000;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let policies: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3_334);
    let phase = args.next().unwrap_or_else(|| "all".to_string());
    let kept = args.next();
    let tmp = std::env::temp_dir().join(format!("treestore-docs-{}", std::process::id()));
    let path = match &kept {
        Some(p) => std::path::PathBuf::from(p),
        None => {
            std::fs::create_dir_all(&tmp).map_err(|e| treestore_core::Error::io("mkdir", e))?;
            tmp.join("docs.tsdb")
        }
    };
    let exists = path.exists();
    let db = Database::open(
        &path,
        Options {
            durability: Durability::Relaxed,
            ..Options::default()
        },
    )?;
    let corpus = corpus(policies);
    if !exists {
        import(&db, &corpus)?;
    }
    let picks = Picks::new(&corpus, policies);
    warm(&db)?;
    let run = |name: &str| phase == "all" || phase == name;
    if phase == "tables" {
        tables(&db)?;
    }
    if run("raw") {
        raw(&db, corpus.len() as u64)?;
    }
    if run("node") {
        node(&db, &picks)?;
    }
    if run("subtree") {
        subtree(&db, &picks)?;
    }
    if run("ancestors") {
        ancestors(&db, &picks)?;
    }
    if run("as_of") {
        as_of(&db, &picks)?;
    }
    drop(db);
    if kept.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(())
}

/// Reads every entry of the tables the queries read once, as a long-running server will have, so
/// the timings are of the reads and not of first touches of the file's pages.
fn warm(db: &Database) -> Result<()> {
    use treestore_core::ReadOps;
    let started = Instant::now();
    let tx = db.begin_read()?;
    let mut bytes = 0usize;
    for name in tx.table_names()? {
        if name.starts_with("doc.") || name.starts_with("ver.") {
            let t = tx.table(&name)?;
            for kv in tx.range(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)? {
                let (k, v) = kv?;
                bytes += k.len() + v.len();
            }
        }
    }
    println!(
        "warm-up: read {} MiB of doc.* and ver.* in {:.2} s",
        bytes >> 20,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Entries and key + value bytes per table, and the file's page use.
fn tables(db: &Database) -> Result<()> {
    use treestore_core::ReadOps;
    let tx = db.begin_read()?;
    for name in tx.table_names()? {
        let t = tx.table(&name)?;
        let (mut n, mut bytes) = (0u64, 0u64);
        for kv in tx.range(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)? {
            let (k, v) = kv?;
            n += 1;
            bytes += (k.len() + v.len()) as u64;
        }
        println!("{name:<20} {n:>10} entries {:>8} MiB", bytes >> 20);
    }
    let s = db.stats()?;
    println!(
        "pages: total {} used {} free {} pending {}",
        s.total_pages, s.used_pages, s.free_pages, s.pending_pages
    );
    Ok(())
}

/// Policy `p`'s versions are `corpus[p * 3 .. p * 3 + 3]`.
fn corpus(policies: usize) -> Vec<(Document, Vec<Node>)> {
    let cfg = GenConfig::default();
    let mut out = Vec::with_capacity(policies * VERSIONS);
    for (p, v1) in gen::corpus(7, policies, &cfg).enumerate() {
        let v2 = gen::next_version(1_000 + p as u64, &v1, "v2", 0.1);
        let v3 = gen::next_version(2_000 + p as u64, &v2, "v3", 0.1);
        out.extend([v1, v2, v3]);
    }
    out
}

fn import(db: &Database, corpus: &[(Document, Vec<Node>)]) -> Result<()> {
    let nodes: usize = corpus.iter().map(|(_, n)| n.len()).sum();
    let started = Instant::now();
    let cpu = cpu_seconds();
    let (mut storing, mut committing, mut writer_cpu) = (0.0, 0.0, 0.0);
    for chunk in corpus.chunks(500) {
        let phase = Instant::now();
        let thread_cpu = thread_cpu_seconds();
        let mut w = db.begin_write()?;
        store_documents(&mut w, chunk)?;
        writer_cpu += thread_cpu_seconds() - thread_cpu;
        storing += phase.elapsed().as_secs_f64();
        let phase = Instant::now();
        w.commit()?;
        committing += phase.elapsed().as_secs_f64();
    }
    let phase = Instant::now();
    db.checkpoint()?;
    let checkpoint = phase.elapsed().as_secs_f64();
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    println!(
        "import {} versions, {nodes} nodes: {secs:.2} s, {:.0} nodes/s; CPU {cpu:.2} s, {:.0} \
         nodes/CPU-s; file {} MiB",
        corpus.len(),
        nodes as f64 / secs,
        nodes as f64 / cpu,
        db.stats()?.file_bytes >> 20
    );
    // The calling thread's CPU time in store_documents leaves out the analysis thread: on an
    // idle machine it is the critical path of the call.
    println!(
        "  wall: store_documents {storing:.2} s ({:.0} nodes/s; its thread's CPU {writer_cpu:.2} \
         s, {:.0} nodes/s), commit {committing:.2} s, checkpoint {checkpoint:.2} s",
        nodes as f64 / storing,
        nodes as f64 / writer_cpu
    );
    Ok(())
}

/// What the queries ask for: per policy, its name, its latest version's node ids, and the nodes
/// (of the latest version) whose subtree has 18-22 nodes.
struct Picks {
    policies: Vec<String>,
    ids: Vec<Vec<String>>,
    subtrees: Vec<(usize, String)>,
}

impl Picks {
    fn new(corpus: &[(Document, Vec<Node>)], policies: usize) -> Picks {
        let mut picks = Picks {
            policies: Vec::new(),
            ids: Vec::new(),
            subtrees: Vec::new(),
        };
        for p in 0..policies {
            let (doc, nodes) = &corpus[p * VERSIONS + VERSIONS - 1];
            picks.policies.push(doc.policy_id.clone());
            picks
                .ids
                .push(nodes.iter().map(|n| n.node_id.clone()).collect());
            for (id, size) in subtree_sizes(nodes) {
                if (18..=22).contains(&size) {
                    picks.subtrees.push((p, id));
                }
            }
        }
        picks
    }

    fn node(&self, rng: &mut Rng) -> (&str, &str) {
        let p = rng.below(self.policies.len() as u64) as usize;
        let ids = &self.ids[p];
        let id = &ids[rng.below(ids.len() as u64) as usize];
        (&self.policies[p], id)
    }

    fn subtree(&self, rng: &mut Rng) -> (&str, &str) {
        let (p, id) = &self.subtrees[rng.below(self.subtrees.len() as u64) as usize];
        (&self.policies[*p], id)
    }

    fn instant(&self, rng: &mut Rng) -> (&str, i64) {
        let p = rng.below(self.policies.len() as u64) as usize;
        let at = BASE_TIME + p as i64 + rng.below((VERSIONS as i64 * DAY) as u64) as i64;
        (&self.policies[p], at)
    }
}

/// Subtree sizes by node id (parents may come after children in the input).
fn subtree_sizes(nodes: &[Node]) -> Vec<(String, usize)> {
    let index: std::collections::HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.node_id.as_str(), i))
        .collect();
    let mut size = vec![1usize; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        let mut parent = n.parent_id.as_deref();
        let mut hops = 0;
        while let Some(p) = parent.and_then(|p| index.get(p)) {
            size[*p] += 1;
            parent = nodes[*p].parent_id.as_deref();
            hops += 1;
            assert!(hops <= nodes.len(), "cycle at {i}");
        }
    }
    nodes
        .iter()
        .zip(size)
        .map(|(n, s)| (n.node_id.clone(), s))
        .collect()
}

/// Runs `op` `count` times and prints the rate; `items` counts what each call returned.
fn time(name: &str, count: u64, mut op: impl FnMut(&mut Rng) -> Result<usize>) -> Result<()> {
    let mut rng = Rng::new(42);
    for _ in 0..count / 10 {
        op(&mut rng)?;
    }
    let mut items = 0usize;
    let started = Instant::now();
    let cpu = thread_cpu_seconds();
    for _ in 0..count {
        items += op(&mut rng)?;
    }
    let cpu = thread_cpu_seconds() - cpu;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{name:<48} {:>9.0} ops/s {:>9.0} ops/CPU-s {:>7.0} CPU-ns/op ({:.1} items/op)",
        count as f64 / secs,
        count as f64 / cpu,
        cpu * 1e9 / count as f64,
        items as f64 / count as f64
    );
    Ok(())
}

/// The floor under the queries: one engine point read of a random `doc.nodes` record and of a
/// random `doc.ids` entry (vids run 1..=versions; positions below 100 exist in every version).
fn raw(db: &Database, versions: u64) -> Result<()> {
    use treestore_core::keys::KeyBuilder;
    use treestore_core::ReadOps;
    let tx = db.begin_read()?;
    let mut kb = KeyBuilder::with_capacity(32);
    for table in ["doc.nodes", "doc.ids"] {
        let t = tx.table(table)?;
        time(&format!("engine get, {table}"), 1_000_000, |rng| {
            let vid = 1 + rng.below(versions);
            let pos = rng.below(100) as u32;
            kb.clear().u64(vid);
            if table == "doc.ids" {
                kb.str(&format!("{pos:04}"));
            } else {
                kb.u32(pos);
            }
            Ok(usize::from(black_box(tx.get(t, kb.as_slice())?).is_some()))
        })?;
    }
    Ok(())
}

/// What a caller of the borrowed reads (`*_with`) keeps of each node here: its id and the byte
/// lengths of title, summary and text, copied out of the [`NodeRef`] the read hands over.
#[derive(Default)]
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

fn node(db: &Database, picks: &Picks) -> Result<()> {
    let tx = db.begin_read()?;
    let r = DocReader::new(&tx);
    time("GetNode + text, one txn", 1_000_000, |rng| {
        let (p, id) = picks.node(rng);
        black_box(r.node(p, None, id)?);
        Ok(1)
    })?;
    time("GetNode + text, one txn, borrowed", 1_000_000, |rng| {
        let (p, id) = picks.node(rng);
        black_box(r.node_with(p, None, id, |n| Ok(Kept::line(n)))?);
        Ok(1)
    })?;
    let docs = Documents::new(db);
    time("GetNode + text, txn per call", 300_000, |rng| {
        let (p, id) = picks.node(rng);
        black_box(docs.node(p, None, id)?);
        Ok(1)
    })
}

fn subtree(db: &Database, picks: &Picks) -> Result<()> {
    let tx = db.begin_read()?;
    let r = DocReader::new(&tx);
    for text in [false, true] {
        time(
            &format!("GetSubtree ~20, text {text}, one txn"),
            200_000,
            |rng| {
                let (p, id) = picks.subtree(rng);
                Ok(black_box(r.subtree(p, None, id, 0, text)?).len())
            },
        )?;
        time(
            &format!("GetSubtree ~20, text {text}, one txn, borrowed"),
            200_000,
            |rng| {
                let (p, id) = picks.subtree(rng);
                let mut kept = Kept::default();
                r.subtree_with(p, None, id, 0, text, &mut kept)?;
                Ok(black_box(kept).0.len())
            },
        )?;
    }
    let docs = Documents::new(db);
    time("GetSubtree ~20, text false, txn per call", 100_000, |rng| {
        let (p, id) = picks.subtree(rng);
        Ok(black_box(docs.subtree(p, None, id, 0, false)?).len())
    })
}

fn ancestors(db: &Database, picks: &Picks) -> Result<()> {
    let tx = db.begin_read()?;
    let r = DocReader::new(&tx);
    for text in [false, true] {
        time(
            &format!("GetAncestorPath, text {text}, one txn"),
            500_000,
            |rng| {
                let (p, id) = picks.node(rng);
                Ok(black_box(r.ancestor_path(p, None, id, text)?).len())
            },
        )?;
        time(
            &format!("GetAncestorPath, text {text}, one txn, borrowed"),
            500_000,
            |rng| {
                let (p, id) = picks.node(rng);
                let mut kept = Kept::default();
                r.ancestor_path_with(p, None, id, text, &mut kept)?;
                Ok(black_box(kept).0.len())
            },
        )?;
    }
    let docs = Documents::new(db);
    time(
        "GetAncestorPath, text false, txn per call",
        200_000,
        |rng| {
            let (p, id) = picks.node(rng);
            Ok(black_box(docs.ancestor_path(p, None, id, false)?).len())
        },
    )
}

fn as_of(db: &Database, picks: &Picks) -> Result<()> {
    let tx = db.begin_read()?;
    let r = VersionReader::new(&tx);
    time("GetVersionAsOf, one txn", 1_000_000, |rng| {
        let (p, at) = picks.instant(rng);
        black_box(r.version_as_of(p, at)?);
        Ok(1)
    })?;
    let versions = Versions::new(db);
    time("GetVersionAsOf, txn per call", 300_000, |rng| {
        let (p, at) = picks.instant(rng);
        black_box(versions.version_as_of(p, at)?);
        Ok(1)
    })
}

/// CPU seconds of the calling thread so far (user + system), so a busy machine's waiting does
/// not count against the reads.
fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes only into the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// User + system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes only into the zeroed struct it is given.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}
