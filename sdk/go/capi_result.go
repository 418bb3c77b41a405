package treestore

// Result objects: a C result is read with one treestore_result_read, copied into Go memory (the
// arena once, as one Go string every string of the result slices; the fixed-width arrays element
// by element, in Go, without crossing into C) and freed. Nothing above this file sees a C type.

/*
#include <treestore.h>

typedef struct {
	treestore_status status;
	treestore_error *err;
	treestore_result_view view;
} ts_view_ret;

static ts_view_ret ts_result_read(const treestore_result *res) {
	ts_view_ret r = {0};
	r.view.struct_size = sizeof r.view;
	r.status = treestore_result_read(res, &r.view, &r.err);
	return r;
}

// The tree queries of the hot path run the query and read its view in one crossing, returning
// both by value (Go passes no out-pointers, so nothing escapes to the heap). `result` is set, and
// must be freed, even when reading the view failed.
typedef struct {
	treestore_status status;
	treestore_error *err;
	treestore_result *result;
	treestore_result_view view;
} ts_query_ret;

static void ts_read_into(ts_query_ret *r) {
	if (r->status == TREESTORE_OK) {
		r->view.struct_size = sizeof r->view;
		r->status = treestore_result_read(r->result, &r->view, &r->err);
	}
}

static ts_query_ret ts_node_get_read(const treestore_db *db, treestore_txn *txn, const uint8_t *p,
		size_t pl, const uint8_t *v, size_t vl, const uint8_t *n, size_t nl) {
	ts_query_ret r = {0};
	r.status = treestore_node_get(db, txn, p, pl, v, vl, n, nl, &r.result, &r.err);
	ts_read_into(&r);
	return r;
}

static ts_query_ret ts_node_subtree_read(const treestore_db *db, treestore_txn *txn,
		const uint8_t *p, size_t pl, const uint8_t *v, size_t vl, const uint8_t *n, size_t nl,
		uint32_t max_depth, bool text) {
	ts_query_ret r = {0};
	r.status = treestore_node_subtree(db, txn, p, pl, v, vl, n, nl, max_depth, text, &r.result,
		&r.err);
	ts_read_into(&r);
	return r;
}

static ts_query_ret ts_node_children_read(const treestore_db *db, treestore_txn *txn,
		const uint8_t *p, size_t pl, const uint8_t *v, size_t vl, const uint8_t *n, size_t nl,
		bool text) {
	ts_query_ret r = {0};
	r.status = treestore_node_children(db, txn, p, pl, v, vl, n, nl, text, &r.result, &r.err);
	ts_read_into(&r);
	return r;
}

static ts_query_ret ts_node_ancestors_read(const treestore_db *db, treestore_txn *txn,
		const uint8_t *p, size_t pl, const uint8_t *v, size_t vl, const uint8_t *n, size_t nl,
		bool text) {
	ts_query_ret r = {0};
	r.status = treestore_node_ancestors(db, txn, p, pl, v, vl, n, nl, text, &r.result, &r.err);
	ts_read_into(&r);
	return r;
}
*/
import "C"

import (
	"time"
	"unsafe"
)

// result is a C result copied into Go memory: records with their fields, nodes, and the shared
// string and key/value arrays the ranges of fields and nodes index.
type result struct {
	top     int // records[:top] are the results; nested records follow
	records []record
	fields  []field
	nodes   []Node
	strings []string
	kvs     []kvPair
	total   uint64
	next    string // the cursor of the next page; "" on the last page
}

type record struct {
	kind         string
	first, count int // fields[first : first+count]
}

// field is one value of a record; kind is a TREESTORE_VALUE_* constant.
type field struct {
	name         string
	kind         uint32
	first, count int // the items of lists, maps and nested records
	i            int64
	f            float64
	s            string
}

type kvPair struct{ key, value string }

// The value kinds of include/treestore.h.
const (
	valueNull    = C.TREESTORE_VALUE_NULL
	valueStr     = C.TREESTORE_VALUE_STR
	valueInt     = C.TREESTORE_VALUE_INT
	valueFloat   = C.TREESTORE_VALUE_FLOAT
	valueBool    = C.TREESTORE_VALUE_BOOL
	valueTime    = C.TREESTORE_VALUE_TIME
	valueStrList = C.TREESTORE_VALUE_STR_LIST
	valueStrMap  = C.TREESTORE_VALUE_STR_MAP
	valueRecords = C.TREESTORE_VALUE_RECORDS
	valueJSON    = C.TREESTORE_VALUE_JSON
)

