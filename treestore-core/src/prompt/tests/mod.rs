//! Tests of the prompt store.
