//! The unified search: one query over document nodes (the node index), tool results, prompt
//! template versions and trajectory steps (the record index, [`crate::search::records`]), merged
//! into one ranking by a normalised score and paged with a cursor.
//!
//! # Normalisation
//!
//! BM25 scores of different collections do not compare: each kind has its own statistics (N,
//! avgdl, IDFs). Each hit's score is therefore divided by the highest score any item of its kind
//! could reach for the query:
//!
//! ```text
//! score = bm25 / sum over the query's scoring leaves q_i of  IDF_kind(q_i) * (k1 + 1)
//! ```
//!
//! where the scoring leaves are the terms, prefixes and phrases not on the right of a `NOT`, and
//! `IDF_kind` is the IDF the kind's own BM25 used. Each BM25 term `IDF * f (k1 + 1) / (f + K)`
//! stays below `IDF * (k1 + 1)`, so the score is in `[0, 1)`: the share of the query's
//! attainable weight an item holds, the same scale for every kind, and it does not depend on the
//! other hits (so pages stay consistent). The ranking within one kind is its BM25 ranking.
//!
//! # Order and paging
//!
//! Hits come best first; ties by kind (node, tool result, prompt, trajectory step), then by id.
//! The cursor is the position of the last hit of a page (its score, kind and id), so the next page
//! starts strictly after it even when records are added in between. Node hits are fetched from
//! the node index's top-k, deepening it until the page is certain; its depth limit
//! ([`crate::search::MAX_RESULTS`] per query) bounds how deep node hits can be
//! paged.

use crate::db::ReadOps;
use crate::document::DocReader;
use crate::error::{Error, ErrorKind, Result};
use crate::keys::KeyBuilder;
use crate::metadata::common::{check_token, decode_cursor, encode_cursor, invalid, MAX_ID_LEN};
use crate::metadata::{self, Page};
use crate::prompt::{self, PromptSelector};
use crate::search::records::{self, RecordFilter, RecordHit, RecordKind, RecordRef};
use crate::search::{self, DocRef, SearchHit, SearchOptions, Stemming, MAX_RESULTS};

/// Most hits of one page.
pub const MAX_UNIFIED_LIMIT: usize = 1_000;
/// Hits of a page when the query's limit is 0.
pub const DEFAULT_UNIFIED_LIMIT: usize = 10;
/// Snippet length when the query's `snippet_chars` is 0.
pub const DEFAULT_SNIPPET_CHARS: usize = 200;

/// What a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HitKind {
    /// A node of a document version.
    Node,
    /// A tool result.
    ToolResult,
    /// A version of a prompt template.
    Prompt,
    /// A step of a trajectory.
    TrajectoryStep,
}

impl HitKind {
    /// Every kind, in tie order.
    pub const ALL: [HitKind; 4] = [
        HitKind::Node,
        HitKind::ToolResult,
        HitKind::Prompt,
        HitKind::TrajectoryStep,
    ];

    /// The name used in the SDKs: `node`, `tool_result`, `prompt`, `trajectory_step`.
    pub fn name(self) -> &'static str {
        match self {
            HitKind::Node => "node",
            HitKind::ToolResult => "tool_result",
            HitKind::Prompt => "prompt",
            HitKind::TrajectoryStep => "trajectory_step",
        }
    }

    /// The kind named `name`; an error names the field `kinds`.
    pub fn parse(name: &str) -> Result<HitKind> {
        HitKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unified search: field kinds: {name:?} is not one of node, tool_result, \
                     prompt, trajectory_step"
                ))
            })
    }

    fn code(self) -> u32 {
        match self {
            HitKind::Node => 0,
            HitKind::ToolResult => 1,
            HitKind::Prompt => 2,
            HitKind::TrajectoryStep => 3,
        }
    }

    fn of_record(k: RecordKind) -> HitKind {
        match k {
            RecordKind::ToolResult => HitKind::ToolResult,
            RecordKind::Prompt => HitKind::Prompt,
            RecordKind::TrajectoryStep => HitKind::TrajectoryStep,
        }
    }
}

