//! Checkpoints: make the main file hold the latest commit so the WAL can be emptied.
//!
//! Steps (the writer state is held throughout, so no commit runs meanwhile):
//! 1. fsync the WAL, so every commit whose pages are about to reach the main file is durable first;
//! 2. grow the file to the high-water mark and write every overlay page at its place;
//! 3. write the freelist chain into free pages (never the chain of the previous checkpoint, which
//!    the older meta page still names);
//! 4. fsync the main file, write the meta page of the next sequence number into the other slot,
//!    fsync again;
//! 5. empty the WAL under the new sequence number (records of the old one can no longer match), and
//!    send readers to the file for the written pages.
//!
//! A crash before step 4 completes leaves the old meta valid and the WAL intact: recovery replays it
//! over whatever pages step 2 wrote (all of which the WAL holds). A crash after it finds a WAL of an
//! older sequence number and ignores it.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::shared::{Shared, WriterState};
use crate::error::Result;
use crate::storage::format::{
    init_page_header, seal_page, write_u64, Meta, PageKind, PAGE_HEADER_LEN,
};

const FREELIST_IDS_START: usize = 24;

/// Checkpoints on demand: waits for the writer state.
pub(crate) fn checkpoint(shared: &Arc<Shared>) -> Result<()> {
    let mut state = shared.acquire_writer()?;
    let result = checkpoint_locked(shared, &mut state);
    shared.release_writer(state);
    result
}

/// Checkpoints with the writer state in hand. An error poisons the database.
pub(crate) fn checkpoint_locked(shared: &Shared, state: &mut WriterState) -> Result<()> {
    let timer = shared.metrics.start(crate::metrics::Op::Checkpoint);
    let result = run(shared, state);
    timer.finish(result.is_err());
    if let Err(e) = &result {
        shared.poison(e);
    }
    result
}

fn run(shared: &Shared, state: &mut WriterState) -> Result<()> {
    shared.check_writable()?;
    let snap = shared.current();
    if snap.txid == state.meta.txid
        && shared.pager.overlay_len() == 0
        && state.meta.hwm == state.alloc.hwm()
    {
        return Ok(());
    }
    let end = shared.wal.len();
    shared.wal.sync_to(end)?;
    let pager = &shared.pager;
    let pages = pager.overlay_pages();
    let (chain, ids) = plan_freelist(state, pager.page_size());
    pager.grow_file(state.alloc.hwm())?;
    pager.write_pages(
        pages
            .iter()
            .filter(|(page_no, _)| *page_no < state.alloc.hwm() && !state.alloc.is_free(*page_no))
            .map(|(page_no, page)| (*page_no, &page[..])),
    )?;
    write_freelist(pager, &chain, &ids)?;
    pager.sync()?;
    let meta = Meta {
        seq: state.meta.seq + 1,
        txid: snap.txid,
        catalog_root: snap.catalog_root,
        hwm: state.alloc.hwm(),
        freelist_head: chain.first().copied().unwrap_or(0),
        freelist_count: ids.len() as u64,
        freelist_pages: chain.len() as u64,
    };
    pager.write_page(meta.slot_page(), &meta.encode(pager.page_size() as u32))?;
    pager.sync()?;
    shared.wal.reset(meta.seq)?;
    pager.overlay_retire(&pages);
    for p in std::mem::replace(&mut state.freelist_chain, chain) {
        state.alloc.release_now(p);
    }
    state.meta = meta;
    shared.counters.checkpoints.fetch_add(1, Ordering::Relaxed);
    log::info!(
        target: "treestore",
        "{}: checkpoint {} wrote {} pages (txid {})",
        shared.path.display(),
        meta.seq,
        pages.len(),
        meta.txid
    );
    let ms = shared.opened_at.elapsed().as_millis() as u64;
    shared
        .counters
        .last_checkpoint_ms
        .store(ms.max(1), Ordering::Relaxed);
    Ok(())
}

/// Picks the chain pages and the ids they will list: every page a restart finds free, plus the
/// previous chain's pages, minus the new chain's own pages.
fn plan_freelist(state: &mut WriterState, page_size: usize) -> (Vec<u64>, Vec<u64>) {
    let per_page = (page_size - FREELIST_IDS_START) / 8;
    let count = state.alloc.free_on_restart().len() + state.freelist_chain.len();
    let mut chain = state.alloc.take_free(count.div_ceil(per_page));
    while chain.len() < count.div_ceil(per_page) {
        chain.push(state.alloc.allocate());
    }
    let mut ids = state.alloc.free_on_restart();
    ids.extend_from_slice(&state.freelist_chain);
    ids.sort_unstable();
    (chain, ids)
}

fn write_freelist(pager: &crate::storage::pager::Pager, chain: &[u64], ids: &[u64]) -> Result<()> {
    let ps = pager.page_size();
    let per_page = (ps - FREELIST_IDS_START) / 8;
    let mut chunks = ids.chunks(per_page);
    for (i, &page_no) in chain.iter().enumerate() {
        let chunk = chunks.next().unwrap_or(&[]);
        let mut page = vec![0u8; ps];
        init_page_header(&mut page, PageKind::Freelist, chunk.len() as u16, page_no);
        write_u64(
            &mut page,
            PAGE_HEADER_LEN,
            chain.get(i + 1).copied().unwrap_or(0),
        );
        for (j, id) in chunk.iter().enumerate() {
            write_u64(&mut page, FREELIST_IDS_START + j * 8, *id);
        }
        seal_page(&mut page);
        pager.write_page(page_no, &page)?;
    }
    Ok(())
}
