//! What the C ABI adds over calling treestore-core directly, measured in one process on one
//! database (opened through the ABI; the direct side uses the engine handle behind it), so both
//! sides read the same pages and meet the same machine load.
//!
//! Run: `cargo bench -p treestore-ffi --bench abi_overhead` (or `make bench-c`). The ABI side of
//! each read is what an SDK pays: the call, `treestore_result_read`, `treestore_result_free` (or,
//! for the `_reuse` variants, the call refilling a result it got back).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;
use std::ptr;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use treestore::*;
use treestore_core::document::{DocReader, Document, Node, NodeRef};
use treestore_core::version::{VersionReader, VersionRef};
use treestore_core::ReadOps;

const POLICY: &str = "bench";
const NODE: &str = "n500";
const TABLE: &str = "bench";
const KEY: &[u8] = b"k500";

/// The document of `sdk/c/bench/bench_abi.c`: a root, 9 chapters, 990 sections round-robin under
/// them, each with pages, an 80-byte text and one metadata pair.
fn document() -> (Document, Vec<Node>) {
    let doc = Document {
        policy_id: POLICY.into(),
        version_id: "v1".into(),
        ..Document::default()
    };
    let mut nodes = vec![Node {
        node_id: "n0".into(),
        title: "Root".into(),
        ..Node::default()
    }];
    for i in 1..1000i64 {
        let parent = if i <= 9 { 0 } else { 1 + (i - 10) % 9 };
        nodes.push(Node {
            node_id: format!("n{i}"),
            parent_id: Some(format!("n{parent}")),
            title: format!("Section {i}"),
            page_start: Some(i),
            page_end: Some(i + 1),
            text: Some(format!(
                "Body of section {i}, long enough to be stored out of line in the text table."
            )),
            metadata: BTreeMap::from([("i".to_string(), i.to_string())]),
            ..Node::default()
        });
    }
    (doc, nodes)
}

fn value() -> Vec<u8> {
    vec![b'v'; 100]
}

fn ok(what: &str, status: treestore_status) {
    assert_eq!(status, TREESTORE_OK, "{what} failed");
}

fn abi_db(dir: &Path) -> *mut treestore_db {
    let path = dir.join("abi.tsdb");
    let path = path.to_str().expect("utf-8 path");
    let mut db = ptr::null_mut();
    ok(
        "open",
        treestore_db_open(
            path.as_ptr(),
            path.len(),
            ptr::null(),
            &mut db,
            ptr::null_mut(),
        ),
    );
    let (doc, nodes) = document();
    let json = format!(
        "{{\"document\": {{\"policy_id\": \"{}\", \"version_id\": \"{}\"}}, \"nodes\": {}}}",
        doc.policy_id,
        doc.version_id,
        nodes_json(&nodes)
    );
    let mut res = ptr::null_mut();
    ok(
        "store",
        treestore_document_store(
            db,
            ptr::null_mut(),
            json.as_ptr(),
            json.len(),
            &mut res,
            ptr::null_mut(),
        ),
    );
    treestore_result_free(res);
    let v = value();
    ok(
        "kv_put",
        treestore_kv_put(
            db,
            ptr::null_mut(),
            TABLE.as_ptr(),
            TABLE.len(),
            KEY.as_ptr(),
            KEY.len(),
            v.as_ptr(),
            v.len(),
            ptr::null_mut(),
        ),
    );
    ok("checkpoint", treestore_db_checkpoint(db, ptr::null_mut()));
    db
}

