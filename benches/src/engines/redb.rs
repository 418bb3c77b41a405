//! redb with `Durability::Immediate` (one fsync per commit) and its default cache.

use std::path::Path;

use crate::{Pair, TABLE};
use ::redb::{Durability, ReadOnlyTable, ReadableDatabase, TableDefinition};

const DEF: TableDefinition<&[u8], &[u8]> = TableDefinition::new(TABLE);

pub struct Engine(::redb::Database);

impl Engine {
    pub fn open(dir: &Path) -> Engine {
        Engine(::redb::Database::create(dir.join("bench.redb")).unwrap())
    }
}

pub struct Reader(ReadOnlyTable<&'static [u8], &'static [u8]>);

impl crate::Engine for Engine {
    type Reader<'a> = Reader;
    const NAME: &'static str = "redb";

    fn write(&self, pairs: &[Pair]) {
        let mut w = self.0.begin_write().unwrap();
        w.set_durability(Durability::Immediate).unwrap();
        {
            let mut t = w.open_table(DEF).unwrap();
            for (k, v) in pairs {
                t.insert(&k[..], &v[..]).unwrap();
            }
        }
        w.commit().unwrap();
    }

    fn remove(&self, pairs: &[Pair]) {
        let mut w = self.0.begin_write().unwrap();
        w.set_durability(Durability::Immediate).unwrap();
        {
            let mut t = w.open_table(DEF).unwrap();
            for (k, _) in pairs {
                assert!(t.remove(&k[..]).unwrap().is_some());
            }
        }
        w.commit().unwrap();
    }

    fn reader(&self) -> Reader {
        Reader(self.0.begin_read().unwrap().open_table(DEF).unwrap())
    }

    fn close(self) {}
}

impl crate::Reader for Reader {
    fn get(&mut self, key: &[u8]) -> u8 {
        self.0.get(key).unwrap().unwrap().value()[0]
    }

    fn scan(&mut self, key: &[u8], n: usize) -> u64 {
        let it = self.0.range::<&[u8]>(key..).unwrap();
        it.take(n).map(|kv| kv.unwrap().1.value()[0] as u64).sum()
    }
}
