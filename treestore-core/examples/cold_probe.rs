//! Times the first GetNode after opening an existing database (bench-pg's "cold" column), to see
//! what opening costs the first read, e.g. with the WAL preparer (durable) against without it
//! (relaxed): `cold_probe PATH sync|relaxed ROUNDS` on a database of `doc_speed` (policies
//! `policy-NNNNN`). Each round opens, reads one node (timed), reads another (timed), and closes.
//! `PAUSE_MS=n` waits between the open and the first read; `WRITES=1` makes 200 small durable
//! commits into a table `probe` **of that database** before each close, so the next open starts
//! after a written log.
use std::time::Instant;
use treestore_core::document::DocReader;
use treestore_core::{Database, Durability, Options, ReadOps};

fn main() {
    let mut a = std::env::args().skip(1);
    let path = a.next().unwrap();
    let durability = match a.next().as_deref() {
        Some("relaxed") => Durability::Relaxed,
        _ => Durability::Sync,
    };
    let rounds: usize = a.next().map_or(5, |s| s.parse().unwrap());
    for i in 0..rounds {
        let t0 = Instant::now();
        let db = Database::open(
            &path,
            Options {
                durability,
                ..Options::default()
            },
        )
        .unwrap();
        let opened = t0.elapsed();
        if let Ok(ms) = std::env::var("PAUSE_MS") {
            std::thread::sleep(std::time::Duration::from_millis(ms.parse().unwrap()));
        }
        let t1 = Instant::now();
        let tx = db.begin_read().unwrap();
        let n = DocReader::new(&tx).node(&format!("policy-{:05}", 100 + i * 7), None, "0042");
        let first = t1.elapsed();
        drop(tx);
        let t2 = Instant::now();
        let tx = db.begin_read().unwrap();
        let _ = DocReader::new(&tx).node(&format!("policy-{:05}", 100 + i * 7), None, "0043");
        let second = t2.elapsed();
        drop(tx);
        if std::env::var_os("WRITES").is_some() {
            for k in 0..200u32 {
                let mut w = db.begin_write().unwrap();
                let t = w.table("probe").unwrap();
                w.insert(t, &k.to_be_bytes(), &[7u8; 300]).unwrap();
                w.commit().unwrap();
            }
        }
        db.close().unwrap();
        println!(
            "open {opened:?} first {first:?} second {second:?} ok={}",
            n.is_ok()
        );
    }
}
