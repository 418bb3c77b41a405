//! LMDB through heed with default flags (a synchronous commit) and a 4 GiB map.

use std::ops::Bound;
use std::path::Path;

use crate::Pair;
use heed::types::Bytes;
use heed::{CommitOrAbort, Env, EnvOpenOptions, RoTxn, WithTls};

type Db = ::heed::Database<'static, Bytes, Bytes>;

pub struct Engine {
    env: Env,
    db: Db,
}

impl Engine {
    pub fn open(dir: &Path) -> Engine {
        // SAFETY: the directory is fresh and private to this process; nothing else maps it.
        let env = unsafe { EnvOpenOptions::new().map_size(4 << 30).open(dir).unwrap() };
        let wtxn = env.write_txn().unwrap();
        let db = env
            .create_databases_and_commit(wtxn, |dbo, wtxn| {
                dbo.create_database::<Bytes, Bytes>(wtxn, None)
                    .map(CommitOrAbort::<_, ()>::Commit)
            })
            .unwrap()
            .unwrap_commit();
        Engine { env, db }
    }
}

pub struct Reader<'a> {
    txn: RoTxn<'a, WithTls>,
    db: Db,
}

impl crate::Engine for Engine {
    type Reader<'a> = Reader<'a>;
    const NAME: &'static str = "LMDB";

    fn write(&self, pairs: &[Pair]) {
        let mut w = self.env.write_txn().unwrap();
        for (k, v) in pairs {
            self.db.put(&mut w, k, v).unwrap();
        }
        w.commit().unwrap();
    }

    fn remove(&self, pairs: &[Pair]) {
        let mut w = self.env.write_txn().unwrap();
        for (k, _) in pairs {
            assert!(self.db.delete(&mut w, k).unwrap());
        }
        w.commit().unwrap();
    }

    fn reader(&self) -> Reader<'_> {
        Reader {
            txn: self.env.read_txn().unwrap(),
            db: self.db,
        }
    }

    fn close(self) {}
}

impl crate::Reader for Reader<'_> {
    fn get(&mut self, key: &[u8]) -> u8 {
        self.db.get(&self.txn, key).unwrap().unwrap()[0]
    }

    fn scan(&mut self, key: &[u8], n: usize) -> u64 {
        let range = (Bound::Included(key), Bound::Unbounded);
        let it = self.db.range(&self.txn, &range).unwrap();
        it.take(n).map(|kv| kv.unwrap().1[0] as u64).sum()
    }
}
