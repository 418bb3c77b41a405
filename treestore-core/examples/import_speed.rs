//! Measures bulk import: `cargo run --release -p treestore-core --example import_speed -- [docs]
//! [batch] [vocabulary]`. Generates a seeded corpus of documents of 100 nodes and stores it in
//! batches, one transaction per batch (relaxed durability, then a checkpoint), into a fresh file in
//! a temp directory. The generator's prose draws on about 200 words; with a `vocabulary` size,
//! every summary and text is instead redrawn from that many made-up words under Zipf's law (the
//! k-th most common word about 1/k as often as the first), as real texts are: a keyword index
//! then holds thousands of terms per batch, not 200.
//! Prints the wall time and the process's CPU time (user + system) of the import alone, since
//! on a shared machine the wall time also counts waiting for the CPU.

use std::time::Instant;

use treestore_core::document::{gen, store_documents, Document, Node};
use treestore_core::rng::Rng;
use treestore_core::{Database, Durability, Options};

fn main() -> treestore_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let docs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let batch: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let vocabulary: Option<usize> = args.next().and_then(|a| a.parse().ok());
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
    let mut corpus: Vec<_> = gen::corpus(7, docs, &cfg).collect();
    if let Some(size) = vocabulary {
        zipf_texts(&mut corpus, size);
    }
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

/// Replaces every summary and text with as many words drawn under Zipf's law from `size` made-up
/// words (seeded).
fn zipf_texts(corpus: &mut [(Document, Vec<Node>)], size: usize) {
    let mut rng = Rng::new(11);
    let words: Vec<String> = (0..size.max(1))
        .map(|_| {
            let len = 3 + rng.below(8) as usize;
            (0..len)
                .map(|_| (b'a' + rng.below(26) as u8) as char)
                .collect()
        })
        .collect();
    // Cumulative weights 1/k, scaled to integers, for drawing a rank by binary search.
    let mut total = 0u64;
    let cumulative: Vec<u64> = (1..=words.len() as u64)
        .map(|k| {
            total += 1_000_000_000 / k;
            total
        })
        .collect();
    let redraw = |text: &str, rng: &mut Rng| -> String {
        let count = text.split_whitespace().count().max(1);
        let mut out = String::with_capacity(text.len());
        for i in 0..count {
            let at = rng.below(total);
            let rank = cumulative.partition_point(|&c| c <= at);
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&words[rank.min(words.len() - 1)]);
        }
        out
    };
    for (_, nodes) in corpus.iter_mut() {
        for n in nodes.iter_mut() {
            if let Some(t) = n.text.take() {
                n.text = Some(redraw(&t, &mut rng));
            }
            if let Some(t) = n.summary.take() {
                n.summary = Some(redraw(&t, &mut rng));
            }
        }
    }
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
