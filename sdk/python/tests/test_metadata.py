"""Tool results, trajectories, cross-references, contradictions and generic metadata."""

from datetime import date, datetime, timezone

import pytest

import treestore


def test_tool_results(db):
    r = db.store_tool_result(
        {"tool_name": "lookup", "policy_id": "p", "case_id": "c1", "result_data": {"found": [1, 2]},
         "duration_ms": 12, "executed_at": datetime(2024, 5, 1, tzinfo=timezone.utc)}
    )  # fmt: skip
    assert r["execution_id"] and r["result_data"] == {"found": [1, 2]} and r["success"] is True
    assert r["executed_at"] == datetime(2024, 5, 1, tzinfo=timezone.utc) and r["duration_ms"] == 12
    db.store_tool_result({"tool_name": "search", "policy_id": "p", "success": False, "error_message": "boom",
                          "executed_at": "2024-06-01"})  # fmt: skip
    db.store_tool_result({"tool_name": "lookup", "policy_id": "q", "executed_at": date(2024, 7, 1)})
    assert db.get_tool_result(r["execution_id"]) == r
    assert [x["tool_name"] for x in db.get_tool_results("p")] == ["search", "lookup"]
    assert [x["policy_id"] for x in db.get_tool_results(tool_name="lookup")] == ["q", "p"]
    assert len(db.get_tool_results("p", "lookup")) == 1
    assert len(db.get_tool_results(limit=1)) == 1
    assert len(db.get_tool_results(case_id="c1")) == 1
    assert db.get_tool_results(success=False)[0]["error_message"] == "boom"
    assert len(db.get_tool_results(since="2024-05-15", until=date(2024, 6, 15))) == 1
    assert db.purge_tool_results("2024-06-15") == 2
    assert db.delete_tool_result(r["execution_id"]) is False
    assert len(db.get_tool_results()) == 1


def test_tool_result_errors(db):
    with pytest.raises(treestore.InvalidArgumentError, match="tool_name"):
        db.store_tool_result({"policy_id": "p"})
    with pytest.raises(treestore.InvalidArgumentError):
        db.store_tool_result("{not json")
    with pytest.raises(treestore.ArgumentTypeError):
        db.store_tool_result(["x"])
    with pytest.raises(treestore.NotFoundError):
        db.get_tool_result("nope")
    with pytest.raises(treestore.InvalidArgumentError):
        db.get_tool_results(limit=-1)


def test_trajectories(db):
    t = db.store_trajectory(
        {"case_id": "c1", "steps": [{"action": "read structure", "tool_name": "tree", "thought": "start"},
                                    {"action": "search", "observation": "3 hits"}]}
    )  # fmt: skip
    tid = t["trajectory_id"]
    assert [s["step_number"] for s in t["steps"]] == [1, 2] and t["completed_at"] is None
    step = db.append_trajectory_step(tid, {"action": "decide"})
    assert step["step_number"] == 3
    db.complete_trajectory(tid, "2099-01-02T03:04:05Z")
    got = db.get_trajectory(tid)
    assert got["completed_at"] == datetime(2099, 1, 2, 3, 4, 5, tzinfo=timezone.utc) and len(got["steps"]) == 3
    with pytest.raises(treestore.InvalidArgumentError):
        db.append_trajectory_step(tid, {"action": "too late"})
    db.store_trajectory({"case_id": "c1", "trajectory_id": "t2"})
    assert {x["trajectory_id"] for x in db.get_trajectories("c1")} == {tid, "t2"}
    assert len(db.get_trajectories("c1", limit=1)) == 1
    assert db.get_trajectories("other") == []
    assert db.delete_trajectory("t2") is True and db.delete_trajectory("t2") is False
    with pytest.raises(treestore.NotFoundError):
        db.get_trajectory("t2")
    with pytest.raises(treestore.NotFoundError):
        db.append_trajectory_step("t2", {"action": "x"})
    with pytest.raises(treestore.NotFoundError):
        db.complete_trajectory("t2")
    with pytest.raises(treestore.InvalidArgumentError, match="case_id"):
        db.store_trajectory({})


