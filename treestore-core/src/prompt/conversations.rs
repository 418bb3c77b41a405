//! Conversations and their messages (role, content, metadata), listed by user, by tag and by
//! time. Messages are numbered within their conversation, so they read back in the order added;
//! a small entry maps a message id to its place.

use std::collections::BTreeMap;

use crate::codec::Encoder;
use crate::db::{ReadOps, Table, WriteTxn};
use crate::error::{Error, ErrorKind, Result};
use crate::keys::{KeyBuilder, KeyReader};
use crate::metadata::common::{
    check_id, check_len, check_limit, check_map, check_opt_id, check_range, check_token, dangling,
    decoder, invalid, keys_with_prefix, name_enum, or_now, Page, Scan, Subject, FORMAT_V1,
    MAX_BLOB_LEN, MAX_ID_LEN, MAX_TEXT_LEN,
};
use crate::metadata::new_id;
use crate::time::Timestamp;

/// Conversations, their indexes and their messages share one table.
pub(crate) const CONVERSATIONS: &str = "prompt.conversations";

const RECORD: &str = "id";
const BY_USER: &str = "user";
const BY_TAG: &str = "tag";
const BY_TIME: &str = "time";
const MESSAGE: &str = "msg";
const MESSAGE_ID: &str = "msgid";

/// Most tags on one conversation.
pub const MAX_TAGS: usize = 64;

name_enum! {
    /// Who wrote a message.
    Role, "message" {
        /// Instructions to the model.
        System = 1, "system";
        /// The person.
        #[default]
        User = 2, "user";
        /// The model.
        Assistant = 3, "assistant";
        /// A tool's output.
        Tool = 4, "tool";
    }
}

/// A conversation between a user and the agent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Conversation {
    /// Unique id; generated when empty.
    pub id: String,
    /// Whose conversation it is (required).
    pub user_id: String,
    /// A title (may be empty).
    pub title: String,
    /// Tags to list it by (each at most 200 bytes, at most 64, duplicates dropped).
    pub tags: Vec<String>,
    /// Anything else.
    pub metadata: BTreeMap<String, String>,
    /// When it started; 0 means now.
    pub created_at: Timestamp,
    /// When it last changed (a message added); filled by the store.
    pub updated_at: Timestamp,
    /// How many messages it holds; kept by the store.
    pub message_count: u64,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Message {
    /// Unique id; generated when empty.
    pub id: String,
    /// The conversation (required; must exist).
    pub conversation_id: String,
    /// Who wrote it.
    pub role: Role,
    /// The text (at most 16 MiB).
    pub content: String,
    /// Anything else, e.g. the tool call id.
    pub metadata: BTreeMap<String, String>,
    /// When it was written; 0 means now.
    pub created_at: Timestamp,
}

/// A conversation and all its messages, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConversationWithMessages {
    /// The conversation.
    pub conversation: Conversation,
    /// Its messages, oldest first.
    pub messages: Vec<Message>,
}

/// A list of conversations: every filter given must match. Newest started first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConversationQuery {
    /// Only this user's conversations.
    pub user_id: Option<String>,
    /// Only conversations with this tag.
    pub tag: Option<String>,
    /// Only conversations started at or after this instant.
    pub since: Option<Timestamp>,
    /// Only conversations started before this instant.
    pub until: Option<Timestamp>,
    /// Page size; 0 means 100.
    pub limit: usize,
    /// The `next_cursor` of the previous page of the same query.
    pub cursor: Option<String>,
}

/// The stored conversation: the public fields and the next message number.
struct Stored {
    c: Conversation,
    next_seq: u64,
}

fn validate(c: &Conversation) -> Result<()> {
    let what = Subject("conversation", &c.id);
    if !c.id.is_empty() {
        check_token(&what, "id", &c.id, MAX_ID_LEN)?;
    }
    check_id(&what, "user_id", &c.user_id)?;
    validate_fields(&what, c)
}

/// The fields [`update_conversation`] changes.
fn validate_fields(what: &Subject<'_>, c: &Conversation) -> Result<()> {
    check_len(what, "title", &c.title, MAX_TEXT_LEN)?;
    if c.tags.len() > MAX_TAGS {
        return Err(invalid(what, "tags", format_args!("more than {MAX_TAGS}")));
    }
    for t in &c.tags {
        check_id(what, "tags", t)?;
    }
    check_map(what, "metadata", &c.metadata)
}

