//! The fuzz runs' settings (rounds and seed from the environment) and the guard every round runs
//! under: a thread of its own, panics caught, a deadline for hangs.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Duration;

/// Rounds of one target: `TREESTORE_FUZZ_ROUNDS` when set, else `default` (the `make test` slice).
pub fn rounds(default: u64) -> u64 {
    std::env::var("TREESTORE_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Whether round `round` runs: all of them, or only `TREESTORE_FUZZ_ROUND` when it is set (to
/// replay one failing round).
pub fn selected(round: u64) -> bool {
    std::env::var("TREESTORE_FUZZ_ROUND")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .is_none_or(|only| only == round)
}

/// Prints `what` round `round` is about to do when `TREESTORE_FUZZ_VERBOSE` is set (to find the
/// round a stuck run is in).
pub fn trace(round: u64, what: &str) {
    if std::env::var_os("TREESTORE_FUZZ_VERBOSE").is_some() {
        eprintln!("round {round}: {what}");
    }
}

/// The run's seed: `TREESTORE_FUZZ_SEED` when set, else a fixed one (so `make test` is
/// repeatable). Printed, so a failing run can be replayed.
pub fn seed(target: &str) -> u64 {
    let seed = std::env::var("TREESTORE_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_127);
    eprintln!("fuzz {target}: seed {seed} (TREESTORE_FUZZ_SEED={seed} replays it)");
    seed
}

/// How long one round may take before it counts as a hang.
const ROUND_DEADLINE: Duration = Duration::from_secs(60);

/// Runs `f` on a thread of its own; `Err` says it panicked (with the message) or did not finish
/// within [`ROUND_DEADLINE`].
pub fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = catch_unwind(AssertUnwindSafe(f)).map_err(|p| panic_message(&*p));
        let _ = tx.send(outcome);
    });
    match rx.recv_timeout(ROUND_DEADLINE) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(msg)) => Err(format!("panicked: {msg}")),
        Err(_) => Err(format!(
            "did not finish within {ROUND_DEADLINE:?} (a hang?)"
        )),
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".into()
    }
}

/// What went wrong in round `round` whose guarded run gave `outcome` (an engine error the round
/// did not expect, a panic or a hang), if anything did.
pub fn failure(round: u64, outcome: Result<treestore_core::Result<()>, String>) -> Option<String> {
    match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("round {round}: engine error {e}")),
        Err(e) => Some(format!("round {round}: {e}")),
    }
}

/// Fails the test with every round's failure when there is any.
pub fn report(target: &str, seed: u64, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "fuzz {target} (seed {seed}): {} failing rounds:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
