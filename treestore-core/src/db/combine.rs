//! Write combining: small independent writes that threads submit at the same time are applied by
//! one of them, the leader, in ONE write transaction and one WAL record, and every caller returns
//! once that record is synced (RocksDB's write groups). Eight threads storing at once then pay one
//! writer pass, one WAL record and one flush between them instead of eight passes.
//!
//! A caller queues its operation (a closure over the [`WriteTxn`]) and blocks. Whoever finds no
//! leader at work becomes the leader: it takes the queue's front (at most [`MAX_GROUP_OPS`]
//! operations; it stops taking more once the transaction has changed [`MAX_GROUP_BYTES`] of
//! pages), runs them in order in one transaction, commits it, hands the leadership to the owner
//! of the next queued operation, and only then waits for the WAL sync, so the next group is built
//! while this one's flush runs. Each caller gets its own operation's result.
//!
//! What a caller can rely on:
//! - **Each operation is atomic on its own.** When one fails (returns an error or panics), the
//!   transaction is discarded and the group's other operations run again in a fresh one without
//!   it: the failed operation writes nothing, the others still land. Operations must therefore be
//!   re-runnable; only the run whose transaction commits counts.
//! - **Durability as [`WriteTxn::commit`]'s**: under [`Durability::Sync`](super::Durability) no
//!   caller returns success before the WAL record holding its write is synced.
//! - **A panic stays with its caller**: it is caught, the operation counts as failed, and the
//!   panic resumes on the caller's own thread. A panic of the leader outside the operations fails
//!   every operation it had taken and passes the leadership on.
//! - **A failed commit or sync** (an I/O error, after which the database is poisoned) is every
//!   caller's of that group.
//! - **Order**: operations run in the order they were queued, so one thread's operations (each
//!   call returns before the next is queued) land in its order.
//!
//! An operation must not call back into the database's write paths (`begin_write`,
//! [`Database::write_combined`](super::Database::write_combined)): the leader holds the writer
//! while it runs it.

use std::any::Any;
use std::collections::VecDeque;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use super::shared::Shared;
use super::write::{sync_committed, WriteTxn};
use crate::error::{Error, ErrorKind, Result};

/// Most operations one group applies, so a group's latency stays bounded.
pub const MAX_GROUP_OPS: usize = 64;

/// A group takes no further operation once its transaction has changed this many bytes of pages.
pub const MAX_GROUP_BYTES: usize = 4 << 20;

/// The queue of operations waiting for a leader, and whether one is at work.
#[derive(Default)]
pub(crate) struct Combiner {
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Box<dyn Job>>,
    leading: bool,
}

/// How an operation ended.
enum Outcome<T> {
    Done(T),
    Failed(Error),
    Panicked(Box<dyn Any + Send>),
}

enum SlotState<T> {
    Waiting,
    /// The owner is to lead the next group.
    Lead,
    Finished(Outcome<T>),
}

/// Where a caller waits for its operation's outcome or for the leadership.
struct Slot<T> {
    state: Mutex<SlotState<T>>,
    cond: Condvar,
}

impl<T> Slot<T> {
    fn set(&self, next: SlotState<T>) {
        let mut st = self.state.lock();
        // The leadership never overrides an outcome.
        if matches!(next, SlotState::Lead) && matches!(*st, SlotState::Finished(_)) {
            return;
        }
        *st = next;
        drop(st);
        self.cond.notify_one();
    }

    /// Waits until the owner leads (`None`) or its operation finished.
    fn wait(&self) -> Option<Outcome<T>> {
        let mut st = self.state.lock();
        loop {
            match std::mem::replace(&mut *st, SlotState::Waiting) {
                SlotState::Waiting => self.cond.wait(&mut st),
                SlotState::Lead => return None,
                SlotState::Finished(out) => return Some(out),
            }
        }
    }
}

/// A queued operation with its type erased.
trait Job: Send {
    /// Runs the operation in `txn`; false when it failed or panicked (`txn` must then go).
    fn run(&mut self, txn: &mut WriteTxn) -> bool;
    /// Whether a run failed (the operation is not run again).
    fn failed(&self) -> bool;
    /// Delivers the outcome: the operation's own failure, else `commit`'s error, else its value.
    fn finish(self: Box<Self>, commit: &Result<()>);
    /// Tells the owner to lead the next group.
    fn lead(&self);
}

