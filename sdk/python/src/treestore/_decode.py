"""Reads a ``treestore_result`` into Python values in few C calls, then frees it.

One ``treestore_result_read`` fills the view; the view, the node array, the record and field arrays
and the string arrays are each unpacked as machine words in one ``ffi.unpack``; the arena (the one
buffer every string points into) is copied once. Strings are then slices of that copy: of its
``str`` form when the arena is ASCII (one decode for the whole result), else decoded one by one.
Nothing returned points into C memory.
"""

import json
import os
import struct
import sys
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

from ._native import Scratch, ffi, lib, raise_status
from .types import Page

__all__ = [
    "take_nodes", "take_records", "take_full", "take_page", "take_string", "take_string_page", "to_datetime",
]  # fmt: skip

_unpack = ffi.unpack
_cast = ffi.cast
_read = lib.treestore_result_read
_free = lib.treestore_result_free

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_td = timedelta

# Layout checks: the readers index these structs as 64-bit words and 32-bit halves.
_VIEW_WORDS = ffi.sizeof("treestore_result_view") // 8
if (
    sys.byteorder != "little"
    or ffi.sizeof("void *") != 8
    or ffi.sizeof("treestore_node") != 192
    or ffi.offsetof("treestore_node", "depth") != 160
    or ffi.sizeof("treestore_field") != 64
    or ffi.offsetof("treestore_field", "kind") != 16
    or ffi.offsetof("treestore_field", "int_value") != 32
    or ffi.offsetof("treestore_field", "str_value") != 48
    or ffi.sizeof("treestore_record") != 24
    or ffi.offsetof("treestore_result_view", "arena") != 96
    or ffi.offsetof("treestore_result_view", "next_cursor") != 120
):
    raise ImportError("treestore: unexpected layout of the result structs (a 64-bit little-endian platform is required)")

_HAS_START = lib.TREESTORE_NODE_HAS_PAGE_START
_HAS_END = lib.TREESTORE_NODE_HAS_PAGE_END
_HAS_TEXT = lib.TREESTORE_NODE_HAS_TEXT
_NULL, _STR, _INT, _FLOAT, _BOOL, _TIME, _LIST, _MAP, _RECS, _JSON = range(10)
_NODE_TEXT_FIELDS = ("node_id", "policy_id", "version_id", "parent_id", "title", "summary", "text", "section_path")


def to_datetime(micros: int) -> datetime:
    """The timezone-aware UTC datetime of microseconds since the epoch."""
    return _EPOCH + _td(microseconds=micros)


_VIEW = struct.Struct(f"<{_VIEW_WORDS}q").unpack_from


def _view(result: Any, s: Scratch) -> Tuple[int, ...]:
    status = _read(result, s.view, s.err)
    if status:
        raise_status(status, s)
    return _VIEW(s.view_bytes)


# Node and record times repeat (every node of an import shares its timestamps): datetimes are kept by
# their microseconds, up to _TIMES_MAX of them (then the cache starts over).
_times: Dict[int, datetime] = {}
_TIMES_MAX = 4096


def _dt(micros: int) -> datetime:
    d = _times.get(micros)
    if d is None:
        if len(_times) >= _TIMES_MAX:
            _times.clear()
        d = _times[micros] = _EPOCH + _td(microseconds=micros)
    return d


class _Text:
    """The arena copied out, and how to cut strings from it."""

    __slots__ = ("x", "base", "ascii")

    def __init__(self, w: Tuple[int, ...]) -> None:
        n = w[13]
        raw = _unpack(_cast("char *", w[12]), n) if n else b""
        self.ascii = raw.isascii()
        self.x: Any = raw.decode("ascii") if self.ascii else raw
        self.base = w[12]

    def cut(self, ptr: int, length: int) -> str:
        o = ptr - self.base
        if self.ascii:
            return self.x[o : o + length]  # type: ignore[no-any-return]
        return self.x[o : o + length].decode("utf-8", "replace")  # type: ignore[no-any-return]

    def strings(self, w: Tuple[int, ...]) -> List[str]:
        n = w[9]
        if not n:
            return []
        it = iter(_unpack(_cast("int64_t *", w[8]), 2 * n))
        x, b = self.x, self.base
        out = [x[p - b : p - b + ln] for p, ln in zip(it, it)]
        if not self.ascii:
            out = [v.decode("utf-8", "replace") for v in out]
        return out

    def pairs(self, w: Tuple[int, ...]) -> List[Tuple[str, str]]:
        n = w[11]
        if not n:
            return []
        it = iter(_unpack(_cast("int64_t *", w[10]), 4 * n))
        x, b = self.x, self.base
        out = [(x[kp - b : kp - b + kl], x[vp - b : vp - b + vl]) for kp, kl, vp, vl in zip(it, it, it, it)]
        if not self.ascii:
            out = [(k.decode("utf-8", "replace"), v.decode("utf-8", "replace")) for k, v in out]
        return out


