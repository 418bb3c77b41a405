//! Prompt usage: each call of a prompt version (the filled variables, the response, latency,
//! tokens, an optional score, the case), and per-version running totals kept in the same
//! transaction, so the statistics of a version are one read.

use std::collections::BTreeMap;

use crate::codec::Encoder;
use crate::db::{ReadOps, Table, WriteTxn};
use crate::error::{Error, ErrorKind, Result};
use crate::keys::{KeyBuilder, KeyReader};
use crate::metadata::common::{
    check_len, check_limit, check_map, check_opt_id, check_range, check_token, dangling, decoder,
    invalid, keys_with_prefix, opt_f64, opt_str, or_now, put_opt_f64, Page, Scan, Subject,
    FORMAT_V1, MAX_BLOB_LEN, MAX_ID_LEN,
};
use crate::metadata::new_id;
use crate::time::Timestamp;

use super::prompts::{check_name, resolve, PromptSelector, PROMPTS};

/// Usage records, their indexes and the per-version totals share one table.
pub(crate) const USAGE: &str = "prompt.usage";

const RECORD: &str = "id";
const BY_VERSION: &str = "ver";
const BY_CASE: &str = "case";
const STATS: &str = "stats";

/// One call of a prompt version.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PromptUsage {
    /// Unique id; generated when empty.
    pub usage_id: String,
    /// The prompt (required; must exist).
    pub prompt_name: String,
    /// The version used; 0 means the newest at the time of recording.
    pub prompt_version: u32,
    /// The values the placeholders were filled with.
    pub variables: BTreeMap<String, String>,
    /// What the model answered (at most 16 MiB).
    pub response: String,
    /// How long the call took.
    pub latency_ms: u64,
    /// Tokens sent.
    pub input_tokens: u64,
    /// Tokens received.
    pub output_tokens: u64,
    /// A quality score (any finite number), e.g. from an evaluator.
    pub score: Option<f64>,
    /// The case the call served.
    pub case_id: Option<String>,
    /// Anything else, e.g. the model name.
    pub metadata: BTreeMap<String, String>,
    /// When the call was made; 0 means now.
    pub created_at: Timestamp,
}

/// A list of usage records: every filter given must match. Newest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UsageQuery {
    /// Only calls of this prompt.
    pub prompt_name: Option<String>,
    /// Only calls of this version (requires `prompt_name`).
    pub prompt_version: Option<u32>,
    /// Only calls for this case.
    pub case_id: Option<String>,
    /// Only calls made at or after this instant.
    pub since: Option<Timestamp>,
    /// Only calls made before this instant.
    pub until: Option<Timestamp>,
    /// Page size; 0 means 100.
    pub limit: usize,
    /// The `next_cursor` of the previous page of the same query.
    pub cursor: Option<String>,
}

/// The running statistics of one prompt version.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PromptStats {
    /// The prompt.
    pub prompt_name: String,
    /// The version.
    pub prompt_version: u32,
    /// How many calls were recorded.
    pub count: u64,
    /// Mean latency over all calls (0 without calls).
    pub mean_latency_ms: f64,
    /// How many calls have a score.
    pub scored_count: u64,
    /// Mean score over the scored calls.
    pub mean_score: Option<f64>,
    /// Tokens sent over all calls.
    pub total_input_tokens: u64,
    /// Tokens received over all calls.
    pub total_output_tokens: u64,
}

/// The stored totals behind [`PromptStats`].
#[derive(Default)]
struct Totals {
    count: u64,
    latency_ms: u64,
    input_tokens: u64,
    output_tokens: u64,
    scored: u64,
    score_sum: f64,
}

impl Totals {
    /// Adds (`sign` 1) or takes away (`sign` -1) one call.
    fn apply(&mut self, u: &PromptUsage, sign: i8) {
        let add = |total: &mut u64, v: u64| {
            *total = if sign > 0 {
                total.saturating_add(v)
            } else {
                total.saturating_sub(v)
            }
        };
        add(&mut self.count, 1);
        add(&mut self.latency_ms, u.latency_ms);
        add(&mut self.input_tokens, u.input_tokens);
        add(&mut self.output_tokens, u.output_tokens);
        if let Some(s) = u.score {
            add(&mut self.scored, 1);
            self.score_sum += f64::from(sign) * s;
        }
        if self.scored == 0 {
            // Forget rounding residue once no score is left.
            self.score_sum = 0.0;
        }
    }
}

fn subject(u: &PromptUsage) -> Subject<'_> {
    Subject("prompt usage", &u.usage_id)
}

