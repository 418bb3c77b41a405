/* The QueryEngine through the C ABI: an enriched node, and related nodes with their reasons. */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include <treestore.h>

#include "check.h"

static const char *DOC =
    "{\"document\": {\"policy_id\": \"p1\", \"version_id\": \"v1\"}, \"nodes\": ["
    "{\"node_id\": \"r\", \"title\": \"Prior authorization\", \"text\": \"Policy scope.\"},"
    "{\"node_id\": \"c\", \"parent_id\": \"r\", \"title\": \"Criteria\", \"text\": \"Members must meet the criteria.\", \"see_also\": [\"d\"]},"
    "{\"node_id\": \"a\", \"parent_id\": \"r\", \"title\": \"Imaging\", \"text\": \"MRI of the knee needs review.\"},"
    "{\"node_id\": \"a2\", \"parent_id\": \"r\", \"title\": \"Laboratory\", \"text\": \"Genetic tests.\"},"
    "{\"node_id\": \"d\", \"parent_id\": \"r\", \"title\": \"Definitions\", \"text\": \"Terms used.\"}]}";

static const char *OTHER =
    "{\"document\": {\"policy_id\": \"p2\", \"version_id\": \"v1\"}, \"nodes\": ["
    "{\"node_id\": \"x\", \"title\": \"Other\", \"text\": \"Unrelated.\"},"
    "{\"node_id\": \"y\", \"parent_id\": \"x\", \"title\": \"Appeals\", \"text\": \"How to appeal.\"}]}";

static void setup(treestore_db *db) {
    treestore_result *res = NULL;
    CHECK_STATUS(treestore_document_store(db, NULL, STR(DOC), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_document_store(db, NULL, STR(OTHER), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    const char *xref =
        "{\"source_policy_id\": \"p1\", \"source_node_id\": \"c\", \"target_policy_id\": \"p2\","
        " \"target_node_id\": \"y\", \"reference_type\": \"cites\"}";
    CHECK_STATUS(treestore_cross_reference_store(db, NULL, STR(xref), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    const char *meta = "{\"entity_type\": \"node\", \"entity_id\": \"p1/c\", \"key\": \"reviewed\", \"value\": true}";
    CHECK_STATUS(treestore_metadata_set(db, NULL, STR(meta), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
}

static void test_enriched(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    CHECK_STATUS(treestore_node_enriched(db, NULL, STR("p1"), NULL, 0, STR("c"), 0, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.nodes_len == 1 && str_eq(v.nodes[0].title, "Criteria"));
    CHECK(v.nodes[0].flags & TREESTORE_NODE_HAS_TEXT);
    CHECK(v.top_records == 1 && str_eq(v.records[0].kind, "enriched_node"));
    const treestore_field *ver = rec_field(&v, &v.records[0], "version");
    CHECK(ver && ver->kind == TREESTORE_VALUE_RECORDS && ver->count == 1);
    if (ver) CHECK(field_str_is(&v, rec_at(&v, ver->first), "version_id", "v1"));
    const treestore_field *meta = rec_field(&v, &v.records[0], "metadata");
    CHECK(meta && meta->count == 1);
    const treestore_field *xrefs = rec_field(&v, &v.records[0], "cross_references");
    CHECK(xrefs && xrefs->count == 1);
    CHECK(field_kind(&v, &v.records[0], "cross_references_cursor") == TREESTORE_VALUE_NULL);
    treestore_result_free(res);
    /* A page of fewer cross-references than the node has comes with the cursor of the rest. */
    const char *xref2 =
        "{\"source_policy_id\": \"p1\", \"source_node_id\": \"c\", \"target_policy_id\": \"p1\","
        " \"target_node_id\": \"d\", \"reference_type\": \"supports\"}";
    CHECK_STATUS(treestore_cross_reference_store(db, NULL, STR(xref2), &res, NULL), TREESTORE_OK);
    treestore_result_free(res);
    CHECK_STATUS(treestore_node_enriched(db, NULL, STR("p1"), NULL, 0, STR("c"), 1, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    xrefs = rec_field(&v, &v.records[0], "cross_references");
    CHECK(xrefs && xrefs->count == 1);
    CHECK(field_kind(&v, &v.records[0], "cross_references_cursor") == TREESTORE_VALUE_STR);
    treestore_result_free(res);
    bool removed = false;
    CHECK_STATUS(treestore_cross_reference_delete(db, NULL, STR(xref2), &removed, NULL), TREESTORE_OK);
    CHECK(removed);
    res = NULL;
    CHECK_ERR(treestore_node_enriched(db, NULL, STR("p1"), NULL, 0, STR("zz"), 0, &res, &test_err), TREESTORE_NOT_FOUND, "zz");
    CHECK(res == NULL);
    CHECK_STATUS(treestore_node_enriched(db, NULL, NULL, 2, NULL, 0, STR("c"), 0, &res, NULL), TREESTORE_NULL_PARAMETER);
    CHECK_STATUS(treestore_node_enriched(db, NULL, STR("p1"), NULL, 0, STR("c"), 0, NULL, NULL), TREESTORE_NULL_PARAMETER);
}

static void test_related(treestore_db *db) {
    treestore_result *res = NULL;
    treestore_result_view v;
    CHECK_STATUS(treestore_node_related(db, NULL, STR("p1"), NULL, 0, STR("c"), STR("[\"MRI knee\"]"), 10, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    const char *ids[] = {"y", "a", "a2", "d"};
    const char *reasons[] = {"cross_reference", "keyword", "sibling", "sibling"};
    CHECK(v.nodes_len == 4 && v.top_records == 4);
    for (size_t i = 0; i < 4 && i < v.nodes_len && i < v.top_records; i++) {
        CHECK(str_eq(v.nodes[i].node_id, ids[i]));
        CHECK(field_str_is(&v, &v.records[i], "reason", reasons[i]));
        CHECK(v.nodes[i].text.ptr == NULL);
    }
    if (v.top_records >= 2) {
        CHECK(field_str_is(&v, &v.records[0], "reference_type", "cites"));
        CHECK(field_kind(&v, &v.records[1], "score") == TREESTORE_VALUE_FLOAT);
        CHECK(field_str_is(&v, &v.records[2], "hit_node_id", "a"));
    }
    treestore_result_free(res);
    CHECK_STATUS(treestore_node_related(db, NULL, STR("p1"), NULL, 0, STR("c"), NULL, 0, 10, &res, NULL), TREESTORE_OK);
    CHECK_STATUS(view_of(res, &v), TREESTORE_OK);
    CHECK(v.nodes_len == 2 && str_eq(v.nodes[1].node_id, "d"));
    treestore_result_free(res);
    res = NULL;
    CHECK_ERR(treestore_node_related(db, NULL, STR("p1"), NULL, 0, STR("c"), STR("[1]"), 10, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "tokens_json");
    CHECK_ERR(treestore_node_related(db, NULL, STR("p1"), NULL, 0, STR("c"), STR("[\"x\""), 10, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "line 1");
    CHECK_ERR(treestore_node_related(db, NULL, STR("p1"), NULL, 0, STR("c"), NULL, 0, 0, &res, &test_err), TREESTORE_INVALID_ARGUMENT, "limit");
    CHECK(res == NULL);
}

int main(void) {
    treestore_db *db = check_open_db("query");
    if (!db) return 2;
    setup(db);
    test_enriched(db);
    test_related(db);
    return check_finish(db);
}
