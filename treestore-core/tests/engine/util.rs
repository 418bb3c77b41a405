//! What the scenario tests share: the model state, a seeded generator, deterministic workloads of
//! commits and checkpoints with the model state after each commit, and a reader that dumps a whole
//! database while checking that forward scans, reverse scans, lookups and counts agree.

use std::collections::BTreeMap;
use std::io;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use treestore_core::storage::vfs::{LockMode, MemVfs, OpenOptions, Vfs, VfsFile};
use treestore_core::{Database, Durability, Error, ErrorKind, Options, ReadOps, Result};

/// Path of the database in the memory file systems.
pub const DB: &str = "/db";

/// The model: table name -> key -> value. Empty tables are left out.
pub type State = BTreeMap<String, BTreeMap<Vec<u8>, Vec<u8>>>;

/// Tables the workloads spread their keys over.
pub const TABLES: [&str; 3] = ["alpha", "beta", "gamma"];

/// Options for the memory file systems: 1 KiB pages so a few hundred keys split and merge nodes.
/// See [`small_options`].
pub const DIRECT_COMMIT_BYTES: u64 = 4 << 10;

pub fn small_options(vfs: impl Vfs) -> Options {
    Options {
        vfs: Arc::new(vfs),
        page_size: 1024,
        durability: Durability::Sync,
        // Relaxed databases sync only at checkpoints, so sync points stay deterministic.
        sync_interval: Duration::from_secs(3600),
        // Commits of four pages or more go straight into the main file, smaller ones through
        // the WAL: every scenario runs both commit paths, mixed.
        direct_commit_bytes: DIRECT_COMMIT_BYTES,
        ..Options::default()
    }
}

/// Whether the long runs were asked for (`make stress`).
pub fn stress() -> bool {
    std::env::var_os("TREESTORE_STRESS").is_some_and(|v| v != "0")
}

pub use treestore_core::rng::Rng;

/// A value of `len` bytes that names its origin, so a value from the wrong commit never compares
/// equal by accident.
pub fn value(tag: u64, len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len);
    let mut x = tag.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1;
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    v
}

/// Value sizes with the mix the tests want: mostly small, some near the inline limit, some larger
/// than a 1 KiB page (overflow chains).
pub fn value_len(rng: &mut Rng) -> usize {
    match rng.below(100) {
        0..=59 => rng.below(120) as usize,
        60..=84 => 120 + rng.below(280) as usize,
        _ => 1000 + rng.below(4000) as usize,
    }
}

/// One change inside a commit.
#[derive(Debug, Clone)]
pub enum Op {
    Insert {
        table: &'static str,
        key: Vec<u8>,
        value: Vec<u8>,
    },
    Remove {
        table: &'static str,
        key: Vec<u8>,
    },
}

/// One step of a workload.
#[derive(Debug, Clone)]
pub enum Step {
    Commit(Vec<Op>),
    Checkpoint,
}

/// A workload of `commits` commits of mixed inserts (some with overflow values), updates and removes
/// (some of absent keys) over [`TABLES`], with explicit checkpoints every few commits.
pub fn workload(seed: u64, commits: usize) -> Vec<Step> {
    let mut rng = Rng::new(seed);
    let mut steps = Vec::new();
    for c in 0..commits {
        let n = 1 + rng.below(12) as usize;
        let ops = (0..n)
            .map(|i| {
                let table = TABLES[rng.below(TABLES.len() as u64) as usize];
                let key = format!("k{:05}", rng.below(150)).into_bytes();
                if rng.percent(25) {
                    Op::Remove { table, key }
                } else {
                    let len = value_len(&mut rng);
                    let tag = seed ^ ((c as u64) << 20) ^ i as u64;
                    Op::Insert {
                        table,
                        key,
                        value: value(tag, len),
                    }
                }
            })
            .collect();
        steps.push(Step::Commit(ops));
        if rng.percent(15) {
            steps.push(Step::Checkpoint);
        }
    }
    steps
}

