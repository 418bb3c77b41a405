//! Contradictions found between two policies (or two nodes), with a severity and a resolution
//! status that moves as people review them. Indexed by detection time, by each policy and by
//! status; index values carry severity, status and both policies, so filters never read records.

use crate::codec::Encoder;
use crate::db::{ReadOps, WriteTxn};
use crate::error::{Error, Result};
use crate::keys::{KeyBuilder, KeyReader};
use crate::time::Timestamp;

use super::common::{
    check_id, check_len, check_limit, check_opt_id, check_range, check_text, check_token, dangling,
    decoder, invalid, name_enum, or_now, Page, Scan, Subject, FORMAT_V1, MAX_ID_LEN, MAX_TEXT_LEN,
};
use super::id::new_id;

/// Records and index entries share one table.
pub(crate) const CONTRADICTIONS: &str = "meta.contradictions";

const RECORD: &str = "id";
const BY_TIME: &str = "time";
const BY_POLICY: &str = "policy";
const BY_STATUS: &str = "status";

name_enum! {
    /// How serious a contradiction is.
    Severity, "contradiction" {
        /// Wording differs, meaning barely.
        Low = 1, "low";
        /// A reader could act differently depending on which text they read.
        #[default]
        Medium = 2, "medium";
        /// The two texts require incompatible actions.
        High = 3, "high";
    }
}

name_enum! {
    /// Where a contradiction stands in review.
    ResolutionStatus, "contradiction" {
        /// Not reviewed yet.
        #[default]
        Open = 1, "open";
        /// Confirmed, not fixed yet.
        Acknowledged = 2, "acknowledged";
        /// Fixed.
        Resolved = 3, "resolved";
        /// Not a real contradiction.
        Dismissed = 4, "dismissed";
    }
}

/// A contradiction between two policies or nodes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Contradiction {
    /// Unique id; generated when empty. Storing an id again replaces the contradiction.
    pub contradiction_id: String,
    /// The first policy (required).
    pub policy_a: String,
    /// The node of the first policy.
    pub node_a: Option<String>,
    /// The second policy (required; may equal `policy_a` when the nodes differ).
    pub policy_b: String,
    /// The node of the second policy.
    pub node_b: Option<String>,
    /// What contradicts what (required).
    pub description: String,
    /// How serious it is.
    pub severity: Severity,
    /// When it was found; 0 means now.
    pub detected_at: Timestamp,
    /// Where it stands in review.
    pub status: ResolutionStatus,
    /// How it was resolved or why it was dismissed.
    pub resolution: Option<String>,
    /// When it was resolved or dismissed; filled by the store on those statuses.
    pub resolved_at: Option<Timestamp>,
}

/// A list of contradictions: every filter given must match. Newest detected first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContradictionQuery {
    /// Only contradictions involving this policy (on either side).
    pub policy_id: Option<String>,
    /// Only this severity.
    pub severity: Option<Severity>,
    /// Only this status.
    pub status: Option<ResolutionStatus>,
    /// Only contradictions detected at or after this instant.
    pub since: Option<Timestamp>,
    /// Only contradictions detected before this instant.
    pub until: Option<Timestamp>,
    /// Page size; 0 means 100.
    pub limit: usize,
    /// The `next_cursor` of the previous page of the same query.
    pub cursor: Option<String>,
}

fn validate(c: &Contradiction) -> Result<()> {
    let what = Subject("contradiction", &c.contradiction_id);
    if !c.contradiction_id.is_empty() {
        check_token(&what, "contradiction_id", &c.contradiction_id, MAX_ID_LEN)?;
    }
    check_id(&what, "policy_a", &c.policy_a)?;
    check_opt_id(&what, "node_a", c.node_a.as_deref())?;
    check_id(&what, "policy_b", &c.policy_b)?;
    check_opt_id(&what, "node_b", c.node_b.as_deref())?;
    if c.policy_a == c.policy_b && c.node_a == c.node_b {
        return Err(invalid(&what, "node_b", "is the same text as side a"));
    }
    check_text(&what, "description", &c.description, MAX_TEXT_LEN)?;
    if let Some(r) = &c.resolution {
        check_len(&what, "resolution", r, MAX_TEXT_LEN)?;
    }
    Ok(())
}

