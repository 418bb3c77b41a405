//! A fixed run of document reads on an existing database, for instruction counts (callgrind) or
//! profiles of the read path without building the corpus first: `cargo run --release -p
//! treestore-core --example read_probe -- <db path> <node|node_tx|ancestors|subtree_text|subtree20>
//! [calls]`.
//!
//! Reads a database `doc_speed` built (its phase `import`): a seeded random policy per call, and
//! a random node id among "0000".."0099" (ids the update left out are skipped); `subtree20` reads,
//! with text, the whole subtree of nodes whose subtree has 18-22 nodes (as `doc_speed`'s subtree
//! phase), picked before the counted calls. The calls run twice,
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
    let picks = if phase == "subtree20" {
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
    let started = std::time::Instant::now();
    let items = probe(&r, &q)?;
    println!(
        "{phase}: {calls} calls, {items} nodes, {:.0} ns/call",
        started.elapsed().as_nanos() as f64 / calls as f64
    );
    Ok(())
}

/// One reader over one read transaction, for the one-transaction phases.
type Reader<'t> = DocReader<'t, ReadTxn>;

/// What to run.
struct Query<'a> {
    db: &'a Database,
    policies: &'a [String],
    /// For `subtree20`: (policy index, node id) per call.
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
                r.subtree(&policies[*p], None, id, 0, true)
            }
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
