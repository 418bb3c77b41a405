//! Tests of the WAL: torn tails, corruption, page deltas and format 2 logs.

use super::*;
use crate::storage::format::{init_page_header, seal_page, PageKind};
use crate::storage::vfs::{MemVfs, OpenOptions, Vfs};
use std::path::Path;

const PS: u32 = 1024;

/// A valid page `page_no` filled with `fill`, with `(offset, byte)` changes in its body.
fn page_with(page_no: u64, fill: u8, changes: &[(usize, u8)]) -> Vec<u8> {
    let mut p = vec![fill; PS as usize];
    init_page_header(&mut p, PageKind::Leaf, 0, page_no);
    for &(at, v) in changes {
        p[at] = v;
    }
    seal_page(&mut p);
    p
}

fn page(page_no: u64, fill: u8) -> Vec<u8> {
    page_with(page_no, fill, &[])
}

fn new_wal(vfs: &MemVfs, seq: u64) -> Wal {
    let create = OpenOptions {
        create: true,
        read_only: false,
    };
    let file = vfs.open(Path::new("w"), create).unwrap();
    let wal = Wal::new(file, PS, seq, 0, 1 << 20, FxHashSet::default(), false);
    wal.reset(seq).unwrap();
    wal
}

fn info(txid: u64) -> CommitInfo {
    CommitInfo {
        txid,
        catalog_root: 9,
        hwm: 20,
        freed: vec![4, 5],
        direct: Vec::new(),
    }
}

type Page = Vec<u8>;

/// A page of a transaction: its number, bytes and candidate base.
type TestPage = (u64, Page, Option<(u64, Page)>);

/// Appends one transaction and syncs it; returns where it started.
fn commit(wal: &Wal, info: &CommitInfo, pages: &[TestPage]) -> u64 {
    let start = wal.len();
    let out: Vec<PageOut<'_>> = pages
        .iter()
        .map(|(page_no, page, base)| PageOut {
            page_no: *page_no,
            page,
            base: base.as_ref().map(|(b, bytes)| (*b, &bytes[..])),
            touched: delta::Touched::ALL,
        })
        .collect();
    let end = wal.append(info, &out).unwrap();
    wal.sync_to(end).unwrap();
    start
}

/// A log of generation 3 with three transactions, each synced before the next is appended.
fn three_commits() -> (MemVfs, Vec<u64>) {
    let vfs = MemVfs::new();
    let wal = new_wal(&vfs, 3);
    let mut starts = Vec::new();
    for txid in 1..=3u64 {
        let info = CommitInfo {
            direct: vec![12 + txid],
            ..info(txid)
        };
        let pages = [10, 11].map(|n| (n, page(n, txid as u8), None));
        starts.push(commit(&wal, &info, &pages));
    }
    (vfs, starts)
}

fn replay_with(vfs: &MemVfs, flip: Option<usize>, seq: u64) -> Result<Replay> {
    let copy = vfs.deep_clone();
    if let Some(at) = flip {
        let mut bytes = copy.file_bytes("w").unwrap();
        bytes[at] ^= 0x10;
        copy.set_file_bytes("w", bytes);
    }
    let ro = OpenOptions {
        create: false,
        read_only: true,
    };
    Wal::replay(&*copy.open(Path::new("w"), ro).unwrap(), PS, seq, 0)
}

#[test]
fn damage_in_the_last_transaction_is_a_torn_tail() {
    let (vfs, starts) = three_commits();
    let all = replay_with(&vfs, None, 3).unwrap().commits;
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].info.direct, vec![14], "direct pages round-trip");
    assert_eq!(all[1].info.freed, vec![4, 5]);
    let replay = replay_with(&vfs, Some(starts[2] as usize + 100), 3).unwrap();
    assert_eq!(replay.commits.len(), 2);
    assert_eq!(replay.end, starts[2]);
}

#[test]
fn damage_before_a_later_synced_commit_is_corruption() {
    let (vfs, starts) = three_commits();
    for at in [
        starts[0] + 3,
        starts[0] + 500,
        starts[1] + 16,
        starts[2] - 3,
    ] {
        let err = replay_with(&vfs, Some(at as usize), 3).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Corruption, "flip at {at}: {err}");
    }
}

#[test]
fn a_damaged_header_or_a_newer_generation_is_corruption() {
    let (vfs, _) = three_commits();
    for at in [0, 17, 36] {
        let err = replay_with(&vfs, Some(at), 3).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Corruption, "flip at {at}");
    }
    let err = replay_with(&vfs, None, 2).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Corruption,
        "log newer than the meta page"
    );
    assert!(
        replay_with(&vfs, None, 4).unwrap().commits.is_empty(),
        "a stale log"
    );
}

