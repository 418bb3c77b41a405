/* The PromptStore through the C ABI: the prompt registry (versions, labels, rendering, diffs),
 * prompt usage and its statistics, conversations and messages. Every export is called, with its
 * error paths: NULL arguments, invalid UTF-8, malformed JSON (line and column), missing fields
 * named in the message, not found, a read-only transaction, a transaction used after it ended. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include <treestore.h>

#include "check.h"

/* Whether the STR_LIST field `name` holds exactly the `n` strings of `want`. */
static int field_list_is(const treestore_result_view *v, const treestore_record *r, const char *name,
                         const char *const *want, size_t n) {
    const treestore_field *f = rec_field(v, r, name);
    if (!f || f->kind != TREESTORE_VALUE_STR_LIST || f->count != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!str_eq(v->strings[f->first + i], want[i])) return 0;
    return 1;
}

/* The value of key `key` in the STR_MAP field `name`, compared with `want`. */
static int field_map_has(const treestore_result_view *v, const treestore_record *r, const char *name,
                         const char *key, const char *want) {
    const treestore_field *f = rec_field(v, r, name);
    if (!f || f->kind != TREESTORE_VALUE_STR_MAP) return 0;
    for (uint32_t i = 0; i < f->count; i++)
        if (str_eq(v->kvs[f->first + i].key, key)) return str_eq(v->kvs[f->first + i].value, want);
    return 0;
}

/* The version picked by (version, label), or -1. */
static int64_t version_of(treestore_db *db, uint32_t version, const char *label) {
    treestore_result *res = NULL;
    treestore_result_view v;
    const uint8_t *l = (const uint8_t *)label;
    if (treestore_prompt_get(db, NULL, STR("triage"), version, l, label ? strlen(label) : 0, &res, NULL) != TREESTORE_OK)
        return -1;
    view_of(res, &v);
    int64_t n = field_int(&v, rec_at(&v, 0), "version");
    treestore_result_free(res);
    return n;
}

