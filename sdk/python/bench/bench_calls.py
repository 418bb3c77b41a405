"""Per-call overhead of the Python SDK, and of cffi's two modes on the same library.

Run with the package installed (``make test-python`` builds target/venv):

    target/venv/bin/python sdk/python/bench/bench_calls.py

It times, best of 5 runs:
- the bare crossing: ``treestore_abi_version()`` through the installed API-mode extension and through an
  ABI-mode ``ffi.dlopen`` of the same bundled library (what maturin's ``bindings = "cffi"`` generates);
- a raw ``kv_get`` (call, read the result's one record, copy the value, free) through both;
- the SDK's own ``kv_get``, ``kv_put`` and ``kv_scan`` (argument checks, handle guard, errors, copies).
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import cffi

import treestore
from treestore._native import ffi as api_ffi
from treestore._native import lib as api_lib

HEADER = Path(__file__).resolve().parents[3] / "include" / "treestore_cffi.h"


def best_ns(fn, n, reps=5):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn(n)
        times.append(time.perf_counter() - t)
    return min(times) / n * 1e9


def abi_mode():
    ffi = cffi.FFI()
    ffi.cdef(HEADER.read_text())
    lib = ffi.dlopen(str(Path(treestore.__file__).parent / "libtreestore.so"))
    return ffi, lib


def raw_loops(ffi, lib, db):
    abi = lib.treestore_abi_version
    get, kvs, free = lib.treestore_kv_get, lib.treestore_result_kvs, lib.treestore_result_free
    res = ffi.new("treestore_result **")
    items = ffi.new("const treestore_kv **")
    size = ffi.new("size_t *")
    err = ffi.new("treestore_error **")
    null, unpack, cast = ffi.NULL, ffi.unpack, ffi.cast

    def abi_loop(n):
        for _ in range(n):
            abi()

    def get_loop(n):
        for _ in range(n):
            if get(db, null, b"t", 1, b"key0500", 7, res, err):
                raise RuntimeError("get failed")
            r = res[0]
            try:
                kvs(r, items, size, err)
                v = items[0][0].value
                unpack(cast("char *", v.ptr), v.len)
            finally:
                free(r)

    return best_ns(abi_loop, 1_000_000), best_ns(get_loop, 100_000)


def main():
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "bench.tsdb")
    with treestore.TreeStore(path, durability="relaxed") as db:
        with db.transaction(write=True):
            for i in range(1000):
                db.kv_put("t", b"key%04d" % i, b"value" * 10)
        handle = db._h.ptr  # the raw loops share the SDK's open handle
        api = raw_loops(api_ffi, api_lib, handle)
        abi_ffi, abi_lib = abi_mode()
        abi = raw_loops(abi_ffi, abi_lib, abi_ffi.cast("treestore_db *", api_ffi.cast("uintptr_t", handle)))

        def sdk_get(n):
            get = db.kv_get
            for _ in range(n):
                get("t", b"key0500")

        def sdk_put(n):
            put = db.kv_put
            for i in range(n):
                put("u", b"k%d" % (i % 1000), b"value")

        def sdk_scan(limit):
            def run(n):
                for _ in range(n):
                    db.kv_scan("t", limit=limit)

            return run

        sdk = {
            "kv_get": best_ns(sdk_get, 100_000),
            "kv_put (relaxed, autocommit)": best_ns(sdk_put, 20_000),
            "kv_scan 100": best_ns(sdk_scan(100), 2_000),
            "kv_scan 1000": best_ns(sdk_scan(1000), 300),
        }
    print(f"python {sys.version.split()[0]}, cffi {cffi.__version__}")
    print(f"{'':32s} {'API mode':>10s} {'ABI mode':>10s}")
    print(f"{'treestore_abi_version()':32s} {api[0]:8.0f}ns {abi[0]:8.0f}ns")
    print(f"{'raw kv_get + copy + free':32s} {api[1] / 1000:8.2f}us {abi[1] / 1000:8.2f}us")
    for name, ns in sdk.items():
        print(f"{'SDK ' + name:32s} {ns / 1000:8.2f}us")


if __name__ == "__main__":
    main()
