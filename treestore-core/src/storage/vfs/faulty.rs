//! [`FaultyVfs`]: memory files that fail on cue and rebuild what a power cut would leave, for
//! error-injection and crash-consistency tests (after SQLite's crash VFS, `test6.c`, and redb's
//! `crash_consistency` test).
//!
//! Each file keeps its live contents (what reads see), its durable image (its contents as of its last
//! sync) and the writes issued since, in order. Invariant: applying those pending writes in order to
//! the durable image gives the live contents. A crash builds a [`MemVfs`] from the durable images,
//! with each pending write applied whole, dropped, torn at a sector boundary or garbled, in issue
//! order or shuffled, as a [`CrashConfig`] and a seeded generator decide.
//!
//! Simplifications, so read the images with them in mind:
//! - `set_len` is durable at once, on the live and the durable image alike (pending writes past a
//!   truncation are cut back). A real `ftruncate` is only durable after a sync.
//! - Creating and removing a file are durable at once, as [`OsVfs`](super::OsVfs) syncs the directory.
//! - A sync through any handle makes every write to that file durable, as `fdatasync` does.
//! - All files share one lock, so a crash image is one consistent cut across files.

use super::memory::{self, FileLocks, HandleLock};
use super::{LockMode, MemVfs, OpenOptions, Vfs, VfsFile};

use parking_lot::{Mutex, MutexGuard};
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A torn write keeps a whole number of sectors of this size, counted from the write's start.
const SECTOR: usize = 512;

/// What a crash does to each write that was not yet synced. Each pending write draws its fate on its
/// own, with probability `weight / (apply + drop + tear + garble)`; when every weight is zero, every
/// pending write is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrashConfig {
    /// Weight of a pending write reaching the image whole.
    pub apply: u32,
    /// Weight of a pending write being lost.
    pub drop: u32,
    /// Weight of a pending write being torn: only a prefix of whole 512-byte sectors from its start
    /// reaches the image (possibly none, never all of it).
    pub tear: u32,
    /// Weight of a pending write's range being filled with pseudo-random bytes.
    pub garble: u32,
    /// Whether a file's pending writes land in a shuffled order rather than in issue order, so an
    /// earlier write can overwrite a later one where they overlap.
    pub reorder: bool,
}

impl CrashConfig {
    /// Every pending write is lost: the image is the contents as of each file's last sync.
    pub fn drop_all() -> Self {
        Self::only(Fate::Drop)
    }

    /// Every pending write lands, in order: the image is the live contents.
    pub fn apply_all() -> Self {
        Self::only(Fate::Apply)
    }

    /// Mostly applied, often dropped, sometimes torn or garbled, in shuffled order.
    pub fn chaos() -> Self {
        CrashConfig {
            apply: 4,
            drop: 2,
            tear: 1,
            garble: 1,
            reorder: true,
        }
    }

    fn only(fate: Fate) -> Self {
        CrashConfig {
            apply: u32::from(fate == Fate::Apply),
            drop: u32::from(fate == Fate::Drop),
            tear: u32::from(fate == Fate::Tear),
            garble: u32::from(fate == Fate::Garble),
            reorder: false,
        }
    }

    fn fate(&self, rng: &mut SplitMix64) -> Fate {
        let weights = [
            (self.apply, Fate::Apply),
            (self.drop, Fate::Drop),
            (self.tear, Fate::Tear),
            (self.garble, Fate::Garble),
        ];
        let total: u64 = weights.iter().map(|&(w, _)| u64::from(w)).sum();
        let mut roll = rng.below(total);
        for (weight, fate) in weights {
            if roll < u64::from(weight) {
                return fate;
            }
            roll -= u64::from(weight);
        }
        Fate::Drop
    }
}

/// What happens to one pending write in a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Apply,
    Drop,
    Tear,
    Garble,
}

