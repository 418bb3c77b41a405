"""The version store: listing, reading, dating, tagging and comparing versions of a document.

Versions are :class:`~treestore.types.Version` dicts; the date arguments take a ``datetime`` (naive is
UTC), a ``date`` (its midnight UTC) or an ISO-8601 string.
"""

import os
from threading import get_ident
from typing import Dict, List, Optional

from ._call import _Calls, first, limit_arg, opt_arg, s_arg
from ._decode import _c_decode, _loads, take_full, take_records, take_string_page, to_datetime
from ._native import lib, status_name
from .errors import ClosedError, error_class
from .timestamps import TimestampLike, parse_iso, to_micros
from .types import Page, Version, VersionDiff

__all__ = ["_Versions"]

# ISO text -> microseconds, for get_version_as_of (services ask for the same dates again and again);
# emptied when full. Reads and writes are single dict operations, atomic under the GIL.
_AT_MICROS: Dict[str, int] = {}
_AT_MICROS_MAX = 1024

if _c_decode is not None and not os.environ.get("TREESTORE_PURE_PYTHON"):
    from ._speedups import version_as_of as _c_as_of
    from ._speedups import version_as_of_any as _c_as_of_any
else:  # pragma: no cover
    _c_as_of = _c_as_of_any = None


class _Versions(_Calls):
    """Versions (mixed into :class:`~treestore.TreeStore`)."""

    def get_version_as_of(self, policy_id: str, as_of: TimestampLike) -> Version:
        """The version of ``policy_id`` in force at ``as_of``: the one whose ``[effective_start,
        effective_end)`` holds it (a missing start is ``created_at``, a missing end the next
        version's start). Raises :class:`NotFoundError` when none was in force then."""
        # a str (the common case) is looked up in a plain dict before the cached parse: calling
        # parse_iso's lru_cache (a tuple of arguments, a C call) was ~700 of the read's ~20,500
        # instructions (callgrind), to_micros's own call another ~3%
        if type(as_of) is str:
            at = _AT_MICROS.get(as_of)
            if at is None:
                at = parse_iso(as_of)
                if len(_AT_MICROS) >= _AT_MICROS_MAX:
                    _AT_MICROS.clear()
                _AT_MICROS[as_of] = at
        else:
            at = to_micros(as_of)
        if _c_as_of is None:  # pragma: no cover
            p = s_arg(policy_id, "policy_id")
            return first(self._q(take_records, lib.treestore_version_as_of, p, len(p), at))  # type: ignore
        h = self._h  # one crossing: call, read, decode and free in C
        # h.enter_addrs() inlined, as in get_node: with the version memo the read is ~1 us, and the
        # method call ~5% of its instructions (callgrind). Register the call, then check the handle,
        # then read its addresses, in that order (see database._Handle).
        inflight = h.inflight
        inflight.append(None)
        try:
            if h.ptr is None:
                raise ClosedError("database is closed")
            t = 0
            if h.txns:
                txn = h.txns.get(get_ident())
                if txn is not None:
                    t = txn._addr()
            addr = h.addr
            # a str id goes to C as it is (its UTF-8 read in place); for any other, or lone surrogates,
            # C returns None and the id is checked and encoded here (the library names invalid UTF-8)
            r = _c_as_of(addr, t, policy_id, at, to_datetime, _loads)
            if r is None:
                r = _c_as_of_any(addr, t, s_arg(policy_id, "policy_id"), at, to_datetime, _loads)
        finally:
            inflight.pop()
        if type(r) is tuple:
            raise error_class(r[0])(r[1] or status_name(r[0]), r[0])
        return r  # type: ignore[no-any-return]

    def list_versions(self, policy_id: str, limit: int = 100) -> List[Version]:
        """The versions of ``policy_id``, newest ``created_at`` first, at most ``limit`` (0: all).
        An unknown policy lists nothing."""
        return self.list_versions_page(policy_id, limit)[0]

    def list_versions_page(
        self, policy_id: str, limit: int = 100, cursor: Optional[str] = None
    ) -> "tuple[List[Version], Optional[str]]":
        """One page of :meth:`list_versions` and the cursor of the next (None on the last page)."""
        p = s_arg(policy_id, "policy_id")
        records, _n, _t, nxt, _s = self._q(
            take_full, lib.treestore_version_list, p, len(p), limit_arg(limit), *opt_arg(cursor, "cursor")
        )
        return records, nxt  # type: ignore[return-value]

    def list_policies(self, limit: int = 0, *, cursor: Optional[str] = None) -> "Page[str]":
        """The ids of the policies that have at least one version, in id order, at most ``limit``
        (0: all): a list whose ``next_cursor`` continues it (pass it as ``cursor``)."""
        c = opt_arg(cursor, "cursor")
        return self._q(take_string_page, lib.treestore_policy_list, limit_arg(limit), *c)

    def latest_version(self, policy_id: str) -> Version:
        """The newest version of ``policy_id`` (by ``created_at``); :class:`NotFoundError` when none."""
        p = s_arg(policy_id, "policy_id")
        return first(self._q(take_records, lib.treestore_version_latest, p, len(p)))  # type: ignore

    def get_version(self, policy_id: str, version_id: str) -> Version:
        """Version ``version_id`` of ``policy_id``; :class:`NotFoundError` when absent."""
        p, v = s_arg(policy_id, "policy_id"), s_arg(version_id, "version_id")
        return first(self._q(take_records, lib.treestore_version_get, p, len(p), v, len(v)))  # type: ignore

    def get_version_by_tag(self, policy_id: str, tag: str) -> Version:
        """The version of ``policy_id`` tagged ``tag``; :class:`NotFoundError` when none is."""
        p, t = s_arg(policy_id, "policy_id"), s_arg(tag, "tag")
        return first(self._q(take_records, lib.treestore_version_get_by_tag, p, len(p), t, len(t)))  # type: ignore

    def tag_version(self, policy_id: str, version_id: str, tag: str) -> None:
        """Tags a version, moving the tag from the version that had it."""
        p, v, t = s_arg(policy_id, "policy_id"), s_arg(version_id, "version_id"), s_arg(tag, "tag")
        self._out("", lib.treestore_version_tag, p, len(p), v, len(v), t, len(t))

    def untag_version(self, policy_id: str, tag: str) -> bool:
        """Removes ``tag`` from whichever version has it; returns whether one had it."""
        p, t = s_arg(policy_id, "policy_id"), s_arg(tag, "tag")
        return bool(self._out("flag", lib.treestore_version_untag, p, len(p), t, len(t)))

    def diff_versions(self, policy_id: str, from_version: str, to_version: str) -> VersionDiff:
        """Compares two versions node by node: ``added``, ``removed`` and ``changed`` lists of
        ``{"node_id", "title", "section_path", "fields"}`` (``fields``: what differs)."""
        p = s_arg(policy_id, "policy_id")
        a, b = s_arg(from_version, "from_version"), s_arg(to_version, "to_version")
        return first(self._q(take_records, lib.treestore_version_diff, p, len(p), a, len(a), b, len(b)))  # type: ignore
