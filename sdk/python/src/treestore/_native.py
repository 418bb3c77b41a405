"""The layer over the C ABI: the ABI check at import, out-parameters, status codes to exceptions, and
readers that copy a result object out in few calls before freeing it.

Invariants every caller keeps:

- a result or error object is freed in a ``finally`` right after it is read, and nothing returned to the
  user points into it: views are copied into ``bytes``/``str`` first;
- out-parameters come from a :class:`Scratch` taken from a free list for one call and given back after
  (one ``list.pop``/``list.append``, atomic under the GIL, instead of three ``ffi.new`` per call); a
  scratch is never shared by two calls in flight, so reentrant calls (signal handlers, ``__del__``) and
  threads each get their own;
- cffi releases the GIL for the duration of every C call.
"""

from typing import Any, List, NoReturn, Optional, Tuple

from ._treestore_cffi import ffi, lib
from .errors import ArgumentTypeError, InvalidArgumentError, error_class

__all__ = ["ffi", "lib", "NULL", "BUILT_FOR_ABI", "Scratch", "take", "give"]

NULL = ffi.NULL

#: The ABI version of the header this package was compiled against.
BUILT_FOR_ABI: int = lib.TREESTORE_ABI_VERSION


def check_abi(found: int, expected: int) -> None:
    """Raises ImportError unless the loaded library speaks the ABI this package was built for."""
    if found != expected:
        raise ImportError(
            f"treestore: the TreeStore library speaks ABI version {found}, but this package was built "
            f"for ABI version {expected}; reinstall the package (pip install ./sdk/python) so that it "
            "bundles a matching libtreestore"
        )


check_abi(lib.treestore_abi_version(), BUILT_FOR_ABI)

# The readers below unpack arrays of views as machine words in one call: treestore_str is {ptr, len}
# and treestore_kv is {key, value}, with pointer and size_t of one width.
_WORD = ffi.sizeof("uintptr_t")
if (
    ffi.sizeof("size_t") != _WORD
    or ffi.sizeof("treestore_str") != 2 * _WORD
    or ffi.sizeof("treestore_kv") != 4 * _WORD
    or ffi.offsetof("treestore_kv", "value") != 2 * _WORD
):
    raise ImportError("treestore: unexpected layout of treestore_str/treestore_kv on this platform")

_unpack = ffi.unpack
_cast = ffi.cast


class Scratch:
    """The out-parameters of one C call."""

    __slots__ = (
        "err", "result", "kvs", "strs", "size", "flag", "db", "txn", "view", "view_bytes", "view_addr", "count", "i64", "f64",
    )  # fmt: skip

    def __init__(self) -> None:
        self.err = ffi.new("treestore_error **")
        self.result = ffi.new("treestore_result **")
        self.kvs = ffi.new("const treestore_kv **")
        self.strs = ffi.new("const treestore_str **")
        self.size = ffi.new("size_t *")
        self.flag = ffi.new("bool *")
        self.db = ffi.new("treestore_db **")
        self.txn = ffi.new("treestore_txn **")
        self.view = ffi.new("treestore_result_view *")
        self.view.struct_size = ffi.sizeof("treestore_result_view")
        self.view_bytes = ffi.buffer(self.view)  # read with struct.unpack_from: no cdata per field
        self.view_addr = int(ffi.cast("uintptr_t", self.view))  # for treestore._speedups.decode
        self.count = ffi.new("uint64_t *")
        self.i64 = ffi.new("int64_t[2]")
        self.f64 = ffi.new("double *")


_free_scratch: List[Scratch] = []


def take() -> Scratch:
    """A scratch for one call; hand it back with :func:`give`."""
    try:
        return _free_scratch.pop()
    except IndexError:
        return Scratch()


give = _free_scratch.append


def copy_bytes(ptr: int, length: int) -> bytes:
    """Copies ``length`` bytes at address ``ptr``."""
    return _unpack(_cast("char *", ptr), length) if length else b""


