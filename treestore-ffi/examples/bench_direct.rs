//! The reads of `sdk/c/bench/bench_abi.c`, called on treestore-core directly (no ABI), on the
//! same 1,000-node document in the same process pattern: one database in a temporary folder, a
//! warm-up, then best of 5 rounds of a plain loop. The difference between the two programs is what
//! the C ABI adds: argument checks, the panic boundary, the metrics timer, and building the
//! result (one arena copy of every string, the node array) plus the reads of the view and the free.
//!
//! Run: `cargo run --release -p treestore-ffi --example bench_direct` (or `make bench-c`, which
//! runs both). `BENCH_ITERS` sets the iterations per round (default 100000).

use std::collections::BTreeMap;
use std::time::Instant;

use treestore_core::document::{DocReader, Document, Documents, Node};
use treestore_core::{Database, Options};

/// The document of bench_abi.c: a root, 9 chapters, 990 sections round-robin under them.
fn document() -> (Document, Vec<Node>) {
    let doc = Document {
        policy_id: "bench".into(),
        version_id: "v1".into(),
        ..Document::default()
    };
    let mut nodes = vec![Node {
        node_id: "n0".into(),
        title: "Root".into(),
        ..Node::default()
    }];
    for i in 1..1000i64 {
        let parent = if i <= 9 { 0 } else { 1 + (i - 10) % 9 };
        nodes.push(Node {
            node_id: format!("n{i}"),
            parent_id: Some(format!("n{parent}")),
            title: format!("Section {i}"),
            page_start: Some(i),
            page_end: Some(i + 1),
            text: Some(format!(
                "Body of section {i}, long enough to be stored out of line in the text table."
            )),
            metadata: BTreeMap::from([("i".to_string(), i.to_string())]),
            ..Node::default()
        });
    }
    (doc, nodes)
}

/// Best of `rounds` rounds of `iters` calls of `f`, in ns per call (on a shared machine the
/// fastest round is the one least disturbed by other processes).
fn best_of(rounds: u64, iters: u64, sink: &mut usize, mut f: impl FnMut() -> usize) -> f64 {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                *sink = sink.wrapping_add(f());
            }
            t.elapsed().as_nanos() as f64 / iters as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() -> treestore_core::Result<()> {
    let iters: u64 = std::env::var("BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
        .max(1);
    let rounds: u64 = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let dir = std::env::temp_dir().join(format!("treestore-bench-direct-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| treestore_core::Error::io("mkdir", e))?;
    let db = Database::open(dir.join("bench.tsdb"), Options::default())?;
    let (doc, nodes) = document();
    Documents::new(&db).store_document(&doc, &nodes)?;
    db.checkpoint()?;

    let node_own = || -> usize {
        let tx = db.begin_read().expect("begin_read");
        let n = DocReader::new(&tx)
            .node("bench", None, "n500")
            .expect("node");
        1 + n.text.map_or(0, |t| t.len())
    };
    let mut sink = 0usize;
    for _ in 0..iters / 10 + 1 {
        sink = sink.wrapping_add(node_own());
    }
    let own = best_of(rounds, iters, &mut sink, node_own);
    let tx = db.begin_read()?;
    let shared = best_of(rounds, iters, &mut sink, || {
        let n = DocReader::new(&tx)
            .node("bench", None, "n500")
            .expect("node");
        1 + n.text.map_or(0, |t| t.len())
    });
    drop(tx);
    let tree = best_of(rounds, iters / 200 + 1, &mut sink, || {
        let tx = db.begin_read().expect("begin_read");
        let nodes = DocReader::new(&tx)
            .subtree("bench", None, "n0", 0, true)
            .expect("subtree");
        assert_eq!(nodes.len(), 1000);
        nodes.len()
    });

    println!(
        "treestore-core directly (bench_direct.rs), {iters} iterations, best of {rounds} rounds:"
    );
    println!("  node_get, own transaction:     {own:8.0} ns/op");
    println!("  node_get, shared read txn:     {shared:8.0} ns/op");
    println!("  subtree of 1,000 nodes + text: {:8.1} us/op", tree / 1e3);
    db.close()?;
    let _ = std::fs::remove_dir_all(&dir);
    std::process::exit(i32::from(sink == 0));
}
