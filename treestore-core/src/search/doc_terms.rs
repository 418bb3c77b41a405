//! The distinct terms of an `fts.docs` record (sorted), their one encoder and their one decoder,
//! which reads both formats: every reader of the list (removal, the integrity check, a prefix
//! search's matched terms) goes through [`for_each_term`].
//!
//! Format 1 (written before) is a string list: count, then per term its length and bytes.
//! Format 2 front-codes the sorted list: count, then per term
//!
//! | bytes | what                                                                            |
//! |-------|---------------------------------------------------------------------------------|
//! | 1     | `shared << 4 \| suffix`: each nibble 0-14 is the value, 15 means 15 + a LEB128 after |
//! | 0-20  | the LEB128 rest of `shared`, then of `suffix`, for nibbles of 15                |
//! | n     | the suffix: the term's bytes after the `shared` it has in common with the previous |
//!
//! A term of up to 14 bytes sharing fewer than 15 with the previous one costs one byte besides its
//! new bytes. `shared` counts bytes, so a suffix may start inside a character; the whole term is
//! checked as UTF-8.

use crate::codec::{utf8, Decoder};
use crate::error::{Error, Result};

/// The record format of `fts.docs` values whose terms are front-coded.
pub(crate) const FRONT_CODED: u8 = 2;

/// The record format of `fts.docs` values written before, whose terms are a string list.
pub(crate) const STRING_LIST: u8 = 1;

/// A nibble's largest value before the escape.
const NIBBLE_MAX: usize = 14;

/// Appends `count` terms (sorted, distinct) to `out`, front-coded.
pub(crate) fn encode_terms<'a>(
    out: &mut Vec<u8>,
    count: usize,
    terms: impl Iterator<Item = &'a str>,
) {
    push_uvar(out, count as u64);
    let mut prev: &[u8] = &[];
    for term in terms {
        let t = term.as_bytes();
        let shared = shared_prefix(prev, t);
        let suffix = t.get(shared..).unwrap_or_default();
        if shared <= NIBBLE_MAX && suffix.len() <= NIBBLE_MAX {
            out.push(((shared << 4) | suffix.len()) as u8);
            out.extend_from_slice(suffix);
        } else {
            push_escaped(out, shared, suffix);
        }
        prev = t;
    }
}

/// A term's entry with a nibble of 15 (a shared prefix or a suffix longer than 14 bytes).
#[cold]
#[inline(never)]
fn push_escaped(out: &mut Vec<u8>, shared: usize, suffix: &[u8]) {
    let (hi, lo) = (nibble(shared), nibble(suffix.len()));
    out.push((hi << 4) | lo);
    if usize::from(hi) > NIBBLE_MAX {
        push_uvar(out, (shared - NIBBLE_MAX - 1) as u64);
    }
    if usize::from(lo) > NIBBLE_MAX {
        push_uvar(out, (suffix.len() - NIBBLE_MAX - 1) as u64);
    }
    out.extend_from_slice(suffix);
}

/// Calls `f` with each term of a list of record format `format`, read from `d`, in order.
pub(crate) fn for_each_term(
    d: &mut Decoder<'_>,
    format: u8,
    mut f: impl FnMut(&str) -> Result<()>,
) -> Result<()> {
    let count = d.list_len()?;
    if format == STRING_LIST {
        for _ in 0..count {
            f(d.str()?)?;
        }
        return Ok(());
    }
    let mut term: Vec<u8> = Vec::with_capacity(32);
    for _ in 0..count {
        let head = d.u8()?;
        let shared = nibble_value(d, head >> 4)?;
        let suffix = nibble_value(d, head & 0xF)?;
        if shared > term.len() as u64 {
            return Err(Error::corruption(format!(
                "fts.docs record: a term shares {shared} bytes with a previous term of {}",
                term.len()
            )));
        }
        term.truncate(shared as usize);
        term.extend_from_slice(d.raw(usize::try_from(suffix).unwrap_or(usize::MAX))?);
        let s = utf8(&term)
            .ok_or_else(|| Error::corruption("fts.docs record: a term is not UTF-8".to_string()))?;
        f(s)?;
    }
    Ok(())
}

/// The terms of a list of record format `format`, read from `d`.
pub(crate) fn decode_terms(d: &mut Decoder<'_>, format: u8) -> Result<Vec<String>> {
    let mut terms = Vec::new();
    for_each_term(d, format, |t| {
        terms.push(t.to_string());
        Ok(())
    })?;
    Ok(terms)
}