/// Which item a hit is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HitSource {
    /// A node of a document version.
    Node(DocRef),
    /// A tool result, prompt version or trajectory step.
    Record(RecordRef),
}

impl HitSource {
    /// A display id: `policy/version/node` for a node, see [`RecordRef::id`] for records.
    pub fn id(&self) -> String {
        match self {
            HitSource::Node(d) => d.to_string(),
            HitSource::Record(r) => r.id(),
        }
    }
}

/// One hit of a unified search.
#[derive(Debug, Clone, PartialEq)]
pub struct UnifiedHit {
    /// What it is.
    pub kind: HitKind,
    /// Which item it is.
    pub source: HitSource,
    /// The normalised score in `[0, 1)`, higher is better (see the module doc).
    pub score: f64,
    /// The BM25 score within its kind.
    pub bm25: f64,
    /// The index terms of the query found in it, sorted.
    pub matched_terms: Vec<String>,
    /// The window of its best matching text with the matched words in `<b>`..`</b>` and `…`
    /// where cut; empty when the item's text is gone or empty.
    pub snippet: String,
}

/// A unified search.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnifiedQuery {
    /// The query, in the node index's language (see [`crate::search`]).
    pub query: String,
    /// The kinds to search; empty: all.
    pub kinds: Vec<HitKind>,
    /// Only nodes of this policy and tool results about it (prompts and trajectory steps belong
    /// to no policy and are left out).
    pub policy_id: Option<String>,
    /// With `policy_id`: only nodes of this version (tool results about the policy still match).
    pub version_id: Option<String>,
    /// Only tool results and trajectory steps of this case (nodes and prompts are left out).
    pub case_id: Option<String>,
    /// Page size, 1 to [`MAX_UNIFIED_LIMIT`]; 0 means [`DEFAULT_UNIFIED_LIMIT`].
    pub limit: usize,
    /// The `next_cursor` of the previous page of the same query.
    pub cursor: Option<String>,
    /// Longest snippet in characters; 0 means [`DEFAULT_SNIPPET_CHARS`].
    pub snippet_chars: usize,
}

/// A hit before its snippet: where it sorts, and what made it.
struct Candidate {
    key: Vec<u8>,
    kind: HitKind,
    source: HitSource,
    bm25: f64,
    score: f64,
    matched_terms: Vec<String>,
    /// Record hits: the fields holding a match.
    fields: [bool; 3],
}

const WHAT: &str = "unified search";
const CURSOR_PHASE: &str = "u";

/// Runs a unified search and returns one page of hits, best first.
pub fn unified_search<R: ReadOps + ?Sized>(tx: &R, q: &UnifiedQuery) -> Result<Page<UnifiedHit>> {
    let limit = check(q)?;
    let after = match &q.cursor {
        Some(c) => Some(decode_cursor(&WHAT, c, CURSOR_PHASE, &[])?),
        None => None,
    };
    let kinds: Vec<HitKind> = if q.kinds.is_empty() {
        HitKind::ALL.to_vec()
    } else {
        q.kinds.clone()
    };
    let mut cands = Vec::new();
    let mut more = false;
    if kinds.contains(&HitKind::Node) && q.case_id.is_none() {
        more = node_candidates(tx, q, limit, after.as_deref(), &mut cands)?;
    }
    // The record search parses the query even for no kind, so a bad query is always an error.
    let record_kinds: Vec<RecordKind> = RecordKind::ALL
        .into_iter()
        .filter(|k| kinds.contains(&HitKind::of_record(*k)) && applies(*k, q))
        .collect();
    let filter = RecordFilter {
        policy_id: q.policy_id.as_deref(),
        case_id: q.case_id.as_deref(),
    };
    for (kind, found) in records::search_records(tx, &q.query, &record_kinds, &filter)? {
        for hit in found.hits {
            let c = record_candidate(kind, hit, found.bound);
            if after.as_ref().is_none_or(|a| c.key > *a) {
                cands.push(c);
            }
        }
    }
    cands.sort_by(|a, b| a.key.cmp(&b.key));
    more |= cands.len() > limit;
    cands.truncate(limit);
    let next_cursor = match (more, cands.last()) {
        (true, Some(last)) => Some(encode_cursor(CURSOR_PHASE, &last.key)),
        _ => None,
    };
    let chars = match q.snippet_chars {
        0 => DEFAULT_SNIPPET_CHARS,
        n => n,
    };
    let stemming = search::settings(tx)?.stemming;
    let items = cands
        .into_iter()
        .map(|c| finish(tx, c, chars, stemming))
        .collect::<Result<_>>()?;
    Ok(Page { items, next_cursor })
}

