//! The paginated table of contents: [`DocReader::structure_with`] hands a page of nodes, without
//! text and with summaries cut, to a [`NodeSink`] as borrowed [`NodeRef`](super::NodeRef)s (the summary cut is a
//! shorter view of the stored one, no copy); [`DocReader::structure`] is it with a sink that
//! builds owned [`Node`](super::Node)s.

use super::collect::Collected;
use super::{DocReader, NodeSink};
use crate::db::ReadOps;
use crate::document::model::{StructureInfo, StructureOptions, StructurePage};
use crate::error::{Error, Result};

impl<R: ReadOps + ?Sized> DocReader<'_, R> {
    /// The table of contents: every node in pre-order without text, summaries cut as `options`
    /// says, `options.limit` nodes per page. Pass the previous page's `next_cursor` to continue.
    pub fn structure(
        &self,
        policy: &str,
        version: Option<&str>,
        options: &StructureOptions,
        cursor: Option<&str>,
    ) -> Result<StructurePage> {
        let mut out = Collected::with_capacity(0);
        let info = self.structure_with(policy, version, options, cursor, &mut out)?;
        Ok(StructurePage {
            document: info.document,
            nodes: out.nodes,
            total_nodes: info.total_nodes,
            next_cursor: info.next_cursor,
        })
    }

    /// [`Self::structure`]: the page's nodes handed to `sink` (summaries already cut, no text),
    /// the rest of the page returned.
    pub fn structure_with(
        &self,
        policy: &str,
        version: Option<&str>,
        options: &StructureOptions,
        cursor: Option<&str>,
        sink: &mut (impl NodeSink + ?Sized),
    ) -> Result<StructureInfo> {
        let r = self.ver.resolve(policy, version)?;
        let head = self.head(&r, policy)?;
        let start = match cursor {
            None => 0,
            Some(c) => c
                .parse::<u32>()
                .ok()
                .filter(|&p| p <= head.node_count)
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "cursor {c:?} is not a structure cursor of this version"
                    ))
                })?,
        };
        let end = match options.limit {
            0 => head.node_count,
            n => start
                .saturating_add(u32::try_from(n).unwrap_or(u32::MAX))
                .min(head.node_count),
        };
        // The decoder cuts the summaries (checking only the kept part: see
        // `crate::utf8::char_prefix`).
        let cut = options.summary_chars;
        self.scan_nodes(policy, &r, (start, Some(end)), false, cut, sink)?;
        Ok(StructureInfo {
            document: self.ver.version(policy, &r.version_id)?,
            total_nodes: u64::from(head.node_count),
            next_cursor: (end < head.node_count).then(|| end.to_string()),
        })
    }
}

#[cfg(test)]
mod tests;