/// The splitmix64 generator: tiny, seedable, and good enough to pick fates and garbage.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (0 when `n` is 0); the modulo bias is irrelevant here.
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    /// Fisher-Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            for (dst, src) in chunk.iter_mut().zip(self.next().to_le_bytes()) {
                *dst = src;
            }
        }
    }
}

/// A memory file system with injected I/O errors and simulated power cuts. Cloning is cheap and
/// yields a handle to the same files, counters and faults.
#[derive(Clone)]
pub struct FaultyVfs {
    state: Arc<Mutex<State>>,
}

/// Everything behind one lock. Lock order: `State`, then a node's `image`.
struct State {
    files: BTreeMap<PathBuf, Arc<Node>>,
    rng: SplitMix64,
    writes: u64,
    syncs: u64,
    /// The value of `writes` at which `write_at` fails once.
    fail_write: Option<u64>,
    /// The value of `syncs` at which `sync` fails once.
    fail_sync: Option<u64>,
    /// The value of `syncs` at which the power is cut, and how.
    crash_at: Option<(u64, CrashConfig)>,
    /// The image left by the crash, once crashed; from then on every operation fails.
    crashed: Option<MemVfs>,
}

impl State {
    fn check_alive(&self) -> io::Result<()> {
        match self.crashed {
            Some(_) => Err(power_cut()),
            None => Ok(()),
        }
    }

    /// Builds the crash image and enters the crashed state; a second crash changes nothing.
    fn crash(&mut self, config: CrashConfig) {
        if self.crashed.is_some() {
            return;
        }
        let image = MemVfs::new();
        for (path, node) in &self.files {
            let bytes = node.image.lock().crash_bytes(&config, &mut self.rng);
            image.set_file_bytes(path, bytes);
        }
        self.crashed = Some(image);
    }

    fn node(&mut self, path: &Path, create: bool) -> io::Result<Arc<Node>> {
        if let Some(node) = self.files.get(path) {
            return Ok(Arc::clone(node));
        }
        if !create {
            return Err(memory::not_found(path));
        }
        let node = Arc::new(Node::default());
        self.files.insert(path.to_path_buf(), Arc::clone(&node));
        Ok(node)
    }
}

fn power_cut() -> io::Error {
    io::Error::other("simulated power cut")
}

/// One file, shared by every handle opened on it.
#[derive(Default)]
struct Node {
    image: Mutex<FileImage>,
    locks: Arc<FileLocks>,
}

/// Invariant: applying `pending` in order to `durable` gives `live`.
#[derive(Default)]
struct FileImage {
    live: Vec<u8>,
    durable: Vec<u8>,
    pending: Vec<PendingWrite>,
}

impl FileImage {
    fn with_bytes(bytes: Vec<u8>) -> Self {
        FileImage {
            live: bytes.clone(),
            durable: bytes,
            pending: Vec::new(),
        }
    }

    fn write(&mut self, buf: &[u8], offset: u64) -> io::Result<()> {
        let range = memory::byte_range(offset, buf.len())?;
        memory::write_bytes(&mut self.live, buf, offset)?;
        if !buf.is_empty() {
            self.pending.push(PendingWrite {
                offset: range.start,
                data: buf.to_vec(),
            });
        }
        Ok(())
    }

    fn sync(&mut self) {
        self.durable.clone_from(&self.live);
        self.pending.clear();
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        memory::resize_bytes(&mut self.live, len)?;
        memory::resize_bytes(&mut self.durable, len)?;
        let end = self.live.len();
        self.pending.retain_mut(|write| write.clip(end));
        Ok(())
    }

    /// The contents a crash leaves: the durable image with each pending write meeting its fate.
    fn crash_bytes(&self, config: &CrashConfig, rng: &mut SplitMix64) -> Vec<u8> {
        let mut order: Vec<&PendingWrite> = self.pending.iter().collect();
        if config.reorder {
            rng.shuffle(&mut order);
        }
        let mut out = self.durable.clone();
        for write in order {
            write.land(&mut out, config.fate(rng), rng);
        }
        out
    }
}

