//! Real process kills: this test binary re-executes itself as a child that commits in a loop on a
//! real file (the OS file system, memory map included) and prints each acknowledged commit. The
//! parent kills it with SIGKILL at random moments, reopens the file, checks its integrity and that
//! every acknowledged commit is there, and checks that a second process cannot open the file while
//! the child holds it. `TREESTORE_STRESS=1` runs many more rounds.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use treestore_core::{Database, ErrorKind, Options, ReadOps};

use crate::util::{stress, value, Rng};

/// Set in the child's environment to the database path: switches the child into writer mode.
const CHILD_ENV: &str = "TREESTORE_KILL_TEST_DB";
/// The child's test, run with `--exact`.
const CHILD_TEST: &str = "kill::writer_child_process";
const TABLE: &str = "kill";
/// Commit `n` removes the key of commit `n - LAG` when `n` is a multiple of 3.
const LAG: u64 = 30;

fn key(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

fn value_len(n: u64) -> usize {
    if n.is_multiple_of(7) {
        3000 + (n % 9000) as usize
    } else {
        (n % 200) as usize
    }
}

fn removes(n: u64) -> Option<u64> {
    (n > LAG && n.is_multiple_of(3)).then(|| n - LAG)
}

fn options() -> Options {
    Options {
        checkpoint_wal_bytes: 256 << 10,
        ..Options::default()
    }
}

/// The last commit a database holds (0: none).
fn last_commit(db: &Database) -> u64 {
    let r = db.begin_read().expect("read");
    let t = r.table(TABLE).expect("table");
    r.get(t, b"last").expect("get last").map_or(0, |v| {
        u64::from_le_bytes(v[..].try_into().expect("8 bytes"))
    })
}

/// Writer mode: commits forever (until killed, or for a minute at most), printing `ack <n>` once
/// commit `n` is durable.
#[test]
fn writer_child_process() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let db = Database::open(&path, options()).expect("child: open");
    let started = Instant::now();
    let mut n = last_commit(&db);
    while started.elapsed() < Duration::from_secs(60) {
        n += 1;
        let mut w = db.begin_write().expect("child: begin");
        let t = w.table(TABLE).expect("child: table");
        w.insert(t, &key(n), &value(n, value_len(n)))
            .expect("child: insert");
        if let Some(old) = removes(n) {
            w.remove(t, &key(old)).expect("child: remove");
        }
        w.insert(t, b"last", &n.to_le_bytes()).expect("child: last");
        w.commit().expect("child: commit");
        println!("ack {n}");
    }
}

fn spawn_writer(path: &Path) -> (Child, mpsc::Receiver<u64>) {
    let mut child = Command::new(std::env::current_exe().expect("current_exe"))
        .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the writer");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if let Some(n) = line.strip_prefix("ack ") {
                let _ = tx.send(n.trim().parse().expect("an ack number"));
            }
        }
    });
    (child, rx)
}

fn sigkill(child: &mut Child) {
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
    // SAFETY: `kill` only sends a signal; `pid` is our own child, not yet waited for, so the id
    // cannot have been reused by another process.
    let rc = unsafe { libc::kill(pid, libc::SIGKILL) };
    assert_eq!(rc, 0, "kill failed: {}", std::io::Error::last_os_error());
    child.wait().expect("wait for the killed writer");
}

/// Opens the killed writer's file and checks that it holds exactly the state after some commit at
/// or past `acked`. Read-only opens leave the recovery to the next writer.
fn verify(path: &Path, acked: u64, read_only: bool, what: &str) -> u64 {
    let opts = Options {
        read_only,
        ..options()
    };
    let db = Database::open(path, opts).unwrap_or_else(|e| panic!("{what}: reopen: {e}"));
    let report = db.check_integrity().expect("check_integrity");
    assert!(report.is_ok(), "{what}: integrity: {:?}", report.errors);
    let last = last_commit(&db);
    assert!(
        last >= acked,
        "{what}: commit {acked} was acknowledged, the file ends at {last}"
    );
    let r = db.begin_read().expect("read");
    let t = r.table(TABLE).expect("table");
    let removed: Vec<u64> = (1..=last).filter_map(removes).collect();
    let expected = last as usize - removed.len() + usize::from(last > 0);
    assert_eq!(
        r.table_len(t).expect("len") as usize,
        expected,
        "{what}: entries"
    );
    for n in 1..=last {
        let got = r.get(t, &key(n)).expect("get").map(|v| v.to_vec());
        let want = (!removed.contains(&n)).then(|| value(n, value_len(n)));
        assert!(got == want, "{what}: commit {n} reads wrong");
    }
    last
}

fn assert_locked(path: &Path) {
    for read_only in [false, true] {
        let opts = Options {
            read_only,
            ..options()
        };
        let err = Database::open(path, opts).err().map(|e| e.kind());
        assert_eq!(
            err,
            Some(ErrorKind::DatabaseLocked),
            "opening (read_only {read_only}) while the writer holds the file"
        );
    }
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path: PathBuf = dir.path().join("kill.tsdb");
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let mut rng = Rng::new(seed);
    let (rounds, budget) = if stress() {
        (60, Duration::from_secs(120))
    } else {
        (25, Duration::from_secs(10))
    };
    let started = Instant::now();
    let mut acked = 0;
    for round in 0..rounds {
        if started.elapsed() > budget {
            break;
        }
        let what = format!("round {round} (seed {seed})");
        let (mut child, acks) = spawn_writer(&path);
        if rng.percent(20) {
            // Kill it anywhere, even while it opens or recovers the file.
            std::thread::sleep(Duration::from_millis(rng.below(40)));
        } else {
            let first = acks
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("{what}: the writer acknowledged nothing"));
            acked = acked.max(first);
            if round % 4 == 1 {
                assert_locked(&path);
            }
            std::thread::sleep(Duration::from_millis(rng.below(300)));
        }
        sigkill(&mut child);
        acked = acked.max(acks.iter().max().unwrap_or(0));
        let last = verify(&path, acked, round % 2 == 1, &what);
        acked = acked.max(last);
    }
    assert!(acked > 0, "no commit was acknowledged");
}
