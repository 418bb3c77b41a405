//! The write path: storing a version (validated first, then written under a fresh vid, then the
//! replaced version's entries removed), bulk import, and deletion.

use crate::db::{ReadOps, Table, WriteTxn};
use crate::error::Result;
use crate::keys::KeyBuilder;
use crate::search;
use crate::time;
use crate::version::record::VersionRow;
use crate::version::write::{self as catalog, VerTables};

use super::id_pos::IdHint;
use super::indexing::{with_index, Analysis};
use super::model::{Document, Node};
use super::pages;
use super::record::{
    decode_stored_text, encode_head, encode_node_into, encode_pos, id_key, node_key, section_key,
    vid_prefix, DocHead, NodeFields, NodeHead, TextRefBorrowed, HEADS, IDS, NODES, PAGES, SECTIONS,
    TEXTS,
};
use super::text::{self, TextPool, INLINE_TEXT_MAX};
use super::validate::{check_key_room, plan, Plan};
use crate::btree::max_inline_value;
use crate::db::key_run::KeyRun;

/// The node tables, opened once per write.
pub(crate) struct DocTables {
    pub nodes: Table,
    pub ids: Table,
    pub sections: Table,
    pub pages: Table,
    pub heads: Table,
    pub texts: Table,
}

impl DocTables {
    pub(crate) fn open(tx: &WriteTxn) -> Result<DocTables> {
        Ok(DocTables {
            nodes: tx.table(NODES)?,
            ids: tx.table(IDS)?,
            sections: tx.table(SECTIONS)?,
            pages: tx.table(PAGES)?,
            heads: tx.table(HEADS)?,
            texts: tx.table(TEXTS)?,
        })
    }
}

/// Removes a version about to be removed (deleted or replaced) from the keyword (BM25) index,
/// in the same transaction, while its node tables are still readable. Stored versions are indexed
/// by [`with_index`], after the node tables of the whole batch.
pub(crate) fn unindex_version(tx: &mut WriteTxn, doc: &Document) -> Result<()> {
    search::remove_version(tx, &doc.policy_id, &doc.version_id)?;
    Ok(())
}

/// Stores `document` with `nodes` as one version, replacing the version of the same
/// `(policy_id, version_id)` if there is one; other versions are untouched. Everything is
/// validated before anything is written (see [`Node`] for what is derived); on error drop the
/// transaction. Returns the version as stored (root id and timestamps filled in).
pub fn store_document(tx: &mut WriteTxn, document: &Document, nodes: &[Node]) -> Result<Document> {
    let max_key = tx.max_key_len();
    let validate = || {
        let plan = plan(document, nodes)?;
        catalog::validate_tags(document)?;
        check_key_room(document, nodes, max_key)?;
        Ok(plan)
    };
    with_index(
        tx,
        &[(document, nodes)],
        Analysis::Auto,
        validate,
        |tx, plan| {
            let doc_tables = DocTables::open(tx)?;
            let ver_tables = VerTables::open(tx)?;
            let mut keys = KeyBuilder::with_capacity(64);
            let mut pool = TextPool::default();
            store_planned(
                tx,
                &doc_tables,
                &ver_tables,
                (&mut keys, &mut pool),
                document,
                nodes,
                &plan,
            )
        },
    )
}

/// Stores many versions in one transaction (an ingest batch): all are validated first, then
/// written; a later one may replace an earlier one of the same batch. Returns how many were stored.
/// The keyword analysis of a large batch runs on a second thread beside the writes.
pub fn store_documents(tx: &mut WriteTxn, documents: &[(Document, Vec<Node>)]) -> Result<u64> {
    store_batch(tx, documents, Analysis::Auto)
}

/// [`store_documents`] with the analysis where `analysis` says.
pub(crate) fn store_batch(
    tx: &mut WriteTxn,
    documents: &[(Document, Vec<Node>)],
    analysis: Analysis,
) -> Result<u64> {
    let max_key = tx.max_key_len();
    let validate = || {
        let mut plans = Vec::with_capacity(documents.len());
        for (doc, nodes) in documents {
            plans.push(plan(doc, nodes)?);
            catalog::validate_tags(doc)?;
            check_key_room(doc, nodes, max_key)?;
        }
        Ok(plans)
    };
    let docs: Vec<(&Document, &[Node])> = documents.iter().map(|(d, n)| (d, &n[..])).collect();
    with_index(tx, &docs, analysis, validate, |tx, plans| {
        let doc_tables = DocTables::open(tx)?;
        let ver_tables = VerTables::open(tx)?;
        let mut keys = KeyBuilder::with_capacity(64);
        let mut pool = TextPool::default();
        for ((doc, nodes), plan) in documents.iter().zip(&plans) {
            let ctx = (&mut keys, &mut pool);
            store_planned(tx, &doc_tables, &ver_tables, ctx, doc, nodes, plan)?;
        }
        Ok(documents.len() as u64)
    })
}

