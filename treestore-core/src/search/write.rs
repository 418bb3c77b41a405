//! Index maintenance inside the caller's write transaction: configure, index, replace, remove.
//! Every function validates its input before writing anything, and updates the documents, the
//! postings, the term dictionary and the statistics together, so a commit never exposes a stale
//! posting or a statistic that disagrees with the postings.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use super::block::{apply_edit, TermEdit};
use super::layout::{
    self, decode_node, decode_policy, decode_version, doc_key, docnum, encode_node, encode_policy,
    encode_settings, encode_version, node_key, node_key_in, read_doc, read_settings, read_stats,
    str_key, too_large, version_key, write_stats, DocRec, PolicyRec, Stats, Tables, VersionRec,
    MAX_POLICIES, MAX_SEQ, MAX_VERSIONS, SETTINGS_KEY,
};
use super::model::{validate_id, DocRef, Field, SearchSettings, Stemming, MAX_FIELD_LEN};
use super::segment::{update_df, Segment};
use crate::db::key_run::KeyRun;
use crate::db::{ReadOps, Table, WriteTxn};
use crate::error::{Error, Result};
use crate::keys::KeyBuilder;

/// One node to index: its reference and the text of its fields (a field left out is empty).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeText<'a> {
    /// The node.
    pub doc: &'a DocRef,
    /// Each field at most once.
    pub fields: &'a [(Field, &'a str)],
}

/// The index's settings: the recorded ones, or the defaults while the index was never used.
pub fn settings<R: ReadOps + ?Sized>(tx: &R) -> Result<SearchSettings> {
    let t = Tables::open(tx)?;
    Ok(read_settings(tx, &t)?.unwrap_or_default())
}

/// Records `settings`. The weights may change at any time; the stemming only while the index
/// holds no node (changing it under indexed terms would make them unmatchable), otherwise this is
/// an `InvalidArgument` error.
pub fn configure(tx: &mut WriteTxn, settings: &SearchSettings) -> Result<()> {
    settings.weights.validate()?;
    let t = Tables::open(tx)?;
    if let Some(current) = read_settings(tx, &t)? {
        let docs = read_stats(tx, &t)?.doc_count;
        let docs = docs + super::records::record_count(tx)?;
        if current.stemming != settings.stemming && docs > 0 {
            return Err(Error::invalid(format!(
                "stemming is {} since the index was first used and {docs} nodes and records \
                 are indexed under it; remove them before changing it to {}",
                current.stemming.name(),
                settings.stemming.name()
            )));
        }
    }
    tx.insert(
        t.settings,
        &str_key(SETTINGS_KEY),
        &encode_settings(settings),
    )?;
    Ok(())
}

/// The recorded settings, recording the defaults on first use.
fn settings_for_write(tx: &mut WriteTxn, settings: Table) -> Result<SearchSettings> {
    if let Some(v) = tx.get(settings, &str_key(SETTINGS_KEY))? {
        return layout::decode_settings(&v);
    }
    let s = SearchSettings::default();
    tx.insert(settings, &str_key(SETTINGS_KEY), &encode_settings(&s))?;
    Ok(s)
}

/// The recorded settings for the record index, recording the defaults on first use (so the
/// stemming its terms were made with cannot change under them). Opens only the settings table:
/// every tool result stored comes here, and opening the node index's nine tables by name was
/// about 2% of such a store's instructions.
pub(crate) fn settings_for_record(tx: &mut WriteTxn) -> Result<SearchSettings> {
    let settings = tx.table(layout::SETTINGS)?;
    settings_for_write(tx, settings)
}

/// Indexes one node, replacing what was indexed for the same [`DocRef`] before.
pub fn index_node(tx: &mut WriteTxn, doc: &DocRef, fields: &[(Field, &str)]) -> Result<()> {
    index_nodes(tx, &[NodeText { doc, fields }])
}