/// The bytes `a` and `b` start with in common (sorted neighbours share few: a byte loop beats
/// a word loop here).
#[inline]
fn shared_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The nibble of `n`: itself up to [`NIBBLE_MAX`], else the escape.
#[inline]
fn nibble(n: usize) -> u8 {
    n.min(NIBBLE_MAX + 1) as u8
}

#[inline]
fn nibble_value(d: &mut Decoder<'_>, nibble: u8) -> Result<u64> {
    let n = u64::from(nibble);
    if n <= NIBBLE_MAX as u64 {
        return Ok(n);
    }
    d.uvar()?
        .checked_add(n)
        .ok_or_else(|| Error::corruption("fts.docs record: a term length overflows".to_string()))
}

#[inline]
fn push_uvar(out: &mut Vec<u8>, v: u64) {
    let (bytes, n) = crate::codec::uvar_bytes(v);
    out.extend_from_slice(&bytes[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Encoder;

    fn round_trip(terms: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        encode_terms(&mut out, terms.len(), terms.iter().copied());
        let mut d = Decoder::new(&out, "fts.docs");
        let got = decode_terms(&mut d, FRONT_CODED).unwrap();
        assert!(d.is_empty(), "{terms:?}: bytes left over");
        got
    }

    #[test]
    fn front_coded_terms_round_trip() {
        let long = "x".repeat(40);
        let longer = format!("{long}yz{}", "w".repeat(30));
        let cases: Vec<Vec<&str>> = vec![
            vec![],
            vec![""],
            vec!["", "a"],
            vec!["a", "ab", "abc", "b"],
            vec!["café", "cafés", "déclaration", "règlement", "review"],
            vec!["é", "è"],
            vec!["条", "款", "规", "规定"],
            vec![&long, &longer, "y"],
            vec!["0", "1", "10", "100000000000000000"],
        ];
        for terms in cases {
            assert_eq!(round_trip(&terms), terms);
        }
    }

    #[test]
    fn shared_prefixes_count_bytes_in_common() {
        let long = "abcdefghijklmnopqrstuvwxyz";
        for i in 0..=long.len() {
            for j in 0..=long.len() {
                let (a, mut b) = (&long.as_bytes()[..i], long.as_bytes()[..j].to_vec());
                assert_eq!(shared_prefix(a, &b), i.min(j));
                if let Some(last) = b.last_mut() {
                    *last = b'!';
                    assert_eq!(shared_prefix(a, &b), i.min(j - 1), "{i} {j}");
                }
            }
        }
    }

    #[test]
    fn short_terms_take_one_byte_besides_their_new_bytes() {
        let mut out = Vec::new();
        encode_terms(&mut out, 3, ["claim", "coverage", "covered"].into_iter());
        // count, then (0, 5) "claim", (1, 7) "overage", (5, 2) "ed".
        assert_eq!(out.len(), 1 + (1 + 5) + (1 + 7) + (1 + 2));
        assert_eq!((out[1], out[7], out[15]), (0x05, 0x17, 0x52));
    }

    #[test]
    fn string_lists_of_format_one_still_read() {
        let terms = ["claim", "coverage", "règlement"];
        let mut e = Encoder::new();
        e.str_list(&terms);
        let v = e.finish();
        let mut d = Decoder::new(&v, "fts.docs");
        assert_eq!(decode_terms(&mut d, STRING_LIST).unwrap(), terms);
    }

    #[test]
    fn damaged_lists_are_errors() {
        let mut out = Vec::new();
        encode_terms(&mut out, 2, ["claim", "coverage"].into_iter());
        for cut in 0..out.len() {
            let mut d = Decoder::new(&out[..cut], "fts.docs");
            assert!(decode_terms(&mut d, FRONT_CODED).is_err(), "cut at {cut}");
        }
        // Sharing more than the previous term has.
        let bad = [1u8, 0x31, b'a'];
        assert!(decode_terms(&mut Decoder::new(&bad, "fts.docs"), FRONT_CODED).is_err());
        // A suffix that ends inside a character.
        let bad = [2u8, 0x02, 0xC3, 0xA9, 0x11, 0xC3];
        assert!(decode_terms(&mut Decoder::new(&bad, "fts.docs"), FRONT_CODED).is_err());
        // An escaped length past the end, and one that overflows.
        let bad = [1u8, 0x0F, 0xFF, 0x7F];
        assert!(decode_terms(&mut Decoder::new(&bad, "fts.docs"), FRONT_CODED).is_err());
        let mut bad = vec![1u8, 0xF1];
        bad.extend([0xFF; 9]);
        bad.push(0x01);
        assert!(decode_terms(&mut Decoder::new(&bad, "fts.docs"), FRONT_CODED).is_err());
    }
}