/// A write not yet synced. Invariant: `offset + data.len()` fits in a `usize` (checked on write).
struct PendingWrite {
    offset: usize,
    data: Vec<u8>,
}

impl PendingWrite {
    /// Cuts the write back to end at `end`; `false` when nothing of it is left.
    fn clip(&mut self, end: usize) -> bool {
        if self.offset >= end {
            return false;
        }
        self.data.truncate(end - self.offset);
        true
    }

    fn land(&self, out: &mut Vec<u8>, fate: Fate, rng: &mut SplitMix64) {
        match fate {
            Fate::Apply => put(out, self.offset, &self.data),
            Fate::Drop => {}
            Fate::Tear => {
                let sectors = self.data.len().div_ceil(SECTOR) as u64;
                let keep = (rng.below(sectors) as usize).saturating_mul(SECTOR);
                put(out, self.offset, self.data.get(..keep).unwrap_or_default());
            }
            Fate::Garble => {
                let mut noise = vec![0u8; self.data.len()];
                rng.fill(&mut noise);
                put(out, self.offset, &noise);
            }
        }
    }
}

/// Writes `bytes` into `out` at `offset`, zero-filling any gap; an empty write changes nothing.
fn put(out: &mut Vec<u8>, offset: usize, bytes: &[u8]) {
    let Some(end) = offset.checked_add(bytes.len()) else {
        return;
    };
    if bytes.is_empty() {
        return;
    }
    if out.len() < end {
        out.resize(end, 0);
    }
    if let Some(dst) = out.get_mut(offset..end) {
        dst.copy_from_slice(bytes);
    }
}

impl FaultyVfs {
    /// An empty file system whose crash decisions are drawn from `seed`: the same seed and the same
    /// sequence of operations give the same crash image.
    pub fn new(seed: u64) -> Self {
        FaultyVfs {
            state: Arc::new(Mutex::new(State {
                files: BTreeMap::new(),
                rng: SplitMix64(seed),
                writes: 0,
                syncs: 0,
                fail_write: None,
                fail_sync: None,
                crash_at: None,
                crashed: None,
            })),
        }
    }

    /// Like [`FaultyVfs::new`], starting with the files of `image`, all durable (for crashing again
    /// during recovery from a crash image).
    pub fn from_image(seed: u64, image: &MemVfs) -> Self {
        let vfs = Self::new(seed);
        {
            let mut state = vfs.state.lock();
            for path in image.paths() {
                let bytes = image.file_bytes(&path).unwrap_or_default();
                let node = Node {
                    image: Mutex::new(FileImage::with_bytes(bytes)),
                    locks: Arc::default(),
                };
                state.files.insert(path, Arc::new(node));
            }
        }
        vfs
    }

    /// How many times `write_at` has been called on any file, whatever the outcome.
    pub fn write_count(&self) -> u64 {
        self.state.lock().writes
    }

    /// How many times `sync` has been called on any file, whatever the outcome.
    pub fn sync_count(&self) -> u64 {
        self.state.lock().syncs
    }

    /// Makes the `n`-th `write_at` from now (1-based, on any file) fail with an `Other` error
    /// without writing anything; later writes work again. Replaces an earlier request; `n = 0`
    /// cancels it.
    pub fn fail_write_at(&self, n: u64) {
        let mut state = self.state.lock();
        state.fail_write = (n != 0).then(|| state.writes.saturating_add(n));
    }

    /// Makes the `n`-th `sync` from now (1-based, on any file) fail with an `Other` error without
    /// making anything durable; later syncs work again. Replaces an earlier request; `n = 0`
    /// cancels it.
    pub fn fail_sync_at(&self, n: u64) {
        let mut state = self.state.lock();
        state.fail_sync = (n != 0).then(|| state.syncs.saturating_add(n));
    }

