"""The query engine, whole-database operations, the planned client's surface, logging, threads,
closed and read-only databases across every store."""

import os
import inspect
import logging
import threading
from pathlib import Path

import pytest
from conftest import POLICY, reopen, run_python, small_document

import treestore
from treestore import types


def test_find_related_in_the_service_order(policy_db):
    policy_db.store_cross_reference({"source_policy_id": POLICY, "source_node_id": "0008",
                                     "target_policy_id": POLICY, "target_node_id": "0012"})  # fmt: skip
    related = policy_db.find_related(POLICY, "0008", ["urgent"], limit=10)
    assert related[0]["reason"] == "cross_reference" and related[0]["node"]["node_id"] == "0012"
    reasons = [r["reason"] for r in related]
    assert "keyword" in reasons and reasons.index("cross_reference") < reasons.index("keyword")
    kw = next(r for r in related if r["reason"] == "keyword")
    assert kw["score"] > 0 and kw["node"]["text"] is None
    assert len({r["node"]["node_id"] for r in related}) == len(related)
    assert policy_db.find_related(POLICY, "0008", limit=1, version_id="v1")
    with pytest.raises(treestore.NotFoundError):
        policy_db.find_related(POLICY, "ghost")
    with pytest.raises(treestore.InvalidArgumentError):
        policy_db.find_related(POLICY, "0008", limit=0)
    with pytest.raises(treestore.ArgumentTypeError):
        policy_db.find_related(POLICY, "0008", "urgent")


def test_enriched_node(policy_db):
    policy_db.set_metadata("node", f"{POLICY}/0006", "reviewed", True)
    policy_db.store_cross_reference({"source_policy_id": "other", "target_policy_id": POLICY, "target_node_id": "0006"})
    e = policy_db.enriched_node(POLICY, "0006")
    assert e["node"]["node_id"] == "0006" and e["node"]["text"]
    assert e["version"]["version_id"] == "v3"
    assert [m["key"] for m in e["metadata"]] == ["reviewed"]
    assert e["cross_references"][0]["source_policy_id"] == "other"
    assert policy_db.enriched_node(POLICY, "0006", "v1")["version"]["version_id"] == "v1"
    with pytest.raises(treestore.NotFoundError):
        policy_db.enriched_node(POLICY, "ghost")


def test_transaction_spans_stores_and_rolls_back(db):
    with pytest.raises(RuntimeError):
        with db.transaction(write=True):
            db.store_document(small_document())
            db.store_tool_result({"tool_name": "t"})
            raise RuntimeError("abort")
    assert db.list_versions("p") == [] and db.get_tool_results() == []
    with db.transaction(write=True):
        db.store_document(small_document())
        db.store_tool_result({"tool_name": "t"})
        assert db.get_node("p", "a")["title"] == "Alpha"  # the transaction sees its own writes
        assert [n["node_id"] for n in db.get_children("p")] == ["a", "b"]
        assert len(db.get_subtree("p", "root")) == 4 and len(db.get_ancestor_path("p", "a1")) == 3
    assert db.get_node("p", "a") and len(db.get_tool_results()) == 1
    with db.transaction():
        with pytest.raises(treestore.ReadOnlyError):
            db.store_tool_result({"tool_name": "t"})


def test_health_stats_metrics_checkpoint_integrity_backup(policy_db, tmp_path):
    h = policy_db.health()
    assert h["healthy"] is True and h["version"] == treestore.library_version()
    assert isinstance(h["uptime_seconds"], float) and h["last_checkpoint_age_seconds"] is None
    policy_db.get_node(POLICY, "0006")
    st = policy_db.stats()
    assert (st["total_documents"], st["total_versions"]) == (1, 3)
    assert st["total_nodes"] == 17 + 18 + 18
    assert st["db_size_bytes"] > 0 and st["operation_counts"]["get_node"] >= 1
    assert st["engine"]["page_size"] == 4096
    text = policy_db.metrics()
    assert "# TYPE treestore_op_duration_seconds histogram" in text and "treestore_commits_total" in text
    policy_db.checkpoint()
    assert policy_db.health()["last_checkpoint_age_seconds"] is not None
    assert policy_db.check_integrity() == {"ok": True, "errors": []}
    dest = tmp_path / "copy.tsdb"
    report = policy_db.backup(dest)
    assert report["file_bytes"] > 0 and report["entries"] > 0
    with pytest.raises(treestore.AlreadyExistsError):
        policy_db.backup(str(dest))
    with treestore.TreeStore(dest, read_only=True) as copy:
        assert copy.get_node(POLICY, "0006", "v1")["title"] == "Submission Channels"
        assert copy.health()["healthy"] is False  # read-only: not writable
        with pytest.raises(treestore.ReadOnlyError):
            copy.store_tool_result({"tool_name": "t"})
        with pytest.raises(treestore.ReadOnlyError):
            copy.import_pageindex({"structure": []}, "p", "v")


