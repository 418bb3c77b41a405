//! Crash consistency of page-delta WAL records: small commits that update the same keys log most
//! pages as deltas against pages earlier commits of the same log generation logged, so bases chain
//! across commits and across a checkpoint that starts a new generation. The power is cut at every
//! sync, also after reopening a log full of deltas and committing more deltas against the pages
//! recovery rebuilt from it.

use treestore_core::storage::vfs::{CrashConfig, FaultyVfs};
use treestore_core::{Database, Durability};

use crate::crash::{modes, options, run_on, seed_of};
use crate::util::{
    assert_prefix, expected_states, recover, run, value, Op, Outcome, State, Step, DB,
};

/// Page-delta records a fault-free run of `steps` (durable commits) writes.
pub(crate) fn delta_records(steps: &[Step]) -> u64 {
    let vfs = FaultyVfs::new(0);
    let db = Database::open(DB, options(&vfs, Durability::Sync)).expect("open");
    let out = run(&db, steps);
    assert!(
        out.error.is_none(),
        "fault-free run failed: {:?}",
        out.error
    );
    db.stats().expect("stats").wal_delta_records
}

/// 150 keys in one commit (a tree of two levels on 1 KiB pages), then `commits` commits of one
/// or two updates (of neighbours, so three pages stay below the direct-commit size) of the same
/// keys, with a checkpoint after commit `checkpoint_after`.
fn same_keys(seed: u64, commits: usize, checkpoint_after: usize) -> Vec<Step> {
    let key = |i: u64| format!("k{i:05}").into_bytes();
    let load = (0..150)
        .map(|i| Op::Insert {
            table: "alpha",
            key: key(i),
            value: value(seed ^ i, 40),
        })
        .collect();
    let mut steps = vec![Step::Commit(load)];
    for c in 0..commits as u64 {
        let ops = (0..1 + c % 2)
            .map(|j| Op::Insert {
                table: "alpha",
                key: key((c * 7) % 12 * 11 + j),
                value: value(seed ^ (c << 20) ^ j, 40),
            })
            .collect();
        steps.push(Step::Commit(ops));
        if c as usize + 1 == checkpoint_after {
            steps.push(Step::Checkpoint);
        }
    }
    steps
}

/// Runs `steps` on a copy of `start` (or a new database) with the power cut at each of its syncs
/// in each crash mode; every recovery must hold a prefix with every acknowledged commit.
fn cut_at_every_sync(
    start: Option<&treestore_core::storage::vfs::MemVfs>,
    steps: &[Step],
    from: &State,
) {
    let states = expected_states(from, steps);
    let fresh = |seed| match start {
        Some(image) => FaultyVfs::from_image(seed, image),
        None => FaultyVfs::new(seed),
    };
    let counting = fresh(0);
    let out = run_on(&counting, steps, Durability::Sync);
    assert!(
        out.error.is_none(),
        "fault-free run failed: {:?}",
        out.error
    );
    let syncs = counting.sync_count();
    for (mi, (name, mode)) in modes().into_iter().enumerate() {
        for k in 1..=syncs {
            let vfs = fresh(seed_of(mi) + k);
            vfs.crash_at_sync(k, mode);
            let out: Outcome = run_on(&vfs, steps, Durability::Sync);
            let image = vfs.crash_image().expect("crashed");
            let what = format!("crash at sync {k}/{syncs} ({name})");
            let state = recover(&image, Durability::Sync)
                .unwrap_or_else(|e| panic!("{what}: recovery failed: {e}"));
            assert_prefix(&states, &state, out.acked, out.attempted, &what);
        }
    }
}

#[test]
fn small_commits_to_the_same_keys_log_deltas_and_recover_at_every_sync() {
    let steps = same_keys(5, 40, 20);
    let deltas = delta_records(&steps);
    // Each update copies a leaf and its branches: all but the first commit of a generation can
    // log them as deltas.
    assert!(deltas > 60, "only {deltas} delta records");
    cut_at_every_sync(None, &steps, &State::new());
}

#[test]
fn reopening_a_log_of_deltas_then_committing_more_recovers_at_every_sync() {
    // A first run leaves a log full of deltas behind a power cut (no checkpoint at close).
    let first = same_keys(9, 25, usize::MAX);
    let vfs = FaultyVfs::new(1);
    let db = Database::open(DB, options(&vfs, Durability::Sync)).expect("open");
    let out = run(&db, &first);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert!(db.stats().expect("stats").wal_delta_records > 20);
    vfs.crash_now(CrashConfig::apply_all());
    drop(db);
    let image = vfs.crash_image().expect("crashed");
    let states = expected_states(&State::new(), &first);
    let after_first = states.last().expect("states").clone();
    assert_eq!(
        recover(&image.deep_clone(), Durability::Sync).expect("recover"),
        after_first
    );
    // Reopened, the next commits copy pages recovery rebuilt from the deltas: deltas again.
    let more: Vec<Step> = same_keys(17, 20, 10).split_off(1);
    let reopened = FaultyVfs::from_image(2, &image);
    let db = Database::open(DB, options(&reopened, Durability::Sync)).expect("reopen");
    let out = run(&db, &more[..5]);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert!(
        db.stats().expect("stats").wal_delta_records > 0,
        "commits after reopening log deltas against replayed pages"
    );
    drop(db);
    cut_at_every_sync(Some(&image), &more, &after_first);
}
