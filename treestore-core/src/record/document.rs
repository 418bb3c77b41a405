//! Records and JSON input for the DocumentStore and the VersionStore: a version travels as a
//! `version` record, a diff as a `version_diff` record of nested `node_change` records. Input
//! documents are `{"document": {...}, "nodes": [...]}` objects; nodes themselves come back through
//! the C ABI's fixed-width node array, not as records.

use serde_json::Value as Json;

use super::{parse_object, FromJson, JsonFields, Record, ToRecord, Value};
use crate::document::{Document, DocumentCounts, Node, StructurePage};
use crate::error::{Error, Result};
use crate::version::{NodeChange, VersionDiff, VersionPage};

/// One version of a document with its nodes, as `store_document` takes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentInput {
    /// The version's header.
    pub document: Document,
    /// Its nodes, in any order (see [`Node`] for what is derived).
    pub nodes: Vec<Node>,
}

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

/// `policy_id` and `version_id` are required; times are ISO 8601 or µs (0 or absent: see
/// [`Document`]); `tags` a list of strings; `metadata` an object (non-string values kept as JSON).
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

impl FromJson for Document {
    fn from_json(f: &JsonFields<'_>) -> Result<Document> {
        Ok(Document {
            policy_id: f.str("policy_id")?,
            version_id: f.str("version_id")?,
            pageindex_doc_id: f.opt_str("pageindex_doc_id")?,
            root_node_id: f.str_or_empty("root_node_id")?,
            metadata: f.str_map("metadata")?,
            created_at: f.time_or_zero("created_at")?,
            updated_at: f.time_or_zero("updated_at")?,
            effective_start: f.opt_time("effective_start")?,
            effective_end: f.opt_time("effective_end")?,
            created_by: f.str_or_empty("created_by")?,
            description: f.str_or_empty("description")?,
            tags: f.str_list("tags")?,
        })
    }
}

/// `node_id` is required; `depth` is ignored (always derived); everything else is optional (see
/// [`Node`] for what an absent field means).
impl FromJson for Node {
    fn from_json(f: &JsonFields<'_>) -> Result<Node> {
        Ok(Node {
            node_id: f.str("node_id")?,
            policy_id: f.str_or_empty("policy_id")?,
            version_id: f.str_or_empty("version_id")?,
            parent_id: f.opt_str("parent_id")?,
            title: f.str_or_empty("title")?,
            page_start: f.opt_i64("page_start")?,
            page_end: f.opt_i64("page_end")?,
            summary: f.opt_str("summary")?,
            text: f.opt_str("text")?,
            section_path: f.str_or_empty("section_path")?,
            child_ids: f.str_list("child_ids")?,
            depth: 0,
            created_at: f.time_or_zero("created_at")?,
            updated_at: f.time_or_zero("updated_at")?,
            see_also: f.str_list("see_also")?,
            metadata: f.str_map("metadata")?,
        })
    }
}

/// `{"document": {...}, "nodes": [...]}`; an error in a node names its index and, when it has
/// one, its id.
impl FromJson for DocumentInput {
    fn from_json(f: &JsonFields<'_>) -> Result<DocumentInput> {
        let doc = f
            .raw("document")
            .ok_or_else(|| Error::invalid("document_input: field document: is required"))?;
        let document = Document::from_json(&JsonFields::new("document", doc)?)?;
        let mut nodes = Vec::new();
        for (i, n) in f.objects("nodes", "node")?.iter().enumerate() {
            let node = Node::from_json(n).map_err(|e| e.context(node_label(n, i)))?;
            nodes.push(node);
        }
        Ok(DocumentInput { document, nodes })
    }
}

fn node_label(n: &JsonFields<'_>, i: usize) -> String {
    match n.raw("node_id") {
        Some(Json::String(id)) => format!("nodes[{i}] (node {id})"),
        _ => format!("nodes[{i}]"),
    }
}

/// Parses a JSON list of `{"document", "nodes"}` objects (a batch); an error names the item.
pub fn document_inputs_from_json(text: &str) -> Result<Vec<DocumentInput>> {
    let value = parse_object("documents", text)?;
    let Json::Array(items) = value else {
        return Err(Error::invalid(
            "documents: expected a JSON list of {\"document\", \"nodes\"} objects",
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            JsonFields::new("document_input", item)
                .and_then(|f| DocumentInput::from_json(&f))
                .map_err(|e| e.context(format!("documents[{i}]")))
        })
        .collect()
}

/// A node of a diff; `fields` lists what changed (empty for added and removed nodes).
impl ToRecord for NodeChange {
    fn to_record(&self) -> Record {
        Record::new("node_change")
            .with("node_id", &self.node_id)
            .with("title", &self.title)
            .with("section_path", &self.section_path)
            .with(
                "fields",
                self.fields
                    .iter()
                    .map(|f| f.name().to_string())
                    .collect::<Vec<_>>(),
            )
    }
}

/// `added`, `removed` and `changed` are nested `node_change` records, each in pre-order.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_input_reads_iso_and_micro_times_and_names_the_bad_node() {
        let text = r#"{"document": {"policy_id": "p", "version_id": "v1",
            "created_at": "2024-01-01T00:00:00Z", "effective_start": 5, "tags": ["t"]},
            "nodes": [{"node_id": "r", "title": "Root"},
                      {"node_id": "a", "parent_id": "r", "page_start": 1, "page_end": 2,
                       "metadata": {"k": "v", "n": 3}}]}"#;
        let input = DocumentInput::from_json_text("document_input", text).unwrap();
        assert_eq!(input.document.created_at, 1_704_067_200_000_000);
        assert_eq!(input.document.effective_start, Some(5));
        assert_eq!(input.nodes.len(), 2);
        assert_eq!(input.nodes[1].page_end, Some(2));
        assert_eq!(input.nodes[1].metadata["n"], "3");

        let bad = r#"{"document": {"policy_id": "p", "version_id": "v"},
            "nodes": [{"node_id": "r"}, {"node_id": "x", "title": 7}]}"#;
        let e = DocumentInput::from_json_text("document_input", bad)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("nodes[1] (node x)") && e.contains("field title"),
            "{e}"
        );
        let e = DocumentInput::from_json_text("document_input", r#"{"nodes": []}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("field document: is required"), "{e}");
    }

    #[test]
    fn a_batch_names_the_item() {
        let e = document_inputs_from_json(r#"[{"document": {"policy_id": "p"}}]"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("documents[0]") && e.contains("field version_id"),
            "{e}"
        );
        assert!(document_inputs_from_json("{}").is_err());
        assert!(document_inputs_from_json("[]").unwrap().is_empty());
    }
}
