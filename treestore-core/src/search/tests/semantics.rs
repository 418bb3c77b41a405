//! What queries match: phrases, prefixes, booleans, scopes, Unicode, stemming; and every
//! validation error.

use super::*;
use crate::error::ErrorKind;

fn small_db() -> Database {
    let db = mem_db();
    let rows = [
        (
            "a",
            "Prior Authorization",
            "prior authorization for imaging",
        ),
        ("b", "Authorization", "authorization prior to surgery"),
        (
            "c",
            "Authority",
            "the authority of the plan; authorized users",
        ),
        ("d", "Imaging", "imaging and radiology"),
        ("e", "Surgery", "surgery requires prior review"),
    ];
    for (id, title, text) in rows {
        put(&db, &doc("p", "v", id), title, "", text);
    }
    db
}

#[test]
fn implicit_and_phrase_prefix_or_not_and_parentheses() {
    let db = small_db();
    assert_eq!(id_set(&find(&db, "prior authorization")), ["a", "b"]);
    assert_eq!(id_set(&find(&db, "\"prior authorization\"")), ["a"]);
    assert_eq!(id_set(&find(&db, "\"authorization prior\"")), ["b"]);
    assert_eq!(id_set(&find(&db, "\"imaging and\"")), ["d"]);
    // A phrase does not cross fields: b's title ends and its text starts with "authorization".
    assert!(find(&db, "\"authorization authorization\"").is_empty());
    assert_eq!(id_set(&find(&db, "author*")), ["a", "b", "c"]);
    assert_eq!(id_set(&find(&db, "authorized*")), ["c"]);
    assert_eq!(
        id_set(&find(&db, "imaging OR surgery")),
        ["a", "b", "d", "e"]
    );
    assert_eq!(id_set(&find(&db, "prior NOT imaging")), ["b", "e"]);
    assert_eq!(
        id_set(&find(&db, "prior AND (imaging OR surgery)")),
        ["a", "b", "e"]
    );
    assert_eq!(id_set(&find(&db, "(imaging OR surgery) NOT prior")), ["d"]);
    assert_eq!(
        id_set(&find(&db, "prior surgery OR radiology")),
        ["b", "d", "e"]
    );
    assert!(find(&db, "nonexistent").is_empty());
    assert!(find(&db, "nonexistent OR zzz*").is_empty());
    assert_eq!(id_set(&find(&db, "imaging NOT nonexistent")), ["a", "d"]);
}

#[test]
fn matched_terms_list_what_the_node_holds() {
    let db = small_db();
    let hits = find(&db, "author* OR radiology");
    let c = hits.iter().find(|h| h.doc.node_id == "c").unwrap();
    assert_eq!(c.matched_terms, ["authority", "authorized"]);
    let a = hits.iter().find(|h| h.doc.node_id == "a").unwrap();
    assert_eq!(a.matched_terms, ["authorization"]);
    let hits = find(&db, "\"prior authorization\" imaging");
    assert_eq!(hits[0].matched_terms, ["authorization", "imaging", "prior"]);
    let snip = SearchIndex::new(&db)
        .snippet(
            "Prior authorization for imaging",
            &hits[0].matched_terms,
            100,
        )
        .unwrap();
    assert_eq!(snip, "<b>Prior</b> <b>authorization</b> for <b>imaging</b>");
}

