//! The compact binary record encoding the stores use for table values: LEB128 lengths and integers,
//! UTF-8 strings, string lists and maps. Every decoder read is bounds-checked; damaged bytes give a
//! `Corruption` error naming the record kind and the offset, never a panic.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// Builds one record.
#[derive(Debug, Default, Clone)]
pub struct Encoder {
    buf: Vec<u8>,
}

/// `v` as [`Encoder::uvar`] writes it (LEB128: at most 10 bytes), in a fixed array with its length,
/// for a caller that needs the bytes without a buffer.
pub fn uvar_bytes(mut v: u64) -> ([u8; 10], usize) {
    let (mut out, mut n) = ([0u8; 10], 0);
    while v >= 0x80 {
        out[n] = (v as u8) | 0x80;
        v >>= 7;
        n += 1;
    }
    out[n] = v as u8;
    (out, n + 1)
}

impl Encoder {
    pub fn new() -> Encoder {
        Encoder::default()
    }

    pub fn with_capacity(n: usize) -> Encoder {
        Encoder {
            buf: Vec::with_capacity(n),
        }
    }

    /// An encoder writing into `buf`, emptied first (a caller's buffer kept across records, so a
    /// run of records allocates once).
    pub fn reusing(mut buf: Vec<u8>) -> Encoder {
        buf.clear();
        Encoder { buf }
    }

    /// An encoder writing after what `buf` holds (records packed one after another).
    pub fn appending(buf: Vec<u8>) -> Encoder {
        Encoder { buf }
    }

    pub fn finish(self) -> Vec<u8> {
        self.buf
    }

    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(u8::from(v))
    }

    /// An unsigned integer, LEB128. Most integers of records (lengths, counts, small
    /// numbers) take one byte: that case is inlined into the record encoders.
    #[inline]
    pub fn uvar(&mut self, v: u64) -> &mut Self {
        if v < 0x80 {
            self.buf.push(v as u8);
            return self;
        }
        self.uvar_long(v)
    }

    /// [`Self::uvar`] of two bytes or more.
    #[inline(never)]
    fn uvar_long(&mut self, v: u64) -> &mut Self {
        let (bytes, n) = uvar_bytes(v);
        self.buf.extend_from_slice(&bytes[..n]);
        self
    }

    /// A signed integer, zigzag then LEB128.
    pub fn ivar(&mut self, v: i64) -> &mut Self {
        self.uvar(((v << 1) ^ (v >> 63)) as u64)
    }

    pub fn f64(&mut self, v: f64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Bytes as they are, without a length.
    pub fn raw(&mut self, v: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(v);
        self
    }

    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.uvar(v.len() as u64);
        self.buf.extend_from_slice(v);
        self
    }

    pub fn str(&mut self, v: &str) -> &mut Self {
        self.bytes(v.as_bytes())
    }

    pub fn opt_str(&mut self, v: Option<&str>) -> &mut Self {
        match v {
            None => self.u8(0),
            Some(s) => self.u8(1).str(s),
        }
    }

    pub fn opt_ivar(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            None => self.u8(0),
            Some(x) => self.u8(1).ivar(x),
        }
    }

    pub fn str_list<S: AsRef<str>>(&mut self, v: &[S]) -> &mut Self {
        self.uvar(v.len() as u64);
        for s in v {
            self.str(s.as_ref());
        }
        self
    }

    pub fn str_map(&mut self, v: &BTreeMap<String, String>) -> &mut Self {
        self.uvar(v.len() as u64);
        for (k, val) in v {
            self.str(k).str(val);
        }
        self
    }
}

/// The integer whose little-endian varint bytes are the first `n` (1..=8) bytes of `w`: their low
/// 7 bits packed together, lowest group first (pairs, then quads, then halves).
#[inline(always)]
fn pack_groups(w: u64, n: usize) -> u64 {
    let keep = if n >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * n)) - 1
    };
    let x = w & keep & 0x7F7F_7F7F_7F7F_7F7F;
    let x = (x & 0x007F_007F_007F_007F) | ((x & 0x7F00_7F00_7F00_7F00) >> 1);
    let x = (x & 0x0000_3FFF_0000_3FFF) | ((x & 0x3FFF_0000_3FFF_0000) >> 2);
    (x & 0x0000_0000_0FFF_FFFF) | ((x & 0x0FFF_FFFF_0000_0000) >> 4)
}

