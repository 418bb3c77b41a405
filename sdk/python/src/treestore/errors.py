"""The exceptions TreeStore raises, one class per group of C status codes.

Every error the engine reports carries its message and its numeric status (the ``TREESTORE_*`` codes of
``treestore.h``). :func:`error_class` is the one place that maps a status to a class.
"""

from typing import Dict, Type

from ._treestore_cffi import lib

__all__ = [
    "TreeStoreError",
    "InvalidArgumentError",
    "ArgumentTypeError",
    "TooLargeError",
    "NotFoundError",
    "AlreadyExistsError",
    "CorruptionError",
    "TreeStoreIOError",
    "PreviousIOError",
    "DatabaseLockedError",
    "ReadOnlyError",
    "ClosedError",
    "InternalError",
    "error_class",
]

# The C ABI's status codes, read from the header the extension was compiled against.
OK = lib.TREESTORE_OK
INVALID_ARGUMENT = lib.TREESTORE_INVALID_ARGUMENT
NULL_PARAMETER = lib.TREESTORE_NULL_PARAMETER
INVALID_UTF8 = lib.TREESTORE_INVALID_UTF8
TOO_LARGE = lib.TREESTORE_TOO_LARGE
NOT_FOUND = lib.TREESTORE_NOT_FOUND
ALREADY_EXISTS = lib.TREESTORE_ALREADY_EXISTS
CORRUPTION = lib.TREESTORE_CORRUPTION
IO = lib.TREESTORE_IO
PREVIOUS_IO = lib.TREESTORE_PREVIOUS_IO
DATABASE_LOCKED = lib.TREESTORE_DATABASE_LOCKED
READ_ONLY = lib.TREESTORE_READ_ONLY
CLOSED = lib.TREESTORE_CLOSED
PANIC = lib.TREESTORE_PANIC


class TreeStoreError(Exception):
    """Base class of every TreeStore error.

    Attributes:
        message: the engine's message (or the SDK's, for errors found before calling the engine).
        status: the C status code (``treestore.h``), e.g. 200 for not found.
    """

    default_status = 0

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message, status or self.default_status)
        self.message = message
        self.status = status or self.default_status

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status})"


class InvalidArgumentError(TreeStoreError, ValueError):
    """An argument is invalid: a bad value, a wrong type, text that is not valid UTF-8."""

    default_status = INVALID_ARGUMENT


class ArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument has the wrong type (also a :class:`TypeError`)."""


class TooLargeError(InvalidArgumentError):
    """An argument exceeds a documented size limit."""

    default_status = TOO_LARGE


class NotFoundError(TreeStoreError, KeyError):
    """The thing asked for does not exist (also a :class:`KeyError`)."""

    default_status = NOT_FOUND


class AlreadyExistsError(TreeStoreError):
    """The thing to create exists already."""

    default_status = ALREADY_EXISTS


class CorruptionError(TreeStoreError):
    """The database file or its WAL is damaged."""

    default_status = CORRUPTION


class TreeStoreIOError(TreeStoreError, OSError):
    """The operating system reported an I/O error (also an :class:`OSError`)."""

    default_status = IO


class PreviousIOError(TreeStoreIOError):
    """An earlier I/O failure stopped writes; close and reopen the database."""

    default_status = PREVIOUS_IO


class DatabaseLockedError(TreeStoreError):
    """Another process holds the database open for writing."""

    default_status = DATABASE_LOCKED


class ReadOnlyError(TreeStoreError):
    """A write on a read-only database or in a read transaction."""

    default_status = READ_ONLY


class ClosedError(TreeStoreError):
    """The database was closed, or the transaction has ended."""

    default_status = CLOSED


class InternalError(TreeStoreError):
    """A bug in TreeStore (a panic caught at the C boundary). Please report it."""

    default_status = PANIC


_BY_STATUS: Dict[int, Type[TreeStoreError]] = {
    INVALID_ARGUMENT: InvalidArgumentError,
    NULL_PARAMETER: InvalidArgumentError,
    INVALID_UTF8: InvalidArgumentError,
    TOO_LARGE: TooLargeError,
    NOT_FOUND: NotFoundError,
    ALREADY_EXISTS: AlreadyExistsError,
    CORRUPTION: CorruptionError,
    IO: TreeStoreIOError,
    PREVIOUS_IO: PreviousIOError,
    DATABASE_LOCKED: DatabaseLockedError,
    READ_ONLY: ReadOnlyError,
    CLOSED: ClosedError,
    PANIC: InternalError,
}


def error_class(status: int) -> Type[TreeStoreError]:
    """The exception class for a C status code (:class:`TreeStoreError` for codes this SDK predates)."""
    return _BY_STATUS.get(status, TreeStoreError)
