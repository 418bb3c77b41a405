//! The JSON-taking exports the ABI fuzz calls, their seeds, and one call's contract check: the
//! status is defined, an error object carries it with a message, a result reads back.

use std::ptr::{null, null_mut};

use treestore::*;

/// `(db, txn, json, json_len, out_result, err_out)`, the shape of most JSON-taking exports.
type JsonExport = extern "C" fn(
    *const treestore_db,
    *mut treestore_txn,
    *const u8,
    usize,
    *mut *mut treestore_result,
    *mut *mut treestore_error,
) -> treestore_status;

/// `(db, txn, name, name_len, json, json_len, out_result, err_out)`: a record named, then JSON.
type NamedExport = extern "C" fn(
    *const treestore_db,
    *mut treestore_txn,
    *const u8,
    usize,
    *const u8,
    usize,
    *mut *mut treestore_result,
    *mut *mut treestore_error,
) -> treestore_status;

/// `(db, txn, a, a_len, b, b_len, json, json_len, out_result, err_out)`: two names, then JSON.
type TwoNamedExport = extern "C" fn(
    *const treestore_db,
    *mut treestore_txn,
    *const u8,
    usize,
    *const u8,
    usize,
    *const u8,
    usize,
    *mut *mut treestore_result,
    *mut *mut treestore_error,
) -> treestore_status;

/// How an export is called.
#[derive(Clone, Copy)]
pub enum Shape {
    /// [`JsonExport`].
    Result(JsonExport),
    /// [`NamedExport`] with this name.
    Named(NamedExport, &'static str),
    /// [`TwoNamedExport`] with these names.
    TwoNamed(TwoNamedExport, &'static str, &'static str),
    /// `treestore_search_all`: a query, the options' JSON, snippet length and text flag.
    SearchAll,
    /// `treestore_prompt_render`: a prompt's name, version 0 and no label, the variables' JSON.
    Render,
    /// `treestore_document_store_batch`: a count out.
    Count,
    /// `treestore_cross_reference_delete`: a flag out.
    Removed,
    /// `treestore_pageindex_import`: the JSON, then the version's fields.
    PageIndex,
}

/// An export and inputs it accepts.
pub struct Target {
    pub name: &'static str,
    pub shape: Shape,
    pub seeds: &'static [&'static str],
    /// Whether its out-parameter may be NULL (the result is then not made).
    pub out_optional: bool,
    /// Whether it writes (then it must refuse a read transaction).
    pub writes: bool,
}

const DOCUMENT: &str = r#"{"document": {"policy_id": "p1", "version_id": "v1", "metadata": {"owner": "legal"}, "tags": ["current"], "effective_start": "2024-01-01T00:00:00Z", "description": "first"}, "nodes": [{"node_id": "r", "title": "Root", "page_start": 1, "page_end": 3, "text": "The access review policy."}, {"node_id": "a", "parent_id": "r", "title": "Scope", "page_start": 2, "page_end": 2, "summary": "who", "text": "Employees and contractors.", "see_also": ["r"], "metadata": {"k": "v"}}, {"node_id": "b", "parent_id": "r", "title": "Retention", "section_path": "2"}]}"#;

