//! The keyword index's part of a document write: which nodes a batch indexes, in which order,
//! and their text analysis, which needs nothing of the transaction and so runs on a second thread
//! while the writer fills the node tables and numbers the nodes for the index. The index that
//! results is the one a single thread makes: the analysis is the same function of the same nodes
//! in the same order, and everything that reads the transaction (docnums, old entries) happens
//! after the node tables are written, as before.

use std::collections::BTreeMap;
use std::hash::Hasher;

use crate::db::WriteTxn;
use crate::error::Result;
use crate::hash::{FxHashSet, FxHasher};
use crate::search::{self, cores, Analyzed, Analyzer, DocRef, Field, NodeText, Numbered};

use super::model::{Document, Node};

/// Batches of fewer nodes are analyzed on the writing thread (a thread costs tens of µs).
const PARALLEL_MIN_NODES: usize = 256;

/// The cost model of [`split_point`], in instructions (callgrind: on `import_speed 300 300`,
/// where nearly every text is new, the analysis took 67k a node of about 1,670 bytes of text; on
/// `doc_speed 100 import`, whose later versions share most texts, 30.5k a node of 529 new and
/// 975 replayed bytes, so a replayed byte costs about 9; the writing thread takes about 18k a
/// node before it can analyze there since its node tables are inserted in key order). A replayed
/// field copies its kept positions and bumps its terms' frequencies.
const ANALYZE_PER_BYTE: u64 = 40;
const REPLAY_PER_BYTE: u64 = 9;
const WRITE_PER_NODE: u64 = 18_000;

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

/// Writes a batch whose versions are validated: `write` stores them in the node tables and the
/// catalog (returning what it returns), then every stored node is indexed. The analysis runs
/// beside `write` when `analysis` says so. The keyword checks run before anything is written.
pub(crate) fn with_index<T>(
    tx: &mut WriteTxn,
    docs: &[(&Document, &[Node])],
    analysis: Analysis,
    write: impl FnOnce(&mut WriteTxn) -> Result<T>,
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
    // version once), so the index need not check that again.
    search::validate_fields(&texts)?;
    let stemming = search::stemming(tx)?;
    // The node tables first, then the index's numbering (it reads what removing replaced
    // versions left), both while the analysis runs beside them when it does.
    let write_and_number = |tx: &mut WriteTxn| -> Result<(T, Option<Numbered>)> {
        let written = write(tx)?;
        let numbered = if texts.is_empty() {
            None
        } else {
            Some(search::number_nodes(tx, &texts)?)
        };
        Ok((written, numbered))
    };
    let split = split_point(&texts);
    let (done, analyzed): (_, Vec<Analyzed<'_>>) = if analysis.beside(texts.len()) {
        std::thread::scope(|s| {
            let analyzer = Analyzer::new(stemming);
            let worker = s.spawn(|| analyzer.run(&texts, 0..split));
            let done = write_and_number(tx);
            // The rest of the analysis, on this thread while the worker ends its share.
            let rest = done
                .is_ok()
                .then(|| Analyzer::new(stemming).run(&texts, split..texts.len()));
            // A panic there is one the writing thread would have had: pass it on.
            let first = worker
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (done, std::iter::once(first).chain(rest).collect())
        })
    } else {
        let done = write_and_number(tx);
        let analyzed = match &done {
            Ok(_) if split < texts.len() => {
                vec![Analyzer::new(stemming).run(&texts, split..texts.len())]
            }
            _ => Vec::new(),
        };
        (done, analyzed)
    };
    let (written, numbered) = done?;
    if let Some(numbered) = numbered {
        search::index_numbered(tx, &texts, numbered, analyzed)?;
    }
    Ok(written)
}

#[cfg(test)]
thread_local! {
    /// Tests turn the cut off to compare with the index of one segment.
    pub(crate) static TEST_SPLIT: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Where a batch's analysis is cut in two segments: the first for the second thread, the rest
/// for the writing thread once it has written the node tables and numbered the nodes, so both
/// threads end about together. The cut comes from a cost estimate of the texts alone (not from
/// where the analysis runs, so every [`Analysis`] writes the same index; a segment boundary
/// changes no posting, and a batch too big for one segment has several anyway): a field is
/// analyzed at [`ANALYZE_PER_BYTE`] the first time the batch has it and replayed at
/// [`REPLAY_PER_BYTE`] after, and the writing thread spends [`WRITE_PER_NODE`] a node before it
/// can analyze. Batches of fewer than [`PARALLEL_MIN_NODES`] nodes are one segment
/// (`texts.len()`).
fn split_point(texts: &[NodeText<'_>]) -> usize {
    #[cfg(test)]
    if !TEST_SPLIT.with(|c| c.get()) {
        return texts.len();
    }
    if texts.len() < PARALLEL_MIN_NODES {
        return texts.len();
    }
    let mut seen: FxHashSet<u64> = FxHashSet::default();
    let costs: Vec<u64> = texts
        .iter()
        .map(|t| {
            let mut cost = 0;
            for &(_, text) in t.fields {
                let per_byte = if text.is_empty() || seen.insert(sample(text)) {
                    ANALYZE_PER_BYTE
                } else {
                    REPLAY_PER_BYTE
                };
                cost += text.len() as u64 * per_byte;
            }
            cost
        })
        .collect();
    let analysis: u64 = costs.iter().sum();
    let writes = texts.len() as u64 * WRITE_PER_NODE;
    // The second thread's share: half of all the work, at most all of the analysis.
    let share = ((analysis + writes) / 2).min(analysis);
    let mut done = 0u64;
    for (i, cost) in costs.iter().enumerate() {
        if done >= share {
            return i;
        }
        done += cost;
    }
    texts.len()
}

/// A cheap fingerprint of `text` for [`split_point`]'s estimate (its length and three 8-byte
/// samples): two texts that share it are taken for one, which at worst misplaces the cut.
fn sample(text: &str) -> u64 {
    let b = text.as_bytes();
    let word = |at: usize| {
        let mut w = [0u8; 8];
        let end = (at + 8).min(b.len());
        w[..end - at].copy_from_slice(&b[at..end]);
        u64::from_le_bytes(w)
    };
    let n = b.len();
    let mut h = FxHasher::default();
    h.write_usize(n);
    h.write_u64(word(0));
    h.write_u64(word(n / 2));
    h.write_u64(word(n.saturating_sub(8)));
    h.finish()
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

    /// The cut of `nodes` nodes of generated versions, `versions` of each policy (later ones
    /// share most texts with the one before).
    fn cut(policies: usize, versions: usize, nodes: usize) -> (usize, usize) {
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
        (split_point(&texts), texts.len())
    }

    #[test]
    fn the_cut_leaves_the_writer_a_share_that_fits_its_work() {
        // Distinct texts: the analysis is the larger part, the writer gets about a third of it.
        let (at, n) = cut(20, 1, 50);
        assert!(n / 2 < at && at < n * 9 / 10, "cut at {at} of {n}");
        // Versions sharing most texts: the analysis is somewhat more than the writer's own work
        // (on doc_speed 100 import 30.8k against 17.9k instructions a node), so the second
        // thread keeps most of it and the writer takes about a fifth.
        let (at, n) = cut(7, 3, 50);
        assert!(n * 7 / 10 < at && at < n * 9 / 10, "cut at {at} of {n}");
        // Small batches are one segment.
        let (at, n) = cut(2, 1, 50);
        assert_eq!((at, n), (100, 100));
    }
}
