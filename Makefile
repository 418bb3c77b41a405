# TreeStore: every build, test and benchmark entry point.
# `make demo` and `make test` are the two commands a fresh machine needs (see README.md).

CARGO ?= cargo
PROPTEST_CASES ?= 64
export PROPTEST_CASES

PREFIX ?= /usr/local
VERSION := 0.1.0
C_PREFIX := $(CURDIR)/target/c-prefix
CC ?= cc
C_FLAGS := -std=c11 -Wall -Wextra -Werror -g
C_TESTS := $(wildcard sdk/c/tests/test_*.c)

.PHONY: all build lib install header test test-rust test-c test-go test-python python-env lint demo bench bench-c bench-docs bench-go bench-pg bench-pg-chart bench-python stress fuzz clean

all: build

build:
	$(CARGO) build --release --workspace

## lib: libtreestore.so and libtreestore.a (release) and the generated headers.
lib:
	$(CARGO) build --release -p treestore-ffi

## header: regenerate include/treestore.h with the pinned cbindgen (a test fails when it is stale).
header:
	$(CARGO) run -q -p treestore-ffi --example generate_header

## install: the libraries, the header and treestore.pc under $(PREFIX).
install: lib
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 644 target/release/libtreestore.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 target/release/libtreestore.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/treestore.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' sdk/c/treestore.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/treestore.pc

## test: every test of every language, with bounded slices of the stress and crash runs.
test: lint test-rust test-c test-go test-python

## test-c: the C suite built against the installed library through pkg-config, under ASan and valgrind.
test-c:
	$(MAKE) install PREFIX=$(C_PREFIX)
	@set -e; export PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig; \
	for t in $(C_TESTS); do \
		name=$$(basename $$t .c); \
		$(CC) $(C_FLAGS) -fsanitize=address,undefined -fno-omit-frame-pointer $$t -o target/$$name-asan \
			$$(pkg-config --cflags --libs treestore) -Wl,-rpath,$(C_PREFIX)/lib; \
		$(CC) $(C_FLAGS) $$t -o target/$$name $$(pkg-config --cflags --libs treestore) -Wl,-rpath,$(C_PREFIX)/lib; \
		echo "== $$name (AddressSanitizer)"; \
		ASAN_OPTIONS=detect_leaks=1 ./target/$$name-asan; \
		echo "== $$name (valgrind, result cache off)"; \
		TREESTORE_RESULT_CACHE=0 valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite ./target/$$name; \
	done
	@set -e; export PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig; \
	$(CC) $(C_FLAGS) -fsanitize=address,undefined sdk/c/examples/quickstart.c -o target/quickstart \
		$$(pkg-config --cflags --libs treestore) -Wl,-rpath,$(C_PREFIX)/lib; \
	rm -f target/quickstart.tsdb target/quickstart.tsdb-wal; \
	echo "== sdk/c/examples/quickstart.c"; \
	./target/quickstart target/quickstart.tsdb examples/data/advanced-imaging-pa_v1.json

## bench-c: what the C ABI adds over treestore-core: sdk/c/bench/bench_abi.c (C through the installed
## release library, -O2: per-call times and the calls a 1,000-node subtree takes) and the criterion
## bench treestore-ffi/benches/abi_overhead.rs (the same reads directly and through the exports on
## one database, paired: its `paired:` lines are the figures). BENCH_ITERS (per round, default
## 256) and BENCH_ROUNDS (default 400; the best round counts) for the C program.
bench-c:
	$(MAKE) install PREFIX=$(C_PREFIX)
	@set -e; export PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig; \
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror sdk/c/bench/bench_abi.c -o target/bench_abi \
		$$(pkg-config --cflags --libs treestore) -Wl,-rpath,$(C_PREFIX)/lib; \
	./target/bench_abi; \
	$(CARGO) bench -p treestore-ffi --bench abi_overhead

