//! Query execution: scopes to docnum ranges, leaves to cursors with their IDF, the boolean tree
//! evaluated document at a time, BM25 scores into a top-k heap, hits resolved to [`DocRef`](super::DocRef)s.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::cursor::{ListCursor, TermCursor, ALL_DOCS, EOF};
use super::layout::{
    decode_doc_hit, decode_policy, decode_version, doc_key, docnum_range, read_df, read_settings,
    read_stats, read_term_key, str_key, term_prefix_key, version_key, Tables,
};
use super::model::{Scope, SearchHit, SearchOptions, SearchSettings};
use super::query::{parse, scoring_leaves, Leaf, Query};
use crate::db::ReadOps;
use crate::error::{Error, Result};

/// BM25's term frequency saturation.
pub const K1: f64 = 1.2;
/// BM25's document length normalization.
pub const B: f64 = 0.75;
/// Smallest IDF: terms in more than half of the documents would get a negative one.
pub const MIN_IDF: f64 = 1e-6;

/// FTS5's IDF of a phrase found in `n` of `total` documents: ln((N - n + 0.5) / (n + 0.5)),
/// floored at [`MIN_IDF`].
pub fn idf(total: u64, n: u64) -> f64 {
    let v = ((total as f64 - n as f64 + 0.5) / (n as f64 + 0.5)).ln();
    if v <= 0.0 || v.is_nan() {
        MIN_IDF
    } else {
        v
    }
}

/// One phrase's BM25 term: `idf * f * (k1 + 1) / (f + k1 * (1 - b + b * doc_len / avgdl))`.
pub fn bm25_term(idf: f64, weighted_tf: f64, doc_len: f64, avgdl: f64) -> f64 {
    let norm = if avgdl > 0.0 { doc_len / avgdl } else { 1.0 };
    idf * (weighted_tf * (K1 + 1.0)) / (weighted_tf + K1 * (1.0 - B + B * norm))
}

/// Runs `query` and returns the best hits, best first (ties by indexing order). See the module
/// doc of [`crate::search`] for the language and the score.
pub fn search<R: ReadOps + ?Sized>(
    tx: &R,
    query: &str,
    opts: &SearchOptions,
) -> Result<Vec<SearchHit>> {
    search_bounded(tx, query, opts).map(|(hits, _)| hits)
}

/// [`search`], and the score no document can reach for this query: the sum of `IDF * (k1 + 1)`
/// over the leaves that can score (see [`scoring_leaves`]); 0 when nothing is searched.
pub(crate) fn search_bounded<R: ReadOps + ?Sized>(
    tx: &R,
    query: &str,
    opts: &SearchOptions,
) -> Result<(Vec<SearchHit>, f64)> {
    let scopes = opts.resolve_scopes()?;
    let t = Tables::open(tx)?;
    let settings: SearchSettings = read_settings(tx, &t)?.unwrap_or_default();
    let weights = opts.weights.unwrap_or(settings.weights).as_array();
    let parsed = parse(query, settings.stemming)?;
    let stats = read_stats(tx, &t)?;
    let ranges = scope_ranges(tx, &t, &scopes)?;
    if stats.doc_count == 0 || ranges.is_empty() {
        return Ok((Vec::new(), 0.0));
    }
    let scoped = !scopes.is_empty();
    let mut leaves = Vec::with_capacity(parsed.leaves.len());
    for leaf in &parsed.leaves {
        leaves.push(LeafExec::new(
            tx,
            t,
            leaf,
            &ranges,
            scoped,
            stats.doc_count,
        )?);
    }
    let bound = scoring_leaves(&parsed.root)
        .iter()
        .filter_map(|&i| leaves.get(i))
        .map(|l| l.idf * (K1 + 1.0))
        .sum();
    let mut root = ExecNode::build(&parsed.root, &leaves);
    let scorer = Scorer {
        weights,
        avgdl: stats.total_len() as f64 / stats.doc_count as f64,
    };
    let k = opts.offset + opts.limit;
    let mut heap: BinaryHeap<Reverse<Candidate>> = BinaryHeap::with_capacity(k + 1);
    let mut contributing = Vec::new();
    let mut d = root.next_match(0, &mut leaves)?;
    while d != EOF {
        contributing.clear();
        root.contributions(d, &mut contributing);
        contributing.sort_unstable();
        let score = scorer.score(&contributing, &leaves);
        let worse_than_all = heap.len() >= k
            && heap
                .peek()
                .is_some_and(|w| w.0.cmp_parts(score, d) != Ordering::Greater);
        if !worse_than_all {
            heap.push(Reverse(Candidate {
                score,
                docnum: d,
                leaves: contributing.clone(),
            }));
            if heap.len() > k {
                heap.pop();
            }
        }
        d = root.next_match(d + 1, &mut leaves)?;
    }
    let mut best: Vec<Candidate> = heap.into_iter().map(|r| r.0).collect();
    best.sort_by(|a, b| b.cmp(a));
    let hits = best
        .into_iter()
        .skip(opts.offset)
        .map(|c| hit(tx, &t, &parsed.leaves, c))
        .collect::<Result<_>>()?;
    Ok((hits, bound))
}