/// `bytes` as a `str` when they are UTF-8. Records hold mostly prose, often not ASCII (where
/// the standard check slows to a byte at a time); `simdutf8` checks it several times faster with
/// SIMD, with the same answer.
#[inline]
pub fn utf8(bytes: &[u8]) -> Option<&str> {
    // Most record strings (ids, paths, titles) are short and ASCII, where the word-at-a-time
    // ASCII check answers before `simdutf8` has set up (it stops at the first non-ASCII byte).
    if bytes.is_ascii() {
        // SAFETY: ASCII is UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    simdutf8::basic::from_utf8(bytes).ok()
}

/// Reads one record.
pub struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Decoder<'a> {
    /// `what` names the record kind in error messages.
    pub fn new(buf: &'a [u8], what: &'static str) -> Decoder<'a> {
        Decoder { buf, pos: 0, what }
    }

    #[cold]
    #[inline(never)]
    fn bad(&self, why: &str) -> Error {
        Error::corruption(format!("{} record, byte {}: {why}", self.what, self.pos))
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    // The small readers below are inlined into the record decoders (with their errors built out
    // of line), so decoding a small record is a run of bounds checks rather than calls.
    #[inline(always)]
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        match self.buf.get(self.pos..).and_then(|rest| rest.get(..n)) {
            Some(out) => {
                self.pos += n;
                Ok(out)
            }
            None => Err(self.past_end(n)),
        }
    }

    #[cold]
    #[inline(never)]
    fn past_end(&self, n: usize) -> Error {
        self.bad(&format!("{n} bytes run past the end"))
    }

    #[inline(always)]
    pub fn u8(&mut self) -> Result<u8> {
        // The common case without the length arithmetic of `take`.
        if let Some(&b) = self.buf.get(self.pos) {
            self.pos += 1;
            return Ok(b);
        }
        Ok(self.take(1)?[0])
    }

    pub fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(self.bad("invalid boolean")),
        }
    }

    #[inline(always)]
    pub fn uvar(&mut self) -> Result<u64> {
        // Most integers in records (lengths, positions, tags) take one byte; the lengths of
        // summaries and texts and most page numbers take two.
        if let Some(&b) = self.buf.get(self.pos) {
            if b & 0x80 == 0 {
                self.pos += 1;
                return Ok(u64::from(b));
            }
            if let Some(&c) = self.buf.get(self.pos + 1) {
                if c & 0x80 == 0 {
                    self.pos += 2;
                    return Ok(u64::from(b & 0x7F) | (u64::from(c) << 7));
                }
            }
        }
        self.uvar_long()
    }

    /// [`Self::uvar`] of two bytes or more (timestamps take eight). With eight bytes left, one of
    /// up to eight bytes is read as one word and its 7-bit groups packed together without a loop;
    /// longer ones, and those near the end of the record, are read byte by byte.
    /// Inlined (the byte-by-byte rest is not): a `Result` returned through memory from a call
    /// costs a store-forwarding stall, twice per node record (its timestamps).
    #[inline(always)]
    fn uvar_long(&mut self) -> Result<u64> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        if let Some(word) = rest.first_chunk::<8>() {
            let w = u64::from_le_bytes(*word);
            // A clear high bit ends the integer: the first one gives its length.
            let stops = !w & 0x8080_8080_8080_8080;
            if stops != 0 {
                let n = (stops.trailing_zeros() / 8 + 1) as usize;
                self.pos += n;
                return Ok(pack_groups(w, n));
            }
        }
        self.uvar_bytes()
    }

    /// [`Self::uvar_long`] byte by byte: longer than eight bytes, or near the record's end.
    #[inline(never)]
    fn uvar_bytes(&mut self) -> Result<u64> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let mut v: u64 = 0;
        for (i, &byte) in rest.iter().take(10).enumerate() {
            v |= u64::from(byte & 0x7F) << (7 * i);
            if byte & 0x80 == 0 {
                self.pos += i + 1;
                return Ok(v);
            }
        }
        Err(if rest.len() < 10 {
            self.bad("integer runs past the end")
        } else {
            self.bad("integer longer than 10 bytes")
        })
    }

    #[inline(always)]
    pub fn ivar(&mut self) -> Result<i64> {
        let u = self.uvar()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// The next `N` bytes as they are (a fixed-size field such as a hash).
    #[inline(always)]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        match self.buf.get(self.pos..).and_then(<[u8]>::first_chunk::<N>) {
            Some(out) => {
                self.pos += N;
                Ok(*out)
            }
            None => Err(self.past_end(N)),
        }
    }

    /// The next `n` bytes as they are (a field whose length the record gives elsewhere).
    #[inline(always)]
    pub fn raw(&mut self, n: usize) -> Result<&'a [u8]> {
        self.take(n)
    }

    #[inline(always)]
    fn len(&mut self) -> Result<usize> {
        let n = self.uvar()?;
        if n > self.remaining() as u64 {
            return Err(self.long_length(n));
        }
        Ok(n as usize)
    }

    #[cold]
    #[inline(never)]
    fn long_length(&self, n: u64) -> Error {
        self.bad(&format!("length {n} runs past the end"))
    }

    #[inline(always)]
    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.len()?;
        self.take(n)
    }

    #[inline(always)]
    pub fn str(&mut self) -> Result<&'a str> {
        let b = self.bytes()?;
        utf8(b).ok_or_else(|| self.bad("invalid UTF-8"))
    }

    pub fn string(&mut self) -> Result<String> {
        Ok(self.str()?.to_owned())
    }

    pub fn opt_string(&mut self) -> Result<Option<String>> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.string()?)),
            _ => Err(self.bad("invalid option tag")),
        }
    }

    pub fn opt_ivar(&mut self) -> Result<Option<i64>> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.ivar()?)),
            _ => Err(self.bad("invalid option tag")),
        }
    }

    pub fn str_list(&mut self) -> Result<Vec<String>> {
        // Sized up front (collecting `Result`s would grow it from empty); each item takes at least
        // its length byte, so `n`, checked against the bytes left, bounds the capacity.
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.string()?);
        }
        Ok(out)
    }

    /// The item count of a list, leaving its items to be read (or not) after it.
    #[inline]
    pub fn list_len(&mut self) -> Result<usize> {
        self.len()
    }

    /// A string list left unread (its items are skipped, then checked as they are iterated).
    pub fn str_list_ref(&mut self) -> Result<StrList<'a>> {
        self.skip_list(1)
    }

    /// A string map left unread, like [`Decoder::str_list_ref`].
    pub fn str_pairs_ref(&mut self) -> Result<StrPairs<'a>> {
        Ok(StrPairs {
            list: self.skip_list(2)?,
        })
    }

    /// Skips a list of entries of `strings_per_entry` strings, returning it unread. Inlined with
    /// the empty list (most lists of most records) answered without a call: a `Result` returned
    /// through memory from a call costs a store-forwarding stall per field (perf, the
    /// head-to-head's 10,000-child fan).
    #[inline(always)]
    fn skip_list(&mut self, strings_per_entry: usize) -> Result<StrList<'a>> {
        if self.buf.get(self.pos) == Some(&0) {
            self.pos += 1;
            return Ok(StrList {
                bytes: &self.buf[self.pos..self.pos],
                len: 0,
            });
        }
        self.skip_items(strings_per_entry)
    }

    /// [`Self::skip_list`] of a list that is not one zero byte.
    #[inline(never)]
    fn skip_items(&mut self, strings_per_entry: usize) -> Result<StrList<'a>> {
        let len = self.len()?;
        let items = self.pos;
        for _ in 0..len * strings_per_entry {
            self.bytes()?;
        }
        Ok(StrList {
            bytes: &self.buf[items..self.pos],
            len,
        })
    }

    pub fn str_map(&mut self) -> Result<BTreeMap<String, String>> {
        let n = self.len()?;
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let k = self.string()?;
            let v = self.string()?;
            m.insert(k, v);
        }
        Ok(m)
    }
}

