//! Crash consistency: a workload runs on [`FaultyVfs`] and the power is cut at every sync point in
//! turn, with unsynced writes dropped, applied, or torn, garbled and reordered. Whatever the cut, the
//! image must open with a clean integrity check, hold the model state after some prefix of the
//! commits, and (in `Durability::Sync` mode) hold every commit that was acknowledged. Cutting the
//! power again while that image recovers must not change the answer.

use std::time::Duration;
use treestore_core::storage::vfs::{CrashConfig, FaultyVfs, MemVfs};

use treestore_core::{Database, Durability, Options};

use crate::util::{
    assert_prefix, expected_states, recover, run, small_options, stress, workload, Op, Outcome,
    State, Step, DB, TABLES,
};

/// Small enough that commits run checkpoints on their own every few commits.
const CHECKPOINT_WAL_BYTES: u64 = 24 << 10;

pub(crate) fn options(vfs: &FaultyVfs, durability: Durability) -> Options {
    Options {
        durability,
        checkpoint_wal_bytes: CHECKPOINT_WAL_BYTES,
        ..small_options(vfs.clone())
    }
}

/// Opens (creating) the database on `vfs`, runs `steps` and closes it. Stops at the first error,
/// as an application would after a power cut.
pub(crate) fn run_on(vfs: &FaultyVfs, steps: &[Step], durability: Durability) -> Outcome {
    let db = match Database::open(DB, options(vfs, durability)) {
        Ok(db) => db,
        Err(e) => {
            return Outcome {
                error: Some(e),
                ..Outcome::default()
            }
        }
    };
    let out = run(&db, steps);
    // Closing checkpoints: its syncs are sync points too.
    drop(db);
    out
}

pub(crate) fn modes() -> Vec<(String, CrashConfig)> {
    let mut modes = vec![
        ("drop_all".to_string(), CrashConfig::drop_all()),
        ("apply_all".to_string(), CrashConfig::apply_all()),
    ];
    let seeds = if stress() { 12 } else { 3 };
    for seed in 0..seeds {
        modes.push((format!("chaos#{seed}"), CrashConfig::chaos()));
    }
    modes
}

/// The seed of a chaos run: distinct per mode index so each draws different fates.
pub(crate) fn seed_of(mode_index: usize) -> u64 {
    1000 + mode_index as u64
}

/// Runs `steps` with the power cut at sync `k`, and returns the crash image and the outcome.
fn crash_run(
    steps: &[Step],
    k: u64,
    mode: CrashConfig,
    seed: u64,
    durability: Durability,
) -> (MemVfs, Outcome) {
    let vfs = FaultyVfs::new(seed);
    vfs.crash_at_sync(k, mode);
    let out = run_on(&vfs, steps, durability);
    let image = vfs
        .crash_image()
        .unwrap_or_else(|| panic!("sync {k} was never reached"));
    (image, out)
}

fn count_syncs(steps: &[Step], durability: Durability) -> u64 {
    let vfs = FaultyVfs::new(0);
    let out = run_on(&vfs, steps, durability);
    assert!(
        out.error.is_none(),
        "fault-free run failed: {:?}",
        out.error
    );
    vfs.sync_count()
}

#[test]
fn every_sync_point_recovers_a_prefix_with_every_acknowledged_commit() {
    let steps = workload(7, 30);
    let states = expected_states(&State::new(), &steps);
    let syncs = count_syncs(&steps, Durability::Sync);
    assert!(
        syncs > 40,
        "the workload should sync often, synced {syncs} times"
    );
    for (mi, (name, mode)) in modes().into_iter().enumerate() {
        for k in 1..=syncs {
            let (image, out) = crash_run(&steps, k, mode, seed_of(mi), Durability::Sync);
            let what = format!("crash at sync {k}/{syncs} ({name})");
            let state = recover(&image, Durability::Sync)
                .unwrap_or_else(|e| panic!("{what}: recovery failed: {e}"));
            assert_prefix(&states, &state, out.acked, out.attempted, &what);
        }
    }
}