/// Every JSON-taking export, in the order a session would call them (the seeds of later ones
/// name the policies, prompts and conversations earlier seeds store).
pub const TARGETS: &[Target] = &[
    Target {
        name: "treestore_search_settings_set",
        shape: Shape::Result(treestore_search_settings_set),
        // The stemming may change only while nothing is indexed: this target comes first.
        seeds: &[
            r#"{"stemming": "porter", "weights": {"title": 2.0, "summary": 1.0, "text": 1.0}}"#,
            r#"{"weights": {"title": 3.0, "text": 0.5}}"#,
        ],
        out_optional: true,
        writes: true,
    },
    Target {
        name: "treestore_document_store",
        shape: Shape::Result(treestore_document_store),
        seeds: &[DOCUMENT],
        out_optional: false,
        writes: true,
    },
    Target {
        name: "treestore_document_store_batch",
        shape: Shape::Count,
        seeds: &[
            r#"[{"document": {"policy_id": "p2", "version_id": "v1"}, "nodes": [{"node_id": "r", "title": "Two"}, {"node_id": "x", "parent_id": "r", "page_start": 4, "page_end": 9}]}, {"document": {"policy_id": "p2", "version_id": "v2", "effective_start": 1700000000000000}, "nodes": [{"node_id": "r"}]}]"#,
        ],
        out_optional: true,
        writes: true,
    },
    Target {
        name: "treestore_pageindex_import",
        shape: Shape::PageIndex,
        seeds: &[
            r#"{"doc_name": "d.pdf", "doc_description": "a test", "structure": [{"title": "A", "node_id": "0000", "start_index": 1, "end_index": 2, "summary": "s", "nodes": [{"title": "B", "start_index": 2, "end_index": 2, "text": "x", "line_num": 4}]}]}"#,
            r#"[{"title": "Only", "start_index": 1, "end_index": 1, "prefix_summary": "p"}]"#,
        ],
        out_optional: false,
        writes: true,
    },
    Target {
        name: "treestore_tool_result_store",
        shape: Shape::Result(treestore_tool_result_store),
        seeds: &[
            r#"{"tool_name": "search", "policy_id": "p1", "node_id": "a", "result_data": {"hits": [1, 2]}, "success": true, "executed_at": "2024-06-01T00:00:00Z"}"#,
        ],
        out_optional: false,
        writes: true,
    },
    Target {
        name: "treestore_tool_result_list",
        shape: Shape::Result(treestore_tool_result_list),
        seeds: &[
            r#"{"policy_id": "p1", "tool_name": "search", "limit": 5}"#,
            r#"{"since": 10, "until": 2000000000000000}"#,
        ],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_trajectory_store",
        shape: Shape::Result(treestore_trajectory_store),
        seeds: &[
            r#"{"trajectory_id": "t1", "case_id": "c1", "started_at": "2024-06-01T00:00:00Z", "steps": [{"action": "read", "observation": "o", "thought": "t", "tool_name": "get_node"}, {"step_number": 5, "action": "search"}]}"#,
        ],
        out_optional: false,
        writes: true,
    },
    Target {
        name: "treestore_cross_reference_store",
        shape: Shape::Result(treestore_cross_reference_store),
        seeds: &[
            r#"{"source_policy_id": "p1", "source_node_id": "a", "target_policy_id": "p2", "reference_type": "supports", "context": "as p2 says"}"#,
        ],
        out_optional: false,
        writes: true,
    },
    Target {
        name: "treestore_cross_reference_list",
        shape: Shape::Result(treestore_cross_reference_list),
        seeds: &[
            r#"{"policy_id": "p1", "direction": "both", "limit": 3}"#,
            r#"{"policy_id": "p2", "node_id": "x", "direction": "incoming", "reference_type": "cites"}"#,
        ],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_cross_reference_delete",
        shape: Shape::Removed,
        seeds: &[
            r#"{"source_policy_id": "p1", "source_node_id": "a", "target_policy_id": "p2", "reference_type": "supports"}"#,
        ],
        out_optional: true,
        writes: true,
    },
    Target {
        name: "treestore_contradiction_store",
        shape: Shape::Result(treestore_contradiction_store),
        seeds: &[
            r#"{"contradiction_id": "k1", "policy_a": "p1", "node_a": "a", "policy_b": "p2", "description": "30 vs 60 days", "severity": "high"}"#,
        ],
        out_optional: false,
        writes: true,
    },
    Target {
        name: "treestore_contradiction_list",
        shape: Shape::Result(treestore_contradiction_list),
        seeds: &[r#"{"policy_id": "p1", "status": "open", "severity": "high", "limit": 2}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_metadata_set",
        shape: Shape::Result(treestore_metadata_set),
        seeds: &[
            r#"{"entity_type": "policy", "entity_id": "p1", "key": "owner", "value": "legal"}"#,
            r#"{"entity_type": "node", "entity_id": "p1/a", "key": "weight", "value": 2.5}"#,
        ],
        out_optional: false,
        writes: true,
    },
    Target {
        name: "treestore_metadata_query_multiple",
        shape: Shape::Result(treestore_metadata_query_multiple),
        seeds: &[r#"{"entity_type": "policy", "filters": {"owner": "legal"}, "limit": 10}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_prompt_create",
        shape: Shape::Result(treestore_prompt_create),
        seeds: &[
            r#"{"name": "nav", "template": "Read {{policy}} at {{node}}.", "labels": ["production"], "config": {"temperature": 0.2}, "commit_message": "first"}"#,
        ],
        out_optional: false,
        writes: true,
    },
    Target {
        name: "treestore_prompt_list",
        shape: Shape::Result(treestore_prompt_list),
        seeds: &[r#"{"limit": 2}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_prompt_usage_record",
        shape: Shape::Result(treestore_prompt_usage_record),
        seeds: &[
            r#"{"prompt_name": "nav", "prompt_version": 1, "variables": {"policy": "p1"}, "response": "open a", "latency_ms": 5, "input_tokens": 10, "output_tokens": 3, "score": 0.5, "case_id": "c1"}"#,
        ],
        out_optional: false,
        writes: true,
    },
    Target {
        name: "treestore_prompt_usage_list",
        shape: Shape::Result(treestore_prompt_usage_list),
        seeds: &[r#"{"prompt_name": "nav", "prompt_version": 1, "limit": 3}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_conversation_create",
        shape: Shape::Result(treestore_conversation_create),
        seeds: &[
            r#"{"id": "conv1", "user_id": "u1", "title": "questions", "tags": ["audit"], "metadata": {"k": "v"}}"#,
            r#"{"user_id": "u2", "title": "a new one each time"}"#,
        ],
        out_optional: false,
        writes: true,
    },
    Target {
        name: "treestore_conversation_update",
        shape: Shape::Result(treestore_conversation_update),
        seeds: &[r#"{"id": "conv1", "user_id": "u1", "title": "renamed", "tags": ["legal"]}"#],
        out_optional: false,
        writes: true,
    },
    Target {
        name: "treestore_conversation_add_message",
        shape: Shape::Result(treestore_conversation_add_message),
        seeds: &[
            r#"{"conversation_id": "conv1", "role": "user", "content": "hello", "metadata": {"tool_call": "x"}}"#,
        ],
        out_optional: false,
        writes: true,
    },
    Target {
        name: "treestore_conversation_list",
        shape: Shape::Result(treestore_conversation_list),
        seeds: &[r#"{"user_id": "u1", "tag": "legal", "limit": 2}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_trajectory_append_step",
        shape: Shape::Named(treestore_trajectory_append_step, "t1"),
        seeds: &[
            r#"{"action": "search", "observation": "3 hits", "thought": "t", "tool_name": "search"}"#,
        ],
        out_optional: false,
        writes: true,
    },
    Target {
        name: "treestore_trajectory_list",
        shape: Shape::Named(treestore_trajectory_list, "c1"),
        seeds: &[r#"{"limit": 2}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_trajectory_list_steps",
        shape: Shape::Named(treestore_trajectory_list_steps, "t1"),
        seeds: &[r#"{"limit": 1}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_metadata_list",
        shape: Shape::TwoNamed(treestore_metadata_list, "policy", "p1"),
        seeds: &[r#"{"limit": 1}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_metadata_query_by_key",
        shape: Shape::TwoNamed(treestore_metadata_query_by_key, "policy", "owner"),
        seeds: &[r#"{"limit": 3}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_prompt_list_versions",
        shape: Shape::Named(treestore_prompt_list_versions, "nav"),
        seeds: &[r#"{"limit": 5}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_prompt_render",
        shape: Shape::Render,
        seeds: &[r#"{"policy": "p1", "node": "a"}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_conversation_list_messages",
        shape: Shape::Named(treestore_conversation_list_messages, "conv1"),
        seeds: &[r#"{"limit": 2}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_conversation_list_by_user",
        shape: Shape::Named(treestore_conversation_list_by_user, "u1"),
        seeds: &[r#"{"limit": 2}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_conversation_list_by_tag",
        shape: Shape::Named(treestore_conversation_list_by_tag, "audit"),
        seeds: &[r#"{"limit": 2}"#],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_search_all",
        shape: Shape::SearchAll,
        seeds: &[
            r#"{"limit": 5, "offset": 1, "policy_id": "p1", "weights": {"title": 2.0}}"#,
            r#"{"scopes": [{"policy_id": "p1", "version_id": "v1"}, {"policy_id": "p2"}]}"#,
        ],
        out_optional: false,
        writes: false,
    },
    Target {
        name: "treestore_search_unified",
        shape: Shape::Named(treestore_search_unified, "access"),
        seeds: &[r#"{"limit": 5, "snippet_chars": 80, "policy_id": "p1"}"#],
        out_optional: false,
        writes: false,
    },
];

/// The transaction a call runs in.
#[derive(Debug, Clone, Copy)]
pub enum Txn {
    /// None: the export makes its own.
    None,
    /// A read snapshot: writing exports must refuse it.
    Read,
    /// A write transaction, committed or rolled back after the call.
    Write { commit: bool },
}

/// One call: the JSON argument's bytes and the transaction.
pub struct Call {
    pub input: Vec<u8>,
    pub txn: Txn,
}

/// What an export wrote to its out-parameters.
pub struct Outs {
    pub result: *mut treestore_result,
    pub err: *mut treestore_error,
}

impl Outs {
    pub fn new() -> Outs {
        Outs {
            result: null_mut(),
            err: null_mut(),
        }
    }
}

/// Calls `target` with `input` in `txn` (a handle or NULL); with `null_out` its out-parameter
/// (result, count or flag) is NULL.
fn invoke(
    db: *const treestore_db,
    target: &Target,
    txn: *mut treestore_txn,
    input: (*const u8, usize),
    outs: &mut Outs,
    null_out: bool,
) -> treestore_status {
    let (json, len) = input;
    let (mut count, mut removed) = (0u64, false);
    let (result, count, removed): (*mut *mut treestore_result, *mut u64, *mut bool) = if null_out {
        (null_mut(), null_mut(), null_mut())
    } else {
        (&mut outs.result, &mut count, &mut removed)
    };
    match target.shape {
        Shape::Result(f) => f(db, txn, json, len, result, &mut outs.err),
        Shape::Named(f, name) => f(
            db,
            txn,
            name.as_ptr(),
            name.len(),
            json,
            len,
            result,
            &mut outs.err,
        ),
        Shape::TwoNamed(f, a, b) => f(
            db,
            txn,
            a.as_ptr(),
            a.len(),
            b.as_ptr(),
            b.len(),
            json,
            len,
            result,
            &mut outs.err,
        ),
        Shape::SearchAll => {
            let query = "access review";
            treestore_search_all(
                db,
                txn,
                query.as_ptr(),
                query.len(),
                json,
                len,
                120,
                true,
                result,
                &mut outs.err,
            )
        }
        Shape::Render => {
            let name = "nav";
            treestore_prompt_render(
                db,
                txn,
                name.as_ptr(),
                name.len(),
                0,
                null(),
                0,
                json,
                len,
                result,
                &mut outs.err,
            )
        }
        Shape::Count => treestore_document_store_batch(db, txn, json, len, count, &mut outs.err),
        Shape::Removed => {
            treestore_cross_reference_delete(db, txn, json, len, removed, &mut outs.err)
        }
        Shape::PageIndex => {
            let (policy, version, by) = ("pi", "v1", "fuzz");
            let start = 1_700_000_000_000_000i64;
            treestore_pageindex_import(
                db,
                txn,
                json,
                len,
                policy.as_ptr(),
                policy.len(),
                version.as_ptr(),
                version.len(),
                &start,
                null(),
                by.as_ptr(),
                by.len(),
                null(),
                0,
                result,
                &mut outs.err,
            )
        }
    }
}

/// Checks the out-parameters against `status` and frees them: `Err` says what breaks the
/// contract. `makes_result`: whether the export writes a result on success.
pub fn check_outs(makes_result: bool, status: treestore_status, outs: Outs) -> Result<(), String> {
    let verdict = if status == TREESTORE_PANIC {
        Err("TREESTORE_PANIC".to_string())
    } else if status == TREESTORE_OK && !makes_result {
        Ok(())
    } else if status == TREESTORE_OK {
        check_result(outs.result)
    } else {
        check_error(status, outs.err)
    };
    treestore_result_free(outs.result);
    treestore_error_free(outs.err);
    verdict
}

/// A successful call's result reads back.
fn check_result(result: *mut treestore_result) -> Result<(), String> {
    if result.is_null() {
        return Err("TREESTORE_OK without a result".into());
    }
    // SAFETY: every field of the view is an integer or a raw pointer, for which all-zero bytes
    // are a valid value (NULL); `treestore_result_read` fills it in.
    let mut view: treestore_result_view = unsafe { std::mem::zeroed() };
    view.struct_size = std::mem::size_of::<treestore_result_view>() as u32;
    match treestore_result_read(result, &mut view, null_mut()) {
        TREESTORE_OK => Ok(()),
        s => Err(format!("its result does not read back (status {s})")),
    }
}

/// A failed call's error object carries its status and a message.
fn check_error(status: treestore_status, err: *mut treestore_error) -> Result<(), String> {
    if err.is_null() {
        return Err(format!("status {status} without an error object"));
    }
    if treestore_error_status(err) != status {
        return Err(format!(
            "status {status}, but the error object says {}",
            treestore_error_status(err)
        ));
    }
    let message = treestore_error_message(err);
    if message.len == 0 || message.ptr.is_null() {
        return Err(format!("status {status} with an empty message"));
    }
    Ok(())
}

/// Runs `call` against `target` and checks the contract; `Ok` is the export's status.
pub fn run(
    db: *const treestore_db,
    target: &Target,
    call: &Call,
) -> Result<treestore_status, String> {
    let makes_result = !matches!(target.shape, Shape::Count | Shape::Removed);
    let input = (call.input.as_ptr(), call.input.len());
    let status = in_txn(db, call.txn, |txn, outs| {
        let status = invoke(db, target, txn, input, outs, false);
        (status, makes_result)
    })?;
    if status == TREESTORE_OK && target.writes && matches!(call.txn, Txn::Read) {
        return Err("a write succeeded in a read transaction".into());
    }
    Ok(status)
}

/// Runs `f` (given the transaction handle or NULL, and the out-parameters to fill; returning the
/// status and whether it makes a result) in `txn`, ends the transaction and checks the contract;
/// `Ok` is the status.
pub fn in_txn(
    db: *const treestore_db,
    txn: Txn,
    f: impl FnOnce(*mut treestore_txn, &mut Outs) -> (treestore_status, bool),
) -> Result<treestore_status, String> {
    let mut handle = null_mut();
    if let Txn::Read | Txn::Write { .. } = txn {
        let write = matches!(txn, Txn::Write { .. });
        let status = treestore_txn_begin(db, write, &mut handle, null_mut());
        if status != TREESTORE_OK {
            return Err(format!("treestore_txn_begin gave {status}"));
        }
    }
    let mut outs = Outs::new();
    let (status, makes_result) = f(handle, &mut outs);
    let verdict = check_outs(makes_result, status, outs);
    let ended = match txn {
        Txn::None => TREESTORE_OK,
        Txn::Write { commit: true } => treestore_txn_commit(handle, null_mut()),
        Txn::Read | Txn::Write { commit: false } => treestore_txn_rollback(handle, null_mut()),
    };
    treestore_txn_free(handle);
    verdict?;
    if ended == TREESTORE_PANIC {
        return Err("ending the transaction gave TREESTORE_PANIC".into());
    }
    Ok(status)
}

/// An argument the contract says is wrong.
#[derive(Debug, Clone, Copy)]
pub enum Bad {
    /// The database handle is NULL.
    NullDb,
    /// The JSON pointer is NULL with a length above 0.
    NullInput,
    /// The out-parameter is NULL (the error out stays).
    NullOut,
    /// The JSON holds a byte that is not UTF-8.
    NotUtf8,
}

/// Calls `target` with `seed` spoiled as `bad`; returns the status, after checking that an error
/// object carries it when it is an error.
pub fn run_bad(
    db: *const treestore_db,
    target: &Target,
    seed: &[u8],
    bad: Bad,
) -> treestore_status {
    let mut input = seed.to_vec();
    if let Bad::NotUtf8 = bad {
        let at = input.len() / 2;
        input.insert(at, 0xFF);
    }
    let db = if let Bad::NullDb = bad { null() } else { db };
    let json = if let Bad::NullInput = bad {
        null()
    } else {
        input.as_ptr()
    };
    let mut outs = Outs::new();
    let null_out = matches!(bad, Bad::NullOut);
    let status = invoke(
        db,
        target,
        null_mut(),
        (json, input.len()),
        &mut outs,
        null_out,
    );
    let checked = if status == TREESTORE_OK && outs.err.is_null() {
        Ok(())
    } else {
        check_error(status, outs.err)
    };
    treestore_result_free(outs.result);
    treestore_error_free(outs.err);
    assert!(checked.is_ok(), "{} with {bad:?}: {checked:?}", target.name);
    status
}
