//! Measures bulk import: `cargo run --release -p treestore-core --example import_speed -- [docs] [batch]`.
//! Generates a seeded corpus of documents of 100 nodes and stores it in batches, one transaction
//! per batch (relaxed durability, then a checkpoint), into a fresh file in a temp directory.
//! Prints the wall time and the process's CPU time (user + system) of the import alone, since
//! on a shared machine the wall time also counts waiting for the CPU.

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
    let cpu_started = cpu_seconds();
    for chunk in corpus.chunks(batch) {
        let mut w = db.begin_write()?;
        store_documents(&mut w, chunk)?;
        w.commit()?;
    }
    db.checkpoint()?;
    let secs = started.elapsed().as_secs_f64();
    let (user, sys) = cpu_seconds();
    let (user, sys) = (user - cpu_started.0, sys - cpu_started.1);
    let stats = db.stats()?;
    println!(
        "{docs} documents, {nodes} nodes in {secs:.2} s: {:.0} nodes/s; CPU {:.2} s (user {user:.2}, \
         system {sys:.2}): {:.0} nodes/CPU-s; file {} MiB",
        nodes as f64 / secs,
        user + sys,
        nodes as f64 / (user + sys),
        stats.file_bytes >> 20
    );
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// User and system CPU seconds of this process so far.
fn cpu_seconds() -> (f64, f64) {
    // SAFETY: getrusage writes only into the zeroed struct it is given.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(usage.ru_utime), secs(usage.ru_stime))
}
