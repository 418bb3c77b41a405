//! Point reads from remembered leaf slots (`point.rs`): a node read again comes from its slots
//! and reads exactly as a lookup does, for every text shape and across the transactions of one
//! snapshot; slots never outlive the snapshot whose pages they name; a wrong slot costs a lookup,
//! never a wrong answer; write transactions keep none.

use super::point::SLOT_READS;
use super::DocReader;
use crate::btree::LeafSlot;
use crate::db::{Database, ReadOps};
use crate::document::tests::support::{doc, mem_db};
use crate::document::{Documents, Node};
use crate::version::read::{RECORD_SLOT, TEXT_SLOT};

fn slot_reads() -> u64 {
    SLOT_READS.with(|n| n.get())
}

/// A chain of nodes numbered in pre-order ("0000", …, so versions have an id hint), one per text
/// shape: none, inline, kept in the record, one chunk, two chunks at the edge, several chunks,
/// multi-byte characters, and a text shared by two nodes.
fn shapes() -> Vec<Node> {
    let texts: Vec<Option<String>> = vec![
        None,
        Some("inline".into()),
        Some("s".repeat(300)),
        Some("a".repeat(987)),
        Some("b".repeat(988)),
        Some("c".repeat(2975)),
        Some("é中x".repeat(700)),
        Some("é中x".repeat(700)),
    ];
    let mut nodes: Vec<Node> = Vec::new();
    for (i, text) in texts.into_iter().enumerate() {
        nodes.push(Node {
            node_id: format!("{i:04}"),
            parent_id: (i > 0).then(|| format!("{:04}", i - 1)),
            title: format!("Title {i}"),
            text,
            ..Node::default()
        });
    }
    nodes
}

/// `v2` keeps most of `v1`'s texts (shared), changes one and moves one.
fn two_versions(db: &Database) -> (Vec<Node>, Vec<Node>) {
    let v1 = shapes();
    let mut v2 = v1.clone();
    v2[3].text = Some("d".repeat(990));
    v2[7].text = v1[5].text.clone();
    let docs = Documents::new(db);
    docs.store_document(&doc("p", "v1"), &v1).unwrap();
    docs.store_document(&doc("p", "v2"), &v2).unwrap();
    (v1, v2)
}

/// Reads every node of `version` through `node` and `node_with`, checking the text.
fn read_all<R: ReadOps + ?Sized>(r: &DocReader<'_, R>, version: &str, nodes: &[Node]) {
    for want in nodes {
        let id = want.node_id.as_str();
        let owned = r.node("p", Some(version), id).unwrap();
        assert_eq!(owned.node_id, id);
        assert_eq!(owned.text, want.text, "{version} {id}: node");
        let borrowed = r
            .node_with("p", Some(version), id, |n| {
                Ok((n.node_id.to_string(), n.text.map(str::to_string)))
            })
            .unwrap();
        assert_eq!(
            borrowed,
            (id.to_string(), want.text.clone()),
            "{version} {id}"
        );
    }
}

#[test]
fn a_node_read_again_is_read_from_its_slots() {
    let db = mem_db();
    let (v1, v2) = two_versions(&db);
    let tx = db.begin_read().unwrap();
    let r = DocReader::new(&tx);
    for (version, nodes) in [("v1", &v1), ("v2", &v2)] {
        // The first `node` looks every node up; the `node_with` after it reads from the slots.
        let before = slot_reads();
        read_all(&r, version, nodes);
        let first_round = slot_reads() - before;
        assert!(
            first_round >= nodes.len() as u64,
            "{version}: each node_with after a node reads its record from its slot \
             ({first_round} slot reads)"
        );
        let before = slot_reads();
        read_all(&r, version, nodes);
        // The root takes no part in the id hint: it is found through `doc.ids` each time.
        let stored_texts = nodes[1..]
            .iter()
            .filter(|n| n.text.as_ref().is_some_and(|t| t.len() > 512));
        let want = 2 * (nodes.len() - 1 + stored_texts.count()) as u64;
        assert_eq!(
            slot_reads() - before,
            want,
            "{version}: every record and stored text read again comes from its slots"
        );
    }
}

#[test]
fn the_transactions_of_one_snapshot_share_slots() {
    let db = mem_db();
    let (v1, _) = two_versions(&db);
    let docs = Documents::new(&db);
    for n in &v1 {
        docs.node("p", Some("v1"), &n.node_id).unwrap();
    }
    let before = slot_reads();
    for n in &v1 {
        // A read transaction per call, as the C ABI reads.
        let got = docs.node("p", Some("v1"), &n.node_id).unwrap();
        assert_eq!(got.text, n.text);
    }
    assert!(slot_reads() - before >= v1.len() as u64);
}