def error_message(err: Any) -> str:
    """The message of a live ``treestore_error *``."""
    view = lib.treestore_error_message(err)
    if not view.len:
        return ""
    return str(_unpack(_cast("char *", view.ptr), view.len).decode("utf-8", "replace"))


def status_name(status: int) -> str:
    """The library's English name of a status code."""
    return str(ffi.string(lib.treestore_status_str(status)).decode("ascii", "replace"))


def raise_status(status: int, s: Scratch) -> NoReturn:
    """Raises the exception for ``status``, with the message of the error object in ``s.err`` (freed)."""
    err = s.err[0]
    s.err[0] = NULL
    try:
        message = error_message(err) if err != NULL else ""
    finally:
        lib.treestore_error_free(err)
    raise error_class(status)(message or status_name(status), status)


def discard_error(s: Scratch) -> None:
    """Frees the error object a failed call left in ``s.err``."""
    err = s.err[0]
    s.err[0] = NULL
    lib.treestore_error_free(err)


def take_kvs(result: Any, s: Scratch) -> List[Tuple[bytes, bytes]]:
    """Copies the key/value records out of ``result`` and frees it."""
    try:
        status = lib.treestore_result_kvs(result, s.kvs, s.size, s.err)
        if status:
            raise_status(status, s)
        n = s.size[0]
        if not n:
            return []
        words = iter(_unpack(_cast("uintptr_t *", s.kvs[0]), 4 * n))
        return [
            (copy_bytes(kp, kl), copy_bytes(vp, vl)) for kp, kl, vp, vl in zip(words, words, words, words)
        ]
    finally:
        lib.treestore_result_free(result)


def take_single_value(result: Any, s: Scratch) -> bytes:
    """The value of the one key/value record of ``result`` (a get); frees the result."""
    try:
        status = lib.treestore_result_kvs(result, s.kvs, s.size, s.err)
        if status:
            raise_status(status, s)
        if s.size[0] != 1:
            raise InvalidArgumentError(f"expected one record, got {s.size[0]}")
        _kp, _kl, vp, vl = _unpack(_cast("uintptr_t *", s.kvs[0]), 4)
        return copy_bytes(vp, vl)
    finally:
        lib.treestore_result_free(result)


def take_strings(result: Any, s: Scratch) -> List[str]:
    """Copies the string records out of ``result`` (decoded as UTF-8) and frees it."""
    try:
        status = lib.treestore_result_strings(result, s.strs, s.size, s.err)
        if status:
            raise_status(status, s)
        n = s.size[0]
        if not n:
            return []
        words = iter(_unpack(_cast("uintptr_t *", s.strs[0]), 2 * n))
        return [copy_bytes(p, ln).decode("utf-8", "replace") for p, ln in zip(words, words)]
    finally:
        lib.treestore_result_free(result)


def text_arg(value: object, name: str) -> bytes:
    """A ``str`` argument as UTF-8 bytes."""
    if isinstance(value, str):
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise InvalidArgumentError(f"{name} is not valid Unicode text: {e.reason}") from None
    raise ArgumentTypeError(f"{name} must be str, not {type(value).__name__}")


def bytes_arg(value: object, name: str) -> bytes:
    """A bytes-like (or ``str``, encoded as UTF-8) argument as ``bytes``."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return text_arg(value, name)
    raise ArgumentTypeError(f"{name} must be bytes, bytearray, memoryview or str, not {type(value).__name__}")


def optional_bytes_arg(value: object, name: str) -> Optional[bytes]:
    """Like :func:`bytes_arg`, with ``None`` passed through (an unbounded end of a range)."""
    return None if value is None else bytes_arg(value, name)


def int_arg(value: object, name: str, low: int, high: int) -> int:
    """An integer argument within ``[low, high]`` (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{name} must be int, not {type(value).__name__}")
    if not low <= value <= high:
        raise InvalidArgumentError(f"{name} is {value}; it must be from {low} to {high}")
    return value


def library_version() -> str:
    """The version of the loaded library, e.g. ``"0.1.0"``."""
    return str(ffi.string(lib.treestore_version()).decode("ascii", "replace"))
