//! Damaged pages that pass their checksum: a cleanly closed database holding documents (three
//! versions of each of three policies, a deep chain, a wide fan, long texts in several chunks),
//! tags, the keyword index, tool results, metadata entries, prompts and the agent's records
//! (trajectories, cross references, contradictions, conversations, prompt usages); each round
//! copies it, changes one to three random data pages (a byte, a 16/32/64-bit field set to a
//! telling value, a run of random bytes, a zeroed run) and reseals them, then opens the copy and
//! runs every read of the document, version, keyword, metadata and prompt stores, the integrity
//! check and writes of each.
//! Any result or error will do (the damage may be unused, or turn one answer into another); a
//! panic or a hang fails the round.

use treestore_core::document::gen::{self, GenConfig};
use treestore_core::document::{
    delete_document, store_documents, DocReader, Document, Node, PageIndexFormat, StructureOptions,
};
use treestore_core::metadata::{MetadataEntry, MetadataStore, ToolResult, ToolResultQuery};
use treestore_core::prompt::{NewPrompt, PromptSelector, PromptStore};
use treestore_core::rng::Rng;
use treestore_core::search::{search, SearchOptions};
use treestore_core::storage::vfs::MemVfs;
use treestore_core::version::tag_version;
use treestore_core::{Database, Durability, Options, Result};

use crate::agent_records;
use crate::reseal::reseal;
use crate::util::{guarded, report, rounds, seed, selected, trace};

const DB: &str = "/fuzz.tsdb";
const PAGE: usize = 1024;
/// Pages before the first data page: the file header and the two meta pages.
const FIRST_DATA_PAGE: usize = 3;
const POLICIES: usize = 3;
const VERSIONS: [&str; 3] = ["v1", "v2", "v3"];

fn options(vfs: MemVfs) -> Options {
    Options {
        vfs: std::sync::Arc::new(vfs),
        page_size: PAGE as u32,
        durability: Durability::Relaxed,
        ..Options::default()
    }
}

/// What the probe asks about: each policy's node ids (of its first version).
struct Catalog {
    policies: Vec<(String, Vec<String>)>,
}

fn corpus() -> Vec<(Document, Vec<Node>)> {
    let cfg = GenConfig {
        nodes: 30,
        text_chars: (20, 5_000),
        summary_chars: (10, 300),
        ..GenConfig::default()
    };
    let mut out = Vec::new();
    for (p, v1) in gen::corpus(11, POLICIES, &cfg).enumerate() {
        let v2 = gen::next_version(100 + p as u64, &v1, VERSIONS[1], 0.3);
        let v3 = gen::next_version(200 + p as u64, &v2, VERSIONS[2], 0.3);
        out.extend([v1, v2, v3]);
    }
    out.push(gen::chain("chain", "v1", 120));
    out.push(gen::fan("fan", "v1", 300));
    out
}

/// The database every round damages a copy of, and what to ask it.
fn build() -> (MemVfs, Catalog) {
    let vfs = MemVfs::new();
    let db = Database::open(DB, options(vfs.clone())).expect("open");
    let docs = corpus();
    let mut w = db.begin_write().expect("begin");
    store_documents(&mut w, &docs).expect("store");
    for (doc, _) in &docs {
        tag_version(&mut w, &doc.policy_id, &doc.version_id, "current").expect("tag");
    }
    w.commit().expect("commit");
    // A deleted version leaves free pages and a freelist behind.
    let mut w = db.begin_write().expect("begin");
    delete_document(&mut w, &docs[0].0.policy_id, Some(VERSIONS[1])).expect("delete");
    w.commit().expect("commit");
    let mut policies: Vec<(String, Vec<String>)> = Vec::new();
    for (doc, nodes) in &docs {
        if !policies.iter().any(|(p, _)| *p == doc.policy_id) {
            let ids = nodes.iter().map(|n| n.node_id.clone()).collect();
            policies.push((doc.policy_id.clone(), ids));
        }
    }
    fill_records(&db, &docs);
    agent_records::fill(&db, &policies);
    agent_records::check_present(&db, &policies);
    db.checkpoint().expect("checkpoint");
    drop(db);
    (vfs, Catalog { policies })
}