def _nodes(w: Tuple[int, ...], t: _Text, strs: List[str], pairs: List[Tuple[str, str]]) -> List[Dict[str, Any]]:
    n = w[7]
    if not n:
        return []
    ints = _unpack(_cast("int64_t *", w[6]), 24 * n)
    x, ab = t.x, t.base
    times = _times
    out: List[Dict[str, Any]] = []
    append = out.append
    for b in range(0, 24 * n, 24):
        (p0, l0, p1, l1, p2, l2, p3, l3, p4, l4, p5, l5, p6, l6, p7, l7, ps, pe, ca, ua, df, cw, sw, mw) = ints[
            b : b + 24
        ]
        # The eight uint32 fields are four words: low half first (little-endian).
        flags = df >> 32
        cf, cc = cw & 0xFFFFFFFF, cw >> 32
        c = times.get(ca) or _dt(ca)
        u = times.get(ua) or _dt(ua)
        p0 -= ab
        p1 -= ab
        p2 -= ab
        p4 -= ab
        p7 -= ab
        append(
            {
                "node_id": x[p0 : p0 + l0],
                "policy_id": x[p1 : p1 + l1],
                "version_id": x[p2 : p2 + l2],
                "parent_id": x[p3 - ab : p3 - ab + l3] if p3 else None,
                "title": x[p4 : p4 + l4],
                "page_start": ps if flags & 1 else None,
                "page_end": pe if flags & 2 else None,
                "summary": x[p5 - ab : p5 - ab + l5] if p5 else None,
                "text": x[p6 - ab : p6 - ab + l6] if p6 else None,
                "section_path": x[p7 : p7 + l7],
                "child_ids": strs[cf : cf + cc] if cc else [],
                "depth": df & 0xFFFFFFFF,
                "created_at": c,
                "updated_at": u,
                "see_also": strs[sw & 0xFFFFFFFF : (sw & 0xFFFFFFFF) + (sw >> 32)] if sw >> 32 else [],
                "metadata": dict(pairs[mw & 0xFFFFFFFF : (mw & 0xFFFFFFFF) + (mw >> 32)]) if mw >> 32 else {},
            }
        )
    if not t.ascii:
        for node in out:
            for k in _NODE_TEXT_FIELDS:
                v = node[k]
                if v is not None:
                    node[k] = v.decode("utf-8", "replace")
    return out


class _Records:
    """Decodes the records and fields arrays into dicts (nested records as lists of dicts)."""

    __slots__ = ("t", "strs", "pairs", "rec", "recu", "f", "fu", "fd", "w")

    def __init__(self, w: Tuple[int, ...], t: _Text, strs: List[str], pairs: List[Tuple[str, str]]) -> None:
        self.t, self.strs, self.pairs, self.w = t, strs, pairs, w
        nr, nf = w[2], w[5]
        self.rec = _unpack(_cast("int64_t *", w[1]), 3 * nr) if nr else ()
        self.recu = _unpack(_cast("uint32_t *", w[1]), 6 * nr) if nr else ()
        self.f = _unpack(_cast("int64_t *", w[4]), 8 * nf) if nf else ()
        self.fu = _unpack(_cast("uint32_t *", w[4]), 16 * nf) if nf else ()
        self.fd: Any = None

    def kind(self, i: int) -> str:
        return self.t.cut(self.rec[3 * i], self.rec[3 * i + 1])

    def record(self, i: int) -> Dict[str, Any]:
        first, count = self.recu[6 * i + 4], self.recu[6 * i + 5]
        f, fu, cut = self.f, self.fu, self.t.cut
        d: Dict[str, Any] = {}
        for j in range(first, first + count):
            b = 8 * j
            kind, cnt, fst = fu[2 * b + 4], fu[2 * b + 5], fu[2 * b + 6]
            if kind == _STR:
                v: Any = cut(f[b + 6], f[b + 7])
            elif kind == _TIME:
                v = _dt(f[b + 4])
            elif kind == _INT:
                v = f[b + 4]
            elif kind == _BOOL:
                v = bool(f[b + 4])
            elif kind == _FLOAT:
                if self.fd is None:
                    self.fd = _unpack(_cast("double *", self.w[4]), 8 * self.w[5])
                v = self.fd[b + 5]
            elif kind == _LIST:
                v = self.strs[fst : fst + cnt]
            elif kind == _MAP:
                v = dict(self.pairs[fst : fst + cnt])
            elif kind == _RECS:
                v = [self.record(k) for k in range(fst, fst + cnt)]
            elif kind == _JSON:
                v = json.loads(cut(f[b + 6], f[b + 7]))
            else:
                v = None
            d[cut(f[b], f[b + 1])] = v
        return d

    def top(self) -> List[Dict[str, Any]]:
        return [self.record(i) for i in range(self.w[3])]