static void create(treestore_db *db, const char *json) {
    treestore_result *res = NULL;
    CHECK_STATUS(treestore_prompt_create(db, NULL, STR(json), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
}

static void test_registry(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    CHECK_STATUS(treestore_prompt_create(db, NULL, STR("{\"name\": \"triage\", \"template\": \"Hello {{name}}\\nCase {{case}}\","
                                                      " \"config\": {\"model\": \"m1\"}, \"commit_message\": \"first\", \"created_by\": \"ann\"}"),
                                         &res, NULL),
                 TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const treestore_record *p = rec_at(&v, 0);
    CHECK(str_eq(p->kind, "prompt_version"));
    CHECK(field_int(&v, p, "version") == 1);
    const char *vars[] = {"name", "case"};
    CHECK(field_list_is(&v, p, "variables", vars, 2));
    const char *latest[] = {"latest"};
    CHECK(field_list_is(&v, p, "labels", latest, 1));
    const treestore_field *config = rec_field(&v, p, "config");
    CHECK(config && config->kind == TREESTORE_VALUE_JSON && str_eq(config->str_value, "{\"model\":\"m1\"}"));
    CHECK(field_str_is(&v, p, "created_by", "ann"));
    CHECK(field_kind(&v, p, "created_at") == TREESTORE_VALUE_TIME);
    treestore_result_free(res);
    create(db, "{\"name\": \"triage\", \"template\": \"Hello {{name}}\\nTopic {{topic}}\", \"labels\": [\"prod\"]}");
    create(db, "{\"prompt_id\": \"triage\", \"template\": \"Hi {{name}}\"}");
    create(db, "{\"name\": \"other\", \"template\": \"x\"}");

    /* Picking a version: the newest, a number, a label, `latest`. */
    CHECK(version_of(db, 0, NULL) == 3);
    CHECK(version_of(db, 1, NULL) == 1);
    CHECK(version_of(db, 0, "prod") == 2);
    CHECK(version_of(db, 0, "latest") == 3);
    CHECK_STATUS(treestore_prompt_get(db, NULL, STR("triage"), 1, NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_str_is(&v, rec_at(&v, 0), "commit_message", "first"));
    CHECK(field_list_is(&v, rec_at(&v, 0), "labels", NULL, 0));
    treestore_result_free(res);
    res = NULL;
    CHECK_ERR(treestore_prompt_get(db, NULL, STR("triage"), 9, NULL, 0, &res, &test_err), TREESTORE_NOT_FOUND, "version 9");
    CHECK_ERR(treestore_prompt_get(db, NULL, STR("triage"), 0, STR("nope"), &res, &test_err), TREESTORE_NOT_FOUND, "nope");
    CHECK_ERR(treestore_prompt_get(db, NULL, STR("ghost"), 0, NULL, 0, &res, &test_err), TREESTORE_NOT_FOUND, "ghost");
    CHECK_ERR(treestore_prompt_get(db, NULL, STR("triage"), 1, STR("prod"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "not both");
    CHECK_ERR(treestore_prompt_get(db, NULL, STR("triage"), 0, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "label");
    CHECK(res == NULL);

    char cursor[256], page[400];
    CHECK_STATUS(treestore_prompt_list_versions(db, NULL, STR("triage"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 3 && field_int(&v, rec_at(&v, 0), "version") == 3 && field_int(&v, rec_at(&v, 2), "version") == 1);
    treestore_result_free(res);
    CHECK_STATUS(treestore_prompt_list_versions(db, NULL, STR("triage"), STR("{\"limit\": 2}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 2 && cursor[0]);
    snprintf(page, sizeof page, "{\"limit\": 2, \"cursor\": \"%s\"}", cursor);
    CHECK_STATUS(treestore_prompt_list_versions(db, NULL, STR("triage"), STR(page), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 1 && !cursor[0]);
    CHECK_ERR(treestore_prompt_list_versions(db, NULL, STR("triage"), STR("{\"limit\": 2, \"cursor\": 5}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field cursor");
    CHECK_ERR(treestore_prompt_list_versions(db, NULL, STR("triage"), STR("{\"limit\": 99999}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "limit");

    CHECK_STATUS(treestore_prompt_list(db, NULL, NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 2 && str_eq(rec_at(&v, 0)->kind, "prompt_info"));
    const treestore_record *info = rec_at(&v, 1);
    CHECK(field_str_is(&v, info, "name", "triage") && field_int(&v, info, "latest_version") == 3);
    const treestore_field *labels = rec_field(&v, info, "labels");
    CHECK(labels && labels->kind == TREESTORE_VALUE_RECORDS && labels->count == 1);
    if (labels && labels->count == 1) {
        const treestore_record *l = rec_at(&v, labels->first);
        CHECK(str_eq(l->kind, "prompt_label") && field_str_is(&v, l, "label", "prod") && field_int(&v, l, "version") == 2);
    }
    treestore_result_free(res);
    CHECK_STATUS(treestore_prompt_list(db, NULL, STR("{\"limit\": 1}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 1 && cursor[0]);
    CHECK_ERR(treestore_prompt_list(db, NULL, STR("{\"limit\": 1,}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "line 1, column 13");

    /* Labels move; `latest` is automatic. */
    CHECK_STATUS(treestore_prompt_set_label(db, NULL, STR("triage"), STR("staging"), 1, NULL), TREESTORE_OK);
    CHECK(version_of(db, 0, "staging") == 1);
    CHECK_STATUS(treestore_prompt_set_label(db, NULL, STR("triage"), STR("staging"), 2, NULL), TREESTORE_OK);
    CHECK(version_of(db, 0, "staging") == 2);
    CHECK_ERR(treestore_prompt_set_label(db, NULL, STR("triage"), STR("staging"), 99, &test_err), TREESTORE_NOT_FOUND, "version 99");
    CHECK_ERR(treestore_prompt_set_label(db, NULL, STR("ghost"), STR("staging"), 1, &test_err), TREESTORE_NOT_FOUND, "ghost");
    CHECK_ERR(treestore_prompt_set_label(db, NULL, STR("triage"), STR("latest"), 1, &test_err), TREESTORE_INVALID_ARGUMENT, "field label");
    CHECK_ERR(treestore_prompt_set_label(db, NULL, STR("triage"), NULL, 3, 1, &test_err), TREESTORE_NULL_PARAMETER, "label");
    bool removed = false;
    CHECK_STATUS(treestore_prompt_remove_label(db, NULL, STR("triage"), STR("staging"), &removed, NULL), TREESTORE_OK);
    CHECK(removed);
    CHECK_STATUS(treestore_prompt_remove_label(db, NULL, STR("triage"), STR("staging"), &removed, NULL), TREESTORE_OK);
    CHECK(!removed);
    CHECK_STATUS(treestore_prompt_remove_label(db, NULL, STR("triage"), STR("staging"), NULL, NULL), TREESTORE_OK);
    CHECK_ERR(treestore_prompt_remove_label(db, NULL, STR("triage"), BAD_UTF8, 3, &removed, &test_err), TREESTORE_INVALID_UTF8, "label");
    CHECK(version_of(db, 0, "staging") == -1);

    /* Rendering: the text comes back as the result's one string. */
    CHECK_STATUS(treestore_prompt_render(db, NULL, STR("triage"), 1, NULL, 0, STR("{\"name\": \"Ann\", \"case\": 42, \"extra\": \"x\"}"), &res, NULL), TREESTORE_OK);
    const treestore_str *strs = NULL;
    size_t n = 0;
    CHECK_STATUS(treestore_result_strings(res, &strs, &n, NULL), TREESTORE_OK);
    CHECK(n == 1 && str_eq(strs[0], "Hello Ann\nCase 42"));
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.strings_len == 1 && v.top_records == 0);
    treestore_result_free(res);
    CHECK_STATUS(treestore_prompt_render(db, NULL, STR("triage"), 0, STR("prod"), STR("{\"name\": \"Bo\", \"topic\": \"fees\"}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_result_strings(res, &strs, &n, NULL), TREESTORE_OK);
    CHECK(n == 1 && str_eq(strs[0], "Hello Bo\nTopic fees"));
    treestore_result_free(res);
    CHECK_ERR(treestore_prompt_render(db, NULL, STR("triage"), 1, NULL, 0, STR("{\"name\": \"Ann\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "{{case}}");
    CHECK_ERR(treestore_prompt_render(db, NULL, STR("triage"), 0, NULL, 0, NULL, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "{{name}}");
    CHECK_ERR(treestore_prompt_render(db, NULL, STR("triage"), 0, NULL, 0, STR("[1]"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "expected a JSON object");
    CHECK_ERR(treestore_prompt_render(db, NULL, STR("triage"), 0, NULL, 0, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "variables_json");
    CHECK_ERR(treestore_prompt_render(db, NULL, STR("triage"), 7, NULL, 0, STR("{}"), &res, &test_err), TREESTORE_NOT_FOUND, "version 7");
    CHECK_ERR(treestore_prompt_render(db, NULL, STR("triage"), 0, NULL, 0, STR("{}"), NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");

    /* Diffs: the template line by line, the variables, the configs. */
    CHECK_STATUS(treestore_prompt_diff(db, NULL, STR("triage"), 1, 2, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const treestore_record *d = rec_at(&v, 0);
    CHECK(v.top_records == 1 && str_eq(d->kind, "prompt_diff"));
    CHECK(field_int(&v, d, "from_version") == 1 && field_int(&v, d, "to_version") == 2);
    const treestore_field *lines = rec_field(&v, d, "lines");
    CHECK(lines && lines->kind == TREESTORE_VALUE_RECORDS && lines->count == 3);
    if (lines && lines->count == 3) {
        const treestore_record *l0 = rec_at(&v, lines->first), *l1 = rec_at(&v, lines->first + 1), *l2 = rec_at(&v, lines->first + 2);
        CHECK(str_eq(l0->kind, "diff_line") && field_str_is(&v, l0, "op", "equal") && field_str_is(&v, l0, "text", "Hello {{name}}"));
        CHECK(field_str_is(&v, l1, "op", "delete") && field_str_is(&v, l1, "text", "Case {{case}}"));
        CHECK(field_str_is(&v, l2, "op", "insert") && field_str_is(&v, l2, "text", "Topic {{topic}}"));
    }
    const char *added[] = {"topic"}, *gone[] = {"case"};
    CHECK(field_list_is(&v, d, "variables_added", added, 1) && field_list_is(&v, d, "variables_removed", gone, 1));
    CHECK(field_kind(&v, d, "from_config") == TREESTORE_VALUE_JSON && field_kind(&v, d, "to_config") == TREESTORE_VALUE_NULL);
    treestore_result_free(res);
    CHECK_ERR(treestore_prompt_diff(db, NULL, STR("triage"), 1, 9, &res, &test_err), TREESTORE_NOT_FOUND, "field to");
    CHECK_ERR(treestore_prompt_diff(db, NULL, STR("ghost"), 1, 2, &res, &test_err), TREESTORE_NOT_FOUND, "ghost");
    CHECK_ERR(treestore_prompt_diff(db, NULL, NULL, 2, 1, 2, &res, &test_err), TREESTORE_NULL_PARAMETER, "name");

    /* Input errors name the field; the JSON position is reported. */
    CHECK_ERR(treestore_prompt_create(db, NULL, STR("{\"template\": \"x\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field name: is required");
    CHECK_ERR(treestore_prompt_create(db, NULL, STR("{\"name\": \"p\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field template: is required");
    CHECK_ERR(treestore_prompt_create(db, NULL, STR("{\"name\": \"p\", \"template\": \"x\", \"labels\": [\"a b\"]}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field label");
    CHECK_ERR(treestore_prompt_create(db, NULL, STR("{\"name\": \"p\",\n\"template\" \"x\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "line 2, column 12");
    CHECK_ERR(treestore_prompt_create(db, NULL, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "json");

    CHECK_STATUS(treestore_prompt_delete(db, NULL, STR("other"), &removed, NULL), TREESTORE_OK);
    CHECK(removed);
    CHECK_STATUS(treestore_prompt_delete(db, NULL, STR("other"), &removed, NULL), TREESTORE_OK);
    CHECK(!removed);
    CHECK_STATUS(treestore_prompt_delete(db, NULL, STR("other"), NULL, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_prompt_get(db, NULL, STR("other"), 0, NULL, 0, &res, NULL), TREESTORE_NOT_FOUND);
    CHECK_ERR(treestore_prompt_delete(db, NULL, BAD_UTF8, 3, &removed, &test_err), TREESTORE_INVALID_UTF8, "name");
}

static void record_usage(treestore_db *db, const char *json, char *id_out, size_t cap) {
    treestore_result *res = NULL;
    treestore_result_view v;
    CHECK_STATUS(treestore_prompt_usage_record(db, NULL, STR(json), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    if (id_out) field_copy(&v, rec_at(&v, 0), "usage_id", id_out, cap);
    treestore_result_free(res);
}

static void test_usage(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    CHECK_STATUS(treestore_prompt_usage_record(db, NULL, STR("{\"prompt_name\": \"triage\", \"prompt_version\": 1, \"variables\": {\"name\": \"Ann\", \"case\": 42},"
                                                            " \"response\": \"hi\", \"latency_ms\": 100, \"input_tokens\": 10, \"output_tokens\": 5,"
                                                            " \"case_id\": \"c1\", \"metadata\": {\"model\": \"m1\"}, \"created_at\": \"2024-05-01T10:00:00Z\"}"),
                                               &res, NULL),
                 TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const treestore_record *u = rec_at(&v, 0);
    CHECK(str_eq(u->kind, "prompt_usage"));
    char u1[64];
    field_copy(&v, u, "usage_id", u1, sizeof u1);
    CHECK(strlen(u1) == 32);
    CHECK(field_int(&v, u, "prompt_version") == 1 && field_int(&v, u, "latency_ms") == 100);
    CHECK(field_map_has(&v, u, "variables", "case", "42") && field_map_has(&v, u, "metadata", "model", "m1"));
    CHECK(field_kind(&v, u, "score") == TREESTORE_VALUE_NULL);
    CHECK(field_int(&v, u, "created_at") == 1714557600000000LL);
    treestore_result_free(res);
    char u2[64], u3[64], u4[64];
    record_usage(db, "{\"prompt_name\": \"triage\", \"prompt_version\": 1, \"latency_ms\": 200, \"score\": 1.0, \"case_id\": \"c1\"}", u2, sizeof u2);
    record_usage(db, "{\"usage_id\": \"u-3\", \"prompt_name\": \"triage\", \"prompt_version\": 1, \"latency_ms\": 300, \"score\": 0.5}", u3, sizeof u3);
    CHECK(strcmp(u3, "u-3") == 0);
    /* Version 0 is the newest at the time of recording. */
    CHECK_STATUS(treestore_prompt_usage_record(db, NULL, STR("{\"prompt_name\": \"triage\", \"input_tokens\": 3}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_int(&v, rec_at(&v, 0), "prompt_version") == 3);
    field_copy(&v, rec_at(&v, 0), "usage_id", u4, sizeof u4);
    treestore_result_free(res);
    CHECK_ERR(treestore_prompt_usage_record(db, NULL, STR("{\"prompt_name\": \"ghost\"}"), &res, &test_err), TREESTORE_NOT_FOUND, "field prompt_version");
    CHECK_ERR(treestore_prompt_usage_record(db, NULL, STR("{\"prompt_name\": \"triage\", \"prompt_version\": 8}"), &res, &test_err), TREESTORE_NOT_FOUND, "version 8");
    CHECK_ERR(treestore_prompt_usage_record(db, NULL, STR("{\"usage_id\": \"u-3\", \"prompt_name\": \"triage\"}"), &res, &test_err), TREESTORE_ALREADY_EXISTS, "usage_id");
    CHECK_ERR(treestore_prompt_usage_record(db, NULL, STR("{\"response\": \"x\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field prompt_name: is required");
    CHECK_ERR(treestore_prompt_usage_record(db, NULL, STR("{\"prompt_name\": \"triage\", \"latency_ms\": -1}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field latency_ms");
    CHECK_ERR(treestore_prompt_usage_record(db, NULL, STR("{\"prompt_name\": \"triage\" \"x\": 1}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "line 1, column 26");

    /* Scores: set, cleared, refused when not finite. */
    double score = 0.75;
    CHECK_STATUS(treestore_prompt_usage_score(db, NULL, STR(u1), &score, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const treestore_field *s = rec_field(&v, rec_at(&v, 0), "score");
    CHECK(s && s->kind == TREESTORE_VALUE_FLOAT && s->float_value == 0.75);
    treestore_result_free(res);
    CHECK_STATUS(treestore_prompt_usage_score(db, NULL, STR("u-3"), NULL, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_kind(&v, rec_at(&v, 0), "score") == TREESTORE_VALUE_NULL);
    treestore_result_free(res);
    double nan = NAN;
    CHECK_ERR(treestore_prompt_usage_score(db, NULL, STR(u1), &nan, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field score");
    CHECK_ERR(treestore_prompt_usage_score(db, NULL, STR("u-9"), &score, &res, &test_err), TREESTORE_NOT_FOUND, "u-9");

    CHECK_STATUS(treestore_prompt_usage_get(db, NULL, STR(u2), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_int(&v, rec_at(&v, 0), "latency_ms") == 200 && field_str_is(&v, rec_at(&v, 0), "case_id", "c1"));
    treestore_result_free(res);
    CHECK_ERR(treestore_prompt_usage_get(db, NULL, STR("u-9"), &res, &test_err), TREESTORE_NOT_FOUND, "u-9");

    char cursor[256], page[400];
    CHECK_STATUS(treestore_prompt_usage_list(db, NULL, STR("{\"prompt_name\": \"triage\", \"prompt_version\": 1}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 3);
    CHECK_STATUS(treestore_prompt_usage_list(db, NULL, STR("{\"prompt_name\": \"triage\"}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 4 && field_int(&v, rec_at(&v, 0), "prompt_version") == 3);
    treestore_result_free(res);
    CHECK_STATUS(treestore_prompt_usage_list(db, NULL, STR("{\"case_id\": \"c1\"}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 2);
    CHECK_STATUS(treestore_prompt_usage_list(db, NULL, STR("{\"case_id\": \"c1\", \"since\": \"2025-01-01T00:00:00Z\"}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 1);
    CHECK_STATUS(treestore_prompt_usage_list(db, NULL, STR("{\"prompt_name\": \"triage\", \"limit\": 3}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 3 && cursor[0]);
    snprintf(page, sizeof page, "{\"prompt_name\": \"triage\", \"limit\": 3, \"cursor\": \"%s\"}", cursor);
    CHECK_STATUS(treestore_prompt_usage_list(db, NULL, STR(page), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 1 && !cursor[0]);
    CHECK_ERR(treestore_prompt_usage_list(db, NULL, STR("{}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "prompt_name");
    CHECK_ERR(treestore_prompt_usage_list(db, NULL, STR("{\"prompt_version\": 1, \"case_id\": \"c1\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "requires prompt_name");
    CHECK_ERR(treestore_prompt_usage_list(db, NULL, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "query_json");

    /* Statistics per version and of every used version. */
    CHECK_STATUS(treestore_prompt_stats_get(db, NULL, STR("triage"), 1, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const treestore_record *st = rec_at(&v, 0);
    CHECK(str_eq(st->kind, "prompt_stats") && field_int(&v, st, "count") == 3);
    const treestore_field *lat = rec_field(&v, st, "mean_latency_ms");
    CHECK(lat && lat->kind == TREESTORE_VALUE_FLOAT && lat->float_value == 200.0);
    CHECK(field_int(&v, st, "scored_count") == 2);
    const treestore_field *ms = rec_field(&v, st, "mean_score");
    CHECK(ms && ms->kind == TREESTORE_VALUE_FLOAT && ms->float_value > 0.874999 && ms->float_value < 0.875001);
    CHECK(field_int(&v, st, "total_input_tokens") == 10 && field_int(&v, st, "total_output_tokens") == 5);
    treestore_result_free(res);
    CHECK_STATUS(treestore_prompt_stats_get(db, NULL, STR("triage"), 2, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_int(&v, rec_at(&v, 0), "count") == 0 && field_kind(&v, rec_at(&v, 0), "mean_score") == TREESTORE_VALUE_NULL);
    treestore_result_free(res);
    CHECK_STATUS(treestore_prompt_stats_list(db, NULL, STR("triage"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 2 && field_int(&v, rec_at(&v, 0), "prompt_version") == 1 && field_int(&v, rec_at(&v, 1), "prompt_version") == 3);
    treestore_result_free(res);
    CHECK_STATUS(treestore_prompt_stats_list(db, NULL, STR("ghost"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 0);
    CHECK_ERR(treestore_prompt_stats_get(db, NULL, BAD_UTF8, 3, 1, &res, &test_err), TREESTORE_INVALID_UTF8, "name");
    CHECK_ERR(treestore_prompt_stats_list(db, NULL, STR("triage"), NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");

    /* Deleting a usage takes it out of the statistics. */
    bool removed = false;
    CHECK_STATUS(treestore_prompt_usage_delete(db, NULL, STR(u2), &removed, NULL), TREESTORE_OK);
    CHECK(removed);
    CHECK_STATUS(treestore_prompt_usage_delete(db, NULL, STR(u2), &removed, NULL), TREESTORE_OK);
    CHECK(!removed);
    CHECK_STATUS(treestore_prompt_usage_delete(db, NULL, STR(u2), NULL, NULL), TREESTORE_OK);
    CHECK_ERR(treestore_prompt_usage_delete(db, NULL, NULL, 2, &removed, &test_err), TREESTORE_NULL_PARAMETER, "usage_id");
    CHECK_STATUS(treestore_prompt_stats_get(db, NULL, STR("triage"), 1, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_int(&v, rec_at(&v, 0), "count") == 2 && field_int(&v, rec_at(&v, 0), "scored_count") == 1);
    treestore_result_free(res);
}

static void test_conversations(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    CHECK_STATUS(treestore_conversation_create(db, NULL, STR("{\"user_id\": \"u1\", \"title\": \"Fees\", \"tags\": [\"a\", \"b\", \"a\"], \"metadata\": {\"k\": \"v\"},"
                                                            " \"created_at\": \"2024-01-01T00:00:00Z\"}"),
                                               &res, NULL),
                 TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const treestore_record *c = rec_at(&v, 0);
    CHECK(str_eq(c->kind, "conversation"));
    char conv[64];
    field_copy(&v, c, "id", conv, sizeof conv);
    CHECK(strlen(conv) == 32);
    const char *ab[] = {"a", "b"};
    CHECK(field_list_is(&v, c, "tags", ab, 2) && field_map_has(&v, c, "metadata", "k", "v"));
    CHECK(field_int(&v, c, "message_count") == 0 && field_int(&v, c, "created_at") == 1704067200000000LL);
    treestore_result_free(res);
    CHECK_STATUS(treestore_conversation_create(db, NULL, STR("{\"id\": \"conv-2\", \"user_id\": \"u2\", \"tags\": [\"b\"]}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_ERR(treestore_conversation_create(db, NULL, STR("{\"id\": \"conv-2\", \"user_id\": \"u2\"}"), &res, &test_err), TREESTORE_ALREADY_EXISTS, "field id");
    CHECK_ERR(treestore_conversation_create(db, NULL, STR("{\"title\": \"t\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field user_id: is required");
    CHECK_ERR(treestore_conversation_create(db, NULL, STR("{\"user_id\": \"u\", \"tags\": \"a\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field tags");

    /* Update changes title, tags and metadata, nothing else. */
    char json[512];
    snprintf(json, sizeof json, "{\"id\": \"%s\", \"user_id\": \"someone-else\", \"title\": \"Fees, again\", \"tags\": [\"c\"]}", conv);
    CHECK_STATUS(treestore_conversation_update(db, NULL, STR(json), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const char *just_c[] = {"c"};
    CHECK(field_str_is(&v, rec_at(&v, 0), "title", "Fees, again") && field_str_is(&v, rec_at(&v, 0), "user_id", "u1"));
    CHECK(field_list_is(&v, rec_at(&v, 0), "tags", just_c, 1));
    treestore_result_free(res);
    CHECK_ERR(treestore_conversation_update(db, NULL, STR("{\"id\": \"conv-9\", \"title\": \"x\"}"), &res, &test_err), TREESTORE_NOT_FOUND, "conv-9");
    CHECK_ERR(treestore_conversation_update(db, NULL, STR("{\"title\": \"x\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field id: is required");

    /* Messages. */
    const char *roles[] = {"user", "assistant", "tool"};
    char first_msg[64] = "";
    for (int i = 0; i < 3; i++) {
        snprintf(json, sizeof json, "{\"conversation_id\": \"%s\", \"role\": \"%s\", \"content\": \"m%d\", \"metadata\": {\"i\": %d}}", conv, roles[i], i, i);
        CHECK_STATUS(treestore_conversation_add_message(db, NULL, STR(json), &res, NULL), TREESTORE_OK);
        CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
        CHECK(str_eq(rec_at(&v, 0)->kind, "message") && field_str_is(&v, rec_at(&v, 0), "role", roles[i]));
        if (i == 0) field_copy(&v, rec_at(&v, 0), "id", first_msg, sizeof first_msg);
        treestore_result_free(res);
    }
    snprintf(json, sizeof json, "{\"conversation_id\": \"%s\", \"role\": \"bot\"}", conv);
    CHECK_ERR(treestore_conversation_add_message(db, NULL, STR(json), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field role");
    CHECK_ERR(treestore_conversation_add_message(db, NULL, STR("{\"conversation_id\": \"conv-9\", \"content\": \"x\"}"), &res, &test_err), TREESTORE_NOT_FOUND, "conv-9");
    CHECK_ERR(treestore_conversation_add_message(db, NULL, STR("{\"content\": \"x\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field conversation_id: is required");

    CHECK_STATUS(treestore_conversation_get(db, NULL, STR(conv), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_int(&v, rec_at(&v, 0), "message_count") == 3);
    CHECK(field_int(&v, rec_at(&v, 0), "updated_at") > field_int(&v, rec_at(&v, 0), "created_at"));
    treestore_result_free(res);
    CHECK_ERR(treestore_conversation_get(db, NULL, STR("conv-9"), &res, &test_err), TREESTORE_NOT_FOUND, "conv-9");
    CHECK_STATUS(treestore_conversation_get_message(db, NULL, STR(first_msg), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(field_str_is(&v, rec_at(&v, 0), "content", "m0") && field_str_is(&v, rec_at(&v, 0), "conversation_id", conv));
    CHECK(field_map_has(&v, rec_at(&v, 0), "metadata", "i", "0"));
    treestore_result_free(res);
    CHECK_ERR(treestore_conversation_get_message(db, NULL, STR("msg-9"), &res, &test_err), TREESTORE_NOT_FOUND, "msg-9");

    char cursor[256], page[400];
    CHECK_STATUS(treestore_conversation_list_messages(db, NULL, STR(conv), STR("{\"limit\": 2}"), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 2 && field_str_is(&v, rec_at(&v, 0), "content", "m0") && v.next_cursor.ptr != NULL);
    CHECK(take_count(res, cursor, sizeof cursor) == 2);
    snprintf(page, sizeof page, "{\"limit\": 2, \"cursor\": \"%s\"}", cursor);
    CHECK_STATUS(treestore_conversation_list_messages(db, NULL, STR(conv), STR(page), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 1 && !cursor[0]);
    CHECK_STATUS(treestore_conversation_list_messages(db, NULL, STR(conv), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 3);
    CHECK_ERR(treestore_conversation_list_messages(db, NULL, STR(conv), STR("{\"cursor\": \"x\"}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "cursor");

    CHECK_STATUS(treestore_conversation_get_with_messages(db, NULL, STR(conv), &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const treestore_record *cw = rec_at(&v, 0);
    CHECK(v.top_records == 1 && str_eq(cw->kind, "conversation_with_messages"));
    const treestore_field *inner = rec_field(&v, cw, "conversation");
    CHECK(inner && inner->kind == TREESTORE_VALUE_RECORDS && inner->count == 1);
    if (inner && inner->count == 1) CHECK(field_str_is(&v, rec_at(&v, inner->first), "id", conv));
    const treestore_field *msgs = rec_field(&v, cw, "messages");
    CHECK(msgs && msgs->kind == TREESTORE_VALUE_RECORDS && msgs->count == 3);
    if (msgs && msgs->count == 3) CHECK(field_str_is(&v, rec_at(&v, msgs->first + 2), "role", "tool"));
    treestore_result_free(res);
    CHECK_ERR(treestore_conversation_get_with_messages(db, NULL, STR("conv-9"), &res, &test_err), TREESTORE_NOT_FOUND, "conv-9");

    /* Lists by user, tag and time. */
    CHECK_STATUS(treestore_conversation_list(db, NULL, NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 2 && field_str_is(&v, rec_at(&v, 0), "id", "conv-2"));
    treestore_result_free(res);
    CHECK_STATUS(treestore_conversation_list(db, NULL, STR("{\"user_id\": \"u1\"}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 1);
    CHECK_STATUS(treestore_conversation_list(db, NULL, STR("{\"tag\": \"b\"}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 1);
    CHECK_STATUS(treestore_conversation_list(db, NULL, STR("{\"until\": \"2025-01-01T00:00:00Z\"}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 1);
    CHECK_STATUS(treestore_conversation_list(db, NULL, STR("{\"limit\": 1}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 1 && cursor[0]);
    snprintf(page, sizeof page, "{\"limit\": 1, \"cursor\": \"%s\"}", cursor);
    CHECK_STATUS(treestore_conversation_list(db, NULL, STR(page), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, cursor, sizeof cursor) == 1 && !cursor[0]);
    CHECK_ERR(treestore_conversation_list(db, NULL, STR("{\"since\": true}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field since");
    CHECK_STATUS(treestore_conversation_list_by_user(db, NULL, STR("u2"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 1 && field_str_is(&v, rec_at(&v, 0), "id", "conv-2"));
    treestore_result_free(res);
    CHECK_STATUS(treestore_conversation_list_by_user(db, NULL, STR("u1"), STR("{\"limit\": 1}"), &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 1);
    CHECK_ERR(treestore_conversation_list_by_user(db, NULL, STR(""), NULL, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "user_id");
    CHECK_STATUS(treestore_conversation_list_by_tag(db, NULL, STR("c"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.top_records == 1 && field_str_is(&v, rec_at(&v, 0), "id", conv));
    treestore_result_free(res);
    CHECK_STATUS(treestore_conversation_list_by_tag(db, NULL, STR("a"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 0);
    CHECK_ERR(treestore_conversation_list_by_tag(db, NULL, BAD_UTF8, 3, NULL, 0, &res, &test_err), TREESTORE_INVALID_UTF8, "tag");

    bool removed = false;
    CHECK_STATUS(treestore_conversation_delete(db, NULL, STR(conv), &removed, NULL), TREESTORE_OK);
    CHECK(removed);
    CHECK_STATUS(treestore_conversation_delete(db, NULL, STR(conv), &removed, NULL), TREESTORE_OK);
    CHECK(!removed);
    CHECK_STATUS(treestore_conversation_delete(db, NULL, STR(conv), NULL, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_conversation_get_message(db, NULL, STR(first_msg), &res, NULL), TREESTORE_NOT_FOUND);
    CHECK_STATUS(treestore_conversation_list_by_tag(db, NULL, STR("c"), NULL, 0, &res, NULL), TREESTORE_OK);
    CHECK(take_count(res, NULL, 0) == 0);
}

/* Transactions: a usage, a conversation and a tool result in one commit; every export refuses a
 * transaction that has ended; a read-only transaction refuses every write. */
static void test_transactions(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_txn *w = NULL;
    CHECK_STATUS(treestore_txn_begin(db, true, &w, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_prompt_create(db, w, STR("{\"name\": \"tx\", \"template\": \"t {{v}}\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_prompt_usage_record(db, w, STR("{\"usage_id\": \"tx-u\", \"prompt_name\": \"tx\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_conversation_create(db, w, STR("{\"id\": \"tx-c\", \"user_id\": \"u\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_tool_result_store(db, w, STR("{\"execution_id\": \"tx-e\", \"tool_name\": \"t\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_prompt_render(db, w, STR("tx"), 0, NULL, 0, STR("{\"v\": 1}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_prompt_get(db, NULL, STR("tx"), 0, NULL, 0, &res, NULL), TREESTORE_NOT_FOUND);
    CHECK_STATUS(treestore_txn_commit(w, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_prompt_usage_get(db, NULL, STR("tx-u"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_tool_result_get(db, NULL, STR("tx-e"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);

    double score = 1;
    CHECK_ERR(treestore_prompt_create(db, w, STR("{\"name\": \"tx\", \"template\": \"t\"}"), &res, &test_err), TREESTORE_CLOSED, "already committed");
    CHECK_ERR(treestore_prompt_get(db, w, STR("tx"), 0, NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_list_versions(db, w, STR("tx"), NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_list(db, w, NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_set_label(db, w, STR("tx"), STR("l"), 1, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_remove_label(db, w, STR("tx"), STR("l"), NULL, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_render(db, w, STR("tx"), 0, NULL, 0, NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_diff(db, w, STR("tx"), 1, 1, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_delete(db, w, STR("tx"), NULL, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_usage_record(db, w, STR("{\"prompt_name\": \"tx\"}"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_usage_score(db, w, STR("tx-u"), &score, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_usage_get(db, w, STR("tx-u"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_usage_list(db, w, STR("{\"prompt_name\": \"tx\"}"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_usage_delete(db, w, STR("tx-u"), NULL, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_stats_get(db, w, STR("tx"), 1, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_prompt_stats_list(db, w, STR("tx"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_conversation_create(db, w, STR("{\"user_id\": \"u\"}"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_conversation_update(db, w, STR("{\"id\": \"tx-c\"}"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_conversation_add_message(db, w, STR("{\"conversation_id\": \"tx-c\"}"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_conversation_get(db, w, STR("tx-c"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_conversation_get_message(db, w, STR("m"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_conversation_list_messages(db, w, STR("tx-c"), NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_conversation_get_with_messages(db, w, STR("tx-c"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_conversation_list(db, w, NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_conversation_list_by_user(db, w, STR("u"), NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_conversation_list_by_tag(db, w, STR("t"), NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_conversation_delete(db, w, STR("tx-c"), NULL, &test_err), TREESTORE_CLOSED, NULL);
    treestore_txn_free(w);

    treestore_txn *r = NULL;
    CHECK_STATUS(treestore_txn_begin(db, false, &r, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_prompt_render(db, r, STR("tx"), 1, NULL, 0, STR("{\"v\": \"x\"}"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_conversation_get(db, r, STR("tx-c"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_ERR(treestore_prompt_create(db, r, STR("{\"name\": \"tx\", \"template\": \"t\"}"), &res, &test_err), TREESTORE_READ_ONLY, "read transaction");
    CHECK_ERR(treestore_prompt_set_label(db, r, STR("tx"), STR("l"), 1, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_prompt_remove_label(db, r, STR("tx"), STR("l"), NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_prompt_delete(db, r, STR("tx"), NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_prompt_usage_record(db, r, STR("{\"prompt_name\": \"tx\"}"), &res, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_prompt_usage_score(db, r, STR("tx-u"), NULL, &res, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_prompt_usage_delete(db, r, STR("tx-u"), NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_conversation_create(db, r, STR("{\"user_id\": \"u\"}"), &res, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_conversation_update(db, r, STR("{\"id\": \"tx-c\"}"), &res, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_conversation_add_message(db, r, STR("{\"conversation_id\": \"tx-c\"}"), &res, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_conversation_delete(db, r, STR("tx-c"), NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    treestore_txn_free(r);

    /* Deleting a prompt deletes its usage too; a rollback undoes it. */
    CHECK_STATUS(treestore_txn_begin(db, true, &w, NULL), TREESTORE_OK);
    bool removed = false;
    CHECK_STATUS(treestore_prompt_delete(db, w, STR("tx"), &removed, NULL), TREESTORE_OK);
    CHECK(removed);
    CHECK_STATUS(treestore_prompt_usage_get(db, w, STR("tx-u"), &res, NULL), TREESTORE_NOT_FOUND);
    CHECK_STATUS(treestore_txn_rollback(w, NULL), TREESTORE_OK);
    treestore_txn_free(w);
    CHECK_STATUS(treestore_prompt_usage_get(db, NULL, STR("tx-u"), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_prompt_delete(db, NULL, STR("tx"), &removed, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_prompt_usage_get(db, NULL, STR("tx-u"), &res, NULL), TREESTORE_NOT_FOUND);
}

/* NULL handles, strings and out-parameters are refused with the argument's name. */
static void test_null_arguments(treestore_db *db) {
    treestore_result *res = NULL;
    CHECK_ERR(treestore_prompt_get(NULL, NULL, STR("triage"), 0, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK_ERR(treestore_prompt_get(db, NULL, NULL, 6, 0, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "name");
    CHECK_ERR(treestore_prompt_get(db, NULL, STR("triage"), 0, NULL, 0, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_prompt_create(db, NULL, STR("{\"name\": \"p\", \"template\": \"x\"}"), NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_prompt_list(db, NULL, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "page_json");
    CHECK_ERR(treestore_prompt_list_versions(db, NULL, BAD_UTF8, 3, NULL, 0, &res, &test_err), TREESTORE_INVALID_UTF8, "name");
    CHECK_ERR(treestore_prompt_set_label(NULL, NULL, STR("triage"), STR("l"), 1, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK_ERR(treestore_prompt_usage_record(db, NULL, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "json");
    CHECK_ERR(treestore_prompt_usage_score(db, NULL, NULL, 1, NULL, &res, &test_err), TREESTORE_NULL_PARAMETER, "usage_id");
    CHECK_ERR(treestore_prompt_usage_get(db, NULL, STR("u-3"), NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_prompt_usage_list(db, NULL, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "query_json");
    CHECK_ERR(treestore_conversation_create(db, NULL, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "json");
    CHECK_ERR(treestore_conversation_update(db, NULL, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "json");
    CHECK_ERR(treestore_conversation_add_message(db, NULL, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "json");
    CHECK_ERR(treestore_conversation_get(db, NULL, NULL, 1, &res, &test_err), TREESTORE_NULL_PARAMETER, "id");
    CHECK_ERR(treestore_conversation_get_message(db, NULL, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "message_id");
    CHECK_ERR(treestore_conversation_list_messages(db, NULL, NULL, 1, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "conversation_id");
    CHECK_ERR(treestore_conversation_get_with_messages(db, NULL, STR("x"), NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_conversation_list(db, NULL, STR("{\"user_id\": 7}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field user_id");
    CHECK_ERR(treestore_conversation_list_by_user(db, NULL, NULL, 1, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "user_id");
    CHECK_ERR(treestore_conversation_delete(NULL, NULL, STR("x"), NULL, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK(res == NULL);
}

int main(void) {
    treestore_db *db = check_open_db("prompt");
    if (!db) return 2;
    test_registry(db);
    test_usage(db);
    test_conversations(db);
    test_transactions(db);
    test_null_arguments(db);
    return check_finish(db);
}
