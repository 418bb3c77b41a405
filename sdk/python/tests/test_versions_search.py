"""Versions (as-of in every date form, listing, tags, diffs) and keyword search."""

from datetime import date, datetime, timedelta, timezone

import pytest
from conftest import POLICY

import treestore


def test_version_as_of_accepts_datetime_date_and_iso(policy_db):
    assert policy_db.get_version_as_of(POLICY, "2023-06-30")["version_id"] == "v1"
    assert policy_db.get_version_as_of(POLICY, date(2024, 6, 30))["version_id"] == "v2"
    assert policy_db.get_version_as_of(POLICY, datetime(2025, 2, 1, 8, 30))["version_id"] == "v3"
    aware = datetime(2024, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))  # 2023-12-31T23:30Z
    assert policy_db.get_version_as_of(POLICY, aware)["version_id"] == "v1"
    assert policy_db.get_version_as_of(POLICY, "2024-01-01T00:00:00Z")["version_id"] == "v2"


def test_version_as_of_before_the_first_is_not_found(policy_db):
    with pytest.raises(treestore.NotFoundError, match="in force"):
        policy_db.get_version_as_of(POLICY, "2020-01-01")
    with pytest.raises(treestore.InvalidArgumentError):
        policy_db.get_version_as_of(POLICY, "not a date")
    with pytest.raises(treestore.ArgumentTypeError):
        policy_db.get_version_as_of(POLICY, 1.5)


def test_version_dicts(policy_db):
    versions = policy_db.list_versions(POLICY)
    assert [v["version_id"] for v in versions] == ["v3", "v2", "v1"]
    v = versions[-1]
    assert v["effective_start"] == datetime(2023, 1, 1, tzinfo=timezone.utc)
    assert v["created_at"].tzinfo is timezone.utc and isinstance(v["tags"], list)
    assert policy_db.list_versions(POLICY, limit=1)[0]["version_id"] == "v3"
    assert policy_db.list_versions("nope") == []
    page, cursor = policy_db.list_versions_page(POLICY, limit=2)
    assert len(page) == 2 and cursor
    rest, end = policy_db.list_versions_page(POLICY, limit=2, cursor=cursor)
    assert [v["version_id"] for v in rest] == ["v1"] and end is None
    assert policy_db.latest_version(POLICY)["version_id"] == "v3"
    assert policy_db.get_version(POLICY, "v2")["version_id"] == "v2"
    with pytest.raises(treestore.NotFoundError):
        policy_db.latest_version("nope")
    with pytest.raises(treestore.NotFoundError):
        policy_db.get_version(POLICY, "v9")


def test_tags(policy_db):
    policy_db.tag_version(POLICY, "v2", "approved")
    assert policy_db.get_version_by_tag(POLICY, "approved")["version_id"] == "v2"
    assert "approved" in policy_db.get_version(POLICY, "v2")["tags"]
    policy_db.tag_version(POLICY, "v3", "approved")  # moves
    assert policy_db.get_version_by_tag(POLICY, "approved")["version_id"] == "v3"
    assert policy_db.untag_version(POLICY, "approved") is True
    assert policy_db.untag_version(POLICY, "approved") is False
    with pytest.raises(treestore.NotFoundError):
        policy_db.get_version_by_tag(POLICY, "approved")
    with pytest.raises(treestore.NotFoundError):
        policy_db.tag_version(POLICY, "v9", "x")
    with pytest.raises(treestore.InvalidArgumentError):
        policy_db.tag_version(POLICY, "v1", "")


def test_diff_versions(policy_db):
    d = policy_db.diff_versions(POLICY, "v1", "v2")
    assert (d["policy_id"], d["from_version"], d["to_version"]) == (POLICY, "v1", "v2")
    assert [c["node_id"] for c in d["added"]] == ["0016"] and d["removed"] == []
    changed = {c["node_id"]: c["fields"] for c in d["changed"]}
    assert "text" in changed["0006"]
    d3 = policy_db.diff_versions(POLICY, "v2", "v3")
    assert "0009" in [c["node_id"] for c in d3["removed"]]
    with pytest.raises(treestore.NotFoundError):
        policy_db.diff_versions(POLICY, "v1", "v9")


