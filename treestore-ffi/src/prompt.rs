//! Exports of the PromptStore: the prompt registry (versions, labels, rendering, diffs), prompt
//! usage with per-version statistics, and conversations with their messages. Conventions are the
//! MetadataStore's (see `metadata.rs`): JSON objects in, result records out, `txn` NULL for a
//! transaction of the call's own, `limit`/`cursor` in the query JSON and `next_cursor` in the
//! result, deletes reporting through an optional out-parameter, and every call counted in the
//! database's latency histograms (a read's latency measured on a sample of calls).
//!
//! A prompt version is picked by `version` (0: none given) or `label` (NULL: none given); with
//! neither, the newest version; with both, TREESTORE_INVALID_ARGUMENT.

use std::collections::BTreeMap;

use treestore_core::metrics::Op;
use treestore_core::prompt::{
    self, Conversation, ConversationQuery, Message, NewPrompt, PromptSelector, PromptUsage,
    UsageQuery,
};

use crate::args;
use crate::db::treestore_db;
use crate::error::{treestore_error, FfiError};
use crate::exports::{found_record, list_page};
use crate::result::{records_result, treestore_result, write_record};
use crate::status::treestore_status;
use crate::txn::{read_timed, treestore_txn, write_combined_timed, write_timed};

/// The selector of a `(version, label)` argument pair.
fn selector(version: u32, label: *const u8, label_len: usize) -> Result<PromptSelector, FfiError> {
    let label = args::opt_string(label, label_len, "label")?;
    let version = (version != 0).then_some(version);
    Ok(PromptSelector::from_options(version, label)?)
}

/// Adds a version to a prompt (the SDKs' `store_prompt`) from a JSON object: `name` and
/// `template` required (`{{variable}}` placeholders); `config` any JSON; `commit_message`,
/// `created_by`; `labels` to move to the new version. The first version creates the prompt.
/// Writes a result holding the new `prompt_version` record.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_prompt_create(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let input: NewPrompt = args::json(json, json_len, "json", "prompt")?;
        args::out(out_result, "out_result")?;
        let stored = write_timed(db, txn, Op::Prompts, |w| prompt::create_prompt(w, input))?;
        write_record(out_result, &stored);
        Ok(())
    })
}

/// Reads one version of prompt `name` (by `version`, or `label`, or the newest when neither is
/// given) into a result of one `prompt_version` record; TREESTORE_NOT_FOUND when the prompt, the
/// version or the label does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_prompt_get(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    name: *const u8,
    name_len: usize,
    version: u32,
    label: *const u8,
    label_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let name = args::string(name, name_len, "name")?;
        let sel = selector(version, label, label_len)?;
        found_record(
            db,
            txn,
            Op::Prompts,
            out_result,
            |r| prompt::prompt(r, name, &sel),
            || format!("prompt {name:?} {sel}"),
        )
    })
}

/// Lists the versions of prompt `name`, newest first, as `prompt_version` records.
/// `page_json` is `{"limit": n, "cursor": "..."}` or NULL.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_prompt_list_versions(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    name: *const u8,
    name_len: usize,
    page_json: *const u8,
    page_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let name = args::string(name, name_len, "name")?;
        let page = args::page(page_json, page_json_len)?;
        list_page(db, txn, Op::Prompts, out_result, |r| {
            prompt::prompt_versions(r, name, page.limit, page.cursor.as_deref())
        })
    })
}

/// Lists every prompt by name as `prompt_info` records (`labels` holds nested `prompt_label`
/// records `{label, version}`). `page_json` is `{"limit": n, "cursor": "..."}` or NULL.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_prompt_list(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    page_json: *const u8,
    page_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let page = args::page(page_json, page_json_len)?;
        list_page(db, txn, Op::Prompts, out_result, |r| {
            prompt::list_prompts(r, page.limit, page.cursor.as_deref())
        })
    })
}

/// Points `label` of prompt `name` at `version`, moving it from where it was. `latest` cannot be
/// set. TREESTORE_NOT_FOUND when the prompt or the version does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_prompt_set_label(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    name: *const u8,
    name_len: usize,
    label: *const u8,
    label_len: usize,
    version: u32,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let name = args::string(name, name_len, "name")?;
        let label = args::string(label, label_len, "label")?;
        write_timed(db, txn, Op::Prompts, |w| {
            prompt::set_prompt_label(w, name, label, version)
        })
    })
}

