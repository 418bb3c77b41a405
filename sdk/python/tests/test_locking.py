"""A database is held by one writer process: a second one gets DatabaseLockedError. Read-only opens."""

import subprocess
import sys
import textwrap

import pytest

import treestore
from conftest import run_python

HOLDER = textwrap.dedent("""
    import sys, treestore
    db = treestore.TreeStore(sys.argv[1])
    db.kv_put("t", b"k", b"from the child")
    print("ready", flush=True)
    sys.stdin.readline()
    db.close()
    print("closed", flush=True)
    """)


def test_second_process_gets_database_locked(db_path):
    with treestore.TreeStore(db_path) as db:
        db.kv_put("t", b"k", b"v")
        code = textwrap.dedent(f"""
            import treestore
            try:
                treestore.TreeStore({db_path!r})
            except treestore.DatabaseLockedError as e:
                print("locked", e.status, isinstance(e, treestore.TreeStoreError))
            """)
        out = run_python(code)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == ["locked", "500", "True"]


def test_opening_a_file_another_process_holds(db_path):
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, db_path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        with pytest.raises(treestore.DatabaseLockedError) as info:
            treestore.TreeStore(db_path)
        assert info.value.status == 500 and info.value.message
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "closed"
    finally:
        child.stdin.close()
        child.wait(30)
    with treestore.TreeStore(db_path) as db:  # free again once the child closed it
        assert db.kv_get("t", b"k") == b"from the child"


def test_a_second_open_in_the_same_process_is_locked_too(db):
    with pytest.raises(treestore.DatabaseLockedError):
        treestore.TreeStore(db.path)


def test_read_only_database_reads_and_refuses_writes(db_path):
    with treestore.TreeStore(db_path) as db:
        db.kv_put("t", b"k", b"v")
    with treestore.TreeStore(db_path, read_only=True) as db:
        assert db.read_only
        assert db.kv_get("t", b"k") == b"v"
        assert db.kv_scan("t") == [(b"k", b"v")]
        with pytest.raises(treestore.ReadOnlyError) as info:
            db.kv_put("t", b"k2", b"v")
        assert info.value.status == 501
        with pytest.raises(treestore.ReadOnlyError):
            db.kv_delete("t", b"k")
        assert db.check_integrity()["ok"]
    with treestore.TreeStore(db_path) as db:
        assert db.kv_get("t", b"k2", None) is None


def test_read_only_open_of_a_missing_file(tmp_path):
    with pytest.raises(treestore.TreeStoreError):
        treestore.TreeStore(str(tmp_path / "missing.tsdb"), read_only=True)


def test_locked_error_from_a_spawned_process(db_path):
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with treestore.TreeStore(db_path):
        with ctx.Pool(1) as pool:
            name, status = pool.apply(_try_open, (db_path,))
    assert (name, status) == ("DatabaseLockedError", 500)


def _try_open(path):
    import treestore as ts

    try:
        ts.TreeStore(path).close()
    except ts.TreeStoreError as e:
        return type(e).__name__, e.status
    return "opened", 0
