//! Caller input the engine must refuse cleanly or store whole: PageIndex JSON with bytes cut,
//! repeated, spliced and replaced (from the repository's PageIndex files), and random node lists
//! (ids with odd and NUL characters, dangling and self parents, cycles, duplicate ids, negative,
//! reversed and huge pages, empty and long strings). Each is parsed and stored in one write:
//! the outcome must be a stored version that reads back, or an error of kind `InvalidArgument`,
//! `TooLarge` or `AlreadyExists` with the database left as it was; never a panic or a hang.

use std::collections::BTreeMap;

use treestore_core::document::{parse_pageindex, store_document, DocReader, Document, Node};
use treestore_core::rng::Rng;
use treestore_core::storage::vfs::MemVfs;
use treestore_core::{Database, ErrorKind, Options, Result};

use crate::util::{failure, guarded, report, rounds, seed, selected};

const DB: &str = "/inputs.tsdb";

fn open() -> Database {
    let opts = Options {
        vfs: std::sync::Arc::new(MemVfs::new()),
        page_size: 1024,
        ..Options::default()
    };
    Database::open(DB, opts).expect("open")
}

/// The PageIndex files in the repository (`examples/data`).
fn pageindex_files() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("a PageIndex file"))
        .collect()
}

/// Fragments that change what JSON means when spliced in.
const SPLICES: [&str; 14] = [
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "null",
    "-1",
    "1e400",
    "9223372036854775808",
    "\"nodes\": [",
    "\"\\u0000\"",
    "\"\\ud800\"",
];

/// A copy of `json` changed one to four ways; cuts fall on character boundaries.
fn mutate_json(json: &str, rng: &mut Rng) -> String {
    let mut s = json.to_string();
    for _ in 0..rng.range(1, 4) {
        let at = boundary(&s, rng.index(s.len() + 1));
        match rng.below(4) {
            0 => {
                let end = boundary(&s, (at + rng.range(1, 199)).min(s.len()));
                s.replace_range(at..end, "");
            }
            1 => {
                let end = boundary(&s, (at + rng.range(1, 399)).min(s.len()));
                let copy = s[at..end].to_string();
                s.insert_str(at, &copy);
            }
            2 => s.insert_str(at, SPLICES[rng.index(SPLICES.len())]),
            _ => {
                let nest = rng.range(1, 300);
                s.insert_str(at, &"[".repeat(nest));
            }
        }
    }
    s
}

fn boundary(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Stores `doc` with `nodes` and checks the outcome (see the module doc).
fn store_and_check(db: &Database, doc: &Document, nodes: &[Node]) -> Result<()> {
    let mut w = db.begin_write()?;
    match store_document(&mut w, doc, nodes) {
        Ok(_) => {
            w.commit()?;
            let tx = db.begin_read()?;
            let (_, back) = DocReader::new(&tx).document(&doc.policy_id, Some(&doc.version_id))?;
            assert_eq!(back.len(), nodes.len(), "a stored version reads back whole");
        }
        Err(e) => {
            assert!(
                matches!(
                    e.kind(),
                    ErrorKind::InvalidArgument | ErrorKind::TooLarge | ErrorKind::AlreadyExists
                ),
                "refused with kind {:?}: {e}",
                e.kind()
            );
            assert!(!e.to_string().is_empty());
            drop(w);
            let tx = db.begin_read()?;
            let found = DocReader::new(&tx).document(&doc.policy_id, Some(&doc.version_id));
            assert!(found.is_err(), "a refused version was written: {e}");
        }
    }
    Ok(())
}

#[test]
fn cut_and_spliced_pageindex_json_is_refused_or_stored_whole() {
    let seed = seed("pageindex_json");
    let files = std::sync::Arc::new(pageindex_files());
    assert!(!files.is_empty(), "examples/data holds PageIndex files");
    let mut failures = Vec::new();
    for round in (0..rounds(150)).filter(|&r| selected(r)) {
        let files = files.clone();
        let outcome = guarded(move || -> Result<()> {
            let mut rng = Rng::new(seed ^ round.wrapping_mul(0xA24B_AED4_963E_E407));
            let json = mutate_json(&files[rng.index(files.len())], &mut rng);
            let template = Document {
                policy_id: "p".into(),
                version_id: format!("v{round}"),
                ..Document::default()
            };
            match parse_pageindex(&json, &template) {
                Ok((doc, nodes)) => store_and_check(&open(), &doc, &nodes),
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
                    Ok(())
                }
            }
        });
        failures.extend(failure(round, outcome));
    }
    report("pageindex_json", seed, &failures);
}

