/* The DocumentStore through the C ABI: storing versions (one or a batch), every node read (by id,
 * batch, children, subtree, ancestors, page, pages, section path), the paged structure, deletion,
 * and PageIndex import/export round trips. Error paths: NULL arguments, invalid UTF-8, malformed
 * JSON (line and column), validation errors naming the node and the field, not found, a
 * read-only transaction, a transaction used after it ended. A 1,000-node subtree is read in three
 * calls (query, read, free). */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <treestore.h>

#include "check.h"

/* r (Policy) -> a (pages 1-3), b (pages 4-6) -> b1 (page 5, see_also a, metadata). */
static const char *DOC_V1 =
    "{\"document\": {\"policy_id\": \"p1\", \"version_id\": \"v1\", \"created_at\": \"2024-01-01T00:00:00Z\","
    "  \"description\": \"first\", \"tags\": [\"draft\"], \"metadata\": {\"owner\": \"ops\"}},"
    " \"nodes\": ["
    "  {\"node_id\": \"r\", \"title\": \"Policy\", \"text\": \"root text\"},"
    "  {\"node_id\": \"a\", \"parent_id\": \"r\", \"title\": \"Scope\", \"page_start\": 1, \"page_end\": 3,"
    "   \"summary\": \"Who is covered by the policy\", \"text\": \"Members and dependants are covered.\"},"
    "  {\"node_id\": \"b\", \"parent_id\": \"r\", \"title\": \"Benefits\", \"page_start\": 4, \"page_end\": 6},"
    "  {\"node_id\": \"b1\", \"parent_id\": \"b\", \"title\": \"Imaging\", \"page_start\": 5, \"page_end\": 5,"
    "   \"see_also\": [\"a\"], \"metadata\": {\"k\": \"v\"}, \"created_at\": 1700000000000000,"
    "   \"text\": \"MRI and CT scans need prior authorization from the plan, in writing, before the scan.\"}]}";

static const treestore_node *node_at(const treestore_result_view *v, size_t i) {
    static const treestore_node none;
    return i < v->nodes_len ? &v->nodes[i] : &none;
}

/* Whether the nodes of `v` have exactly the ids `want` (a space-separated list), in order. */
static int node_ids_are(const treestore_result_view *v, const char *want) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", want);
    size_t i = 0;
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " "), i++) {
        if (i >= v->nodes_len || !str_eq(v->nodes[i].node_id, tok)) {
            fprintf(stderr, "  node %zu is not %s\n", i, tok);
            return 0;
        }
    }
    if (i != v->nodes_len) fprintf(stderr, "  %zu nodes, expected %zu\n", v->nodes_len, i);
    return i == v->nodes_len;
}

/* Runs a node query into `*res` and reads it into `v`. */
#define QUERY(call, v)                                                                 \
    do {                                                                               \
        CHECK_STATUS(call, TREESTORE_OK);                                              \
        CHECK_STATUS(view_of(res, &(v)), TREESTORE_OK);                                \
    } while (0)