/// The sorted, merged docnum ranges of `scopes`; the whole index when there is none. Unknown
/// policies and versions contribute nothing.
fn scope_ranges<R: ReadOps + ?Sized>(
    tx: &R,
    t: &Tables,
    scopes: &[Scope],
) -> Result<Vec<(u64, u64)>> {
    if scopes.is_empty() {
        return Ok(ALL_DOCS.to_vec());
    }
    let mut ranges = Vec::new();
    for s in scopes {
        let Some(p) = tx.get(t.policies, &str_key(&s.policy_id))? else {
            continue;
        };
        let policy = decode_policy(&p)?.num;
        let version = match &s.version_id {
            None => None,
            Some(v) => match tx.get(t.versions, &version_key(&s.policy_id, v))? {
                Some(rec) => Some(decode_version(&rec)?.num),
                None => continue,
            },
        };
        ranges.push(docnum_range(policy, version));
    }
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        match merged.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    Ok(merged)
}

/// A leaf's cursor over the searched ranges, and its IDF over the whole index.
struct LeafExec<'a, R: ReadOps + ?Sized> {
    cursor: LeafCursor<'a, R>,
    idf: f64,
    /// Documents of the whole index the leaf matches: its IDF's n, and the evaluation order hint.
    df: u64,
}

enum LeafCursor<'a, R: ReadOps + ?Sized> {
    Term(Box<TermCursor<'a, R>>),
    /// Prefixes and phrases.
    List(ListCursor),
}

impl<'a, R: ReadOps + ?Sized> LeafExec<'a, R> {
    fn new(
        tx: &'a R,
        t: Tables,
        leaf: &Leaf,
        ranges: &[(u64, u64)],
        scoped: bool,
        total: u64,
    ) -> Result<LeafExec<'a, R>> {
        let (cursor, df) = match leaf {
            Leaf::Term(term) => (
                LeafCursor::Term(Box::new(TermCursor::new(tx, t, term, ranges))),
                read_df(tx, &t, term)?,
            ),
            Leaf::Prefix(prefix) => {
                let terms = expand_prefix(tx, &t, prefix)?;
                if let [one] = terms.as_slice() {
                    let cursor = ListCursor::union(tx, t, &terms, ranges)?;
                    (LeafCursor::List(cursor), read_df(tx, &t, one)?)
                } else {
                    // The IDF needs the documents of the whole index holding any of the terms.
                    let mut cursor = ListCursor::union(tx, t, &terms, &ALL_DOCS)?;
                    let df = cursor.doc_count();
                    if scoped {
                        cursor.restrict(ranges);
                    }
                    (LeafCursor::List(cursor), df)
                }
            }
            Leaf::Phrase(words) => {
                // The IDF needs every match in the index: find them once, then keep the scope's.
                let mut cursor = ListCursor::phrase(tx, t, words, &ALL_DOCS)?;
                let df = cursor.doc_count();
                if scoped {
                    cursor.restrict(ranges);
                }
                (LeafCursor::List(cursor), df)
            }
        };
        Ok(LeafExec {
            cursor,
            idf: idf(total, df),
            df,
        })
    }

    fn seek(&mut self, target: u64) -> Result<u64> {
        match &mut self.cursor {
            LeafCursor::Term(c) => c.seek(target),
            LeafCursor::List(c) => Ok(c.seek(target)),
        }
    }

    fn tf(&self) -> [u32; 3] {
        match &self.cursor {
            LeafCursor::Term(c) => c.tf(),
            LeafCursor::List(c) => c.tf(),
        }
    }

    fn doc_len(&self) -> u64 {
        match &self.cursor {
            LeafCursor::Term(c) => c.doc_len(),
            LeafCursor::List(c) => c.doc_len(),
        }
    }
}

