//! Exports of the keyword search: BM25 queries (FTS5's query language; see `docs/c-api.md`) and
//! the per-database settings (stemming, field weights).
//!
//! A search returns one `search_hit` record per hit, best first (`policy_id`, `version_id`,
//! `node_id`, `score` (FLOAT, higher is better), `matched_terms` (the index terms found), `snippet`
//! (the window of the node's text with the most matches, matched words in `<b>`..`</b>`, `…` where
//! cut; NULL when no snippet was asked for)), and the hit's node at the same index of the result's
//! `nodes` array. A unified search (`treestore_search_unified`) returns `unified_hit` records of
//! nodes, tool results, prompts and trajectory steps merged by a normalised score, and a cursor.
//! Every call is counted in the database's latency histograms (a read's latency measured on a
//! sample of calls: `txn::read_timed`).

use treestore_core::document::{DocReader, Node};
use treestore_core::metrics::Op;
use treestore_core::query::{self, UnifiedQuery};
use treestore_core::record::{Record, SearchSettingsUpdate, ToRecord, Value};
use treestore_core::search::{self, SearchHit, SearchOptions, Stemming};
use treestore_core::{ErrorKind, ReadOps};

use crate::args;
use crate::db::treestore_db;
use crate::error::treestore_error;
use crate::nodes::push_node;
use crate::records::RecordBuilder;
use crate::result::{records_result, treestore_result};
use crate::status::treestore_status;
use crate::txn::{read_timed, treestore_txn, write_timed};

