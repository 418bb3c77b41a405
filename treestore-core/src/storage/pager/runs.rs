//! [`RunWriter`]: whole pages written into the main file in ascending page order, runs of
//! consecutive pages in one positioned write, on the caller's thread or, for a large write on a
//! machine with a second core, on a second thread while the caller fills the next run
//! ([`Pager::write_runs`]). Either way the same bytes reach the same offsets, in the same order.

use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

use super::Pager;
use crate::error::{Error, Result};

/// Most bytes one run (one positioned write) holds.
const WRITE_RUN_BYTES: usize = 1 << 20;
/// How many bytes of the file are written between two starts of their writeback.
const WRITEBACK_STEP_BYTES: u64 = 16 << 20;
/// Runs filled and not yet written that the caller may be ahead of the writing thread by (bounds
/// the memory: each is [`WRITE_RUN_BYTES`]).
const RUNS_AHEAD: usize = 2;

/// See the module doc. Callers fill each page in place.
pub(crate) struct RunWriter<'p> {
    pager: &'p Pager,
    run: Vec<u8>,
    start: u64,
    out: Out,
}

/// Where a filled run goes.
enum Out {
    /// Written by the caller's thread.
    Inline(Writeback),
    /// Sent to the writing thread, which sends the emptied buffers back for reuse.
    Beside {
        runs: SyncSender<(u64, Vec<u8>)>,
        spare: Receiver<Vec<u8>>,
    },
}

/// The writes of one [`RunWriter`], with the span written since its writeback was last started.
#[derive(Default)]
struct Writeback {
    /// Byte range of the file written since its writeback was last started (`from`, `to`; the
    /// span of every run, whatever their order).
    unstarted: Option<(u64, u64)>,
}

impl Writeback {
    /// Writes `run` as the pages from `start` on.
    fn write(&mut self, pager: &Pager, start: u64, run: &[u8]) -> Result<()> {
        let ps = pager.page_size as u64;
        let end = start + run.len() as u64 / ps - 1;
        pager
            .file
            .write_at(run, start * ps)
            .map_err(|e| Error::io(format!("writing pages {start} to {end}"), e))?;
        // Every WRITEBACK_STEP_BYTES the span written since the last step is handed to the disk,
        // so the sync after the last run waits only for the tail, not for the whole write.
        let (from, to) = (start * ps, start * ps + run.len() as u64);
        let (from, to) = match self.unstarted {
            Some((f, t)) => (f.min(from), t.max(to)),
            None => (from, to),
        };
        if to - from >= WRITEBACK_STEP_BYTES {
            self.unstarted = None;
            pager.file.start_writeback(from, to - from);
        } else {
            self.unstarted = Some((from, to));
        }
        Ok(())
    }
}

impl Pager {
    /// Runs `fill` with a [`RunWriter`] over this file and writes what it filled (not synced).
    /// With `beside`, a second thread writes each run while `fill` fills the next: for large
    /// writes, where encoding the pages and the system's copy into its page cache each take
    /// about half the time. An error of either side is returned, the writing side's first (the
    /// filling side then only sees that the writer stopped).
    pub(crate) fn write_runs(
        &self,
        beside: bool,
        fill: impl FnOnce(&mut RunWriter<'_>) -> Result<()>,
    ) -> Result<()> {
        if !beside {
            let mut w = RunWriter::new(self);
            fill(&mut w)?;
            return w.finish();
        }
        std::thread::scope(|s| {
            let (runs, to_write) = sync_channel::<(u64, Vec<u8>)>(RUNS_AHEAD);
            let (give_back, spare) = channel::<Vec<u8>>();
            let writer = s.spawn(move || -> Result<()> {
                let mut writeback = Writeback::default();
                for (start, mut run) in to_write {
                    writeback.write(self, start, &run)?;
                    run.clear();
                    // The filler may have finished and gone: the buffer is then freed.
                    let _ = give_back.send(run);
                }
                Ok(())
            });
            let mut w = RunWriter {
                pager: self,
                run: Vec::new(),
                start: 0,
                out: Out::Beside { runs, spare },
            };
            // The writer ends when the last sender is gone: `w` is dropped on either path.
            let filled = match fill(&mut w) {
                Ok(()) => w.finish(),
                Err(e) => {
                    drop(w);
                    Err(e)
                }
            };
            // A panic there is one this thread would have had writing inline: pass it on.
            let written = writer
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            written.and(filled)
        })
    }
}

impl<'p> RunWriter<'p> {
    /// Writes on the caller's thread.
    pub(crate) fn new(pager: &'p Pager) -> RunWriter<'p> {
        RunWriter {
            pager,
            run: Vec::new(),
            start: 0,
            out: Out::Inline(Writeback::default()),
        }
    }

    /// A zeroed page buffer that will be written as page `page_no` (each call's number above the
    /// last one's).
    pub(crate) fn page(&mut self, page_no: u64) -> Result<&mut [u8]> {
        let ps = self.pager.page_size;
        let next = self.start + (self.run.len() / ps) as u64;
        if !self.run.is_empty() && (page_no != next || self.run.len() + ps > WRITE_RUN_BYTES) {
            self.flush()?;
        }
        if self.run.is_empty() {
            self.start = page_no;
        }
        let at = self.run.len();
        self.run.resize(at + ps, 0);
        Ok(&mut self.run[at..])
    }

    fn flush(&mut self) -> Result<()> {
        if self.run.is_empty() {
            return Ok(());
        }
        match &mut self.out {
            Out::Inline(writeback) => {
                writeback.write(self.pager, self.start, &self.run)?;
                self.run.clear();
            }
            Out::Beside { runs, spare } => {
                let next = spare
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(WRITE_RUN_BYTES));
                let run = std::mem::replace(&mut self.run, next);
                runs.send((self.start, run)).map_err(|_| {
                    let stopped = std::io::Error::other("the writing thread stopped");
                    Error::io("handing pages to the writing thread", stopped)
                })?;
            }
        }
        Ok(())
    }

