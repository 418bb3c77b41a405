"""The database object, its transactions, and the methods that need no store: checkpoints, integrity,
statistics. The stores are mixins (``_documents``, ``_versions``, ``_search``, ``_metadata``,
``_prompts``, ``_query``, ``_kv``).

Threads: one :class:`TreeStore` may be shared by any number of threads (the C handle is thread-safe).
A transaction belongs to the thread that opened it: inside ``with db.transaction():`` that thread's calls
run in the transaction, and other threads' calls run outside it, each in a transaction of its own.

Closing: :meth:`TreeStore.close` waits for the calls in flight on other threads, rolls back and frees the
transactions still open, then frees the handle; every later call raises :class:`ClosedError`. The C
handle is never freed while a call may still use it.
"""

import os
import threading
import time
import warnings
import weakref
from typing import Any, Dict, List, Optional, Tuple, TypeVar, Union

from . import _native
from ._documents import _Documents
from ._kv import _Kv
from ._metadata import _Metadata
from ._prompts import _Prompts
from ._query import _Query, _operation_counts
from ._search import _Search
from ._versions import _Versions
from ._native import NULL, Scratch, ffi, give, int_arg, lib, raise_status, take, text_arg
from .errors import ArgumentTypeError, ClosedError, InvalidArgumentError, TreeStoreError
from ._decode import take_records
from .types import BackupReport, Stats

__all__ = ["TreeStore", "TreeStoreClient", "Transaction"]

_pop_scratch = _native._free_scratch.pop

_DURABILITY = {
    "sync": lib.TREESTORE_DURABILITY_SYNC,
    "relaxed": lib.TREESTORE_DURABILITY_RELAXED,
}
_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1

# treestore_stats is a run of uint64_t fields; they are read in one unpack, named from the header.
_STATS_FIELDS = [name for name, _ in ffi.typeof("treestore_stats").fields]
if ffi.sizeof("treestore_stats") != 8 * len(_STATS_FIELDS):
    raise ImportError("treestore: treestore_stats is expected to hold only uint64_t fields")


# The fixed entries of _Handle.inflight: a list of 4 grows to 8 slots on the first append and then
# neither grows nor shrinks while up to 4 calls are in flight (CPython's list over-allocation).
_IDLE = 4


def _closed() -> ClosedError:
    return ClosedError("database is closed")


class _Handle:
    """The C handle and what guards it: the calls in flight and the transactions open on it.

    ``inflight`` holds one entry per call in progress, past ``_IDLE`` fixed ones. A call appends, then
    reads ``ptr``; ``close`` clears ``ptr``, then waits for ``inflight`` to shrink back to ``_IDLE``.
    Both steps are atomic under the GIL and each side writes before it reads, so either the call sees
    ``None`` or ``close`` sees the call. (The fixed entries keep the list from being reallocated on
    every append and pop, which an empty list is: about 440 instructions a call.)
    """

    __slots__ = ("ptr", "addr", "inflight", "txns", "close_lock", "__weakref__")

    def __init__(self, ptr: Any) -> None:
        self.ptr = ptr
        self.addr = int(ffi.cast("uintptr_t", ptr))  # for treestore._speedups; valid while ptr is set
        self.inflight: List[None] = [None] * _IDLE
        # thread id -> the Transaction open on that thread. Whoever pops an entry frees its C handle.
        self.txns: Dict[int, "Transaction"] = {}
        self.close_lock = threading.Lock()

    def enter(self) -> Any:
        """Registers a call in flight; returns the C handle. Pair with :meth:`leave` in a finally."""
        self.inflight.append(None)
        ptr = self.ptr
        if ptr is None:
            self.inflight.pop()
            raise _closed()
        return ptr

    def enter_addrs(self) -> Tuple[int, int]:
        """:meth:`enter` for the one-crossing calls of ``treestore._speedups``: the handle's address
        and that of the calling thread's transaction (0: none). Pair with :meth:`leave`."""
        self.inflight.append(None)
        if self.ptr is None:
            self.inflight.pop()
            raise _closed()
        t = 0
        if self.txns:
            txn = self.txns.get(threading.get_ident())
            if txn is not None:
                t = txn._addr()
        return self.addr, t

    def leave(self) -> None:
        """Ends a call registered by :meth:`enter`."""
        self.inflight.pop()

    def begin(self) -> Tuple[Any, Any, Scratch]:
        """:meth:`enter`, plus the calling thread's transaction (or NULL) and a scratch, in one call
        (each Python call costs about as much as the C crossing). End with ``give(s)`` and
        ``h.inflight.pop()`` in a finally."""
        self.inflight.append(None)
        ptr = self.ptr
        if ptr is None:
            self.inflight.pop()
            raise _closed()
        try:
            s = _pop_scratch()
        except IndexError:
            s = Scratch()
        if not self.txns:
            return ptr, NULL, s
        txn = self.txns.get(threading.get_ident())
        return ptr, NULL if txn is None else txn._ptr, s

    def shut(self, timeout: Optional[float]) -> Any:
        """Stops new calls, waits for those in flight and frees the open transactions.

        Returns the C handle for the caller to free, or None when it was closed already or the calls in
        flight outlasted ``timeout`` (the handle is then leaked rather than freed under a running call).
        """
        ptr = self.ptr
        if ptr is None:
            return None
        self.ptr = None
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = 0.0001
        while len(self.inflight) > _IDLE:
            if deadline is not None and time.monotonic() > deadline:
                return None
            time.sleep(pause)
            pause = min(pause * 2, 0.01)
        while self.txns:
            try:
                _ident, txn = self.txns.popitem()
            except KeyError:
                break
            txn._free()
        return ptr