    /// Cuts the power when the `n`-th `sync` from now (1-based, on any file) is called, before it
    /// takes effect: the crash image is built with `mode`, and that sync and every later operation
    /// fail. Replaces an earlier request; `n = 0` cancels it.
    pub fn crash_at_sync(&self, n: u64, mode: CrashConfig) {
        let mut state = self.state.lock();
        state.crash_at = (n != 0).then(|| (state.syncs.saturating_add(n), mode));
    }

    /// Cuts the power now: builds the crash image with `mode`, after which every operation fails.
    /// Does nothing when already crashed.
    pub fn crash_now(&self, mode: CrashConfig) {
        self.state.lock().crash(mode);
    }

    /// Whether the power has been cut.
    pub fn is_crashed(&self) -> bool {
        self.state.lock().crashed.is_some()
    }

    /// A fresh copy of the image the crash left, or `None` before a crash. Each call returns a new
    /// copy, so one recovery attempt cannot disturb the next.
    pub fn crash_image(&self) -> Option<MemVfs> {
        self.state.lock().crashed.as_ref().map(MemVfs::deep_clone)
    }

    /// Every file as of its last sync, pending writes dropped.
    pub fn durable_image(&self) -> MemVfs {
        let image = MemVfs::new();
        for (path, node) in &self.state.lock().files {
            image.set_file_bytes(path, node.image.lock().durable.clone());
        }
        image
    }

    fn alive(&self) -> io::Result<MutexGuard<'_, State>> {
        let state = self.state.lock();
        state.check_alive()?;
        Ok(state)
    }
}

impl fmt::Debug for FaultyVfs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("FaultyVfs")
            .field("paths", &state.files.keys().collect::<Vec<_>>())
            .field("writes", &state.writes)
            .field("syncs", &state.syncs)
            .field("crashed", &state.crashed.is_some())
            .finish()
    }
}

impl Vfs for FaultyVfs {
    fn open(&self, path: &Path, opts: OpenOptions) -> io::Result<Box<dyn VfsFile>> {
        let node = self.alive()?.node(path, opts.create)?;
        let lock = HandleLock::new(Arc::clone(&node.locks));
        Ok(Box::new(FaultyFile {
            vfs: self.clone(),
            node,
            read_only: opts.read_only,
            lock,
        }))
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        Ok(self.alive()?.files.contains_key(path))
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        self.alive()?.files.remove(path);
        Ok(())
    }

    /// Durable at once, like creation and removal (see the module doc).
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.alive()?;
        let node = state.files.remove(from).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} does not exist", from.display()),
            )
        })?;
        state.files.insert(to.to_path_buf(), node);
        Ok(())
    }
}

/// An open [`FaultyVfs`] file.
struct FaultyFile {
    vfs: FaultyVfs,
    node: Arc<Node>,
    read_only: bool,
    lock: HandleLock,
}

impl FaultyFile {
    fn check_writable(&self) -> io::Result<()> {
        if self.read_only {
            return Err(memory::read_only_error());
        }
        Ok(())
    }
}

