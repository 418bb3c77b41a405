//! Model-based test: random sequences of operations run against the engine and against a `BTreeMap`
//! model, on 1 KiB pages so nodes split and merge. Inserts carry values from empty to several pages
//! (overflow chains); reads cover point lookups, forward and reverse ranges with random bounds and
//! prefix scans, inside the write transaction and through snapshots; transactions commit, roll back
//! or are dropped; checkpoints run and the database is reopened cleanly or from a power-cut image.
//! After every commit the database must read exactly as the model, and after every checkpoint and
//! reopen its integrity check must pass.
//!
//! `PROPTEST_CASES` sets the number of cases (64 when unset).

use std::collections::BTreeMap;
use std::ops::Bound;

use proptest::collection::vec;
use proptest::prelude::*;
use treestore_core::storage::vfs::{CrashConfig, FaultyVfs};
use treestore_core::{Database, Options, ReadOps, ReadTxn, WriteTxn};

use crate::util::{dump, small_options, value, State, DB, TABLES};

/// The longest key 1 KiB pages take.
const MAX_KEY: usize = 208;

#[derive(Debug, Clone)]
enum Op {
    Insert {
        table: usize,
        key: Vec<u8>,
        len: usize,
        tag: u64,
    },
    InsertMany {
        table: usize,
        start: u16,
        count: u16,
        len: usize,
    },
    Remove {
        table: usize,
        key: Vec<u8>,
    },
    RemoveAbsent {
        table: usize,
        key: Vec<u8>,
    },
    RemoveRange {
        table: usize,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
    },
    Get {
        table: usize,
        key: Vec<u8>,
        in_write: bool,
    },
    Range {
        table: usize,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        reverse: bool,
        in_write: bool,
    },
    Prefix {
        table: usize,
        prefix: Vec<u8>,
        reverse: bool,
        in_write: bool,
    },
    DropTable {
        table: usize,
    },
    Commit,
    Rollback,
    DropWithoutCommit,
    Checkpoint,
    /// Reopen cleanly, or after a power cut that applies or drops every unsynced write.
    Reopen {
        power_cut: Option<bool>,
    },
    BeginReader,
    CheckReader,
    EndReader,
}

/// Keys that share prefixes (so prefix scans and separators matter), short raw keys with 0x00 and
/// 0xFF bytes (prefix ends), and long keys near the 1 KiB-page limit. None starts with 0xFE.
fn key() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![Just(0u8), Just(1u8), Just(b'a'), Just(b'b'), Just(0xFFu8)];
    prop_oneof![
        6 => (0usize..3, 0u16..400).prop_map(|(p, n)| format!("{}{n:04}", ["a", "b", "c"][p]).into_bytes()),
        1 => vec(byte, 0..6),
        1 => (0u16..100, 20usize..=MAX_KEY).prop_map(|(n, len)| {
            let mut k = format!("L{n:03}").into_bytes();
            k.resize(len, b'x');
            k
        }),
    ]
}

fn absent_key() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..8).prop_map(|mut k| {
        k.insert(0, 0xFE);
        k
    })
}

fn value_len() -> impl Strategy<Value = usize> {
    prop_oneof![6 => 0usize..100, 3 => 100usize..300, 2 => 1000usize..5000]
}

fn bound() -> impl Strategy<Value = Bound<Vec<u8>>> {
    prop_oneof![
        1 => Just(Bound::Unbounded),
        2 => key().prop_map(Bound::Included),
        2 => key().prop_map(Bound::Excluded),
    ]
}

