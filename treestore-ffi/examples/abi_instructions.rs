//! Instructions per call, directly and through the C ABI, counted by callgrind: a figure the
//! machine's load cannot move (the criterion bench `abi_overhead` gives the times). Each function
//! below makes `N` calls of one read, directly or as an SDK does it through the exports (the call,
//! `treestore_result_read`, `treestore_result_free`), on one database with a 10-node document.
//!
//! ```sh
//! cargo build --release -p treestore-ffi --example abi_instructions
//! valgrind --tool=callgrind --callgrind-out-file=target/abi.cg \
//!     target/release/examples/abi_instructions
//! callgrind_annotate --inclusive=yes target/abi.cg | grep 'abi_instructions::'
//! ```
//!
//! Divide each function's count by `N` (20,000). `direct_*_ref` read through core's borrowed API
//! (`node_with`, `latest_version_with`), which the exports use: the cheapest direct read.

use std::hint::black_box;
use std::ptr;
use treestore::*;
use treestore_core::document::DocReader;
use treestore_core::version::VersionReader;

const N: usize = 20000;

/// Reads a result's view, as an SDK does, and frees it; returns how many records and nodes it held.
fn read_and_free(res: *mut treestore_result) -> usize {
    // SAFETY: the view is plain data (integers and pointers); all zeroes is a valid value.
    let mut v: treestore_result_view = unsafe { std::mem::zeroed() };
    v.struct_size = std::mem::size_of::<treestore_result_view>() as u32;
    treestore_result_read(res, &mut v, ptr::null_mut());
    treestore_result_free(res);
    v.records_len + v.nodes_len
}

#[inline(never)]
fn direct_node(db: &treestore_core::Database) -> usize {
    let mut s = 0;
    for _ in 0..N {
        let tx = db.begin_read().unwrap();
        let n = DocReader::new(&tx).node("p", None, "n5").unwrap();
        black_box(&n);
        s += n.title.len();
    }
    s
}

/// The node through core's borrowed read (`node_with`, what the export uses), every string seen.
#[inline(never)]
fn direct_node_ref(db: &treestore_core::Database) -> usize {
    let mut s = 0;
    for _ in 0..N {
        let tx = db.begin_read().unwrap();
        s += DocReader::new(&tx)
            .node_with("p", None, "n5", |n| {
                let mut len = n.node_id.len() + n.title.len() + n.text.map_or(0, str::len);
                len += n.policy_id.len() + n.version_id.len() + n.section_path.len();
                len += n.parent_id.map_or(0, str::len) + n.summary.map_or(0, str::len);
                for c in n.child_ids.iter().chain(n.see_also.iter()) {
                    len += c?.len();
                }
                for kv in n.metadata.iter() {
                    let (k, v) = kv?;
                    len += k.len() + v.len();
                }
                Ok(len)
            })
            .unwrap();
    }
    s
}

#[inline(never)]
fn abi_node(db: *mut treestore_db) -> usize {
    let mut s = 0;
    for _ in 0..N {
        let mut res = ptr::null_mut();
        let st = treestore_node_get(
            db,
            ptr::null_mut(),
            b"p".as_ptr(),
            1,
            ptr::null(),
            0,
            b"n5".as_ptr(),
            2,
            &mut res,
            ptr::null_mut(),
        );
        assert_eq!(st, 0);
        s += read_and_free(res);
    }
    s
}

#[inline(never)]
fn direct_version(db: &treestore_core::Database) -> usize {
    let mut s = 0;
    for _ in 0..N {
        let tx = db.begin_read().unwrap();
        let d = VersionReader::new(&tx).latest_version("p").unwrap();
        black_box(&d);
        s += d.version_id.len();
    }
    s
}

/// The latest version through core's borrowed read (`latest_version_with`), every string seen.
#[inline(never)]
fn direct_version_ref(db: &treestore_core::Database) -> usize {
    let mut s = 0;
    for _ in 0..N {
        let tx = db.begin_read().unwrap();
        s += VersionReader::new(&tx)
            .latest_version_with("p", |v| {
                let mut len = v.policy_id.len() + v.version_id.len() + v.root_node_id.len();
                len += v.created_by.len() + v.description.len();
                len += v.pageindex_doc_id.map_or(0, str::len);
                for t in v.tags.iter() {
                    len += t?.len();
                }
                for kv in v.metadata.iter() {
                    let (k, val) = kv?;
                    len += k.len() + val.len();
                }
                Ok(len)
            })
            .unwrap();
    }
    s
}

#[inline(never)]
fn abi_version(db: *mut treestore_db) -> usize {
    let mut s = 0;
    for _ in 0..N {
        let mut res = ptr::null_mut();
        let st = treestore_version_latest(
            db,
            ptr::null_mut(),
            b"p".as_ptr(),
            1,
            &mut res,
            ptr::null_mut(),
        );
        assert_eq!(st, 0);
        s += read_and_free(res);
    }
    s
}

fn main() {
    let path = "target/abi_instructions.tsdb";
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file("target/abi_instructions.tsdb-wal");
    let mut db = ptr::null_mut();
    assert_eq!(
        treestore_db_open(
            path.as_ptr(),
            path.len(),
            ptr::null(),
            &mut db,
            ptr::null_mut()
        ),
        0
    );
    let mut nodes = vec![r#"{"node_id":"n0","title":"Root"}"#.to_string()];
    for i in 1..10 {
        nodes.push(format!(r#"{{"node_id":"n{i}","parent_id":"n0","title":"Section {i}","page_start":{i},"page_end":{i},"text":"Body of section {i}, long enough to be stored out of line in the text table.","metadata":{{"i":"{i}"}}}}"#));
    }
    let json = format!(
        r#"{{"document":{{"policy_id":"p","version_id":"v1"}},"nodes":[{}]}}"#,
        nodes.join(",")
    );
    let mut res = ptr::null_mut();
    assert_eq!(
        treestore_document_store(
            db,
            ptr::null_mut(),
            json.as_ptr(),
            json.len(),
            &mut res,
            ptr::null_mut()
        ),
        0
    );
    treestore_result_free(res);
    // SAFETY: `db` is a live handle from `treestore_db_open`, closed at the end.
    let direct = unsafe { &*db }.database().clone();
    let s = direct_node(&direct)
        + direct_node_ref(&direct)
        + abi_node(db)
        + direct_version(&direct)
        + direct_version_ref(&direct)
        + abi_version(db);
    println!("{s}");
    drop(direct);
    treestore_db_close(db, ptr::null_mut());
}
