//! Damage that passes the page checksums, where it could stall an index write: posting blocks
//! whose keys a damaged leaf holds out of order.

use std::sync::mpsc;
use std::time::Duration;

use super::super::block::TEST_BLOCK_POSTINGS;
use super::super::layout::{term_key, POSTINGS};
use super::*;
use crate::error::ErrorKind;
use crate::storage::format::{seal_page, PAGE_HEADER_LEN};

const PATH: &str = "/search.db";
/// Bytes of a leaf slot: the entry's offset (u32) and the first 8 bytes of its key.
const SLOT_LEN: usize = 12;

/// Swapping the slots of a term's first two posting blocks in their leaf (then resealing it)
/// puts their keys out of order: indexing a node of the first block again found the second
/// block, whose successor starts at or before the node's document, so the edit found that block
/// again, forever (a `make fuzz` run stalled there). It is `Corruption` now.
#[test]
fn posting_blocks_out_of_order_are_corruption_not_a_hang() {
    let vfs = MemVfs::new();
    let open = |vfs: &MemVfs| {
        let opts = Options {
            vfs: Arc::new(vfs.clone()),
            ..Options::default()
        };
        Database::open(PATH, opts).unwrap()
    };
    let db = open(&vfs);
    TEST_BLOCK_POSTINGS.with(|c| c.set(4));
    for i in 0..40 {
        put(&db, &doc("p", "v", &format!("n{i:02}")), "", "", "zebra");
    }
    TEST_BLOCK_POSTINGS.with(|c| c.set(super::super::block::MAX_BLOCK_POSTINGS));
    let (page, slots) = {
        let r = db.begin_read().unwrap();
        let t = r.table(POSTINGS).unwrap();
        let keys: Vec<Vec<u8>> = r
            .prefix(t, &term_key("zebra"))
            .unwrap()
            .take(2)
            .map(|kv| kv.unwrap().0.to_vec())
            .collect();
        assert_eq!(keys.len(), 2, "the term has several blocks");
        let mut finger = crate::btree::Finger::new();
        r.get_near(t, &keys[0], &mut finger).unwrap().unwrap();
        let page = finger
            .last_page()
            .expect("a read transaction keeps its path");
        let slot = |k: &[u8]| r.slot_of(t, page, k).unwrap().expect("in the leaf").slot;
        (page, [slot(&keys[0]), slot(&keys[1])])
    };
    db.checkpoint().unwrap();
    drop(db);
    let mut bytes = vfs.file_bytes(PATH).unwrap();
    let size = Options::default().page_size as usize;
    let leaf = &mut bytes[page as usize * size..(page as usize + 1) * size];
    let [a, b] = slots.map(|s| PAGE_HEADER_LEN + usize::from(s) * SLOT_LEN);
    let first: [u8; SLOT_LEN] = leaf[a..a + SLOT_LEN].try_into().unwrap();
    leaf.copy_within(b..b + SLOT_LEN, a);
    leaf[b..b + SLOT_LEN].copy_from_slice(&first);
    seal_page(leaf);
    vfs.set_file_bytes(PATH, bytes);

    let db = open(&vfs);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let again = doc("p", "v", "n00");
        let _ = tx.send(SearchIndex::new(&db).index_node(&again, &[(Field::Text, "zebra again")]));
    });
    let indexed = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("indexing the node again finishes");
    let err = indexed.expect_err("the damage is reported");
    assert_eq!(err.kind(), ErrorKind::Corruption, "{err}");
    assert!(err.to_string().contains("zebra"), "{err}");
}