def py_take_nodes(result: Any, s: Scratch) -> List[Dict[str, Any]]:
    """The node dicts of ``result``; frees it."""
    try:
        w = _view(result, s)
        t = _Text(w)
        return _nodes(w, t, t.strings(w) if w[9] else [], t.pairs(w) if w[11] else [])
    finally:
        _free(result)


def py_take_records(result: Any, s: Scratch) -> List[Dict[str, Any]]:
    """The top-level records of ``result`` as dicts; frees it."""
    try:
        w = _view(result, s)
        t = _Text(w)
        return _Records(w, t, t.strings(w), t.pairs(w)).top()
    finally:
        _free(result)


def py_take_full(
    result: Any, s: Scratch
) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]], int, Optional[str], List[str]]:
    """``(records, nodes, total, next_cursor, strings)`` of ``result``; frees it."""
    try:
        w = _view(result, s)
        t = _Text(w)
        strs, pairs = t.strings(w), t.pairs(w)
        records = _Records(w, t, strs, pairs).top()
        nodes = _nodes(w, t, strs, pairs)
        cursor = _unpack(_cast("char *", w[15]), w[16]).decode("utf-8", "replace") if w[15] else None
        return records, nodes, w[14], cursor, strs
    finally:
        _free(result)


def take_string(result: Any, s: Scratch) -> str:
    """The one string of ``result`` (an export, a rendered prompt, the metrics text); frees it."""
    try:
        w = _view(result, s)
        t = _Text(w)
        strs = t.strings(w)
        return strs[0] if strs else ""
    finally:
        _free(result)


def take_string_page(result: Any, s: Scratch) -> "Page[str]":
    """The string records of ``result`` with its page cursor (a policy list); frees it."""
    try:
        w = _view(result, s)
        t = _Text(w)
        cursor = _unpack(_cast("char *", w[15]), w[16]).decode("utf-8", "replace") if w[15] else None
        return Page(t.strings(w), cursor)
    finally:
        _free(result)


def take_page(result: Any, s: Scratch) -> "Page[Dict[str, Any]]":
    """The records of ``result`` with its page cursor (a list call); frees it."""
    records, _nodes, _total, cursor, _strs = take_full(result, s)
    return Page(records, cursor)


# -- the C decoder ------------------------------------------------------------------------------
# treestore._speedups builds the same values in C (src/treestore/_speedups.c); the Python readers
# above are the fallback when it is missing (and the reference the tests compare it with).

try:
    from ._speedups import decode as _c_decode
except ImportError:  # pragma: no cover - the package always builds it
    _c_decode = None

_loads = json.loads


def c_take_nodes(result: Any, s: Scratch) -> List[Dict[str, Any]]:
    """:func:`py_take_nodes` in C."""
    try:
        status = _read(result, s.view, s.err)
        if status:
            raise_status(status, s)
        return _c_decode(s.view_addr, to_datetime, _loads)[1]  # type: ignore[no-any-return,misc]
    finally:
        _free(result)


def c_take_records(result: Any, s: Scratch) -> List[Dict[str, Any]]:
    """:func:`py_take_records` in C."""
    try:
        status = _read(result, s.view, s.err)
        if status:
            raise_status(status, s)
        return _c_decode(s.view_addr, to_datetime, _loads)[0]  # type: ignore[no-any-return,misc]
    finally:
        _free(result)


def c_take_full(
    result: Any, s: Scratch
) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]], int, Optional[str], List[str]]:
    """:func:`py_take_full` in C (``strings`` left empty: no caller of the C path reads them)."""
    try:
        status = _read(result, s.view, s.err)
        if status:
            raise_status(status, s)
        records, nodes = _c_decode(s.view_addr, to_datetime, _loads)  # type: ignore[misc]
        w = _VIEW(s.view_bytes)
        cursor = _unpack(_cast("char *", w[15]), w[16]).decode("utf-8", "replace") if w[15] else None
        return records, nodes, w[14], cursor, []
    finally:
        _free(result)


if _c_decode is not None and not os.environ.get("TREESTORE_PURE_PYTHON"):
    take_nodes, take_records, take_full = c_take_nodes, c_take_records, c_take_full
else:  # pragma: no cover
    take_nodes, take_records, take_full = py_take_nodes, py_take_records, py_take_full
