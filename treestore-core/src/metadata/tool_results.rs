//! Tool results: what one execution of an agent's tool returned, indexed by time, policy, tool and
//! case for newest-first lists. Storing one is one small transaction: the record and at most four
//! index entries whose values carry the filter fields, so a filtered list reads a record only
//! when it is returned.

use std::ops::Bound;

use crate::codec::Encoder;
use crate::db::{ReadOps, WriteTxn};
use crate::error::Result;
use crate::keys::{KeyBuilder, KeyReader};
use crate::search::records::{self, AnalyzedRecord, RecordRef, RecordText};
use crate::search::Stemming;
use crate::time::Timestamp;

use super::common::{
    check_json, check_len, check_limit, check_opt_id, check_range, check_token, dangling, decoder,
    invalid, opt_str, or_now, Page, Scan, Subject, FORMAT_V1, MAX_BLOB_LEN, MAX_ID_LEN,
    MAX_KEY_LEN, MAX_TEXT_LEN,
};
use super::id::new_id;

/// Records and index entries share one table, so a store dirties one tree: `(RECORD, id)` holds
/// the record, the other key families are index entries.
pub(crate) const RESULTS: &str = "meta.tool_results";

const RECORD: &str = "id";
const BY_TIME: &str = "time";
const BY_POLICY: &str = "policy";
const BY_CASE: &str = "case";

/// One execution of a tool and what it returned.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolResult {
    /// Unique id of the execution; generated (time-ordered) when empty. Storing an id again
    /// replaces the earlier result.
    pub execution_id: String,
    /// The tool, e.g. `navigate_tree` (required, at most 128 bytes).
    pub tool_name: String,
    /// The policy (document) the tool worked on.
    pub policy_id: Option<String>,
    /// The node of that policy; requires `policy_id`.
    pub node_id: Option<String>,
    /// The case (agent run) it belongs to.
    pub case_id: Option<String>,
    /// What the tool returned, as JSON text (required; `null` for nothing; at most 16 MiB).
    pub result_data: String,
    /// Whether the tool succeeded.
    pub success: bool,
    /// Why it failed.
    pub error_message: Option<String>,
    /// When it ran; 0 means now.
    pub executed_at: Timestamp,
    /// How long it ran.
    pub duration_ms: u64,
}

/// A list of tool results: every filter given must match. Newest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolResultQuery {
    /// Only results on this policy.
    pub policy_id: Option<String>,
    /// Only results of this tool.
    pub tool_name: Option<String>,
    /// Only results of this case.
    pub case_id: Option<String>,
    /// Only successes (`Some(true)`) or failures (`Some(false)`).
    pub success: Option<bool>,
    /// Only results executed at or after this instant.
    pub since: Option<Timestamp>,
    /// Only results executed before this instant.
    pub until: Option<Timestamp>,
    /// Page size; 0 means 100.
    pub limit: usize,
    /// The `next_cursor` of the previous page of the same query.
    pub cursor: Option<String>,
}

fn subject(r: &ToolResult) -> Subject<'_> {
    Subject("tool result", &r.execution_id)
}

fn validate(r: &ToolResult) -> Result<()> {
    let what = subject(r);
    if !r.execution_id.is_empty() {
        check_token(&what, "execution_id", &r.execution_id, MAX_ID_LEN)?;
    }
    check_token(&what, "tool_name", &r.tool_name, MAX_KEY_LEN)?;
    check_opt_id(&what, "policy_id", r.policy_id.as_deref())?;
    check_opt_id(&what, "node_id", r.node_id.as_deref())?;
    check_opt_id(&what, "case_id", r.case_id.as_deref())?;
    if r.node_id.is_some() && r.policy_id.is_none() {
        return Err(invalid(&what, "node_id", "requires policy_id"));
    }
    check_json(&what, "result_data", &r.result_data, MAX_BLOB_LEN)?;
    if let Some(m) = &r.error_message {
        check_len(&what, "error_message", m, MAX_TEXT_LEN)?;
    }
    Ok(())
}

fn record_key(id: &str) -> Vec<u8> {
    KeyBuilder::new().str(RECORD).str(id).finish()
}

fn encode(r: &ToolResult) -> Vec<u8> {
    let mut e = Encoder::with_capacity(64 + r.tool_name.len() + r.result_data.len());
    e.u8(FORMAT_V1)
        .str(&r.tool_name)
        .opt_str(r.policy_id.as_deref())
        .opt_str(r.node_id.as_deref())
        .opt_str(r.case_id.as_deref())
        .str(&r.result_data)
        .bool(r.success)
        .opt_str(r.error_message.as_deref())
        .ivar(r.executed_at)
        .uvar(r.duration_ms);
    e.finish()
}

