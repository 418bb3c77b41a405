use std::collections::BTreeSet;

use proptest::prelude::*;

use super::{assert_field_error, counts, keys, mem_db, write};
use crate::db::Database;
use crate::error::ErrorKind;
use crate::metadata::tool_results::{PreparedToolResult, RESULTS};
use crate::metadata::*;

fn result(tool: &str, policy: Option<&str>, case: Option<&str>, at: i64) -> ToolResult {
    ToolResult {
        tool_name: tool.into(),
        policy_id: policy.map(Into::into),
        case_id: case.map(Into::into),
        result_data: r#"{"ok": true}"#.into(),
        success: true,
        executed_at: at,
        duration_ms: 12,
        ..ToolResult::default()
    }
}

fn all(db: &Database, q: &ToolResultQuery) -> Vec<ToolResult> {
    let r = db.begin_read().unwrap();
    tool_results(&r, q).unwrap().items
}

#[test]
fn store_fills_id_and_time_and_reads_back() {
    let db = mem_db();
    let mut r = result("navigate_tree", Some("p1"), Some("c1"), 0);
    r.node_id = Some("0007".into());
    r.error_message = Some("partial".into());
    let stored = write(&db, |t| store_tool_result(t, r.clone())).unwrap();
    assert_eq!(stored.execution_id.len(), 32);
    assert!(stored.executed_at > 0);
    let rt = db.begin_read().unwrap();
    let back = tool_result(&rt, &stored.execution_id).unwrap().unwrap();
    assert_eq!(back, stored);
    assert_eq!(back.node_id.as_deref(), Some("0007"));
    assert!(tool_result(&rt, "missing").unwrap().is_none());
    assert_eq!(counts(&db, &[RESULTS]), vec![4]);
}