/// The same with every commit through the WAL, and with every commit straight into the file.
#[test]
fn every_sync_point_recovers_with_one_commit_path_only() {
    let steps = workload(23, 16);
    let states = expected_states(&State::new(), &steps);
    for direct in [u64::MAX, 0] {
        let opts = |vfs: &FaultyVfs| Options {
            direct_commit_bytes: direct,
            ..options(vfs, Durability::Sync)
        };
        let counting = FaultyVfs::new(0);
        let db = Database::open(DB, opts(&counting)).expect("open");
        assert!(run(&db, &steps).error.is_none());
        let deltas = db.stats().expect("stats").wal_delta_records;
        // Through the WAL, copied pages are logged as deltas against the pages they came from.
        assert_eq!(
            deltas > 0,
            direct == u64::MAX,
            "{deltas} page-delta records"
        );
        drop(db);
        let syncs = counting.sync_count();
        for (mi, (name, mode)) in modes().into_iter().enumerate() {
            for k in 1..=syncs {
                let vfs = FaultyVfs::new(seed_of(mi));
                vfs.crash_at_sync(k, mode);
                let out = match Database::open(DB, opts(&vfs)) {
                    Ok(db) => run(&db, &steps),
                    Err(e) => Outcome {
                        error: Some(e),
                        ..Outcome::default()
                    },
                };
                let image = vfs.crash_image().expect("crashed");
                let what = format!("direct >= {direct} B, crash at sync {k}/{syncs} ({name})");
                let state = recover(&image, Durability::Sync)
                    .unwrap_or_else(|e| panic!("{what}: recovery failed: {e}"));
                assert_prefix(&states, &state, out.acked, out.attempted, &what);
            }
        }
    }
}

/// Crashes at sync `k` of the first run, then at every sync of recovering that image and running a
/// few more commits on it.
fn crash_during_recovery(steps: &[Step], states: &[State], k: u64, mi: usize) {
    let (name, mode) = modes()[mi].clone();
    let (image, out) = crash_run(steps, k, mode, seed_of(mi), Durability::Sync);
    let first = recover(&image.deep_clone(), Durability::Sync)
        .unwrap_or_else(|e| panic!("crash at sync {k} ({name}): recovery failed: {e}"));
    let at = assert_prefix(states, &first, out.acked, out.attempted, "first crash");
    let more = workload(100 + k, 4);
    let states2 = expected_states(&states[at], &more);
    let total = {
        let vfs = FaultyVfs::from_image(0, &image);
        let out = run_on(&vfs, &more, Durability::Sync);
        assert!(out.error.is_none(), "{:?}", out.error);
        vfs.sync_count()
    };
    for j in 1..=total {
        for (mj, (name2, mode2)) in modes().into_iter().enumerate() {
            let vfs = FaultyVfs::from_image(seed_of(mj) + j, &image);
            vfs.crash_at_sync(j, mode2);
            let out2 = run_on(&vfs, &more, Durability::Sync);
            let image2 = vfs.crash_image().expect("second crash happened");
            let what = format!("crash at sync {k} ({name}), then at sync {j}/{total} ({name2})");
            let state = recover(&image2, Durability::Sync)
                .unwrap_or_else(|e| panic!("{what}: recovery failed: {e}"));
            assert_prefix(&states2, &state, out2.acked, out2.attempted, &what);
        }
    }
}

#[test]
fn crashing_again_during_recovery_loses_nothing_acknowledged() {
    let steps = workload(11, 20);
    let states = expected_states(&State::new(), &steps);
    let syncs = count_syncs(&steps, Durability::Sync);
    let mut k = 2;
    let mut mi = 0;
    while k <= syncs {
        crash_during_recovery(&steps, &states, k, mi % modes().len());
        k += 5;
        mi += 1;
    }
}

#[test]
fn relaxed_commits_lose_only_a_suffix() {
    let steps = workload(13, 24);
    let states = expected_states(&State::new(), &steps);
    let syncs = count_syncs(&steps, Durability::Relaxed);
    assert!(syncs > 10, "checkpoints should sync, synced {syncs} times");
    for (mi, (name, mode)) in modes().into_iter().enumerate() {
        for k in 1..=syncs {
            let (image, out) = crash_run(&steps, k, mode, seed_of(mi), Durability::Relaxed);
            let what = format!("relaxed, crash at sync {k}/{syncs} ({name})");
            let state = recover(&image, Durability::Relaxed)
                .unwrap_or_else(|e| panic!("{what}: recovery failed: {e}"));
            assert_prefix(&states, &state, out.checkpointed, out.attempted, &what);
        }
    }
}

