/* A minimal test harness for the C suite: CHECK records a failure and goes on; the run ends with
 * the line "N passed, N failed". */
#ifndef TREESTORE_CHECK_H
#define TREESTORE_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed = 0;
static int check_failed = 0;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (cond) {                                                                    \
            check_passed++;                                                            \
        } else {                                                                       \
            check_failed++;                                                            \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);           \
        }                                                                              \
    } while (0)

#define CHECK_STATUS(expr, want)                                                       \
    do {                                                                               \
        treestore_status got_ = (expr);                                                \
        if (got_ == (want)) {                                                          \
            check_passed++;                                                            \
        } else {                                                                       \
            check_failed++;                                                            \
            fprintf(stderr, "FAIL %s:%d: %s returned %u (%s), expected %u\n", __FILE__, \
                    __LINE__, #expr, got_, treestore_status_str(got_), (unsigned)(want)); \
        }                                                                              \
    } while (0)

#define STR(s) (const uint8_t *)(s), strlen(s)

static int check_report(void) {
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

static int str_eq(treestore_str s, const char *want) {
    size_t n = strlen(want);
    return s.len == n && (n == 0 || memcmp(s.ptr, want, n) == 0);
}

/* Record helpers, for the suites that read result records. `static inline` so a suite that does
 * not use them compiles without warnings. */

/* The field `name` of record `r`, or NULL. */
static inline const treestore_field *rec_field(const treestore_result_view *v,
                                               const treestore_record *r, const char *name) {
    for (uint32_t i = 0; i < r->field_count; i++) {
        const treestore_field *f = &v->fields[r->first_field + i];
        if (str_eq(f->name, name)) return f;
    }
    return NULL;
}

/* Record `i` of the view, or an empty record when out of range (its fields read as absent). */
static inline const treestore_record *rec_at(const treestore_result_view *v, size_t i) {
    static const treestore_record none = {{NULL, 0}, 0, 0};
    return i < v->records_len ? &v->records[i] : &none;
}

/* Reads `res` into `v` (the one call that exposes every array of a result). */
static inline treestore_status view_of(treestore_result *res, treestore_result_view *v) {
    memset(v, 0, sizeof *v);
    v->struct_size = sizeof *v;
    return treestore_result_read(res, v, NULL);
}

/* Whether field `name` is a STR (or JSON) equal to `want`. */
static inline int field_str_is(const treestore_result_view *v, const treestore_record *r,
                               const char *name, const char *want) {
    const treestore_field *f = rec_field(v, r, name);
    return f && (f->kind == TREESTORE_VALUE_STR || f->kind == TREESTORE_VALUE_JSON) &&
           str_eq(f->str_value, want);
}

/* The kind of field `name`, or -1 when the record has no such field. */
static inline int field_kind(const treestore_result_view *v, const treestore_record *r,
                             const char *name) {
    const treestore_field *f = rec_field(v, r, name);
    return f ? (int)f->kind : -1;
}

/* The integer of field `name` (INT, BOOL, TIME), or INT64_MIN when absent or of another kind. */
static inline int64_t field_int(const treestore_result_view *v, const treestore_record *r,
                                const char *name) {
    const treestore_field *f = rec_field(v, r, name);
    if (!f || (f->kind != TREESTORE_VALUE_INT && f->kind != TREESTORE_VALUE_BOOL &&
               f->kind != TREESTORE_VALUE_TIME))
        return INT64_MIN;
    return f->int_value;
}

/* Copies the string of field `name` into `out` (NUL-terminated; "" when absent). */
static inline void field_copy(const treestore_result_view *v, const treestore_record *r,
                              const char *name, char *out, size_t cap) {
    const treestore_field *f = rec_field(v, r, name);
    size_t n = 0;
    if (f && f->str_value.ptr) {
        n = f->str_value.len < cap - 1 ? f->str_value.len : cap - 1;
        memcpy(out, f->str_value.ptr, n);
    }
    out[n] = 0;
}

/* Whether `err` has status `want` and its message contains `needle` (NULL: any message). */
static inline int err_is(treestore_error *err, treestore_status want, const char *needle) {
    if (!err || treestore_error_status(err) != want) return 0;
    treestore_str m = treestore_error_message(err);
    if (!needle) return 1;
    if (!strstr((const char *)m.ptr, needle)) {
        fprintf(stderr, "  message %.*s lacks %s\n", (int)m.len, (const char *)m.ptr, needle);
        return 0;
    }
    return 1;
}

/* Runs `expr`, which must pass `&test_err` as its error out-parameter, and checks the status and
 * that the message contains `needle` (NULL: any). */
#define CHECK_ERR(expr, want, needle)                                                  \
    do {                                                                               \
        treestore_error *test_err = NULL;                                              \
        CHECK_STATUS(expr, want);                                                      \
        CHECK(err_is(test_err, want, needle));                                         \
        treestore_error_free(test_err);                                                \
    } while (0)

/* The suites' shared setup and teardown, and helpers more than one suite uses. `static inline`
 * (or a const in a header) so a suite that does not use one compiles without warnings. */

/* A string argument that is not UTF-8. */
static const uint8_t BAD_UTF8[] = {'{', 0xff, '}'};

/* The temporary folder of the suite's database (see check_open_db). */
static char check_dir[256];

/* Opens a new database `<TMPDIR or /tmp>/treestore-c-<tag>-XXXXXX/<tag>.tsdb` (mkdtemp needs
 * _DEFAULT_SOURCE or _GNU_SOURCE before the first include); NULL, with a message, on failure. */
static inline treestore_db *check_open_db(const char *tag) {
    const char *tmp = getenv("TMPDIR");
    snprintf(check_dir, sizeof check_dir, "%s/treestore-c-%s-XXXXXX", tmp ? tmp : "/tmp", tag);
    if (!mkdtemp(check_dir)) {
        perror("mkdtemp");
        return NULL;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/%s.tsdb", check_dir, tag);
    treestore_db *db = NULL;
    CHECK_STATUS(treestore_db_open(STR(path), NULL, &db, NULL), TREESTORE_OK);
    return db;
}

/* Closes `db` (checking the final checkpoint), removes the folder, prints "N passed, N failed"
 * and returns the exit code. */
static inline int check_finish(treestore_db *db) {
    CHECK_STATUS(treestore_db_close(db, NULL), TREESTORE_OK);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", check_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", check_dir);
    return check_report();
}

/* The number of top-level records of `res`; writes the cursor (or "") to `cursor`; frees `res`. */
static inline size_t take_count(treestore_result *res, char *cursor, size_t cap) {
    treestore_result_view v;
    if (view_of(res, &v) != TREESTORE_OK) return (size_t)-1;
    size_t n = v.top_records;
    if (cursor) {
        size_t len = v.next_cursor.ptr ? v.next_cursor.len : 0;
        if (len >= cap) len = cap - 1;
        if (len) memcpy(cursor, v.next_cursor.ptr, len);
        cursor[len] = 0;
    }
    treestore_result_free(res);
    return n;
}

#endif
