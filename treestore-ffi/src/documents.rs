//! Exports of the DocumentStore's whole-document operations: store (one version or a batch),
//! delete, read a whole version, the paginated table of contents, and PageIndex import and export.
//! The per-node reads are in `tree.rs`.
//!
//! A version is named by `(policy_id, version_id)`; wherever `version_id` is optional, NULL means
//! the policy's latest version. A version comes back as a `version` record (`policy_id`,
//! `version_id`, `pageindex_doc_id`, `root_node_id`, `metadata`, `created_at`, `updated_at`,
//! `effective_start`, `effective_end`, `created_by`, `description`, `tags`); nodes come back in the
//! result's `nodes` array. Every call is counted in the database's latency histograms
//! (a read's latency measured on a sample of calls: `txn::read_timed`).

use treestore_core::document::{self, DocReader, Document, PageIndexFormat, StructureOptions};
use treestore_core::metrics::Op;
use treestore_core::record::{document_inputs_from_json, DocumentInput};

use crate::args;
use crate::db::treestore_db;
use crate::error::{treestore_error, FfiError};
use crate::nodes::NodesSink;
use crate::result::{treestore_result, write_record};
use crate::status::{treestore_status, TREESTORE_INVALID_ARGUMENT};
use crate::txn::{read_timed, treestore_txn, write_timed};

/// `treestore_pageindex_export` flag: indent by 2 spaces, one field per line.
pub const TREESTORE_PAGEINDEX_PRETTY: u32 = 1;
/// `treestore_pageindex_export` flag: escape every non-ASCII character as `\uXXXX`. With
/// `TREESTORE_PAGEINDEX_PRETTY` this is PageIndex's own format (Python's `json.dump(indent=2)`),
/// which export reproduces byte for byte.
pub const TREESTORE_PAGEINDEX_ASCII: u32 = 2;

/// The `(policy_id, version_id)` arguments of a read: the policy is required, a NULL version is the
/// latest.
pub(crate) fn policy_version<'a>(
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
) -> Result<(&'a str, Option<&'a str>), FfiError> {
    let policy = args::string(policy_id, policy_id_len, "policy_id")?;
    let version = args::opt_string(version_id, version_id_len, "version_id")?;
    Ok((policy, version))
}

/// Stores one version of a document from a JSON object `{"document": {...}, "nodes": [...]}`,
/// replacing the version with the same `(policy_id, version_id)` if there is one.
///
/// `document`: `policy_id` and `version_id` required; `pageindex_doc_id`, `root_node_id`,
/// `metadata` (an object), `created_at`, `updated_at`, `effective_start`, `effective_end` (ISO 8601
/// strings or integers of µs since the epoch), `created_by`, `description`, `tags` (a list).
/// Each node: `node_id` required; `parent_id` (absent only at the root), `title`, `page_start`,
/// `page_end`, `summary`, `text`, `section_path` (derived when absent), `child_ids` (the children
/// in input order when absent), `see_also`, `metadata`, `created_at`, `updated_at`. Everything is
/// validated before anything is written; an invalid node is named with its field.
/// Writes a result holding the stored `version` record (root id and timestamps filled in).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_document_store(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let input: DocumentInput = args::json(json, json_len, "json", "document_input")?;
        args::out(out_result, "out_result")?;
        let stored = write_timed(db, txn, Op::StoreDocument, |w| {
            document::store_document(w, &input.document, &input.nodes)
        })?;
        write_record(out_result, &stored);
        Ok(())
    })
}

/// Stores many versions in one transaction from a JSON list of `{"document", "nodes"}` objects (as
/// for `treestore_document_store`): all are validated first (an error names the item, e.g.
/// `documents[3]`), then written, and the keyword index is updated once for the whole batch. A
/// later item may replace an earlier one. Writes how many versions were stored to `*out_count`
/// (may be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_document_store_batch(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_count: *mut u64,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        if json.is_null() {
            return Err(args::null("json"));
        }
        let text = args::string(json, json_len, "json")?;
        let inputs = document_inputs_from_json(text)?;
        let docs: Vec<(Document, Vec<_>)> =
            inputs.into_iter().map(|i| (i.document, i.nodes)).collect();
        let count = write_timed(db, txn, Op::StoreDocuments, |w| {
            document::store_documents(w, &docs)
        })?;
        args::write_opt_out(out_count, count);
        Ok(())
    })
}

/// Deletes version `version_id` of `policy_id`, or every version of the policy when `version_id`
/// is NULL, with their nodes, texts, tags and keyword-index entries. Writes how many versions were
/// deleted to `*out_count` (may be NULL; 0 when none existed, which is not an error).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_document_delete(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    out_count: *mut u64,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        let count = write_timed(db, txn, Op::DeleteDocument, |w| {
            document::delete_document(w, policy, version)
        })?;
        args::write_opt_out(out_count, count);
        Ok(())
    })
}

