//! Snippets: the window of a text that holds the most matched terms, with the matched words
//! marked.

use std::collections::HashSet;

use super::analyze::analyze;
use super::model::Stemming;

/// Put before each matched word of a snippet.
pub const MARK_OPEN: &str = "<b>";
/// Put after each matched word of a snippet.
pub const MARK_CLOSE: &str = "</b>";
/// Put where a snippet cuts the text.
pub const ELLIPSIS: &str = "…";

/// A snippet of `text` for the index terms `matched_terms` (from [`SearchHit::matched_terms`]),
/// with words analyzed without stemming: see [`snippet_with`].
///
/// [`SearchHit::matched_terms`]: crate::search::SearchHit::matched_terms
pub fn snippet(text: &str, matched_terms: &[String], max_len: usize) -> String {
    snippet_with(text, matched_terms, max_len, Stemming::None)
}

/// A snippet of at most `max_len` characters of `text` (not counting marks and ellipses), cut
/// at word boundaries: the window holding the most distinct matched terms, then the most
/// matched words, with a little context before its first match. Every word whose index term
/// under `stemming` (use the database's) is in `matched_terms` is wrapped in [`MARK_OPEN`] and
/// [`MARK_CLOSE`]; [`ELLIPSIS`] marks a cut; runs of whitespace become one space. Without a
/// match the snippet is the start of the text.
pub fn snippet_with(
    text: &str,
    matched_terms: &[String],
    max_len: usize,
    stemming: Stemming,
) -> String {
    if max_len == 0 || text.is_empty() {
        return String::new();
    }
    let wanted: HashSet<&str> = matched_terms.iter().map(String::as_str).collect();
    let tokens = analyze(text, stemming);
    // Char offsets of every byte boundary used below.
    let char_at = CharIndex::new(text);
    let words: Vec<Word> = tokens
        .iter()
        .map(|t| Word {
            start: t.start,
            end: t.end,
            cstart: char_at.of(t.start),
            cend: char_at.of(t.end),
            term: wanted.get(t.term.as_str()).copied(),
        })
        .collect();
    let total_chars = char_at.of(text.len());
    let (ws, we) = best_window(&words, max_len, total_chars);
    render(text, &words, ws, we, &char_at)
}

struct Word<'a> {
    start: usize,
    end: usize,
    cstart: usize,
    cend: usize,
    term: Option<&'a str>,
}

/// Maps byte offsets to char offsets.
struct CharIndex {
    /// Byte offset of every char, plus the text length.
    bytes: Vec<usize>,
}

impl CharIndex {
    fn new(text: &str) -> CharIndex {
        let mut bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        bytes.push(text.len());
        CharIndex { bytes }
    }

    fn of(&self, byte: usize) -> usize {
        self.bytes.partition_point(|&b| b < byte)
    }

    fn byte(&self, ch: usize) -> usize {
        self.bytes
            .get(ch)
            .copied()
            .unwrap_or_else(|| self.bytes.last().copied().unwrap_or(0))
    }
}

/// The char range `[start, end)` of the best window.
fn best_window(words: &[Word<'_>], max_len: usize, total: usize) -> (usize, usize) {
    if total <= max_len {
        return (0, total);
    }
    let context = max_len / 4;
    let mut best = (0usize, 0usize, 0usize); // (distinct, matches, start)
    let mut found = false;
    for (i, w) in words.iter().enumerate() {
        if w.term.is_none() {
            continue;
        }
        // Start a little before the match, at a word start.
        let start_limit = w.cstart.saturating_sub(context);
        let start = words[..=i]
            .iter()
            .find(|x| x.cstart >= start_limit)
            .map_or(w.cstart, |x| x.cstart);
        let end = start + max_len;
        let mut distinct: Vec<&str> = Vec::new();
        let mut matches = 0;
        for x in words[i..].iter().take_while(|x| x.cend <= end) {
            if let Some(t) = x.term {
                matches += 1;
                if !distinct.contains(&t) {
                    distinct.push(t);
                }
            }
        }
        let score = (distinct.len(), matches);
        if !found || score > (best.0, best.1) {
            best = (score.0, score.1, start);
            found = true;
        }
    }
    let start = if found { best.2 } else { 0 };
    // End at the last word that fits, or mid-word when one word is longer than the window.
    let limit = start + max_len;
    let end = words
        .iter()
        .filter(|w| w.cstart >= start && w.cend <= limit)
        .map(|w| w.cend)
        .next_back()
        .unwrap_or(limit.min(total));
    (start, end.max(start).min(total))
}

fn render(text: &str, words: &[Word<'_>], ws: usize, we: usize, idx: &CharIndex) -> String {
    let (bs, be) = (idx.byte(ws), idx.byte(we));
    let mut out = String::with_capacity(be - bs + 16);
    if bs > 0 {
        out.push_str(ELLIPSIS);
    }
    let mut at = bs;
    for w in words
        .iter()
        .filter(|w| w.term.is_some() && w.start >= bs && w.end <= be)
    {
        push_collapsed(&mut out, &text[at..w.start]);
        out.push_str(MARK_OPEN);
        out.push_str(&text[w.start..w.end]);
        out.push_str(MARK_CLOSE);
        at = w.end;
    }
    push_collapsed(&mut out, &text[at..be]);
    if be < text.len() {
        out.push_str(ELLIPSIS);
    }
    out
}

/// Appends `s` with each run of whitespace as one space.
fn push_collapsed(out: &mut String, s: &str) {
    let mut in_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn marks_matched_words_in_the_best_window() {
        let text = "Intro words here. Nothing relevant at all in this part of the text. \
                    Prior authorization is required for imaging; the authorization lasts \
                    90 days. Closing remarks follow.";
        let s = snippet(text, &terms(&["prior", "authorization"]), 60);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<b>Prior</b> <b>authorization</b>"), "{s}");
        let plain = s.replace("<b>", "").replace("</b>", "").replace('…', "");
        assert!(plain.chars().count() <= 60, "{s}");
    }

    #[test]
    fn short_text_is_whole_and_unmatched_text_is_its_start() {
        assert_eq!(
            snippet("A  short\ntext", &terms(&["short"]), 100),
            "A <b>short</b> text"
        );
        assert_eq!(
            snippet("alpha beta gamma delta", &terms(&["zeta"]), 11),
            "alpha beta…"
        );
        assert_eq!(snippet("anything", &terms(&[]), 0), "");
    }

    #[test]
    fn stems_words_when_asked_and_handles_unicode() {
        let s = snippet_with(
            "Authorizations were AUTHORIZED.",
            &terms(&["author"]),
            100,
            Stemming::Porter,
        );
        assert_eq!(s, "<b>Authorizations</b> were <b>AUTHORIZED</b>.");
        let s = snippet("Ünïcödé wörds ärë fïnë", &terms(&["wörds"]), 12);
        assert!(s.contains("<b>wörds</b>"), "{s}");
    }

    #[test]
    fn a_word_longer_than_the_window_is_cut() {
        let s = snippet(&"x".repeat(50), &terms(&["y"]), 10);
        assert_eq!(s, format!("{}…", "x".repeat(10)));
    }
}