// takeResult turns the outcome of an export that writes a result into a Go result: the error
// (freeing the error object), or the copied result. The C result is freed in every case.
func takeResult(status C.treestore_status, e *C.treestore_error, res *C.treestore_result) (*result, error) {
	if res != nil {
		defer C.treestore_result_free(res)
	}
	if err := errorFrom(status, e); err != nil {
		return nil, err
	}
	if res == nil {
		return nil, newError(StatusPanic, "the library returned success without a result")
	}
	r := C.ts_result_read(res)
	if err := errorFrom(r.status, r.err); err != nil {
		return nil, err
	}
	return copyView(&r.view), nil
}

// takeQuery copies the view a ts_*_read shim returned and frees its result.
func takeQuery(r *C.ts_query_ret) (*result, error) {
	if r.result != nil {
		defer C.treestore_result_free(r.result)
	}
	if err := errorFrom(r.status, r.err); err != nil {
		return nil, err
	}
	return copyView(&r.view), nil
}

func cNodeGet(h dbHandle, txn txnHandle, policy, version, node string) (*result, error) {
	p, pl := strArg(policy)
	v, vl := optArg(version)
	n, nl := strArg(node)
	r := C.ts_node_get_read(h, txn, p, pl, v, vl, n, nl)
	return takeQuery(&r)
}

func cNodeSubtree(h dbHandle, txn txnHandle, policy, version, node string, maxDepth uint32, text bool) (*result, error) {
	p, pl := strArg(policy)
	v, vl := optArg(version)
	n, nl := strArg(node)
	r := C.ts_node_subtree_read(h, txn, p, pl, v, vl, n, nl, C.uint32_t(maxDepth), C.bool(text))
	return takeQuery(&r)
}

func cNodeChildren(h dbHandle, txn txnHandle, policy, version, parent string, text bool) (*result, error) {
	p, pl := strArg(policy)
	v, vl := optArg(version)
	n, nl := optArg(parent)
	r := C.ts_node_children_read(h, txn, p, pl, v, vl, n, nl, C.bool(text))
	return takeQuery(&r)
}

func cNodeAncestors(h dbHandle, txn txnHandle, policy, version, node string, text bool) (*result, error) {
	p, pl := strArg(policy)
	v, vl := optArg(version)
	n, nl := strArg(node)
	r := C.ts_node_ancestors_read(h, txn, p, pl, v, vl, n, nl, C.bool(text))
	return takeQuery(&r)
}

// arenaReader makes Go strings of the views of one result: a view into the arena is a slice of
// the arena's one Go copy; any other (the library's static empty string) is copied.
type arenaReader struct {
	base  uintptr
	size  uintptr
	arena string
}

func (a *arenaReader) str(s C.treestore_str) string {
	if s.ptr == nil || s.len == 0 {
		return ""
	}
	off := uintptr(unsafe.Pointer(s.ptr)) - a.base
	n := uintptr(s.len)
	if off < a.size && n <= a.size-off {
		return a.arena[off : off+n]
	}
	return string(view(s))
}

// optStr is str for an optional string: nil when the view is absent (NULL).
func (a *arenaReader) optStr(s C.treestore_str, slot *string) *string {
	if s.ptr == nil {
		return nil
	}
	*slot = a.str(s)
	return slot
}

