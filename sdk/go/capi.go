package treestore

// The C ABI, one Go function per export (or per fixed sequence of exports). This file and the
// other capi*.go files (capi_result.go: results; capi_stores.go: the store exports, generated;
// capi_log.go: the log callback) are the only code of the SDK that calls C; everything above them
// works on Go values.
//
// The shims in the preamble return their outputs in a struct by value instead of writing through
// pointers Go passes in, for two reasons: Go then passes no pointer to its own memory except the
// (ptr, len) inputs, so nothing escapes to the heap per call and the cgo pointer checks have
// nothing else to inspect; and a shim can run a fixed sequence of exports (get, then read the
// result's records) in one crossing.
//
// Results are copied into Go memory before the C result is freed: unsafe.Slice over the record
// array, then one Go allocation for all the bytes of a call, never a cgo call per field.

/*
#include <stdlib.h>
#include <treestore.h>

typedef struct {
	treestore_status status;
	treestore_error *err;
} ts_ret;

typedef struct {
	treestore_status status;
	treestore_error *err;
	treestore_db *db;
} ts_db_ret;

typedef struct {
	treestore_status status;
	treestore_error *err;
	treestore_txn *txn;
} ts_txn_ret;

typedef struct {
	treestore_status status;
	treestore_error *err;
	bool value;
} ts_bool_ret;

typedef struct {
	treestore_status status;
	treestore_error *err;
	treestore_stats stats;
} ts_stats_ret;

// A result and its key/value records; `result` is set (and must be freed) even when reading the
// records failed.
typedef struct {
	treestore_status status;
	treestore_error *err;
	treestore_result *result;
	const treestore_kv *items;
	size_t len;
} ts_kvs_ret;

typedef struct {
	treestore_status status;
	treestore_error *err;
	treestore_result *result;
	const treestore_str *items;
	size_t len;
	bool ok;
} ts_strs_ret;

static ts_db_ret ts_db_open(const uint8_t *path, size_t path_len, uint32_t durability,
		uint32_t page_size, uint32_t flags, uint64_t checkpoint_wal_bytes) {
	ts_db_ret r = {0};
	treestore_options opts;
	r.status = treestore_options_init(&opts);
	if (r.status != TREESTORE_OK) {
		return r;
	}
	opts.durability = durability;
	opts.page_size = page_size;
	opts.flags = flags;
	opts.checkpoint_wal_bytes = checkpoint_wal_bytes;
	r.status = treestore_db_open(path, path_len, &opts, &r.db, &r.err);
	return r;
}

// Compacts the closed database at path (a backup_report result).
static treestore_status ts_db_compact(const uint8_t *path, size_t path_len, uint32_t durability,
		uint64_t checkpoint_wal_bytes, treestore_result **res, treestore_error **err) {
	treestore_options opts;
	treestore_status st = treestore_options_init(&opts);
	if (st != TREESTORE_OK) {
		return st;
	}
	opts.durability = durability;
	opts.checkpoint_wal_bytes = checkpoint_wal_bytes;
	return treestore_db_compact(path, path_len, &opts, res, err);
}

// The Go function of capi_log.go that receives the engine's log lines.
extern void goTreestoreLog(uint32_t level, uint8_t *msg, size_t len, void *user);

// Installs goTreestoreLog as the log callback for min_level and more severe, or removes it.
static ts_ret ts_log_set(bool on, uint32_t min_level) {
	ts_ret r = {0};
	r.status = treestore_log_set_callback(on ? (treestore_log_callback)goTreestoreLog : NULL, NULL,
		min_level, &r.err);
	return r;
}

static ts_ret ts_db_close(treestore_db *db) {
	ts_ret r = {0};
	r.status = treestore_db_close(db, &r.err);
	return r;
}

static ts_ret ts_db_checkpoint(const treestore_db *db) {
	ts_ret r = {0};
	r.status = treestore_db_checkpoint(db, &r.err);
	return r;
}

static ts_strs_ret ts_db_check_integrity(const treestore_db *db) {
	ts_strs_ret r = {0};
	r.status = treestore_db_check_integrity(db, &r.ok, &r.result, &r.err);
	if (r.status == TREESTORE_OK) {
		r.status = treestore_result_strings(r.result, &r.items, &r.len, &r.err);
	}
	return r;
}

static ts_stats_ret ts_db_stats(const treestore_db *db) {
	ts_stats_ret r = {0};
	r.status = treestore_db_stats(db, &r.stats, &r.err);
	return r;
}

static ts_txn_ret ts_txn_begin(const treestore_db *db, bool write) {
	ts_txn_ret r = {0};
	r.status = treestore_txn_begin(db, write, &r.txn, &r.err);
	return r;
}

// Ends a transaction (commit or rollback) and frees it: the handle is useless after either.
static ts_ret ts_txn_end(treestore_txn *txn, bool commit) {
	ts_ret r = {0};
	r.status = commit ? treestore_txn_commit(txn, &r.err) : treestore_txn_rollback(txn, &r.err);
	treestore_txn_free(txn);
	return r;
}

static ts_kvs_ret ts_kv_get(const treestore_db *db, treestore_txn *txn, const uint8_t *table,
		size_t table_len, const uint8_t *key, size_t key_len) {
	ts_kvs_ret r = {0};
	r.status = treestore_kv_get(db, txn, table, table_len, key, key_len, &r.result, &r.err);
	if (r.status == TREESTORE_OK) {
		r.status = treestore_result_kvs(r.result, &r.items, &r.len, &r.err);
	}
	return r;
}

static ts_ret ts_kv_put(const treestore_db *db, treestore_txn *txn, const uint8_t *table,
		size_t table_len, const uint8_t *key, size_t key_len, const uint8_t *value,
		size_t value_len) {
	ts_ret r = {0};
	r.status = treestore_kv_put(db, txn, table, table_len, key, key_len, value, value_len, &r.err);
	return r;
}

static ts_bool_ret ts_kv_delete(const treestore_db *db, treestore_txn *txn, const uint8_t *table,
		size_t table_len, const uint8_t *key, size_t key_len) {
	ts_bool_ret r = {0};
	r.status = treestore_kv_delete(db, txn, table, table_len, key, key_len, &r.value, &r.err);
	return r;
}

static ts_kvs_ret ts_kv_scan(const treestore_db *db, treestore_txn *txn, const uint8_t *table,
		size_t table_len, const uint8_t *start, size_t start_len, const uint8_t *end,
		size_t end_len, size_t limit, bool reverse) {
	ts_kvs_ret r = {0};
	r.status = treestore_kv_scan(db, txn, table, table_len, start, start_len, end, end_len, limit,
		reverse, &r.result, &r.err);
	if (r.status == TREESTORE_OK) {
		r.status = treestore_result_kvs(r.result, &r.items, &r.len, &r.err);
	}
	return r;
}
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// dbHandle and txnHandle name the C handles for the files above this one.
type (
	dbHandle  = *C.treestore_db
	txnHandle = *C.treestore_txn
)

// strArg passes a Go string as (ptr, len). String bytes hold no Go pointers, so C may read them
// for the duration of the call; the caller keeps s alive with runtime.KeepAlive.
func strArg(s string) (*C.uint8_t, C.size_t) {
	return (*C.uint8_t)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// bytesArg passes a byte slice as (ptr, len); a nil slice becomes (NULL, 0).
func bytesArg(b []byte) (*C.uint8_t, C.size_t) {
	return (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(b))), C.size_t(len(b))
}

// view is the C bytes of s, valid until the object owning them is freed. An absent string
// (NULL) is a nil slice.
func view(s C.treestore_str) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(s.ptr)), int(s.len))
}

// errorFrom turns a status and its error object into a Go error, freeing the object.
func errorFrom(status C.treestore_status, e *C.treestore_error) error {
	if status == C.TREESTORE_OK {
		return nil
	}
	msg := ""
	if e != nil {
		m := C.treestore_error_message(e)
		msg = string(view(m))
		C.treestore_error_free(e)
	}
	return newError(Status(status), msg)
}

func abiVersion() uint32 { return uint32(C.treestore_abi_version()) }

// headerABIVersion is the ABI version of the header this package was compiled against.
const headerABIVersion = C.TREESTORE_ABI_VERSION

func libraryVersion() string { return C.GoString(C.treestore_version()) }

func capiOpen(path string, o Options) (dbHandle, error) {
	p, pl := strArg(path)
	flags := C.uint32_t(0)
	if o.ReadOnly {
		flags |= C.TREESTORE_OPEN_READ_ONLY
	}
	if o.NoCreate {
		flags |= C.TREESTORE_OPEN_NO_CREATE
	}
	if o.NoShrink {
		flags |= C.TREESTORE_OPEN_NO_SHRINK
	}
	r := C.ts_db_open(p, pl, C.uint32_t(o.Durability), C.uint32_t(o.PageSize), flags,
		C.uint64_t(o.CheckpointWALBytes))
	runtime.KeepAlive(path)
	if err := errorFrom(r.status, r.err); err != nil {
		return nil, err
	}
	return r.db, nil
}

// capiClose checkpoints and frees the handle; the handle is gone even when an error returns.
func capiClose(db dbHandle) error {
	r := C.ts_db_close(db)
	return errorFrom(r.status, r.err)
}

func capiCheckpoint(db dbHandle) error {
	r := C.ts_db_checkpoint(db)
	return errorFrom(r.status, r.err)
}

func capiCheckIntegrity(db dbHandle) (bool, []string, error) {
	r := C.ts_db_check_integrity(db)
	if r.result != nil {
		defer C.treestore_result_free(r.result)
	}
	if err := errorFrom(r.status, r.err); err != nil {
		return false, nil, err
	}
	return bool(r.ok), copyStrings(unsafe.Slice(r.items, int(r.len))), nil
}

func capiStats(db dbHandle) (Stats, error) {
	r := C.ts_db_stats(db)
	if err := errorFrom(r.status, r.err); err != nil {
		return Stats{}, err
	}
	s := &r.stats
	lastCheckpoint := time.Duration(-1)
	if s.last_checkpoint_age_us != C.UINT64_MAX {
		lastCheckpoint = micros(s.last_checkpoint_age_us)
	}
	return Stats{
		PageSize:          uint64(s.page_size),
		TotalPages:        uint64(s.total_pages),
		FreePages:         uint64(s.free_pages),
		PendingPages:      uint64(s.pending_pages),
		UsedPages:         uint64(s.used_pages),
		WALPages:          uint64(s.wal_pages),
		FileBytes:         uint64(s.file_bytes),
		WALBytes:          uint64(s.wal_bytes),
		LastTxID:          uint64(s.last_txid),
		Commits:           uint64(s.commits),
		Checkpoints:       uint64(s.checkpoints),
		LiveReaders:       uint64(s.live_readers),
		OldestReaderAge:   micros(s.oldest_reader_age_us),
		LastCheckpointAge: lastCheckpoint,
		Uptime:            micros(s.uptime_us),
	}, nil
}

func micros(us C.uint64_t) time.Duration {
	const maxMicros = uint64(1<<63-1) / uint64(time.Microsecond)
	if uint64(us) > maxMicros {
		return time.Duration(1<<63 - 1)
	}
	return time.Duration(us) * time.Microsecond
}

func capiBegin(db dbHandle, write bool) (txnHandle, error) {
	r := C.ts_txn_begin(db, C.bool(write))
	if err := errorFrom(r.status, r.err); err != nil {
		return nil, err
	}
	return r.txn, nil
}

// capiEnd commits or rolls back txn and frees it; txn is gone even when an error returns.
func capiEnd(txn txnHandle, commit bool) error {
	r := C.ts_txn_end(txn, C.bool(commit))
	return errorFrom(r.status, r.err)
}

// capiFreeTxn frees txn, rolling back a write transaction; for the finalizer and Close.
func capiFreeTxn(txn txnHandle) { C.treestore_txn_free(txn) }

func capiKVGet(db dbHandle, txn txnHandle, table string, key []byte) ([]byte, error) {
	t, tl := strArg(table)
	k, kl := bytesArg(key)
	r := C.ts_kv_get(db, txn, t, tl, k, kl)
	runtime.KeepAlive(table)
	runtime.KeepAlive(key)
	if r.result != nil {
		defer C.treestore_result_free(r.result)
	}
	if err := errorFrom(r.status, r.err); err != nil {
		return nil, err
	}
	items := unsafe.Slice(r.items, int(r.len))
	if len(items) != 1 {
		return nil, newError(StatusPanic, "treestore_kv_get returned a result without one record")
	}
	v := view(items[0].value)
	out := make([]byte, len(v))
	copy(out, v)
	return out, nil
}

func capiKVPut(db dbHandle, txn txnHandle, table string, key, value []byte) error {
	t, tl := strArg(table)
	k, kl := bytesArg(key)
	v, vl := bytesArg(value)
	r := C.ts_kv_put(db, txn, t, tl, k, kl, v, vl)
	runtime.KeepAlive(table)
	runtime.KeepAlive(key)
	runtime.KeepAlive(value)
	return errorFrom(r.status, r.err)
}

func capiKVDelete(db dbHandle, txn txnHandle, table string, key []byte) (bool, error) {
	t, tl := strArg(table)
	k, kl := bytesArg(key)
	r := C.ts_kv_delete(db, txn, t, tl, k, kl)
	runtime.KeepAlive(table)
	runtime.KeepAlive(key)
	if err := errorFrom(r.status, r.err); err != nil {
		return false, err
	}
	return bool(r.value), nil
}

func capiKVScan(db dbHandle, txn txnHandle, table string, rg KVRange) ([]KV, error) {
	t, tl := strArg(table)
	s, sl := bytesArg(rg.Start)
	e, el := bytesArg(rg.End)
	r := C.ts_kv_scan(db, txn, t, tl, s, sl, e, el, C.size_t(rg.Limit), C.bool(rg.Reverse))
	runtime.KeepAlive(table)
	runtime.KeepAlive(rg.Start)
	runtime.KeepAlive(rg.End)
	if r.result != nil {
		defer C.treestore_result_free(r.result)
	}
	if err := errorFrom(r.status, r.err); err != nil {
		return nil, err
	}
	return copyKVs(unsafe.Slice(r.items, int(r.len))), nil
}

// copyKVs copies records into Go memory: one allocation for every key and value, each a
// full-capacity-limited slice of it (an append to one never writes over the next).
func copyKVs(items []C.treestore_kv) []KV {
	total := 0
	for i := range items {
		total += int(items[i].key.len) + int(items[i].value.len)
	}
	arena := make([]byte, 0, total)
	out := make([]KV, len(items))
	for i := range items {
		arena, out[i].Key = appendView(arena, items[i].key)
		arena, out[i].Value = appendView(arena, items[i].value)
	}
	return out
}

// appendView copies s to the end of arena (which has room for it) and returns the copy.
// An absent string stays nil.
func appendView(arena []byte, s C.treestore_str) ([]byte, []byte) {
	if s.ptr == nil {
		return arena, nil
	}
	start := len(arena)
	arena = append(arena, view(s)...)
	return arena, arena[start:len(arena):len(arena)]
}

// copyStrings copies string records into one Go string and slices it.
func copyStrings(items []C.treestore_str) []string {
	total := 0
	for i := range items {
		total += int(items[i].len)
	}
	buf := make([]byte, 0, total)
	for i := range items {
		buf = append(buf, view(items[i])...)
	}
	// buf is never written again, so the string may share its memory.
	all := unsafe.String(unsafe.SliceData(buf), len(buf))
	out := make([]string, len(items))
	at := 0
	for i := range items {
		n := int(items[i].len)
		out[i] = all[at : at+n]
		at += n
	}
	return out
}

func capiBackup(db dbHandle, dest string) (*result, error) {
	p, pl := strArg(dest)
	var res *C.treestore_result
	var e *C.treestore_error
	st := C.treestore_db_backup(db, p, pl, &res, &e)
	return takeResult(st, e, res)
}

func capiCompact(path string, o Options) (*result, error) {
	p, pl := strArg(path)
	var res *C.treestore_result
	var e *C.treestore_error
	st := C.ts_db_compact(p, pl, C.uint32_t(o.Durability), C.uint64_t(o.CheckpointWALBytes), &res, &e)
	return takeResult(st, e, res)
}

func capiMetricsText(db dbHandle) (*result, error) {
	var res *C.treestore_result
	var e *C.treestore_error
	st := C.treestore_db_metrics_text(db, &res, &e)
	return takeResult(st, e, res)
}

func capiHealth(db dbHandle) (*result, error) {
	var res *C.treestore_result
	var e *C.treestore_error
	st := C.treestore_db_health(db, &res, &e)
	return takeResult(st, e, res)
}

// capiLogSet installs (on) or removes the process-wide log callback.
func capiLogSet(on bool, minLevel uint32) error {
	r := C.ts_log_set(C.bool(on), C.uint32_t(minLevel))
	return errorFrom(r.status, r.err)
}

// The log levels of include/treestore.h.
const (
	logOff   = C.TREESTORE_LOG_OFF
	logError = C.TREESTORE_LOG_ERROR
	logWarn  = C.TREESTORE_LOG_WARN
	logInfo  = C.TREESTORE_LOG_INFO
	logDebug = C.TREESTORE_LOG_DEBUG
	logTrace = C.TREESTORE_LOG_TRACE
)

// headerConstants lists the header's constants that the Go side spells out, for the test that
// keeps them equal.
func headerConstants() map[string][2]uint64 {
	return map[string][2]uint64{
		"DurabilitySync":        {uint64(DurabilitySync), C.TREESTORE_DURABILITY_SYNC},
		"DurabilityRelaxed":     {uint64(DurabilityRelaxed), C.TREESTORE_DURABILITY_RELAXED},
		"StatusOK":              {uint64(StatusOK), C.TREESTORE_OK},
		"StatusInvalidArgument": {uint64(StatusInvalidArgument), C.TREESTORE_INVALID_ARGUMENT},
		"StatusNullParameter":   {uint64(StatusNullParameter), C.TREESTORE_NULL_PARAMETER},
		"StatusInvalidUTF8":     {uint64(StatusInvalidUTF8), C.TREESTORE_INVALID_UTF8},
		"StatusTooLarge":        {uint64(StatusTooLarge), C.TREESTORE_TOO_LARGE},
		"StatusNotFound":        {uint64(StatusNotFound), C.TREESTORE_NOT_FOUND},
		"StatusAlreadyExists":   {uint64(StatusAlreadyExists), C.TREESTORE_ALREADY_EXISTS},
		"StatusCorruption":      {uint64(StatusCorruption), C.TREESTORE_CORRUPTION},
		"StatusIO":              {uint64(StatusIO), C.TREESTORE_IO},
		"StatusPreviousIO":      {uint64(StatusPreviousIO), C.TREESTORE_PREVIOUS_IO},
		"StatusLocked":          {uint64(StatusLocked), C.TREESTORE_DATABASE_LOCKED},
		"StatusReadOnly":        {uint64(StatusReadOnly), C.TREESTORE_READ_ONLY},
		"StatusClosed":          {uint64(StatusClosed), C.TREESTORE_CLOSED},
		"StatusPanic":           {uint64(StatusPanic), C.TREESTORE_PANIC},
	}
}

// cStatusName is the library's name for s (treestore_status_str), for the test that keeps the Go
// names equal.
func cStatusName(s Status) string { return C.GoString(C.treestore_status_str(C.treestore_status(s))) }
