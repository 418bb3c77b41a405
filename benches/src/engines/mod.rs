//! One adapter per engine under test, each behind [`Engine`](crate::Engine).

mod lmdb;
mod redb;
mod sqlite;
mod treestore;

pub use self::lmdb::Engine as Lmdb;
pub use self::redb::Engine as Redb;
pub use self::sqlite::Engine as Sqlite;
pub use self::treestore::Engine as TreeStore;