struct Pending<T, F> {
    op: F,
    out: Option<Outcome<T>>,
    slot: Arc<Slot<T>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send,
    F: FnMut(&mut WriteTxn) -> Result<T> + Send,
{
    fn run(&mut self, txn: &mut WriteTxn) -> bool {
        let out = match catch_unwind(AssertUnwindSafe(|| (self.op)(txn))) {
            Ok(Ok(v)) => Outcome::Done(v),
            Ok(Err(e)) => Outcome::Failed(e),
            Err(payload) => Outcome::Panicked(payload),
        };
        let ok = matches!(out, Outcome::Done(_));
        self.out = Some(out);
        ok
    }

    fn failed(&self) -> bool {
        matches!(self.out, Some(Outcome::Failed(_) | Outcome::Panicked(_)))
    }

    fn finish(self: Box<Self>, commit: &Result<()>) {
        let out = match (self.out, commit) {
            (Some(Outcome::Done(_)) | None, Err(e)) => Outcome::Failed(e.clone()),
            (Some(out), _) => out,
            (None, Ok(())) => Outcome::Failed(Error::corruption(
                "a combined write committed without running an operation",
            )),
        };
        self.slot.set(SlotState::Finished(out));
    }

    fn lead(&self) {
        self.slot.set(SlotState::Lead);
    }
}

impl Combiner {
    /// Queues `op`, blocks until it ran in a committed (and, in `Sync` mode, synced) group or
    /// failed, and returns its result. A panic of `op` resumes here.
    pub(crate) fn submit<T, F>(&self, shared: &Arc<Shared>, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut(&mut WriteTxn) -> Result<T> + Send + 'static,
    {
        shared.check_writable()?;
        let slot = Arc::new(Slot {
            state: Mutex::new(SlotState::Waiting),
            cond: Condvar::new(),
        });
        let job = Box::new(Pending {
            op,
            out: None,
            slot: slot.clone(),
        });
        let mut q = self.queue.lock();
        q.jobs.push_back(job);
        let lead_now = !q.leading;
        q.leading = true;
        drop(q);
        if lead_now {
            self.lead(shared);
        }
        loop {
            match slot.wait() {
                None => self.lead(shared),
                Some(Outcome::Done(v)) => return Ok(v),
                Some(Outcome::Failed(e)) => return Err(e),
                Some(Outcome::Panicked(payload)) => resume_unwind(payload),
            }
        }
    }

    /// Applies the group at the queue's front, passes the leadership on, waits for the sync and
    /// delivers every outcome.
    fn lead(&self, shared: &Arc<Shared>) {
        let mut group = Group {
            combiner: self,
            jobs: Vec::new(),
            handed_off: false,
        };
        let lsn = group.apply(shared);
        group.hand_off();
        let result = lsn.and_then(|lsn| sync_committed(shared, lsn));
        for job in std::mem::take(&mut group.jobs) {
            job.finish(&result);
        }
    }

    /// Takes the group: the queue's front, at most [`MAX_GROUP_OPS`] operations.
    fn take(&self) -> Vec<Box<dyn Job>> {
        let mut q = self.queue.lock();
        let n = q.jobs.len().min(MAX_GROUP_OPS);
        q.jobs.drain(..n).collect()
    }

    /// Operations waiting for a leader (for tests).
    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        self.queue.lock().jobs.len()
    }

    /// Gives the leadership to the owner of the queue's front, or leaves it free.
    fn hand_off(&self) {
        let mut q = self.queue.lock();
        match q.jobs.front() {
            Some(next) => next.lead(),
            None => q.leading = false,
        }
    }

    /// Puts operations a group did not take back at the queue's front, in their order.
    fn give_back(&self, jobs: Vec<Box<dyn Job>>) {
        let mut q = self.queue.lock();
        for job in jobs.into_iter().rev() {
            q.jobs.push_front(job);
        }
    }
}

/// The operations one leader took. Dropped while unwinding (a panic outside the operations),
/// it fails those not yet delivered and passes the leadership on, so no caller waits forever.
struct Group<'c> {
    combiner: &'c Combiner,
    jobs: Vec<Box<dyn Job>>,
    handed_off: bool,
}

impl Group<'_> {
    /// Takes the group once it holds the writer (operations queued while the last group
    /// committed join this one), runs the operations in one transaction and commits it; returns
    /// the WAL offset to sync to. A failed operation discards the transaction and the others run
    /// again without it.
    fn apply(&mut self, shared: &Arc<Shared>) -> Result<u64> {
        let begun = WriteTxn::begin(shared.clone());
        self.jobs = self.combiner.take();
        let mut txn = begun?;
        let mut first = true;
        loop {
            let mut all_ran = true;
            for i in 0..self.jobs.len() {
                if self.jobs[i].failed() {
                    continue;
                }
                if !self.jobs[i].run(&mut txn) {
                    all_ran = false;
                    break;
                }
                if first && i + 1 < self.jobs.len() && txn.dirty_bytes() >= MAX_GROUP_BYTES {
                    self.combiner.give_back(self.jobs.split_off(i + 1));
                    break;
                }
            }
            first = false;
            if all_ran {
                return txn.commit_then(false);
            }
            drop(txn);
            txn = WriteTxn::begin(shared.clone())?;
        }
    }

    fn hand_off(&mut self) {
        if !self.handed_off {
            self.handed_off = true;
            self.combiner.hand_off();
        }
    }
}

impl Drop for Group<'_> {
    fn drop(&mut self) {
        let err = Err(Error::new(
            ErrorKind::Corruption,
            "the leader of a combined write panicked before the group committed",
        ));
        for job in std::mem::take(&mut self.jobs) {
            job.finish(&err);
        }
        self.hand_off();
    }
}