fn validate_message(m: &Message) -> Result<()> {
    let what = Subject("message", &m.id);
    if !m.id.is_empty() {
        check_token(&what, "id", &m.id, MAX_ID_LEN)?;
    }
    check_id(&what, "conversation_id", &m.conversation_id)?;
    check_len(&what, "content", &m.content, MAX_BLOB_LEN)?;
    check_map(&what, "metadata", &m.metadata)
}

fn record_key(id: &str) -> Vec<u8> {
    KeyBuilder::new().str(RECORD).str(id).finish()
}

fn message_key(conversation_id: &str, seq: u64) -> Vec<u8> {
    KeyBuilder::new()
        .str(MESSAGE)
        .str(conversation_id)
        .u64(seq)
        .finish()
}

fn message_id_key(id: &str) -> Vec<u8> {
    KeyBuilder::new().str(MESSAGE_ID).str(id).finish()
}

fn index_keys(c: &Conversation) -> Vec<Vec<u8>> {
    let (ts, id) = (c.created_at, c.id.as_str());
    let mut keys = vec![
        KeyBuilder::new().str(BY_TIME).i64(ts).str(id).finish(),
        KeyBuilder::new()
            .str(BY_USER)
            .str(&c.user_id)
            .i64(ts)
            .str(id)
            .finish(),
    ];
    for tag in &c.tags {
        keys.push(
            KeyBuilder::new()
                .str(BY_TAG)
                .str(tag)
                .i64(ts)
                .str(id)
                .finish(),
        );
    }
    keys
}

fn encode(s: &Stored) -> Vec<u8> {
    let c = &s.c;
    let mut e = Encoder::with_capacity(64 + c.title.len());
    e.u8(FORMAT_V1)
        .str(&c.user_id)
        .str(&c.title)
        .str_list(&c.tags)
        .str_map(&c.metadata)
        .ivar(c.created_at)
        .ivar(c.updated_at)
        .uvar(c.message_count)
        .uvar(s.next_seq);
    e.finish()
}

fn decode(id: &str, v: &[u8]) -> Result<Stored> {
    let mut d = decoder(v, "conversation")?;
    let c = Conversation {
        id: id.to_string(),
        user_id: d.string()?,
        title: d.string()?,
        tags: d.str_list()?,
        metadata: d.str_map()?,
        created_at: d.ivar()?,
        updated_at: d.ivar()?,
        message_count: d.uvar()?,
    };
    Ok(Stored {
        c,
        next_seq: d.uvar()?,
    })
}

fn encode_message(m: &Message) -> Vec<u8> {
    let mut e = Encoder::with_capacity(32 + m.content.len());
    e.u8(FORMAT_V1)
        .str(&m.id)
        .u8(m.role.code())
        .str(&m.content)
        .str_map(&m.metadata)
        .ivar(m.created_at);
    e.finish()
}

fn decode_message(conversation_id: &str, v: &[u8]) -> Result<Message> {
    let mut d = decoder(v, "message")?;
    Ok(Message {
        id: d.string()?,
        conversation_id: conversation_id.to_string(),
        role: Role::from_code(d.u8()?)?,
        content: d.string()?,
        metadata: d.str_map()?,
        created_at: d.ivar()?,
    })
}

fn load<R: ReadOps + ?Sized>(tx: &R, t: Table, id: &str) -> Result<Option<Stored>> {
    match tx.get(t, &record_key(id))? {
        Some(v) => decode(id, &v).map(Some),
        None => Ok(None),
    }
}

/// Creates a conversation and returns it with its id and times filled in. An id that exists is
/// an `AlreadyExists` error.
pub fn create_conversation(txn: &mut WriteTxn, mut c: Conversation) -> Result<Conversation> {
    validate(&c)?;
    let t = txn.table(CONVERSATIONS)?;
    if c.id.is_empty() {
        c.id = new_id();
    } else if txn.contains(t, &record_key(&c.id))? {
        return Err(Error::new(
            ErrorKind::AlreadyExists,
            format!(
                "{}: field id: already exists",
                Subject("conversation", &c.id)
            ),
        ));
    }
    dedup_tags(&mut c.tags);
    c.created_at = or_now(c.created_at);
    c.updated_at = c.created_at;
    c.message_count = 0;
    let stored = Stored { c, next_seq: 1 };
    txn.insert(t, &record_key(&stored.c.id), &encode(&stored))?;
    for k in index_keys(&stored.c) {
        txn.insert(t, &k, &[])?;
    }
    Ok(stored.c)
}