#[test]
fn relaxed_power_cut_between_commits_keeps_a_prefix() {
    let steps = workload(17, 30);
    let states = expected_states(&State::new(), &steps);
    for (mi, (name, mode)) in modes().into_iter().enumerate() {
        for cut in 1..=steps.len() {
            let vfs = FaultyVfs::new(seed_of(mi) + cut as u64);
            let db = Database::open(DB, options(&vfs, Durability::Relaxed)).expect("open");
            let out = run(&db, &steps[..cut]);
            assert!(out.error.is_none(), "{:?}", out.error);
            vfs.crash_now(mode);
            drop(db);
            let image = vfs.crash_image().expect("crashed");
            let what = format!("relaxed, power cut after step {cut} ({name})");
            let state = recover(&image, Durability::Relaxed)
                .unwrap_or_else(|e| panic!("{what}: recovery failed: {e}"));
            assert_prefix(&states, &state, out.checkpointed, out.attempted, &what);
        }
    }
}

#[test]
fn creating_a_database_over_a_stale_wal_never_replays_it() {
    // A WAL left behind by a deleted database, holding committed records of generation 0.
    let old = FaultyVfs::new(1);
    let db = Database::open(DB, options(&old, Durability::Sync)).expect("open");
    run(&db, &workload(3, 5));
    old.crash_now(CrashConfig::apply_all());
    drop(db);
    let image = old.crash_image().expect("crashed");
    image.set_file_bytes(DB, Vec::new());
    // Creating a new database there, the power fails at its first sync.
    let vfs = FaultyVfs::from_image(2, &image);
    vfs.crash_at_sync(1, CrashConfig::apply_all());
    assert!(Database::open(DB, options(&vfs, Durability::Sync)).is_err());
    let state = recover(&vfs.crash_image().expect("crashed"), Durability::Sync).expect("recover");
    assert_eq!(
        state,
        State::new(),
        "the new database shows the old WAL's commits"
    );
}

#[test]
fn relaxed_commits_become_durable_within_the_sync_interval() {
    let steps: Vec<Step> = workload(19, 12)
        .into_iter()
        .filter(|s| matches!(s, Step::Commit(_)))
        .collect();
    let states = expected_states(&State::new(), &steps);
    for (mi, (name, mode)) in modes().into_iter().enumerate() {
        for cut in [1, steps.len() / 2, steps.len()] {
            let vfs = FaultyVfs::new(seed_of(mi) + cut as u64);
            let opts = Options {
                sync_interval: Duration::from_millis(2),
                ..options(&vfs, Durability::Relaxed)
            };
            let db = Database::open(DB, opts).expect("open");
            // Commits race the background flusher: any prefix may be durable at the cut.
            let out = run(&db, &steps[..cut]);
            assert!(out.error.is_none(), "{:?}", out.error);
            vfs.crash_now(mode);
            drop(db);
            let what = format!("relaxed with a flusher, cut after {cut} commits ({name})");
            let image = vfs.crash_image().expect("crashed");
            let state = recover(&image, Durability::Relaxed)
                .unwrap_or_else(|e| panic!("{what}: recovery failed: {e}"));
            assert_prefix(&states, &state, out.checkpointed, out.attempted, &what);
            // Given time, the flusher makes every commit durable.
            let vfs = FaultyVfs::new(seed_of(mi));
            let opts = Options {
                sync_interval: Duration::from_millis(2),
                ..options(&vfs, Durability::Relaxed)
            };
            let db = Database::open(DB, opts).expect("open");
            let out = run(&db, &steps[..cut]);
            std::thread::sleep(Duration::from_millis(100));
            vfs.crash_now(CrashConfig::drop_all());
            drop(db);
            let state = recover(&vfs.crash_image().expect("crashed"), Durability::Relaxed)
                .unwrap_or_else(|e| panic!("{what}: recovery failed: {e}"));
            let what = format!("relaxed, {cut} commits, then 100 ms idle");
            assert_prefix(&states, &state, out.attempted, out.attempted, &what);
        }
    }
}

/// Runs `steps` durably on a fault-free file system that counts syncs; returns it and the open
/// database (for tests that then cut the power at each sync of what follows, a close).
fn run_fault_free(steps: &[Step]) -> (FaultyVfs, Database) {
    let counting = FaultyVfs::new(0);
    let db = Database::open(DB, options(&counting, Durability::Sync)).expect("open");
    let out = run(&db, steps);
    assert!(
        out.error.is_none(),
        "fault-free run failed: {:?}",
        out.error
    );
    (counting, db)
}

