//! Measures bulk import: `cargo run --release -p treestore-core --example import_speed -- [docs] [batch]`.
//! Generates a seeded corpus of documents of 100 nodes and stores it in batches, one transaction
//! per batch (relaxed durability, then a checkpoint), into a fresh file in a temp directory.

use std::time::Instant;

use treestore_core::document::{gen, store_documents};
use treestore_core::{Database, Durability, Options};

fn main() -> treestore_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let docs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let batch: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let dir = std::env::temp_dir().join(format!("treestore-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| treestore_core::Error::io("mkdir", e))?;
    let path = dir.join("import.tsdb");
    let db = Database::open(
        &path,
        Options {
            durability: Durability::Relaxed,
            ..Options::default()
        },
    )?;
    let cfg = gen::GenConfig::default();
    let corpus: Vec<_> = gen::corpus(7, docs, &cfg).collect();
    let nodes: usize = corpus.iter().map(|(_, n)| n.len()).sum();
    let started = Instant::now();
    for chunk in corpus.chunks(batch) {
        let mut w = db.begin_write()?;
        store_documents(&mut w, chunk)?;
        w.commit()?;
    }
    db.checkpoint()?;
    let secs = started.elapsed().as_secs_f64();
    let stats = db.stats()?;
    println!(
        "{docs} documents, {nodes} nodes in {secs:.2} s: {:.0} nodes/s; file {} MiB",
        nodes as f64 / secs,
        stats.file_bytes >> 20
    );
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
