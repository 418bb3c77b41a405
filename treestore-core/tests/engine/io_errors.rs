//! I/O error injection: the Nth write or the Nth sync of a workload fails, for every N. The failing
//! commit or checkpoint must return an `Io` error, every later write must be refused with
//! `PreviousIo` (a failed fsync is never retried as if nothing happened), reads must still see a
//! committed state, and both the durable image and the image with every issued write applied must
//! reopen as a consistent prefix holding every acknowledged commit.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use treestore_core::storage::vfs::{CrashConfig, FaultyVfs, MemVfs};
use treestore_core::{Database, ErrorKind, Options, ReadOps};

use crate::util::{
    assert_prefix, dump, expected_states, is_wal, recover, run, small_options, workload, HookVfs,
    Hooks, State, Step, DB,
};

fn options(vfs: &FaultyVfs) -> Options {
    Options {
        checkpoint_wal_bytes: 16 << 10,
        ..small_options(vfs.clone())
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    Write,
    Sync,
}

/// Writes and syncs the workload issues after the database is created, closing included.
fn count_io(steps: &[Step]) -> (u64, u64) {
    let vfs = FaultyVfs::new(0);
    let db = Database::open(DB, options(&vfs)).expect("open");
    let (w0, s0) = (vfs.write_count(), vfs.sync_count());
    let out = run(&db, steps);
    assert!(out.error.is_none(), "{:?}", out.error);
    drop(db);
    (vfs.write_count() - w0, vfs.sync_count() - s0)
}

fn inject(steps: &[Step], states: &[State], fault: Fault, n: u64) {
    let what = format!("{fault:?} #{n} fails");
    let vfs = FaultyVfs::new(n);
    let db = Database::open(DB, options(&vfs)).expect("open");
    match fault {
        Fault::Write => vfs.fail_write_at(n),
        Fault::Sync => vfs.fail_sync_at(n),
    }
    let out = run(&db, steps);
    if let Some(err) = &out.error {
        assert_eq!(
            err.kind(),
            ErrorKind::Io,
            "{what}: the failing call returned {err}"
        );
        let again = db.begin_write().err().map(|e| e.kind());
        assert_eq!(
            again,
            Some(ErrorKind::PreviousIo),
            "{what}: begin_write after the failure"
        );
        let again = db.checkpoint().err().map(|e| e.kind());
        assert_eq!(
            again,
            Some(ErrorKind::PreviousIo),
            "{what}: checkpoint after the failure"
        );
        let live = dump(&db).unwrap_or_else(|e| panic!("{what}: reads after the failure: {e}"));
        assert_prefix(
            states,
            &live,
            out.acked,
            out.attempted,
            &format!("{what}, live reads"),
        );
    } else {
        // The fault hit the checkpoint of the close, whose error has nowhere to go.
        assert_eq!(out.acked, states.len() - 1, "{what}");
    }
    drop(db);
    let durable = vfs.durable_image();
    let state = recover(&durable, Default::default())
        .unwrap_or_else(|e| panic!("{what}: recovering the durable image: {e}"));
    assert_prefix(
        states,
        &state,
        out.acked,
        out.attempted,
        &format!("{what}, durable image"),
    );
    vfs.crash_now(CrashConfig::apply_all());
    let written = vfs.crash_image().expect("crashed");
    let state = recover(&written, Default::default())
        .unwrap_or_else(|e| panic!("{what}: recovering the written image: {e}"));
    assert_prefix(
        states,
        &state,
        out.acked,
        out.attempted,
        &format!("{what}, written image"),
    );
}

#[test]
fn every_failed_write_poisons_and_keeps_acknowledged_commits() {
    let steps = workload(21, 20);
    let states = expected_states(&State::new(), &steps);
    let (writes, _) = count_io(&steps);
    assert!(
        writes > 50,
        "the workload should write a lot, wrote {writes} times"
    );
    for n in 1..=writes {
        inject(&steps, &states, Fault::Write, n);
    }
}

#[test]
fn every_failed_sync_poisons_and_keeps_acknowledged_commits() {
    let steps = workload(23, 30);
    let states = expected_states(&State::new(), &steps);
    let (_, syncs) = count_io(&steps);
    assert!(
        syncs > 20,
        "the workload should sync often, synced {syncs} times"
    );
    for n in 1..=syncs {
        inject(&steps, &states, Fault::Sync, n);
    }
}

/// Arming makes the next WAL sync wait until the WAL has been written up to `release_at` times
/// (another committer appended behind it) and then fail.
#[derive(Default)]
struct Stall {
    armed: AtomicBool,
    stalled: AtomicBool,
    wal_writes: AtomicU64,
    release_at: AtomicU64,
}

impl Hooks for Stall {
    fn wrote(&self, path: &Path, _len: usize) {
        if is_wal(path) {
            self.wal_writes.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn sync(&self, path: &Path) -> io::Result<()> {
        if !is_wal(path) || !self.armed.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        self.stalled.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.wal_writes.load(Ordering::SeqCst) < self.release_at.load(Ordering::SeqCst)
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        // Let the other committer reach its wait for this sync.
        std::thread::sleep(Duration::from_millis(50));
        Err(io::Error::other("injected fsync failure"))
    }
}

/// Linux may drop the dirty pages of a failed fsync and report success to the next one, so a commit
/// that waited on a failed WAL sync must fail too rather than be acknowledged by a retry.
#[test]
fn a_failed_wal_sync_fails_every_commit_that_waited_for_it() {
    let vfs = HookVfs::new(MemVfs::new(), Stall::default());
    let db = Database::open(DB, small_options(vfs.clone())).expect("open");
    let mut w = db.begin_write().expect("begin");
    let t = w.table("t").expect("table");
    w.insert(t, b"before", b"1").expect("insert");
    w.commit().expect("commit");
    let hooks = vfs.hooks.clone();
    // A's append is one WAL write; B's append behind it is the second.
    let now = hooks.wal_writes.load(Ordering::SeqCst);
    hooks.release_at.store(now + 2, Ordering::SeqCst);
    hooks.armed.store(true, Ordering::SeqCst);
    let a = {
        let db = db.clone();
        std::thread::spawn(move || {
            let mut w = db.begin_write().expect("begin A");
            let t = w.table("t").expect("table");
            w.insert(t, b"a", b"A").expect("insert");
            w.commit()
        })
    };
    while !hooks.stalled.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let b = db.begin_write().and_then(|mut w| {
        let t = w.table("t")?;
        w.insert(t, b"b", b"B")?;
        w.commit()
    });
    let a = a.join().expect("thread A");
    assert_eq!(
        a.err().map(|e| e.kind()),
        Some(ErrorKind::Io),
        "A's sync failed"
    );
    assert!(
        b.is_err(),
        "B was acknowledged although the fsync covering its WAL record failed"
    );
    let r = db.begin_read().expect("read");
    let t = r.table("t").expect("table");
    assert!(r.get(t, b"before").expect("get").is_some());
}
