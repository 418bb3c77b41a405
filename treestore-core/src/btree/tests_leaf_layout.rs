//! The leaf layout of `page.rs`: entries from the page's end down, so a key appended after the
//! others leaves every other entry's bytes where they were (a short WAL delta), and leaves laid
//! out upward by earlier builds still read the same.

use super::keycmp::prefix_of;
use super::node::{Leaf, Node};
use super::page::{decode_node, encode_node, LeafPage, ValRef};
use crate::storage::delta;
use crate::storage::format::{
    init_page_header, seal_page, write_u32, write_u64, PageKind, PAGE_HEADER_LEN,
};

const PS: usize = 4096;
const SLOT_LEN: usize = 12;

fn key(i: usize) -> Vec<u8> {
    format!("tool/results/{i:06}/x").into_bytes()
}

fn value(i: usize) -> Vec<u8> {
    vec![(i % 251) as u8; 20 + i % 37]
}

fn leaf(keys: impl IntoIterator<Item = usize>) -> Leaf {
    let mut leaf = Leaf::default();
    for i in keys {
        leaf.push(&key(i), ValRef::Inline(&value(i)));
    }
    leaf
}

/// A leaf page as builds before session 9 wrote it: entries upward, right after the slots.
fn encode_upward(leaf: &Leaf, page_no: u64) -> Vec<u8> {
    let mut page = vec![0u8; PS];
    init_page_header(&mut page, PageKind::Leaf, leaf.len() as u16, page_no);
    let shared = match leaf.len() {
        0 => 0,
        n => {
            let (a, b) = (leaf.key(0), leaf.key(n - 1));
            a.iter().zip(b).take_while(|(x, y)| x == y).count().min(255)
        }
    };
    page[1] = shared as u8;
    let mut at = PAGE_HEADER_LEN + leaf.len() * SLOT_LEN;
    for (i, (k, v)) in leaf.iter().enumerate() {
        let slot = PAGE_HEADER_LEN + i * SLOT_LEN;
        write_u32(&mut page, slot, at as u32);
        write_u64(&mut page, slot + 4, prefix_of(&k[shared..]));
        write_u32(&mut page, at, k.len() as u32);
        page[at + 8..at + 8 + k.len()].copy_from_slice(k);
        let vat = at + 8 + k.len();
        match v {
            ValRef::Inline(v) => {
                write_u32(&mut page, at + 4, v.len() as u32);
                page[vat..vat + v.len()].copy_from_slice(v);
                at = vat + v.len();
            }
            ValRef::Overflow { first, len } => {
                write_u32(&mut page, at + 4, (1 << 31) | 16);
                write_u64(&mut page, vat, first);
                write_u64(&mut page, vat + 8, len);
                at = vat + 16;
            }
        }
    }
    seal_page(&mut page);
    page
}

/// The delta payload from `base` to `page` (None: longer than half a page).
fn delta_len(base: &[u8], page: &[u8]) -> Option<usize> {
    let mut out = Vec::new();
    delta::encode(1, base, page, PS / 2, &mut out).then_some(out.len())
}

#[test]
fn an_appended_key_leaves_every_other_entry_in_place() {
    // From two keys on, the appended key keeps the bytes the keys share (one key shares all of
    // its own, so a second one changes every slot's prefix).
    for n in [2usize, 5, 20, 40] {
        let before = encode_node(&Node::Leaf(leaf(0..n)), 9, PS);
        let after = encode_node(&Node::Leaf(leaf(0..=n)), 9, PS);
        let view = LeafPage::new(&before, 9).unwrap();
        let lowest = (0..n)
            .map(|i| u32::from_le_bytes(before[16 + i * 12..20 + i * 12].try_into().unwrap()))
            .min()
            .unwrap() as usize;
        assert!(view.len() == n && lowest > PAGE_HEADER_LEN + n * SLOT_LEN);
        assert_eq!(
            before[lowest..],
            after[lowest..],
            "n {n}: the old entries moved"
        );
        assert_eq!(
            before[PAGE_HEADER_LEN..PAGE_HEADER_LEN + n * SLOT_LEN],
            after[PAGE_HEADER_LEN..PAGE_HEADER_LEN + n * SLOT_LEN],
            "n {n}: the old slots changed"
        );
        // The header, one slot and one entry: far below a page.
        let len = delta_len(&before, &after).unwrap();
        assert!(len < 200, "n {n}: a delta of {len} bytes");
    }
}

#[test]
fn entries_fill_the_page_from_its_end_with_no_gap() {
    let l = leaf(0..50);
    let page = encode_node(&Node::Leaf(l.clone()), 3, PS);
    let mut spans: Vec<(usize, usize)> = (0..l.len())
        .map(|i| {
            let at = u32::from_le_bytes(page[16 + i * 12..20 + i * 12].try_into().unwrap());
            let (k, ValRef::Inline(v)) = l.iter().nth(i).unwrap() else {
                panic!("an overflow value");
            };
            (at as usize, at as usize + 8 + k.len() + v.len())
        })
        .collect();
    // Entry 0 ends the page; each later entry ends where the one before it starts.
    assert_eq!(spans[0].1, PS);
    for w in spans.windows(2) {
        assert_eq!(w[1].1, w[0].0);
    }
    spans.sort_unstable();
    assert_eq!(
        PS - spans[0].0 + PAGE_HEADER_LEN + 50 * SLOT_LEN,
        l.encoded_size()
    );
}

#[test]
fn leaves_laid_out_upward_by_earlier_builds_read_the_same() {
    let mut shapes = vec![leaf(0..1), leaf(0..40), leaf((0..90).step_by(3))];
    let mut with_overflow = leaf(0..10);
    with_overflow.push(
        b"tool/results/zzzzzz/x",
        ValRef::Overflow {
            first: 77,
            len: 90_000,
        },
    );
    shapes.push(with_overflow);
    shapes.push(Leaf::default());
    for l in shapes {
        let old = encode_upward(&l, 11);
        let new = encode_node(&Node::Leaf(l.clone()), 11, PS);
        crate::storage::format::verify_page(&old, 11).unwrap();
        assert!(
            l.is_empty() || old != new,
            "the layouts should differ for {} entries",
            l.len()
        );
        let (a, b) = (
            LeafPage::new(&old, 11).unwrap(),
            LeafPage::new(&new, 11).unwrap(),
        );
        assert_eq!(a.len(), b.len());
        for i in 0..l.len() {
            assert_eq!(a.entry(i).unwrap(), b.entry(i).unwrap());
            let k = l.key(i).to_vec();
            assert_eq!(a.search(&k).unwrap(), Ok(i));
            assert_eq!(b.search(&k).unwrap(), Ok(i));
        }
        let probe = b"tool/results/000001/w".to_vec();
        assert_eq!(a.search(&probe).unwrap(), b.search(&probe).unwrap());
        // An old page decoded and written again takes the new layout.
        let Node::Leaf(back) = decode_node(&old, 11).unwrap() else {
            panic!("decoded a branch");
        };
        assert!(back.iter().eq(l.iter()));
        assert_eq!(encode_node(&Node::Leaf(back), 11, PS), new);
    }
}
