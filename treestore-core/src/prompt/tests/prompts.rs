use std::collections::BTreeMap;

use super::{assert_field_error, keys, mem_db, write};
use crate::error::ErrorKind;
use crate::prompt::prompts::PROMPTS;
use crate::prompt::*;

fn new(name: &str, template: &str) -> NewPrompt {
    NewPrompt {
        name: name.into(),
        template: template.into(),
        config: Some(r#"{"model": "m", "temperature": 0}"#.into()),
        commit_message: Some("first".into()),
        ..NewPrompt::default()
    }
}

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn versions_number_themselves_and_labels_move() {
    let db = mem_db();
    let v1 = write(&db, |w| {
        create_prompt(
            w,
            NewPrompt {
                labels: vec!["production".into()],
                ..new("triage", "Case {{case_id}}: {{question}}")
            },
        )
    })
    .unwrap();
    assert_eq!(v1.version, 1);
    assert_eq!(v1.variables, vec!["case_id", "question"]);
    assert_eq!(v1.labels, vec!["latest", "production"]);
    let v2 = write(&db, |w| {
        create_prompt(
            w,
            NewPrompt {
                labels: vec!["staging".into()],
                ..new("triage", "Case {{case_id}}\nAsk: {{q}}")
            },
        )
    })
    .unwrap();
    assert_eq!(v2.version, 2);
    let r = db.begin_read().unwrap();
    let get = |s: PromptSelector| {
        prompt(&r, "triage", &s)
            .unwrap()
            .map(|p| (p.version, p.labels))
    };
    assert_eq!(
        get(PromptSelector::Latest),
        Some((2, vec!["latest".into(), "staging".into()]))
    );
    assert_eq!(
        get(PromptSelector::Label("production".into())),
        Some((1, vec!["production".into()]))
    );
    assert_eq!(
        get(PromptSelector::Label("latest".into())).map(|p| p.0),
        Some(2)
    );
    assert_eq!(get(PromptSelector::Version(1)).map(|p| p.0), Some(1));
    assert_eq!(get(PromptSelector::Version(3)), None);
    assert_eq!(get(PromptSelector::Version(0)), None);
    assert_eq!(get(PromptSelector::Label("nope".into())), None);
    assert!(prompt(&r, "other", &PromptSelector::Latest)
        .unwrap()
        .is_none());
    drop(r);
    write(&db, |w| set_prompt_label(w, "triage", "production", 2)).unwrap();
    let r = db.begin_read().unwrap();
    assert_eq!(
        prompt(&r, "triage", &PromptSelector::Label("production".into()))
            .unwrap()
            .unwrap()
            .version,
        2
    );
    assert_eq!(
        prompt(&r, "triage", &PromptSelector::Version(1))
            .unwrap()
            .unwrap()
            .labels,
        Vec::<String>::new()
    );
    let versions = prompt_versions(&r, "triage", 1, None).unwrap();
    assert_eq!(versions.items[0].version, 2);
    let older = prompt_versions(&r, "triage", 1, versions.next_cursor.as_deref()).unwrap();
    assert_eq!(older.items[0].version, 1);
    assert_eq!(older.next_cursor, None);
    let list = list_prompts(&r, 0, None).unwrap().items;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].latest_version, 2);
    assert_eq!(
        list[0].labels,
        BTreeMap::from([("production".to_string(), 2), ("staging".to_string(), 2)])
    );
    drop(r);
    assert!(write(&db, |w| remove_prompt_label(w, "triage", "staging")).unwrap());
    assert!(!write(&db, |w| remove_prompt_label(w, "triage", "staging")).unwrap());
    assert_eq!(
        PromptSelector::from_options(Some(2), None).unwrap(),
        PromptSelector::Version(2)
    );
    assert_eq!(
        PromptSelector::from_options(None, None).unwrap(),
        PromptSelector::Latest
    );
    assert_field_error(
        PromptSelector::from_options(Some(1), Some("x")),
        ErrorKind::InvalidArgument,
        "label",
    );
}

#[test]
fn render_fills_variables_and_names_a_missing_one() {
    let db = mem_db();
    write(&db, |w| {
        create_prompt(w, new("p", "Hello {{name}}, about {{topic}}."))
    })
    .unwrap();
    write(&db, |w| create_prompt(w, new("p", "Bye {{name}}."))).unwrap();
    let r = db.begin_read().unwrap();
    let v = vars(&[("name", "Ann"), ("topic", "claims")]);
    assert_eq!(
        render_prompt(&r, "p", &PromptSelector::Version(1), &v).unwrap(),
        "Hello Ann, about claims."
    );
    assert_eq!(
        render_prompt(&r, "p", &PromptSelector::Latest, &v).unwrap(),
        "Bye Ann."
    );
    let err = render_prompt(
        &r,
        "p",
        &PromptSelector::Version(1),
        &vars(&[("name", "Ann")]),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(
        err.message().contains("{{topic}}") && err.message().contains("version 1"),
        "{err}"
    );
    let err = render_prompt(&r, "p", &PromptSelector::Label("production".into()), &v).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.message().contains("label \"production\""), "{err}");
}