fn decode(id: &str, v: &[u8]) -> Result<ToolResult> {
    let mut d = decoder(v, "tool result")?;
    Ok(ToolResult {
        execution_id: id.to_string(),
        tool_name: d.string()?,
        policy_id: d.opt_string()?,
        node_id: d.opt_string()?,
        case_id: d.opt_string()?,
        result_data: d.string()?,
        success: d.bool()?,
        error_message: d.opt_string()?,
        executed_at: d.ivar()?,
        duration_ms: d.uvar()?,
    })
}

/// The value of every index entry: the fields a query filters on.
fn encode_summary(r: &ToolResult) -> Vec<u8> {
    let mut e = Encoder::with_capacity(48);
    e.u8(FORMAT_V1)
        .str(&r.tool_name)
        .opt_str(r.policy_id.as_deref())
        .opt_str(r.case_id.as_deref())
        .bool(r.success);
    e.finish()
}

/// Whether an index entry's summary passes the query's filters.
fn summary_matches(q: &ToolResultQuery, v: &[u8]) -> Result<bool> {
    let mut d = decoder(v, "tool result index entry")?;
    let tool = d.str()?;
    let policy = opt_str(&mut d)?;
    let case = opt_str(&mut d)?;
    let success = d.bool()?;
    Ok(q.tool_name.as_deref().is_none_or(|t| t == tool)
        && q.policy_id.as_deref().is_none_or(|p| policy == Some(p))
        && q.case_id.as_deref().is_none_or(|c| case == Some(c))
        && q.success.is_none_or(|s| s == success))
}

fn index_keys(r: &ToolResult) -> Vec<Vec<u8>> {
    let (ts, id) = (r.executed_at, r.execution_id.as_str());
    let mut keys = vec![KeyBuilder::new().str(BY_TIME).i64(ts).str(id).finish()];
    if let Some(p) = &r.policy_id {
        keys.push(
            KeyBuilder::new()
                .str(BY_POLICY)
                .str(p)
                .i64(ts)
                .str(id)
                .finish(),
        );
    }
    if let Some(c) = &r.case_id {
        keys.push(
            KeyBuilder::new()
                .str(BY_CASE)
                .str(c)
                .i64(ts)
                .str(id)
                .finish(),
        );
    }
    keys
}

/// The execution id at the end of an index key.
fn id_of_index_key(key: &[u8]) -> Result<String> {
    let mut r = KeyReader::new(key);
    if r.str()? != BY_TIME {
        r.str()?;
    }
    r.i64()?;
    let id = r.str()?.into_owned();
    r.expect_end()?;
    Ok(id)
}

/// Stores a tool result (replacing one with the same `execution_id`) and returns it with its id
/// and time filled in. Its tool name, error message and result data are indexed for
/// [`unified_search`](crate::query::unified_search) in the same transaction.
pub fn store_tool_result(txn: &mut WriteTxn, result: ToolResult) -> Result<ToolResult> {
    let stemming = crate::search::stemming(txn)?;
    let prepared = PreparedToolResult::new(result, stemming)?;
    prepared.store(txn)?;
    Ok(prepared.result)
}

/// A tool result checked, completed (id, time) and encoded without the write transaction: its
/// record, index entries and record-index value, ready to insert. A combined store makes it on
/// the caller's thread, so an invalid result fails before it is queued and the leader that
/// applies the group only inserts.
pub(crate) struct PreparedToolResult {
    result: ToolResult,
    /// The id was generated now, so no earlier result can hold it.
    generated: bool,
    key: Vec<u8>,
    value: Vec<u8>,
    summary: Vec<u8>,
    index_keys: Vec<Vec<u8>>,
    rec: RecordRef,
    text: AnalyzedRecord,
}

impl PreparedToolResult {
    /// Validates `result`, fills in its id and time, encodes it and analyzes its text under
    /// `stemming` (the record index's; [`Self::store`] analyzes again if it changed since).
    pub(crate) fn new(mut result: ToolResult, stemming: Stemming) -> Result<Self> {
        validate(&result)?;
        let generated = result.execution_id.is_empty();
        if generated {
            result.execution_id = new_id();
        }
        result.executed_at = or_now(result.executed_at);
        let rec = RecordRef::ToolResult {
            execution_id: result.execution_id.clone(),
        };
        let text = records::analyze_record(&record_text(&result, &rec), stemming);
        Ok(PreparedToolResult {
            generated,
            key: record_key(&result.execution_id),
            value: encode(&result),
            summary: encode_summary(&result),
            index_keys: index_keys(&result),
            rec,
            text,
            result,
        })
    }

    /// The result as stored: with its id and time.
    pub(crate) fn result(&self) -> &ToolResult {
        &self.result
    }