def _finalize(handle: _Handle) -> None:
    """Frees a database that was never closed (garbage collection or interpreter exit)."""
    with handle.close_lock:
        ptr = handle.shut(timeout=1.0)
        if ptr is not None:
            lib.treestore_db_free(ptr)


class TreeStore(_Documents, _Versions, _Search, _Metadata, _Prompts, _Query, _Kv):
    """An open TreeStore database: one file plus its write-ahead log (``<path>-wal``).

    Args:
        path: the database file (created when missing, unless ``create=False``).
        durability: ``"sync"`` (commits return after the WAL is fsynced) or ``"relaxed"`` (commits
            return at once; the WAL is fsynced in the background every 100 ms and at checkpoints).
        read_only: open with a shared lock; every write raises :class:`ReadOnlyError`.
        create: create the file when it is missing (else :class:`NotFoundError`).
        page_size: page size of a new database, a power of two from 1024 to 65536 (default 4096).
        checkpoint_wal_bytes: checkpoint automatically once the WAL passes this many bytes
            (default 64 MiB).
        shrink_at_close: when the last handle closes with at least a quarter of the file free,
            move live pages down and cut the free end off the file (default). ``False`` keeps the
            close quick on file systems where freeing blocks is slow (online discard).

    Raises:
        DatabaseLockedError: another process holds the database open for writing.
        NotFoundError: the file is missing and ``create`` is false.
        InvalidArgumentError: an option is invalid.
        CorruptionError: the file or its WAL is damaged.

    Use it as a context manager, or call :meth:`close`. It may be shared between threads.
    """

    def __init__(
        self,
        path: Union[str, "os.PathLike[str]"],
        *,
        durability: str = "sync",
        read_only: bool = False,
        create: bool = True,
        page_size: Optional[int] = None,
        checkpoint_wal_bytes: Optional[int] = None,
        shrink_at_close: bool = True,
    ) -> None:
        self._path = _path_arg(path)
        encoded = text_arg(self._path, "path")
        opts = ffi.new("treestore_options *")
        lib.treestore_options_init(opts)
        if durability not in _DURABILITY:
            raise InvalidArgumentError(f"durability must be one of {sorted(_DURABILITY)}, not {durability!r}")
        opts.durability = _DURABILITY[durability]
        if page_size is not None:
            opts.page_size = int_arg(page_size, "page_size", 1, _U32_MAX)
        if checkpoint_wal_bytes is not None:
            opts.checkpoint_wal_bytes = int_arg(checkpoint_wal_bytes, "checkpoint_wal_bytes", 1, _U64_MAX)
        opts.flags = (
            (lib.TREESTORE_OPEN_READ_ONLY if read_only else 0)
            | (0 if create else lib.TREESTORE_OPEN_NO_CREATE)
            | (0 if shrink_at_close else lib.TREESTORE_OPEN_NO_SHRINK)
        )
        s = take()
        try:
            status = lib.treestore_db_open(encoded, len(encoded), opts, s.db, s.err)
            if status:
                raise_status(status, s)
            self._h: _Handle = _Handle(s.db[0])
        finally:
            give(s)
        self._read_only = bool(read_only)
        self._durability = durability
        self._finalizer = weakref.finalize(self, _finalize, self._h)

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Checkpoints and closes the database. Idempotent.

        Waits for calls in flight on other threads; transactions still open are rolled back. Raises the
        final checkpoint's error, if any (the database is closed all the same).
        """
        h = self._h
        with h.close_lock:
            ptr = h.shut(timeout=None)
            if ptr is None:
                return
            self._finalizer.detach()
            s = take()
            try:
                status = lib.treestore_db_close(ptr, s.err)
                if status:
                    raise_status(status, s)
            finally:
                give(s)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._h.ptr is None

    @property
    def path(self) -> str:
        """The database file's path, as given."""
        return self._path

    @property
    def read_only(self) -> bool:
        """Whether the database was opened read-only."""
        return self._read_only

    @property
    def durability(self) -> str:
        """``"sync"`` or ``"relaxed"``."""
        return self._durability

    def __enter__(self: "_Self") -> "_Self":
        self._handle()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("read-only" if self._read_only else "open")
        return f"<{type(self).__name__} {self._path!r} {state}>"

    def _handle(self) -> _Handle:
        h = self._h
        if h.ptr is None:
            raise _closed()
        return h

    # -- transactions ---------------------------------------------------------------------------

    def transaction(self, write: bool = False) -> "Transaction":
        """A transaction for the calling thread, to use as ``with db.transaction(write=True):``.

        The ``with`` block begins it; calls this thread makes inside run in it; it commits when the
        block ends normally and rolls back when it raises. A write transaction waits while another one
        is open. A read transaction (``write=False``) is a consistent snapshot. Calls from other threads
        run outside it. Transactions do not nest on one thread.
        """
        return Transaction(self, self._handle(), bool(write))

    @property
    def current_transaction(self) -> "Optional[Transaction]":
        """The transaction open on the calling thread, if any."""
        h = self._h
        if not h.txns:
            return None
        return h.txns.get(threading.get_ident())

    # -- whole-database operations ---------------------------------------------------------------

    def checkpoint(self) -> None:
        """Copies committed pages into the main file and empties the WAL."""
        h = self._h
        db = h.enter()
        s = take()
        try:
            status = lib.treestore_db_checkpoint(db, s.err)
            if status:
                raise_status(status, s)
        finally:
            give(s)
            h.inflight.pop()  # leave()

    def check_integrity(self) -> Dict[str, Any]:
        """Verifies every checksum and invariant: ``{"ok": bool, "errors": [str, ...]}``.

        Damage found is reported in ``errors`` (at most 100, each naming the page or table); an error
        that stops the check itself is raised.
        """
        h = self._h
        db = h.enter()
        s = take()
        try:
            status = lib.treestore_db_check_integrity(db, s.flag, s.result, s.err)
            if status:
                raise_status(status, s)
            ok = bool(s.flag[0])
            errors = _native.take_strings(s.result[0], s)
        finally:
            give(s)
            h.inflight.pop()  # leave()
        return {"ok": ok, "errors": errors}

    def stats(self) -> Stats:
        """The planned client's statistics: ``{"total_documents", "total_nodes", "total_versions",
        "db_size_bytes", "operation_counts", "engine"}``.

        ``total_documents`` counts policies, ``total_versions`` their versions and ``total_nodes``
        the nodes of every version; ``db_size_bytes`` is the file plus its WAL;
        ``operation_counts`` the calls per operation since open (from :meth:`metrics`); ``engine``
        is :meth:`engine_stats`. Counting reads every version header, so this is not a hot-path call.
        """
        engine = self.engine_stats()
        counts = _document_counts(self)
        return {
            "total_documents": counts[0],
            "total_versions": counts[1],
            "total_nodes": counts[2],
            "db_size_bytes": (engine["file_bytes"] or 0) + (engine["wal_bytes"] or 0),
            "operation_counts": _operation_counts(self.metrics()),
            "engine": engine,
        }

    def engine_stats(self) -> Dict[str, Optional[int]]:
        """Engine statistics, named as in ``treestore_stats`` (``treestore.h``).

        ``page_size``, ``total_pages``, ``free_pages``, ``pending_pages``, ``used_pages``,
        ``wal_pages``, ``file_bytes``, ``wal_bytes``, ``last_txid``, ``commits``, ``checkpoints``,
        ``live_readers``, ``oldest_reader_age_us`` (0: no reader), ``last_checkpoint_age_us`` (None: no
        checkpoint yet in this process), ``uptime_us``.
        """
        h = self._h
        db = h.enter()
        out = ffi.new("treestore_stats *")
        s = take()
        try:
            status = lib.treestore_db_stats(db, out, s.err)
            if status:
                raise_status(status, s)
        finally:
            give(s)
            h.inflight.pop()  # leave()
        values = ffi.unpack(ffi.cast("uint64_t *", out), len(_STATS_FIELDS))
        stats: Dict[str, Optional[int]] = dict(zip(_STATS_FIELDS, values))
        if stats.get("last_checkpoint_age_us") == _U64_MAX:
            stats["last_checkpoint_age_us"] = None
        return stats


