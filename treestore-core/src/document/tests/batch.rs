//! Bulk import: the keyword analysis run beside the node-table writes makes exactly the database
//! the writing thread alone makes, and a batch with one bad version writes nothing.

use std::sync::Arc;

use super::support::{doc, mem_db, node};
use crate::db::{Database, Options, ReadOps};
use crate::document::gen::{self, GenConfig};
use crate::document::indexing::{Analysis, TEST_SPLIT};
use crate::document::record::{HEADS, IDS, NODES, PAGES, SECTIONS, TEXTS};
use crate::document::write::store_batch;
use crate::document::{Document, Node};
use crate::error::ErrorKind;
use crate::search::{
    self, SearchSettings, Stemming, TEST_BLOCK_POSTINGS, TEST_ENCODE_BESIDE, TEST_SEGMENT_POSITIONS,
};
use crate::storage::vfs::MemVfs;
use crate::version::record::VERSIONS;

type Batch = Vec<(Document, Vec<Node>)>;

/// A database's files, by path.
type Files = Vec<(std::path::PathBuf, Vec<u8>)>;

/// Every term's postings, as `search::postings_by_term` reads them.
type Postings = std::collections::BTreeMap<String, Vec<crate::search::Posting>>;

/// Every entry of every table, for comparing whole databases.
fn dump(db: &Database) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let r = db.begin_read().unwrap();
    let mut out = Vec::new();
    for name in r.table_names().unwrap() {
        let t = r.table(&name).unwrap();
        for kv in r
            .range(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)
            .unwrap()
        {
            let (k, v) = kv.unwrap();
            out.push((name.clone(), k.to_vec(), v.to_vec()));
        }
    }
    out
}

/// Fixed timestamps, so two databases written at different instants can be compared (versions
/// of one policy start at different instants: one per version id).
fn pinned(mut versions: Batch) -> Batch {
    for (d, nodes) in &mut versions {
        let id = d
            .version_id
            .bytes()
            .fold(0i64, |h, b| h * 31 + i64::from(b));
        d.created_at = 1_000_000 + id * 1_000;
        d.updated_at = d.created_at + 1;
        for n in nodes {
            n.created_at = 3_000;
            n.updated_at = 4_000;
        }
    }
    versions
}

/// Three policies of three versions each (later versions share most texts with earlier ones).
fn corpus(seed: u64, nodes: usize) -> Batch {
    let cfg = GenConfig {
        nodes,
        ..GenConfig::default()
    };
    let mut out = Vec::new();
    for (p, v1) in gen::corpus(seed, 3, &cfg).enumerate() {
        let v2 = gen::next_version(100 + p as u64, &v1, "v2", 0.2);
        let v3 = gen::next_version(200 + p as u64, &v2, "v3", 0.2);
        out.extend([v1, v2, v3]);
    }
    pinned(out)
}

/// A version whose texts need the general analysis rules (capitals, marks, CJK, apostrophes).
fn unicode(policy: &str, version: &str) -> (Document, Vec<Node>) {
    let texts = [
        "Überprüfungsverfahren der ΟΔΟΣ, don't O’Brien",
        "中华人民共和国 ひらがな café e\u{301} İx Straße",
        "Prior AUTHORIZATION policy's naïve 42 § gamma",
    ];
    let mut nodes = vec![node("r", None)];
    for (i, t) in texts.iter().enumerate() {
        let mut n = node(&format!("u{i}"), Some("r"));
        n.text = Some(t.repeat(3));
        n.summary = Some(texts[(i + 1) % texts.len()].to_string());
        nodes.push(n);
    }
    pinned(vec![(doc(policy, version), nodes)]).remove(0)
}

