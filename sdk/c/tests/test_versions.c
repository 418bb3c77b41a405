/* The VersionStore and the keyword search through the C ABI: listing and paging versions, reading
 * by id, tag, latest and as-of, tagging, diffs; searches (hit records parallel to their nodes,
 * snippets, scopes, paging) and the search settings. Error paths: NULL arguments, invalid UTF-8,
 * malformed JSON and queries, not found, a read-only transaction, a transaction after commit. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include <treestore.h>

#include "check.h"

static const char *V1 =
    "{\"document\": {\"policy_id\": \"p\", \"version_id\": \"v1\", \"created_at\": \"2024-01-01T00:00:00Z\"},"
    " \"nodes\": [{\"node_id\": \"r\", \"title\": \"Coverage policy\"},"
    "  {\"node_id\": \"a\", \"parent_id\": \"r\", \"title\": \"Imaging\", \"text\": \"MRI scans are covered once a year.\"},"
    "  {\"node_id\": \"b\", \"parent_id\": \"r\", \"title\": \"Dental\", \"text\": \"Cleanings twice a year.\"}]}";
static const char *V2 =
    "{\"document\": {\"policy_id\": \"p\", \"version_id\": \"v2\", \"created_at\": \"2024-06-01T00:00:00Z\"},"
    " \"nodes\": [{\"node_id\": \"r\", \"title\": \"Coverage policy\"},"
    "  {\"node_id\": \"a\", \"parent_id\": \"r\", \"title\": \"Imaging\","
    "   \"text\": \"MRI and CT scans need prior authorization. Without authorization, imaging claims are denied and the member pays.\"},"
    "  {\"node_id\": \"c\", \"parent_id\": \"r\", \"title\": \"Vision\", \"text\": \"Glasses every two years.\"}]}";
static const char *V3 =
    "{\"document\": {\"policy_id\": \"p\", \"version_id\": \"v3\", \"created_at\": \"2025-01-01T00:00:00Z\","
    "  \"effective_start\": \"2025-01-01T00:00:00Z\", \"effective_end\": \"2025-06-01T00:00:00Z\"},"
    " \"nodes\": [{\"node_id\": \"r\", \"title\": \"Coverage policy\"},"
    "  {\"node_id\": \"a\", \"parent_id\": \"r\", \"title\": \"Imaging\", \"text\": \"Imaging is covered.\"}]}";
static const char *OTHER =
    "{\"document\": {\"policy_id\": \"q\", \"version_id\": \"v1\"},"
    " \"nodes\": [{\"node_id\": \"r\", \"title\": \"Pharmacy\", \"summary\": \"Drugs that need authorization\"}]}";

/* The version id of record `i` of `res` (copied into `out`). */
static void version_of(const treestore_result_view *v, size_t i, char *out, size_t cap) {
    field_copy(v, rec_at(v, i), "version_id", out, cap);
}

