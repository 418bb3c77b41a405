# Type stub of the cffi extension built by build_ffi.py: the declarations of include/treestore_cffi.h.
from typing import Any

ffi: Any
lib: Any
