//! Tests of the resolutions a snapshot's readers share ([`super::resolutions`]): the next read
//! transaction after a commit sees the commit (a new latest version, a deleted version, a version
//! stored again under the same id, a moved tag), an older snapshot keeps its answers, and the
//! readers of one snapshot share what any of them resolved.

use crate::db::ReadOps;
use crate::document::tests::support::{doc, mem_db, node};
use crate::document::{DocReader, Document, Documents, Node};
use crate::error::ErrorKind;
use crate::time::parse;
use crate::version::{VersionReader, Versions};

use super::resolutions::Resolutions;

fn version(v: &str, created: &str) -> Document {
    Document {
        created_at: parse(created).unwrap(),
        ..doc("pol", v)
    }
}

/// A two-node tree whose node "a" has title `title`.
fn tree(title: &str) -> Vec<Node> {
    let mut a = node("a", Some("r"));
    a.title = title.to_string();
    vec![node("r", None), a]
}

/// The version and title of node "a" of `version` (None: the latest) as `tx` reads it.
fn read_a(tx: &impl ReadOps, version: Option<&str>) -> (String, String) {
    let n = DocReader::new(tx).node("pol", version, "a").unwrap();
    (n.version_id, n.title)
}

/// The latest version of "pol" as the snapshot's shared resolutions hold it, if they do.
fn shared(tx: &crate::db::ReadTxn) -> Option<String> {
    tx.snapshot_memo()
        .and_then(|m| m.get::<Resolutions>())
        .and_then(|r| r.get("pol", None))
        .map(|r| r.version_id.to_string())
}

fn pair(v: &str, t: &str) -> (String, String) {
    (v.to_string(), t.to_string())
}

#[test]
fn a_commit_is_seen_by_the_next_reader_and_not_by_an_older_snapshot() {
    let db = mem_db();
    let docs = Documents::new(&db);
    docs.store_document(&version("v1", "2024-01-01"), &tree("one"))
        .unwrap();
    let old = db.begin_read().unwrap();
    assert_eq!(read_a(&old, None), pair("v1", "one"));

    // A newer version becomes the latest for the next reader only.
    docs.store_document(&version("v2", "2024-02-01"), &tree("two"))
        .unwrap();
    assert_eq!(read_a(&db.begin_read().unwrap(), None), pair("v2", "two"));
    assert_eq!(docs.node("pol", None, "a").unwrap().title, "two");
    assert_eq!(read_a(&old, None), pair("v1", "one"));
    assert_eq!(
        DocReader::new(&old)
            .node("pol", Some("v2"), "a")
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );

    // The same version id stored again gets a fresh vid: the next reader reads the new nodes.
    let before = db.begin_read().unwrap();
    assert_eq!(read_a(&before, Some("v2")), pair("v2", "two"));
    docs.store_document(&version("v2", "2024-02-01"), &tree("two again"))
        .unwrap();
    assert_eq!(
        read_a(&db.begin_read().unwrap(), Some("v2")),
        pair("v2", "two again")
    );
    assert_eq!(
        read_a(&db.begin_read().unwrap(), None),
        pair("v2", "two again")
    );
    assert_eq!(read_a(&before, Some("v2")), pair("v2", "two"));

    // Deleting the latest version: the next reader falls back to v1 and cannot find v2; the
    // snapshots before keep both.
    docs.delete_document("pol", Some("v2")).unwrap();
    let after = db.begin_read().unwrap();
    assert_eq!(read_a(&after, None), pair("v1", "one"));
    let gone = DocReader::new(&after).node("pol", Some("v2"), "a");
    assert_eq!(gone.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(docs.node("pol", None, "a").unwrap().version_id, "v1");
    assert_eq!(read_a(&before, None), pair("v2", "two"));
    assert_eq!(read_a(&old, None), pair("v1", "one"));

    // Deleting the last version leaves the policy without versions.
    docs.delete_document("pol", Some("v1")).unwrap();
    let none = DocReader::new(&db.begin_read().unwrap())
        .node("pol", None, "a")
        .unwrap_err();
    assert_eq!(none.kind(), ErrorKind::NotFound);
    assert_eq!(read_a(&old, Some("v1")), pair("v1", "one"));
}

#[test]
fn a_moved_tag_is_seen_by_the_next_reader() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let versions = Versions::new(&db);
    let mut v1 = version("v1", "2024-01-01");
    v1.tags = vec!["production".into()];
    docs.store_document(&v1, &tree("one")).unwrap();
    docs.store_document(&version("v2", "2024-02-01"), &tree("two"))
        .unwrap();
    let tagged = |tx: &crate::db::ReadTxn| {
        let id = VersionReader::new(tx)
            .tagged_version_id("pol", "production")
            .unwrap();
        read_a(tx, Some(&id))
    };
    let old = db.begin_read().unwrap();
    assert_eq!(tagged(&old), pair("v1", "one"));
    versions.tag_version("pol", "v2", "production").unwrap();
    assert_eq!(tagged(&db.begin_read().unwrap()), pair("v2", "two"));
    assert_eq!(tagged(&old), pair("v1", "one"));
}

