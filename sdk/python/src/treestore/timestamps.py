"""Timestamps as the C ABI takes them: microseconds since 1970-01-01T00:00:00Z as a signed 64-bit
integer, converted from and to timezone-aware UTC :class:`~datetime.datetime`.

The ISO-8601 forms accepted are those the engine parses (``treestore-core/src/time.rs``):
``YYYY-MM-DD``, optionally followed by ``T`` or a space and ``HH:MM[:SS[.fraction]]``, and an optional
``Z`` or ``±HH[:]MM`` offset; no offset means UTC. A naive ``datetime`` is taken as UTC; a ``date`` is
its midnight UTC. Fractions past microseconds are truncated, as the engine does.
"""

import re
from functools import lru_cache
from datetime import date, datetime, timedelta, timezone
from typing import Union

from .errors import ArgumentTypeError, InvalidArgumentError

__all__ = ["TimestampLike", "to_micros", "from_micros", "parse_iso"]

#: What the timestamp arguments of TreeStore's methods accept.
TimestampLike = Union[datetime, date, str, int]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_MICRO = timedelta(microseconds=1)
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?",
    re.ASCII,
)


@lru_cache(maxsize=1024)
def parse_iso(text: str) -> int:
    """Parses an ISO-8601 date or date-time into microseconds since the epoch (UTC).

    Results are cached (1,024 texts): services ask for the same dates again and again."""
    m = _ISO.fullmatch(text.strip())
    if m is None:
        raise InvalidArgumentError(
            f"timestamp {text!r} is not ISO 8601 (e.g. 2024-03-01 or 2024-03-01T12:00:00Z)"
        )
    y, mo, d, h, mi, sec, frac, _z, sign, oh, om = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0))
    except ValueError as e:
        raise InvalidArgumentError(f"timestamp {text!r}: {e}") from None
    micros = int((frac or "0")[:6].ljust(6, "0"))
    offset = 0
    if sign:
        if int(oh) > 23 or int(om) > 59:
            raise InvalidArgumentError(f"timestamp {text!r}: offset out of range")
        offset = (int(oh) * 3600 + int(om) * 60) * (1 if sign == "+" else -1)
    naive_micros = (dt - datetime(1970, 1, 1)) // _ONE_MICRO
    return naive_micros + micros - offset * 1_000_000


def to_micros(value: TimestampLike) -> int:
    """Microseconds since the epoch (UTC) of a ``datetime``, ``date``, ISO-8601 string or ``int``.

    An ``int`` is taken as microseconds already. A naive ``datetime`` is taken as UTC.
    Raises :class:`~treestore.InvalidArgumentError` for text that is not ISO 8601 or a value outside
    the signed 64-bit range, :class:`~treestore.ArgumentTypeError` for other types.
    """
    if type(value) is str:  # the common case first: one cached parse
        micros = parse_iso(value)
    elif isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=timezone.utc)
        micros = (value - _EPOCH) // _ONE_MICRO
    elif isinstance(value, date):
        micros = (value - date(1970, 1, 1)).days * 86_400_000_000
    elif isinstance(value, str):
        micros = parse_iso(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        micros = value
    else:
        raise ArgumentTypeError(
            f"a timestamp must be datetime, date, an ISO-8601 str or int microseconds, "
            f"not {type(value).__name__}"
        )
    if not INT64_MIN <= micros <= INT64_MAX:
        raise InvalidArgumentError(f"timestamp {value!r} is outside the signed 64-bit range")
    return micros


def from_micros(micros: int) -> datetime:
    """The timezone-aware UTC ``datetime`` of microseconds since the epoch."""
    try:
        return _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        raise InvalidArgumentError(
            f"timestamp {micros} microseconds is outside the years datetime can hold (1 to 9999)"
        ) from None