## bench-go: what the Go SDK adds: GetNode and a 1,000-node GetSubtree through Go, against the same
## loops in C (sdk/go/bench_stores_test.go, alternating chunks so both see the same load), then the
## same reads on treestore-core directly (treestore-ffi/examples/bench_direct.rs), twice each. Both
## keep the fastest of many short rounds (Go: 200 GetNode or 4 subtrees; Rust: BENCH_ITERS=800 node
## reads or 5 subtrees, BENCH_ROUNDS=200), the ones least disturbed on a shared machine.
bench-go:
	$(MAKE) lib
	@set -e; for i in 1 2; do \
		(cd sdk/go && go test -count=1 -run XXX -bench 'StoreOverhead|GetNode|GetSubtree1000' -benchtime 2s .); \
		BENCH_ITERS=$${BENCH_ITERS:-800} BENCH_ROUNDS=$${BENCH_ROUNDS:-200} \
			$(CARGO) run -q --release -p treestore-ffi --example bench_direct; \
	done

## test-go: the Go SDK: gofmt, go vet, the tests under the race detector, again under cgocheck2 (every
## pointer C sees is checked), and against the installed shared library (the treestore_dynamic tag).
## -count=1 because cgo does not notice a rebuilt libtreestore.a.
test-go:
	$(MAKE) lib
	@cd sdk/go && unformatted=$$(gofmt -l .) && if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting: $$unformatted" >&2; exit 1; fi
	cd sdk/go && go vet ./... && go test -count=1 -race ./...
	cd sdk/go && GOEXPERIMENT=cgocheck2 go test -count=1 ./...
	$(MAKE) install PREFIX=$(C_PREFIX)
	cd sdk/go && export PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig LD_LIBRARY_PATH=$(C_PREFIX)/lib && \
		go vet -tags treestore_dynamic ./... && go test -count=1 -tags treestore_dynamic ./...

## python-env: a virtualenv in target/venv with the Python SDK's build and test tools.
PYTHON ?= python3
PY_VENV := target/venv
PY_DEPS := "setuptools>=61" "wheel" "cffi>=1.15" "pytest>=7"
PY_INPUTS := $(shell find sdk/python/src sdk/python/setup.py sdk/python/build_ffi.py \
	sdk/python/pyproject.toml treestore-ffi/src treestore-ffi/Cargo.toml treestore-core/src \
	treestore-core/Cargo.toml -type f -not -name '*.pyc') include/treestore.h include/treestore_cffi.h Cargo.lock

python-env: $(PY_VENV)/.deps

$(PY_VENV)/.deps:
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/python -m pip install -q --disable-pip-version-check $(PY_DEPS)
	touch $@

## test-python: installs sdk/python into target/venv as a user would (the package builds the Rust
## library and bundles it), then runs its pytest suite. Reinstalls only when a source changed.
$(PY_VENV)/.installed: $(PY_VENV)/.deps $(PY_INPUTS)
	$(PY_VENV)/bin/python -m pip install -q --disable-pip-version-check --no-build-isolation \
		--no-deps --force-reinstall ./sdk/python
	touch $@

test-python: $(PY_VENV)/.installed
	cd sdk/python && ../../$(PY_VENV)/bin/python -m pytest -q -p no:cacheprovider tests

## lint: rustfmt, clippy (warnings are errors) and rustdoc, private items included (a broken
## intra-doc link is an error).
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --document-private-items -p treestore-core -p treestore-ffi
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --document-private-items -p treestore-cli

test-rust:
	$(CARGO) test --workspace

## demo: the main job through the Python SDK (scripts/demo.py) on treestore-demo.tsdb, then the
## outline with the treestore command (scripts/demo.sh). Installs the SDK into target/venv first.
demo: $(PY_VENV)/.installed
	CARGO=$(CARGO) PY=$(CURDIR)/$(PY_VENV)/bin/python bash scripts/demo.sh

