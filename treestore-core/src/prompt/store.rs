//! [`PromptStore`]: every operation of the prompt store in its own transaction, for callers that
//! do not combine stores in one commit. Usage records, which the service writes from many
//! threads at once, go through write combining
//! ([`Database::write_combined`](crate::Database::write_combined)).

use std::collections::BTreeMap;

use crate::db::{Database, ReadTxn, WriteTxn};
use crate::error::Result;
use crate::metadata::Page;

use super::conversations::{
    self as conv, Conversation, ConversationQuery, ConversationWithMessages, Message,
};
use super::prompts::{
    self as reg, NewPrompt, PromptDiff, PromptInfo, PromptSelector, PromptVersion,
};
use super::usage::{self as use_, PromptStats, PromptUsage, UsageQuery};

/// The prompt store of one database. Each method runs in its own transaction (writes commit
/// durably before returning; on error nothing is written); to combine stores in one commit, call
/// the module's functions on a shared [`WriteTxn`] instead.
#[derive(Clone, Copy)]
pub struct PromptStore<'db>(pub &'db Database);

impl PromptStore<'_> {
    fn write<T>(&self, f: impl FnOnce(&mut WriteTxn) -> Result<T>) -> Result<T> {
        let mut txn = self.0.begin_write()?;
        let out = f(&mut txn)?;
        txn.commit()?;
        Ok(out)
    }

    /// A single-record write combined with the ones other threads make at the same time
    /// ([`Database::write_combined`]): one commit and one WAL flush for the group, each call as
    /// durable and as atomic as [`Self::write`]'s. `f` may run more than once.
    fn combined<T: Send + 'static>(
        &self,
        f: impl FnMut(&mut WriteTxn) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.0.write_combined(f)
    }

    fn read<T>(&self, f: impl FnOnce(&ReadTxn) -> Result<T>) -> Result<T> {
        f(&self.0.begin_read()?)
    }

    /// See [`create_prompt`](super::create_prompt) (the SDKs' `store_prompt`).
    pub fn create_prompt(&self, prompt: NewPrompt) -> Result<PromptVersion> {
        self.write(|w| reg::create_prompt(w, prompt))
    }

    /// See [`prompt`](super::prompt) (the SDKs' `get_prompt`).
    pub fn prompt(&self, name: &str, selector: &PromptSelector) -> Result<Option<PromptVersion>> {
        self.read(|r| reg::prompt(r, name, selector))
    }

    /// See [`prompt_versions`](super::prompt_versions).
    pub fn prompt_versions(
        &self,
        name: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<PromptVersion>> {
        self.read(|r| reg::prompt_versions(r, name, limit, cursor))
    }

    /// See [`list_prompts`](super::list_prompts).
    pub fn list_prompts(&self, limit: usize, cursor: Option<&str>) -> Result<Page<PromptInfo>> {
        self.read(|r| reg::list_prompts(r, limit, cursor))
    }

    /// See [`set_prompt_label`](super::set_prompt_label).
    pub fn set_prompt_label(&self, name: &str, label: &str, version: u32) -> Result<()> {
        self.write(|w| reg::set_prompt_label(w, name, label, version))
    }

    /// See [`remove_prompt_label`](super::remove_prompt_label).
    pub fn remove_prompt_label(&self, name: &str, label: &str) -> Result<bool> {
        self.write(|w| reg::remove_prompt_label(w, name, label))
    }

    /// See [`render_prompt`](super::render_prompt).
    pub fn render_prompt(
        &self,
        name: &str,
        selector: &PromptSelector,
        variables: &BTreeMap<String, String>,
    ) -> Result<String> {
        self.read(|r| reg::render_prompt(r, name, selector, variables))
    }

    /// See [`diff_prompt_versions`](super::diff_prompt_versions).
    pub fn diff_prompt_versions(&self, name: &str, from: u32, to: u32) -> Result<PromptDiff> {
        self.read(|r| reg::diff_prompt_versions(r, name, from, to))
    }

    /// See [`delete_prompt`](super::delete_prompt).
    pub fn delete_prompt(&self, name: &str) -> Result<bool> {
        self.write(|w| reg::delete_prompt(w, name))
    }

    /// See [`record_prompt_usage`](super::record_prompt_usage).
    pub fn record_prompt_usage(&self, usage: PromptUsage) -> Result<PromptUsage> {
        self.combined(move |w| use_::record_prompt_usage(w, usage.clone()))
    }

    /// See [`score_prompt_usage`](super::score_prompt_usage).
    pub fn score_prompt_usage(&self, usage_id: &str, score: Option<f64>) -> Result<PromptUsage> {
        self.write(|w| use_::score_prompt_usage(w, usage_id, score))
    }

    /// See [`prompt_usage`](super::prompt_usage).
    pub fn prompt_usage(&self, usage_id: &str) -> Result<Option<PromptUsage>> {
        self.read(|r| use_::prompt_usage(r, usage_id))
    }

    /// See [`prompt_usages`](super::prompt_usages).
    pub fn prompt_usages(&self, query: &UsageQuery) -> Result<Page<PromptUsage>> {
        self.read(|r| use_::prompt_usages(r, query))
    }

    /// See [`delete_prompt_usage`](super::delete_prompt_usage).
    pub fn delete_prompt_usage(&self, usage_id: &str) -> Result<bool> {
        self.write(|w| use_::delete_prompt_usage(w, usage_id))
    }

    /// See [`prompt_stats`](super::prompt_stats).
    pub fn prompt_stats(&self, name: &str, version: u32) -> Result<PromptStats> {
        self.read(|r| use_::prompt_stats(r, name, version))
    }

    /// See [`prompt_version_stats`](super::prompt_version_stats).
    pub fn prompt_version_stats(&self, name: &str) -> Result<Vec<PromptStats>> {
        self.read(|r| use_::prompt_version_stats(r, name))
    }

    /// See [`create_conversation`](super::create_conversation).
    pub fn create_conversation(&self, conversation: Conversation) -> Result<Conversation> {
        self.write(|w| conv::create_conversation(w, conversation))
    }

    /// See [`update_conversation`](super::update_conversation).
    pub fn update_conversation(&self, conversation: Conversation) -> Result<Conversation> {
        self.write(|w| conv::update_conversation(w, conversation))
    }

    /// See [`add_message`](super::add_message).
    pub fn add_message(&self, message: Message) -> Result<Message> {
        self.write(|w| conv::add_message(w, message))
    }

    /// See [`conversation`](super::conversation).
    pub fn conversation(&self, id: &str) -> Result<Option<Conversation>> {
        self.read(|r| conv::conversation(r, id))
    }

    /// See [`message`](super::message).
    pub fn message(&self, id: &str) -> Result<Option<Message>> {
        self.read(|r| conv::message(r, id))
    }

    /// See [`messages`](super::messages).
    pub fn messages(
        &self,
        conversation_id: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<Message>> {
        self.read(|r| conv::messages(r, conversation_id, limit, cursor))
    }

    /// See [`conversation_with_messages`](super::conversation_with_messages).
    pub fn conversation_with_messages(&self, id: &str) -> Result<Option<ConversationWithMessages>> {
        self.read(|r| conv::conversation_with_messages(r, id))
    }

    /// See [`list_conversations`](super::list_conversations).
    pub fn list_conversations(&self, query: &ConversationQuery) -> Result<Page<Conversation>> {
        self.read(|r| conv::list_conversations(r, query))
    }

    /// See [`list_conversations_by_user`](super::list_conversations_by_user).
    pub fn list_conversations_by_user(
        &self,
        user_id: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<Conversation>> {
        self.read(|r| conv::list_conversations_by_user(r, user_id, limit, cursor))
    }

    /// See [`list_conversations_by_tag`](super::list_conversations_by_tag).
    pub fn list_conversations_by_tag(
        &self,
        tag: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<Conversation>> {
        self.read(|r| conv::list_conversations_by_tag(r, tag, limit, cursor))
    }

    /// See [`delete_conversation`](super::delete_conversation).
    pub fn delete_conversation(&self, id: &str) -> Result<bool> {
        self.write(|w| conv::delete_conversation(w, id))
    }
}
