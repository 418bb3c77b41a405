//! Observability: per-operation counters and latency histograms, cheap enough to stay on (one
//! relaxed atomic add per call; a timed call, every call of [`Metrics::time`] and a sample of
//! [`Metrics::time_sampled`], adds two clock reads and two more adds), and their rendering in the
//! Prometheus text format.

mod histogram;
mod op;
mod prometheus;

pub use histogram::{Histogram, HistogramSnapshot, BUCKET_BOUNDS};
pub use op::{Metrics, Op, OpTimer, SAMPLE_EVERY};
pub use prometheus::render;