fn table() -> impl Strategy<Value = usize> {
    0..TABLES.len()
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        30 => (table(), key(), value_len(), any::<u64>())
            .prop_map(|(table, key, len, tag)| Op::Insert { table, key, len, tag }),
        3 => (table(), 0u16..400, 10u16..200, 0usize..80)
            .prop_map(|(table, start, count, len)| Op::InsertMany { table, start, count, len }),
        10 => (table(), key()).prop_map(|(table, key)| Op::Remove { table, key }),
        3 => (table(), absent_key()).prop_map(|(table, key)| Op::RemoveAbsent { table, key }),
        2 => (table(), bound(), bound())
            .prop_map(|(table, lower, upper)| Op::RemoveRange { table, lower, upper }),
        8 => (table(), key(), any::<bool>())
            .prop_map(|(table, key, in_write)| Op::Get { table, key, in_write }),
        6 => (table(), bound(), bound(), any::<bool>(), any::<bool>()).prop_map(
            |(table, lower, upper, reverse, in_write)| Op::Range { table, lower, upper, reverse, in_write }
        ),
        4 => (table(), prop_oneof![key().prop_map(|k| k[..k.len().min(3)].to_vec()), key()], any::<bool>(), any::<bool>())
            .prop_map(|(table, prefix, reverse, in_write)| Op::Prefix { table, prefix, reverse, in_write }),
        1 => table().prop_map(|table| Op::DropTable { table }),
        8 => Just(Op::Commit),
        2 => Just(Op::Rollback),
        2 => Just(Op::DropWithoutCommit),
        3 => Just(Op::Checkpoint),
        2 => proptest::option::of(any::<bool>()).prop_map(|power_cut| Op::Reopen { power_cut }),
        2 => Just(Op::BeginReader),
        3 => Just(Op::CheckReader),
        1 => Just(Op::EndReader),
    ]
}

fn in_bounds(k: &[u8], lower: &Bound<Vec<u8>>, upper: &Bound<Vec<u8>>) -> bool {
    let above = match lower {
        Bound::Unbounded => true,
        Bound::Included(l) => k >= l.as_slice(),
        Bound::Excluded(l) => k > l.as_slice(),
    };
    let below = match upper {
        Bound::Unbounded => true,
        Bound::Included(u) => k <= u.as_slice(),
        Bound::Excluded(u) => k < u.as_slice(),
    };
    above && below
}

fn as_ref(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Unbounded => Bound::Unbounded,
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
    }
}

type Entries = Vec<(Vec<u8>, Vec<u8>)>;

fn collect(it: treestore_core::Range<'_>) -> Entries {
    it.map(|kv| {
        let (k, v) = kv.expect("scan");
        (k.to_vec(), v.to_vec())
    })
    .collect()
}

/// The engine and the model side by side.
struct Harness {
    vfs: FaultyVfs,
    db: Option<Database>,
    txn: Option<WriteTxn>,
    committed: State,
    /// The model as the open write transaction sees it.
    pending: State,
    reader: Option<(ReadTxn, State)>,
}

fn table_of(state: &State, table: usize) -> BTreeMap<Vec<u8>, Vec<u8>> {
    state.get(TABLES[table]).cloned().unwrap_or_default()
}

fn model_insert(state: &mut State, table: usize, key: &[u8], value: Vec<u8>) {
    state
        .entry(TABLES[table].to_string())
        .or_default()
        .insert(key.to_vec(), value);
}

/// Removes the keys `keep` rejects; returns how many were removed.
fn model_remove(state: &mut State, table: usize, remove: impl Fn(&[u8]) -> bool) -> usize {
    let Some(t) = state.get_mut(TABLES[table]) else {
        return 0;
    };
    let before = t.len();
    t.retain(|k, _| !remove(k));
    let removed = before - t.len();
    if t.is_empty() {
        state.remove(TABLES[table]);
    }
    removed
}

impl Harness {
    fn new() -> Harness {
        let vfs = FaultyVfs::new(0);
        let db = Database::open(DB, small_options(vfs.clone())).expect("create");
        Harness {
            vfs,
            db: Some(db),
            txn: None,
            committed: State::new(),
            pending: State::new(),
            reader: None,
        }
    }

    fn db(&self) -> &Database {
        self.db.as_ref().expect("open")
    }

    fn txn(&mut self) -> &mut WriteTxn {
        if self.txn.is_none() {
            self.txn = Some(self.db().begin_write().expect("begin_write"));
            self.pending = self.committed.clone();
        }
        self.txn.as_mut().expect("just opened")
    }

    fn commit(&mut self) {
        if let Some(txn) = self.txn.take() {
            txn.commit().expect("commit");
            self.committed = std::mem::take(&mut self.pending);
            self.check_contents("after commit");
        }
    }

    fn check_contents(&self, when: &str) {
        let got = dump(self.db()).expect("dump");
        assert!(
            got == self.committed,
            "{when}: the database differs from the model"
        );
    }

    fn check_integrity(&self, when: &str) {
        let report = self.db().check_integrity().expect("check_integrity");
        assert!(report.is_ok(), "{when}: integrity: {:?}", report.errors);
    }

