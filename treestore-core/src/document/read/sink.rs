//! Borrowed multi-node reads: a [`NodeSink`] is handed each node of a children, subtree, ancestor
//! path, batch or page read as a [`NodeRef`] into the transaction's pages, in the read's order,
//! then the stored texts of those nodes (read together after the structure, see [`text_scan`]).
//! A caller that copies the nodes elsewhere anyway (the C ABI writes them into a result's arena)
//! so makes none of the owned [`Node`](super::Node)'s allocations; the owned reads are this with a
//! sink that builds `Node`s ([`super::collect`]).

use std::borrow::Cow;

use crate::db::{ReadOps, Table};
use crate::document::record::{decode_node_ref_as, NodeRecordRef, TextRefBorrowed};
use crate::document::text::{self, StoredText};
use crate::document::text_scan;
use crate::error::Result;
use crate::keys::KeyBuilder;

use super::NodeRef;

/// Which fields of each node a [`NodeSink`] reads: the read decodes only those.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Projection {
    /// Every field of [`NodeRef`].
    #[default]
    All,
    /// What a list of nodes shows (the columns a SQL query of `node_id, title, summary, text`
    /// returns): `node_id`, `title`, `summary`, `text`, `page_start`, `page_end` and `depth`, and
    /// `policy_id` and `version_id`. The other fields are not read from the record and hold
    /// nothing: `parent_id` is `None`, `section_path` is empty, the lists and `metadata` are
    /// empty, `created_at` and `updated_at` are 0.
    Content,
}

/// Receives the nodes of a multi-node read of [`DocReader`](super::DocReader).
pub trait NodeSink {
    /// Which fields of the nodes this sink reads ([`Projection::All`] unless it says less).
    /// Asked once, when a read starts.
    fn projection(&self) -> Projection {
        Projection::All
    }

    /// About `nodes` more nodes will come (a hint, to size buffers).
    fn reserve(&mut self, nodes: usize) {
        let _ = nodes;
    }

    /// The next node. Its `text` is `None` when it has none, when the read was asked for no
    /// text, and when its text is stored apart: that one comes later, through [`Self::text`].
    fn node(&mut self, n: &NodeRef<'_>) -> Result<()>;

    /// The stored text of the `index`th node handed to [`Self::node`] (from 0). Texts come after
    /// every node, in no particular order, each once.
    fn text(&mut self, index: usize, text: Cow<'_, str>) -> Result<()>;
}

/// Hands records to a sink as [`NodeRef`]s and notes their stored texts, read by [`Feed::finish`].
pub(super) struct Feed<'s, S: NodeSink + ?Sized> {
    sink: &'s mut S,
    policy: &'s str,
    version_id: &'s str,
    with_text: bool,
    /// The sink's projection is [`Projection::Content`].
    content_only: bool,
    count: usize,
    /// `(index of the node, its text)`, in the order of the nodes.
    stored: Vec<(usize, StoredText)>,
}

impl<'s, S: NodeSink + ?Sized> Feed<'s, S> {
    pub fn new(sink: &'s mut S, policy: &'s str, version_id: &'s str, with_text: bool) -> Self {
        Feed {
            content_only: sink.projection() == Projection::Content,
            sink,
            policy,
            version_id,
            with_text,
            count: 0,
            stored: Vec::new(),
        }
    }

    pub fn reserve(&mut self, nodes: usize) {
        self.sink.reserve(nodes);
    }

    /// The stored record `v` decoded as far as the sink reads it, its summary cut to
    /// `summary_chars` characters (`None`: whole); with text as the read was asked.
    #[inline(always)]
    pub fn decode<'v>(
        &self,
        v: &'v [u8],
        summary_chars: Option<usize>,
    ) -> Result<NodeRecordRef<'v>> {
        // Two copies of the inlined decoder, each with its projection known.
        if self.content_only {
            decode_node_ref_as(v, self.with_text, summary_chars, true)
        } else {
            decode_node_ref_as(v, self.with_text, summary_chars, false)
        }
    }

    /// Hands over the node of a borrowed record; with text, its inline text goes with it and
    /// its stored text is noted, otherwise both are left out.
    pub fn push(&mut self, rec: &NodeRecordRef<'_>) -> Result<()> {
        let text = match rec.text {
            TextRefBorrowed::Inline(s) if self.with_text => Some(s),
            TextRefBorrowed::Stored(s) if self.with_text => {
                self.stored.push((self.count, s));
                None
            }
            _ => None,
        };
        self.sink
            .node(&NodeRef::of_record(rec, self.policy, self.version_id, text))?;
        self.count += 1;
        Ok(())
    }

    #[cfg(test)]
    pub fn stored_for_test(&self) -> Vec<(usize, StoredText)> {
        self.stored.clone()
    }

    /// Reads the noted stored texts from `texts` (those of two or more nodes together) into the
    /// sink; point reads start from page `start` of it when that holds their keys (0: the root).
    pub fn finish<R: ReadOps + ?Sized>(
        self,
        tx: &R,
        texts: impl FnOnce() -> Result<Table>,
        start: u64,
    ) -> Result<()> {
        let Feed { sink, stored, .. } = self;
        match stored.len() {
            0 => Ok(()),
            1 => {
                let (i, s) = stored[0];
                let t = texts()?;
                let mut finger = tx.finger_near(t, start);
                text::read_with(
                    tx,
                    t,
                    &s,
                    &mut finger,
                    &mut KeyBuilder::with_capacity(24),
                    |t| sink.text(i, t),
                )
            }
            _ => {
                let refs: Vec<StoredText> = stored.iter().map(|&(_, s)| s).collect();
                text_scan::read_many_with(tx, texts()?, &refs, start, |j, t| {
                    sink.text(stored[j].0, t)
                })
            }
        }
    }
}