/// Reads a whole version: a result whose one record is the `version` and whose `nodes` are all
/// its nodes, with text, in pre-order (the root first). TREESTORE_NOT_FOUND when the policy or
/// the version does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_document_get(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        args::out(out_result, "out_result")?;
        // Built inside the read from the stored records (see `NodesSink`).
        let result = read_timed(db, txn, Op::GetDocument, |r| {
            let mut sink = NodesSink::new(true);
            let doc = DocReader::new(r).document_with(policy, version, &mut sink)?;
            Ok(sink.finish_document(&doc))
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Reads one page of a version's table of contents: a result whose one record is the `version`
/// and whose `nodes` are the page's nodes in pre-order, without text (`TREESTORE_NODE_HAS_TEXT`
/// unset). `summary_chars` cuts summaries to that many characters (0 drops them; negative keeps
/// them whole; the SDKs default to 420). `limit` is the most nodes per page (0: all). `cursor` is
/// NULL for the first page, else the previous page's `next_cursor`. The result's `total` is the
/// number of nodes in the whole version; its `next_cursor` is NULL on the last page.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_document_structure(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    summary_chars: i64,
    limit: usize,
    cursor: *const u8,
    cursor_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        let cursor = args::opt_string(cursor, cursor_len, "cursor")?;
        args::out(out_result, "out_result")?;
        let options = StructureOptions {
            summary_chars: usize::try_from(summary_chars).ok(),
            limit,
        };
        // Built inside the read from the stored records (see `NodesSink`).
        let result = read_timed(db, txn, Op::GetStructure, |r| {
            let mut sink = NodesSink::new(false);
            let page =
                DocReader::new(r).structure_with(policy, version, &options, cursor, &mut sink)?;
            Ok(sink.finish_page(
                &page.document,
                page.total_nodes,
                page.next_cursor.as_deref(),
            ))
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Imports PageIndex output (`json`, the text of a PageIndex JSON file) as version `version_id`
/// of `policy_id`, replacing that version if it exists. `effective_start_us` and
/// `effective_end_us` point to µs since the epoch, or are NULL for none; `created_by` and
/// `description` are optional strings (NULL for none; PageIndex's `doc_description` wins over
/// `description`). Malformed JSON is TREESTORE_INVALID_ARGUMENT with the line and column.
/// Writes a result holding the stored `version` record.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_pageindex_import(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    effective_start_us: *const i64,
    effective_end_us: *const i64,
    created_by: *const u8,
    created_by_len: usize,
    description: *const u8,
    description_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        if json.is_null() {
            return Err(args::null("json"));
        }
        let json = args::string(json, json_len, "json")?;
        let policy = args::string(policy_id, policy_id_len, "policy_id")?;
        let version = args::string(version_id, version_id_len, "version_id")?;
        let created_by = args::opt_string(created_by, created_by_len, "created_by")?;
        let description = args::opt_string(description, description_len, "description")?;
        args::out(out_result, "out_result")?;
        let template = Document {
            policy_id: policy.to_string(),
            version_id: version.to_string(),
            // SAFETY: NULL or a pointer to one readable i64, per the documented contract.
            effective_start: unsafe { effective_start_us.as_ref() }.copied(),
            // SAFETY: as above.
            effective_end: unsafe { effective_end_us.as_ref() }.copied(),
            created_by: created_by.unwrap_or_default().to_string(),
            description: description.unwrap_or_default().to_string(),
            ..Document::default()
        };
        let stored = write_timed(db, txn, Op::ImportPageindex, |w| {
            document::import_pageindex(w, json, &template)
        })?;
        write_record(out_result, &stored);
        Ok(())
    })
}

/// Exports a version (`version_id` NULL: the latest) as PageIndex JSON. `flags` is a set of
/// `TREESTORE_PAGEINDEX_*` bits: `PRETTY | ASCII` writes PageIndex's own format (an import
/// exports byte for byte as it came); 0 writes compact UTF-8. Writes a result whose one string
/// (`treestore_result_strings`, or the view's `strings`) is the JSON text.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_pageindex_export(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    flags: u32,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let (policy, version) =
            policy_version(policy_id, policy_id_len, version_id, version_id_len)?;
        let known = TREESTORE_PAGEINDEX_PRETTY | TREESTORE_PAGEINDEX_ASCII;
        if flags & !known != 0 {
            return Err(FfiError::new(
                TREESTORE_INVALID_ARGUMENT,
                format!("argument `flags` has unknown bits: {flags:#x}"),
            ));
        }
        args::out(out_result, "out_result")?;
        let format = PageIndexFormat {
            pretty: flags & TREESTORE_PAGEINDEX_PRETTY != 0,
            ascii: flags & TREESTORE_PAGEINDEX_ASCII != 0,
        };
        let text = read_timed(db, txn, Op::ExportPageindex, |r| {
            DocReader::new(r).export_pageindex(policy, version, &format)
        })?;
        args::write_out(
            out_result,
            treestore_result::from_strings(&[text]).into_raw(),
        );
        Ok(())
    })
}