/// Tool results, metadata entries and prompts (three versions each, labelled) beside the
/// documents.
fn fill_records(db: &Database, docs: &[(Document, Vec<Node>)]) {
    let meta = MetadataStore(db);
    for (i, (doc, nodes)) in docs.iter().enumerate() {
        for (k, n) in nodes.iter().take(8).enumerate() {
            let result = ToolResult {
                execution_id: format!("x{i}-{k}"),
                tool_name: ["get_node", "search", "expand"][k % 3].into(),
                policy_id: Some(doc.policy_id.clone()),
                node_id: Some(n.node_id.clone()),
                result_data: format!("{{\"node\": \"{}\", \"k\": {k}}}", n.node_id),
                success: k % 4 != 0,
                executed_at: gen::BASE_TIME + (i * 10 + k) as i64,
                ..ToolResult::default()
            };
            meta.store_tool_result(result).expect("tool result");
        }
        let entry = MetadataEntry {
            entity_type: "policy".into(),
            entity_id: doc.policy_id.clone(),
            key: format!("owner{}", i % 3),
            value: format!("team {i}"),
            ..MetadataEntry::default()
        };
        meta.set_metadata(entry).expect("metadata");
    }
    let prompts = PromptStore(db);
    for name in ["navigate", "summarize", "compare"] {
        for v in 1..=3 {
            let prompt = NewPrompt {
                name: name.into(),
                template: format!("Version {v} of {name}: read {{{{policy}}}} at {{{{node}}}}."),
                labels: if v == 2 {
                    vec!["production".into()]
                } else {
                    Vec::new()
                },
                ..NewPrompt::default()
            };
            prompts.create_prompt(prompt).expect("prompt");
        }
    }
}

/// Every read of the metadata and prompt stores; errors are fine.
fn read_records(db: &Database, catalog: &Catalog) {
    let meta = MetadataStore(db);
    let _ = meta.tool_results(&ToolResultQuery::default());
    let _ = meta.tool_result("x0-1");
    for (policy, _) in &catalog.policies {
        let by_policy = ToolResultQuery {
            policy_id: Some(policy.clone()),
            ..ToolResultQuery::default()
        };
        let _ = meta.tool_results(&by_policy);
        let _ = meta.all_metadata("policy", policy);
        let _ = meta.metadata_page("policy", policy, 2, None);
    }
    let _ = meta.query_by_key(Some("policy"), "owner1", 0, None);
    let _ = meta.query_by_key_value(None, "owner2", "team 2", 0, None);
    let prompts = PromptStore(db);
    let _ = prompts.list_prompts(0, None);
    let vars = std::collections::BTreeMap::from([
        ("policy".to_string(), "p".to_string()),
        ("node".to_string(), "n".to_string()),
    ]);
    for name in ["navigate", "summarize", "compare"] {
        for selector in [
            PromptSelector::Latest,
            PromptSelector::Version(1),
            PromptSelector::Label("production".into()),
        ] {
            let _ = prompts.prompt(name, &selector);
            let _ = prompts.render_prompt(name, &selector, &vars);
        }
        let _ = prompts.prompt_versions(name, 0, None);
        let _ = prompts.diff_prompt_versions(name, 1, 3);
    }
    agent_records::read(db, &catalog.policies);
}

/// Values that make lengths, counts, offsets and page pointers interesting.
const TELLING: [u64; 10] = [
    0,
    1,
    2,
    0x7F,
    0xFF,
    0x3FF,
    0xFFFF,
    0xFFFF_FFFF,
    u64::MAX,
    1 << 40,
];

/// Changes `page` (past its checksum) one way chosen by `rng`; says how.
fn mutate(page: &mut [u8], rng: &mut Rng) -> String {
    let at = 8 + rng.index(page.len() - 8);
    match rng.below(6) {
        0 => {
            let bit = 1u8 << rng.below(8);
            page[at] ^= bit;
            format!("bit {bit:#x} of byte {at} flipped")
        }
        1..=3 => {
            let width = [2usize, 4, 8][rng.index(3)];
            let at = at.min(page.len() - width);
            let v = TELLING[rng.index(TELLING.len())];
            page[at..at + width].copy_from_slice(&v.to_le_bytes()[..width]);
            format!("{}-bit field at {at} set to {v:#x}", width * 8)
        }
        4 => {
            let len = rng.range(1, 64).min(page.len() - at);
            for b in &mut page[at..at + len] {
                *b = rng.below(256) as u8;
            }
            format!("{len} random bytes at {at}")
        }
        _ => {
            let len = rng.range(1, 256).min(page.len() - at);
            page[at..at + len].fill(0);
            format!("{len} bytes zeroed at {at}")
        }
    }
}

/// A copy of `image` with one to three data pages damaged and resealed; says which and how.
fn damaged(image: &MemVfs, rng: &mut Rng) -> (MemVfs, String) {
    let copy = image.deep_clone();
    let mut bytes = copy.file_bytes(DB).expect("the database file");
    let pages = bytes.len() / PAGE;
    let mut what = Vec::new();
    for _ in 0..rng.range(1, 3) {
        let no = FIRST_DATA_PAGE + rng.index(pages - FIRST_DATA_PAGE);
        let page = &mut bytes[no * PAGE..(no + 1) * PAGE];
        let how = mutate(page, rng);
        reseal(page);
        what.push(format!("page {no} (kind {}): {how}", page[0]));
    }
    copy.set_file_bytes(DB, bytes);
    (copy, what.join("; "))
}

