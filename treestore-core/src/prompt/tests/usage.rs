use std::collections::BTreeMap;

use proptest::prelude::*;

use super::{assert_field_error, keys, mem_db, write};
use crate::db::Database;
use crate::error::ErrorKind;
use crate::metadata;
use crate::prompt::usage::USAGE;
use crate::prompt::*;

fn setup() -> Database {
    let db = mem_db();
    write(&db, |w| {
        create_prompt(
            w,
            NewPrompt {
                name: "p".into(),
                template: "v1 {{x}}".into(),
                ..NewPrompt::default()
            },
        )?;
        create_prompt(
            w,
            NewPrompt {
                name: "p".into(),
                template: "v2 {{x}}".into(),
                ..NewPrompt::default()
            },
        )?;
        create_prompt(
            w,
            NewPrompt {
                name: "q".into(),
                template: "q".into(),
                ..NewPrompt::default()
            },
        )
    })
    .unwrap();
    db
}

fn usage(
    name: &str,
    version: u32,
    latency: u64,
    score: Option<f64>,
    case: Option<&str>,
    at: i64,
) -> PromptUsage {
    PromptUsage {
        prompt_name: name.into(),
        prompt_version: version,
        variables: BTreeMap::from([("x".to_string(), "1".to_string())]),
        response: "answer".into(),
        latency_ms: latency,
        input_tokens: 10,
        output_tokens: 5,
        score,
        case_id: case.map(Into::into),
        created_at: at,
        ..PromptUsage::default()
    }
}

#[test]
fn record_resolves_latest_and_keeps_running_statistics() {
    let db = setup();
    let u = write(&db, |w| {
        record_prompt_usage(w, usage("p", 0, 100, Some(0.5), Some("c1"), 0))
    })
    .unwrap();
    assert_eq!(u.prompt_version, 2);
    assert!(u.created_at > 0 && u.usage_id.len() == 32);
    write(&db, |w| {
        record_prompt_usage(w, usage("p", 2, 300, None, None, 5))
    })
    .unwrap();
    let scored = write(&db, |w| {
        record_prompt_usage(w, usage("p", 2, 200, Some(1.0), None, 6))
    })
    .unwrap();
    write(&db, |w| {
        record_prompt_usage(w, usage("p", 1, 50, None, None, 7))
    })
    .unwrap();
    let r = db.begin_read().unwrap();
    assert_eq!(prompt_usage(&r, &u.usage_id).unwrap().unwrap(), u);
    let s = prompt_stats(&r, "p", 2).unwrap();
    assert_eq!(
        (
            s.count,
            s.scored_count,
            s.total_input_tokens,
            s.total_output_tokens
        ),
        (3, 2, 30, 15)
    );
    assert_eq!(s.mean_latency_ms, 200.0);
    assert_eq!(s.mean_score, Some(0.75));
    let none = prompt_stats(&r, "q", 1).unwrap();
    assert_eq!(
        (none.count, none.mean_latency_ms, none.mean_score),
        (0, 0.0, None)
    );
    let all = prompt_version_stats(&r, "p").unwrap();
    assert_eq!(
        all.iter()
            .map(|s| (s.prompt_version, s.count))
            .collect::<Vec<_>>(),
        vec![(1, 1), (2, 3)]
    );
    drop(r);
    write(&db, |w| score_prompt_usage(w, &scored.usage_id, Some(0.0))).unwrap();
    write(&db, |w| score_prompt_usage(w, &u.usage_id, None)).unwrap();
    let r = db.begin_read().unwrap();
    let s = prompt_stats(&r, "p", 2).unwrap();
    assert_eq!((s.scored_count, s.mean_score), (1, Some(0.0)));
    drop(r);
    assert!(write(&db, |w| delete_prompt_usage(w, &u.usage_id)).unwrap());
    assert!(!write(&db, |w| delete_prompt_usage(w, &u.usage_id)).unwrap());
    let r = db.begin_read().unwrap();
    let s = prompt_stats(&r, "p", 2).unwrap();
    assert_eq!((s.count, s.mean_latency_ms), (2, 250.0));
}

