//! Measures point reads: `cargo run --release -p treestore-core --example get_speed -- [entries]`.
//! Loads `entries` random 24-byte keys with 150-byte values (redb's benchmark shape), checkpoints,
//! then times random gets in one read transaction and in a transaction per get.

use std::time::Instant;

use treestore_core::{Database, Durability, Options, ReadOps};

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

fn main() -> treestore_core::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500_000);
    let dir = std::env::temp_dir().join(format!("treestore-get-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| treestore_core::Error::io("mkdir", e))?;
    let db = Database::open(
        dir.join("get.tsdb"),
        Options {
            durability: Durability::Relaxed,
            ..Options::default()
        },
    )?;
    let started = Instant::now();
    let mut w = db.begin_write()?;
    let t = w.table("t")?;
    for i in 0..n {
        w.insert(t, &key(i), &[7u8; 150])?;
    }
    w.commit()?;
    db.checkpoint()?;
    println!("load {n}: {:.2} s", started.elapsed().as_secs_f64());
    let r = db.begin_read()?;
    let t = r.table("t")?;
    let gets = 2_000_000u64;
    let started = Instant::now();
    let mut found = 0usize;
    for i in 0..gets {
        if r.get(t, &key(i * 7919 % n))?.is_some() {
            found += 1;
        }
    }
    let ns = started.elapsed().as_nanos() as f64 / gets as f64;
    println!("get in one txn: {ns:.0} ns ({found} found)");
    let started = Instant::now();
    for i in 0..gets / 4 {
        let r = db.begin_read()?;
        let t = r.table("t")?;
        r.get(t, &key(i * 7919 % n))?;
    }
    let ns = started.elapsed().as_nanos() as f64 / (gets / 4) as f64;
    println!("txn + table + get: {ns:.0} ns");
    drop(r);
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