fn record_key(id: &str) -> Vec<u8> {
    KeyBuilder::new().str(RECORD).str(id).finish()
}

fn index_keys(c: &Contradiction) -> Vec<Vec<u8>> {
    let (ts, id) = (c.detected_at, c.contradiction_id.as_str());
    let by_policy = |p: &str| {
        KeyBuilder::new()
            .str(BY_POLICY)
            .str(p)
            .i64(ts)
            .str(id)
            .finish()
    };
    let mut keys = vec![
        KeyBuilder::new().str(BY_TIME).i64(ts).str(id).finish(),
        KeyBuilder::new()
            .str(BY_STATUS)
            .u32(u32::from(c.status.code()))
            .i64(ts)
            .str(id)
            .finish(),
        by_policy(&c.policy_a),
    ];
    if c.policy_b != c.policy_a {
        keys.push(by_policy(&c.policy_b));
    }
    keys
}

fn encode(c: &Contradiction) -> Vec<u8> {
    let mut e = Encoder::with_capacity(64 + c.description.len());
    e.u8(FORMAT_V1)
        .str(&c.policy_a)
        .opt_str(c.node_a.as_deref())
        .str(&c.policy_b)
        .opt_str(c.node_b.as_deref())
        .str(&c.description)
        .u8(c.severity.code())
        .ivar(c.detected_at)
        .u8(c.status.code())
        .opt_str(c.resolution.as_deref())
        .opt_ivar(c.resolved_at);
    e.finish()
}

fn decode(id: &str, v: &[u8]) -> Result<Contradiction> {
    let mut d = decoder(v, "contradiction")?;
    Ok(Contradiction {
        contradiction_id: id.to_string(),
        policy_a: d.string()?,
        node_a: d.opt_string()?,
        policy_b: d.string()?,
        node_b: d.opt_string()?,
        description: d.string()?,
        severity: Severity::from_code(d.u8()?)?,
        detected_at: d.ivar()?,
        status: ResolutionStatus::from_code(d.u8()?)?,
        resolution: d.opt_string()?,
        resolved_at: d.opt_ivar()?,
    })
}

fn encode_summary(c: &Contradiction) -> Vec<u8> {
    let mut e = Encoder::with_capacity(8 + c.policy_a.len() + c.policy_b.len());
    e.u8(FORMAT_V1)
        .u8(c.severity.code())
        .u8(c.status.code())
        .str(&c.policy_a)
        .str(&c.policy_b);
    e.finish()
}

fn summary_matches(q: &ContradictionQuery, v: &[u8]) -> Result<bool> {
    let mut d = decoder(v, "contradiction index entry")?;
    let severity = Severity::from_code(d.u8()?)?;
    let status = ResolutionStatus::from_code(d.u8()?)?;
    let (a, b) = (d.str()?, d.str()?);
    Ok(q.severity.is_none_or(|s| s == severity)
        && q.status.is_none_or(|s| s == status)
        && q.policy_id.as_deref().is_none_or(|p| p == a || p == b))
}

fn load<R: ReadOps + ?Sized>(tx: &R, id: &str) -> Result<Option<Contradiction>> {
    let t = tx.table(CONTRADICTIONS)?;
    match tx.get(t, &record_key(id))? {
        Some(v) => decode(id, &v).map(Some),
        None => Ok(None),
    }
}

/// Writes `c` in place of `old`.
fn put(txn: &mut WriteTxn, old: Option<&Contradiction>, c: &Contradiction) -> Result<()> {
    let t = txn.table(CONTRADICTIONS)?;
    for k in old.map(index_keys).unwrap_or_default() {
        txn.remove(t, &k)?;
    }
    txn.insert(t, &record_key(&c.contradiction_id), &encode(c))?;
    let summary = encode_summary(c);
    for k in index_keys(c) {
        txn.insert(t, &k, &summary)?;
    }
    Ok(())
}