static void store(treestore_db *db, const char *json) {
    treestore_result *res = NULL;
    CHECK_STATUS(treestore_document_store(db, NULL, STR(json), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
}

/* Reads `res` into `v`, runs the checks, frees `res`. */
#define WITH_VIEW(call, v, body)                                                       \
    do {                                                                               \
        treestore_result *res_ = NULL;                                                 \
        treestore_status st_ = (call);                                                 \
        CHECK_STATUS(st_, TREESTORE_OK);                                               \
        if (st_ == TREESTORE_OK) {                                                     \
            CHECK_STATUS(view_of(res_, &(v)), TREESTORE_OK);                           \
            body;                                                                      \
        }                                                                              \
        treestore_result_free(res_);                                                   \
    } while (0)

static void test_settings_before_indexing(treestore_db *db) {
    treestore_result_view v;
    char s[32];
    WITH_VIEW(treestore_search_settings_get(db, NULL, &res_, NULL), v, {
        const treestore_record *r = rec_at(&v, 0);
        CHECK(str_eq(r->kind, "search_settings") && field_str_is(&v, r, "stemming", "none"));
        const treestore_field *w = rec_field(&v, r, "weights");
        CHECK(w && w->kind == TREESTORE_VALUE_RECORDS && w->count == 1);
        if (w && w->count == 1) {
            const treestore_field *t = rec_field(&v, rec_at(&v, w->first), "title");
            CHECK(t && t->kind == TREESTORE_VALUE_FLOAT && t->float_value == 3.0);
        }
    });
    /* Stemming can change while nothing is indexed. */
    WITH_VIEW(treestore_search_settings_set(db, NULL, STR("{\"stemming\": \"porter\"}"), &res_, NULL), v, {
        field_copy(&v, rec_at(&v, 0), "stemming", s, sizeof s);
        CHECK(strcmp(s, "porter") == 0);
    });
    CHECK_STATUS(treestore_search_settings_set(db, NULL, STR("{}"), NULL, NULL), TREESTORE_OK);
}

static void test_versions(treestore_db *db) {
    treestore_result_view v;
    char id[32], cursor[256] = "";
    store(db, V1);
    store(db, V2);
    store(db, V3);
    store(db, OTHER);

    WITH_VIEW(treestore_version_list(db, NULL, STR("p"), 2, NULL, 0, &res_, NULL), v, {
        CHECK(v.top_records == 2 && str_eq(rec_at(&v, 0)->kind, "version"));
        version_of(&v, 0, id, sizeof id);
        CHECK(strcmp(id, "v3") == 0);
        version_of(&v, 1, id, sizeof id);
        CHECK(strcmp(id, "v2") == 0);
        CHECK(v.next_cursor.ptr && v.next_cursor.len < sizeof cursor);
        if (v.next_cursor.ptr) memcpy(cursor, v.next_cursor.ptr, v.next_cursor.len);
    });
    WITH_VIEW(treestore_version_list(db, NULL, STR("p"), 2, STR(cursor), &res_, NULL), v, {
        CHECK(v.top_records == 1 && v.next_cursor.ptr == NULL);
        version_of(&v, 0, id, sizeof id);
        CHECK(strcmp(id, "v1") == 0);
    });
    WITH_VIEW(treestore_version_list(db, NULL, STR("p"), 0, NULL, 0, &res_, NULL), v, CHECK(v.top_records == 3));
    WITH_VIEW(treestore_version_list(db, NULL, STR("nobody"), 0, NULL, 0, &res_, NULL), v, CHECK(v.top_records == 0));

    WITH_VIEW(treestore_version_get(db, NULL, STR("p"), STR("v2"), &res_, NULL), v, {
        CHECK(field_int(&v, rec_at(&v, 0), "created_at") == 1717200000000000LL);
        CHECK(field_str_is(&v, rec_at(&v, 0), "root_node_id", "r"));
    });
    WITH_VIEW(treestore_version_latest(db, NULL, STR("p"), &res_, NULL), v, {
        version_of(&v, 0, id, sizeof id);
        CHECK(strcmp(id, "v3") == 0);
        CHECK(field_int(&v, rec_at(&v, 0), "effective_end") == 1748736000000000LL);
    });
    /* As of: v1 from its creation, v2 from its own, v3 for its explicit period only. */
    const struct { int64_t at; const char *want; } as_of[] = {
        {1709251200000000LL, "v1"}, /* 2024-03-01 */
        {1719792000000000LL, "v2"}, /* 2024-07-01 */
        {1740787200000000LL, "v3"}, /* 2025-03-01 */
    };
    for (size_t i = 0; i < 3; i++) {
        WITH_VIEW(treestore_version_as_of(db, NULL, STR("p"), as_of[i].at, &res_, NULL), v, {
            version_of(&v, 0, id, sizeof id);
            CHECK(strcmp(id, as_of[i].want) == 0);
        });
    }
    treestore_result *res = NULL;
    CHECK_ERR(treestore_version_as_of(db, NULL, STR("p"), 1751328000000000LL, &res, &test_err), TREESTORE_NOT_FOUND, "ended");
    CHECK_ERR(treestore_version_as_of(db, NULL, STR("p"), 0, &res, &test_err), TREESTORE_NOT_FOUND, "first starts later");

    /* Tags name one version at a time. */
    CHECK_STATUS(treestore_version_tag(db, NULL, STR("p"), STR("v2"), STR("approved"), NULL), TREESTORE_OK);
    WITH_VIEW(treestore_version_get_by_tag(db, NULL, STR("p"), STR("approved"), &res_, NULL), v, {
        version_of(&v, 0, id, sizeof id);
        CHECK(strcmp(id, "v2") == 0);
        const treestore_field *tags = rec_field(&v, rec_at(&v, 0), "tags");
        CHECK(tags && tags->count == 1 && str_eq(v.strings[tags->first], "approved"));
    });
    CHECK_STATUS(treestore_version_tag(db, NULL, STR("p"), STR("v3"), STR("approved"), NULL), TREESTORE_OK);
    WITH_VIEW(treestore_version_get_by_tag(db, NULL, STR("p"), STR("approved"), &res_, NULL), v, {
        version_of(&v, 0, id, sizeof id);
        CHECK(strcmp(id, "v3") == 0);
    });
    bool removed = false;
    CHECK_STATUS(treestore_version_untag(db, NULL, STR("p"), STR("approved"), &removed, NULL), TREESTORE_OK);
    CHECK(removed);
    CHECK_STATUS(treestore_version_untag(db, NULL, STR("p"), STR("approved"), &removed, NULL), TREESTORE_OK);
    CHECK(!removed);
    CHECK_STATUS(treestore_version_untag(db, NULL, STR("p"), STR("approved"), NULL, NULL), TREESTORE_OK);
    CHECK_ERR(treestore_version_get_by_tag(db, NULL, STR("p"), STR("approved"), &res, &test_err), TREESTORE_NOT_FOUND, "approved");
    CHECK_ERR(treestore_version_tag(db, NULL, STR("p"), STR("v9"), STR("x"), &test_err), TREESTORE_NOT_FOUND, "v9");
    CHECK_ERR(treestore_version_tag(db, NULL, STR("p"), STR("v1"), NULL, 0, &test_err), TREESTORE_INVALID_ARGUMENT, "tag");

    /* The diff: added and removed nodes, and the changed ones with the fields that differ. */
    WITH_VIEW(treestore_version_diff(db, NULL, STR("p"), STR("v1"), STR("v2"), &res_, NULL), v, {
        const treestore_record *d = rec_at(&v, 0);
        CHECK(v.top_records == 1 && str_eq(d->kind, "version_diff"));
        CHECK(field_str_is(&v, d, "from_version", "v1") && field_str_is(&v, d, "to_version", "v2"));
        const treestore_field *added = rec_field(&v, d, "added");
        const treestore_field *gone = rec_field(&v, d, "removed");
        const treestore_field *changed = rec_field(&v, d, "changed");
        CHECK(added && added->kind == TREESTORE_VALUE_RECORDS && added->count == 1);
        CHECK(gone && gone->count == 1 && changed && changed->count == 1);
        if (added && gone && changed && added->count == 1 && gone->count == 1 && changed->count == 1) {
            CHECK(str_eq(rec_at(&v, added->first)->kind, "node_change"));
            CHECK(field_str_is(&v, rec_at(&v, added->first), "node_id", "c"));
            CHECK(field_str_is(&v, rec_at(&v, added->first), "title", "Vision"));
            CHECK(field_str_is(&v, rec_at(&v, gone->first), "node_id", "b"));
            const treestore_record *a = rec_at(&v, changed->first);
            CHECK(field_str_is(&v, a, "node_id", "a"));
            const treestore_field *fields = rec_field(&v, a, "fields");
            CHECK(fields && fields->kind == TREESTORE_VALUE_STR_LIST && fields->count == 1 &&
                  str_eq(v.strings[fields->first], "text"));
        }
    });
    CHECK_ERR(treestore_version_diff(db, NULL, STR("p"), STR("v1"), STR("v7"), &res, &test_err), TREESTORE_NOT_FOUND, "v7");

    /* Policies: "p" and "q", in id order, a page at a time. */
    char pcursor[64];
    CHECK_STATUS(treestore_policy_list(db, NULL, 1, NULL, 0, &res, NULL), TREESTORE_OK);
    {
        const treestore_str *items = NULL;
        size_t n = 0;
        CHECK_STATUS(treestore_result_strings(res, &items, &n, NULL), TREESTORE_OK);
        CHECK(n == 1 && str_eq(items[0], "p"));
    }
    CHECK(take_count(res, pcursor, sizeof pcursor) == 0 && strcmp(pcursor, "p") == 0);
    CHECK_STATUS(treestore_policy_list(db, NULL, 1, STR(pcursor), &res, NULL), TREESTORE_OK);
    {
        const treestore_str *items = NULL;
        size_t n = 0;
        CHECK_STATUS(treestore_result_strings(res, &items, &n, NULL), TREESTORE_OK);
        CHECK(n == 1 && str_eq(items[0], "q"));
    }
    CHECK(take_count(res, pcursor, sizeof pcursor) == 0 && pcursor[0] == 0);
    CHECK_STATUS(treestore_policy_list(db, NULL, 0, NULL, 0, &res, NULL), TREESTORE_OK);
    {
        const treestore_str *items = NULL;
        size_t n = 0;
        CHECK_STATUS(treestore_result_strings(res, &items, &n, NULL), TREESTORE_OK);
        CHECK(n == 2 && str_eq(items[0], "p") && str_eq(items[1], "q"));
    }
    treestore_result_free(res);
    res = NULL;
    CHECK_ERR(treestore_policy_list(db, NULL, 0, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "cursor");
    CHECK_ERR(treestore_policy_list(db, NULL, 0, NULL, 0, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_policy_list(NULL, NULL, 0, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "`db`");

    /* Errors: not found, bad arguments, each named. */
    CHECK_ERR(treestore_version_get(db, NULL, STR("p"), STR("v9"), &res, &test_err), TREESTORE_NOT_FOUND, "version v9");
    CHECK_ERR(treestore_version_latest(db, NULL, STR("nobody"), &res, &test_err), TREESTORE_NOT_FOUND, "nobody");
    CHECK_ERR(treestore_version_list(db, NULL, STR("p"), 1, STR("zz"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "cursor");
    CHECK_ERR(treestore_version_list(db, NULL, NULL, 1, 0, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "policy_id");
    CHECK_ERR(treestore_version_list(db, NULL, STR("p"), 0, NULL, 0, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_version_get(db, NULL, STR("p"), BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "version_id");
    CHECK_ERR(treestore_version_get_by_tag(db, NULL, STR("p"), BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "tag");
    CHECK_ERR(treestore_version_latest(NULL, NULL, STR("p"), &res, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK_ERR(treestore_version_as_of(db, NULL, BAD_UTF8, 3, 0, &res, &test_err), TREESTORE_INVALID_UTF8, "policy_id");
    CHECK_ERR(treestore_version_diff(db, NULL, STR("p"), NULL, 1, STR("v2"), &res, &test_err), TREESTORE_NULL_PARAMETER, "from_version");
    CHECK_ERR(treestore_version_untag(db, NULL, STR("p"), BAD_UTF8, 3, NULL, &test_err), TREESTORE_INVALID_UTF8, "tag");
    CHECK(res == NULL);
}

/* Whether every hit record of `v` names the node at the same index. */
static int hits_match_nodes(const treestore_result_view *v) {
    if (v->nodes_len != v->top_records) return 0;
    for (size_t i = 0; i < v->top_records; i++) {
        const treestore_record *h = rec_at(v, i);
        const treestore_field *id = rec_field(v, h, "node_id");
        const treestore_field *policy = rec_field(v, h, "policy_id");
        if (!str_eq(h->kind, "search_hit") || !id || !policy) return 0;
        if (id->str_value.len != v->nodes[i].node_id.len ||
            memcmp(id->str_value.ptr, v->nodes[i].node_id.ptr, id->str_value.len) != 0)
            return 0;
        if (policy->str_value.len != v->nodes[i].policy_id.len) return 0;
    }
    return 1;
}

static void test_search(treestore_db *db) {
    treestore_result_view v;
    WITH_VIEW(treestore_search(db, NULL, NULL, 0, NULL, 0, STR("authorization"), 0, 0, 60, true, &res_, NULL), v, {
        CHECK(v.top_records == 2 && hits_match_nodes(&v));
        const treestore_record *h = rec_at(&v, 0);
        const treestore_field *score = rec_field(&v, h, "score");
        CHECK(score && score->kind == TREESTORE_VALUE_FLOAT && score->float_value > 0);
        const treestore_field *terms = rec_field(&v, h, "matched_terms");
        CHECK(terms && terms->kind == TREESTORE_VALUE_STR_LIST && terms->count == 1 && str_eq(v.strings[terms->first], "author"));
        const treestore_field *snip = rec_field(&v, h, "snippet");
        CHECK(snip && snip->kind == TREESTORE_VALUE_STR && snip->str_value.len > 0);
        CHECK(snip && memmem(snip->str_value.ptr, snip->str_value.len, "<b>authorization</b>", 20) != NULL);
        CHECK((v.nodes[0].flags & TREESTORE_NODE_HAS_TEXT) && (v.nodes[1].flags & TREESTORE_NODE_HAS_TEXT));
        CHECK(v.nodes[0].text.len + v.nodes[1].text.len > 0);
        /* The other hit matched the summary: its snippet comes from there. */
        const treestore_field *snip2 = rec_field(&v, rec_at(&v, 1), "snippet");
        CHECK(snip2 && snip2->str_value.ptr && memmem(snip2->str_value.ptr, snip2->str_value.len, "<b>", 3) != NULL);
    });
    /* Within one version of one policy; no snippet, no text. */
    WITH_VIEW(treestore_search(db, NULL, STR("p"), STR("v2"), STR("imaging OR vision"), 10, 0, 0, false, &res_, NULL), v, {
        CHECK(v.top_records == 2 && hits_match_nodes(&v));
        CHECK(field_kind(&v, rec_at(&v, 0), "snippet") == TREESTORE_VALUE_NULL);
        CHECK(v.nodes[0].text.ptr == NULL && !(v.nodes[0].flags & TREESTORE_NODE_HAS_TEXT));
        CHECK(str_eq(v.nodes[0].version_id, "v2") && str_eq(v.nodes[1].version_id, "v2"));
    });
    /* Paging: offset 1, limit 1 is the second hit. */
    char first[16] = "", second[16] = "";
    WITH_VIEW(treestore_search(db, NULL, STR("p"), NULL, 0, STR("imaging"), 2, 0, 0, false, &res_, NULL), v, {
        CHECK(v.top_records == 2);
        field_copy(&v, rec_at(&v, 1), "version_id", second, sizeof second);
    });
    WITH_VIEW(treestore_search(db, NULL, STR("p"), NULL, 0, STR("imaging"), 1, 1, 0, false, &res_, NULL), v, {
        CHECK(v.top_records == 1);
        field_copy(&v, rec_at(&v, 0), "version_id", first, sizeof first);
    });
    CHECK(strcmp(first, second) == 0 && first[0] != 0);
    WITH_VIEW(treestore_search(db, NULL, NULL, 0, NULL, 0, STR("zebra"), 0, 0, 60, true, &res_, NULL), v, CHECK(v.top_records == 0 && v.nodes_len == 0));

    /* search_all: scopes and weights as JSON. */
    WITH_VIEW(treestore_search_all(db, NULL, STR("authorization OR imaging"), STR("{\"scopes\": [{\"policy_id\": \"q\"}, {\"policy_id\": \"p\", \"version_id\": \"v3\"}], \"limit\": 5, \"weights\": {\"summary\": 10}}"), 40, false, &res_, NULL), v, {
        CHECK(v.top_records == 2 && hits_match_nodes(&v));
        CHECK(field_str_is(&v, rec_at(&v, 0), "policy_id", "q"));
    });
    WITH_VIEW(treestore_search_all(db, NULL, STR("imaging"), NULL, 0, 0, false, &res_, NULL), v, CHECK(v.top_records == 3));

    treestore_result *res = NULL;
    CHECK_ERR(treestore_search(db, NULL, NULL, 0, STR("v1"), STR("x"), 0, 0, 0, false, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "version_id needs policy_id");
    CHECK_ERR(treestore_search(db, NULL, NULL, 0, NULL, 0, STR("imaging AND"), 0, 0, 0, false, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "character");
    CHECK_ERR(treestore_search(db, NULL, NULL, 0, NULL, 0, STR("x"), 100001, 0, 0, false, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "limit");
    CHECK_ERR(treestore_search(db, NULL, NULL, 0, NULL, 0, BAD_UTF8, 3, 0, 0, 0, false, &res, &test_err), TREESTORE_INVALID_UTF8, "query");
    CHECK_ERR(treestore_search(db, NULL, NULL, 0, NULL, 0, NULL, 1, 0, 0, 0, false, &res, &test_err), TREESTORE_NULL_PARAMETER, "query");
    CHECK_ERR(treestore_search(db, NULL, NULL, 0, NULL, 0, STR("x"), 0, 0, 0, false, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_search(NULL, NULL, NULL, 0, NULL, 0, STR("x"), 0, 0, 0, false, &res, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK_ERR(treestore_search_all(db, NULL, STR("x"), STR("{\"policy_id\": \"p\", \"scopes\": [{\"policy_id\": \"q\"}]}"), 0, false, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "scopes");
    CHECK_ERR(treestore_search_all(db, NULL, STR("x"), STR("{\"scopes\": [{}]}"), 0, false, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "scopes[0]");
    CHECK_ERR(treestore_search_all(db, NULL, STR("x"), STR("{\n\"limit\": }"), 0, false, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "line 2, column 10");
    CHECK_ERR(treestore_search_all(db, NULL, STR("x"), BAD_UTF8, 3, 0, false, &res, &test_err), TREESTORE_INVALID_UTF8, "options_json");
    CHECK_ERR(treestore_search_all(db, NULL, STR("x"), STR("{\"weights\": {\"text\": -1}}"), 0, false, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "weight of field text");
    CHECK(res == NULL);

    /* Settings: weights change at any time; stemming no longer (nodes are indexed under it). */
    treestore_result_view sv;
    WITH_VIEW(treestore_search_settings_set(db, NULL, STR("{\"weights\": {\"title\": 5}}"), &res_, NULL), sv, {
        const treestore_field *w = rec_field(&sv, rec_at(&sv, 0), "weights");
        CHECK(w && w->count == 1);
        if (w && w->count == 1) {
            const treestore_record *wr = rec_at(&sv, w->first);
            CHECK(rec_field(&sv, wr, "title")->float_value == 5.0);
            CHECK(rec_field(&sv, wr, "summary")->float_value == 1.5);
        }
        CHECK(field_str_is(&sv, rec_at(&sv, 0), "stemming", "porter"));
    });
    CHECK_ERR(treestore_search_settings_set(db, NULL, STR("{\"stemming\": \"none\"}"), NULL, &test_err), TREESTORE_INVALID_ARGUMENT, "stemming");
    CHECK_ERR(treestore_search_settings_set(db, NULL, STR("{\"stemming\": \"snowball\"}"), NULL, &test_err), TREESTORE_INVALID_ARGUMENT, "snowball");
    CHECK_ERR(treestore_search_settings_set(db, NULL, STR("{\"weights\": {\"title\": 1e9}}"), NULL, &test_err), TREESTORE_INVALID_ARGUMENT, "weight of field title");
    CHECK_ERR(treestore_search_settings_set(db, NULL, STR("{\"weights\": 3}"), NULL, &test_err), TREESTORE_INVALID_ARGUMENT, "weights");
    CHECK_ERR(treestore_search_settings_set(db, NULL, STR("{\"stemming\""), NULL, &test_err), TREESTORE_INVALID_ARGUMENT, "line 1, column 11");
    CHECK_ERR(treestore_search_settings_set(db, NULL, NULL, 0, NULL, &test_err), TREESTORE_NULL_PARAMETER, "json");
    CHECK_ERR(treestore_search_settings_get(db, NULL, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_search_settings_get(NULL, NULL, &res, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
}

static void test_transactions(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    treestore_txn *r = NULL;
    CHECK_STATUS(treestore_txn_begin(db, false, &r, NULL), TREESTORE_OK);
    WITH_VIEW(treestore_version_list(db, r, STR("p"), 0, NULL, 0, &res_, NULL), v, CHECK(v.top_records == 3));
    WITH_VIEW(treestore_search(db, r, NULL, 0, NULL, 0, STR("imaging"), 0, 0, 0, false, &res_, NULL), v, CHECK(v.top_records == 3));
    WITH_VIEW(treestore_search_settings_get(db, r, &res_, NULL), v, CHECK(v.top_records == 1));
    CHECK_ERR(treestore_version_tag(db, r, STR("p"), STR("v1"), STR("t"), &test_err), TREESTORE_READ_ONLY, "read transaction");
    CHECK_ERR(treestore_version_untag(db, r, STR("p"), STR("t"), NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_search_settings_set(db, r, STR("{}"), NULL, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_STATUS(treestore_txn_commit(r, NULL), TREESTORE_OK);
    CHECK_ERR(treestore_version_latest(db, r, STR("p"), &res, &test_err), TREESTORE_CLOSED, "already committed");
    CHECK_ERR(treestore_version_diff(db, r, STR("p"), STR("v1"), STR("v2"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_search(db, r, NULL, 0, NULL, 0, STR("x"), 0, 0, 0, false, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_search_all(db, r, STR("x"), NULL, 0, 0, false, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_version_get(db, r, STR("p"), STR("v1"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_version_get_by_tag(db, r, STR("p"), STR("t"), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_version_as_of(db, r, STR("p"), 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    treestore_txn_free(r);
    CHECK(res == NULL);

    /* A tag in a rolled-back write transaction never happened; the transaction saw it. */
    treestore_txn *w = NULL;
    CHECK_STATUS(treestore_txn_begin(db, true, &w, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_version_tag(db, w, STR("p"), STR("v1"), STR("rb"), NULL), TREESTORE_OK);
    WITH_VIEW(treestore_version_get_by_tag(db, w, STR("p"), STR("rb"), &res_, NULL), v, CHECK(v.top_records == 1));
    treestore_txn_free(w);
    CHECK_STATUS(treestore_version_get_by_tag(db, NULL, STR("p"), STR("rb"), &res, NULL), TREESTORE_NOT_FOUND);
}

int main(void) {
    treestore_db *db = check_open_db("versions");
    if (!db) return 2;
    test_settings_before_indexing(db);
    test_versions(db);
    test_search(db);
    test_transactions(db);
    return check_finish(db);
}
