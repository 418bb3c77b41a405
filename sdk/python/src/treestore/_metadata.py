"""The metadata store: tool results, trajectories, cross-references, contradictions and generic
key/value metadata on any entity.

Records go in as dicts with the engine's field names (see :mod:`treestore.types`); datetimes as
``datetime``, ``date`` or ISO-8601 strings. They come back as dicts with datetimes as timezone-aware
UTC ``datetime`` and JSON fields (``result_data``) parsed.
"""

from typing import Any, Dict, List, Optional

from ._call import _Calls, dumps, first, json_arg, limit_arg, opt_arg, page_json, s_arg
from ._decode import take_page, take_records
from ._native import lib
from .errors import InvalidArgumentError
from .timestamps import TimestampLike, to_micros
from .types import Contradiction, CrossReference, MetadataEntry, Page, ToolResult, Trajectory, TrajectoryStep

__all__ = ["_Metadata"]


class _Metadata(_Calls):
    """Metadata (mixed into :class:`~treestore.TreeStore`)."""

    def _store(self, fn: Any, record: Any, name: str) -> Dict[str, Any]:
        j = json_arg(record, name)
        return first(self._q(take_records, fn, j, len(j)))

    def _by_id(self, fn: Any, ident: str, name: str) -> Dict[str, Any]:
        b = s_arg(ident, name)
        return first(self._q(take_records, fn, b, len(b)))

    def _list(self, fn: Any, query: Dict[str, Any]) -> "Page[Dict[str, Any]]":
        j = dumps({k: v for k, v in query.items() if v is not None}, "query")
        return self._q(take_page, fn, j, len(j))

    def _removed(self, fn: Any, ident: str, name: str) -> bool:
        b = s_arg(ident, name)
        return bool(self._out("flag", fn, b, len(b)))

    # -- tool results ------------------------------------------------------------------------------

    def store_tool_result(self, result: Dict[str, Any]) -> ToolResult:
        """Stores a tool result (``tool_name`` required; ``execution_id`` generated when absent;
        ``result_data`` any JSON value). Durable when it returns (with ``durability="sync"``)."""
        return self._store(lib.treestore_tool_result_store, result, "result")  # type: ignore[return-value]

    def get_tool_result(self, execution_id: str) -> ToolResult:
        """The tool result ``execution_id``; :class:`NotFoundError` when absent."""
        return self._by_id(lib.treestore_tool_result_get, execution_id, "execution_id")  # type: ignore

    def get_tool_results(
        self,
        policy_id: Optional[str] = None,
        tool_name: Optional[str] = None,
        limit: int = 100,
        *,
        case_id: Optional[str] = None,
        success: Optional[bool] = None,
        since: Optional[TimestampLike] = None,
        until: Optional[TimestampLike] = None,
        cursor: Optional[str] = None,
    ) -> "Page[ToolResult]":
        """Tool results newest first, filtered by any of the arguments (None: no filter): a list whose
        ``next_cursor`` continues it (pass it as ``cursor``)."""
        q = {
            "policy_id": policy_id, "tool_name": tool_name, "case_id": case_id, "success": success,
            "since": None if since is None else to_micros(since), "until": None if until is None else to_micros(until),
            "limit": limit_arg(limit), "cursor": cursor,
        }  # fmt: skip
        return self._list(lib.treestore_tool_result_list, q)  # type: ignore[return-value]

    def delete_tool_result(self, execution_id: str) -> bool:
        """Deletes a tool result; returns whether it existed."""
        return self._removed(lib.treestore_tool_result_delete, execution_id, "execution_id")

    def purge_tool_results(self, before: TimestampLike) -> int:
        """Deletes every tool result executed before ``before``; returns how many."""
        return int(self._out("count", lib.treestore_tool_result_purge, to_micros(before)))

    # -- trajectories ------------------------------------------------------------------------------

    def store_trajectory(self, trajectory: Dict[str, Any]) -> Trajectory:
        """Stores a whole trajectory (``case_id`` required; ``trajectory_id`` generated when absent;
        ``steps``: dicts with ``action`` required), replacing one with the same id."""
        return self._store(lib.treestore_trajectory_store, trajectory, "trajectory")  # type: ignore[return-value]

    def append_trajectory_step(self, trajectory_id: str, step: Dict[str, Any]) -> TrajectoryStep:
        """Appends a step (``action`` required) to an open trajectory."""
        t, j = s_arg(trajectory_id, "trajectory_id"), json_arg(step, "step")
        return first(self._q(take_records, lib.treestore_trajectory_append_step, t, len(t), j, len(j)))  # type: ignore

    def complete_trajectory(self, trajectory_id: str, completed_at: Optional[TimestampLike] = None) -> None:
        """Marks a trajectory completed at ``completed_at`` (None: now)."""
        t = s_arg(trajectory_id, "trajectory_id")
        at = 0 if completed_at is None else to_micros(completed_at)
        self._out("", lib.treestore_trajectory_complete, t, len(t), at)

    def get_trajectory(self, trajectory_id: str) -> Trajectory:
        """A trajectory with its steps; :class:`NotFoundError` when absent."""
        return self._by_id(lib.treestore_trajectory_get, trajectory_id, "trajectory_id")  # type: ignore

    def get_trajectories(
        self, case_id: str, limit: int = 100, *, cursor: Optional[str] = None
    ) -> "Page[Trajectory]":
        """The trajectories of a case with their steps, latest started first: a list whose
        ``next_cursor`` continues it."""
        c, j = s_arg(case_id, "case_id"), page_json(limit, cursor)
        return self._q(take_page, lib.treestore_trajectory_list, c, len(c), j, len(j))  # type: ignore

    def get_trajectory_steps(
        self, trajectory_id: str, limit: int = 100, *, cursor: Optional[str] = None
    ) -> "Page[TrajectoryStep]":
        """The steps of a trajectory by step number, a page at a time (for trajectories too long to
        read whole): a list whose ``next_cursor`` continues it. :class:`NotFoundError` when the
        trajectory does not exist."""
        t, j = s_arg(trajectory_id, "trajectory_id"), page_json(limit, cursor)
        return self._q(take_page, lib.treestore_trajectory_list_steps, t, len(t), j, len(j))  # type: ignore

    def get_trajectory_step(self, trajectory_id: str, step_number: int) -> TrajectoryStep:
        """Step ``step_number`` of a trajectory; :class:`NotFoundError` when it does not exist."""
        t = s_arg(trajectory_id, "trajectory_id")
        n = limit_arg(step_number, "step_number")
        if n > 0xFFFFFFFF:
            raise InvalidArgumentError(f"step_number is {n}; it must be below 2^32")
        return first(self._q(take_records, lib.treestore_trajectory_get_step, t, len(t), n))  # type: ignore

    def delete_trajectory(self, trajectory_id: str) -> bool:
        """Deletes a trajectory with its steps; returns whether it existed."""
        return self._removed(lib.treestore_trajectory_delete, trajectory_id, "trajectory_id")

    # -- cross-references --------------------------------------------------------------------------

    def store_cross_reference(self, reference: Dict[str, Any]) -> CrossReference:
        """Stores a cross-reference (``source_policy_id`` and ``target_policy_id`` required;
        ``reference_type`` cites (default), contradicts, supports or see_also)."""
        return self._store(lib.treestore_cross_reference_store, reference, "reference")  # type: ignore

    def get_cross_references(
        self,
        policy_id: str,
        node_id: Optional[str] = None,
        *,
        direction: str = "both",
        reference_type: Optional[str] = None,
        limit: int = 100,
        cursor: Optional[str] = None,
    ) -> "Page[CrossReference]":
        """The cross-references at a policy or node: ``direction`` outgoing, incoming or both;
        ``cursor`` continues a list (e.g. ``cross_references_cursor`` of ``enriched_node``)."""
        q = {
            "policy_id": s_arg(policy_id, "policy_id").decode("utf-8", "surrogatepass"), "node_id": node_id,
            "direction": direction, "reference_type": reference_type, "limit": limit_arg(limit), "cursor": cursor,
        }  # fmt: skip
        return self._list(lib.treestore_cross_reference_list, q)  # type: ignore[return-value]

    def delete_cross_reference(self, reference: Dict[str, Any]) -> bool:
        """Deletes the cross-reference with these ends and type; returns whether it existed."""
        j = json_arg(reference, "reference")
        return bool(self._out("flag", lib.treestore_cross_reference_delete, j, len(j)))

    def delete_cross_references_of_policy(self, policy_id: str) -> int:
        """Deletes every cross-reference from or to ``policy_id``; returns how many."""
        p = s_arg(policy_id, "policy_id")
        return int(self._out("count", lib.treestore_cross_reference_delete_of_policy, p, len(p)))

    # -- contradictions ----------------------------------------------------------------------------

    def store_contradiction(self, contradiction: Dict[str, Any]) -> Contradiction:
        """Stores a contradiction (``policy_a``, ``policy_b``, ``description`` required; ``severity``
        low, medium (default) or high; ``status`` open (default), acknowledged, resolved, dismissed)."""
        return self._store(lib.treestore_contradiction_store, contradiction, "contradiction")  # type: ignore

    def resolve_contradiction(
        self, contradiction_id: str, status: str = "resolved", resolution: Optional[str] = None
    ) -> Contradiction:
        """Moves a contradiction to ``status`` with an optional ``resolution`` note."""
        c, st = s_arg(contradiction_id, "contradiction_id"), s_arg(status, "status")
        return first(  # type: ignore[return-value]
            self._q(take_records, lib.treestore_contradiction_resolve, c, len(c), st, len(st),
                    *opt_arg(resolution, "resolution"))
        )  # fmt: skip

    def get_contradiction(self, contradiction_id: str) -> Contradiction:
        """One contradiction; :class:`NotFoundError` when absent."""
        return self._by_id(lib.treestore_contradiction_get, contradiction_id, "contradiction_id")  # type: ignore

    def list_contradictions(
        self,
        policy_id: Optional[str] = None,
        *,
        severity: Optional[str] = None,
        status: Optional[str] = None,
        since: Optional[TimestampLike] = None,
        until: Optional[TimestampLike] = None,
        limit: int = 100,
        cursor: Optional[str] = None,
    ) -> "Page[Contradiction]":
        """Contradictions newest detected first, filtered by policy (either side), severity, status
        and detection time: a list whose ``next_cursor`` continues it (pass it as ``cursor``)."""
        q = {
            "policy_id": policy_id, "severity": severity, "status": status,
            "limit": limit_arg(limit), "cursor": cursor,
            "since": None if since is None else to_micros(since), "until": None if until is None else to_micros(until),
        }  # fmt: skip
        return self._list(lib.treestore_contradiction_list, q)  # type: ignore[return-value]

    def delete_contradiction(self, contradiction_id: str) -> bool:
        """Deletes a contradiction; returns whether it existed."""
        return self._removed(lib.treestore_contradiction_delete, contradiction_id, "contradiction_id")

    # -- generic metadata --------------------------------------------------------------------------

    def set_metadata(
        self, entity_type: str, entity_id: str, key: str, value: Any, value_type: Optional[str] = None
    ) -> MetadataEntry:
        """Sets ``key`` on an entity. ``value`` is any JSON value (a str is stored as is);
        ``value_type`` (string, int, float, bool, json) defaults to its JSON type."""
        rec: Dict[str, Any] = {"entity_type": entity_type, "entity_id": entity_id, "key": key, "value": value}
        if value_type is not None:
            rec["value_type"] = value_type
        return self._store(lib.treestore_metadata_set, rec, "metadata")  # type: ignore[return-value]

    def get_metadata(self, entity_type: str, entity_id: str, key: str) -> MetadataEntry:
        """The entry ``key`` of an entity; :class:`NotFoundError` when not set."""
        t, i, k = s_arg(entity_type, "entity_type"), s_arg(entity_id, "entity_id"), s_arg(key, "key")
        return first(self._q(take_records, lib.treestore_metadata_get, t, len(t), i, len(i), k, len(k)))  # type: ignore

    def get_all_metadata(self, entity_type: str, entity_id: str) -> List[MetadataEntry]:
        """Every entry of an entity, by key (empty when none)."""
        t, i = s_arg(entity_type, "entity_type"), s_arg(entity_id, "entity_id")
        return self._q(take_records, lib.treestore_metadata_get_all, t, len(t), i, len(i))  # type: ignore

    def get_metadata_page(
        self, entity_type: str, entity_id: str, limit: int = 100, *, cursor: Optional[str] = None
    ) -> "Page[MetadataEntry]":
        """The entries of an entity by key, a page at a time: a list whose ``next_cursor``
        continues it."""
        t, i, j = s_arg(entity_type, "entity_type"), s_arg(entity_id, "entity_id"), page_json(limit, cursor)
        return self._q(take_page, lib.treestore_metadata_list, t, len(t), i, len(i), j, len(j))  # type: ignore

    def delete_metadata(self, entity_type: str, entity_id: str, key: Optional[str] = None) -> int:
        """Deletes ``key`` of an entity (None: every key); returns how many entries went."""
        t, i = s_arg(entity_type, "entity_type"), s_arg(entity_id, "entity_id")
        if key is None:
            return int(self._out("count", lib.treestore_metadata_delete_all, t, len(t), i, len(i)))
        k = s_arg(key, "key")
        return int(bool(self._out("flag", lib.treestore_metadata_delete, t, len(t), i, len(i), k, len(k))))

    def query_metadata(
        self, key: str, value: Optional[str] = None, *, entity_type: Optional[str] = None, limit: int = 100
    ) -> List[MetadataEntry]:
        """Entries with ``key`` on any entity (of ``entity_type``), or only those whose value is
        ``value``."""
        k, j = s_arg(key, "key"), page_json(limit)
        if value is None:
            return self._q(  # type: ignore[return-value]
                take_records,  # type: ignore[arg-type]
                lib.treestore_metadata_query_by_key, *opt_arg(entity_type, "entity_type"), k, len(k), j, len(j),
            )  # fmt: skip
        v = s_arg(value, "value")
        return self._q(  # type: ignore[return-value]
            take_records,  # type: ignore[arg-type]
            lib.treestore_metadata_query_by_key_value, *opt_arg(entity_type, "entity_type"),
            k, len(k), v, len(v), j, len(j),
        )  # fmt: skip

    def find_entities(
        self, filters: Dict[str, str], *, entity_type: Optional[str] = None, limit: int = 100
    ) -> List[Dict[str, str]]:
        """The entities carrying every ``key: value`` of ``filters``: ``[{"entity_type", "entity_id"}]``."""
        q = {"filters": filters, "entity_type": entity_type, "limit": limit_arg(limit)}
        return self._list(lib.treestore_metadata_query_multiple, q)
