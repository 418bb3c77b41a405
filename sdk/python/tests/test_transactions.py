"""Transactions: commit and rollback, snapshots, the owning thread, ending early, closing under one."""

import gc
import threading
import time

import pytest

import treestore


def in_thread(fn):
    """Runs `fn` on another thread; returns what it returned or raises what it raised."""
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            box["error"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    assert not t.is_alive()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def test_commit_on_success(db):
    with db.transaction(write=True) as txn:
        assert txn.write and txn.active
        db.kv_put("t", b"a", b"1")
        db.kv_put("t", b"b", b"2")
        assert db.kv_get("t", b"a") == b"1"  # the transaction sees its own writes
    assert not txn.active
    assert db.kv_scan("t") == [(b"a", b"1"), (b"b", b"2")]


def test_rollback_on_exception_and_the_exception_propagates(db):
    db.kv_put("t", b"keep", b"1")
    with pytest.raises(RuntimeError, match="boom"):
        with db.transaction(write=True):
            db.kv_put("t", b"ghost", b"v")
            db.kv_delete("t", b"keep")
            raise RuntimeError("boom")
    assert db.kv_get("t", b"ghost", None) is None
    assert db.kv_get("t", b"keep") == b"1"


def test_a_failing_call_inside_rolls_back_the_whole_transaction(db):
    with pytest.raises(treestore.NotFoundError):
        with db.transaction(write=True):
            db.kv_put("t", b"ghost", b"v")
            db.kv_get("t", b"missing")
    assert db.kv_get("t", b"ghost", None) is None


def test_explicit_commit_ends_the_transaction_early(db):
    with db.transaction(write=True) as txn:
        db.kv_put("t", b"k", b"v")
        txn.commit()
        assert not txn.active
        with pytest.raises(treestore.ClosedError, match="already committed"):
            db.kv_put("t", b"k2", b"v")
        with pytest.raises(treestore.ClosedError):
            txn.commit()
    assert db.kv_get("t", b"k") == b"v"
    assert db.kv_get("t", b"k2", None) is None


def test_explicit_rollback(db):
    with db.transaction(write=True) as txn:
        db.kv_put("t", b"k", b"v")
        txn.rollback()
        with pytest.raises(treestore.ClosedError):
            txn.rollback()
    assert db.kv_get("t", b"k", None) is None


def test_after_the_block_calls_run_outside_any_transaction(db):
    with db.transaction(write=True):
        db.kv_put("t", b"a", b"1")
    assert db.current_transaction is None
    db.kv_put("t", b"b", b"2")
    assert db.kv_get("t", b"b") == b"2"


def test_read_transaction_is_a_snapshot(db):
    db.kv_put("t", b"k", b"old")
    with db.transaction() as txn:
        assert not txn.write
        in_thread(lambda: db.kv_put("t", b"k", b"new"))  # another thread, outside the snapshot
        assert db.kv_get("t", b"k") == b"old"
        assert db.kv_scan("t") == [(b"k", b"old")]
    assert db.kv_get("t", b"k") == b"new"


def test_write_in_a_read_transaction_is_read_only(db):
    db.kv_put("t", b"k", b"v")
    with pytest.raises(treestore.ReadOnlyError, match="read transaction"):
        with db.transaction(write=False):
            db.kv_put("t", b"k", b"x")
    assert db.kv_get("t", b"k") == b"v"


def test_transactions_do_not_nest_on_one_thread(db):
    with db.transaction(write=True):
        with pytest.raises(treestore.InvalidArgumentError, match="do not nest"):
            with db.transaction():
                pass
        db.kv_put("t", b"k", b"v")  # the outer one is untouched
    assert db.kv_get("t", b"k") == b"v"


def test_a_transaction_object_is_used_once(db):
    txn = db.transaction(write=True)
    with txn:
        pass
    with pytest.raises(treestore.InvalidArgumentError, match="one with block"):
        with txn:
            pass


def test_a_transaction_keeps_its_database_alive(db_path):
    with treestore.TreeStore(db_path).transaction(write=True):  # the database object is a temporary
        pass
    gc.collect()


def test_current_transaction_is_per_thread(db):
    assert db.current_transaction is None
    with db.transaction(write=True) as txn:
        assert db.current_transaction is txn
        assert in_thread(lambda: db.current_transaction) is None


def test_other_threads_read_outside_an_open_write_transaction(db):
    db.kv_put("t", b"k", b"committed")
    with db.transaction(write=True):
        db.kv_put("t", b"k", b"uncommitted")
        db.kv_put("t", b"new", b"x")
        assert in_thread(lambda: db.kv_get("t", b"k")) == b"committed"
        assert in_thread(lambda: db.kv_get("t", b"new", None)) is None
    assert in_thread(lambda: db.kv_get("t", b"k")) == b"uncommitted"


def test_another_threads_write_waits_for_the_open_write_transaction(db):
    # The writer blocks inside the C call; this thread still runs, so the call released the GIL.
    done = threading.Event()

    def writer():
        db.kv_put("t", b"other", b"1")  # needs the write lock this thread holds
        done.set()

    with db.transaction(write=True):
        db.kv_put("t", b"mine", b"1")
        t = threading.Thread(target=writer)
        t.start()
        time.sleep(0.2)
        assert not done.is_set()
    t.join(10)
    assert done.is_set()
    assert db.kv_get("t", b"other") == b"1" and db.kv_get("t", b"mine") == b"1"


def test_commit_from_another_thread_is_refused(db):
    with db.transaction(write=True) as txn:
        with pytest.raises(treestore.InvalidArgumentError, match="another thread"):
            in_thread(txn.commit)
        db.kv_put("t", b"k", b"v")
    assert db.kv_get("t", b"k") == b"v"


def test_transactions_on_many_threads_serialize_writes(db):
    def worker(n):
        def run():
            for i in range(20):
                with db.transaction(write=True):
                    key = b"counter"
                    value = int(db.kv_get("t", key, b"0"))
                    db.kv_put("t", key, str(value + 1))
                    db.kv_put("t", b"w%d-%d" % (n, i), b"x")

        return run

    threads = [threading.Thread(target=worker(n)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert db.kv_get("t", b"counter") == b"80"  # no lost update: write transactions serialize
    assert len(db.kv_scan("t", b"w", b"x")) == 80


def test_closing_inside_a_transaction_rolls_it_back(db_path):
    db = treestore.TreeStore(db_path)
    with pytest.raises(treestore.ClosedError):
        with db.transaction(write=True):
            db.kv_put("t", b"k", b"v")
            db.close()
    assert db.closed
    with treestore.TreeStore(db_path) as again:
        assert again.kv_get("t", b"k", None) is None


def test_closing_from_another_thread_frees_an_open_transaction(db_path):
    db = treestore.TreeStore(db_path)
    with pytest.raises(treestore.ClosedError):
        with db.transaction(write=True) as txn:
            db.kv_put("t", b"k", b"v")
            in_thread(db.close)
            assert not txn.active
            db.kv_put("t", b"k2", b"v")  # ClosedError: the database is gone
    with treestore.TreeStore(db_path) as again:  # the write lock and file lock were released
        assert again.kv_get("t", b"k", None) is None


def test_write_transaction_on_a_read_only_database(db_path):
    treestore.TreeStore(db_path).close()
    with treestore.TreeStore(db_path, read_only=True) as db:
        with pytest.raises(treestore.ReadOnlyError):
            with db.transaction(write=True):
                pass


def test_get_node_reads_the_threads_read_transaction(db):
    # get_node finds the calling thread's transaction itself (its one-crossing path): inside a
    # read transaction it reads the snapshot, latest version and all; another thread does not.
    from conftest import small_document

    first = small_document(version="v1")
    db.store_document(first["document"], first["nodes"])
    with db.transaction():
        second = small_document(version="v2")
        second["nodes"][1]["title"] = "Alpha two"
        in_thread(lambda: db.store_document(second["document"], second["nodes"]))
        assert db.get_node("p", "a")["version_id"] == "v1"
        assert db.get_node("p", "a")["title"] == "Alpha"
        with pytest.raises(treestore.NotFoundError):
            db.get_node("p", "a", "v2")  # stored after the snapshot
        assert in_thread(lambda: db.get_node("p", "a"))["title"] == "Alpha two"
    assert db.get_node("p", "a")["version_id"] == "v2"
    assert len(db._h.inflight) == 4  # every call left, the failed one included


def test_one_crossing_reads_leave_no_call_in_flight(db):
    """get_node, the tree queries and as-of register their call inline (no enter_addrs call): each
    must unregister it on success, on an engine error and on a bad argument, or close() would wait on
    it forever; inside a transaction they read its snapshot."""
    from conftest import small_document

    db.store_document(**small_document())
    inflight = db._h.inflight
    idle = list(inflight)  # the handle's fixed entries (database._IDLE); a call in flight adds one
    calls = [
        lambda: db.get_node("p", "a"),
        lambda: db.get_children("p", "root"),
        lambda: db.get_subtree("p", "root"),
        lambda: db.get_ancestor_path("p", "a1"),
        lambda: db.get_version_as_of("p", "2999-01-01"),
    ]
    failing = [
        lambda: db.get_node("p", "nope"),
        lambda: db.get_children("p", "nope"),
        lambda: db.get_subtree("p", "nope"),
        lambda: db.get_ancestor_path("nope", "a1"),
        lambda: db.get_children("p", "root", version_id="v9"),
        lambda: db.get_subtree("p", "root", version_id=b"v1"),
    ]
    try:
        for call in calls:
            call()
            assert inflight == idle
        for call in failing:
            with pytest.raises((treestore.NotFoundError, treestore.ArgumentTypeError, TypeError)):
                call()
            assert inflight == idle
        with db.transaction(write=True):
            db.delete_document("p")
            for call in (lambda: db.get_children("p", "root"), lambda: db.get_subtree("p", "root")):
                with pytest.raises(treestore.NotFoundError):  # the transaction's own delete is seen
                    call()
                assert inflight == idle
        db.close()
        for call in calls:
            with pytest.raises(treestore.ClosedError):
                call()
            assert inflight == idle
    finally:
        del inflight[len(idle) :]  # a leaked entry would hang the fixture's close()