func copyView(v *C.treestore_result_view) *result {
	arena := view(C.treestore_str{ptr: v.arena, len: v.arena_len})
	a := &arenaReader{
		base:  uintptr(unsafe.Pointer(v.arena)),
		size:  uintptr(v.arena_len),
		arena: string(arena),
	}
	res := &result{top: int(v.top_records), total: uint64(v.total), next: a.str(v.next_cursor)}

	strs := cSlice(v.strings, v.strings_len)
	res.strings = make([]string, len(strs))
	for i := range strs {
		res.strings[i] = a.str(strs[i])
	}
	kvs := cSlice(v.kvs, v.kvs_len)
	fs := cSlice(v.fields, v.fields_len)
	if len(fs) > 0 {
		// Only record fields index kvs through res; nodes build their maps from kvs directly.
		res.kvs = make([]kvPair, len(kvs))
		for i := range kvs {
			res.kvs[i] = kvPair{a.str(kvs[i].key), a.str(kvs[i].value)}
		}
	}
	recs := cSlice(v.records, v.records_len)
	res.records = make([]record, len(recs))
	for i := range recs {
		res.records[i] = record{
			kind:  a.str(recs[i].kind),
			first: int(recs[i].first_field),
			count: int(recs[i].field_count),
		}
	}
	res.fields = make([]field, len(fs))
	for i := range fs {
		f := &fs[i]
		res.fields[i] = field{
			name:  a.str(f.name),
			kind:  uint32(f.kind),
			first: int(f.first),
			count: int(f.count),
			i:     int64(f.int_value),
			f:     float64(f.float_value),
			s:     a.str(f.str_value),
		}
	}
	res.nodes = copyNodes(a, cSlice(v.nodes, v.nodes_len), kvs, res)
	return res
}

// cSlice is the C array (p, n) as a Go slice over C memory (nil when empty).
func cSlice[T any](p *T, n C.size_t) []T {
	if p == nil || n == 0 {
		return nil
	}
	return unsafe.Slice(p, int(n))
}

// copyNodes converts the fixed-width nodes. Per node it allocates only a metadata map, when the
// node has metadata: parent ids live in one shared slice, child and see-also ids are
// (capacity-limited) slices of the result's strings.
func copyNodes(a *arenaReader, ns []C.treestore_node, kvs []C.treestore_kv, res *result) []Node {
	if len(ns) == 0 {
		return nil
	}
	out := make([]Node, len(ns))
	parents := make([]string, len(ns))
	for i := range ns {
		c := &ns[i]
		n := &out[i]
		n.NodeID = a.str(c.node_id)
		n.PolicyID = a.str(c.policy_id)
		n.VersionID = a.str(c.version_id)
		n.ParentID = a.optStr(c.parent_id, &parents[i])
		n.Title = a.str(c.title)
		n.Summary = a.str(c.summary)
		n.Text = a.str(c.text)
		n.SectionPath = a.str(c.section_path)
		flags := uint32(c.flags)
		if flags&C.TREESTORE_NODE_HAS_PAGE_START != 0 {
			n.PageStart = int(c.page_start)
		}
		if flags&C.TREESTORE_NODE_HAS_PAGE_END != 0 {
			n.PageEnd = int(c.page_end)
		}
		n.Depth = int(c.depth)
		n.CreatedAt = fromMicros(int64(c.created_at))
		n.UpdatedAt = fromMicros(int64(c.updated_at))
		n.ChildIDs = res.strRange(int(c.child_first), int(c.child_count))
		n.SeeAlso = res.strRange(int(c.see_also_first), int(c.see_also_count))
		n.Metadata = nodeMetadata(a, kvs, int(c.metadata_first), int(c.metadata_count))
	}
	return out
}

// nodeMetadata is kvs[first : first+count] as a map, nil when empty or out of range.
func nodeMetadata(a *arenaReader, kvs []C.treestore_kv, first, count int) map[string]string {
	if count == 0 || first < 0 || first+count > len(kvs) {
		return nil
	}
	m := make(map[string]string, count)
	for _, kv := range kvs[first : first+count] {
		m[a.str(kv.key)] = a.str(kv.value)
	}
	return m
}

// fromMicros is a library time (µs since the epoch) in UTC.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// strRange is strings[first : first+count], nil when empty or out of range.
func (r *result) strRange(first, count int) []string {
	if count == 0 || first < 0 || first+count > len(r.strings) {
		return nil
	}
	return r.strings[first : first+count : first+count]
}

// kvMap is kvs[first : first+count] as a map, nil when empty or out of range.
func (r *result) kvMap(first, count int) map[string]string {
	if count == 0 || first < 0 || first+count > len(r.kvs) {
		return nil
	}
	m := make(map[string]string, count)
	for _, kv := range r.kvs[first : first+count] {
		m[kv.key] = kv.value
	}
	return m
}
