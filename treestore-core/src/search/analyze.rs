//! Text analysis: how text, indexed or queried, becomes a sequence of index terms (the rules
//! are on [`analyze`]).

use super::model::Stemming;
use super::porter;

/// Longest index term, in bytes; longer words are cut (so they still match themselves).
pub const MAX_TERM_BYTES: usize = 100;
/// Porter stems only words of at most this many bytes, as FTS5 does.
const MAX_STEM_BYTES: usize = 64;

/// One word of a text: its index term and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The index term (folded, maybe cut and stemmed).
    pub term: String,
    /// Byte offset of the word in the text.
    pub start: usize,
    /// Byte offset just past the word.
    pub end: usize,
    /// The word's number in the text, from 0.
    pub position: u32,
}

/// The tokens of `text`, analyzed as the index does under `stemming`; queries are analyzed
/// the same way.
///
/// 1. Segmentation. A word is a maximal run of word characters: letters and digits of any script
///    (`char::is_alphanumeric`), combining marks (the combining diacritical blocks, and every
///    non-punctuation character of the Indic and South-East Asian blocks, whose viramas and vowel
///    signs are marks), and zero-width (non-)joiners. An apostrophe (`'` or `’`) between two
///    alphanumerics stays inside the word ("don't", "o'brien"). Each CJK ideograph and each
///    hiragana is a word of its own, so Chinese and Japanese text is indexed by character and a
///    query word of several ideographs becomes a phrase. Everything else (whitespace,
///    punctuation, symbols, emoji, `_`) separates words. This is a subset of Unicode's word
///    boundary rules (UAX #29) that needs no tables: unlike UAX #29 it splits "1.5" and
///    "example.com" at the dot (a query for either is a phrase that still finds it) and it
///    cannot split scripts written without spaces (Thai, Lao, Khmer) into words.
/// 2. Case folding: full lowercase (`char::to_lowercase`, so "İ" becomes "i̇"), final sigma folded
///    to σ, the typographic apostrophe `’` to `'`. No accent removal: "café" and "cafe" differ.
/// 3. Terms longer than [`MAX_TERM_BYTES`] are cut to that length at a character boundary.
/// 4. With [`Stemming::Porter`], a possessive `'s` is dropped and words of ASCII letters and
///    digits are stemmed (Porter); other words are kept as they are.
///
/// Positions number the words of one field from 0.
pub fn analyze(text: &str, stemming: Stemming) -> Vec<Token> {
    words(text)
        .enumerate()
        .map(|(i, (start, end))| Token {
            term: normalize(&text[start..end], stemming),
            start,
            end,
            position: u32::try_from(i).unwrap_or(u32::MAX),
        })
        .collect()
}

/// Calls `f` with each index term of `text` and its position, reusing one buffer: the indexing
/// path, which allocates only for the terms it keeps.
pub(crate) fn for_each_term(text: &str, stemming: Stemming, mut f: impl FnMut(&str, u32)) {
    let mut buf = String::new();
    for_each_spelling(text, stemming, |word, is_term, position| {
        if is_term {
            f(word, position);
        } else {
            term_into(word, stemming, &mut buf);
            f(&buf, position);
        }
    });
}

/// Calls `f(word, is_term, position)` with each word of `text` as written; `is_term` says the
/// word is its own index term (lowercase ASCII, short enough, no stemming), otherwise
/// [`term_into`] makes the term. A caller that sees the same spellings again can keep their
/// terms and skip the folding and stemming.
#[inline]
pub(crate) fn for_each_spelling(
    text: &str,
    stemming: Stemming,
    mut f: impl FnMut(&str, bool, u32),
) {
    let mut position = 0u32;
    let unstemmed = stemming == Stemming::None;
    for_each_word(text, |s, e, lower_ascii| {
        debug_assert!(s <= e && text.is_char_boundary(s) && text.is_char_boundary(e));
        // SAFETY: `for_each_word` gives the byte ranges of words, which start and end at
        // character boundaries within `text` (each scan stops only before an ASCII byte, a
        // two-byte character's lead byte, or where `Words::next_general`'s `char_indices` says).
        let word = unsafe { text.get_unchecked(s..e) };
        f(
            word,
            unstemmed && lower_ascii && word.len() <= MAX_TERM_BYTES,
            position,
        );
        position = position.saturating_add(1);
    });
}