/// Every indexed term starting with `prefix`.
fn expand_prefix<R: ReadOps + ?Sized>(tx: &R, t: &Tables, prefix: &str) -> Result<Vec<String>> {
    tx.prefix(t.terms, &term_prefix_key(prefix))?
        .map(|kv| kv.and_then(|(k, _)| read_term_key(&k)))
        .collect()
}

/// The query tree with each node's last answer: the smallest matching docnum at or after the
/// last target it was asked for. A node whose answer is the current document matches it.
struct ExecNode {
    kind: ExecKind,
    children: Vec<ExecNode>,
    answer: Option<u64>,
}

enum ExecKind {
    Leaf(usize),
    And,
    Or,
    /// `children[0] NOT children[1]`.
    Not,
}

impl ExecNode {
    fn build<R: ReadOps + ?Sized>(q: &Query, leaves: &[LeafExec<'_, R>]) -> ExecNode {
        let (kind, mut children) = match q {
            Query::Leaf(i) => (ExecKind::Leaf(*i), Vec::new()),
            Query::And(c) => (
                ExecKind::And,
                c.iter().map(|x| Self::build(x, leaves)).collect(),
            ),
            Query::Or(c) => (
                ExecKind::Or,
                c.iter().map(|x| Self::build(x, leaves)).collect(),
            ),
            Query::Not(a, b) => (
                ExecKind::Not,
                vec![Self::build(a, leaves), Self::build(b, leaves)],
            ),
        };
        if matches!(kind, ExecKind::And) {
            // The rarest child drives the intersection; the others seek to its documents.
            children.sort_by_key(|c| c.estimate(leaves));
        }
        ExecNode {
            kind,
            children,
            answer: None,
        }
    }

    /// Upper bound of the documents the node matches, for ordering AND's children.
    fn estimate<R: ReadOps + ?Sized>(&self, leaves: &[LeafExec<'_, R>]) -> u64 {
        match self.kind {
            ExecKind::Leaf(i) => leaves.get(i).map_or(0, |l| l.df),
            ExecKind::And => self
                .children
                .iter()
                .map(|c| c.estimate(leaves))
                .min()
                .unwrap_or(0),
            ExecKind::Or => self
                .children
                .iter()
                .fold(0u64, |s, c| s.saturating_add(c.estimate(leaves))),
            ExecKind::Not => self.children.first().map_or(0, |c| c.estimate(leaves)),
        }
    }

    /// The smallest docnum at or after `from` the node matches, or [`EOF`].
    fn next_match<R: ReadOps + ?Sized>(
        &mut self,
        from: u64,
        leaves: &mut [LeafExec<'_, R>],
    ) -> Result<u64> {
        if let Some(a) = self.answer {
            if a >= from {
                return Ok(a);
            }
        }
        let a = match self.kind {
            ExecKind::Leaf(i) => match leaves.get_mut(i) {
                Some(l) => l.seek(from)?,
                None => return Err(Error::corruption("query leaf out of range")),
            },
            ExecKind::And => {
                let mut target = from;
                'again: loop {
                    for c in &mut self.children {
                        let d = c.next_match(target, leaves)?;
                        if d == EOF {
                            break 'again EOF;
                        }
                        if d > target {
                            target = d;
                            continue 'again;
                        }
                    }
                    break target;
                }
            }
            ExecKind::Or => {
                let mut best = EOF;
                for c in &mut self.children {
                    best = best.min(c.next_match(from, leaves)?);
                }
                best
            }
            ExecKind::Not => {
                let mut target = from;
                loop {
                    let Some((left, right)) = self.children.split_first_mut() else {
                        break EOF;
                    };
                    let d = left.next_match(target, leaves)?;
                    if d == EOF {
                        break EOF;
                    }
                    let excluded = match right.first_mut() {
                        Some(r) => r.next_match(d, leaves)? == d,
                        None => false,
                    };
                    if !excluded {
                        break d;
                    }
                    target = d + 1;
                }
            }
        };
        self.answer = Some(a);
        Ok(a)
    }

    /// The leaves that count towards the score of `d`, which the node's last answer must be:
    /// FTS5 counts a phrase's instances when its branch of the tree matches the row.
    fn contributions(&self, d: u64, out: &mut Vec<usize>) {
        if self.answer != Some(d) {
            return;
        }
        match self.kind {
            ExecKind::Leaf(i) => out.push(i),
            ExecKind::And | ExecKind::Or => {
                for c in &self.children {
                    c.contributions(d, out);
                }
            }
            ExecKind::Not => {
                if let Some(c) = self.children.first() {
                    c.contributions(d, out);
                }
            }
        }
    }
}

struct Scorer {
    weights: [f64; 3],
    avgdl: f64,
}

impl Scorer {
    /// The BM25 score of the current document from its contributing leaves, summed in leaf order
    /// as FTS5 does.
    fn score<R: ReadOps + ?Sized>(
        &self,
        contributing: &[usize],
        leaves: &[LeafExec<'_, R>],
    ) -> f64 {
        let mut score = 0.0;
        for leaf in contributing.iter().filter_map(|&i| leaves.get(i)) {
            let tf = leaf.tf();
            let wtf: f64 = self
                .weights
                .iter()
                .zip(tf)
                .map(|(w, n)| w * f64::from(n))
                .sum();
            score += bm25_term(leaf.idf, wtf, leaf.doc_len() as f64, self.avgdl);
        }
        score
    }
}

/// A scored document: better when its score is higher, then when it was indexed earlier.
#[derive(Debug)]
struct Candidate {
    score: f64,
    docnum: u64,
    leaves: Vec<usize>,
}

impl Candidate {
    /// How a document of `score` and `docnum` compares to this one (Greater: it is better).
    fn cmp_parts(&self, score: f64, docnum: u64) -> Ordering {
        score
            .total_cmp(&self.score)
            .then_with(|| self.docnum.cmp(&docnum))
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        other.cmp_parts(self.score, self.docnum)
    }
}

/// Resolves a candidate to its node and the query terms it holds.
fn hit<R: ReadOps + ?Sized>(
    tx: &R,
    t: &Tables,
    leaves: &[Leaf],
    c: Candidate,
) -> Result<SearchHit> {
    let v = tx.get(t.docs, &doc_key(c.docnum))?.ok_or_else(|| {
        Error::corruption(format!(
            "fts.docs: document {} of a posting is missing",
            c.docnum
        ))
    })?;
    let mut matched: Vec<String> = Vec::new();
    let mut prefixes: Vec<&str> = Vec::new();
    for leaf in c.leaves.iter().filter_map(|&i| leaves.get(i)) {
        match leaf {
            Leaf::Term(term) => matched.push(term.clone()),
            Leaf::Phrase(words) => matched.extend(words.iter().cloned()),
            Leaf::Prefix(p) => prefixes.push(p),
        }
    }
    let (doc, expansions) =
        decode_doc_hit(&v, &prefixes).map_err(|e| e.context(format!("document {}", c.docnum)))?;
    matched.extend(expansions);
    matched.sort_unstable();
    matched.dedup();
    Ok(SearchHit {
        doc,
        score: c.score,
        matched_terms: matched,
    })
}
