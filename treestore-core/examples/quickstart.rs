//! Opens (or creates) a database file, writes a few sections of a document in one transaction,
//! reads them back in key order, and prints the engine's statistics.
//!
//! Run: `cargo run -p treestore-core --example quickstart -- demo.tsdb`

use std::ops::Bound;

use treestore_core::keys::{KeyBuilder, KeyReader};
use treestore_core::{Database, Options, ReadOps};

fn main() -> treestore_core::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "treestore-demo.tsdb".into());
    let db = Database::open(&path, Options::default())?;
    let sections = [
        ("1", "Scope"),
        ("1.1", "Who this policy covers"),
        ("2", "Prior authorization"),
        ("2.1", "When it is required"),
        ("2.2", "How to request it"),
    ];
    let mut w = db.begin_write()?;
    let t = w.table("sections")?;
    for (path, title) in sections {
        let key = KeyBuilder::new().str("policy-001").str(path).finish();
        w.insert(t, &key, title.as_bytes())?;
    }
    w.commit()?;

    let r = db.begin_read()?;
    let t = r.table("sections")?;
    let prefix = KeyBuilder::new().str("policy-001").finish();
    println!("policy-001 in {path}:");
    for entry in r.range(t, Bound::Included(&prefix), Bound::Unbounded)? {
        let (key, title) = entry?;
        let mut reader = KeyReader::new(&key);
        let _policy = reader.str()?;
        let section = reader.str()?;
        let depth = section.matches('.').count();
        println!(
            "{}{section} {}",
            "  ".repeat(depth + 1),
            String::from_utf8_lossy(&title)
        );
    }
    let report = db.check_integrity()?;
    let stats = db.stats()?;
    println!(
        "integrity: {} ({} pages checked); {} pages, {} commits, WAL {} bytes",
        if report.is_ok() { "ok" } else { "DAMAGED" },
        report.pages_checked,
        stats.total_pages,
        stats.commits,
        stats.wal_bytes
    );
    Ok(())
}
