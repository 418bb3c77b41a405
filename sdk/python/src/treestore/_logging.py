"""Routes the engine's log lines to Python's :mod:`logging`, logger ``"treestore"``.

The C API takes one process-wide callback; this module installs it at import (levels error to
debug) and maps the engine's levels to logging's (trace is ``logging.DEBUG - 5``). Lines are
dropped in Python when the logger would ignore them. The callback may run on any thread, including
the engine's WAL sync thread; cffi takes the GIL for it. It is removed at interpreter exit, before
Python stops being able to run it. The library itself never prints.
"""

import atexit
import logging
from typing import Any

from ._native import NULL, ffi, lib

__all__ = ["logger", "set_log_level"]

#: The logger the engine's lines go to.
logger = logging.getLogger("treestore")
logger.addHandler(logging.NullHandler())

TRACE = logging.DEBUG - 5
_LEVELS = {
    lib.TREESTORE_LOG_ERROR: logging.ERROR,
    lib.TREESTORE_LOG_WARN: logging.WARNING,
    lib.TREESTORE_LOG_INFO: logging.INFO,
    lib.TREESTORE_LOG_DEBUG: logging.DEBUG,
    lib.TREESTORE_LOG_TRACE: TRACE,
}
_C_LEVELS = [
    (logging.ERROR, lib.TREESTORE_LOG_ERROR),
    (logging.WARNING, lib.TREESTORE_LOG_WARN),
    (logging.INFO, lib.TREESTORE_LOG_INFO),
    (logging.DEBUG, lib.TREESTORE_LOG_DEBUG),
]


@ffi.def_extern()  # type: ignore[misc]
def treestore_py_log(level: int, msg: Any, length: int, _user: Any) -> None:
    """The C callback: one log line from the engine."""
    try:
        py_level = _LEVELS.get(level, logging.INFO)
        if logger.isEnabledFor(py_level):
            text = ffi.unpack(ffi.cast("char *", msg), length).decode("utf-8", "replace") if length else ""
            logger.log(py_level, "%s", text)
    except Exception:  # an exception must not unwind into the engine
        pass


def set_log_level(level: int) -> None:
    """The least severe engine level forwarded, as a :mod:`logging` level (``logging.INFO``...);
    ``logging.CRITICAL + 1`` or more forwards nothing. The default forwards debug and up (the
    ``"treestore"`` logger filters further)."""
    c_level = lib.TREESTORE_LOG_OFF
    if level < logging.DEBUG:
        c_level = lib.TREESTORE_LOG_TRACE
    else:
        for py, c in _C_LEVELS:
            if level <= py:
                c_level = c
    _install(c_level)


def _install(c_level: int) -> None:
    err = ffi.new("treestore_error **")
    status = lib.treestore_log_set_callback(lib.treestore_py_log if c_level else NULL, NULL, c_level, err)
    lib.treestore_error_free(err[0])
    if status and status != lib.TREESTORE_ALREADY_EXISTS:
        logger.debug("treestore: could not install the log callback (status %d)", status)


def _remove() -> None:
    lib.treestore_log_set_callback(NULL, NULL, lib.TREESTORE_LOG_OFF, NULL)


_install(lib.TREESTORE_LOG_DEBUG)
atexit.register(_remove)
