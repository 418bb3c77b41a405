"""An adapter with the methods the reasoning service's client protocol uses, written on the SDK.

The service talks to a ``PolicyStore`` protocol; this class implements it on an embedded TreeStore,
so switching from the planned networked client is a change of constructor. Missing things are
``None`` (or left out of lists) rather than exceptions, as the protocol expects.

    python examples/python/adapter.py [DB]
"""

from datetime import date, datetime
from typing import Any, Dict, List, Optional, Sequence, Union

from sample import POLICY, open_sample

import treestore


class TreeStoreAdapter:
    """The service's policy-store protocol over :class:`treestore.TreeStore`."""

    def __init__(self, db: treestore.TreeStore) -> None:
        self.db = db

    def get_version_as_of(self, policy_id: str, as_of: Union[datetime, date, str]) -> Optional[Dict[str, Any]]:
        """The version in force at ``as_of``, or None."""
        try:
            return dict(self.db.get_version_as_of(policy_id, as_of))
        except treestore.NotFoundError:
            return None

    def latest_version(self, policy_id: str) -> Optional[Dict[str, Any]]:
        """The newest version, or None for an unknown policy."""
        try:
            return dict(self.db.latest_version(policy_id))
        except treestore.NotFoundError:
            return None

    def get_node(self, policy_id: str, node_id: str, version_id: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """One node with text, or None."""
        try:
            return dict(self.db.get_node(policy_id, node_id, version_id))
        except treestore.NotFoundError:
            return None

    def get_nodes(self, policy_id: str, node_ids: Sequence[str], version_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """The nodes that exist, in the order asked."""
        try:
            return list(self.db.get_nodes(policy_id, list(node_ids), version_id).values())  # type: ignore[arg-type]
        except treestore.NotFoundError:
            return []

    def search_nodes(self, policy_id: str, query: str, limit: int = 10, version_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Hits as ``{"node", "score", "snippet"}``, best first."""
        hits = self.db.search(policy_id, query, limit, version_id)
        return [{"node": h["node"], "score": h["score"], "snippet": h["snippet"]} for h in hits]

    def find_related_nodes(
        self, policy_id: str, criterion_id: str, tokens: Sequence[str] = (), limit: int = 10,
        version_id: Optional[str] = None,
    ) -> List[Dict[str, Any]]:  # fmt: skip
        """Related nodes with their reason, in the service's order."""
        try:
            return [dict(r) for r in self.db.find_related(policy_id, criterion_id, list(tokens), limit, version_id)]
        except treestore.NotFoundError:
            return []


def main() -> None:
    with open_sample() as db:
        store = TreeStoreAdapter(db)
        v = store.get_version_as_of(POLICY, "2024-03-01")
        print("in force 2024-03-01:", v and v["version_id"])
        latest, node = store.latest_version(POLICY), store.get_node(POLICY, "0012")
        print("latest:", latest and latest["version_id"], "| unknown policy:", store.latest_version("nope"))
        print("get_node 0012:", node and node["title"], "| missing:", store.get_node(POLICY, "zzz"))
        print("get_nodes:", [n["node_id"] for n in store.get_nodes(POLICY, ["0012", "zzz", "0013"])])
        for h in store.search_nodes(POLICY, "calendar days", limit=3, version_id="v3"):
            print(f"  search: {h['node']['node_id']} {h['score']:.2f} {h['snippet'][:60]}")
        related = store.find_related_nodes(POLICY, "0012", ["urgent"], limit=3)
        print("related to 0012:", [(r["reason"], r["node"]["node_id"]) for r in related])


if __name__ == "__main__":
    main()