#[test]
fn bad_input_names_the_field_and_writes_nothing() {
    let db = setup();
    let good = usage("p", 1, 1, None, None, 1);
    let mut bad_vars = good.clone();
    bad_vars.variables.insert(String::new(), "v".into());
    let cases = [
        (
            PromptUsage {
                prompt_name: String::new(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "prompt_name",
        ),
        (
            PromptUsage {
                prompt_version: 9,
                ..good.clone()
            },
            ErrorKind::NotFound,
            "prompt_version",
        ),
        (
            PromptUsage {
                prompt_name: "zzz".into(),
                ..good.clone()
            },
            ErrorKind::NotFound,
            "prompt_version",
        ),
        (
            PromptUsage {
                score: Some(f64::NAN),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "score",
        ),
        (
            PromptUsage {
                case_id: Some(String::new()),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "case_id",
        ),
        (
            PromptUsage {
                usage_id: "a\tb".into(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "usage_id",
        ),
        (bad_vars, ErrorKind::InvalidArgument, "variables"),
    ];
    for (u, kind, field) in cases {
        assert_field_error(write(&db, |w| record_prompt_usage(w, u)), kind, field);
    }
    assert!(keys(&db, USAGE).is_empty());
    write(&db, |w| {
        record_prompt_usage(
            w,
            PromptUsage {
                usage_id: "u1".into(),
                ..good.clone()
            },
        )
    })
    .unwrap();
    assert_field_error(
        write(&db, |w| {
            record_prompt_usage(
                w,
                PromptUsage {
                    usage_id: "u1".into(),
                    ..good.clone()
                },
            )
        }),
        ErrorKind::AlreadyExists,
        "usage_id",
    );
    assert_field_error(
        write(&db, |w| score_prompt_usage(w, "u1", Some(f64::INFINITY))),
        ErrorKind::InvalidArgument,
        "score",
    );
    assert_eq!(
        write(&db, |w| score_prompt_usage(w, "nope", Some(1.0)))
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    let r = db.begin_read().unwrap();
    assert_field_error(
        prompt_usages(&r, &UsageQuery::default()),
        ErrorKind::InvalidArgument,
        "prompt_name",
    );
    assert_field_error(
        prompt_usages(
            &r,
            &UsageQuery {
                prompt_version: Some(1),
                ..Default::default()
            },
        ),
        ErrorKind::InvalidArgument,
        "prompt_version",
    );
}

#[test]
fn one_commit_spans_the_metadata_and_prompt_stores_and_a_drop_writes_nothing() {
    let db = setup();
    let mut txn = db.begin_write().unwrap();
    let t = metadata::store_trajectory(
        &mut txn,
        metadata::Trajectory {
            case_id: "c".into(),
            ..Default::default()
        },
    )
    .unwrap();
    metadata::append_trajectory_step(
        &mut txn,
        &t.trajectory_id,
        metadata::TrajectoryStep {
            action: "search".into(),
            ..Default::default()
        },
    )
    .unwrap();
    metadata::store_tool_result(
        &mut txn,
        metadata::ToolResult {
            tool_name: "search".into(),
            case_id: Some("c".into()),
            result_data: "[]".into(),
            ..Default::default()
        },
    )
    .unwrap();
    record_prompt_usage(&mut txn, usage("p", 1, 10, None, Some("c"), 0)).unwrap();
    drop(txn);
    assert!(keys(&db, USAGE).is_empty());
    assert!(keys(&db, "meta.tool_results").is_empty());
    assert!(keys(&db, "meta.trajectories").is_empty());
    let mut txn = db.begin_write().unwrap();
    let t = metadata::store_trajectory(
        &mut txn,
        metadata::Trajectory {
            case_id: "c".into(),
            ..Default::default()
        },
    )
    .unwrap();
    metadata::store_tool_result(
        &mut txn,
        metadata::ToolResult {
            tool_name: "search".into(),
            case_id: Some("c".into()),
            result_data: "[]".into(),
            ..Default::default()
        },
    )
    .unwrap();
    record_prompt_usage(&mut txn, usage("p", 1, 10, None, Some("c"), 0)).unwrap();
    txn.commit().unwrap();
    let r = db.begin_read().unwrap();
    assert!(metadata::trajectory(&r, &t.trajectory_id)
        .unwrap()
        .is_some());
    assert_eq!(
        prompt_usages(
            &r,
            &UsageQuery {
                case_id: Some("c".into()),
                ..Default::default()
            }
        )
        .unwrap()
        .items
        .len(),
        1
    );
}

proptest! {
    #[test]
    fn usage_lists_match_a_model(
        calls in prop::collection::vec((0usize..2, 1u32..3, prop::option::of(0usize..2), 1i64..10), 0..25),
        name in prop::option::of(0usize..2),
        version in prop::option::of(1u32..3),
        case in prop::option::of(0usize..2),
        since in prop::option::of(0i64..6),
        limit in 1usize..4,
    ) {
        let db = setup();
        let (names, cases) = (["p", "q"], ["c1", "c2"]);
        let stored: Vec<PromptUsage> = write(&db, |w| {
            let mut out = Vec::new();
            for &(n, v, c, at) in &calls {
                let v = if n == 1 { 1 } else { v };
                out.push(record_prompt_usage(w, usage(names[n], v, 1, None, c.map(|c| cases[c]), at))?);
            }
            Ok(out)
        }).unwrap();
        let entries: usize = stored.iter().map(|u| 2 + usize::from(u.case_id.is_some())).sum();
        let versions_used: std::collections::BTreeSet<_> = stored.iter().map(|u| (&u.prompt_name, u.prompt_version)).collect();
        prop_assert_eq!(keys(&db, USAGE).len(), entries + versions_used.len());
        let version = if name.is_some() { version } else { None };
        if name.is_none() && case.is_none() {
            return Ok(());
        }
        let mut q = UsageQuery {
            prompt_name: name.map(|n| names[n].to_string()),
            prompt_version: version,
            case_id: case.map(|c| cases[c].to_string()),
            since,
            until: None,
            limit,
            cursor: None,
        };
        let mut expected: Vec<&PromptUsage> = stored.iter().filter(|u| {
            q.prompt_name.as_ref().is_none_or(|n| &u.prompt_name == n)
                && version.is_none_or(|v| u.prompt_version == v)
                && q.case_id.as_ref().is_none_or(|c| u.case_id.as_ref() == Some(c))
                && since.is_none_or(|s| u.created_at >= s)
        }).collect();
        let by_version = q.prompt_name.is_some() && version.is_none();
        expected.sort_by(|a, b| {
            let ka = (if by_version { a.prompt_version } else { 0 }, a.created_at, &a.usage_id);
            let kb = (if by_version { b.prompt_version } else { 0 }, b.created_at, &b.usage_id);
            kb.cmp(&ka)
        });
        let r = db.begin_read().unwrap();
        let mut got = Vec::new();
        loop {
            let page = prompt_usages(&r, &q).unwrap();
            prop_assert!(page.items.len() <= limit);
            got.extend(page.items);
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        prop_assert_eq!(got.iter().collect::<Vec<_>>(), expected);
    }
}
