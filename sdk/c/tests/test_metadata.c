/* The MetadataStore through the C ABI: JSON records in, result records out. Every export is
 * called, with its error paths: NULL arguments, invalid UTF-8, malformed JSON (line and column),
 * missing fields named in the message, not found, a read-only transaction, a transaction used
 * after it ended. */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include <treestore.h>

#include "check.h"

static void test_tool_results(treestore_db *db) {
    treestore_result *res = NULL;
    const char *json =
        "{\"tool_name\": \"navigate_tree\", \"policy_id\": \"p1\", \"node_id\": \"0003\","
        " \"case_id\": \"c1\", \"result_data\": {\"children\": [\"0004\"]}, \"duration_ms\": 7,"
        " \"executed_at\": \"2024-05-01T10:00:00Z\"}";
    CHECK_STATUS(treestore_tool_result_store(db, NULL, STR(json), &res, NULL), TREESTORE_OK);
    treestore_result_view v;
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 1 && str_eq(rec_at(&v, 0)->kind, "tool_result"));
    const treestore_field *id = rec_field(&v, rec_at(&v, 0), "execution_id");
    CHECK(id && id->kind == TREESTORE_VALUE_STR && id->str_value.len == 32);
    char exec_id[64];
    field_copy(&v, rec_at(&v, 0), "execution_id", exec_id, sizeof exec_id);
    CHECK(field_kind(&v, rec_at(&v, 0), "executed_at") == TREESTORE_VALUE_TIME);
    CHECK(field_int(&v, rec_at(&v, 0), "executed_at") == 1714557600000000LL);
    const treestore_field *data = rec_field(&v, rec_at(&v, 0), "result_data");
    CHECK(data && data->kind == TREESTORE_VALUE_JSON && str_eq(data->str_value, "{\"children\":[\"0004\"]}"));
    CHECK(field_int(&v, rec_at(&v, 0), "success") == 1);
    CHECK(field_kind(&v, rec_at(&v, 0), "error_message") == TREESTORE_VALUE_NULL);
    treestore_result_free(res);

    CHECK_STATUS(treestore_tool_result_get(db, NULL, STR(exec_id), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_int(&v, rec_at(&v, 0), "duration_ms") == 7);
    treestore_result_free(res);
    res = NULL;
    CHECK_ERR(treestore_tool_result_get(db, NULL, STR("nope"), &res, &test_err), TREESTORE_NOT_FOUND, "nope");
    CHECK(res == NULL);

    for (int i = 0; i < 5; i++) {
        char j[128];
        snprintf(j, sizeof j, "{\"tool_name\": \"search\", \"policy_id\": \"p%d\", \"result_data\": [%d]}", i % 2, i);
        CHECK_STATUS(treestore_tool_result_store(db, NULL, STR(j), &res, NULL), TREESTORE_OK);
        treestore_result_free(res);
    }
    char cursor[256], page[400];
    CHECK_STATUS(treestore_tool_result_list(db, NULL, STR("{\"policy_id\": \"p1\", \"limit\": 2}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 2 && cursor[0] != 0);
    snprintf(page, sizeof page, "{\"policy_id\": \"p1\", \"limit\": 2, \"cursor\": \"%s\"}", cursor);
    CHECK_STATUS(treestore_tool_result_list(db, NULL, STR(page), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 1 && cursor[0] == 0);
    CHECK_STATUS(treestore_tool_result_list(db, NULL, NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 6 && cursor[0] == 0);
    CHECK_STATUS(treestore_tool_result_list(db, NULL, STR("{\"success\": false}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 0);

    /* Bad input names the field; nothing is written. */
    CHECK_ERR(treestore_tool_result_store(db, NULL, STR("{\"tool_name\": 5}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field tool_name");
    CHECK_ERR(treestore_tool_result_store(db, NULL, STR("{\"result_data\": 1}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field tool_name: is required");
    CHECK_ERR(treestore_tool_result_store(db, NULL, STR("{\"tool_name\": "), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "line 1, column 14");
    CHECK_ERR(treestore_tool_result_store(db, NULL, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "json");
    CHECK_ERR(treestore_tool_result_list(db, NULL, STR("{\"since\": \"yesterday\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field since");
    CHECK_ERR(treestore_tool_result_list(db, NULL, STR("{\"limit\": -2}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field limit");
    CHECK_ERR(treestore_tool_result_list(db, NULL, STR("{\"cursor\": \"zz\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "cursor");
    treestore_result_view small = {0};
    CHECK_STATUS(treestore_result_read(NULL, &small, NULL), TREESTORE_NULL_PARAMETER);

    /* Delete reports whether the record existed; purge how many it removed. */
    bool removed = false;
    CHECK_STATUS(treestore_tool_result_delete(db, NULL, STR(exec_id), &removed, NULL), TREESTORE_OK);
    CHECK(removed);
    CHECK_STATUS(treestore_tool_result_delete(db, NULL, STR(exec_id), &removed, NULL), TREESTORE_OK);
    CHECK(!removed);
    CHECK_STATUS(treestore_tool_result_delete(db, NULL, STR(exec_id), NULL, NULL), TREESTORE_OK);
    CHECK_ERR(treestore_tool_result_delete(db, NULL, BAD_UTF8, 3, &removed, &test_err), TREESTORE_INVALID_UTF8, "execution_id");
    CHECK_ERR(treestore_tool_result_delete(db, NULL, NULL, 4, &removed, &test_err), TREESTORE_NULL_PARAMETER, "execution_id");
    CHECK_STATUS(treestore_tool_result_store(db, NULL, STR("{\"tool_name\": \"old\", \"executed_at\": \"2020-01-01T00:00:00Z\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    uint64_t count = 99;
    CHECK_STATUS(treestore_tool_result_purge(db, NULL, 1577836800000001LL, &count, NULL), TREESTORE_OK);
    CHECK(count == 1);
    CHECK_STATUS(treestore_tool_result_purge(db, NULL, 1577836800000001LL, NULL, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_tool_result_list(db, NULL, NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 5);
}

static void test_trajectories(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    const char *json =
        "{\"case_id\": \"case-7\", \"started_at\": \"2024-05-01T10:00:00Z\", \"steps\": ["
        " {\"action\": \"open\", \"tool_name\": \"navigate_tree\", \"observation\": \"root\"},"
        " {\"action\": \"read\", \"thought\": \"the answer is in 2.1\"}]}";
    CHECK_STATUS(treestore_trajectory_store(db, NULL, STR(json), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const treestore_record *t = rec_at(&v, 0);
    CHECK(v.top_records == 1 && str_eq(t->kind, "trajectory"));
    char traj_id[64];
    field_copy(&v, t, "trajectory_id", traj_id, sizeof traj_id);
    CHECK(strlen(traj_id) == 32);
    CHECK(field_str_is(&v, t, "case_id", "case-7"));
    const treestore_field *steps = rec_field(&v, t, "steps");
    CHECK(steps && steps->kind == TREESTORE_VALUE_RECORDS && steps->count == 2);
    if (steps && steps->count == 2) {
        const treestore_record *s2 = rec_at(&v, steps->first + 1);
        CHECK(str_eq(s2->kind, "trajectory_step"));
        CHECK(field_int(&v, s2, "step_number") == 2);
        CHECK(field_str_is(&v, s2, "action", "read"));
        CHECK(field_kind(&v, s2, "tool_name") == TREESTORE_VALUE_NULL);
        CHECK(field_str_is(&v, rec_at(&v, steps->first), "tool_name", "navigate_tree"));
    }
    CHECK(field_kind(&v, t, "completed_at") == TREESTORE_VALUE_NULL);
    treestore_result_free(res);

    CHECK_STATUS(treestore_trajectory_append_step(db, NULL, STR(traj_id), STR("{\"action\": \"answer\", \"observation\": \"done\"}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(str_eq(rec_at(&v, 0)->kind, "trajectory_step"));
    CHECK(field_int(&v, rec_at(&v, 0), "step_number") == 3);
    CHECK(field_kind(&v, rec_at(&v, 0), "timestamp") == TREESTORE_VALUE_TIME);
    treestore_result_free(res);
    CHECK_ERR(treestore_trajectory_append_step(db, NULL, STR(traj_id), STR("{\"observation\": \"x\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field action: is required");
    CHECK_ERR(treestore_trajectory_append_step(db, NULL, STR("missing"), STR("{\"action\": \"a\"}"), &res, &test_err), TREESTORE_NOT_FOUND, "missing");
    CHECK_ERR(treestore_trajectory_append_step(db, NULL, STR(traj_id), NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "step_json");

    CHECK_STATUS(treestore_trajectory_complete(db, NULL, STR(traj_id), 0, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_trajectory_get(db, NULL, STR(traj_id), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_kind(&v, rec_at(&v, 0), "completed_at") == TREESTORE_VALUE_TIME);
    steps = rec_field(&v, rec_at(&v, 0), "steps");
    CHECK(steps && steps->count == 3);
    treestore_result_free(res);
    CHECK_ERR(treestore_trajectory_complete(db, NULL, STR(traj_id), 0, &test_err), TREESTORE_INVALID_ARGUMENT, "completed_at");
    CHECK_ERR(treestore_trajectory_append_step(db, NULL, STR(traj_id), STR("{\"action\": \"late\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "closed");
    CHECK_ERR(treestore_trajectory_complete(db, NULL, STR("missing"), 0, &test_err), TREESTORE_NOT_FOUND, NULL);
    CHECK_ERR(treestore_trajectory_get(db, NULL, STR("missing"), &res, &test_err), TREESTORE_NOT_FOUND, "trajectory \"missing\"");

    /* Its steps a page at a time, and one step by number. */
    char scursor[256], spage[400];
    CHECK_STATUS(treestore_trajectory_list_steps(db, NULL, STR(traj_id), STR("{\"limit\": 2}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 2 && str_eq(rec_at(&v, 0)->kind, "trajectory_step"));
    CHECK(field_int(&v, rec_at(&v, 0), "step_number") == 1 && field_int(&v, rec_at(&v, 1), "step_number") == 2);
    CHECK(take_count(res, scursor, sizeof scursor) == 2 && scursor[0] != 0);
    snprintf(spage, sizeof spage, "{\"limit\": 2, \"cursor\": \"%s\"}", scursor);
    CHECK_STATUS(treestore_trajectory_list_steps(db, NULL, STR(traj_id), STR(spage), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 1 && field_int(&v, rec_at(&v, 0), "step_number") == 3);
    CHECK(take_count(res, scursor, sizeof scursor) == 1 && scursor[0] == 0);
    CHECK_STATUS(treestore_trajectory_list_steps(db, NULL, STR(traj_id), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 3);
    CHECK_ERR(treestore_trajectory_list_steps(db, NULL, STR("missing"), NULL, 0, &res, &test_err), TREESTORE_NOT_FOUND, "missing");
    CHECK_ERR(treestore_trajectory_list_steps(db, NULL, STR(traj_id), STR("{\"cursor\": 5}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "cursor");
    CHECK_ERR(treestore_trajectory_list_steps(db, NULL, NULL, 3, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "trajectory_id");
    CHECK_STATUS(treestore_trajectory_get_step(db, NULL, STR(traj_id), 2, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 1 && str_eq(rec_at(&v, 0)->kind, "trajectory_step"));
    CHECK(field_str_is(&v, rec_at(&v, 0), "action", "read"));
    treestore_result_free(res);
    CHECK_ERR(treestore_trajectory_get_step(db, NULL, STR(traj_id), 9, &res, &test_err), TREESTORE_NOT_FOUND, "step 9");
    CHECK_ERR(treestore_trajectory_get_step(db, NULL, BAD_UTF8, 3, 1, &res, &test_err), TREESTORE_INVALID_UTF8, "trajectory_id");

    /* A second trajectory of the same case; the list pages newest started first. */
    CHECK_STATUS(treestore_trajectory_store(db, NULL, STR("{\"trajectory_id\": \"t-2\", \"case_id\": \"case-7\", \"started_at\": \"2024-06-01T00:00:00Z\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    char cursor[256], page[400], first[64];
    CHECK_STATUS(treestore_trajectory_list(db, NULL, STR("case-7"), STR("{\"limit\": 1}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    field_copy(&v, rec_at(&v, 0), "trajectory_id", first, sizeof first);
    CHECK(strcmp(first, "t-2") == 0);
    CHECK(take_count(res, cursor, sizeof cursor) == 1 && cursor[0] != 0);
    snprintf(page, sizeof page, "{\"limit\": 1, \"cursor\": \"%s\"}", cursor);
    CHECK_STATUS(treestore_trajectory_list(db, NULL, STR("case-7"), STR(page), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 1 && cursor[0] == 0);
    CHECK_STATUS(treestore_trajectory_list(db, NULL, STR("case-7"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 2);
    CHECK_STATUS(treestore_trajectory_list(db, NULL, STR("case-none"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 0);
    CHECK_ERR(treestore_trajectory_list(db, NULL, STR("case-7"), STR("{\"limit\": \"ten\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field limit");
    CHECK_ERR(treestore_trajectory_list(db, NULL, STR(""), NULL, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "case_id");

    /* Input errors: the missing field, the step's index, the JSON position. */
    CHECK_ERR(treestore_trajectory_store(db, NULL, STR("{\"steps\": []}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field case_id: is required");
    CHECK_ERR(treestore_trajectory_store(db, NULL, STR("{\"case_id\": \"c\", \"steps\": [{\"action\": \"a\"}, {}]}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "steps[1]");
    CHECK_ERR(treestore_trajectory_store(db, NULL, STR("{\n  \"case_id\": }"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "line 2, column 14");
    CHECK_ERR(treestore_trajectory_store(db, NULL, STR("[1, 2]"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "expected a JSON object");

    bool removed = false;
    CHECK_STATUS(treestore_trajectory_delete(db, NULL, STR(traj_id), &removed, NULL), TREESTORE_OK);
    CHECK(removed);
    CHECK_STATUS(treestore_trajectory_delete(db, NULL, STR(traj_id), &removed, NULL), TREESTORE_OK);
    CHECK(!removed);
    CHECK_STATUS(treestore_trajectory_get(db, NULL, STR(traj_id), &res, NULL), TREESTORE_NOT_FOUND);
    CHECK_STATUS(treestore_trajectory_delete(db, NULL, STR("t-2"), NULL, NULL), TREESTORE_OK);
}

static void test_cross_references(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    CHECK_STATUS(treestore_cross_reference_store(db, NULL, STR("{\"source_policy_id\": \"a\", \"target_policy_id\": \"b\", \"context\": \"as b says\"}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(str_eq(rec_at(&v, 0)->kind, "cross_reference"));
    CHECK(field_str_is(&v, rec_at(&v, 0), "reference_type", "cites"));
    CHECK(field_str_is(&v, rec_at(&v, 0), "context", "as b says"));
    CHECK(field_kind(&v, rec_at(&v, 0), "source_node_id") == TREESTORE_VALUE_NULL);
    CHECK(field_kind(&v, rec_at(&v, 0), "created_at") == TREESTORE_VALUE_TIME);
    treestore_result_free(res);
    CHECK_STATUS(treestore_cross_reference_store(db, NULL, STR("{\"source_policy_id\": \"a\", \"source_node_id\": \"1\", \"target_policy_id\": \"c\", \"reference_type\": \"supports\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_cross_reference_store(db, NULL, STR("{\"source_policy_id\": \"d\", \"target_policy_id\": \"a\", \"target_node_id\": \"2\", \"reference_type\": \"see_also\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);

    CHECK_STATUS(treestore_cross_reference_list(db, NULL, STR("{\"policy_id\": \"a\"}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 3);
    CHECK_STATUS(treestore_cross_reference_list(db, NULL, STR("{\"policy_id\": \"a\", \"direction\": \"outgoing\"}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 2);
    CHECK_STATUS(treestore_cross_reference_list(db, NULL, STR("{\"policy_id\": \"a\", \"direction\": \"incoming\"}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 1 && field_str_is(&v, rec_at(&v, 0), "source_policy_id", "d"));
    treestore_result_free(res);
    CHECK_STATUS(treestore_cross_reference_list(db, NULL, STR("{\"policy_id\": \"a\", \"reference_type\": \"supports\"}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 1);
    CHECK_STATUS(treestore_cross_reference_list(db, NULL, STR("{\"policy_id\": \"a\", \"node_id\": \"1\"}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 1);

    /* Paging through both directions with a cursor visits every reference once. */
    char cursor[256] = "", page[400];
    size_t seen = 0;
    for (int pages = 0; pages < 10; pages++) {
        if (cursor[0]) snprintf(page, sizeof page, "{\"policy_id\": \"a\", \"limit\": 1, \"cursor\": \"%s\"}", cursor);
        else snprintf(page, sizeof page, "{\"policy_id\": \"a\", \"limit\": 1}");
        CHECK_STATUS(treestore_cross_reference_list(db, NULL, STR(page), &res, NULL), TREESTORE_OK);
        seen += take_count(res, cursor, sizeof cursor);
        if (!cursor[0]) break;
    }
    CHECK(seen == 3);

    CHECK_ERR(treestore_cross_reference_list(db, NULL, STR("{}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field policy_id: is required");
    CHECK_ERR(treestore_cross_reference_list(db, NULL, STR("{\"policy_id\": \"a\", \"direction\": \"up\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field direction");
    CHECK_ERR(treestore_cross_reference_list(db, NULL, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "query_json");
    CHECK_ERR(treestore_cross_reference_store(db, NULL, STR("{\"source_policy_id\": \"a\", \"target_policy_id\": \"b\", \"reference_type\": \"likes\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field reference_type");
    CHECK_ERR(treestore_cross_reference_store(db, NULL, STR("{\"source_policy_id\": \"a\", \"target_policy_id\": \"a\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "target_node_id");
    CHECK_ERR(treestore_cross_reference_store(db, NULL, STR("{\"target_policy_id\": \"a\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field source_policy_id: is required");

    bool removed = false;
    const char *ref = "{\"source_policy_id\": \"a\", \"source_node_id\": \"1\", \"target_policy_id\": \"c\", \"reference_type\": \"supports\"}";
    CHECK_STATUS(treestore_cross_reference_delete(db, NULL, STR(ref), &removed, NULL), TREESTORE_OK);
    CHECK(removed);
    CHECK_STATUS(treestore_cross_reference_delete(db, NULL, STR(ref), &removed, NULL), TREESTORE_OK);
    CHECK(!removed);
    CHECK_ERR(treestore_cross_reference_delete(db, NULL, STR("{\"source_policy_id\": 1}"), &removed, &test_err), TREESTORE_INVALID_ARGUMENT, "field source_policy_id");
    uint64_t count = 0;
    CHECK_STATUS(treestore_cross_reference_delete_of_policy(db, NULL, STR("a"), &count, NULL), TREESTORE_OK);
    CHECK(count == 2);
    CHECK_STATUS(treestore_cross_reference_delete_of_policy(db, NULL, STR("a"), NULL, NULL), TREESTORE_OK);
    CHECK_ERR(treestore_cross_reference_delete_of_policy(db, NULL, BAD_UTF8, 3, &count, &test_err), TREESTORE_INVALID_UTF8, "policy_id");
    CHECK_STATUS(treestore_cross_reference_list(db, NULL, STR("{\"policy_id\": \"d\"}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 0);
}

static void test_contradictions(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    CHECK_STATUS(treestore_contradiction_store(db, NULL, STR("{\"policy_a\": \"a\", \"node_a\": \"1\", \"policy_b\": \"b\", \"description\": \"30 vs 60 days\", \"severity\": \"high\"}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const treestore_record *c = rec_at(&v, 0);
    CHECK(str_eq(c->kind, "contradiction"));
    CHECK(field_str_is(&v, c, "severity", "high") && field_str_is(&v, c, "status", "open"));
    CHECK(field_kind(&v, c, "resolved_at") == TREESTORE_VALUE_NULL);
    char id[64];
    field_copy(&v, c, "contradiction_id", id, sizeof id);
    CHECK(strlen(id) == 32);
    treestore_result_free(res);
    CHECK_STATUS(treestore_contradiction_store(db, NULL, STR("{\"contradiction_id\": \"k2\", \"policy_a\": \"c\", \"policy_b\": \"d\", \"description\": \"wording\", \"severity\": \"low\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);

    CHECK_STATUS(treestore_contradiction_get(db, NULL, STR(id), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_str_is(&v, rec_at(&v, 0), "description", "30 vs 60 days"));
    CHECK(field_str_is(&v, rec_at(&v, 0), "node_a", "1"));
    treestore_result_free(res);
    CHECK_ERR(treestore_contradiction_get(db, NULL, STR("k9"), &res, &test_err), TREESTORE_NOT_FOUND, "k9");

    CHECK_STATUS(treestore_contradiction_resolve(db, NULL, STR(id), STR("resolved"), STR("b was updated"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_str_is(&v, rec_at(&v, 0), "status", "resolved"));
    CHECK(field_str_is(&v, rec_at(&v, 0), "resolution", "b was updated"));
    CHECK(field_kind(&v, rec_at(&v, 0), "resolved_at") == TREESTORE_VALUE_TIME);
    treestore_result_free(res);
    CHECK_STATUS(treestore_contradiction_resolve(db, NULL, STR("k2"), STR("acknowledged"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_kind(&v, rec_at(&v, 0), "resolution") == TREESTORE_VALUE_NULL);
    CHECK(field_kind(&v, rec_at(&v, 0), "resolved_at") == TREESTORE_VALUE_NULL);
    treestore_result_free(res);
    CHECK_ERR(treestore_contradiction_resolve(db, NULL, STR("k2"), STR("closed"), NULL, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field status");
    CHECK_ERR(treestore_contradiction_resolve(db, NULL, STR("k9"), STR("resolved"), NULL, 0, &res, &test_err), TREESTORE_NOT_FOUND, "k9");
    CHECK_ERR(treestore_contradiction_resolve(db, NULL, STR("k2"), NULL, 0, NULL, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "status");
    CHECK_ERR(treestore_contradiction_resolve(db, NULL, STR("k2"), STR("open"), BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "resolution");
    CHECK_ERR(treestore_contradiction_resolve(db, NULL, STR("k2"), STR("open"), NULL, 0, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");

    CHECK_STATUS(treestore_contradiction_list(db, NULL, NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 2);
    CHECK_STATUS(treestore_contradiction_list(db, NULL, STR("{\"status\": \"resolved\"}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 1);
    CHECK_STATUS(treestore_contradiction_list(db, NULL, STR("{\"policy_id\": \"d\"}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 1);
    CHECK_STATUS(treestore_contradiction_list(db, NULL, STR("{\"severity\": \"low\"}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 1 && field_str_is(&v, rec_at(&v, 0), "contradiction_id", "k2"));
    treestore_result_free(res);
    char cursor[256], page[400];
    CHECK_STATUS(treestore_contradiction_list(db, NULL, STR("{\"limit\": 1}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 1 && cursor[0]);
    snprintf(page, sizeof page, "{\"limit\": 1, \"cursor\": \"%s\"}", cursor);
    CHECK_STATUS(treestore_contradiction_list(db, NULL, STR(page), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 1 && !cursor[0]);
    CHECK_ERR(treestore_contradiction_list(db, NULL, STR("{\"severity\": \"huge\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field severity");
    CHECK_ERR(treestore_contradiction_list(db, NULL, STR("{\"since\": 10, \"until\": 5}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "until");
    CHECK_ERR(treestore_contradiction_store(db, NULL, STR("{\"policy_a\": \"a\", \"policy_b\": \"b\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field description: is required");

    bool removed = false;
    CHECK_STATUS(treestore_contradiction_delete(db, NULL, STR(id), &removed, NULL), TREESTORE_OK);
    CHECK(removed);
    CHECK_STATUS(treestore_contradiction_delete(db, NULL, STR(id), &removed, NULL), TREESTORE_OK);
    CHECK(!removed);
    CHECK_STATUS(treestore_contradiction_get(db, NULL, STR(id), &res, NULL), TREESTORE_NOT_FOUND);
    CHECK_STATUS(treestore_contradiction_delete(db, NULL, STR("k2"), NULL, NULL), TREESTORE_OK);
}

static void set_meta(treestore_db *db, const char *json) {
    treestore_result *res = NULL;
    CHECK_STATUS(treestore_metadata_set(db, NULL, STR(json), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
}

static void test_generic_metadata(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    set_meta(db, "{\"entity_type\": \"doc\", \"entity_id\": \"d1\", \"key\": \"author\", \"value\": \"ann\"}");
    set_meta(db, "{\"entity_type\": \"doc\", \"entity_id\": \"d1\", \"key\": \"pages\", \"value\": 12}");
    set_meta(db, "{\"entity_type\": \"doc\", \"entity_id\": \"d1\", \"key\": \"draft\", \"value\": true}");
    set_meta(db, "{\"entity_type\": \"doc\", \"entity_id\": \"d1\", \"key\": \"tags\", \"value\": [\"x\"]}");
    set_meta(db, "{\"entity_type\": \"doc\", \"entity_id\": \"d2\", \"key\": \"author\", \"value\": \"ann\"}");
    set_meta(db, "{\"entity_type\": \"doc\", \"entity_id\": \"d2\", \"key\": \"pages\", \"value\": \"3\", \"value_type\": \"int\"}");
    set_meta(db, "{\"entity_type\": \"node\", \"entity_id\": \"n1\", \"key\": \"author\", \"value\": \"bob\"}");

    CHECK_STATUS(treestore_metadata_get(db, NULL, STR("doc"), STR("d1"), STR("pages"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(str_eq(rec_at(&v, 0)->kind, "metadata_entry"));
    CHECK(field_str_is(&v, rec_at(&v, 0), "value", "12") && field_str_is(&v, rec_at(&v, 0), "value_type", "int"));
    CHECK(field_kind(&v, rec_at(&v, 0), "updated_at") == TREESTORE_VALUE_TIME);
    treestore_result_free(res);
    CHECK_STATUS(treestore_metadata_get(db, NULL, STR("doc"), STR("d1"), STR("tags"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_str_is(&v, rec_at(&v, 0), "value", "[\"x\"]") && field_str_is(&v, rec_at(&v, 0), "value_type", "json"));
    treestore_result_free(res);
    CHECK_ERR(treestore_metadata_get(db, NULL, STR("doc"), STR("d1"), STR("color"), &res, &test_err), TREESTORE_NOT_FOUND, "color");
    CHECK_ERR(treestore_metadata_get(db, NULL, STR("doc"), NULL, 2, STR("color"), &res, &test_err), TREESTORE_NULL_PARAMETER, "entity_id");

    CHECK_STATUS(treestore_metadata_get_all(db, NULL, STR("doc"), STR("d1"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 4 && field_str_is(&v, rec_at(&v, 0), "key", "author") && field_str_is(&v, rec_at(&v, 3), "key", "tags"));
    treestore_result_free(res);
    CHECK_STATUS(treestore_metadata_get_all(db, NULL, STR("doc"), STR("d9"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 0);

    /* The same entity a page at a time. */
    char mcursor[256], mpage[400];
    CHECK_STATUS(treestore_metadata_list(db, NULL, STR("doc"), STR("d1"), STR("{\"limit\": 3}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 3 && str_eq(rec_at(&v, 0)->kind, "metadata_entry") && field_str_is(&v, rec_at(&v, 0), "key", "author"));
    CHECK(take_count(res, mcursor, sizeof mcursor) == 3 && mcursor[0] != 0);
    snprintf(mpage, sizeof mpage, "{\"limit\": 3, \"cursor\": \"%s\"}", mcursor);
    CHECK_STATUS(treestore_metadata_list(db, NULL, STR("doc"), STR("d1"), STR(mpage), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 1 && field_str_is(&v, rec_at(&v, 0), "key", "tags"));
    CHECK(take_count(res, mcursor, sizeof mcursor) == 1 && mcursor[0] == 0);
    CHECK_STATUS(treestore_metadata_list(db, NULL, STR("doc"), STR("d9"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 0);
    CHECK_ERR(treestore_metadata_list(db, NULL, STR("doc"), STR("d1"), STR("{\"limit\": -1}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "limit");
    CHECK_ERR(treestore_metadata_list(db, NULL, NULL, 1, STR("d1"), NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "entity_type");
    CHECK_ERR(treestore_metadata_list(db, NULL, NULL, 0, STR("d1"), NULL, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "entity_type");
    CHECK_ERR(treestore_metadata_list(db, NULL, STR("doc"), BAD_UTF8, 3, NULL, 0, &res, &test_err), TREESTORE_INVALID_UTF8, "entity_id");

    char cursor[256], page[400];
    CHECK_STATUS(treestore_metadata_query_by_key(db, NULL, NULL, 0, STR("author"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 3);
    CHECK_STATUS(treestore_metadata_query_by_key(db, NULL, STR("doc"), STR("author"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 2);
    CHECK_STATUS(treestore_metadata_query_by_key(db, NULL, NULL, 0, STR("author"), STR("{\"limit\": 2}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 2 && cursor[0]);
    snprintf(page, sizeof page, "{\"limit\": 2, \"cursor\": \"%s\"}", cursor);
    CHECK_STATUS(treestore_metadata_query_by_key(db, NULL, NULL, 0, STR("author"), STR(page), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 1 && field_str_is(&v, rec_at(&v, 0), "value", "bob"));
    CHECK(v.next_cursor.ptr == NULL);
    treestore_result_free(res);
    CHECK_ERR(treestore_metadata_query_by_key(db, NULL, NULL, 0, STR(""), NULL, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "key");

    CHECK_STATUS(treestore_metadata_query_by_key_value(db, NULL, NULL, 0, STR("author"), STR("ann"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 2);
    CHECK_STATUS(treestore_metadata_query_by_key_value(db, NULL, STR("node"), STR("author"), STR("ann"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 0);
    CHECK_STATUS(treestore_metadata_query_by_key_value(db, NULL, NULL, 0, STR("author"), STR("ann"), STR("{\"limit\": 1}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 1 && cursor[0]);
    CHECK_ERR(treestore_metadata_query_by_key_value(db, NULL, NULL, 0, STR("author"), BAD_UTF8, 3, NULL, 0, &res, &test_err), TREESTORE_INVALID_UTF8, "value");
    CHECK_ERR(treestore_metadata_query_by_key_value(db, NULL, NULL, 0, STR("author"), STR("ann"), STR("{\"limit\": "), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "line 1, column 10");

    CHECK_STATUS(treestore_metadata_query_multiple(db, NULL, STR("{\"filters\": {\"author\": \"ann\", \"pages\": 12}}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 1 && str_eq(rec_at(&v, 0)->kind, "entity_ref"));
    CHECK(field_str_is(&v, rec_at(&v, 0), "entity_type", "doc") && field_str_is(&v, rec_at(&v, 0), "entity_id", "d1"));
    treestore_result_free(res);
    /* A full page carries a cursor even when nothing follows; the next page is then empty. */
    size_t seen = 0;
    int pages = 0;
    cursor[0] = 0;
    do {
        snprintf(page, sizeof page, "{\"entity_type\": \"doc\", \"filters\": {\"author\": \"ann\"}, \"limit\": 1%s%s%s}",
                 cursor[0] ? ", \"cursor\": \"" : "", cursor, cursor[0] ? "\"" : "");
        CHECK_STATUS(treestore_metadata_query_multiple(db, NULL, STR(page), &res, NULL), TREESTORE_OK);
        seen += take_count(res, cursor, sizeof cursor);
    } while (cursor[0] && ++pages < 10);
    CHECK(seen == 2 && pages >= 1);
    CHECK_ERR(treestore_metadata_query_multiple(db, NULL, STR("{\"filters\": {}}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field filters");
    CHECK_ERR(treestore_metadata_query_multiple(db, NULL, STR("{\"filters\": [1]}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field filters");

    CHECK_ERR(treestore_metadata_set(db, NULL, STR("{\"entity_type\": \"doc\", \"entity_id\": \"d1\", \"key\": \"pages\", \"value\": \"many\", \"value_type\": \"int\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "value");
    CHECK_ERR(treestore_metadata_set(db, NULL, STR("{\"entity_type\": \"doc\", \"entity_id\": \"d1\", \"value\": 1}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field key: is required");
    CHECK_ERR(treestore_metadata_set(db, NULL, STR("{\"entity_type\": \"doc\", \"entity_id\": \"d1\", \"key\": \"k\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field value: is required");

    bool removed = false;
    CHECK_STATUS(treestore_metadata_delete(db, NULL, STR("doc"), STR("d1"), STR("pages"), &removed, NULL), TREESTORE_OK);
    CHECK(removed);
    CHECK_STATUS(treestore_metadata_delete(db, NULL, STR("doc"), STR("d1"), STR("pages"), &removed, NULL), TREESTORE_OK);
    CHECK(!removed);
    CHECK_STATUS(treestore_metadata_delete(db, NULL, STR("doc"), STR("d1"), STR("pages"), NULL, NULL), TREESTORE_OK);
    CHECK_ERR(treestore_metadata_delete(db, NULL, STR("doc"), STR("d1"), NULL, 1, &removed, &test_err), TREESTORE_NULL_PARAMETER, "key");
    uint64_t count = 0;
    CHECK_STATUS(treestore_metadata_delete_all(db, NULL, STR("doc"), STR("d1"), &count, NULL), TREESTORE_OK);
    CHECK(count == 3);
    CHECK_STATUS(treestore_metadata_delete_all(db, NULL, STR("doc"), STR("d1"), NULL, NULL), TREESTORE_OK);
    CHECK_ERR(treestore_metadata_delete_all(db, NULL, BAD_UTF8, 3, STR("d1"), &count, &test_err), TREESTORE_INVALID_UTF8, "entity_type");
    CHECK_STATUS(treestore_metadata_get_all(db, NULL, STR("doc"), STR("d1"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 0);
    CHECK_STATUS(treestore_metadata_query_multiple(db, NULL, STR("{\"filters\": {\"author\": \"ann\"}}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 1);
}

/* Transactions: several stores in one commit, a read-only transaction refusing writes, a
 * transaction refusing use after it ended, a rollback leaving nothing behind. */
static void test_transactions(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_txn *w = NULL;
    CHECK_STATUS(treestore_txn_begin(db, true, &w, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_tool_result_store(db, w, STR("{\"execution_id\": \"tx-1\", \"tool_name\": \"t\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_trajectory_store(db, w, STR("{\"trajectory_id\": \"tx-t\", \"case_id\": \"tx\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_trajectory_append_step(db, w, STR("tx-t"), STR("{\"action\": \"a\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_trajectory_complete(db, w, STR("tx-t"), 0, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_metadata_set(db, w, STR("{\"entity_type\": \"case\", \"entity_id\": \"tx\", \"key\": \"k\", \"value\": \"v\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    /* The transaction reads its own writes; others do not see them before the commit. */
    CHECK_STATUS(treestore_trajectory_get(db, w, STR("tx-t"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_trajectory_get(db, NULL, STR("tx-t"), &res, NULL), TREESTORE_NOT_FOUND);
    CHECK_STATUS(treestore_txn_commit(w, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_tool_result_get(db, NULL, STR("tx-1"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_trajectory_get(db, NULL, STR("tx-t"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);

    /* Every export refuses a transaction that has ended. */
    CHECK_ERR(treestore_tool_result_store(db, w, STR("{\"tool_name\": \"t\"}"), &res, &test_err), TREESTORE_CLOSED, "already committed");
    CHECK_ERR(treestore_tool_result_get(db, w, STR("tx-1"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_tool_result_list(db, w, NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_tool_result_delete(db, w, STR("tx-1"), NULL, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_tool_result_purge(db, w, 1, NULL, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_trajectory_store(db, w, STR("{\"case_id\": \"c\"}"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_trajectory_append_step(db, w, STR("tx-t"), STR("{\"action\": \"a\"}"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_trajectory_complete(db, w, STR("tx-t"), 0, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_trajectory_get(db, w, STR("tx-t"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_trajectory_list(db, w, STR("tx"), NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_trajectory_delete(db, w, STR("tx-t"), NULL, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_cross_reference_store(db, w, STR("{\"source_policy_id\": \"a\", \"target_policy_id\": \"b\"}"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_cross_reference_list(db, w, STR("{\"policy_id\": \"a\"}"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_cross_reference_delete(db, w, STR("{\"source_policy_id\": \"a\", \"target_policy_id\": \"b\"}"), NULL, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_cross_reference_delete_of_policy(db, w, STR("a"), NULL, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_contradiction_store(db, w, STR("{\"policy_a\": \"a\", \"policy_b\": \"b\", \"description\": \"d\"}"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_contradiction_resolve(db, w, STR("x"), STR("open"), NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_contradiction_get(db, w, STR("x"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_contradiction_list(db, w, NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_contradiction_delete(db, w, STR("x"), NULL, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_metadata_set(db, w, STR("{\"entity_type\": \"a\", \"entity_id\": \"b\", \"key\": \"c\", \"value\": 1}"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_metadata_get(db, w, STR("case"), STR("tx"), STR("k"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_metadata_get_all(db, w, STR("case"), STR("tx"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_metadata_delete(db, w, STR("case"), STR("tx"), STR("k"), NULL, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_metadata_delete_all(db, w, STR("case"), STR("tx"), NULL, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_metadata_query_by_key(db, w, NULL, 0, STR("k"), NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_metadata_query_by_key_value(db, w, NULL, 0, STR("k"), STR("v"), NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_metadata_query_multiple(db, w, STR("{\"filters\": {\"k\": \"v\"}}"), &res, &test_err), TREESTORE_CLOSED, NULL);
    treestore_txn_free(w);

    /* A read transaction reads and refuses every write. */
    treestore_txn *r = NULL;
    CHECK_STATUS(treestore_txn_begin(db, false, &r, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_metadata_get(db, r, STR("case"), STR("tx"), STR("k"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_trajectory_list(db, r, STR("tx"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 1);
    CHECK_ERR(treestore_tool_result_store(db, r, STR("{\"tool_name\": \"t\"}"), &res, &test_err), TREESTORE_READ_ONLY, "read transaction");
    CHECK_ERR(treestore_tool_result_delete(db, r, STR("tx-1"), NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_tool_result_purge(db, r, 1, NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_trajectory_store(db, r, STR("{\"case_id\": \"c\"}"), &res, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_trajectory_append_step(db, r, STR("tx-t"), STR("{\"action\": \"a\"}"), &res, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_trajectory_complete(db, r, STR("tx-t"), 0, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_trajectory_delete(db, r, STR("tx-t"), NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_cross_reference_store(db, r, STR("{\"source_policy_id\": \"a\", \"target_policy_id\": \"b\"}"), &res, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_cross_reference_delete(db, r, STR("{\"source_policy_id\": \"a\", \"target_policy_id\": \"b\"}"), NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_cross_reference_delete_of_policy(db, r, STR("a"), NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_contradiction_store(db, r, STR("{\"policy_a\": \"a\", \"policy_b\": \"b\", \"description\": \"d\"}"), &res, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_contradiction_resolve(db, r, STR("x"), STR("open"), NULL, 0, &res, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_contradiction_delete(db, r, STR("x"), NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_metadata_set(db, r, STR("{\"entity_type\": \"a\", \"entity_id\": \"b\", \"key\": \"c\", \"value\": 1}"), &res, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_metadata_delete(db, r, STR("case"), STR("tx"), STR("k"), NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_metadata_delete_all(db, r, STR("case"), STR("tx"), NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_STATUS(treestore_txn_commit(r, NULL), TREESTORE_OK);
    treestore_txn_free(r);

    /* A rolled-back transaction leaves nothing; a freed open one rolls back too. */
    CHECK_STATUS(treestore_txn_begin(db, true, &w, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_contradiction_store(db, w, STR("{\"contradiction_id\": \"rb\", \"policy_a\": \"a\", \"policy_b\": \"b\", \"description\": \"d\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_txn_rollback(w, NULL), TREESTORE_OK);
    treestore_txn_free(w);
    CHECK_STATUS(treestore_contradiction_get(db, NULL, STR("rb"), &res, NULL), TREESTORE_NOT_FOUND);
    CHECK_STATUS(treestore_txn_begin(db, true, &w, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_cross_reference_store(db, w, STR("{\"source_policy_id\": \"rb\", \"target_policy_id\": \"b\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    treestore_txn_free(w);
    CHECK_STATUS(treestore_cross_reference_list(db, NULL, STR("{\"policy_id\": \"rb\"}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 0);
}

/* NULL handles and out-parameters are refused with the argument's name, before anything runs. */
static void test_null_arguments(treestore_db *db) {
    treestore_result *res = NULL;
    CHECK_ERR(treestore_tool_result_get(NULL, NULL, STR("x"), &res, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK_ERR(treestore_tool_result_store(NULL, NULL, STR("{\"tool_name\": \"t\"}"), &res, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK_ERR(treestore_tool_result_list(db, NULL, NULL, 0, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_tool_result_purge(NULL, NULL, 0, NULL, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK_ERR(treestore_trajectory_store(db, NULL, STR("{\"case_id\": \"c\"}"), NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_trajectory_get(db, NULL, NULL, 3, &res, &test_err), TREESTORE_NULL_PARAMETER, "trajectory_id");
    CHECK_ERR(treestore_trajectory_get(db, NULL, STR("x"), NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_trajectory_list(db, NULL, NULL, 1, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "case_id");
    CHECK_ERR(treestore_trajectory_list(db, NULL, STR("c"), BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "page_json");
    CHECK_ERR(treestore_trajectory_complete(db, NULL, NULL, 1, 0, &test_err), TREESTORE_NULL_PARAMETER, "trajectory_id");
    CHECK_ERR(treestore_trajectory_delete(NULL, NULL, STR("x"), NULL, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK_ERR(treestore_cross_reference_store(db, NULL, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "json");
    CHECK_ERR(treestore_cross_reference_delete(db, NULL, NULL, 0, NULL, &test_err), TREESTORE_NULL_PARAMETER, "json");
    CHECK_ERR(treestore_contradiction_store(db, NULL, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "json");
    CHECK_ERR(treestore_contradiction_get(db, NULL, NULL, 1, &res, &test_err), TREESTORE_NULL_PARAMETER, "id");
    CHECK_ERR(treestore_contradiction_list(db, NULL, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "query_json");
    CHECK_ERR(treestore_contradiction_delete(db, NULL, BAD_UTF8, 3, NULL, &test_err), TREESTORE_INVALID_UTF8, "id");
    CHECK_ERR(treestore_metadata_set(db, NULL, STR("{\"entity_type\": \"a\", \"entity_id\": \"b\", \"key\": \"c\", \"value\": 1}"), NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_metadata_get_all(db, NULL, STR("doc"), STR("d"), NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_metadata_query_by_key(db, NULL, BAD_UTF8, 3, STR("k"), NULL, 0, &res, &test_err), TREESTORE_INVALID_UTF8, "entity_type");
    CHECK_ERR(treestore_metadata_query_multiple(db, NULL, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "query_json");
    CHECK(res == NULL);
    /* A NULL error out-parameter is fine: the status alone reports. */
    CHECK_STATUS(treestore_contradiction_get(db, NULL, NULL, 1, &res, NULL), TREESTORE_NULL_PARAMETER);
}

int main(void) {
    treestore_db *db = check_open_db("meta");
    if (!db) return 2;
    test_tool_results(db);
    test_trajectories(db);
    test_cross_references(db);
    test_contradictions(db);
    test_generic_metadata(db);
    test_transactions(db);
    test_null_arguments(db);
    return check_finish(db);
}