fn dedup_tags(tags: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    tags.retain(|t| seen.insert(t.clone()));
}

/// Changes the title, tags and metadata of conversation `c.id` (the other fields of `c` are
/// ignored: user, times and count stay); returns it.
pub fn update_conversation(txn: &mut WriteTxn, c: Conversation) -> Result<Conversation> {
    let what = Subject("conversation", &c.id);
    check_id(&what, "id", &c.id)?;
    validate_fields(&what, &c)?;
    let t = txn.table(CONVERSATIONS)?;
    let old =
        load(txn, t, &c.id)?.ok_or_else(|| Error::not_found(format!("{what} does not exist")))?;
    for k in index_keys(&old.c) {
        txn.remove(t, &k)?;
    }
    let mut new = Stored {
        c: Conversation {
            title: c.title,
            tags: c.tags,
            metadata: c.metadata,
            updated_at: crate::time::now().max(old.c.updated_at),
            ..old.c
        },
        next_seq: old.next_seq,
    };
    dedup_tags(&mut new.c.tags);
    txn.insert(t, &record_key(&new.c.id), &encode(&new))?;
    for k in index_keys(&new.c) {
        txn.insert(t, &k, &[])?;
    }
    Ok(new.c)
}

/// Adds a message to its conversation and returns it with its id and time filled in.
pub fn add_message(txn: &mut WriteTxn, mut m: Message) -> Result<Message> {
    validate_message(&m)?;
    let t = txn.table(CONVERSATIONS)?;
    let what = Subject("message", &m.id);
    let mut conv = load(txn, t, &m.conversation_id)?.ok_or_else(|| {
        Error::not_found(format!(
            "{what}: field conversation_id: conversation {:?} does not exist",
            m.conversation_id
        ))
    })?;
    if m.id.is_empty() {
        m.id = new_id();
    } else if txn.contains(t, &message_id_key(&m.id))? {
        return Err(Error::new(
            ErrorKind::AlreadyExists,
            format!("{what}: field id: already exists"),
        ));
    }
    m.created_at = or_now(m.created_at);
    let seq = conv.next_seq;
    conv.next_seq += 1;
    conv.c.message_count += 1;
    conv.c.updated_at = conv.c.updated_at.max(m.created_at);
    txn.insert(
        t,
        &message_key(&m.conversation_id, seq),
        &encode_message(&m),
    )?;
    let mut loc = Encoder::with_capacity(16 + m.conversation_id.len());
    loc.u8(FORMAT_V1).str(&m.conversation_id).uvar(seq);
    txn.insert(t, &message_id_key(&m.id), &loc.finish())?;
    txn.insert(t, &record_key(&m.conversation_id), &encode(&conv))?;
    Ok(m)
}

/// The conversation `id`.
pub fn conversation<R: ReadOps + ?Sized>(tx: &R, id: &str) -> Result<Option<Conversation>> {
    let t = tx.table(CONVERSATIONS)?;
    Ok(load(tx, t, id)?.map(|s| s.c))
}

/// The message `id`.
pub fn message<R: ReadOps + ?Sized>(tx: &R, id: &str) -> Result<Option<Message>> {
    let t = tx.table(CONVERSATIONS)?;
    let Some(loc) = tx.get(t, &message_id_key(id))? else {
        return Ok(None);
    };
    let mut d = decoder(&loc, "message location")?;
    let conversation_id = d.str()?;
    let seq = d.uvar()?;
    let v = tx
        .get(t, &message_key(conversation_id, seq))?
        .ok_or_else(|| dangling("message", id))?;
    decode_message(conversation_id, &v).map(Some)
}

/// The messages of conversation `conversation_id`, oldest first.
pub fn messages<R: ReadOps + ?Sized>(
    tx: &R,
    conversation_id: &str,
    limit: usize,
    cursor: Option<&str>,
) -> Result<Page<Message>> {
    let what = Subject("conversation", conversation_id);
    let limit = check_limit(&what, limit)?;
    let t = tx.table(CONVERSATIONS)?;
    let prefix = KeyBuilder::new().str(MESSAGE).str(conversation_id).finish();
    Scan::prefix(t, prefix, false).page(tx, &what, "", cursor, limit, |_, v| {
        decode_message(conversation_id, v).map(Some)
    })
}

