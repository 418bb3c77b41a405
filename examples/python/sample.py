"""Shared by the examples: open a database (a path from the command line, or a new temporary one)
holding the sample policy of examples/data in its three versions with their effective dates."""

import sys
import tempfile
from pathlib import Path

import treestore

DATA = Path(__file__).resolve().parents[1] / "data"
POLICY = "advanced-imaging-pa"
EFFECTIVE = {"v1": "2023-01-01", "v2": "2024-01-01", "v3": "2025-01-01"}


def open_sample(argv=None) -> treestore.TreeStore:
    """The database named by ``argv[1]``, else a temporary one; the sample policy is imported when
    the database does not hold it yet."""
    argv = sys.argv if argv is None else argv
    path = argv[1] if len(argv) > 1 else str(Path(tempfile.mkdtemp(prefix="treestore-example-")) / "example.tsdb")
    db = treestore.TreeStore(path)
    try:
        db.latest_version(POLICY)
    except treestore.NotFoundError:
        for version, start in EFFECTIVE.items():
            db.import_pageindex(DATA / f"{POLICY}_{version}.json", POLICY, version, effective_start=start)
    return db
