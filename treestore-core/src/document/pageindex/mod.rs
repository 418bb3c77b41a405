//! PageIndex import and export: PageIndex's JSON output (`doc_name`, `doc_description`,
//! `structure` of nested `nodes` with `title`, `node_id`, `start_index`, `end_index`, `summary`,
//! `prefix_summary`, `text`, `line_num`, or a bare top-level list) to a document version and back,
//! losslessly.
//!
//! Mapping (node): `title` → `title`; `node_id` → `node_id` (missing ids are assigned PageIndex
//! style, the pre-order index as 4 digits, skipping ids in use); `start_index`/`end_index` →
//! `page_start`/`page_end` (one missing: the other); `summary` → `summary`; `text` → `text`;
//! `nodes` → children in order; `prefix_summary` → metadata [`META_PREFIX_SUMMARY`]; `line_num` →
//! metadata [`META_LINE_NUM`] (decimal). Document: `doc_description` → `description`, `doc_name` →
//! metadata [`META_DOC_NAME`]. PageIndex's top level is a list of sections, so the version gets a
//! synthetic root (id `root`, or `root-1`, ... when taken; title `doc_name`; no pages; metadata
//! [`META_ROOT`] = `synthetic`) whose children they are; section paths are then "1", "1.2", ...,
//! the structure codes PageIndex drops.
//!
//! Losslessness: every other field, and a known field whose value is `null`, is kept verbatim in
//! metadata [`META_EXTRA`] (a JSON object, in the original order). When the export's default key
//! order or presence would differ from the input's (a leaf with `"nodes": []`, an assigned id, an
//! unusual order), the original key list is kept in [`META_KEYS`] (a JSON array). A structure
//! given as one object rather than a list, or a bare top-level list, is noted in [`META_SHAPE`].
//! With the default [`PageIndexFormat`] (2-space indent, non-ASCII escaped, as Python's
//! `json.dump(indent=2)` writes), export reproduces PageIndex's files byte for byte.
//!
//! The JSON parser nests at most 128 levels, which is a tree of about 60 levels; export has no
//! depth limit.

mod export;
mod import;
mod json;

pub use export::{render_pageindex, PageIndexFormat};
pub use import::{import_pageindex, parse_pageindex};

/// Document metadata key: PageIndex's `doc_name`.
pub const META_DOC_NAME: &str = "pageindex.doc_name";
/// Node metadata key: PageIndex's `prefix_summary`.
pub const META_PREFIX_SUMMARY: &str = "pageindex.prefix_summary";
/// Node metadata key: PageIndex's `line_num`, in decimal.
pub const META_LINE_NUM: &str = "pageindex.line_num";
/// Document or node metadata key: the fields without a column of their own, as a JSON object.
pub const META_EXTRA: &str = "pageindex.extra";
/// Document or node metadata key: the original key order, as a JSON array, when export's default
/// would differ.
pub const META_KEYS: &str = "pageindex.keys";
/// Document metadata key: `list` for a bare top-level list, `object` for a `structure` that was
/// one object rather than a list.
pub const META_SHAPE: &str = "pageindex.shape";
/// Node metadata key marking the root that import adds above PageIndex's top-level sections.
pub const META_ROOT: &str = "pageindex.root";
