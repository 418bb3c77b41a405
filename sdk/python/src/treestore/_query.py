"""The query engine (a node with everything known about it; the nodes related to a criterion) and the
whole-database operations that return records: backup, metrics, health.
"""

import os
from typing import Dict, Iterable, List, Optional, Union

from ._call import _Calls, dumps, first, limit_arg, opt_arg, s_arg
from ._decode import take_full, take_records, take_string
from ._native import lib
from .errors import ArgumentTypeError
from .types import BackupReport, EnrichedNode, Health, RelatedNode

__all__ = ["_Query"]


class _Query(_Calls):
    """Query engine and database reports (mixed into :class:`~treestore.TreeStore`)."""

    def enriched_node(
        self, policy_id: str, node_id: str, version_id: Optional[str] = None, *, limit: int = 100
    ) -> EnrichedNode:
        """Node ``node_id`` with its ``version``, its ``metadata`` entries (entity type ``node``, id
        ``policy/node``), its ``cross_references`` (both directions, at most ``limit``) and
        ``cross_references_cursor`` (None, or the cursor of the next page of them)."""
        p, n = s_arg(policy_id, "policy_id"), s_arg(node_id, "node_id")
        records, nodes, _t, _c, _s = self._q(
            take_full, lib.treestore_node_enriched, p, len(p), *opt_arg(version_id, "version_id"),
            n, len(n), limit_arg(limit),
        )  # fmt: skip
        r = first(records)
        return {
            "node": nodes[0],  # type: ignore[typeddict-item]
            "version": r["version"][0],
            "metadata": r["metadata"],
            "cross_references": r["cross_references"],
            "cross_references_cursor": r.get("cross_references_cursor"),
        }

    def find_related(
        self,
        policy_id: str,
        criterion_id: str,
        tokens: Optional[Iterable[str]] = None,
        limit: int = 20,
        version_id: Optional[str] = None,
    ) -> List[RelatedNode]:
        """The nodes related to ``criterion_id``, in the reasoning service's order: curated
        cross-references, keyword hits of ``tokens`` (best first), siblings of those hits, then the
        criterion's ``see_also`` nodes; each once, at most ``limit`` (1 to 1,000). Each item is
        ``{"node" (without text), "reason", ...}`` with ``reference_type``, ``score`` or
        ``hit_node_id`` by reason."""
        if isinstance(tokens, str):
            raise ArgumentTypeError("tokens must be a list of str, not one str")
        toks = [] if tokens is None else list(tokens)
        p, c, j = s_arg(policy_id, "policy_id"), s_arg(criterion_id, "criterion_id"), dumps(toks, "tokens")
        records, nodes, _t, _c, _s = self._q(
            take_full, lib.treestore_node_related, p, len(p), *opt_arg(version_id, "version_id"),
            c, len(c), j, len(j), limit_arg(limit, "limit", 1),
        )  # fmt: skip
        for r, n in zip(records, nodes):
            r["node"] = n
        return records  # type: ignore[return-value]

    def backup(self, dest: Union[str, "os.PathLike[str]"]) -> BackupReport:
        """Writes a consistent, compacted copy of the latest snapshot to a new file ``dest`` while
        other threads go on. :class:`AlreadyExistsError` when ``dest`` exists."""
        try:
            d = s_arg(os.fspath(dest), "dest")
        except TypeError:
            raise ArgumentTypeError(f"dest must be str or os.PathLike, not {type(dest).__name__}") from None
        return first(self._dbq(take_records, lib.treestore_db_backup, d, len(d)))  # type: ignore

    def metrics(self) -> str:
        """Every metric in the Prometheus text format (0.0.4): ``treestore_op_duration_seconds``
        histograms per operation, ``_total`` counters, page and WAL gauges."""
        return self._dbq(take_string, lib.treestore_db_metrics_text)

    def health(self) -> Health:
        """``{"healthy", "version", "uptime_seconds", "read_only", "poisoned",
        "last_checkpoint_age_seconds", "wal_bytes", "live_readers"}``. ``healthy`` means open and
        writable (not read-only, not stopped by an I/O failure). A closed database raises
        :class:`ClosedError`."""
        return first(self._dbq(take_records, lib.treestore_db_health))  # type: ignore[return-value]


def _operation_counts(metrics: str) -> Dict[str, int]:
    """``{op: calls}`` from the ``treestore_op_duration_seconds_count`` lines of the metrics text."""
    out: Dict[str, int] = {}
    prefix = 'treestore_op_duration_seconds_count{op="'
    for line in metrics.splitlines():
        if line.startswith(prefix):
            end = line.index('"', len(prefix))
            out[line[len(prefix) : end]] = int(float(line.rsplit(" ", 1)[1]))
    return out

