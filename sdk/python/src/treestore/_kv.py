"""Raw tables: the engine's ordered key/value tables, for records kept next to the document stores
(mixed into :class:`~treestore.TreeStore`). Keys and values are bytes; ``str`` is encoded as UTF-8.
"""

from typing import Any, List, Optional, Tuple, TypeVar, Union, overload

from . import _native
from ._call import _Calls
from ._native import NULL, bytes_arg, ffi, give, int_arg, lib, optional_bytes_arg, raise_status, text_arg
from .errors import NOT_FOUND

__all__ = ["_Kv", "BytesLike"]

#: What the raw-table methods accept as keys and values.
BytesLike = Union[bytes, bytearray, memoryview, str]
_T = TypeVar("_T")
_MISSING: Any = object()
# Names are encoded without a Python-side check: lone surrogates pass through as invalid UTF-8, which the
# C side refuses with TREESTORE_INVALID_UTF8 (InvalidArgumentError) naming the argument.
_SURROGATES = "surrogatepass"
_SIZE_MAX = 2 ** (8 * ffi.sizeof("size_t")) - 1


class _Kv(_Calls):
    """Raw tables."""

    def _handle(self) -> Any:  # provided by TreeStore
        raise NotImplementedError

    @overload
    def kv_get(self, table: str, key: BytesLike) -> bytes: ...

    @overload
    def kv_get(self, table: str, key: BytesLike, default: _T) -> Union[bytes, _T]: ...

    def kv_get(self, table: str, key: BytesLike, default: Any = _MISSING) -> Any:
        """The value of ``key`` in the raw table ``table``.

        Raises :class:`NotFoundError` (a ``KeyError``) when the key or table is absent, unless
        ``default`` is given, which is then returned. ``str`` keys are encoded as UTF-8.
        """
        t = table.encode("utf-8", _SURROGATES) if type(table) is str else text_arg(table, "table")
        k = key if type(key) is bytes else bytes_arg(key, "key")
        h = self._h
        db, txn, s = h.begin()
        try:
            status = lib.treestore_kv_get(db, txn, t, len(t), k, len(k), s.result, s.err)
            if status:
                if status == NOT_FOUND and default is not _MISSING:
                    _native.discard_error(s)
                    return default
                raise_status(status, s)
            return _native.take_single_value(s.result[0], s)
        finally:
            give(s)
            h.inflight.pop()  # leave()

    def kv_put(self, table: str, key: BytesLike, value: BytesLike) -> None:
        """Inserts or replaces ``key`` in the raw table ``table`` (created on first write)."""
        t = table.encode("utf-8", _SURROGATES) if type(table) is str else text_arg(table, "table")
        k = key if type(key) is bytes else bytes_arg(key, "key")
        v = value if type(value) is bytes else bytes_arg(value, "value")
        h = self._h
        db, txn, s = h.begin()
        try:
            status = lib.treestore_kv_put(db, txn, t, len(t), k, len(k), v, len(v), s.err)
            if status:
                raise_status(status, s)
        finally:
            give(s)
            h.inflight.pop()  # leave()

    def kv_delete(self, table: str, key: BytesLike) -> bool:
        """Removes ``key`` from the raw table ``table``; returns whether it was present."""
        t = table.encode("utf-8", _SURROGATES) if type(table) is str else text_arg(table, "table")
        k = key if type(key) is bytes else bytes_arg(key, "key")
        h = self._h
        db, txn, s = h.begin()
        try:
            status = lib.treestore_kv_delete(db, txn, t, len(t), k, len(k), s.flag, s.err)
            if status:
                raise_status(status, s)
            return bool(s.flag[0])
        finally:
            give(s)
            h.inflight.pop()  # leave()

    def kv_scan(
        self,
        table: str,
        start: Optional[BytesLike] = None,
        end: Optional[BytesLike] = None,
        *,
        limit: Optional[int] = None,
        reverse: bool = False,
    ) -> List[Tuple[bytes, bytes]]:
        """The ``(key, value)`` pairs of ``table`` with ``start <= key < end``, in key order.

        ``None`` leaves an end unbounded. ``reverse`` returns them in descending order; ``limit`` caps
        the count (``None``: all). A table never written to is empty.
        """
        t = table.encode("utf-8", _SURROGATES) if type(table) is str else text_arg(table, "table")
        lo = optional_bytes_arg(start, "start")
        hi = optional_bytes_arg(end, "end")
        n = 0 if limit is None else int_arg(limit, "limit", 0, _SIZE_MAX)
        h = self._handle()
        if limit == 0:
            return []
        db, txn, s = h.begin()
        try:
            status = lib.treestore_kv_scan(
                db,
                txn,
                t,
                len(t),
                NULL if lo is None else lo,
                0 if lo is None else len(lo),
                NULL if hi is None else hi,
                0 if hi is None else len(hi),
                n,
                bool(reverse),
                s.result,
                s.err,
            )
            if status:
                raise_status(status, s)
            return _native.take_kvs(s.result[0], s)
        finally:
            give(s)
            h.inflight.pop()  # leave()