/// The conversation `id` with all its messages.
pub fn conversation_with_messages<R: ReadOps + ?Sized>(
    tx: &R,
    id: &str,
) -> Result<Option<ConversationWithMessages>> {
    let t = tx.table(CONVERSATIONS)?;
    let Some(s) = load(tx, t, id)? else {
        return Ok(None);
    };
    let prefix = KeyBuilder::new().str(MESSAGE).str(id).finish();
    let messages = tx
        .prefix(t, &prefix)?
        .map(|kv| kv.and_then(|(_, v)| decode_message(id, &v)))
        .collect::<Result<_>>()?;
    Ok(Some(ConversationWithMessages {
        conversation: s.c,
        messages,
    }))
}

/// Conversations matching `query`, newest started first. The scan uses the user's index, else
/// the tag's, else time; the other filters are checked on the records.
pub fn list_conversations<R: ReadOps + ?Sized>(
    tx: &R,
    query: &ConversationQuery,
) -> Result<Page<Conversation>> {
    let what = "conversation query";
    check_opt_id(&what, "user_id", query.user_id.as_deref())?;
    check_opt_id(&what, "tag", query.tag.as_deref())?;
    check_range(&what, query.since, query.until)?;
    let limit = check_limit(&what, query.limit)?;
    let t = tx.table(CONVERSATIONS)?;
    let mut prefix = KeyBuilder::new();
    match (&query.user_id, &query.tag) {
        (Some(u), _) => prefix.str(BY_USER).str(u),
        (None, Some(tag)) => prefix.str(BY_TAG).str(tag),
        (None, None) => prefix.str(BY_TIME),
    };
    let scan = Scan::time_range(t, prefix.finish(), query.since, query.until);
    scan.page(tx, &what, "", query.cursor.as_deref(), limit, |k, _| {
        let mut r = KeyReader::new(k);
        if r.str()? != BY_TIME {
            r.str()?;
        }
        r.i64()?;
        let id = r.str()?;
        let s = load(tx, t, &id)?.ok_or_else(|| dangling("conversation", &id))?;
        let keep = query.user_id.as_ref().is_none_or(|u| &s.c.user_id == u)
            && query.tag.as_ref().is_none_or(|tag| s.c.tags.contains(tag));
        Ok(keep.then_some(s.c))
    })
}

/// The conversations of user `user_id`, newest first (the Go SDK's `ListConversationsByUser`).
pub fn list_conversations_by_user<R: ReadOps + ?Sized>(
    tx: &R,
    user_id: &str,
    limit: usize,
    cursor: Option<&str>,
) -> Result<Page<Conversation>> {
    let query = ConversationQuery {
        user_id: Some(user_id.to_string()),
        limit,
        cursor: cursor.map(str::to_string),
        ..ConversationQuery::default()
    };
    list_conversations(tx, &query)
}

/// The conversations tagged `tag`, newest first (the Go SDK's `ListConversationsByTag`).
pub fn list_conversations_by_tag<R: ReadOps + ?Sized>(
    tx: &R,
    tag: &str,
    limit: usize,
    cursor: Option<&str>,
) -> Result<Page<Conversation>> {
    let query = ConversationQuery {
        tag: Some(tag.to_string()),
        limit,
        cursor: cursor.map(str::to_string),
        ..ConversationQuery::default()
    };
    list_conversations(tx, &query)
}

/// Deletes conversation `id` with its messages and index entries; returns whether it existed.
pub fn delete_conversation(txn: &mut WriteTxn, id: &str) -> Result<bool> {
    let t = txn.table(CONVERSATIONS)?;
    let Some(s) = load(txn, t, id)? else {
        return Ok(false);
    };
    let prefix = KeyBuilder::new().str(MESSAGE).str(id).finish();
    let message_ids: Vec<String> = txn
        .prefix(t, &prefix)?
        .map(|kv| kv.and_then(|(_, v)| decode_message(id, &v).map(|m| m.id)))
        .collect::<Result<_>>()?;
    for mid in &message_ids {
        txn.remove(t, &message_id_key(mid))?;
    }
    for k in keys_with_prefix(txn, t, &prefix)? {
        txn.remove(t, &k)?;
    }
    for k in index_keys(&s.c) {
        txn.remove(t, &k)?;
    }
    txn.remove(t, &record_key(id))
}