fn check_score(what: &dyn std::fmt::Display, score: Option<f64>) -> Result<()> {
    match score {
        Some(s) if !s.is_finite() => Err(invalid(what, "score", "must be a finite number")),
        _ => Ok(()),
    }
}

fn validate(u: &PromptUsage) -> Result<()> {
    let what = subject(u);
    if !u.usage_id.is_empty() {
        check_token(&what, "usage_id", &u.usage_id, MAX_ID_LEN)?;
    }
    check_name(&what, &u.prompt_name).map_err(|e| rename(e, "name", "prompt_name"))?;
    check_map(&what, "variables", &u.variables)?;
    check_len(&what, "response", &u.response, MAX_BLOB_LEN)?;
    check_score(&what, u.score)?;
    check_opt_id(&what, "case_id", u.case_id.as_deref())?;
    check_map(&what, "metadata", &u.metadata)
}

/// The same error with `field {from}` reading `field {to}`.
fn rename(e: Error, from: &str, to: &str) -> Error {
    Error::new(
        e.kind(),
        e.message()
            .replace(&format!("field {from}:"), &format!("field {to}:")),
    )
}

fn record_key(id: &str) -> Vec<u8> {
    KeyBuilder::new().str(RECORD).str(id).finish()
}

fn stats_key(name: &str, version: u32) -> Vec<u8> {
    KeyBuilder::new().str(STATS).str(name).u32(version).finish()
}

