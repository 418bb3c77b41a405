/* The whole-database operations through the C ABI: backup, compaction, the Prometheus metrics
 * (every store export is timed), health, and the log callback (recovery, checkpoints, atomic
 * replacement, level filter). Error paths: NULL arguments, invalid UTF-8, empty paths, an existing
 * backup destination, compacting an open database, bad options. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <treestore.h>

#include "check.h"

static char dir[128];

static const char *DOC =
    "{\"document\": {\"policy_id\": \"p\", \"version_id\": \"v1\", \"created_at\": \"2024-01-01T00:00:00Z\"},"
    " \"nodes\": [{\"node_id\": \"r\", \"title\": \"Root\", \"page_start\": 1, \"page_end\": 2},"
    "  {\"node_id\": \"a\", \"parent_id\": \"r\", \"title\": \"Imaging\", \"text\": \"MRI needs prior authorization.\"}]}";

/* ---- the log callback: messages collected under a lock (it may run on any thread) ---- */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char log_text[16384];
static size_t log_len;
static int log_calls;

static void on_log(uint32_t level, const uint8_t *msg, size_t len, void *user) {
    pthread_mutex_lock(&log_mu);
    (*(int *)user)++;
    log_calls++;
    int n = snprintf(log_text + log_len, sizeof log_text - log_len, "%u %.*s\n", level, (int)len, (const char *)msg);
    if (n > 0 && log_len + (size_t)n < sizeof log_text) log_len += (size_t)n;
    pthread_mutex_unlock(&log_mu);
}

static int logged(const char *needle) {
    pthread_mutex_lock(&log_mu);
    int found = strstr(log_text, needle) != NULL;
    pthread_mutex_unlock(&log_mu);
    if (!found) fprintf(stderr, "  the log lacks %s:\n%s", needle, log_text);
    return found;
}

static int calls(void) {
    pthread_mutex_lock(&log_mu);
    int n = log_calls;
    pthread_mutex_unlock(&log_mu);
    return n;
}

static void path_in_dir(char *out, size_t cap, const char *name) {
    snprintf(out, cap, "%s/%s", dir, name);
}

static int copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    int ok = in && out;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
    if (in) fclose(in);
    if (out) fclose(out);
    return ok;
}

