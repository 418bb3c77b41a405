//! Node-by-node comparison of two versions of a policy. Stored texts are compared by hash and
//! length, so a diff reads no text at all.

use std::collections::HashMap;

use crate::db::ReadOps;
use crate::document::record::{NodeRecord, TextRef};
use crate::document::text::text_hash;
use crate::document::DocReader;
use crate::error::Result;

use super::model::{NodeChange, NodeField, VersionDiff};
use super::read::VersionReader;

/// One version's nodes by id, with each node's ordinal among its siblings.
struct Side {
    records: Vec<NodeRecord>,
    by_id: HashMap<String, usize>,
    ordinal: HashMap<String, usize>,
}

impl Side {
    fn new(records: Vec<NodeRecord>) -> Side {
        let mut by_id = HashMap::with_capacity(records.len());
        let mut ordinal = HashMap::with_capacity(records.len());
        for (i, r) in records.iter().enumerate() {
            by_id.insert(r.node_id.clone(), i);
            for (k, c) in r.child_ids.iter().enumerate() {
                ordinal.insert(c.clone(), k);
            }
        }
        Side {
            records,
            by_id,
            ordinal,
        }
    }

    fn get(&self, id: &str) -> Option<&NodeRecord> {
        self.by_id.get(id).and_then(|&i| self.records.get(i))
    }
}

fn entry(r: &NodeRecord, fields: Vec<NodeField>) -> NodeChange {
    NodeChange {
        node_id: r.node_id.clone(),
        title: r.title.clone(),
        section_path: r.section_path.clone(),
        fields,
    }
}

/// Whether two records hold the same text. A text kept inline in one record and stored apart in the
/// other (written under different inline limits, [`crate::document::text`]) is compared by the
/// stored one's hash and length.
fn same_text(a: &TextRef, b: &TextRef) -> bool {
    match (a, b) {
        (TextRef::Stored(x), TextRef::Stored(y)) => x.same_content(y),
        (TextRef::Stored(x), TextRef::Inline(s)) | (TextRef::Inline(s), TextRef::Stored(x)) => {
            x.len == s.len() as u64 && x.hash == text_hash(s)
        }
        _ => a == b,
    }
}

fn changed_fields(a: &NodeRecord, b: &NodeRecord, same_position: bool) -> Vec<NodeField> {
    let checks = [
        (NodeField::Title, a.title != b.title),
        (NodeField::Pages, a.pages != b.pages),
        (NodeField::Summary, a.summary != b.summary),
        (NodeField::Text, !same_text(&a.text, &b.text)),
        (NodeField::Parent, a.parent_id != b.parent_id),
        (NodeField::Position, !same_position),
        (NodeField::SectionPath, a.section_path != b.section_path),
        (NodeField::SeeAlso, a.see_also != b.see_also),
        (NodeField::Metadata, a.metadata != b.metadata),
    ];
    checks
        .into_iter()
        .filter_map(|(f, differs)| differs.then_some(f))
        .collect()
}

impl<R: ReadOps + ?Sized> VersionReader<'_, R> {
    /// What changed from version `from` to version `to` of `policy`: nodes added, removed, and
    /// changed (matched by node id; see [`NodeField`] for what is compared).
    pub fn diff_versions(&self, policy: &str, from: &str, to: &str) -> Result<VersionDiff> {
        let a = self.resolve(policy, Some(from))?;
        let b = self.resolve(policy, Some(to))?;
        let docs = DocReader::new(self.tx);
        let old = Side::new(
            docs.scan(a.vid, 0, None, true)?
                .into_iter()
                .map(|(_, r)| r)
                .collect(),
        );
        let new = Side::new(
            docs.scan(b.vid, 0, None, true)?
                .into_iter()
                .map(|(_, r)| r)
                .collect(),
        );
        let mut diff = VersionDiff {
            policy_id: policy.to_string(),
            from_version: from.to_string(),
            to_version: to.to_string(),
            ..VersionDiff::default()
        };
        for r in &new.records {
            match old.get(&r.node_id) {
                None => diff.added.push(entry(r, Vec::new())),
                Some(o) => {
                    let same_position = old.ordinal.get(&r.node_id) == new.ordinal.get(&r.node_id);
                    let fields = changed_fields(o, r, same_position);
                    if !fields.is_empty() {
                        diff.changed.push(entry(r, fields));
                    }
                }
            }
        }
        for r in &old.records {
            if new.get(&r.node_id).is_none() {
                diff.removed.push(entry(r, Vec::new()));
            }
        }
        Ok(diff)
    }
}

#[cfg(test)]
mod tests {
    use super::same_text;
    use crate::document::record::TextRef;
    use crate::document::text::{text_hash, StoredText};

    fn stored(s: &str) -> TextRef {
        TextRef::Stored(StoredText {
            owner_vid: 1,
            owner_pos: 0,
            len: s.len() as u64,
            hash: text_hash(s),
        })
    }

    #[test]
    fn an_inline_and_a_stored_text_compare_by_content() {
        let (a, b) = ("x".repeat(300), "y".repeat(300));
        assert!(same_text(&stored(&a), &TextRef::Inline(a.clone())));
        assert!(same_text(&TextRef::Inline(a.clone()), &stored(&a)));
        assert!(!same_text(&stored(&a), &TextRef::Inline(b.clone())));
        assert!(!same_text(&TextRef::Inline(a.clone()), &stored(&b)));
        assert!(!same_text(
            &stored(&a),
            &TextRef::Inline(a[1..].to_string())
        ));
        assert!(same_text(&stored(&a), &stored(&a)));
        assert!(!same_text(&TextRef::Inline(a), &TextRef::None));
    }
}
