//! Observability: per-operation counters and latency histograms, cheap enough to stay on (two
//! relaxed atomic adds per call, plus two clock reads per timed call: every call of
//! [`Metrics::time`], a sample of [`Metrics::time_sampled`]), and their rendering in the
//! Prometheus text format.

mod histogram;
mod op;
mod prometheus;

pub use histogram::{Histogram, HistogramSnapshot, BUCKET_BOUNDS};
pub use op::{Metrics, Op, OpTimer, SAMPLE_EVERY};
pub use prometheus::render;