/// The records of a log: (offset, kind, payload length), walking the headers from the first.
fn records(bytes: &[u8]) -> Vec<(usize, u32, usize)> {
    let mut out = Vec::new();
    let mut at = WAL_HEADER_LEN as usize;
    while at + RECORD_HEADER_LEN <= bytes.len() {
        let (kind, plen) = (read_u32(bytes, at), read_u32(bytes, at + 4) as usize);
        if kind == 0 {
            break;
        }
        out.push((at, kind, plen));
        at += RECORD_HEADER_LEN + plen;
    }
    out
}

/// Generation 3: txid 1 logs pages 10 and 11 as images; txid 2 copies them to 12 (one byte
/// changed) and 13 (unchanged body) and frees them; txid 3 copies 12 to 10 (another byte
/// changed), a chain of bases across commits. Returns the log and the expected latest pages.
fn delta_commits() -> (MemVfs, Vec<u64>, Vec<(u64, Page)>) {
    let vfs = MemVfs::new();
    let wal = new_wal(&vfs, 3);
    let (p10, p11) = (page(10, 1), page(11, 2));
    let p12 = page_with(12, 1, &[(500, 7)]);
    let p13 = page(13, 2);
    let p10b = page_with(10, 1, &[(500, 7), (PS as usize - 1, 8)]);
    let starts = vec![
        commit(
            &wal,
            &info(1),
            &[(10, p10.clone(), None), (11, p11.clone(), None)],
        ),
        commit(
            &wal,
            &info(2),
            &[
                (12, p12.clone(), Some((10, p10))),
                (13, p13.clone(), Some((11, p11))),
            ],
        ),
        commit(
            &wal,
            &info(3),
            &[(10, p10b.clone(), Some((12, p12.clone())))],
        ),
    ];
    assert_eq!(wal.delta_records(), 3);
    (
        vfs,
        starts,
        vec![(10, p10b), (11, page(11, 2)), (12, p12), (13, p13)],
    )
}

fn replay_bytes(bytes: Vec<u8>) -> Result<Replay> {
    let vfs = MemVfs::new();
    vfs.set_file_bytes("w", bytes);
    let ro = OpenOptions {
        create: false,
        read_only: true,
    };
    Wal::replay(&*vfs.open(Path::new("w"), ro).unwrap(), PS, 3, 0)
}

/// Rewrites the payload of the record at `at` with `f` and seals it again (an intact record).
fn rewrite_record(bytes: &mut [u8], at: usize, f: impl FnOnce(&mut [u8])) {
    let plen = read_u32(bytes, at + 4) as usize;
    let body = at + RECORD_HEADER_LEN;
    f(&mut bytes[body..body + plen]);
    let (kind, seq, txid, page_no) = (
        read_u32(bytes, at),
        read_u64(bytes, at + 8),
        read_u64(bytes, at + 16),
        read_u64(bytes, at + 24),
    );
    let h = record_header(kind, &bytes[body..body + plen], seq, txid, page_no);
    bytes[at..body].copy_from_slice(&h);
}

#[test]
fn deltas_resolve_against_earlier_commits() {
    let (vfs, _, expected) = delta_commits();
    let bytes = vfs.file_bytes("w").unwrap();
    let kinds: Vec<u32> = records(&bytes).iter().map(|r| r.1).collect();
    assert_eq!(kinds, [1, 1, 2, 3, 3, 2, 3, 2]);
    let deltas: Vec<usize> = records(&bytes)
        .iter()
        .filter(|r| r.1 == KIND_DELTA)
        .map(|r| r.2)
        .collect();
    assert!(deltas.iter().all(|&n| n < 64), "small deltas: {deltas:?}");
    let replay = replay_bytes(bytes).unwrap();
    assert!(replay.deltas_allowed);
    assert_eq!(replay.commits.len(), 3);
    assert_eq!(replay.commits[1].pages, vec![12, 13]);
    assert_eq!(replay.pages.len(), expected.len());
    for (page_no, page) in expected {
        assert_eq!(&*replay.pages[&page_no], &page[..], "page {page_no}");
    }
}

#[test]
fn a_base_without_a_record_in_this_log_is_not_used() {
    let vfs = MemVfs::new();
    let wal = new_wal(&vfs, 3);
    let (p10, p12) = (page(10, 1), page(12, 1));
    // Page 10 has no record in this generation (it is in the main file): an image is written.
    commit(&wal, &info(1), &[(12, p12.clone(), Some((10, p10)))]);
    // Page 12 is logged but a direct commit rewrote it in the main file since.
    commit(
        &wal,
        &CommitInfo {
            direct: vec![12],
            ..info(2)
        },
        &[],
    );
    commit(&wal, &info(3), &[(13, page(13, 1), Some((12, p12)))]);
    assert_eq!(wal.delta_records(), 0);
    assert!(!wal.can_be_base(12) && wal.can_be_base(13));
    let replay = replay_bytes(vfs.file_bytes("w").unwrap()).unwrap();
    assert_eq!(replay.commits.len(), 3);
    assert!(
        !replay.pages.contains_key(&12),
        "a direct page leaves the replayed pages"
    );
    // A reset starts a generation without bases.
    wal.reset(4).unwrap();
    assert!(!wal.can_be_base(13));
}

