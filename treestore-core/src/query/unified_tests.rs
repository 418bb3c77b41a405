//! Tests of the unified search: typed hits merged by the documented normalisation, pages that
//! concatenate to the whole ranking, every filter combination against the unfiltered ranking,
//! snippets, bad input, and deletions that leave no hit behind.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::sync::Arc;

use super::*;
use crate::db::Database;
use crate::document::{delete_document, store_document, Document, Node};
use crate::metadata::{self, ToolResult, Trajectory, TrajectoryStep};
use crate::prompt::{self, NewPrompt};
use crate::search::records::RecordRef;
use crate::search::{self, SearchOptions, K1};
use crate::storage::vfs::MemVfs;
use crate::{ErrorKind, Options, ReadOps};

fn mem_db() -> Database {
    let options = Options {
        vfs: Arc::new(MemVfs::new()),
        ..Options::default()
    };
    Database::open("/u", options).unwrap()
}

fn node(id: &str, title: &str, text: &str) -> Node {
    Node {
        node_id: id.into(),
        parent_id: (id != "r").then(|| "r".to_string()),
        title: title.into(),
        text: Some(text.into()),
        ..Node::default()
    }
}

/// Two policies (p1 in versions v1 and v2, p2), tool results on them and on cases, two prompts
/// and a trajectory; `extra` more nodes of p1 v1 matching "knee" with falling term counts.
fn setup(extra: usize) -> Database {
    let db = mem_db();
    let mut w = db.begin_write().unwrap();
    let doc = |p: &str, v: &str| Document {
        policy_id: p.into(),
        version_id: v.into(),
        ..Document::default()
    };
    let mut p1 = vec![
        node("r", "Prior authorization", "Scope of prior authorization."),
        node("a", "Imaging", "MRI of the knee needs prior authorization."),
        node("b", "Laboratory", "Genetic tests of the knee."),
    ];
    for i in 0..extra {
        let words = "knee ".repeat(1 + i % 7) + &"filler ".repeat(i % 5);
        p1.push(node(&format!("n{i}"), "Extra", &words));
    }
    store_document(&mut w, &doc("p1", "v1"), &p1).unwrap();
    let p1v2 = vec![node("r", "Knee surgery", "Authorization of knee surgery.")];
    store_document(&mut w, &doc("p1", "v2"), &p1v2).unwrap();
    let p2 = vec![node("r", "Appeals", "How to appeal a knee decision.")];
    store_document(&mut w, &doc("p2", "v1"), &p2).unwrap();
    let results = [
        (
            "t1",
            Some("p1"),
            Some("c1"),
            r#"{"found": "knee imaging"}"#,
            None,
        ),
        (
            "t2",
            Some("p2"),
            Some("c1"),
            r#"{"found": "appeal"}"#,
            Some("knee not found"),
        ),
        (
            "t3",
            None,
            Some("c2"),
            r#"{"found": "knee knee knee"}"#,
            None,
        ),
        ("t4", Some("p1"), None, r#"{"found": "nothing"}"#, None),
    ];
    for (id, policy, case, data, error) in results {
        let r = ToolResult {
            execution_id: id.into(),
            tool_name: "search_policy".into(),
            policy_id: policy.map(Into::into),
            case_id: case.map(Into::into),
            result_data: data.into(),
            error_message: error.map(Into::into),
            success: error.is_none(),
            executed_at: 100,
            ..ToolResult::default()
        };
        metadata::store_tool_result(&mut w, r).unwrap();
    }
    for (name, template, message) in [
        (
            "knee_triage",
            "Triage the knee case {{case}}",
            Some("first"),
        ),
        (
            "appeal",
            "Write the appeal for {{case}}",
            Some("knee wording"),
        ),
    ] {
        let p = NewPrompt {
            name: name.into(),
            template: template.into(),
            commit_message: message.map(Into::into),
            ..NewPrompt::default()
        };
        prompt::create_prompt(&mut w, p).unwrap();
    }
    let step = |action: &str, observation: &str| TrajectoryStep {
        action: action.into(),
        observation: observation.into(),
        thought: "look for the knee rule".into(),
        ..TrajectoryStep::default()
    };
    let traj = Trajectory {
        trajectory_id: "tr".into(),
        case_id: "c1".into(),
        steps: vec![step("open", "section 2"), step("read", "knee limits apply")],
        ..Trajectory::default()
    };
    metadata::store_trajectory(&mut w, traj).unwrap();
    w.commit().unwrap();
    db
}

fn query(q: &str) -> UnifiedQuery {
    UnifiedQuery {
        query: q.into(),
        limit: MAX_UNIFIED_LIMIT,
        ..UnifiedQuery::default()
    }
}

fn run(db: &Database, q: &UnifiedQuery) -> metadata::Page<UnifiedHit> {
    unified_search(&db.begin_read().unwrap(), q).unwrap()
}

/// The hit's kind, id and score: what a page comparison looks at.
fn summary(hits: &[UnifiedHit]) -> Vec<(HitKind, String, u64)> {
    hits.iter()
        .map(|h| (h.kind, h.source.id(), h.score.to_bits()))
        .collect()
}

#[test]
fn hits_of_every_kind_are_typed_and_scored_by_the_documented_normalisation() {
    let db = setup(0);
    let all = run(&db, &query("knee")).items;
    for kind in HitKind::ALL {
        assert!(all.iter().any(|h| h.kind == kind), "no {kind:?} hit");
    }
    for pair in all.windows(2) {
        assert!(pair[0].score >= pair[1].score, "{all:?}");
    }
    let r = db.begin_read().unwrap();
    // Node hits: the node index's BM25, divided by IDF(N, n) * (k1 + 1) over every indexed node.
    let nodes = search::search(&r, "knee", &SearchOptions::with_limit(100)).unwrap();
    let nodes_total = 3 + 1 + 1;
    let bound = search::idf(nodes_total, nodes.len() as u64) * (K1 + 1.0);
    for h in all.iter().filter(|h| h.kind == HitKind::Node) {
        let HitSource::Node(d) = &h.source else {
            panic!("{h:?}")
        };
        let same = nodes.iter().find(|n| n.doc == *d).unwrap();
        assert_eq!(h.bm25, same.score);
        assert!((h.score - same.score / bound).abs() < 1e-12);
    }
    // Record hits: the same with the statistics of their kind.
    let totals = [
        (HitKind::ToolResult, 4u64),
        (HitKind::Prompt, 2),
        (HitKind::TrajectoryStep, 2),
    ];
    for (kind, total) in totals {
        let of_kind: Vec<&UnifiedHit> = all.iter().filter(|h| h.kind == kind).collect();
        let bound = search::idf(total, of_kind.len() as u64) * (K1 + 1.0);
        for h in of_kind {
            assert!(h.score > 0.0 && h.score < 1.0, "{h:?}");
            assert!((h.score - h.bm25 / bound).abs() < 1e-12, "{h:?}");
            assert_eq!(h.matched_terms, vec!["knee"]);
        }
    }
    // Ids name the store records.
    let ids: Vec<String> = all.iter().map(|h| h.source.id()).collect();
    for id in [
        "p1/v1/a",
        "t1",
        "t2",
        "t3",
        "knee_triage:1",
        "appeal:1",
        "tr:2",
    ] {
        assert!(ids.contains(&id.to_string()), "{id} missing from {ids:?}");
    }
    assert!(!ids.contains(&"t4".to_string()));
}

#[test]
fn snippets_come_from_the_matching_field_with_the_words_marked() {
    let db = setup(0);
    let all = run(&db, &query("knee")).items;
    let snippet = |id: &str| {
        all.iter()
            .find(|h| h.source.id() == id)
            .map(|h| h.snippet.clone())
            .unwrap()
    };
    assert_eq!(
        snippet("t2"),
        "<b>knee</b> not found",
        "the error message holds the match"
    );
    assert_eq!(
        snippet("t3"),
        r#"{"found": "<b>knee</b> <b>knee</b> <b>knee</b>"}"#
    );
    assert_eq!(snippet("appeal:1"), "<b>knee</b> wording");
    assert_eq!(snippet("tr:2"), "<b>knee</b> limits apply");
    assert_eq!(
        snippet("p1/v1/a"),
        "MRI of the <b>knee</b> needs prior authorization."
    );
    let short = UnifiedQuery {
        snippet_chars: 12,
        ..query("authorization")
    };
    for h in run(&db, &short).items {
        let plain = h
            .snippet
            .replace("<b>", "")
            .replace("</b>", "")
            .replace('…', "");
        assert!(plain.chars().count() <= 12, "{h:?}");
    }
}

#[test]
fn pages_concatenate_to_the_whole_ranking() {
    // 150 extra nodes make the node index's first top-k too shallow for later pages.
    let db = setup(150);
    let whole = run(&db, &query("knee OR authorization"));
    assert_eq!(whole.next_cursor, None);
    assert!(whole.items.len() > 150);
    for limit in [1, 7, 40, 1000] {
        let mut pages = Vec::new();
        let mut cursor = None;
        loop {
            let q = UnifiedQuery {
                limit,
                cursor: cursor.clone(),
                ..query("knee OR authorization")
            };
            let page = run(&db, &q);
            assert!(page.items.len() <= limit);
            pages.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(summary(&pages), summary(&whole.items), "limit {limit}");
    }
}

/// Whether a hit passes the filters of `q`, from the stores' own records.
fn passes<R: ReadOps + ?Sized>(tx: &R, q: &UnifiedQuery, h: &UnifiedHit) -> bool {
    if !q.kinds.is_empty() && !q.kinds.contains(&h.kind) {
        return false;
    }
    let (policy, version, case) = match &h.source {
        HitSource::Node(d) => (Some(d.policy_id.clone()), Some(d.version_id.clone()), None),
        HitSource::Record(RecordRef::ToolResult { execution_id }) => {
            let t = metadata::tool_result(tx, execution_id).unwrap().unwrap();
            (t.policy_id, None, t.case_id)
        }
        HitSource::Record(RecordRef::TrajectoryStep { trajectory_id, .. }) => {
            let t = metadata::trajectory(tx, trajectory_id).unwrap().unwrap();
            (None, None, Some(t.case_id))
        }
        HitSource::Record(RecordRef::Prompt { .. }) => (None, None, None),
    };
    let node = h.kind == HitKind::Node;
    q.policy_id
        .as_ref()
        .is_none_or(|p| policy.as_ref() == Some(p))
        && q.version_id
            .as_ref()
            .is_none_or(|v| !node || version.as_ref() == Some(v))
        && q.case_id.as_ref().is_none_or(|c| case.as_ref() == Some(c))
}

#[test]
fn every_filter_combination_is_the_unfiltered_ranking_filtered() {
    let db = setup(5);
    let r = db.begin_read().unwrap();
    let whole = unified_search(&r, &query("knee OR appeal")).unwrap().items;
    let mut combinations = 0;
    for mask in 0..16u32 {
        let kinds: Vec<HitKind> = (0..4)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| HitKind::ALL[i])
            .collect();
        for (policy, version) in [
            (None, None),
            (Some("p1"), None),
            (Some("p1"), Some("v2")),
            (Some("p2"), None),
        ] {
            for case in [None, Some("c1"), Some("c2")] {
                let q = UnifiedQuery {
                    kinds: kinds.clone(),
                    policy_id: policy.map(Into::into),
                    version_id: version.map(Into::into),
                    case_id: case.map(Into::into),
                    ..query("knee OR appeal")
                };
                let got = unified_search(&r, &q).unwrap().items;
                let want: Vec<UnifiedHit> = whole
                    .iter()
                    .filter(|h| passes(&r, &q, h))
                    .cloned()
                    .collect();
                assert_eq!(summary(&got), summary(&want), "{q:?}");
                combinations += 1;
            }
        }
    }
    assert_eq!(combinations, 16 * 4 * 3);
}

#[test]
fn deleting_documents_and_records_leaves_no_hit() {
    let db = setup(0);
    let mut w = db.begin_write().unwrap();
    delete_document(&mut w, "p1", None).unwrap();
    metadata::delete_tool_result(&mut w, "t3").unwrap();
    prompt::delete_prompt(&mut w, "appeal").unwrap();
    metadata::delete_trajectory(&mut w, "tr").unwrap();
    w.commit().unwrap();
    let ids: Vec<String> = run(&db, &query("knee"))
        .items
        .iter()
        .map(|h| h.source.id())
        .collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
    for id in ["p2/v1/r", "t1", "t2", "knee_triage:1"] {
        assert!(ids.contains(&id.to_string()), "{id} missing from {ids:?}");
    }
    // Left: tool results t1, t2, t4 and the prompt knee_triage; both indexes are consistent.
    let r = db.begin_read().unwrap();
    let summary = search::records::check_records(&r).unwrap();
    assert_eq!(summary.records, 4);
    assert_eq!(search::check(&r).unwrap().nodes, 1);
}

#[test]
fn bad_input_is_an_error_naming_the_field() {
    let db = setup(0);
    let r = db.begin_read().unwrap();
    let cases = [
        (
            UnifiedQuery {
                limit: MAX_UNIFIED_LIMIT + 1,
                ..query("knee")
            },
            "field limit",
        ),
        (
            UnifiedQuery {
                cursor: Some("u1".into()),
                ..query("knee")
            },
            "field cursor",
        ),
        (
            UnifiedQuery {
                cursor: Some("x00".into()),
                ..query("knee")
            },
            "field cursor",
        ),
        (
            UnifiedQuery {
                version_id: Some("v1".into()),
                ..query("knee")
            },
            "field version_id",
        ),
        (
            UnifiedQuery {
                policy_id: Some(String::new()),
                ..query("knee")
            },
            "field policy_id",
        ),
        (
            UnifiedQuery {
                case_id: Some("a\nb".into()),
                ..query("knee")
            },
            "field case_id",
        ),
        (query("  "), "field query"),
        (query("knee AND"), "character 5"),
        (
            UnifiedQuery {
                kinds: vec![HitKind::Prompt],
                policy_id: Some("p1".into()),
                ..query("(")
            },
            "character 1",
        ),
    ];
    for (q, want) in cases {
        let err = unified_search(&r, &q).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{q:?}");
        assert!(err.message().contains(want), "{err} lacks {want}");
    }
    assert!(HitKind::parse("nodes")
        .unwrap_err()
        .message()
        .contains("field kinds"));
    for k in HitKind::ALL {
        assert_eq!(HitKind::parse(k.name()).unwrap(), k);
    }
    // A default limit, and an empty page for a kind that cannot match the filters.
    let q = UnifiedQuery {
        limit: 0,
        ..query("knee")
    };
    assert_eq!(
        unified_search(&r, &q).unwrap().items.len(),
        DEFAULT_UNIFIED_LIMIT
    );
    let q = UnifiedQuery {
        kinds: vec![HitKind::Prompt],
        case_id: Some("c1".into()),
        ..query("knee")
    };
    let page = unified_search(&r, &q).unwrap();
    assert!(page.items.is_empty() && page.next_cursor.is_none());
}
