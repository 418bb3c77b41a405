//! Concurrency: a snapshot stays put while the writer commits and checkpoints, down to the bytes a
//! reader already holds (which may point into the memory map); reader threads see an invariant hold
//! at every instant of a stress run; and committers on several threads in `Durability::Sync` mode
//! share fsyncs (group commit) and are all durable. `TREESTORE_STRESS=1` runs longer.

use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use treestore_core::storage::vfs::{CrashConfig, FaultyVfs, MemVfs, OsVfs};
use treestore_core::{Database, Durability, Options, ReadOps, ReadTxn};

use crate::util::{
    acknowledged_ops, cut_power_at_every_sync, is_wal, op_numbers, recover, small_options, stress,
    value, value_len, Ack, HookVfs, Hooks, Rng, State, DB,
};

fn os_options() -> Options {
    Options {
        vfs: Arc::new(OsVfs),
        durability: Durability::Relaxed,
        page_size: 1024,
        checkpoint_wal_bytes: 256 << 10,
        ..Options::default()
    }
}

fn key(i: u64) -> Vec<u8> {
    format!("key{i:05}").into_bytes()
}

type Entries = Vec<(Vec<u8>, Vec<u8>)>;

fn scan(r: &ReadTxn, table: &str) -> Entries {
    let t = r.table(table).expect("table");
    r.range(t, Bound::Unbounded, Bound::Unbounded)
        .expect("range")
        .map(|kv| {
            let (k, v) = kv.expect("scan");
            (k.to_vec(), v.to_vec())
        })
        .collect()
}

fn churn(db: &Database, rng: &mut Rng, round: u64) {
    let mut w = db.begin_write().expect("begin");
    let t = w.table("t").expect("table");
    for i in 0..60 {
        let k = key(rng.below(400));
        if rng.percent(15) {
            w.remove(t, &k).expect("remove");
        } else {
            w.insert(t, &k, &value(round * 1000 + i, value_len(rng)))
                .expect("insert");
        }
    }
    w.commit().expect("commit");
}

fn snapshot_stays_put(db: &Database, what: &str) {
    let mut rng = Rng::new(3);
    churn(db, &mut rng, 0);
    db.checkpoint().expect("checkpoint");
    let r = db.begin_read().expect("read");
    let t = r.table("t").expect("table");
    let view = scan(&r, "t");
    let held: Vec<_> = view
        .iter()
        .step_by(7)
        .map(|(k, _)| r.get(t, k).expect("get").expect("present"))
        .collect();
    let copies: Vec<Vec<u8>> = held.iter().map(|b| b.to_vec()).collect();
    for round in 1..=30 {
        churn(db, &mut rng, round);
        if round % 5 == 0 {
            db.checkpoint().expect("checkpoint");
        }
        for (b, c) in held.iter().zip(&copies) {
            assert!(
                b[..] == c[..],
                "{what}: bytes a reader holds changed in round {round}"
            );
        }
        assert!(
            scan(&r, "t") == view,
            "{what}: the snapshot changed in round {round}"
        );
    }
    drop(held);
    drop(r);
    let report = db.check_integrity().expect("check_integrity");
    assert!(report.is_ok(), "{what}: {:?}", report.errors);
}

#[test]
fn readers_keep_their_snapshot_while_the_writer_commits_and_checkpoints() {
    let db = Database::open(DB, small_options(MemVfs::new())).expect("open");
    snapshot_stays_put(&db, "memory");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path().join("snap.tsdb"), os_options()).expect("open");
    snapshot_stays_put(&db, "os file");
}

const ACCOUNTS: u64 = 64;
const BALANCE: u64 = 1000;

fn balance(v: &[u8]) -> u64 {
    u64::from_le_bytes(v.try_into().expect("8-byte balance"))
}

/// A ballast value of commit `n`: the commit number, then bytes derived from it.
fn ballast(n: u64, len: usize) -> Vec<u8> {
    let mut v = n.to_le_bytes().to_vec();
    v.extend(value(n, len));
    v
}