    /// Writes what is left (not synced).
    pub(crate) fn finish(mut self) -> Result<()> {
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::error::ErrorKind;
    use crate::storage::vfs::{FaultyVfs, MemVfs, OpenOptions, Vfs};

    const PS: usize = 4096;

    fn create() -> OpenOptions {
        OpenOptions {
            create: true,
            read_only: false,
        }
    }

    /// Page numbers with gaps (runs of 1 to 300 pages, some longer than a run's bytes).
    fn page_numbers() -> Vec<u64> {
        let mut out = Vec::new();
        let mut p = 3u64;
        for len in [1u64, 5, 300, 2, 257, 1, 40] {
            out.extend(p..p + len);
            p += len + 1 + len % 3;
        }
        out
    }

    /// Fills page `p` with bytes that name it.
    fn fill_page(p: u64, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (p as usize * 31 + i) as u8;
        }
    }

    fn write_all(pager: &Pager, beside: bool) -> Result<()> {
        pager.write_runs(beside, |w| {
            for p in page_numbers() {
                fill_page(p, w.page(p)?);
            }
            Ok(())
        })
    }

    #[test]
    fn beside_and_inline_write_the_same_bytes() {
        let mut files = Vec::new();
        for beside in [false, true] {
            let vfs = MemVfs::new();
            let file = vfs.open(Path::new("db"), create()).unwrap();
            let pager = Pager::new(file, PS as u32).unwrap();
            write_all(&pager, beside).unwrap();
            drop(pager);
            files.push(vfs.file_bytes(Path::new("db")).unwrap());
        }
        assert_eq!(files[0], files[1]);
        let last = *page_numbers().last().unwrap();
        assert_eq!(files[0].len(), (last as usize + 1) * PS);
        let mut want = vec![0u8; PS];
        for p in page_numbers() {
            fill_page(p, &mut want);
            assert_eq!(&files[0][p as usize * PS..][..PS], &want[..], "page {p}");
        }
    }

    #[test]
    fn a_failed_write_on_the_writing_thread_is_the_error_returned() {
        // The 1st, 3rd and 6th of the nine runs.
        for (beside, fail_at) in [(true, 1), (true, 3), (true, 6), (false, 3)] {
            let vfs = FaultyVfs::new(7);
            let file = vfs.open(Path::new("db"), create()).unwrap();
            let pager = Pager::new(file, PS as u32).unwrap();
            vfs.fail_write_at(fail_at);
            let err = write_all(&pager, beside).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Io, "{err} (beside {beside})");
            assert!(err.to_string().contains("writing pages"), "{err}");
        }
    }

    #[test]
    fn an_error_of_the_filler_stops_the_writing_thread() {
        let vfs = MemVfs::new();
        let file = vfs.open(Path::new("db"), create()).unwrap();
        let pager = Pager::new(file, PS as u32).unwrap();
        let err = pager
            .write_runs(true, |w| {
                for p in 0..600 {
                    w.page(p)?;
                }
                Err(Error::invalid("stop here"))
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }
}