#[test]
fn readers_of_one_snapshot_share_resolutions_and_writers_do_not() {
    let db = mem_db();
    let docs = Documents::new(&db);
    docs.store_document(&version("v1", "2024-01-01"), &tree("one"))
        .unwrap();
    let first = db.begin_read().unwrap();
    let second = db.begin_read().unwrap();
    assert_eq!(shared(&second), None);
    assert_eq!(read_a(&first, None), pair("v1", "one"));
    assert_eq!(shared(&second), Some("v1".to_string()));
    // Failed resolutions are not kept.
    assert!(DocReader::new(&first).node("pol", Some("v9"), "a").is_err());
    assert!(second
        .snapshot_memo()
        .and_then(|m| m.get::<Resolutions>())
        .and_then(|r| r.get("pol", Some("v9")))
        .is_none());
    // A write transaction has no shared memo and sees its own store at once.
    let mut w = db.begin_write().unwrap();
    assert!(w.snapshot_memo().is_none());
    crate::document::store_document(&mut w, &version("v2", "2024-02-01"), &tree("two")).unwrap();
    assert_eq!(read_a(&w, None), pair("v2", "two"));
    w.commit().unwrap();
    let next = db.begin_read().unwrap();
    assert_eq!(shared(&next), None);
    assert_eq!(read_a(&next, None), pair("v2", "two"));
    assert_eq!(shared(&first), Some("v1".to_string()));
}

#[test]
fn a_reader_resolves_correctly_when_the_shared_table_is_full() {
    let db = mem_db();
    let docs = Documents::new(&db);
    docs.store_document(&version("v1", "2024-01-01"), &tree("one"))
        .unwrap();
    let tx = db.begin_read().unwrap();
    let shared = tx.snapshot_memo().unwrap().get::<Resolutions>().unwrap();
    let junk = std::sync::Arc::new(super::read::Resolved {
        vid: u64::MAX,
        version_id: "junk".into(),
        id_hint: None,
        hints: Default::default(),
        slots: Default::default(),
    });
    let mut kept = 0;
    for i in 0..4 * super::resolutions::SLOTS {
        kept += usize::from(shared.insert(&format!("junk{i}"), None, &junk));
    }
    assert_eq!(kept, super::resolutions::SLOTS, "every slot is taken");
    let r = DocReader::new(&tx);
    for _ in 0..2 {
        let n = r.node("pol", None, "a").unwrap();
        assert_eq!((n.version_id.as_str(), n.title.as_str()), ("v1", "one"));
        assert_eq!(r.node("pol", Some("v1"), "a").unwrap().title, "one");
    }
    assert!(shared.get("pol", None).is_none());
    assert_eq!(read_a(&db.begin_read().unwrap(), None), pair("v1", "one"));
}

/// A commit that changes no `ver.` or `doc.` table (a tool result, a prompt) hands the resolutions
/// and their page hints on to the next snapshot; the next version stored does not.
#[test]
fn resolutions_outlive_commits_of_other_tables_and_not_of_versions() {
    let db = mem_db();
    let docs = Documents::new(&db);
    docs.store_document(&version("v1", "2024-01-01"), &tree("one"))
        .unwrap();
    let first = db.begin_read().unwrap();
    assert_eq!(read_a(&first, None), pair("v1", "one"));
    let mut w = db.begin_write().unwrap();
    let t = w.table("meta.elsewhere").unwrap();
    w.insert(t, b"k", b"v").unwrap();
    w.commit().unwrap();
    let second = db.begin_read().unwrap();
    assert_eq!(shared(&second), Some("v1".to_string()), "handed on");
    assert_eq!(read_a(&second, None), pair("v1", "one"));
    docs.store_document(&version("v2", "2024-02-01"), &tree("two"))
        .unwrap();
    let third = db.begin_read().unwrap();
    assert_eq!(
        shared(&third),
        None,
        "a version stored: new, empty resolutions"
    );
    assert_eq!(read_a(&third, None), pair("v2", "two"));
    assert_eq!(read_a(&second, None), pair("v1", "one"));
    // Deleting through a commit of other tables again keeps what the third snapshot resolved.
    let mut w = db.begin_write().unwrap();
    let t = w.table("meta.elsewhere").unwrap();
    w.remove(t, b"k").unwrap();
    w.commit().unwrap();
    let fourth = db.begin_read().unwrap();
    assert_eq!(shared(&fourth), Some("v2".to_string()));
    assert_eq!(docs.delete_document("pol", Some("v2")).unwrap(), 1);
    let fifth = db.begin_read().unwrap();
    assert_eq!(shared(&fifth), None);
    assert_eq!(read_a(&fifth, None), pair("v1", "one"));
}
