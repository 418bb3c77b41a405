//! What a random GetNode costs this machine's memory with no database at all: the floor under
//! issue 3's GetNode target. `cargo run --release -p treestore-core --example memory_floor --
//! [MiB] [dir]`.
//!
//! Writes a file of `MiB` (default 2,574, the size of `doc_speed`'s 1M-node database) of ASCII
//! text and syncs it (the floor under a durable import of the corpus: its file has to reach the
//! disk), maps it read-only as the pager does, reads every page once (as `doc_speed`'s warm-up),
//! then lays 1,010,202 nodes out on it with `doc_speed`'s shape: a record of 300-1,000 bytes (a
//! title, a summary of 200-800 characters and the other fields) and a text of 400-2,000 bytes,
//! both at random places of the file. A directory gives each node's two addresses (16 bytes a
//! node, as the engine's remembered leaf slots). Each call picks a random node, reads its
//! directory entry, prefetches every line of what it reads and checks that it is UTF-8 (as the
//! engine must before it hands out a `&str`), in three layouts:
//! - `two places`: the record and the text apart, as when a version's text is shared with an
//!   earlier version (content-addressed: stored once, under its first holder);
//! - `one place`: the text right after its record, the best any layout could do;
//! - `text only`: the text alone, as if the record cost nothing.
//!
//! No B-tree, no decoding, no allocation: whatever an engine adds comes on top of these.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use treestore_core::rng::Rng;

/// Nodes of `doc_speed`'s corpus (3,334 policies x 3 versions).
const NODES: usize = 1_010_202;
/// Calls per layout.
const CALLS: usize = 2_000_000;

/// Where one node's parts lie in the file.
#[derive(Clone, Copy)]
struct Entry {
    record: u64,
    text: u64,
    record_len: u32,
    text_len: u32,
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mib: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2574);
    let dir = args.next().map_or_else(std::env::temp_dir, PathBuf::from);
    let path = dir.join(format!("treestore-floor-{}.bin", std::process::id()));
    let result = measure(&path, mib << 20);
    let _ = std::fs::remove_file(&path);
    result
}

fn measure(path: &std::path::Path, len: usize) -> std::io::Result<()> {
    let started = Instant::now();
    write_text_file(path, len)?;
    let written = started.elapsed().as_secs_f64();
    File::open(path)?.sync_all()?;
    let synced = started.elapsed().as_secs_f64();
    println!(
        "file floor: {} MiB written in {written:.2} s, on disk (fsync) after {synced:.2} s: {:.0} MB/s",
        len >> 20,
        len as f64 / synced / 1e6
    );
    let started = Instant::now();
    let file = File::open(path)?;
    // SAFETY: the file is this process's own temporary file, which nothing truncates or writes
    // while the map lives (it is removed only after `measure` returns and the map is dropped).
    let map = unsafe { memmap2::Mmap::map(&file)? };
    let mut sum = warm(&map);
    println!(
        "memory floor: {} MiB mapped and read once in {:.2} s",
        len >> 20,
        started.elapsed().as_secs_f64()
    );
    let nodes = lay_out(map.len());
    for layout in [Layout::TwoPlaces, Layout::OnePlace, Layout::TextOnly] {
        sum = sum.wrapping_add(time_layout(&map, &nodes, layout));
    }
    println!("(checksum {sum})");
    Ok(())
}

/// Lowercase words and spaces from a seeded generator: one MiB of them, written over and over
/// (what the pages hold does not matter to their misses; making each costs more than writing it).
fn write_text_file(path: &std::path::Path, len: usize) -> std::io::Result<()> {
    let mut out = File::create(path)?;
    let mut rng = Rng::new(1);
    let chunk: Vec<u8> = (0..1 << 20)
        .map(|_| match rng.below(32) {
            r @ 0..26 => b'a' + r as u8,
            _ => b' ',
        })
        .collect();
    let mut written = 0;
    while written < len {
        let n = chunk.len().min(len - written);
        out.write_all(&chunk[..n])?;
        written += n;
    }
    Ok(())
}

/// Reads a byte of every page, so that every page is in memory and mapped.
fn warm(map: &[u8]) -> u64 {
    map.iter()
        .step_by(4096)
        .fold(0u64, |s, &b| s.wrapping_add(u64::from(b)))
}

/// Every node's record and text at random places of a file of `len` bytes.
fn lay_out(len: usize) -> Vec<Entry> {
    let mut rng = Rng::new(2);
    (0..NODES)
        .map(|_| {
            let record_len = rng.range(300, 1000);
            let text_len = rng.range(400, 2000);
            let record = rng.index(len - record_len - text_len);
            let text = rng.index(len - text_len);
            Entry {
                record: record as u64,
                text: text as u64,
                record_len: record_len as u32,
                text_len: text_len as u32,
            }
        })
        .collect()
}

#[derive(Clone, Copy, Debug)]
enum Layout {
    TwoPlaces,
    OnePlace,
    TextOnly,
}

impl Layout {
    fn label(self) -> &'static str {
        match self {
            Layout::TwoPlaces => "record and text in two places",
            Layout::OnePlace => "text right after its record",
            Layout::TextOnly => "text only",
        }
    }

    /// The byte ranges a call reads for `e`.
    fn parts(self, e: &Entry) -> [(usize, usize); 2] {
        let (r, rl) = (e.record as usize, e.record_len as usize);
        let (t, tl) = (e.text as usize, e.text_len as usize);
        match self {
            Layout::TwoPlaces => [(r, rl), (t, tl)],
            Layout::OnePlace => [(r, rl + tl), (0, 0)],
            Layout::TextOnly => [(t, tl), (0, 0)],
        }
    }
}

/// Times [`CALLS`] random nodes read in `layout`; prints calls per second and returns a sum
/// of what was read, so that nothing is optimized away.
fn time_layout(map: &[u8], nodes: &[Entry], layout: Layout) -> u64 {
    let mut rng = Rng::new(3);
    let mut sum = 0u64;
    let started = Instant::now();
    for _ in 0..CALLS {
        let entry = &nodes[rng.index(nodes.len())];
        let parts = layout.parts(entry);
        for &(at, len) in &parts {
            prefetch(&map[at..at + len]);
        }
        for &(at, len) in &parts {
            let s = std::str::from_utf8(&map[at..at + len]).map_or(0, str::len);
            sum = sum.wrapping_add(s as u64);
        }
    }
    let ns = started.elapsed().as_nanos() as f64 / CALLS as f64;
    println!(
        "memory floor, {:34} {:8.0} ns/call {:10.0} calls/s",
        layout.label(),
        ns,
        1e9 / ns
    );
    sum
}

/// Asks for every cache line of `bytes` at once, so that their misses overlap.
fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    for line in bytes.chunks(64) {
        // SAFETY: `_mm_prefetch` only hints the cache; `line` is a live slice, so its pointer is
        // valid, and a prefetch never faults or changes memory.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                line.as_ptr().cast::<i8>(),
            );
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}
