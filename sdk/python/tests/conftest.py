"""Fixtures: a fresh database path per test and an open database that is closed afterwards."""

import os
import subprocess
import sys
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


def run_python(code: str, **kwargs) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter (the one running the tests) and captures its output."""
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env, **kwargs
    )
