//! Reuse of a field's analysis within one segment: a text seen before in the batch (the unchanged
//! sections of a policy's next version, a summary repeated across nodes) is not split, folded and
//! interned again; its distinct terms, their frequencies and their encoded positions are replayed.
//!
//! What makes replay exact: a posting's positions are the title's, then the summary's, then the
//! text's, each field's gaps counted from 0 (see [`super::block`]). So the bytes a field adds to a
//! term's posting depend on that field's text alone, not on the field or the other fields, and a
//! replay appends the same bytes the analysis would. Term ids are the segment's, so the cache is
//! emptied with it.
//!
//! Kept positions are not copied: a field's positions for one term are the tail its analysis
//! appended to that term's `positions` in the segment, which only grows until the segment is
//! written (and the cache emptied), so an entry names that range and a replay copies it from
//! within the same vector.
//!
//! A text is found by an Fx hash of its bytes and then compared byte for byte; a different text
//! with the same hash is analyzed as usual and not kept (one comparison per field at worst, so
//! chosen collisions cost no more than no cache).

use std::hash::Hasher;

use crate::hash::{FxHashMap, FxHasher};

/// One distinct term of an analyzed field: its segment id, its occurrences, and its positions as
/// a posting stores one field's, at `start..start + len` of that term's positions in the segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldTerm {
    pub id: u32,
    pub tf: u32,
    pub start: u32,
    pub len: u32,
}

/// An analyzed text: its tokens, and its distinct terms `terms[first..first + count]`.
struct Analyzed<'a> {
    text: &'a str,
    tokens: u32,
    first: usize,
    count: usize,
}

/// What [`AnalysisCache::lookup`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// The text was analyzed before: replay entry `0`.
    Hit(usize),
    /// Analyze it; keep the result under this hash (`None`: another text holds the hash).
    Miss(Option<u64>),
}

/// See the module doc.
#[derive(Default)]
pub(crate) struct AnalysisCache<'a> {
    by_hash: FxHashMap<u64, usize>,
    texts: Vec<Analyzed<'a>>,
    terms: Vec<FieldTerm>,
}

/// A replayable analysis: the text's token count and its distinct terms.
pub(crate) struct Replay<'c> {
    pub tokens: u32,
    pub terms: &'c [FieldTerm],
}

impl<'a> AnalysisCache<'a> {
    pub(crate) fn lookup(&self, text: &str) -> Lookup {
        let mut h = FxHasher::default();
        h.write(text.as_bytes());
        h.write_usize(text.len());
        let hash = h.finish();
        match self.by_hash.get(&hash) {
            Some(&k) if self.texts[k].text == text => Lookup::Hit(k),
            Some(_) => Lookup::Miss(None),
            None => Lookup::Miss(Some(hash)),
        }
    }

    pub(crate) fn replay(&self, k: usize) -> Replay<'_> {
        let a = &self.texts[k];
        Replay {
            tokens: a.tokens,
            terms: &self.terms[a.first..a.first + a.count],
        }
    }

    /// Keeps the analysis of `text`: `tokens` tokens and its distinct terms, each with where its
    /// encoded positions are in the term's positions.
    pub(crate) fn insert(
        &mut self,
        hash: u64,
        text: &'a str,
        tokens: u32,
        terms: impl Iterator<Item = FieldTerm>,
    ) {
        let first = self.terms.len();
        self.terms.extend(terms);
        let count = self.terms.len() - first;
        self.by_hash.insert(hash, self.texts.len());
        self.texts.push(Analyzed {
            text,
            tokens,
            first,
            count,
        });
    }

    pub(crate) fn clear(&mut self) {
        self.by_hash.clear();
        self.texts.clear();
        self.terms.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_equal_texts_only_and_replays_what_was_kept() {
        let mut c = AnalysisCache::default();
        let a = String::from("alpha beta alpha");
        let Lookup::Miss(Some(h)) = c.lookup(&a) else {
            panic!("an empty cache has nothing")
        };
        let kept = [
            FieldTerm {
                id: 0,
                tf: 2,
                start: 5,
                len: 2,
            },
            FieldTerm {
                id: 1,
                tf: 1,
                start: 0,
                len: 1,
            },
        ];
        c.insert(h, &a, 3, kept.into_iter());
        // An equal text in another allocation is found.
        let again = a.clone();
        let Lookup::Hit(k) = c.lookup(&again) else {
            panic!("equal text missed")
        };
        let r = c.replay(k);
        assert_eq!(r.tokens, 3);
        assert_eq!(r.terms, kept);
        assert!(matches!(
            c.lookup("alpha beta alphb"),
            Lookup::Miss(Some(_))
        ));
        c.clear();
        assert!(matches!(c.lookup(&a), Lookup::Miss(Some(_))));
    }

    #[test]
    fn a_colliding_text_is_a_miss_that_is_not_kept() {
        let mut c = AnalysisCache::default();
        let Lookup::Miss(Some(h)) = c.lookup("one") else {
            panic!()
        };
        // Keep "one" under the hash "two" will have, as a collision would.
        let Lookup::Miss(Some(h2)) = c.lookup("two") else {
            panic!()
        };
        c.insert(h2, "one", 1, std::iter::empty());
        assert_eq!(c.lookup("two"), Lookup::Miss(None));
        assert_ne!(h, h2);
    }
}
