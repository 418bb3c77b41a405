use std::collections::BTreeMap;

use crate::db::{Database, Options};
use crate::prompt::*;

/// A new prompt `name` with `template`, nothing else set.
fn new_prompt(name: &str, template: &str) -> NewPrompt {
    NewPrompt {
        name: name.into(),
        template: template.into(),
        ..Default::default()
    }
}

#[test]
fn the_handle_runs_every_operation_and_its_writes_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prompt.tsdb");
    let (usage_id, conv_id);
    {
        let db = Database::open(&path, Options::default()).unwrap();
        let s = PromptStore(&db);
        s.create_prompt(new_prompt("p", "Hi {{n}}")).unwrap();
        s.create_prompt(new_prompt("p", "Yo {{n}}")).unwrap();
        s.set_prompt_label("p", "production", 1).unwrap();
        s.set_prompt_label("p", "staging", 1).unwrap();
        assert!(s.remove_prompt_label("p", "staging").unwrap());
        let vars = BTreeMap::from([("n".to_string(), "Ann".to_string())]);
        assert_eq!(
            s.render_prompt("p", &PromptSelector::Label("production".into()), &vars)
                .unwrap(),
            "Hi Ann"
        );
        assert_eq!(s.diff_prompt_versions("p", 1, 2).unwrap().lines.len(), 2);
        assert_eq!(s.prompt_versions("p", 0, None).unwrap().items.len(), 2);
        s.create_prompt(NewPrompt {
            name: "tmp".into(),
            template: "x".into(),
            ..Default::default()
        })
        .unwrap();
        assert!(s.delete_prompt("tmp").unwrap());
        assert_eq!(s.list_prompts(0, None).unwrap().items.len(), 1);

        let u = s
            .record_prompt_usage(PromptUsage {
                prompt_name: "p".into(),
                latency_ms: 40,
                case_id: Some("c".into()),
                ..Default::default()
            })
            .unwrap();
        usage_id = u.usage_id.clone();
        s.score_prompt_usage(&usage_id, Some(0.5)).unwrap();
        let gone = s
            .record_prompt_usage(PromptUsage {
                prompt_name: "p".into(),
                latency_ms: 400,
                ..Default::default()
            })
            .unwrap();
        assert!(s.delete_prompt_usage(&gone.usage_id).unwrap());
        assert_eq!(
            s.prompt_usages(&UsageQuery {
                case_id: Some("c".into()),
                ..Default::default()
            })
            .unwrap()
            .items
            .len(),
            1
        );

        let c = s
            .create_conversation(Conversation {
                user_id: "u".into(),
                tags: vec!["t".into()],
                ..Default::default()
            })
            .unwrap();
        conv_id = c.id.clone();
        s.update_conversation(Conversation {
            title: "T".into(),
            ..c.clone()
        })
        .unwrap();
        let m = s
            .add_message(Message {
                conversation_id: conv_id.clone(),
                role: Role::User,
                content: "hi".into(),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(s.message(&m.id).unwrap(), Some(m));
        assert_eq!(s.messages(&conv_id, 0, None).unwrap().items.len(), 1);
        assert_eq!(
            s.list_conversations_by_user("u", 0, None)
                .unwrap()
                .items
                .len(),
            1
        );
        assert_eq!(
            s.list_conversations_by_tag("t", 0, None)
                .unwrap()
                .items
                .len(),
            1
        );
        assert_eq!(
            s.list_conversations(&ConversationQuery::default())
                .unwrap()
                .items
                .len(),
            1
        );
        let c2 = s
            .create_conversation(Conversation {
                user_id: "u".into(),
                ..Default::default()
            })
            .unwrap();
        assert!(s.delete_conversation(&c2.id).unwrap());
        db.close().unwrap();
    }
    let db = Database::open(&path, Options::default()).unwrap();
    let s = PromptStore(&db);
    assert_eq!(
        s.prompt("p", &PromptSelector::Latest)
            .unwrap()
            .unwrap()
            .version,
        2
    );
    assert_eq!(s.prompt_usage(&usage_id).unwrap().unwrap().score, Some(0.5));
    let st = s.prompt_stats("p", 2).unwrap();
    assert_eq!(
        (st.count, st.mean_latency_ms, st.mean_score),
        (1, 40.0, Some(0.5))
    );
    assert_eq!(s.prompt_version_stats("p").unwrap().len(), 1);
    let c = s.conversation(&conv_id).unwrap().unwrap();
    assert_eq!((c.title.as_str(), c.message_count), ("T", 1));
    assert_eq!(
        s.conversation_with_messages(&conv_id)
            .unwrap()
            .unwrap()
            .messages
            .len(),
        1
    );
    assert!(db.check_integrity().unwrap().is_ok());
}

/// Two usage records with the same id lined up in one combined group: the first lands, the
/// second fails with `AlreadyExists` alone, and the statistics count one call.
#[test]
fn a_duplicate_usage_id_in_a_combined_group_fails_alone() {
    let db = crate::metadata::tests::mem_db();
    let s = PromptStore(&db);
    s.create_prompt(new_prompt("p", "Hi {{n}}")).unwrap();
    let usage = |id: &str, latency_ms| PromptUsage {
        usage_id: id.into(),
        prompt_name: "p".into(),
        latency_ms,
        ..Default::default()
    };
    // Holding the writer lines the records up behind it; releasing it lets them go as one group.
    let held = db.begin_write().unwrap();
    let results = std::thread::scope(|sc| {
        let mut handles = Vec::new();
        for (i, (id, latency)) in [("u1", 10), ("dup", 20), ("dup", 30), ("u2", 40)]
            .into_iter()
            .enumerate()
        {
            let db = &db;
            let u = usage(id, latency);
            handles.push(sc.spawn(move || PromptStore(db).record_prompt_usage(u)));
            let start = std::time::Instant::now();
            while db.combined_queue_len() != i + 1 {
                assert!(start.elapsed().as_secs() < 20, "timed out");
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        drop(held);
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    assert_eq!(results[0].as_ref().unwrap().usage_id, "u1");
    assert_eq!(results[1].as_ref().unwrap().latency_ms, 20);
    let err = results[2].as_ref().unwrap_err();
    assert_eq!(err.kind(), crate::error::ErrorKind::AlreadyExists, "{err}");
    assert_eq!(results[3].as_ref().unwrap().usage_id, "u2");
    assert_eq!(s.prompt_usage("dup").unwrap().unwrap().latency_ms, 20);
    let stats = s.prompt_stats("p", 1).unwrap();
    assert_eq!(stats.count, 3);
    assert_eq!(stats.mean_latency_ms, (10.0 + 20.0 + 40.0) / 3.0);
}
