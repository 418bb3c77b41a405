/*
 * treestore._speedups: builds the Python values of a read treestore_result_view in C.
 *
 * The SDK calls the library through cffi; decoding a result field by field in Python costs about a
 * microsecond per node (each slice, int and dict entry is bytecode). This module walks the view the
 * library filled (treestore_result_read) and builds the node dicts and record dicts directly, with
 * interned keys, so a node costs a few hundred nanoseconds. It only reads the view: the caller keeps
 * the result alive during the call and frees it after; what it keeps across calls (ids, datetimes,
 * field names, record shapes) is copied or owned. Large results are built with the cyclic GC paused
 * (gc_pause). Limited API (abi3, Python 3.9+).
 *
 * _speedups.decode(view_address, to_datetime, json_loads) -> (records, nodes)
 *   records: the top-level records as dicts (nested RECORDS fields as lists of dicts);
 *   nodes: the node dicts (keys as treestore/types.py Node).
 * _speedups.node_get(db_address, txn_address, policy, version, node, to_datetime)
 *   -> the node dict, or (status, message) when the library reports an error: the SDK's hottest call
 *   in one crossing (treestore_node_get, result_read, decode, result_free), the GIL released around
 *   the library call. It, tree_query and version_as_of take ids that are exactly str and return None
 *   for any other (and for lone surrogates); their *_any twins also take UTF-8 bytes (see fast_id).
 */
#define PY_SSIZE_T_CLEAN
#ifndef TREESTORE_FULL_API
#define Py_LIMITED_API 0x03090000
#endif
#include <Python.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "treestore.h"

enum {
    K_NODE_ID, K_POLICY_ID, K_VERSION_ID, K_PARENT_ID, K_TITLE, K_PAGE_START, K_PAGE_END, K_SUMMARY,
    K_TEXT, K_SECTION_PATH, K_CHILD_IDS, K_DEPTH, K_CREATED_AT, K_UPDATED_AT, K_SEE_ALSO, K_METADATA,
    K_COUNT
};
static const char *KEY_NAMES[K_COUNT] = {
    "node_id", "policy_id", "version_id", "parent_id", "title", "page_start", "page_end", "summary",
    "text", "section_path", "child_ids", "depth", "created_at", "updated_at", "see_also", "metadata",
};
static PyObject *KEYS[K_COUNT];
static PyObject *NODE_TEMPLATE; /* the 16 keys -> None: copying it makes a dict presized for a node */

typedef struct {
    const treestore_result_view *v;
    PyObject *to_datetime;
    PyObject *json_loads;
    /* The nodes of one result mostly share their policy, version, parent, times and depth (a
     * tree query's always share the first two): with `first` set, `tmpl` is NODE_TEMPLATE with the
     * values of those fields of node `first`, and node_dict copies it and writes only the ones a
     * node has different (see shared_begin). Both NULL: every field is written. */
    const treestore_node *first;
    PyObject *tmpl;
    /* The node ids of a result decoded before its dicts, with where each node's parent and next
     * sibling sit in it (see links_begin): a child id or parent id that is the id of a node of the
     * same result is that node's string. NULL: none (each id is looked up on its own). */
    struct links *links;
} ctx;

/* A ctx over view v (NULL: set later), with no shared template yet. */
static void ctx_init(ctx *c, const treestore_result_view *v, PyObject *to_datetime, PyObject *json_loads) {
    c->v = v;
    c->to_datetime = to_datetime;
    c->json_loads = json_loads;
    c->first = NULL;
    c->tmpl = NULL;
    c->links = NULL;
}

static PyObject *decode_text(treestore_str s) {
    return PyUnicode_DecodeUTF8((const char *)s.ptr, (Py_ssize_t)s.len, "replace");
}

/* ASCII strings (a node's ids, title, summary, text, path) are made as compact ASCII strs straight
 * from the result's bytes: PyUnicode_New, then one copy into the str's data, whose offset from the
 * object is the same for every compact ASCII str of the interpreter (found and checked at import by
 * ascii_init). PyUnicode_DecodeUTF8 takes them through its UTF-8 decoder (~350 instructions for a
 * node's text of a few hundred bytes, ~230 for a short id, callgrind); an OR over the bytes' words
 * and a memcpy cost about half. PyUnicode_New is not in the limited API, but CPython has exported it
 * unchanged since 3.3 (as PyUnicode_AsUTF8AndSize, see fast_id). ASCII_DATA 0: not found (every
 * string is decoded). Strings of one byte are decoded: CPython shares those. */
#if defined(Py_LIMITED_API)
PyAPI_FUNC(PyObject *) PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar);
#if Py_LIMITED_API + 0 < 0x030A0000
PyAPI_FUNC(const char *) PyUnicode_AsUTF8AndSize(PyObject *unicode, Py_ssize_t *size);
#endif
#endif
#define ASCII_MIN 2
static Py_ssize_t ASCII_DATA;

/* The 4 or 8 bytes at p as a number (any alignment). */
static uint32_t load4(const uint8_t *p) {
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}
static uint64_t load8(const uint8_t *p) {
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* Whether the n bytes at p are all ASCII: an OR of their words, the last one (and for 4 to 7
 * bytes, two halves) read overlapping rather than byte by byte. */
static int all_ascii(const uint8_t *p, size_t n) {
    uint64_t acc = 0;
    if (n >= 8) {
        size_t i = 0;
        for (; i + 32 <= n; i += 32) acc |= load8(p + i) | load8(p + i + 8) | load8(p + i + 16) | load8(p + i + 24);
        for (; i + 8 <= n; i += 8) acc |= load8(p + i);
        acc |= load8(p + n - 8);
    } else if (n >= 4) {
        acc = load4(p) | load4(p + n - 4);
    } else {
        for (size_t i = 0; i < n; i++) acc |= p[i];
    }
    return (acc & 0x8080808080808080ULL) == 0;
}

/* Whether the n bytes at a and b are the same: short ones (ids, mostly) compared inline by
 * overlapping words, longer ones by memcmp. */
static int same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
    if (n >= 8) {
        if (n > 16) return memcmp(a, b, n) == 0;
        return load8(a) == load8(b) && load8(a + n - 8) == load8(b + n - 8);
    }
    if (n >= 4) return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i]) return 0;
    }
    return 1;
}

/* Where PyUnicode_AsUTF8AndSize finds the bytes of str a, as an offset from the object (0: none). */
static Py_ssize_t utf8_offset(PyObject *a) {
    Py_ssize_t n = 0;
    const char *p = a ? PyUnicode_AsUTF8AndSize(a, &n) : NULL;
    return p != NULL ? p - (const char *)a : 0;
}

/* Finds ASCII_DATA: where PyUnicode_AsUTF8AndSize finds a compact ASCII str's bytes (its data: it
 * keeps no other UTF-8 for them), the same in two strs of different lengths, then checked on a new
 * str (long enough that the probe's write stays inside it whatever the offset) by writing the probe
 * there and reading it back. Errors are cleared. */
static void ascii_init(void) {
    static const char probe[] = "treestore-ascii!";
    const Py_ssize_t len = (Py_ssize_t)sizeof probe - 1;
    PyObject *a = PyUnicode_FromStringAndSize(probe, len), *a2 = PyUnicode_FromStringAndSize(probe, 8);
    PyObject *b = PyUnicode_New(256, 127);
    Py_ssize_t off = utf8_offset(a);
    if (b != NULL && off >= (Py_ssize_t)sizeof(PyObject) && off <= 128 && off == utf8_offset(a2)) {
        memcpy((char *)b + off, probe, (size_t)len);
        PyObject *head = PyUnicode_Substring(b, 0, len);
        if (head != NULL && PyUnicode_CompareWithASCIIString(head, probe) == 0) ASCII_DATA = off;
        Py_XDECREF(head);
    }
    Py_XDECREF(a);
    Py_XDECREF(a2);
    Py_XDECREF(b);
    PyErr_Clear();
}

/* The str of UTF-8 bytes s (invalid bytes replaced), made as compact ASCII when all ASCII. */
static PyObject *text(treestore_str s) {
    if (ASCII_DATA == 0 || s.len < ASCII_MIN || s.len > (size_t)PY_SSIZE_T_MAX || !all_ascii(s.ptr, s.len)) {
        return decode_text(s);
    }
    PyObject *t = PyUnicode_New((Py_ssize_t)s.len, 127);
    if (t != NULL) memcpy((char *)t + ASCII_DATA, s.ptr, s.len);
    return t;
}

static PyObject *opt_text(treestore_str s) {
    if (s.ptr == NULL) {
        Py_INCREF(Py_None);
        return Py_None;
    }
    return text(s);
}

/* Replaces *slot by value (a new reference), dropping the old one. */
#define Py_XSETREF_COMPAT(slot, value) \
    do {                                   \
        PyObject *old_ = (slot);           \
        (slot) = (value);                  \
        Py_XDECREF(old_);                  \
    } while (0)