/// A close gives the WAL's reused space back: the closed log is only its header, the database
/// reopens with every commit, and a power cut at each sync of the close (its checkpoint, then the
/// WAL cut) recovers the full state.
#[test]
fn closing_cuts_the_wal_to_its_header_and_every_close_sync_recovers() {
    let wal = format!("{DB}-wal");
    let steps = workload(31, 20);
    let states = expected_states(&State::new(), &steps);
    let (counting, db) = run_fault_free(&steps);
    let before_close = counting.sync_count();
    let open_image = counting.durable_image();
    let open_wal = open_image.file_bytes(&wal).expect("the WAL exists").len();
    assert!(open_wal > 40, "the open WAL keeps space: {open_wal} bytes");
    drop(db);
    let syncs = counting.sync_count();
    assert!(syncs > before_close, "the close syncs");
    let closed = counting.durable_image();
    assert_eq!(closed.file_bytes(&wal).expect("the WAL exists").len(), 40);
    let state = recover(&closed, Durability::Sync).expect("reopen after close");
    assert!(
        state == *states.last().expect("states"),
        "the closed database holds every commit"
    );
    for (mi, (name, mode)) in modes().into_iter().enumerate() {
        for k in before_close + 1..=syncs {
            let (image, out) = crash_run(&steps, k, mode, seed_of(mi), Durability::Sync);
            assert_eq!(out.acked, out.attempted, "{name}: commits before the close");
            let what = format!("crash at close sync {k}/{syncs} ({name})");
            let state = recover(&image, Durability::Sync)
                .unwrap_or_else(|e| panic!("{what}: recovery failed: {e}"));
            assert!(
                state == *states.last().expect("states"),
                "{what}: a commit was lost"
            );
        }
    }
}

/// Fills the tables with keys of every value size, then removes six in seven in one commit, so a
/// quarter of the file is free and the last close shrinks it.
fn shrink_workload() -> Vec<Step> {
    let mut rng = crate::util::Rng::new(77);
    let mut steps = Vec::new();
    for c in 0..6u64 {
        let ops = (0..60u64)
            .flat_map(|i| {
                let n = c * 60 + i;
                let len = crate::util::value_len(&mut rng);
                TABLES.map(|table| Op::Insert {
                    table,
                    key: format!("k{n:05}").into_bytes(),
                    value: crate::util::value(n ^ (c << 32), len),
                })
            })
            .collect();
        steps.push(Step::Commit(ops));
    }
    let removes = (0..360u64)
        .filter(|n| n % 7 != 0)
        .flat_map(|n| {
            TABLES.map(|table| Op::Remove {
                table,
                key: format!("k{n:05}").into_bytes(),
            })
        })
        .collect();
    steps.push(Step::Commit(removes));
    steps.push(Step::Checkpoint);
    steps
}

/// Runs `steps` on `vfs` and closes with [`Database::close`], which shrinks (its error is what a
/// power cut during the close gives).
fn run_and_close(vfs: &FaultyVfs, steps: &[Step]) -> Outcome {
    let db = Database::open(DB, options(vfs, Durability::Sync)).expect("open");
    let out = run(&db, steps);
    let _ = db.close();
    out
}

#[test]
fn shrinking_at_the_last_close_recovers_at_every_sync() {
    let steps = shrink_workload();
    let states = expected_states(&State::new(), &steps);
    let last = states.last().expect("states");
    let (counting, db) = run_fault_free(&steps);
    let before_close = counting.sync_count();
    let open_len = counting.durable_image().file_bytes(DB).expect("db").len();
    db.close().expect("close");
    let syncs = counting.sync_count();
    let image = counting.durable_image();
    let shrunk_len = image.file_bytes(DB).expect("db").len();
    assert!(
        shrunk_len * 3 < open_len * 2,
        "the close should shrink the file: {open_len} -> {shrunk_len} bytes"
    );
    assert!(recover(&image, Durability::Sync).expect("reopen") == *last);
    for (mi, (name, mode)) in modes().into_iter().enumerate() {
        for k in before_close + 1..=syncs {
            let vfs = FaultyVfs::new(seed_of(mi));
            vfs.crash_at_sync(k, mode);
            let out = run_and_close(&vfs, &steps);
            assert_eq!(out.acked, out.attempted, "{name}: commits before the close");
            let image = vfs
                .crash_image()
                .unwrap_or_else(|| panic!("sync {k} was never reached"));
            let what = format!("crash at close sync {k}/{syncs} ({name})");
            let state = recover(&image, Durability::Sync)
                .unwrap_or_else(|e| panic!("{what}: recovery failed: {e}"));
            assert!(state == *last, "{what}: the state changed");
        }
    }
}