#[test]
fn a_damaged_base_reference_is_corruption() {
    let (vfs, _, _) = delta_commits();
    let bytes = vfs.file_bytes("w").unwrap();
    let first_delta = records(&bytes)
        .into_iter()
        .find(|r| r.1 == KIND_DELTA)
        .unwrap()
        .0;
    let mut unknown = bytes.clone();
    rewrite_record(&mut unknown, first_delta, |p| {
        p[0..8].copy_from_slice(&99u64.to_le_bytes())
    });
    let err = replay_bytes(unknown).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corruption);
    assert!(
        err.to_string().contains("page 12") && err.to_string().contains("99"),
        "{err}"
    );
    // A base that exists but is the wrong page: the resolved page fails verification.
    let mut wrong = bytes.clone();
    rewrite_record(&mut wrong, first_delta, |p| {
        p[0..8].copy_from_slice(&11u64.to_le_bytes())
    });
    assert_eq!(
        replay_bytes(wrong).unwrap_err().kind(),
        ErrorKind::Corruption
    );
    // A run past the page's end.
    let mut overrun = bytes;
    rewrite_record(&mut overrun, first_delta, |p| {
        p[8..12].copy_from_slice(&(PS - 4).to_le_bytes())
    });
    let err = replay_bytes(overrun).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corruption);
    assert!(err.to_string().contains("overruns"), "{err}");
}

#[test]
fn a_torn_delta_record_at_the_tail_is_cut() {
    let (vfs, starts, _) = delta_commits();
    let bytes = vfs.file_bytes("w").unwrap();
    let last_delta = records(&bytes)
        .into_iter()
        .rfind(|r| r.1 == KIND_DELTA)
        .unwrap();
    for cut in [
        last_delta.0 + 10,
        last_delta.0 + RECORD_HEADER_LEN + last_delta.2 - 1,
    ] {
        let replay = replay_bytes(bytes[..cut].to_vec()).unwrap();
        assert_eq!(replay.commits.len(), 2, "cut at {cut}");
        assert_eq!(replay.end, starts[2]);
    }
    // A flipped byte in that record (the last transaction) is a torn tail too.
    let mut flipped = bytes.clone();
    flipped[last_delta.0 + RECORD_HEADER_LEN + 9] ^= 1;
    assert_eq!(replay_bytes(flipped).unwrap().commits.len(), 2);
}

#[test]
fn a_damaged_delta_before_a_later_synced_commit_is_corruption() {
    let (vfs, _, _) = delta_commits();
    let bytes = vfs.file_bytes("w").unwrap();
    let first_delta = records(&bytes)
        .into_iter()
        .find(|r| r.1 == KIND_DELTA)
        .unwrap();
    // Damage in the kind, the length, the txid and the payload: the walk steps over the record
    // by its length (or, with the length damaged, by its runs) and finds txid 3's commit, synced
    // after it.
    let body = first_delta.0 + RECORD_HEADER_LEN;
    for at in [
        first_delta.0,
        first_delta.0 + 4,
        first_delta.0 + 16,
        body + 9,
    ] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x10;
        let err = replay_bytes(damaged).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Corruption, "flip at {at}: {err}");
    }
}

/// A format-2 log: the header's version byte set back to 2.
fn as_v2(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes[7] = 2;
    let crc = crc32fast::hash(&bytes[0..36]);
    write_u32(&mut bytes, 36, crc);
    bytes
}

#[test]
fn a_format_2_log_still_replays_and_gets_no_deltas() {
    let (vfs, _) = three_commits();
    let replay = replay_bytes(as_v2(vfs.file_bytes("w").unwrap())).unwrap();
    assert_eq!(replay.commits.len(), 3);
    assert!(!replay.deltas_allowed);
    // A kind-3 record in a format-2 log is not one: it and what follows are a torn tail.
    let (vfs, starts, _) = delta_commits();
    let replay = replay_bytes(as_v2(vfs.file_bytes("w").unwrap())).unwrap();
    assert_eq!(replay.commits.len(), 1);
    assert_eq!(replay.end, starts[1]);
    // Appending behind a format-2 header writes images until a reset writes a format-3 one.
    let logged: FxHashSet<u64> = [10].into_iter().collect();
    let create = OpenOptions {
        create: true,
        read_only: false,
    };
    let file = MemVfs::new().open(Path::new("w"), create).unwrap();
    let wal = Wal::new(file, PS, 3, WAL_HEADER_LEN, 1 << 20, logged, false);
    assert!(!wal.can_be_base(10));
    let (p10, p12) = (page(10, 1), page(12, 1));
    commit(&wal, &info(1), &[(12, p12, Some((10, p10)))]);
    assert_eq!(wal.delta_records(), 0);
    wal.reset(3).unwrap();
    commit(&wal, &info(1), &[(10, page(10, 1), None)]);
    assert!(wal.can_be_base(10));
}
