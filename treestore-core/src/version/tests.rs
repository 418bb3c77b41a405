//! Tests of the version store.