/// Removes `label` from prompt `name`. Writes whether it was set to `*out_removed` (may be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_prompt_remove_label(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    name: *const u8,
    name_len: usize,
    label: *const u8,
    label_len: usize,
    out_removed: *mut bool,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let name = args::string(name, name_len, "name")?;
        let label = args::string(label, label_len, "label")?;
        let removed = write_timed(db, txn, Op::Prompts, |w| {
            prompt::remove_prompt_label(w, name, label)
        })?;
        args::write_opt_out(out_removed, removed);
        Ok(())
    })
}

/// Fills the picked version of prompt `name` with `variables_json`, an object of placeholder
/// values (non-string values are used as their JSON text; NULL for none). Writes a result whose
/// one string (`treestore_result_strings`, or the view's `strings`) is the rendered text.
/// TREESTORE_NOT_FOUND when the version does not exist; TREESTORE_INVALID_ARGUMENT naming a
/// placeholder without a value.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_prompt_render(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    name: *const u8,
    name_len: usize,
    version: u32,
    label: *const u8,
    label_len: usize,
    variables_json: *const u8,
    variables_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let name = args::string(name, name_len, "name")?;
        let sel = selector(version, label, label_len)?;
        let vars: BTreeMap<String, String> = args::opt_json(
            variables_json,
            variables_json_len,
            "variables_json",
            "variables",
        )?;
        args::out(out_result, "out_result")?;
        let text = read_timed(db, txn, Op::Prompts, |r| {
            prompt::render_prompt(r, name, &sel, &vars)
        })?;
        args::write_out(
            out_result,
            treestore_result::from_strings(&[text]).into_raw(),
        );
        Ok(())
    })
}

/// Compares version `from_version` of prompt `name` with `to_version`. Writes a result of one
/// `prompt_diff` record: `lines` holds nested `diff_line` records (`op` is `equal`, `insert` or
/// `delete`; `text`), with `variables_added`, `variables_removed`, `from_config`, `to_config`.
/// TREESTORE_NOT_FOUND when either version does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_prompt_diff(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    name: *const u8,
    name_len: usize,
    from_version: u32,
    to_version: u32,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let name = args::string(name, name_len, "name")?;
        args::out(out_result, "out_result")?;
        let diff = read_timed(db, txn, Op::Prompts, |r| {
            prompt::diff_prompt_versions(r, name, from_version, to_version)
        })?;
        write_record(out_result, &diff);
        Ok(())
    })
}

/// Deletes prompt `name` with its versions, labels, usage records and statistics. Writes whether
/// it existed to `*out_removed` (may be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_prompt_delete(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    name: *const u8,
    name_len: usize,
    out_removed: *mut bool,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let name = args::string(name, name_len, "name")?;
        let removed = write_timed(db, txn, Op::Prompts, |w| prompt::delete_prompt(w, name))?;
        args::write_opt_out(out_removed, removed);
        Ok(())
    })
}

/// Records one call of a prompt version from a JSON object: `prompt_name` required;
/// `prompt_version` (0 or absent: the newest); `usage_id` (generated when absent; recorded once);
/// `variables` and `metadata` objects; `response`, `latency_ms`, `input_tokens`,
/// `output_tokens`, `score`, `case_id`, `created_at`. Writes a result holding the stored
/// `prompt_usage` record. TREESTORE_NOT_FOUND when the prompt version does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_prompt_usage_record(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let input: PromptUsage = args::json(json, json_len, "json", "prompt_usage")?;
        args::out(out_result, "out_result")?;
        let stored = write_combined_timed(db, txn, Op::Prompts, move |w| {
            prompt::record_prompt_usage(w, input.clone())
        })?;
        write_record(out_result, &stored);
        Ok(())
    })
}

/// Sets the score of usage `usage_id` to `*score`, or clears it when `score` is NULL, keeping the
/// version's statistics in step. Writes a result holding the updated `prompt_usage` record.
/// TREESTORE_NOT_FOUND when it does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_prompt_usage_score(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    usage_id: *const u8,
    usage_id_len: usize,
    score: *const f64,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(usage_id, usage_id_len, "usage_id")?;
        // SAFETY: NULL or a pointer to one readable `double`, per the contract.
        let score = unsafe { score.as_ref() }.copied();
        args::out(out_result, "out_result")?;
        let updated = write_timed(db, txn, Op::Prompts, |w| {
            prompt::score_prompt_usage(w, id, score)
        })?;
        write_record(out_result, &updated);
        Ok(())
    })
}