#[test]
fn slots_belong_to_the_snapshot_whose_pages_they_name() {
    let db = mem_db();
    let (v1, _) = two_versions(&db);
    let old = db.begin_read().unwrap();
    let old_reader = DocReader::new(&old);
    read_all(&old_reader, "v1", &v1);
    // A commit of another table hands the slots on (the document tables are the same pages).
    let mut w = db.begin_write().unwrap();
    let t = w.table("other.t").unwrap();
    w.insert(t, b"k", b"v").unwrap();
    w.commit().unwrap();
    let before = slot_reads();
    read_all(&DocReader::new(&db.begin_read().unwrap()), "v1", &v1);
    assert!(
        slot_reads() > before,
        "slots outlive a commit of another table"
    );
    // Replacing the version rewrites its pages: the next snapshot starts without slots and
    // reads the new texts; the old snapshot still reads its own, from its slots.
    let mut v1b = v1.clone();
    for n in &mut v1b {
        n.text = n.text.as_ref().map(|t| t.to_uppercase() + "!");
    }
    Documents::new(&db)
        .store_document(&doc("p", "v1"), &v1b)
        .unwrap();
    let new = db.begin_read().unwrap();
    let before = slot_reads();
    let new_reader = DocReader::new(&new);
    for n in &v1b {
        let got = new_reader.node("p", Some("v1"), &n.node_id).unwrap();
        assert_eq!(got.text, n.text);
    }
    assert_eq!(
        slot_reads(),
        before,
        "a new version's first reads look their nodes up"
    );
    read_all(&new_reader, "v1", &v1b);
    read_all(&old_reader, "v1", &v1);
}

#[test]
fn a_wrong_slot_costs_a_lookup_never_a_wrong_answer() {
    let db = mem_db();
    let (v1, _) = two_versions(&db);
    let tx = db.begin_read().unwrap();
    let r = DocReader::new(&tx);
    read_all(&r, "v1", &v1);
    let resolved = r.ver.resolve("p", Some("v1")).unwrap();
    let slots = &resolved.slots;
    let (rec3, text3) = (
        slots.get(3, RECORD_SLOT).unwrap(),
        slots.get(3, TEXT_SLOT).unwrap(),
    );
    let wrong = [
        // Another node's record and text.
        (rec3, text3),
        // A slot past the leaf's entries, a page that is no leaf, pages past the file.
        (
            LeafSlot {
                slot: u16::MAX,
                ..rec3
            },
            LeafSlot {
                slot: u16::MAX,
                ..text3
            },
        ),
        (LeafSlot { page: 1, slot: 0 }, LeafSlot { page: 2, slot: 0 }),
        (
            LeafSlot {
                page: 1 << 40,
                slot: 0,
            },
            LeafSlot {
                page: 1 << 30,
                slot: 3,
            },
        ),
    ];
    for (rec, text) in wrong {
        for pos in [4, 5, 6] {
            slots.remember(pos, RECORD_SLOT, rec);
            slots.remember(pos, TEXT_SLOT, text);
        }
        read_all(&r, "v1", &v1);
    }
}

#[test]
fn write_transactions_keep_no_slots() {
    let db = mem_db();
    let (v1, _) = two_versions(&db);
    let w = db.begin_write().unwrap();
    let r = DocReader::new(&w);
    read_all(&r, "v1", &v1);
    read_all(&r, "v1", &v1);
    let resolved = r.ver.resolve("p", Some("v1")).unwrap();
    assert!(!resolved.slots.is_made());
}

#[test]
fn readers_on_many_threads_share_slots_while_versions_are_stored() {
    let db = mem_db();
    let (v1, v2) = two_versions(&db);
    std::thread::scope(|s| {
        for t in 0..3u64 {
            let (db, v1, v2) = (&db, &v1, &v2);
            s.spawn(move || {
                let docs = Documents::new(db);
                let mut rng = crate::rng::Rng::new(t);
                for _ in 0..600 {
                    let (version, nodes) = if rng.below(2) == 0 {
                        ("v1", v1)
                    } else {
                        ("v2", v2)
                    };
                    let want = &nodes[rng.below(nodes.len() as u64) as usize];
                    let got = docs.node("p", Some(version), &want.node_id).unwrap();
                    assert_eq!(got.text, want.text, "{version} {}", want.node_id);
                }
            });
        }
        // New versions of the policy: each commit starts the next snapshot's slots afresh.
        let docs = Documents::new(&db);
        for i in 3..12 {
            let mut next = v2.clone();
            next[2].text = Some(format!("version {i} ").repeat(60));
            docs.store_document(&doc("p", &format!("v{i}")), &next)
                .unwrap();
        }
    });
}
