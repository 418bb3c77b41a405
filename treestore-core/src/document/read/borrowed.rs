//! Borrowed node reads: [`DocReader::node_with`] hands a closure the node's fields as views into
//! its stored record, for callers that copy them elsewhere anyway (the C ABI writes them into a
//! result's arena), so the read makes none of the owned [`Node`](super::Node)'s allocations.

use super::DocReader;
use crate::codec::{StrList, StrPairs};
use crate::db::ReadOps;
use crate::document::record::{decode_node_ref, NodeRecordRef, TextRefBorrowed};
use crate::error::Result;
use crate::time::Timestamp;

/// One node, borrowed from the transaction's pages: the fields of [`Node`](super::Node), with
/// lists and metadata read lazily (each string checked to be UTF-8 as it is read).
pub struct NodeRef<'a> {
    pub node_id: &'a str,
    pub policy_id: &'a str,
    pub version_id: &'a str,
    /// `None` at the root.
    pub parent_id: Option<&'a str>,
    pub title: &'a str,
    pub page_start: Option<i64>,
    pub page_end: Option<i64>,
    pub summary: Option<&'a str>,
    pub text: Option<&'a str>,
    pub section_path: &'a str,
    pub child_ids: StrList<'a>,
    pub depth: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub see_also: StrList<'a>,
    /// In key order.
    pub metadata: StrPairs<'a>,
}

impl<'a> NodeRef<'a> {
    /// The node of the borrowed record `rec`, of `policy_id`'s version `version_id`, with `text`.
    pub(crate) fn of_record(
        rec: &NodeRecordRef<'a>,
        policy_id: &'a str,
        version_id: &'a str,
        text: Option<&'a str>,
    ) -> NodeRef<'a> {
        NodeRef {
            node_id: rec.node_id,
            policy_id,
            version_id,
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
        }
    }
}

impl NodeRef<'_> {
    /// An owned copy (what [`DocReader::node`] returns), for a caller that keeps one node of many.
    pub fn to_node(&self) -> Result<super::Node> {
        let list = |l: &StrList<'_>| -> Result<Vec<String>> {
            l.iter().map(|s| s.map(String::from)).collect()
        };
        Ok(super::Node {
            node_id: self.node_id.into(),
            policy_id: self.policy_id.into(),
            version_id: self.version_id.into(),
            parent_id: self.parent_id.map(Into::into),
            title: self.title.into(),
            page_start: self.page_start,
            page_end: self.page_end,
            summary: self.summary.map(Into::into),
            text: self.text.map(Into::into),
            section_path: self.section_path.into(),
            child_ids: list(&self.child_ids)?,
            depth: self.depth,
            created_at: self.created_at,
            updated_at: self.updated_at,
            see_also: list(&self.see_also)?,
            metadata: self
                .metadata
                .iter()
                .map(|kv| kv.map(|(k, v)| (k.to_string(), v.to_string())))
                .collect::<Result<_>>()?,
        })
    }
}

impl<R: ReadOps + ?Sized> DocReader<'_, R> {
    /// [`DocReader::node`] (one node, with text), handed to `f` as a [`NodeRef`] instead of
    /// copied into a [`Node`](super::Node).
    pub fn node_with<T>(
        &self,
        policy: &str,
        version: Option<&str>,
        node_id: &str,
        f: impl FnOnce(&NodeRef<'_>) -> Result<T>,
    ) -> Result<T> {
        let r = self.ver.resolve(policy, version)?;
        let p = self.point(&r, policy, node_id)?;
        let rec = decode_node_ref(&p.record, true)?;
        let version_id = r.version_id.as_str();
        match rec.text {
            TextRefBorrowed::None => {
                self.remember_point(&r, policy, &p, None);
                f(&NodeRef::of_record(&rec, policy, version_id, None))
            }
            TextRefBorrowed::Inline(s) => {
                self.remember_point(&r, policy, &p, None);
                f(&NodeRef::of_record(&rec, policy, version_id, Some(s)))
            }
            // A text in `doc.text` that fits one chunk is borrowed from it too; a longer one is
            // read into a string.
            TextRefBorrowed::Stored(s) => self.point_text(&r, policy, &p, &s, |body| {
                f(&NodeRef::of_record(&rec, policy, version_id, Some(&body)))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::db::Database;
    use crate::document::{store_document, DocReader, Document, Node};
    use std::collections::BTreeMap;

    fn node(id: &str, parent: Option<&str>, text: Option<String>) -> Node {
        Node {
            node_id: id.into(),
            parent_id: parent.map(Into::into),
            title: format!("Title {id}"),
            summary: Some("sum".into()),
            text,
            page_start: Some(2),
            page_end: Some(3),
            see_also: vec!["x".into(), "é".into()],
            metadata: BTreeMap::from([("k".into(), "v".into()), ("a".into(), "".into())]),
            ..Node::default()
        }
    }

    #[test]
    fn node_with_sees_what_node_returns() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path().join("t.tsdb"), Default::default()).unwrap();
        let long = "long text, stored in chunks. ".repeat(3000);
        let nodes = vec![
            node("r", None, None),
            node("a", Some("r"), Some("short".into())),
            node(
                "b",
                Some("r"),
                Some("a text long enough to go to doc.text ".repeat(4)),
            ),
            node("c", Some("r"), Some(long)),
        ];
        let doc = Document {
            policy_id: "p".into(),
            version_id: "v1".into(),
            ..Document::default()
        };
        let mut w = db.begin_write().unwrap();
        store_document(&mut w, &doc, &nodes).unwrap();
        w.commit().unwrap();
        let tx = db.begin_read().unwrap();
        let rd = DocReader::new(&tx);
        for id in ["r", "a", "b", "c"] {
            let want = rd.node("p", None, id).unwrap();
            let got = rd.node_with("p", None, id, |n| n.to_node()).unwrap();
            assert_eq!(got, want, "node {id}");
        }
        let missing = rd.node_with("p", None, "nope", |_| Ok(()));
        assert!(missing.unwrap_err().to_string().contains("nope"));
    }
}
