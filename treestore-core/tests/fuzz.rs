//! Seeded fuzzing of what a damaged file or a caller's bytes can reach, compiled as one binary:
//! data pages changed and resealed with a valid checksum (so every decoder above the page checks
//! sees the damage), PageIndex JSON cut and spliced, and random document inputs. The engine must
//! answer each with a result or an error: never a panic, a hang or a half-written version.
//!
//! `make test` runs a bounded slice with a fixed seed; `make fuzz` runs many more rounds
//! (`TREESTORE_FUZZ_ROUNDS`, default there 3,000 per target) from a seed it prints
//! (`TREESTORE_FUZZ_SEED` replays one). A failure names the seed and the round.

#[path = "fuzz/agent_records.rs"]
mod agent_records;
#[path = "fuzz/damaged_pages.rs"]
mod damaged_pages;
#[path = "fuzz/inputs.rs"]
mod inputs;
#[path = "common/reseal.rs"]
mod reseal;
#[path = "fuzz/util.rs"]
mod util;
