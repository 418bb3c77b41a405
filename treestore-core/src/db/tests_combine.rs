//! Unit tests of write combining (`combine.rs`): groups form, a failing or panicking operation
//! writes nothing while the rest of its group lands, a failed commit or sync fails the whole
//! group, each thread's operations keep their order, and every result reaches its own caller.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::tests::mem_options;
use super::*;
use crate::error::ErrorKind;
use crate::storage::vfs::{FaultyVfs, MemVfs};

const T: &str = "t";

fn get(db: &Database, key: &[u8]) -> Option<Vec<u8>> {
    let r = db.begin_read().unwrap();
    let t = r.table(T).unwrap();
    r.get(t, key).unwrap().map(|v| v.to_vec())
}

/// An operation storing `key`, returning the transaction it ran in.
fn put(key: String) -> impl FnMut(&mut WriteTxn) -> Result<u64> + Send + 'static {
    move |w| {
        let t = w.table(T)?;
        w.insert(t, key.as_bytes(), b"v")?;
        Ok(w.txid())
    }
}

/// A thread's call of the combiner.
type Submit<T> = Box<dyn FnOnce(&Database) -> T + Send>;

/// Holds the writer while `n` operations queue up behind it, then lets them go as one group:
/// the first submitter leads and waits for the writer; the others queue behind it.
fn grouped<T: Send + 'static>(db: &Database, ops: Vec<Submit<T>>) -> Vec<JoinHandle<T>> {
    let held = db.begin_write().unwrap();
    let n = ops.len();
    let mut handles = Vec::new();
    for op in ops {
        let db2 = db.clone();
        handles.push(std::thread::spawn(move || op(&db2)));
        // One at a time, so the queue's order is the list's.
        let want = handles.len();
        wait_for(|| db.shared.combiner.queued() == want);
    }
    assert_eq!(db.shared.combiner.queued(), n);
    drop(held);
    handles
}

fn wait_for(mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(20), "timed out");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// [`grouped`] operations that each succeed with their transaction's id: those ids, in order.
fn grouped_txids(db: &Database, ops: Vec<Submit<Result<u64>>>) -> Vec<u64> {
    grouped(db, ops)
        .into_iter()
        .map(|h| h.join().unwrap().unwrap())
        .collect()
}

fn boxed<T, F>(f: F) -> Submit<T>
where
    F: FnOnce(&Database) -> T + Send + 'static,
{
    Box::new(f)
}

#[test]
fn operations_queued_together_commit_as_one_transaction() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let commits = db.stats().unwrap().commits;
    let ops = (0..5)
        .map(|i| boxed(move |db: &Database| db.write_combined(put(format!("k{i}")))))
        .collect();
    let txids = grouped_txids(&db, ops);
    assert!(txids.iter().all(|&t| t == txids[0]), "{txids:?}");
    assert_eq!(db.stats().unwrap().commits, commits + 1);
    for i in 0..5 {
        assert!(get(&db, format!("k{i}").as_bytes()).is_some());
    }
}

#[test]
fn a_failing_operation_writes_nothing_and_the_rest_of_its_group_lands() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let runs = Arc::new(AtomicU32::new(0));
    let mut ops = Vec::new();
    for i in 0..5 {
        let runs = runs.clone();
        ops.push(boxed(move |db: &Database| {
            db.write_combined(move |w| {
                runs.fetch_add(1, Ordering::SeqCst);
                let t = w.table(T)?;
                w.insert(t, format!("k{i}").as_bytes(), b"v")?;
                if i == 2 {
                    // Written first, then failed: the write must not land.
                    return Err(Error::invalid("operation 2 fails"));
                }
                Ok(w.txid())
            })
        }));
    }
    let results: Vec<Result<u64>> = grouped(&db, ops)
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    let err = results[2].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("operation 2 fails"));
    assert!(
        get(&db, b"k2").is_none(),
        "the failed operation's write landed"
    );
    let txids: Vec<u64> = [0, 1, 3, 4]
        .iter()
        .map(|&i| *results[i].as_ref().unwrap())
        .collect();
    assert!(txids.iter().all(|&t| t == txids[0]), "{txids:?}");
    for i in [0, 1, 3, 4] {
        assert!(get(&db, format!("k{i}").as_bytes()).is_some(), "k{i} lost");
    }
    // Operations 0 and 1 ran again after the failure, without operation 2.
    assert_eq!(runs.load(Ordering::SeqCst), 5 + 2);
}

