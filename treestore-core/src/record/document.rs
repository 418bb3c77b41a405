//! Records for the document, version and search stores' types. A version's [`Document`] is a
//! `version` record; nested values are nested records (a diff's changes are `node_change`).

use super::{Record, ToRecord, Value};
use crate::document::{Document, DocumentCounts, Node, StructurePage};
use crate::search::SearchHit;
use crate::version::{NodeChange, VersionDiff, VersionPage};

impl ToRecord for Document {
    fn to_record(&self) -> Record {
        Record::new("version")
            .with("policy_id", &self.policy_id)
            .with("version_id", &self.version_id)
            .with("pageindex_doc_id", self.pageindex_doc_id.as_deref())
            .with("root_node_id", &self.root_node_id)
            .with("metadata", &self.metadata)
            .time("created_at", Some(self.created_at))
            .time("updated_at", Some(self.updated_at))
            .time("effective_start", self.effective_start)
            .time("effective_end", self.effective_end)
            .with("created_by", &self.created_by)
            .with("description", &self.description)
            .with("tags", &self.tags)
    }
}

/// `text` is null where the read skipped text.
impl ToRecord for Node {
    fn to_record(&self) -> Record {
        Record::new("node")
            .with("node_id", &self.node_id)
            .with("policy_id", &self.policy_id)
            .with("version_id", &self.version_id)
            .with("parent_id", self.parent_id.as_deref())
            .with("title", &self.title)
            .with("page_start", self.page_start)
            .with("page_end", self.page_end)
            .with("summary", self.summary.as_deref())
            .with("text", self.text.as_deref())
            .with("section_path", &self.section_path)
            .with("child_ids", &self.child_ids)
            .with("depth", self.depth)
            .time("created_at", Some(self.created_at))
            .time("updated_at", Some(self.updated_at))
            .with("see_also", &self.see_also)
            .with("metadata", &self.metadata)
    }
}

/// `document` is a nested `version` record; `next_cursor` is null on the last page.
impl ToRecord for StructurePage {
    fn to_record(&self) -> Record {
        Record::new("structure_page")
            .with("document", Value::Records(vec![self.document.to_record()]))
            .records("nodes", &self.nodes)
            .with("total_nodes", self.total_nodes)
            .with("next_cursor", self.next_cursor.as_deref())
    }
}

impl ToRecord for DocumentCounts {
    fn to_record(&self) -> Record {
        Record::new("document_counts")
            .with("policies", self.policies)
            .with("versions", self.versions)
            .with("nodes", self.nodes)
    }
}

impl ToRecord for VersionPage {
    fn to_record(&self) -> Record {
        Record::new("version_page")
            .records("versions", &self.versions)
            .with("next_cursor", self.next_cursor.as_deref())
    }
}

/// `fields` are the names [`NodeField::name`](crate::version::NodeField::name) gives.
impl ToRecord for NodeChange {
    fn to_record(&self) -> Record {
        let fields: Vec<String> = self.fields.iter().map(|f| f.name().to_string()).collect();
        Record::new("node_change")
            .with("node_id", &self.node_id)
            .with("title", &self.title)
            .with("section_path", &self.section_path)
            .with("fields", fields)
    }
}

impl ToRecord for VersionDiff {
    fn to_record(&self) -> Record {
        Record::new("version_diff")
            .with("policy_id", &self.policy_id)
            .with("from_version", &self.from_version)
            .with("to_version", &self.to_version)
            .records("added", &self.added)
            .records("removed", &self.removed)
            .records("changed", &self.changed)
    }
}

impl ToRecord for SearchHit {
    fn to_record(&self) -> Record {
        Record::new("search_hit")
            .with("policy_id", &self.doc.policy_id)
            .with("version_id", &self.doc.version_id)
            .with("node_id", &self.doc.node_id)
            .with("score", self.score)
            .with("matched_terms", &self.matched_terms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::DocRef;
    use crate::version::NodeField;

    #[test]
    fn a_node_renders_every_field_and_null_for_skipped_text() {
        let node = Node {
            node_id: "0003".into(),
            policy_id: "p".into(),
            version_id: "v1".into(),
            parent_id: Some("root".into()),
            title: "Scope".into(),
            page_start: Some(2),
            page_end: Some(3),
            section_path: "1.2".into(),
            depth: 2,
            ..Node::default()
        };
        let j = node.to_record().to_json();
        assert_eq!(j["node_id"], "0003");
        assert_eq!(j["page_end"], 3);
        assert_eq!(j["text"], serde_json::Value::Null);
        assert_eq!(j["created_at"], "1970-01-01T00:00:00Z");
        assert_eq!(j.as_object().map(|m| m.len()), Some(16));
    }

    #[test]
    fn a_diff_nests_its_changes_with_field_names() {
        let diff = VersionDiff {
            policy_id: "p".into(),
            from_version: "v1".into(),
            to_version: "v2".into(),
            changed: vec![NodeChange {
                node_id: "0001".into(),
                title: "Criteria".into(),
                section_path: "2".into(),
                fields: vec![NodeField::Text, NodeField::Pages],
            }],
            ..VersionDiff::default()
        };
        let j = diff.to_record().to_json();
        assert_eq!(
            j["changed"][0]["fields"],
            serde_json::json!(["text", "pages"])
        );
        assert_eq!(j["added"], serde_json::json!([]));
    }

    #[test]
    fn a_version_renders_missing_dates_as_null() {
        let doc = Document {
            policy_id: "p".into(),
            version_id: "v1".into(),
            effective_start: Some(0),
            tags: vec!["current".into()],
            ..Document::default()
        };
        let j = doc.to_record().to_json();
        assert_eq!(j["effective_start"], "1970-01-01T00:00:00Z");
        assert_eq!(j["effective_end"], serde_json::Value::Null);
        assert_eq!(j["tags"], serde_json::json!(["current"]));
        let hit = SearchHit {
            doc: DocRef::new("p", "v1", "0002"),
            score: 1.5,
            matched_terms: vec!["imaging".into()],
        };
        assert_eq!(hit.to_record().to_json()["score"], 1.5);
    }
}