static void test_store_and_read(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    QUERY(treestore_document_store(db, NULL, STR(DOC_V1), &res, NULL), v);
    const treestore_record *ver = rec_at(&v, 0);
    CHECK(v.top_records == 1 && str_eq(ver->kind, "version") && v.nodes_len == 0);
    CHECK(field_str_is(&v, ver, "policy_id", "p1") && field_str_is(&v, ver, "version_id", "v1"));
    CHECK(field_str_is(&v, ver, "root_node_id", "r"));
    CHECK(field_int(&v, ver, "created_at") == 1704067200000000LL);
    CHECK(field_kind(&v, ver, "updated_at") == TREESTORE_VALUE_TIME && field_int(&v, ver, "updated_at") > 0);
    CHECK(field_kind(&v, ver, "effective_end") == TREESTORE_VALUE_NULL);
    const treestore_field *tags = rec_field(&v, ver, "tags");
    CHECK(tags && tags->kind == TREESTORE_VALUE_STR_LIST && tags->count == 1 && str_eq(v.strings[tags->first], "draft"));
    const treestore_field *md = rec_field(&v, ver, "metadata");
    CHECK(md && md->kind == TREESTORE_VALUE_STR_MAP && md->count == 1 && str_eq(v.kvs[md->first].value, "ops"));
    treestore_result_free(res);

    /* The whole version: the version record and every node in pre-order, with text. */
    QUERY(treestore_document_get(db, NULL, STR("p1"), STR("v1"), &res, NULL), v);
    CHECK(v.top_records == 1 && str_eq(rec_at(&v, 0)->kind, "version"));
    CHECK(node_ids_are(&v, "r a b b1"));
    const treestore_node *r = node_at(&v, 0), *b1 = node_at(&v, 3);
    CHECK(r->parent_id.ptr == NULL && r->depth == 0 && str_eq(r->section_path, ""));
    CHECK(r->child_count == 2 && str_eq(v.strings[r->child_first], "a") && str_eq(v.strings[r->child_first + 1], "b"));
    CHECK(!(r->flags & TREESTORE_NODE_HAS_PAGE_START) && (r->flags & TREESTORE_NODE_HAS_TEXT));
    CHECK(str_eq(r->text, "root text") && r->summary.ptr == NULL);
    CHECK(str_eq(b1->parent_id, "b") && b1->depth == 2 && str_eq(b1->section_path, "2.1"));
    CHECK(b1->page_start == 5 && b1->page_end == 5 && (b1->flags & TREESTORE_NODE_HAS_PAGE_END));
    CHECK(b1->see_also_count == 1 && str_eq(v.strings[b1->see_also_first], "a"));
    CHECK(b1->metadata_count == 1 && str_eq(v.kvs[b1->metadata_first].key, "k") && str_eq(v.kvs[b1->metadata_first].value, "v"));
    CHECK(b1->created_at == 1700000000000000LL && b1->child_count == 0);
    CHECK(str_eq(b1->policy_id, "p1") && str_eq(b1->version_id, "v1"));
    CHECK(str_eq(node_at(&v, 1)->summary, "Who is covered by the policy"));
    CHECK(v.total == 4);
    treestore_result_free(res);
    /* NULL version: the latest. */
    QUERY(treestore_document_get(db, NULL, STR("p1"), NULL, 0, &res, NULL), v);
    CHECK(v.nodes_len == 4);
    treestore_result_free(res);

    QUERY(treestore_node_get(db, NULL, STR("p1"), NULL, 0, STR("b1"), &res, NULL), v);
    CHECK(v.top_records == 0 && node_ids_are(&v, "b1") && node_at(&v, 0)->text.len > 20);
    treestore_result_free(res);

    QUERY(treestore_node_get_batch(db, NULL, STR("p1"), STR("v1"), STR("[\"b1\", \"missing\", \"a\"]"), true, &res, NULL), v);
    CHECK(node_ids_are(&v, "b1 a") && (node_at(&v, 1)->flags & TREESTORE_NODE_HAS_TEXT));
    treestore_result_free(res);
    QUERY(treestore_node_get_batch(db, NULL, STR("p1"), NULL, 0, STR("[\"a\"]"), false, &res, NULL), v);
    CHECK(node_ids_are(&v, "a") && node_at(&v, 0)->text.ptr == NULL && !(node_at(&v, 0)->flags & TREESTORE_NODE_HAS_TEXT));
    treestore_result_free(res);
    QUERY(treestore_node_get_batch(db, NULL, STR("p1"), NULL, 0, STR("[]"), false, &res, NULL), v);
    CHECK(v.nodes_len == 0);
    treestore_result_free(res);

    QUERY(treestore_node_children(db, NULL, STR("p1"), NULL, 0, NULL, 0, false, &res, NULL), v);
    CHECK(node_ids_are(&v, "a b"));
    treestore_result_free(res);
    QUERY(treestore_node_children(db, NULL, STR("p1"), STR("v1"), STR("b"), true, &res, NULL), v);
    CHECK(node_ids_are(&v, "b1") && node_at(&v, 0)->text.len > 0);
    treestore_result_free(res);

    QUERY(treestore_node_subtree(db, NULL, STR("p1"), NULL, 0, STR("r"), 1, false, &res, NULL), v);
    CHECK(node_ids_are(&v, "r a b"));
    treestore_result_free(res);
    QUERY(treestore_node_subtree(db, NULL, STR("p1"), NULL, 0, STR("r"), 0, true, &res, NULL), v);
    CHECK(node_ids_are(&v, "r a b b1") && str_eq(node_at(&v, 0)->text, "root text"));
    treestore_result_free(res);

    QUERY(treestore_node_ancestors(db, NULL, STR("p1"), NULL, 0, STR("b1"), false, &res, NULL), v);
    CHECK(node_ids_are(&v, "r b b1"));
    treestore_result_free(res);

    QUERY(treestore_node_by_page(db, NULL, STR("p1"), NULL, 0, 5, false, &res, NULL), v);
    CHECK(node_ids_are(&v, "b b1"));
    treestore_result_free(res);
    QUERY(treestore_node_by_page(db, NULL, STR("p1"), NULL, 0, 100, false, &res, NULL), v);
    CHECK(v.nodes_len == 0);
    treestore_result_free(res);
    QUERY(treestore_node_by_pages(db, NULL, STR("p1"), NULL, 0, STR("1,5-6"), false, &res, NULL), v);
    CHECK(node_ids_are(&v, "a b b1"));
    treestore_result_free(res);

    QUERY(treestore_node_by_section_path(db, NULL, STR("p1"), NULL, 0, STR("2.1"), &res, NULL), v);
    CHECK(node_ids_are(&v, "b1") && (node_at(&v, 0)->flags & TREESTORE_NODE_HAS_TEXT));
    treestore_result_free(res);
    QUERY(treestore_node_by_section_path(db, NULL, STR("p1"), NULL, 0, NULL, 0, &res, NULL), v);
    CHECK(node_ids_are(&v, "r"));
    treestore_result_free(res);

    /* Lookups that find nothing. */
    res = NULL;
    CHECK_ERR(treestore_node_get(db, NULL, STR("p1"), NULL, 0, STR("zz"), &res, &test_err), TREESTORE_NOT_FOUND, "node zz");
    CHECK_ERR(treestore_node_get(db, NULL, STR("nope"), NULL, 0, STR("r"), &res, &test_err), TREESTORE_NOT_FOUND, "nope");
    CHECK_ERR(treestore_node_get(db, NULL, STR("p1"), STR("v9"), STR("r"), &res, &test_err), TREESTORE_NOT_FOUND, "v9");
    CHECK_ERR(treestore_node_children(db, NULL, STR("p1"), NULL, 0, STR("zz"), false, &res, &test_err), TREESTORE_NOT_FOUND, "zz");
    CHECK_ERR(treestore_node_subtree(db, NULL, STR("p1"), NULL, 0, STR("zz"), 0, false, &res, &test_err), TREESTORE_NOT_FOUND, "zz");
    CHECK_ERR(treestore_node_ancestors(db, NULL, STR("p1"), NULL, 0, STR("zz"), false, &res, &test_err), TREESTORE_NOT_FOUND, "zz");
    CHECK_ERR(treestore_node_by_section_path(db, NULL, STR("p1"), NULL, 0, STR("9.9"), &res, &test_err), TREESTORE_NOT_FOUND, "9.9");
    CHECK_ERR(treestore_document_get(db, NULL, STR("nope"), NULL, 0, &res, &test_err), TREESTORE_NOT_FOUND, "nope");
    CHECK_ERR(treestore_node_get_batch(db, NULL, STR("nope"), NULL, 0, STR("[\"r\"]"), false, &res, &test_err), TREESTORE_NOT_FOUND, NULL);
    /* Bad arguments. */
    CHECK_ERR(treestore_node_by_page(db, NULL, STR("p1"), NULL, 0, -1, false, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "page -1");
    CHECK_ERR(treestore_node_by_pages(db, NULL, STR("p1"), NULL, 0, STR("3-x"), false, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "3-x");
    CHECK_ERR(treestore_node_get_batch(db, NULL, STR("p1"), NULL, 0, STR("[\"a\", 7]"), false, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "item 1");
    CHECK_ERR(treestore_node_get_batch(db, NULL, STR("p1"), NULL, 0, STR("{\"a\": 1}"), false, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "list of strings");
    CHECK_ERR(treestore_node_get_batch(db, NULL, STR("p1"), NULL, 0, STR("[\"a\""), false, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "line 1, column 4");
    CHECK_ERR(treestore_node_get_batch(db, NULL, STR("p1"), NULL, 0, NULL, 0, false, &res, &test_err), TREESTORE_NULL_PARAMETER, "ids_json");
    CHECK(res == NULL);
}

static void test_structure(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    char cursor[64] = {0}, copy[64];
    QUERY(treestore_document_structure(db, NULL, STR("p1"), STR("v1"), 3, 2, NULL, 0, &res, NULL), v);
    CHECK(str_eq(rec_at(&v, 0)->kind, "version") && node_ids_are(&v, "r a"));
    CHECK(v.total == 4 && v.next_cursor.ptr != NULL && v.next_cursor.len < sizeof cursor);
    CHECK(str_eq(node_at(&v, 1)->summary, "Who") && node_at(&v, 1)->text.ptr == NULL);
    CHECK(!(node_at(&v, 1)->flags & TREESTORE_NODE_HAS_TEXT));
    if (v.next_cursor.ptr) memcpy(cursor, v.next_cursor.ptr, v.next_cursor.len);
    treestore_result_free(res);
    snprintf(copy, sizeof copy, "%s", cursor);
    QUERY(treestore_document_structure(db, NULL, STR("p1"), NULL, 0, -1, 2, STR(copy), &res, NULL), v);
    CHECK(node_ids_are(&v, "b b1") && v.next_cursor.ptr == NULL && v.total == 4);
    treestore_result_free(res);
    QUERY(treestore_document_structure(db, NULL, STR("p1"), NULL, 0, 0, 0, NULL, 0, &res, NULL), v);
    CHECK(v.nodes_len == 4 && node_at(&v, 1)->summary.ptr == NULL);
    treestore_result_free(res);
    res = NULL;
    CHECK_ERR(treestore_document_structure(db, NULL, STR("p1"), NULL, 0, -1, 2, STR("junk"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "cursor");
    CHECK_ERR(treestore_document_structure(db, NULL, STR("p1"), NULL, 0, -1, 2, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "cursor");
    CHECK_ERR(treestore_document_structure(db, NULL, STR("p1"), NULL, 0, -1, 2, NULL, 0, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK(res == NULL);
}

static void test_store_errors(treestore_db *db) {
    treestore_result *res = NULL;
    const char *orphan =
        "{\"document\": {\"policy_id\": \"e\", \"version_id\": \"v\"}, \"nodes\": ["
        " {\"node_id\": \"r\"}, {\"node_id\": \"x\", \"parent_id\": \"ghost\"}]}";
    CHECK_ERR(treestore_document_store(db, NULL, STR(orphan), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "node x: field parent_id");
    const char *pages =
        "{\"document\": {\"policy_id\": \"e\", \"version_id\": \"v\"}, \"nodes\": ["
        " {\"node_id\": \"r\", \"page_start\": 9, \"page_end\": 2}]}";
    CHECK_ERR(treestore_document_store(db, NULL, STR(pages), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "node r: field page");
    const char *typed =
        "{\"document\": {\"policy_id\": \"e\", \"version_id\": \"v\"}, \"nodes\": ["
        " {\"node_id\": \"r\"}, {\"node_id\": \"y\", \"parent_id\": \"r\", \"title\": 5}]}";
    CHECK_ERR(treestore_document_store(db, NULL, STR(typed), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "nodes[1] (node y): node: field title");
    CHECK_ERR(treestore_document_store(db, NULL, STR("{\"document\": {\"policy_id\": \"e\"}, \"nodes\": []}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field version_id: is required");
    CHECK_ERR(treestore_document_store(db, NULL, STR("{\"nodes\": []}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "field document");
    CHECK_ERR(treestore_document_store(db, NULL, STR("{\"document\": {\"policy_id\": \"e\", \"version_id\": \"v\"}, \"nodes\": []}"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "no nodes");
    CHECK_ERR(treestore_document_store(db, NULL, STR("{\n  \"document\": {\n    \"policy_id\": ,\n"), &res, &test_err), TREESTORE_INVALID_ARGUMENT, "line 3, column 18");
    CHECK_ERR(treestore_document_store(db, NULL, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "json");
    CHECK_ERR(treestore_document_store(db, NULL, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "json");
    CHECK_ERR(treestore_document_store(db, NULL, STR(DOC_V1), NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_document_store(NULL, NULL, STR(DOC_V1), &res, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK(res == NULL);
    CHECK_STATUS(treestore_document_get(db, NULL, STR("e"), NULL, 0, &res, NULL), TREESTORE_NOT_FOUND);

    /* NULL and invalid UTF-8 in the read arguments, each named. */
    CHECK_ERR(treestore_node_get(db, NULL, NULL, 2, NULL, 0, STR("r"), &res, &test_err), TREESTORE_NULL_PARAMETER, "policy_id");
    CHECK_ERR(treestore_node_get(db, NULL, STR("p1"), BAD_UTF8, 3, STR("r"), &res, &test_err), TREESTORE_INVALID_UTF8, "version_id");
    CHECK_ERR(treestore_node_get(db, NULL, STR("p1"), NULL, 0, BAD_UTF8, 3, &res, &test_err), TREESTORE_INVALID_UTF8, "node_id");
    CHECK_ERR(treestore_node_get(db, NULL, STR("p1"), NULL, 0, STR("r"), NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_node_get(NULL, NULL, STR("p1"), NULL, 0, STR("r"), &res, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK_ERR(treestore_node_children(db, NULL, STR("p1"), NULL, 0, BAD_UTF8, 3, false, &res, &test_err), TREESTORE_INVALID_UTF8, "parent_id");
    CHECK_ERR(treestore_node_subtree(db, NULL, STR("p1"), NULL, 0, NULL, 1, 0, false, &res, &test_err), TREESTORE_NULL_PARAMETER, "node_id");
    CHECK_ERR(treestore_node_ancestors(db, NULL, STR("p1"), NULL, 0, STR("b1"), false, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_node_by_page(NULL, NULL, STR("p1"), NULL, 0, 1, false, &res, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
    CHECK_ERR(treestore_node_by_pages(db, NULL, STR("p1"), NULL, 0, BAD_UTF8, 3, false, &res, &test_err), TREESTORE_INVALID_UTF8, "spec");
    CHECK_ERR(treestore_node_by_section_path(db, NULL, BAD_UTF8, 3, NULL, 0, STR("1"), &res, &test_err), TREESTORE_INVALID_UTF8, "policy_id");
    CHECK_ERR(treestore_document_get(db, NULL, STR("p1"), NULL, 0, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_document_delete(db, NULL, NULL, 1, NULL, 0, NULL, &test_err), TREESTORE_NULL_PARAMETER, "policy_id");
    CHECK(res == NULL);
}

static void test_batch_and_delete(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    const char *batch =
        "[{\"document\": {\"policy_id\": \"p2\", \"version_id\": \"v1\"}, \"nodes\": [{\"node_id\": \"r\", \"title\": \"Two\"}]},"
        " {\"document\": {\"policy_id\": \"p3\", \"version_id\": \"v1\"}, \"nodes\": [{\"node_id\": \"r\", \"title\": \"Three\"}]},"
        " {\"document\": {\"policy_id\": \"p3\", \"version_id\": \"v2\", \"created_at\": \"2030-01-01T00:00:00Z\"},"
        "  \"nodes\": [{\"node_id\": \"r\", \"title\": \"Three again\"}]}]";
    uint64_t count = 0;
    CHECK_STATUS(treestore_document_store_batch(db, NULL, STR(batch), &count, NULL), TREESTORE_OK);
    CHECK(count == 3);
    QUERY(treestore_node_get(db, NULL, STR("p3"), NULL, 0, STR("r"), &res, NULL), v);
    CHECK(str_eq(node_at(&v, 0)->title, "Three again") && str_eq(node_at(&v, 0)->version_id, "v2"));
    treestore_result_free(res);
    /* One bad item rejects the whole batch, named by its index. */
    const char *bad =
        "[{\"document\": {\"policy_id\": \"p4\", \"version_id\": \"v1\"}, \"nodes\": [{\"node_id\": \"r\"}]},"
        " {\"document\": {\"policy_id\": \"p4\", \"version_id\": \"v2\"}, \"nodes\": [{\"title\": \"no id\"}]}]";
    CHECK_ERR(treestore_document_store_batch(db, NULL, STR(bad), &count, &test_err), TREESTORE_INVALID_ARGUMENT, "documents[1]");
    const char *invalid_tree =
        "[{\"document\": {\"policy_id\": \"p4\", \"version_id\": \"v1\"}, \"nodes\": [{\"node_id\": \"r\"}]},"
        " {\"document\": {\"policy_id\": \"p4\", \"version_id\": \"v2\"}, \"nodes\": [{\"node_id\": \"r\"}, {\"node_id\": \"r\"}]}]";
    CHECK_ERR(treestore_document_store_batch(db, NULL, STR(invalid_tree), &count, &test_err), TREESTORE_INVALID_ARGUMENT, "node r");
    CHECK_STATUS(treestore_document_get(db, NULL, STR("p4"), NULL, 0, &res, NULL), TREESTORE_NOT_FOUND);
    CHECK_ERR(treestore_document_store_batch(db, NULL, STR("{\"document\": {}}"), &count, &test_err), TREESTORE_INVALID_ARGUMENT, "JSON list");
    CHECK_ERR(treestore_document_store_batch(db, NULL, STR("[{]"), &count, &test_err), TREESTORE_INVALID_ARGUMENT, "line 1, column 3");
    CHECK_ERR(treestore_document_store_batch(db, NULL, NULL, 0, &count, &test_err), TREESTORE_NULL_PARAMETER, "json");
    CHECK_ERR(treestore_document_store_batch(db, NULL, BAD_UTF8, 3, &count, &test_err), TREESTORE_INVALID_UTF8, "json");
    CHECK_STATUS(treestore_document_store_batch(db, NULL, STR("[]"), NULL, NULL), TREESTORE_OK);

    count = 9;
    CHECK_STATUS(treestore_document_delete(db, NULL, STR("p3"), STR("v1"), &count, NULL), TREESTORE_OK);
    CHECK(count == 1);
    CHECK_STATUS(treestore_document_delete(db, NULL, STR("p3"), STR("v1"), &count, NULL), TREESTORE_OK);
    CHECK(count == 0);
    CHECK_STATUS(treestore_document_store_batch(db, NULL, STR(batch), NULL, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_document_delete(db, NULL, STR("p3"), NULL, 0, &count, NULL), TREESTORE_OK);
    CHECK(count == 2);
    CHECK_STATUS(treestore_document_get(db, NULL, STR("p3"), NULL, 0, &res, NULL), TREESTORE_NOT_FOUND);
    CHECK_STATUS(treestore_document_delete(db, NULL, STR("p2"), NULL, 0, NULL, NULL), TREESTORE_OK);
    CHECK_ERR(treestore_document_delete(db, NULL, STR("p2"), BAD_UTF8, 3, NULL, &test_err), TREESTORE_INVALID_UTF8, "version_id");
    CHECK_ERR(treestore_document_delete(NULL, NULL, STR("p2"), NULL, 0, NULL, &test_err), TREESTORE_NULL_PARAMETER, "`db`");
}

static void test_transactions(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    const char *doc = "{\"document\": {\"policy_id\": \"tx\", \"version_id\": \"v1\"}, \"nodes\": [{\"node_id\": \"r\", \"title\": \"T\"}]}";
    /* A write transaction sees its own documents; rollback drops them. */
    treestore_txn *w = NULL;
    CHECK_STATUS(treestore_txn_begin(db, true, &w, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_document_store(db, w, STR(doc), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    QUERY(treestore_node_get(db, w, STR("tx"), NULL, 0, STR("r"), &res, NULL), v);
    CHECK(node_ids_are(&v, "r"));
    treestore_result_free(res);
    CHECK_STATUS(treestore_txn_rollback(w, NULL), TREESTORE_OK);
    treestore_txn_free(w);
    CHECK_STATUS(treestore_node_get(db, NULL, STR("tx"), NULL, 0, STR("r"), &res, NULL), TREESTORE_NOT_FOUND);

    CHECK_STATUS(treestore_txn_begin(db, true, &w, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_document_store(db, w, STR(doc), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_pageindex_import(db, w, STR("[{\"title\": \"Only\", \"node_id\": \"0000\"}]"), STR("tx2"), STR("v1"), NULL, NULL, NULL, 0, NULL, 0, &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_txn_commit(w, NULL), TREESTORE_OK);
    /* A transaction used after it ended. */
    CHECK_ERR(treestore_node_get(db, w, STR("tx"), NULL, 0, STR("r"), &res, &test_err), TREESTORE_CLOSED, "already committed");
    CHECK_ERR(treestore_document_store(db, w, STR(doc), &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_document_delete(db, w, STR("tx"), NULL, 0, NULL, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_node_subtree(db, w, STR("tx"), NULL, 0, STR("r"), 0, false, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_document_structure(db, w, STR("tx"), NULL, 0, -1, 0, NULL, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    CHECK_ERR(treestore_pageindex_export(db, w, STR("tx2"), NULL, 0, 0, &res, &test_err), TREESTORE_CLOSED, NULL);
    treestore_txn_free(w);
    QUERY(treestore_node_get(db, NULL, STR("tx2"), NULL, 0, STR("0000"), &res, NULL), v);
    CHECK(str_eq(node_at(&v, 0)->title, "Only"));
    treestore_result_free(res);

    /* A read transaction reads every store and refuses every write. */
    treestore_txn *r = NULL;
    CHECK_STATUS(treestore_txn_begin(db, false, &r, NULL), TREESTORE_OK);
    QUERY(treestore_node_children(db, r, STR("p1"), NULL, 0, NULL, 0, false, &res, NULL), v);
    CHECK(node_ids_are(&v, "a b"));
    treestore_result_free(res);
    QUERY(treestore_document_get(db, r, STR("tx"), NULL, 0, &res, NULL), v);
    CHECK(v.nodes_len == 1);
    treestore_result_free(res);
    uint64_t count = 0;
    CHECK_ERR(treestore_document_store(db, r, STR(doc), &res, &test_err), TREESTORE_READ_ONLY, "read transaction");
    CHECK_ERR(treestore_document_store_batch(db, r, STR("[]"), &count, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_document_delete(db, r, STR("tx"), NULL, 0, &count, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_ERR(treestore_pageindex_import(db, r, STR("[]"), STR("x"), STR("v"), NULL, NULL, NULL, 0, NULL, 0, &res, &test_err), TREESTORE_READ_ONLY, NULL);
    CHECK_STATUS(treestore_txn_commit(r, NULL), TREESTORE_OK);
    treestore_txn_free(r);
    CHECK_STATUS(treestore_document_delete(db, NULL, STR("tx"), NULL, 0, NULL, NULL), TREESTORE_OK);
    CHECK_STATUS(treestore_document_delete(db, NULL, STR("tx2"), NULL, 0, NULL, NULL), TREESTORE_OK);
}

/* PageIndex's own format (json.dump(indent=2): non-ASCII escaped), which export reproduces. */
static const char *PAGEINDEX =
    "{\n"
    "  \"doc_name\": \"tiny.pdf\",\n"
    "  \"doc_description\": \"A tiny test document.\",\n"
    "  \"structure\": [\n"
    "    {\n"
    "      \"title\": \"Intro\\u2019s part\",\n"
    "      \"start_index\": 1,\n"
    "      \"end_index\": 2,\n"
    "      \"node_id\": \"0000\",\n"
    "      \"summary\": \"Opening words.\"\n"
    "    },\n"
    "    {\n"
    "      \"title\": \"Body\",\n"
    "      \"start_index\": 2,\n"
    "      \"end_index\": 5,\n"
    "      \"nodes\": [\n"
    "        {\n"
    "          \"title\": \"Detail\",\n"
    "          \"start_index\": 3,\n"
    "          \"end_index\": 4,\n"
    "          \"node_id\": \"0002\"\n"
    "        }\n"
    "      ],\n"
    "      \"node_id\": \"0001\"\n"
    "    }\n"
    "  ]\n"
    "}";

/* Exports `policy` in PageIndex's format and compares it with `want` byte for byte. */
static int exports_as(treestore_db *db, const char *policy, const char *want, size_t want_len) {
    treestore_result *res = NULL;
    if (treestore_pageindex_export(db, NULL, STR(policy), NULL, 0, TREESTORE_PAGEINDEX_PRETTY | TREESTORE_PAGEINDEX_ASCII, &res, NULL) != TREESTORE_OK)
        return 0;
    const treestore_str *items = NULL;
    size_t n = 0;
    int same = treestore_result_strings(res, &items, &n, NULL) == TREESTORE_OK && n == 1 &&
               items[0].len == want_len && memcmp(items[0].ptr, want, want_len) == 0;
    treestore_result_free(res);
    return same;
}

static void test_pageindex(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    int64_t start = 1704067200000000LL;
    QUERY(treestore_pageindex_import(db, NULL, STR(PAGEINDEX), STR("pi"), STR("2024"), &start, NULL, STR("importer"), NULL, 0, &res, NULL), v);
    const treestore_record *ver = rec_at(&v, 0);
    CHECK(str_eq(ver->kind, "version") && field_str_is(&v, ver, "root_node_id", "root"));
    CHECK(field_int(&v, ver, "effective_start") == start && field_kind(&v, ver, "effective_end") == TREESTORE_VALUE_NULL);
    CHECK(field_str_is(&v, ver, "created_by", "importer") && field_str_is(&v, ver, "description", "A tiny test document."));
    treestore_result_free(res);
    QUERY(treestore_node_children(db, NULL, STR("pi"), NULL, 0, NULL, 0, false, &res, NULL), v);
    CHECK(node_ids_are(&v, "0000 0001") && str_eq(node_at(&v, 0)->title, "Intro\xe2\x80\x99s part"));
    treestore_result_free(res);
    QUERY(treestore_node_by_page(db, NULL, STR("pi"), NULL, 0, 3, false, &res, NULL), v);
    CHECK(node_ids_are(&v, "0001 0002"));
    treestore_result_free(res);
    CHECK(exports_as(db, "pi", PAGEINDEX, strlen(PAGEINDEX)));
    /* Compact UTF-8, and the flag check. */
    QUERY(treestore_pageindex_export(db, NULL, STR("pi"), STR("2024"), 0, &res, NULL), v);
    CHECK(v.strings_len == 1 && v.strings[0].len > 10 && v.strings[0].ptr[0] == '{' && v.strings[0].ptr[1] == '"');
    CHECK(memmem(v.strings[0].ptr, v.strings[0].len, "Intro\xe2\x80\x99s", 8) != NULL);
    treestore_result_free(res);
    res = NULL;
    CHECK_ERR(treestore_pageindex_export(db, NULL, STR("pi"), NULL, 0, 8, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "flags");
    CHECK_ERR(treestore_pageindex_export(db, NULL, STR("none"), NULL, 0, 0, &res, &test_err), TREESTORE_NOT_FOUND, "none");
    CHECK_ERR(treestore_pageindex_export(db, NULL, STR("pi"), NULL, 0, 0, NULL, &test_err), TREESTORE_NULL_PARAMETER, "out_result");
    CHECK_ERR(treestore_pageindex_import(db, NULL, STR("{\n  \"structure\": [,]\n}"), STR("pi"), STR("bad"), NULL, NULL, NULL, 0, NULL, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "line 2, column 17");
    CHECK_ERR(treestore_pageindex_import(db, NULL, STR("7"), STR("pi"), STR("bad"), NULL, NULL, NULL, 0, NULL, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "top level");
    CHECK_ERR(treestore_pageindex_import(db, NULL, NULL, 0, STR("pi"), STR("bad"), NULL, NULL, NULL, 0, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "json");
    CHECK_ERR(treestore_pageindex_import(db, NULL, STR("[]"), STR("pi"), NULL, 1, NULL, NULL, NULL, 0, NULL, 0, &res, &test_err), TREESTORE_NULL_PARAMETER, "version_id");
    CHECK_ERR(treestore_pageindex_import(db, NULL, STR("[]"), STR("pi"), NULL, 0, NULL, NULL, NULL, 0, NULL, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "version_id");
    CHECK_ERR(treestore_pageindex_import(db, NULL, STR("[]"), STR("pi"), STR("v"), NULL, NULL, BAD_UTF8, 3, NULL, 0, &res, &test_err), TREESTORE_INVALID_UTF8, "created_by");
    int64_t end = start - 1;
    CHECK_ERR(treestore_pageindex_import(db, NULL, STR(PAGEINDEX), STR("pi"), STR("bad"), &start, &end, NULL, 0, NULL, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "effective_end");
    CHECK(res == NULL);
    CHECK_STATUS(treestore_document_get(db, NULL, STR("pi"), STR("bad"), &res, NULL), TREESTORE_NOT_FOUND);
}

/* The shared PageIndex samples, when present: each imports and exports byte for byte. */
static void test_pageindex_samples(treestore_db *db) {
    const char *env = getenv("TREESTORE_PAGEINDEX_DIR");
    const char *candidates[] = {env, "../shared/data/pageindex", "../../shared/data/pageindex"};
    DIR *d = NULL;
    const char *dir = NULL;
    for (size_t i = 0; i < 3 && !d; i++) {
        if (candidates[i] && (d = opendir(candidates[i]))) dir = candidates[i];
    }
    if (!d) {
        printf("SKIPPED test_pageindex_samples: no shared/data/pageindex beside or above the repository, "
               "and TREESTORE_PAGEINDEX_DIR names none\n");
        return;
    }
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc((size_t)len + 1);
        size_t got = fread(buf, 1, (size_t)len, f);
        fclose(f);
        char policy[64];
        snprintf(policy, sizeof policy, "sample-%d", files++);
        treestore_result *res = NULL;
        CHECK_STATUS(treestore_pageindex_import(db, NULL, (const uint8_t *)buf, got, STR(policy), STR("v1"), NULL, NULL, NULL, 0, NULL, 0, &res, NULL), TREESTORE_OK);
        treestore_result_free(res);
        if (!exports_as(db, policy, buf, got)) {
            CHECK(!"sample exports byte for byte");
            fprintf(stderr, "  %s\n", path);
        } else {
            CHECK(1);
        }
        free(buf);
    }
    closedir(d);
    printf("pageindex samples: %d files from %s\n", files, dir);
    CHECK(files > 0);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 1,000 nodes: a root, 9 chapters, 111 sections each (the last chapter 112)... read back whole in
 * one subtree call; the call count is what an SDK pays per tree. */
static void test_thousand_node_subtree(treestore_db *db) {
    size_t cap = 1 << 20, len = 0;
    char *json = malloc(cap);
    len += (size_t)snprintf(json + len, cap - len, "{\"document\": {\"policy_id\": \"big\", \"version_id\": \"v1\"}, \"nodes\": [{\"node_id\": \"n0\", \"title\": \"Root\"}");
    for (int i = 1; i < 1000; i++) {
        int parent = i <= 9 ? 0 : 1 + (i - 10) % 9;
        len += (size_t)snprintf(json + len, cap - len,
                                ",{\"node_id\": \"n%d\", \"parent_id\": \"n%d\", \"title\": \"Section %d\", \"page_start\": %d, \"page_end\": %d, \"text\": \"Body of section %d, long enough to be stored out of line in the text table.\", \"metadata\": {\"i\": \"%d\"}}",
                                i, parent, i, i, i + 1, i, i);
    }
    len += (size_t)snprintf(json + len, cap - len, "]}");
    treestore_result *res = NULL;
    CHECK_STATUS(treestore_document_store(db, NULL, (const uint8_t *)json, len, &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    free(json);

    double t0 = now_ms();
    int calls = 0;
    treestore_result_view v;
    CHECK_STATUS(treestore_node_subtree(db, NULL, STR("big"), NULL, 0, STR("n0"), 0, true, &res, NULL), TREESTORE_OK);
    calls++;
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    calls++;
    CHECK(v.nodes_len == 1000);
    size_t texts = 0, children = 0, metadata = 0;
    for (size_t i = 0; i < v.nodes_len; i++) {
        const treestore_node *n = &v.nodes[i];
        texts += n->text.len > 0;
        children += n->child_count;
        metadata += n->metadata_count;
        if (i > 0 && n->depth == 0) CHECK(!"only the root has depth 0");
    }
    CHECK(texts == 999 && children == 999 && metadata == 999);
    CHECK(str_eq(v.nodes[0].node_id, "n0") && v.nodes[0].child_count == 9);
    CHECK(str_eq(v.strings[v.nodes[0].child_first + 8], "n9"));
    treestore_result_free(res);
    calls++;
    double ms = now_ms() - t0;
    printf("1,000-node subtree with text: %d calls, %.2f ms (this build: sanitizers/valgrind slow it)\n", calls, ms);

    /* The same tree in pages of 250 through the structure: four queries. */
    char cursor[64] = "";
    int pages = 0;
    size_t seen = 0;
    do {
        CHECK_STATUS(treestore_document_structure(db, NULL, STR("big"), NULL, 0, 0, 250, cursor[0] ? (const uint8_t *)cursor : NULL, strlen(cursor), &res, NULL), TREESTORE_OK);
        CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
        seen += v.nodes_len;
        size_t n = v.next_cursor.ptr ? v.next_cursor.len : 0;
        if (n >= sizeof cursor) n = sizeof cursor - 1;
        if (n) memcpy(cursor, v.next_cursor.ptr, n);
        cursor[n] = 0;
        CHECK(v.total == 1000);
        treestore_result_free(res);
        pages++;
    } while (cursor[0] && pages < 10);
    CHECK(pages == 4 && seen == 1000);
}

int main(void) {
    treestore_db *db = check_open_db("docs");
    if (!db) return 2;
    test_store_and_read(db);
    test_structure(db);
    test_store_errors(db);
    test_batch_and_delete(db);
    test_transactions(db);
    test_pageindex(db);
    test_pageindex_samples(db);
    test_thousand_node_subtree(db);
    return check_finish(db);
}