#[test]
fn scopes_restrict_results_but_not_statistics() {
    let db = mem_db();
    for (p, v) in [("p1", "v1"), ("p1", "v2"), ("p2", "v1"), ("p3", "v1")] {
        put(&db, &doc(p, v, "n1"), "alpha", "", "alpha beta");
        put(&db, &doc(p, v, "n2"), "gamma", "", "beta");
    }
    let idx = SearchIndex::new(&db);
    let all = idx
        .search("alpha", &SearchOptions::with_limit(100))
        .unwrap();
    assert_eq!(all.len(), 4);
    let opts = |p: Option<&str>, v: Option<&str>, scopes: Vec<Scope>| SearchOptions {
        policy_id: p.map(String::from),
        version_id: v.map(String::from),
        scopes,
        ..SearchOptions::with_limit(100)
    };
    let hits = idx
        .search("alpha", &opts(Some("p1"), None, vec![]))
        .unwrap();
    assert_eq!(hits.len(), 2);
    assert!(hits.iter().all(|h| h.doc.policy_id == "p1"));
    // Scores are the global ones.
    assert_close(hits[0].score, all[0].score, "scoped score");
    let hits = idx
        .search("alpha", &opts(Some("p1"), Some("v2"), vec![]))
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].doc, doc("p1", "v2", "n1"));
    let scopes = vec![
        Scope {
            policy_id: "p1".into(),
            version_id: Some("v1".into()),
        },
        Scope {
            policy_id: "p3".into(),
            version_id: None,
        },
        Scope {
            policy_id: "missing".into(),
            version_id: None,
        },
    ];
    let hits = idx.search("beta", &opts(None, None, scopes)).unwrap();
    let mut got: Vec<String> = hits.iter().map(|h| h.doc.to_string()).collect();
    got.sort();
    assert_eq!(got, ["p1/v1/n1", "p1/v1/n2", "p3/v1/n1", "p3/v1/n2"]);
    assert!(idx
        .search("alpha", &opts(Some("nope"), None, vec![]))
        .unwrap()
        .is_empty());
    assert!(idx
        .search("alpha", &opts(Some("p1"), Some("v9"), vec![]))
        .unwrap()
        .is_empty());
    // Phrase and prefix IDFs stay global under a scope.
    let global = idx
        .search("\"alpha beta\" OR gam*", &SearchOptions::with_limit(100))
        .unwrap();
    let scoped = idx
        .search("\"alpha beta\" OR gam*", &opts(Some("p2"), None, vec![]))
        .unwrap();
    for h in &scoped {
        let g = global.iter().find(|g| g.doc == h.doc).unwrap();
        assert_close(h.score, g.score, "scoped phrase score");
    }
}

#[test]
fn limit_and_offset_page_through_hits() {
    let db = mem_db();
    for i in 0..30 {
        let text = "word ".repeat(i + 1);
        put(&db, &doc("p", "v", &format!("n{i:02}")), "", "", &text);
    }
    let idx = SearchIndex::new(&db);
    let all = idx.search("word", &SearchOptions::with_limit(30)).unwrap();
    assert_eq!(all.len(), 30);
    assert!(all.windows(2).all(|w| w[0].score >= w[1].score));
    let mut paged = Vec::new();
    for page in 0..3 {
        let opts = SearchOptions {
            offset: page * 10,
            ..SearchOptions::with_limit(10)
        };
        paged.extend(idx.search("word", &opts).unwrap());
    }
    assert_eq!(paged, all);
}

#[test]
fn unicode_words_fold_case() {
    let db = mem_db();
    put(
        &db,
        &doc("p", "v", "fr"),
        "École Supérieure",
        "",
        "L'ÉCOLE est fermée",
    );
    put(&db, &doc("p", "v", "de"), "Straße", "", "Die STRASSE");
    put(&db, &doc("p", "v", "el"), "ΟΔΟΣ", "", "οδός");
    put(&db, &doc("p", "v", "zh"), "中华人民共和国", "", "");
    put(
        &db,
        &doc("p", "v", "en"),
        "Don’t panic",
        "",
        "o'brien's plan",
    );
    assert_eq!(id_set(&find(&db, "école")), ["fr"]);
    assert_eq!(id_set(&find(&db, "ÉCOLE")), ["fr"]);
    assert_eq!(id_set(&find(&db, "l'école")), ["fr"]);
    assert_eq!(id_set(&find(&db, "FERMÉE")), ["fr"]);
    assert_eq!(id_set(&find(&db, "STRAßE")), ["de"]);
    assert_eq!(id_set(&find(&db, "strasse")), ["de"]);
    assert_eq!(id_set(&find(&db, "οδοσ")), ["el"]);
    assert_eq!(id_set(&find(&db, "ΟΔΟΣ")), ["el"]);
    assert_eq!(id_set(&find(&db, "人民")), ["zh"]);
    assert_eq!(id_set(&find(&db, "\"共和\"")), ["zh"]);
    assert!(find(&db, "民人").is_empty());
    assert_eq!(id_set(&find(&db, "don't")), ["en"]);
    assert_eq!(id_set(&find(&db, "DON’T")), ["en"]);
    assert_eq!(id_set(&find(&db, "O'Brien's")), ["en"]);
    assert_eq!(id_set(&find(&db, "éc*")), ["fr"]);
}

