"""The document store: storing, reading, importing and exporting versions of a document, and the tree
queries over their nodes (node, nodes, children, subtree, ancestors, pages, section path).

Nodes come back as :class:`~treestore.types.Node` dicts, versions as
:class:`~treestore.types.Version` dicts.
"""

import os
from pathlib import Path
from threading import get_ident
from typing import Any, Dict, Iterable, List, Optional, Union

from ._call import _Calls, dumps, first, opt_arg, s_arg
from ._decode import _c_decode, _loads, take_full, take_nodes, take_records, take_string, to_datetime
from ._native import NULL, give, lib, raise_status, status_name
from .errors import ArgumentTypeError, ClosedError, InvalidArgumentError, NotFoundError, error_class
from .timestamps import TimestampLike, to_micros
from .types import Document, Node, StoreResult, Structure, Version

__all__ = ["_Documents"]

_node_get = lib.treestore_node_get
if _c_decode is not None and not os.environ.get("TREESTORE_PURE_PYTHON"):
    from ._speedups import node_get as _c_node_get
    from ._speedups import node_get_any as _c_node_get_any
    from ._speedups import tree_query as _c_tree_query
    from ._speedups import tree_query_any as _c_tree_query_any
else:  # pragma: no cover
    _c_node_get = _c_node_get_any = _c_tree_query = _c_tree_query_any = None
_CHILDREN, _SUBTREE, _ANCESTORS = 0, 1, 2  # _speedups.tree_query's first argument
_read_view = lib.treestore_result_read
_free_result = lib.treestore_result_free
_children = lib.treestore_node_children
_subtree = lib.treestore_node_subtree
_ancestors = lib.treestore_node_ancestors
_U32_MAX = 2**32 - 1
_SURR = "surrogatepass"


PageSpec = Union[str, int, Iterable[Union[int, "tuple[int, int]"]]]


def _opt_id(value: Any, name: str) -> Optional[bytes]:
    """:func:`~treestore._call.s_arg`, with None passed through."""
    return None if value is None else s_arg(value, name)


def _pages_spec(pages: Any) -> bytes:
    """``"5-10,12"``, an int, or a list of ints and ``(first, last)`` pairs, as the spec text."""
    if isinstance(pages, str):
        return pages.encode("utf-8")
    if isinstance(pages, int) and not isinstance(pages, bool):
        return str(pages).encode()
    parts = []
    try:
        for p in pages:
            if isinstance(p, int) and not isinstance(p, bool):
                parts.append(str(p))
            elif isinstance(p, (tuple, list)) and len(p) == 2:
                parts.append(f"{int(p[0])}-{int(p[1])}")
            else:
                raise ArgumentTypeError(f"pages: {p!r} is neither a page nor a (first, last) pair")
    except TypeError:
        raise ArgumentTypeError(f"pages must be a str, int or list, not {type(pages).__name__}") from None
    return ",".join(parts).encode()


def _source_text(source: Any) -> bytes:
    """PageIndex JSON from a path, a file name, JSON text or a dict (see ``import_pageindex``)."""
    if isinstance(source, Path) or (isinstance(source, os.PathLike) and not isinstance(source, str)):
        return Path(source).read_bytes()
    if isinstance(source, str):
        stripped = source.lstrip()
        if stripped[:1] not in ("{", "[") and os.path.isfile(source):
            return Path(source).read_bytes()
        if stripped[:1] not in ("{", "["):
            raise NotFoundError(
                f"source {source[:200]!r} is neither an existing file nor PageIndex JSON text"
            )
        return source.encode("utf-8", _SURR)
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if isinstance(source, (dict, list)):
        return dumps(source, "source")
    raise ArgumentTypeError(
        f"source must be a pathlib.Path, a file name, JSON text or a dict, not {type(source).__name__}"
    )


def _time_ptr(s_i64: Any, index: int, value: Optional[TimestampLike]) -> Any:
    if value is None:
        return NULL
    s_i64[index] = to_micros(value)
    return s_i64 + index