/// The stored node of a hit; a hit indexed without a stored node (through the search index alone)
/// gets a node holding only its ids.
fn hit_node<R: ReadOps + ?Sized>(
    docs: &DocReader<'_, R>,
    hit: &SearchHit,
    with_text: bool,
) -> treestore_core::Result<Node> {
    let d = &hit.doc;
    let found = match docs.nodes(&d.policy_id, Some(&d.version_id), &[&d.node_id], with_text) {
        Ok(mut v) => v.pop().flatten(),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    Ok(found.unwrap_or_else(|| Node {
        node_id: d.node_id.clone(),
        policy_id: d.policy_id.clone(),
        version_id: d.version_id.clone(),
        ..Node::default()
    }))
}

/// The snippet of a hit: from the node's text, else its summary, else its title.
fn hit_snippet(node: &Node, hit: &SearchHit, chars: usize, stemming: Stemming) -> Value {
    if chars == 0 {
        return Value::Null;
    }
    let source = node
        .text
        .as_deref()
        .or(node.summary.as_deref())
        .unwrap_or(&node.title);
    Value::Str(search::snippet_with(
        source,
        &hit.matched_terms,
        chars,
        stemming,
    ))
}

/// Runs a search and builds its result: hit records and their nodes, parallel.
fn run_search(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    query: &str,
    options: &SearchOptions,
    snippet_chars: usize,
    include_text: bool,
) -> Result<treestore_result, crate::error::FfiError> {
    let (hits, mut nodes, stemming) = read_timed(db, txn, Op::Search, |r| {
        let hits = search::search(r, query, options)?;
        let stemming = search::settings(r)?.stemming;
        let docs = DocReader::new(r);
        let with_text = include_text || snippet_chars > 0;
        let nodes = hits
            .iter()
            .map(|h| hit_node(&docs, h, with_text))
            .collect::<treestore_core::Result<Vec<_>>>()?;
        Ok((hits, nodes, stemming))
    })?;
    let records: Vec<Record> = hits
        .iter()
        .zip(&nodes)
        .map(|(h, n)| {
            let mut r = h.to_record();
            r = r.with("snippet", hit_snippet(n, h, snippet_chars, stemming));
            r
        })
        .collect();
    if !include_text {
        for n in &mut nodes {
            n.text = None;
        }
    }
    let mut b = RecordBuilder::default();
    b.push_records(records);
    let pending = nodes
        .iter()
        .map(|n| push_node(&mut b, n, include_text))
        .collect();
    Ok(treestore_result::from_builder(
        b,
        hits.len(),
        pending,
        0,
        None,
    ))
}

/// Searches the keyword index for `query` (FTS5's language: bare words are ANDed; `OR`, `NOT`,
/// `"phrases"`, `prefix*`, parentheses), within `policy_id` when not NULL and, with it, within
/// `version_id` when not NULL (a version without a policy is TREESTORE_INVALID_ARGUMENT). Returns
/// hits `offset` to `offset + limit` of the ranking (`limit` 0: 10; `offset + limit` at most
/// 100000) as `search_hit` records with their nodes (see the module doc). `snippet_chars` is the
/// longest snippet in characters (0: none); `include_text` puts each node's text in `nodes`. A
/// malformed query is TREESTORE_INVALID_ARGUMENT naming the character position.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_search(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    policy_id: *const u8,
    policy_id_len: usize,
    version_id: *const u8,
    version_id_len: usize,
    query: *const u8,
    query_len: usize,
    limit: usize,
    offset: usize,
    snippet_chars: usize,
    include_text: bool,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let policy = args::opt_string(policy_id, policy_id_len, "policy_id")?;
        let version = args::opt_string(version_id, version_id_len, "version_id")?;
        let query = args::string(query, query_len, "query")?;
        args::out(out_result, "out_result")?;
        let options = SearchOptions {
            limit: if limit == 0 {
                search::DEFAULT_LIMIT
            } else {
                limit
            },
            offset,
            policy_id: policy.map(str::to_string),
            version_id: version.map(str::to_string),
            ..SearchOptions::default()
        };
        let result = run_search(db, txn, query, &options, snippet_chars, include_text)?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Searches like `treestore_search` with the scope and options in `options_json` (NULL: the
/// defaults): `{"limit", "offset", "policy_id", "version_id", "scopes": [{"policy_id",
/// "version_id"}], "weights": {"title", "summary", "text"}}`, all optional. `scopes` restricts the
/// search to the union of its entries (a policy, or one version of it; not combined with
/// `policy_id`); `weights` overrides the database's field weights for this search (fields left out
/// take the defaults 3, 1.5, 1).
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_search_all(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    query: *const u8,
    query_len: usize,
    options_json: *const u8,
    options_json_len: usize,
    snippet_chars: usize,
    include_text: bool,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let query = args::string(query, query_len, "query")?;
        let options: SearchOptions = args::opt_json(
            options_json,
            options_json_len,
            "options_json",
            "search_options",
        )?;
        args::out(out_result, "out_result")?;
        let result = run_search(db, txn, query, &options, snippet_chars, include_text)?;
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Searches document nodes, tool results, prompt template versions and trajectory steps with one
/// `query` (the language of `treestore_search`) and returns one page of `unified_hit` records, best
/// first: `kind` ("node", "tool_result", "prompt", "trajectory_step"), `id` (display id:
/// "policy/version/node", the execution id, "name:version", "trajectory_id:step"), `score` (FLOAT,
/// the BM25 score divided by the highest score an item of its kind could reach for the query, in
/// [0, 1), comparable across kinds), `bm25` (FLOAT, within its kind), `matched_terms`, `snippet`
/// (the best matching text with matched words in `<b>`..`</b>`), and the ids of its kind, the
/// others NULL: `policy_id`, `version_id`, `node_id`; `execution_id`; `prompt_name`,
/// `prompt_version`; `trajectory_id`, `step_number`. `options_json` (NULL: the defaults) is an
/// object with any of `kinds` (a list of kind names; absent or empty: all), `policy_id` (nodes of
/// the policy and tool results about it), `version_id` (with `policy_id`: nodes of that version),
/// `case_id` (tool results and trajectory steps of the case), `limit` (0: 10, at most 1000),
/// `cursor` (the `next_cursor` of the previous page of the same query), `snippet_chars` (0: 200).
/// The result's `next_cursor` continues the list (NULL view at the end). A malformed query or
/// option is TREESTORE_INVALID_ARGUMENT naming the field or the query's character position.
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_search_unified(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    query: *const u8,
    query_len: usize,
    options_json: *const u8,
    options_json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let text = args::string(query, query_len, "query")?;
        let mut options: UnifiedQuery = args::opt_json(
            options_json,
            options_json_len,
            "options_json",
            "unified_search_options",
        )?;
        options.query = text.to_string();
        args::out(out_result, "out_result")?;
        let page = read_timed(db, txn, Op::Search, |r| query::unified_search(r, &options))?;
        let result = records_result(&page.items, page.next_cursor.as_deref());
        args::write_out(out_result, result.into_raw());
        Ok(())
    })
}

/// Reads the search settings into a result of one `search_settings` record: `stemming` (`none`
/// or `porter`) and `weights`, one nested `field_weights` record (`title`, `summary`, `text`,
/// FLOAT).
/// `txn` may be NULL: the call runs in a transaction of its own. On success `*out_result`
/// is a new result owned by the caller: free it with `treestore_result_free`.
#[no_mangle]
pub extern "C" fn treestore_search_settings_get(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        args::out(out_result, "out_result")?;
        let settings = read_timed(db, txn, Op::SearchSettings, |r| search::settings(r))?;
        args::write_out(out_result, records_result(&[settings], None).into_raw());
        Ok(())
    })
}

/// Changes the search settings from a JSON object `{"stemming": "none" | "porter", "weights":
/// {"title", "summary", "text"}}`; what it leaves out keeps its current value. Weights are finite
/// numbers from 0 to 1e6 and may change at any time; the stemming only while nothing is indexed
/// (TREESTORE_INVALID_ARGUMENT otherwise). When `out_result` is not NULL, writes a result holding
/// the new `search_settings` record there (free it with `treestore_result_free`).
/// `txn` may be NULL: the call runs in a transaction of its own, committed at once.
#[no_mangle]
pub extern "C" fn treestore_search_settings_set(
    db: *const treestore_db,
    txn: *mut treestore_txn,
    json: *const u8,
    json_len: usize,
    out_result: *mut *mut treestore_result,
    err_out: *mut *mut treestore_error,
) -> treestore_status {
    crate::panic::boundary(err_out, || {
        let update: SearchSettingsUpdate = args::json(json, json_len, "json", "search_settings")?;
        let settings = write_timed(db, txn, Op::ConfigureSearch, |w| {
            let next = update.apply(&search::settings(w)?)?;
            search::configure(w, &next)?;
            Ok(next)
        })?;
        if !out_result.is_null() {
            args::write_out(out_result, records_result(&[settings], None).into_raw());
        }
        Ok(())
    })
}
