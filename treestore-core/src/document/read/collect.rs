//! The owned nodes of a multi-node read (children, subtrees, documents, batches): each record is
//! decoded borrowed and copied once, straight into the [`Node`] the caller gets, and the stored
//! texts it needs are noted beside it to be read together at the end.

use std::collections::BTreeMap;

use crate::btree::Finger;
use crate::codec::{StrList, StrPairs};
use crate::db::{ReadOps, Table};
use crate::document::model::Node;
use crate::document::record::{NodeRecord, NodeRecordRef, TextRef, TextRefBorrowed};
use crate::document::text::{self, StoredText};
use crate::document::text_scan;
use crate::error::Result;

/// Nodes in the order read, and the stored texts still to read into them.
pub(super) struct Collected {
    pub nodes: Vec<Node>,
    /// `(index in nodes, text)`, in the order of `nodes`.
    stored: Vec<(usize, StoredText)>,
}

impl Collected {
    pub fn with_capacity(n: usize) -> Self {
        Collected {
            nodes: Vec::with_capacity(n),
            stored: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn reserve(&mut self, n: usize) {
        self.nodes.reserve(n);
    }

    /// Appends the node of a borrowed record of `version_id` of `policy`; with `with_text`, its
    /// inline text is copied and its stored text noted, otherwise both are left out.
    pub fn push_ref(
        &mut self,
        policy: &str,
        version_id: &str,
        rec: &NodeRecordRef<'_>,
        with_text: bool,
    ) -> Result<()> {
        let text = match rec.text {
            TextRefBorrowed::Inline(s) if with_text => Some(s.to_owned()),
            TextRefBorrowed::Stored(s) if with_text => {
                self.stored.push((self.nodes.len(), s));
                None
            }
            _ => None,
        };
        self.nodes.push(Node {
            node_id: rec.node_id.to_owned(),
            policy_id: policy.to_owned(),
            version_id: version_id.to_owned(),
            parent_id: rec.parent_id.map(str::to_owned),
            title: rec.title.to_owned(),
            page_start: rec.pages.map(|p| i64::from(p.0)),
            page_end: rec.pages.map(|p| i64::from(p.1)),
            summary: rec.summary.map(str::to_owned),
            text,
            section_path: rec.section_path.to_owned(),
            child_ids: owned_list(rec.child_ids)?,
            depth: rec.head.depth,
            created_at: rec.created_at,
            updated_at: rec.updated_at,
            see_also: owned_list(rec.see_also)?,
            metadata: owned_map(rec.metadata)?,
        });
        Ok(())
    }

    /// Appends the node of an owned record, like [`Self::push_ref`].
    pub fn push_owned(
        &mut self,
        policy: &str,
        version_id: &str,
        mut rec: NodeRecord,
        with_text: bool,
    ) {
        let text = match std::mem::replace(&mut rec.text, TextRef::None) {
            TextRef::Inline(s) if with_text => Some(s),
            TextRef::Stored(s) if with_text => {
                self.stored.push((self.nodes.len(), s));
                None
            }
            _ => None,
        };
        self.nodes.push(Node {
            node_id: rec.node_id,
            policy_id: policy.to_owned(),
            version_id: version_id.to_owned(),
            parent_id: rec.parent_id,
            title: rec.title,
            page_start: rec.pages.map(|p| i64::from(p.0)),
            page_end: rec.pages.map(|p| i64::from(p.1)),
            summary: rec.summary,
            text,
            section_path: rec.section_path,
            child_ids: rec.child_ids,
            depth: rec.head.depth,
            created_at: rec.created_at,
            updated_at: rec.updated_at,
            see_also: rec.see_also,
            metadata: rec.metadata,
        });
    }

    /// The nodes, with the noted stored texts read from `texts` (those of two or more nodes
    /// together, see [`text_scan`]).
    pub fn finish<R: ReadOps + ?Sized>(
        mut self,
        tx: &R,
        texts: impl FnOnce() -> Result<Table>,
    ) -> Result<Vec<Node>> {
        match self.stored.len() {
            0 => {}
            1 => {
                let (i, s) = self.stored[0];
                self.nodes[i].text = Some(text::read(tx, texts()?, &s, &mut Finger::new())?);
            }
            _ => {
                let refs: Vec<StoredText> = self.stored.iter().map(|&(_, s)| s).collect();
                let read = text_scan::read_many(tx, texts()?, &refs)?;
                for ((i, _), body) in self.stored.iter().zip(read) {
                    self.nodes[*i].text = Some(body);
                }
            }
        }
        Ok(self.nodes)
    }
}

fn owned_list(list: StrList<'_>) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(list.len());
    for s in list.iter() {
        out.push(s?.to_owned());
    }
    Ok(out)
}

fn owned_map(pairs: StrPairs<'_>) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for kv in pairs.iter() {
        let (k, v) = kv?;
        out.insert(k.to_owned(), v.to_owned());
    }
    Ok(out)
}