class _Documents(_Calls):
    """Documents and tree queries (mixed into :class:`~treestore.TreeStore`)."""

    def _tree_c(self, which: int, p: Any, v: Any, n: Any, depth: int, text: bool) -> List[Node]:
        """A tree query in one crossing (``_speedups.tree_query``: call, read, decode, free in C).

        ``text`` is taken as its truth value (C reads it with ``p``). ``str`` ids go to C as they are
        (it reads their UTF-8 in place); for any other (a subclass, a wrong type) or one C cannot
        encode strictly (lone surrogates) it returns None, and the ids are checked and encoded here
        (the library then names invalid UTF-8).
        """
        h = self._h
        addr, t = h.enter_addrs()
        try:
            r = _c_tree_query(which, addr, t, p, v, n, depth, text, to_datetime)
            if r is None:
                p, v = s_arg(p, "policy_id"), _opt_id(v, "version_id")
                n = _opt_id(n, "parent_id") if which == _CHILDREN else s_arg(n, "node_id")
                r = _c_tree_query_any(which, addr, t, p, v, n, depth, text, to_datetime)
        finally:
            h.inflight.pop()
        if type(r) is tuple:
            raise error_class(r[0])(r[1] or status_name(r[0]), r[0])
        return r  # type: ignore[no-any-return]

    def _nodes_q(self, fn: Any, *args: Any) -> List[Node]:
        """``_q(take_nodes, fn, *args)`` with the reader inlined: the tree queries are the hot path."""
        h = self._h
        db, txn, s = h.begin()
        try:
            status = fn(db, txn, *args, s.result, s.err)
            if status:
                raise_status(status, s)
            result = s.result[0]
            if _c_decode is None:  # pragma: no cover
                return take_nodes(result, s)  # type: ignore[return-value]
            try:
                status = _read_view(result, s.view, s.err)
                if status:
                    raise_status(status, s)
                return _c_decode(s.view_addr, to_datetime, _loads)[1]  # type: ignore[no-any-return]
            finally:
                _free_result(result)
        finally:
            give(s)
            h.inflight.pop()

    # -- whole versions ----------------------------------------------------------------------------

    def store_document(self, document: Dict[str, Any], nodes: Optional[List[Dict[str, Any]]] = None) -> StoreResult:
        """Stores one version of a document, replacing the version with the same ids.

        ``document`` holds ``policy_id`` and ``version_id`` (required) and optionally
        ``effective_start``, ``effective_end``, ``created_by``, ``description``, ``tags``,
        ``metadata``...; ``nodes`` the node dicts (``node_id`` required, ``parent_id`` absent only at
        the root). A single ``{"document": ..., "nodes": ...}`` dict is accepted too. Datetimes may be
        ``datetime``, ``date`` or ISO-8601 strings. Returns ``{"success": True, "message",
        "policy_id", "version_id", "node_count", "version"}``; invalid input raises
        :class:`InvalidArgumentError` naming the node and field, and nothing is written.
        """
        if nodes is None and isinstance(document, dict) and "document" in document:
            body: Any = document
        else:
            body = {"document": document, "nodes": nodes if nodes is not None else []}
        version = first(self._q(take_records, lib.treestore_document_store, *_buf(dumps(body, "document"))))
        count = len(body.get("nodes") or []) if isinstance(body, dict) else 0
        return {
            "success": True,
            "message": f"stored {count} nodes as version {version['version_id']} of {version['policy_id']}",
            "policy_id": version["policy_id"],
            "version_id": version["version_id"],
            "node_count": count,
            "version": version,  # type: ignore[typeddict-item]
        }

    def store_documents(self, documents: List[Dict[str, Any]]) -> int:
        """Stores many ``{"document", "nodes"}`` versions in one transaction; returns how many."""
        if not isinstance(documents, list):
            raise ArgumentTypeError(f"documents must be a list, not {type(documents).__name__}")
        return int(self._out("count", lib.treestore_document_store_batch, *_buf(dumps(documents, "documents"))))

    def get_document(self, policy_id: str, version_id: Optional[str] = None) -> Document:
        """``{"document": version, "nodes": [every node with text, in pre-order]}``.

        ``version_id`` None reads the latest version. Raises :class:`NotFoundError` when absent.
        """
        p = s_arg(policy_id, "policy_id")
        records, nodes, _total, _cursor, _ = self._q(
            take_full, lib.treestore_document_get, p, len(p), *opt_arg(version_id, "version_id")
        )
        return {"document": first(records), "nodes": nodes}  # type: ignore[typeddict-item]

    def delete_document(self, policy_id: str, version_id: Optional[str] = None) -> StoreResult:
        """Deletes one version, or every version of the policy when ``version_id`` is None.

        Returns ``{"success": deleted > 0, "message", "deleted_versions"}``.
        """
        p = s_arg(policy_id, "policy_id")
        n = int(self._out("count", lib.treestore_document_delete, p, len(p), *opt_arg(version_id, "version_id")))
        what = f"version {version_id} of {policy_id}" if version_id is not None else f"policy {policy_id}"
        return {
            "success": n > 0,
            "message": f"deleted {n} version(s) of {what}" if n else f"{what} does not exist",
            "deleted_versions": n,
        }

    def get_structure(
        self,
        policy_id: str,
        version_id: Optional[str] = None,
        *,
        summary_chars: int = 420,
        limit: int = 0,
        cursor: Optional[str] = None,
    ) -> Structure:
        """The table of contents: ``{"document", "nodes" (no text), "total", "next_cursor"}``.

        Summaries are cut to ``summary_chars`` characters (negative: whole; 0: none). ``limit`` nodes
        per page (0: all); pass the returned ``next_cursor`` for the next page (None on the last).
        """
        p = s_arg(policy_id, "policy_id")
        if isinstance(summary_chars, bool) or not isinstance(summary_chars, int):
            raise ArgumentTypeError("summary_chars must be int")
        records, nodes, total, nxt, _ = self._q(
            take_full,
            lib.treestore_document_structure,
            p,
            len(p),
            *opt_arg(version_id, "version_id"),
            summary_chars,
            _size(limit, "limit"),
            *opt_arg(cursor, "cursor"),
        )
        return {"document": first(records), "nodes": nodes, "total": total, "next_cursor": nxt}  # type: ignore

    def import_pageindex(
        self,
        source: Union[str, "os.PathLike[str]", Dict[str, Any], bytes],
        policy_id: str,
        version_id: str,
        effective_start: Optional[TimestampLike] = None,
        effective_end: Optional[TimestampLike] = None,
        *,
        created_by: Optional[str] = None,
        description: Optional[str] = None,
    ) -> Version:
        """Imports PageIndex output as version ``version_id`` of ``policy_id`` (replacing it).

        ``source``: a :class:`pathlib.Path` or a ``str`` naming an existing file is read; any other
        ``str`` (or ``bytes``) is parsed as JSON text; a ``dict`` is taken as it is. Returns the
        stored version. Malformed JSON raises :class:`InvalidArgumentError` with line and column.
        """
        text = _source_text(source)
        p, v = s_arg(policy_id, "policy_id"), s_arg(version_id, "version_id")
        h = self._h
        db, txn, s = h.begin()
        try:
            start = _time_ptr(s.i64, 0, effective_start)
            end = _time_ptr(s.i64, 1, effective_end)
            status = lib.treestore_pageindex_import(
                db, txn, text, len(text), p, len(p), v, len(v), start, end,
                *opt_arg(created_by, "created_by"), *opt_arg(description, "description"), s.result, s.err,
            )  # fmt: skip
            if status:
                raise_status(status, s)
            return first(take_records(s.result[0], s))  # type: ignore[return-value]
        finally:
            give(s)
            h.inflight.pop()

    def export_pageindex(
        self, policy_id: str, version_id: Optional[str] = None, *, pretty: bool = True, ascii: bool = True
    ) -> str:
        """The version as PageIndex JSON text. ``pretty`` and ``ascii`` (the defaults) write
        PageIndex's own format, so an import exports byte for byte as it came; both False writes
        compact UTF-8."""
        p = s_arg(policy_id, "policy_id")
        flags = (lib.TREESTORE_PAGEINDEX_PRETTY if pretty else 0) | (lib.TREESTORE_PAGEINDEX_ASCII if ascii else 0)
        return self._q(take_string, lib.treestore_pageindex_export, p, len(p), *opt_arg(version_id, "version_id"), flags)

    # -- nodes -------------------------------------------------------------------------------------

    def get_node(self, policy_id: str, node_id: str, version_id: Optional[str] = None) -> Node:
        """Node ``node_id`` with its text (latest version unless ``version_id``).

        Raises :class:`NotFoundError` (a ``KeyError``) when the policy, version or node is absent.
        """
        h = self._h
        if _c_node_get is not None:  # one crossing: call, read, decode and free in C
            # str ids go to C as they are (it reads their UTF-8 in place); for any other id, or one C
            # cannot encode strictly (lone surrogates), it returns None and the ids are checked and
            # encoded here (the library then names the invalid UTF-8).
            # h.enter_addrs() inlined on the hottest read (the method call cost ~480 of its ~21,800
            # instructions, callgrind): register the call, then check the handle, then read its
            # addresses, in that order (see database._Handle).
            inflight = h.inflight
            inflight.append(None)
            try:
                if h.ptr is None:
                    raise ClosedError("database is closed")
                t = 0
                if h.txns:
                    txn = h.txns.get(get_ident())
                    if txn is not None:
                        t = txn._addr()
                addr = h.addr
                r = _c_node_get(addr, t, policy_id, version_id, node_id, to_datetime)
                if r is None:
                    p, n = s_arg(policy_id, "policy_id"), s_arg(node_id, "node_id")
                    v = _opt_id(version_id, "version_id")
                    r = _c_node_get_any(addr, t, p, v, n, to_datetime)
            finally:
                inflight.pop()
            if type(r) is tuple:
                raise error_class(r[0])(r[1] or status_name(r[0]), r[0])
            return r  # type: ignore[no-any-return]
        p = policy_id.encode("utf-8", _SURR) if type(policy_id) is str else s_arg(policy_id, "policy_id")
        n = node_id.encode("utf-8", _SURR) if type(node_id) is str else s_arg(node_id, "node_id")
        if version_id is None:
            v, vl = NULL, 0
        else:
            v = version_id.encode("utf-8", _SURR) if type(version_id) is str else s_arg(version_id, "version_id")
            vl = len(v)
        db, txn, s = h.begin()
        try:
            status = _node_get(db, txn, p, len(p), v, vl, n, len(n), s.result, s.err)
            if status:
                raise_status(status, s)
            if _c_decode is None:  # pragma: no cover
                return take_nodes(s.result[0], s)[0]  # type: ignore[return-value]
            result = s.result[0]  # take_nodes inlined: this is the hottest call
            try:
                status = _read_view(result, s.view, s.err)
                if status:
                    raise_status(status, s)
                return _c_decode(s.view_addr, to_datetime, _loads)[1][0]  # type: ignore[no-any-return]
            finally:
                _free_result(result)
        finally:
            give(s)
            h.inflight.pop()

    def get_nodes(
        self, policy_id: str, node_ids: Iterable[str], version_id: Optional[str] = None, *, include_text: bool = True
    ) -> Dict[str, Node]:
        """The nodes of ``node_ids`` as a dict by id, in the order asked; ids the version lacks are
        left out. Raises :class:`NotFoundError` only when the policy or version is absent."""
        if isinstance(node_ids, str):
            raise ArgumentTypeError("node_ids must be a list of ids, not one str")
        ids = list(node_ids)
        for i in ids:
            if not isinstance(i, str):
                raise ArgumentTypeError(f"node_ids must hold str, not {type(i).__name__}")
        p = s_arg(policy_id, "policy_id")
        j = dumps(ids, "node_ids")
        nodes = self._q(
            take_nodes, lib.treestore_node_get_batch, p, len(p), *opt_arg(version_id, "version_id"),
            j, len(j), bool(include_text),
        )  # fmt: skip
        return {n["node_id"]: n for n in nodes}  # type: ignore[misc]

    def get_children(
        self, policy_id: str, parent_id: Optional[str] = None, version_id: Optional[str] = None, *, include_text: bool = True
    ) -> List[Node]:
        """The children of ``parent_id`` in order (None: the root's). :class:`NotFoundError` when
        the parent is absent."""
        if _c_tree_query is not None:
            return self._tree_c(_CHILDREN, policy_id, version_id, parent_id, 0, include_text)
        p, v = s_arg(policy_id, "policy_id"), _opt_id(version_id, "version_id")
        a = _opt_id(parent_id, "parent_id")
        return self._nodes_q(
            _children, p, len(p), NULL if v is None else v, 0 if v is None else len(v),
            NULL if a is None else a, 0 if a is None else len(a), bool(include_text),
        )  # fmt: skip

    def get_subtree(
        self,
        policy_id: str,
        node_id: str,
        max_depth: int = 0,
        version_id: Optional[str] = None,
        include_text: bool = True,
    ) -> List[Node]:
        """The subtree of ``node_id`` in pre-order, the node first, ``max_depth`` levels deep (0: all;
        1: the node and its children)."""
        if type(max_depth) is not int:
            if isinstance(max_depth, bool) or not isinstance(max_depth, int):
                raise ArgumentTypeError(f"max_depth must be int, not {type(max_depth).__name__}")
        if not 0 <= max_depth <= _U32_MAX:
            raise InvalidArgumentError(f"max_depth is {max_depth}; it must be from 0 to {_U32_MAX}")
        if _c_tree_query is not None:
            return self._tree_c(_SUBTREE, policy_id, version_id, node_id, max_depth, include_text)
        p, n, v = s_arg(policy_id, "policy_id"), s_arg(node_id, "node_id"), _opt_id(version_id, "version_id")
        return self._nodes_q(
            _subtree, p, len(p), NULL if v is None else v, 0 if v is None else len(v), n, len(n), max_depth,
            bool(include_text),
        )  # fmt: skip

    def get_ancestor_path(
        self, policy_id: str, node_id: str, version_id: Optional[str] = None, *, include_text: bool = True
    ) -> List[Node]:
        """The path from the root down to ``node_id``, both included (root first)."""
        if _c_tree_query is not None:
            return self._tree_c(_ANCESTORS, policy_id, version_id, node_id, 0, include_text)
        p, n, v = s_arg(policy_id, "policy_id"), s_arg(node_id, "node_id"), _opt_id(version_id, "version_id")
        return self._nodes_q(
            _ancestors, p, len(p), NULL if v is None else v, 0 if v is None else len(v), n, len(n), bool(include_text)
        )

    def get_nodes_by_page(
        self, policy_id: str, page_number: int, version_id: Optional[str] = None, *, include_text: bool = True
    ) -> List[Node]:
        """Every node whose page range covers ``page_number``, in pre-order (empty when none)."""
        p = s_arg(policy_id, "policy_id")
        if isinstance(page_number, bool) or not isinstance(page_number, int):
            raise ArgumentTypeError(f"page_number must be int, not {type(page_number).__name__}")
        if not -(2**63) <= page_number < 2**63:
            raise InvalidArgumentError(f"page_number {page_number} is out of range")
        return self._q(  # type: ignore[return-value]
            take_nodes,  # type: ignore[arg-type]
            lib.treestore_node_by_page, p, len(p), *opt_arg(version_id, "version_id"),
            page_number, bool(include_text),
        )  # fmt: skip

    def get_nodes_by_pages(
        self, policy_id: str, pages: PageSpec, version_id: Optional[str] = None, *, include_text: bool = True
    ) -> List[Node]:
        """Every node whose pages meet ``pages`` (``"5-10,12"``, an int, or a list of pages and
        ``(first, last)`` pairs), in pre-order, each once."""
        p, spec = s_arg(policy_id, "policy_id"), _pages_spec(pages)
        return self._q(  # type: ignore[return-value]
            take_nodes,  # type: ignore[arg-type]
            lib.treestore_node_by_pages, p, len(p), *opt_arg(version_id, "version_id"),
            spec, len(spec), bool(include_text),
        )  # fmt: skip

    def get_node_by_section_path(self, policy_id: str, section_path: str, version_id: Optional[str] = None) -> Node:
        """The node at ``section_path`` (e.g. ``"2.1"``; ``""`` is the root), with text."""
        p, sp = s_arg(policy_id, "policy_id"), s_arg(section_path, "section_path")
        nodes = self._q(
            take_nodes, lib.treestore_node_by_section_path, p, len(p), *opt_arg(version_id, "version_id"), sp, len(sp)
        )
        return nodes[0]  # type: ignore[return-value]


def _buf(b: bytes) -> "tuple[bytes, int]":
    return b, len(b)


def _size(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{name} must be int, not {type(value).__name__}")
    if value < 0:
        raise InvalidArgumentError(f"{name} is {value}; it must not be negative")
    return value