static void store(treestore_db *db, const char *json) {
    treestore_result *res = NULL;
    CHECK_STATUS(treestore_document_store(db, NULL, STR(json), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
}

static void test_log_callback(void) {
    int mine = 0;
    CHECK_STATUS(treestore_log_set_callback(on_log, &mine, TREESTORE_LOG_INFO, NULL), TREESTORE_OK);
    CHECK_ERR(treestore_log_set_callback(on_log, &mine, 9, &test_err), TREESTORE_INVALID_ARGUMENT, "min_level");

    char a[256], b[256], a_wal[300], b_wal[300];
    path_in_dir(a, sizeof a, "log-a.tsdb");
    path_in_dir(b, sizeof b, "log-b.tsdb");
    snprintf(a_wal, sizeof a_wal, "%s-wal", a);
    snprintf(b_wal, sizeof b_wal, "%s-wal", b);
    treestore_db *db = NULL;
    CHECK_STATUS(treestore_db_open(STR(a), NULL, &db, NULL), TREESTORE_OK);
    store(db, DOC);
    CHECK_STATUS(treestore_db_checkpoint(db, NULL), TREESTORE_OK);
    CHECK(logged("3 ") && logged(": checkpoint 1 wrote "));
    /* A commit left in the WAL: a copy of the files is what a crash leaves; opening replays it. */
    CHECK_STATUS(treestore_version_tag(db, NULL, STR("p"), STR("v1"), STR("t"), NULL), TREESTORE_OK);
    CHECK(copy_file(a, b) && copy_file(a_wal, b_wal));
    treestore_db *copy = NULL;
    CHECK_STATUS(treestore_db_open(STR(b), NULL, &copy, NULL), TREESTORE_OK);
    CHECK(logged("recovery replayed 1 commits"));
    treestore_result *res = NULL;
    CHECK_STATUS(treestore_version_get_by_tag(copy, NULL, STR("p"), STR("t"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_db_close(copy, NULL), TREESTORE_OK);
    CHECK(mine == calls() && mine >= 3);

    /* A stricter level filters; NULL removes the callback: nothing arrives afterwards. */
    int before = calls();
    CHECK_STATUS(treestore_log_set_callback(on_log, &mine, TREESTORE_LOG_ERROR, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_version_tag(db, NULL, STR("p"), STR("v1"), STR("u"), NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_db_checkpoint(db, NULL), TREESTORE_OK);
    CHECK(calls() == before);
    CHECK_STATUS(treestore_log_set_callback(NULL, NULL, TREESTORE_LOG_TRACE, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_version_tag(db, NULL, STR("p"), STR("v1"), STR("w"), NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_db_close(db, NULL), TREESTORE_OK);
    CHECK(calls() == before);
}

/* Calls every store export of the document, version and search stores once. */
static void exercise_every_store_export(treestore_db *db) {
    treestore_result *res = NULL;
    uint64_t n = 0;
    bool removed = false;
#define RUN(call)                                                                      \
    do {                                                                               \
        res = NULL;                                                                    \
        CHECK_STATUS(call, TREESTORE_OK);                                              \
        treestore_result_free(res);                                                    \
    } while (0)
    RUN(treestore_document_store(db, NULL, STR(DOC), &res, NULL));
    CHECK_STATUS(treestore_document_store_batch(db, NULL, STR("[]"), &n, NULL), TREESTORE_OK);
    RUN(treestore_document_get(db, NULL, STR("p"), NULL, 0, &res, NULL));
    RUN(treestore_node_get(db, NULL, STR("p"), NULL, 0, STR("a"), &res, NULL));
    RUN(treestore_node_get_batch(db, NULL, STR("p"), NULL, 0, STR("[\"a\"]"), true, &res, NULL));
    RUN(treestore_node_children(db, NULL, STR("p"), NULL, 0, NULL, 0, true, &res, NULL));
    RUN(treestore_node_subtree(db, NULL, STR("p"), NULL, 0, STR("r"), 0, true, &res, NULL));
    RUN(treestore_node_ancestors(db, NULL, STR("p"), NULL, 0, STR("a"), true, &res, NULL));
    RUN(treestore_node_by_page(db, NULL, STR("p"), NULL, 0, 1, true, &res, NULL));
    RUN(treestore_node_by_pages(db, NULL, STR("p"), NULL, 0, STR("1-2"), true, &res, NULL));
    RUN(treestore_node_by_section_path(db, NULL, STR("p"), NULL, 0, STR("1"), &res, NULL));
    RUN(treestore_document_structure(db, NULL, STR("p"), NULL, 0, -1, 0, NULL, 0, &res, NULL));
    RUN(treestore_pageindex_import(db, NULL, STR("[{\"title\": \"T\"}]"), STR("pi"), STR("v1"), NULL, NULL, NULL, 0, NULL, 0, &res, NULL));
    RUN(treestore_pageindex_export(db, NULL, STR("pi"), NULL, 0, 0, &res, NULL));
    RUN(treestore_version_list(db, NULL, STR("p"), 0, NULL, 0, &res, NULL));
    RUN(treestore_version_get(db, NULL, STR("p"), STR("v1"), &res, NULL));
    CHECK_STATUS(treestore_version_tag(db, NULL, STR("p"), STR("v1"), STR("t"), NULL), TREESTORE_OK);
    RUN(treestore_version_get_by_tag(db, NULL, STR("p"), STR("t"), &res, NULL));
    CHECK_STATUS(treestore_version_untag(db, NULL, STR("p"), STR("t"), &removed, NULL), TREESTORE_OK);
    RUN(treestore_version_latest(db, NULL, STR("p"), &res, NULL));
    RUN(treestore_version_as_of(db, NULL, STR("p"), 1704067200000001LL, &res, NULL));
    RUN(treestore_version_diff(db, NULL, STR("p"), STR("v1"), STR("v1"), &res, NULL));
    RUN(treestore_search(db, NULL, NULL, 0, NULL, 0, STR("mri"), 0, 0, 40, false, &res, NULL));
    RUN(treestore_search_all(db, NULL, STR("mri"), NULL, 0, 40, false, &res, NULL));
    RUN(treestore_search_settings_get(db, NULL, &res, NULL));
    CHECK_STATUS(treestore_search_settings_set(db, NULL, STR("{}"), NULL, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_document_delete(db, NULL, STR("pi"), NULL, 0, &n, NULL), TREESTORE_OK);
    /* A failed call is counted as an error of its operation. */
    CHECK_STATUS(treestore_node_get(db, NULL, STR("p"), NULL, 0, STR("zz"), &res, NULL), TREESTORE_NOT_FOUND);
#undef RUN
}

static const char *OPS[] = {
    "store_document", "store_documents", "get_document", "get_node", "get_nodes", "get_children",
    "get_subtree", "get_ancestor_path", "get_nodes_by_page", "get_by_section_path", "get_structure",
    "import_pageindex", "export_pageindex", "list_versions", "get_version", "tag_version",
    "get_version_by_tag", "untag_version", "get_latest_version", "get_version_as_of",
    "diff_versions", "search", "search_settings", "configure_search", "delete_document", "backup",
};

static void test_metrics_health_backup(void) {
    char path[256], dest[256], missing[256];
    path_in_dir(path, sizeof path, "ops.tsdb");
    path_in_dir(dest, sizeof dest, "ops-backup.tsdb");
    path_in_dir(missing, sizeof missing, "nothing-here.tsdb");
    treestore_db *db = NULL;
    CHECK_STATUS(treestore_db_open(STR(path), NULL, &db, NULL), TREESTORE_OK);
    treestore_result *res = NULL;
    treestore_result_view v;

    /* Health of a fresh database: no checkpoint yet. */
    CHECK_STATUS(treestore_db_health(db, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const treestore_record *h = rec_at(&v, 0);
    CHECK(str_eq(h->kind, "health") && field_int(&v, h, "healthy") == 1 && field_int(&v, h, "read_only") == 0);
    CHECK(field_int(&v, h, "poisoned") == 0 && field_str_is(&v, h, "version", treestore_version()));
    const treestore_field *up = rec_field(&v, h, "uptime_seconds");
    CHECK(up && up->kind == TREESTORE_VALUE_FLOAT && up->float_value >= 0 && up->float_value < 60);
    CHECK(field_kind(&v, h, "last_checkpoint_age_seconds") == TREESTORE_VALUE_NULL);
    treestore_result_free(res);

    exercise_every_store_export(db);
    CHECK_STATUS(treestore_db_backup(db, STR(dest), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const treestore_record *b = rec_at(&v, 0);
    CHECK(str_eq(b->kind, "backup_report") && field_int(&v, b, "tables") > 5 && field_int(&v, b, "entries") > 10);
    CHECK(field_int(&v, b, "txid") > 0 && field_int(&v, b, "file_bytes") > 0);
    treestore_result_free(res);
    res = NULL;
    CHECK_ERR(treestore_db_backup(db, STR(dest), &res, &test_err), TREESTORE_ALREADY_EXISTS, "already exists");
    CHECK_ERR(treestore_db_backup(db, NULL, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "dest");
    CHECK_ERR(treestore_db_backup(db, NULL, 5, &res, &test_err), TREESTORE_NULL_PARAMETER, "dest");
    CHECK_ERR(treestore_db_backup(db, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "dest");
    CHECK_ERR(treestore_db_backup(db, STR(missing), NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_db_backup(NULL, STR(missing), &res, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK(res == NULL);

    /* Every store export is timed under its operation's name; the failed lookup is an error. */
    CHECK_STATUS(treestore_db_metrics_text(db, &res, NULL), TREESTORE_OK);
    const treestore_str *items = NULL;
    size_t n = 0;
    CHECK_STATUS(treestore_result_strings(res, &items, &n, NULL), TREESTORE_OK);
    CHECK(n == 1);
    if (n == 1) {
        char *text = strndup((const char *)items[0].ptr, items[0].len);
        CHECK(strstr(text, "# TYPE treestore_op_duration_seconds histogram") != NULL);
        for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++) {
            char want[128];
            snprintf(want, sizeof want, "treestore_op_duration_seconds_count{op=\"%s\"} ", OPS[i]);
            if (!strstr(text, want)) fprintf(stderr, "  metrics lack %s\n", OPS[i]);
            CHECK(strstr(text, want) != NULL);
        }
        CHECK(strstr(text, "treestore_op_duration_seconds_count{op=\"get_node\"} 2") != NULL);
        CHECK(strstr(text, "treestore_op_errors_total{op=\"get_node\"} 1") != NULL);
        CHECK(strstr(text, "treestore_commits_total ") != NULL);
        free(text);
    }
    treestore_result_free(res);
    res = NULL;
    CHECK_ERR(treestore_db_metrics_text(NULL, &res, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK_ERR(treestore_db_metrics_text(db, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_db_health(NULL, &res, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK_ERR(treestore_db_health(db, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");

    CHECK_STATUS(treestore_db_checkpoint(db, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_db_health(db, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const treestore_field *age = rec_field(&v, rec_at(&v, 0), "last_checkpoint_age_seconds");
    CHECK(age && age->kind == TREESTORE_VALUE_FLOAT && age->float_value >= 0);
    treestore_result_free(res);
    res = NULL;

    /* Compaction needs the database closed. */
    CHECK_ERR(treestore_db_compact(STR(path), NULL, &res, &test_err), TREESTORE_DATABASE_LOCKED, NULL);
    CHECK_STATUS(treestore_db_close(db, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_db_compact(STR(path), NULL, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(str_eq(rec_at(&v, 0)->kind, "backup_report") && field_int(&v, rec_at(&v, 0), "entries") > 10);
    treestore_result_free(res);
    res = NULL;
    treestore_options opts;
    CHECK_STATUS(treestore_options_init(&opts), TREESTORE_OK);
    opts.struct_size = 4;
    CHECK_ERR(treestore_db_compact(STR(path), &opts, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "struct_size");
    CHECK_ERR(treestore_db_compact(STR(missing), NULL, &res, &test_err), TREESTORE_NOT_FOUND, NULL);
    CHECK_ERR(treestore_db_compact(NULL, 4, NULL, &res, &test_err), TREESTORE_NULL_PARAMETER, "path");
    CHECK_ERR(treestore_db_compact(STR(""), NULL, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "path");
    CHECK_ERR(treestore_db_compact(STR(path), NULL, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK(res == NULL);

    /* The compacted file and the backup hold the documents; a read-only handle is not healthy. */
    const char *paths[] = {path, dest};
    for (int i = 0; i < 2; i++) {
        CHECK_STATUS(treestore_options_init(&opts), TREESTORE_OK);
        opts.flags = TREESTORE_OPEN_READ_ONLY;
        CHECK_STATUS(treestore_db_open(STR(paths[i]), &opts, &db, NULL), TREESTORE_OK);
        CHECK_STATUS(treestore_node_get(db, NULL, STR("p"), NULL, 0, STR("a"), &res, NULL), TREESTORE_OK);
        CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
        CHECK(v.nodes_len == 1 && str_eq(v.nodes[0].title, "Imaging"));
        treestore_result_free(res);
        CHECK_STATUS(treestore_db_health(db, &res, NULL), TREESTORE_OK);
        CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
        CHECK(field_int(&v, rec_at(&v, 0), "healthy") == 0 && field_int(&v, rec_at(&v, 0), "read_only") == 1);
        treestore_result_free(res);
        CHECK_STATUS(treestore_db_close(db, NULL), TREESTORE_OK);
    }
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/treestore-c-dbops-XXXXXX");
    if (!mkdtemp(dir)) return 2;
    test_log_callback();
    test_metrics_health_backup();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 2;
    return check_report();
}
