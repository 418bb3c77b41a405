use std::collections::BTreeMap;

use proptest::prelude::*;

use super::{assert_field_error, keys, mem_db, write};
use crate::error::ErrorKind;
use crate::prompt::conversations::CONVERSATIONS;
use crate::prompt::*;

fn conv(user: &str, tags: &[&str], at: i64) -> Conversation {
    Conversation {
        user_id: user.into(),
        title: "Claim question".into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        metadata: BTreeMap::from([("channel".to_string(), "web".to_string())]),
        created_at: at,
        ..Conversation::default()
    }
}

fn msg(conversation_id: &str, role: Role, content: &str) -> Message {
    Message {
        conversation_id: conversation_id.into(),
        role,
        content: content.into(),
        ..Message::default()
    }
}

#[test]
fn messages_append_in_order_and_read_back_every_way() {
    let db = mem_db();
    let c = write(&db, |w| {
        create_conversation(w, conv("u1", &["billing", "billing", "vip"], 10))
    })
    .unwrap();
    assert_eq!(c.tags, vec!["billing", "vip"]);
    assert_eq!(c.updated_at, 10);
    let m1 = write(&db, |w| add_message(w, msg(&c.id, Role::User, "hi"))).unwrap();
    let m2 = write(&db, |w| {
        add_message(
            w,
            Message {
                id: "m2".into(),
                ..msg(&c.id, Role::Assistant, "hello")
            },
        )
    })
    .unwrap();
    let r = db.begin_read().unwrap();
    let got = conversation(&r, &c.id).unwrap().unwrap();
    assert_eq!(got.message_count, 2);
    assert!(got.updated_at >= m2.created_at);
    assert_eq!(message(&r, "m2").unwrap().unwrap(), m2);
    assert_eq!(message(&r, &m1.id).unwrap().unwrap(), m1);
    assert!(message(&r, "zz").unwrap().is_none());
    let page = messages(&r, &c.id, 1, None).unwrap();
    assert_eq!(page.items, vec![m1.clone()]);
    assert_eq!(
        messages(&r, &c.id, 1, page.next_cursor.as_deref())
            .unwrap()
            .items,
        vec![m2.clone()]
    );
    let full = conversation_with_messages(&r, &c.id).unwrap().unwrap();
    assert_eq!(full.conversation, got);
    assert_eq!(full.messages, vec![m1, m2]);
    assert!(conversation_with_messages(&r, "nope").unwrap().is_none());
}

#[test]
fn update_moves_tag_entries_and_delete_leaves_nothing() {
    let db = mem_db();
    let c = write(&db, |w| create_conversation(w, conv("u1", &["a", "b"], 10))).unwrap();
    write(&db, |w| add_message(w, msg(&c.id, Role::User, "x"))).unwrap();
    let updated = write(&db, |w| {
        update_conversation(
            w,
            Conversation {
                tags: vec!["c".into()],
                title: "new".into(),
                user_id: String::new(),
                ..c.clone()
            },
        )
    })
    .unwrap();
    assert_eq!(
        (
            updated.user_id.as_str(),
            updated.title.as_str(),
            updated.message_count
        ),
        ("u1", "new", 1)
    );
    let r = db.begin_read().unwrap();
    assert!(list_conversations_by_tag(&r, "a", 0, None)
        .unwrap()
        .items
        .is_empty());
    assert_eq!(
        list_conversations_by_tag(&r, "c", 0, None).unwrap().items,
        vec![updated]
    );
    drop(r);
    assert!(write(&db, |w| delete_conversation(w, &c.id)).unwrap());
    assert!(!write(&db, |w| delete_conversation(w, &c.id)).unwrap());
    assert!(keys(&db, CONVERSATIONS).is_empty());
}