#[test]
fn stemming_is_chosen_per_database() {
    let plain = mem_db();
    let stemmed = mem_db();
    SearchIndex::new(&stemmed)
        .configure(&SearchSettings {
            stemming: Stemming::Porter,
            ..SearchSettings::default()
        })
        .unwrap();
    for db in [&plain, &stemmed] {
        put(
            db,
            &doc("p", "v", "a"),
            "Authorizations",
            "",
            "Claims were authorized",
        );
        put(db, &doc("p", "v", "b"), "Authorizing", "", "the claim");
    }
    assert_eq!(id_set(&find(&plain, "authorization")), Vec::<String>::new());
    assert_eq!(id_set(&find(&plain, "claims")), ["a"]);
    assert_eq!(id_set(&find(&stemmed, "authorization")), ["a", "b"]);
    assert_eq!(id_set(&find(&stemmed, "claims")), ["a", "b"]);
    assert_eq!(id_set(&find(&stemmed, "\"were authorizing\"")), ["a"]);
    assert_eq!(find(&stemmed, "authorization")[0].matched_terms, ["author"]);
    let s = SearchIndex::new(&stemmed)
        .snippet("Claims were authorized", &["author".to_string()], 100)
        .unwrap();
    assert_eq!(s, "Claims were <b>authorized</b>");
}

#[test]
fn stemming_is_recorded_on_first_use_and_cannot_change_under_nodes() {
    let db = mem_db();
    let idx = SearchIndex::new(&db);
    assert_eq!(idx.settings().unwrap(), SearchSettings::default());
    let porter = SearchSettings {
        stemming: Stemming::Porter,
        ..SearchSettings::default()
    };
    put(&db, &doc("p", "v", "a"), "x", "", "");
    let r = db.begin_read().unwrap();
    assert!(r
        .get(r.table("fts.settings").unwrap(), b"\x02config\x00\x01")
        .unwrap()
        .is_some());
    drop(r);
    let err = idx.configure(&porter).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("stemming is none"), "{err}");
    // Weights may change at any time.
    let heavy = SearchSettings {
        weights: FieldWeights {
            title: 10.0,
            ..FieldWeights::default()
        },
        ..SearchSettings::default()
    };
    idx.configure(&heavy).unwrap();
    assert_eq!(idx.settings().unwrap(), heavy);
    // Once the index is empty the stemming may change.
    idx.remove_node(&doc("p", "v", "a")).unwrap();
    idx.configure(&porter).unwrap();
    assert_eq!(idx.settings().unwrap().stemming, Stemming::Porter);
}

