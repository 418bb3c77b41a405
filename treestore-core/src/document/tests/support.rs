//! Shared test helpers: databases on memory, a reference model of the reads, and a full
//! consistency check of every document and version table (no stale entry, exact refcounts).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::db::{Database, Options, ReadOps, ReadTxn};
use crate::document::id_pos::IdHint;
use crate::document::pages::{placement, read_entry};
use crate::document::record::{
    decode_head_record, decode_node, key_vid, node_key_pos, TextRef, HEADS, IDS, NODES, PAGES,
    SECTIONS, TEXTS,
};
use crate::document::{Document, Node};
use crate::keys::KeyReader;
use crate::storage::vfs::MemVfs;
use crate::version::record::{
    decode_effective, decode_latest, decode_version, decode_version_vid, decode_vid, BY_TIME,
    EFFECTIVE, LATEST, TAGS, VERSIONS,
};

pub(crate) fn mem_db() -> Database {
    mem_db_paged(Options::default().page_size)
}

/// [`mem_db`] with pages of `page_size` bytes.
pub(crate) fn mem_db_paged(page_size: u32) -> Database {
    let vfs = MemVfs::new();
    Database::open(
        "/docs.tsdb",
        Options {
            vfs: Arc::new(vfs),
            page_size,
            ..Options::default()
        },
    )
    .unwrap()
}

pub(crate) fn doc(policy: &str, version: &str) -> Document {
    Document {
        policy_id: policy.to_string(),
        version_id: version.to_string(),
        ..Document::default()
    }
}

pub(crate) fn node(id: &str, parent: Option<&str>) -> Node {
    Node {
        node_id: id.to_string(),
        parent_id: parent.map(str::to_string),
        title: format!("Title {id}"),
        ..Node::default()
    }
}

pub(crate) fn paged(id: &str, parent: Option<&str>, s: i64, e: i64) -> Node {
    Node {
        page_start: Some(s),
        page_end: Some(e),
        ..node(id, parent)
    }
}

/// What the store should return, computed the simple way from the input.
pub(crate) struct Reference {
    /// Expected nodes (with text) in pre-order.
    pub nodes: Vec<Node>,
    pub index: HashMap<String, usize>,
}

impl Reference {
    /// The expected stored form of `input` under the stored header `doc`.
    pub(crate) fn new(doc: &Document, input: &[Node]) -> Reference {
        let mut kids: HashMap<Option<String>, Vec<usize>> = HashMap::new();
        for (i, n) in input.iter().enumerate() {
            kids.entry(n.parent_id.clone()).or_default().push(i);
        }
        for (i, n) in input.iter().enumerate() {
            if !n.child_ids.is_empty() {
                let order: Vec<usize> = n
                    .child_ids
                    .iter()
                    .map(|c| input.iter().position(|x| &x.node_id == c).unwrap())
                    .collect();
                kids.insert(Some(input[i].node_id.clone()), order);
            }
        }
        let root = input.iter().position(|n| n.parent_id.is_none()).unwrap();
        let mut nodes = Vec::new();
        // (input index, depth, derived path)
        let mut stack = vec![(root, 0u32, String::new())];
        while let Some((i, depth, path)) = stack.pop() {
            let n = &input[i];
            let path = if n.section_path.is_empty() {
                path
            } else {
                n.section_path.clone()
            };
            let children = kids
                .get(&Some(n.node_id.clone()))
                .cloned()
                .unwrap_or_default();
            for (k, &c) in children.iter().enumerate().rev() {
                let child_path = if path.is_empty() {
                    format!("{}", k + 1)
                } else {
                    format!("{path}.{}", k + 1)
                };
                stack.push((c, depth + 1, child_path));
            }
            let mut out = n.clone();
            out.policy_id = doc.policy_id.clone();
            out.version_id = doc.version_id.clone();
            out.depth = depth;
            out.section_path = path;
            out.child_ids = children.iter().map(|&c| input[c].node_id.clone()).collect();
            if out.created_at == 0 {
                out.created_at = doc.created_at;
            }
            if out.updated_at == 0 {
                out.updated_at = doc.updated_at;
            }
            nodes.push(out);
        }
        let index = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.node_id.clone(), i))
            .collect();
        Reference { nodes, index }
    }

    pub(crate) fn get(&self, id: &str) -> &Node {
        &self.nodes[self.index[id]]
    }

    pub(crate) fn no_text(n: &Node) -> Node {
        Node {
            text: None,
            ..n.clone()
        }
    }

    pub(crate) fn subtree(&self, id: &str, max_depth: u32) -> Vec<Node> {
        let start = self.index[id];
        let d0 = self.nodes[start].depth;
        let mut out = vec![self.nodes[start].clone()];
        for n in &self.nodes[start + 1..] {
            if n.depth <= d0 {
                break;
            }
            if max_depth == 0 || n.depth <= d0 + max_depth {
                out.push(n.clone());
            }
        }
        out
    }

    pub(crate) fn ancestors(&self, id: &str) -> Vec<Node> {
        let mut out = vec![self.get(id).clone()];
        while let Some(p) = out.last().and_then(|n| n.parent_id.clone()) {
            out.push(self.get(&p).clone());
        }
        out.reverse();
        out
    }

    pub(crate) fn children(&self, id: &str) -> Vec<Node> {
        self.get(id)
            .child_ids
            .iter()
            .map(|c| self.get(c).clone())
            .collect()
    }

    pub(crate) fn meeting(&self, ranges: &[(u32, u32)]) -> Vec<Node> {
        self.nodes
            .iter()
            .filter(|n| match (n.page_start, n.page_end) {
                (Some(s), Some(e)) => ranges
                    .iter()
                    .any(|&(a, z)| s <= i64::from(z) && e >= i64::from(a)),
                _ => false,
            })
            .cloned()
            .collect()
    }
}

