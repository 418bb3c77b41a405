//! A fixed run of document reads on an existing database, for instruction counts (callgrind) or
//! profiles of the read path without building the corpus first: `cargo run --release -p
//! treestore-core --example read_probe -- <db path> <node|node_tx|ancestors|subtree_text> [calls]`.
//!
//! Reads a database `doc_speed` built (its phase `import`): a seeded random policy per call, and
//! a random node id among "0000".."0099" (ids the update left out are skipped). The calls run twice,
//! the second time in [`probe`], so `valgrind --tool=callgrind
//! --toggle-collect='read_probe::probe'` counts only warm calls.

use std::hint::black_box;

use treestore_core::document::gen::Rng;
use treestore_core::document::{DocReader, Documents};
use treestore_core::version::VersionReader;
use treestore_core::{Database, ErrorKind, Options, ReadTxn, Result};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: read_probe <db path> <phase> [calls]");
    let phase = args.next().unwrap_or_else(|| "node".to_string());
    let calls: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let db = Database::open(
        &path,
        Options {
            create: false,
            ..Options::default()
        },
    )?;
    let policies = VersionReader::new(&db.begin_read()?).policies()?;
    // The same calls first, uncounted: their pages are verified and mapped, as in a running server.
    let tx = db.begin_read()?;
    let r = DocReader::new(&tx);
    warm(&r, &db, &policies, &phase, calls)?;
    let started = std::time::Instant::now();
    let items = probe(&r, &db, &policies, &phase, calls)?;
    println!(
        "{phase}: {calls} calls, {items} nodes, {:.0} ns/call",
        started.elapsed().as_nanos() as f64 / calls as f64
    );
    Ok(())
}

/// One reader over one read transaction, for the one-transaction phases.
type Reader<'t> = DocReader<'t, ReadTxn>;

#[inline(never)]
fn warm(r: &Reader, db: &Database, policies: &[String], phase: &str, calls: u64) -> Result<usize> {
    // Not folded with `probe` (identical bodies may share one symbol): this one also prints.
    let items = run(r, db, policies, phase, calls)?;
    println!("warm-up: {items} nodes");
    Ok(items)
}

#[inline(never)]
fn probe(r: &Reader, db: &Database, policies: &[String], phase: &str, calls: u64) -> Result<usize> {
    run(r, db, policies, phase, calls)
}

#[inline(never)]
fn run(r: &Reader, db: &Database, policies: &[String], phase: &str, calls: u64) -> Result<usize> {
    let docs = Documents::new(db);
    let mut rng = Rng::new(42);
    let mut items = 0;
    for _ in 0..calls {
        let p = &policies[rng.below(policies.len() as u64) as usize];
        let id = format!("{:04}", rng.below(100));
        let got = match phase {
            "node" => r.node(p, None, &id).map(|n| vec![n]),
            "node_tx" => docs.node(p, None, &id).map(|n| vec![n]),
            "ancestors" => r.ancestor_path(p, None, &id, false),
            "subtree_text" => r.subtree(p, None, &id, 2, true),
            other => panic!("unknown phase {other}"),
        };
        match got {
            Ok(nodes) => items += black_box(nodes).len(),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(items)
}