fn index_keys(u: &PromptUsage) -> Vec<Vec<u8>> {
    let (ts, id) = (u.created_at, u.usage_id.as_str());
    let mut keys = vec![KeyBuilder::new()
        .str(BY_VERSION)
        .str(&u.prompt_name)
        .u32(u.prompt_version)
        .i64(ts)
        .str(id)
        .finish()];
    if let Some(c) = &u.case_id {
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

fn encode(u: &PromptUsage) -> Vec<u8> {
    let mut e = Encoder::with_capacity(64 + u.response.len());
    e.u8(FORMAT_V1)
        .str(&u.prompt_name)
        .uvar(u64::from(u.prompt_version))
        .str_map(&u.variables)
        .str(&u.response)
        .uvar(u.latency_ms)
        .uvar(u.input_tokens)
        .uvar(u.output_tokens);
    put_opt_f64(&mut e, u.score);
    e.opt_str(u.case_id.as_deref())
        .str_map(&u.metadata)
        .ivar(u.created_at);
    e.finish()
}

fn decode(id: &str, v: &[u8]) -> Result<PromptUsage> {
    let mut d = decoder(v, "prompt usage")?;
    Ok(PromptUsage {
        usage_id: id.to_string(),
        prompt_name: d.string()?,
        prompt_version: u32::try_from(d.uvar()?)
            .map_err(|_| Error::corruption("prompt usage record: version above u32"))?,
        variables: d.str_map()?,
        response: d.string()?,
        latency_ms: d.uvar()?,
        input_tokens: d.uvar()?,
        output_tokens: d.uvar()?,
        score: opt_f64(&mut d)?,
        case_id: d.opt_string()?,
        metadata: d.str_map()?,
        created_at: d.ivar()?,
    })
}

/// The index entries' value: the fields the other index's filters need.
fn encode_summary(u: &PromptUsage) -> Vec<u8> {
    let mut e = Encoder::with_capacity(16 + u.prompt_name.len());
    e.u8(FORMAT_V1)
        .str(&u.prompt_name)
        .uvar(u64::from(u.prompt_version))
        .opt_str(u.case_id.as_deref());
    e.finish()
}

fn summary_matches(q: &UsageQuery, v: &[u8]) -> Result<bool> {
    let mut d = decoder(v, "prompt usage index entry")?;
    let name = d.str()?;
    let version = d.uvar()?;
    let case = opt_str(&mut d)?;
    Ok(q.prompt_name.as_deref().is_none_or(|n| n == name)
        && q.prompt_version.is_none_or(|pv| u64::from(pv) == version)
        && q.case_id.as_deref().is_none_or(|c| case == Some(c)))
}

fn encode_totals(t: &Totals) -> Vec<u8> {
    let mut e = Encoder::with_capacity(40);
    e.u8(FORMAT_V1)
        .uvar(t.count)
        .uvar(t.latency_ms)
        .uvar(t.input_tokens)
        .uvar(t.output_tokens)
        .uvar(t.scored)
        .f64(t.score_sum);
    e.finish()
}

fn decode_totals(v: &[u8]) -> Result<Totals> {
    let mut d = decoder(v, "prompt statistics")?;
    Ok(Totals {
        count: d.uvar()?,
        latency_ms: d.uvar()?,
        input_tokens: d.uvar()?,
        output_tokens: d.uvar()?,
        scored: d.uvar()?,
        score_sum: d.f64()?,
    })
}

fn totals<R: ReadOps + ?Sized>(tx: &R, t: Table, name: &str, version: u32) -> Result<Totals> {
    match tx.get(t, &stats_key(name, version))? {
        Some(v) => decode_totals(&v),
        None => Ok(Totals::default()),
    }
}

/// Adds or takes away one call from its version's totals.
fn update_totals(txn: &mut WriteTxn, t: Table, u: &PromptUsage, sign: i8) -> Result<()> {
    let mut tot = totals(txn, t, &u.prompt_name, u.prompt_version)?;
    tot.apply(u, sign);
    let key = stats_key(&u.prompt_name, u.prompt_version);
    if tot.count == 0 {
        txn.remove(t, &key)?;
    } else {
        txn.insert(t, &key, &encode_totals(&tot))?;
    }
    Ok(())
}

fn load<R: ReadOps + ?Sized>(tx: &R, t: Table, id: &str) -> Result<Option<PromptUsage>> {
    match tx.get(t, &record_key(id))? {
        Some(v) => decode(id, &v).map(Some),
        None => Ok(None),
    }
}

/// Records one call of a prompt version and adds it to the version's statistics; returns it with
/// its id, version and time filled in. The prompt version must exist; an id may be recorded once.
pub fn record_prompt_usage(txn: &mut WriteTxn, mut usage: PromptUsage) -> Result<PromptUsage> {
    validate(&usage)?;
    let pt = txn.table(PROMPTS)?;
    let selector = match usage.prompt_version {
        0 => PromptSelector::Latest,
        v => PromptSelector::Version(v),
    };
    usage.prompt_version = resolve(txn, pt, &usage.prompt_name, &selector)?.ok_or_else(|| {
        Error::not_found(format!(
            "{}: field prompt_version: prompt {:?} has no {selector}",
            subject(&usage),
            usage.prompt_name
        ))
    })?;
    let t = txn.table(USAGE)?;
    if usage.usage_id.is_empty() {
        usage.usage_id = new_id();
    } else if txn.contains(t, &record_key(&usage.usage_id))? {
        return Err(Error::new(
            ErrorKind::AlreadyExists,
            format!("{}: field usage_id: is already recorded", subject(&usage)),
        ));
    }
    usage.created_at = or_now(usage.created_at);
    txn.insert(t, &record_key(&usage.usage_id), &encode(&usage))?;
    let summary = encode_summary(&usage);
    for k in index_keys(&usage) {
        txn.insert(t, &k, &summary)?;
    }
    update_totals(txn, t, &usage, 1)?;
    Ok(usage)
}

/// Sets (or clears) the score of usage `usage_id`, keeping its version's statistics in step.
pub fn score_prompt_usage(
    txn: &mut WriteTxn,
    usage_id: &str,
    score: Option<f64>,
) -> Result<PromptUsage> {
    let what = Subject("prompt usage", usage_id);
    check_score(&what, score)?;
    let t = txn.table(USAGE)?;
    let mut u = load(txn, t, usage_id)?
        .ok_or_else(|| Error::not_found(format!("{what} does not exist")))?;
    update_totals(txn, t, &u, -1)?;
    u.score = score;
    update_totals(txn, t, &u, 1)?;
    txn.insert(t, &record_key(usage_id), &encode(&u))?;
    Ok(u)
}

/// The usage record `usage_id`.
pub fn prompt_usage<R: ReadOps + ?Sized>(tx: &R, usage_id: &str) -> Result<Option<PromptUsage>> {
    let t = tx.table(USAGE)?;
    load(tx, t, usage_id)
}

/// Usage records matching `query`, newest first; with a prompt but no version, newest version
/// first and newest first within each. The scan uses the version index when a prompt is given,
/// else the case index; one of them is required.
pub fn prompt_usages<R: ReadOps + ?Sized>(tx: &R, query: &UsageQuery) -> Result<Page<PromptUsage>> {
    let what = "prompt usage query";
    if let Some(n) = &query.prompt_name {
        check_name(&what, n).map_err(|e| rename(e, "name", "prompt_name"))?;
    }
    check_opt_id(&what, "case_id", query.case_id.as_deref())?;
    check_range(&what, query.since, query.until)?;
    let limit = check_limit(&what, query.limit)?;
    let t = tx.table(USAGE)?;
    let mut prefix = KeyBuilder::new();
    match (&query.prompt_name, query.prompt_version, &query.case_id) {
        (Some(n), Some(v), _) => prefix.str(BY_VERSION).str(n).u32(v),
        (None, Some(_), _) => {
            return Err(invalid(&what, "prompt_version", "requires prompt_name"));
        }
        (Some(n), None, _) => prefix.str(BY_VERSION).str(n),
        (None, None, Some(c)) => prefix.str(BY_CASE).str(c),
        (None, None, None) => {
            return Err(invalid(&what, "prompt_name", "or case_id is required"));
        }
    };
    let by_time = query.prompt_version.is_some() || query.prompt_name.is_none();
    let scan = if by_time {
        Scan::time_range(t, prefix.finish(), query.since, query.until)
    } else {
        // All versions of a prompt: by version, then time; times are filtered per entry.
        Scan::prefix(t, prefix.finish(), true)
    };
    scan.page(tx, &what, "", query.cursor.as_deref(), limit, |k, v| {
        let (ts, id) = time_and_id(k)?;
        let in_range = query.since.is_none_or(|s| ts >= s) && query.until.is_none_or(|u| ts < u);
        if !in_range || !summary_matches(query, v)? {
            return Ok(None);
        }
        load(tx, t, &id)?
            .ok_or_else(|| dangling("prompt usage", &id))
            .map(Some)
    })
}

/// The time and id at the end of an index key.
fn time_and_id(k: &[u8]) -> Result<(Timestamp, String)> {
    let mut r = KeyReader::new(k);
    if r.str()? == BY_VERSION {
        r.str()?;
        r.u32()?;
    } else {
        r.str()?;
    }
    let ts = r.i64()?;
    let id = r.str()?.into_owned();
    r.expect_end()?;
    Ok((ts, id))
}

/// The statistics of version `version` of prompt `name` (zero counts when it was never used).
pub fn prompt_stats<R: ReadOps + ?Sized>(tx: &R, name: &str, version: u32) -> Result<PromptStats> {
    let t = tx.table(USAGE)?;
    Ok(stats_of(name, version, &totals(tx, t, name, version)?))
}

/// The statistics of every used version of prompt `name`, by version.
pub fn prompt_version_stats<R: ReadOps + ?Sized>(tx: &R, name: &str) -> Result<Vec<PromptStats>> {
    let t = tx.table(USAGE)?;
    let prefix = KeyBuilder::new().str(STATS).str(name).finish();
    let mut out = Vec::new();
    for kv in tx.prefix(t, &prefix)? {
        let (k, v) = kv?;
        let mut r = KeyReader::new(&k);
        r.str()?;
        r.str()?;
        out.push(stats_of(name, r.u32()?, &decode_totals(&v)?));
    }
    Ok(out)
}

fn stats_of(name: &str, version: u32, t: &Totals) -> PromptStats {
    PromptStats {
        prompt_name: name.to_string(),
        prompt_version: version,
        count: t.count,
        mean_latency_ms: if t.count == 0 {
            0.0
        } else {
            t.latency_ms as f64 / t.count as f64
        },
        scored_count: t.scored,
        mean_score: (t.scored > 0).then(|| t.score_sum / t.scored as f64),
        total_input_tokens: t.input_tokens,
        total_output_tokens: t.output_tokens,
    }
}

/// Deletes usage record `usage_id` and takes it out of its version's statistics; returns whether
/// it existed.
pub fn delete_prompt_usage(txn: &mut WriteTxn, usage_id: &str) -> Result<bool> {
    let t = txn.table(USAGE)?;
    let Some(u) = load(txn, t, usage_id)? else {
        return Ok(false);
    };
    for k in index_keys(&u) {
        txn.remove(t, &k)?;
    }
    update_totals(txn, t, &u, -1)?;
    txn.remove(t, &record_key(usage_id))
}

/// Deletes every usage record and statistic of prompt `name`.
pub(crate) fn delete_usage_of_prompt(txn: &mut WriteTxn, name: &str) -> Result<()> {
    let t = txn.table(USAGE)?;
    let prefix = KeyBuilder::new().str(BY_VERSION).str(name).finish();
    for k in keys_with_prefix(txn, t, &prefix)? {
        let (_, id) = time_and_id(&k)?;
        if let Some(u) = load(txn, t, &id)? {
            for k in index_keys(&u) {
                txn.remove(t, &k)?;
            }
            txn.remove(t, &record_key(&id))?;
        }
    }
    let stats = KeyBuilder::new().str(STATS).str(name).finish();
    for k in keys_with_prefix(txn, t, &stats)? {
        txn.remove(t, &k)?;
    }
    Ok(())
}