/// Every read of `policy`'s versions and nodes; errors are fine, they only end that read.
fn read_policy(db: &Database, policy: &str, ids: &[String]) -> Result<()> {
    let tx = db.begin_read()?;
    let docs = DocReader::new(&tx);
    let vers = docs.versions();
    let _ = vers.list_versions(policy, 0, None);
    let _ = vers.latest_version(policy);
    let _ = vers.version_by_tag(policy, "current");
    let _ = vers.version_as_of(policy, gen::BASE_TIME + 86_400_000_000);
    let _ = vers.diff_versions(policy, VERSIONS[0], VERSIONS[2]);
    for version in [None, Some(VERSIONS[0]), Some(VERSIONS[2])] {
        let _ = vers.version(policy, version.unwrap_or("v1"));
        let _ = docs.document(policy, version);
        let _ = docs.structure(policy, version, &StructureOptions::default(), None);
        let _ = docs.export_pageindex(policy, version, &PageIndexFormat::default());
        let _ = docs.children(policy, version, None, true);
        let _ = docs.nodes(policy, version, ids, true);
        let _ = docs.nodes_by_pages(policy, version, "1-5,9,40-60", true);
        let _ = docs.node_by_section_path(policy, version, "1.2");
        for id in ids.iter().step_by(7) {
            let _ = docs.node(policy, version, id);
            let _ = docs.node_with(policy, version, id, |n| n.to_node());
            let _ = docs.children(policy, version, Some(id), false);
            let _ = docs.subtree(policy, version, id, 0, true);
            let _ = docs.ancestor_path(policy, version, id, true);
        }
        for page in [0, 1, 3, 17] {
            let _ = docs.nodes_by_page(policy, version, page, true);
        }
    }
    for query in [
        "policy",
        "data AND review",
        "\"the policy\"",
        "pro*",
        "-review access",
    ] {
        let scoped = SearchOptions {
            policy_id: Some(policy.to_string()),
            ..SearchOptions::default()
        };
        let _ = search(&tx, query, &SearchOptions::default());
        let _ = search(&tx, query, &scoped);
    }
    Ok(())
}

/// Opens the damaged copy and runs every read, the integrity check, a write and the reads again.
fn probe(image: MemVfs, catalog: &Catalog) -> Result<()> {
    let db = Database::open(DB, options(image))?;
    for (policy, ids) in &catalog.policies {
        let _ = read_policy(&db, policy, ids);
    }
    read_records(&db, catalog);
    let _ = db.check_integrity();
    let _ = DocReader::new(&db.begin_read()?).counts();
    let (doc, nodes) = gen::document(5, &catalog.policies[1].0, "v9", &GenConfig::default());
    let mut w = db.begin_write()?;
    let written = store_documents(&mut w, &[(doc, nodes)])
        .and_then(|_| delete_document(&mut w, &catalog.policies[2].0, Some(VERSIONS[0])));
    match written {
        Ok(_) => drop(w.commit()),
        // Dropped before the reads below: the integrity check waits for the writer's lock.
        Err(_) => drop(w),
    }
    read_records(&db, catalog);
    let result = ToolResult {
        execution_id: "after".into(),
        tool_name: "search".into(),
        result_data: "{}".into(),
        ..ToolResult::default()
    };
    let _ = MetadataStore(&db).store_tool_result(result);
    let prompt = NewPrompt {
        name: "navigate".into(),
        template: "again {{policy}}".into(),
        ..NewPrompt::default()
    };
    let _ = PromptStore(&db).create_prompt(prompt);
    agent_records::write(&db, &catalog.policies);
    for (policy, ids) in &catalog.policies {
        let _ = read_policy(&db, policy, ids);
    }
    read_records(&db, catalog);
    let _ = db.check_integrity();
    Ok(())
}

#[test]
fn damaged_pages_that_pass_their_checksum_never_panic_or_hang() {
    let seed = seed("damaged_pages");
    let rounds = rounds(40);
    let (image, catalog) = build();
    let catalog = std::sync::Arc::new(catalog);
    let mut failures = Vec::new();
    for round in (0..rounds).filter(|&r| selected(r)) {
        let mut rng = Rng::new(seed ^ round.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let (copy, what) = damaged(&image, &mut rng);
        trace(round, &what);
        let catalog = catalog.clone();
        if let Err(e) = guarded(move || probe(copy, &catalog)) {
            failures.push(format!("round {round} ({what}): {e}"));
        }
    }
    report("damaged_pages", seed, &failures);
}
