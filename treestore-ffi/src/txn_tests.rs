//! [`Snapshot`] forwards every read to the transaction it wraps, the snapshot's memos and the
//! finger reads included (a forgotten forward made every C ABI read resolve its version from the
//! catalog again).

use std::path::PathBuf;

use treestore_core::db::Database;
use treestore_core::{Finger, ReadOps};

use super::Snapshot;

struct TempDb(PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn open() -> (TempDb, Database) {
    let dir = std::env::temp_dir().join(format!("treestore-ffi-txn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Database::open(dir.join("t.tsdb"), Default::default()).unwrap();
    let mut w = db.begin_write().unwrap();
    let t = w.table("t").unwrap();
    for i in 0..500u32 {
        w.insert(t, format!("k{i:05}").as_bytes(), &i.to_le_bytes())
            .unwrap();
    }
    w.commit().unwrap();
    (TempDb(dir), db)
}

#[test]
fn snapshot_forwards_memos_and_finger_reads() {
    let (_dir, db) = open();
    let r = db.begin_read().unwrap();
    let s = Snapshot::Read(&r);
    // The read transaction's own memos, not none: its readers share their resolutions.
    let memo = s.snapshot_memo().expect("a read snapshot has memos");
    assert!(std::ptr::eq(memo, r.snapshot_memo().unwrap()));
    let t = s.table("t").unwrap();
    let mut finger = Finger::new();
    for i in (0..500u32).step_by(7) {
        let key = format!("k{i:05}");
        let near = s.get_near(t, key.as_bytes(), &mut finger).unwrap();
        assert_eq!(near.as_deref(), Some(&i.to_le_bytes()[..]));
    }
    assert!(s.get_near(t, b"k99999", &mut finger).unwrap().is_none());

    let w = db.begin_write().unwrap();
    let s = Snapshot::Write(&w);
    // A write transaction must see its own changes: no shared memos.
    assert!(s.snapshot_memo().is_none());
    let t = s.table("t").unwrap();
    let got = s.get_near(t, b"k00003", &mut Finger::new()).unwrap();
    assert_eq!(got.as_deref(), Some(&3u32.to_le_bytes()[..]));
}
