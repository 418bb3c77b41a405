"""The exception hierarchy and the one mapping from C status codes."""

import pickle

import pytest

import treestore
from treestore import errors
from treestore.errors import error_class


@pytest.mark.parametrize(
    "status, cls",
    [
        (100, treestore.InvalidArgumentError),
        (101, treestore.InvalidArgumentError),
        (102, treestore.InvalidArgumentError),
        (103, treestore.TooLargeError),
        (200, treestore.NotFoundError),
        (201, treestore.AlreadyExistsError),
        (300, treestore.CorruptionError),
        (400, treestore.TreeStoreIOError),
        (401, treestore.PreviousIOError),
        (500, treestore.DatabaseLockedError),
        (501, treestore.ReadOnlyError),
        (502, treestore.ClosedError),
        (900, treestore.InternalError),
    ],
)
def test_each_status_maps_to_its_class(status, cls):
    assert error_class(status) is cls
    e = cls("message", status)
    assert isinstance(e, treestore.TreeStoreError)
    assert e.status == status and e.message == "message" and str(e) == "message"


def test_an_unknown_status_is_a_plain_treestore_error():
    assert error_class(12345) is treestore.TreeStoreError


def test_the_python_families_are_kept():
    assert issubclass(treestore.NotFoundError, KeyError)
    assert issubclass(treestore.InvalidArgumentError, ValueError)
    assert issubclass(treestore.ArgumentTypeError, TypeError)
    assert issubclass(treestore.ArgumentTypeError, treestore.InvalidArgumentError)
    assert issubclass(treestore.TooLargeError, treestore.InvalidArgumentError)
    assert issubclass(treestore.TreeStoreIOError, OSError)
    assert issubclass(treestore.PreviousIOError, treestore.TreeStoreIOError)


def test_not_found_reads_like_a_message_not_a_key_repr():
    e = treestore.NotFoundError('key not found in table "t"')
    assert str(e) == 'key not found in table "t"'
    assert e.status == errors.NOT_FOUND
    assert repr(e) == "NotFoundError('key not found in table \"t\"', status=200)"


def test_default_status_comes_from_the_class():
    assert treestore.ClosedError("database is closed").status == 502
    assert treestore.TreeStoreError("x").status == 0


def test_errors_survive_pickling():
    e = treestore.DatabaseLockedError("held by another process", 500)
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is treestore.DatabaseLockedError
    assert back.message == e.message and back.status == 500


def test_status_constants_match_the_library():
    lib = treestore._native.lib
    assert errors.NOT_FOUND == lib.TREESTORE_NOT_FOUND == 200
    assert treestore._native.status_name(errors.NOT_FOUND) == "not found"
    assert treestore._native.status_name(4242) == "unknown status"
