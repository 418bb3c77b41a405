use super::{assert_field_error, keys, mem_db, write};
use crate::error::ErrorKind;
use crate::metadata::trajectories::TRAJECTORIES;
use crate::metadata::*;

fn step(action: &str) -> TrajectoryStep {
    TrajectoryStep {
        tool_name: Some("navigate".into()),
        action: action.into(),
        observation: "saw 2.1".into(),
        thought: "look deeper".into(),
        ..TrajectoryStep::default()
    }
}

fn traj(case: &str, started_at: i64, steps: Vec<TrajectoryStep>) -> Trajectory {
    Trajectory {
        case_id: case.into(),
        started_at,
        steps,
        ..Trajectory::default()
    }
}

#[test]
fn store_numbers_steps_and_reads_back_by_id_and_case() {
    let db = mem_db();
    let t = write(&db, |w| {
        store_trajectory(w, traj("c1", 10, vec![step("a"), step("b")]))
    })
    .unwrap();
    assert_eq!(
        t.steps.iter().map(|s| s.step_number).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(t.steps.iter().all(|s| s.timestamp > 0));
    let later = write(&db, |w| store_trajectory(w, traj("c1", 20, vec![]))).unwrap();
    write(&db, |w| store_trajectory(w, traj("c2", 30, vec![]))).unwrap();
    let r = db.begin_read().unwrap();
    assert_eq!(trajectory(&r, &t.trajectory_id).unwrap().unwrap(), t);
    assert!(trajectory(&r, "nope").unwrap().is_none());
    let page = trajectories(&r, "c1", 1, None).unwrap();
    assert_eq!(page.items, vec![later]);
    let page2 = trajectories(&r, "c1", 1, page.next_cursor.as_deref()).unwrap();
    assert_eq!(page2.items, vec![t]);
    assert_eq!(page2.next_cursor, None);
}

#[test]
fn append_grows_open_trajectories_only() {
    let db = mem_db();
    let mut s = step("first");
    s.step_number = 5;
    let t = write(&db, |w| store_trajectory(w, traj("c", 1, vec![s]))).unwrap();
    let id = t.trajectory_id.clone();
    let s6 = write(&db, |w| append_trajectory_step(w, &id, step("next"))).unwrap();
    assert_eq!(s6.step_number, 6);
    let mut s9 = step("jump");
    s9.step_number = 9;
    assert_eq!(
        write(&db, |w| append_trajectory_step(w, &id, s9))
            .unwrap()
            .step_number,
        9
    );
    let mut back = step("back");
    back.step_number = 7;
    assert_field_error(
        write(&db, |w| append_trajectory_step(w, &id, back)),
        ErrorKind::InvalidArgument,
        "steps[0].step_number",
    );
    assert_field_error(
        write(&db, |w| append_trajectory_step(w, &id, step(" "))),
        ErrorKind::InvalidArgument,
        "steps[0].action",
    );
    let err = write(&db, |w| append_trajectory_step(w, "missing", step("x"))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_field_error(
        write(&db, |w| complete_trajectory(w, &id, -5)),
        ErrorKind::InvalidArgument,
        "completed_at",
    );
    write(&db, |w| complete_trajectory(w, &id, 50)).unwrap();
    assert_field_error(
        write(&db, |w| complete_trajectory(w, &id, 60)),
        ErrorKind::InvalidArgument,
        "completed_at",
    );
    assert_field_error(
        write(&db, |w| append_trajectory_step(w, &id, step("late"))),
        ErrorKind::InvalidArgument,
        "completed_at",
    );
    let r = db.begin_read().unwrap();
    let got = trajectory(&r, &id).unwrap().unwrap();
    assert_eq!(got.completed_at, Some(50));
    assert_eq!(
        got.steps.iter().map(|s| s.step_number).collect::<Vec<_>>(),
        vec![5, 6, 9]
    );
}

#[test]
fn bad_input_names_the_field_and_writes_nothing() {
    let db = mem_db();
    let mut bad_num = vec![step("a"), step("b")];
    bad_num[0].step_number = 3;
    bad_num[1].step_number = 2;
    let cases = [
        (traj("", 1, vec![]), ErrorKind::InvalidArgument, "case_id"),
        (
            traj("c", 1, vec![step("")]),
            ErrorKind::InvalidArgument,
            "steps[0].action",
        ),
        (
            traj("c", 1, bad_num),
            ErrorKind::InvalidArgument,
            "steps[1].step_number",
        ),
        (
            Trajectory {
                completed_at: Some(0),
                ..traj("c", 5, vec![])
            },
            ErrorKind::InvalidArgument,
            "completed_at",
        ),
        (
            Trajectory {
                trajectory_id: "x".repeat(300),
                ..traj("c", 5, vec![])
            },
            ErrorKind::TooLarge,
            "trajectory_id",
        ),
    ];
    for (t, kind, field) in cases {
        assert_field_error(write(&db, |w| store_trajectory(w, t)), kind, field);
    }
    let mut huge = step("a");
    huge.step_number = MAX_STEPS + 1;
    assert_field_error(
        write(&db, |w| store_trajectory(w, traj("c", 1, vec![huge]))),
        ErrorKind::InvalidArgument,
        "steps[0].step_number",
    );
    assert!(keys(&db, TRAJECTORIES).is_empty());
    let r = db.begin_read().unwrap();
    assert_field_error(
        trajectories(&r, "", 10, None),
        ErrorKind::InvalidArgument,
        "case_id",
    );
    assert_field_error(
        trajectories(&r, "c", 10, Some("xyz")),
        ErrorKind::InvalidArgument,
        "cursor",
    );
}

#[test]
fn replacing_and_deleting_leave_no_stale_entries() {
    let db = mem_db();
    let t = write(&db, |w| {
        store_trajectory(w, traj("c1", 1, vec![step("a"), step("b"), step("c")]))
    })
    .unwrap();
    let replaced = Trajectory {
        case_id: "c2".into(),
        steps: vec![step("z")],
        ..t.clone()
    };
    let replaced = write(&db, |w| store_trajectory(w, replaced)).unwrap();
    assert_eq!(keys(&db, TRAJECTORIES).len(), 3);
    let r = db.begin_read().unwrap();
    assert!(trajectories(&r, "c1", 10, None).unwrap().items.is_empty());
    assert_eq!(
        trajectories(&r, "c2", 10, None).unwrap().items,
        vec![replaced]
    );
    drop(r);
    assert!(write(&db, |w| delete_trajectory(w, &t.trajectory_id)).unwrap());
    assert!(!write(&db, |w| delete_trajectory(w, &t.trajectory_id)).unwrap());
    assert!(keys(&db, TRAJECTORIES).is_empty());
}

#[test]
fn steps_page_in_order_and_one_reads_alone() {
    let db = mem_db();
    let steps: Vec<TrajectoryStep> = (0..10).map(|i| step(&format!("s{i}"))).collect();
    let t = write(&db, |w| store_trajectory(w, traj("c1", 10, steps))).unwrap();
    let id = t.trajectory_id.clone();
    let r = db.begin_read().unwrap();
    for limit in [1, 3, 10, 11] {
        let (mut all, mut cursor) = (Vec::new(), None);
        loop {
            let page = trajectory_steps(&r, &id, limit, cursor.as_deref()).unwrap();
            assert!(page.items.len() <= limit);
            all.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(all, t.steps, "limit {limit}");
    }
    assert_eq!(
        trajectory_step(&r, &id, 4).unwrap().as_ref(),
        t.steps.get(3)
    );
    assert_eq!(trajectory_step(&r, &id, 11).unwrap(), None);
    let err = trajectory_steps(&r, "missing", 0, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_field_error(
        trajectory_steps(&r, "", 0, None),
        ErrorKind::InvalidArgument,
        "trajectory_id",
    );
    assert_field_error(
        trajectory_steps(&r, &id, 0, Some("zz")),
        ErrorKind::InvalidArgument,
        "cursor",
    );
    assert_field_error(
        trajectory_steps(&r, &id, MAX_LIMIT + 1, None),
        ErrorKind::InvalidArgument,
        "limit",
    );
}
