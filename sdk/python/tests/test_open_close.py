"""Opening with options, closing, the context manager, and every call on a closed database."""

import gc
import os
import warnings

import pytest

import treestore
from conftest import reopen


def test_open_creates_the_file_and_reopen_keeps_the_data(db_path):
    with treestore.TreeStore(db_path) as db:
        db.kv_put("t", b"k", b"v")
    assert os.path.exists(db_path)
    with treestore.TreeStore(db_path) as db:
        assert db.kv_get("t", b"k") == b"v"


def test_path_may_be_a_pathlike_or_utf8_bytes(tmp_path):
    with treestore.TreeStore(tmp_path / "a.tsdb") as db:
        assert db.path == str(tmp_path / "a.tsdb")
    with treestore.TreeStore(os.fsencode(tmp_path / "b.tsdb")) as db:
        assert db.path.endswith("b.tsdb")


def test_path_of_the_wrong_type_is_refused():
    with pytest.raises(treestore.ArgumentTypeError, match="path must be"):
        treestore.TreeStore(42)  # type: ignore[arg-type]


def test_empty_path_is_an_invalid_argument():
    with pytest.raises(treestore.InvalidArgumentError, match="empty"):
        treestore.TreeStore("")


def test_create_false_on_a_missing_file_is_not_found(tmp_path):
    with pytest.raises(treestore.NotFoundError):
        treestore.TreeStore(str(tmp_path / "missing.tsdb"), create=False)
    assert not (tmp_path / "missing.tsdb").exists()


def test_create_false_opens_an_existing_file(db_path):
    treestore.TreeStore(db_path).close()
    with treestore.TreeStore(db_path, create=False) as db:
        assert not db.closed


def test_unknown_durability_is_refused(db_path):
    with pytest.raises(treestore.InvalidArgumentError, match="durability"):
        treestore.TreeStore(db_path, durability="eventually")


def test_relaxed_durability_commits(db_path):
    with treestore.TreeStore(db_path, durability="relaxed") as db:
        assert db.durability == "relaxed"
        db.kv_put("t", b"k", b"v")
    with reopen(db_path) as db:
        assert db.kv_get("t", b"k") == b"v"


def test_page_size_of_a_new_database(db_path):
    with treestore.TreeStore(db_path, page_size=8192) as db:
        assert db.engine_stats()["page_size"] == 8192


@pytest.mark.parametrize("bad", [1000, 1 << 20, 512])
def test_invalid_page_size_is_refused_by_the_engine(db_path, bad):
    with pytest.raises(treestore.InvalidArgumentError, match="page_size"):
        treestore.TreeStore(db_path, page_size=bad)


@pytest.mark.parametrize("bad", [-1, 0, 2**32])
def test_page_size_out_of_range_is_refused(db_path, bad):
    with pytest.raises(treestore.InvalidArgumentError, match="page_size"):
        treestore.TreeStore(db_path, page_size=bad)


@pytest.mark.parametrize("bad", ["4096", 4096.0, True])
def test_page_size_of_the_wrong_type_is_refused(db_path, bad):
    with pytest.raises(treestore.ArgumentTypeError):
        treestore.TreeStore(db_path, page_size=bad)


def test_checkpoint_wal_bytes_option(db_path):
    with treestore.TreeStore(db_path, checkpoint_wal_bytes=1) as db:
        for i in range(5):
            db.kv_put("t", b"k%d" % i, b"v")
        assert db.engine_stats()["checkpoints"] >= 1


def test_close_is_idempotent(db_path):
    db = treestore.TreeStore(db_path)
    db.close()
    db.close()
    assert db.closed


def test_context_manager_closes_even_on_an_exception(db_path):
    with pytest.raises(RuntimeError):
        with treestore.TreeStore(db_path) as db:
            raise RuntimeError("boom")
    assert db.closed
    treestore.TreeStore(db_path).close()  # the lock was released


CALLS = [
    ("checkpoint", ()),
    ("check_integrity", ()),
    ("stats", ()),
    ("health", ()),
    ("kv_get", ("t", b"k")),
    ("kv_put", ("t", b"k", b"v")),
    ("kv_delete", ("t", b"k")),
    ("kv_scan", ("t",)),
    ("transaction", ()),
]


@pytest.mark.parametrize("name, args", CALLS, ids=[c[0] for c in CALLS])
def test_every_call_on_a_closed_database_raises_closed(db_path, name, args):
    db = treestore.TreeStore(db_path)
    db.close()
    with pytest.raises(treestore.ClosedError, match="database is closed") as info:
        getattr(db, name)(*args)
    assert isinstance(info.value, treestore.TreeStoreError)
    assert info.value.status == 502


def test_entering_a_closed_database_raises_closed(db_path):
    db = treestore.TreeStore(db_path)
    db.close()
    with pytest.raises(treestore.ClosedError):
        with db:
            pass


def test_kv_scan_with_limit_zero_on_a_closed_database_still_raises(db_path):
    db = treestore.TreeStore(db_path)
    db.close()
    with pytest.raises(treestore.ClosedError):
        db.kv_scan("t", limit=0)


def test_repr_shows_the_state(db_path):
    db = treestore.TreeStore(db_path)
    assert "open" in repr(db)
    db.close()
    assert "closed" in repr(db)


def test_an_unclosed_database_is_freed_by_garbage_collection(db_path):
    db = treestore.TreeStore(db_path)
    db.kv_put("t", b"k", b"v")
    del db
    gc.collect()
    with treestore.TreeStore(db_path) as again:  # would be DatabaseLockedError if still open
        assert again.kv_get("t", b"k") == b"v"


def test_client_alias_requires_path_and_ignores_host_and_port(db_path):
    with pytest.raises(treestore.InvalidArgumentError, match="path="):
        treestore.TreeStoreClient(host="localhost", port=7000)
    with pytest.warns(DeprecationWarning, match="host and port"):
        client = treestore.TreeStoreClient(path=db_path, host="localhost", port=7000)
    with client:
        assert isinstance(client, treestore.TreeStore)
        client.kv_put("t", b"k", b"v")
        assert client.kv_get("t", b"k") == b"v"


def test_client_alias_without_host_does_not_warn(db_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        treestore.TreeStoreClient(db_path, durability="relaxed").close()


def test_client_alias_passes_options_through(tmp_path):
    with pytest.raises(treestore.NotFoundError):
        treestore.TreeStoreClient(path=str(tmp_path / "missing.tsdb"), create=False)