/// Validates the query's fields; returns the page size.
fn check(q: &UnifiedQuery) -> Result<usize> {
    if q.query.trim().is_empty() {
        return Err(invalid(&WHAT, "query", "is required"));
    }
    for (field, v) in [
        ("policy_id", &q.policy_id),
        ("version_id", &q.version_id),
        ("case_id", &q.case_id),
    ] {
        if let Some(v) = v {
            check_token(&WHAT, field, v, MAX_ID_LEN)?;
        }
    }
    if q.version_id.is_some() && q.policy_id.is_none() {
        return Err(invalid(&WHAT, "version_id", "requires policy_id"));
    }
    match q.limit {
        0 => Ok(DEFAULT_UNIFIED_LIMIT),
        n if n <= MAX_UNIFIED_LIMIT => Ok(n),
        n => Err(invalid(
            &WHAT,
            "limit",
            format_args!("{n} exceeds the maximum page of {MAX_UNIFIED_LIMIT}"),
        )),
    }
}

/// Whether records of `kind` can pass the query's filters at all.
fn applies(kind: RecordKind, q: &UnifiedQuery) -> bool {
    match kind {
        RecordKind::ToolResult => true,
        RecordKind::Prompt => q.policy_id.is_none() && q.case_id.is_none(),
        RecordKind::TrajectoryStep => q.policy_id.is_none(),
    }
}

/// The sort key: score descending, then kind, then the id's elements.
fn order_key(score: f64, kind: HitKind, source: &HitSource) -> Vec<u8> {
    // Non-negative floats order as their bits; inverting them puts higher scores first.
    let score = if score.is_finite() && score > 0.0 {
        score
    } else {
        0.0
    };
    let mut k = KeyBuilder::new();
    k.u64(u64::MAX - score.to_bits()).u32(kind.code());
    match source {
        HitSource::Node(d) => {
            k.str(&d.policy_id).str(&d.version_id).str(&d.node_id);
        }
        HitSource::Record(r) => r.put_id(&mut k),
    }
    k.finish()
}

fn normalise(bm25: f64, bound: f64) -> f64 {
    if bound > 0.0 {
        bm25 / bound
    } else {
        0.0
    }
}

fn record_candidate(kind: RecordKind, hit: RecordHit, bound: f64) -> Candidate {
    let kind = HitKind::of_record(kind);
    let source = HitSource::Record(hit.rec);
    let score = normalise(hit.score, bound);
    Candidate {
        key: order_key(score, kind, &source),
        kind,
        source,
        bm25: hit.score,
        score,
        matched_terms: hit.matched_terms,
        fields: hit.matched_fields,
    }
}

fn node_candidate(hit: SearchHit, bound: f64) -> Candidate {
    let source = HitSource::Node(hit.doc);
    let score = normalise(hit.score, bound);
    Candidate {
        key: order_key(score, HitKind::Node, &source),
        kind: HitKind::Node,
        source,
        bm25: hit.score,
        score,
        matched_terms: hit.matched_terms,
        fields: [false; 3],
    }
}

