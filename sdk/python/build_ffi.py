"""The cffi builder for ``treestore._treestore_cffi`` (out-of-line API mode).

setup.py names it in ``cffi_modules``; cffi turns the declarations of ``include/treestore_cffi.h`` into a
C file that includes the real ``include/treestore.h``, so the C compiler checks every declaration against
the header the library was built with. The extension links ``libtreestore.so``, which setup.py copies
beside it (found through an ``$ORIGIN`` rpath).
"""

import os
import sys
from pathlib import Path

import cffi


def repo_root() -> Path:
    """The TreeStore repository: ``$TREESTORE_SOURCE_DIR``, else two folders above this file."""
    env = os.environ.get("TREESTORE_SOURCE_DIR")
    root = Path(env) if env else Path(__file__).resolve().parents[2]
    if not (root / "treestore-ffi" / "Cargo.toml").is_file():
        raise RuntimeError(
            f"the TreeStore sources are not at {root}: build from a checkout of the repository "
            "(pip install ./sdk/python) or set TREESTORE_SOURCE_DIR to its root"
        )
    return root


def rpath_args() -> list:
    """Linker arguments that make the extension find the library in its own folder."""
    if sys.platform == "darwin":
        return ["-Wl,-rpath,@loader_path"]
    # DT_RPATH (not RUNPATH): the bundled library wins over LD_LIBRARY_PATH.
    return ["-Wl,-rpath,$ORIGIN", "-Wl,--disable-new-dtags"]


ROOT = repo_root()
ffibuilder = cffi.FFI()
ffibuilder.cdef((ROOT / "include" / "treestore_cffi.h").read_text(encoding="utf-8"))
# The log callback the SDK installs (treestore/_logging.py): a C function cffi generates that calls
# the Python function registered with @ffi.def_extern (no libffi closure, no executable memory).
ffibuilder.cdef('extern "Python" void treestore_py_log(uint32_t, const uint8_t *, size_t, void *);')
ffibuilder.set_source(
    "treestore._treestore_cffi",
    '#include "treestore.h"',
    include_dirs=[str(ROOT / "include")],
    libraries=["treestore"],
    extra_link_args=rpath_args(),
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