/// Writes `before` then `batch` (each one transaction) into a fresh database with the batch's
/// analysis where `analysis` says, under `stemming`, with segments of at most `segment`
/// positions; returns the database's entries.
fn build(
    stemming: Stemming,
    before: &Batch,
    batch: &Batch,
    analysis: Analysis,
    segment: usize,
) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let db = mem_db();
    let mut w = db.begin_write().unwrap();
    let settings = SearchSettings {
        stemming,
        ..SearchSettings::default()
    };
    search::configure(&mut w, &settings).unwrap();
    store_batch(&mut w, before, Analysis::Inline).unwrap();
    w.commit().unwrap();
    TEST_SEGMENT_POSITIONS.with(|c| c.set(segment));
    let mut w = db.begin_write().unwrap();
    let stored = store_batch(&mut w, batch, analysis);
    TEST_SEGMENT_POSITIONS.with(|c| c.set(1 << 28));
    assert_eq!(stored.unwrap(), batch.len() as u64);
    w.commit().unwrap();
    search::check(&db.begin_read().unwrap()).unwrap();
    dump(&db)
}

#[test]
fn analysis_beside_the_writes_makes_the_same_database() {
    let all = corpus(11, 40);
    // Before the batch: two versions the batch replaces and one it leaves alone.
    let before: Batch = vec![all[0].clone(), all[4].clone(), unicode("u", "old")];
    let mut batch: Batch = all.clone();
    batch.push(unicode("u", "v1"));
    // A version given twice: the later one is stored and indexed.
    batch.push(unicode("u", "v1"));
    batch.push(pinned(vec![(doc("p-new", "v1"), vec![node("only", None)])]).remove(0));
    batch.swap(1, 7);
    for stemming in [Stemming::None, Stemming::Porter] {
        for segment in [1 << 28, 500, 1] {
            let inline = build(stemming, &before, &batch, Analysis::Inline, segment);
            let beside = build(stemming, &before, &batch, Analysis::Beside, segment);
            assert!(
                inline == beside,
                "{stemming:?}, segments of {segment} positions: the databases differ"
            );
            assert!(inline.iter().any(|(t, _, _)| t == "fts.postings"));
        }
    }
}

#[test]
fn an_empty_batch_and_versions_without_text_are_the_same_either_way() {
    let bare: Batch = pinned(vec![(doc("p", "v1"), vec![node("r", None)])]);
    for batch in [Vec::new(), bare] {
        let inline = build(
            Stemming::None,
            &Vec::new(),
            &batch,
            Analysis::Inline,
            1 << 28,
        );
        let beside = build(
            Stemming::None,
            &Vec::new(),
            &batch,
            Analysis::Beside,
            1 << 28,
        );
        assert!(inline == beside);
    }
}

/// Stores `batch` into a database holding `before`, expecting an error of `kind`; the
/// transaction is dropped, as a caller does on error, and the database must be unchanged.
fn rejected(before: &Batch, batch: &Batch, analysis: Analysis, kind: ErrorKind) {
    let db = mem_db();
    let mut w = db.begin_write().unwrap();
    store_batch(&mut w, before, Analysis::Inline).unwrap();
    w.commit().unwrap();
    let was = dump(&db);
    let mut w = db.begin_write().unwrap();
    let err = store_batch(&mut w, batch, analysis).unwrap_err();
    assert_eq!(err.kind(), kind, "{err}");
    drop(w);
    assert!(
        dump(&db) == was,
        "{analysis:?}: a rejected batch changed the database"
    );
}

#[test]
fn an_invalid_version_late_in_a_batch_writes_nothing() {
    let all = corpus(12, 40);
    for analysis in [Analysis::Inline, Analysis::Beside] {
        // Caught by validation, before any write.
        let mut batch = all.clone();
        let last = batch.len() - 1;
        batch[last].1[5].parent_id = Some("nowhere".into());
        let db = mem_db();
        let mut w = db.begin_write().unwrap();
        let err = store_batch(&mut w, &batch, analysis).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(err.message().contains("nowhere"), "{err}");
        let tables = [
            NODES, IDS, SECTIONS, PAGES, HEADS, TEXTS, VERSIONS, "fts.docs",
        ];
        for name in tables {
            let t = w.table(name).unwrap();
            assert_eq!(w.table_len(t).unwrap(), 0, "{name} was written to");
        }
        drop(w);
        rejected(
            &all[..2].to_vec(),
            &batch,
            analysis,
            ErrorKind::InvalidArgument,
        );
    }
}