## bench-python: the Python SDK against PostgreSQL 15 (psycopg, a private server from scripts/pg.sh)
## and sqlite3 on the same corpus (sdk/python/bench/bench_vs.py; BENCH_DOCS, default 3000). psycopg is
## installed into target/venv here only: make test does not need it.
bench-python: $(PY_VENV)/.installed
	$(PY_VENV)/bin/python -m pip install -q --disable-pip-version-check "psycopg[binary]>=3.1"
	@set -e; eval "$$(bash scripts/pg.sh start)"; trap 'bash scripts/pg.sh stop "$$TREESTORE_PG_DIR"' EXIT; \
	$(PY_VENV)/bin/python sdk/python/bench/bench_vs.py --out target/bench-python.md

## stress: the long crash, kill and concurrency runs.
stress:
	PROPTEST_CASES=2000 TREESTORE_STRESS=1 $(CARGO) test --release --workspace -- --include-ignored

## fuzz: the long seeded fuzz runs (treestore-core/tests/fuzz.rs: damaged pages that pass their
## checksum, cut and spliced PageIndex JSON, random node lists; treestore-ffi/tests/fuzz_abi.rs:
## mutated JSON into every C export that takes it, drawn arguments into the read exports),
## FUZZ_ROUNDS rounds of each engine target and 30 times as many ABI calls, from one new seed it
## prints (FUZZ_SEED=n replays a run; TREESTORE_FUZZ_ROUND=r one round of it). make test runs a
## bounded slice with a fixed seed.
FUZZ_ROUNDS ?= 3000
fuzz:
	seed=$${FUZZ_SEED:-$$(date +%s)}; \
	TREESTORE_FUZZ_ROUNDS=$(FUZZ_ROUNDS) TREESTORE_FUZZ_SEED=$$seed \
		$(CARGO) test --release -p treestore-core --test fuzz -- --nocapture && \
	TREESTORE_FUZZ_ROUNDS=$$(( $(FUZZ_ROUNDS) * 30 )) TREESTORE_FUZZ_SEED=$$seed \
		$(CARGO) test --release -p treestore-ffi --test fuzz_abi -- --nocapture

## bench: criterion benchmarks against the opponents (see benches/RESULTS.md).
bench:
	cd benches && cargo bench --bench engine

## bench-docs: issue 3's document reads and import on the 1M-node corpus (benches/RESULTS.md, "Document store speed"),
## then an import of 100k nodes whose texts draw on a 50k-word Zipf vocabulary (the corpus's 193 words
## hide the keyword index's per-term costs), then the memory floor under GetNode: the same random reads of a
## node's record and text from a file of the corpus's size with no database at all (examples/memory_floor.rs).
bench-docs:
	$(CARGO) run --release -p treestore-core --example doc_speed
	$(CARGO) run --release -p treestore-core --example memory_floor
	$(CARGO) run --release -p treestore-core --example import_speed -- 1000 500 50000

## bench-pg: TreeStore against PostgreSQL 15 and SQLite on one corpus (issue 8): starts its own
## PostgreSQL (scripts/pg.sh), loads TreeStore, PostgreSQL and SQLite, checks their answers agree,
## runs criterion (benches/benches/headtohead.rs), writes benches/RESULTS.md and the ratio chart
## benches/headtohead.png. BENCH_SCALE=0.01 for a quick run (its table and chart stay in
## benches/target/h2h/); BENCH_SECS, BENCH_COLD_ROUNDS: see the bench's doc.
BENCH_VENV := benches/target/chart-venv

bench-pg:
	cd benches && nice cargo bench --bench headtohead
	$(MAKE) bench-pg-chart

## bench-pg-chart: the PNG of the last run's ratios (matplotlib in a venv of its own).
bench-pg-chart: $(BENCH_VENV)/.deps
	$(BENCH_VENV)/bin/python benches/chart.py benches/target/h2h/ratios.csv benches/target/h2h/headtohead.png
	@if cmp -s benches/target/h2h/ratios.csv benches/headtohead-ratios.csv; then \
		cp benches/target/h2h/headtohead.png benches/headtohead.png; echo "wrote benches/headtohead.png"; \
	else echo "a partial-scale run: chart in benches/target/h2h/headtohead.png"; fi

$(BENCH_VENV)/.deps:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q --disable-pip-version-check "matplotlib>=3.8"
	touch $@

clean:
	$(CARGO) clean
