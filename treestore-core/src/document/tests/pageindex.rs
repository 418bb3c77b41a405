//! PageIndex import and export: every real file round-trips byte for byte; shapes, unknown fields,
//! missing ids and malformed JSON.

use std::path::PathBuf;

use serde_json::Value;

use super::support::{check_consistency, doc, mem_db};
use crate::document::pageindex::{META_EXTRA, META_KEYS, META_LINE_NUM, META_PREFIX_SUMMARY};
use crate::document::{parse_pageindex, render_pageindex, Documents, PageIndexFormat};
use crate::error::ErrorKind;

/// The shared PageIndex samples: `shared/` sits beside the repository (CI), or one level further
/// up (a worktree); `TREESTORE_PAGEINDEX_DIR` overrides.
fn samples_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("TREESTORE_PAGEINDEX_DIR") {
        return Some(PathBuf::from(dir)).filter(|p| p.is_dir());
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [
        "../../shared/data/pageindex",
        "../../../shared/data/pageindex",
    ]
    .iter()
    .map(|rel| manifest.join(rel))
    .find(|p| p.is_dir())
}

/// Canonical text of a JSON value with its key order (serde_json keeps insertion order here).
fn canonical(json: &str) -> String {
    serde_json::from_str::<Value>(json).unwrap().to_string()
}

#[test]
fn every_shared_pageindex_file_round_trips_losslessly() {
    let Some(dir) = samples_dir() else {
        println!(
            "SKIPPED every_shared_pageindex_file_round_trips_losslessly: no shared/data/pageindex \
             folder beside the repository or above it, and TREESTORE_PAGEINDEX_DIR names none"
        );
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no .json file", dir.display());
    let db = mem_db();
    let docs = Documents::new(&db);
    for (i, path) in files.iter().enumerate() {
        let json = std::fs::read_to_string(path).unwrap();
        let policy = format!("file-{i}");
        let stored = docs.import_pageindex(&json, &doc(&policy, "v1")).unwrap();
        let out = docs
            .export_pageindex(&policy, None, &PageIndexFormat::default())
            .unwrap();
        assert_eq!(canonical(&out), canonical(&json), "{}", path.display());
        assert_eq!(out, json, "{}: not byte-identical", path.display());
        let compact = docs
            .export_pageindex(
                &policy,
                None,
                &PageIndexFormat {
                    pretty: false,
                    ascii: false,
                },
            )
            .unwrap();
        assert_eq!(canonical(&compact), canonical(&json));
        // The tree is queryable: top-level sections are the root's children, paths "1", "2", ...
        let (_, nodes) = docs.document(&policy, None).unwrap();
        assert_eq!(nodes[0].node_id, stored.root_node_id);
        let top = docs.children(&policy, None, None, false).unwrap();
        assert_eq!(top[0].section_path, "1");
        assert_eq!(top[0].node_id, "0000");
        // PageIndex numbers its nodes in pre-order after the synthetic root: reads of them skip
        // `doc.ids` (see `document::id_pos`).
        let tx = db.begin_read().unwrap();
        let hint = crate::document::DocReader::new(&tx)
            .versions()
            .resolve(&policy, None)
            .unwrap()
            .id_hint
            .clone();
        let runs = hint.as_ref().map(|h| h.runs());
        assert_eq!(runs, Some(vec![(0, 1)]), "{}: id hint", path.display());
        println!(
            "{}: {} nodes round-tripped",
            path.display(),
            nodes.len() - 1
        );
    }
    assert_eq!(check_consistency(&db), files.len());
}

#[test]
fn markdown_variant_list_shape_unknown_fields_and_missing_ids_round_trip() {
    let json = r##"[
  {
    "title": "Intro",
    "node_id": "0000",
    "line_num": 1,
    "text": "# Intro\nhello",
    "prefix_summary": "p",
    "nodes": [
      {
        "title": "Sub",
        "line_num": 4,
        "summary": null,
        "custom": {"a": [1, 2.5, true]},
        "nodes": []
      }
    ]
  },
  {
    "node_id": "0002",
    "title": "Outro",
    "start_index": 7
  }
]"##;
    let (d, nodes) = parse_pageindex(json, &doc("md", "v1")).unwrap();
    assert_eq!(nodes.len(), 4);
    assert_eq!(
        nodes[1].metadata.get(META_LINE_NUM).map(String::as_str),
        Some("1")
    );
    assert_eq!(
        nodes[1]
            .metadata
            .get(META_PREFIX_SUMMARY)
            .map(String::as_str),
        Some("p")
    );
    assert_eq!(
        nodes[2].node_id, "0001",
        "missing ids are assigned PageIndex style"
    );
    assert!(nodes[2].metadata.contains_key(META_EXTRA));
    assert!(nodes[2].metadata.contains_key(META_KEYS));
    assert_eq!((nodes[3].page_start, nodes[3].page_end), (Some(7), Some(7)));
    let out = render_pageindex(&d, &nodes, &PageIndexFormat::default()).unwrap();
    assert_eq!(canonical(&out), canonical(json));
    let db = mem_db();
    let docs = Documents::new(&db);
    docs.import_pageindex(json, &doc("md", "v1")).unwrap();
    let out = docs
        .export_pageindex("md", None, &PageIndexFormat::default())
        .unwrap();
    assert_eq!(canonical(&out), canonical(json));
    assert_eq!(
        docs.node("md", None, "0000").unwrap().text.as_deref(),
        Some("# Intro\nhello")
    );
}

