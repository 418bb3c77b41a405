//! The write of a segment's terms: planned on the writing thread (each term's deletes, and what
//! its last block holds when its new postings follow it), then, term by term in term order, the
//! general edit or the appended blocks inserted. Encoding the appended blocks reads no
//! transaction, so on a large segment a second thread encodes them while the writer writes the
//! document records and inserts the blocks already encoded, handed over in buffers the writer
//! gives back for reuse. The writer's inserts are the same, in the same order, whether the
//! blocks were encoded beside it or inline: the database does not depend on the thread count.

use std::ops::Range;
use std::sync::mpsc::{Receiver, Sender};

use super::{update_df, SegTerm, Segment};
use crate::db::{ReadOps, WriteTxn};
use crate::error::{Error, Result};
use crate::machine::cores;
use crate::search::block::{
    append_fits, block_postings_limit, decode_postings, insert_term_blocks, last_block,
    position_spans, view_header_len, BlockColumns, EncodedBlocks, LastBlock, PostingView,
};
use crate::search::layout::{encode_term, term_key, Tables};
use crate::search::write::NodeText;

/// Segments appending fewer postings encode their blocks on the writing thread (a thread costs
/// tens of µs; 16k postings take about 2 ms to encode).
const BESIDE_MIN_POSTINGS: usize = 16_384;

/// The encoder hands its blocks over in buffers of about this many bytes (or
/// [`BATCH_TERMS`] terms), which the writer gives back for reuse: no allocation crosses the
/// threads per term (freeing a block made on the other thread costs the writer more than
/// inserting it: session 17, 49k terms, the writer's term pass 0.66 s with the blocks' memory
/// never freed against 0.88 s freeing it). Tests hand over a few terms at a time with little
/// room ahead, so the encoder waits for the writer and fills buffers it gave back.
const BATCH_BYTES: usize = 1 << 20;
/// See [`BATCH_BYTES`].
const BATCH_TERMS: usize = if cfg!(test) { 16 } else { 1024 };

/// Buffers the encoder may hold ready before the writer takes them (bounds memory; enough to
/// encode a segment of many terms while the writer writes its document records).
const READY_BATCHES: usize = if cfg!(test) { 2 } else { 64 };

#[cfg(test)]
thread_local! {
    /// Tests force the encoding beside (`Some(true)`) or inline (`Some(false)`).
    pub(crate) static TEST_ENCODE_BESIDE: std::cell::Cell<Option<bool>> =
        const { std::cell::Cell::new(None) };
}

fn encode_beside(postings: usize) -> bool {
    #[cfg(test)]
    if let Some(beside) = TEST_ENCODE_BESIDE.with(|c| c.get()) {
        return beside;
    }
    postings >= BESIDE_MIN_POSTINGS && cores() > 1
}

/// The writer's end of the encoder's hand-over: buffers of encoded terms in term order, each
/// given back once its terms are inserted.
struct Handover {
    ready: Receiver<EncodedBlocks>,
    give_back: Sender<EncodedBlocks>,
    /// The buffer being inserted from and its next term.
    taken: Option<(EncodedBlocks, usize)>,
}

impl Handover {
    /// Inserts the blocks of the next appending term (`term`, for the error should the encoder
    /// have stopped).
    fn insert_next(&mut self, tx: &mut WriteTxn, t: &Tables, term: &str) -> Result<()> {
        let (blocks, next) = match self.taken.take() {
            Some((blocks, next)) if next < blocks.terms() => (blocks, next),
            used => {
                if let Some((mut used, _)) = used {
                    used.clear();
                    // The encoder may be done: a buffer it will not take is dropped.
                    let _ = self.give_back.send(used);
                }
                let fresh = self.ready.recv().map_err(|_| {
                    Error::corruption(format!(
                        "the index's block encoder stopped before term {term:?}"
                    ))
                })?;
                (fresh, 0)
            }
        };
        let inserted = insert_term_blocks(tx, t, &blocks, next);
        self.taken = Some((blocks, next + 1));
        inserted
    }
}

