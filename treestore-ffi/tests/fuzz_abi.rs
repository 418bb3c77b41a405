//! Seeded fuzzing of the C ABI's structured inputs. Every export that takes a JSON argument gets
//! seeds it accepts, then mutations of them: values of the wrong type, telling numbers, long,
//! empty, NUL-holding and lone-surrogate strings, fields dropped, unknown fields, a list grown a
//! thousandfold, nesting past any parser's depth, the text cut short or a byte made invalid
//! UTF-8; each call without a transaction, in a write transaction (committed or rolled back) or
//! in a read one. The read exports (nodes, pages, versions, structure, search) get ids, page
//! specs, queries, cursors and numbers drawn from pools of good, absent, oversized, NUL-holding
//! and non-UTF-8 values (or NULL). Every call must return a defined status: `TREESTORE_OK` with
//! a result that reads back, or an error object carrying that same status and a message; never
//! `TREESTORE_PANIC`, a crash or a hang. The database passes its integrity check at the end.
//!
//! `make test` runs a bounded slice with a fixed seed; `make fuzz` runs 30 x `FUZZ_ROUNDS` from a
//! new seed (`TREESTORE_FUZZ_SEED`, `TREESTORE_FUZZ_ROUNDS`, `TREESTORE_FUZZ_ROUND`, as the
//! engine's fuzz targets). A failure names the seed, the round, the export and the input.

#[path = "../../treestore-core/tests/fuzz/util.rs"]
#[allow(dead_code, reason = "the engine's fuzz targets use the rest")]
mod util;

#[path = "fuzz_abi/calls.rs"]
mod calls;
#[path = "fuzz_abi/mutate.rs"]
mod mutate;
#[path = "fuzz_abi/reads.rs"]
mod reads;

use std::collections::BTreeMap;
use std::path::PathBuf;

use treestore::*;
use treestore_core::rng::Rng;

use calls::{Call, Target, Txn, TARGETS};
use util::{guarded, report, rounds, seed, selected, trace};

/// A database in a temporary directory, removed on drop.
struct TempDb {
    dir: PathBuf,
    db: *mut treestore_db,
}

impl TempDb {
    fn open(test: &str) -> TempDb {
        let name = format!("treestore-fuzz-abi-{test}-{}", std::process::id());
        let dir = std::env::temp_dir().join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("fuzz.tsdb");
        let path = path.to_str().expect("a UTF-8 temp path");
        let mut opts = treestore_options {
            struct_size: 0,
            durability: 0,
            page_size: 0,
            flags: 0,
            checkpoint_wal_bytes: 0,
        };
        assert_eq!(treestore_options_init(&mut opts), TREESTORE_OK);
        opts.durability = TREESTORE_DURABILITY_RELAXED;
        let mut db = std::ptr::null_mut();
        let status = treestore_db_open(
            path.as_ptr(),
            path.len(),
            &opts,
            &mut db,
            std::ptr::null_mut(),
        );
        assert_eq!(status, TREESTORE_OK, "open {path}");
        TempDb { dir, db }
    }