/// Reads usage record `usage_id` into a result of one `prompt_usage` record;
/// TREESTORE_NOT_FOUND if absent.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_prompt_usage_get(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    usage_id: *const u8,
    usage_id_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(usage_id, usage_id_len, "usage_id")?;
        found_record(
            db,
            txn,
            Op::Prompts,
            out_result,
            |r| prompt::prompt_usage(r, id),
            || format!("prompt usage {id:?}"),
        )
    })
}

/// Lists usage records newest first. `query_json` is an object with `prompt_name` or `case_id`
/// (one is required), `prompt_version` (requires `prompt_name`), `since`, `until`, `limit`,
/// `cursor`.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_prompt_usage_list(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    query_json: *const u8,
    query_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let query: UsageQuery =
            args::json(query_json, query_json_len, "query_json", "usage_query")?;
        list_page(db, txn, Op::Prompts, out_result, |r| {
            prompt::prompt_usages(r, &query)
        })
    })
}

/// Deletes usage record `usage_id` and takes it out of its version's statistics. Writes whether
/// it existed to `*out_removed` (may be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_prompt_usage_delete(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    usage_id: *const u8,
    usage_id_len: usize,
    out_removed: *mut bool,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(usage_id, usage_id_len, "usage_id")?;
        let removed = write_timed(db, txn, Op::Prompts, |w| prompt::delete_prompt_usage(w, id))?;
        args::write_opt_out(out_removed, removed);
        Ok(())
    })
}

/// Reads the statistics of version `version` of prompt `name` into a result of one
/// `prompt_stats` record (`count`, `mean_latency_ms`, `scored_count`, `mean_score` (NULL kind when
/// nothing is scored), `total_input_tokens`, `total_output_tokens`); zero counts when the version
/// was never used.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_prompt_stats_get(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    name: *const u8,
    name_len: usize,
    version: u32,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let name = args::string(name, name_len, "name")?;
        args::out(out_result, "out_result")?;
        let stats = read_timed(db, txn, Op::Prompts, |r| {
            prompt::prompt_stats(r, name, version)
        })?;
        write_record(out_result, &stats);
        Ok(())
    })
}

/// Reads the statistics of every used version of prompt `name`, by version, into a result of
/// `prompt_stats` records.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_prompt_stats_list(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    name: *const u8,
    name_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let name = args::string(name, name_len, "name")?;
        args::out(out_result, "out_result")?;
        let stats = read_timed(db, txn, Op::Prompts, |r| {
            prompt::prompt_version_stats(r, name)
        })?;
        args::write_out(out_result, records_result(&stats, None).into_raw());
        Ok(())
    })
}

/// Creates a conversation from a JSON object: `user_id` required; `id` (generated when absent;
/// TREESTORE_ALREADY_EXISTS when taken), `title`, `tags` (a list), `metadata` (an object),
/// `created_at`. Writes a result holding the stored `conversation` record.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_conversation_create(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let input: Conversation = args::json(json, json_len, "json", "conversation")?;
        args::out(out_result, "out_result")?;
        let stored = write_timed(db, txn, Op::Conversations, |w| {
            prompt::create_conversation(w, input)
        })?;
        write_record(out_result, &stored);
        Ok(())
    })
}

/// Replaces the `title`, `tags` and `metadata` of conversation `id` (a JSON object; other fields
/// are ignored). Writes a result holding the updated `conversation` record. TREESTORE_NOT_FOUND
/// when it does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_conversation_update(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let input: Conversation = args::json(json, json_len, "json", "conversation")?;
        args::out(out_result, "out_result")?;
        let stored = write_timed(db, txn, Op::Conversations, |w| {
            prompt::update_conversation(w, input)
        })?;
        write_record(out_result, &stored);
        Ok(())
    })
}

