//! The prompt store: a registry of prompt templates with immutable versions and movable labels,
//! records of each prompt call with per-version statistics, and conversations with their messages.
//!
//! Conventions are the metadata store's (see [`crate::metadata`]): write functions take the
//! caller's [`WriteTxn`](crate::WriteTxn) (so a prompt usage can commit with a tool result and a
//! trajectory step), read functions any [`ReadOps`](crate::ReadOps), [`PromptStore`] wraps each
//! call in its own transaction; inputs are validated whole before anything is written; empty ids
//! are generated, timestamps of 0 mean now, limits of 0 mean 100, lists return a
//! [`Page`](crate::metadata::Page). Each new template version's name, commit message and text are
//! indexed for the unified search in the same transaction, and deleting the prompt drops them (the
//! record index, [`crate::search::records`]).
//!
//! # Tables
//!
//! Keys are [`keys`](crate::keys) tuples; values are [`codec`](crate::codec) records that start
//! with a format version byte (1). `ts` is an `i64` timestamp.
//!
//! `prompt.prompts`
//!
//! | key | value |
//! |---|---|
//! | `("name", name)` | latest version, created_at, updated_at |
//! | `("ver", name, version: u32)` | template, variables, config?, commit_message?, created_by?, created_at |
//! | `("label", name, label)` | version |
//!
//! `prompt.usage`
//!
//! | key | value |
//! |---|---|
//! | `("id", usage_id)` | prompt_name, prompt_version, variables, response, latency_ms, input_tokens, output_tokens, score?, case_id?, metadata, created_at |
//! | `("ver", name, version: u32, created_at, usage_id)` | summary: prompt_name, prompt_version, case_id? |
//! | `("case", case_id, created_at, usage_id)` | summary (only with a case) |
//! | `("stats", name, version: u32)` | count, latency sum, input and output token sums, scored count, score sum (`f64`) |
//!
//! `prompt.conversations`
//!
//! | key | value |
//! |---|---|
//! | `("id", conversation_id)` | user_id, title, tags, metadata, created_at, updated_at, message_count, next message number |
//! | `("time", created_at, conversation_id)` | empty |
//! | `("user", user_id, created_at, conversation_id)` | empty |
//! | `("tag", tag, created_at, conversation_id)` | empty; one per tag |
//! | `("msg", conversation_id, n: u64)` | message id, role, content, metadata, created_at |
//! | `("msgid", message_id)` | conversation_id, n |

#![warn(missing_docs)]

mod conversations;
mod prompts;
mod store;
mod template;
mod usage;

pub use conversations::{
    add_message, conversation, conversation_with_messages, create_conversation,
    delete_conversation, list_conversations, list_conversations_by_tag, list_conversations_by_user,
    message, messages, update_conversation, Conversation, ConversationQuery,
    ConversationWithMessages, Message, Role, MAX_TAGS,
};
pub use prompts::{
    create_prompt, delete_prompt, diff_prompt_versions, list_prompts, prompt, prompt_versions,
    remove_prompt_label, render_prompt, set_prompt_label, NewPrompt, PromptDiff, PromptInfo,
    PromptSelector, PromptVersion, LATEST, MAX_LABEL_LEN,
};
pub use store::PromptStore;
pub use template::{diff_lines, render_template, template_variables, DiffLine, DiffOp};
pub use usage::{
    delete_prompt_usage, prompt_stats, prompt_usage, prompt_usages, prompt_version_stats,
    record_prompt_usage, score_prompt_usage, PromptStats, PromptUsage, UsageQuery,
};

#[cfg(test)]
mod tests;