#[test]
fn bad_input_names_the_field_and_writes_nothing() {
    let db = mem_db();
    let good = result("t", Some("p"), None, 5);
    let cases: Vec<(ToolResult, ErrorKind, &str)> = vec![
        (
            ToolResult {
                tool_name: String::new(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "tool_name",
        ),
        (
            ToolResult {
                tool_name: "x".repeat(129),
                ..good.clone()
            },
            ErrorKind::TooLarge,
            "tool_name",
        ),
        (
            ToolResult {
                result_data: "{bad".into(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "result_data",
        ),
        (
            ToolResult {
                result_data: String::new(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "result_data",
        ),
        (
            ToolResult {
                policy_id: Some(String::new()),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "policy_id",
        ),
        (
            ToolResult {
                case_id: Some("x".repeat(201)),
                ..good.clone()
            },
            ErrorKind::TooLarge,
            "case_id",
        ),
        (
            ToolResult {
                policy_id: None,
                node_id: Some("n".into()),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "node_id",
        ),
        (
            ToolResult {
                execution_id: "a\nb".into(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "execution_id",
        ),
        (
            ToolResult {
                error_message: Some("e".repeat(65 << 10)),
                ..good.clone()
            },
            ErrorKind::TooLarge,
            "error_message",
        ),
    ];
    for (r, kind, field) in cases {
        assert_field_error(write(&db, |t| store_tool_result(t, r)), kind, field);
    }
    assert_eq!(counts(&db, &[RESULTS]), vec![0]);
    let rt = db.begin_read().unwrap();
    let bad_queries = [
        (
            ToolResultQuery {
                limit: MAX_LIMIT + 1,
                ..Default::default()
            },
            "limit",
        ),
        (
            ToolResultQuery {
                since: Some(5),
                until: Some(4),
                ..Default::default()
            },
            "until",
        ),
        (
            ToolResultQuery {
                cursor: Some("zz".into()),
                ..Default::default()
            },
            "cursor",
        ),
        (
            ToolResultQuery {
                policy_id: Some(String::new()),
                ..Default::default()
            },
            "policy_id",
        ),
    ];
    for (q, field) in bad_queries {
        assert_field_error(tool_results(&rt, &q), ErrorKind::InvalidArgument, field);
    }
}

#[test]
fn replacing_and_deleting_leave_no_stale_index_entries() {
    let db = mem_db();
    let mut r = result("t1", Some("p1"), Some("c1"), 100);
    r.execution_id = "exec-1".into();
    write(&db, |t| store_tool_result(t, r.clone())).unwrap();
    let replaced = ToolResult {
        tool_name: "t2".into(),
        policy_id: None,
        case_id: Some("c2".into()),
        executed_at: 200,
        ..r.clone()
    };
    write(&db, |t| store_tool_result(t, replaced.clone())).unwrap();
    assert_eq!(counts(&db, &[RESULTS]), vec![3]);
    assert!(all(
        &db,
        &ToolResultQuery {
            policy_id: Some("p1".into()),
            ..Default::default()
        }
    )
    .is_empty());
    assert!(all(
        &db,
        &ToolResultQuery {
            case_id: Some("c1".into()),
            ..Default::default()
        }
    )
    .is_empty());
    assert_eq!(
        all(
            &db,
            &ToolResultQuery {
                tool_name: Some("t2".into()),
                ..Default::default()
            }
        ),
        vec![replaced]
    );
    assert!(write(&db, |t| delete_tool_result(t, "exec-1")).unwrap());
    assert!(!write(&db, |t| delete_tool_result(t, "exec-1")).unwrap());
    assert_eq!(counts(&db, &[RESULTS]), vec![0]);
}

#[test]
fn purge_deletes_only_older_results() {
    let db = mem_db();
    write(&db, |t| {
        for at in 1..=10 {
            store_tool_result(t, result("t", Some("p"), Some("c"), at * 1000))?;
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(write(&db, |t| purge_tool_results(t, 4000)).unwrap(), 3);
    let left = all(&db, &ToolResultQuery::default());
    assert_eq!(left.len(), 7);
    assert!(left.iter().all(|r| r.executed_at >= 4000));
    assert_eq!(keys(&db, RESULTS).len(), 7 * 4);
    assert_eq!(write(&db, |t| purge_tool_results(t, i64::MAX)).unwrap(), 7);
    assert_eq!(counts(&db, &[RESULTS]), vec![0]);
}

#[test]
fn uncommitted_results_are_visible_in_their_transaction_only() {
    let db = mem_db();
    let mut txn = db.begin_write().unwrap();
    let r = store_tool_result(&mut txn, result("t", Some("p"), None, 9)).unwrap();
    let q = ToolResultQuery {
        policy_id: Some("p".into()),
        ..Default::default()
    };
    assert_eq!(tool_results(&txn, &q).unwrap().items, vec![r]);
    drop(txn);
    assert!(all(&db, &q).is_empty());
}

fn arb_result() -> impl Strategy<Value = ToolResult> {
    let opt = |v: &'static [&'static str]| {
        prop::option::of(prop::sample::select(v)).prop_map(|o| o.map(String::from))
    };
    (
        prop::sample::select(&["search", "navigate", "read"][..]),
        opt(&["p1", "p2"]),
        opt(&["c1", "c2"]),
        any::<bool>(),
        1i64..12,
    )
        .prop_map(|(tool, policy_id, case_id, success, at)| ToolResult {
            tool_name: tool.into(),
            policy_id,
            case_id,
            success,
            executed_at: at,
            result_data: "null".into(),
            ..ToolResult::default()
        })
}

fn arb_query() -> impl Strategy<Value = ToolResultQuery> {
    let opt = |v: &'static [&'static str]| {
        prop::option::of(prop::sample::select(v)).prop_map(|o| o.map(String::from))
    };
    (
        opt(&["p1", "p2", "p3"]),
        opt(&["search", "navigate"]),
        opt(&["c1", "c2"]),
        prop::option::of(any::<bool>()),
        prop::option::of(0i64..8),
        prop::option::of(4i64..14),
        1usize..5,
    )
        .prop_map(
            |(policy_id, tool_name, case_id, success, since, until, limit)| {
                let until = match (since, until) {
                    (Some(s), Some(u)) => Some(u.max(s)),
                    (_, u) => u,
                };
                ToolResultQuery {
                    policy_id,
                    tool_name,
                    case_id,
                    success,
                    since,
                    until,
                    limit,
                    cursor: None,
                }
            },
        )
}

proptest! {
    #[test]
    fn queries_and_pages_match_a_filtered_model(
        results in prop::collection::vec(arb_result(), 0..30),
        deletes in prop::collection::vec(any::<prop::sample::Index>(), 0..5),
        queries in prop::collection::vec(arb_query(), 1..6),
    ) {
        let db = mem_db();
        let mut stored: Vec<ToolResult> = write(&db, |t| {
            results.iter().map(|r| store_tool_result(t, r.clone())).collect()
        }).unwrap();
        let mut gone = BTreeSet::new();
        for d in &deletes {
            if !stored.is_empty() {
                let id = stored[d.index(stored.len())].execution_id.clone();
                let existed = write(&db, |t| delete_tool_result(t, &id)).unwrap();
                prop_assert_eq!(existed, gone.insert(id));
            }
        }
        stored.retain(|r| !gone.contains(&r.execution_id));
        let entries: usize = stored.iter().map(|r| 2 + usize::from(r.policy_id.is_some()) + usize::from(r.case_id.is_some())).sum();
        prop_assert_eq!(keys(&db, RESULTS).len(), entries);
        let rt = db.begin_read().unwrap();
        for q in &queries {
            let mut expected: Vec<&ToolResult> = stored.iter().filter(|r| {
                q.policy_id.as_ref().is_none_or(|p| r.policy_id.as_ref() == Some(p))
                    && q.tool_name.as_ref().is_none_or(|t| &r.tool_name == t)
                    && q.case_id.as_ref().is_none_or(|c| r.case_id.as_ref() == Some(c))
                    && q.success.is_none_or(|s| r.success == s)
                    && q.since.is_none_or(|s| r.executed_at >= s)
                    && q.until.is_none_or(|u| r.executed_at < u)
            }).collect();
            expected.sort_by(|a, b| (b.executed_at, &b.execution_id).cmp(&(a.executed_at, &a.execution_id)));
            let mut got = Vec::new();
            let mut q = q.clone();
            loop {
                let page = tool_results(&rt, &q).unwrap();
                prop_assert!(page.items.len() <= q.limit);
                got.extend(page.items);
                match page.next_cursor {
                    Some(c) => q.cursor = Some(c),
                    None => break,
                }
            }
            let got: Vec<&ToolResult> = got.iter().collect();
            prop_assert_eq!(got, expected);
        }
    }
}

/// Durable single-result commits per second on a real file, with 1 and 8 threads storing at once
/// (the issue's target: 2x SQLite WAL synchronous=FULL alone, 5x it with 8 threads). Run with
/// `cargo test --release -p treestore-core tool_result_throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn tool_result_throughput() {
    use crate::db::Options;
    let per_thread = 300;
    for threads in [1usize, 8] {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path().join("bench.tsdb"), Options::default()).unwrap();
        let start = std::time::Instant::now();
        std::thread::scope(|s| {
            for t in 0..threads {
                let db = db.clone();
                s.spawn(move || {
                    for i in 0..per_thread {
                        let mut r = result("search", Some("p"), Some("c"), 0);
                        r.policy_id = Some(format!("policy-{}", (t * per_thread + i) % 100));
                        write(&db, |w| store_tool_result(w, r)).unwrap();
                    }
                });
            }
        });
        let secs = start.elapsed().as_secs_f64();
        let stats = db.stats().unwrap();
        println!(
            "{threads} thread(s): {:.0} durable tool results/s, {} WAL bytes per commit",
            (threads * per_thread) as f64 / secs,
            stats.wal_bytes / stats.commits.max(1)
        );
    }
}

#[test]
fn damaged_records_and_index_entries_are_corruption_not_panics() {
    let db = mem_db();
    let r = write(&db, |t| {
        store_tool_result(t, result("t", Some("p"), None, 5))
    })
    .unwrap();
    let record = crate::keys::KeyBuilder::new()
        .str("id")
        .str(&r.execution_id)
        .finish();
    let all_keys = keys(&db, RESULTS);
    for damage in [vec![], vec![1u8], vec![9u8, 1, 2], vec![1, 0xFF, 0xFF]] {
        write(&db, |w| {
            let t = crate::db::ReadOps::table(w, RESULTS)?;
            for k in &all_keys {
                if *k != record {
                    w.insert(t, k, &damage)?;
                }
            }
            w.insert(t, &record, &damage)
        })
        .unwrap();
        let rt = db.begin_read().unwrap();
        let err = tool_result(&rt, &r.execution_id).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Corruption, "{err}");
        let err = tool_results(&rt, &ToolResultQuery::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Corruption, "{err}");
    }
}

/// A result prepared (its text analyzed) under one stemming and stored once the index has settled
/// on another is analyzed again under the index's: its words match that stemming's queries and
/// the record index stays consistent.
#[test]
fn a_result_prepared_under_another_stemming_is_indexed_under_the_current_one() {
    use crate::search::records::{check_records, search_records, RecordFilter, RecordKind};
    use crate::search::{configure, SearchSettings, Stemming};
    let db = mem_db();
    let mut r = result("navigate_tree", None, None, 0);
    r.result_data = r#"{"note": "authorizations"}"#.into();
    let prepared = PreparedToolResult::new(r, Stemming::None).unwrap();
    let porter = SearchSettings {
        stemming: Stemming::Porter,
        ..SearchSettings::default()
    };
    write(&db, |t| configure(t, &porter)).unwrap();
    write(&db, |t| prepared.store(t)).unwrap();
    let rt = db.begin_read().unwrap();
    let kinds = [RecordKind::ToolResult];
    let hits = search_records(&rt, "authorized", &kinds, &RecordFilter::default()).unwrap();
    assert_eq!(hits[0].1.hits.len(), 1);
    check_records(&rt).unwrap();
}