/// Applies one commit's ops to a model state.
pub fn apply(state: &mut State, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Insert { table, key, value } => {
                state
                    .entry(table.to_string())
                    .or_default()
                    .insert(key.clone(), value.clone());
            }
            Op::Remove { table, key } => {
                if let Some(t) = state.get_mut(*table) {
                    t.remove(key);
                    if t.is_empty() {
                        state.remove(*table);
                    }
                }
            }
        }
    }
}

/// The model state after each prefix of the commits: `states[i]` follows the first `i` commits.
pub fn expected_states(start: &State, steps: &[Step]) -> Vec<State> {
    let mut states = vec![start.clone()];
    for step in steps {
        if let Step::Commit(ops) = step {
            let mut next = states.last().cloned().unwrap_or_default();
            apply(&mut next, ops);
            states.push(next);
        }
    }
    states
}

/// How far a workload got.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Commits whose `commit()` returned `Ok`.
    pub acked: usize,
    /// Commits whose `commit()` was called (acknowledged or not).
    pub attempted: usize,
    /// Commits made durable by a checkpoint that returned `Ok` (explicit or run inside a commit).
    pub checkpointed: usize,
    /// The first error, which ended the run.
    pub error: Option<Error>,
}

fn commit_ops(db: &Database, ops: &[Op]) -> Result<()> {
    let mut w = db.begin_write()?;
    for op in ops {
        match op {
            Op::Insert { table, key, value } => {
                let t = w.table(table)?;
                w.insert(t, key, value)?;
            }
            Op::Remove { table, key } => {
                let t = w.table(table)?;
                w.remove(t, key)?;
            }
        }
    }
    w.commit()
}

/// Runs `steps` until the first error.
pub fn run(db: &Database, steps: &[Step]) -> Outcome {
    let mut out = Outcome::default();
    let mut checkpoints = db.stats().map(|s| s.checkpoints).unwrap_or(0);
    for step in steps {
        let result = match step {
            Step::Commit(ops) => {
                out.attempted += 1;
                let r = commit_ops(db, ops);
                if r.is_ok() {
                    out.acked += 1;
                }
                r
            }
            Step::Checkpoint => db.checkpoint(),
        };
        if let Err(e) = result {
            out.error = Some(e);
            return out;
        }
        let now = db.stats().map(|s| s.checkpoints).unwrap_or(checkpoints);
        if now != checkpoints {
            out.checkpointed = out.attempted;
            checkpoints = now;
        }
    }
    out
}

/// Reads the whole database through one read transaction, checking on the way that every table
/// scans in strictly ascending order, that a reverse scan yields the same entries reversed, that
/// every key looks up to its scanned value and that each table's count matches.
pub fn dump(db: &Database) -> Result<State> {
    let r = db.begin_read()?;
    let mut state = State::new();
    for name in r.table_names()? {
        let t = r.table(&name)?;
        let mut forward: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for kv in r.range(t, Bound::Unbounded, Bound::Unbounded)? {
            let (k, v) = kv?;
            forward.push((k.to_vec(), v.to_vec()));
        }
        assert!(
            forward.windows(2).all(|w| w[0].0 < w[1].0),
            "table {name}: forward scan out of order"
        );
        let mut reverse: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for kv in r.range_rev(t, Bound::Unbounded, Bound::Unbounded)? {
            let (k, v) = kv?;
            reverse.push((k.to_vec(), v.to_vec()));
        }
        reverse.reverse();
        assert!(forward == reverse, "table {name}: reverse scan differs");
        for (k, v) in &forward {
            let got = r.get(t, k)?.map(|b| b.to_vec());
            assert_eq!(got.as_ref(), Some(v), "table {name}: get({k:?}) differs");
        }
        assert_eq!(
            r.table_len(t)? as usize,
            forward.len(),
            "table {name}: table_len differs from the scan"
        );
        if !forward.is_empty() {
            state.insert(name, forward.into_iter().collect());
        }
    }
    Ok(state)
}

