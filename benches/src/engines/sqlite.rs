//! SQLite through rusqlite (bundled): WAL mode, `synchronous=FULL`, a `WITHOUT ROWID` table
//! `kv(k BLOB PRIMARY KEY, v BLOB)` and cached prepared statements; other settings default.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::Pair;
use rusqlite::Connection;

const GET: &str = "SELECT v FROM kv WHERE k = ?1";
const SCAN: &str = "SELECT v FROM kv WHERE k >= ?1 ORDER BY k LIMIT ?2";

/// One writer connection; readers borrow pooled connections, since SQLite's page cache
/// belongs to a connection and opening one per snapshot would measure schema parsing.
pub struct Engine {
    path: PathBuf,
    writer: Mutex<Connection>,
    pool: Mutex<Vec<Connection>>,
}

impl Engine {
    pub fn open(dir: &Path) -> Engine {
        let path = dir.join("bench.sqlite");
        let conn = Connection::open(&path).unwrap();
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        conn.pragma_update(None, "synchronous", "FULL").unwrap();
        conn.execute_batch("CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID")
            .unwrap();
        Engine {
            path,
            writer: Mutex::new(conn),
            pool: Mutex::new(Vec::new()),
        }
    }

    fn in_txn(&self, sql: &str, pairs: &[Pair], with_value: bool) {
        let mut conn = self.writer.lock().unwrap();
        let tx = conn.transaction().unwrap();
        {
            let mut st = tx.prepare_cached(sql).unwrap();
            for (k, v) in pairs {
                let n = if with_value {
                    st.execute((&k[..], &v[..])).unwrap()
                } else {
                    st.execute([&k[..]]).unwrap()
                };
                assert_eq!(n, 1);
            }
        }
        tx.commit().unwrap();
    }
}

pub struct Reader<'a> {
    conn: Option<Connection>,
    pool: &'a Mutex<Vec<Connection>>,
}

impl crate::Engine for Engine {
    type Reader<'a> = Reader<'a>;
    const NAME: &'static str = "SQLite";

    fn write(&self, pairs: &[Pair]) {
        self.in_txn("INSERT OR REPLACE INTO kv VALUES (?1, ?2)", pairs, true);
    }

    fn remove(&self, pairs: &[Pair]) {
        self.in_txn("DELETE FROM kv WHERE k = ?1", pairs, false);
    }

    fn reader(&self) -> Reader<'_> {
        let pooled = self.pool.lock().unwrap().pop();
        let conn = pooled.unwrap_or_else(|| Connection::open(&self.path).unwrap());
        conn.execute_batch("BEGIN").unwrap();
        Reader {
            conn: Some(conn),
            pool: &self.pool,
        }
    }

    fn close(self) {
        drop(self.pool);
        drop(self.writer);
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            conn.execute_batch("COMMIT").unwrap();
            self.pool.lock().unwrap().push(conn);
        }
    }
}

impl crate::Reader for Reader<'_> {
    fn get(&mut self, key: &[u8]) -> u8 {
        let conn = self.conn.as_ref().unwrap();
        let mut st = conn.prepare_cached(GET).unwrap();
        let mut rows = st.query([key]).unwrap();
        let row = rows.next().unwrap().unwrap();
        row.get_ref(0).unwrap().as_blob().unwrap()[0]
    }

    fn scan(&mut self, key: &[u8], n: usize) -> u64 {
        let conn = self.conn.as_ref().unwrap();
        let mut st = conn.prepare_cached(SCAN).unwrap();
        let mut rows = st.query((key, n as i64)).unwrap();
        let mut sum = 0;
        while let Some(row) = rows.next().unwrap() {
            sum += row.get_ref(0).unwrap().as_blob().unwrap()[0] as u64;
        }
        sum
    }
}
