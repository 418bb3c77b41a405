/* A minimal test harness for the C suite: CHECK records a failure and goes on; the run ends with
 * the line "N passed, N failed". */
#ifndef TREESTORE_CHECK_H
#define TREESTORE_CHECK_H

#include <stdio.h>
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

#endif
