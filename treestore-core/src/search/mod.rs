//! Keyword search: a BM25 inverted index over the title, summary and text of nodes, stored in
//! the engine's tables and maintained inside the caller's write transaction, so that a node and
//! its index entry commit together. The store owns every table named `fts.*`.
//!
//! # Use
//!
//! [`index_node`] (or [`index_nodes`] for a batch) indexes a node under its [`DocRef`], replacing
//! its previous entry; [`remove_node`], [`remove_version`] and [`remove_policy`] remove entries;
//! [`search`] runs a query and [`snippet`](fn@snippet) marks the matched words of a text. [`SearchIndex`] wraps
//! each in its own transaction. [`check`](fn@check) verifies every table against the documents.
//!
//! [`records`] is a second index in this store, over tool results, prompt versions and trajectory
//! steps (tables `fts.rec_*`), which the metadata and prompt stores keep in step with their
//! writes; the unified search ([`crate::query::unified_search`]) reads both.
//!
//! # Text analysis
//!
//! Unicode words, full lowercase, optional Porter stemming chosen per database
//! ([`SearchSettings::stemming`], recorded on first use and refused to change while nodes are
//! indexed); the rules are on [`analyze()`].
//!
//! # Query language
//!
//! FTS5's, slightly more lenient:
//!
//! ```text
//! query   := or
//! or      := and ( "OR" and )*
//! and     := not ( "AND" not )*
//! not     := seq ( "NOT" seq )*          a NOT b: a and not b (binary only, as in FTS5)
//! seq     := primary primary*            implicit AND, binding tighter than every operator
//! primary := "(" or ")" | "\"" phrase "\"" | word | word"*"
//! ```
//!
//! Bare words are ANDed, as in FTS5 (`prior authorization` needs both words); `a b OR c` is
//! `(a AND b) OR c` and `a OR b NOT c` is `a OR (b NOT c)`. Operators are the uppercase words
//! `AND`, `OR`, `NOT`. A word is a run of characters other than whitespace, `(`, `)` and `"`,
//! analyzed like indexed text: one that yields several terms ("prior-authorization", "164.512",
//! "中华") is a phrase, one that yields none ("-", "§") is dropped. `auth*` matches every term
//! starting with the folded, unstemmed word. Inside a phrase `""` is a literal quote. Unlike
//! FTS5, a group may be followed by an implicit AND (`(a OR b) c`), and there are no column
//! filters, `NEAR` or `+`. A malformed query is `InvalidArgument` naming the character position
//! (from 0), for example `query: AND needs a term after it at character 6`.
//!
//! # Ranking
//!
//! The score is SQLite FTS5's `bm25()` (negated, so higher is better) with the database's field
//! weights as its column weights; a test checks the two agree on a generated corpus. For a
//! document D and a query whose leaves (terms, prefixes, phrases, counted once per occurrence in
//! the query) are q_1..q_n:
//!
//! ```text
//! score(D) = sum over i of  IDF(q_i) * f_i * (k1 + 1) / (f_i + k1 * (1 - b + b * |D| / avgdl))
//!
//! f_i       = sum over fields c of  w_c * (occurrences of q_i in field c of D)
//! |D|       = tokens in D, all fields together (unweighted)
//! avgdl     = tokens in the index / documents in the index
//! IDF(q_i)  = ln((N - n_i + 0.5) / (n_i + 0.5)), or 1e-6 where that is not positive
//! N         = documents in the index, n_i = documents q_i occurs in
//! k1 = 1.2, b = 0.75, w = (title 3.0, summary 1.5, text 1.0) by default
//! ```
//!
//! A prefix's occurrences are those of every term it expands to, a phrase's are its matches. A
//! leaf counts only where its branch of the query matches the document (under `NOT`'s right side
//! never; under an `OR`, only the alternatives present), as in FTS5. Note the weights scale term
//! frequencies before saturation, over one length normalization of the whole document, as FTS5
//! does; this is not a sum of per-field BM25 scores with per-field average lengths.
//!
//! The statistics N, avgdl and n_i are global, over every indexed node of every policy and
//! version, also when a search is restricted to a policy: scores of one query are comparable
//! across policies (what a search over several policies needs), and a restriction never changes
//! the order of the nodes it keeps. Indexing many versions of a policy makes its words look
//! commoner; index only the versions you search if that matters.
//!
//! # Tables
//!
//! Keys are [`crate::keys`] tuples; values are [`crate::codec`] records whose first byte is the
//! format version (1; 2 for `fts.docs` values whose terms are front-coded, beside which values
//! of format 1, a plain string list, are still read). Integers in values are LEB128. A front-coded
//! list is its count, then per term one byte `shared << 4 | suffix` (a nibble of 15: 15 plus a
//! LEB128 after the byte), then the suffix: the bytes after those it shares with the term before.
//!
//! | table           | key                              | value                                                        |
//! |-----------------|----------------------------------|--------------------------------------------------------------|
//! | `fts.settings`  | `("config")`                     | stemming u8 (0 none, 1 porter), weights title, summary, text f64 LE |
//! | `fts.stats`     | `("totals")`                     | documents, tokens of title, summary, text, next policy number |
//! | `fts.policies`  | `(policy_id)`                    | policy number, next version number                           |
//! | `fts.versions`  | `(policy_id, version_id)`        | version number, next node number                             |
//! | `fts.nodes`     | `(policy_id, version_id, node_id)` | docnum                                                     |
//! | `fts.docs`      | `(docnum u64)`                   | policy_id, version_id, node_id, tokens per field (3), distinct terms (sorted, front-coded; format 2) |
//! | `fts.terms`     | `(term)`                         | document frequency                                           |
//! | `fts.postings`  | `(term, first docnum u64)`       | n, then per posting: docnum delta, field mask u8, tf per field in the mask, document tokens |
//! | `fts.positions` | same key as its postings block   | n, then per posting and field in the mask: tf position gaps  |
//!
//! A docnum is `policy number << 40 | version number << 20 | node number`: a policy's nodes, and
//! a version's, are one contiguous docnum range, so a search restricted to them reads only that
//! range of each posting list. Numbers are allocated when a policy, version or node first gets an
//! entry and freed with the last entry under them (policy numbers only when the index empties);
//! a node keeps its docnum when it is re-indexed. Limits: 2^24 policies, 2^20 versions per
//! policy, 2^20 nodes per version (`TooLarge` beyond).
//!
//! Postings of a term are blocks of at most 128 documents in docnum order, disjoint, keyed by
//! their first docnum; the positions of a block are stored apart under the same key, so term
//! queries read ~5 bytes per posting and only phrases read positions. A cursor skips blocks by
//! their keys without decoding them and re-descends the tree for long jumps. The document length
//! sits in each posting, so scoring a document needs no other read. The documents table keeps
//! each node's distinct terms so that removal deletes exactly its postings; the term dictionary
//! gives each term's document frequency in one read and the terms of a prefix by a range scan.
//!
//! A batch ([`index_nodes`]) is first analyzed into an in-memory segment: terms interned once per
//! batch, each term's new postings and encoded positions in arrays of its own. It is then written
//! term by term in term order: postings that follow a term's last block become full blocks
//! appended after it (a short last block is extended first), so a bulk load writes the postings
//! tables with inserts in key order; replacements, deletes and docnums inside a list take the
//! general block merge. A field whose text the segment has analyzed already (the unchanged
//! sections of a policy's next version) is not analyzed again: its distinct terms, frequencies
//! and encoded positions are replayed, which writes the same bytes (a field's positions are
//! counted from 0 within the field).
//!
//! # Invariants
//!
//! After every public write function: each term in a document's list has exactly one posting for
//! it and no other posting exists; each posting holds the document's current length; the term
//! dictionary holds exactly the posted terms with their posting counts; the statistics are the
//! sums over the documents; a version or policy record exists exactly while it has documents.
//! [`check`](fn@check) verifies all of it.

