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

use super::node_of;

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
        self.nodes.push(node_of(policy, version_id, rec, text));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::record::{
        decode_node, decode_node_ref, encode_node, NodeFields, NodeHead, TextRefBorrowed,
    };

    fn record(text: TextRefBorrowed<'_>) -> Vec<u8> {
        let mut md = BTreeMap::new();
        md.insert("k".to_string(), "vé".to_string());
        md.insert("a".to_string(), String::new());
        let see = vec!["other/1".to_string()];
        encode_node(&NodeFields {
            head: NodeHead {
                parent_pos: Some(0),
                depth: 1,
                size: 3,
            },
            node_id: "n1",
            parent_id: Some("root"),
            pages: Some((2, 5)),
            title: "Tïtle",
            summary: Some("sum"),
            text,
            section_path: "1",
            child_ids: &["c1", "c2"],
            see_also: &see,
            metadata: &md,
            created_at: -7,
            updated_at: 9,
        })
    }

    #[test]
    fn borrowed_and_owned_records_give_the_same_nodes() {
        let stored = StoredText {
            owner_vid: 4,
            owner_pos: 1,
            len: 300,
            hash: [3; 16],
        };
        let inline = record(TextRefBorrowed::Inline("short text"));
        let far = record(TextRefBorrowed::Stored(stored));
        for with_text in [false, true] {
            let (mut a, mut b) = (Collected::with_capacity(2), Collected::with_capacity(2));
            for bytes in [&inline, &far] {
                let rec = decode_node_ref(bytes, with_text).unwrap();
                a.push_ref("p", "v2", &rec, with_text).unwrap();
                b.push_owned("p", "v2", decode_node(bytes, with_text).unwrap(), with_text);
            }
            assert_eq!(a.nodes, b.nodes);
            let want_stored = if with_text { vec![(1, stored)] } else { vec![] };
            assert_eq!(a.stored, want_stored);
            assert_eq!(b.stored, want_stored);
            let n = &a.nodes[0];
            assert_eq!(n.text.as_deref(), with_text.then_some("short text"));
            assert_eq!((n.policy_id.as_str(), n.version_id.as_str()), ("p", "v2"));
            assert_eq!(n.child_ids, ["c1", "c2"]);
            assert_eq!(n.see_also, ["other/1"]);
            assert_eq!(n.metadata.get("k").map(String::as_str), Some("vé"));
            assert_eq!((n.page_start, n.page_end, n.depth), (Some(2), Some(5), 1));
            assert_eq!(a.nodes[1].text, None);
        }
    }

    #[test]
    fn a_damaged_list_is_an_error_not_a_panic() {
        let mut bytes = record(TextRefBorrowed::None);
        // Turn the first child id's first byte into a lone continuation byte.
        let at = bytes.windows(2).position(|w| w == b"c1").unwrap();
        bytes[at] = 0x80;
        let rec = decode_node_ref(&bytes, false).unwrap();
        let err = Collected::with_capacity(1)
            .push_ref("p", "v", &rec, false)
            .unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::Corruption);
    }
}
