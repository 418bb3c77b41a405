use std::collections::BTreeMap;

use crate::db::{Database, Options};
use crate::metadata::*;

#[test]
fn the_handle_runs_every_operation_and_its_writes_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meta.tsdb");
    let (result_id, traj_id, con_id);
    {
        let db = Database::open(&path, Options::default()).unwrap();
        let s = MetadataStore(&db);
        let r = s
            .store_tool_result(ToolResult {
                tool_name: "search".into(),
                policy_id: Some("p".into()),
                result_data: "{}".into(),
                success: true,
                executed_at: 100,
                ..Default::default()
            })
            .unwrap();
        result_id = r.execution_id.clone();
        assert_eq!(s.tool_result(&result_id).unwrap(), Some(r.clone()));
        let q = ToolResultQuery {
            policy_id: Some("p".into()),
            ..Default::default()
        };
        assert_eq!(s.tool_results(&q).unwrap().items, vec![r]);
        let old = s
            .store_tool_result(ToolResult {
                tool_name: "t".into(),
                result_data: "1".into(),
                executed_at: 1,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(s.purge_tool_results(50).unwrap(), 1);
        assert!(!s.delete_tool_result(&old.execution_id).unwrap());

        let t = s
            .store_trajectory(Trajectory {
                case_id: "c".into(),
                ..Default::default()
            })
            .unwrap();
        traj_id = t.trajectory_id.clone();
        s.append_trajectory_step(
            &traj_id,
            TrajectoryStep {
                action: "look".into(),
                ..Default::default()
            },
        )
        .unwrap();
        s.complete_trajectory(&traj_id, 0).unwrap();
        assert_eq!(s.trajectories("c", 0, None).unwrap().items.len(), 1);
        let t2 = s
            .store_trajectory(Trajectory {
                case_id: "c".into(),
                ..Default::default()
            })
            .unwrap();
        assert!(s.delete_trajectory(&t2.trajectory_id).unwrap());

        let x = CrossReference {
            source_policy_id: "a".into(),
            target_policy_id: "b".into(),
            ..Default::default()
        };
        s.store_cross_reference(x.clone()).unwrap();
        let y = CrossReference {
            source_policy_id: "b".into(),
            target_policy_id: "c".into(),
            ..Default::default()
        };
        s.store_cross_reference(y.clone()).unwrap();
        assert!(s.delete_cross_reference(&y).unwrap());
        s.store_cross_reference(y).unwrap();
        assert_eq!(s.delete_cross_references_of("c").unwrap(), 1);
        assert_eq!(
            s.cross_references(&CrossReferenceQuery {
                policy_id: "b".into(),
                ..Default::default()
            })
            .unwrap()
            .items
            .len(),
            1
        );

        let c = s
            .store_contradiction(Contradiction {
                policy_a: "a".into(),
                policy_b: "b".into(),
                description: "d".into(),
                ..Default::default()
            })
            .unwrap();
        con_id = c.contradiction_id.clone();
        s.resolve_contradiction(&con_id, ResolutionStatus::Acknowledged, None)
            .unwrap();
        assert_eq!(
            s.contradictions(&ContradictionQuery::default())
                .unwrap()
                .items
                .len(),
            1
        );
        let c2 = s
            .store_contradiction(Contradiction {
                policy_a: "a".into(),
                policy_b: "c".into(),
                description: "d".into(),
                ..Default::default()
            })
            .unwrap();
        assert!(s.delete_contradiction(&c2.contradiction_id).unwrap());

        let e = MetadataEntry {
            entity_type: "doc".into(),
            entity_id: "1".into(),
            key: "k".into(),
            value: "v".into(),
            ..Default::default()
        };
        s.set_metadata(e.clone()).unwrap();
        s.set_metadata(MetadataEntry {
            key: "gone".into(),
            ..e.clone()
        })
        .unwrap();
        assert!(s.delete_metadata("doc", "1", "gone").unwrap());
        s.set_metadata(MetadataEntry {
            entity_id: "2".into(),
            ..e.clone()
        })
        .unwrap();
        assert_eq!(s.delete_all_metadata("doc", "2").unwrap(), 1);
        assert_eq!(s.query_by_key(None, "k", 0, None).unwrap().items.len(), 1);
        assert_eq!(
            s.query_by_key_value(Some("doc"), "k", "v", 0, None)
                .unwrap()
                .items
                .len(),
            1
        );
        let q = MetadataQuery {
            filters: BTreeMap::from([("k".to_string(), "v".to_string())]),
            ..Default::default()
        };
        assert_eq!(s.query_multiple(&q).unwrap().items.len(), 1);
        db.close().unwrap();
    }
    let db = Database::open(&path, Options::default()).unwrap();
    let s = MetadataStore(&db);
    assert!(s.tool_result(&result_id).unwrap().is_some());
    let t = s.trajectory(&traj_id).unwrap().unwrap();
    assert_eq!(t.steps.len(), 1);
    assert!(t.completed_at.is_some());
    assert_eq!(
        s.contradiction(&con_id).unwrap().unwrap().status,
        ResolutionStatus::Acknowledged
    );
    assert_eq!(s.metadata("doc", "1", "k").unwrap().unwrap().value, "v");
    assert_eq!(s.all_metadata("doc", "1").unwrap().len(), 1);
    assert!(db.check_integrity().unwrap().is_ok());
}

/// Tool results and trajectory steps stored through the handle from many threads at once are
/// combined into shared commits: each call gets its own result, every stored one reads back, an
/// invalid one fails alone, and each thread's steps keep its order with no gap in the numbers.
#[test]
fn handle_writes_from_many_threads_are_combined_and_each_lands_alone() {
    const THREADS: usize = 8;
    const EACH: usize = 30;
    let db = super::mem_db();
    let traj = MetadataStore(&db)
        .store_trajectory(Trajectory {
            case_id: "c".into(),
            ..Default::default()
        })
        .unwrap()
        .trajectory_id;
    let per_thread: Vec<Vec<(ToolResult, u32)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (db, traj) = (&db, &traj);
                s.spawn(move || {
                    let store = MetadataStore(db);
                    let mut out = Vec::new();
                    for i in 0..EACH {
                        let bad = i % 10 == 3;
                        let input = ToolResult {
                            tool_name: "navigate".into(),
                            case_id: Some(format!("case-{t}")),
                            result_data: if bad {
                                "{oops".into()
                            } else {
                                format!("[{t},{i}]")
                            },
                            success: true,
                            duration_ms: i as u64,
                            ..Default::default()
                        };
                        match store.store_tool_result(input.clone()) {
                            Ok(stored) => {
                                assert!(!bad, "invalid JSON was stored");
                                assert_eq!(stored.result_data, input.result_data);
                                assert_eq!(stored.case_id, input.case_id);
                                let step = store
                                    .append_trajectory_step(
                                        traj,
                                        TrajectoryStep {
                                            action: format!("t{t}-{i}"),
                                            ..Default::default()
                                        },
                                    )
                                    .unwrap();
                                assert_eq!(step.action, format!("t{t}-{i}"));
                                out.push((stored, step.step_number));
                            }
                            Err(e) => {
                                assert!(bad, "a valid store failed: {e}");
                                assert!(e.message().contains("result_data"), "{e}");
                            }
                        }
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let store = MetadataStore(&db);
    let mut numbers = Vec::new();
    for (t, stored) in per_thread.iter().enumerate() {
        assert_eq!(stored.len(), EACH - EACH / 10);
        assert!(
            stored.windows(2).all(|w| w[0].1 < w[1].1),
            "thread {t}'s steps are out of order"
        );
        for (r, step) in stored {
            assert_eq!(
                store.tool_result(&r.execution_id).unwrap().as_ref(),
                Some(r)
            );
            numbers.push(*step);
        }
        let q = ToolResultQuery {
            case_id: Some(format!("case-{t}")),
            ..Default::default()
        };
        assert_eq!(store.tool_results(&q).unwrap().items.len(), stored.len());
    }
    numbers.sort_unstable();
    let total = numbers.len() as u32;
    assert_eq!(numbers, (1..=total).collect::<Vec<u32>>());
    assert_eq!(
        store.trajectory(&traj).unwrap().unwrap().steps.len(),
        total as usize
    );
    // Every stored result and step is indexed once for the unified search, nothing else.
    let summary = crate::search::records::check_records(&db.begin_read().unwrap()).unwrap();
    assert_eq!(summary.records, 2 * u64::from(total));
}