_Self = TypeVar("_Self", bound=TreeStore)


class TreeStoreClient(TreeStore):
    """:class:`TreeStore` under the name of the old networked client.

    Accepts the old ``host`` and ``port`` keywords and ignores them (with a ``DeprecationWarning``):
    TreeStore is embedded, so ``path=`` is required. Change old call sites from
    ``TreeStoreClient(host=..., port=...)`` to ``TreeStoreClient(path=...)`` or to :class:`TreeStore`.
    """

    def __init__(
        self,
        path: Union[str, "os.PathLike[str]", None] = None,
        *,
        host: Optional[str] = None,
        port: Optional[int] = None,
        **options: Any,
    ) -> None:
        if path is None:
            raise InvalidArgumentError(
                "TreeStoreClient needs path=: TreeStore is an embedded database file, "
                "not a server (host and port are ignored)"
            )
        if host is not None or port is not None:
            warnings.warn(
                "TreeStoreClient ignores host and port: TreeStore is embedded and opens path",
                DeprecationWarning,
                stacklevel=2,
            )
        super().__init__(path, **options)


class Transaction:
    """A transaction owned by the thread that began it. Create with :meth:`TreeStore.transaction`.

    ``with`` begins it and ends it: commit on success, rollback on an exception. :meth:`commit` and
    :meth:`rollback` end it early; later calls in the block then raise :class:`ClosedError`.
    """

    __slots__ = ("_db", "_h", "_write", "_ptr", "_owner", "_state")

    _NEW, _ACTIVE, _ENDED, _DONE = range(4)

    def __init__(self, db: TreeStore, handle: _Handle, write: bool) -> None:
        self._db = db  # keeps the database open while the transaction object lives
        self._h = handle
        self._write = write
        self._ptr: Any = NULL
        self._owner = 0
        self._state = Transaction._NEW

    @property
    def write(self) -> bool:
        """Whether this is a write transaction."""
        return self._write

    @property
    def active(self) -> bool:
        """Whether the transaction has begun and not yet committed or rolled back."""
        return self._state == Transaction._ACTIVE and self._ptr != NULL

    def __enter__(self) -> "Transaction":
        if self._state != Transaction._NEW:
            raise InvalidArgumentError("a Transaction can be used in one with block only")
        h = self._h
        ident = threading.get_ident()
        if ident in h.txns:
            raise InvalidArgumentError(
                "a transaction is already open on this thread (transactions do not nest)"
            )
        db = h.enter()
        s = take()
        try:
            status = lib.treestore_txn_begin(db, self._write, s.txn, s.err)
            if status:
                raise_status(status, s)
            self._ptr = s.txn[0]
            self._owner = ident
            self._state = Transaction._ACTIVE
            h.txns[ident] = self  # registered before leave(): close() frees what it finds here
        finally:
            give(s)
            h.inflight.pop()  # leave()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._check_owner()
        try:
            if self._state == Transaction._ACTIVE:
                if exc_type is None:
                    self.commit()
                else:
                    try:
                        self.rollback()
                    except TreeStoreError:
                        pass  # the block's exception matters more; free() below rolls back anyway
        finally:
            self._state = Transaction._DONE
            if self._h.txns.pop(self._owner, None) is self:
                self._free()

    def commit(self) -> None:
        """Commits (a read transaction just ends). Raises :class:`ClosedError` once ended."""
        self._end(lib.treestore_txn_commit)

    def rollback(self) -> None:
        """Discards the transaction's writes. Raises :class:`ClosedError` once ended."""
        self._end(lib.treestore_txn_rollback)

    def _end(self, fn: Any) -> None:
        self._check_owner()
        if self._state != Transaction._ACTIVE:
            raise ClosedError("the transaction has already committed or rolled back")
        h = self._h
        h.enter()
        s = take()
        try:
            ptr = self._ptr
            if ptr == NULL:  # freed by close() before this thread got here
                raise _closed()
            self._state = Transaction._ENDED
            status = fn(ptr, s.err)
            if status:
                raise_status(status, s)
        finally:
            give(s)
            h.inflight.pop()  # leave()

    def _addr(self) -> int:
        """The C transaction's address (0 once freed), for treestore._speedups."""
        ptr = self._ptr
        return 0 if ptr == NULL else int(ffi.cast("uintptr_t", ptr))

    def _check_owner(self) -> None:
        if self._state != Transaction._NEW and threading.get_ident() != self._owner:
            raise InvalidArgumentError(
                "this transaction belongs to another thread; a transaction is used by the thread "
                "that began it"
            )

    def _free(self) -> None:
        """Frees the C transaction (rolling back a write still open). Called once, by whoever popped
        this transaction from the handle's registry."""
        ptr, self._ptr = self._ptr, NULL
        if ptr != NULL:
            lib.treestore_txn_free(ptr)

    def __repr__(self) -> str:
        kind = "write" if self._write else "read"
        state = ["new", "active", "ended", "done"][self._state]
        return f"<Transaction {kind} {state}>"


