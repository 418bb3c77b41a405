//! The keyword index's part of a document write: which nodes a batch indexes, in which order,
//! and their text analysis, which needs nothing of the transaction and so runs on a second thread
//! while the writer checks the versions, fills the node tables and numbers the nodes for the
//! index, then goes on beside the writer writing the first segments. The index that results is
//! the one a single thread makes: each segment's analysis is the same function of the same nodes
//! in the same order, and everything that reads the transaction (docnums, old entries) happens
//! after the node tables are written, as before.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Range;
use std::sync::mpsc::Receiver;

use parking_lot::Mutex;

use crate::db::WriteTxn;
use crate::error::Result;
use crate::machine::cores;
use crate::search::{self, Analyzed, Analyzer, DocRef, Field, NodeText, Segments};

use super::model::{Document, Node};

/// Batches of fewer nodes are analyzed on the writing thread (a thread costs tens of µs).
const PARALLEL_MIN_NODES: usize = 256;

/// Nodes a segment gets, about (see [`segment_ranges`]).
const SEGMENT_NODES: usize = 512;
/// Most segments a batch's analysis is cut into.
const MAX_SEGMENTS: usize = 4;

/// Where a batch's text analysis runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Analysis {
    /// On a second thread for batches of [`PARALLEL_MIN_NODES`] or more when the machine has a
    /// second core, else on the writing thread.
    Auto,
    /// On the writing thread, after the node tables.
    #[cfg_attr(not(test), allow(dead_code, reason = "tests compare it with Beside"))]
    Inline,
    /// On a second thread, whatever the batch's size.
    #[cfg_attr(not(test), allow(dead_code, reason = "tests compare it with Inline"))]
    Beside,
}

impl Analysis {
    fn beside(self, nodes: usize) -> bool {
        match self {
            Analysis::Auto => nodes >= PARALLEL_MIN_NODES && cores() > 1,
            Analysis::Inline => false,
            Analysis::Beside => true,
        }
    }
}

/// The versions of a batch that end up indexed, as indexes into `docs` in `(policy_id,
/// version_id)` order: of versions given twice, the later replaces the earlier, so only it is.
fn index_targets(docs: &[(&Document, &[Node])]) -> Vec<usize> {
    let mut last: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (i, (doc, _)) in docs.iter().enumerate() {
        last.insert((&doc.policy_id, &doc.version_id), i);
    }
    last.into_values().collect()
}

/// Writes a batch: `validate` checks it and returns what `write` needs (nothing is written
/// before it returns), `write` stores it in the node tables and the catalog (returning what it
/// returns), then every stored node is indexed. The keyword checks run before anything is
/// written too; `validate`'s errors are reported first. When `analysis` says so the analysis runs
/// beside `validate` and `write` (on text the keyword checks passed: the analysis of a batch that
/// `validate` rejects is thrown away), cut into segments ([`segment_ranges`]) that the two
/// threads share (see [`Pipeline`]).
pub(crate) fn with_index<P, T>(
    tx: &mut WriteTxn,
    docs: &[(&Document, &[Node])],
    analysis: Analysis,
    validate: impl FnOnce() -> Result<P>,
    write: impl FnOnce(&mut WriteTxn, P) -> Result<T>,
) -> Result<T> {
    let targets = index_targets(docs);
    let refs: Vec<DocRef> = targets
        .iter()
        .flat_map(|&i| {
            let (doc, nodes) = docs[i];
            nodes.iter().map(|n| DocRef {
                policy_id: doc.policy_id.clone(),
                version_id: doc.version_id.clone(),
                node_id: n.node_id.clone(),
            })
        })
        .collect();
    let fields: Vec<[(Field, &str); 3]> = targets
        .iter()
        .flat_map(|&i| docs[i].1.iter().map(node_fields))
        .collect();
    let texts: Vec<NodeText<'_>> = refs
        .iter()
        .zip(&fields)
        .map(|(doc, f)| NodeText { doc, fields: f })
        .collect();
    // Each node is here once (node ids are unique within a version, `targets` names each
    // version once), so the index need not check that again. The index's checks take every
    // node the version checks take; should one refuse a node anyway, the version checks' error
    // comes first.
    if let Err(e) = search::validate_fields(&texts) {
        validate()?;
        return Err(e);
    }
    let ranges = segment_ranges(&texts);
    if !analysis.beside(texts.len()) {
        let mut inline = Pipeline::inline(&texts, ranges);
        return write_and_index(tx, &texts, validate, write, &mut inline);
    }
    let stemming = search::stemming(tx)?;
    // Every segment's analyzer is made here: it takes this thread's test settings.
    let jobs: Jobs<'_> = Mutex::new(
        ranges
            .iter()
            .map(|r| (r.clone(), Analyzer::new(stemming)))
            .collect(),
    );
    std::thread::scope(|s| {
        let (send, done) = std::sync::mpsc::channel();
        let (all, queue) = (&texts, &jobs);
        let worker = s.spawn(move || {
            while let Some((range, analyzer)) = queue.lock().pop_front() {
                // The writing thread may have failed and gone: the analysis is then unused.
                if send.send(analyzer.run(all, range)).is_err() {
                    break;
                }
            }
        });
        let mut pipeline = Pipeline::beside(&texts, ranges, &jobs, done);
        let indexed = write_and_index(tx, &texts, validate, write, &mut pipeline);
        // On error the worker takes no further segment (and its next handover fails).
        drop(pipeline);
        jobs.lock().clear();
        // A panic there is one the writing thread would have had: pass it on.
        worker
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        indexed
    })
}

