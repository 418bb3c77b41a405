//! The classic Porter stemmer (M. F. Porter, "An algorithm for suffix stripping", 1980), in the
//! version of Porter's own reference implementation, which departs from the paper in two rules of
//! step 2 (`bli` -> `ble` instead of `abli` -> `able`, and the added `logi` -> `log`). SQLite FTS5's
//! `porter` tokenizer implements the same version; a test checks the two agree word for word.
//!
//! It works on lowercase ASCII bytes: letters are vowels or consonants as the paper defines them
//! (`y` is a vowel after a consonant), and digits count as consonants, as in FTS5.

/// The stem of `word`, a lowercase ASCII word; words of one or two letters are returned as they
/// are. Callers pass only ASCII alphanumeric words (see `analyze`).
pub(crate) fn stem(word: &str) -> String {
    if word.len() <= 2 || !word.is_ascii() {
        return word.to_string();
    }
    let mut s = Stemmer {
        b: word.as_bytes().to_vec(),
        j: 0,
    };
    s.step1ab();
    if s.b.len() > 1 {
        s.step1c();
        s.step2();
        s.step3();
        s.step4();
        s.step5();
    }
    // Only ASCII bytes were written into an ASCII word.
    String::from_utf8(s.b).unwrap_or_default()
}

/// The word being stemmed is `b`; `j` marks the end of the stem (exclusive) once a suffix has
/// matched in `ends`.
struct Stemmer {
    b: Vec<u8>,
    j: usize,
}

impl Stemmer {
    /// Whether `b[i]` is a consonant.
    fn cons(&self, i: usize) -> bool {
        match self.b.get(i) {
            Some(b'a' | b'e' | b'i' | b'o' | b'u') => false,
            Some(b'y') => i == 0 || !self.cons(i - 1),
            _ => true,
        }
    }

    /// The measure m of `b[..end]`: the number of vowel-consonant sequences, `[C](VC)^m[V]`.
    fn measure(&self, end: usize) -> usize {
        let mut n = 0;
        let mut i = 0;
        while i < end && self.cons(i) {
            i += 1;
        }
        loop {
            while i < end && !self.cons(i) {
                i += 1;
            }
            if i >= end {
                return n;
            }
            while i < end && self.cons(i) {
                i += 1;
            }
            n += 1;
            if i >= end {
                return n;
            }
        }
    }

    /// The measure of the stem before the suffix matched last.
    fn m(&self) -> usize {
        self.measure(self.j)
    }

    /// Whether `b[..end]` contains a vowel.
    fn vowel_in(&self, end: usize) -> bool {
        (0..end).any(|i| !self.cons(i))
    }

    /// Whether `b[..end]` ends with a double consonant.
    fn double_cons(&self, end: usize) -> bool {
        end >= 2 && self.b.get(end - 1) == self.b.get(end - 2) && self.cons(end - 1)
    }

    /// Whether `b[..end]` ends consonant-vowel-consonant with the last not w, x or y (*o).
    fn cvc(&self, end: usize) -> bool {
        if end < 3 || !self.cons(end - 1) || self.cons(end - 2) || !self.cons(end - 3) {
            return false;
        }
        !matches!(self.b.get(end - 1), Some(b'w' | b'x' | b'y'))
    }

    /// Whether the word ends with `suffix`; if so the stem before it ends at `j`.
    fn ends(&mut self, suffix: &str) -> bool {
        if self.b.ends_with(suffix.as_bytes()) {
            self.j = self.b.len() - suffix.len();
            true
        } else {
            false
        }
    }

    /// Replaces the suffix matched last with `to`.
    fn set_to(&mut self, to: &str) {
        self.b.truncate(self.j);
        self.b.extend_from_slice(to.as_bytes());
    }

    /// Replaces the suffix matched last with `to` when the stem's measure is positive.
    fn r(&mut self, to: &str) {
        if self.m() > 0 {
            self.set_to(to);
        }
    }

