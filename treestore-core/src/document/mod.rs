//! The document store: the nodes of every document version — a tree of sections with titles, page
//! ranges, summaries and text — and every way of reading them: by id, by batch, children,
//! subtree, ancestor path, page, section path, and the table of contents. The catalog of versions
//! (which exist, latest, as-of, tags) is [`crate::version`]; the keyword index is not here (see
//! `indexing`, its integration point).
//!
//! API: [`store_document`], [`store_documents`], [`delete_document`], [`import_pageindex`] on a
//! [`WriteTxn`](crate::WriteTxn); [`DocReader`] on any transaction; [`Documents`] for one
//! transaction per call. Rust names drop the `get_` of the SDK names (`get_node` is
//! [`DocReader::node`]).
//!
//! ## Layout
//!
//! Each stored version gets a `vid` from the catalog. Within a version, nodes are numbered by their
//! **pre-order position** `pos` (the root is 0), and each node record stores its subtree size, so
//! the subtree of the node at `pos` is exactly the positions `[pos, pos + size)`: **one contiguous
//! range scan** of `doc.nodes`. A depth-limited subtree (and children, which is depth 1) re-seeks
//! past any cut-off subtree of more than 32 nodes, so it reads what it returns plus at most 32
//! skipped records per cut. Each record holds its parent's position, so the **ancestor path is
//! `depth` point reads** after the id lookup (usually none: see the id hint below). Texts are
//! out of line (and shared by content), so
//! records stay small and structure or subtree reads without text never touch `doc.text`.
//!
//! B-tree operations per read (resolving "latest" is one more point read, `ver.latest`, which a
//! [`DocReader`] remembers for the policies it resolved). A *finger read*
//! ([`ReadOps::get_near`](crate::ReadOps::get_near)) starts from the lowest page of the previous
//! lookup's path whose key range surely holds the key, so reads of neighbouring keys (a version's
//! records, a text's chunks) mostly search one leaf or one branch instead of descending from the
//! root:
//!
//! | read | operations |
//! |------|------------|
//! | `node` | id lookup (with the id hint: none), record, text (a point read, then a finger read per further chunk, which finds it in the same leaf; texts kept in the record, ≤ 512 bytes: none) |
//! | `nodes(k)` | k × (id lookup, record) as finger reads (with the id hint: k × record), then the texts as `subtree` reads them |
//! | `subtree` | id lookup (with the id hint: the node's record), one range scan from the node's own record (plus a re-seek per cut-off subtree > 32 nodes) |
//! | `children` | id lookup (with the id hint: none), head of the node, one range scan (plus a re-seek per cut-off subtree > 32 nodes) |
//! | texts of several nodes (`subtree`, `document`, … with text) | one `doc.text` scan per run of owner positions spanning ≤ 4× the texts it holds, else a point read each (`text_scan.rs`) |
//! | `ancestor_path` | id lookup (with the id hint: none), depth + 1 records as finger reads (each parent searched from its child's leaf or branch), then the texts as `subtree` reads them |
//! | `nodes_by_page(s)` | `doc.heads`, ≤ 2 seeks per page level in use, one record per hit |
//! | `node_by_section_path` | one section lookup (a short prefix scan for hashed paths), record |
//! | `structure` | `doc.heads`, one range scan, the version record |
//! | `counts` | three catalog reads (the entry counts of `ver.latest`, `ver.docs`, `doc.nodes`) |
//!
//! | table          | key                                                   | value |
//! |----------------|-------------------------------------------------------|-------|
//! | `doc.nodes`    | `(vid u64, pos u32)`                                  | node record (below) |
//! | `doc.ids`      | `(vid u64, node_id str)`                              | pos (uvar) |
//! | `doc.sections` | `(vid u64, false, section_path str)` for paths ≤ 256 bytes whose key fits the key limit, else `(vid u64, true, SipHash-128(path) bytes, pos u32)` | pos (uvar) |
//! | `doc.pages`    | `(vid u64, level u32, side bool, bin u32, bound u32, pos u32)` | empty |
//! | `doc.heads`    | `(vid u64)`                                           | format u8, policy str, version str, node count uvar, page-level mask uvar |
//! | `doc.text`     | `(owner vid u64, owner pos u32, false)`, then `(…, false, chunk u32)` from chunk 1; `(owner vid u64, owner pos u32, true)` | the UTF-8 text in chunks that stay inline (979 bytes at 4 KiB pages); its reference count uvar (only while ≥ 2) |
//!
//! Node record (format 1, [`crate::codec`] encoding), hot fields first so walks decode only them:
//! format u8, parent pos + 1 (0 = root) uvar, depth uvar, subtree size uvar, node_id str,
//! parent_id opt str, pages (u8 0, or u8 1 + start uvar + end uvar), title str, summary opt str,
//! text (u8 0 none; 1 + inline str for a text kept in the record; 3, or 2 in files from before bodies were
//! chunked, + owner vid uvar + owner pos uvar + length uvar + 16-byte SipHash-1-3-128),
//! section_path str, child_ids str list, see_also str list, metadata str map, created_at ivar,
//! updated_at ivar.
//!
//! **Pages** (`doc.pages`): PageIndex parent ranges do not cover their children, so "nodes covering
//! page p" is an interval stabbing query over all nodes. Each range `[s, e]` is filed under the
//! smallest aligned power-of-two block holding it (level = bit length of `s ^ e`, bin = `s >>
//! level`); all ranges of one bin straddle the block's midpoint, so within a bin the hits are a
//! prefix of the ranges sorted by start (side false, bound = s) or by descending end (side true,
//! bound = `u32::MAX - e`). A query costs at most two seeks per level in use (the version's mask in
//! `doc.heads`; ≤ 33, ~log2 of the page span) plus one read per hit: `O(log P + k)`, independent
//! of the number of nodes. Range queries (`"5-10,12"`) work the same way per range.
//!
//! **Text** (`doc.text`): a text of at most 48 bytes stays in its node record, and so does one of at
//! most 512 bytes (an eighth of the page at smaller pages) unless the record would then no longer
//! fit inline in a leaf: reading it apart would cost a second lookup (a cold leaf) for fewer bytes
//! than a title and a summary, so, like them, it is kept per version (as PostgreSQL keeps values
//! below its TOAST threshold in the row). A longer text is stored once, under the position of the
//! first node that held it, so new texts are written in key order next to their version's other
//! entries. A new version shares, after a byte comparison, every text equal (by SipHash-1-3-128
//! and length) to a text of its base versions (the one it replaces and the policy's latest) or to
//! an earlier text of its own, and counts references; a policy with 50 versions that change a few
//! sections stores each unchanged text once. See `text.rs`.
//!
//! **Id hint** (`id_pos.rs`, like SQLite's rowid alias): most documents number their nodes in
//! pre-order (PageIndex writes "0000", "0001", …, after the importer's synthetic root; so does the
//! seeded generator), so the id lookup can be skipped. When a version is stored, its ids are read in
//! pre-order; ids of 1–10 ASCII digits are numbers n, and if they increase along the pre-order they
//! fall into runs with position = n + offset (one run for a PageIndex output, one more after each
//! section an amended version inserts; at most 32, else no hint). The root and ids that are not
//! numbers take no part. The runs go into the version's catalog records (`ver.docs`, `ver.latest`),
//! which reads load anyway to resolve the version. A read by id then parses the id, reads the record
//! at the guessed position and takes it only if its `node_id` equals the asked id byte for byte;
//! otherwise (no hint, an id that is not a number, "01" where "0001" is stored, nothing at that
//! position, another node there) it asks `doc.ids` as before. Ids are unique within a version, so
//! the hint can only save a read, never change an answer; catalog records written before it read
//! as "no hint".
//!
//! **Writes**: [`store_document`] validates everything (see [`Node`]) before the first write, writes
//! the new version under a fresh vid, updates the catalog, then drops the replaced version's
//! entries (so shared texts are re-referenced before they are released). Every entry of a version
//! carries its vid as the key prefix, so deletion is a prefix removal per table, and a check can
//! verify that no entry outlives its version (texts excepted: one outlives its first holder while
//! a later version holds it). Keys stay far below the engine's key limit at the
//! default 4 KiB page: ids are at most [`MAX_ID_BYTES`], long section paths are hashed. Smaller
//! pages take shorter keys (208 bytes at 1 KiB, [`crate::db::ReadOps::max_key_len`]): there
//! section paths are hashed from the length whose key would not fit, and an id or tag whose
//! key would not fit is refused before anything is written (`TooLarge`, naming it).

pub(crate) use text::hex;

#[doc(hidden)]
pub mod gen;
mod handle;
pub(crate) mod id_pos;
mod indexing;
mod model;
pub mod pageindex;
mod pages;
mod read;
pub(crate) mod record;
pub(crate) mod text;
mod text_scan;
mod validate;
mod write;

pub use handle::Documents;
pub use model::{
    Document, DocumentCounts, Node, StructureInfo, StructureOptions, StructurePage, MAX_DEPTH,
    MAX_DESCRIPTION_BYTES, MAX_ID_BYTES, MAX_METADATA_BYTES, MAX_NODES, MAX_PAGE, MAX_PAGE_RANGES,
    MAX_SECTION_PATH_BYTES, MAX_SEE_ALSO, MAX_SUMMARY_BYTES, MAX_TAGS, MAX_TAG_BYTES,
    MAX_TEXT_BYTES, MAX_TITLE_BYTES,
};
pub use pageindex::{import_pageindex, parse_pageindex, render_pageindex, PageIndexFormat};
pub use pages::parse_page_spec;
pub use read::{DocReader, NodeRef, NodeSink, Projection};
pub use write::{delete_document, store_document, store_documents};

#[cfg(test)]
pub(crate) mod tests;
