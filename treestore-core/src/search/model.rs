//! The public types of the search store: what is indexed, how it is scored, what a query returns.

use crate::error::{Error, Result};

/// Longest policy, version or node id accepted, in bytes: the document store's limit, so every
/// node it stores can be indexed.
pub const MAX_ID_LEN: usize = crate::document::MAX_ID_BYTES;
/// Largest text accepted in one field, in bytes.
pub const MAX_FIELD_LEN: usize = 64 << 20;
/// Largest `limit + offset` of one search.
pub const MAX_RESULTS: usize = 100_000;
/// Default number of hits of a search.
pub const DEFAULT_LIMIT: usize = 10;

/// One indexed unit: a node of one version of one policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DocRef {
    /// The policy (document) the node belongs to.
    pub policy_id: String,
    /// The version of the policy, unique within the policy.
    pub version_id: String,
    /// The node, unique within the version.
    pub node_id: String,
}

impl DocRef {
    /// A reference from its three ids.
    pub fn new(
        policy_id: impl Into<String>,
        version_id: impl Into<String>,
        node_id: impl Into<String>,
    ) -> DocRef {
        DocRef {
            policy_id: policy_id.into(),
            version_id: version_id.into(),
            node_id: node_id.into(),
        }
    }

    /// Checks that every id is 1 to [`MAX_ID_LEN`] bytes without a NUL byte; the error names the
    /// node.
    pub(crate) fn validate(&self) -> Result<()> {
        validate_id("policy_id", &self.policy_id)
            .and_then(|()| validate_id("version_id", &self.version_id))
            .and_then(|()| validate_id("node_id", &self.node_id))
            .map_err(|e| e.context(format!("node {:?}", self.to_string())))
    }
}

impl std::fmt::Display for DocRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.policy_id, self.version_id, self.node_id)
    }
}

pub(crate) fn validate_id(field: &str, id: &str) -> Result<()> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(Error::invalid(format!(
            "{field} must be 1 to {MAX_ID_LEN} bytes, got {}",
            id.len()
        )));
    }
    if id.contains('\0') {
        return Err(Error::invalid(format!("{field} contains a NUL byte")));
    }
    Ok(())
}

/// A searchable field of a node. Each has its own weight ([`FieldWeights`]); phrases never span
/// two fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// The node's title.
    Title,
    /// The node's summary.
    Summary,
    /// The node's full text.
    Text,
}

impl Field {
    /// Every field, in storage order.
    pub const ALL: [Field; 3] = [Field::Title, Field::Summary, Field::Text];

    /// The field's index in storage order (title 0, summary 1, text 2).
    pub fn index(self) -> usize {
        match self {
            Field::Title => 0,
            Field::Summary => 1,
            Field::Text => 2,
        }
    }

    /// The field's lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Summary => "summary",
            Field::Text => "text",
        }
    }

    /// The field named `name` (as [`Field::name`] spells it).
    pub fn from_name(name: &str) -> Result<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                Error::invalid(format!("field {name:?} is not one of title, summary, text"))
            })
    }
}

/// Per-field weights of the BM25 score: a term found in a field counts `weight` times (see
/// [`crate::search`] for the formula). Defaults: title 3.0, summary 1.5, text 1.0, so a word in a
/// heading weighs as much as three in the body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldWeights {
    /// Weight of [`Field::Title`].
    pub title: f64,
    /// Weight of [`Field::Summary`].
    pub summary: f64,
    /// Weight of [`Field::Text`].
    pub text: f64,
}

/// Largest accepted field weight.
pub const MAX_WEIGHT: f64 = 1e6;

impl Default for FieldWeights {
    fn default() -> FieldWeights {
        FieldWeights {
            title: 3.0,
            summary: 1.5,
            text: 1.0,
        }
    }
}

impl FieldWeights {
    /// The weight of `field`.
    pub fn get(&self, field: Field) -> f64 {
        match field {
            Field::Title => self.title,
            Field::Summary => self.summary,
            Field::Text => self.text,
        }
    }

    /// The weights in storage order.
    pub fn as_array(&self) -> [f64; 3] {
        [self.title, self.summary, self.text]
    }

    /// Checks that every weight is finite and in `0..=MAX_WEIGHT`.
    pub(crate) fn validate(&self) -> Result<()> {
        for f in Field::ALL {
            let w = self.get(f);
            if !w.is_finite() || !(0.0..=MAX_WEIGHT).contains(&w) {
                return Err(Error::invalid(format!(
                    "weight of field {} must be a finite number from 0 to {MAX_WEIGHT}, got {w}",
                    f.name()
                )));
            }
        }
        Ok(())
    }
}