#[test]
fn invalid_input_is_rejected_before_anything_is_written() {
    let db = mem_db();
    let mut tx = db.begin_write().unwrap();
    let ok = doc("p", "v", "n");
    let bad_id = doc("", "v", "n");
    let long_id = doc(&"x".repeat(MAX_ID_LEN + 1), "v", "n");
    let nul_id = doc("p", "v", "a\0b");
    let fields: &[(Field, &str)] = &[(Field::Title, "t")];
    let dup_fields: &[(Field, &str)] = &[(Field::Title, "t"), (Field::Title, "u")];
    let cases: Vec<Vec<NodeText<'_>>> = vec![
        vec![
            NodeText { doc: &ok, fields },
            NodeText {
                doc: &bad_id,
                fields,
            },
        ],
        vec![NodeText {
            doc: &long_id,
            fields,
        }],
        vec![NodeText {
            doc: &ok,
            fields: dup_fields,
        }],
        vec![NodeText { doc: &ok, fields }, NodeText { doc: &ok, fields }],
        vec![NodeText {
            doc: &nul_id,
            fields,
        }],
    ];
    let messages: Vec<String> = cases
        .iter()
        .map(|nodes| {
            let e = index_nodes(&mut tx, nodes).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            e.message().to_string()
        })
        .collect();
    assert_eq!(
        messages[0],
        "node \"/v/n\": policy_id must be 1 to 256 bytes, got 0"
    );
    assert!(messages[1].ends_with("xx/v/n\": policy_id must be 1 to 256 bytes, got 257"));
    assert_eq!(messages[2], "node p/v/n: field title is given twice");
    assert_eq!(messages[3], "node p/v/n is given twice in one batch");
    assert_eq!(
        messages[4],
        "node \"p/v/a\\0b\": node_id contains a NUL byte"
    );
    let e = remove_version(&mut tx, "p", "").unwrap_err();
    assert_eq!(e.message(), "version_id must be 1 to 256 bytes, got 0");
    let e = configure(
        &mut tx,
        &SearchSettings {
            weights: FieldWeights {
                text: f64::NAN,
                ..FieldWeights::default()
            },
            ..SearchSettings::default()
        },
    )
    .unwrap_err();
    assert!(e.message().starts_with("weight of field text"), "{e}");
    tx.commit().unwrap();
    assert!(
        table_sizes(&db).iter().all(|(_, n)| *n == 0),
        "{:?}",
        table_sizes(&db)
    );
}

#[test]
fn invalid_search_options_and_queries_are_errors() {
    let db = small_db();
    let idx = SearchIndex::new(&db);
    let cases = [
        (
            SearchOptions::with_limit(0),
            "limit must be 1 to 100000, got 0",
        ),
        (
            SearchOptions {
                offset: MAX_RESULTS,
                ..SearchOptions::default()
            },
            "offset + limit must be at most 100000, got 100000 + 10",
        ),
        (
            SearchOptions {
                version_id: Some("v".into()),
                ..SearchOptions::default()
            },
            "version_id needs policy_id: version ids are scoped by policy",
        ),
        (
            SearchOptions {
                policy_id: Some("p".into()),
                scopes: vec![Scope::default()],
                ..SearchOptions::default()
            },
            "policy_id and scopes cannot both be set; put the policy in scopes",
        ),
        (
            SearchOptions {
                scopes: vec![Scope::default()],
                ..SearchOptions::default()
            },
            "scope policy_id must be 1 to 256 bytes, got 0",
        ),
    ];
    for (opts, msg) in cases {
        let e = idx.search("prior", &opts).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert_eq!(e.message(), msg);
    }
    let e = idx
        .search("prior AND", &SearchOptions::default())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(
        e.message(),
        "query: AND needs a term after it at character 6"
    );
    // Errors also on an empty index.
    let empty = mem_db();
    let e = SearchIndex::new(&empty)
        .search("(", &SearchOptions::default())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn empty_fields_and_empty_nodes_count_as_documents() {
    let db = mem_db();
    put(&db, &doc("p", "v", "empty"), "", "", "");
    put(&db, &doc("p", "v", "full"), "word", "", "");
    let idx = SearchIndex::new(&db);
    idx.index_node(&doc("p", "v", "none"), &[]).unwrap();
    assert_eq!(idx.check().unwrap().nodes, 3);
    let hits = find(&db, "word");
    // N = 3, n = 1: ln(2.5 / 1.5).
    assert_close(
        hits[0].score,
        bm25_term((2.5f64 / 1.5).ln(), 3.0, 1.0, 1.0 / 3.0),
        "score",
    );
}
