"""Fixtures: a fresh database path per test and an open database that is closed afterwards."""

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

import treestore

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    """A path for a new database in the test's own folder."""
    return str(tmp_path / "test.tsdb")


@pytest.fixture
def db(db_path: str) -> Iterator[treestore.TreeStore]:
    """An open database, closed when the test ends."""
    store = treestore.TreeStore(db_path)
    try:
        yield store
    finally:
        store.close()


def reopen(path: str, attempts: int = 200, **options) -> treestore.TreeStore:
    """Opens `path` again right after a close, retrying DatabaseLockedError for up to 2 s.

    Only for databases that were open with durability="relaxed": the engine's WAL flusher thread can
    still hold the database for a moment after close() returns (a treestore-core bug, reported), so an
    immediate reopen in the same process may meet the lock.
    """
    for _ in range(attempts - 1):
        try:
            return treestore.TreeStore(path, **options)
        except treestore.DatabaseLockedError:
            time.sleep(0.01)
    return treestore.TreeStore(path, **options)


def run_python(code: str, **kwargs) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter (the one running the tests) and captures its output."""
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env, **kwargs
    )


DATA = REPO / "examples" / "data"
POLICY = "advanced-imaging-pa"
EFFECTIVE = {"v1": "2023-01-01", "v2": "2024-01-01", "v3": "2025-01-01"}


def sample_file(version: str) -> Path:
    """One version of the sample policy (examples/data)."""
    return DATA / f"{POLICY}_{version}.json"


@pytest.fixture
def policy_db(db: treestore.TreeStore) -> treestore.TreeStore:
    """A database holding the sample policy in three versions with effective dates."""
    for v, start in EFFECTIVE.items():
        db.import_pageindex(sample_file(v), POLICY, v, effective_start=start)
    return db


def small_document(policy: str = "p", version: str = "v1", **extra) -> dict:
    """A three-level document: root -> a, b; a -> a1 (``{"document", "nodes"}``)."""
    doc = {"policy_id": policy, "version_id": version, **extra}
    nodes = [
        {"node_id": "root", "title": "Policy"},
        {"node_id": "a", "parent_id": "root", "title": "Alpha", "page_start": 1, "page_end": 2,
         "summary": "alpha summary", "text": "alpha text about prior authorization", "see_also": ["b"],
         "metadata": {"k": "v"}},
        {"node_id": "a1", "parent_id": "a", "title": "Alpha one", "page_start": 2, "page_end": 2,
         "text": "nested text mentioning radiology"},
        {"node_id": "b", "parent_id": "root", "title": "Beta", "page_start": 3, "page_end": 5,
         "text": "beta text ünïcödé"},
    ]  # fmt: skip
    return {"document": doc, "nodes": nodes}