    /// Whether the integrity check passes.
    fn intact(&self) -> bool {
        let mut ok = false;
        let mut findings = std::ptr::null_mut();
        let status =
            treestore_db_check_integrity(self.db, &mut ok, &mut findings, std::ptr::null_mut());
        treestore_result_free(findings);
        status == TREESTORE_OK && ok
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        treestore_db_free(self.db);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The handle as an address, to send it to a round's thread (the handle is thread-safe: the
/// C ABI lets any thread use a database handle).
#[derive(Clone, Copy)]
struct DbAddr(usize);

impl DbAddr {
    fn get(self) -> *const treestore_db {
        self.0 as *const treestore_db
    }
}

/// Every target's seeds are accepted as they are (so the mutations start from inputs that reach
/// the stores, not from parse errors).
fn seeds_are_accepted(db: &TempDb) {
    for target in TARGETS {
        for seed in target.seeds {
            let call = Call {
                input: seed.as_bytes().to_vec(),
                txn: Txn::None,
            };
            let outcome = calls::run(db.db, target, &call);
            assert_eq!(
                outcome,
                Ok(TREESTORE_OK),
                "{}'s seed {seed} is refused",
                target.name
            );
        }
    }
}

/// One round of a JSON target: an input made from one of its seeds, in any kind of transaction.
fn round(db: DbAddr, rng: &mut Rng) -> Round {
    let target: &Target = &TARGETS[rng.index(TARGETS.len())];
    let seed = target.seeds[rng.index(target.seeds.len())];
    let input = mutate::mutated(seed, rng);
    let txn = any_txn(rng);
    let what = format!(
        "{} {:?} with {}",
        target.name,
        txn,
        String::from_utf8_lossy(&input[..input.len().min(300)])
    );
    let call = Call { input, txn };
    (target.name, what, calls::run(db.get(), target, &call))
}

/// A round: the export's name, what the round did and the export's status (`Err` names what
/// broke the contract).
type Round = (&'static str, String, Result<treestore_status, String>);

/// Per export: calls that succeeded, calls refused with an error status.
type Tallies = BTreeMap<&'static str, (u64, u64)>;

/// Runs the rounds of fuzz target `target` (`make test`'s slice: `default_rounds`) on a
/// database holding every JSON target's seeds, each round under a guard; fails with every
/// failing round, or when the database fails its integrity check; returns the tallies (`None`
/// when the run was too short, or one replayed round, for them to say much).
fn run_rounds(
    target: &str,
    default_rounds: u64,
    one: fn(DbAddr, &mut Rng) -> Round,
) -> Option<Tallies> {
    let seed = seed(target);
    let rounds = rounds(default_rounds);
    let db = TempDb::open(target);
    seeds_are_accepted(&db);
    let addr = DbAddr(db.db as usize);
    let mut failures = Vec::new();
    let mut tallies = Tallies::new();
    for r in (0..rounds).filter(|&r| selected(r)) {
        let mut rng = Rng::new(seed ^ r.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        match guarded(move || one(addr, &mut rng)) {
            Ok((name, what, Ok(status))) => {
                trace(r, &format!("{what}: status {status}"));
                let counts = tallies.entry(name).or_default();
                if status == TREESTORE_OK {
                    counts.0 += 1;
                } else {
                    counts.1 += 1;
                }
            }
            Ok((_, what, Err(e))) => failures.push(format!("round {r} ({what}): {e}")),
            Err(e) => failures.push(format!("round {r}: {e}")),
        }
    }
    eprintln!("fuzz {target}: (succeeded, refused) per export: {tallies:?}");
    assert!(db.intact(), "the integrity check fails after the fuzz");
    report(target, seed, &failures);
    let replay = std::env::var_os("TREESTORE_FUZZ_ROUND").is_some();
    (rounds >= 1000 && !replay).then_some(tallies)
}

#[test]
fn json_inputs_get_a_status_never_a_panic() {
    let Some(tallies) = run_rounds("abi_json", 1500, round) else {
        return;
    };
    // Mutations that never get past the parser, or never fail, would test little.
    let accepted = tallies.values().filter(|(ok, _)| *ok > 0).count();
    let refused = tallies.values().filter(|(_, err)| *err > 0).count();
    assert!(
        accepted * 4 >= TARGETS.len() * 3,
        "too few exports accepted a mutation: {tallies:?}"
    );
    assert_eq!(
        refused,
        TARGETS.len(),
        "an export refused no mutation: {tallies:?}"
    );
}

/// A transaction kind for a round.
fn any_txn(rng: &mut Rng) -> Txn {
    match rng.below(4) {
        0 => Txn::Write { commit: true },
        1 => Txn::Write { commit: false },
        2 => Txn::Read,
        _ => Txn::None,
    }
}

/// A round of a read export with drawn arguments.
fn read_round(db: DbAddr, rng: &mut Rng) -> Round {
    let which = rng.index(reads::EXPORTS.len());
    let txn = any_txn(rng);
    let (what, outcome) = reads::call(db.get(), which, txn, rng);
    (reads::EXPORTS[which], what, outcome)
}

#[test]
fn read_arguments_get_a_status_never_a_panic() {
    let Some(tallies) = run_rounds("abi_reads", 1500, read_round) else {
        return;
    };
    let both = tallies
        .values()
        .filter(|(ok, err)| *ok > 0 && *err > 0)
        .count();
    assert_eq!(
        both,
        reads::EXPORTS.len(),
        "an export only succeeded or only failed: {tallies:?}"
    );
}

#[test]
fn null_and_non_utf8_arguments_are_named_statuses() {
    let db = TempDb::open("null");
    for target in TARGETS {
        let seed = target.seeds[0].as_bytes();
        for (case, expected) in [
            (calls::Bad::NullDb, TREESTORE_NULL_PARAMETER),
            (calls::Bad::NullInput, TREESTORE_NULL_PARAMETER),
            (calls::Bad::NullOut, TREESTORE_NULL_PARAMETER),
            (calls::Bad::NotUtf8, TREESTORE_INVALID_UTF8),
        ] {
            // An out-parameter documented as optional may be NULL.
            let optional = target.out_optional && matches!(case, calls::Bad::NullOut);
            let expected = if optional { TREESTORE_OK } else { expected };
            let status = calls::run_bad(db.db, target, seed, case);
            assert_eq!(status, expected, "{} with {case:?}", target.name);
        }
    }
    assert!(db.intact());
}