/// One reader pass: the balances sum up, every ballast value is whole and no newer than the commit
/// counter, and reading the accounts again in the same snapshot gives the same answer.
fn check_invariants(db: &Database) {
    let r = db.begin_read().expect("read");
    let accounts = scan(&r, "bank");
    assert_eq!(accounts.len() as u64, ACCOUNTS, "accounts");
    let sum: u64 = accounts.iter().map(|(_, v)| balance(v)).sum();
    assert_eq!(sum, ACCOUNTS * BALANCE, "money was created or lost");
    let meta = r.table("meta").expect("table");
    let n = balance(&r.get(meta, b"n").expect("get").expect("n"));
    for (k, v) in scan(&r, "ballast") {
        let made = balance(&v[..8]);
        assert!(
            made <= n,
            "ballast {k:?} from commit {made} is newer than the snapshot {n}"
        );
        assert!(v == ballast(made, v.len() - 8), "ballast {k:?} is torn");
    }
    assert!(
        scan(&r, "bank") == accounts,
        "a snapshot changed under its reader"
    );
}

fn setup_bank(db: &Database) {
    let mut w = db.begin_write().expect("begin");
    let bank = w.table("bank").expect("table");
    let ballast_t = w.table("ballast").expect("table");
    for i in 0..ACCOUNTS {
        w.insert(bank, &key(i), &BALANCE.to_le_bytes())
            .expect("insert");
        w.insert(ballast_t, &key(i), &ballast(0, 100))
            .expect("insert");
    }
    let meta = w.table("meta").expect("table");
    w.insert(meta, b"n", &0u64.to_le_bytes()).expect("insert");
    w.commit().expect("commit");
}

/// Moves money between accounts and rewrites ballast of every size, with checkpoints.
fn bank_commit(db: &Database, rng: &mut Rng, n: u64) {
    let mut w = db.begin_write().expect("begin");
    let bank = w.table("bank").expect("table");
    for _ in 0..3 {
        let (from, to) = (key(rng.below(ACCOUNTS)), key(rng.below(ACCOUNTS)));
        let a = balance(&w.get(bank, &from).expect("get").expect("from"));
        let amount = rng.below(a + 1);
        w.insert(bank, &from, &(a - amount).to_le_bytes())
            .expect("insert");
        let b = balance(&w.get(bank, &to).expect("get").expect("to"));
        w.insert(bank, &to, &(b + amount).to_le_bytes())
            .expect("insert");
    }
    let ballast_t = w.table("ballast").expect("table");
    for _ in 0..1 + rng.below(3) {
        let len = value_len(rng);
        w.insert(ballast_t, &key(rng.below(ACCOUNTS)), &ballast(n, len))
            .expect("insert");
    }
    let meta = w.table("meta").expect("table");
    w.insert(meta, b"n", &n.to_le_bytes()).expect("insert");
    w.commit().expect("commit");
    if n.is_multiple_of(25) {
        db.checkpoint().expect("checkpoint");
    }
}

/// `n` threads checking the bank's invariants in fresh read transactions until `stop`; each
/// returns how many passes it made.
fn spawn_checkers(
    db: &Database,
    stop: &Arc<AtomicBool>,
    n: usize,
) -> Vec<std::thread::JoinHandle<u64>> {
    (0..n)
        .map(|_| {
            let (db, stop) = (db.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut passes = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    check_invariants(&db);
                    passes += 1;
                }
                passes
            })
        })
        .collect()
}

fn bank_stress(db: &Database, run_for: Duration, what: &str) {
    setup_bank(db);
    let stop = Arc::new(AtomicBool::new(false));
    let readers = spawn_checkers(db, &stop, 4);
    let mut rng = Rng::new(9);
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < run_for {
        n += 1;
        bank_commit(db, &mut rng, n);
    }
    stop.store(true, Ordering::Relaxed);
    for (i, reader) in readers.into_iter().enumerate() {
        let passes = reader
            .join()
            .unwrap_or_else(|_| panic!("{what}: reader {i} saw a broken invariant"));
        assert!(passes > 0, "{what}: reader {i} never ran");
    }
    assert!(n > 10, "{what}: only {n} commits");
    check_invariants(db);
    let report = db.check_integrity().expect("check_integrity");
    assert!(report.is_ok(), "{what}: {:?}", report.errors);
}

