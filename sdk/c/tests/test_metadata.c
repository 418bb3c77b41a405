/* The MetadataStore through the C ABI: JSON records in, result records out. */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include <treestore.h>

#include "check.h"

static const treestore_field *field(const treestore_result_view *v, const treestore_record *r,
                                    const char *name) {
    for (uint32_t i = 0; i < r->field_count; i++) {
        const treestore_field *f = &v->fields[r->first_field + i];
        if (str_eq(f->name, name)) return f;
    }
    return NULL;
}

static void view_of(treestore_result *res, treestore_result_view *v) {
    memset(v, 0, sizeof *v);
    v->struct_size = sizeof *v;
    CHECK_STATUS(treestore_result_read(res, v, NULL), TREESTORE_OK);
}

static void test_tool_results(treestore_db *db) {
    treestore_result *res = NULL;
    const char *json =
        "{\"tool_name\": \"navigate_tree\", \"policy_id\": \"p1\", \"node_id\": \"0003\","
        " \"case_id\": \"c1\", \"result_data\": {\"children\": [\"0004\"]}, \"duration_ms\": 7,"
        " \"executed_at\": \"2024-05-01T10:00:00Z\"}";
    CHECK_STATUS(treestore_tool_result_store(db, NULL, STR(json), &res, NULL), TREESTORE_OK);
    treestore_result_view v;
    view_of(res, &v);
    CHECK(v.top_records == 1 && str_eq(v.records[0].kind, "tool_result"));
    const treestore_field *id = field(&v, &v.records[0], "execution_id");
    CHECK(id && id->kind == TREESTORE_VALUE_STR && id->str_value.len == 32);
    char exec_id[64] = {0};
    if (id) memcpy(exec_id, id->str_value.ptr, id->str_value.len);
    const treestore_field *at = field(&v, &v.records[0], "executed_at");
    CHECK(at && at->kind == TREESTORE_VALUE_TIME && at->int_value == 1714557600000000LL);
    const treestore_field *data = field(&v, &v.records[0], "result_data");
    CHECK(data && data->kind == TREESTORE_VALUE_JSON && str_eq(data->str_value, "{\"children\":[\"0004\"]}"));
    treestore_result_free(res);

    CHECK_STATUS(treestore_tool_result_get(db, NULL, STR(exec_id), &res, NULL), TREESTORE_OK);
    view_of(res, &v);
    const treestore_field *d = field(&v, &v.records[0], "duration_ms");
    CHECK(d && d->kind == TREESTORE_VALUE_INT && d->int_value == 7);
    treestore_result_free(res);
    res = NULL;
    CHECK_STATUS(treestore_tool_result_get(db, NULL, STR("nope"), &res, NULL), TREESTORE_NOT_FOUND);
    CHECK(res == NULL);

    for (int i = 0; i < 5; i++) {
        char j[128];
        snprintf(j, sizeof j, "{\"tool_name\": \"search\", \"policy_id\": \"p%d\", \"result_data\": [%d]}", i % 2, i);
        CHECK_STATUS(treestore_tool_result_store(db, NULL, STR(j), &res, NULL), TREESTORE_OK);
        treestore_result_free(res);
    }
    CHECK_STATUS(treestore_tool_result_list(db, NULL, STR("{\"policy_id\": \"p1\", \"limit\": 2}"), &res, NULL), TREESTORE_OK);
    view_of(res, &v);
    CHECK(v.top_records == 2);
    CHECK(v.next_cursor.ptr != NULL);
    treestore_result_free(res);
    CHECK_STATUS(treestore_tool_result_list(db, NULL, NULL, 0, &res, NULL), TREESTORE_OK);
    view_of(res, &v);
    CHECK(v.top_records == 6 && v.next_cursor.ptr == NULL);
    treestore_result_free(res);

    /* Bad input names the field; nothing is written. */
    treestore_error *err = NULL;
    CHECK_STATUS(treestore_tool_result_store(db, NULL, STR("{\"tool_name\": 5}"), &res, &err), TREESTORE_INVALID_ARGUMENT);
    CHECK(err && strstr((const char *)treestore_error_message(err).ptr, "tool_name") != NULL);
    treestore_error_free(err);
    err = NULL;
    CHECK_STATUS(treestore_tool_result_store(db, NULL, STR("{\"tool_name\": "), &res, &err), TREESTORE_INVALID_ARGUMENT);
    CHECK(err && strstr((const char *)treestore_error_message(err).ptr, "line 1") != NULL);
    treestore_error_free(err);
    CHECK_STATUS(treestore_tool_result_list(db, NULL, STR("{\"since\": \"yesterday\"}"), &res, NULL), TREESTORE_INVALID_ARGUMENT);
    treestore_result_view small = {0};
    CHECK_STATUS(treestore_result_read(NULL, &small, NULL), TREESTORE_NULL_PARAMETER);
}

int main(void) {
    char dir[] = "/tmp/treestore-c-meta-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    char path[256];
    snprintf(path, sizeof path, "%s/meta.tsdb", dir);
    treestore_db *db = NULL;
    CHECK_STATUS(treestore_db_open(STR(path), NULL, &db, NULL), TREESTORE_OK);
    test_tool_results(db);
    CHECK_STATUS(treestore_db_close(db, NULL), TREESTORE_OK);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 2;
    return check_report();
}