/// A string list of a record ([`Decoder::str_list_ref`]), read lazily: each item is checked to be
/// UTF-8 as it is returned, so a damaged record gives an error, never a panic.
#[derive(Clone, Copy)]
pub struct StrList<'a> {
    bytes: &'a [u8],
    len: usize,
}

/// A string map of a record ([`Decoder::str_pairs_ref`]), read lazily like [`StrList`].
#[derive(Clone, Copy)]
pub struct StrPairs<'a> {
    list: StrList<'a>,
}

impl<'a> StrList<'a> {
    /// The list of no items.
    pub const EMPTY: StrList<'static> = StrList { bytes: &[], len: 0 };

    /// The number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The items, each checked to be UTF-8.
    pub fn iter(&self) -> impl Iterator<Item = Result<&'a str>> + 'a {
        let mut d = Decoder::new(self.bytes, "string list");
        (0..self.len).map(move |_| d.str())
    }
}

impl<'a> StrPairs<'a> {
    /// The map of no pairs.
    pub const EMPTY: StrPairs<'static> = StrPairs {
        list: StrList::EMPTY,
    };

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.list.len
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.list.len == 0
    }

    /// The pairs in stored (key) order, each string checked to be UTF-8.
    pub fn iter(&self) -> impl Iterator<Item = Result<(&'a str, &'a str)>> + 'a {
        let mut d = Decoder::new(self.list.bytes, "string map");
        (0..self.list.len).map(move |_| Ok((d.str()?, d.str()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_kind() {
        let mut map = BTreeMap::new();
        map.insert("k".to_string(), "v".to_string());
        let mut e = Encoder::new();
        e.u8(7)
            .bool(true)
            .uvar(u64::MAX)
            .ivar(i64::MIN)
            .ivar(-3)
            .f64(1.5)
            .str("héllo")
            .opt_str(None)
            .opt_str(Some("x"))
            .opt_ivar(Some(-9))
            .str_list(&["a", "b"])
            .str_map(&map);
        let buf = e.finish();
        let mut d = Decoder::new(&buf, "test");
        assert_eq!(d.u8().unwrap(), 7);
        assert!(d.bool().unwrap());
        assert_eq!(d.uvar().unwrap(), u64::MAX);
        assert_eq!(d.ivar().unwrap(), i64::MIN);
        assert_eq!(d.ivar().unwrap(), -3);
        assert_eq!(d.f64().unwrap(), 1.5);
        assert_eq!(d.str().unwrap(), "héllo");
        assert_eq!(d.opt_string().unwrap(), None);
        assert_eq!(d.opt_string().unwrap().as_deref(), Some("x"));
        assert_eq!(d.opt_ivar().unwrap(), Some(-9));
        assert_eq!(d.str_list().unwrap(), vec!["a", "b"]);
        assert_eq!(d.str_map().unwrap(), map);
        assert!(d.is_empty());
    }

    #[test]
    fn truncated_or_garbage_records_are_corruption() {
        let mut e = Encoder::new();
        e.str("hello").str_list(&["a", "b", "c"]);
        let buf = e.finish();
        for cut in 0..buf.len() {
            let mut d = Decoder::new(&buf[..cut], "node");
            let r = d.str().and_then(|_| d.str_list());
            let err = r.expect_err("truncation must fail");
            assert!(err.to_string().contains("node record"), "{err}");
        }
        let mut d = Decoder::new(&[0xFF; 20], "node");
        assert!(d.uvar().is_err());
    }

    #[test]
    fn a_varint_read_as_one_word_ignores_the_bytes_after_it() {
        // The word read covers bytes after a short integer: with their high bits set or clear,
        // they must change neither the value nor how far the decoder moves.
        for bits in 0..64 {
            for v in [1u64 << bits, (1u64 << bits) - 1, u64::MAX >> bits] {
                for pad in [0x00u8, 0x7F, 0x80, 0xFF] {
                    let mut e = Encoder::new();
                    e.uvar(v);
                    let n = e.finish().len();
                    let mut buf = Encoder::new();
                    buf.uvar(v);
                    let mut buf = buf.finish();
                    buf.extend_from_slice(&[pad; 9]);
                    let mut d = Decoder::new(&buf, "test");
                    assert_eq!(d.uvar().unwrap(), v, "{v} padded with {pad:#x}");
                    assert_eq!(d.remaining(), 9, "{v} is {n} bytes");
                }
            }
        }
    }

    #[test]
    fn varints_of_every_length_round_trip_and_a_cut_one_is_corruption() {
        for bits in 0..64 {
            for v in [1u64 << bits, (1u64 << bits) - 1, u64::MAX >> bits] {
                let mut e = Encoder::new();
                e.uvar(v)
                    .ivar(v as i64)
                    .ivar((v as i64).wrapping_neg())
                    .u8(9);
                let buf = e.finish();
                let mut d = Decoder::new(&buf, "test");
                assert_eq!(d.uvar().unwrap(), v);
                assert_eq!(d.ivar().unwrap(), v as i64);
                assert_eq!(d.ivar().unwrap(), (v as i64).wrapping_neg());
                assert_eq!(d.u8().unwrap(), 9, "{v} read to its end");
                let mut one = Encoder::new();
                one.uvar(v);
                let one = one.finish();
                for cut in 0..one.len() {
                    let err = Decoder::new(&one[..cut], "test").uvar().unwrap_err();
                    assert_eq!(
                        err.kind(),
                        crate::error::ErrorKind::Corruption,
                        "{v} cut at {cut}"
                    );
                }
            }
        }
        let err = Decoder::new(&[0x80; 11], "test").uvar().unwrap_err();
        assert!(err.to_string().contains("longer than 10 bytes"), "{err}");
        let err = Decoder::new(&[0x80; 9], "test").uvar().unwrap_err();
        assert!(err.to_string().contains("past the end"), "{err}");
    }
}