def _path_arg(path: Any) -> str:
    try:
        p = os.fspath(path)
    except TypeError:
        raise ArgumentTypeError(f"path must be str or os.PathLike, not {type(path).__name__}") from None
    if isinstance(p, bytes):
        try:
            p = p.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidArgumentError("path is not valid UTF-8") from None
    return str(p)


def _document_counts(db: TreeStore) -> Tuple[int, int, int]:
    """(policies, versions, nodes). The policies are the keys of the version store's ``ver.latest``
    table (one per policy; a key is the policy id as an order-preserving ``str`` element, see
    ``treestore-core/src/keys.rs``); each policy's versions are listed and each version's node
    count is the ``total`` of a one-node structure page."""
    versions = nodes = 0
    policies = [_key_str(k) for k, _v in db.kv_scan("ver.latest")]
    for policy in policies:
        for v in db.list_versions(policy, 0):
            versions += 1
            nodes += db.get_structure(policy, v["version_id"], summary_chars=0, limit=1)["total"]
    return len(policies), versions, nodes


def _key_str(key: bytes) -> str:
    """The first element of an order-preserving key when it is a ``str`` (tag 0x02; 0x00 escaped
    as 0x00 0xFF; ended by 0x00 0x01)."""
    if key[:1] != b"\x02":
        raise InvalidArgumentError("unexpected key in ver.latest")
    end = key.index(b"\x00\x01", 1)  # inside the body every 0x00 is followed by 0xFF
    return key[1:end].replace(b"\x00\xff", b"\x00").decode("utf-8")


def compact(path: Union[str, "os.PathLike[str]"]) -> "BackupReport":
    """Rewrites the closed database at ``path`` into a compacted file and renames it into place (a
    crash leaves either file whole); returns the new file's report like :meth:`TreeStore.backup`.
    :class:`DatabaseLockedError` while any handle, in this or another process, has it open."""
    try:
        p = os.fsencode(os.fspath(path))
    except TypeError:
        raise ArgumentTypeError(f"path must be str or os.PathLike, not {type(path).__name__}") from None
    s = take()
    try:
        status = lib.treestore_db_compact(p, len(p), NULL, s.result, s.err)
        if status:
            raise_status(status, s)
        records = take_records(s.result[0], s)
        return records[0]  # type: ignore[return-value]
    finally:
        give(s)
