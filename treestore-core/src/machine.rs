//! What the machine offers the engine, asked once: how many threads may run at once (the work
//! split over a second thread — a batch's text analysis, a segment's block encoding, a large
//! commit's page writes — only pays when there is a second core to run it).

use std::sync::OnceLock;

/// The threads that may run at once (1 when the system does not say).
pub(crate) fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
