//! One small durable commit, for a profiler to count: `cargo run --release -p treestore-core
//! --example commit_cost -- MODE [STORES] [PRELOAD]`.
//!
//! MODE `tool` stores tool results (the record of `benches/examples/commit_speed.rs`), MODE `kv`
//! writes 24-byte random keys with 150-byte values (redb's individual-write shape), each in its
//! own commit. PRELOAD records (default 20,000) go in first in batches of 1,000, then STORES
//! (default 1,000) single-record commits run inside `measured`, so `valgrind --tool=callgrind
//! --collect-atstart=no --toggle-collect='*commit_cost*measured*'` counts only those.
//! `RELAXED=1` opens with `Durability::Relaxed`. Prints the wall time and the measuring thread's
//! CPU time per commit.

use std::time::Instant;

use treestore_core::metadata::{store_tool_result, ToolResult};
use treestore_core::{Database, Durability, Options, ReadOps, WriteTxn};

fn key(i: u64) -> [u8; 24] {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut k = [0u8; 24];
    for chunk in k.chunks_mut(8) {
        x ^= x >> 29;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        chunk.copy_from_slice(&x.to_le_bytes());
    }
    k
}

fn tool_json(bytes: usize, n: u64) -> String {
    let pad = "x".repeat(bytes.saturating_sub(60));
    format!("{{\"step\":{n},\"ok\":true,\"nodes\":[\"0001\",\"0002\"],\"note\":\"{pad}\"}}")
}

fn tool(n: u64) -> ToolResult {
    ToolResult {
        tool_name: "navigate_tree".to_string(),
        policy_id: Some(format!("policy-{}", n % 10_000)),
        node_id: Some(format!("{:04}", n % 97)),
        case_id: Some(format!("case-{}", n % 1000)),
        result_data: tool_json(200 + (n.wrapping_mul(2654435761) % 800) as usize, n),
        success: true,
        duration_ms: 12,
        ..ToolResult::default()
    }
}

fn put(w: &mut WriteTxn, mode: &str, n: u64) {
    if mode == "tool" {
        store_tool_result(w, tool(n)).unwrap();
    } else {
        let t = w.table("t").unwrap();
        w.insert(t, &key(n), &[n as u8; 150]).unwrap();
    }
}

#[inline(never)]
fn measured(db: &Database, mode: &str, from: u64, stores: u64) {
    for n in from..from + stores {
        let mut w = db.begin_write().unwrap();
        put(&mut w, mode, n);
        w.commit().unwrap();
    }
}

/// This thread's CPU time in seconds (user and system).
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("tool", String::as_str);
    let stores: u64 = args.get(2).map_or(1000, |s| s.parse().unwrap());
    let preload: u64 = args.get(3).map_or(20_000, |s| s.parse().unwrap());
    let durability = match std::env::var_os("RELAXED") {
        Some(_) => Durability::Relaxed,
        None => Durability::Sync,
    };
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        durability,
        ..Options::default()
    };
    let db = Database::open(dir.path().join("cost.tsdb"), opts).unwrap();
    for chunk in 0..preload.div_ceil(1000) {
        let mut w = db.begin_write().unwrap();
        for n in chunk * 1000..preload.min(chunk * 1000 + 1000) {
            put(&mut w, mode, n);
        }
        w.commit().unwrap();
    }
    db.checkpoint().unwrap();
    let (start, cpu) = (Instant::now(), thread_cpu());
    measured(&db, mode, preload, stores);
    let (el, cpu) = (start.elapsed(), thread_cpu() - cpu);
    println!(
        "{mode}: {stores} commits in {el:.2?} ({:.1} µs each, {:.1} µs of this thread's CPU)",
        el.as_secs_f64() * 1e6 / stores as f64,
        cpu * 1e6 / stores as f64
    );
    db.close().unwrap();
}