/// The keyword index's checks accept every node the document store's accept (before session 17
/// a 256-byte id passed the store's and failed the index's), so a batch is refused for what
/// the version checks find, whichever thread analyzes it: ids at the limit are stored and
/// indexed, and a bad version among them is the error.
#[test]
fn the_keyword_checks_take_what_the_version_checks_take() {
    let all = corpus(15, 40);
    let long_id = "n".repeat(crate::document::MAX_ID_BYTES);
    let mut long = all.clone();
    long[1].1[3].node_id = long_id.clone();
    for n in &mut long[1].1 {
        if n.parent_id.as_deref() == Some(all[1].1[3].node_id.as_str()) {
            n.parent_id = Some(long_id.clone());
        }
    }
    let mut bad = long.clone();
    let last = bad.len() - 1;
    bad[last].1[5].parent_id = Some("nowhere".into());
    for analysis in [Analysis::Inline, Analysis::Beside] {
        let db = mem_db();
        let mut w = db.begin_write().unwrap();
        store_batch(&mut w, &long, analysis).unwrap();
        let err = store_batch(&mut w, &bad, analysis).unwrap_err();
        assert!(err.message().contains("nowhere"), "{analysis:?}: {err}");
        drop(w);
        rejected(
            &all[..2].to_vec(),
            &bad,
            analysis,
            ErrorKind::InvalidArgument,
        );
    }
}

#[test]
fn a_version_rejected_while_writing_leaves_the_database_as_it_was() {
    let all = corpus(13, 40);
    // Effective ranges are checked against stored versions while writing: the last version of
    // the batch overlaps the first one's range, which earlier versions of the batch have written.
    let mut batch = all.clone();
    batch[0].0.effective_start = Some(10);
    batch[0].0.effective_end = Some(20);
    let mut clash = batch[0].clone();
    clash.0.version_id = "clash".into();
    clash.0.effective_start = Some(15);
    clash.0.effective_end = Some(30);
    batch.push(clash);
    for analysis in [Analysis::Inline, Analysis::Beside] {
        rejected(
            &all[3..5].to_vec(),
            &batch,
            analysis,
            ErrorKind::InvalidArgument,
        );
    }
}

/// A large batch's analysis is cut into segments (made on either thread); the cut changes no
/// posting: into an empty index the database is the one a single segment makes,
/// byte for byte, and over an index with postings (where a block merge may cut blocks elsewhere)
/// every table but the blocks is, and every term holds the same postings.
#[test]
fn cutting_the_analysis_in_two_changes_no_posting() {
    // Versions without shared texts, so the cut falls inside the batch (see indexing's tests).
    let cfg = GenConfig {
        nodes: 40,
        ..GenConfig::default()
    };
    let all = pinned(gen::corpus(13, 9, &cfg).collect());
    let before: Batch = vec![all[0].clone(), all[4].clone(), unicode("u", "old")];
    let mut batch: Batch = all.clone();
    batch.push(unicode("u", "v1"));
    let nodes: usize = batch.iter().map(|(_, n)| n.len()).sum();
    assert!(
        nodes >= 256,
        "the batch is large enough to be cut ({nodes} nodes)"
    );
    let blocks = |name: &str| name == "fts.postings" || name == "fts.positions";
    let stored = |before: &Batch, analysis: Analysis, cut: bool| {
        let db = mem_db();
        let mut w = db.begin_write().unwrap();
        store_batch(&mut w, before, Analysis::Inline).unwrap();
        w.commit().unwrap();
        TEST_SPLIT.with(|c| c.set(cut));
        let mut w = db.begin_write().unwrap();
        let done = store_batch(&mut w, &batch, analysis);
        TEST_SPLIT.with(|c| c.set(true));
        done.unwrap();
        w.commit().unwrap();
        let r = db.begin_read().unwrap();
        search::check(&r).unwrap();
        (search::postings_by_term(&r).unwrap(), dump(&db))
    };
    for analysis in [Analysis::Inline, Analysis::Beside] {
        let (one, one_dump) = stored(&Vec::new(), analysis, false);
        let (two, two_dump) = stored(&Vec::new(), analysis, true);
        assert!(
            one == two && one_dump == two_dump,
            "{analysis:?}: into an empty index"
        );
        let (one, one_dump) = stored(&before, analysis, false);
        let (two, two_dump) = stored(&before, analysis, true);
        assert!(one == two, "{analysis:?}: the postings differ");
        assert!(!one.is_empty());
        let rest = |d: Vec<(String, Vec<u8>, Vec<u8>)>| {
            d.into_iter()
                .filter(|(t, _, _)| !blocks(t))
                .collect::<Vec<_>>()
        };
        assert!(
            rest(one_dump) == rest(two_dump),
            "{analysis:?}: a table other than the blocks differs"
        );
    }
}

