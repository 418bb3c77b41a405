package treestore

// Loops that run entirely in C, for the benchmarks that compare a call through this package with
// the same call made from C (bench_test.go). Nothing else uses them; the linker drops them from
// programs.

/*
#include <treestore.h>

static uint64_t ts_bench_abi_version(size_t n) {
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		sum += treestore_abi_version();
	}
	return sum;
}

// Reads key n times the way a C program would: get, read the record, copy the value, free.
static treestore_status ts_bench_kv_get(const treestore_db *db, const uint8_t *table,
		size_t table_len, const uint8_t *key, size_t key_len, uint8_t *buf, size_t cap, size_t n) {
	for (size_t i = 0; i < n; i++) {
		treestore_result *res = NULL;
		treestore_status st = treestore_kv_get(db, NULL, table, table_len, key, key_len, &res, NULL);
		if (st != TREESTORE_OK) {
			return st;
		}
		const treestore_kv *kvs = NULL;
		size_t len = 0;
		st = treestore_result_kvs(res, &kvs, &len, NULL);
		if (st == TREESTORE_OK && len == 1) {
			size_t m = kvs[0].value.len < cap ? kvs[0].value.len : cap;
			for (size_t j = 0; j < m; j++) {
				buf[j] = kvs[0].value.ptr[j];
			}
		}
		treestore_result_free(res);
		if (st != TREESTORE_OK) {
			return st;
		}
	}
	return TREESTORE_OK;
}

// Reads the view of res as a C program does, adds the node count (and the first node's text
// length when first_text) to *sink, and frees res.
static treestore_status ts_bench_consume(treestore_result *res, bool first_text, size_t *sink) {
	treestore_result_view v = {0};
	v.struct_size = sizeof v;
	treestore_status st = treestore_result_read(res, &v, NULL);
	if (st == TREESTORE_OK) {
		*sink += v.nodes_len + (first_text ? v.nodes[0].text.len : 0);
	}
	treestore_result_free(res);
	return st;
}

// Reads a node n times as a C program does (bench_abi.c): the query, one view read, the free.
static treestore_status ts_bench_node_get(const treestore_db *db, const uint8_t *policy,
		size_t policy_len, const uint8_t *node, size_t node_len, size_t n, size_t *sink) {
	for (size_t i = 0; i < n; i++) {
		treestore_result *res = NULL;
		treestore_status st = treestore_node_get(db, NULL, policy, policy_len, NULL, 0, node,
			node_len, &res, NULL);
		if (st != TREESTORE_OK) {
			return st;
		}
		st = ts_bench_consume(res, true, sink);
		if (st != TREESTORE_OK) {
			return st;
		}
	}
	return TREESTORE_OK;
}

// Reads a whole subtree with texts n times, as above.
static treestore_status ts_bench_subtree(const treestore_db *db, const uint8_t *policy,
		size_t policy_len, const uint8_t *node, size_t node_len, size_t n, size_t *sink) {
	for (size_t i = 0; i < n; i++) {
		treestore_result *res = NULL;
		treestore_status st = treestore_node_subtree(db, NULL, policy, policy_len, NULL, 0, node,
			node_len, 0, true, &res, NULL);
		if (st != TREESTORE_OK) {
			return st;
		}
		st = ts_bench_consume(res, false, sink);
		if (st != TREESTORE_OK) {
			return st;
		}
	}
	return TREESTORE_OK;
}
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// benchCABIVersion calls treestore_abi_version n times from C.
func benchCABIVersion(n int) uint64 { return uint64(C.ts_bench_abi_version(C.size_t(n))) }

// benchCKVGet reads key from table n times from C, copying the value into buf.
func benchCKVGet(db *DB, table string, key, buf []byte, n int) error {
	h, err := db.acquire()
	if err != nil {
		return err
	}
	defer db.mu.RUnlock()
	t, tl := strArg(table)
	k, kl := bytesArg(key)
	b := (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(buf)))
	st := C.ts_bench_kv_get(h, t, tl, k, kl, b, C.size_t(len(buf)), C.size_t(n))
	runtime.KeepAlive(table)
	runtime.KeepAlive(key)
	runtime.KeepAlive(buf)
	return errorFrom(st, nil)
}

// benchCNodeGet reads node n times from C and returns the sum of node counts and text lengths.
func benchCNodeGet(db *DB, policy, node string, n int) (int, error) {
	return benchCLoop(db, policy, node, n, false)
}

// benchCSubtree reads the subtree of node (with texts) n times from C and returns the node count.
func benchCSubtree(db *DB, policy, node string, n int) (int, error) {
	return benchCLoop(db, policy, node, n, true)
}

func benchCLoop(db *DB, policy, node string, n int, subtree bool) (int, error) {
	h, err := db.acquire()
	if err != nil {
		return 0, err
	}
	defer db.mu.RUnlock()
	p, pl := strArg(policy)
	k, kl := strArg(node)
	var sink C.size_t
	var st C.treestore_status
	if subtree {
		st = C.ts_bench_subtree(h, p, pl, k, kl, C.size_t(n), &sink)
	} else {
		st = C.ts_bench_node_get(h, p, pl, k, kl, C.size_t(n), &sink)
	}
	return int(sink), errorFrom(st, nil)
}