def test_client_alias_maps_host_and_port_to_path(db_path):
    with pytest.warns(DeprecationWarning):
        with treestore.TreeStoreClient(host="localhost", port=50051, path=db_path) as c:
            assert c.store_document(small_document())["success"]
    with treestore.TreeStoreClient(path=db_path) as c:
        assert c.get_node("p", "a")["title"] == "Alpha"
    with pytest.raises(treestore.InvalidArgumentError, match="path="):
        treestore.TreeStoreClient(host="localhost", port=1)


_CALLS = [
    ("store_document", (small_document(),)), ("get_document", ("p",)), ("delete_document", ("p",)),
    ("get_node", ("p", "a")), ("get_nodes", ("p", ["a"])), ("get_children", ("p",)),
    ("get_subtree", ("p", "a")), ("get_ancestor_path", ("p", "a")), ("search", ("p", "x")),
    ("get_nodes_by_page", ("p", 1)), ("get_version_as_of", ("p", "2024-01-01")), ("list_versions", ("p",)),
    ("latest_version", ("p",)), ("store_tool_result", ({"tool_name": "t"},)), ("get_tool_results", ("p",)),
    ("store_trajectory", ({"case_id": "c"},)), ("get_trajectories", ("c",)),
    ("store_cross_reference", ({"source_policy_id": "a", "target_policy_id": "b"},)),
    ("get_cross_references", ("p", "a")),
    ("store_contradiction", ({"policy_a": "a", "policy_b": "b", "description": "d"},)),
    ("list_contradictions", ()), ("store_prompt", ({"name": "n", "template": "t"},)), ("get_prompt", ("n",)),
    ("render_prompt", ("n",)), ("record_prompt_usage", ({"name": "n"},)), ("health", ()), ("stats", ()),
    ("import_pageindex", ("{}", "p", "v")), ("export_pageindex", ("p",)), ("get_structure", ("p",)),
    ("get_nodes_by_pages", ("p", "1")), ("diff_versions", ("p", "a", "b")), ("search_all", ("x",)), ("search_unified", ("x",)),
    ("find_related", ("p", "a")), ("enriched_node", ("p", "a")), ("metrics", ()), ("backup", ("/nonexistent/x",)),
    ("set_metadata", ("a", "b", "c", 1)), ("create_conversation", ({"user_id": "u"},)),
]  # fmt: skip


@pytest.mark.parametrize("name,args", _CALLS, ids=[c[0] for c in _CALLS])
def test_every_method_of_a_closed_database_raises_closed(db_path, name, args):
    db = treestore.TreeStore(db_path)
    db.close()
    with pytest.raises(treestore.ClosedError):
        getattr(db, name)(*args)


def test_every_public_name_has_a_docstring():
    missing = []
    for mod in (treestore, types):
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and not inspect.getdoc(obj):
                missing.append(name)
    for name, fn in inspect.getmembers(treestore.TreeStore, inspect.isfunction):
        if not name.startswith("_") and not inspect.getdoc(fn):
            missing.append(f"TreeStore.{name}")
    assert missing == []
    assert (Path(treestore.__file__).parent / "py.typed").is_file()


def test_engine_logs_reach_the_treestore_logger(db, caplog):
    caplog.set_level(logging.INFO, logger="treestore")
    db.store_document(small_document())
    db.checkpoint()
    lines = [r for r in caplog.records if r.name == "treestore"]
    assert any("checkpoint" in r.getMessage() for r in lines) and all(r.levelno == logging.INFO for r in lines)


def test_set_log_level_stops_forwarding(db, caplog):
    caplog.set_level(logging.DEBUG, logger="treestore")
    try:
        treestore.set_log_level(logging.ERROR)
        db.store_document(small_document())
        db.checkpoint()
        assert not [r for r in caplog.records if r.name == "treestore"]
    finally:
        treestore.set_log_level(logging.DEBUG)