#[test]
fn diff_shows_lines_variables_and_config() {
    let db = mem_db();
    write(&db, |w| {
        create_prompt(w, new("d", "line one\n{{a}}\nline three"))
    })
    .unwrap();
    write(&db, |w| {
        create_prompt(
            w,
            NewPrompt {
                config: None,
                ..new("d", "line one\n{{b}}\nline three")
            },
        )
    })
    .unwrap();
    let r = db.begin_read().unwrap();
    let d = diff_prompt_versions(&r, "d", 1, 2).unwrap();
    assert_eq!(d.variables_added, vec!["b"]);
    assert_eq!(d.variables_removed, vec!["a"]);
    assert!(d.from_config.is_some() && d.to_config.is_none());
    assert!(!d.is_empty());
    assert_eq!(
        d.unified(),
        "--- d v1\n+++ d v2\n line one\n-{{a}}\n+{{b}}\n line three\n"
    );
    assert!(diff_prompt_versions(&r, "d", 1, 1).unwrap().is_empty());
    assert_field_error(
        diff_prompt_versions(&r, "d", 1, 9),
        ErrorKind::NotFound,
        "to",
    );
}

#[test]
fn bad_input_names_the_field_and_writes_nothing() {
    let db = mem_db();
    let good = new("p", "t {{x}}");
    let cases = [
        (
            NewPrompt {
                name: String::new(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "name",
        ),
        (
            NewPrompt {
                name: "n".repeat(201),
                ..good.clone()
            },
            ErrorKind::TooLarge,
            "name",
        ),
        (
            NewPrompt {
                template: " ".into(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "template",
        ),
        (
            NewPrompt {
                config: Some("{nope".into()),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "config",
        ),
        (
            NewPrompt {
                labels: vec!["latest".into()],
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "label",
        ),
        (
            NewPrompt {
                labels: vec!["has space".into()],
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "label",
        ),
        (
            NewPrompt {
                commit_message: Some("m".repeat(65 << 10)),
                ..good.clone()
            },
            ErrorKind::TooLarge,
            "commit_message",
        ),
        (
            NewPrompt {
                created_by: Some(String::new()),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "created_by",
        ),
    ];
    for (p, kind, field) in cases {
        assert_field_error(write(&db, |w| create_prompt(w, p)), kind, field);
    }
    assert!(keys(&db, PROMPTS).is_empty());
    write(&db, |w| create_prompt(w, good)).unwrap();
    assert_field_error(
        write(&db, |w| set_prompt_label(w, "p", "prod", 2)),
        ErrorKind::NotFound,
        "version",
    );
    assert_field_error(
        write(&db, |w| set_prompt_label(w, "p", "latest", 1)),
        ErrorKind::InvalidArgument,
        "label",
    );
    assert_eq!(
        write(&db, |w| set_prompt_label(w, "q", "prod", 1))
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(keys(&db, PROMPTS).len(), 2);
}

#[test]
fn deleting_a_prompt_removes_versions_labels_usage_and_stats() {
    let db = mem_db();
    write(&db, |w| {
        create_prompt(
            w,
            NewPrompt {
                labels: vec!["production".into()],
                ..new("gone", "a")
            },
        )?;
        create_prompt(w, new("gone", "b"))?;
        create_prompt(w, new("kept", "c"))?;
        for name in ["gone", "kept"] {
            record_prompt_usage(
                w,
                PromptUsage {
                    prompt_name: name.into(),
                    case_id: Some("c1".into()),
                    score: Some(1.0),
                    ..PromptUsage::default()
                },
            )?;
        }
        Ok(())
    })
    .unwrap();
    assert!(write(&db, |w| delete_prompt(w, "gone")).unwrap());
    assert!(!write(&db, |w| delete_prompt(w, "gone")).unwrap());
    assert_eq!(keys(&db, PROMPTS).len(), 2);
    assert_eq!(keys(&db, crate::prompt::usage::USAGE).len(), 4);
    let r = db.begin_read().unwrap();
    assert_eq!(prompt_stats(&r, "gone", 2).unwrap().count, 0);
    assert_eq!(prompt_stats(&r, "kept", 1).unwrap().count, 1);
}