/// The index term of `word` into `buf` (what [`normalize`] returns).
pub(crate) fn term_into(word: &str, stemming: Stemming, buf: &mut String) {
    match stemming {
        Stemming::None => {
            buf.clear();
            fold_into(word, buf);
            truncate(buf, MAX_TERM_BYTES);
        }
        Stemming::Porter => *buf = normalize(word, stemming),
    }
}

/// Byte classes of [`for_each_word`]'s ASCII scan.
const WORD: u8 = 1;
const UPPER: u8 = 2;
/// Bytes after which the general rules must decide: non-ASCII, and the apostrophe.
const SPECIAL: u8 = 4;

const fn byte_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            WORD
        } else if c.is_ascii_uppercase() {
            WORD | UPPER
        } else if c >= 0x80 || c == b'\'' {
            SPECIAL
        } else {
            0
        };
        b += 1;
    }
    t
}

static BYTE_CLASS: [u8; 256] = byte_classes();

const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Eight bytes of `b` from `at`, little-endian.
#[inline(always)]
fn load8(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The high bit of each byte of `x` whose low seven bits are in `lo..=hi` (`1 <= lo <= hi < 0x80`);
/// no carry crosses bytes.
#[inline(always)]
fn in_range8(x: u64, lo: u8, hi: u8) -> u64 {
    let x7 = x & !HIGH_BITS;
    let rep = |v: u8| u64::from(v) * 0x0101_0101_0101_0101;
    (x7 + rep(0x80 - lo)) & !(x7 + rep(0x7f - hi)) & HIGH_BITS
}

/// For eight bytes as a little-endian word: the high bit of each ASCII letter or digit, and of
/// each ASCII capital ([`BYTE_CLASS`]'s `WORD` and `UPPER`, eight at once).
#[inline(always)]
fn ascii_alnum8(x: u64) -> (u64, u64) {
    let ascii = !x & HIGH_BITS;
    let upper = in_range8(x, b'A', b'Z') & ascii;
    let word = (in_range8(x, b'0', b'9') | in_range8(x, b'a', b'z')) & ascii | upper;
    (word, upper)
}

/// Classes of the two-byte characters (U+0080 to U+07FF: Latin-1 and Latin Extended, IPA,
/// Greek, Cyrillic, Armenian, Hebrew, Arabic, Syriac, Thaana, NKo) for [`for_each_word`]:
/// [`WORD`] for the alphanumerics, [`MARK2`] for the marks that continue a word. None of them is
/// an apostrophe or a word of its own, so these two bits are all the general rules ask of them.
const MARK2: u8 = 8;

fn two_byte_classes() -> &'static [u8; 0x780] {
    static TABLE: std::sync::OnceLock<[u8; 0x780]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [0u8; 0x780];
        for (i, slot) in t.iter_mut().enumerate() {
            let Some(c) = char::from_u32(0x80 + i as u32) else {
                continue;
            };
            debug_assert!(!is_single_char_word(c) && !is_apostrophe(c));
            *slot = if c.is_alphanumeric() {
                WORD
            } else if is_mark(c) {
                MARK2
            } else {
                0
            };
        }
        t
    })
}

/// The two-byte character whose lead byte is at `b[i]`, if it is one (`b` is UTF-8).
#[inline]
fn two_byte_at(b: &[u8], i: usize) -> Option<usize> {
    let lead = b[i];
    if (0xC2..=0xDF).contains(&lead) {
        let cont = *b.get(i + 1)?;
        Some(((usize::from(lead) & 0x1F) << 6 | (usize::from(cont) & 0x3F)) - 0x80)
    } else {
        None
    }
}

/// Calls `f(start, end, lower_ascii)` for each word of `text` as [`words`] splits it;
/// `lower_ascii` says the word is ASCII without capitals (its own folded form). Words of ASCII
/// and two-byte characters are scanned in one loop with class tables; a word next to an
/// apostrophe or a character of three or four bytes (CJK, `’`, the Indic blocks) is left to the
/// general rules.
#[inline]
pub(crate) fn for_each_word(text: &str, mut f: impl FnMut(usize, usize, bool)) {
    let two = two_byte_classes();
    let mut i = 0;
    // One call of `f`, so that it is inlined here.
    while let Some((s, e, lower_ascii)) = next_word(text, two, i) {
        f(s, e, lower_ascii);
        i = e;
    }
}

