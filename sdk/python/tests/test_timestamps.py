"""Timestamps: datetime, date, ISO strings and ints to microseconds since the epoch, and back."""

from datetime import date, datetime, timedelta, timezone

import pytest

import treestore
from treestore import from_micros, to_micros


@pytest.mark.parametrize(
    "value, micros",
    [
        ("1970-01-01", 0),
        ("1970-01-02T00:00:00Z", 86_400_000_000),
        ("2024-02-29T12:30:15.25Z", 1_709_209_815_250_000),
        ("2024-02-29T14:30:15.25+02:00", 1_709_209_815_250_000),
        ("2024-02-29T10:00:15.25-0230", 1_709_209_815_250_000),
        ("2024-02-29 12:30", 1_709_209_800_000_000),
        ("2024-02-29t12:30:00z", 1_709_209_800_000_000),
        ("1969-12-31T23:59:59Z", -1_000_000),
        ("2024-01-01T00:00:00.1234567Z", 1_704_067_200_123_456),  # truncated past microseconds
        ("  2024-01-01  ", 1_704_067_200_000_000),
    ],
)
def test_iso_strings_match_the_engine(value, micros):
    assert to_micros(value) == micros


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "2024",
        "2024-13-01",
        "2024-02-30",
        "2023-02-29",
        "2024-01-01T24:00",
        "2024-01-01T12:60",
        "2024-01-01T12:00:00.",
        "2024-01-01T12:00+24:00",
        "2024-01-01Z",
        "24-01-01",
        "2024-01-01T12",
        "2024-01-01T12:00:00 garbage",
        "２０２４-01-01",
    ],
)
def test_bad_iso_strings_are_invalid_arguments(bad):
    with pytest.raises(treestore.InvalidArgumentError):
        to_micros(bad)


def test_aware_datetime():
    tz = timezone(timedelta(hours=5, minutes=30))
    assert to_micros(datetime(2024, 3, 1, 17, 30, tzinfo=tz)) == to_micros("2024-03-01T12:00:00Z")
    assert (
        to_micros(datetime(2024, 3, 1, 12, 0, 0, 7, tzinfo=timezone.utc))
        == to_micros("2024-03-01T12:00:00Z") + 7
    )


def test_naive_datetime_is_utc():
    assert to_micros(datetime(2024, 3, 1, 12)) == to_micros("2024-03-01T12:00:00Z")


def test_date_is_midnight_utc():
    assert to_micros(date(2024, 3, 1)) == to_micros("2024-03-01T00:00:00Z")
    assert to_micros(date(1969, 12, 31)) == -86_400_000_000


def test_ints_are_microseconds_already():
    assert to_micros(123) == 123
    assert to_micros(-(2**63)) == -(2**63)


@pytest.mark.parametrize("bad", [2**63, -(2**63) - 1])
def test_ints_outside_int64_are_refused(bad):
    with pytest.raises(treestore.InvalidArgumentError, match="64-bit"):
        to_micros(bad)


@pytest.mark.parametrize("bad", [True, 1.5, None, b"2024-01-01"])
def test_other_types_are_refused(bad):
    with pytest.raises(treestore.ArgumentTypeError):
        to_micros(bad)


def test_from_micros_is_aware_utc():
    dt = from_micros(1_709_209_815_250_000)
    assert dt == datetime(2024, 2, 29, 12, 30, 15, 250_000, tzinfo=timezone.utc)
    assert dt.tzinfo is timezone.utc
    assert from_micros(0) == datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert from_micros(-1) == datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2024, 2, 29, 12, 30, 15, 250_001, tzinfo=timezone.utc),
        datetime(1, 1, 1, tzinfo=timezone.utc),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=timezone.utc),
    ],
)
def test_round_trip(value):
    assert from_micros(to_micros(value)) == value


def test_from_micros_outside_datetime_range_is_refused():
    with pytest.raises(treestore.InvalidArgumentError, match="years"):
        from_micros(2**63 - 1)