/// Indexes several nodes at once (faster than one by one: the batch's postings are gathered in
/// memory and each term's blocks are written once), replacing what was indexed for the same
/// references before. A reference may appear once.
pub fn index_nodes(tx: &mut WriteTxn, nodes: &[NodeText<'_>]) -> Result<()> {
    validate_nodes(nodes)?;
    let numbered = number_nodes(tx, nodes)?;
    index_numbered(tx, nodes, numbered, &mut NoSegments(nodes.len()))
}

/// The stemming the index analyzes new text with: the recorded one, or the default. Opens only
/// the settings table (every combined tool-result store reads it on its caller's thread).
pub(crate) fn stemming<R: ReadOps + ?Sized>(tx: &R) -> Result<Stemming> {
    let settings = tx.table(layout::SETTINGS)?;
    match tx.get(settings, &str_key(SETTINGS_KEY))? {
        Some(v) => Ok(layout::decode_settings(&v)?.stemming),
        None => Ok(Stemming::default()),
    }
}

/// `nodes[from..next]` analyzed without the transaction: one segment of [`index_numbered`]'s
/// batch, which may be made on another thread while the caller writes other tables (see
/// [`Analyzer`]).
pub(crate) struct Analyzed<'a> {
    stemming: Stemming,
    segment: Segment<'a>,
    /// The segment holds `nodes[from..next]`.
    from: usize,
    next: usize,
}

/// An empty segment under the stemming of [`stemming`] (read before), made on the writing thread
/// (it takes that thread's test settings) to be filled on any thread by [`Analyzer::run`].
pub(crate) struct Analyzer<'a> {
    stemming: Stemming,
    segment: Segment<'a>,
}

impl<'a> Analyzer<'a> {
    pub(crate) fn new(stemming: Stemming) -> Analyzer<'a> {
        Analyzer {
            stemming,
            segment: Segment::new(stemming),
        }
    }

    /// Analyzes `nodes[range]` (validated by [`validate_fields`]) into one segment, in order,
    /// until the segment is full.
    pub(crate) fn run(self, nodes: &[NodeText<'a>], range: Range<usize>) -> Analyzed<'a> {
        let Analyzer {
            stemming,
            mut segment,
        } = self;
        let next = segment.fill(&nodes[..range.end], range.start);
        Analyzed {
            stemming,
            segment,
            from: range.start,
            next,
        }
    }
}

/// The first half of indexing a batch, which needs the transaction but not the analysis (so it
/// may run while the analysis is made elsewhere): every node's docnum and old entry, and the
/// policy, version and node records written.
pub(crate) struct Numbered {
    t: Tables,
    stemming: Stemming,
    plan: Plan,
    numbered: Vec<(u64, Option<DocRec>)>,
}

/// Numbers `nodes`, validated by [`validate_fields`] (see [`Numbered`]).
pub(crate) fn number_nodes(tx: &mut WriteTxn, nodes: &[NodeText<'_>]) -> Result<Numbered> {
    let t = Tables::open(tx)?;
    let stemming = read_settings(tx, &t)?.unwrap_or_default().stemming;
    let mut plan = Plan::new(read_stats(tx, &t)?);
    let mut numbered = Vec::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        numbered.push(plan.docnum_for(tx, &t, i, node.doc)?);
    }
    // Every check has passed: write.
    settings_for_write(tx, t.settings)?;
    plan.write(tx, &t, nodes)?;
    Ok(Numbered {
        t,
        stemming,
        plan,
        numbered,
    })
}

/// Where [`index_numbered`] takes a batch's segments from: those analyzed elsewhere (on another
/// thread, or before), by where they start. The nodes no segment covers it analyzes itself.
pub(crate) trait Segments<'a> {
    /// The segment analyzed from node `from` on, when one was made (waiting for it when it is
    /// being made); `None` when `index_numbered` is to analyze from there itself.
    fn take(&mut self, from: usize) -> Option<Analyzed<'a>>;
    /// Where `index_numbered`'s own analysis from `from` stops: the start of the next segment
    /// made elsewhere, or the end of the batch.
    fn stop(&self, from: usize) -> usize;
}

/// No segment made elsewhere: [`index_numbered`] analyzes every node itself.
pub(crate) struct NoSegments(pub usize);

