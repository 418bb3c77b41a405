"""search_unified: one query over document nodes, tool results, prompts and trajectory steps; its
filters, paging through next_cursor, bad input; and the cross-reference cursor of enriched_node."""

import pytest

import treestore

DOC = {
    "document": {"policy_id": "p1", "version_id": "v1"},
    "nodes": [
        {"node_id": "r", "title": "Prior authorization", "text": "Scope."},
        {"node_id": "a", "parent_id": "r", "title": "Imaging", "text": "MRI of the knee needs review."},
    ],
}


@pytest.fixture
def udb(db: treestore.TreeStore) -> treestore.TreeStore:
    db.store_document(DOC)
    db.store_tool_result({
        "execution_id": "t1", "tool_name": "search_policy", "policy_id": "p1", "case_id": "c1",
        "result_data": {"found": "knee imaging"}, "success": True,
    })  # fmt: skip
    db.store_tool_result({
        "execution_id": "t2", "tool_name": "search_policy", "result_data": None, "success": False,
        "error_message": "knee section not found",
    })  # fmt: skip
    db.store_prompt({"name": "knee_triage", "template": "Triage the knee case {{case}}", "commit_message": "first"})
    db.store_trajectory({
        "trajectory_id": "tr", "case_id": "c1", "steps": [{"action": "open", "observation": "knee limits apply"}],
    })  # fmt: skip
    return db


def _by_id(page):
    return {h["id"]: h for h in page["hits"]}


def test_hits_of_every_kind_best_first(udb):
    page = udb.search_unified("knee")
    assert page["next_cursor"] is None
    hits = _by_id(page)
    assert set(hits) == {"p1/v1/a", "t1", "t2", "knee_triage:1", "tr:1"}
    scores = [h["score"] for h in page["hits"]]
    assert scores == sorted(scores, reverse=True) and all(0.0 <= s < 1.0 for s in scores)
    node = hits["p1/v1/a"]
    assert (node["kind"], node["policy_id"], node["version_id"], node["node_id"]) == ("node", "p1", "v1", "a")
    assert node["execution_id"] is None and node["prompt_name"] is None and node["step_number"] is None
    assert node["snippet"] == "MRI of the <b>knee</b> needs review."
    assert node["bm25"] > 0 and "knee" in node["matched_terms"]
    assert hits["t2"]["kind"] == "tool_result" and hits["t2"]["snippet"] == "<b>knee</b> section not found"
    assert (hits["knee_triage:1"]["prompt_name"], hits["knee_triage:1"]["prompt_version"]) == ("knee_triage", 1)
    step = hits["tr:1"]
    assert (step["kind"], step["trajectory_id"], step["step_number"]) == ("trajectory_step", "tr", 1)


@pytest.mark.parametrize(
    "options,expected",
    [
        ({"case_id": "c1"}, {"t1", "tr:1"}),
        ({"kinds": ["prompt", "node"], "policy_id": "p1"}, {"p1/v1/a"}),
        ({"kinds": ["prompt"]}, {"knee_triage:1"}),
        ({"kinds": ["tool_result"]}, {"t1", "t2"}),
        ({"policy_id": "p1", "version_id": "v1", "kinds": ["node"]}, {"p1/v1/a"}),
        ({"policy_id": "p1", "version_id": "v9", "kinds": ["node"]}, set()),
        ({"kinds": []}, {"p1/v1/a", "t1", "t2", "knee_triage:1", "tr:1"}),
    ],
)
def test_filters(udb, options, expected):
    assert set(_by_id(udb.search_unified("knee", **options))) == expected


def test_paging_through_the_cursor_until_exhausted(udb):
    whole = [h["id"] for h in udb.search_unified("knee")["hits"]]
    seen, cursor, pages = [], None, 0
    while True:
        page = udb.search_unified("knee", limit=2, cursor=cursor)
        assert len(page["hits"]) <= 2
        seen += [h["id"] for h in page["hits"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10, "the cursor never ran out"
    assert seen == whole and len(seen) == 5 and pages == 3


def test_a_transaction_sees_its_writes_and_a_rollback_drops_them(udb):
    with pytest.raises(RuntimeError):
        with udb.transaction(write=True):
            udb.store_tool_result({"execution_id": "t9", "tool_name": "lookup", "result_data": {"n": "meniscus"}})
            assert [h["id"] for h in udb.search_unified("meniscus")["hits"]] == ["t9"]
            raise RuntimeError("roll back")
    assert udb.search_unified("meniscus")["hits"] == []
    assert udb.delete_tool_result("t2")
    assert "t2" not in _by_id(udb.search_unified("knee"))


@pytest.mark.parametrize(
    "query,options,field",
    [
        ("knee AND", {}, "character 5"),
        ("knee", {"kinds": ["nodes"]}, "kinds"),
        ("knee", {"limit": 5000}, "limit"),
        ("knee", {"limit": 0}, "limit"),
        ("knee", {"cursor": "zz"}, "cursor"),
        ("knee", {"version_id": "v1"}, "version_id"),
        ("knee", {"snippet_chars": -1}, "snippet_chars"),
    ],
)
def test_bad_input_names_the_field(udb, query, options, field):
    with pytest.raises(treestore.InvalidArgumentError, match=field):
        udb.search_unified(query, **options)


@pytest.mark.parametrize(
    "args,options",
    [((None,), {}), (("knee",), {"kinds": "node"}), (("knee",), {"limit": "2"}), (("knee",), {"case_id": 3})],
)
def test_wrong_types_raise_argument_type_error(udb, args, options):
    with pytest.raises(treestore.ArgumentTypeError):
        udb.search_unified(*args, **options)


def test_closed_database_raises_closed(db_path):
    db = treestore.TreeStore(db_path)
    db.close()
    with pytest.raises(treestore.ClosedError):
        db.search_unified("knee")


def test_enriched_node_carries_the_cross_reference_cursor(db):
    db.store_document(DOC)
    for i in range(3):
        db.store_cross_reference({
            "source_policy_id": f"o{i}", "target_policy_id": "p1", "target_node_id": "a", "reference_type": "cites",
        })  # fmt: skip
    first = db.enriched_node("p1", "a", limit=2)
    assert len(first["cross_references"]) == 2 and first["cross_references_cursor"]
    rest = db.get_cross_references("p1", "a", limit=2, cursor=first["cross_references_cursor"])
    sources = {x["source_policy_id"] for x in first["cross_references"] + rest}
    assert sources == {"o0", "o1", "o2"}
    assert db.enriched_node("p1", "a")["cross_references_cursor"] is None