#[allow(clippy::too_many_arguments)]
/// `(keys, pool)`: the batch's key buffer and text pool (which keeps the texts the batch wrote).
fn store_planned<'a>(
    tx: &mut WriteTxn,
    dt: &DocTables,
    vt: &VerTables,
    (keys, pool): (&mut KeyBuilder, &mut TextPool<'a>),
    document: &Document,
    nodes: &'a [Node],
    plan: &Plan,
) -> Result<Document> {
    let old = catalog::existing(tx, vt, &document.policy_id, &document.version_id)?;
    let doc = finish_header(document, nodes, plan, old.as_ref());
    catalog::check_effective(tx, vt, &doc)?;
    pool.new_version();
    let latest = catalog::latest_vid(tx, vt, &doc.policy_id)?;
    for base in old.as_ref().map(|o| o.vid).into_iter().chain(latest) {
        offer_texts(tx, dt, base, pool)?;
    }
    let vid = catalog::allocate_vid(tx, vt)?;
    write_nodes(tx, dt, keys, &doc, vid, nodes, plan, pool)?;
    let id_hint = IdHint::detect(plan.order.iter().map(|&i| nodes[i].node_id.as_str()));
    catalog::put(tx, vt, &doc, vid, id_hint.as_ref(), old.as_ref())?;
    if let Some(old) = &old {
        unindex_version(tx, &old.doc)?;
    }
    if let Some(old) = old {
        remove_nodes(tx, dt, old.vid)?;
    }
    Ok(doc)
}

/// The header as stored: root id filled in, `created_at` kept from the replaced version (or now)
/// when zero, `updated_at` now when zero.
fn finish_header(
    doc: &Document,
    nodes: &[Node],
    plan: &Plan,
    old: Option<&VersionRow>,
) -> Document {
    let now = time::now();
    let mut out = doc.clone();
    out.root_node_id = nodes[plan.root].node_id.clone();
    if out.created_at == 0 {
        out.created_at = old.map_or(now, |o| o.doc.created_at);
    }
    if out.updated_at == 0 {
        out.updated_at = now;
    }
    out
}

/// Offers the stored texts of version `vid` for sharing.
fn offer_texts(tx: &WriteTxn, t: &DocTables, vid: u64, pool: &mut TextPool<'_>) -> Result<()> {
    for kv in tx.prefix(t.nodes, &vid_prefix(vid))? {
        let (_, v) = kv?;
        if let Some(s) = decode_stored_text(&v)? {
            pool.offer(s);
        }
    }
    Ok(())
}

