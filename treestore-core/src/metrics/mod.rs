//! Observability: per-operation counters and latency histograms, cheap enough to stay on (two clock
//! reads and three relaxed atomic adds per call), and their rendering in the Prometheus text format.

mod histogram;
mod op;
mod prometheus;

pub use histogram::{Histogram, HistogramSnapshot, BUCKET_BOUNDS};
pub use op::{Metrics, Op, OpTimer};
pub use prometheus::render;
