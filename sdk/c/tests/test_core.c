#define _DEFAULT_SOURCE
/* Exercises the database, transaction, raw-table, result and error exports, including every error
 * path a caller can reach: NULL arguments, invalid UTF-8, not found, a locked database, a damaged
 * file, a transaction used after it ended. */
#include <stdlib.h>
#include <unistd.h>

#include <treestore.h>

#include "check.h"

static char dir[256];

static void path_in_dir(char *out, size_t cap, const char *name) {
    snprintf(out, cap, "%s/%s", dir, name);
}

static void test_versions(void) {
    CHECK(treestore_abi_version() == TREESTORE_ABI_VERSION);
    CHECK(strcmp(treestore_version(), "0.1.0") == 0);
    CHECK(strcmp(treestore_status_str(TREESTORE_NOT_FOUND), "not found") == 0);
    CHECK(strcmp(treestore_status_str(12345), "unknown status") == 0);
}

static void test_open_errors(void) {
    treestore_db *db = NULL;
    treestore_error *err = NULL;
    CHECK_STATUS(treestore_db_open(NULL, 3, NULL, &db, &err), TREESTORE_NULL_PARAMETER);
    CHECK(err != NULL && treestore_error_status(err) == TREESTORE_NULL_PARAMETER);
    CHECK(treestore_error_message(err).len > 0);
    treestore_error_free(err);
    err = NULL;
    const uint8_t bad_utf8[] = {0x2f, 0xff, 0xfe};
    CHECK_STATUS(treestore_db_open(bad_utf8, 3, NULL, &db, &err), TREESTORE_INVALID_UTF8);
    treestore_error_free(err);
    err = NULL;
    char path[512];
    path_in_dir(path, sizeof path, "missing.tsdb");
    treestore_options opts;
    CHECK_STATUS(treestore_options_init(&opts), TREESTORE_OK);
    opts.flags = TREESTORE_OPEN_NO_CREATE;
    CHECK_STATUS(treestore_db_open(STR(path), &opts, &db, NULL), TREESTORE_NOT_FOUND);
    CHECK(db == NULL);
    opts.flags = 0;
    opts.durability = 7;
    CHECK_STATUS(treestore_db_open(STR(path), &opts, &db, &err), TREESTORE_INVALID_ARGUMENT);
    CHECK(strstr((const char *)treestore_error_message(err).ptr, "durability") != NULL);
    treestore_error_free(err);
    err = NULL;
    opts.durability = TREESTORE_DURABILITY_SYNC;
    opts.flags = 8;
    CHECK_STATUS(treestore_db_open(STR(path), &opts, &db, &err), TREESTORE_INVALID_ARGUMENT);
    CHECK(strstr((const char *)treestore_error_message(err).ptr, "flags") != NULL);
    treestore_error_free(err);
    opts.flags = TREESTORE_OPEN_NO_SHRINK;
    CHECK_STATUS(treestore_db_open(STR(path), &opts, &db, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_db_close(db, NULL), TREESTORE_OK);
    db = NULL;
    CHECK_STATUS(treestore_options_init(NULL), TREESTORE_NULL_PARAMETER);
    treestore_error_free(NULL);
    treestore_db_free(NULL);
    treestore_result_free(NULL);
    treestore_txn_free(NULL);
    CHECK_STATUS(treestore_db_close(NULL, NULL), TREESTORE_OK);
}

static void test_kv_and_transactions(void) {
    char path[512];
    path_in_dir(path, sizeof path, "kv.tsdb");
    treestore_db *db = NULL;
    CHECK_STATUS(treestore_db_open(STR(path), NULL, &db, NULL), TREESTORE_OK);

    CHECK_STATUS(treestore_kv_put(db, NULL, STR("t"), STR("alpha"), STR("1"), NULL), TREESTORE_OK);
    treestore_result *res = NULL;
    CHECK_STATUS(treestore_kv_get(db, NULL, STR("t"), STR("alpha"), &res, NULL), TREESTORE_OK);
    const treestore_kv *kvs = NULL;
    size_t n = 0;
    CHECK_STATUS(treestore_result_kvs(res, &kvs, &n, NULL), TREESTORE_OK);
    CHECK(n == 1 && str_eq(kvs[0].value, "1"));
    treestore_result_free(res);
    res = NULL;
    CHECK_STATUS(treestore_kv_get(db, NULL, STR("t"), STR("beta"), &res, NULL), TREESTORE_NOT_FOUND);
    CHECK(res == NULL);

    /* A write transaction groups writes; a reader that began before sees none of them. */
    treestore_txn *reader = NULL, *writer = NULL;
    CHECK_STATUS(treestore_txn_begin(db, false, &reader, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_txn_begin(db, true, &writer, NULL), TREESTORE_OK);
    for (int i = 0; i < 100; i++) {
        char key[32];
        snprintf(key, sizeof key, "k%03d", i);
        CHECK_STATUS(treestore_kv_put(db, writer, STR("t"), STR(key), STR("v"), NULL), TREESTORE_OK);
    }
    CHECK_STATUS(treestore_txn_commit(writer, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_txn_commit(writer, NULL), TREESTORE_CLOSED);
    CHECK_STATUS(treestore_kv_put(db, writer, STR("t"), STR("x"), STR("v"), NULL), TREESTORE_CLOSED);
    treestore_txn_free(writer);
    CHECK_STATUS(treestore_kv_scan(db, reader, STR("t"), NULL, 0, NULL, 0, 0, false, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_result_kvs(res, &kvs, &n, NULL), TREESTORE_OK);
    CHECK(n == 1);
    treestore_result_free(res);
    CHECK_STATUS(treestore_kv_put(db, reader, STR("t"), STR("x"), STR("v"), NULL), TREESTORE_READ_ONLY);
    treestore_txn_free(reader);

    CHECK_STATUS(treestore_kv_scan(db, NULL, STR("t"), STR("k010"), STR("k020"), 5, true, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_result_kvs(res, &kvs, &n, NULL), TREESTORE_OK);
    CHECK(n == 5 && str_eq(kvs[0].key, "k019") && str_eq(kvs[4].key, "k015"));
    treestore_result_free(res);

    /* A rolled-back (or freed) write transaction leaves nothing. */
    CHECK_STATUS(treestore_txn_begin(db, true, &writer, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_kv_put(db, writer, STR("t"), STR("ghost"), STR("v"), NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_txn_rollback(writer, NULL), TREESTORE_OK);
    treestore_txn_free(writer);
    CHECK_STATUS(treestore_kv_get(db, NULL, STR("t"), STR("ghost"), &res, NULL), TREESTORE_NOT_FOUND);
    bool removed = false;
    CHECK_STATUS(treestore_kv_delete(db, NULL, STR("t"), STR("alpha"), &removed, NULL), TREESTORE_OK);
    CHECK(removed);

    /* Invalid arguments. */
    CHECK_STATUS(treestore_kv_put(db, NULL, NULL, 1, STR("k"), STR("v"), NULL), TREESTORE_NULL_PARAMETER);
    CHECK_STATUS(treestore_kv_put(db, NULL, STR(""), STR("k"), STR("v"), NULL), TREESTORE_INVALID_ARGUMENT);
    CHECK_STATUS(treestore_kv_get(NULL, NULL, STR("t"), STR("k"), &res, NULL), TREESTORE_NULL_PARAMETER);
    CHECK_STATUS(treestore_kv_get(db, NULL, STR("t"), STR("k"), NULL, NULL), TREESTORE_NULL_PARAMETER);
    CHECK_STATUS(treestore_result_kvs(NULL, &kvs, &n, NULL), TREESTORE_NULL_PARAMETER);

    /* A second open for writing is refused while this one holds the file. */
    treestore_db *second = NULL;
    treestore_error *err = NULL;
    CHECK_STATUS(treestore_db_open(STR(path), NULL, &second, &err), TREESTORE_DATABASE_LOCKED);
    CHECK(second == NULL);
    treestore_error_free(err);

    treestore_stats stats;
    CHECK_STATUS(treestore_db_stats(db, &stats, NULL), TREESTORE_OK);
    CHECK(stats.commits >= 3 && stats.page_size == 4096);
    CHECK_STATUS(treestore_db_checkpoint(db, NULL), TREESTORE_OK);
    bool ok = false;
    treestore_result *findings = NULL;
    CHECK_STATUS(treestore_db_check_integrity(db, &ok, &findings, NULL), TREESTORE_OK);
    CHECK(ok);
    treestore_result_free(findings);
    CHECK_STATUS(treestore_db_close(db, NULL), TREESTORE_OK);
}

static void test_damaged_file(void) {
    char path[512];
    path_in_dir(path, sizeof path, "damaged.tsdb");
    treestore_db *db = NULL;
    CHECK_STATUS(treestore_db_open(STR(path), NULL, &db, NULL), TREESTORE_OK);
    for (int i = 0; i < 200; i++) {
        char key[32];
        snprintf(key, sizeof key, "key-%05d", i);
        CHECK_STATUS(treestore_kv_put(db, NULL, STR("t"), STR(key), STR("some value"), NULL), TREESTORE_OK);
    }
    CHECK_STATUS(treestore_db_close(db, NULL), TREESTORE_OK);
    /* Damage one byte in every data page (pages 0-2 are the header and meta). */
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        for (long at = 3 * 4096 + 100; at < size; at += 4096) {
            fseek(f, at, SEEK_SET);
            int c = fgetc(f);
            fseek(f, at, SEEK_SET);
            fputc(c ^ 0x5a, f);
        }
        fclose(f);
    }
    /* Opening may already find the damage (a freelist page); otherwise the check must. */
    db = NULL;
    treestore_error *err = NULL;
    treestore_status st = treestore_db_open(STR(path), NULL, &db, &err);
    CHECK(st == TREESTORE_OK || st == TREESTORE_CORRUPTION);
    treestore_error_free(err);
    if (st != TREESTORE_OK) {
        CHECK(db == NULL);
        return;
    }
    bool ok = true;
    treestore_result *findings = NULL;
    CHECK_STATUS(treestore_db_check_integrity(db, &ok, &findings, NULL), TREESTORE_OK);
    CHECK(!ok);
    const treestore_str *items = NULL;
    size_t n = 0;
    CHECK_STATUS(treestore_result_strings(findings, &items, &n, NULL), TREESTORE_OK);
    CHECK(n >= 1);
    treestore_result_free(findings);
    treestore_result *res = NULL;
    st = treestore_kv_scan(db, NULL, STR("t"), NULL, 0, NULL, 0, 0, false, &res, NULL);
    CHECK(st == TREESTORE_CORRUPTION);
    treestore_result_free(res);
    treestore_db_free(db);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/treestore-c-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_versions();
    test_open_errors();
    test_kv_and_transactions();
    test_damaged_file();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", dir);
    }
    return check_report();
}
