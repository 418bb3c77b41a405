"""The document store and the tree queries: shapes, orders, every argument form and error."""

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import POLICY, sample_file, small_document

import treestore

NODE_KEYS = {
    "node_id", "policy_id", "version_id", "parent_id", "title", "page_start", "page_end", "summary", "text",
    "section_path", "child_ids", "depth", "created_at", "updated_at", "see_also", "metadata",
}  # fmt: skip
VERSION_KEYS = {
    "policy_id", "version_id", "created_at", "created_by", "description", "tags", "effective_start", "effective_end",
}  # fmt: skip


@pytest.fixture
def small(db):
    d = small_document(description="small", tags=["t1"], effective_start=datetime(2024, 1, 1))
    db.store_document(d["document"], d["nodes"])
    return db


def test_store_document_returns_success_and_the_version(db):
    d = small_document()
    r = db.store_document(d["document"], d["nodes"])
    assert r["success"] is True and "4 nodes" in r["message"]
    assert (r["policy_id"], r["version_id"], r["node_count"]) == ("p", "v1", 4)
    assert VERSION_KEYS <= set(r["version"])
    assert r["version"]["root_node_id"] == "root"


def test_store_document_takes_one_combined_dict(db):
    assert db.store_document(small_document())["success"]
    assert db.get_node("p", "a1")["title"] == "Alpha one"


def test_store_documents_in_one_batch(db):
    assert db.store_documents([small_document(version="v1"), small_document(version="v2")]) == 2
    assert [v["version_id"] for v in db.list_versions("p")] == ["v2", "v1"]


def test_get_document_returns_header_and_nodes_in_preorder(small):
    doc = small.get_document("p")
    assert set(doc) == {"document", "nodes"}
    assert doc["document"]["description"] == "small" and doc["document"]["tags"] == ["t1"]
    assert doc["document"]["effective_start"] == datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert [n["node_id"] for n in doc["nodes"]] == ["root", "a", "a1", "b"]


def test_node_dict_has_every_key_and_types(small):
    n = small.get_node("p", "a")
    assert set(n) == NODE_KEYS
    assert n["parent_id"] == "root" and n["depth"] == 1 and n["section_path"] == "1"
    assert (n["page_start"], n["page_end"]) == (1, 2)
    assert n["child_ids"] == ["a1"] and n["see_also"] == ["b"] and n["metadata"] == {"k": "v"}
    assert n["summary"] == "alpha summary" and n["text"].startswith("alpha text")
    assert n["created_at"].tzinfo is timezone.utc and n["updated_at"].tzinfo is timezone.utc
    root = small.get_node("p", "root")
    assert root["parent_id"] is None and root["page_start"] is None and root["summary"] is None
    assert root["section_path"] == "" and root["depth"] == 0


def test_non_ascii_text_round_trips(small):
    assert small.get_node("p", "b")["text"] == "beta text ünïcödé"
    assert [n["title"] for n in small.get_children("p", "root")] == ["Alpha", "Beta"]


