//! Exports of the DocumentStore's node reads: by id, by batch, children, subtree, ancestor path,
//! page, page ranges and section path. Every one fills the result's `nodes` array (fixed-width
//! `treestore_node` records; child ids, see-also ids and metadata as ranges of the shared
//! `strings` and `kvs`) and nothing else; nodes come in pre-order unless the call says otherwise.
//!
//! `version_id` NULL means the policy's latest version. With `include_text` false, texts are not
//! read (`text` is NULL and `TREESTORE_NODE_HAS_TEXT` unset); with it true, `TREESTORE_NODE_HAS_TEXT`
//! is set and a NULL `text` means the node has none. Every call is counted in the database's
//! latency histograms, its latency measured on a sample of calls (see `txn::read_timed`).

use treestore_core::document::{DocReader, Node};
use treestore_core::metrics::Op;
use treestore_core::record::parse_str_list;
use treestore_core::Result as CoreResult;

use crate::args;
use crate::db::treestore_db;
use crate::documents::policy_version;
use crate::error::treestore_error;
use crate::nodes::{node_ref_result, nodes_result, NodesSink};
use crate::result::treestore_result;
use crate::status::treestore_status;
use crate::txn::{read_timed, treestore_txn};

fn write_nodes(out_result: *mut *mut treestore_result, nodes: &[Node], text_read: bool) {
    let result = nodes_result(None, nodes, text_read, 0, None);
    args::write_out(out_result, result.into_raw());
}

/// The result of a borrowed multi-node read: `read` hands its nodes to the sink, which writes
/// them straight into the result (built inside the read, from the stored records).
fn sink_result(
    text_read: bool,
    read: impl FnOnce(&mut NodesSink) -> CoreResult<()>,
) -> CoreResult<treestore_result> {
    let mut sink = NodesSink::new(text_read);
    read(&mut sink)?;
    Ok(sink.finish())
}

/// Reads node `node_id`, with text, into a result of one node. TREESTORE_NOT_FOUND when the
/// policy, the version or the node does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_node_get(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    node_id: *const u8,
    node_id_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        let id = args::string(node_id, node_id_len, "node_id")?;
        args::out(out_result, "out_result")?;
        // The result is built inside the read, from the node's stored record: its strings are
        // copied once, from the page into the result's arena, with no owned `Node` between.
        let result = read_timed(db, txn, Op::GetNode, |r| {
            DocReader::new(r).node_with(policy, version, id, node_ref_result)
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Reads several nodes by id. `ids_json` is a JSON list of node-id strings, e.g.
/// `["0001","0007"]` (a JSON list rather than an array of `treestore_str` because cgo may not
/// pass C an array of pointers into Go memory; one flat buffer works unchanged from every SDK).
/// The nodes come in the order asked; ids the version does not have are left out (compare
/// `node_id`s to find them). TREESTORE_NOT_FOUND only when the policy or version does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_node_get_batch(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    ids_json: *const u8,
    ids_json_len: usize,
    include_text: bool,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        if ids_json.is_null() {
            return Err(args::null("ids_json"));
        }
        let ids = parse_str_list(
            "ids_json",
            args::string(ids_json, ids_json_len, "ids_json")?,
        )?;
        args::out(out_result, "out_result")?;
        let result = read_timed(db, txn, Op::GetNodes, |r| {
            sink_result(include_text, |s| {
                DocReader::new(r).nodes_with(policy, version, &ids, include_text, s)
            })
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Reads the children of `parent_id` in order (`parent_id` NULL: the root's children).
/// TREESTORE_NOT_FOUND when the parent does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_node_children(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    parent_id: *const u8,
    parent_id_len: usize,
    include_text: bool,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        let parent = args::opt_string(parent_id, parent_id_len, "parent_id")?;
        args::out(out_result, "out_result")?;
        let result = read_timed(db, txn, Op::GetChildren, |r| {
            sink_result(include_text, |s| {
                DocReader::new(r).children_with(policy, version, parent, include_text, s)
            })
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Reads the subtree of `node_id` in pre-order, the node first, down to `max_depth` levels below
/// it (0: the whole subtree; 1: the node and its children). One call returns the whole subtree
/// (one range scan of the store). TREESTORE_NOT_FOUND when the node does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_node_subtree(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    node_id: *const u8,
    node_id_len: usize,
    max_depth: u32,
    include_text: bool,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        let id = args::string(node_id, node_id_len, "node_id")?;
        args::out(out_result, "out_result")?;
        let result = read_timed(db, txn, Op::GetSubtree, |r| {
            sink_result(include_text, |s| {
                DocReader::new(r).subtree_with(policy, version, id, max_depth, include_text, s)
            })
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Reads the path from the root down to `node_id`, both included (root first).
/// TREESTORE_NOT_FOUND when the node does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_node_ancestors(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    node_id: *const u8,
    node_id_len: usize,
    include_text: bool,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        let id = args::string(node_id, node_id_len, "node_id")?;
        args::out(out_result, "out_result")?;
        let result = read_timed(db, txn, Op::GetAncestorPath, |r| {
            sink_result(include_text, |s| {
                DocReader::new(r).ancestor_path_with(policy, version, id, include_text, s)
            })
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Reads every node whose page range covers `page` (0 to 4294967295; outside is
/// TREESTORE_INVALID_ARGUMENT), in pre-order. No node is not an error: the result is empty.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_node_by_page(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    page: i64,
    include_text: bool,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        args::out(out_result, "out_result")?;
        let result = read_timed(db, txn, Op::GetNodesByPage, |r| {
            sink_result(include_text, |s| {
                DocReader::new(r).nodes_by_page_with(policy, version, page, include_text, s)
            })
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Reads every node whose page range meets one of the ranges of `spec`, a comma-separated list of
/// pages and inclusive ranges such as `"5-10,12"`, in pre-order (each node once). A malformed
/// spec is TREESTORE_INVALID_ARGUMENT naming the part.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_node_by_pages(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    spec: *const u8,
    spec_len: usize,
    include_text: bool,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        let spec = args::string(spec, spec_len, "spec")?;
        args::out(out_result, "out_result")?;
        let result = read_timed(db, txn, Op::GetNodesByPage, |r| {
            sink_result(include_text, |s| {
                DocReader::new(r).nodes_by_pages_with(policy, version, spec, include_text, s)
            })
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Reads the node whose section path is `section_path` (e.g. `"2.1"`; the root's is `""`), with
/// text, into a result of one node. TREESTORE_NOT_FOUND when no node has it.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_node_by_section_path(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    section_path: *const u8,
    section_path_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        let path = args::string(section_path, section_path_len, "section_path")?;
        args::out(out_result, "out_result")?;
        let node = read_timed(db, txn, Op::GetBySectionPath, |r| {
            DocReader::new(r).node_by_section_path(policy, version, path)
        })?;
        write_nodes(out_result, &[node], true);
        Ok(())
    })
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
