//! Exports of the VersionStore: listing a policy's versions, reading one (by id, tag, latest or
//! as of an instant), tags, and node-level diffs. A version is a `version` record (see
//! `documents.rs`); a diff is one `version_diff` record. Every call is counted in the database's
//! latency histograms (a read's latency measured on a sample of calls: `txn::read_timed`).

use treestore_core::metrics::Op;
use treestore_core::version::{self, VersionReader};

use crate::args;
use crate::db::treestore_db;
use crate::error::treestore_error;
use crate::records::{version_ref_result, versions_result};
use crate::result::{treestore_result, write_record};
use crate::status::treestore_status;
use crate::txn::{read_timed, treestore_txn, write_timed};

/// Lists the versions of `policy_id`, newest `created_at` first, as `version` records, at most
/// `limit` per page (0: all). `cursor` is NULL for the first page, else the previous page's
/// `next_cursor`; the result's `next_cursor` is NULL on the last page. An unknown policy lists
/// nothing.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_version_list(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    limit: usize,
    cursor: *const u8,
    cursor_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let policy = args::string(policy_id, policy_id_len, "policy_id")?;
        let cursor = args::opt_string(cursor, cursor_len, "cursor")?;
        args::out(out_result, "out_result")?;
        let page = read_timed(db, txn, Op::ListVersions, |r| {
            VersionReader::new(r).list_versions(policy, limit, cursor)
        })?;
        let result = versions_result(&page.versions, page.next_cursor.as_deref());
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Lists the policies that have at least one version, in policy id order, as the result's string
/// records (`treestore_result_strings`), at most `limit` per page (0: all). `cursor` is NULL for
/// the first page, else the previous page's `next_cursor` (the last policy id of that page); the
/// result's `next_cursor` is NULL on the last page.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_policy_list(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    limit: usize,
    cursor: *const u8,
    cursor_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let cursor = args::opt_string(cursor, cursor_len, "cursor")?;
        args::out(out_result, "out_result")?;
        let page = read_timed(db, txn, Op::ListVersions, |r| {
            VersionReader::new(r).policies_page(limit, cursor)
        })?;
        let result =
            treestore_result::from_string_page(&page.policies, page.next_cursor.as_deref());
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Reads version `version_id` of `policy_id` into a result of one `version` record;
/// TREESTORE_NOT_FOUND when it does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_version_get(
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
        let policy = args::string(policy_id, policy_id_len, "policy_id")?;
        let version = args::string(version_id, version_id_len, "version_id")?;
        args::out(out_result, "out_result")?;
        let result = read_timed(db, txn, Op::GetVersion, |r| {
            VersionReader::new(r).version_with(policy, version, version_ref_result)
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Reads the version of `policy_id` that `tag` names into a result of one `version` record;
/// TREESTORE_NOT_FOUND when no version has the tag.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_version_get_by_tag(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    tag: *const u8,
    tag_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let policy = args::string(policy_id, policy_id_len, "policy_id")?;
        let tag = args::string(tag, tag_len, "tag")?;
        args::out(out_result, "out_result")?;
        let result = read_timed(db, txn, Op::GetVersionByTag, |r| {
            VersionReader::new(r).version_by_tag_with(policy, tag, version_ref_result)
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Reads the newest version of `policy_id` (by `created_at`) into a result of one `version`
/// record; TREESTORE_NOT_FOUND when the policy has no versions.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_version_latest(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let policy = args::string(policy_id, policy_id_len, "policy_id")?;
        args::out(out_result, "out_result")?;
        let result = read_timed(db, txn, Op::GetLatestVersion, |r| {
            VersionReader::new(r).latest_version_with(policy, version_ref_result)
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Reads the version of `policy_id` in force at `at_us` (µs since the epoch): the one whose
/// `[effective_start, effective_end)` holds it, where a missing start is `created_at` and a
/// missing end is the next version's start. TREESTORE_NOT_FOUND when none was in force then.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_version_as_of(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    at_us: i64,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let policy = args::string(policy_id, policy_id_len, "policy_id")?;
        args::out(out_result, "out_result")?;
        let result = read_timed(db, txn, Op::GetVersionAsOf, |r| {
            VersionReader::new(r).version_as_of_with(policy, at_us, version_ref_result)
        })?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Tags version `version_id` of `policy_id` with `tag`, moving the tag from the version that had
/// it. TREESTORE_NOT_FOUND when the version does not exist; TREESTORE_INVALID_ARGUMENT for an
/// empty or oversized tag.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_version_tag(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    tag: *const u8,
    tag_len: usize,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let policy = args::string(policy_id, policy_id_len, "policy_id")?;
        let version = args::string(version_id, version_id_len, "version_id")?;
        let tag = args::string(tag, tag_len, "tag")?;
        write_timed(db, txn, Op::TagVersion, |w| {
            version::tag_version(w, policy, version, tag)
        })
    })
}

/// Removes `tag` from whichever version of `policy_id` has it. Writes whether a version had it
/// to `*out_removed` (may be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_version_untag(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    tag: *const u8,
    tag_len: usize,
    out_removed: *mut bool,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let policy = args::string(policy_id, policy_id_len, "policy_id")?;
        let tag = args::string(tag, tag_len, "tag")?;
        let removed = write_timed(db, txn, Op::UntagVersion, |w| {
            version::untag_version(w, policy, tag)
        })?;
        args::write_opt_out(out_removed, removed);
        Ok(())
    })
}

/// Compares version `from_version` of `policy_id` with `to_version`, node by node (matched by
/// id). Writes a result of one `version_diff` record: `policy_id`, `from_version`, `to_version`,
/// and `added`, `removed` and `changed`, each a list of nested `node_change` records (`node_id`,
/// `title`, `section_path`, and `fields`: the names of the fields that differ, among `title`,
/// `pages`, `summary`, `text`, `parent_id`, `position`, `section_path`, `see_also`, `metadata`;
/// empty for added and removed nodes). TREESTORE_NOT_FOUND when either version does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_version_diff(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    from_version: *const u8,
    from_version_len: usize,
    to_version: *const u8,
    to_version_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let policy = args::string(policy_id, policy_id_len, "policy_id")?;
        let from = args::string(from_version, from_version_len, "from_version")?;
        let to = args::string(to_version, to_version_len, "to_version")?;
        args::out(out_result, "out_result")?;
        let diff = read_timed(db, txn, Op::DiffVersions, |r| {
            VersionReader::new(r).diff_versions(policy, from, to)
        })?;
        write_record(out_result, &diff);
        Ok(())
    })
}
