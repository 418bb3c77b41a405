"""The import-time ABI check, the versions, and what the installed package holds."""

import os
import textwrap
from pathlib import Path

import pytest

import treestore
from conftest import REPO, run_python
from treestore import _native


def test_abi_versions_agree():
    assert treestore.abi_version() == treestore.ABI_VERSION == 1


def test_library_version_is_the_crate_version():
    assert treestore.library_version() == "0.1.0"
    assert treestore.__version__ == "0.1.0"


def test_check_abi_accepts_equal_versions():
    _native.check_abi(3, 3)


def test_check_abi_refuses_a_mismatch_with_a_clear_message():
    with pytest.raises(ImportError, match=r"ABI version 2.*built for ABI version 1"):
        _native.check_abi(2, 1)


def test_import_fails_when_the_loaded_library_speaks_another_abi():
    # The real extension, loaded under its own name, wrapped so the library reports ABI 999; then the
    # package is imported on top of it.
    code = textwrap.dedent("""
        import importlib.machinery, importlib.util, sys, types
        spec = importlib.util.find_spec("treestore")
        folder = spec.submodule_search_locations[0]
        import glob
        path = glob.glob(folder + "/_treestore_cffi*.so")[0]
        loader = importlib.machinery.ExtensionFileLoader("_treestore_cffi", path)
        real = importlib.util.module_from_spec(importlib.util.spec_from_loader("_treestore_cffi", loader))
        loader.exec_module(real)

        class Lib:
            def __getattr__(self, name):
                return getattr(real.lib, name)
            def treestore_abi_version(self):
                return 999

        fake = types.ModuleType("treestore._treestore_cffi")
        fake.ffi, fake.lib = real.ffi, Lib()
        sys.modules["treestore._treestore_cffi"] = fake
        try:
            import treestore
        except ImportError as e:
            print("ImportError:", e)
        else:
            print("imported")
        """)
    out = run_python(code)
    assert out.returncode == 0, out.stderr
    assert "ImportError:" in out.stdout
    assert "ABI version 999" in out.stdout and "built for ABI version 1" in out.stdout


def test_package_bundles_the_library_and_marks_itself_typed():
    folder = Path(treestore.__file__).parent
    assert (folder / "libtreestore.so").is_file()
    assert (folder / "py.typed").is_file()
    assert list(folder.glob("_treestore_cffi*.so"))


def test_the_bundled_library_is_the_one_loaded():
    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("no /proc on this platform")
    bundled = os.path.realpath(Path(treestore.__file__).parent / "libtreestore.so")
    loaded = {line.split()[-1] for line in maps.read_text().splitlines() if "libtreestore" in line}
    assert loaded == {bundled}


def test_the_cffi_header_declares_every_status_the_errors_map():
    header = (REPO / "include" / "treestore_cffi.h").read_text()
    statuses = {}
    for line in header.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "#define" and parts[1].startswith("TREESTORE_"):
            name, value = parts[1][len("TREESTORE_") :], int(parts[2])
            # Status codes are OK (0) and the groups of hundreds (docs/c-api.md); other integer
            # constants (flags, value kinds, durability modes) are small numbers.
            if name == "OK" or value >= 100:
                statuses[name] = value
    assert statuses["OK"] == 0 and statuses["NOT_FOUND"] == 200
    for name, value in statuses.items():
        if value == 0:
            continue
        cls = treestore.errors.error_class(value)
        assert cls is not treestore.TreeStoreError, f"status {name} ({value}) has no exception class"


def test_every_export_of_the_header_is_called_by_the_sdk():
    """Everything the C API offers is reachable from Python (each exception with its reason)."""
    import re

    not_called = {
        "treestore_error_status": "the status comes back as the return value of the call",
        "treestore_conversation_list_by_user": "list_conversations(user_id=...) filters by user",
        "treestore_conversation_list_by_tag": "list_conversations(tag=...) filters by tag with one call",
    }
    header = (REPO / "include" / "treestore.h").read_text()
    exports = set(re.findall(r"(?m)^\S.*\b(treestore_[a-z_0-9]+)\(", header))
    assert len(exports) > 100, "the header scan is broken"
    package = Path(treestore.__file__).parent
    source = "".join(p.read_text() for p in sorted(package.glob("*.py")) + sorted(package.glob("*.c")))
    missing = sorted(e for e in exports - set(not_called) if not re.search(rf"\b{e}\b", source))
    assert missing == [], f"exports the Python SDK never calls: {missing}"
