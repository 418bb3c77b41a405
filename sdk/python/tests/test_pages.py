"""Paging: every list call returns a ``Page`` (a list with ``next_cursor``) that walks the whole list
when its cursor is passed back, and the paged reads of long trajectories, an entity's metadata and
the policy catalog."""

import pytest

import treestore
from treestore.types import Page

from conftest import small_document


def walk(call, limit, **kwargs):
    """Every item of a paged call, following ``next_cursor``; checks each page's size."""
    items, cursor, pages = [], None, 0
    while True:
        page = call(limit=limit, cursor=cursor, **kwargs)
        assert isinstance(page, Page) and isinstance(page, list) and len(page) <= limit
        items.extend(page)
        pages += 1
        assert pages < 100, "the cursor does not advance"
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


def test_page_is_a_plain_list_with_a_cursor():
    p = Page([1, 2], "abc")
    assert p == [1, 2] and p.next_cursor == "abc" and "abc" in repr(p)
    assert Page().next_cursor is None and Page() == []


def test_trajectory_steps_page_through_a_long_trajectory(db):
    t = db.store_trajectory({"case_id": "c", "steps": [{"action": f"a{i}"} for i in range(23)]})
    tid = t["trajectory_id"]
    whole = db.get_trajectory_steps(tid, limit=0)
    assert [s["step_number"] for s in whole] == list(range(1, 24)) and whole.next_cursor is None
    for limit in (1, 5, 23, 24):
        steps = walk(lambda **kw: db.get_trajectory_steps(tid, **kw), limit)
        assert steps == whole
    assert db.get_trajectory_step(tid, 7)["action"] == "a6"
    assert db.get_trajectory_step(tid, 7) == whole[6]
    with pytest.raises(treestore.NotFoundError, match="step 99"):
        db.get_trajectory_step(tid, 99)
    with pytest.raises(treestore.NotFoundError):
        db.get_trajectory_steps("no-such-trajectory")
    with pytest.raises(treestore.InvalidArgumentError, match="step_number"):
        db.get_trajectory_step(tid, 2**32)
    with pytest.raises(treestore.ArgumentTypeError):
        db.get_trajectory_step(tid, "7")
    with pytest.raises(treestore.InvalidArgumentError, match="cursor"):
        db.get_trajectory_steps(tid, cursor="zz-not-a-cursor")


def test_metadata_pages_of_one_entity(db):
    for i in range(12):
        db.set_metadata("doc", "d1", f"k{i:02}", str(i))
    db.set_metadata("doc", "d2", "other", "x")
    every = db.get_all_metadata("doc", "d1")
    for limit in (1, 4, 12, 13):
        assert walk(lambda **kw: db.get_metadata_page("doc", "d1", **kw), limit) == every
    assert db.get_metadata_page("doc", "none") == []
    with pytest.raises(treestore.InvalidArgumentError, match="entity_type"):
        db.get_metadata_page("", "d1")


def test_policies_in_id_order_a_page_at_a_time(db):
    assert db.list_policies() == [] and db.list_policies().next_cursor is None
    ids = ["b", "a", "a-2", "é", "c"]
    for p in ids:
        db.store_document(small_document(p, "v1"))
        db.store_document(small_document(p, "v2"))
    assert db.list_policies() == sorted(ids, key=lambda s: s.encode())
    for limit in (1, 2, 5, 6):
        assert walk(db.list_policies, limit) == db.list_policies()
    db.delete_document("a")
    assert "a" not in db.list_policies()
    with pytest.raises(treestore.ArgumentTypeError):
        db.list_policies(limit="3")


def test_record_lists_carry_their_cursor(db):
    for i in range(7):
        db.store_tool_result({"tool_name": "t", "policy_id": "p", "executed_at": f"2024-01-{i + 1:02}"})
        db.store_contradiction({"policy_a": "p", "policy_b": "q", "description": f"d{i}",
                                "detected_at": f"2024-02-{i + 1:02}"})  # fmt: skip
        db.store_cross_reference({"source_policy_id": "p", "target_policy_id": f"t{i}"})
    db.store_trajectory({"case_id": "c", "started_at": "2024-01-01"})
    db.store_trajectory({"case_id": "c", "started_at": "2024-01-02"})
    assert walk(db.get_tool_results, 3) == db.get_tool_results(limit=100)
    assert len(db.get_tool_results(limit=3).next_cursor or "") > 0
    assert walk(db.list_contradictions, 2) == db.list_contradictions(limit=100)
    assert walk(lambda **kw: db.get_cross_references("p", **kw), 4) == db.get_cross_references("p", limit=100)
    assert walk(lambda **kw: db.get_trajectories("c", **kw), 1) == db.get_trajectories("c")
