//! Tests of the record index through the stores that feed it: entries follow every write,
//! scores follow the textbook formula, and removal leaves nothing behind.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use super::layout::{REC_DOCS, REC_POSTINGS, REC_STATS};
use super::model::{RecordFilter, RecordKind, RecordRef};
use super::{search_records, ALL_TABLES};
use crate::db::{Database, ReadOps, WriteTxn};
use crate::error::{ErrorKind, Result};
use crate::metadata::tests::{keys, mem_db, write};
use crate::metadata::{self, ToolResult, Trajectory, TrajectoryStep};
use crate::prompt::{self, NewPrompt};
use crate::search::{self, SearchSettings, Stemming, K1};

fn tool(id: &str, name: &str, data: &str, policy: Option<&str>, case: Option<&str>) -> ToolResult {
    ToolResult {
        execution_id: id.into(),
        tool_name: name.into(),
        policy_id: policy.map(Into::into),
        case_id: case.map(Into::into),
        result_data: data.into(),
        success: true,
        executed_at: 10,
        ..ToolResult::default()
    }
}

fn store(db: &Database, r: ToolResult) {
    write(db, |w| metadata::store_tool_result(w, r)).unwrap();
}

/// The rows of a table.
type Rows = Vec<(Vec<u8>, Vec<u8>)>;

/// Every key and value of the record index's tables, after checking its invariants.
fn dump(db: &Database) -> BTreeMap<&'static str, Rows> {
    let r = db.begin_read().unwrap();
    super::check_records(&r).unwrap();
    ALL_TABLES
        .iter()
        .map(|&name| {
            let t = r.table(name).unwrap();
            let rows = r
                .prefix(t, &[])
                .unwrap()
                .map(|kv| {
                    let (k, v) = kv.unwrap();
                    (k.to_vec(), v.to_vec())
                })
                .collect();
            (name, rows)
        })
        .collect()
}

/// What the index holds (records and postings, merged or pending), after checking it.
fn summary(db: &Database) -> super::RecordIndexSummary {
    super::check_records(&db.begin_read().unwrap()).unwrap()
}

/// The rows of `fts.rec_stats` that are statistics (one key element), not pending records.
fn stats_rows(rows: &Rows) -> usize {
    rows.iter().filter(|(k, _)| k.len() == 5).count()
}

