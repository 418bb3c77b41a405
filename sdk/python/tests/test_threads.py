"""One database shared by many threads: puts and gets, scans, and closing under load."""

import threading
import time

import pytest

import treestore
from conftest import reopen

THREADS = 8


def run_threads(target, n=THREADS):
    errors = []

    def wrapped(i):
        try:
            target(i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    return errors


def test_eight_threads_put_and_get(db_path):
    per_thread = 300
    with treestore.TreeStore(db_path, durability="relaxed") as db:

        def work(n):
            for i in range(per_thread):
                key = b"t%d-%04d" % (n, i)
                db.kv_put("t", key, key * 3)
                assert db.kv_get("t", key) == key * 3
                if i % 50 == 0:
                    db.kv_scan("t", limit=20)

        assert run_threads(work) == []
        pairs = db.kv_scan("t")
        assert len(pairs) == THREADS * per_thread
        assert all(v == k * 3 for k, v in pairs)
        assert db.check_integrity()["ok"]


def test_threads_mixing_transactions_and_single_calls(db_path):
    with treestore.TreeStore(db_path, durability="relaxed") as db:
        db.kv_put("t", b"seed", b"1")

        def work(n):
            for i in range(30):
                if n % 2:
                    with db.transaction(write=True):
                        db.kv_put("t", b"x%d-%d-a" % (n, i), b"1")
                        db.kv_put("t", b"x%d-%d-b" % (n, i), b"1")
                else:
                    with db.transaction():
                        # a snapshot never shows half of a transaction
                        keys = {k for k, _ in db.kv_scan("t")}
                        for k in keys:
                            if k.endswith(b"-a"):
                                assert k[:-2] + b"-b" in keys
                    db.kv_put("t", b"y%d-%d" % (n, i), b"1")

        assert run_threads(work) == []
        assert len(db.kv_scan("t")) == 1 + 4 * 30 * 2 + 4 * 30


def test_closing_while_threads_hammer_never_crashes(db_path):
    db = treestore.TreeStore(db_path, durability="relaxed")
    started = threading.Barrier(THREADS + 1)

    def work(n):
        started.wait()
        i = 0
        while True:
            try:
                db.kv_put("t", b"%d-%d" % (n, i), b"v")
                db.kv_get("t", b"%d-%d" % (n, i))
                db.kv_scan("t", limit=5)
                if i % 10 == 0:
                    with db.transaction(write=True):
                        db.kv_put("t", b"txn-%d-%d" % (n, i), b"v")
            except treestore.ClosedError:
                return
            i += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    started.wait()
    time.sleep(0.2)  # let them get going
    db.close()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert db.closed
    with reopen(db_path) as again:
        assert again.check_integrity()["ok"]


def test_results_are_copied_before_free_under_concurrency(db_path):
    with treestore.TreeStore(db_path, durability="relaxed") as db:
        with db.transaction(write=True):
            for i in range(200):
                db.kv_put("t", b"k%04d" % i, b"%d" % i * 10)
        expected = db.kv_scan("t")

        def work(n):
            for _ in range(20):
                assert db.kv_scan("t") == expected

        assert run_threads(work) == []


@pytest.mark.parametrize("n", [2])
def test_many_databases_in_one_process(tmp_path, n):
    dbs = [treestore.TreeStore(str(tmp_path / f"{i}.tsdb")) for i in range(n)]
    try:
        for i, db in enumerate(dbs):
            db.kv_put("t", b"k", b"%d" % i)
        assert [db.kv_get("t", b"k") for db in dbs] == [b"0", b"1"]
    finally:
        for db in dbs:
            db.close()
