//! The owned nodes of a multi-node read (children, subtrees, documents, batches): the sink that
//! copies each borrowed node once, straight into the [`Node`] the caller gets, and its stored
//! text into it when that is read at the end.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::codec::{StrList, StrPairs};
use crate::document::model::Node;
use crate::error::Result;

use super::sink::NodeSink;
use super::NodeRef;

/// The nodes handed over, in order.
pub(super) struct Collected {
    pub nodes: Vec<Node>,
}

impl Collected {
    pub fn with_capacity(n: usize) -> Self {
        Collected {
            nodes: Vec::with_capacity(n),
        }
    }
}

impl NodeSink for Collected {
    fn reserve(&mut self, nodes: usize) {
        self.nodes.reserve(nodes);
    }

    fn node(&mut self, n: &NodeRef<'_>) -> Result<()> {
        self.nodes.push(Node {
            node_id: n.node_id.to_owned(),
            policy_id: n.policy_id.to_owned(),
            version_id: n.version_id.to_owned(),
            parent_id: n.parent_id.map(str::to_owned),
            title: n.title.to_owned(),
            page_start: n.page_start,
            page_end: n.page_end,
            summary: n.summary.map(str::to_owned),
            text: n.text.map(str::to_owned),
            section_path: n.section_path.to_owned(),
            child_ids: owned_list(n.child_ids)?,
            depth: n.depth,
            created_at: n.created_at,
            updated_at: n.updated_at,
            see_also: owned_list(n.see_also)?,
            metadata: owned_map(n.metadata)?,
        });
        Ok(())
    }

    fn text(&mut self, index: usize, text: Cow<'_, str>) -> Result<()> {
        self.nodes[index].text = Some(text.into_owned());
        Ok(())
    }
}

pub(super) fn owned_list(list: StrList<'_>) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(list.len());
    for s in list.iter() {
        out.push(s?.to_owned());
    }
    Ok(out)
}

pub(super) fn owned_map(pairs: StrPairs<'_>) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for kv in pairs.iter() {
        let (k, v) = kv?;
        out.insert(k.to_owned(), v.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::sink::Feed;
    use super::*;
    use crate::document::record::{
        decode_node, decode_node_ref, encode_node, NodeFields, NodeHead, TextRefBorrowed,
    };
    use crate::document::text::StoredText;

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

    /// The node the owned decoder gives for `bytes` (text as the feed hands it: inline only).
    fn owned(bytes: &[u8], with_text: bool) -> Node {
        let rec = decode_node(bytes, with_text).unwrap();
        let text = match rec.text {
            crate::document::record::TextRef::Inline(ref s) if with_text => Some(s.clone()),
            _ => None,
        };
        super::super::node_of("p", "v2", rec, text)
    }

    #[test]
    fn fed_records_give_the_nodes_the_owned_decoder_gives() {
        let stored = StoredText {
            owner_vid: 4,
            owner_pos: 1,
            len: 300,
            hash: [3; 16],
        };
        let inline = record(TextRefBorrowed::Inline("short text"));
        let far = record(TextRefBorrowed::Stored(stored));
        for with_text in [false, true] {
            let mut a = Collected::with_capacity(2);
            let mut feed = Feed::new(&mut a, "p", "v2", with_text);
            for bytes in [&inline, &far] {
                feed.push(&decode_node_ref(bytes, with_text).unwrap())
                    .unwrap();
            }
            let want_stored = if with_text { vec![(1, stored)] } else { vec![] };
            assert_eq!(feed.stored_for_test(), want_stored);
            drop(feed);
            assert_eq!(a.nodes, [owned(&inline, with_text), owned(&far, with_text)]);
            let n = &a.nodes[0];
            assert_eq!(n.text.as_deref(), with_text.then_some("short text"));
            assert_eq!((n.policy_id.as_str(), n.version_id.as_str()), ("p", "v2"));
            assert_eq!(n.child_ids, ["c1", "c2"]);
            assert_eq!(n.see_also, ["other/1"]);
            assert_eq!(n.metadata.get("k").map(String::as_str), Some("vé"));
            assert_eq!((n.page_start, n.page_end, n.depth), (Some(2), Some(5), 1));
            assert_eq!(a.nodes[1].text, None);
            a.text(1, Cow::Borrowed("late")).unwrap();
            assert_eq!(a.nodes[1].text.as_deref(), Some("late"));
        }
    }

    #[test]
    fn a_damaged_list_is_an_error_not_a_panic() {
        let mut bytes = record(TextRefBorrowed::None);
        // Turn the first child id's first byte into a lone continuation byte.
        let at = bytes.windows(2).position(|w| w == b"c1").unwrap();
        bytes[at] = 0x80;
        let rec = decode_node_ref(&bytes, false).unwrap();
        let mut c = Collected::with_capacity(1);
        let err = Feed::new(&mut c, "p", "v", false).push(&rec).unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::Corruption);
    }
}