fn hits(
    db: &Database,
    query: &str,
    kind: RecordKind,
    filter: RecordFilter<'_>,
) -> Vec<(String, f64)> {
    let r = db.begin_read().unwrap();
    let mut out: Vec<(String, f64)> = search_records(&r, query, &[kind], &filter)
        .unwrap()
        .remove(0)
        .1
        .hits
        .into_iter()
        .map(|h| (h.rec.id(), h.score))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

fn ids(found: &[(String, f64)]) -> Vec<&str> {
    found.iter().map(|(id, _)| id.as_str()).collect()
}

#[test]
fn single_terms_score_as_the_textbook_formula() {
    let db = mem_db();
    store(
        &db,
        tool(
            "a",
            "search",
            r#"{"text": "prior authorization required"}"#,
            None,
            None,
        ),
    );
    store(
        &db,
        tool("b", "lookup", r#"{"text": "authorization"}"#, None, None),
    );
    store(
        &db,
        tool(
            "c",
            "lookup",
            r#"{"text": "nothing here at all"}"#,
            None,
            None,
        ),
    );
    store(&db, tool("d", "lookup", r#"{"text": "other"}"#, None, None));
    store(
        &db,
        tool("e", "lookup", r#"{"text": "more words"}"#, None, None),
    );
    // Tokens (tool name + result data): a 5, b 3, c 6, d 3, e 4; N = 5, avgdl = 21 / 5.
    let avgdl = 21.0 / 5.0;
    let bm25 = |idf: f64, wtf: f64, len: f64| {
        idf * (wtf * (K1 + 1.0)) / (wtf + K1 * (1.0 - 0.75 + 0.75 * len / avgdl))
    };
    let idf = |n: f64| ((5.0 - n + 0.5) / (n + 0.5f64)).ln();
    let found = hits(
        &db,
        "authorization",
        RecordKind::ToolResult,
        RecordFilter::default(),
    );
    assert_eq!(ids(&found), vec!["b", "a"]);
    assert!(
        (found[0].1 - bm25(idf(2.0), 1.0, 3.0)).abs() < 1e-12,
        "{found:?}"
    );
    assert!(
        (found[1].1 - bm25(idf(2.0), 1.0, 5.0)).abs() < 1e-12,
        "{found:?}"
    );
    // The tool name is the title field: a match there counts 3 times.
    let found = hits(
        &db,
        "search",
        RecordKind::ToolResult,
        RecordFilter::default(),
    );
    assert_eq!(ids(&found), vec!["a"]);
    assert!(
        (found[0].1 - bm25(idf(1.0), 3.0, 5.0)).abs() < 1e-12,
        "{found:?}"
    );
}

#[test]
fn phrases_prefixes_and_not_follow_the_query_language() {
    let db = mem_db();
    store(
        &db,
        tool(
            "a",
            "search",
            r#""prior authorization for imaging""#,
            None,
            None,
        ),
    );
    store(
        &db,
        tool(
            "b",
            "search",
            r#""authorization prior to imaging""#,
            None,
            None,
        ),
    );
    store(
        &db,
        tool("c", "search", r#""authorized imaging""#, None, None),
    );
    let none = RecordFilter::default;
    let kind = RecordKind::ToolResult;
    assert_eq!(
        ids(&hits(&db, "\"prior authorization\"", kind, none())),
        vec!["a"]
    );
    let mut found = ids(&hits(&db, "author*", kind, none()))
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    found.sort();
    assert_eq!(found, vec!["a", "b", "c"]);
    assert_eq!(
        ids(&hits(&db, "imaging NOT prior", kind, none())),
        vec!["c"]
    );
    assert_eq!(
        ids(&hits(
            &db,
            "prior AND imaging NOT \"prior authorization\"",
            kind,
            none()
        )),
        vec!["b"]
    );
    let r = db.begin_read().unwrap();
    let h = &search_records(&r, "author* imaging", &[kind], &none()).unwrap()[0]
        .1
        .hits;
    let c = h.iter().find(|h| h.rec.id() == "c").unwrap();
    assert_eq!(c.matched_terms, vec!["authorized", "imaging"]);
    assert_eq!(c.matched_fields, [false, false, true]);
    // A malformed query is an error naming the position, as for nodes.
    let err = search_records(&r, "a AND", &[kind], &none()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("character 2"), "{err}");
}

#[test]
fn filters_keep_the_records_of_a_policy_or_case() {
    let db = mem_db();
    store(&db, tool("a", "search", "\"knee\"", Some("p1"), Some("c1")));
    store(&db, tool("b", "search", "\"knee\"", Some("p2"), Some("c1")));
    store(&db, tool("c", "search", "\"knee\"", None, Some("c2")));
    store(&db, tool("d", "search", "\"knee\"", None, None));
    let kind = RecordKind::ToolResult;
    let f = |p: Option<&'static str>, c: Option<&'static str>| RecordFilter {
        policy_id: p,
        case_id: c,
    };
    let sorted = |v: Vec<(String, f64)>| {
        let mut v: Vec<String> = v.into_iter().map(|x| x.0).collect();
        v.sort();
        v
    };
    assert_eq!(
        sorted(hits(&db, "knee", kind, f(None, None))),
        ["a", "b", "c", "d"]
    );
    assert_eq!(sorted(hits(&db, "knee", kind, f(Some("p1"), None))), ["a"]);
    assert_eq!(
        sorted(hits(&db, "knee", kind, f(None, Some("c1")))),
        ["a", "b"]
    );
    assert_eq!(
        sorted(hits(&db, "knee", kind, f(Some("p2"), Some("c1")))),
        ["b"]
    );
    assert_eq!(
        sorted(hits(&db, "knee", kind, f(Some("p2"), Some("c2")))),
        Vec::<String>::new()
    );
}

fn prompt_of(name: &str, template: &str, message: Option<&str>) -> NewPrompt {
    NewPrompt {
        name: name.into(),
        template: template.into(),
        commit_message: message.map(Into::into),
        ..NewPrompt::default()
    }
}

fn trajectory(case: &str, steps: &[(&str, &str)]) -> Trajectory {
    Trajectory {
        case_id: case.into(),
        steps: steps
            .iter()
            .map(|(action, observation)| TrajectoryStep {
                action: (*action).into(),
                observation: (*observation).into(),
                thought: "think".into(),
                tool_name: Some("navigate".into()),
                ..TrajectoryStep::default()
            })
            .collect(),
        ..Trajectory::default()
    }
}

/// Stores one record of each kind and returns the trajectory's id.
fn store_each_kind(db: &Database) -> String {
    store(
        db,
        tool(
            "t1",
            "search",
            r#"{"hit": "prior authorization"}"#,
            Some("p"),
            Some("c"),
        ),
    );
    write(db, |w| {
        prompt::create_prompt(
            w,
            prompt_of("triage", "Decide on {{case}} authorization", Some("first")),
        )
    })
    .unwrap();
    write(db, |w| {
        prompt::create_prompt(
            w,
            prompt_of("triage", "Decide on {{case}} prior authorization", None),
        )
    })
    .unwrap();
    let t = write(db, |w| {
        metadata::store_trajectory(w, trajectory("c", &[("open", "authorization section")]))
    })
    .unwrap();
    write(db, |w| {
        metadata::append_trajectory_step(
            w,
            &t.trajectory_id,
            TrajectoryStep {
                action: "read".into(),
                observation: "prior authorization limits".into(),
                ..TrajectoryStep::default()
            },
        )
    })
    .unwrap();
    t.trajectory_id
}

#[test]
fn every_kind_is_indexed_with_its_write_and_deleting_leaves_no_entry() {
    let db = mem_db();
    let traj = store_each_kind(&db);
    let tables = dump(&db);
    assert_eq!(summary(&db).records, 1 + 2 + 2);
    assert_eq!(stats_rows(&tables[REC_STATS]), 3);
    let r = db.begin_read().unwrap();
    let kinds = RecordKind::ALL;
    let found = search_records(&r, "authorization", &kinds, &RecordFilter::default()).unwrap();
    let counts: Vec<usize> = found.iter().map(|(_, h)| h.hits.len()).collect();
    assert_eq!(counts, vec![1, 2, 2]);
    drop(r);
    write(&db, |w| metadata::delete_tool_result(w, "t1")).unwrap();
    write(&db, |w| prompt::delete_prompt(w, "triage")).unwrap();
    write(&db, |w| metadata::delete_trajectory(w, &traj)).unwrap();
    for (name, rows) in dump(&db) {
        assert!(rows.is_empty(), "{name} keeps {} entries", rows.len());
    }
}

#[test]
fn replacing_a_record_leaves_the_tables_of_one_stored_once() {
    let fresh = mem_db();
    store(
        &fresh,
        tool("x", "search", r#""new words only""#, Some("p"), None),
    );
    let churned = mem_db();
    store(
        &churned,
        tool(
            "x",
            "lookup",
            r#""old text with many old words""#,
            None,
            Some("c"),
        ),
    );
    store(
        &churned,
        tool("x", "search", r#""new words only""#, Some("p"), None),
    );
    assert_eq!(dump(&churned), dump(&fresh));
    // Storing a whole trajectory again replaces its steps' entries too.
    let db = mem_db();
    let t = write(&db, |w| {
        metadata::store_trajectory(w, trajectory("c", &[("a", "one"), ("b", "two")]))
    })
    .unwrap();
    let again = Trajectory {
        trajectory_id: t.trajectory_id.clone(),
        ..trajectory("c", &[("z", "three")])
    };
    write(&db, |w| metadata::store_trajectory(w, again)).unwrap();
    assert_eq!(summary(&db).records, 1);
    assert!(hits(
        &db,
        "one",
        RecordKind::TrajectoryStep,
        RecordFilter::default()
    )
    .is_empty());
    assert_eq!(
        hits(
            &db,
            "three",
            RecordKind::TrajectoryStep,
            RecordFilter::default()
        )
        .len(),
        1
    );
}

#[test]
fn purge_removes_the_entries_of_what_it_deletes() {
    let db = mem_db();
    for (i, at) in [5i64, 15, 25].into_iter().enumerate() {
        let mut r = tool(&format!("r{i}"), "search", r#""knee""#, None, None);
        r.executed_at = at;
        store(&db, r);
    }
    assert_eq!(
        write(&db, |w| metadata::purge_tool_results(w, 20)).unwrap(),
        2
    );
    let left = hits(&db, "knee", RecordKind::ToolResult, RecordFilter::default());
    assert_eq!(ids(&left), vec!["r2"]);
    let summary = summary(&db);
    assert_eq!(summary.records, 1);
    assert_eq!(summary.postings, 2, "search and knee of r2 only");
}

#[test]
fn failed_and_dropped_writes_leave_the_index_as_it_was() {
    let db = mem_db();
    store(&db, tool("a", "search", r#""knee""#, None, None));
    let before = dump(&db);
    let bad = tool("b", "search", "{not json", None, None);
    let mut w = db.begin_write().unwrap();
    let err = metadata::store_tool_result(&mut w, bad).unwrap_err();
    assert!(err.message().contains("field result_data"), "{err}");
    w.commit().unwrap();
    assert_eq!(dump(&db), before);
    let mut w = db.begin_write().unwrap();
    metadata::store_tool_result(&mut w, tool("c", "search", r#""hip""#, None, None)).unwrap();
    drop(w);
    assert_eq!(dump(&db), before);
}

#[test]
fn stemming_is_the_databases_and_cannot_change_under_records() {
    let db = mem_db();
    write(&db, |w| {
        search::configure(
            w,
            &SearchSettings {
                stemming: Stemming::Porter,
                ..SearchSettings::default()
            },
        )
    })
    .unwrap();
    store(&db, tool("a", "search", r#""authorizations""#, None, None));
    assert_eq!(
        hits(
            &db,
            "authorized",
            RecordKind::ToolResult,
            RecordFilter::default()
        )
        .len(),
        1
    );
    let err = write(&db, |w| search::configure(w, &SearchSettings::default())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    write(&db, |w| metadata::delete_tool_result(w, "a")).unwrap();
    write(&db, |w| search::configure(w, &SearchSettings::default())).unwrap();
}

#[test]
fn a_records_id_round_trips_through_its_keys() {
    let recs = [
        RecordRef::ToolResult {
            execution_id: "e\0x".into(),
        },
        RecordRef::Prompt {
            name: "n".into(),
            version: 7,
        },
        RecordRef::TrajectoryStep {
            trajectory_id: "t".into(),
            step_number: 3,
        },
    ];
    for rec in recs {
        let mut k = crate::keys::KeyBuilder::new();
        rec.put_id(&mut k);
        assert_eq!(RecordRef::read_id(rec.kind(), k.as_slice()).unwrap(), rec);
        assert!(RecordRef::read_id(rec.kind(), &k.as_slice()[1..]).is_err());
    }
}

/// Runs `f` in a write transaction without committing (for checks of in-transaction visibility).
fn uncommitted<T>(db: &Database, f: impl FnOnce(&mut WriteTxn) -> Result<T>) -> T {
    let mut w = db.begin_write().unwrap();
    f(&mut w).unwrap()
}

#[test]
fn a_write_sees_its_own_entries_before_commit() {
    let db = mem_db();
    let n = uncommitted(&db, |w| {
        metadata::store_tool_result(w, tool("a", "search", r#""knee""#, None, None))?;
        let found = search_records(
            &*w,
            "knee",
            &[RecordKind::ToolResult],
            &RecordFilter::default(),
        )?;
        Ok(found[0].1.hits.len())
    });
    assert_eq!(n, 1);
    assert!(keys(&db, REC_DOCS).is_empty());
}

#[test]
fn check_finds_stale_missing_and_miscounted_entries() {
    let db = mem_db();
    store(&db, tool("a", "search", r#""knee hip""#, None, None));
    let r = db.begin_read().unwrap();
    let summary = super::check_records(&r).unwrap();
    assert_eq!((summary.records, summary.postings), (1, 3));
    drop(r);
    // Fill the pending records up to a merge, so that "a"'s postings are merged ones.
    let fillers = super::write::PENDING_MAX_RECORDS - 1;
    for i in 0..fillers {
        store(
            &db,
            tool(&format!("f{i}"), "search", r#""filler""#, None, None),
        );
    }
    let r = db.begin_read().unwrap();
    let t = super::layout::Tables::open(&r).unwrap();
    let stats = super::layout::read_stats(&r, &t, RecordKind::ToolResult).unwrap();
    assert_eq!(stats.pending, 0, "the 64th record merged them all");
    let summary = super::check_records(&r).unwrap();
    assert_eq!(summary.postings, 3 + 2 * fillers);
    drop(r);
    // "b" stays pending.
    store(&db, tool("b", "search", r#""elbow""#, None, None));
    let pending = RecordRef::ToolResult {
        execution_id: "b".into(),
    };
    let rec = RecordRef::ToolResult {
        execution_id: "a".into(),
    };
    let damage = |f: &dyn Fn(&mut WriteTxn)| {
        let mut w = db.begin_write().unwrap();
        f(&mut w);
        let err = super::check_records(&w).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Corruption);
        err.message().to_string()
    };
    let stale = damage(&|w| {
        let t = w.table(REC_POSTINGS).unwrap();
        let k = super::layout::posting_key(&rec, "elbow");
        let v = super::layout::encode_posting(&super::layout::Posting {
            doc_len: 3,
            positions: [vec![], vec![], vec![0]],
        });
        w.insert(t, &k, &v).unwrap();
    });
    assert!(
        stale.contains("\"elbow\" in tool_result a is stale"),
        "{stale}"
    );
    let missing = damage(&|w| {
        let t = w.table(REC_POSTINGS).unwrap();
        w.remove(t, &super::layout::posting_key(&rec, "hip"))
            .unwrap();
    });
    assert!(
        missing.contains("lacks its posting of \"hip\""),
        "{missing}"
    );
    let counted = damage(&|w| {
        let t = super::layout::Tables::open(w).unwrap();
        let s = super::layout::Stats {
            doc_count: 2,
            tokens: 3,
            ..super::layout::Stats::default()
        };
        super::layout::write_stats(w, &t, RecordKind::ToolResult, &s).unwrap();
    });
    assert!(counted.contains("statistics of tool_result"), "{counted}");
    let both = damage(&|w| {
        let t = w.table(REC_POSTINGS).unwrap();
        let k = super::layout::posting_key(&pending, "elbow");
        let v = super::layout::encode_posting(&super::layout::Posting {
            doc_len: 2,
            positions: [vec![], vec![], vec![0]],
        });
        w.insert(t, &k, &v).unwrap();
    });
    assert!(both.contains("both pending and merged"), "{both}");
    let garbled = damage(&|w| {
        let t = w.table(REC_STATS).unwrap();
        w.insert(t, &super::layout::pending_key(&pending), &[1, 9])
            .unwrap();
    });
    assert!(garbled.contains("pending tool_result b"), "{garbled}");
}

#[test]
fn merged_and_pending_postings_answer_alike() {
    let db = mem_db();
    let n = super::write::PENDING_MAX_RECORDS + 6;
    for i in 0..n {
        let text = if i % 2 == 0 {
            "left knee pain"
        } else {
            "knee left"
        };
        store(
            &db,
            tool(
                &format!("r{i:03}"),
                "search",
                &format!("{text:?}"),
                None,
                None,
            ),
        );
    }
    let r = db.begin_read().unwrap();
    let t = super::layout::Tables::open(&r).unwrap();
    let stats = super::layout::read_stats(&r, &t, RecordKind::ToolResult).unwrap();
    assert_eq!(
        stats.pending, 6,
        "the last six are pending, the others merged"
    );
    drop(r);
    dump(&db);
    let all = |q: &str| hits(&db, q, RecordKind::ToolResult, RecordFilter::default());
    assert_eq!(all("knee").len(), n as usize);
    assert_eq!(all("kne*").len(), n as usize);
    let phrase = all("\"left knee\"");
    assert_eq!(phrase.len(), n.div_ceil(2) as usize);
    assert!(ids(&phrase)
        .iter()
        .all(|id| id[1..].parse::<u64>().unwrap() % 2 == 0));
    // Equal records score equally whether their postings are merged or pending.
    let scores = all("pain");
    assert!(scores.iter().all(|(_, s)| (s - scores[0].1).abs() < 1e-12));
    assert!(ids(&scores).contains(&"r068") && ids(&scores).contains(&"r000"));
}