fn scan(r: &ReadTxn, table: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let t = r.table(table).unwrap();
    r.range(t, std::ops::Bound::Unbounded, std::ops::Bound::Unbounded)
        .unwrap()
        .map(|kv| {
            let (k, v) = kv.unwrap();
            (k.to_vec(), v.to_vec())
        })
        .collect()
}

/// Checks every invariant between the document and version tables; returns the number of live
/// versions. Panics with the first violation.
pub(crate) fn check_consistency(db: &Database) -> usize {
    let r = db.begin_read().unwrap();
    // The catalog: each version's rows in every index, and nothing else.
    let mut live: BTreeMap<u64, (String, String)> = BTreeMap::new();
    let mut tag_rows = BTreeSet::new();
    let mut time_rows = BTreeSet::new();
    let mut newest: BTreeMap<String, (i64, String, u64)> = BTreeMap::new();
    let mut hints: BTreeMap<u64, Option<IdHint>> = BTreeMap::new();
    for (k, v) in scan(&r, VERSIONS) {
        let mut kr = KeyReader::new(&k);
        let (p, ver) = (
            kr.str().unwrap().into_owned(),
            kr.str().unwrap().into_owned(),
        );
        let row = decode_version(&p, &ver, &v).unwrap();
        assert_eq!(
            decode_version_vid(&v).unwrap(),
            (row.vid, row.id_hint.clone()),
            "the skipping decoder of {p}/{ver}"
        );
        hints.insert(row.vid, row.id_hint.clone());
        assert!(
            live.insert(row.vid, (p.clone(), ver.clone())).is_none(),
            "vid reused"
        );
        for t in &row.doc.tags {
            tag_rows.insert((p.clone(), t.clone(), ver.clone()));
        }
        time_rows.insert((
            p.clone(),
            row.doc.created_at,
            ver.clone(),
            row.vid,
            row.start(),
        ));
        let cand = (row.doc.created_at, ver.clone(), row.vid);
        let e = newest.entry(p.clone()).or_insert(cand.clone());
        if (cand.0, &cand.1) > (e.0, &e.1) {
            *e = cand;
        }
    }
    let by_time: BTreeSet<_> = scan(&r, BY_TIME)
        .into_iter()
        .map(|(k, v)| {
            let mut kr = KeyReader::new(&k);
            (
                kr.str().unwrap().into_owned(),
                kr.i64().unwrap(),
                kr.str().unwrap().into_owned(),
                decode_vid(&v, "t").unwrap(),
            )
        })
        .collect();
    let want_time: BTreeSet<_> = time_rows
        .iter()
        .map(|(p, c, v, vid, _)| (p.clone(), *c, v.clone(), *vid))
        .collect();
    assert_eq!(by_time, want_time, "ver.by_time");
    let effective: BTreeSet<_> = scan(&r, EFFECTIVE)
        .into_iter()
        .map(|(k, v)| {
            let mut kr = KeyReader::new(&k);
            let p = kr.str().unwrap().into_owned();
            let s = kr.i64().unwrap();
            let ver = kr.str().unwrap().into_owned();
            (p, s, ver, decode_effective(&v).unwrap().1)
        })
        .collect();
    let want_eff: BTreeSet<_> = time_rows
        .iter()
        .map(|(p, _, v, vid, s)| (p.clone(), *s, v.clone(), *vid))
        .collect();
    assert_eq!(effective, want_eff, "ver.effective");
    let tags: BTreeSet<_> = scan(&r, TAGS)
        .into_iter()
        .map(|(k, v)| {
            let mut kr = KeyReader::new(&k);
            (
                kr.str().unwrap().into_owned(),
                kr.str().unwrap().into_owned(),
                String::from_utf8(v).unwrap(),
            )
        })
        .collect();
    assert_eq!(tags, tag_rows, "ver.tags");
    let latest: BTreeMap<String, (u64, String, Option<IdHint>)> = scan(&r, LATEST)
        .into_iter()
        .map(|(k, v)| {
            let p = KeyReader::new(&k).str().unwrap().into_owned();
            let (vid, ver, hint) = decode_latest(&v).unwrap();
            (p, (vid, ver.to_string(), hint))
        })
        .collect();
    let want_latest: BTreeMap<String, (u64, String, Option<IdHint>)> = newest
        .into_iter()
        .map(|(p, (_, v, vid))| (p, (vid, v, hints[&vid].clone())))
        .collect();
    assert_eq!(latest, want_latest, "ver.latest");

    // The node tables: every key's vid is live, counts match the heads.
    let heads: BTreeMap<u64, _> = scan(&r, HEADS)
        .into_iter()
        .map(|(k, v)| (key_vid(&k).unwrap(), decode_head_record(&v).unwrap()))
        .collect();
    assert_eq!(
        heads.keys().collect::<Vec<_>>(),
        live.keys().collect::<Vec<_>>(),
        "doc.heads"
    );
    for (vid, h) in &heads {
        assert_eq!((&h.policy_id, &h.version_id), (&live[vid].0, &live[vid].1));
    }
    let mut counts: BTreeMap<(&str, u64), u64> = BTreeMap::new();
    let mut text_refs: BTreeMap<(u64, u32), u64> = BTreeMap::new();
    let mut page_entries: BTreeMap<u64, u64> = BTreeMap::new();
    let mut ids_in_order: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for (k, v) in scan(&r, NODES) {
        let vid = key_vid(&k).unwrap();
        assert!(
            live.contains_key(&vid),
            "stale doc.nodes entry of vid {vid}"
        );
        node_key_pos(&k).unwrap();
        let rec = decode_node(&v, false).unwrap();
        ids_in_order
            .entry(vid)
            .or_default()
            .push(rec.node_id.clone());
        if let Some((s, e)) = rec.pages {
            *page_entries.entry(vid).or_default() += if placement(s, e).0 == 0 { 1 } else { 2 };
        }
        if let TextRef::Stored(st) = rec.text {
            *text_refs.entry((st.owner_vid, st.owner_pos)).or_default() += 1;
        }
        *counts.entry((NODES, vid)).or_default() += 1;
    }
    for table in [IDS, SECTIONS, PAGES] {
        for (k, _) in scan(&r, table) {
            let vid = key_vid(&k).unwrap();
            assert!(live.contains_key(&vid), "stale {table} entry of vid {vid}");
            if table == PAGES {
                read_entry(&k).unwrap();
            }
            *counts.entry((table, vid)).or_default() += 1;
        }
    }
    for (vid, h) in &heads {
        let n = u64::from(h.node_count);
        for table in [NODES, IDS, SECTIONS] {
            assert_eq!(
                counts.get(&(table, *vid)).copied().unwrap_or(0),
                n,
                "{table} of vid {vid}"
            );
        }
        assert_eq!(
            counts.get(&(PAGES, *vid)).copied().unwrap_or(0),
            page_entries.get(vid).copied().unwrap_or(0),
            "doc.pages of vid {vid}"
        );
    }
    // Each version's id → position hint is the one its stored ids give.
    for (vid, ids) in &ids_in_order {
        let want = IdHint::detect(ids.iter().map(String::as_str));
        assert_eq!(hints[vid], want, "id → position hint of vid {vid}");
        // Every id the hint makes a guess for but the root's is where the guess says.
        for (pos, id) in ids.iter().enumerate().skip(1) {
            let guess = want.as_ref().and_then(|h| h.guess(id));
            assert!(
                guess.is_none_or(|g| g as usize == pos),
                "vid {vid}: {id} guessed at {guess:?}, stored at {pos}"
            );
        }
    }
    // Texts: a body for every referenced text and no other, counts exact (absent means 1).
    let mut stored_counts = BTreeMap::new();
    let mut bodies = BTreeSet::new();
    for (k, v) in scan(&r, TEXTS) {
        let mut kr = KeyReader::new(&k);
        let owner = (kr.u64().unwrap(), kr.u32().unwrap());
        if kr.bool().unwrap() {
            let n = crate::codec::Decoder::new(&v, "rc").uvar().unwrap();
            assert!(n >= 2, "doc.text count {n} of {owner:?} should be absent");
            stored_counts.insert(owner, n);
        } else if kr.is_empty() {
            bodies.insert(owner);
        } else {
            // A later chunk: only beside its first one, numbered from 1.
            assert!(kr.u32().unwrap() >= 1, "doc.text chunk of {owner:?}");
            assert!(bodies.contains(&owner), "doc.text chunk without a body");
        }
        kr.expect_end().unwrap();
    }
    assert_eq!(
        bodies,
        text_refs.keys().copied().collect::<BTreeSet<_>>(),
        "doc.text bodies"
    );
    for (owner, n) in &text_refs {
        assert_eq!(
            stored_counts.get(owner).copied().unwrap_or(1),
            *n,
            "refcount of {owner:?}"
        );
    }
    assert!(
        stored_counts.keys().all(|o| bodies.contains(o)),
        "count without body"
    );
    drop(r);
    let report = db.check_integrity().unwrap();
    assert!(report.is_ok(), "{:?}", report.errors);
    live.len()
}