/// Versions whose nodes hold many words no other node has, as real texts' thousands of terms
/// do: every segment of them holds more distinct terms than nodes, so the writer joins the
/// segments after the first into it and writes them in one pass.
fn many_terms(policies: usize, nodes: usize) -> Batch {
    let mut out = Vec::new();
    for p in 0..policies {
        let mut ns = vec![node("r", None)];
        for i in 1..nodes {
            let mut n = node(&format!("n{i}"), Some("r"));
            let words: Vec<String> = (0..6).map(|w| format!("w{p}x{i}y{w} common")).collect();
            n.text = Some(words.join(" "));
            n.summary = Some(format!("summary{} of node{i}", i % 7));
            ns.push(n);
        }
        out.push((doc(&format!("p{p}"), "v1"), ns));
    }
    pinned(out)
}

/// Segments joined before they are written (`Segment::absorb`, three into the first, appended
/// at once by `Segment::join`) make the index one segment makes: into an empty index byte for
/// byte, whether the analysis was cut or not, inline or beside, and with segments too small to
/// join (each written alone).
#[test]
fn segments_with_many_terms_joined_make_the_same_database() {
    let batch = many_terms(26, 80);
    let nodes: usize = batch.iter().map(|(_, n)| n.len()).sum();
    assert!(
        nodes >= 4 * 512,
        "the batch is large enough to be cut in four, three segments joined to the first \
         ({nodes} nodes)"
    );
    let stored = |analysis: Analysis, cut: bool, segment: usize| {
        TEST_SPLIT.with(|c| c.set(cut));
        let built = build(Stemming::Porter, &Vec::new(), &batch, analysis, segment);
        TEST_SPLIT.with(|c| c.set(true));
        built
    };
    let one = stored(Analysis::Inline, false, 1 << 28);
    assert!(one.iter().any(|(t, _, _)| t == "fts.postings"));
    for analysis in [Analysis::Inline, Analysis::Beside] {
        for segment in [1 << 28, 700, 1] {
            let cut = stored(analysis, true, segment);
            assert!(
                cut == one,
                "{analysis:?}, segments of {segment} positions: the databases differ"
            );
        }
    }
}