impl VfsFile for FaultyFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let _state = self.vfs.alive()?;
        memory::read_bytes(&self.node.image.lock().live, buf, offset)
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        let mut state = self.vfs.state.lock();
        state.writes = state.writes.saturating_add(1);
        state.check_alive()?;
        if state.fail_write == Some(state.writes) {
            state.fail_write = None;
            return Err(io::Error::other("injected write failure"));
        }
        self.check_writable()?;
        self.node.image.lock().write(buf, offset)
    }

    fn sync(&self) -> io::Result<()> {
        let mut state = self.vfs.state.lock();
        state.syncs = state.syncs.saturating_add(1);
        state.check_alive()?;
        if let Some((at, config)) = state.crash_at {
            if at == state.syncs {
                state.crash(config);
                return Err(power_cut());
            }
        }
        if state.fail_sync == Some(state.syncs) {
            state.fail_sync = None;
            return Err(io::Error::other("injected sync failure"));
        }
        self.node.image.lock().sync();
        Ok(())
    }

    fn len(&self) -> io::Result<u64> {
        let _state = self.vfs.alive()?;
        let len = self.node.image.lock().live.len();
        Ok(len as u64)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let _state = self.vfs.alive()?;
        self.check_writable()?;
        self.node.image.lock().set_len(len)
    }

    fn try_lock(&self, mode: LockMode) -> io::Result<bool> {
        let _state = self.vfs.alive()?;
        Ok(self.lock.try_lock(mode))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATE: OpenOptions = OpenOptions {
        create: true,
        read_only: false,
    };
    const EXISTING: OpenOptions = OpenOptions {
        create: false,
        read_only: false,
    };
    const READ_ONLY: OpenOptions = OpenOptions {
        create: false,
        read_only: true,
    };

    fn open(vfs: &impl Vfs, path: &str, opts: OpenOptions) -> Box<dyn VfsFile> {
        vfs.open(Path::new(path), opts).expect("open")
    }

    fn contents(file: &dyn VfsFile) -> Vec<u8> {
        let len = usize::try_from(file.len().expect("len")).expect("len fits");
        let mut buf = vec![0u8; len];
        file.read_at(&mut buf, 0).expect("read");
        buf
    }

    fn only(fate: Fate, reorder: bool) -> CrashConfig {
        CrashConfig {
            reorder,
            ..CrashConfig::only(fate)
        }
    }

    /// Two files with synced and pending writes, some overlapping, some past the end.
    fn workload(vfs: &FaultyVfs) -> (Box<dyn VfsFile>, Box<dyn VfsFile>) {
        let a = open(vfs, "a", CREATE);
        let b = open(vfs, "b", CREATE);
        a.write_at(&[1; 4096], 0).expect("write");
        a.sync().expect("sync");
        b.write_at(&[2; 1000], 0).expect("write");
        a.write_at(&[3; 1500], 1000).expect("write");
        a.write_at(&[4; 700], 2000).expect("write");
        a.write_at(&[5; 3000], 3500).expect("write");
        b.write_at(&[6; 10], 5000).expect("write");
        (a, b)
    }

    #[test]
    fn apply_all_image_equals_live_contents() {
        let vfs = FaultyVfs::new(1);
        let (a, b) = workload(&vfs);
        b.set_len(700).expect("truncate");
        let (live_a, live_b) = (contents(&*a), contents(&*b));
        vfs.crash_now(CrashConfig::apply_all());
        let image = vfs.crash_image().expect("image");
        assert_eq!(image.file_bytes("a").expect("a"), live_a);
        assert_eq!(image.file_bytes("b").expect("b"), live_b);
    }

    #[test]
    fn drop_all_image_equals_contents_at_last_sync() {
        let vfs = FaultyVfs::new(1);
        let (a, _b) = workload(&vfs);
        let durable = vfs.durable_image();
        assert_eq!(durable.file_bytes("a").expect("a"), vec![1; 4096]);
        assert_eq!(durable.file_bytes("b").expect("b"), Vec::<u8>::new());
        vfs.crash_at_sync(1, CrashConfig::drop_all());
        assert!(a.sync().is_err());
        let image = vfs.crash_image().expect("image");
        assert_eq!(image.file_bytes("a"), durable.file_bytes("a"));
        assert_eq!(image.file_bytes("b"), durable.file_bytes("b"));
    }

    #[test]
    fn torn_write_keeps_a_sector_aligned_prefix() {
        let mut kept = std::collections::BTreeSet::new();
        for seed in 0..32 {
            let vfs = FaultyVfs::new(seed);
            let f = open(&vfs, "a", CREATE);
            f.write_at(&[0xAA; 4096], 0).expect("write");
            f.sync().expect("sync");
            f.write_at(&[0xBB; 3000], 100).expect("write");
            vfs.crash_now(only(Fate::Tear, false));
            let bytes = vfs
                .crash_image()
                .expect("image")
                .file_bytes("a")
                .expect("a");
            assert_eq!(bytes.len(), 4096);
            let torn = bytes.iter().skip(100).take_while(|&&b| b == 0xBB).count();
            assert_eq!(torn % SECTOR, 0, "seed {seed}");
            assert!(torn < 3000, "seed {seed}");
            assert!(bytes[..100].iter().all(|&b| b == 0xAA));
            assert!(bytes[100 + torn..].iter().all(|&b| b == 0xAA));
            kept.insert(torn);
        }
        assert!(kept.len() > 2, "tears should vary: {kept:?}");
    }

    #[test]
    fn garbled_write_changes_its_range_and_nothing_else() {
        let vfs = FaultyVfs::new(3);
        let f = open(&vfs, "a", CREATE);
        f.write_at(&[0; 2048], 0).expect("write");
        f.sync().expect("sync");
        f.write_at(&[0xBB; 1024], 512).expect("write");
        vfs.crash_now(only(Fate::Garble, false));
        let bytes = vfs
            .crash_image()
            .expect("image")
            .file_bytes("a")
            .expect("a");
        assert_eq!(bytes.len(), 2048);
        assert!(bytes[..512].iter().all(|&b| b == 0));
        assert!(bytes[1536..].iter().all(|&b| b == 0));
        let range = &bytes[512..1536];
        assert_ne!(range, &[0xBB; 1024][..]);
        assert_ne!(range, &[0; 1024][..]);
    }

    #[test]
    fn reorder_lets_an_earlier_write_overtake_a_later_one() {
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..32 {
            let vfs = FaultyVfs::new(seed);
            let f = open(&vfs, "a", CREATE);
            f.write_at(&[0x11; 512], 0).expect("write");
            f.write_at(&[0x22; 512], 0).expect("write");
            vfs.crash_now(only(Fate::Apply, true));
            let bytes = vfs
                .crash_image()
                .expect("image")
                .file_bytes("a")
                .expect("a");
            assert!(bytes == [0x11; 512] || bytes == [0x22; 512]);
            seen.insert(bytes[0]);
        }
        assert_eq!(seen.len(), 2);
    }

    fn chaos_image(seed: u64) -> MemVfs {
        let vfs = FaultyVfs::new(seed);
        let _files = workload(&vfs);
        vfs.crash_now(CrashConfig::chaos());
        vfs.crash_image().expect("image")
    }

    #[test]
    fn same_seed_gives_the_same_crash_image() {
        let first = chaos_image(7);
        let again = chaos_image(7);
        for path in ["a", "b"] {
            assert_eq!(first.file_bytes(path), again.file_bytes(path));
        }
        let differs =
            (0..16).any(|seed| chaos_image(seed).file_bytes("a") != first.file_bytes("a"));
        assert!(differs);
    }

    #[test]
    fn counters_count_every_call_on_every_file() {
        let vfs = FaultyVfs::new(0);
        let (a, b) = workload(&vfs);
        assert_eq!((vfs.write_count(), vfs.sync_count()), (6, 1));
        b.sync().expect("sync");
        let ro = open(&vfs, "a", READ_ONLY);
        assert!(ro.write_at(b"x", 0).is_err());
        ro.sync().expect("sync");
        a.write_at(&[], 0).expect("write");
        assert_eq!((vfs.write_count(), vfs.sync_count()), (8, 3));
    }

    #[test]
    fn fail_write_at_fails_exactly_the_nth_write_and_applies_nothing() {
        let vfs = FaultyVfs::new(0);
        let f = open(&vfs, "a", CREATE);
        f.write_at(b"aaaa", 0).expect("write before arming");
        vfs.fail_write_at(3);
        f.write_at(b"b", 0).expect("1st");
        f.write_at(b"c", 1).expect("2nd");
        let err = f.write_at(b"dddddd", 2).expect_err("3rd fails");
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert_eq!(err.to_string(), "injected write failure");
        assert_eq!(contents(&*f), b"bcaa");
        f.write_at(b"e", 3).expect("4th");
        assert_eq!(contents(&*f), b"bcae");
        vfs.crash_now(CrashConfig::apply_all());
        assert_eq!(
            vfs.crash_image()
                .expect("image")
                .file_bytes("a")
                .expect("a"),
            b"bcae"
        );
    }

    #[test]
    fn fail_sync_at_fails_exactly_the_nth_sync_and_makes_nothing_durable() {
        let vfs = FaultyVfs::new(0);
        let f = open(&vfs, "a", CREATE);
        vfs.fail_sync_at(2);
        f.write_at(b"one", 0).expect("write");
        f.sync().expect("1st");
        f.write_at(b"two", 0).expect("write");
        let err = f.sync().expect_err("2nd fails");
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert_eq!(err.to_string(), "injected sync failure");
        assert_eq!(vfs.durable_image().file_bytes("a").expect("a"), b"one");
        f.sync().expect("3rd");
        assert_eq!(vfs.durable_image().file_bytes("a").expect("a"), b"two");
    }

    #[test]
    fn zero_cancels_a_pending_injection() {
        let vfs = FaultyVfs::new(0);
        let f = open(&vfs, "a", CREATE);
        vfs.fail_write_at(1);
        vfs.fail_write_at(0);
        vfs.fail_sync_at(1);
        vfs.fail_sync_at(0);
        vfs.crash_at_sync(1, CrashConfig::drop_all());
        vfs.crash_at_sync(0, CrashConfig::drop_all());
        f.write_at(b"x", 0).expect("write");
        f.sync().expect("sync");
        assert!(!vfs.is_crashed());
    }

    #[test]
    fn crash_at_sync_cuts_power_before_the_nth_sync_takes_effect() {
        let vfs = FaultyVfs::new(0);
        let f = open(&vfs, "a", CREATE);
        vfs.crash_at_sync(2, CrashConfig::drop_all());
        f.write_at(b"one", 0).expect("write");
        f.sync().expect("1st sync");
        assert!(!vfs.is_crashed());
        assert!(vfs.crash_image().is_none());
        f.write_at(b"two", 0).expect("write");
        let err = f.sync().expect_err("2nd sync fails");
        assert_eq!(err.to_string(), "simulated power cut");
        assert!(vfs.is_crashed());
        let image = vfs.crash_image().expect("image");
        assert_eq!(image.file_bytes("a").expect("a"), b"one");
    }

    #[test]
    fn every_operation_fails_after_a_crash() {
        let vfs = FaultyVfs::new(0);
        let f = open(&vfs, "a", CREATE);
        f.write_at(b"abc", 0).expect("write");
        vfs.crash_now(CrashConfig::drop_all());
        let mut buf = [0u8; 1];
        assert!(f.read_at(&mut buf, 0).is_err());
        assert!(f.write_at(b"x", 0).is_err());
        assert!(f.sync().is_err());
        assert!(f.len().is_err());
        assert!(f.set_len(0).is_err());
        assert!(f.try_lock(LockMode::Shared).is_err());
        assert!(vfs.open(Path::new("a"), EXISTING).is_err());
        assert!(vfs.open(Path::new("new"), CREATE).is_err());
        assert!(vfs.exists(Path::new("a")).is_err());
        assert!(vfs.remove(Path::new("a")).is_err());
        let image = vfs.crash_image().expect("image");
        assert_eq!(image.paths(), vec![PathBuf::from("a")]);
    }

    #[test]
    fn crash_image_is_a_fresh_copy_on_every_call() {
        let vfs = FaultyVfs::new(0);
        open(&vfs, "a", CREATE).write_at(b"abc", 0).expect("write");
        vfs.crash_now(CrashConfig::apply_all());
        vfs.crash_now(CrashConfig::drop_all());
        let first = vfs.crash_image().expect("image");
        open(&first, "a", EXISTING)
            .write_at(b"X", 0)
            .expect("write");
        let second = vfs.crash_image().expect("image");
        assert_eq!(second.file_bytes("a").expect("a"), b"abc");
    }

    #[test]
    fn set_len_is_durable_at_once_and_cuts_pending_writes() {
        let vfs = FaultyVfs::new(0);
        let f = open(&vfs, "a", CREATE);
        f.write_at(&[7; 100], 0).expect("write");
        f.set_len(50).expect("truncate");
        assert_eq!(vfs.durable_image().file_bytes("a").expect("a"), vec![0; 50]);
        f.set_len(80).expect("grow");
        let live = contents(&*f);
        vfs.crash_now(CrashConfig::apply_all());
        assert_eq!(
            vfs.crash_image()
                .expect("image")
                .file_bytes("a")
                .expect("a"),
            live
        );
        assert_eq!(&live[..50], &[7; 50][..]);
        assert_eq!(&live[50..], &[0; 30][..]);
    }

    #[test]
    fn sync_through_any_handle_makes_the_whole_file_durable() {
        let vfs = FaultyVfs::new(0);
        let w = open(&vfs, "a", CREATE);
        let other = open(&vfs, "b", CREATE);
        w.write_at(b"data", 0).expect("write");
        other.write_at(b"pending", 0).expect("write");
        open(&vfs, "a", READ_ONLY).sync().expect("sync");
        let durable = vfs.durable_image();
        assert_eq!(durable.file_bytes("a").expect("a"), b"data");
        assert_eq!(durable.file_bytes("b").expect("b"), b"");
    }

    #[test]
    fn created_and_removed_files_are_durable_at_once() {
        let vfs = FaultyVfs::new(0);
        let err = vfs.open(Path::new("a"), EXISTING).err().expect("error");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        drop(open(&vfs, "a", CREATE));
        drop(open(&vfs, "gone", CREATE));
        vfs.remove(Path::new("gone")).expect("remove");
        assert!(vfs.exists(Path::new("a")).expect("exists"));
        vfs.crash_now(CrashConfig::drop_all());
        let image = vfs.crash_image().expect("image");
        assert_eq!(image.paths(), vec![PathBuf::from("a")]);
    }

    #[test]
    fn locks_behave_like_flock_across_opens() {
        let vfs = FaultyVfs::new(0);
        let a = open(&vfs, "db", CREATE);
        let b = open(&vfs, "db", READ_ONLY);
        assert!(a.try_lock(LockMode::Exclusive).expect("lock"));
        assert!(!b.try_lock(LockMode::Shared).expect("lock"));
        drop(a);
        assert!(b.try_lock(LockMode::Shared).expect("lock"));
    }

    #[test]
    fn from_image_starts_with_every_file_durable() {
        let image = MemVfs::new();
        image.set_file_bytes("a", b"abc".to_vec());
        let vfs = FaultyVfs::from_image(0, &image);
        let f = open(&vfs, "a", EXISTING);
        assert_eq!(contents(&*f), b"abc");
        f.write_at(b"X", 0).expect("write");
        assert_eq!(vfs.durable_image().file_bytes("a").expect("a"), b"abc");
        assert_eq!(image.file_bytes("a").expect("a"), b"abc");
    }

    #[test]
    fn read_only_handle_refuses_writes() {
        let vfs = FaultyVfs::new(0);
        drop(open(&vfs, "a", CREATE));
        let f = open(&vfs, "a", READ_ONLY);
        let err = f.write_at(b"x", 0).expect_err("error");
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert!(f.set_len(4).is_err());
    }
}
