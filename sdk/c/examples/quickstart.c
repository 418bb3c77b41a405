/* TreeStore from C, the way the reasoning service uses it: open a database, import a PageIndex
 * JSON file as a policy version with an effective date, walk its tree, look up the version in force
 * on a date, search keywords, record a tool result, and handle every error on the way.
 *
 *   cc quickstart.c $(pkg-config --cflags --libs treestore) -o quickstart
 *   ./quickstart policy.tsdb examples/data/advanced-imaging-pa_v1.json
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <treestore.h>

#define STR(s) (const uint8_t *)(s), strlen(s)

/* Prints the error (if any), frees it, and says whether the call failed. */
static int failed(const char *what, treestore_status st, treestore_error *err) {
    if (st == TREESTORE_OK) return 0;
    treestore_str msg = treestore_error_message(err);
    fprintf(stderr, "%s: %s: %.*s\n", what, treestore_status_str(st), (int)msg.len,
            (const char *)msg.ptr);
    treestore_error_free(err);
    return 1;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) *len = (size_t)n;
    return buf;
}

static void print_outline(treestore_result *res) {
    treestore_result_view v;
    memset(&v, 0, sizeof v);
    v.struct_size = sizeof v;
    if (treestore_result_read(res, &v, NULL) != TREESTORE_OK) return;
    for (size_t i = 0; i < v.nodes_len; i++) {
        const treestore_node *n = &v.nodes[i];
        printf("%*s%.*s", (int)n->depth * 2, "", (int)n->title.len, (const char *)n->title.ptr);
        if (n->flags & TREESTORE_NODE_HAS_PAGE_START)
            printf("  (pages %lld-%lld)", (long long)n->page_start, (long long)n->page_end);
        printf("\n");
    }
}

int main(int argc, char **argv) {
    const char *db_path = argc > 1 ? argv[1] : "quickstart.tsdb";
    const char *json_path = argc > 2 ? argv[2] : "examples/data/advanced-imaging-pa_v1.json";
    size_t json_len = 0;
    char *json = read_file(json_path, &json_len);
    if (!json) {
        perror(json_path);
        return 1;
    }

    treestore_db *db = NULL;
    treestore_error *err = NULL;
    treestore_status st = treestore_db_open(STR(db_path), NULL, &db, &err);
    if (failed("open", st, err)) {
        free(json); /* e.g. TREESTORE_DATABASE_LOCKED when another process writes it */
        return 1;
    }

    /* Import as version v1, in force from 2023-01-01T00:00:00Z. */
    int64_t start = 1672531200LL * 1000000;
    treestore_result *res = NULL;
    st = treestore_pageindex_import(db, NULL, (const uint8_t *)json, json_len, STR("policy-demo"),
                                    STR("v1"), &start, NULL, STR("quickstart"), STR(""), &res, &err);
    free(json);
    if (failed("import", st, err)) goto out;
    treestore_result_free(res);

    /* The whole tree (PageIndex's top level hangs under a synthetic root "root"), without text. */
    st = treestore_node_subtree(db, NULL, STR("policy-demo"), NULL, 0, STR("root"), 0, false, &res,
                                &err);
    if (failed("subtree", st, err)) goto out;
    print_outline(res);
    treestore_result_free(res);

    /* Which version was in force on 2024-06-30? */
    st = treestore_version_as_of(db, NULL, STR("policy-demo"), 1719705600LL * 1000000, &res, &err);
    if (!failed("as-of", st, err)) {
        printf("in force on 2024-06-30: a version record was found\n");
        treestore_result_free(res);
    }

    /* Keyword search with snippets: one search_hit record and one node per hit. */
    st = treestore_search(db, NULL, STR("policy-demo"), NULL, 0, STR("authorization"), 5, 0, 120,
                          false, &res, &err);
    if (failed("search", st, err)) goto out;
    treestore_result_view v;
    memset(&v, 0, sizeof v);
    v.struct_size = sizeof v;
    if (treestore_result_read(res, &v, NULL) == TREESTORE_OK)
        for (size_t i = 0; i < v.nodes_len; i++)
            printf("hit: %.*s\n", (int)v.nodes[i].title.len, (const char *)v.nodes[i].title.ptr);
    treestore_result_free(res);

    /* Record what the agent's tool returned (durable when the call returns). */
    st = treestore_tool_result_store(
        db, NULL,
        STR("{\"tool_name\": \"search\", \"policy_id\": \"policy-demo\", \"result_data\": {\"hits\": 1}}"),
        &res, &err);
    if (failed("tool result", st, err)) goto out;
    treestore_result_free(res);

    /* A bad argument is an error with a message naming it, never a crash. */
    st = treestore_tool_result_store(db, NULL, STR("{\"tool_name\": 7}"), &res, &err);
    failed("expected error", st, err);

out:
    st = treestore_db_close(db, &err);
    return failed("close", st, err);
}
