//! TreeStore with `Durability::Sync`: a commit returns once its WAL record is fsynced.

use std::ops::Bound;
use std::path::Path;

use crate::{Pair, TABLE};
use treestore_core::{Database, Durability, Options, ReadOps, ReadTxn, Table};

pub struct Engine(Database);

impl Engine {
    pub fn open(dir: &Path) -> Engine {
        let opts = Options {
            durability: Durability::Sync,
            ..Default::default()
        };
        Engine(Database::open(dir.join("bench.tsdb"), opts).unwrap())
    }
}

pub struct Reader(ReadTxn, Table);

impl crate::Engine for Engine {
    type Reader<'a> = Reader;
    const NAME: &'static str = "TreeStore";

    fn write(&self, pairs: &[Pair]) {
        let mut w = self.0.begin_write().unwrap();
        let t = w.table(TABLE).unwrap();
        for (k, v) in pairs {
            w.insert(t, k, v).unwrap();
        }
        w.commit().unwrap();
    }

    fn remove(&self, pairs: &[Pair]) {
        let mut w = self.0.begin_write().unwrap();
        let t = w.table(TABLE).unwrap();
        for (k, _) in pairs {
            assert!(w.remove(t, k).unwrap());
        }
        w.commit().unwrap();
    }

    fn reader(&self) -> Reader {
        let r = self.0.begin_read().unwrap();
        let t = r.table(TABLE).unwrap();
        Reader(r, t)
    }

    fn close(self) {
        self.0.close().unwrap();
    }

    fn checkpoint(&self) {
        self.0.checkpoint().unwrap();
    }
}

impl crate::Reader for Reader {
    fn get(&mut self, key: &[u8]) -> u8 {
        self.0.get(self.1, key).unwrap().unwrap()[0]
    }

    fn scan(&mut self, key: &[u8], n: usize) -> u64 {
        let it = self.0.range(self.1, Bound::Included(key), Bound::Unbounded);
        it.unwrap().take(n).map(|kv| kv.unwrap().1[0] as u64).sum()
    }
}