    /// Tries `rules` in order; the first suffix that matches decides (replaced when m > 0).
    fn replace_first(&mut self, rules: &[(&str, &str)]) {
        for (from, to) in rules {
            if self.ends(from) {
                self.r(to);
                return;
            }
        }
    }

    /// Plurals and -ed or -ing.
    fn step1ab(&mut self) {
        if self.b.last() == Some(&b's') {
            if self.ends("sses") {
                self.b.truncate(self.b.len() - 2);
            } else if self.ends("ies") {
                self.set_to("i");
            } else if self.b.len() >= 2 && self.b.get(self.b.len() - 2) != Some(&b's') {
                self.b.pop();
            }
        }
        if self.ends("eed") {
            if self.m() > 0 {
                self.b.pop();
            }
        } else if (self.ends("ed") || self.ends("ing")) && self.vowel_in(self.j) {
            self.b.truncate(self.j);
            if self.ends("at") {
                self.set_to("ate");
            } else if self.ends("bl") {
                self.set_to("ble");
            } else if self.ends("iz") {
                self.set_to("ize");
            } else if self.double_cons(self.b.len()) {
                if !matches!(self.b.last(), Some(b'l' | b's' | b'z')) {
                    self.b.pop();
                }
            } else {
                self.j = self.b.len();
                if self.m() == 1 && self.cvc(self.b.len()) {
                    self.b.push(b'e');
                }
            }
        }
    }

    /// Terminal y to i when there is another vowel in the stem.
    fn step1c(&mut self) {
        if self.ends("y") && self.vowel_in(self.j) {
            if let Some(last) = self.b.last_mut() {
                *last = b'i';
            }
        }
    }

    /// Double suffixes to single ones.
    fn step2(&mut self) {
        let rules: &[(&str, &str)] = match self.b.len().checked_sub(2).and_then(|i| self.b.get(i)) {
            Some(b'a') => &[("ational", "ate"), ("tional", "tion")],
            Some(b'c') => &[("enci", "ence"), ("anci", "ance")],
            Some(b'e') => &[("izer", "ize")],
            Some(b'l') => &[
                ("bli", "ble"),
                ("alli", "al"),
                ("entli", "ent"),
                ("eli", "e"),
                ("ousli", "ous"),
            ],
            Some(b'o') => &[("ization", "ize"), ("ation", "ate"), ("ator", "ate")],
            Some(b's') => &[
                ("alism", "al"),
                ("iveness", "ive"),
                ("fulness", "ful"),
                ("ousness", "ous"),
            ],
            Some(b't') => &[("aliti", "al"), ("iviti", "ive"), ("biliti", "ble")],
            Some(b'g') => &[("logi", "log")],
            _ => &[],
        };
        self.replace_first(rules);
    }

    /// -ic-, -full, -ness and the like.
    fn step3(&mut self) {
        let rules: &[(&str, &str)] = match self.b.last() {
            Some(b'e') => &[("icate", "ic"), ("ative", ""), ("alize", "al")],
            Some(b'i') => &[("iciti", "ic")],
            Some(b'l') => &[("ical", "ic"), ("ful", "")],
            Some(b's') => &[("ness", "")],
            _ => &[],
        };
        self.replace_first(rules);
    }

    /// Removes -ant, -ence and the like when m > 1.
    fn step4(&mut self) {
        let suffixes: &[&str] = match self.b.len().checked_sub(2).and_then(|i| self.b.get(i)) {
            Some(b'a') => &["al"],
            Some(b'c') => &["ance", "ence"],
            Some(b'e') => &["er"],
            Some(b'i') => &["ic"],
            Some(b'l') => &["able", "ible"],
            Some(b'n') => &["ant", "ement", "ment", "ent"],
            Some(b'o') => &["ion", "ou"],
            Some(b's') => &["ism"],
            Some(b't') => &["ate", "iti"],
            Some(b'u') => &["ous"],
            Some(b'v') => &["ive"],
            Some(b'z') => &["ize"],
            _ => &[],
        };
        for suffix in suffixes {
            if self.ends(suffix) {
                if *suffix == "ion" {
                    let before = self.j.checked_sub(1).and_then(|i| self.b.get(i));
                    if !matches!(before, Some(b's' | b't')) {
                        // "ion" must follow s or t; "ou" cannot match a word ending in "ion".
                        return;
                    }
                }
                if self.m() > 1 {
                    self.b.truncate(self.j);
                }
                return;
            }
        }
    }