def test_cross_references(db):
    ref = {"source_policy_id": "p", "source_node_id": "a", "target_policy_id": "q", "target_node_id": "b",
           "reference_type": "supports", "context": "see q"}  # fmt: skip
    stored = db.store_cross_reference(ref)
    assert stored["reference_type"] == "supports" and stored["created_at"].tzinfo is timezone.utc
    db.store_cross_reference({"source_policy_id": "r", "target_policy_id": "p", "target_node_id": "a"})
    assert len(db.get_cross_references("p", "a")) == 2
    assert len(db.get_cross_references("p", "a", direction="outgoing")) == 1
    assert db.get_cross_references("p", "a", direction="incoming")[0]["source_policy_id"] == "r"
    assert db.get_cross_references("p", reference_type="cites")[0]["reference_type"] == "cites"
    assert db.get_cross_references("q", "b", direction="incoming")[0]["context"] == "see q"
    assert db.delete_cross_reference(ref) is True and db.delete_cross_reference(ref) is False
    assert db.delete_cross_references_of_policy("p") == 1
    assert db.get_cross_references("p") == []
    with pytest.raises(treestore.InvalidArgumentError):
        db.store_cross_reference({"source_policy_id": "p", "target_policy_id": "q", "reference_type": "likes"})
    with pytest.raises(treestore.InvalidArgumentError):
        db.get_cross_references("p", direction="sideways")


def test_contradictions(db):
    c = db.store_contradiction({"policy_a": "p", "policy_b": "q", "node_a": "1", "description": "10 vs 15 days",
                                "severity": "high", "detected_at": "2024-03-01"})  # fmt: skip
    assert c["status"] == "open" and c["severity"] == "high"
    db.store_contradiction({"policy_a": "r", "policy_b": "s", "description": "other", "detected_at": "2024-04-01"})
    assert len(db.list_contradictions()) == 2
    assert [x["policy_a"] for x in db.list_contradictions("q")] == ["p"]
    assert len(db.list_contradictions(severity="high")) == 1
    assert len(db.list_contradictions(since="2024-03-15")) == 1
    r = db.resolve_contradiction(c["contradiction_id"], "resolved", "q wins")
    assert r["status"] == "resolved" and r["resolution"] == "q wins"
    assert db.get_contradiction(c["contradiction_id"])["status"] == "resolved"
    assert len(db.list_contradictions(status="open")) == 1
    assert db.delete_contradiction(c["contradiction_id"]) is True
    with pytest.raises(treestore.NotFoundError):
        db.get_contradiction(c["contradiction_id"])
    with pytest.raises(treestore.NotFoundError):
        db.resolve_contradiction("nope")
    with pytest.raises(treestore.InvalidArgumentError, match="severity"):
        db.store_contradiction({"policy_a": "p", "policy_b": "q", "description": "d", "severity": "huge"})


def test_generic_metadata(db):
    e = db.set_metadata("node", "p/a", "reviewed", True)
    assert (e["value"], e["value_type"]) == ("true", "bool")
    db.set_metadata("node", "p/a", "owner", "ann")
    db.set_metadata("node", "p/b", "owner", "bob")
    db.set_metadata("node", "p/b", "reviewed", "true", value_type="bool")
    db.set_metadata("policy", "p", "pages", 12)
    assert db.get_metadata("node", "p/a", "owner")["value"] == "ann"
    assert [x["key"] for x in db.get_all_metadata("node", "p/a")] == ["owner", "reviewed"]
    assert [x["entity_id"] for x in db.query_metadata("owner")] == ["p/a", "p/b"]
    assert [x["entity_id"] for x in db.query_metadata("owner", "bob")] == ["p/b"]
    assert db.query_metadata("pages", entity_type="node") == []
    found = db.find_entities({"reviewed": "true", "owner": "bob"})
    assert found == [{"entity_type": "node", "entity_id": "p/b"}]
    assert db.delete_metadata("node", "p/a", "owner") == 1
    assert db.delete_metadata("node", "p/a", "owner") == 0
    assert db.delete_metadata("node", "p/b") == 2
    with pytest.raises(treestore.NotFoundError):
        db.get_metadata("node", "p/a", "owner")
    with pytest.raises(treestore.InvalidArgumentError):
        db.set_metadata("node", "p/a", "n", "abc", value_type="int")
    with pytest.raises(treestore.InvalidArgumentError):
        db.find_entities({})