def test_strings_of_every_length_and_kind_round_trip(db):
    """_speedups makes ASCII strs straight from the result's bytes and decodes the rest: every
    length around its word and chunk sizes, with a non-ASCII character at each place, reads back
    equal (through a large subtree, the links path, and through get_node)."""
    texts = ["x" * k for k in range(100)]  # with the rest, over 128 nodes (the links path)
    for k in (1, 7, 8, 9, 31, 32, 33, 40, 65):
        for at in {0, k // 2, k - 1}:
            texts.append("a" * at + "é" + "b" * (k - 1 - at))
            texts.append("a" * at + "\U0001f600" + "b" * (k - 1 - at))
    nodes = [{"node_id": "root", "title": "Root"}]
    for i, t in enumerate(texts):
        nodes.append({"node_id": f"n{i}", "parent_id": "root", "title": t, "summary": t[::-1], "text": t})
    db.store_document({"policy_id": "p", "version_id": "v1"}, nodes)
    got = db.get_subtree("p", "root")
    assert len(got) == len(texts) + 1
    for n, t in zip(got[1:], texts):
        assert (n["title"], n["summary"], n["text"]) == (t, t[::-1], t)
        assert n["text"].isascii() == t.isascii() and hash(n["text"]) == hash(t)
    for i in (0, 20, 69, len(texts) - 1):
        assert db.get_node("p", f"n{i}")["title"] == texts[i]


def test_get_node_takes_ids_of_every_kind_and_names_bad_ones(small):
    """str ids go to C as str; subclasses, non-ASCII ids and lone surrogates are handled too."""

    class Sub(str):
        pass

    assert small.get_node(Sub("p"), Sub("b"))["node_id"] == "b"
    assert small.get_node("p", "b", None)["node_id"] == small.get_node("p", "b", "v1")["node_id"]
    with pytest.raises(treestore.NotFoundError):
        small.get_node("p", "nœud")
    with pytest.raises(treestore.InvalidArgumentError, match="UTF-8"):
        small.get_node("p", "bad\ud800")
    with pytest.raises(treestore.InvalidArgumentError, match="UTF-8"):
        small.get_node("p", "b", "v\udfff")
    with pytest.raises(treestore.ArgumentTypeError):
        small.get_node("p", 7)
    with pytest.raises(treestore.ArgumentTypeError):
        small.get_node(b"p", "b")


def test_tree_queries_take_ids_of_every_kind_and_name_bad_ones(small):
    """children, subtree, ancestors and version_as_of pass str ids to C as str: subclasses,
    non-ASCII ids, lone surrogates and bad types are each handled or named."""

    class Sub(str):
        pass

    kids = [n["node_id"] for n in small.get_children("p", "root")]
    assert [n["node_id"] for n in small.get_children(Sub("p"), Sub("root"), Sub("v1"))] == kids
    assert small.get_subtree(Sub("p"), Sub("b"), 0, Sub("v1"))[0]["node_id"] == "b"
    assert small.get_ancestor_path(Sub("p"), Sub("b"), Sub("v1"))[-1]["node_id"] == "b"
    assert small.get_version_as_of(Sub("p"), "2999-01-01")["version_id"] == "v1"
    calls = [
        lambda i: small.get_children("p", i),
        lambda i: small.get_subtree("p", i),
        lambda i: small.get_ancestor_path("p", i),
    ]
    for call in calls:
        with pytest.raises(treestore.NotFoundError):
            call("nœud")
        with pytest.raises(treestore.InvalidArgumentError, match="UTF-8"):
            call("bad\ud800")
        with pytest.raises(treestore.ArgumentTypeError):
            call(7)
        with pytest.raises(treestore.ArgumentTypeError):
            call(b"b")
    for call in calls[1:]:
        with pytest.raises(treestore.ArgumentTypeError, match="node_id"):
            call(None)
    with pytest.raises(treestore.ArgumentTypeError, match="policy_id"):
        small.get_children(b"p", "root")
    with pytest.raises(treestore.ArgumentTypeError, match="version_id"):
        small.get_node("p", "b", b"v1")
    with pytest.raises(treestore.ArgumentTypeError, match="version_id"):
        small.get_subtree("p", "b", 0, 1)
    with pytest.raises(treestore.InvalidArgumentError, match="UTF-8"):
        small.get_children("p", "root", "v\udfff")
    with pytest.raises(treestore.InvalidArgumentError, match="UTF-8"):
        small.get_version_as_of("p\ud800", "2999-01-01")
    with pytest.raises(treestore.ArgumentTypeError):
        small.get_version_as_of(b"p", "2999-01-01")
    with pytest.raises(treestore.NotFoundError):
        small.get_version_as_of("pœ", "2999-01-01")


def test_get_nodes_by_id_leaves_out_missing(small):
    got = small.get_nodes("p", ["b", "ghost", "a"])
    assert list(got) == ["b", "a"]
    assert got["a"]["text"]
    assert small.get_nodes("p", ["a"], include_text=False)["a"]["text"] is None
    with pytest.raises(treestore.ArgumentTypeError):
        small.get_nodes("p", "a")
    with pytest.raises(treestore.ArgumentTypeError):
        small.get_nodes("p", [1])
    with pytest.raises(treestore.NotFoundError):
        small.get_nodes("nope", ["a"])


def test_children_subtree_ancestors(small):
    assert [n["node_id"] for n in small.get_children("p")] == ["a", "b"]
    assert [n["node_id"] for n in small.get_children("p", "a")] == ["a1"]
    assert small.get_children("p", "b") == []
    assert [n["node_id"] for n in small.get_subtree("p", "root")] == ["root", "a", "a1", "b"]
    assert [n["node_id"] for n in small.get_subtree("p", "root", max_depth=1)] == ["root", "a", "b"]
    assert all(n["text"] is None for n in small.get_subtree("p", "root", include_text=False))
    assert [n["node_id"] for n in small.get_ancestor_path("p", "a1")] == ["root", "a", "a1"]


def test_pages_and_section_paths(small):
    assert [n["node_id"] for n in small.get_nodes_by_page("p", 2)] == ["a", "a1"]
    assert small.get_nodes_by_page("p", 99) == []
    assert [n["node_id"] for n in small.get_nodes_by_pages("p", "1,4-5")] == ["a", "b"]
    assert [n["node_id"] for n in small.get_nodes_by_pages("p", [1, (4, 5)])] == ["a", "b"]
    assert [n["node_id"] for n in small.get_nodes_by_pages("p", 3)] == ["b"]
    assert small.get_node_by_section_path("p", "1.1")["node_id"] == "a1"
    with pytest.raises(treestore.InvalidArgumentError):
        small.get_nodes_by_pages("p", "x-")
    with pytest.raises(treestore.ArgumentTypeError):
        small.get_nodes_by_pages("p", [object()])
    with pytest.raises(treestore.InvalidArgumentError):
        small.get_nodes_by_page("p", -1)


@pytest.mark.parametrize(
    "call",
    [
        lambda db: db.get_node("p", "ghost"),
        lambda db: db.get_node("nope", "a"),
        lambda db: db.get_node("p", "a", "v9"),
        lambda db: db.get_children("p", "ghost"),
        lambda db: db.get_subtree("p", "ghost"),
        lambda db: db.get_ancestor_path("p", "ghost"),
        lambda db: db.get_document("p", "v9"),
        lambda db: db.get_structure("nope"),
        lambda db: db.get_node_by_section_path("p", "9.9"),
        lambda db: db.export_pageindex("nope"),
    ],
)
def test_missing_things_raise_not_found_which_is_a_key_error(small, call):
    with pytest.raises(treestore.NotFoundError) as e:
        call(small)
    assert isinstance(e.value, KeyError) and e.value.status == 200 and str(e.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda db: db.get_node(1, "a"),
        lambda db: db.get_node("p", None),
        lambda db: db.get_subtree("p", "a", max_depth="1"),
        lambda db: db.get_subtree("p", "a", max_depth=-1),
        lambda db: db.get_structure("p", limit=-1),
        lambda db: db.store_document(["not", "a", "dict"]),
        lambda db: db.store_document({"policy_id": "p"}, [{"node_id": "x", "title": 5}]),
        lambda db: db.store_document({"policy_id": "p", "version_id": "v"}, [{"node_id": "x", "parent_id": "ghost"}]),
        lambda db: db.store_document({"policy_id": "p", "version_id": "v", "when": object()}, []),
        lambda db: db.store_documents("x"),
    ],
)
def test_bad_arguments_raise_invalid_argument_which_is_a_value_error(small, call):
    with pytest.raises(treestore.InvalidArgumentError) as e:
        call(small)
    assert isinstance(e.value, ValueError) and str(e.value)


