//! The integrity check: re-reads every reachable page from the WAL overlay or the file (bypassing
//! the once-per-open verification cache), verifies checksums, key order, uniform leaf depth, overflow
//! chains and table counts, and that every page below the high-water mark is used exactly once: by a
//! tree, the freelist chain, or the free and pending lists.

use std::collections::HashSet;
use std::sync::Arc;

use super::shared::Shared;
use super::table::decode_entry;
use crate::btree::node::Node;
use crate::btree::page::ValRef;
use crate::btree::page::{decode_node, read_overflow, OVERFLOW_DATA_START};
use crate::error::Result;
use crate::storage::format::FIRST_DATA_PAGE;

const MAX_REPORTED: usize = 100;

/// What the integrity check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrityReport {
    /// Pages read and verified.
    pub pages_checked: u64,
    /// Tables walked.
    pub tables: u64,
    /// Entries counted across all tables.
    pub entries: u64,
    /// Every problem found (at most 100), each naming the page or table.
    pub errors: Vec<String>,
}

impl IntegrityReport {
    /// Whether nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    fn error(&mut self, msg: String) {
        if self.errors.len() < MAX_REPORTED {
            self.errors.push(msg);
        }
    }
}

struct Walker<'a> {
    shared: &'a Shared,
    report: IntegrityReport,
    seen: HashSet<u64>,
    leaf_depth: Option<usize>,
}

pub(crate) fn check(shared: &Arc<Shared>) -> Result<IntegrityReport> {
    let state = if shared.read_only {
        None
    } else {
        Some(shared.acquire_writer()?)
    };
    let snap = shared.current();
    let mut w = Walker {
        shared,
        report: IntegrityReport::default(),
        seen: HashSet::new(),
        leaf_depth: None,
    };
    let tables = w.walk_tree("catalog", snap.catalog_root);
    for (name, value) in tables {
        let name = String::from_utf8_lossy(&name).into_owned();
        match decode_entry(&name, &value) {
            Ok((root, len)) => {
                w.report.tables += 1;
                let entries = w.walk_tree(&name, root);
                if entries.len() as u64 != len {
                    w.report.error(format!(
                        "table {name:?}: catalog says {len} entries, the tree holds {}",
                        entries.len()
                    ));
                }
                w.report.entries += entries.len() as u64;
            }
            Err(e) => w.report.error(e.to_string()),
        }
    }
    if let Some(state) = state {
        let mut accounted = w.seen.clone();
        let mut claim = |p: u64, what: &str, report: &mut IntegrityReport| {
            if !accounted.insert(p) {
                report.error(format!("page {p} is both in use and {what}"));
            }
        };
        for p in state.alloc.free_on_restart() {
            claim(p, "free", &mut w.report);
        }
        for &p in &state.freelist_chain {
            claim(p, "a freelist chain page", &mut w.report);
        }
        for p in FIRST_DATA_PAGE..state.alloc.hwm() {
            if !accounted.contains(&p) {
                w.report
                    .error(format!("page {p} is leaked: neither used nor free"));
            }
        }
        shared.release_writer(state);
    }
    Ok(w.report)
}

impl Walker<'_> {
    /// Walks one tree; returns its entries (key, inline value or overflow bytes).
    fn walk_tree(&mut self, name: &str, root: u64) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        self.leaf_depth = None;
        if root != 0 {
            self.walk(name, root, None, None, 0, &mut out);
        }
        out
    }

    fn load(&mut self, name: &str, page_no: u64) -> Option<Vec<u8>> {
        if !self.seen.insert(page_no) {
            self.report
                .error(format!("table {name:?}: page {page_no} is reachable twice"));
            return None;
        }
        self.report.pages_checked += 1;
        match self.shared.pager.page_fresh(page_no) {
            Ok(p) => Some(p),
            Err(e) => {
                self.report.error(format!("table {name:?}: {e}"));
                None
            }
        }
    }

    fn walk(
        &mut self,
        name: &str,
        page_no: u64,
        lower: Option<&[u8]>,
        upper: Option<&[u8]>,
        depth: usize,
        out: &mut Vec<(Vec<u8>, Vec<u8>)>,
    ) {
        if depth > crate::btree::view::MAX_DEPTH {
            self.report
                .error(format!("table {name:?}: tree too deep at page {page_no}"));
            return;
        }
        let Some(page) = self.load(name, page_no) else {
            return;
        };
        let node = match decode_node(&page, page_no) {
            Ok(n) => n,
            Err(e) => return self.report.error(format!("table {name:?}: {e}")),
        };
        let keys: Vec<&[u8]> = match &node {
            Node::Leaf(l) => l.iter().map(|(k, _)| k).collect(),
            Node::Branch(b) => b.keys.iter().map(|k| k.as_slice()).collect(),
        };
        self.check_keys(name, page_no, &keys, lower, upper);
        match node {
            Node::Leaf(leaf) => {
                if *self.leaf_depth.get_or_insert(depth) != depth {
                    self.report.error(format!(
                        "table {name:?}: leaf page {page_no} at uneven depth {depth}"
                    ));
                }
                for (k, v) in leaf.iter() {
                    let value = self.value(name, v);
                    out.push((k.to_vec(), value));
                }
            }
            Node::Branch(b) => {
                for (i, &child) in b.children.iter().enumerate() {
                    let lo = if i == 0 {
                        lower
                    } else {
                        Some(b.keys[i - 1].as_slice())
                    };
                    let hi = b.keys.get(i).map(|k| k.as_slice()).or(upper);
                    self.walk(name, child, lo, hi, depth + 1, out);
                }
            }
        }
    }

    fn check_keys(
        &mut self,
        name: &str,
        page_no: u64,
        keys: &[&[u8]],
        lo: Option<&[u8]>,
        hi: Option<&[u8]>,
    ) {
        if keys.windows(2).any(|w| w[0] >= w[1]) {
            self.report.error(format!(
                "table {name:?}: page {page_no} keys are out of order"
            ));
        }
        let below = |k: &&[u8]| lo.is_some_and(|l| *k < l);
        let above = |k: &&[u8]| hi.is_some_and(|h| *k >= h);
        if keys.iter().any(|k| below(k) || above(k)) {
            self.report.error(format!(
                "table {name:?}: page {page_no} holds keys outside its parent's range"
            ));
        }
    }

    fn value(&mut self, name: &str, v: ValRef<'_>) -> Vec<u8> {
        let (first, len) = match v {
            ValRef::Inline(b) => return b.to_vec(),
            ValRef::Overflow { first, len } => (first, len),
        };
        let cap = (self.shared.pager.page_size() - OVERFLOW_DATA_START) as u64;
        let mut data = Vec::new();
        let mut page_no = first;
        for _ in 0..len.div_ceil(cap).max(1) {
            let Some(page) = self.load(name, page_no) else {
                return data;
            };
            match read_overflow(&page, page_no) {
                Ok((chunk, next)) => {
                    data.extend_from_slice(chunk);
                    if next == 0 {
                        break;
                    }
                    page_no = next;
                }
                Err(e) => {
                    self.report.error(format!("table {name:?}: {e}"));
                    return data;
                }
            }
        }
        if data.len() as u64 != len {
            self.report.error(format!(
                "table {name:?}: overflow chain at page {first} holds {} bytes, expected {len}",
                data.len()
            ));
        }
        data
    }
}