def test_the_library_prints_nothing(tmp_path):
    code = f"""
import treestore
with treestore.TreeStore({str(tmp_path / 'q.tsdb')!r}) as db:
    db.import_pageindex({str(Path(__file__).parents[3] / 'examples/data/advanced-imaging-pa_v1.json')!r}, "p", "v1")
    db.search("p", "fax"); db.checkpoint(); db.metrics()
"""
    out = run_python(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "" and out.stderr == ""


def test_threads_hammering_one_database(policy_db):
    errors = []

    def reader(k):
        try:
            for i in range(150):
                n = policy_db.get_node(POLICY, "0006", ("v1", "v2", "v3")[i % 3])
                assert n["node_id"] == "0006"
                assert [x["node_id"] for x in policy_db.get_ancestor_path(POLICY, "0013")][-1] == "0013"
                if i % 10 == 0:
                    assert policy_db.search(POLICY, "fax", limit=2)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    def writer(k):
        try:
            for i in range(30):
                policy_db.store_tool_result({"tool_name": f"w{k}", "result_data": i, "policy_id": POLICY})
                policy_db.store_document(small_document(policy=f"t{k}", version=f"v{i % 3}"))
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(4)]
    threads += [threading.Thread(target=writer, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(policy_db.get_tool_results(POLICY, limit=0)) == 60
    assert [v["version_id"] for v in policy_db.list_versions("t0")] and policy_db.check_integrity()["ok"]


def test_a_second_process_opening_for_write_is_locked_out(db_path):
    with treestore.TreeStore(db_path) as db:
        db.store_document(small_document())
        out = run_python(
            f"import treestore\ntry:\n    treestore.TreeStore({db_path!r})\nexcept treestore.DatabaseLockedError as e:\n"
            f"    print('locked', e.status)\n"
        )
        assert out.stdout.strip() == "locked 500", out.stderr
    with reopen(db_path) as db:
        assert db.get_node("p", "a")


def test_compact_rewrites_a_closed_database_in_place(db_path):
    with treestore.TreeStore(db_path) as db:
        db.store_document(small_document("p", "v1"))
        for i in range(200):
            db.set_metadata("doc", f"d{i}", "k", "x" * 200)
        db.delete_metadata("doc", "d0")
        for i in range(200):
            db.delete_metadata("doc", f"d{i}")
        db.checkpoint()
    before = os.path.getsize(db_path)
    with treestore.TreeStore(db_path) as held:
        with pytest.raises(treestore.DatabaseLockedError):
            treestore.compact(db_path)
        assert held.get_node("p", "a")["title"] == "Alpha"
    report = treestore.compact(Path(db_path))
    assert report["file_bytes"] == os.path.getsize(db_path) <= before and report["entries"] > 0
    with treestore.TreeStore(db_path) as db:
        assert db.get_node("p", "a")["title"] == "Alpha" and db.get_all_metadata("doc", "d5") == []
        assert db.check_integrity()["ok"]
    with pytest.raises(treestore.ArgumentTypeError):
        treestore.compact(3)  # type: ignore[arg-type]
    with pytest.raises(treestore.TreeStoreError):
        treestore.compact(os.path.join(os.path.dirname(db_path), "missing.tsdb"))


def fill_and_empty(db) -> int:
    """Stores 40 documents, deletes all but the first; returns the file size while open."""
    for p in range(40):
        nodes = [{"node_id": "root", "title": f"Policy {p}"}] + [
            {"node_id": f"n{i}", "parent_id": "root", "title": f"Section {i}",
             "text": f"policy {p} section {i} " + "words of text " * 150}
            for i in range(20)
        ]  # fmt: skip
        db.store_document({"document": {"policy_id": f"p{p}", "version_id": "v1"}, "nodes": nodes})
    for p in range(1, 40):
        db.delete_document(f"p{p}")
    db.checkpoint()
    return os.path.getsize(db.path)


def test_the_last_close_shrinks_a_mostly_free_file_unless_told_not_to(db_path, tmp_path):
    """Closing the only handle moves live pages down and cuts the free end (the engine's
    shrink at close), across the C ABI; the data reads back whole. ``shrink_at_close=False``
    keeps the file as it is."""
    kept = str(tmp_path / "kept.tsdb")
    with treestore.TreeStore(kept, shrink_at_close=False) as db:
        open_size = fill_and_empty(db)
    assert os.path.getsize(kept) == open_size
    with treestore.TreeStore(db_path) as db:
        open_size = fill_and_empty(db)
    closed_size = os.path.getsize(db_path)
    assert closed_size * 2 < open_size, (open_size, closed_size)
    with treestore.TreeStore(db_path) as db:
        assert db.get_node("p0", "n7")["text"].startswith("policy 0 section 7 ")
        with pytest.raises(treestore.NotFoundError):
            db.get_node("p1", "n7")
        assert db.check_integrity()["ok"]
