//! A power cut during a big `store_document` that replaces a version leaves either the old or the
//! new version, whole, with consistent indexes; a store that returned Ok survives.

use std::sync::Arc;

use super::support::check_consistency;
use crate::db::{Database, Options};
use crate::document::{gen, Documents, Node};
use crate::storage::vfs::{CrashConfig, FaultyVfs};

/// What must survive of a node, timestamps aside: id, parent, title, text, first page.
type Shape = (String, Option<String>, String, Option<String>, Option<i64>);

fn shape(nodes: &[Node]) -> Vec<Shape> {
    nodes
        .iter()
        .map(|n| {
            (
                n.node_id.clone(),
                n.parent_id.clone(),
                n.title.clone(),
                n.text.clone(),
                n.page_start,
            )
        })
        .collect()
}

fn expected(input: &[Node]) -> Vec<Shape> {
    let stored = crate::document::Document {
        policy_id: "p".into(),
        version_id: "v1".into(),
        ..Default::default()
    };
    shape(&super::support::Reference::new(&stored, input).nodes)
}

fn crash_during_replace(seed: u64, crash_at: u64, mode: CrashConfig) {
    let vfs = FaultyVfs::new(seed);
    let options = || Options {
        vfs: Arc::new(vfs.clone()),
        ..Options::default()
    };
    let cfg = gen::GenConfig {
        nodes: 150,
        text_chars: (200, 1_500),
        ..gen::GenConfig::default()
    };
    let old = gen::document(seed, "p", "v1", &cfg);
    let new = gen::document(
        seed + 1_000,
        "p",
        "v1",
        &gen::GenConfig { nodes: 170, ..cfg },
    );
    let result = {
        let db = Database::open("/crash.tsdb", options()).unwrap();
        let docs = Documents::new(&db);
        docs.store_document(&old.0, &old.1).unwrap();
        if seed.is_multiple_of(2) {
            db.checkpoint().unwrap();
        }
        vfs.crash_at_sync(crash_at, mode);
        let result = docs.store_document(&new.0, &new.1);
        vfs.crash_now(mode);
        result
    };
    let image = vfs.crash_image().unwrap();
    let db = Database::open(
        "/crash.tsdb",
        Options {
            vfs: Arc::new(image),
            ..Options::default()
        },
    )
    .unwrap();
    let (_, nodes) = Documents::new(&db).document("p", None).unwrap();
    let got = shape(&nodes);
    let (was_old, was_new) = (got == expected(&old.1), got == expected(&new.1));
    assert!(
        was_old || was_new,
        "seed {seed}, sync {crash_at}: a mix of versions survived"
    );
    if result.is_ok() {
        assert!(
            was_new,
            "seed {seed}, sync {crash_at}: a committed store was lost"
        );
    }
    assert_eq!(check_consistency(&db), 1);
}

#[test]
fn crash_mid_store_leaves_old_or_new_version() {
    for seed in 0..4 {
        for crash_at in 1..=3 {
            for mode in [
                CrashConfig::drop_all(),
                CrashConfig::apply_all(),
                CrashConfig::chaos(),
            ] {
                crash_during_replace(seed, crash_at, mode);
            }
        }
    }
}