/// The first word of `text` from byte `i` on, for [`for_each_word`]: its range and whether it
/// is lowercase ASCII.
#[inline(always)]
fn next_word(text: &str, two: &[u8; 0x780], mut i: usize) -> Option<(usize, usize, bool)> {
    let b = text.as_bytes();
    let n = b.len();
    while i < n {
        let k = BYTE_CLASS[b[i] as usize];
        if k & WORD == 0 {
            if k & SPECIAL == 0 {
                i += 1;
                continue;
            }
            match two_byte_at(b, i) {
                // A two-byte character that is not alphanumeric separates words (the general
                // rules skip to an alphanumeric); an alphanumeric starts one.
                Some(c) if two[c] & WORD == 0 => {
                    i += 2;
                    continue;
                }
                Some(_) => {}
                None => {
                    // An apostrophe, or a longer character, between words: the general rules
                    // find the next word from here.
                    let (s, e) = (Words { text, pos: i }).next_general()?;
                    return Some((s, e, false));
                }
            }
        }
        let start = i;
        let mut classes = 0u8;
        // Eight bytes at a time while they are ASCII letters and digits, then byte by byte.
        while i + 8 <= n {
            let (word, upper) = ascii_alnum8(load8(b, i));
            // The first byte that is not a letter or digit ends the run: `stop` has its high
            // bit, `in_run` the bits below it (all bits when there is none).
            let stop = !word & HIGH_BITS;
            let in_run = (stop & stop.wrapping_neg()).wrapping_sub(1);
            classes |= UPPER * u8::from(upper & in_run != 0);
            let run = stop.trailing_zeros() as usize / 8;
            i += run;
            if run < 8 {
                break;
            }
        }
        while i < n {
            let k = BYTE_CLASS[b[i] as usize];
            if k & WORD != 0 {
                classes |= k;
                i += 1;
                continue;
            }
            if k & SPECIAL == 0 {
                break;
            }
            match two_byte_at(b, i) {
                Some(c) if two[c] & (WORD | MARK2) != 0 => {
                    classes |= SPECIAL;
                    i += 2;
                }
                // Neither alphanumeric nor a mark: the word ends.
                Some(_) => break,
                None => {
                    // The general rules decide this word.
                    let (s, e) = (Words { text, pos: start }).next_general()?;
                    return Some((s, e, false));
                }
            }
        }
        return Some((start, i, classes & (UPPER | SPECIAL) == 0));
    }
    None
}

/// The index terms of `text` in order.
pub(crate) fn terms(text: &str, stemming: Stemming) -> Vec<String> {
    words(text)
        .map(|(s, e)| normalize(&text[s..e], stemming))
        .collect()
}

/// The index term of one word: folded, cut, stemmed.
pub(crate) fn normalize(word: &str, stemming: Stemming) -> String {
    let mut term = fold(word);
    truncate(&mut term, MAX_TERM_BYTES);
    match stemming {
        Stemming::None => term,
        Stemming::Porter => stem(term),
    }
}

/// Full lowercase, with final sigma and the typographic apostrophe unified.
pub(crate) fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    fold_into(word, &mut out);
    out
}

fn fold_into(word: &str, out: &mut String) {
    if word.is_ascii() {
        out.push_str(word);
        out.make_ascii_lowercase();
        return;
    }
    for c in word.chars() {
        match c {
            '’' => out.push('\''),
            'ς' => out.push('σ'),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
}

fn truncate(term: &mut String, max: usize) {
    if term.len() > max {
        let keep = crate::utf8::truncate(term, max).len();
        term.truncate(keep);
    }
}

fn stem(mut term: String) -> String {
    if term.ends_with("'s") {
        term.truncate(term.len() - 2);
    }
    if term.len() <= MAX_STEM_BYTES && term.bytes().all(|b| b.is_ascii_alphanumeric()) {
        porter::stem(&term)
    } else {
        term
    }
}

/// The byte ranges of the words of `text`, in order.
pub(crate) fn words(text: &str) -> Words<'_> {
    Words { text, pos: 0 }
}

/// Iterator over word byte ranges; see the module doc for the rules.
pub(crate) struct Words<'a> {
    text: &'a str,
    pos: usize,
}