impl<'a> Segments<'a> for NoSegments {
    fn take(&mut self, _from: usize) -> Option<Analyzed<'a>> {
        None
    }

    fn stop(&self, _from: usize) -> usize {
        self.0
    }
}

impl Analyzed<'_> {
    /// Where the segment starts.
    pub(crate) fn from(&self) -> usize {
        self.from
    }
}

/// Indexes `nodes`, numbered by [`number_nodes`] in this transaction, segment by segment in
/// node order, taking each from `made` when it has one (each analyzed from these `nodes`) and
/// analyzing the nodes between them here. A segment made under another stemming than the
/// recorded one is analyzed again.
pub(crate) fn index_numbered<'a>(
    tx: &mut WriteTxn,
    nodes: &[NodeText<'a>],
    numbered: Numbered,
    made: &mut dyn Segments<'a>,
) -> Result<()> {
    let Numbered {
        t,
        stemming,
        mut plan,
        mut numbered,
    } = numbered;
    let mut from = 0;
    // A segment taken and not yet written (one that did not fit into the one before).
    let mut held: Option<(Segment<'a>, usize)> = None;
    loop {
        let (mut segment, mut next) = match held.take() {
            Some(h) => h,
            None => segment_from(nodes, stemming, made, from),
        };
        // A segment with a distinct term or more per node is written with the ones after it in
        // one pass over their terms (see `Segment::absorb`): with the thousands of terms of real
        // texts, a pass per segment cost more than the analysis it let run beside (session 16:
        // 100k nodes over a 50k-word vocabulary, one segment 5.7 s, two 6.9 s, four 7.5 s).
        while next < nodes.len() && segment.is_dense() {
            let (more, after) = segment_from(nodes, stemming, made, next);
            if !segment.fits(&more) {
                held = Some((more, after));
                break;
            }
            segment.absorb(more);
            next = after;
        }
        segment.join();
        // The segment holds nodes[from..next].
        for (k, (docnum, old)) in numbered[from..next].iter_mut().enumerate() {
            if let Some(old) = old.take() {
                plan.stats.doc_count -= 1;
                for (total, l) in plan.stats.field_len.iter_mut().zip(old.field_len) {
                    *total = total.saturating_sub(l);
                }
                segment.delete(*docnum, &old.terms);
            }
            let field_len = segment.set_docnum(k, *docnum);
            plan.stats.doc_count += 1;
            for (total, l) in plan.stats.field_len.iter_mut().zip(field_len) {
                *total += l;
            }
        }
        segment.write(tx, &t, nodes)?;
        if next >= nodes.len() {
            break;
        }
        from = next;
    }
    write_stats(tx, &t, &plan.stats)
}

/// The segment from node `from` on: `made`'s when it has one under `stemming`, else analyzed here
/// up to where `made`'s next one starts; with where it ends.
fn segment_from<'a>(
    nodes: &[NodeText<'a>],
    stemming: Stemming,
    made: &mut dyn Segments<'a>,
    from: usize,
) -> (Segment<'a>, usize) {
    let taken = made
        .take(from)
        .filter(|a| a.stemming == stemming && a.from == from && a.next > a.from);
    match taken {
        Some(a) => (a.segment, a.next),
        None => {
            // Up to the next segment made elsewhere; at least one node.
            let stop = made.stop(from).min(nodes.len());
            let stop = if stop > from { stop } else { nodes.len() };
            let mut segment = Segment::new(stemming);
            let next = segment.fill(&nodes[..stop], from);
            (segment, next)
        }
    }
}

fn validate_nodes(nodes: &[NodeText<'_>]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for node in nodes {
        node.doc.validate()?;
        if !seen.insert(node.doc) {
            return Err(Error::invalid(format!(
                "node {} is given twice in one batch",
                node.doc
            )));
        }
        check_fields(node)?;
    }
    Ok(())
}

/// The checks of [`validate_nodes`] but the one that each node is given once: for callers that
/// know it (the document store: node ids are unique within a version, and it indexes each
/// version once).
pub(crate) fn validate_fields(nodes: &[NodeText<'_>]) -> Result<()> {
    for node in nodes {
        node.doc.validate()?;
        check_fields(node)?;
    }
    Ok(())
}

/// Each field at most once and within [`MAX_FIELD_LEN`].
fn check_fields(node: &NodeText<'_>) -> Result<()> {
    let mut fields = [false; 3];
    for (field, text) in node.fields {
        let slot = &mut fields[field.index()];
        if std::mem::replace(slot, true) {
            return Err(Error::invalid(format!(
                "node {}: field {} is given twice",
                node.doc,
                field.name()
            )));
        }
        if text.len() > MAX_FIELD_LEN {
            return Err(layout::too_large(format!(
                "node {}: field {} has {} bytes, the limit is {MAX_FIELD_LEN}",
                node.doc,
                field.name(),
                text.len()
            )));
        }
    }
    Ok(())
}

/// Docnum allocation for a batch: policy and version records read once, changed in memory and
/// written after every check has passed.
struct Plan {
    stats: Stats,
    policies: HashMap<String, (PolicyRec, bool)>,
    versions: HashMap<(String, String), (VersionRec, bool)>,
    /// The last version asked about, and whether it had indexed nodes before the batch (its
    /// record exists exactly then): the nodes of a version without are all new, and need no
    /// lookup. Batches list a version's nodes together, so one entry serves them.
    indexed_before: Option<(String, String, bool)>,
    /// The version being numbered, its policy's number and its record, which `versions` gets
    /// back when another version comes (or at [`Plan::write`]): a node of the same version as
    /// the one before is numbered without a lookup.
    current: Option<Current>,
    /// New nodes: their index in the batch and their docnum.
    new_nodes: Vec<(usize, u64)>,
}

struct Current {
    policy_id: String,
    version_id: String,
    policy: u64,
    rec: VersionRec,
}

impl Plan {
    fn new(stats: Stats) -> Plan {
        Plan {
            stats,
            policies: HashMap::new(),
            versions: HashMap::new(),
            indexed_before: None,
            current: None,
            new_nodes: Vec::new(),
        }
    }

    /// The docnum of `doc` (node `i` of the batch), and its old record when it is indexed
    /// already.
    fn docnum_for(
        &mut self,
        tx: &WriteTxn,
        t: &Tables,
        i: usize,
        doc: &DocRef,
    ) -> Result<(u64, Option<DocRec>)> {
        if self.was_indexed(tx, t, doc)? {
            if let Some(v) = tx.get(t.nodes, &node_key(doc))? {
                let d = decode_node(&v).map_err(|e| e.context(format!("node {doc}")))?;
                return Ok((d, Some(read_doc(tx, t, d)?)));
            }
        }
        let (policy, version, seq) = self.number(tx, t, doc)?;
        let d = docnum(policy, version, seq);
        self.new_nodes.push((i, d));
        Ok((d, None))
    }

    /// The policy number, version number and node sequence number of a new node of `doc`'s
    /// version.
    fn number(&mut self, tx: &WriteTxn, t: &Tables, doc: &DocRef) -> Result<(u64, u64, u64)> {
        let same = self
            .current
            .as_ref()
            .is_some_and(|c| c.policy_id == doc.policy_id && c.version_id == doc.version_id);
        if !same {
            self.put_back_current();
            let policy = self.policy(tx, t, &doc.policy_id)?;
            let rec = self.version(tx, t, doc)?;
            self.current = Some(Current {
                policy_id: doc.policy_id.clone(),
                version_id: doc.version_id.clone(),
                policy,
                rec,
            });
        }
        let Some(c) = self.current.as_mut() else {
            return Err(Error::corruption("version record vanished"));
        };
        if c.rec.next_seq >= MAX_SEQ {
            return Err(too_large(format!(
                "version {:?} of policy {:?} has numbered {MAX_SEQ} nodes",
                c.version_id, c.policy_id
            )));
        }
        c.rec.next_seq += 1;
        Ok((c.policy, c.rec.num, c.rec.next_seq - 1))
    }

    /// Returns the current version's record to `versions`, to be written (a version that
    /// numbered a node is written).
    fn put_back_current(&mut self) {
        if let Some(c) = self.current.take() {
            self.versions
                .insert((c.policy_id, c.version_id), (c.rec, true));
        }
    }

    /// Whether `doc`'s version had indexed nodes before the batch.
    fn was_indexed(&mut self, tx: &WriteTxn, t: &Tables, doc: &DocRef) -> Result<bool> {
        if let Some((p, v, known)) = &self.indexed_before {
            if *p == doc.policy_id && *v == doc.version_id {
                return Ok(*known);
            }
        }
        let key = version_key(&doc.policy_id, &doc.version_id);
        let known = tx.get(t.versions, &key)?.is_some();
        self.indexed_before = Some((doc.policy_id.clone(), doc.version_id.clone(), known));
        Ok(known)
    }

    fn policy(&mut self, tx: &WriteTxn, t: &Tables, policy_id: &str) -> Result<u64> {
        if let Some((p, _)) = self.policies.get(policy_id) {
            return Ok(p.num);
        }
        let rec = match tx.get(t.policies, &str_key(policy_id))? {
            Some(v) => (decode_policy(&v)?, false),
            None => {
                if self.stats.next_policy >= MAX_POLICIES {
                    return Err(too_large(format!(
                        "the index has numbered {MAX_POLICIES} policies; remove every node to \
                         reset the count"
                    )));
                }
                self.stats.next_policy += 1;
                let num = self.stats.next_policy - 1;
                (
                    PolicyRec {
                        num,
                        next_version: 0,
                    },
                    true,
                )
            }
        };
        self.policies.insert(policy_id.to_string(), rec);
        Ok(rec.0.num)
    }

    /// The record of `doc`'s version as numbered so far (its policy's record read already).
    fn version(&mut self, tx: &WriteTxn, t: &Tables, doc: &DocRef) -> Result<VersionRec> {
        let key = (doc.policy_id.clone(), doc.version_id.clone());
        let entry = match self.versions.get_mut(&key) {
            Some(e) => e,
            None => {
                let rec = match tx.get(t.versions, &version_key(&key.0, &key.1))? {
                    Some(v) => decode_version(&v)?,
                    None => {
                        let Some((p, dirty)) = self.policies.get_mut(&key.0) else {
                            return Err(Error::corruption("policy record vanished"));
                        };
                        if p.next_version >= MAX_VERSIONS {
                            return Err(too_large(format!(
                                "policy {:?} has numbered {MAX_VERSIONS} versions",
                                key.0
                            )));
                        }
                        p.next_version += 1;
                        *dirty = true;
                        VersionRec {
                            num: p.next_version - 1,
                            next_seq: 0,
                        }
                    }
                };
                self.versions.entry(key).or_insert((rec, false))
            }
        };
        Ok(entry.0)
    }

    fn write(&mut self, tx: &mut WriteTxn, t: &Tables, nodes: &[NodeText<'_>]) -> Result<()> {
        self.put_back_current();
        for (id, (p, dirty)) in &self.policies {
            if *dirty {
                tx.insert(t.policies, &str_key(id), &encode_policy(p))?;
            }
        }
        for ((p, v), (rec, dirty)) in &self.versions {
            if *dirty {
                tx.insert(t.versions, &version_key(p, v), &encode_version(rec))?;
            }
        }
        // One run, in the order the nodes came (the tree an insert per entry makes).
        let mut key = KeyBuilder::with_capacity(64);
        let mut run = KeyRun::default();
        for &(i, d) in &self.new_nodes {
            run.push(node_key_in(&mut key, nodes[i].doc), &encode_node(d));
        }
        run.insert_in_push_order(tx, t.nodes)?;
        Ok(())
    }
}

/// Applies the per-term edits in term order (sorting each first) and updates document
/// frequencies.
fn apply_edits(tx: &mut WriteTxn, t: &Tables, edits: HashMap<String, TermEdit>) -> Result<()> {
    let mut edits: Vec<(String, TermEdit)> = edits.into_iter().collect();
    edits.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (term, mut edit) in edits {
        edit.deletes.sort_unstable();
        edit.inserts.sort_unstable_by_key(|p| p.doc);
        let delta = apply_edit(tx, t, &term, edit)?;
        update_df(tx, t, &term, delta)?;
    }
    Ok(())
}

/// Removes one node from the index; returns whether it was indexed.
pub fn remove_node(tx: &mut WriteTxn, doc: &DocRef) -> Result<bool> {
    doc.validate()?;
    let t = Tables::open(tx)?;
    let Some(v) = tx.get(t.nodes, &node_key(doc))? else {
        return Ok(false);
    };
    let d = decode_node(&v).map_err(|e| e.context(format!("node {doc}")))?;
    remove_docs(tx, &t, vec![d])?;
    Ok(true)
}

/// Removes every node of one version of a policy; returns how many were indexed.
pub fn remove_version(tx: &mut WriteTxn, policy_id: &str, version_id: &str) -> Result<u64> {
    validate_id("policy_id", policy_id)?;
    validate_id("version_id", version_id)?;
    let t = Tables::open(tx)?;
    let docnums = docnums_under(tx, &t, &version_key(policy_id, version_id))?;
    let n = docnums.len() as u64;
    remove_docs(tx, &t, docnums)?;
    Ok(n)
}

/// Removes every node of every version of a policy; returns how many were indexed.
pub fn remove_policy(tx: &mut WriteTxn, policy_id: &str) -> Result<u64> {
    validate_id("policy_id", policy_id)?;
    let t = Tables::open(tx)?;
    let docnums = docnums_under(tx, &t, &str_key(policy_id))?;
    let n = docnums.len() as u64;
    remove_docs(tx, &t, docnums)?;
    Ok(n)
}

/// The docnums of the `fts.nodes` entries whose key starts with `prefix`.
fn docnums_under(tx: &WriteTxn, t: &Tables, prefix: &[u8]) -> Result<Vec<u64>> {
    tx.prefix(t.nodes, prefix)?
        .map(|kv| kv.and_then(|(_, v)| decode_node(&v)))
        .collect()
}

/// Removes documents with their postings, node entries and emptied version and policy records.
fn remove_docs(tx: &mut WriteTxn, t: &Tables, docnums: Vec<u64>) -> Result<()> {
    if docnums.is_empty() {
        return Ok(());
    }
    let mut stats = read_stats(tx, t)?;
    let mut edits: HashMap<String, TermEdit> = HashMap::new();
    let mut touched: BTreeSet<(String, String)> = BTreeSet::new();
    for &d in &docnums {
        let rec = read_doc(tx, t, d)?;
        stats.doc_count = stats
            .doc_count
            .checked_sub(1)
            .ok_or_else(|| Error::corruption("fts.stats: document count would fall below zero"))?;
        for (total, l) in stats.field_len.iter_mut().zip(rec.field_len) {
            *total = total.saturating_sub(l);
        }
        for term in rec.terms {
            edits.entry(term).or_default().deletes.push(d);
        }
        tx.remove(t.docs, &doc_key(d))?;
        tx.remove(t.nodes, &node_key(&rec.doc))?;
        touched.insert((rec.doc.policy_id, rec.doc.version_id));
    }
    apply_edits(tx, t, edits)?;
    let mut policies = BTreeSet::new();
    for (p, v) in touched {
        let vk = version_key(&p, &v);
        if tx.prefix(t.nodes, &vk)?.next().transpose()?.is_none() {
            tx.remove(t.versions, &vk)?;
            policies.insert(p);
        }
    }
    for p in policies {
        let pk = str_key(&p);
        if tx.prefix(t.versions, &pk)?.next().transpose()?.is_none() {
            tx.remove(t.policies, &pk)?;
        }
    }
    if stats.doc_count == 0 {
        // No policy record is left, so numbering can start again.
        stats.next_policy = 0;
    }
    write_stats(tx, t, &stats)
}