#[allow(
    clippy::too_many_arguments,
    reason = "the write context, passed down once"
)]
fn write_nodes<'a>(
    tx: &mut WriteTxn,
    t: &DocTables,
    keys: &mut KeyBuilder,
    doc: &Document,
    vid: u64,
    nodes: &'a [Node],
    plan: &Plan,
    pool: &mut TextPool<'a>,
) -> Result<()> {
    let mut page_levels = 0u64;
    let mut id_run = KeyRun::default();
    let mut section_run = KeyRun::default();
    let mut page_run = KeyRun::default();
    let mut child_ids: Vec<&str> = Vec::new();
    let page_size = tx.page_size();
    let max_key = tx.max_key_len();
    let inline_max = text::inline_text_max(page_size);
    let mut record = Vec::new();
    for (pos, &i) in plan.order.iter().enumerate() {
        let n = &nodes[i];
        let pos = pos as u32;
        let text = match n.text.as_deref() {
            None => TextRefBorrowed::None,
            Some(s) if s.len() <= inline_max => TextRefBorrowed::Inline(s),
            Some(s) => TextRefBorrowed::Stored(text::store(tx, t.texts, pool, (vid, pos), s)?),
        };
        child_ids.clear();
        child_ids.extend(plan.children[i].iter().map(|&c| nodes[c].node_id.as_str()));
        let mut fields = NodeFields {
            head: NodeHead {
                parent_pos: plan.parent[i].map(|p| plan.pos[p]),
                depth: plan.depth[i],
                size: plan.size[i],
            },
            node_id: &n.node_id,
            parent_id: n.parent_id.as_deref(),
            pages: plan.pages[i],
            title: &n.title,
            summary: n.summary.as_deref(),
            text,
            section_path: &plan.section_path[i],
            child_ids: &child_ids,
            see_also: &n.see_also,
            metadata: &n.metadata,
            created_at: if n.created_at == 0 {
                doc.created_at
            } else {
                n.created_at
            },
            updated_at: if n.updated_at == 0 {
                doc.updated_at
            } else {
                n.updated_at
            },
        };
        encode_node_into(&fields, &mut record);
        let key = node_key(keys, vid, pos);
        if let (TextRefBorrowed::Inline(_), Some(s)) = (fields.text, n.text.as_deref()) {
            // A small text that would push its record out of the leaf into an overflow page is
            // stored apart after all (short ones never are: they cost less than a reference).
            if s.len() > INLINE_TEXT_MAX && record.len() > max_inline_value(page_size, key.len()) {
                fields.text =
                    TextRefBorrowed::Stored(text::store(tx, t.texts, pool, (vid, pos), s)?);
                encode_node_into(&fields, &mut record);
            }
        }
        tx.insert(t.nodes, key, &record)?;
        let (pos_bytes, pos_len) = encode_pos(pos);
        let pos_value = &pos_bytes[..pos_len];
        id_run.push(id_key(keys, vid, &n.node_id), pos_value);
        let (section, _) = section_key(keys, vid, &plan.section_path[i], pos, max_key);
        section_run.push(section, pos_value);
        if let Some(range) = plan.pages[i] {
            page_levels |= 1u64 << pages::file(&mut page_run, keys, vid, range, pos);
        }
    }
    id_run.insert_into(tx, t.ids)?;
    section_run.insert_into(tx, t.sections)?;
    page_run.insert_into(tx, t.pages)?;
    let head = DocHead {
        policy_id: doc.policy_id.clone(),
        version_id: doc.version_id.clone(),
        node_count: plan.order.len() as u32,
        page_levels,
    };
    tx.insert(t.heads, &vid_prefix(vid), &encode_head(&head))?;
    Ok(())
}

/// Removes every node-table entry of `vid` and releases its texts.
pub(crate) fn remove_nodes(tx: &mut WriteTxn, t: &DocTables, vid: u64) -> Result<()> {
    let prefix = vid_prefix(vid);
    let mut texts = Vec::new();
    for kv in tx.prefix(t.nodes, &prefix)? {
        let (_, v) = kv?;
        if let Some(s) = decode_stored_text(&v)? {
            texts.push(s);
        }
    }
    for s in &texts {
        text::release(tx, t.texts, s)?;
    }
    for table in [t.nodes, t.ids, t.sections, t.pages] {
        remove_prefix(tx, table, &prefix)?;
    }
    tx.remove(t.heads, &prefix)?;
    Ok(())
}

fn remove_prefix(tx: &mut WriteTxn, t: Table, prefix: &[u8]) -> Result<u64> {
    let end = crate::keys::prefix_successor(prefix);
    let upper = end
        .as_deref()
        .map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
    tx.remove_range(t, std::ops::Bound::Included(prefix), upper)
}

/// Deletes `version` of `policy`, or every version of it when `None`, with all their index
/// entries and text references. Returns how many versions were deleted (0 when none existed).
pub fn delete_document(tx: &mut WriteTxn, policy: &str, version: Option<&str>) -> Result<u64> {
    let dt = DocTables::open(tx)?;
    let vt = VerTables::open(tx)?;
    let rows = match version {
        Some(v) => catalog::existing(tx, &vt, policy, v)?.into_iter().collect(),
        None => catalog::all_of_policy(tx, &vt, policy)?,
    };
    for row in &rows {
        unindex_version(tx, &row.doc)?;
        remove_nodes(tx, &dt, row.vid)?;
        catalog::remove(tx, &vt, row)?;
    }
    Ok(rows.len() as u64)
}