    fn reopen(&mut self, power_cut: Option<bool>) {
        self.reader = None;
        self.commit();
        if let Some(apply) = power_cut {
            // Every commit was synced, so even a cut that drops every unsynced write keeps them all.
            let mode = if apply {
                CrashConfig::apply_all()
            } else {
                CrashConfig::drop_all()
            };
            self.vfs.crash_now(mode);
            let image = self.vfs.crash_image().expect("crashed");
            self.vfs = FaultyVfs::from_image(0, &image);
        }
        drop(self.db.take());
        let read_only = Options {
            read_only: true,
            ..small_options(self.vfs.clone())
        };
        let db = Database::open(DB, read_only).expect("reopen read-only");
        assert!(
            dump(&db).expect("dump") == self.committed,
            "read-only reopen differs"
        );
        drop(db);
        self.db = Some(Database::open(DB, small_options(self.vfs.clone())).expect("reopen"));
        self.check_integrity("after reopen");
        self.check_contents("after reopen");
    }

    /// Scans through the write transaction when asked and one is open, else through a snapshot.
    fn scan(
        &mut self,
        table: usize,
        in_write: bool,
        f: impl Fn(&dyn ReadOps, treestore_core::Table) -> Entries,
    ) -> (Entries, BTreeMap<Vec<u8>, Vec<u8>>) {
        match (&self.txn, in_write) {
            (Some(w), true) => {
                let t = w.table(TABLES[table]).expect("table");
                (f(w, t), table_of(&self.pending, table))
            }
            _ => {
                let r = self.db().begin_read().expect("begin_read");
                let t = r.table(TABLES[table]).expect("table");
                (f(&r, t), table_of(&self.committed, table))
            }
        }
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Insert {
                table,
                key,
                len,
                tag,
            } => {
                let v = value(tag, len);
                let w = self.txn();
                let t = w.table(TABLES[table]).expect("table");
                let replaced = w.insert(t, &key, &v).expect("insert");
                let was = table_of(&self.pending, table).contains_key(&key);
                assert_eq!(replaced, was, "insert({key:?}) replaced");
                model_insert(&mut self.pending, table, &key, v);
            }
            Op::InsertMany {
                table,
                start,
                count,
                len,
            } => {
                let w = self.txn();
                let t = w.table(TABLES[table]).expect("table");
                let mut batch = Vec::new();
                for n in start..start.saturating_add(count) {
                    let key = format!("a{n:04}").into_bytes();
                    let v = value(u64::from(n) ^ 0xABCD, len);
                    w.insert(t, &key, &v).expect("insert");
                    batch.push((key, v));
                }
                for (key, v) in batch {
                    model_insert(&mut self.pending, table, &key, v);
                }
            }
            Op::Remove { table, key } | Op::RemoveAbsent { table, key } => {
                let w = self.txn();
                let t = w.table(TABLES[table]).expect("table");
                let removed = w.remove(t, &key).expect("remove");
                let was = model_remove(&mut self.pending, table, |k| k == key.as_slice());
                assert_eq!(removed, was == 1, "remove({key:?})");
            }
            Op::RemoveRange {
                table,
                lower,
                upper,
            } => {
                let w = self.txn();
                let t = w.table(TABLES[table]).expect("table");
                let n = w
                    .remove_range(t, as_ref(&lower), as_ref(&upper))
                    .expect("remove_range");
                let want = model_remove(&mut self.pending, table, |k| in_bounds(k, &lower, &upper));
                assert_eq!(n as usize, want, "remove_range({lower:?}, {upper:?})");
            }
            Op::Get {
                table,
                key,
                in_write,
            } => {
                let (got, model) = self.scan(table, in_write, |ops, t| {
                    let len = ops.table_len(t).expect("table_len") as usize;
                    let v = ops.get(t, &key).expect("get").map(|b| b.to_vec());
                    vec![(
                        len.to_le_bytes().to_vec(),
                        v.unwrap_or_else(|| b"<none>".to_vec()),
                    )]
                });
                let want = model
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| b"<none>".to_vec());
                assert_eq!(got[0].1, want, "get({key:?})");
                assert_eq!(got[0].0, model.len().to_le_bytes().to_vec(), "table_len");
            }
            Op::Range {
                table,
                lower,
                upper,
                reverse,
                in_write,
            } => {
                let (got, model) = self.scan(table, in_write, |ops, t| {
                    let (l, u) = (as_ref(&lower), as_ref(&upper));
                    let it = if reverse {
                        ops.range_rev(t, l, u)
                    } else {
                        ops.range(t, l, u)
                    };
                    collect(it.expect("range"))
                });
                let mut want: Entries = model
                    .into_iter()
                    .filter(|(k, _)| in_bounds(k, &lower, &upper))
                    .collect();
                if reverse {
                    want.reverse();
                }
                assert!(
                    got == want,
                    "range({lower:?}, {upper:?}, reverse {reverse})"
                );
            }
            Op::Prefix {
                table,
                prefix,
                reverse,
                in_write,
            } => {
                let (got, model) = self.scan(table, in_write, |ops, t| {
                    let it = if reverse {
                        ops.prefix_rev(t, &prefix)
                    } else {
                        ops.prefix(t, &prefix)
                    };
                    collect(it.expect("prefix"))
                });
                let mut want: Entries = model
                    .into_iter()
                    .filter(|(k, _)| k.starts_with(&prefix))
                    .collect();
                if reverse {
                    want.reverse();
                }
                assert!(got == want, "prefix({prefix:?}, reverse {reverse})");
            }
            Op::DropTable { table } => {
                let w = self.txn();
                w.drop_table(TABLES[table]).expect("drop_table");
                self.pending.remove(TABLES[table]);
            }
            Op::Commit => self.commit(),
            Op::Rollback => {
                if let Some(txn) = self.txn.take() {
                    txn.rollback();
                }
            }
            Op::DropWithoutCommit => drop(self.txn.take()),
            Op::Checkpoint => {
                self.commit();
                self.db().checkpoint().expect("checkpoint");
                self.check_integrity("after checkpoint");
                self.check_contents("after checkpoint");
            }
            Op::Reopen { power_cut } => self.reopen(power_cut),
            Op::BeginReader => {
                let r = self.db().begin_read().expect("begin_read");
                self.reader = Some((r, self.committed.clone()));
            }
            Op::CheckReader => {
                if let Some((r, snapshot)) = &self.reader {
                    for (i, name) in TABLES.iter().enumerate() {
                        let t = r.table(name).expect("table");
                        let got = collect(
                            r.range(t, Bound::Unbounded, Bound::Unbounded)
                                .expect("range"),
                        );
                        let want: Entries = table_of(snapshot, i).into_iter().collect();
                        assert!(got == want, "a reader's snapshot of {name} changed");
                    }
                }
            }
            Op::EndReader => self.reader = None,
        }
    }
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        max_shrink_iters: 4000,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn engine_matches_a_btreemap_model(ops in vec(op(), 1..150)) {
        let mut h = Harness::new();
        for op in ops {
            h.apply(op);
        }
        h.reopen(None);
    }
}