/// Opens the database in `image` read-only (which replays the WAL without repairing anything),
/// then read-write, checks its integrity and returns its state; both opens must read the same.
/// Only a database that holds nothing may fail to open read-only (its creation was cut short).
pub fn recover(image: &MemVfs, durability: Durability) -> Result<State> {
    let read_only = Options {
        read_only: true,
        ..small_options(image.clone())
    };
    let seen_read_only = Database::open(DB, read_only).and_then(|db| dump(&db));
    let opts = Options {
        durability,
        ..small_options(image.clone())
    };
    let db = Database::open(DB, opts)?;
    let report = db.check_integrity()?;
    if !report.is_ok() {
        return Err(Error::new(
            ErrorKind::Corruption,
            format!("integrity check failed: {:?}", report.errors),
        ));
    }
    let state = dump(&db)?;
    match seen_read_only {
        Ok(seen) => assert!(seen == state, "a read-only open reads another state"),
        Err(e) => assert!(state.is_empty(), "a read-only open failed: {e}"),
    }
    Ok(state)
}

/// Which of `states[lo..=hi]` `state` equals, if any.
pub fn matching_prefix(states: &[State], state: &State, lo: usize, hi: usize) -> Option<usize> {
    (lo..=hi.min(states.len() - 1)).find(|&i| states[i] == *state)
}

/// A short description of a state for failure messages.
pub fn describe(state: &State) -> String {
    state
        .iter()
        .map(|(t, m)| format!("{t}: {} keys", m.len()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Asserts that `state` is the model state after some prefix of at least `lo` and at most `hi`
/// commits, and returns that prefix's length.
#[track_caller]
pub fn assert_prefix(states: &[State], state: &State, lo: usize, hi: usize, what: &str) -> usize {
    match matching_prefix(states, state, lo, hi) {
        Some(i) => i,
        None => {
            let any = (0..states.len()).find(|&i| states[i] == *state);
            panic!(
                "{what}: recovered state [{}] is not the state after {lo}..={hi} commits \
                 (it matches prefix {any:?} of {})",
                describe(state),
                states.len() - 1
            )
        }
    }
}

/// Calls a test watches or steers, made on a [`HookVfs`]'s files. `path` names the file.
pub trait Hooks: Send + Sync + 'static {
    fn read(&self, _path: &Path, _len: usize) {}
    fn wrote(&self, _path: &Path, _len: usize) {}
    /// Runs before the sync; an error is returned instead of syncing.
    fn sync(&self, _path: &Path) -> io::Result<()> {
        Ok(())
    }
}

/// Memory files (or any other [`Vfs`]) with [`Hooks`] on reads, writes and syncs.
pub struct HookVfs<H> {
    pub inner: Arc<dyn Vfs>,
    pub hooks: Arc<H>,
}

impl<H> Clone for HookVfs<H> {
    fn clone(&self) -> Self {
        HookVfs {
            inner: self.inner.clone(),
            hooks: self.hooks.clone(),
        }
    }
}

impl<H: Hooks> HookVfs<H> {
    pub fn new(inner: impl Vfs, hooks: H) -> Self {
        HookVfs {
            inner: Arc::new(inner),
            hooks: Arc::new(hooks),
        }
    }
}

struct HookFile<H> {
    inner: Box<dyn VfsFile>,
    hooks: Arc<H>,
    path: PathBuf,
}

impl<H: Hooks> Vfs for HookVfs<H> {
    fn open(&self, path: &Path, opts: OpenOptions) -> io::Result<Box<dyn VfsFile>> {
        Ok(Box::new(HookFile {
            inner: self.inner.open(path, opts)?,
            hooks: self.hooks.clone(),
            path: path.to_path_buf(),
        }))
    }
    fn exists(&self, path: &Path) -> io::Result<bool> {
        self.inner.exists(path)
    }
    fn remove(&self, path: &Path) -> io::Result<()> {
        self.inner.remove(path)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.inner.rename(from, to)
    }
}

impl<H: Hooks> VfsFile for HookFile<H> {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.hooks.read(&self.path, buf.len());
        self.inner.read_at(buf, offset)
    }
    fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.inner.write_at(buf, offset)?;
        self.hooks.wrote(&self.path, buf.len());
        Ok(())
    }
    fn sync(&self) -> io::Result<()> {
        self.hooks.sync(&self.path)?;
        self.inner.sync()
    }
    fn len(&self) -> io::Result<u64> {
        self.inner.len()
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        self.inner.set_len(len)
    }
    fn try_lock(&self, mode: LockMode) -> io::Result<bool> {
        self.inner.try_lock(mode)
    }
}