impl Iterator for Words<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        if let Some(word) = self.next_ascii() {
            return word;
        }
        self.next_general()
    }
}

impl Words<'_> {
    /// The fast path for ASCII: skips ASCII separators, then takes a word of ASCII letters and
    /// digits ended by an ASCII byte other than an apostrophe (or the end), which the general
    /// rules would take too. `None` when the general rules must decide from `self.pos` on.
    #[inline]
    fn next_ascii(&mut self) -> Option<Option<(usize, usize)>> {
        let bytes = self.text.as_bytes();
        let mut i = self.pos;
        while i < bytes.len() && bytes[i] < 0x80 && !bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        self.pos = i;
        if i == bytes.len() {
            return Some(None);
        }
        if !bytes[i].is_ascii_alphanumeric() {
            return None;
        }
        let mut end = i + 1;
        while end < bytes.len() && bytes[end].is_ascii_alphanumeric() {
            end += 1;
        }
        if end < bytes.len() && (bytes[end] >= 0x80 || bytes[end] == b'\'') {
            return None;
        }
        self.pos = end;
        Some(Some((i, end)))
    }

    fn next_general(&mut self) -> Option<(usize, usize)> {
        let rest = self.text.get(self.pos..)?;
        let mut chars = rest.char_indices().peekable();
        // Find the first character that can start a word.
        let (start, first) = loop {
            let (i, c) = chars.next()?;
            if c.is_alphanumeric() {
                break (self.pos + i, c);
            }
        };
        let mut end = start + first.len_utf8();
        if is_single_char_word(first) {
            while let Some(&(i, c)) = chars.peek() {
                if !is_mark(c) {
                    break;
                }
                end = self.pos + i + c.len_utf8();
                chars.next();
            }
            self.pos = end;
            return Some((start, end));
        }
        let mut prev_alnum = true;
        while let Some(&(i, c)) = chars.peek() {
            let at = self.pos + i;
            if is_single_char_word(c) {
                break;
            }
            if c.is_alphanumeric() || is_mark(c) {
                prev_alnum = c.is_alphanumeric() || prev_alnum;
                end = at + c.len_utf8();
                chars.next();
                continue;
            }
            if is_apostrophe(c) && prev_alnum {
                // Inside the word only when an alphanumeric follows.
                let after = at + c.len_utf8();
                let next = self.text.get(after..).and_then(|s| s.chars().next());
                if next.is_some_and(|n| n.is_alphanumeric() && !is_single_char_word(n)) {
                    end = after;
                    chars.next();
                    prev_alnum = false;
                    continue;
                }
            }
            break;
        }
        self.pos = end;
        Some((start, end))
    }
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// CJK ideographs and hiragana: each is a word by itself.
fn is_single_char_word(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x309F        // Hiragana
        | 0x3400..=0x4DBF      // CJK Extension A
        | 0x4E00..=0x9FFF      // CJK Unified Ideographs
        | 0xF900..=0xFAFF      // CJK Compatibility Ideographs
        | 0x20000..=0x3134F    // CJK Extensions B to G
    )
}

/// Characters that continue a word without starting one: combining marks, joiners, and the
/// non-punctuation characters of scripts whose vowel signs and viramas are marks.
fn is_mark(c: char) -> bool {
    let u = c as u32;
    matches!(u,
        0x0300..=0x036F        // Combining Diacritical Marks
        | 0x0483..=0x0489      // Cyrillic combining marks
        | 0x0591..=0x05C7      // Hebrew points
        | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED // Arabic marks
        | 0x1AB0..=0x1AFF      // Combining Diacritical Marks Extended
        | 0x1DC0..=0x1DFF      // Combining Diacritical Marks Supplement
        | 0x200C | 0x200D      // zero-width non-joiner and joiner
        | 0x20D0..=0x20FF      // Combining Marks for Symbols
        | 0xFE00..=0xFE0F      // variation selectors
        | 0xFE20..=0xFE2F      // Combining Half Marks
    ) || (is_brahmic_block(u) && !is_brahmic_punctuation(u) && !c.is_whitespace())
}

/// Indic, Tibetan and South-East Asian blocks.
fn is_brahmic_block(u: u32) -> bool {
    matches!(u, 0x0900..=0x0DFF | 0x0E00..=0x0FFF | 0x1000..=0x109F | 0x1780..=0x17FF)
}

