//! Measures what is left of TreeStore's file after the engine bench's workload (bulk load, 1,000
//! individual writes, 100 batches of 1,000, removal of half the keys, close): the close's time (the
//! last close shrinks the file, see `docs/design.md`, "Shrinking at close"), every file's size, and
//! how much of the closed file is free and how much of that a free tail. Reads the closed file's
//! newest meta page and its freelist chain straight from disk.
//!
//! `cargo run --release --example free_tail` (size: `TREESTORE_BENCH_N`, default 500,000).

use std::fs;

use treestore_benches::engines::TreeStore;
use treestore_benches::{bulk_from_env, temp_dir, Engine, Workload};

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn main() {
    let w = Workload::new(bulk_from_env(500_000));
    let tmp = temp_dir();
    let dir = tmp.path().to_path_buf();
    let e = TreeStore::open(&dir);
    e.write(w.bulk());
    w.individual().chunks(1).for_each(|c| e.write(c));
    w.batches().for_each(|c| e.write(c));
    e.remove(w.removed_half());
    let closing = std::time::Instant::now();
    e.close();
    println!("close: {:.0} ms", closing.elapsed().as_secs_f64() * 1e3);

    for f in fs::read_dir(&dir).unwrap() {
        let f = f.unwrap();
        let len = f.metadata().unwrap().len();
        println!(
            "{}: {:.1} MiB",
            f.file_name().to_string_lossy(),
            len as f64 / (1 << 20) as f64
        );
    }
    let file = fs::read(dir.join("bench.tsdb")).unwrap();
    let ps = u32::from_le_bytes(file[12..16].try_into().unwrap()) as usize;
    let metas = [1, 2].map(|p| &file[p * ps..(p + 1) * ps]);
    let meta = metas
        .iter()
        .filter(|m| &m[0..4] == b"META")
        .max_by_key(|m| u64_at(m, 8))
        .unwrap();
    let (hwm, mut next) = (u64_at(meta, 32), u64_at(meta, 40));
    let mut free = Vec::new();
    let mut chain = 0;
    while next != 0 {
        let page = &file[next as usize * ps..(next as usize + 1) * ps];
        let count = u16::from_le_bytes([page[2], page[3]]) as usize;
        free.extend((0..count).map(|j| u64_at(page, 24 + j * 8)));
        chain += 1;
        next = u64_at(page, 16);
    }
    free.sort_unstable();
    let mut tail = 0;
    while free.get(free.len().wrapping_sub(1 + tail)) == Some(&(hwm - 1 - tail as u64)) {
        tail += 1;
    }
    let mib = |pages: u64| pages as f64 * ps as f64 / (1 << 20) as f64;
    println!(
        "file {:.1} MiB, page size {ps}, hwm {hwm} pages ({:.1} MiB), free {} pages ({:.1} MiB, \
         {:.1}% of hwm), freelist chain {chain} pages, free tail {tail} pages ({:.1} MiB, {:.2}% of hwm)",
        mib(file.len() as u64 / ps as u64),
        mib(hwm),
        free.len(),
        mib(free.len() as u64),
        100.0 * free.len() as f64 / hwm as f64,
        mib(tail as u64),
        100.0 * tail as f64 / hwm as f64,
    );
    // Where the free pages lie: share of free pages in each tenth of [0, hwm).
    let tenths: Vec<String> = (0..10)
        .map(|t| {
            let (lo, hi) = (hwm * t / 10, hwm * (t + 1) / 10);
            let n = free.iter().filter(|&&p| p >= lo && p < hi).count();
            format!("{:.0}%", 100.0 * n as f64 / (hi - lo) as f64)
        })
        .collect();
    println!("free share per tenth of the file: {}", tenths.join(" "));
}