    /// Removes a final -e and undoubles a final -ll.
    fn step5(&mut self) {
        let len = self.b.len();
        if self.b.last() == Some(&b'e') {
            let m = self.measure(len - 1);
            if m > 1 || (m == 1 && !self.cvc(len - 1)) {
                self.b.pop();
            }
        }
        let len = self.b.len();
        if self.b.last() == Some(&b'l') && self.double_cons(len) && self.measure(len) > 1 {
            self.b.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::stem;

    #[test]
    fn examples_of_the_paper_stem_as_published() {
        let cases = [
            ("caresses", "caress"),
            ("ponies", "poni"),
            ("ties", "ti"),
            ("caress", "caress"),
            ("cats", "cat"),
            ("feed", "feed"),
            ("agreed", "agre"),
            ("plastered", "plaster"),
            ("bled", "bled"),
            ("motoring", "motor"),
            ("sing", "sing"),
            ("conflated", "conflat"),
            ("troubled", "troubl"),
            ("sized", "size"),
            ("hopping", "hop"),
            ("tanned", "tan"),
            ("falling", "fall"),
            ("hissing", "hiss"),
            ("fizzed", "fizz"),
            ("failing", "fail"),
            ("filing", "file"),
            ("happy", "happi"),
            ("sky", "sky"),
            ("relational", "relat"),
            ("conditional", "condit"),
            ("rational", "ration"),
            ("valenci", "valenc"),
            ("hesitanci", "hesit"),
            ("digitizer", "digit"),
            ("conformabli", "conform"),
            ("radicalli", "radic"),
            ("differentli", "differ"),
            ("vileli", "vile"),
            ("analogousli", "analog"),
            ("vietnamization", "vietnam"),
            ("predication", "predic"),
            ("operator", "oper"),
            ("feudalism", "feudal"),
            ("decisiveness", "decis"),
            ("hopefulness", "hope"),
            ("callousness", "callous"),
            ("formaliti", "formal"),
            ("sensitiviti", "sensit"),
            ("sensibiliti", "sensibl"),
            ("triplicate", "triplic"),
            ("formative", "form"),
            ("formalize", "formal"),
            ("electriciti", "electr"),
            ("electrical", "electr"),
            ("hopeful", "hope"),
            ("goodness", "good"),
            ("revival", "reviv"),
            ("allowance", "allow"),
            ("inference", "infer"),
            ("airliner", "airlin"),
            ("gyroscopic", "gyroscop"),
            ("adjustable", "adjust"),
            ("defensible", "defens"),
            ("irritant", "irrit"),
            ("replacement", "replac"),
            ("adjustment", "adjust"),
            ("dependent", "depend"),
            ("adoption", "adopt"),
            ("homologou", "homolog"),
            ("communism", "commun"),
            ("activate", "activ"),
            ("angulariti", "angular"),
            ("homologous", "homolog"),
            ("effective", "effect"),
            ("bowdlerize", "bowdler"),
            ("probate", "probat"),
            ("rate", "rate"),
            ("cease", "ceas"),
            ("controll", "control"),
            ("roll", "roll"),
            ("generalizations", "gener"),
            ("oscillators", "oscil"),
            ("authorization", "author"),
            ("authorizations", "author"),
            ("authorized", "author"),
            ("is", "is"),
            ("a", "a"),
        ];
        for (word, want) in cases {
            assert_eq!(stem(word), want, "stem of {word}");
        }
    }

    #[test]
    fn digits_are_consonants_and_never_panic() {
        assert_eq!(stem("1990s"), "1990");
        for w in [
            "y", "yy", "yyy", "sss", "ies", "eed", "ing", "ed", "s", "e", "ll",
        ] {
            let _ = stem(w);
        }
    }
}
