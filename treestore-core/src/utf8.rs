//! Cutting UTF-8 text by bytes: the one helper every store uses to bound a string's length
//! without splitting a character, and [`char_prefix`], the structure view's cut by characters
//! of a stored string not yet checked.

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// The first `max` characters of the stored string `bytes` (all of it when shorter), checked to
/// be UTF-8; `None` when the kept bytes are not. Only the kept bytes are checked: the cut is found
/// on the raw bytes first (a summary cut to 420 characters from 200-800 no longer pays for checking
/// the part it drops: about 20% of the structure view's instructions). On UTF-8 the cut is
/// `s.char_indices().nth(max)`'s, found by counting character starts eight bytes at a time (the
/// char-by-char walk was 62% of the view's instructions).
pub(crate) fn char_prefix(bytes: &[u8], max: usize) -> Option<&str> {
    crate::codec::utf8(bytes.get(..char_cut(bytes, max)).unwrap_or_default())
}

/// Where [`char_prefix`] cuts: the index of the `max`th character start after the first (every
/// byte but a continuation byte, 10xxxxxx, starts a character), or the length when there are
/// fewer. Kept bytes that are UTF-8 so end on a character boundary. Counts 32 bytes, then 8, at a
/// time without branching per word or a popcount instruction (the default x86-64 target has
/// none: `count_ones` is a dozen instructions): callgrind, the structure view 277.8k -> 261.5k
/// instructions per call against a word-at-a-time count with `count_ones`.
fn char_cut(bytes: &[u8], max: usize) -> usize {
    // A string of at most `max` bytes has at most `max` characters.
    if bytes.len() <= max {
        return bytes.len();
    }
    // `need`: the character starts still to pass; the cut is at the next one after them.
    let mut need = max;
    let mut at = 0;
    for block in bytes.chunks_exact(32) {
        let lanes: u64 = block.chunks_exact(8).map(continuation_lanes).sum();
        let starts = 32 - lane_sum(lanes);
        if starts > need {
            break;
        }
        need -= starts;
        at += 32;
    }
    for word in bytes.get(at..).unwrap_or_default().chunks_exact(8) {
        let starts = 8 - lane_sum(continuation_lanes(word));
        if starts > need {
            break;
        }
        need -= starts;
        at += 8;
    }
    for (i, &b) in bytes.get(at..).unwrap_or_default().iter().enumerate() {
        // Not a continuation byte: a character starts here.
        if (b as i8) >= -0x40 {
            if need == 0 {
                return at + i;
            }
            need -= 1;
        }
    }
    bytes.len()
}

/// 1 in each byte lane of the eight bytes `word` that holds a continuation byte (10xxxxxx: its top
/// bit set, the next one clear), 0 in the others.
#[inline(always)]
fn continuation_lanes(word: &[u8]) -> u64 {
    let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
    (w & !(w << 1) & 0x8080_8080_8080_8080) >> 7
}

/// The sum of the byte lanes of `lanes` (each at most 32, so the sum fits the top lane).
#[inline(always)]
fn lane_sum(lanes: u64) -> usize {
    (lanes.wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize
}

#[cfg(test)]
mod tests {
    use super::{char_prefix, truncate};

    /// The reference cut: the char-by-char walk.
    fn cut_by_chars(s: &str, max: usize) -> &str {
        match s.char_indices().nth(max) {
            Some((at, _)) => &s[..at],
            None => s,
        }
    }

    #[test]
    fn char_prefix_agrees_with_the_char_walk() {
        // Every cut of strings mixing one- to four-byte characters, each placed at every offset
        // of the eight-byte words the cut counts in.
        let pieces = ["a", "é", "日", "🌲", "ab", "xyz1234", "ü日", "🌲🌳"];
        let mut samples = vec![String::new()];
        for seed in 0..200usize {
            let mut s = "a".repeat(seed % 9);
            let mut rng = crate::rng::Rng::new(seed as u64);
            while s.len() < 60 + seed % 40 {
                s.push_str(pieces[rng.index(pieces.len())]);
            }
            samples.push(s);
        }
        samples.push("a".repeat(1000));
        samples.push("é".repeat(500));
        samples.push("🌲".repeat(300));
        for s in &samples {
            for max in 0..=s.chars().count() + 9 {
                assert_eq!(
                    char_prefix(s.as_bytes(), max),
                    Some(cut_by_chars(s, max)),
                    "{s:?} cut to {max}"
                );
            }
        }
    }

    #[test]
    fn char_prefix_checks_only_what_it_keeps() {
        // Bad bytes past the cut are dropped unread; bad bytes in the kept part are refused.
        let mut b = "aé日🌲xyzxyzxyz".as_bytes().to_vec();
        b.extend_from_slice(&[0xFF, 0xC3]);
        assert_eq!(char_prefix(&b, 4), Some("aé日🌲"));
        assert_eq!(char_prefix(&b, 13), Some("aé日🌲xyzxyzxyz"));
        assert_eq!(char_prefix(&b, 14), None);
        assert_eq!(char_prefix(&b, 99), None);
        // A lead byte whose continuation is missing, inside the kept part.
        let bad = [b'a', 0xE6, b'b', b'c', b'd'];
        assert_eq!(char_prefix(&bad, 1), Some("a"));
        assert_eq!(char_prefix(&bad, 3), None);
        // A stray continuation byte is no character start: it stays in the kept part, refused.
        let stray = [b'a', 0x80, b'b', b'c'];
        assert_eq!(char_prefix(&stray, 1), None);
    }

    #[test]
    fn truncate_keeps_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("héllo", 3), "hé");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