/// Whether a status closes the review (and so sets `resolved_at`).
fn closes(s: ResolutionStatus) -> bool {
    matches!(s, ResolutionStatus::Resolved | ResolutionStatus::Dismissed)
}

/// Stores a contradiction (replacing one with the same id) and returns it with its id and times
/// filled in.
pub fn store_contradiction(txn: &mut WriteTxn, mut c: Contradiction) -> Result<Contradiction> {
    validate(&c)?;
    if c.contradiction_id.is_empty() {
        c.contradiction_id = new_id();
    }
    c.detected_at = or_now(c.detected_at);
    c.resolved_at = match (closes(c.status), c.resolved_at) {
        (false, _) => None,
        (true, Some(at)) => Some(at),
        (true, None) => Some(crate::time::now()),
    };
    let old = load(txn, &c.contradiction_id)?;
    put(txn, old.as_ref(), &c)?;
    Ok(c)
}

/// Moves contradiction `id` to `status` with an optional note; returns it updated.
pub fn resolve_contradiction(
    txn: &mut WriteTxn,
    id: &str,
    status: ResolutionStatus,
    resolution: Option<&str>,
) -> Result<Contradiction> {
    let what = Subject("contradiction", id);
    if let Some(r) = resolution {
        check_len(&what, "resolution", r, MAX_TEXT_LEN)?;
    }
    let old = load(txn, id)?.ok_or_else(|| Error::not_found(format!("{what} does not exist")))?;
    let mut c = old.clone();
    c.status = status;
    c.resolution = resolution.map(str::to_string);
    c.resolved_at = closes(status).then(crate::time::now);
    put(txn, Some(&old), &c)?;
    Ok(c)
}

/// The contradiction `id`.
pub fn contradiction<R: ReadOps + ?Sized>(tx: &R, id: &str) -> Result<Option<Contradiction>> {
    load(tx, id)
}

/// Contradictions matching `query`, newest detected first. The scan uses the index of the policy,
/// else the status, else time.
pub fn contradictions<R: ReadOps + ?Sized>(
    tx: &R,
    query: &ContradictionQuery,
) -> Result<Page<Contradiction>> {
    let what = "contradiction query";
    check_opt_id(&what, "policy_id", query.policy_id.as_deref())?;
    check_range(&what, query.since, query.until)?;
    let limit = check_limit(&what, query.limit)?;
    let t = tx.table(CONTRADICTIONS)?;
    let mut prefix = KeyBuilder::new();
    match (&query.policy_id, query.status) {
        (Some(p), _) => prefix.str(BY_POLICY).str(p),
        (None, Some(s)) => prefix.str(BY_STATUS).u32(u32::from(s.code())),
        (None, None) => prefix.str(BY_TIME),
    };
    let scan = Scan::time_range(t, prefix.finish(), query.since, query.until);
    scan.page(tx, &what, "", query.cursor.as_deref(), limit, |k, v| {
        if !summary_matches(query, v)? {
            return Ok(None);
        }
        let id = id_of_index_key(k)?;
        match tx.get(t, &record_key(&id))? {
            Some(v) => decode(&id, &v).map(Some),
            None => Err(dangling("contradiction", &id)),
        }
    })
}

fn id_of_index_key(k: &[u8]) -> Result<String> {
    let mut r = KeyReader::new(k);
    match r.str()?.as_ref() {
        BY_POLICY => {
            r.str()?;
        }
        BY_STATUS => {
            r.u32()?;
        }
        _ => {}
    }
    r.i64()?;
    let id = r.str()?.into_owned();
    r.expect_end()?;
    Ok(id)
}

/// Deletes contradiction `id` and its index entries; returns whether it existed.
pub fn delete_contradiction(txn: &mut WriteTxn, id: &str) -> Result<bool> {
    let Some(old) = load(txn, id)? else {
        return Ok(false);
    };
    let t = txn.table(CONTRADICTIONS)?;
    for k in index_keys(&old) {
        txn.remove(t, &k)?;
    }
    txn.remove(t, &record_key(id))
}