#[test]
fn four_readers_see_the_invariant_hold_while_a_writer_commits() {
    let run_for = Duration::from_millis(if stress() { 15_000 } else { 1_000 });
    let db = Database::open(DB, small_options(MemVfs::new())).expect("open");
    bank_stress(&db, run_for, "memory");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path().join("bank.tsdb"), os_options()).expect("open");
    bank_stress(&db, run_for, "os file");
}

/// A read transaction held across commits, with what it saw when it began.
struct Held {
    r: ReadTxn,
    bank: Entries,
    ballast: Entries,
}

impl Held {
    fn new(db: &Database) -> Held {
        let r = db.begin_read().expect("read");
        let (bank, ballast) = (scan(&r, "bank"), scan(&r, "ballast"));
        Held { r, bank, ballast }
    }

    fn check(&self, what: &str) {
        assert!(scan(&self.r, "bank") == self.bank, "{what}: bank changed");
        assert!(
            scan(&self.r, "ballast") == self.ballast,
            "{what}: ballast changed"
        );
    }
}

/// More held readers than the registry has slots (so some live in its overflow map), begun at
/// different commits and dropped mostly oldest first, while short readers on 3 threads begin and end
/// transactions as fast as they can and the writer commits and checkpoints: every held snapshot
/// stays byte for byte what it was (its pages were not reused), and once all are gone the pages
/// they held back are freed.
fn held_readers_stress(db: &Database, what: &str) {
    const HELD: usize = 150;
    setup_bank(db);
    let stop = Arc::new(AtomicBool::new(false));
    let short = spawn_checkers(db, &stop, 3);
    let mut rng = Rng::new(17);
    let mut held: Vec<Held> = Vec::new();
    let mut n = 0;
    for _ in 0..HELD {
        n += 1;
        bank_commit(db, &mut rng, n);
        held.push(Held::new(db));
    }
    let stats = db.stats().expect("stats");
    assert!(
        stats.live_readers >= HELD as u64,
        "{what}: {} live readers",
        stats.live_readers
    );
    let pending_held = stats.pending_pages;
    while !held.is_empty() {
        for _ in 0..3 {
            n += 1;
            bank_commit(db, &mut rng, n);
        }
        // Mostly the oldest first, so the readers that began when every slot was taken (in the
        // overflow map) become the oldest while they live.
        let i = if rng.percent(80) {
            0
        } else {
            rng.below(held.len() as u64) as usize
        };
        held.remove(i).check(what);
        if rng.percent(30) {
            held.push(Held::new(db));
        }
        for h in held.iter().step_by(7) {
            h.check(what);
        }
    }
    stop.store(true, Ordering::Relaxed);
    for (i, t) in short.into_iter().enumerate() {
        let passes = t
            .join()
            .unwrap_or_else(|_| panic!("{what}: short reader {i} saw a broken invariant"));
        assert!(passes > 0, "{what}: short reader {i} never ran");
    }
    for _ in 0..2 {
        n += 1;
        bank_commit(db, &mut rng, n);
    }
    let stats = db.stats().expect("stats");
    assert_eq!(stats.live_readers, 0, "{what}: readers left registered");
    assert!(
        stats.pending_pages < pending_held,
        "{what}: {} pages still held back (with {HELD} readers: {pending_held})",
        stats.pending_pages
    );
    let report = db.check_integrity().expect("check_integrity");
    assert!(report.is_ok(), "{what}: {:?}", report.errors);
}

#[test]
fn held_readers_past_the_registry_slots_keep_their_pages_while_short_readers_churn() {
    let db = Database::open(DB, small_options(MemVfs::new())).expect("open");
    held_readers_stress(&db, "memory");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path().join("held.tsdb"), os_options()).expect("open");
    held_readers_stress(&db, "os file");
}

/// Makes every WAL sync take a while, so committers pile up behind it, and counts them.
#[derive(Default)]
struct SlowWalSync {
    syncs: AtomicU64,
}