def test_invalid_document_names_node_and_field_and_writes_nothing(db):
    with pytest.raises(treestore.InvalidArgumentError, match="title"):
        db.store_document({"policy_id": "p", "version_id": "v"}, [{"node_id": "x", "title": 5}])
    assert db.list_versions("p") == []


def test_delete_document(small):
    d = small_document(version="v2")
    small.store_document(d)
    r = small.delete_document("p", "v1")
    assert r == {"success": True, "message": "deleted 1 version(s) of version v1 of p", "deleted_versions": 1}
    assert small.delete_document("p", "v1")["success"] is False
    assert small.delete_document("p")["deleted_versions"] == 1
    with pytest.raises(treestore.NotFoundError):
        small.get_document("p")


def test_structure_pages_with_a_cursor(policy_db):
    first = policy_db.get_structure(POLICY, "v1", limit=5)
    assert first["total"] == 17 and len(first["nodes"]) == 5 and first["next_cursor"]
    assert all(n["text"] is None for n in first["nodes"])
    seen = [n["node_id"] for n in first["nodes"]]
    cursor = first["next_cursor"]
    while cursor:
        page = policy_db.get_structure(POLICY, "v1", limit=5, cursor=cursor)
        seen += [n["node_id"] for n in page["nodes"]]
        cursor = page["next_cursor"]
    assert len(seen) == 17 == len(set(seen))
    cut = policy_db.get_structure(POLICY, "v1", summary_chars=10)["nodes"]
    assert max(len(n["summary"] or "") for n in cut) <= 11
    assert all(n["summary"] is None for n in policy_db.get_structure(POLICY, summary_chars=0)["nodes"])


def test_import_from_path_str_text_dict_and_bytes(db, tmp_path):
    path = sample_file("v1")
    text = path.read_text()
    assert db.import_pageindex(path, "a", "v")["version_id"] == "v"
    assert db.import_pageindex(str(path), "b", "v")["policy_id"] == "b"
    assert db.import_pageindex(text, "c", "v")["root_node_id"]
    assert db.import_pageindex(json.loads(text), "d", "v")
    assert db.import_pageindex(text.encode(), "e", "v")
    counts = {p: len(db.get_document(p)["nodes"]) for p in "abcde"}
    assert set(counts.values()) == {17}