/// A string from a small alphabet of troublemakers, `0..=max` characters.
fn odd_string(rng: &mut Rng, max: usize) -> String {
    const CHARS: [char; 10] = ['a', 'b', '0', '/', '\0', 'é', '😀', ' ', '.', '\u{FFFF}'];
    (0..rng.range(0, max))
        .map(|_| CHARS[rng.index(CHARS.len())])
        .collect()
}

fn odd_page(rng: &mut Rng) -> Option<i64> {
    const PAGES: [i64; 8] = [0, 1, 2, 7, -1, i64::MAX, i64::MIN, 1 << 40];
    rng.percent(80).then(|| PAGES[rng.index(PAGES.len())])
}

/// A node list that is a valid tree most of the time and broken in one random way otherwise.
fn random_nodes(rng: &mut Rng) -> Vec<Node> {
    let count = rng.range(1, 40);
    let mut ids: Vec<String> = (0..count).map(|i| format!("n{i}")).collect();
    if rng.percent(30) {
        let i = rng.index(count);
        ids[i] = odd_string(rng, 300);
    }
    let mut nodes: Vec<Node> = (0..count)
        .map(|i| Node {
            node_id: ids[i].clone(),
            parent_id: (i > 0).then(|| ids[rng.index(i)].clone()),
            title: odd_string(rng, 20),
            page_start: odd_page(rng),
            page_end: odd_page(rng),
            summary: rng.percent(50).then(|| odd_string(rng, 50)),
            text: rng
                .percent(70)
                .then(|| "words and more words ".repeat(rng.range(0, 400))),
            section_path: if rng.percent(20) {
                odd_string(rng, 8)
            } else {
                String::new()
            },
            see_also: (0..rng.range(0, 3))
                .map(|_| ids[rng.index(count)].clone())
                .collect(),
            metadata: BTreeMap::from([(odd_string(rng, 5), odd_string(rng, 5))]),
            ..Node::default()
        })
        .collect();
    match rng.below(8) {
        0 if count > 1 => nodes[1 + rng.index(count - 1)].parent_id = Some("nowhere".into()),
        1 if count > 1 => {
            let i = 1 + rng.index(count - 1);
            nodes[i].parent_id = Some(nodes[i].node_id.clone());
        }
        2 if count > 2 => nodes[1].parent_id = Some(nodes[count - 1].node_id.clone()),
        3 if count > 1 => nodes[count - 1].node_id = nodes[0].node_id.clone(),
        4 if count > 1 => nodes[1 + rng.index(count - 1)].parent_id = None,
        _ => {}
    }
    if rng.percent(20) {
        let i = rng.index(count);
        nodes.swap(0, i);
    }
    nodes
}

#[test]
fn random_node_lists_are_refused_or_stored_whole() {
    let seed = seed("node_lists");
    let mut failures = Vec::new();
    for round in (0..rounds(150)).filter(|&r| selected(r)) {
        let outcome = guarded(move || -> Result<()> {
            let mut rng = Rng::new(seed ^ round.wrapping_mul(0xD6E8_FEB8_6659_FD93));
            let nodes = random_nodes(&mut rng);
            let doc = Document {
                policy_id: if rng.percent(10) {
                    odd_string(&mut rng, 300)
                } else {
                    "p".into()
                },
                version_id: "v1".into(),
                root_node_id: if rng.percent(10) {
                    "wrong".into()
                } else {
                    String::new()
                },
                effective_start: rng.percent(10).then_some(i64::MIN),
                effective_end: rng.percent(10).then_some(-5),
                tags: (0..rng.range(0, 3))
                    .map(|_| odd_string(&mut rng, 10))
                    .collect(),
                ..Document::default()
            };
            store_and_check(&open(), &doc, &nodes)
        });
        failures.extend(failure(round, outcome));
    }
    report("node_lists", seed, &failures);
}
