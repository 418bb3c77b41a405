//! The read exports' arguments for the ABI fuzz: ids, versions, page specs, section paths,
//! queries, cursors and id lists drawn from pools of good, absent, empty, oversized, NUL-holding
//! and non-UTF-8 values (or NULL), integers from the telling ends of their types, each call in
//! any kind of transaction.

use std::ptr::null;

use treestore::*;
use treestore_core::rng::Rng;

use crate::calls::{in_txn, Outs, Txn};

/// A string argument: `None` is NULL with length 0.
type Arg = Option<Vec<u8>>;

// One pool a line: rustfmt would give each value a line of its own.
#[rustfmt::skip]
const POLICIES: &[&[u8]] = &[b"p1", b"p2", b"pi", b"", b"nope", b"p1\0", b"\xff\xfe", b"p"];
const VERSIONS: &[&[u8]] = &[b"v1", b"v2", b"", b"zz", b"\xc3"];
#[rustfmt::skip]
const NODES: &[&[u8]] = &[b"r", b"a", b"b", b"x", b"0000", b"", b"r\0", b"\xed\xa0\x80"];
#[rustfmt::skip]
const SPECS: &[&[u8]] = &[
    b"5-10,12", b"", b"10-5", b"-3", b"1-999999999999", b"a,b", b",,,", b"1-2-3",
    b"99999999999999999999", b"0", b"2 - 3", b"1,1,1,1",
];
#[rustfmt::skip]
const PATHS: &[&[u8]] = &[b"1", b"1.2", b"2", b"", b"..", b"1.1.1.1.1.1.1", b"0.0"];
#[rustfmt::skip]
const QUERIES: &[&[u8]] = &[
    b"access", b"\"the policy\"", b"pro*", b"-x", b"AND", b"((((", b"\"", b"a OR", b"*",
    b"title:scope", b"", b"NOT NOT NOT", b"\"\"",
];
#[rustfmt::skip]
const ID_LISTS: &[&[u8]] = &[
    b"[\"r\", \"a\"]", b"[]", b"[1]", b"{}", b"[\"r\", \"r\", \"zz\"]", b"null",
    b"[\"\\ud800\"]", b"[[[[", b"",
];
const CURSORS: &[&[u8]] = &[b"", b"zz", b"AAAA", b"eyJ9", b"\x00\x01"];
#[rustfmt::skip]
const TOKENS: &[&[u8]] = &[b"[\"access\", \"review\"]", b"[]", b"[\"\"]", b"{\"a\": 1}", b"x"];

/// One of `pool` (its first, a value that exists, four times in ten), sometimes grown past every
/// limit, sometimes NULL.
fn pick(pool: &[&[u8]], rng: &mut Rng) -> Arg {
    match rng.below(10) {
        0 => None,
        1 => Some(pool[rng.index(pool.len())].repeat(1 + rng.index(2_000))),
        2..=5 => Some(pool[0].to_vec()),
        _ => Some(pool[rng.index(pool.len())].to_vec()),
    }
}

fn ptr(a: &Arg) -> (*const u8, usize) {
    a.as_ref().map_or((null(), 0), |v| (v.as_ptr(), v.len()))
}

/// An integer from the ends of `u64` and the small values, cast as the export takes it.
fn number(rng: &mut Rng) -> u64 {
    const TELLING: [u64; 10] = [
        0,
        1,
        2,
        3,
        100,
        0x7FFF_FFFF,
        0xFFFF_FFFF,
        1 << 40,
        u64::MAX,
        u64::MAX / 2,
    ];
    TELLING[rng.index(TELLING.len())]
}

/// The read exports the fuzz calls.
pub const EXPORTS: [&str; 14] = [
    "treestore_node_get",
    "treestore_node_get_batch",
    "treestore_node_children",
    "treestore_node_subtree",
    "treestore_node_ancestors",
    "treestore_node_by_page",
    "treestore_node_by_pages",
    "treestore_node_by_section_path",
    "treestore_version_as_of",
    "treestore_version_diff",
    "treestore_version_list",
    "treestore_document_structure",
    "treestore_search",
    "treestore_node_related",
];

