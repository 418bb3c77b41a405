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
