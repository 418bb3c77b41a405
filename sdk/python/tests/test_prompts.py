"""Prompt templates, labels, rendering, usage records and statistics, conversations."""

import pytest

import treestore


@pytest.fixture
def prompts(db):
    db.store_prompt({"name": "judge", "template": "Decide {{case}} under {{policy}}.", "commit_message": "first",
                     "config": {"temperature": 0}})  # fmt: skip
    db.store_prompt({"prompt_id": "judge", "template": "Decide {{case}} under {{policy}} by {{date}}.",
                     "labels": ["production"]})  # fmt: skip
    return db


def test_store_and_get_prompt(prompts):
    p = prompts.get_prompt("judge")
    assert (p["name"], p["version"]) == ("judge", 2) and sorted(p["variables"]) == ["case", "date", "policy"]
    assert "production" in p["labels"]
    v1 = prompts.get_prompt("judge", version=1)
    assert v1["config"] == {"temperature": 0} and v1["commit_message"] == "first"
    assert prompts.get_prompt("judge", label="production")["version"] == 2
    assert [v["version"] for v in prompts.list_prompt_versions("judge")] == [2, 1]
    info = prompts.list_prompts()
    assert info[0]["name"] == "judge" and info[0]["latest_version"] == 2
    with pytest.raises(treestore.NotFoundError):
        prompts.get_prompt("nope")
    with pytest.raises(treestore.NotFoundError):
        prompts.get_prompt("judge", version=9)
    with pytest.raises(treestore.InvalidArgumentError):
        prompts.get_prompt("judge", version=0)
    with pytest.raises(treestore.InvalidArgumentError, match="template"):
        prompts.store_prompt({"name": "x"})


def test_labels(prompts):
    prompts.set_prompt_label("judge", "staging", 1)
    assert prompts.get_prompt("judge", label="staging")["version"] == 1
    assert prompts.remove_prompt_label("judge", "staging") is True
    assert prompts.remove_prompt_label("judge", "staging") is False
    with pytest.raises(treestore.NotFoundError):
        prompts.get_prompt("judge", label="staging")
    with pytest.raises(treestore.NotFoundError):
        prompts.set_prompt_label("judge", "staging", 7)
    with pytest.raises(treestore.InvalidArgumentError):
        prompts.set_prompt_label("judge", "latest", 1)


def test_render_returns_the_string(prompts):
    out = prompts.render_prompt("judge", {"case": "C-1", "policy": "PA", "date": 2024})
    assert out == "Decide C-1 under PA by 2024."
    assert prompts.render_prompt("judge", {"case": "a", "policy": "b"}, version=1) == "Decide a under b."
    with pytest.raises(treestore.InvalidArgumentError, match="date"):
        prompts.render_prompt("judge", {"case": "a", "policy": "b"})
    with pytest.raises(treestore.ArgumentTypeError):
        prompts.render_prompt("judge", ["a"])


def test_diff_and_delete(prompts):
    d = prompts.diff_prompts("judge", 1, 2)
    assert d["variables_added"] == ["date"] and {line["op"] for line in d["lines"]} >= {"insert", "delete"}
    assert prompts.delete_prompt("judge") is True and prompts.delete_prompt("judge") is False


def test_usage_records_and_stats(prompts):
    u = prompts.record_prompt_usage({"name": "judge", "version": 1, "variables": {"case": "a"}, "response": "ok",
                                     "latency_ms": 100, "input_tokens": 10, "output_tokens": 5, "case_id": "c1"})  # fmt: skip
    assert (u["name"], u["version"]) == ("judge", 1) == (u["prompt_name"], u["prompt_version"])
    prompts.record_prompt_usage({"prompt_name": "judge", "latency_ms": 300, "score": 0.5})
    assert prompts.get_prompt_usage(u["usage_id"])["response"] == "ok"
    scored = prompts.score_prompt_usage(u["usage_id"], 1.0)
    assert scored["score"] == 1.0
    assert prompts.score_prompt_usage(u["usage_id"], None)["score"] is None
    assert [x["version"] for x in prompts.list_prompt_usage("judge")] == [2, 1]
    assert len(prompts.list_prompt_usage("judge", 1)) == 1
    assert len(prompts.list_prompt_usage(case_id="c1")) == 1
    st = prompts.get_prompt_stats("judge", 2)
    assert st["count"] == 1 and st["mean_score"] == 0.5 and st["mean_latency_ms"] == 300
    assert [s["prompt_version"] for s in prompts.get_prompt_stats("judge")] == [1, 2]
    assert prompts.delete_prompt_usage(u["usage_id"]) is True
    with pytest.raises(treestore.NotFoundError):
        prompts.get_prompt_usage(u["usage_id"])
    with pytest.raises(treestore.NotFoundError):
        prompts.record_prompt_usage({"name": "nope"})
    with pytest.raises(treestore.InvalidArgumentError):
        prompts.list_prompt_usage()


def test_conversations(db):
    c = db.create_conversation({"user_id": "u1", "title": "first", "tags": ["x"], "id": "c1"})
    assert c["id"] == "c1" and c["message_count"] == 0
    db.create_conversation({"user_id": "u2", "tags": ["y"]})
    m = db.add_message({"conversation_id": "c1", "role": "assistant", "content": "hello"})
    db.add_message({"conversation_id": "c1", "content": "hi"})
    assert db.get_message(m["id"])["role"] == "assistant"
    assert [x["content"] for x in db.list_messages("c1")] == ["hello", "hi"]
    full = db.get_conversation("c1", messages=True)
    assert full["title"] == "first" and len(full["messages"]) == 2
    assert db.get_conversation("c1")["message_count"] == 2
    assert db.update_conversation({"id": "c1", "title": "renamed"})["title"] == "renamed"
    assert [x["id"] for x in db.list_conversations(user_id="u1")] == ["c1"]
    assert len(db.list_conversations(tag="y")) == 1 and len(db.list_conversations()) == 2
    assert db.delete_conversation("c1") is True and db.delete_conversation("c1") is False
    with pytest.raises(treestore.AlreadyExistsError):
        cid = db.list_conversations()[0]["id"]
        db.create_conversation({"user_id": "u", "id": cid})
    with pytest.raises(treestore.NotFoundError):
        db.add_message({"conversation_id": "c1"})
    with pytest.raises(treestore.NotFoundError):
        db.get_conversation("c1")
    with pytest.raises(treestore.InvalidArgumentError, match="role"):
        db.add_message({"conversation_id": cid, "role": "robot"})