fn is_brahmic_punctuation(u: u32) -> bool {
    matches!(u,
        0x0964 | 0x0965 | 0x0970 | 0x0DF4 | 0x0E4F | 0x0E5A | 0x0E5B
        | 0x0F04..=0x0F12 | 0x0F14 | 0x0F3A..=0x0F3D | 0x0F85 | 0x0FD0..=0x0FD4
        | 0x104A..=0x104F | 0x17D4..=0x17DA
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Vec<String> {
        terms(text, Stemming::None)
    }

    #[test]
    fn eight_byte_classes_match_the_byte_table() {
        for first in 0..=255u8 {
            for other in [
                0u8, b' ', b'\'', b'0', b'9', b'A', b'Z', b'a', b'z', 0x7f, 0x80, 0xff,
            ] {
                let bytes = [
                    first,
                    other,
                    first ^ 0x80,
                    other ^ 0x20,
                    first,
                    0x41,
                    0x60,
                    0x7b,
                ];
                let (word, upper) = ascii_alnum8(load8(&bytes, 0));
                for (j, &c) in bytes.iter().enumerate() {
                    let k = BYTE_CLASS[c as usize];
                    assert_eq!(word >> (8 * j + 7) & 1 == 1, k & WORD != 0, "{c:#x}");
                    assert_eq!(upper >> (8 * j + 7) & 1 == 1, k & UPPER != 0, "{c:#x}");
                }
            }
        }
    }

    #[test]
    fn splits_on_whitespace_and_punctuation_and_folds_case() {
        assert_eq!(
            t("Prior-Authorization: REQUIRED (see §164.512(e)), n_a!"),
            [
                "prior",
                "authorization",
                "required",
                "see",
                "164",
                "512",
                "e",
                "n",
                "a"
            ]
        );
        assert_eq!(t(""), Vec::<String>::new());
        assert_eq!(t("  ...  "), Vec::<String>::new());
    }

    #[test]
    fn keeps_apostrophes_between_letters() {
        assert_eq!(
            t("Don't rock'n'roll O’Brien's"),
            ["don't", "rock'n'roll", "o'brien's"]
        );
        assert_eq!(t("'quoted' plans' x'"), ["quoted", "plans", "x"]);
        assert_eq!(t("a''b"), ["a", "b"]);
    }

    #[test]
    fn folds_unicode_case_fully() {
        assert_eq!(
            t("ÉCOLE Straße ΟΔΟΣ İstanbul"),
            ["école", "straße", "οδοσ", "i̇stanbul"]
        );
        assert_eq!(t("Ǆ ǅ ǆ"), ["ǆ", "ǆ", "ǆ"]);
        assert_eq!(t("ΟΔΟΣ"), t("οδος"));
    }

    #[test]
    fn keeps_combining_marks_and_indic_signs_inside_words() {
        // "e" + combining acute, and Hindi "namaste" with a virama.
        assert_eq!(t("cafe\u{301} नमस्ते।"), ["cafe\u{301}", "नमस्ते"]);
        assert_eq!(t("مُحَمَّد"), ["مُحَمَّد"]);
    }

    #[test]
    fn cjk_ideographs_are_words_of_one_character() {
        assert_eq!(
            t("中华人民abc日本"),
            ["中", "华", "人", "民", "abc", "日", "本"]
        );
        assert_eq!(t("カタカナ ひらがな"), ["カタカナ", "ひ", "ら", "が", "な"]);
    }

    #[test]
    fn the_ascii_fast_path_splits_as_the_general_rules() {
        let general = |text: &str| {
            let mut w = Words { text, pos: 0 };
            std::iter::from_fn(move || w.next_general()).collect::<Vec<_>>()
        };
        let pieces = [
            "ab", "Z9", " ", "'", "’", "-", "é", "\u{301}", "中", "ひ", "_", ".", "x'y", "१", "",
            "Don't", "ÉCOLE", "q", "  ", "a1B2", "ß", "ς", "İ", "§", "\u{a0}", "Ж", "\u{5b0}", "ب",
            "\u{64b}", "\u{7ff}", "\u{80}", "×", "ǅ",
        ];
        let mut rng = crate::rng::Rng::new(0x2545_f491_4f6c_dd1d);
        let mut nonempty = 0;
        for _ in 0..20000 {
            let mut text = String::new();
            for _ in 0..rng.below(13) {
                text.push_str(pieces[rng.index(pieces.len())]);
            }
            assert_eq!(words(&text).collect::<Vec<_>>(), general(&text), "{text:?}");
            let mut scanned = Vec::new();
            for_each_word(&text, |s, e, lower| {
                let w = &text[s..e];
                // Only ever claimed of a lowercase ASCII word (the general rules claim nothing).
                assert!(
                    !lower
                        || w.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                );
                scanned.push((s, e));
            });
            assert_eq!(scanned, general(&text), "{text:?}");
            let mut terms = Vec::new();
            for_each_term(&text, Stemming::None, |t, p| terms.push((t.to_string(), p)));
            let want: Vec<(String, u32)> = analyze(&text, Stemming::None)
                .into_iter()
                .map(|t| (t.term, t.position))
                .collect();
            assert_eq!(terms, want, "{text:?}");
            nonempty += usize::from(!want.is_empty());
        }
        assert!(nonempty > 10000, "{nonempty} texts had words");
    }

    /// Texts of ASCII, two-byte characters (the fast scan's), and any other character.
    fn mixed_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            4 => proptest::char::range(' ', '~').prop_map(String::from),
            4 => proptest::char::range('\u{80}', '\u{7ff}').prop_map(String::from),
            1 => any::<char>().prop_map(String::from),
            1 => prop::sample::select(&["'", "’", "e\u{301}", "中", "\u{94d}", "ς"][..])
                .prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn the_fast_scan_splits_any_text_as_the_general_rules(text in mixed_text()) {
            let mut general = Words { text: &text, pos: 0 };
            let want: Vec<(usize, usize)> = std::iter::from_fn(|| general.next_general()).collect();
            let mut scanned = Vec::new();
            for_each_word(&text, |s, e, lower| {
                let w = &text[s..e];
                assert!(!lower || w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
                scanned.push((s, e));
            });
            proptest::prop_assert_eq!(&scanned, &want);
            proptest::prop_assert_eq!(words(&text).collect::<Vec<_>>(), want);
            for stemming in [Stemming::None, Stemming::Porter] {
                let (got, want) = indexed_and_analyzed(&text, stemming);
                proptest::prop_assert_eq!(got, want);
            }
        }
    }

    /// The (term, position) pairs of the indexing path and of `analyze`, for comparison.
    #[allow(clippy::type_complexity, reason = "two lists of the same pairs")]
    fn indexed_and_analyzed(
        text: &str,
        stemming: Stemming,
    ) -> (Vec<(String, u32)>, Vec<(String, u32)>) {
        let mut got = Vec::new();
        for_each_term(text, stemming, |t, p| got.push((t.to_string(), p)));
        let want = analyze(text, stemming)
            .into_iter()
            .map(|t| (t.term, t.position))
            .collect();
        (got, want)
    }

    #[test]
    fn the_indexing_path_yields_the_same_terms() {
        let text = "Ünïcödé WORDS, İİİ don't 中华 ".repeat(3) + &"İ".repeat(60);
        for stemming in [Stemming::None, Stemming::Porter] {
            let (got, want) = indexed_and_analyzed(&text, stemming);
            assert_eq!(got, want);
        }
    }

    #[test]
    fn positions_and_offsets_point_into_the_text() {
        let text = "Héllo, wörld";
        let toks = analyze(text, Stemming::None);
        assert_eq!(toks.len(), 2);
        assert_eq!(&text[toks[1].start..toks[1].end], "wörld");
        assert_eq!(toks[1].position, 1);
    }

    #[test]
    fn long_words_are_cut_at_a_char_boundary() {
        let long = "é".repeat(80);
        let got = t(&long);
        assert_eq!(got.len(), 1);
        assert!(got[0].len() <= MAX_TERM_BYTES && got[0].len() >= MAX_TERM_BYTES - 1);
    }

    #[test]
    fn porter_stems_ascii_words_and_possessives_only() {
        let s = |x: &str| terms(x, Stemming::Porter);
        assert_eq!(
            s("Authorizations authorized policy's"),
            ["author", "author", "polici"]
        );
        assert_eq!(s("don't naïve 1990s"), ["don't", "naïve", "1990"]);
    }
}