    /// Writes the record, its index entries and its record-index entry (replacing an earlier
    /// result of the same id). May run again in a fresh transaction after a failed one.
    pub(crate) fn store(&self, txn: &mut WriteTxn) -> Result<()> {
        let t = txn.table(RESULTS)?;
        // A fresh generated id cannot be stored yet: skip the lookup on the hot path.
        if !self.generated {
            let old = match txn.get(t, &self.key)? {
                Some(v) => Some(decode(&self.result.execution_id, &v)?),
                None => None,
            };
            if let Some(old) = old {
                for k in index_keys(&old) {
                    txn.remove(t, &k)?;
                }
            }
        }
        txn.insert(t, &self.key, &self.value)?;
        for k in &self.index_keys {
            txn.insert(t, k, &self.summary)?;
        }
        let text = record_text(&self.result, &self.rec);
        records::index_analyzed(txn, &text, &self.text, self.generated)
    }
}

/// The result's text as the unified search indexes it.
fn record_text<'a>(r: &'a ToolResult, rec: &'a RecordRef) -> RecordText<'a> {
    RecordText {
        rec,
        policy_id: r.policy_id.as_deref(),
        case_id: r.case_id.as_deref(),
        fields: [
            &r.tool_name,
            r.error_message.as_deref().unwrap_or_default(),
            &r.result_data,
        ],
    }
}

/// The tool result `execution_id`.
pub fn tool_result<R: ReadOps + ?Sized>(tx: &R, execution_id: &str) -> Result<Option<ToolResult>> {
    let t = tx.table(RESULTS)?;
    match tx.get(t, &record_key(execution_id))? {
        Some(v) => decode(execution_id, &v).map(Some),
        None => Ok(None),
    }
}

/// Tool results matching `query`, newest first (ties by execution id, descending). The scan uses
/// the index of the case, else the policy, else time; the other filters (the tool among them:
/// agents have few tools, so a tool index would cost every store one more entry for little gain)
/// are checked on the index entries.
pub fn tool_results<R: ReadOps + ?Sized>(
    tx: &R,
    query: &ToolResultQuery,
) -> Result<Page<ToolResult>> {
    let what = "tool result query";
    check_opt_id(&what, "policy_id", query.policy_id.as_deref())?;
    check_opt_id(&what, "case_id", query.case_id.as_deref())?;
    if let Some(tool) = &query.tool_name {
        check_token(&what, "tool_name", tool, MAX_KEY_LEN)?;
    }
    check_range(&what, query.since, query.until)?;
    let limit = check_limit(&what, query.limit)?;
    let t = tx.table(RESULTS)?;
    let mut prefix = KeyBuilder::new();
    match (&query.case_id, &query.policy_id, &query.tool_name) {
        (Some(c), _, _) => prefix.str(BY_CASE).str(c),
        (None, Some(p), _) => prefix.str(BY_POLICY).str(p),
        (None, None, _) => prefix.str(BY_TIME),
    };
    let scan = Scan::time_range(t, prefix.finish(), query.since, query.until);
    scan.page(tx, &what, "", query.cursor.as_deref(), limit, |k, v| {
        if !summary_matches(query, v)? {
            return Ok(None);
        }
        let id = id_of_index_key(k)?;
        match tx.get(t, &record_key(&id))? {
            Some(v) => decode(&id, &v).map(Some),
            None => Err(dangling("tool result", &id)),
        }
    })
}

/// Deletes the tool result `execution_id`, its index entries and its search entry; returns whether
/// it existed.
pub fn delete_tool_result(txn: &mut WriteTxn, execution_id: &str) -> Result<bool> {
    let t = txn.table(RESULTS)?;
    let key = record_key(execution_id);
    let old = match txn.get(t, &key)? {
        Some(v) => decode(execution_id, &v)?,
        None => return Ok(false),
    };
    for k in index_keys(&old) {
        txn.remove(t, &k)?;
    }
    records::remove_record(
        txn,
        &RecordRef::ToolResult {
            execution_id: execution_id.to_string(),
        },
    )?;
    txn.remove(t, &key)
}

/// Deletes every tool result executed before `before`; returns how many.
pub fn purge_tool_results(txn: &mut WriteTxn, before: Timestamp) -> Result<u64> {
    let t = txn.table(RESULTS)?;
    let lower = KeyBuilder::new().str(BY_TIME).finish();
    let upper = KeyBuilder::new().str(BY_TIME).i64(before).finish();
    let ids: Vec<String> = txn
        .range(t, Bound::Included(&lower), Bound::Excluded(&upper))?
        .map(|kv| kv.and_then(|(k, _)| id_of_index_key(&k)))
        .collect::<Result<_>>()?;
    for id in &ids {
        delete_tool_result(txn, id)?;
    }
    Ok(ids.len() as u64)
}