#[test]
fn bad_input_names_the_field_and_writes_nothing() {
    let db = mem_db();
    let good = conv("u", &["t"], 1);
    let many_tags: Vec<String> = (0..=MAX_TAGS).map(|i| i.to_string()).collect();
    let cases = [
        (
            Conversation {
                user_id: String::new(),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "user_id",
        ),
        (
            Conversation {
                tags: vec![String::new()],
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "tags",
        ),
        (
            Conversation {
                tags: many_tags,
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "tags",
        ),
        (
            Conversation {
                title: "t".repeat(65 << 10),
                ..good.clone()
            },
            ErrorKind::TooLarge,
            "title",
        ),
        (
            Conversation {
                metadata: BTreeMap::from([(String::new(), String::new())]),
                ..good.clone()
            },
            ErrorKind::InvalidArgument,
            "metadata",
        ),
        (
            Conversation {
                id: "x".repeat(201),
                ..good.clone()
            },
            ErrorKind::TooLarge,
            "id",
        ),
    ];
    for (c, kind, field) in cases {
        assert_field_error(write(&db, |w| create_conversation(w, c)), kind, field);
    }
    assert!(keys(&db, CONVERSATIONS).is_empty());
    let c = write(&db, |w| {
        create_conversation(
            w,
            Conversation {
                id: "c1".into(),
                ..good.clone()
            },
        )
    })
    .unwrap();
    assert_field_error(
        write(&db, |w| {
            create_conversation(
                w,
                Conversation {
                    id: "c1".into(),
                    ..good.clone()
                },
            )
        }),
        ErrorKind::AlreadyExists,
        "id",
    );
    assert_field_error(
        write(&db, |w| add_message(w, msg("nope", Role::User, "x"))),
        ErrorKind::NotFound,
        "conversation_id",
    );
    assert_field_error(
        write(&db, |w| add_message(w, msg("", Role::User, "x"))),
        ErrorKind::InvalidArgument,
        "conversation_id",
    );
    write(&db, |w| {
        add_message(
            w,
            Message {
                id: "m".into(),
                ..msg(&c.id, Role::User, "x")
            },
        )
    })
    .unwrap();
    assert_field_error(
        write(&db, |w| {
            add_message(
                w,
                Message {
                    id: "m".into(),
                    ..msg(&c.id, Role::User, "y")
                },
            )
        }),
        ErrorKind::AlreadyExists,
        "id",
    );
    assert_eq!(
        write(&db, |w| update_conversation(w, conv("u", &[], 1)))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    assert_field_error(
        Role::parse("role", "robot"),
        ErrorKind::InvalidArgument,
        "role",
    );
    let r = db.begin_read().unwrap();
    assert_eq!(conversation(&r, "c1").unwrap().unwrap().message_count, 1);
    assert_field_error(
        list_conversations(
            &r,
            &ConversationQuery {
                since: Some(2),
                until: Some(1),
                ..Default::default()
            },
        ),
        ErrorKind::InvalidArgument,
        "until",
    );
}

proptest! {
    #[test]
    fn conversation_lists_match_a_model(
        convs in prop::collection::vec((0usize..3, prop::collection::vec(0usize..3, 0..3), 1i64..10), 0..20),
        user in prop::option::of(0usize..3),
        tag in prop::option::of(0usize..3),
        since in prop::option::of(0i64..6),
        until in prop::option::of(5i64..12),
        limit in 1usize..4,
    ) {
        let db = mem_db();
        let (users, tags) = (["u1", "u2", "u3"], ["x", "y", "z"]);
        let stored: Vec<Conversation> = write(&db, |w| {
            convs.iter().map(|(u, ts, at)| {
                let t: Vec<&str> = ts.iter().map(|&i| tags[i]).collect();
                create_conversation(w, conv(users[*u], &t, *at))
            }).collect()
        }).unwrap();
        let entries: usize = stored.iter().map(|c| 3 + c.tags.len()).sum();
        prop_assert_eq!(keys(&db, CONVERSATIONS).len(), entries);
        let mut q = ConversationQuery {
            user_id: user.map(|u| users[u].to_string()),
            tag: tag.map(|t| tags[t].to_string()),
            since,
            until,
            limit,
            cursor: None,
        };
        let mut expected: Vec<&Conversation> = stored.iter().filter(|c| {
            q.user_id.as_ref().is_none_or(|u| &c.user_id == u)
                && q.tag.as_ref().is_none_or(|t| c.tags.contains(t))
                && since.is_none_or(|s| c.created_at >= s)
                && until.is_none_or(|u| c.created_at < u)
        }).collect();
        expected.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        let r = db.begin_read().unwrap();
        let mut got = Vec::new();
        loop {
            let page = list_conversations(&r, &q).unwrap();
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
