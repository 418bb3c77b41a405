"""Keyword search (BM25 over titles, summaries and texts) and its settings.

Queries use FTS5's language: bare words are ANDed; ``OR``, ``NOT``, ``"phrases"``, ``prefix*`` and
parentheses. A hit is ``{"node", "score", "snippet", "matched_terms", "policy_id", "version_id",
"node_id"}``, best first; the snippet marks matches with ``<b>``..``</b>``. ``search_unified`` runs one
query over document nodes, tool results, prompt versions and trajectory steps, paged by cursor.
"""

from typing import Any, Dict, List, Optional

from ._call import _Calls, dumps, first, json_arg, limit_arg, opt_arg, s_arg
from ._decode import take_full, take_records
from ._native import lib
from .errors import ArgumentTypeError, InvalidArgumentError
from .types import SearchHit, UnifiedSearchPage

__all__ = ["_Search"]


def _hits(records: List[Dict[str, Any]], nodes: List[Dict[str, Any]]) -> List[SearchHit]:
    for r, n in zip(records, nodes):
        r["node"] = n
    return records  # type: ignore[return-value]


class _Search(_Calls):
    """Search (mixed into :class:`~treestore.TreeStore`)."""

    def search(
        self,
        policy_id: Optional[str],
        query: str,
        limit: int = 10,
        version_id: Optional[str] = None,
        *,
        offset: int = 0,
        snippet_chars: int = 160,
        include_text: bool = True,
    ) -> List[SearchHit]:
        """Hits for ``query`` within ``policy_id`` (None: every policy) and, with it, ``version_id``
        (None: every version), best first: ``[{"node", "score", "snippet", ...}]``. A malformed query
        raises :class:`InvalidArgumentError` naming the character position."""
        if version_id is not None and policy_id is None:
            raise InvalidArgumentError("version_id needs policy_id")
        q = s_arg(query, "query")
        if limit == 0:
            return []
        records, nodes, _t, _c, _s = self._q(
            take_full, lib.treestore_search, *opt_arg(policy_id, "policy_id"), *opt_arg(version_id, "version_id"),
            q, len(q), limit_arg(limit, "limit", 1), limit_arg(offset, "offset"), limit_arg(snippet_chars, "snippet_chars"),
            bool(include_text),
        )  # fmt: skip
        return _hits(records, nodes)

    def search_all(
        self,
        query: str,
        limit: int = 10,
        *,
        offset: int = 0,
        policy_id: Optional[str] = None,
        version_id: Optional[str] = None,
        scopes: Optional[List[Dict[str, str]]] = None,
        weights: Optional[Dict[str, float]] = None,
        snippet_chars: int = 160,
        include_text: bool = True,
    ) -> List[SearchHit]:
        """Searches across policies: ``scopes`` (a list of ``{"policy_id", "version_id"?}``) restricts
        to their union; ``weights`` (``{"title", "summary", "text"}``) overrides the field weights for
        this search."""
        q = s_arg(query, "query")
        opts: Dict[str, Any] = {"limit": limit_arg(limit, "limit", 1), "offset": limit_arg(offset, "offset")}
        for k, v in (("policy_id", policy_id), ("version_id", version_id), ("scopes", scopes), ("weights", weights)):
            if v is not None:
                opts[k] = v
        o = dumps(opts, "options")
        records, nodes, _t, _c, _s = self._q(
            take_full, lib.treestore_search_all, q, len(q), o, len(o), limit_arg(snippet_chars, "snippet_chars"),
            bool(include_text),
        )  # fmt: skip
        return _hits(records, nodes)

    def search_unified(
        self,
        query: str,
        *,
        kinds: Optional[List[str]] = None,
        policy_id: Optional[str] = None,
        version_id: Optional[str] = None,
        case_id: Optional[str] = None,
        limit: int = 10,
        cursor: Optional[str] = None,
        snippet_chars: Optional[int] = None,
    ) -> UnifiedSearchPage:
        """One page of hits for ``query`` over document nodes, tool results, prompt versions and
        trajectory steps, best first by a score comparable across kinds: ``{"hits", "next_cursor"}``.
        ``kinds`` (``node``, ``tool_result``, ``prompt``, ``trajectory_step``; None: all) restricts the
        kinds; ``policy_id`` keeps nodes of the policy and tool results about it, with ``version_id``
        nodes of that version; ``case_id`` keeps tool results and trajectory steps of the case.
        ``limit`` is 1 to 1,000; pass ``next_cursor`` back as ``cursor`` (with the same query) for the
        next page, until it is None. ``snippet_chars`` None: 200. A malformed query or option raises
        :class:`InvalidArgumentError` naming the field or the query's character position."""
        if isinstance(kinds, str):
            raise ArgumentTypeError("kinds must be a list of str, not one str")
        q = s_arg(query, "query")
        opts: Dict[str, Any] = {"limit": limit_arg(limit, "limit", 1)}
        if kinds is not None:
            opts["kinds"] = list(kinds)
        if snippet_chars is not None:
            opts["snippet_chars"] = limit_arg(snippet_chars, "snippet_chars", 1)
        ids = (("policy_id", policy_id), ("version_id", version_id), ("case_id", case_id), ("cursor", cursor))
        for k, v in ids:
            if v is not None:
                opts[k] = s_arg(v, k).decode("utf-8", "surrogatepass")
        o = dumps(opts, "options")
        fn = lib.treestore_search_unified
        records, _n, _t, next_cursor, _s = self._q(take_full, fn, q, len(q), o, len(o))
        return {"hits": records, "next_cursor": next_cursor}  # type: ignore[typeddict-item]

    def search_settings(self) -> Dict[str, Any]:
        """``{"stemming": "none" | "porter", "weights": {"title", "summary", "text"}}``."""
        r = first(self._q(take_records, lib.treestore_search_settings_get))
        r["weights"] = r["weights"][0]
        return r

    def configure_search(
        self, *, stemming: Optional[str] = None, weights: Optional[Dict[str, float]] = None
    ) -> Dict[str, Any]:
        """Changes the search settings (what is left None keeps its value); stemming only while
        nothing is indexed. Returns the new settings."""
        body: Dict[str, Any] = {}
        if stemming is not None:
            body["stemming"] = stemming
        if weights is not None:
            body["weights"] = weights
        j = json_arg(body, "settings")
        r = first(self._q(take_records, lib.treestore_search_settings_set, j, len(j)))
        r["weights"] = r["weights"][0]
        return r