/// The checks, the node tables (`write`), then the index of `texts`, its segments taken from
/// `made`.
fn write_and_index<'a, P, T>(
    tx: &mut WriteTxn,
    texts: &[NodeText<'a>],
    validate: impl FnOnce() -> Result<P>,
    write: impl FnOnce(&mut WriteTxn, P) -> Result<T>,
    made: &mut dyn Segments<'a>,
) -> Result<T> {
    let written = write(tx, validate()?)?;
    if !texts.is_empty() {
        // The index's numbering reads what removing replaced versions left.
        let numbered = search::number_nodes(tx, texts)?;
        search::index_numbered(tx, texts, numbered, made)?;
    }
    Ok(written)
}

/// Segments not yet taken by either thread, in node order, with their analyzers.
type Jobs<'a> = Mutex<VecDeque<(Range<usize>, Analyzer<'a>)>>;

/// A batch's segments ([`segment_ranges`]) as the writing thread asks for them, in node order:
/// inline, it analyzes each itself; beside, the second thread analyzes them from the front, and
/// the writer, when the segment it needs is not ready, takes the last one nobody has taken
/// (so both threads work until the last segments, and the writer writes each segment as soon as
/// it is its turn and ready). Which thread analyzes a segment changes nothing in the index: the
/// segments and their analyzers' settings are the same either way.
struct Pipeline<'t, 'a> {
    texts: &'t [NodeText<'a>],
    ranges: Vec<Range<usize>>,
    beside: Option<Beside<'t, 'a>>,
}

struct Beside<'t, 'a> {
    jobs: &'t Jobs<'a>,
    done: Receiver<Analyzed<'a>>,
    /// Segments made and not yet written, by where they start.
    ready: BTreeMap<usize, Analyzed<'a>>,
}

impl<'t, 'a> Pipeline<'t, 'a> {
    fn inline(texts: &'t [NodeText<'a>], ranges: Vec<Range<usize>>) -> Self {
        Pipeline {
            texts,
            ranges,
            beside: None,
        }
    }

    fn beside(
        texts: &'t [NodeText<'a>],
        ranges: Vec<Range<usize>>,
        jobs: &'t Jobs<'a>,
        done: Receiver<Analyzed<'a>>,
    ) -> Self {
        Pipeline {
            texts,
            ranges,
            beside: Some(Beside {
                jobs,
                done,
                ready: BTreeMap::new(),
            }),
        }
    }
}

impl<'a> Segments<'a> for Pipeline<'_, 'a> {
    fn take(&mut self, from: usize) -> Option<Analyzed<'a>> {
        let b = self.beside.as_mut()?;
        if !self.ranges.iter().any(|r| r.start == from) {
            // After a segment that filled up before its range's end: the writer goes on.
            return None;
        }
        loop {
            while let Ok(a) = b.done.try_recv() {
                b.ready.insert(a.from(), a);
            }
            if let Some(a) = b.ready.remove(&from) {
                return Some(a);
            }
            let job = b.jobs.lock().pop_back();
            if let Some((range, analyzer)) = job {
                let a = analyzer.run(self.texts, range);
                b.ready.insert(a.from(), a);
                continue;
            }
            // Being made by the second thread; if it is gone (a panic, passed on at its join),
            // the writer analyzes the segment itself.
            let a = b.done.recv().ok()?;
            b.ready.insert(a.from(), a);
        }
    }

    fn stop(&self, from: usize) -> usize {
        self.ranges
            .iter()
            .map(|r| r.start)
            .find(|&start| start > from)
            .unwrap_or(self.texts.len())
    }
}