/// Adds a message from a JSON object: `conversation_id` required; `role` (`system`, `user` (the
/// default), `assistant`, `tool`), `content`, `metadata`, `id`, `created_at`. Writes a result
/// holding the stored `message` record. TREESTORE_NOT_FOUND when the conversation does not exist.
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
/// On success `*out_result` is a new result owned by the caller: free it with
/// `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_conversation_add_message(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let input: Message = args::json(json, json_len, "json", "message")?;
        args::out(out_result, "out_result")?;
        let stored = write_timed(db, txn, Op::Conversations, |w| {
            prompt::add_message(w, input)
        })?;
        write_record(out_result, &stored);
        Ok(())
    })
}

/// Reads conversation `id` into a result of one `conversation` record; TREESTORE_NOT_FOUND if
/// absent.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_conversation_get(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    id: *const u8,
    id_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(id, id_len, "id")?;
        found_record(
            db,
            txn,
            Op::Conversations,
            out_result,
            |r| prompt::conversation(r, id),
            || format!("conversation {id:?}"),
        )
    })
}

/// Reads message `id` into a result of one `message` record; TREESTORE_NOT_FOUND if absent.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_conversation_get_message(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    message_id: *const u8,
    message_id_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(message_id, message_id_len, "message_id")?;
        found_record(
            db,
            txn,
            Op::Conversations,
            out_result,
            |r| prompt::message(r, id),
            || format!("message {id:?}"),
        )
    })
}

/// Lists the messages of conversation `conversation_id`, oldest first, as `message` records.
/// `page_json` is `{"limit": n, "cursor": "..."}` or NULL.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_conversation_list_messages(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    conversation_id: *const u8,
    conversation_id_len: usize,
    page_json: *const u8,
    page_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(conversation_id, conversation_id_len, "conversation_id")?;
        let page = args::page(page_json, page_json_len)?;
        list_page(db, txn, Op::Conversations, out_result, |r| {
            prompt::messages(r, id, page.limit, page.cursor.as_deref())
        })
    })
}

/// Reads conversation `id` with all its messages into a result of one
/// `conversation_with_messages` record: `conversation` holds one nested `conversation` record,
/// `messages` the nested `message` records, oldest first. TREESTORE_NOT_FOUND if absent.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_conversation_get_with_messages(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    id: *const u8,
    id_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(id, id_len, "id")?;
        found_record(
            db,
            txn,
            Op::Conversations,
            out_result,
            |r| prompt::conversation_with_messages(r, id),
            || format!("conversation {id:?}"),
        )
    })
}

/// Lists conversations newest started first. `query_json` is an object with any of `user_id`,
/// `tag`, `since`, `until`, `limit`, `cursor`; NULL or `{}` lists all.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_conversation_list(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    query_json: *const u8,
    query_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let query: ConversationQuery = args::opt_json(
            query_json,
            query_json_len,
            "query_json",
            "conversation_query",
        )?;
        list_page(db, txn, Op::Conversations, out_result, |r| {
            prompt::list_conversations(r, &query)
        })
    })
}

/// Lists the conversations of user `user_id`, newest first. `page_json` is
/// `{"limit": n, "cursor": "..."}` or NULL.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_conversation_list_by_user(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    user_id: *const u8,
    user_id_len: usize,
    page_json: *const u8,
    page_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let user = args::string(user_id, user_id_len, "user_id")?;
        let page = args::page(page_json, page_json_len)?;
        list_page(db, txn, Op::Conversations, out_result, |r| {
            prompt::list_conversations_by_user(r, user, page.limit, page.cursor.as_deref())
        })
    })
}

/// Lists the conversations tagged `tag`, newest first. `page_json` is
/// `{"limit": n, "cursor": "..."}` or NULL.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_conversation_list_by_tag(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    tag: *const u8,
    tag_len: usize,
    page_json: *const u8,
    page_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let tag = args::string(tag, tag_len, "tag")?;
        let page = args::page(page_json, page_json_len)?;
        list_page(db, txn, Op::Conversations, out_result, |r| {
            prompt::list_conversations_by_tag(r, tag, page.limit, page.cursor.as_deref())
        })
    })
}

/// Deletes conversation `id` with its messages. Writes whether it existed to `*out_removed` (may
/// be NULL).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_conversation_delete(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    id: *const u8,
    id_len: usize,
    out_removed: *mut bool,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let id = args::string(id, id_len, "id")?;
        let removed = write_timed(db, txn, Op::Conversations, |w| {
            prompt::delete_conversation(w, id)
        })?;
        args::write_opt_out(out_removed, removed);
        Ok(())
    })
}
