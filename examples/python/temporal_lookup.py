"""Temporal lookup: which version of a policy was in force on the date of service, and what did its
submission section say then?

    python examples/python/temporal_lookup.py [DB]
"""

from datetime import date

from sample import POLICY, open_sample

import treestore


def section_in_force(db: treestore.TreeStore, policy_id: str, on: date, node_id: str) -> dict:
    """The node as it read in the version in force on ``on`` (the reasoning service's temporal tool)."""
    version = db.get_version_as_of(policy_id, on)
    node = db.get_node(policy_id, node_id, version["version_id"])
    start = version["effective_start"]  # None when the version has no start of its own
    return {"version": version["version_id"], "effective_from": start.date() if start else None, "node": node}


def main() -> None:
    with open_sample() as db:
        for day in (date(2023, 6, 30), date(2024, 6, 30), date(2025, 6, 30)):
            r = section_in_force(db, POLICY, day, "0006")
            print(f"{day}: version {r['version']} (in force from {r['effective_from']})")
            print(f"  {r['node']['title']}: {r['node']['text'][:90]}...")
        try:
            db.get_version_as_of(POLICY, "2020-01-01")
        except treestore.NotFoundError as e:
            print(f"2020-01-01: {e}")


if __name__ == "__main__":
    main()
