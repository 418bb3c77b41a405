//! The raw branch copy-on-write (`btree/raw_branch.rs`) and the reuse of the last commit's decoded
//! nodes (`DirtySet::prev` in `btree/write.rs`) against the decoding path they replace: the same
//! random workload, once with each, must leave byte-identical files after every commit, and the
//! contents of a model.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::PathBuf;

use super::tests::mem_options;
use super::*;
use crate::btree::write::{NODE_MEMO, RAW_BRANCH_COW};
use crate::rng::Rng;
use crate::storage::vfs::MemVfs;

type Files = Vec<(PathBuf, Vec<u8>)>;
type Model = BTreeMap<(usize, Vec<u8>), Vec<u8>>;

/// A key of 4 to ~120 bytes (some longer than a branch key kept inline) sharing prefixes.
fn key(rng: &mut Rng, table: usize) -> Vec<u8> {
    let r = rng.next_u64();
    if r.is_multiple_of(2) {
        // A few hot keys: small commits in a row rewrite their leaves.
        return format!("t{table}/hot/{:03}", (r >> 8) % 60).into_bytes();
    }
    let mut k = format!("t{table}/{:03}/{:05}", r % 7, (r >> 8) % 3000).into_bytes();
    if r.is_multiple_of(5) {
        k.resize(k.len() + (r >> 20) as usize % 100, b'x');
    }
    k
}

/// Runs the workload of `seed`; returns the files after each commit and the final contents.
/// `direct` makes every commit of more than 16 pages write its pages straight to the file.
fn run(seed: u64, raw: bool, direct: bool) -> (Vec<Files>, Model) {
    run_with(seed, raw, true, direct)
}

/// [`run`], with `memo` switching the reuse of the last commit's nodes.
fn run_with(seed: u64, raw: bool, memo: bool, direct: bool) -> (Vec<Files>, Model) {
    RAW_BRANCH_COW.with(|c| c.set(raw));
    NODE_MEMO.with(|c| c.set(memo));
    let mut prev_hits = [0usize; 2];
    let vfs = MemVfs::new();
    let mut opts = mem_options(&vfs);
    if direct {
        opts.direct_commit_bytes = 16 << 10;
    }
    let db = Database::open("/db", opts).unwrap();
    let mut rng = Rng::new(seed);
    let mut model = BTreeMap::new();
    let mut snaps = Vec::new();
    let mut raw_copies = 0;
    for round in 0..60 {
        let mut w = db.begin_write().unwrap();
        let tables: Vec<Table> = (0..3).map(|t| w.table(&format!("t{t}")).unwrap()).collect();
        let mut staged = model.clone();
        // Big rounds build depth; small ones are the single-key commits the raw path serves.
        let ops = if round % 10 == 0 {
            800
        } else {
            1 + rng.next_u64() % 6
        };
        let mut raw_seen = 0;
        for _ in 0..ops {
            let t = (rng.next_u64() % 3) as usize;
            let k = key(&mut rng, t);
            if rng.next_u64().is_multiple_of(4) {
                let removed = w.remove(tables[t], &k).unwrap();
                assert_eq!(removed, staged.remove(&(t, k)).is_some());
            } else {
                let len = match rng.next_u64() % 20 {
                    0 => 700, // an overflow value at 1 KiB pages
                    n => (n * 7) as usize,
                };
                let v = vec![(rng.next_u64() % 251) as u8; len];
                w.insert(tables[t], &k, &v).unwrap();
                staged.insert((t, k), v);
            }
            raw_seen = raw_seen.max(w.raw_branches());
        }
        let hits = w.prev_hits();
        prev_hits = [prev_hits[0] + hits[0], prev_hits[1] + hits[1]];
        if raw && round > 0 && ops < 100 && staged.len() > 1000 {
            raw_copies += usize::from(raw_seen > 0);
        }
        if round % 7 == 3 {
            drop(w); // rolled back
        } else {
            w.commit().unwrap();
            model = staged;
        }
        if round % 13 == 12 {
            db.checkpoint().unwrap();
        }
        snaps.push(vfs.files());
    }
    let r = db.begin_read().unwrap();
    let mut seen = BTreeMap::new();
    for t in 0..3 {
        let table = r.table(&format!("t{t}")).unwrap();
        for kv in r.range(table, Bound::Unbounded, Bound::Unbounded).unwrap() {
            let (k, v) = kv.unwrap();
            seen.insert((t, k.to_vec()), v.to_vec());
        }
    }
    assert_eq!(
        seen, model,
        "seed {seed} raw {raw}: contents differ from the model"
    );
    assert!(
        db.check_integrity().unwrap().is_ok(),
        "seed {seed} raw {raw}"
    );
    if raw {
        assert!(
            raw_copies > 20,
            "seed {seed}: only {raw_copies} small commits copied raw"
        );
    } else {
        assert_eq!(raw_copies, 0);
    }
    if memo {
        assert!(
            prev_hits[0] > 10,
            "seed {seed}: only {prev_hits:?} leaves and branches reused (catalog leaves not counted)"
        );
    } else {
        assert_eq!(prev_hits, [0, 0]);
    }
    RAW_BRANCH_COW.with(|c| c.set(true));
    NODE_MEMO.with(|c| c.set(true));
    (snaps, model)
}

#[test]
fn raw_branch_copies_write_the_pages_decoding_writes() {
    for (seed, direct) in [
        (1u64, false),
        (7, false),
        (42, false),
        (1234, true),
        (99_999, true),
    ] {
        let (decoded, model_a) = run(seed, false, direct);
        let (raw, model_b) = run(seed, true, direct);
        assert_eq!(model_a, model_b);
        assert_eq!(decoded.len(), raw.len());
        for (i, (a, b)) in decoded.iter().zip(&raw).enumerate() {
            assert!(a == b, "seed {seed}: files differ after round {i}");
        }
    }
}

#[test]
fn reused_nodes_of_the_last_commit_write_the_pages_decoding_writes() {
    for (seed, raw, direct) in [
        (3u64, true, false),
        (11, true, false),
        (2024, false, false),
        (77, true, true),
        (31_337, false, true),
    ] {
        let (decoded, model_a) = run_with(seed, raw, false, direct);
        let (reused, model_b) = run_with(seed, raw, true, direct);
        assert_eq!(model_a, model_b);
        assert_eq!(decoded.len(), reused.len());
        for (i, (a, b)) in decoded.iter().zip(&reused).enumerate() {
            assert!(a == b, "seed {seed}: files differ after round {i}");
        }
    }
}