/* Short strings decoded before (node, parent and child ids, section paths, a record's short str
 * fields and list items), direct-mapped by a hash of their bytes: a result's child ids are mostly
 * other nodes' ids, every document has sections "1", "1.1", ..., and the calls of a service keep
 * reading the same few thousand ids; a hit is a hash, a compare and an increment, where a decode
 * allocates a str (and the result's drop frees it). Module state, guarded by the GIL (free-threaded
 * builds decode every time); bounded: 2^ID_INTERN_BITS entries of at most ID_INTERN_MAX bytes, each
 * one reference. The bytes are copied: the result they came from is freed. */
#define ID_INTERN_BITS 12
#define ID_INTERN_MAX 32
static struct {
    size_t len;
    PyObject *str; /* NULL: empty */
    char bytes[ID_INTERN_MAX];
} ID_INTERN[1u << ID_INTERN_BITS];

/* text(s), shared with the last string of the same bytes when s is short. */
static PyObject *id_text(treestore_str s) {
#ifdef Py_GIL_DISABLED
    return text(s);
#else
    if (s.len == 0 || s.len > ID_INTERN_MAX) return text(s);
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < s.len; i++) h = (h ^ s.ptr[i]) * 1099511628211ULL;
    /* Fibonacci hashing of the FNV value: FNV's own top bits hardly see the last byte ("0023" and
     * "0024" would share a slot) */
    size_t k = (size_t)((h * 0x9E3779B97F4A7C15ull) >> (64 - ID_INTERN_BITS));
    if (ID_INTERN[k].str != NULL && ID_INTERN[k].len == s.len &&
        memcmp(ID_INTERN[k].bytes, s.ptr, s.len) == 0) {
        Py_INCREF(ID_INTERN[k].str);
        return ID_INTERN[k].str;
    }
    PyObject *t = text(s);
    if (t == NULL) return NULL;
    Py_INCREF(t); /* the entry's */
    Py_XSETREF_COMPAT(ID_INTERN[k].str, t);
    memcpy(ID_INTERN[k].bytes, s.ptr, s.len);
    ID_INTERN[k].len = s.len;
    return t;
#endif
}

/* The ids decoded last, by slot: the nodes of one result, and the calls of a service, mostly share
 * their policy and version ids, siblings their parent id, and a node's parent is often the node
 * decoded just before (subtree, ancestors). Module state, guarded by the GIL; ids longer than
 * ID_CACHE_MAX bytes are not kept. The bytes are copied: the result they came from is freed. */
enum { ID_POLICY, ID_VERSION, ID_PARENT, ID_NODE, ID_SLOTS };
#define ID_CACHE_MAX 64
static struct {
    size_t len;
    PyObject *str;
    char bytes[ID_CACHE_MAX];
} LAST_IDS[ID_SLOTS];

static int same_id(int slot, treestore_str s) {
    return LAST_IDS[slot].str != NULL && LAST_IDS[slot].len == s.len &&
           same_bytes((const uint8_t *)LAST_IDS[slot].bytes, s.ptr, s.len);
}

/* text(s), reusing the string decoded last in slot `slot` when the bytes are the same. */
static PyObject *same_text(int slot, treestore_str s) {
#ifdef Py_GIL_DISABLED /* free-threaded: no shared caches (they rely on the GIL) */
    (void)slot;
    return text(s);
#else
    if (same_id(slot, s)) {
        Py_INCREF(LAST_IDS[slot].str);
        return LAST_IDS[slot].str;
    }
    PyObject *t = id_text(s);
    if (t == NULL || s.len > ID_CACHE_MAX) return t;
    Py_INCREF(t);
    Py_XSETREF_COMPAT(LAST_IDS[slot].str, t);
    if (s.len) memcpy(LAST_IDS[slot].bytes, s.ptr, s.len);
    LAST_IDS[slot].len = s.len;
    return t;
#endif
}

/* A node's parent id (None for the root): the last node's id when they match, else by slot. */
static PyObject *parent_text(treestore_str s) {
    if (s.ptr == NULL) {
        Py_INCREF(Py_None);
        return Py_None;
    }
#ifndef Py_GIL_DISABLED
    if (same_id(ID_NODE, s)) {
        Py_INCREF(LAST_IDS[ID_NODE].str);
        return LAST_IDS[ID_NODE].str;
    }
#endif
    return same_text(ID_PARENT, s);
}

/* The datetimes built so far, direct-mapped by their microseconds: a node's two times, a record's
 * times, and the nodes and calls of one service mostly repeat a few thousand instants, and a hit here
 * is a multiply and a compare (the dict this replaces made an int and looked it up: ~350
 * instructions a time, callgrind). A miss builds the datetime and takes the entry. Module state,
 * guarded by the GIL; bounded: 2^TIME_CACHE_BITS entries, each one reference. */
#define TIME_CACHE_BITS 12
static struct {
    int64_t us;
    PyObject *dt; /* NULL: empty */
} TIME_CACHE[1u << TIME_CACHE_BITS];

/* datetime.datetime and datetime.timezone.utc, for make_time (NULL: not found at import; the
 * SDK's to_datetime is called instead). */
static PyObject *DATETIME, *UTC;

/* The proleptic Gregorian date of `days` since 1970-01-01 (H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day) {
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (int64_t)yoe + era * 400 + (*month <= 2);
}

/* The UTC datetime of `us` microseconds since the epoch: a new reference, or NULL with the error
 * set. Built here from its fields (one constructor call, ~200 ns) rather than by the SDK's
 * to_datetime (epoch + timedelta in Python, ~740 ns); an instant outside the years 1-9999 goes to
 * to_datetime, which raises as before. */
static PyObject *make_time(ctx *c, int64_t us) {
    const int64_t DAY = 86400000000LL;
    int64_t days = us / DAY, rem = us % DAY;
    if (rem < 0) {
        rem += DAY;
        days -= 1;
    }
    int64_t year;
    unsigned month, day;
    civil_from_days(days, &year, &month, &day);
    if (DATETIME != NULL && year >= 1 && year <= 9999) {
        int64_t secs = rem / 1000000;
        return PyObject_CallFunction(DATETIME, "iiiiiiiO", (int)year, (int)month, (int)day, (int)(secs / 3600),
                                     (int)(secs / 60 % 60), (int)(secs % 60), (int)(rem % 1000000), UTC);
    }
    PyObject *k = PyLong_FromLongLong(us);
    if (k == NULL) return NULL;
    PyObject *d = PyObject_CallFunctionObjArgs(c->to_datetime, k, NULL);
    Py_DECREF(k);
    return d;
}

static PyObject *when(ctx *c, int64_t us) {
#ifdef Py_GIL_DISABLED /* free-threaded: no shared caches (they rely on the GIL) */
    return make_time(c, us);
#else
    size_t i = (size_t)(((uint64_t)us * 0x9E3779B97F4A7C15ull) >> (64 - TIME_CACHE_BITS));
    if (TIME_CACHE[i].dt != NULL && TIME_CACHE[i].us == us) {
        Py_INCREF(TIME_CACHE[i].dt);
        return TIME_CACHE[i].dt;
    }
    PyObject *d = make_time(c, us);
    if (d == NULL) return NULL;
    Py_INCREF(d); /* the entry's */
    Py_XSETREF_COMPAT(TIME_CACHE[i].dt, d);
    TIME_CACHE[i].us = us;
    return d;
#endif
}

