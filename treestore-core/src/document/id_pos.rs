//! The id → position hint: most documents number their nodes in pre-order (PageIndex writes
//! "0000", "0001", … and the importer puts a synthetic root before them), so a node's position
//! can be computed from its id instead of looked up in `doc.ids`, like SQLite's rowid alias.
//!
//! When a version is stored, [`detect`] checks whether every node but the root has an id of
//! ASCII digits whose number `n` sits at position `n + offset`, for one `offset`; if so the
//! catalog records that offset with the version (`ver.docs` and `ver.latest`, which the reads
//! already load to resolve it). A read then [`guess`]es the position from the id, reads the record
//! there and uses it only if the record's `node_id` equals the asked id byte for byte, falling
//! back to `doc.ids` otherwise. The hint is only ever a shortcut: ids are unique within a version,
//! so a record with the asked id is the node, and an id the guess misses (the root, "01" where
//! "0001" is stored, an id past the end, an id that does not exist) is answered by `doc.ids` as
//! before.

/// Longest digit string read as a number: positions are u32, at most 10 digits.
const MAX_DIGITS: usize = 10;

/// The number an id of 1 to [`MAX_DIGITS`] ASCII digits spells ("0042" is 42), else `None`.
fn number(id: &str) -> Option<i64> {
    let b = id.as_bytes();
    if b.is_empty() || b.len() > MAX_DIGITS || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
}

/// The offset with `pos == number(id) + offset` for every node of a version but the root (pos
/// 0), given the ids in pre-order; `None` when one id is not a number or the offsets differ, or
/// the version has no node besides the root.
pub(crate) fn detect<'a>(ids_in_preorder: impl IntoIterator<Item = &'a str>) -> Option<i64> {
    let mut offset = None;
    for (pos, id) in ids_in_preorder.into_iter().enumerate().skip(1) {
        let here = i64::try_from(pos).ok()? - number(id)?;
        match offset {
            None => offset = Some(here),
            Some(o) if o == here => {}
            Some(_) => return None,
        }
    }
    offset
}

/// The position `node_id` has if it follows the version's hint `offset`: a guess the caller
/// checks against the record found there.
pub(crate) fn guess(node_id: &str, offset: i64) -> Option<u32> {
    u32::try_from(number(node_id)?.checked_add(offset)?).ok()
}

#[cfg(test)]
mod tests {
    use super::{detect, guess};

    fn ids(v: &[&'static str]) -> Vec<&'static str> {
        v.to_vec()
    }

    #[test]
    fn pre_order_numbers_give_their_offset() {
        // The seeded generator: the root is "0000" at position 0.
        assert_eq!(detect(ids(&["0000", "0001", "0002"])), Some(0));
        // PageIndex import: a synthetic root, then "0000" at position 1.
        assert_eq!(detect(ids(&["root", "0000", "0001", "0002"])), Some(1));
        // Unpadded, wider than the padding, and a negative offset.
        assert_eq!(detect(ids(&["r", "1", "2", "3"])), Some(0));
        assert_eq!(detect(ids(&["r", "9999", "10000"])), Some(1 - 9999));
    }

    #[test]
    fn the_root_is_exempt_whatever_its_id() {
        assert_eq!(detect(ids(&["7", "0000", "0001"])), Some(1));
        assert_eq!(detect(ids(&["", "0000"])), Some(1));
    }

    #[test]
    fn gaps_odd_ids_and_mixed_documents_get_no_hint() {
        assert_eq!(detect(ids(&["r", "0000", "0002"])), None, "a gap");
        assert_eq!(detect(ids(&["r", "0001", "0000"])), None, "out of order");
        assert_eq!(detect(ids(&["r", "0000", "a"])), None, "mixed");
        assert_eq!(detect(ids(&["r", "0000", "1e3"])), None);
        assert_eq!(detect(ids(&["r", "+1", "2"])), None, "a sign");
        assert_eq!(detect(ids(&["r", " 1", "2"])), None, "a space");
        assert_eq!(detect(ids(&["r", "0000", ""])), None, "empty");
        assert_eq!(detect(ids(&["r", "00000000000", "1"])), None, "11 digits");
        assert_eq!(detect(ids(&["r", "٣"])), None, "non-ASCII digit");
        assert_eq!(detect(ids(&["root"])), None, "only a root");
        assert_eq!(detect(ids(&[])), None);
    }

    #[test]
    fn non_canonical_spellings_of_one_number_still_detect() {
        // "01" and "2": the numbers fit the positions; reads check the id byte for byte.
        assert_eq!(detect(ids(&["r", "01", "2"])), Some(0));
    }

    #[test]
    fn guesses_parse_the_id_and_stay_in_range() {
        assert_eq!(guess("0042", 1), Some(43));
        assert_eq!(guess("42", 1), Some(43));
        assert_eq!(guess("0000", -1), None);
        assert_eq!(guess("9999999999", 0), None, "past u32");
        assert_eq!(guess("4294967295", 0), Some(u32::MAX));
        assert_eq!(guess("x1", 0), None);
        assert_eq!(guess("", 0), None);
        assert_eq!(guess("1", i64::MAX), None, "offset overflow");
        assert_eq!(guess("12345678901", 0), None, "too many digits");
    }
}