/// Whether `path` is a WAL.
pub fn is_wal(path: &Path) -> bool {
    path.to_string_lossy().ends_with("-wal")
}

/// Cuts the power at each of the first `syncs` sync points in turn (the count a run without a cut
/// saw: thread interleavings vary it), with unsynced writes dropped, applied and torn. `run` runs
/// the workload on the faulty file system and returns what its callers saw acknowledged; `check`
/// gets the recovered table `t`, that, and a label naming the cut. Returns how many runs reached
/// their cut (a run whose interleaving synced fewer times never does).
pub fn cut_power_at_every_sync<A>(
    syncs: u64,
    run: impl Fn(&treestore_core::storage::vfs::FaultyVfs) -> A,
    check: impl Fn(&BTreeMap<Vec<u8>, Vec<u8>>, A, &str),
) -> u64 {
    use treestore_core::storage::vfs::{CrashConfig, FaultyVfs};
    let modes = [
        CrashConfig::drop_all(),
        CrashConfig::apply_all(),
        CrashConfig::chaos(),
    ];
    let mut crashed = 0;
    for k in 1..=syncs {
        for (mi, mode) in modes.iter().enumerate() {
            let vfs = FaultyVfs::new(k * 10 + mi as u64);
            vfs.crash_at_sync(k, *mode);
            let acked = run(&vfs);
            let Some(image) = vfs.crash_image() else {
                continue;
            };
            crashed += 1;
            let what = format!("crash at sync {k}/{syncs} (mode {mi})");
            let state = recover(&image, Durability::Sync)
                .unwrap_or_else(|e| panic!("{what}: recovery failed: {e}"));
            let empty = BTreeMap::new();
            check(state.get("t").unwrap_or(&empty), acked, &what);
        }
    }
    crashed
}

/// The number of the `i`th operation of thread `t` in [`acknowledged_ops`] (and its tests' keys).
pub fn op_number(t: u64, i: u64) -> u64 {
    t * 1000 + i
}

/// Every operation number of `threads` threads running `each` operations.
pub fn op_numbers(threads: u64, each: u64) -> impl Iterator<Item = u64> {
    (0..threads).flat_map(move |t| (0..each).map(move |i| op_number(t, i)))
}

/// What one operation of [`acknowledged_ops`] came to.
pub enum Ack {
    /// It returned success: the caller may count on it.
    Yes,
    /// It was refused as the test meant it to be; the thread goes on.
    Refused,
    /// It failed (the database went away under a cut): the thread stops.
    Stop,
}

/// Runs `each` operations on each of `threads` threads at once, operation [`op_number`]`(t, i)`
/// being thread `t`'s `i`th; returns the numbers of those acknowledged.
pub fn acknowledged_ops(threads: u64, each: u64, op: impl Fn(u64) -> Ack + Sync) -> Vec<u64> {
    let acked = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for t in 0..threads {
            let (op, acked) = (&op, &acked);
            s.spawn(move || {
                for i in 0..each {
                    let n = op_number(t, i);
                    match op(n) {
                        Ack::Yes => acked.lock().expect("acked").push(n),
                        Ack::Refused => {}
                        Ack::Stop => return,
                    }
                }
            });
        }
    });
    acked.into_inner().expect("acked")
}
