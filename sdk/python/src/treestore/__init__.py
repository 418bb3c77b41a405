"""TreeStore: an embedded, crash-safe database for trees of document sections.

>>> import treestore
>>> with treestore.TreeStore("policies.tsdb") as db:          # doctest: +SKIP
...     with db.transaction(write=True):
...         db.kv_put("notes", b"policy-001", b"reviewed")
...     db.kv_get("notes", b"policy-001")
b'reviewed'

Importing checks that the bundled library speaks the ABI this package was built for (ImportError
otherwise) and routes the engine's log lines to the ``logging`` logger ``"treestore"``. See README.md
for threads, transactions and errors; :mod:`treestore.types` for the shapes of results.
"""

from . import _native
from .database import Transaction, TreeStore, TreeStoreClient, compact
from .errors import (
    AlreadyExistsError,
    ArgumentTypeError,
    ClosedError,
    CorruptionError,
    DatabaseLockedError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    PreviousIOError,
    ReadOnlyError,
    TooLargeError,
    TreeStoreError,
    TreeStoreIOError,
)
from ._logging import set_log_level
from .timestamps import TimestampLike, from_micros, to_micros
from . import types

__version__ = "0.1.0"

#: The C ABI version this package was compiled against (``TREESTORE_ABI_VERSION``).
ABI_VERSION: int = _native.BUILT_FOR_ABI


def library_version() -> str:
    """The version of the bundled TreeStore library, e.g. ``"0.1.0"``."""
    return _native.library_version()


def abi_version() -> int:
    """The ABI version the bundled library reports (equal to :data:`ABI_VERSION` once imported)."""
    return int(_native.lib.treestore_abi_version())


__all__ = [
    "ABI_VERSION",
    "AlreadyExistsError",
    "ArgumentTypeError",
    "ClosedError",
    "CorruptionError",
    "DatabaseLockedError",
    "InternalError",
    "InvalidArgumentError",
    "NotFoundError",
    "PreviousIOError",
    "ReadOnlyError",
    "TimestampLike",
    "TooLargeError",
    "Transaction",
    "TreeStore",
    "TreeStoreClient",
    "TreeStoreError",
    "TreeStoreIOError",
    "abi_version",
    "compact",
    "from_micros",
    "library_version",
    "set_log_level",
    "types",
    "to_micros",
]