impl Hooks for SlowWalSync {
    fn sync(&self, path: &Path) -> std::io::Result<()> {
        if is_wal(path) {
            std::thread::sleep(Duration::from_millis(2));
            self.syncs.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

#[test]
fn concurrent_sync_committers_share_fsyncs_and_are_all_durable() {
    const THREADS: u64 = 8;
    const EACH: u64 = 20;
    let faulty = FaultyVfs::new(0);
    let vfs = HookVfs::new(faulty.clone(), SlowWalSync::default());
    let db = Database::open(DB, small_options(vfs.clone())).expect("open");
    let before = vfs.hooks.syncs.load(Ordering::SeqCst);
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let db = db.clone();
            std::thread::spawn(move || {
                for i in 0..EACH {
                    let mut w = db.begin_write().expect("begin");
                    let table = w.table("t").expect("table");
                    w.insert(table, &key(t * 1000 + i), &value(t * 1000 + i, 50))
                        .expect("insert");
                    w.commit().expect("commit");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("committer");
    }
    let syncs = vfs.hooks.syncs.load(Ordering::SeqCst) - before;
    let commits = THREADS * EACH;
    assert!(
        syncs < commits,
        "{commits} commits took {syncs} WAL syncs: no group commit"
    );
    // Every acknowledged commit must be in what was synced.
    faulty.crash_now(CrashConfig::drop_all());
    drop(db);
    let state =
        recover(&faulty.crash_image().expect("crashed"), Durability::Sync).expect("recover");
    let mut want = State::new();
    let t = want.entry("t".to_string()).or_default();
    for n in op_numbers(THREADS, EACH) {
        t.insert(key(n), value(n, 50));
    }
    assert!(
        state == want,
        "acknowledged commits are missing after a power cut"
    );
}

/// Group commit under power cuts: eight threads commit pairs of keys at once (small enough WAL
/// that commits also checkpoint), and the power is cut at each sync point in turn, with unsynced
/// writes dropped, applied or torn. Every commit a thread saw acknowledged is in the recovered
/// image, and no commit is there by half.
#[test]
fn concurrent_committers_keep_every_acknowledged_commit_at_every_sync_point() {
    const THREADS: u64 = 8;
    const EACH: u64 = 5;
    let opts = |vfs: &FaultyVfs| Options {
        checkpoint_wal_bytes: 16 << 10,
        ..small_options(vfs.clone())
    };
    let pair = |n: u64| (key(n * 2), key(n * 2 + 1));
    // Runs the committers; returns the commits acknowledged.
    let run = |vfs: &FaultyVfs| -> Vec<u64> {
        let Ok(db) = Database::open(DB, opts(vfs)) else {
            return Vec::new();
        };
        acknowledged_ops(THREADS, EACH, |n| {
            let (a, b) = pair(n);
            let commit = || -> treestore_core::Result<()> {
                let mut w = db.begin_write()?;
                let table = w.table("t")?;
                w.insert(table, &a, &value(n, 40 + (n % 7) as usize * 60))?;
                w.insert(table, &b, &value(n + 1, 30))?;
                w.commit()
            };
            match commit() {
                Ok(()) => Ack::Yes,
                Err(_) => Ack::Stop,
            }
        })
    };
    let counting = FaultyVfs::new(0);
    assert_eq!(run(&counting).len() as u64, THREADS * EACH);
    let syncs = counting.sync_count();
    let crashed = cut_power_at_every_sync(syncs, run, |t, acked, what| {
        for n in acked {
            let (a, b) = pair(n);
            assert!(
                t.get(&a) == Some(&value(n, 40 + (n % 7) as usize * 60))
                    && t.get(&b) == Some(&value(n + 1, 30)),
                "{what}: acknowledged commit {n} is missing"
            );
        }
        for n in op_numbers(THREADS, EACH) {
            let (a, b) = pair(n);
            assert_eq!(
                t.contains_key(&a),
                t.contains_key(&b),
                "{what}: commit {n} is there by half"
            );
        }
    });
    assert!(crashed > syncs, "only {crashed} runs reached their cut");
}