fn nodes_json(nodes: &[Node]) -> String {
    let items: Vec<String> = nodes
        .iter()
        .map(|n| {
            let mut s = format!(
                "{{\"node_id\": \"{}\", \"title\": \"{}\"",
                n.node_id, n.title
            );
            if let Some(p) = &n.parent_id {
                s += &format!(", \"parent_id\": \"{p}\"");
            }
            if let (Some(a), Some(b)) = (n.page_start, n.page_end) {
                s += &format!(", \"page_start\": {a}, \"page_end\": {b}");
            }
            if let Some(t) = &n.text {
                s += &format!(", \"text\": \"{t}\"");
            }
            for (k, v) in &n.metadata {
                s += &format!(", \"metadata\": {{\"{k}\": \"{v}\"}}");
            }
            s + "}"
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// Reads a whole result as an SDK does (one view) and returns something that depends on it.
fn read_view(res: *const treestore_result) -> usize {
    // SAFETY: the view is plain data (integers and pointers); all zeroes is a valid value.
    let mut v: treestore_result_view = unsafe { std::mem::zeroed() };
    v.struct_size = std::mem::size_of::<treestore_result_view>() as u32;
    ok(
        "result_read",
        treestore_result_read(res, &mut v, ptr::null_mut()),
    );
    v.nodes_len + v.records_len + v.kvs_len + v.arena_len
}

/// Blocks of calls per side in the paired measurement of a small read, and calls per block.
const BLOCKS: usize = 400;
const BLOCK_CALLS: u32 = 64;

/// How the pair is measured: `blocks` alternating blocks of `calls` calls a side.
#[derive(Clone, Copy)]
struct Pairing {
    blocks: usize,
    calls: u32,
}

const SMALL: Pairing = Pairing {
    blocks: BLOCKS,
    calls: BLOCK_CALLS,
};

/// Registers `direct` and `abi` with criterion (each timed on its own), then measures the pair
/// in alternation: `p.blocks` times a block of `p.calls` direct calls, then a block of ABI calls.
/// On a shared machine another process can only add time to a block, so the fastest block of
/// each side is its undisturbed cost, and both sides had the same chances to get one; their
/// difference is the figure this bench is for (the medians are printed beside it).
fn paired(
    c: &mut Criterion,
    group: &str,
    p: Pairing,
    mut direct: impl FnMut() -> usize,
    mut abi: impl FnMut() -> usize,
) {
    let mut g = c.benchmark_group(group);
    if p.calls == 1 {
        g.sample_size(10);
    }
    g.bench_function("direct", |b| b.iter(&mut direct));
    g.bench_function("abi", |b| b.iter(&mut abi));
    g.finish();
    let block = |f: &mut dyn FnMut() -> usize| {
        let t = Instant::now();
        for _ in 0..p.calls {
            black_box(f());
        }
        t.elapsed().as_nanos() as f64 / f64::from(p.calls)
    };
    let (mut d, mut a) = (Vec::with_capacity(p.blocks), Vec::with_capacity(p.blocks));
    for _ in 0..p.blocks {
        d.push(block(&mut direct));
        a.push(block(&mut abi));
    }
    d.sort_by(f64::total_cmp);
    a.sort_by(f64::total_cmp);
    println!(
        "{group}/paired: direct {:.0} ns, ABI {:.0} ns, ABI adds {:.0} ns per call \
         (fastest of {} alternating blocks of {}; medians {:.0} and {:.0} ns)",
        d[0],
        a[0],
        a[0] - d[0],
        p.blocks,
        p.calls,
        d[p.blocks / 2],
        a[p.blocks / 2]
    );
}

/// `treestore_node_get` of [`NODE`] as an SDK calls it: the call, one view, the free.
fn abi_node_get(abi: *mut treestore_db) -> usize {
    let mut res = ptr::null_mut();
    ok(
        "node_get",
        treestore_node_get(
            abi,
            ptr::null_mut(),
            POLICY.as_ptr(),
            POLICY.len(),
            ptr::null(),
            0,
            NODE.as_ptr(),
            NODE.len(),
            &mut res,
            ptr::null_mut(),
        ),
    );
    let n = read_view(res);
    treestore_result_free(res);
    n
}

/// `treestore_version_latest` of [`POLICY`] as an SDK calls it.
fn abi_version_latest(abi: *mut treestore_db) -> usize {
    let mut res = ptr::null_mut();
    ok(
        "version_latest",
        treestore_version_latest(
            abi,
            ptr::null_mut(),
            POLICY.as_ptr(),
            POLICY.len(),
            &mut res,
            ptr::null_mut(),
        ),
    );
    let n = read_view(res);
    treestore_result_free(res);
    n
}

/// Every byte of a borrowed node's strings counted (what a Rust caller of `node_with` that
/// looks at the whole node does; the ABI copies the same strings).
fn node_ref_len(n: &NodeRef<'_>) -> treestore_core::Result<usize> {
    let opt = |s: Option<&str>| s.map_or(0, str::len);
    let mut len = n.node_id.len()
        + n.policy_id.len()
        + n.version_id.len()
        + opt(n.parent_id)
        + n.title.len()
        + opt(n.summary)
        + opt(n.text)
        + n.section_path.len();
    for s in n.child_ids.iter().chain(n.see_also.iter()) {
        len += s?.len();
    }
    for kv in n.metadata.iter() {
        let (k, v) = kv?;
        len += k.len() + v.len();
    }
    Ok(len)
}

fn version_ref_len(v: &VersionRef<'_>) -> treestore_core::Result<usize> {
    let mut len = v.policy_id.len()
        + v.version_id.len()
        + v.pageindex_doc_id.map_or(0, str::len)
        + v.root_node_id.len()
        + v.created_by.len()
        + v.description.len();
    for s in v.tags.iter() {
        len += s?.len();
    }
    for kv in v.metadata.iter() {
        let (k, val) = kv?;
        len += k.len() + val.len();
    }
    Ok(len)
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("treestore-abi-overhead-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let abi = abi_db(&dir);
    // SAFETY: `abi` is a live handle from `treestore_db_open`, closed only at the end.
    let direct = unsafe { &*abi }.database().clone();
    let none = ptr::null_mut::<treestore_txn>();

    paired(
        c,
        "node_get",
        SMALL,
        || {
            let tx = direct.begin_read().expect("begin_read");
            let n = DocReader::new(&tx).node(POLICY, None, NODE).expect("node");
            black_box(&n);
            n.text.map_or(0, |t| t.len())
        },
        || abi_node_get(abi),
    );

    paired(
        c,
        "kv_get",
        SMALL,
        || {
            let tx = direct.begin_read().expect("begin_read");
            let t = tx.table(TABLE).expect("table");
            let v = tx.get(t, KEY).expect("get");
            black_box(&v);
            v.map_or(0, |v| v.len())
        },
        || {
            let mut res = ptr::null_mut();
            ok(
                "kv_get",
                treestore_kv_get(
                    abi,
                    none,
                    TABLE.as_ptr(),
                    TABLE.len(),
                    KEY.as_ptr(),
                    KEY.len(),
                    &mut res,
                    ptr::null_mut(),
                ),
            );
            let n = read_view(res);
            treestore_result_free(res);
            n
        },
    );

    paired(
        c,
        "version_latest",
        SMALL,
        || {
            let tx = direct.begin_read().expect("begin_read");
            let d = VersionReader::new(&tx)
                .latest_version(POLICY)
                .expect("latest");
            black_box(&d);
            d.version_id.len()
        },
        || abi_version_latest(abi),
    );

    // The same reads against core's borrowed API (`node_with`, `latest_version_with`), which the
    // exports use: the ABI's cost over the cheapest direct read that sees every field.
    paired(
        c,
        "node_get_borrowed",
        SMALL,
        || {
            let tx = direct.begin_read().expect("begin_read");
            DocReader::new(&tx)
                .node_with(POLICY, None, NODE, node_ref_len)
                .expect("node")
        },
        || abi_node_get(abi),
    );

    paired(
        c,
        "version_latest_borrowed",
        SMALL,
        || {
            let tx = direct.begin_read().expect("begin_read");
            VersionReader::new(&tx)
                .latest_version_with(POLICY, version_ref_len)
                .expect("latest")
        },
        || abi_version_latest(abi),
    );

    paired(
        c,
        "abi_version",
        SMALL,
        || black_box(1usize),
        || treestore_abi_version() as usize,
    );

    paired(
        c,
        "subtree_1000",
        Pairing {
            blocks: 40,
            calls: 1,
        },
        || {
            let tx = direct.begin_read().expect("begin_read");
            let nodes = DocReader::new(&tx)
                .subtree(POLICY, None, "n0", 0, true)
                .expect("subtree");
            black_box(&nodes);
            nodes.len()
        },
        || {
            let mut res = ptr::null_mut();
            ok(
                "subtree",
                treestore_node_subtree(
                    abi,
                    none,
                    POLICY.as_ptr(),
                    POLICY.len(),
                    ptr::null(),
                    0,
                    b"n0".as_ptr(),
                    2,
                    0,
                    true,
                    &mut res,
                    ptr::null_mut(),
                ),
            );
            let n = read_view(res);
            treestore_result_free(res);
            n
        },
    );

    drop(direct);
    ok("close", treestore_db_close(abi, ptr::null_mut()));
    let _ = std::fs::remove_dir_all(&dir);
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .noise_threshold(0.05)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