static PyObject *str_list(ctx *c, uint32_t first, uint32_t count) {
    if ((size_t)first + count > c->v->strings_len) {
        PyErr_SetString(PyExc_ValueError, "treestore: string range outside the result");
        return NULL;
    }
    PyObject *list = PyList_New(count);
    if (list == NULL) return NULL;
    for (uint32_t i = 0; i < count; i++) {
        PyObject *s = id_text(c->v->strings[first + i]);
        if (s == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SetItem(list, i, s); /* steals */
    }
    return list;
}

static PyObject *str_map(ctx *c, uint32_t first, uint32_t count) {
    if ((size_t)first + count > c->v->kvs_len) {
        PyErr_SetString(PyExc_ValueError, "treestore: key/value range outside the result");
        return NULL;
    }
    PyObject *dict = PyDict_New();
    if (dict == NULL) return NULL;
    for (uint32_t i = 0; i < count; i++) {
        const treestore_kv *kv = &c->v->kvs[first + i];
        PyObject *k = text(kv->key), *val = k ? text(kv->value) : NULL;
        int bad = val == NULL || PyDict_SetItem(dict, k, val) < 0;
        Py_XDECREF(k);
        Py_XDECREF(val);
        if (bad) {
            Py_DECREF(dict);
            return NULL;
        }
    }
    return dict;
}

/* Page numbers 0..PAGE_INTS-1 as ints made once: CPython keeps only -5..256, and a node has two
 * (a 1,000-node document's run to ~1,000), each otherwise an allocation and a free. Module state,
 * guarded by the GIL; each entry one reference. */
#define PAGE_INTS 4096
static PyObject *PAGE_INT[PAGE_INTS];

/* The int of page number p (a new reference). */
static PyObject *page_int(int64_t p) {
#ifndef Py_GIL_DISABLED
    if (p >= 0 && p < PAGE_INTS) {
        PyObject *v = PAGE_INT[p];
        if (v == NULL && (v = PAGE_INT[p] = PyLong_FromLongLong(p)) == NULL) return NULL;
        Py_INCREF(v);
        return v;
    }
#endif
    return PyLong_FromLongLong(p);
}

/* Sets d[KEYS[k]] = value and drops the reference; fails when value is NULL. None is left as the
 * template (NODE_TEMPLATE) set it: no dict write. */
static int put(PyObject *d, int k, PyObject *value) {
    if (value == NULL) return -1;
    if (value == Py_None) {
        Py_DECREF(value);
        return 0;
    }
    int r = PyDict_SetItem(d, KEYS[k], value);
    Py_DECREF(value);
    return r;
}

/* Sets d[KEYS[k]] = value, None included (a shared template may hold another value there). */
static int put_any(PyObject *d, int k, PyObject *value) {
    if (value == NULL) return -1;
    int r = PyDict_SetItem(d, KEYS[k], value);
    Py_DECREF(value);
    return r;
}

/* Whether two views hold the same bytes (both absent counts as the same). */
static int same_str(treestore_str a, treestore_str b) {
    if ((a.ptr == NULL) != (b.ptr == NULL)) return 0;
    return a.len == b.len && same_bytes(a.ptr, b.ptr, a.len);
}

/* Sets *created and *updated (new references) to n's times; -1 on error (both NULL). */
static int node_times(ctx *c, const treestore_node *n, PyObject **created, PyObject **updated) {
    *created = when(c, n->created_at);
    *updated = NULL;
    if (*created == NULL) return -1;
    if (n->updated_at == n->created_at) {
        Py_INCREF(*created);
        *updated = *created;
    } else {
        *updated = when(c, n->updated_at);
    }
    if (*updated == NULL) {
        Py_CLEAR(*created);
        return -1;
    }
    return 0;
}

/* The node the calls' node templates start from: the first node decoded (with ids short enough),
 * its shared fields' values in `tmpl`, its ids copied into `bytes` and viewed by `node` (only
 * policy_id, version_id, parent_id, depth and the times are set). The nodes a service reads mostly
 * share some of those with it (one import's times, a depth, a version id, sibling ids that repeat
 * across documents): a get_node copies `tmpl` and writes only the fields its node has different
 * (get_node of bench_vs's keys: ~500 instructions less, two or three dict writes), and a result's
 * shared template (shared_begin) starts from it likewise. Module state, guarded by the GIL; never
 * replaced (a seed that shares nothing costs what no seed did: each field compared, then written). */
#define SEED_BYTES 192
static struct {
    PyObject *tmpl; /* NULL: not seeded */
    treestore_node node;
    uint8_t bytes[SEED_BYTES];
} SEED;

/* Copies view s into *b (advanced) and points *out at the copy; an absent view stays absent. */
static void seed_str(treestore_str *out, treestore_str s, uint8_t **b) {
    if (s.ptr == NULL) {
        out->ptr = NULL;
        out->len = 0;
        return;
    }
    if (s.len) memcpy(*b, s.ptr, s.len);
    out->ptr = *b;
    out->len = s.len;
    *b += s.len;
}

/* Seeds SEED from node n and a dict d holding its values (when not seeded yet and n's ids fit);
 * an error is cleared (the seed only saves work). */
static void node_seed(const treestore_node *n, PyObject *d) {
#ifndef Py_GIL_DISABLED
    static const int FIELDS[] = {K_POLICY_ID, K_VERSION_ID, K_PARENT_ID, K_DEPTH, K_CREATED_AT, K_UPDATED_AT};
    size_t need = n->policy_id.len + n->version_id.len + (n->parent_id.ptr ? n->parent_id.len : 0);
    if (SEED.tmpl != NULL || need > SEED_BYTES) return;
    PyObject *t = PyDict_Copy(NODE_TEMPLATE);
    for (size_t i = 0; t != NULL && i < sizeof FIELDS / sizeof FIELDS[0]; i++) {
        PyObject *v = PyDict_GetItem(d, KEYS[FIELDS[i]]); /* borrowed */
        if (v == NULL || PyDict_SetItem(t, KEYS[FIELDS[i]], v) < 0) Py_CLEAR(t);
    }
    if (t == NULL) {
        PyErr_Clear();
        return;
    }
    uint8_t *b = SEED.bytes;
    memset(&SEED.node, 0, sizeof SEED.node);
    seed_str(&SEED.node.policy_id, n->policy_id, &b);
    seed_str(&SEED.node.version_id, n->version_id, &b);
    seed_str(&SEED.node.parent_id, n->parent_id, &b);
    SEED.node.depth = n->depth;
    SEED.node.created_at = n->created_at;
    SEED.node.updated_at = n->updated_at;
    SEED.tmpl = t;
#else
    (void)n;
    (void)d;
#endif
}

/* Makes the shared template of a result's nodes from its first node (see ctx.first), starting
 * from SEED's when there is one; -1 on error. */
static int shared_begin(ctx *c, const treestore_node *first) {
    const treestore_node *s = SEED.tmpl ? &SEED.node : NULL;
    PyObject *t = PyDict_Copy(s ? SEED.tmpl : NODE_TEMPLATE), *created = NULL, *updated = NULL;
    if (t == NULL) return -1;
    int times = s == NULL || first->created_at != s->created_at || first->updated_at != s->updated_at;
    if (times && node_times(c, first, &created, &updated) < 0) {
        Py_DECREF(t);
        return -1;
    }
    if ((times && (put(t, K_CREATED_AT, created) < 0 || put(t, K_UPDATED_AT, updated) < 0)) ||
        ((s == NULL || !same_str(first->policy_id, s->policy_id)) &&
         put(t, K_POLICY_ID, same_text(ID_POLICY, first->policy_id)) < 0) ||
        ((s == NULL || !same_str(first->version_id, s->version_id)) &&
         put(t, K_VERSION_ID, same_text(ID_VERSION, first->version_id)) < 0) ||
        ((s == NULL || !same_str(first->parent_id, s->parent_id)) &&
         put_any(t, K_PARENT_ID, parent_text(first->parent_id)) < 0) ||
        ((s == NULL || first->depth != s->depth) && put(t, K_DEPTH, PyLong_FromUnsignedLong(first->depth)) < 0)) {
        Py_DECREF(t);
        return -1;
    }
    c->tmpl = t;
    c->first = first;
    if (s == NULL) node_seed(first, t);
    return 0;
}

static void shared_end(ctx *c) {
    Py_CLEAR(c->tmpl);
    c->first = NULL;
}

/* A large result's node ids and tree links, for node_dict. A tree query returns whole families:
 * a subtree's child ids are (but at its depth limit) the ids of nodes later in it, and its parent
 * ids those of nodes before. Each node id is decoded once up front (ids), and node_dict takes a
 * child or parent id from there when its bytes match the node the result's order puts there: a
 * parent is the nearest node before with one less depth (parent), a node's first child the node
 * after it, and each next child the node after the previous one's subtree (next). Matches are
 * checked byte for byte, so nodes in any order decode right (an id that does not match is decoded
 * on its own). The ids, and the section paths, are decoded afresh (text), not through ID_INTERN:
 * a 1,000-node subtree looked up 3,000 strings there, each a cache miss once the result's own
 * objects had evicted the table, and a third of its ids and paths collided and were decoded again
 * every call (get_subtree of 1,000 nodes: ~930 -> ~830 us p50 with page_int, A/B
 * interleaved). Only for results of LINKS_MIN_NODES nodes or more: a small result's ids hit. */
#define LINK_NONE UINT32_MAX
#define LINKS_MIN_NODES 128
struct links {
    size_t n;
    PyObject **ids;   /* n strings */
    uint32_t *next;   /* the first node after node i's subtree (n: none) */
    uint32_t *parent; /* the nearest node before i with one less depth, or LINK_NONE */
};

static void links_end(ctx *c) {
    struct links *l = c->links;
    if (l == NULL) return;
    for (size_t i = 0; i < l->n; i++) Py_XDECREF(l->ids[i]);
    PyMem_Free(l); /* one block: the struct and its arrays */
    c->links = NULL;
}

/* Decodes the node ids of c->v and links its nodes (see struct links); -1 on error (set). Results
 * of fewer than LINKS_MIN_NODES nodes (or more than 2^32 - 2) are left without links. */
static int links_begin(ctx *c) {
    size_t n = c->v->nodes_len;
    if (n < LINKS_MIN_NODES || n >= LINK_NONE) return 0;
    size_t bytes = sizeof(struct links) + n * sizeof(PyObject *) + 3 * n * sizeof(uint32_t);
    struct links *l = PyMem_Malloc(bytes);
    if (l == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    l->n = 0;
    l->ids = (PyObject **)(l + 1);
    l->next = (uint32_t *)(l->ids + n);
    l->parent = l->next + n;
    uint32_t *stack = l->parent + n, sp = 0;
    c->links = l;
    const treestore_node *nodes = c->v->nodes;
    for (size_t k = 0; k < n; k++) {
        /* the stack holds the nodes whose subtree is still open, depths increasing */
        while (sp > 0 && nodes[stack[sp - 1]].depth >= nodes[k].depth) l->next[stack[--sp]] = (uint32_t)k;
        l->parent[k] = sp > 0 && nodes[stack[sp - 1]].depth + 1 == nodes[k].depth ? stack[sp - 1] : LINK_NONE;
        stack[sp++] = (uint32_t)k;
        l->ids[k] = text(nodes[k].node_id);
        if (l->ids[k] == NULL) {
            links_end(c);
            return -1;
        }
        l->n = k + 1;
    }
    while (sp > 0) l->next[stack[--sp]] = (uint32_t)n;
    return 0;
}

/* Node i's id as links decoded it (a new reference). */
static PyObject *link_id(const struct links *l, size_t i) {
    Py_INCREF(l->ids[i]);
    return l->ids[i];
}

/* The parent id of node i (None for the root), from links when it is node parent[i]'s id. */
static PyObject *linked_parent(ctx *c, size_t i) {
    const treestore_node *n = &c->v->nodes[i];
    uint32_t p = c->links->parent[i];
    if (n->parent_id.ptr != NULL && p != LINK_NONE && same_str(n->parent_id, c->v->nodes[p].node_id)) {
        return link_id(c->links, p);
    }
    return parent_text(n->parent_id);
}

/* The child ids of node i as a list, each from links when it is the id of the node the order puts
 * there (see struct links). */
static PyObject *linked_children(ctx *c, size_t i) {
    const treestore_node *n = &c->v->nodes[i];
    const struct links *l = c->links;
    if ((size_t)n->child_first + n->child_count > c->v->strings_len) {
        PyErr_SetString(PyExc_ValueError, "treestore: string range outside the result");
        return NULL;
    }
    PyObject *list = PyList_New(n->child_count);
    if (list == NULL) return NULL;
    size_t at = i + 1; /* the first child, when the result holds it */
    for (uint32_t k = 0; k < n->child_count; k++) {
        treestore_str s = c->v->strings[n->child_first + k];
        PyObject *id;
        if (at < l->n && same_str(s, c->v->nodes[at].node_id)) {
            id = link_id(l, at);
            at = l->next[at];
        } else {
            id = id_text(s);
        }
        if (id == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SetItem(list, k, id); /* steals */
    }
    return list;
}

/* Node n's parent id: from links when the result has them, else by parent_text. */
static PyObject *node_parent(ctx *c, const treestore_node *n) {
    return c->links ? linked_parent(c, (size_t)(n - c->v->nodes)) : parent_text(n->parent_id);
}

/* Moves the shared template to node n (of c->v) when n starts a run of nodes with its parent and
 * depth that the template does not have: a family of siblings after the first node (a subtree's
 * first node is its root, whose parent and depth no other node has). The new template is the old
 * one with n's parent and depth, so only when n has the old one's times, policy and version. Each
 * node of the run then skips two dict writes (~400 instructions) for one copy and two writes made
 * once (get_subtree of 1,000 nodes: 8.7M -> 8.4M instructions in the C call, callgrind). */
static int shared_roll(ctx *c, const treestore_node *n) {
    const treestore_node *f = c->first, *next = n + 1;
    if (f == NULL || next >= c->v->nodes + c->v->nodes_len) return 0;
    if (n->depth == f->depth && same_str(n->parent_id, f->parent_id)) return 0; /* shared already */
    if (next->depth != n->depth || !same_str(next->parent_id, n->parent_id)) return 0; /* no run */
    if (n->created_at != f->created_at || n->updated_at != f->updated_at ||
        !same_str(n->policy_id, f->policy_id) || !same_str(n->version_id, f->version_id)) {
        return 0;
    }
    PyObject *t = PyDict_Copy(c->tmpl);
    if (t == NULL) return -1;
    if (put_any(t, K_PARENT_ID, node_parent(c, n)) < 0 ||
        put_any(t, K_DEPTH, PyLong_FromUnsignedLong(n->depth)) < 0) {
        Py_DECREF(t);
        return -1;
    }
    Py_XSETREF_COMPAT(c->tmpl, t);
    c->first = n;
    return 0;
}

/* Node n of c->v (or, without links, any node) as a dict. With links, its section path is decoded
 * afresh too (see struct links). */
static PyObject *node_dict(ctx *c, const treestore_node *n) {
    if (shared_roll(c, n) < 0) return NULL;
    const treestore_node *f = c->first;
    PyObject *d = PyDict_Copy(f ? c->tmpl : NODE_TEMPLATE);
    if (d == NULL) return NULL;
    PyObject *created = NULL, *updated = NULL;
    /* each time written only when the template's differs (a node read after an update keeps its
     * creation time) */
    int new_created = f == NULL || n->created_at != f->created_at;
    int new_updated = f == NULL || n->updated_at != f->updated_at;
    if (new_created && new_updated) {
        if (node_times(c, n, &created, &updated) < 0) {
            Py_DECREF(d);
            return NULL;
        }
    } else if (new_created) {
        created = when(c, n->created_at);
    } else if (new_updated) {
        updated = when(c, n->updated_at);
    }
    if ((new_created && created == NULL) || (new_updated && updated == NULL)) {
        Py_DECREF(d);
        return NULL;
    }
    PyObject *none_start = (n->flags & TREESTORE_NODE_HAS_PAGE_START) ? NULL : Py_None;
    PyObject *none_end = (n->flags & TREESTORE_NODE_HAS_PAGE_END) ? NULL : Py_None;
    Py_XINCREF(none_start);
    Py_XINCREF(none_end);
    /* the parent first: it may be the node decoded last, whose id slot this node's id then takes */
    if ((new_created && put(d, K_CREATED_AT, created) < 0) || (new_updated && put(d, K_UPDATED_AT, updated) < 0) ||
        (f ? !same_str(n->parent_id, f->parent_id) && put_any(d, K_PARENT_ID, node_parent(c, n)) < 0
           : put(d, K_PARENT_ID, node_parent(c, n)) < 0) ||
        put(d, K_NODE_ID, c->links ? link_id(c->links, (size_t)(n - c->v->nodes))
                                   : same_text(ID_NODE, n->node_id)) < 0 ||
        ((f == NULL || !same_str(n->policy_id, f->policy_id)) &&
         put(d, K_POLICY_ID, same_text(ID_POLICY, n->policy_id)) < 0) ||
        ((f == NULL || !same_str(n->version_id, f->version_id)) &&
         put(d, K_VERSION_ID, same_text(ID_VERSION, n->version_id)) < 0) ||
        ((f == NULL || n->depth != f->depth) && put(d, K_DEPTH, PyLong_FromUnsignedLong(n->depth)) < 0) ||
        put(d, K_TITLE, text(n->title)) < 0 ||
        put(d, K_PAGE_START, none_start ? none_start : page_int(n->page_start)) < 0 ||
        put(d, K_PAGE_END, none_end ? none_end : page_int(n->page_end)) < 0 ||
        put(d, K_SUMMARY, opt_text(n->summary)) < 0 || put(d, K_TEXT, opt_text(n->text)) < 0 ||
        put(d, K_SECTION_PATH, c->links ? text(n->section_path) : id_text(n->section_path)) < 0 ||
        put(d, K_CHILD_IDS, c->links ? linked_children(c, (size_t)(n - c->v->nodes))
                                     : str_list(c, n->child_first, n->child_count)) < 0 ||
        put(d, K_SEE_ALSO, str_list(c, n->see_also_first, n->see_also_count)) < 0 ||
        put(d, K_METADATA, str_map(c, n->metadata_first, n->metadata_count)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

/* The cyclic GC is paused while the node dicts of a large result are built. Every node brings two
 * tracked lists and a tracked dict, so a 1,000-node subtree made ~4 young-generation collections and,
 * every few calls, a middle-generation one, each walking the result built so far (objects that hold
 * no cycle and are freed by their counts): ~15% of such a call (1,066 -> 911 us p50 with the GC off,
 * bench_vs.py's 1,000-node document with 300,000 other dicts alive). Paused, the allocations still
 * count toward the next collection, which runs at the caller's next allocation if the result is
 * still alive then (the same work as before), or never when it was freed first. Only when the GC is
 * enabled, and resumed on every path; the GIL is held throughout (only the to_datetime fallback for
 * instants outside datetime's range runs Python code in between); not on free-threaded builds.
 * gc.disable/enable/isenabled rather than PyGC_*, which the 3.9 stable ABI lacks. */
#define GC_PAUSE_MIN_NODES 128
static PyObject *GC_DISABLE, *GC_ENABLE, *GC_ISENABLED; /* NULL: not found at import; no pause */

/* Calls f() and drops its result; whether it returned True. Errors are cleared. */
static int gc_call(PyObject *f) {
    PyObject *r = PyObject_CallObject(f, NULL);
    if (r == NULL) {
        PyErr_Clear();
        return 0;
    }
    int yes = r == Py_True;
    Py_DECREF(r);
    return yes;
}

/* Pauses the GC for a result of `nodes` nodes when worth it; 1 when paused (pass it to gc_resume). */
static int gc_pause(size_t nodes) {
#ifdef Py_GIL_DISABLED
    (void)nodes;
    return 0;
#else
    if (nodes < GC_PAUSE_MIN_NODES || GC_DISABLE == NULL || PyErr_Occurred()) return 0;
    if (!gc_call(GC_ISENABLED)) return 0;
    gc_call(GC_DISABLE);
    return 1;
#endif
}

/* Resumes the GC paused by gc_pause (`paused`: its result), keeping any pending error. */
static void gc_resume(int paused) {
    if (!paused) return;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    gc_call(GC_ENABLE);
    PyErr_Restore(type, value, tb);
}

static PyObject *record_dict(ctx *c, size_t index, int depth);
static PyObject *fields_template(PyObject *names);

/* Field names, interned once: an open-addressing table keyed by the name's bytes (FNV-1a). */
#define NAMES_SLOTS 1024
static struct {
    char *bytes;
    size_t len;
    PyObject *name;
} NAMES[NAMES_SLOTS];
static size_t NAMES_USED;

static PyObject *field_name(ctx *c, treestore_str s) {
    (void)c;
#ifdef Py_GIL_DISABLED /* free-threaded: the table relies on the GIL */
    return text(s);
#endif
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < s.len; i++) h = (h ^ s.ptr[i]) * 1099511628211ULL;
    for (size_t probe = 0; probe < NAMES_SLOTS; probe++) {
        size_t k = (size_t)(h + probe) & (NAMES_SLOTS - 1);
        if (NAMES[k].name == NULL) {
            PyObject *name = text(s);
            if (name == NULL) return NULL;
            if (NAMES_USED >= NAMES_SLOTS / 2) return name; /* full enough: do not cache */
            char *copy = PyMem_Malloc(s.len ? s.len : 1);
            if (copy == NULL) return name;
            if (s.len) memcpy(copy, s.ptr, s.len);
            PyUnicode_InternInPlace(&name);
            NAMES[k].bytes = copy;
            NAMES[k].len = s.len;
            NAMES[k].name = name;
            NAMES_USED++;
            Py_INCREF(name);
            return name;
        }
        if (NAMES[k].len == s.len && (s.len == 0 || memcmp(NAMES[k].bytes, s.ptr, s.len) == 0)) {
            Py_INCREF(NAMES[k].name);
            return NAMES[k].name;
        }
    }
    return text(s);
}

static PyObject *field_value(ctx *c, const treestore_field *f, int depth) {
    switch (f->kind) {
    case TREESTORE_VALUE_STR: /* ids and short names mostly: shared when short */
        if (f->str_value.ptr == NULL) {
            Py_INCREF(Py_None);
            return Py_None;
        }
        return id_text(f->str_value);
    case TREESTORE_VALUE_INT:
        return PyLong_FromLongLong(f->int_value);
    case TREESTORE_VALUE_FLOAT:
        return PyFloat_FromDouble(f->float_value);
    case TREESTORE_VALUE_BOOL:
        return PyBool_FromLong(f->int_value != 0);
    case TREESTORE_VALUE_TIME:
        return when(c, f->int_value);
    case TREESTORE_VALUE_STR_LIST:
        return str_list(c, f->first, f->count);
    case TREESTORE_VALUE_STR_MAP:
        return str_map(c, f->first, f->count);
    case TREESTORE_VALUE_JSON: {
        PyObject *s = text(f->str_value);
        if (s == NULL) return NULL;
        PyObject *v = PyObject_CallFunctionObjArgs(c->json_loads, s, NULL);
        Py_DECREF(s);
        return v;
    }
    case TREESTORE_VALUE_RECORDS: {
        if ((size_t)f->first + f->count > c->v->records_len) {
            PyErr_SetString(PyExc_ValueError, "treestore: record range outside the result");
            return NULL;
        }
        PyObject *list = PyList_New(f->count);
        if (list == NULL) return NULL;
        for (uint32_t i = 0; i < f->count; i++) {
            PyObject *r = record_dict(c, (size_t)f->first + i, depth + 1);
            if (r == NULL) {
                Py_DECREF(list);
                return NULL;
            }
            PyList_SetItem(list, i, r);
        }
        return list;
    }
    default:
        Py_INCREF(Py_None);
        return Py_None;
    }
}

/* Record shapes: a record whose kind and field names sit back to back in the arena (the library
 * writes its fixed records, such as `version`, that way) is matched against the shapes seen before
 * with one memcmp of those bytes (and the names' lengths), instead of hashing each name; a match
 * gives the interned names and a dict of them -> None, copied presized for the record's values.
 * Module state, guarded by the GIL (not used on free-threaded builds). */
#define SHAPES_MAX 8
#define SHAPE_FIELDS_MAX 32
#define SHAPE_VALUE_MAX 48
static struct {
    char *bytes; /* the kind and the names, back to back */
    size_t len;
    uint32_t count;
    uint32_t lens[SHAPE_FIELDS_MAX + 1]; /* the kind's length, then each name's */
    PyObject *names; /* tuple of the interned names */
    PyObject *template; /* dict: each name -> None, or the value seeded (see shape_seed) */
    int seeded;
    struct shape_value {
        int set; /* the template holds this field's value of the seed record (else None) */
        uint32_t kind;
        int64_t i;
        size_t len;
        char bytes[SHAPE_VALUE_MAX];
    } vals[SHAPE_FIELDS_MAX];
} SHAPES[SHAPES_MAX];
static size_t SHAPES_USED;

/* The shape of record r (an index into SHAPES), or -1 when it has none (names not contiguous, too
 * many fields, the table full) or on error (then PyErr is set). */
static int record_shape(ctx *c, const treestore_record *r) {
#ifdef Py_GIL_DISABLED
    (void)c; (void)r;
    return -1;
#endif
    if (r->field_count == 0 || r->field_count > SHAPE_FIELDS_MAX || r->kind.ptr == NULL) return -1;
    const treestore_field *f = &c->v->fields[r->first_field];
    const uint8_t *end = r->kind.ptr + r->kind.len;
    for (uint32_t i = 0; i < r->field_count; i++) {
        if (f[i].name.ptr != end) return -1;
        end += f[i].name.len;
    }
    size_t len = (size_t)(end - r->kind.ptr);
    for (size_t k = 0; k < SHAPES_USED; k++) {
        if (SHAPES[k].len != len || SHAPES[k].count != r->field_count ||
            memcmp(SHAPES[k].bytes, r->kind.ptr, len) != 0 || SHAPES[k].lens[0] != r->kind.len) {
            continue;
        }
        uint32_t i = 0;
        while (i < r->field_count && SHAPES[k].lens[i + 1] == f[i].name.len) i++;
        if (i == r->field_count) return (int)k;
    }
    if (SHAPES_USED >= SHAPES_MAX) return -1;
    PyObject *names = PyTuple_New(r->field_count), *tmpl = NULL;
    char *bytes = PyMem_Malloc(len ? len : 1);
    if (names == NULL || bytes == NULL) goto fail;
    for (uint32_t i = 0; i < r->field_count; i++) {
        PyObject *name = field_name(c, f[i].name);
        if (name == NULL) goto fail;
        PyTuple_SetItem(names, i, name); /* steals */
        SHAPES[SHAPES_USED].lens[i + 1] = (uint32_t)f[i].name.len;
    }
    if ((tmpl = fields_template(names)) == NULL) goto fail;
    if (PyDict_Size(tmpl) != (Py_ssize_t)r->field_count) goto fail; /* a name twice: no shape */
    memcpy(bytes, r->kind.ptr, len);
    SHAPES[SHAPES_USED].bytes = bytes;
    SHAPES[SHAPES_USED].len = len;
    SHAPES[SHAPES_USED].count = r->field_count;
    SHAPES[SHAPES_USED].lens[0] = (uint32_t)r->kind.len;
    SHAPES[SHAPES_USED].names = names;
    SHAPES[SHAPES_USED].template = tmpl;
    return (int)SHAPES_USED++;
fail:
    Py_XDECREF(names);
    Py_XDECREF(tmpl);
    PyMem_Free(bytes);
    return PyErr_Occurred() ? -2 : -1;
}

/* Whether field f has the value seeded as sv (see shape_seed). */
static int same_value(const struct shape_value *sv, const treestore_field *f) {
    if (!sv->set || f->kind != sv->kind) return 0;
    if (f->kind == TREESTORE_VALUE_STR) {
        return f->str_value.ptr != NULL && f->str_value.len == sv->len &&
               (sv->len == 0 || memcmp(f->str_value.ptr, sv->bytes, sv->len) == 0);
    }
    return f->int_value == sv->i;
}

/* Seeds the template of shape k with the immutable values of record r, its first record: short
 * strs, ints, bools and times (lists, maps, records and JSON are made afresh for every record).
 * The records of a shape mostly repeat some (a version's root node id, its creation time, an
 * empty description and author): a record whose field has the seeded value leaves it as the copy
 * of the template has it, one dict write less (~200 instructions; get_version_as_of over bench_vs's
 * keys: 12,886 -> 11,622 instructions a call, callgrind). A field with another value, None
 * included, is written. On an error the template keeps what it has and is marked seeded (nothing
 * is half done: each field's value and mark are set together). */
static int shape_seed(ctx *c, const treestore_record *r, int k) {
    SHAPES[k].seeded = 1;
    for (uint32_t i = 0; i < r->field_count; i++) {
        const treestore_field *f = &c->v->fields[r->first_field + i];
        struct shape_value *sv = &SHAPES[k].vals[i];
        int str = f->kind == TREESTORE_VALUE_STR;
        int scalar =
            f->kind == TREESTORE_VALUE_INT || f->kind == TREESTORE_VALUE_BOOL || f->kind == TREESTORE_VALUE_TIME;
        if (str ? f->str_value.ptr == NULL || f->str_value.len > SHAPE_VALUE_MAX : !scalar) continue;
        PyObject *value = field_value(c, f, 0);
        if (value == NULL) return -1;
        int bad = PyDict_SetItem(SHAPES[k].template, PyTuple_GetItem(SHAPES[k].names, i), value) < 0;
        Py_DECREF(value);
        if (bad) return -1;
        sv->kind = f->kind;
        sv->i = f->int_value;
        sv->len = str ? f->str_value.len : 0;
        if (sv->len) memcpy(sv->bytes, f->str_value.ptr, sv->len);
        sv->set = 1;
    }
    return 0;
}

/* record_dict of a record with a known shape: the template copied, each value it does not hold set
 * (None where the template holds None or the seeded value). */
static PyObject *shaped_record_dict(ctx *c, const treestore_record *r, int k, int depth) {
    if (!SHAPES[k].seeded && shape_seed(c, r, k) < 0) return NULL;
    PyObject *d = PyDict_Copy(SHAPES[k].template);
    if (d == NULL) return NULL;
    for (uint32_t i = 0; i < r->field_count; i++) {
        const struct shape_value *sv = &SHAPES[k].vals[i];
        if (same_value(sv, &c->v->fields[r->first_field + i])) continue;
        PyObject *value = field_value(c, &c->v->fields[r->first_field + i], depth);
        int bad = value == NULL || ((value != Py_None || sv->set) &&
                                    PyDict_SetItem(d, PyTuple_GetItem(SHAPES[k].names, i), value) < 0);
        Py_XDECREF(value);
        if (bad) {
            Py_DECREF(d);
            return NULL;
        }
    }
    return d;
}

static PyObject *record_dict(ctx *c, size_t index, int depth) {
    if (depth > 64) {
        PyErr_SetString(PyExc_ValueError, "treestore: records nested too deep");
        return NULL;
    }
    const treestore_record *r = &c->v->records[index];
    if ((size_t)r->first_field + r->field_count > c->v->fields_len) {
        PyErr_SetString(PyExc_ValueError, "treestore: field range outside the result");
        return NULL;
    }
    int shape = record_shape(c, r);
    if (shape == -2) return NULL;
    if (shape >= 0) return shaped_record_dict(c, r, shape, depth);
    PyObject *d = PyDict_New();
    if (d == NULL) return NULL;
    for (uint32_t i = 0; i < r->field_count; i++) {
        const treestore_field *f = &c->v->fields[r->first_field + i];
        PyObject *name = field_name(c, f->name);
        PyObject *value = name ? field_value(c, f, depth) : NULL;
        int bad = value == NULL || PyDict_SetItem(d, name, value) < 0;
        Py_XDECREF(name);
        Py_XDECREF(value);
        if (bad) {
            Py_DECREF(d);
            return NULL;
        }
    }
    return d;
}

static PyObject *decode(PyObject *self, PyObject *args) {
    unsigned long long address;
    PyObject *to_datetime, *json_loads;
    ctx c;
    int paused = 0;
    (void)self;
    if (!PyArg_ParseTuple(args, "KOO", &address, &to_datetime, &json_loads)) return NULL;
    ctx_init(&c, (const treestore_result_view *)(uintptr_t)address, to_datetime, json_loads);
    if (c.v == NULL || c.v->top_records > c.v->records_len) {
        PyErr_SetString(PyExc_ValueError, "treestore: not a result view");
        return NULL;
    }
    PyObject *records = PyList_New((Py_ssize_t)c.v->top_records);
    PyObject *nodes = records ? PyList_New((Py_ssize_t)c.v->nodes_len) : NULL;
    if (nodes == NULL) goto fail;
    for (size_t i = 0; i < c.v->top_records; i++) {
        PyObject *r = record_dict(&c, i, 0);
        if (r == NULL) goto fail;
        PyList_SetItem(records, (Py_ssize_t)i, r);
    }
    paused = gc_pause(c.v->nodes_len);
    if (links_begin(&c) < 0) goto fail;
    if (c.v->nodes_len >= 2 && shared_begin(&c, &c.v->nodes[0]) < 0) goto fail;
    for (size_t i = 0; i < c.v->nodes_len; i++) {
        PyObject *n = node_dict(&c, &c.v->nodes[i]);
        if (n == NULL) goto fail;
        PyList_SetItem(nodes, (Py_ssize_t)i, n);
    }
    shared_end(&c);
    links_end(&c);
    gc_resume(paused);
    PyObject *out = PyTuple_Pack(2, records, nodes);
    Py_DECREF(records);
    Py_DECREF(nodes);
    return out;
fail:
    shared_end(&c);
    links_end(&c);
    gc_resume(paused);
    Py_XDECREF(records);
    Py_XDECREF(nodes);
    return NULL;
}

/* The fast entry points (node_get, tree_query, version_as_of) are METH_FASTCALL and read their
 * arguments themselves: PyArg_ParseTuple and the argument tuple cost ~1,000 instructions a call
 * (callgrind), about 5% of a get_node. Both METH_FASTCALL and PyUnicode_AsUTF8AndSize joined the
 * stable ABI in 3.10, but CPython has exported them unchanged since 3.7 (and 3.3): a 3.9 abi3 build
 * declares them here. */
#ifndef METH_FASTCALL
#define METH_FASTCALL 0x0080
#endif

/* Fast-entry argument `o` as the UTF-8 of an exact str (or NULL for None when `optional`): 1 when
 * read, 0 when `o` is anything else or a str that cannot be encoded strictly (lone surrogates: the
 * caller returns None for the SDK's slow path), -1 on another error (set). */
static int fast_id(PyObject *o, int optional, const char **p, Py_ssize_t *len) {
    if (optional && o == Py_None) {
        *p = NULL;
        *len = 0;
        return 1;
    }
    if (!PyUnicode_CheckExact(o)) return 0;
    *p = PyUnicode_AsUTF8AndSize(o, len);
    if (*p != NULL) return 1;
    if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return -1;
    PyErr_Clear();
    return 0;
}

/* An int argument as a signed 64-bit value (an instant in microseconds); -1 with an error set when
 * it is not an int or out of range. CPython 3.11's PyLong_AsLongLong converts any int of more than
 * one 30-bit digit through _PyLong_AsByteArray (~250 instructions for today's instants, 2% of a
 * get_version_as_of, callgrind); PyLong_AsLong reads the digits directly, and is as wide where
 * long is 64 bits. */
static long long fast_i64(PyObject *o) {
#if LONG_MAX >= 9223372036854775807L
    return PyLong_AsLong(o);
#else
    return PyLong_AsLongLong(o);
#endif
}

/* An address argument (a Python int); -1 on error (set). */
static int fast_addr(PyObject *o, unsigned long long *out) {
    *out = PyLong_AsUnsignedLongLong(o);
    return (*out == (unsigned long long)-1 && PyErr_Occurred()) ? -1 : 0;
}

/* Whether a fast entry point got `want` arguments (else a TypeError naming it is set). */
static int fast_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t want) {
    if (nargs == want) return 1;
    PyErr_Format(PyExc_TypeError, "%s takes %zd arguments (%zd given)", name, want, nargs);
    return 0;
}

static PyObject *node_get_run(unsigned long long db_address, unsigned long long txn_address, const char *policy,
                              Py_ssize_t policy_len, const char *version, Py_ssize_t version_len, const char *node,
                              Py_ssize_t node_len, PyObject *to_datetime);

/* node_get_any: the ids as str or UTF-8 bytes. */
static PyObject *node_get_impl(PyObject *args) {
    unsigned long long db_address, txn_address;
    const char *policy, *node, *version = NULL;
    Py_ssize_t policy_len, node_len, version_len = 0;
    PyObject *to_datetime;
    if (!PyArg_ParseTuple(args, "KKs#z#s#O", &db_address, &txn_address, &policy, &policy_len, &version,
                          &version_len, &node, &node_len, &to_datetime)) {
        return NULL;
    }
    return node_get_run(db_address, txn_address, policy, policy_len, version, version_len, node, node_len,
                        to_datetime);
}

static PyObject *node_get_run(unsigned long long db_address, unsigned long long txn_address, const char *policy,
                              Py_ssize_t policy_len, const char *version, Py_ssize_t version_len, const char *node,
                              Py_ssize_t node_len, PyObject *to_datetime) {
    ctx c;
    ctx_init(&c, NULL, to_datetime, Py_None);
    treestore_result *result = NULL;
    treestore_error *err = NULL;
    treestore_status status;
    PyThreadState *ts = PyEval_SaveThread();
    status = treestore_node_get((const treestore_db *)(uintptr_t)db_address,
                                (treestore_txn *)(uintptr_t)txn_address, (const uint8_t *)policy,
                                (size_t)policy_len, (const uint8_t *)version, (size_t)version_len,
                                (const uint8_t *)node, (size_t)node_len, &result, &err);
    PyEval_RestoreThread(ts);
    if (status != TREESTORE_OK) {
        treestore_str m = treestore_error_message(err);
        PyObject *msg = PyUnicode_DecodeUTF8((const char *)m.ptr, (Py_ssize_t)m.len, "replace");
        treestore_error_free(err);
        if (msg == NULL) return NULL;
        PyObject *out = Py_BuildValue("(IN)", (unsigned int)status, msg);
        return out;
    }
    treestore_result_view view;
    memset(&view, 0, sizeof view);
    view.struct_size = (uint32_t)sizeof view;
    status = treestore_result_read(result, &view, NULL);
    PyObject *out = NULL;
    if (status != TREESTORE_OK || view.nodes_len != 1) {
        PyErr_SetString(PyExc_RuntimeError, "treestore: node_get returned no node");
    } else {
        c.v = &view;
        if (SEED.tmpl != NULL) { /* the node's dict starts from the seed's (see SEED) */
            c.first = &SEED.node;
            c.tmpl = SEED.tmpl;
            Py_INCREF(c.tmpl);
        }
        out = node_dict(&c, &view.nodes[0]);
        shared_end(&c);
        if (out != NULL && SEED.tmpl == NULL) node_seed(&view.nodes[0], out);
    }
    treestore_result_free(result);
    return out;
}

static PyObject *node_get(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    unsigned long long db, txn;
    const char *policy, *version, *node;
    Py_ssize_t policy_len, version_len, node_len;
    (void)self;
    if (!fast_nargs("node_get", nargs, 6) || fast_addr(args[0], &db) < 0 || fast_addr(args[1], &txn) < 0) {
        return NULL;
    }
    int ok = fast_id(args[2], 0, &policy, &policy_len);
    if (ok == 1) ok = fast_id(args[3], 1, &version, &version_len);
    if (ok == 1) ok = fast_id(args[4], 0, &node, &node_len);
    if (ok < 0) return NULL;
    if (ok == 0) Py_RETURN_NONE;
    return node_get_run(db, txn, policy, policy_len, version, version_len, node, node_len, args[5]);
}

static PyObject *node_get_any(PyObject *self, PyObject *args) {
    (void)self;
    return node_get_impl(args);
}

/* (status, message) of a failed call; frees the error. */
static PyObject *failure(treestore_status status, treestore_error *err) {
    treestore_str m = treestore_error_message(err);
    PyObject *msg = PyUnicode_DecodeUTF8((const char *)m.ptr, (Py_ssize_t)m.len, "replace");
    treestore_error_free(err);
    if (msg == NULL) return NULL;
    return Py_BuildValue("(IN)", (unsigned int)status, msg);
}

/* The node dicts of `result` (freed). */
static PyObject *result_nodes(treestore_result *result, PyObject *to_datetime) {
    treestore_result_view view;
    ctx c;
    memset(&view, 0, sizeof view);
    view.struct_size = (uint32_t)sizeof view;
    ctx_init(&c, &view, to_datetime, Py_None);
    PyObject *list = NULL;
    if (treestore_result_read(result, &view, NULL) != TREESTORE_OK) {
        PyErr_SetString(PyExc_RuntimeError, "treestore: the result could not be read");
    } else if ((list = PyList_New((Py_ssize_t)view.nodes_len)) != NULL) {
        int paused = gc_pause(view.nodes_len);
        if (links_begin(&c) < 0) Py_CLEAR(list);
        if (list != NULL && view.nodes_len >= 2 && shared_begin(&c, &view.nodes[0]) < 0) Py_CLEAR(list);
        for (size_t i = 0; list != NULL && i < view.nodes_len; i++) {
            PyObject *n = node_dict(&c, &view.nodes[i]);
            if (n == NULL) {
                Py_CLEAR(list);
                break;
            }
            PyList_SetItem(list, (Py_ssize_t)i, n);
        }
        shared_end(&c);
        links_end(&c);
        gc_resume(paused);
    }
    treestore_result_free(result);
    return list;
}

/* The first top-level record of `result` as a dict (freed). */
static PyObject *result_record(treestore_result *result, PyObject *to_datetime, PyObject *json_loads) {
    treestore_result_view view;
    ctx c;
    memset(&view, 0, sizeof view);
    view.struct_size = (uint32_t)sizeof view;
    ctx_init(&c, &view, to_datetime, json_loads);
    PyObject *r = NULL;
    if (treestore_result_read(result, &view, NULL) != TREESTORE_OK || view.top_records < 1) {
        PyErr_SetString(PyExc_RuntimeError, "treestore: the result holds no record");
    } else {
        r = record_dict(&c, 0, 0);
    }
    treestore_result_free(result);
    return r;
}

static PyObject *version_as_of_run(unsigned long long db_address, unsigned long long txn_address,
                                   const char *policy, Py_ssize_t policy_len, long long at, PyObject *to_datetime,
                                   PyObject *json_loads);

/* version_as_of_any: the ids as str or UTF-8 bytes. */
static PyObject *version_as_of_impl(PyObject *args) {
    unsigned long long db_address, txn_address;
    const char *policy;
    Py_ssize_t policy_len;
    long long at;
    PyObject *to_datetime, *json_loads;
    if (!PyArg_ParseTuple(args, "KKs#LOO", &db_address, &txn_address, &policy, &policy_len, &at, &to_datetime,
                          &json_loads)) {
        return NULL;
    }
    return version_as_of_run(db_address, txn_address, policy, policy_len, at, to_datetime, json_loads);
}

static PyObject *version_as_of_run(unsigned long long db_address, unsigned long long txn_address,
                                   const char *policy, Py_ssize_t policy_len, long long at, PyObject *to_datetime,
                                   PyObject *json_loads) {
    treestore_result *result = NULL;
    treestore_error *err = NULL;
    PyThreadState *ts = PyEval_SaveThread();
    treestore_status status = treestore_version_as_of(
        (const treestore_db *)(uintptr_t)db_address, (treestore_txn *)(uintptr_t)txn_address,
        (const uint8_t *)policy, (size_t)policy_len, (int64_t)at, &result, &err);
    PyEval_RestoreThread(ts);
    if (status != TREESTORE_OK) return failure(status, err);
    return result_record(result, to_datetime, json_loads);
}

static PyObject *version_as_of(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    unsigned long long db, txn;
    const char *policy;
    Py_ssize_t policy_len;
    (void)self;
    if (!fast_nargs("version_as_of", nargs, 6) || fast_addr(args[0], &db) < 0 || fast_addr(args[1], &txn) < 0) {
        return NULL;
    }
    int ok = fast_id(args[2], 0, &policy, &policy_len);
    if (ok < 0) return NULL;
    if (ok == 0) Py_RETURN_NONE;
    long long at = fast_i64(args[3]);
    if (at == -1 && PyErr_Occurred()) return NULL;
    return version_as_of_run(db, txn, policy, policy_len, at, args[4], args[5]);
}

static PyObject *version_as_of_any(PyObject *self, PyObject *args) {
    (void)self;
    return version_as_of_impl(args);
}

enum { Q_CHILDREN = 0, Q_SUBTREE = 1, Q_ANCESTORS = 2 };

static PyObject *tree_query_run(int which, unsigned long long db_address, unsigned long long txn_address,
                                const char *policy, Py_ssize_t policy_len, const char *version,
                                Py_ssize_t version_len, const char *node, Py_ssize_t node_len,
                                unsigned int max_depth, int include_text, PyObject *to_datetime);

/* tree_query_any: the ids as str or UTF-8 bytes. */
static PyObject *tree_query_impl(PyObject *args) {
    int which, include_text;
    unsigned int max_depth;
    unsigned long long db_address, txn_address;
    const char *policy, *version = NULL, *node = NULL;
    Py_ssize_t policy_len, version_len = 0, node_len = 0;
    PyObject *to_datetime;
    if (!PyArg_ParseTuple(args, "iKKs#z#z#IpO", &which, &db_address, &txn_address, &policy, &policy_len,
                          &version, &version_len, &node, &node_len, &max_depth, &include_text, &to_datetime)) {
        return NULL;
    }
    return tree_query_run(which, db_address, txn_address, policy, policy_len, version, version_len, node, node_len,
                          max_depth, include_text, to_datetime);
}

static PyObject *tree_query_run(int which, unsigned long long db_address, unsigned long long txn_address,
                                const char *policy, Py_ssize_t policy_len, const char *version,
                                Py_ssize_t version_len, const char *node, Py_ssize_t node_len,
                                unsigned int max_depth, int include_text, PyObject *to_datetime) {
    const treestore_db *db = (const treestore_db *)(uintptr_t)db_address;
    treestore_txn *txn = (treestore_txn *)(uintptr_t)txn_address;
    treestore_result *result = NULL;
    treestore_error *err = NULL;
    treestore_status status;
    PyThreadState *ts = PyEval_SaveThread();
    switch (which) {
    case Q_CHILDREN:
        status = treestore_node_children(db, txn, (const uint8_t *)policy, (size_t)policy_len,
                                         (const uint8_t *)version, (size_t)version_len, (const uint8_t *)node,
                                         (size_t)node_len, include_text != 0, &result, &err);
        break;
    case Q_SUBTREE:
        status = treestore_node_subtree(db, txn, (const uint8_t *)policy, (size_t)policy_len,
                                        (const uint8_t *)version, (size_t)version_len, (const uint8_t *)node,
                                        (size_t)node_len, max_depth, include_text != 0, &result, &err);
        break;
    default:
        status = treestore_node_ancestors(db, txn, (const uint8_t *)policy, (size_t)policy_len,
                                          (const uint8_t *)version, (size_t)version_len, (const uint8_t *)node,
                                          (size_t)node_len, include_text != 0, &result, &err);
        break;
    }
    PyEval_RestoreThread(ts);
    if (status != TREESTORE_OK) return failure(status, err);
    return result_nodes(result, to_datetime);
}

static PyObject *tree_query(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    unsigned long long db, txn;
    const char *policy, *version, *node;
    Py_ssize_t policy_len, version_len, node_len;
    (void)self;
    if (!fast_nargs("tree_query", nargs, 9)) return NULL;
    long which = PyLong_AsLong(args[0]);
    if (which == -1 && PyErr_Occurred()) return NULL;
    if (fast_addr(args[1], &db) < 0 || fast_addr(args[2], &txn) < 0) return NULL;
    /* the version is optional; the node too for children (the root's) */
    int ok = fast_id(args[3], 0, &policy, &policy_len);
    if (ok == 1) ok = fast_id(args[4], 1, &version, &version_len);
    if (ok == 1) ok = fast_id(args[5], which == Q_CHILDREN, &node, &node_len);
    if (ok < 0) return NULL;
    if (ok == 0) Py_RETURN_NONE;
    unsigned long max_depth = PyLong_AsUnsignedLongMask(args[6]); /* as "I" reads it */
    if (max_depth == (unsigned long)-1 && PyErr_Occurred()) return NULL;
    int include_text = PyObject_IsTrue(args[7]);
    if (include_text < 0) return NULL;
    return tree_query_run((int)which, db, txn, policy, policy_len, version, version_len, node, node_len,
                          (unsigned int)max_depth, include_text, args[8]);
}

static PyObject *tree_query_any(PyObject *self, PyObject *args) {
    (void)self;
    return tree_query_impl(args);
}

static PyMethodDef METHODS[] = {
    {"version_as_of", (PyCFunction)(void (*)(void))version_as_of, METH_FASTCALL,
     "version_as_of(db_address, txn_address, policy, at_us, to_datetime, json_loads) -> version dict, or "
     "(status, message) on an error, or None when policy is not exactly str or not strictly encodable."},
    {"tree_query", (PyCFunction)(void (*)(void))tree_query, METH_FASTCALL,
     "tree_query(which, db_address, txn_address, policy, version, node, max_depth, include_text, "
     "to_datetime) -> [node dict], or (status, message) on an error, or None when an id is not exactly "
     "str (or None) or not strictly encodable; which: 0 children, 1 subtree, 2 ancestors."},
    {"node_get", (PyCFunction)(void (*)(void))node_get, METH_FASTCALL,
     "node_get(db_address, txn_address, policy, version, node, to_datetime) -> node dict, or (status, "
     "message) on an error, or None when an id is not exactly str (or None) or not strictly encodable."},
    {"version_as_of_any", version_as_of_any, METH_VARARGS,
     "version_as_of with the policy id as str or UTF-8 bytes (version_as_of takes exactly str and returns "
     "None for anything else)."},
    {"tree_query_any", tree_query_any, METH_VARARGS,
     "tree_query with the ids as str or UTF-8 bytes (tree_query takes exactly str and returns None for "
     "anything else)."},
    {"node_get_any", node_get_any, METH_VARARGS,
     "node_get with the ids as str or UTF-8 bytes (node_get takes exactly str and returns None for "
     "anything else)."},
    {"decode", decode, METH_VARARGS,
     "decode(view_address, to_datetime, json_loads) -> (records, nodes): the Python values of a read "
     "treestore_result_view."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "treestore._speedups",
    "Builds the Python values of a TreeStore result view in C (see _decode.py).", -1, METHODS,
    NULL, NULL, NULL, NULL,
};

/* A dict of `names` (a tuple of str) -> None as a split-table dict: the __dict__ of an instance whose
 * class set those attributes to None (CPython's shared-key instance dicts). A copy of a split dict is
 * split too: it shares the keys and copies only the values, and freeing it frees only those (a
 * combined dict copies, counts and frees every key as well): a node dict then costs ~160 ns less to
 * build and drop (a copy, 16 writes and the drop: 500 -> 340 ns, CPython 3.11); a record shape's
 * template too (get_version_as_of: 20,596 -> 20,410 instructions, callgrind). It is an ordinary
 * dict to every reader, and CPython turns it combined if a caller adds keys it does not have. NULL
 * with no error set when CPython does not give one (then a plain dict is used). */
static PyObject *split_template(PyObject *names) {
#ifdef Py_GIL_DISABLED
    (void)names;
    return NULL;
#else
    Py_ssize_t n = PyTuple_Size(names);
    PyObject *cls = PyObject_CallFunction((PyObject *)&PyType_Type, "s(O){}", "_Fields",
                                          (PyObject *)&PyBaseObject_Type);
    PyObject *obj = cls ? PyObject_CallObject(cls, NULL) : NULL, *d = NULL;
    for (Py_ssize_t i = 0; obj != NULL && i < n; i++) {
        if (PyObject_SetAttr(obj, PyTuple_GetItem(names, i), Py_None) < 0) Py_CLEAR(obj);
    }
    if (obj != NULL) d = PyObject_GetAttrString(obj, "__dict__");
    Py_XDECREF(obj);
    Py_XDECREF(cls);
    /* a name an object attribute cannot take ("__class__") or takes elsewhere (a descriptor):
     * no split dict, and no error (the plain dict holds any name) */
    if (d == NULL) PyErr_Clear();
    if (d != NULL && (!PyDict_CheckExact(d) || PyDict_Size(d) != n)) Py_CLEAR(d);
    return d;
#endif
}

/* names -> None as a dict: split_template's, else a plain one; NULL with an error on a failure. */
static PyObject *fields_template(PyObject *names) {
    PyObject *d = split_template(names);
    if (d != NULL || PyErr_Occurred()) return d;
    d = PyDict_New();
    for (Py_ssize_t i = 0; d != NULL && i < PyTuple_Size(names); i++) {
        if (PyDict_SetItem(d, PyTuple_GetItem(names, i), Py_None) < 0) Py_CLEAR(d);
    }
    return d;
}

PyMODINIT_FUNC PyInit__speedups(void) {
    for (int i = 0; i < K_COUNT; i++) {
        KEYS[i] = PyUnicode_InternFromString(KEY_NAMES[i]);
        if (KEYS[i] == NULL) return NULL;
    }
    PyObject *dt = PyImport_ImportModule("datetime");
    if (dt != NULL) {
        DATETIME = PyObject_GetAttrString(dt, "datetime");
        PyObject *tz = DATETIME ? PyObject_GetAttrString(dt, "timezone") : NULL;
        UTC = tz ? PyObject_GetAttrString(tz, "utc") : NULL;
        Py_XDECREF(tz);
        Py_DECREF(dt);
    }
    if (UTC == NULL) { /* then to_datetime makes every datetime */
        PyErr_Clear();
        Py_CLEAR(DATETIME);
    }
    PyObject *gc = PyImport_ImportModule("gc");
    if (gc != NULL) {
        GC_DISABLE = PyObject_GetAttrString(gc, "disable");
        GC_ENABLE = PyObject_GetAttrString(gc, "enable");
        GC_ISENABLED = PyObject_GetAttrString(gc, "isenabled");
        Py_DECREF(gc);
    }
    if (GC_DISABLE == NULL || GC_ENABLE == NULL || GC_ISENABLED == NULL) { /* then no pause */
        PyErr_Clear();
        Py_CLEAR(GC_DISABLE);
        Py_CLEAR(GC_ENABLE);
        Py_CLEAR(GC_ISENABLED);
    }
    PyObject *keys = PyTuple_New(K_COUNT);
    for (int i = 0; keys != NULL && i < K_COUNT; i++) {
        Py_INCREF(KEYS[i]);
        PyTuple_SetItem(keys, i, KEYS[i]); /* steals */
    }
    NODE_TEMPLATE = keys ? fields_template(keys) : NULL;
    Py_XDECREF(keys);
    if (NODE_TEMPLATE == NULL) return NULL;
    ascii_init();
    PyObject *m = PyModule_Create(&MODULE);
#ifdef Py_GIL_DISABLED
    if (m != NULL) PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED);
#endif
    return m;
}