def test_import_sets_effective_dates_created_by_and_description(db):
    v = db.import_pageindex(
        sample_file("v1"), "p", "v1", datetime(2023, 1, 1, 12), "2023-12-31T00:00:00Z", created_by="me",
        description="ignored when PageIndex has one",
    )  # fmt: skip
    assert v["effective_start"] == datetime(2023, 1, 1, 12, tzinfo=timezone.utc)
    assert v["effective_end"] == datetime(2023, 12, 31, tzinfo=timezone.utc)
    assert v["created_by"] == "me"


def test_import_errors(db, tmp_path):
    with pytest.raises(treestore.NotFoundError, match="neither an existing file"):
        db.import_pageindex("no/such/file.json", "p", "v")
    with pytest.raises(FileNotFoundError):
        db.import_pageindex(Path(tmp_path / "missing.json"), "p", "v")
    with pytest.raises(treestore.InvalidArgumentError, match="line"):
        db.import_pageindex("{not json", "p", "v")
    with pytest.raises(treestore.ArgumentTypeError):
        db.import_pageindex(12, "p", "v")
    with pytest.raises(treestore.InvalidArgumentError):
        db.import_pageindex(sample_file("v1"), "p", "v", effective_start="yesterday")


def test_export_gives_the_file_back_byte_for_byte(policy_db):
    for v in ("v1", "v2", "v3"):
        assert policy_db.export_pageindex(POLICY, v) == sample_file(v).read_text(encoding="utf-8")
    compact = policy_db.export_pageindex(POLICY, pretty=False, ascii=False)
    assert "\n" not in compact and json.loads(compact)["doc_name"]


def test_speedups_fast_entry_points_take_only_exact_str_ids(small):
    """node_get/tree_query/version_as_of return None (the SDK's checked path) for ids that are not
    exactly str or not strictly encodable; their *_any twins take UTF-8 bytes."""
    sp = pytest.importorskip("treestore._speedups")
    from treestore._decode import _loads, to_datetime

    class Sub(str):
        pass

    a = small._h.addr
    assert sp.node_get(a, 0, "p", None, "b", to_datetime)["node_id"] == "b"
    for bad in (Sub("p"), b"p", "p\ud800", None, 7):
        assert sp.node_get(a, 0, bad, None, "b", to_datetime) is None
        assert sp.tree_query(1, a, 0, bad, None, "b", 0, True, to_datetime) is None
        assert sp.version_as_of(a, 0, bad, 2**62, to_datetime, _loads) is None
    assert sp.tree_query(1, a, 0, "p", None, None, 0, True, to_datetime) is None  # subtree needs a node
    kids = sp.tree_query(0, a, 0, "p", None, None, 0, True, to_datetime)  # the root's children
    assert [n["node_id"] for n in kids] == ["a", "b"]
    assert sp.node_get_any(a, 0, b"p", b"v1", b"b", to_datetime)["node_id"] == "b"
    assert sp.tree_query_any(2, a, 0, b"p", None, b"b", 0, True, to_datetime)[-1]["node_id"] == "b"
    assert sp.version_as_of_any(a, 0, b"p", 2**62, to_datetime, _loads)["version_id"] == "v1"


def test_ids_decoded_across_calls_follow_each_result(db):
    """The C decoder reuses the ids it decoded last (policy, version, parent, node) across calls: each
    result still carries its own, for ids of every length and script."""
    long_id = "x" * 70 + "é"
    for policy, version in (("p", "v1"), ("q", "v2"), (long_id, long_id), ("pé", "v1")):
        d = small_document(policy, version)
        db.store_document(d["document"], d["nodes"])
    for _ in range(2):
        for policy, version in (("p", "v1"), ("q", "v2"), (long_id, long_id), ("pé", "v1"), ("p", "v1")):
            n = db.get_node(policy, "a1")
            got = (n["policy_id"], n["version_id"], n["node_id"], n["parent_id"])
            assert got == (policy, version, "a1", "a")
            path = db.get_ancestor_path(policy, "a1")
            got_path = [(x["node_id"], x["parent_id"]) for x in path]
            assert got_path == [("root", None), ("a", "root"), ("a1", "a")]
            assert {x["policy_id"] for x in path} == {policy} and {x["version_id"] for x in path} == {version}
            kids = db.get_children(policy, "root", version)
            assert [(x["node_id"], x["parent_id"]) for x in kids] == [("a", "root"), ("b", "root")]