#[test]
fn structure_object_and_extra_top_level_fields_round_trip() {
    let json = r#"{"structure": {"title": "Only", "node_id": "0000", "nodes": [{"title": "A", "node_id": "0001", "start_index": 2, "end_index": 3}]}, "doc_name": "x.pdf", "line_count": 42}"#;
    let db = mem_db();
    let docs = Documents::new(&db);
    docs.import_pageindex(json, &doc("obj", "v1")).unwrap();
    let out = docs
        .export_pageindex(
            "obj",
            None,
            &PageIndexFormat {
                pretty: false,
                ascii: true,
            },
        )
        .unwrap();
    assert_eq!(canonical(&out), canonical(json));
    assert_eq!(
        docs.nodes_by_page("obj", None, 3, false).unwrap()[0].node_id,
        "0001"
    );
}

#[test]
fn native_documents_export_as_one_top_level_section() {
    let db = mem_db();
    let docs = Documents::new(&db);
    let nodes = vec![
        super::support::paged("r", None, 1, 9),
        super::support::paged("a", Some("r"), 2, 3),
    ];
    let mut d = doc("nat", "v1");
    d.description = "Native".into();
    docs.store_document(&d, &nodes).unwrap();
    let out = docs
        .export_pageindex("nat", None, &PageIndexFormat::default())
        .unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["doc_name"], "nat");
    assert_eq!(v["doc_description"], "Native");
    assert_eq!(v["structure"][0]["node_id"], "r");
    assert_eq!(v["structure"][0]["nodes"][0]["end_index"], 3);
}

#[test]
fn malformed_or_mistyped_json_is_rejected_with_its_location() {
    let cases = [
        (
            "{\n  \"structure\": [\n    {\"title\": }\n  ]\n}",
            "line 3, column 15",
        ),
        ("{\"doc_name\": \"x\"}", "no \"structure\""),
        ("42", "top level is a number"),
        (
            "{\"structure\": [{\"title\": 5}]}",
            "structure[0].title: expected a string",
        ),
        (
            "{\"structure\": [{\"start_index\": \"3\"}]}",
            "structure[0].start_index",
        ),
        (
            "{\"structure\": [{\"nodes\": [{\"nodes\": 7}]}]}",
            "structure[0].nodes[0].nodes",
        ),
        (
            "{\"structure\": [3]}",
            "structure[0]: expected a section object",
        ),
    ];
    for (json, needle) in cases {
        let err = parse_pageindex(json, &doc("p", "v")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
        assert!(err.to_string().contains(needle), "{err} lacks {needle:?}");
    }
    // Invalid trees are caught by the store's validation, naming the node.
    let db = mem_db();
    let docs = Documents::new(&db);
    let dup = r#"[{"title": "a", "node_id": "0001"}, {"title": "b", "node_id": "0001"}]"#;
    let err = docs.import_pageindex(dup, &doc("p", "v")).unwrap_err();
    assert!(
        err.to_string().contains("node 0001: field node_id"),
        "{err}"
    );
    let neg = r#"[{"title": "a", "node_id": "0001", "start_index": -2, "end_index": 1}]"#;
    let err = docs.import_pageindex(neg, &doc("p", "v")).unwrap_err();
    assert!(
        err.to_string().contains("node 0001: field page_start"),
        "{err}"
    );
    assert_eq!(check_consistency(&db), 0);
}
