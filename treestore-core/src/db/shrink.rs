//! Shrinking the main file at the last close, as SQLite's auto-vacuum and redb's end-of-file
//! trimming do. Copy-on-write puts a large transaction's new pages above the file's old end (the
//! pages it frees cannot be reused before it commits), so after big removals most free pages sit
//! below live ones and cutting the free tail alone frees nothing. When at least a quarter of the
//! file (and at least [`MIN_FREE_PAGES`]) is free, the last close:
//! 1. commits one write transaction that moves every page at or above `limit` (the live pages
//!    plus room for the branch copies and freelist chains) into the lowest free pages;
//! 2. checkpoints, so the moved pages are in the main file and the pages they left are free;
//! 3. lowers the high-water mark below the free pages at the end and checkpoints again, which
//!    writes a meta page naming the lower mark (plus the page its freelist chain may take there);
//! 4. cuts the file to the mark that checkpoint wrote and syncs it.
//!
//! Each step is an ordinary commit or checkpoint, so a crash anywhere recovers as they do: before
//! step 3's meta page is durable the file still reaches every page it names; after it, the cut
//! only removes pages no meta page of the newest sequence reaches. Only the last handle with no
//! transaction open shrinks (a reader could hold a page of the tail).

use std::sync::Arc;

use super::checkpoint::{checkpoint, checkpoint_locked};
use super::shared::{Shared, Snapshot};
use super::write::WriteTxn;
use crate::error::Result;
use crate::storage::format::FIRST_DATA_PAGE;

/// Files with fewer free pages than this are left alone (1 MiB of 4 KiB pages).
pub(crate) const MIN_FREE_PAGES: u64 = 256;

/// What a shrink did: the file's pages before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shrunk {
    pub pages_before: u64,
    pub pages_after: u64,
}

/// Shrinks the file when a quarter of it is free; returns None when it did not move anything.
/// The caller holds the last handle and no transaction is open.
pub(crate) fn shrink(shared: &Arc<Shared>) -> Result<Option<Shrunk>> {
    let mut txn = WriteTxn::begin(shared.clone())?;
    let (hwm, free) = txn.allocation();
    if free < MIN_FREE_PAGES || free * 4 < hwm {
        return Ok(None);
    }
    let limit = relocation_limit(hwm, free, shared.pager.page_size());
    if limit >= hwm || !txn.relocate_above(limit)? {
        // Not enough room below the limit: dropping the transaction undoes every move.
        return Ok(None);
    }
    txn.commit()?;
    checkpoint(shared)?;
    let mut state = shared.acquire_writer()?;
    let released = state.alloc.release_pending(shared.oldest_snapshot());
    shared.pager.overlay_forget(&released);
    state.alloc.trim_free_tail(FIRST_DATA_PAGE);
    // The cut comes after the checkpoint: its freelist chain may take a page at the lowered mark
    // (when no free page is left below it), and the meta page it writes names the mark it ends with.
    let result = checkpoint_locked(shared, &mut state).and_then(|()| {
        let pages_after = state.alloc.hwm();
        shared
            .pager
            .truncate_file(pages_after)
            .map(|()| pages_after)
    });
    shared.release_writer(state);
    let pages_after = result?;
    let snap = shared.current();
    shared.publish(
        Snapshot {
            hwm: pages_after,
            ..snap
        },
        None,
    );
    log::info!(
        target: "treestore",
        "{}: shrank the file from {hwm} to {pages_after} pages at close",
        shared.path.display()
    );
    Ok(Some(Shrunk {
        pages_before: hwm,
        pages_after,
    }))
}

/// The page number the live pages are moved under: the live pages, plus a copy of each branch
/// page on the way to a moved page (about one page in 32 or fewer is a branch with the stores'
/// keys; when there are more, relocation reports that it ran out of room and nothing moves), plus
/// two freelist chains listing every free page, plus slack.
fn relocation_limit(hwm: u64, free: u64, page_size: usize) -> u64 {
    let live = hwm - free;
    let ids_per_chain_page = (page_size as u64 - 24) / 8;
    live + live / 32 + 2 * (free / ids_per_chain_page + 1) + 16
}

#[cfg(test)]
mod tests;