/// Adds the node hits after `after` that may be on this page; returns whether more node hits
/// follow them. The node index returns its top k: k grows until at least `limit` of the hits
/// after the cursor score strictly above the k-th (so no unfetched hit can sort before them).
fn node_candidates<R: ReadOps + ?Sized>(
    tx: &R,
    q: &UnifiedQuery,
    limit: usize,
    after: Option<&[u8]>,
    out: &mut Vec<Candidate>,
) -> Result<bool> {
    let mut k = (limit * 2).clamp(32, MAX_RESULTS);
    loop {
        let opts = SearchOptions {
            limit: k,
            policy_id: q.policy_id.clone(),
            version_id: q.version_id.clone(),
            ..SearchOptions::default()
        };
        let (hits, bound) = search::search_bounded(tx, &q.query, &opts)?;
        let exhausted = hits.len() < k || k == MAX_RESULTS;
        let floor = hits.last().map_or(0.0, |h| h.score);
        let cands: Vec<Candidate> = hits
            .into_iter()
            .map(|h| node_candidate(h, bound))
            .filter(|c| after.is_none_or(|a| c.key.as_slice() > a))
            .collect();
        if exhausted {
            out.extend(cands);
            return Ok(false);
        }
        let sure: Vec<Candidate> = cands.into_iter().filter(|c| c.bm25 > floor).collect();
        if sure.len() >= limit {
            out.extend(sure);
            return Ok(true);
        }
        k = k.saturating_mul(4).min(MAX_RESULTS);
    }
}

/// The hit of a candidate, with its snippet.
fn finish<R: ReadOps + ?Sized>(
    tx: &R,
    c: Candidate,
    chars: usize,
    stemming: Stemming,
) -> Result<UnifiedHit> {
    let text = match &c.source {
        HitSource::Node(d) => node_text(tx, d)?,
        HitSource::Record(r) => record_text(tx, r, c.fields)?,
    };
    let snippet = search::snippet_with(&text, &c.matched_terms, chars, stemming);
    Ok(UnifiedHit {
        kind: c.kind,
        source: c.source,
        score: c.score,
        bm25: c.bm25,
        matched_terms: c.matched_terms,
        snippet,
    })
}

/// A node's text, else its summary, else its title; empty when the node is not stored (it was
/// indexed through the search index alone).
fn node_text<R: ReadOps + ?Sized>(tx: &R, d: &DocRef) -> Result<String> {
    let docs = DocReader::new(tx);
    let node = match docs.nodes(&d.policy_id, Some(&d.version_id), &[&d.node_id], true) {
        Ok(mut v) => v.pop().flatten(),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    Ok(node.map_or_else(String::new, |n| n.text.or(n.summary).unwrap_or(n.title)))
}

/// The field of a record a snippet comes from: the first of text, summary and title holding a
/// match (the text when none does), read from the record's store.
fn record_text<R: ReadOps + ?Sized>(tx: &R, r: &RecordRef, matched: [bool; 3]) -> Result<String> {
    let fields: [String; 3] = match r {
        RecordRef::ToolResult { execution_id } => match metadata::tool_result(tx, execution_id)? {
            Some(t) => [
                t.tool_name,
                t.error_message.unwrap_or_default(),
                t.result_data,
            ],
            None => return Ok(String::new()),
        },
        RecordRef::Prompt { name, version } => {
            match prompt::prompt(tx, name, &PromptSelector::Version(*version))? {
                Some(p) => [p.name, p.commit_message.unwrap_or_default(), p.template],
                None => return Ok(String::new()),
            }
        }
        RecordRef::TrajectoryStep {
            trajectory_id,
            step_number,
        } => match metadata::trajectory_step(tx, trajectory_id, *step_number)? {
            Some(s) => {
                let title = match s.tool_name {
                    Some(tool) => format!("{tool} {}", s.action),
                    None => s.action,
                };
                [title, s.thought, s.observation]
            }
            None => return Ok(String::new()),
        },
    };
    let [title, summary, text] = fields;
    Ok(match matched {
        [_, _, true] => text,
        [_, true, false] => summary,
        [true, false, false] => title,
        _ if text.is_empty() => title,
        _ => text,
    })
}
