"""Raw tables: get, put, delete, scan, and their argument errors."""

import pytest

import treestore


def fill(db, n=50, table="t"):
    with db.transaction(write=True):
        for i in range(n):
            db.kv_put(table, b"k%03d" % i, b"v%03d" % i)


def test_put_then_get(db):
    db.kv_put("t", b"alpha", b"1")
    assert db.kv_get("t", b"alpha") == b"1"


def test_put_replaces(db):
    db.kv_put("t", b"k", b"old")
    db.kv_put("t", b"k", b"new")
    assert db.kv_get("t", b"k") == b"new"


def test_str_keys_and_values_are_utf8(db):
    db.kv_put("t", "clé", "värde")
    assert db.kv_get("t", "clé".encode()) == "värde".encode()


@pytest.mark.parametrize("make", [bytes, bytearray, memoryview])
def test_bytes_like_keys_and_values(db, make):
    db.kv_put("t", make(b"key"), make(b"value"))
    assert db.kv_get("t", make(b"key")) == b"value"


def test_binary_values_with_nul_bytes_and_empty_values(db):
    blob = bytes(range(256)) * 4
    db.kv_put("t", b"\x00\x01", blob)
    db.kv_put("t", b"empty", b"")
    assert db.kv_get("t", b"\x00\x01") == blob
    assert db.kv_get("t", b"empty") == b""


def test_large_value_round_trips(db):
    big = bytes(range(251)) * 8000  # ~2 MB, spans overflow pages
    db.kv_put("t", b"big", big)
    assert db.kv_get("t", b"big") == big


def test_missing_key_is_not_found_and_a_key_error(db):
    db.kv_put("t", b"k", b"v")
    with pytest.raises(treestore.NotFoundError, match="not found") as info:
        db.kv_get("t", b"missing")
    assert isinstance(info.value, KeyError) and info.value.status == 200
    with pytest.raises(KeyError):
        db.kv_get("t", b"missing")


def test_a_missing_table_reads_as_empty(db):
    with pytest.raises(treestore.NotFoundError):
        db.kv_get("no-such-table", b"k")
    assert db.kv_scan("no-such-table") == []


def test_get_with_a_default(db):
    db.kv_put("t", b"k", b"v")
    assert db.kv_get("t", b"missing", None) is None
    assert db.kv_get("t", b"missing", default=b"d") == b"d"
    assert db.kv_get("t", b"k", None) == b"v"


def test_delete_reports_whether_the_key_was_present(db):
    db.kv_put("t", b"k", b"v")
    assert db.kv_delete("t", b"k") is True
    assert db.kv_delete("t", b"k") is False
    assert db.kv_get("t", b"k", None) is None


def test_scan_everything_in_key_order(db):
    fill(db)
    pairs = db.kv_scan("t")
    assert len(pairs) == 50
    assert pairs[0] == (b"k000", b"v000") and pairs[-1] == (b"k049", b"v049")
    assert [k for k, _ in pairs] == sorted(k for k, _ in pairs)


def test_scan_a_half_open_range(db):
    fill(db)
    keys = [k for k, _ in db.kv_scan("t", b"k010", b"k020")]
    assert keys == [b"k%03d" % i for i in range(10, 20)]
    assert [k for k, _ in db.kv_scan("t", start=b"k045")] == [b"k%03d" % i for i in range(45, 50)]
    assert [k for k, _ in db.kv_scan("t", end=b"k003")] == [b"k000", b"k001", b"k002"]


def test_scan_reverse_with_limit(db):
    fill(db)
    keys = [k for k, _ in db.kv_scan("t", b"k010", b"k020", limit=5, reverse=True)]
    assert keys == [b"k019", b"k018", b"k017", b"k016", b"k015"]


def test_scan_limit_zero_returns_nothing_and_empty_ranges_are_empty(db):
    fill(db)
    assert db.kv_scan("t", limit=0) == []
    assert db.kv_scan("t", b"z", None) == []
    assert db.kv_scan("t", b"k020", b"k010") == []


def test_scan_results_are_independent_copies(db):
    fill(db, 3)
    first = db.kv_scan("t")
    db.kv_put("t", b"k000", b"changed")
    assert first[0] == (b"k000", b"v000")
    assert all(type(k) is bytes and type(v) is bytes for k, v in first)


def test_tables_are_separate(db):
    db.kv_put("a", b"k", b"1")
    db.kv_put("b", b"k", b"2")
    assert db.kv_get("a", b"k") == b"1" and db.kv_get("b", b"k") == b"2"


def test_empty_table_name_is_invalid(db):
    with pytest.raises(treestore.InvalidArgumentError):
        db.kv_put("", b"k", b"v")


@pytest.mark.parametrize("table", [b"t", 1, None])
def test_table_must_be_str(db, table):
    with pytest.raises(treestore.ArgumentTypeError, match="table must be str"):
        db.kv_put(table, b"k", b"v")


@pytest.mark.parametrize("key", [1, None, 2.5, ["k"]])
def test_key_must_be_bytes_like(db, key):
    with pytest.raises(treestore.ArgumentTypeError, match="key must be"):
        db.kv_put("t", key, b"v")
    with pytest.raises(TypeError):
        db.kv_get("t", key)


def test_value_must_be_bytes_like(db):
    with pytest.raises(treestore.ArgumentTypeError, match="value must be"):
        db.kv_put("t", b"k", 42)


def test_text_that_is_not_valid_unicode_is_refused(db):
    with pytest.raises(treestore.InvalidArgumentError, match="table.*not valid UTF-8") as info:
        db.kv_put("t\udcff", b"k", b"v")
    assert info.value.status == 102  # refused by the C side
    with pytest.raises(treestore.InvalidArgumentError, match="key is not valid Unicode"):
        db.kv_put("t", "k\udcff", b"v")


@pytest.mark.parametrize("limit", [-1, 2**64])
def test_limit_out_of_range_is_refused(db, limit):
    with pytest.raises(treestore.InvalidArgumentError, match="limit"):
        db.kv_scan("t", limit=limit)


def test_scan_bounds_must_be_bytes_like(db):
    with pytest.raises(treestore.ArgumentTypeError, match="start must be"):
        db.kv_scan("t", 5)
