"""Builds the TreeStore Python package: the Rust library, then the cffi extension that links it.

``build_ext`` runs ``cargo build --release -p treestore-ffi`` at the repository root (two folders up, or
``$TREESTORE_SOURCE_DIR``), compiles ``treestore._treestore_cffi`` against ``target/release`` and copies
``libtreestore.so`` (debug info stripped) into the package beside the extension. With
``$TREESTORE_LIB_DIR`` set, the library found there is used and cargo is not run.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_ffi import repo_root, rpath_args  # noqa: E402

_FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
LIB_NAME = {"darwin": "libtreestore.dylib"}.get(sys.platform, "libtreestore.so")


def cargo_target_dir(root: Path) -> Path:
    """Where cargo puts its output, honouring ``CARGO_TARGET_DIR`` like cargo does."""
    env = os.environ.get("CARGO_TARGET_DIR")
    if env:
        return (root / env).resolve()
    return root / "target"


def build_library() -> Path:
    """Builds (or finds) the release library; returns the folder that holds it."""
    prebuilt = os.environ.get("TREESTORE_LIB_DIR")
    if prebuilt:
        lib_dir = Path(prebuilt).resolve()
    else:
        root = repo_root()
        cargo = os.environ.get("CARGO", "cargo")
        cmd = [cargo, "build", "--release", "-p", "treestore-ffi"]
        print(f"running {' '.join(cmd)} in {root}", file=sys.stderr)
        try:
            subprocess.run(cmd, cwd=root, check=True)
        except FileNotFoundError:
            raise RuntimeError("cargo is needed to build TreeStore (https://rustup.rs)") from None
        lib_dir = cargo_target_dir(root) / "release"
    if not (lib_dir / LIB_NAME).is_file():
        raise RuntimeError(f"{LIB_NAME} is not in {lib_dir}")
    return lib_dir


def copy_stripped(src: Path, dst: Path) -> None:
    """Copies the library, dropping its debug info (7.9 MB -> 0.9 MB) when `strip` is at hand."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.copyfile(src, tmp)
    os.chmod(tmp, 0o755)
    strip = shutil.which("strip")
    if strip and not os.environ.get("TREESTORE_KEEP_DEBUG"):
        flag = "-S" if sys.platform == "darwin" else "--strip-debug"
        subprocess.run([strip, flag, str(tmp)], check=False)
    os.replace(tmp, dst)


class BuildExt(build_ext):
    """Builds the Rust library before the extension and bundles it in the package."""

    lib_dir = None

    def pre_run(self, ext, ffi):  # called by cffi before it writes the extension's C file
        if self.lib_dir is None:
            self.lib_dir = build_library()
        ext.library_dirs = [str(self.lib_dir)]

    def run(self):
        if self.lib_dir is None:
            self.lib_dir = build_library()
        for ext in self.extensions:  # _speedups links the library too (its get_node fast path)
            ext.library_dirs = [str(self.lib_dir)]
        super().run()
        ext_path = Path(self.get_ext_fullpath("treestore._treestore_cffi"))
        copy_stripped(self.lib_dir / LIB_NAME, ext_path.parent / LIB_NAME)


# cffi builds a limited-API extension (one wheel for CPython 3.9 and later), except on free-threaded
# builds, which have no limited API.
OPTIONS = {} if _FREE_THREADED else {"bdist_wheel": {"py_limited_api": "cp39"}}

# treestore._speedups: the C decoder of result views (src/treestore/_speedups.c) and the one-call
# get_node; every other call goes through cffi. It links the bundled library like the cffi module.
SPEEDUPS = Extension(
    "treestore._speedups",
    sources=["src/treestore/_speedups.c"],
    include_dirs=[str(repo_root() / "include")],
    libraries=["treestore"],
    extra_link_args=rpath_args(),
    define_macros=[("TREESTORE_FULL_API", "1")] if _FREE_THREADED else [],
    py_limited_api=not _FREE_THREADED,
)

setup(
    ext_modules=[SPEEDUPS],
    cffi_modules=["build_ffi.py:ffibuilder"],
    cmdclass={"build_ext": BuildExt},
    options=OPTIONS,
    zip_safe=False,
)
