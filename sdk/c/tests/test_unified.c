/* The unified search through the C ABI: one query over document nodes, tool results, prompts and
 * trajectory steps, typed hits merged by score, filters, paging by cursor, and entries that follow
 * a transaction's writes and deletes. */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include <treestore.h>

#include "check.h"

static const char *DOC =
    "{\"document\": {\"policy_id\": \"p1\", \"version_id\": \"v1\"}, \"nodes\": ["
    "{\"node_id\": \"r\", \"title\": \"Prior authorization\", \"text\": \"Scope.\"},"
    "{\"node_id\": \"a\", \"parent_id\": \"r\", \"title\": \"Imaging\", \"text\": \"MRI of the knee needs review.\"}]}";

static void store(treestore_db *db, treestore_txn *txn,
                  treestore_status (*fn)(const treestore_db *, treestore_txn *, const uint8_t *,
                                         size_t, treestore_result **, treestore_error **),
                  const char *json) {
    treestore_result *res = NULL;
    CHECK_STATUS(fn(db, txn, STR(json), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
}

static void setup(treestore_db *db) {
    store(db, NULL, treestore_document_store, DOC);
    store(db, NULL, treestore_tool_result_store,
          "{\"execution_id\": \"t1\", \"tool_name\": \"search_policy\", \"policy_id\": \"p1\","
          " \"case_id\": \"c1\", \"result_data\": {\"found\": \"knee imaging\"}, \"success\": true}");
    store(db, NULL, treestore_tool_result_store,
          "{\"execution_id\": \"t2\", \"tool_name\": \"search_policy\", \"result_data\": null,"
          " \"success\": false, \"error_message\": \"knee section not found\"}");
    store(db, NULL, treestore_prompt_create,
          "{\"name\": \"knee_triage\", \"template\": \"Triage the knee case {{case}}\","
          " \"commit_message\": \"first\"}");
    store(db, NULL, treestore_trajectory_store,
          "{\"trajectory_id\": \"tr\", \"case_id\": \"c1\", \"steps\": ["
          "{\"action\": \"open\", \"observation\": \"knee limits apply\"}]}");
}

/* Whether the hits of `v` are in falling score order with scores in [0, 1). */
static int ordered(const treestore_result_view *v) {
    double last = 1.0;
    for (size_t i = 0; i < v->top_records; i++) {
        const treestore_field *f = rec_field(v, &v->records[i], "score");
        if (!f || f->kind != TREESTORE_VALUE_FLOAT) return 0;
        if (f->float_value > last || f->float_value < 0.0 || f->float_value >= 1.0) return 0;
        last = f->float_value;
    }
    return 1;
}

/* The index of the hit with display id `id`, or -1. */
static int find(const treestore_result_view *v, const char *id) {
    for (size_t i = 0; i < v->top_records; i++)
        if (field_str_is(v, &v->records[i], "id", id)) return (int)i;
    return -1;
}

static void test_every_kind(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    CHECK_STATUS(treestore_search_unified(db, NULL, STR("knee"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 5);
    CHECK(v.next_cursor.ptr == NULL);
    CHECK(ordered(&v));
    int node = find(&v, "p1/v1/a"), t2 = find(&v, "t2"), p = find(&v, "knee_triage:1"), s = find(&v, "tr:1");
    CHECK(node >= 0 && t2 >= 0 && p >= 0 && s >= 0 && find(&v, "t1") >= 0);
    if (node >= 0) {
        const treestore_record *r = &v.records[node];
        CHECK(field_str_is(&v, r, "kind", "node"));
        CHECK(field_str_is(&v, r, "node_id", "a") && field_str_is(&v, r, "policy_id", "p1"));
        CHECK(field_kind(&v, r, "execution_id") == TREESTORE_VALUE_NULL);
        CHECK(field_str_is(&v, r, "snippet", "MRI of the <b>knee</b> needs review."));
    }
    if (t2 >= 0) {
        CHECK(field_str_is(&v, &v.records[t2], "kind", "tool_result"));
        CHECK(field_str_is(&v, &v.records[t2], "execution_id", "t2"));
        CHECK(field_str_is(&v, &v.records[t2], "snippet", "<b>knee</b> section not found"));
    }
    if (p >= 0) {
        CHECK(field_str_is(&v, &v.records[p], "prompt_name", "knee_triage"));
        CHECK(field_int(&v, &v.records[p], "prompt_version") == 1);
    }
    if (s >= 0) CHECK(field_int(&v, &v.records[s], "step_number") == 1);
    treestore_result_free(res);
}

static void test_filters_and_pages(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    /* Case c1: its tool result and its trajectory step; nodes and prompts have no case. */
    CHECK_STATUS(treestore_search_unified(db, NULL, STR("knee"), STR("{\"case_id\": \"c1\"}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 2 && find(&v, "t1") >= 0 && find(&v, "tr:1") >= 0);
    treestore_result_free(res);
    CHECK_STATUS(treestore_search_unified(db, NULL, STR("knee"), STR("{\"kinds\": [\"prompt\", \"node\"], \"policy_id\": \"p1\"}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 1 && find(&v, "p1/v1/a") == 0);
    treestore_result_free(res);
    /* Pages of two hits concatenate to the whole ranking. */
    CHECK_STATUS(treestore_search_unified(db, NULL, STR("knee"), NULL, 0, &res, NULL), TREESTORE_OK);
    treestore_result_view whole;
    CHECK_STATUS(view_of(res, &whole), TREESTORE_OK);
    char cursor[512] = "", options[700], id[128];
    size_t seen = 0;
    for (int page = 0; page < 10; page++) {
        if (page == 0) snprintf(options, sizeof options, "{\"limit\": 2}");
        else snprintf(options, sizeof options, "{\"limit\": 2, \"cursor\": \"%s\"}", cursor);
        treestore_result *pres = NULL;
        treestore_result_view pv;
        CHECK_STATUS(treestore_search_unified(db, NULL, STR("knee"), STR(options), &pres, NULL), TREESTORE_OK);
        CHECK_STATUS(view_of(pres, &pv), TREESTORE_OK);
        CHECK(pv.top_records <= 2);
        for (size_t i = 0; i < pv.top_records && seen < whole.top_records; i++, seen++) {
            field_copy(&whole, &whole.records[seen], "id", id, sizeof id);
            CHECK(field_str_is(&pv, &pv.records[i], "id", id));
        }
        int more = pv.next_cursor.ptr != NULL && pv.next_cursor.len < sizeof cursor;
        if (more) {
            memcpy(cursor, pv.next_cursor.ptr, pv.next_cursor.len);
            cursor[pv.next_cursor.len] = 0;
        }
        treestore_result_free(pres);
        if (!more) break;
    }
    CHECK(seen == whole.top_records && seen == 5);
    treestore_result_free(res);
}

static void test_transactions_and_deletes(treestore_db *db) {
    treestore_txn *txn = NULL;
    treestore_result *res = NULL;
    treestore_result_view v;
    /* A tool result stored in an open transaction is found in it, and gone after a rollback. */
    CHECK_STATUS(treestore_txn_begin(db, true, &txn, NULL), TREESTORE_OK);
    store(db, txn, treestore_tool_result_store,
          "{\"execution_id\": \"t9\", \"tool_name\": \"lookup\", \"result_data\": {\"note\": \"meniscus\"}, \"success\": true}");
    CHECK_STATUS(treestore_search_unified(db, txn, STR("meniscus"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 1 && find(&v, "t9") == 0);
    treestore_result_free(res);
    CHECK_STATUS(treestore_txn_rollback(txn, NULL), TREESTORE_OK);
    treestore_txn_free(txn);
    CHECK_STATUS(treestore_search_unified(db, NULL, STR("meniscus"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 0);
    treestore_result_free(res);
    /* Deleting a tool result removes its hit. */
    bool removed = false;
    CHECK_STATUS(treestore_tool_result_delete(db, NULL, STR("t2"), &removed, NULL), TREESTORE_OK);
    CHECK(removed);
    CHECK_STATUS(treestore_search_unified(db, NULL, STR("knee"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 4 && find(&v, "t2") < 0);
    treestore_result_free(res);
}

static void test_bad_input(treestore_db *db) {
    treestore_result *res = NULL;
    CHECK_ERR(treestore_search_unified(db, NULL, STR("knee AND"), NULL, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "character 5");
    CHECK_ERR(treestore_search_unified(db, NULL, STR("knee"), STR("{\"kinds\": [\"nodes\"]}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field kinds");
    CHECK_ERR(treestore_search_unified(db, NULL, STR("knee"), STR("{\"limit\": 5000}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field limit");
    CHECK_ERR(treestore_search_unified(db, NULL, STR("knee"), STR("{\"cursor\": \"zz\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field cursor");
    CHECK_ERR(treestore_search_unified(db, NULL, STR("knee"), STR("{\"version_id\": \"v1\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field version_id");
    CHECK_ERR(treestore_search_unified(db, NULL, STR("knee"), STR("[1]"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "unified_search_options");
    CHECK(res == NULL);
    CHECK_STATUS(treestore_search_unified(db, NULL, NULL, 4, NULL, 0, &res, NULL), TREESTORE_NULL_PARAMETER);
    CHECK_STATUS(treestore_search_unified(db, NULL, STR("knee"), NULL, 0, NULL, NULL), TREESTORE_NULL_PARAMETER);
    CHECK_STATUS(treestore_search_unified(NULL, NULL, STR("knee"), NULL, 0, &res, NULL), TREESTORE_NULL_PARAMETER);
    CHECK(res == NULL);
}

int main(void) {
    char dir[] = "/tmp/treestore-c-unified-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    char path[256];
    snprintf(path, sizeof path, "%s/u.tsdb", dir);
    treestore_db *db = NULL;
    CHECK_STATUS(treestore_db_open(STR(path), NULL, &db, NULL), TREESTORE_OK);
    setup(db);
    test_every_kind(db);
    test_filters_and_pages(db);
    test_transactions_and_deletes(db);
    test_bad_input(db);
    CHECK_STATUS(treestore_db_close(db, NULL), TREESTORE_OK);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 2;
    return check_report();
}
