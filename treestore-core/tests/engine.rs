//! Scenario tests of the engine, compiled as one binary: a model-based property test, crash
//! consistency at every sync point, I/O error injection, corrupted files, real process kills,
//! concurrency, file growth and recovery cost. Each module says what can go wrong that it checks.

#[path = "engine/combine.rs"]
mod combine;
#[path = "engine/concurrency.rs"]
mod concurrency;
#[path = "engine/corruption.rs"]
mod corruption;
#[path = "engine/crash.rs"]
mod crash;
#[path = "engine/growth.rs"]
mod growth;
#[path = "engine/io_errors.rs"]
mod io_errors;
#[path = "engine/kill.rs"]
mod kill;
#[path = "engine/model.rs"]
mod model;
#[path = "engine/recovery_cost.rs"]
mod recovery_cost;
#[path = "common/reseal.rs"]
mod reseal;
#[path = "engine/util.rs"]
mod util;
#[path = "engine/wal_deltas.rs"]
mod wal_deltas;
#[path = "engine/wal_prepare.rs"]
mod wal_prepare;
