//! Exports of the QueryEngine: a node with everything known about it, and the nodes related to
//! one, each with the reason it is related.

use treestore_core::metrics::Op;
use treestore_core::query::{self, RelatedReason};
use treestore_core::record::{parse_str_list, Record, ToRecord, Value};

use crate::args;
use crate::db::treestore_db;
use crate::documents::policy_version;
use crate::error::treestore_error;
use crate::nodes::push_node;
use crate::records::RecordBuilder;
use crate::result::treestore_result;
use crate::status::treestore_status;
use crate::txn::{read_timed, treestore_txn};

/// Reads node `node_id` (latest version when `version_id` is NULL) with what the other stores know
/// about it: `nodes[0]` is the node (with text), and the one record, `enriched_node`, has the
/// fields `version` (a nested `version` record), `metadata` (nested `metadata_entry` records of
/// entity type "node" and entity id "policy/node") and `cross_references` (nested records, both
/// directions, at most `limit`; 0 means 100) and `cross_references_cursor` (NULL, or the cursor of
/// the next page of `treestore_cross_reference_list` for the node in both directions).
/// TREESTORE_NOT_FOUND when the node does not exist.
/// `txn` may be NULL. On success `*out_result` is a new result: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_node_enriched(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    node_id: *const u8,
    node_id_len: usize,
    limit: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        let id = args::string(node_id, node_id_len, "node_id")?;
        args::out(out_result, "out_result")?;
        let e = read_timed(db, txn, Op::EnrichedNode, |r| {
            query::enriched_node(r, policy, version, id, limit)
        })?;
        let record = Record::new("enriched_node")
            .with("version", Value::Records(vec![e.version.to_record()]))
            .records("metadata", &e.metadata)
            .records("cross_references", &e.cross_references)
            .with(
                "cross_references_cursor",
                e.cross_references_cursor.as_deref(),
            );
        let mut b = RecordBuilder::default();
        b.push_records(vec![record]);
        let node = push_node(&mut b, &e.node, true);
        let result = treestore_result::from_builder(b, 1, vec![node], 0, None);
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

fn reason_record(reason: &RelatedReason) -> Record {
    let r = Record::new("related").with("reason", reason.name());
    match reason {
        RelatedReason::CrossReference(t) => r.with("reference_type", t.as_str()),
        RelatedReason::KeywordHit(score) => r.with("score", *score),
        RelatedReason::SiblingOfHit(hit) => r.with("hit_node_id", hit.as_str()),
        RelatedReason::SeeAlso => r,
    }
}

/// The nodes related to node `criterion_id` (latest version when `version_id` is NULL), in the
/// order the reasoning service uses: targets and sources of curated cross-references, nodes of the
/// same version matching any of `tokens_json` (a JSON list of strings; NULL or `[]` for none, BM25
/// best first), siblings of those hits, then the criterion's `see_also` nodes; each node once, at
/// most `limit` (1 to 1,000). `nodes[i]` is a related node (without text) and `records[i]` its
/// `related` record: `reason` ("cross_reference", "keyword", "sibling", "see_also") and, by
/// reason, `reference_type`, `score` or `hit_node_id`. `txn` may be NULL. On success
/// `*out_result` is a new result: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_node_related(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    criterion_id: *const u8,
    criterion_id_len: usize,
    tokens_json: *const u8,
    tokens_json_len: usize,
    limit: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        let id = args::string(criterion_id, criterion_id_len, "criterion_id")?;
        let tokens = if tokens_json.is_null() {
            Vec::new()
        } else {
            let text = args::string(tokens_json, tokens_json_len, "tokens_json")?;
            parse_str_list("tokens_json", text)?
        };
        args::out(out_result, "out_result")?;
        let related = read_timed(db, txn, Op::FindRelated, |r| {
            query::find_related(r, policy, version, id, &tokens, limit)
        })?;
        let mut b = RecordBuilder::default();
        b.push_records(related.iter().map(|n| reason_record(&n.reason)).collect());
        let nodes = related
            .iter()
            .map(|n| push_node(&mut b, &n.node, false))
            .collect();
        let result = treestore_result::from_builder(b, related.len(), nodes, 0, None);
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}