/// How one term's new postings are written.
pub(super) enum Tail {
    /// Deletes, or a new docnum inside the list: the general edit.
    Edit,
    /// The term has no block yet: its first blocks.
    New,
    /// After the term's last block, which has no room.
    After,
    /// Extending the term's last block: its postings (decoded, with their positions' spans in
    /// `stored`) first, rewritten under the same key.
    Extend {
        cols: BlockColumns,
        stored: Vec<u8>,
        spans: Vec<Range<usize>>,
    },
}

/// One term of the segment, planned.
pub(super) struct TermPlan {
    id: u32,
    /// Its deletes in the segment's sorted deletes.
    dels: Range<usize>,
    tail: Tail,
}

impl TermPlan {
    fn appends(&self) -> bool {
        !matches!(self.tail, Tail::Edit)
    }
}

impl Segment<'_> {
    /// Plans every term in `order` (term order); `dels` are the segment's deletes sorted in
    /// that order. Reads only the terms' own blocks, which no other term's write touches.
    pub(super) fn plan_terms(
        &self,
        tx: &WriteTxn,
        t: &Tables,
        cols: &mut BlockColumns,
        order: &[u32],
        dels: &[(u32, u64)],
    ) -> Result<Vec<TermPlan>> {
        let mut plans = Vec::with_capacity(order.len());
        let mut at = 0;
        for &id in order {
            let n = dels[at..].partition_point(|&(term, _)| term == id);
            let range = at..at + n;
            at += n;
            let st = &self.terms[id as usize];
            let tail = if range.is_empty() && !st.postings.is_empty() {
                self.tail(tx, t, cols, st)?
            } else {
                Tail::Edit
            };
            plans.push(TermPlan {
                id,
                dels: range,
                tail,
            });
        }
        Ok(plans)
    }

    /// How the new postings of `st` (sorted by docnum, at least one, no deletes) go after its
    /// present blocks: [`Tail::Edit`] when a new docnum does not follow the last present one.
    fn tail(
        &self,
        tx: &WriteTxn,
        t: &Tables,
        cols: &mut BlockColumns,
        st: &SegTerm,
    ) -> Result<Tail> {
        let Some(LastBlock {
            key,
            first,
            postings,
        }) = last_block(tx, t, &st.name)?
        else {
            return Ok(Tail::New);
        };
        decode_postings(first, &postings, cols)?;
        let last = cols.docs.last().copied().unwrap_or(first);
        let head = self.view(st, 0);
        if head.doc <= last {
            return Ok(Tail::Edit);
        }
        let bytes: usize = cols
            .tf
            .iter()
            .zip(&cols.doc_len)
            .map(|(tf, &l)| view_header_len(tf, l))
            .sum();
        if !append_fits(cols.len(), bytes, view_header_len(&head.tf, head.doc_len)) {
            return Ok(Tail::After);
        }
        let stored = tx.get(t.positions, &key)?.ok_or_else(|| {
            Error::corruption(format!(
                "fts.positions: block at docnum {first} is missing beside its postings"
            ))
        })?;
        let stored = stored.to_vec();
        let spans = position_spans(first, &stored, cols)?;
        Ok(Tail::Extend {
            cols: std::mem::take(cols),
            stored,
            spans,
        })
    }

    /// The blocks of an appending `plan`, encoded into `out` (no transaction: any thread);
    /// `views` is room reused from term to term.
    fn encode<'s>(
        &'s self,
        plan: &'s TermPlan,
        limit: usize,
        views: &mut Vec<PostingView<'s>>,
        out: &mut EncodedBlocks,
    ) {
        let st = &self.terms[plan.id as usize];
        views.clear();
        if let Tail::Extend {
            cols,
            stored,
            spans,
        } = &plan.tail
        {
            views.reserve(cols.len() + st.postings.len());
            for (i, span) in spans.iter().enumerate() {
                views.push(PostingView {
                    doc: cols.docs[i],
                    tf: cols.tf[i],
                    doc_len: cols.doc_len[i],
                    positions: &stored[span.clone()],
                });
            }
        }
        views.extend((0..st.postings.len()).map(|i| self.view(st, i)));
        out.push_term(&st.name, views, limit, &st.positions);
    }

    /// Writes the document records, then every term of `plans` in order, its appended blocks
    /// encoded beside when the segment is large (see the module doc).
    pub(super) fn write_planned(
        &self,
        tx: &mut WriteTxn,
        t: &Tables,
        nodes: &[NodeText<'_>],
        order: &[u32],
        plans: &[TermPlan],
        dels: &[(u32, u64)],
    ) -> Result<()> {
        // Read here: tests set it per thread.
        let limit = block_postings_limit();
        let appended: usize = plans
            .iter()
            .filter(|p| p.appends())
            .map(|p| self.terms[p.id as usize].postings.len())
            .sum();
        if !encode_beside(appended) {
            self.write_docs(tx, t, nodes, order)?;
            let (mut views, mut blocks) = (Vec::new(), EncodedBlocks::default());
            return self.write_terms(tx, t, plans, dels, |tx, plan| {
                blocks.clear();
                self.encode(plan, limit, &mut views, &mut blocks);
                insert_term_blocks(tx, t, &blocks, 0)
            });
        }
        std::thread::scope(|s| {
            let (send, ready) = std::sync::mpsc::sync_channel::<EncodedBlocks>(READY_BATCHES);
            let (give_back, spare) = std::sync::mpsc::channel::<EncodedBlocks>();
            let encoder = s.spawn(move || {
                let (mut views, mut batch) = (Vec::new(), EncodedBlocks::default());
                for plan in plans.iter().filter(|p| p.appends()) {
                    self.encode(plan, limit, &mut views, &mut batch);
                    if batch.bytes() >= BATCH_BYTES || batch.terms() >= BATCH_TERMS {
                        let next = spare.try_recv().unwrap_or_default();
                        if send.send(std::mem::replace(&mut batch, next)).is_err() {
                            // The writer stopped on an error.
                            return;
                        }
                    }
                }
                if batch.terms() > 0 {
                    let _ = send.send(batch);
                }
            });
            let mut handed = Handover {
                ready,
                give_back,
                taken: None,
            };
            let written = self.write_docs(tx, t, nodes, order).and_then(|()| {
                self.write_terms(tx, t, plans, dels, |tx, plan| {
                    handed.insert_next(tx, t, &self.terms[plan.id as usize].name)
                })
            });
            drop(handed);
            // A panic there is one the writing thread would have had: pass it on.
            encoder
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            written
        })
    }

    /// Writes every term of `plans` in order: the general edit, or the appended blocks
    /// `insert_appended` inserts for it (called once per appending plan, in order); then its
    /// document frequency.
    fn write_terms<'p>(
        &self,
        tx: &mut WriteTxn,
        t: &Tables,
        plans: &'p [TermPlan],
        dels: &[(u32, u64)],
        mut insert_appended: impl FnMut(&mut WriteTxn, &'p TermPlan) -> Result<()>,
    ) -> Result<()> {
        for plan in plans {
            let st = &self.terms[plan.id as usize];
            let new = st.postings.len() as u64;
            match plan.tail {
                Tail::Edit => {
                    let delta = self.edit_term(tx, t, st, &dels[plan.dels.clone()])?;
                    update_df(tx, t, &st.name, delta)?;
                }
                Tail::New => {
                    insert_appended(tx, plan)?;
                    // A term without blocks is not in the dictionary: no read needed.
                    tx.insert(t.terms, &term_key(&st.name), &encode_term(new))?;
                }
                Tail::After | Tail::Extend { .. } => {
                    insert_appended(tx, plan)?;
                    update_df(tx, t, &st.name, new as i64)?;
                }
            }
        }
        Ok(())
    }
}