mod analyze;
mod block;
mod check;
mod cursor;
mod doc_terms;
mod handle;
pub(crate) mod layout;
mod model;
mod porter;
mod query;
mod read;
pub mod records;
mod reuse;
mod segment;
mod snippet;
mod write;

#[cfg(test)]
mod tests;

pub use analyze::{analyze, Token, MAX_TERM_BYTES};
#[cfg(test)]
pub(crate) use block::Posting;
#[cfg(test)]
pub(crate) use block::{MAX_BLOCK_POSTINGS, TEST_BLOCK_POSTINGS};
#[cfg(test)]
pub(crate) use check::postings_by_term;
pub use check::{check, IndexSummary};
pub use handle::SearchIndex;
pub use model::{
    DocRef, Field, FieldWeights, Scope, SearchHit, SearchOptions, SearchSettings, Stemming,
    DEFAULT_LIMIT, MAX_FIELD_LEN, MAX_ID_LEN, MAX_RESULTS, MAX_WEIGHT,
};
pub use query::{MAX_LEAVES, MAX_QUERY_LEN};
pub(crate) use read::search_bounded;
pub use read::{bm25_term, idf, search, B, K1, MIN_IDF};
#[cfg(test)]
pub(crate) use segment::TEST_ENCODE_BESIDE;
#[cfg(test)]
pub(crate) use segment::TEST_SEGMENT_POSITIONS;
pub use snippet::{snippet, snippet_with, ELLIPSIS, MARK_CLOSE, MARK_OPEN};
pub use write::{
    configure, index_node, index_nodes, remove_node, remove_policy, remove_version, settings,
    NodeText,
};
pub(crate) use write::{
    index_numbered, number_nodes, stemming, validate_fields, Analyzed, Analyzer, Segments,
};