#[test]
fn keys_at_the_size_limit_and_many_tables_with_long_names() {
    let vfs = FaultyVfs::new(0);
    let db = Database::open(DB, small_options(vfs.clone())).expect("open");
    let mut w = db.begin_write().expect("begin");
    let t = w.table("t").expect("table");
    let too_long = vec![b'k'; MAX_KEY + 1];
    let err = w
        .insert(t, &too_long, b"v")
        .expect_err("a key over the limit");
    assert_eq!(err.kind(), treestore_core::ErrorKind::TooLarge);
    let mut want = State::new();
    for i in 0..120usize {
        // Names of 1 to 255 bytes: longer than the longest key, so catalog entries and
        // separators are as large as they get.
        let name = format!("{i:03}").repeat(85)[..1 + (i * 37) % 255].to_string();
        let t = w.table(&name).expect("table");
        let mut key = format!("{i:03}").into_bytes();
        key.resize(MAX_KEY, b'x');
        w.insert(t, &key, &value(i as u64, 300)).expect("insert");
        want.entry(name)
            .or_default()
            .insert(key, value(i as u64, 300));
    }
    w.commit().expect("commit");
    let mut w = db.begin_write().expect("begin");
    let names: Vec<String> = want.keys().cloned().collect();
    for name in names.iter().step_by(2) {
        assert!(w.drop_table(name).expect("drop_table"));
        want.remove(name);
    }
    w.commit().expect("commit");
    drop(db);
    let db = Database::open(DB, small_options(vfs)).expect("reopen");
    let report = db.check_integrity().expect("check_integrity");
    assert!(report.is_ok(), "{:?}", report.errors);
    assert!(dump(&db).expect("dump") == want);
}