#[test]
fn a_panicking_operation_panics_its_own_caller_only() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let mut ops = Vec::new();
    for i in 0..4 {
        ops.push(boxed(move |db: &Database| {
            db.write_combined(move |w| {
                let t = w.table(T)?;
                w.insert(t, format!("k{i}").as_bytes(), b"v")?;
                assert!(i != 1, "operation 1 panics");
                Ok(i)
            })
        }));
    }
    let results: Vec<_> = grouped(&db, ops).into_iter().map(|h| h.join()).collect();
    let payload = results[1].as_ref().expect_err("operation 1 must panic");
    let msg = match payload.downcast_ref::<&str>() {
        Some(s) => s.to_string(),
        None => payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default(),
    };
    assert!(msg.contains("operation 1 panics"), "{msg}");
    assert!(get(&db, b"k1").is_none());
    for i in [0, 2, 3] {
        assert_eq!(*results[i].as_ref().unwrap().as_ref().unwrap(), i);
        assert!(get(&db, format!("k{i}").as_bytes()).is_some());
    }
    // Nothing is left stuck: the next combined write works.
    assert!(db.write_combined(put("after".into())).is_ok());
    assert!(!db.is_poisoned());
}

#[test]
fn a_failed_sync_fails_every_caller_of_the_group() {
    let vfs = FaultyVfs::new(1);
    let opts = Options {
        vfs: Arc::new(vfs.clone()),
        page_size: 1024,
        ..Options::default()
    };
    let db = Database::open("/db", opts).unwrap();
    db.write_combined(put("before".into())).unwrap();
    let ops = (0..4)
        .map(|i| boxed(move |db: &Database| db.write_combined(put(format!("k{i}")))))
        .collect();
    let handles = {
        vfs.fail_sync_at(1);
        grouped(&db, ops)
    };
    for h in handles {
        let err = h.join().unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    }
    assert!(db.is_poisoned());
    let err = db.write_combined(put("later".into())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PreviousIo);
}

#[test]
fn many_threads_get_their_own_results_in_their_order() {
    const THREADS: u32 = 8;
    const EACH: u32 = 150;
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let commits = db.stats().unwrap().commits;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let db = db.clone();
            std::thread::spawn(move || {
                (0..EACH)
                    .map(|i| {
                        // Each operation takes the next number of a counter the group shares and
                        // stores it under its own key: the numbers give the order of application.
                        let key = format!("t{t}-{i:04}");
                        let (k, want) = (key.clone(), key.clone());
                        let (seq, got) = db
                            .write_combined(move |w| {
                                let tab = w.table(T)?;
                                let next = match w.get(tab, b"counter")? {
                                    Some(v) => u64::from_be_bytes(v[..8].try_into().unwrap()) + 1,
                                    None => 0,
                                };
                                w.insert(tab, b"counter", &next.to_be_bytes())?;
                                w.insert(tab, k.as_bytes(), &next.to_be_bytes())?;
                                Ok((next, k.clone()))
                            })
                            .unwrap();
                        assert_eq!(got, want, "a caller got another operation's result");
                        seq
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let per_thread: Vec<Vec<u64>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let r = db.begin_read().unwrap();
    let tab = r.table(T).unwrap();
    for (t, seqs) in per_thread.iter().enumerate() {
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "thread {t}'s operations ran out of order"
        );
        for (i, seq) in seqs.iter().enumerate() {
            let v = r.get(tab, format!("t{t}-{i:04}").as_bytes()).unwrap();
            assert_eq!(v.as_deref(), Some(&seq.to_be_bytes()[..]));
        }
    }
    let total = u64::from(THREADS * EACH);
    let counter = r.get(tab, b"counter").unwrap().unwrap();
    assert_eq!(
        u64::from_be_bytes(counter[..8].try_into().unwrap()),
        total - 1
    );
    let used = db.stats().unwrap().commits - commits;
    assert!(used <= total, "{used} commits for {total} operations");
}

#[test]
fn a_group_is_capped_in_operations() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    let n = MAX_GROUP_OPS + 6;
    let ops = (0..n)
        .map(|i| boxed(move |db: &Database| db.write_combined(put(format!("k{i:03}")))))
        .collect();
    let txids = grouped_txids(&db, ops);
    let first = txids[0];
    assert!(txids[..MAX_GROUP_OPS].iter().all(|&t| t == first));
    assert!(txids[MAX_GROUP_OPS..].iter().all(|&t| t > first));
}

#[test]
fn a_group_is_capped_in_bytes() {
    let vfs = MemVfs::new();
    let db = Database::open("/db", mem_options(&vfs)).unwrap();
    // Each operation writes a value of a third of the cap (overflow pages): three fit, the
    // fourth and later go to the next group.
    let len = MAX_GROUP_BYTES / 3 + 1;
    let ops = (0..5)
        .map(|i| {
            boxed(move |db: &Database| {
                db.write_combined(move |w| {
                    let t = w.table(T)?;
                    w.insert(t, format!("k{i}").as_bytes(), &vec![i as u8; len])?;
                    Ok(w.txid())
                })
            })
        })
        .collect();
    let txids = grouped_txids(&db, ops);
    assert!(txids[0] == txids[1] && txids[1] == txids[2], "{txids:?}");
    assert!(txids[3] > txids[2], "{txids:?}");
    for i in 0..5 {
        assert_eq!(get(&db, format!("k{i}").as_bytes()).unwrap().len(), len);
    }
}
