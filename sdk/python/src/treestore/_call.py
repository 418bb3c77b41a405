"""What every store method shares: running one C call on the database handle (in the calling thread's
transaction, if any) and turning Python arguments into what the C ABI takes.

``_Calls`` is the base of the store mixins (``_documents``, ``_versions``, ``_search``, ``_metadata``,
``_prompts``, ``_query``); :class:`~treestore.TreeStore` combines them.
"""

import json
import os
from datetime import date, datetime
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, TypeVar

from ._native import NULL, Scratch, give, raise_status, take
from .errors import ArgumentTypeError, InvalidArgumentError
from .timestamps import to_micros

__all__ = ["_Calls", "s_arg", "opt_arg", "json_arg", "page_json", "limit_arg"]

_T = TypeVar("_T")
_SIZE_MAX = 2**64 - 1


def s_arg(value: Any, name: str) -> bytes:
    """A required ``str`` argument as UTF-8."""
    if type(value) is str:
        return value.encode("utf-8", "surrogatepass")  # the C side names invalid UTF-8
    if isinstance(value, str):
        return str(value).encode("utf-8", "surrogatepass")
    raise ArgumentTypeError(f"{name} must be str, not {type(value).__name__}")


def opt_arg(value: Any, name: str) -> Tuple[Any, int]:
    """An optional ``str`` argument as ``(pointer or NULL, length)``."""
    if value is None:
        return NULL, 0
    b = s_arg(value, name)
    return b, len(b)


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return to_micros(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any, name: str) -> bytes:
    """``value`` as compact JSON text in UTF-8 (datetimes and dates as µs since the epoch)."""
    try:
        text = json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise ArgumentTypeError(f"{name}: {e}") from None
    return text.encode("utf-8", "surrogatepass")


def json_arg(value: Any, name: str) -> bytes:
    """A record argument: a ``dict`` (encoded as JSON) or JSON text as ``str``/``bytes``."""
    if isinstance(value, dict):
        return dumps(value, name)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise ArgumentTypeError(f"{name} must be a dict or JSON text, not {type(value).__name__}")


def limit_arg(value: Any, name: str = "limit", low: int = 0) -> int:
    """A non-negative ``int`` limit."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{name} must be int, not {type(value).__name__}")
    if value < low or value > _SIZE_MAX:
        raise InvalidArgumentError(f"{name} is {value}; it must be at least {low}")
    return value


def page_json(limit: Optional[int], cursor: Optional[str] = None, **more: Any) -> bytes:
    """The ``{"limit", "cursor", ...}`` object the list calls take (None values left out)."""
    obj: Dict[str, Any] = {k: v for k, v in more.items() if v is not None}
    if limit is not None:
        obj["limit"] = limit_arg(limit)
    if cursor is not None:
        obj["cursor"] = cursor
    return dumps(obj, "query")


def renamed(record: Any, name: str, aliases: Iterable[Tuple[str, str]]) -> Any:
    """``record`` with old key names replaced by the ones the engine reads (a dict only)."""
    if not isinstance(record, dict):
        return record
    out = dict(record)
    for old, new in aliases:
        if old in out and new not in out:
            out[new] = out.pop(old)
    return out


class _Calls:
    """Runs C calls on ``self._h`` (the guarded handle of :class:`~treestore.TreeStore`)."""

    _h: Any

    def _q(self, decode: Callable[[Any, Scratch], _T], fn: Any, *args: Any) -> _T:
        """Calls ``fn(db, txn, *args, &result, &err)`` and decodes the result."""
        h = self._h
        db, txn, s = h.begin()
        try:
            status = fn(db, txn, *args, s.result, s.err)
            if status:
                raise_status(status, s)
            return decode(s.result[0], s)
        finally:
            give(s)
            h.inflight.pop()

    def _dbq(self, decode: Callable[[Any, Scratch], _T], fn: Any, *args: Any) -> _T:
        """Calls ``fn(db, *args, &result, &err)`` (a whole-database call, no transaction)."""
        h = self._h
        db = h.enter()
        s = take()
        try:
            status = fn(db, *args, s.result, s.err)
            if status:
                raise_status(status, s)
            return decode(s.result[0], s)
        finally:
            give(s)
            h.inflight.pop()

    def _out(self, out: str, fn: Any, *args: Any) -> Any:
        """Calls ``fn(db, txn, *args, out_param, &err)``; returns the out-parameter's value (``out``
        names the scratch field: ``count``, ``flag``) or None for ``""``."""
        h = self._h
        db, txn, s = h.begin()
        try:
            if out:
                p = getattr(s, out)
                status = fn(db, txn, *args, p, s.err)
            else:
                p = None
                status = fn(db, txn, *args, s.err)
            if status:
                raise_status(status, s)
            return None if p is None else p[0]
        finally:
            give(s)
            h.inflight.pop()


def first(records: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The one record a single-record call returns."""
    if len(records) != 1:
        raise InvalidArgumentError(f"expected one record, got {len(records)}")
    return records[0]