/// How words are reduced to index terms beyond case folding. Fixed per database once the index has
/// a node: terms indexed under one setting do not match queries analyzed under another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stemming {
    /// Words are indexed as they are (after case folding), as FTS5's `unicode61` tokenizer does.
    #[default]
    None,
    /// English words are reduced by the classic Porter algorithm (the reference version, the one
    /// FTS5's `porter` tokenizer implements): "authorizations" and "authorized" both become
    /// "author".
    Porter,
}

impl Stemming {
    /// The lowercase name: `none` or `porter`.
    pub fn name(self) -> &'static str {
        match self {
            Stemming::None => "none",
            Stemming::Porter => "porter",
        }
    }

    /// The stemming named `name` (as [`Stemming::name`] spells it).
    pub fn from_name(name: &str) -> Result<Stemming> {
        match name {
            "none" => Ok(Stemming::None),
            "porter" => Ok(Stemming::Porter),
            _ => Err(Error::invalid(format!(
                "stemming {name:?} is not one of none, porter"
            ))),
        }
    }
}

/// The per-database configuration of the index, recorded in `fts.settings`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SearchSettings {
    /// Stemming; can change only while the index holds no node.
    pub stemming: Stemming,
    /// Default field weights of searches; can change at any time (they apply at query time only).
    pub weights: FieldWeights,
}

/// Part of the corpus a search is restricted to: one policy, or one version of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Scope {
    /// The policy.
    pub policy_id: String,
    /// One version of the policy; `None` for all of its versions.
    pub version_id: Option<String>,
}

/// What to search and how many hits to return.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    /// Most hits returned (1 to [`MAX_RESULTS`]; default [`DEFAULT_LIMIT`]).
    pub limit: usize,
    /// Hits skipped before the first one returned, for paging (`offset + limit <= MAX_RESULTS`).
    pub offset: usize,
    /// Search within this policy only.
    pub policy_id: Option<String>,
    /// With `policy_id`: search within this version of the policy only.
    pub version_id: Option<String>,
    /// Search within the union of these scopes only (for example the current version of each of
    /// a set of policies). Empty: no restriction. Cannot be combined with `policy_id`.
    pub scopes: Vec<Scope>,
    /// Field weights of this search; `None` uses the database's ([`SearchSettings::weights`]).
    pub weights: Option<FieldWeights>,
}

impl Default for SearchOptions {
    fn default() -> SearchOptions {
        SearchOptions {
            limit: DEFAULT_LIMIT,
            offset: 0,
            policy_id: None,
            version_id: None,
            scopes: Vec::new(),
            weights: None,
        }
    }
}

impl SearchOptions {
    /// The default options with `limit` hits.
    pub fn with_limit(limit: usize) -> SearchOptions {
        SearchOptions {
            limit,
            ..SearchOptions::default()
        }
    }

    /// Checks limits and combinations; returns the scopes the search is restricted to (empty:
    /// the whole index).
    pub(crate) fn resolve_scopes(&self) -> Result<Vec<Scope>> {
        if self.limit == 0 || self.limit > MAX_RESULTS {
            return Err(Error::invalid(format!(
                "limit must be 1 to {MAX_RESULTS}, got {}",
                self.limit
            )));
        }
        if self.offset > MAX_RESULTS - self.limit {
            return Err(Error::invalid(format!(
                "offset + limit must be at most {MAX_RESULTS}, got {} + {}",
                self.offset, self.limit
            )));
        }
        if let Some(w) = &self.weights {
            w.validate()?;
        }
        let scopes = match (&self.policy_id, &self.version_id) {
            (None, Some(_)) => {
                return Err(Error::invalid(
                    "version_id needs policy_id: version ids are scoped by policy",
                ))
            }
            (Some(_), _) if !self.scopes.is_empty() => {
                return Err(Error::invalid(
                    "policy_id and scopes cannot both be set; put the policy in scopes",
                ))
            }
            (Some(p), v) => vec![Scope {
                policy_id: p.clone(),
                version_id: v.clone(),
            }],
            (None, None) => self.scopes.clone(),
        };
        for s in &scopes {
            validate_id("scope policy_id", &s.policy_id)?;
            if let Some(v) = &s.version_id {
                validate_id("scope version_id", v)?;
            }
        }
        Ok(scopes)
    }
}

/// One result of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The node that matched.
    pub doc: DocRef,
    /// Its BM25 score, higher is better (FTS5's `bm25()` returns the same number negated).
    pub score: f64,
    /// The index terms of the query found in the node, sorted: the words themselves, the
    /// expansions of prefix queries, stems when stemming is on. Pass them to
    /// [`snippet`](fn@crate::search::snippet) to mark them in the text.
    pub matched_terms: Vec<String>,
}