#[cfg(test)]
thread_local! {
    /// Tests turn the cut off to compare with the index of one segment.
    pub(crate) static TEST_SPLIT: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Where a batch's analysis is cut into segments, in node order: one for batches of fewer than
/// [`PARALLEL_MIN_NODES`] nodes, else one per [`SEGMENT_NODES`] nodes, at least 2 and at most
/// [`MAX_SEGMENTS`], of about equal bytes of text, each cut moved forward to the next change of
/// policy when one is near (later versions of a policy replay the analysis of an earlier one's
/// texts, within a segment). The cuts come from the texts alone, not from where the analysis
/// runs, so every [`Analysis`] writes the same index. More segments let the writer start
/// writing sooner; each costs a pass over its terms' last blocks.
fn segment_ranges(texts: &[NodeText<'_>]) -> Vec<Range<usize>> {
    let n = texts.len();
    #[cfg(test)]
    if !TEST_SPLIT.with(|c| c.get()) {
        return std::iter::once(0..n).collect();
    }
    if n < PARALLEL_MIN_NODES {
        return std::iter::once(0..n).collect();
    }
    let segments = (n / SEGMENT_NODES).clamp(2, MAX_SEGMENTS);
    let bytes = |t: &NodeText<'_>| {
        t.fields
            .iter()
            .map(|(_, s)| s.len() as u64 + 1)
            .sum::<u64>()
    };
    let total: u64 = texts.iter().map(bytes).sum();
    let window = n / segments / 8;
    let mut ranges = Vec::with_capacity(segments);
    let (mut start, mut done, mut i) = (0, 0u64, 0);
    for k in 1..segments as u64 {
        let target = total * k / segments as u64;
        while i < n && done < target {
            done += bytes(&texts[i]);
            i += 1;
        }
        let policy_starts = |j: usize| texts[j].doc.policy_id != texts[j - 1].doc.policy_id;
        let limit = (i + window).min(n);
        if let Some(j) = (i.max(1)..limit).find(|&j| policy_starts(j)) {
            while i < j {
                done += bytes(&texts[i]);
                i += 1;
            }
        }
        if i > start && i < n {
            ranges.push(start..i);
            start = i;
        }
    }
    ranges.push(start..n);
    ranges
}

/// What the keyword index reads of a node.
fn node_fields(n: &Node) -> [(Field, &str); 3] {
    [
        (Field::Title, n.title.as_str()),
        (Field::Summary, n.summary.as_deref().unwrap_or_default()),
        (Field::Text, n.text.as_deref().unwrap_or_default()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::gen;

    /// The segments of `nodes` nodes of generated versions, `versions` of each policy (later
    /// ones share most texts with the one before), and the policy of each node.
    fn segments(
        policies: usize,
        versions: usize,
        nodes: usize,
    ) -> (Vec<Range<usize>>, Vec<String>) {
        let cfg = gen::GenConfig {
            nodes,
            ..gen::GenConfig::default()
        };
        let mut docs = Vec::new();
        for (p, v1) in gen::corpus(5, policies, &cfg).enumerate() {
            let mut v = v1;
            for k in 1..versions {
                let next = gen::next_version(p as u64 * 10 + k as u64, &v, &format!("v{k}"), 0.1);
                docs.push(std::mem::replace(&mut v, next));
            }
            docs.push(v);
        }
        let refs: Vec<DocRef> = docs
            .iter()
            .flat_map(|(d, ns)| {
                ns.iter()
                    .map(|n| DocRef::new(&d.policy_id, &d.version_id, &n.node_id))
            })
            .collect();
        let fields: Vec<[(Field, &str); 3]> = docs
            .iter()
            .flat_map(|(_, ns)| ns.iter().map(node_fields))
            .collect();
        let texts: Vec<NodeText<'_>> = refs
            .iter()
            .zip(&fields)
            .map(|(doc, f)| NodeText { doc, fields: f })
            .collect();
        let policies = refs.iter().map(|r| r.policy_id.clone()).collect();
        (segment_ranges(&texts), policies)
    }

    /// The ranges cover `0..n` in order, none empty.
    fn assert_tiles(ranges: &[Range<usize>], n: usize) {
        assert_eq!(ranges.first().map(|r| r.start), Some(0));
        assert_eq!(ranges.last().map(|r| r.end), Some(n));
        assert!(ranges.iter().all(|r| r.start < r.end), "{ranges:?}");
        assert!(
            ranges.windows(2).all(|w| w[0].end == w[1].start),
            "{ranges:?}"
        );
    }

    #[test]
    fn segments_tile_the_batch_and_start_where_a_policy_does() {
        // Small batches are one segment.
        let (ranges, policies) = segments(2, 1, 50);
        assert_eq!((ranges.len(), ranges[0].clone()), (1, 0..policies.len()));
        // 100 policies of 3 versions of 50 nodes: 15,000 nodes, the most segments, each cut at
        // a policy's first node, so its later versions replay the first one's analysis.
        let (ranges, policies) = segments(100, 3, 50);
        assert_tiles(&ranges, policies.len());
        assert_eq!(ranges.len(), MAX_SEGMENTS);
        for r in &ranges[1..] {
            assert_ne!(
                policies[r.start],
                policies[r.start - 1],
                "cut inside a policy: {r:?}"
            );
        }
        // About equal parts (the generator's texts are of about equal length).
        let n = policies.len();
        for r in &ranges {
            assert!(r.len() > n / MAX_SEGMENTS / 2, "{ranges:?}");
        }
        // One policy of 600 nodes: no policy change to move to, still two segments.
        let (ranges, policies) = segments(1, 1, 600);
        assert_tiles(&ranges, policies.len());
        assert_eq!(ranges.len(), 2);
    }
}
