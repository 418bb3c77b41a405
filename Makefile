# TreeStore: every build, test and benchmark entry point.
# `make demo` and `make test` are the two commands a fresh machine needs (see README.md).

CARGO ?= cargo
PROPTEST_CASES ?= 64
export PROPTEST_CASES

.PHONY: all build test test-rust lint demo bench stress fuzz clean

all: build

build:
	$(CARGO) build --release --workspace

## test: every test of every language, with bounded slices of the stress and crash runs.
test: lint test-rust

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace

## demo: the main job on an embedded default database (grows with the command-line issue).
demo:
	$(CARGO) run --release -p treestore-core --example quickstart -- treestore-demo.tsdb

## stress: the long crash, kill and concurrency runs.
stress:
	PROPTEST_CASES=2000 TREESTORE_STRESS=1 $(CARGO) test --release --workspace -- --include-ignored

## bench: criterion benchmarks against the opponents (see benches/RESULTS.md).
bench:
	cd benches && cargo bench --bench engine

clean:
	$(CARGO) clean