def test_search_hits_carry_node_score_and_snippet(policy_db):
    hits = policy_db.search(POLICY, "fax", limit=3)
    assert 1 <= len(hits) <= 3
    h = hits[0]
    assert {"node", "score", "snippet", "matched_terms", "policy_id", "version_id", "node_id"} <= set(h)
    assert h["node"]["node_id"] == h["node_id"] and "<b>" in h["snippet"].lower()
    assert isinstance(h["score"], float) and h["score"] > 0
    assert [x["score"] for x in hits] == sorted((x["score"] for x in hits), reverse=True)


def test_search_scopes_and_options(policy_db):
    in_v3 = policy_db.search(POLICY, "portal", version_id="v3")
    assert in_v3 and {h["version_id"] for h in in_v3} == {"v3"}
    assert policy_db.search(None, "portal", limit=2)
    assert policy_db.search(POLICY, "portal", limit=0) == []
    page2 = policy_db.search(POLICY, "portal", limit=1, offset=1)
    assert page2[0]["node_id"] != policy_db.search(POLICY, "portal", limit=1)[0]["node_id"] or \
        page2[0]["version_id"] != policy_db.search(POLICY, "portal", limit=1)[0]["version_id"]
    assert policy_db.search(POLICY, "portal", snippet_chars=0)[0]["snippet"] is None
    assert policy_db.search(POLICY, "portal", include_text=False)[0]["node"]["text"] is None
    assert policy_db.search(POLICY, '"prior authorization" NOT zebra')
    assert policy_db.search(POLICY, "authoriz*")
    assert policy_db.search(POLICY, "zebraquagga") == []


def test_search_errors(policy_db):
    with pytest.raises(treestore.InvalidArgumentError, match="position|character"):
        policy_db.search(POLICY, '"unclosed')
    with pytest.raises(treestore.InvalidArgumentError):
        policy_db.search(None, "x", version_id="v1")
    with pytest.raises(treestore.ArgumentTypeError):
        policy_db.search(POLICY, None)


def test_search_all_with_scopes_and_weights(policy_db):
    hits = policy_db.search_all("portal", limit=5, scopes=[{"policy_id": POLICY, "version_id": "v1"}])
    assert hits and {h["version_id"] for h in hits} == {"v1"}
    title_only = policy_db.search_all("portal", weights={"title": 1, "summary": 0, "text": 0})
    assert isinstance(title_only, list)
    assert policy_db.search_all("portal", policy_id=POLICY, version_id="v2")[0]["version_id"] == "v2"


def test_search_settings(db):
    s = db.search_settings()
    assert s["stemming"] in ("none", "porter") and set(s["weights"]) >= {"title", "summary", "text"}
    s2 = db.configure_search(stemming="porter", weights={"title": 5})
    assert s2["stemming"] == "porter" and s2["weights"]["title"] == 5
    with pytest.raises(treestore.InvalidArgumentError):
        db.configure_search(stemming="klingon")


def test_version_as_of_str_fast_path_agrees_with_every_other_form(policy_db):
    """get_version_as_of sends an exact str straight to the cached ISO parse; a str subclass, the
    equal datetime and the int microseconds take to_micros: all must name the same version, and a
    bad str must still be refused."""

    class Text(str):
        pass

    cases = {
        "2023-06-30": datetime(2023, 6, 30, tzinfo=timezone.utc),
        "2023-12-31T23:59:59.999999Z": datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
        "2024-01-01T00:30:00+01:00": datetime(2023, 12, 31, 23, 30, tzinfo=timezone.utc),
        "2024-01-01 00:00": datetime(2024, 1, 1, tzinfo=timezone.utc),
        "2025-02-01T08:30-0500": datetime(2025, 2, 1, 13, 30, tzinfo=timezone.utc),
    }
    seen = set()
    for text, dt in cases.items():
        want = policy_db.get_version_as_of(POLICY, dt)
        micros = treestore.to_micros(dt)
        assert policy_db.get_version_as_of(POLICY, text) == want, text
        assert policy_db.get_version_as_of(POLICY, Text(text)) == want, text
        assert policy_db.get_version_as_of(POLICY, micros) == want, text
        seen.add(want["version_id"])
    assert seen == {"v1", "v2", "v3"}  # the cases straddle the versions' boundaries
    with pytest.raises(treestore.InvalidArgumentError, match="not ISO 8601"):
        policy_db.get_version_as_of(POLICY, "2024-13-45x")