/// A large segment's appended posting blocks are encoded on a second thread while the writer
/// writes the document records; the writer's inserts do not change, so the files are the ones
/// the writer alone makes, byte for byte (WAL included), after the batch and after a second one
/// that extends, follows and edits the first one's blocks: into an empty index and over one with
/// postings and replaced versions, with small blocks (the encoder must take the writing
/// thread's block size) and several segments.
#[test]
fn encoding_the_blocks_beside_the_writer_makes_the_same_files() {
    let all = corpus(14, 40);
    let before: Batch = vec![all[0].clone(), all[4].clone(), unicode("u", "old")];
    let mut batch: Batch = all[..6].to_vec();
    batch.push(unicode("u", "v1"));
    // The second batch replaces a version of the first and adds new ones after it.
    let mut second: Batch = all[6..].to_vec();
    second.push(all[2].clone());
    for before in [&Vec::new(), &before] {
        for (block, segment) in [
            (search::MAX_BLOCK_POSTINGS, 1 << 28),
            (3, 1 << 28),
            (5, 700),
        ] {
            let batches = [&batch, &second];
            let (inline, inline_postings) = files_after(before, &batches, false, block, segment);
            let (beside, beside_postings) = files_after(before, &batches, true, block, segment);
            assert!(!inline_postings.is_empty());
            assert!(inline_postings == beside_postings);
            assert!(
                inline == beside,
                "blocks of {block}, segments of {segment} positions, {} versions before: the \
                 files differ",
                before.len()
            );
        }
    }
}

/// The database files after `before` is stored inline and then each of `batches` with the
/// blocks encoded `beside` or not, with blocks of `block` postings and segments of `segment`
/// positions; and the postings by term.
fn files_after(
    before: &Batch,
    batches: &[&Batch],
    beside: bool,
    block: usize,
    segment: usize,
) -> (Vec<Files>, Postings) {
    let vfs = MemVfs::new();
    let options = Options {
        vfs: Arc::new(vfs.clone()),
        ..Options::default()
    };
    let db = Database::open("/beside.tsdb", options).unwrap();
    TEST_BLOCK_POSTINGS.with(|c| c.set(block));
    let mut w = db.begin_write().unwrap();
    store_batch(&mut w, before, Analysis::Inline).unwrap();
    w.commit().unwrap();
    TEST_ENCODE_BESIDE.with(|c| c.set(Some(beside)));
    TEST_SEGMENT_POSITIONS.with(|c| c.set(segment));
    let mut after = Vec::new();
    for b in batches {
        let mut w = db.begin_write().unwrap();
        store_batch(&mut w, b, Analysis::Inline).unwrap();
        w.commit().unwrap();
        after.push(vfs.files());
    }
    TEST_SEGMENT_POSITIONS.with(|c| c.set(1 << 28));
    TEST_ENCODE_BESIDE.with(|c| c.set(None));
    search::check(&db.begin_read().unwrap()).unwrap();
    let postings = search::postings_by_term(&db.begin_read().unwrap()).unwrap();
    TEST_BLOCK_POSTINGS.with(|c| c.set(search::MAX_BLOCK_POSTINGS));
    (after, postings)
}

/// With thousands of terms the encoder hands its blocks over in several buffers, which the
/// writer gives back and the encoder fills again: the files are still the writer's alone, for
/// new terms and for terms whose blocks a second batch extends.
#[test]
fn encoding_many_terms_beside_the_writer_makes_the_same_files() {
    let first = many_terms(8, 80);
    let mut second = many_terms(10, 80);
    second.drain(..8);
    let terms = search::postings_by_term(&mem_db_with(&first).begin_read().unwrap())
        .unwrap()
        .len();
    assert!(
        terms > 3 * 1024,
        "enough terms for several buffers ({terms})"
    );
    let batches = [&first, &second];
    for block in [search::MAX_BLOCK_POSTINGS, 3] {
        let inline = files_after(&Vec::new(), &batches, false, block, 1 << 28);
        let beside = files_after(&Vec::new(), &batches, true, block, 1 << 28);
        assert!(inline.0 == beside.0, "blocks of {block}: the files differ");
        assert!(inline.1 == beside.1);
    }
}

/// A database in memory holding `batch`.
fn mem_db_with(batch: &Batch) -> Database {
    let db = mem_db();
    let mut w = db.begin_write().unwrap();
    store_batch(&mut w, batch, Analysis::Inline).unwrap();
    w.commit().unwrap();
    db
}