/// Calls export `which` of [`EXPORTS`] with arguments drawn by `rng` in `txn`; the arguments
/// described, and the status (`Err` names what broke the contract).
pub fn call(
    db: *const treestore_db,
    which: usize,
    txn: Txn,
    rng: &mut Rng,
) -> (String, Result<treestore_status, String>) {
    let (p, v) = (pick(POLICIES, rng), pick(VERSIONS, rng));
    let n = match which {
        1 => pick(ID_LISTS, rng),
        6 => pick(SPECS, rng),
        7 => pick(PATHS, rng),
        9 => pick(VERSIONS, rng),
        // The first page, without a cursor, half the time.
        10 | 11 if rng.below(2) == 0 => None,
        10 | 11 => pick(CURSORS, rng),
        12 => pick(QUERIES, rng),
        13 => pick(TOKENS, rng),
        _ => pick(NODES, rng),
    };
    let (x, y, z) = (number(rng), number(rng), number(rng));
    let text = rng.below(2) == 0;
    let what = format!(
        "{} {txn:?} policy {:?} version {:?} arg {:?} numbers {x} {y} {z}",
        EXPORTS[which],
        p.as_deref()
            .map(|b| String::from_utf8_lossy(&b[..b.len().min(40)]).into_owned()),
        v.as_deref()
            .map(|b| String::from_utf8_lossy(&b[..b.len().min(40)]).into_owned()),
        n.as_deref()
            .map(|b| String::from_utf8_lossy(&b[..b.len().min(40)]).into_owned()),
    );
    let outcome = in_txn(db, txn, |t, outs| {
        let status = invoke(
            db,
            t,
            which,
            [ptr(&p), ptr(&v), ptr(&n)],
            (x, y, z, text),
            outs,
        );
        (status, true)
    });
    (what, outcome)
}

/// The call itself: three string arguments (policy, version, the export's own), three numbers
/// and a flag, each used as the export takes it.
fn invoke(
    db: *const treestore_db,
    t: *mut treestore_txn,
    which: usize,
    strings: [(*const u8, usize); 3],
    numbers: (u64, u64, u64, bool),
    outs: &mut Outs,
) -> treestore_status {
    let [(p, pl), (v, vl), (a, al)] = strings;
    let (x, y, z, text) = numbers;
    let (r, e) = (&mut outs.result, &mut outs.err);
    match which {
        0 => treestore_node_get(db, t, p, pl, v, vl, a, al, r, e),
        1 => treestore_node_get_batch(db, t, p, pl, v, vl, a, al, text, r, e),
        2 => treestore_node_children(db, t, p, pl, v, vl, a, al, text, r, e),
        3 => treestore_node_subtree(db, t, p, pl, v, vl, a, al, x as u32, text, r, e),
        4 => treestore_node_ancestors(db, t, p, pl, v, vl, a, al, text, r, e),
        5 => treestore_node_by_page(db, t, p, pl, v, vl, x as i64, text, r, e),
        6 => treestore_node_by_pages(db, t, p, pl, v, vl, a, al, text, r, e),
        7 => treestore_node_by_section_path(db, t, p, pl, v, vl, a, al, r, e),
        8 => treestore_version_as_of(db, t, p, pl, x as i64, r, e),
        9 => treestore_version_diff(db, t, p, pl, v, vl, a, al, r, e),
        10 => treestore_version_list(db, t, p, pl, x as usize, a, al, r, e),
        11 => treestore_document_structure(db, t, p, pl, v, vl, x as i64, y as usize, a, al, r, e),
        12 => treestore_search(
            db, t, p, pl, v, vl, a, al, x as usize, y as usize, z as usize, text, r, e,
        ),
        _ => treestore_node_related(
            db,
            t,
            p,
            pl,
            v,
            vl,
            b"r".as_ptr(),
            1,
            a,
            al,
            x as usize,
            r,
            e,
        ),
    }
}
