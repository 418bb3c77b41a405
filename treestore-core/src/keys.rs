//! Order-preserving encoding of composite keys: tuples of strings, byte strings and integers become
//! byte strings whose `memcmp` order is the tuples' order, so the stores above the byte-ordered B+tree
//! can lay out keys for range and prefix scans (the idea of FoundationDB's tuple layer and
//! CockroachDB's key encoding). [`KeyBuilder`] writes keys, [`KeyReader`] reads them back and
//! [`prefix_successor`] gives the exclusive upper bound of a prefix scan.
//!
//! A key is its elements' encodings one after the other, with no header and no count. Each element
//! is a one-byte type tag and a payload:
//!
//! | tag    | element | payload after the tag                                                    |
//! |-------:|---------|--------------------------------------------------------------------------|
//! | `0x01` | bytes   | the bytes, each `0x00` written as `0x00 0xFF`, then `0x00 0x01`          |
//! | `0x02` | str     | the UTF-8 bytes, escaped and terminated exactly as for bytes             |
//! | `0x10` | u32     | 4 bytes, big-endian                                                      |
//! | `0x11` | u64     | 8 bytes, big-endian                                                      |
//! | `0x12` | i64     | 8 bytes, big-endian, of the value's two's complement with the sign bit flipped |
//! | `0x20` | bool    | 1 byte: `0x00` false, `0x01` true                                        |
//!
//! For example `("a\0", 7u32)` is `02 61 00 FF 00 01 10 00 00 00 07`.
//!
//! Invariants the stores rely on (the property tests below check each one):
//! - Order: for any two tuples, the byte order of their encodings is the tuples' lexicographic
//!   order, where elements compare by tag first (the table's order: bytes < str < u32 < u64 < i64 <
//!   bool) and by value within a type. Strings compare as their UTF-8 bytes, which is code point
//!   order and Rust's `str` order. A tuple sorts before every longer tuple it is a prefix of.
//! - Prefix-free elements: no element's encoding is a byte prefix of a different element's
//!   encoding. Inside an escaped body a `0x00` is always followed by `0xFF` or by the terminator's
//!   `0x01`, and `0x01 < 0xFF < any byte after 0x00`, so `"a" < "a\0" < "ab"`.
//! - Prefixes: the encoding of a tuple's first k elements is a byte prefix of the whole tuple's
//!   encoding, and, elements being prefix-free, every key starting with that encoding holds exactly
//!   those k elements first. The keys in `[enc(p), prefix_successor(enc(p)))` are thus exactly the
//!   tuples that start with `p`.
//!
//! Integers are big-endian here, against the house rule of little-endian on disk: key bytes are
//! compared with `memcmp`, and only big-endian makes that compare numbers.
//!
//! [`KeyReader`] treats its input as untrusted: a wrong tag, a truncated element, a bad escape, a
//! bool byte other than 0 or 1 and invalid UTF-8 are `Corruption` errors naming the byte offset in
//! the key, and no input makes it panic.

#![deny(
    clippy::indexing_slicing,
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::borrow::Cow;

use crate::error::{Error, Result};

const TAG_BYTES: u8 = 0x01;
const TAG_STR: u8 = 0x02;
const TAG_U32: u8 = 0x10;
const TAG_U64: u8 = 0x11;
const TAG_I64: u8 = 0x12;
const TAG_BOOL: u8 = 0x20;

/// Starts an escape sequence inside a bytes or str body.
const ESCAPE: u8 = 0x00;
/// After [`ESCAPE`]: the body holds a literal `0x00`.
const ESCAPED_ZERO: u8 = 0xFF;
/// After [`ESCAPE`]: the body ends here.
const TERMINATOR: u8 = 0x01;
/// Tag, escape and terminator bytes around a body with no zero bytes.
const ESCAPED_OVERHEAD: usize = 3;

/// Flipping it maps `i64::MIN..=i64::MAX` onto `0..=u64::MAX` in order.
const I64_SIGN_BIT: u64 = 1 << 63;

/// Builds one key element by element; see the module doc for the layout.
///
/// The element methods chain and borrow the builder, so a hot loop can keep one buffer:
/// `b.clear().str(name).u64(id)` and then look up `b.as_slice()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyBuilder {
    buf: Vec<u8>,
}

impl KeyBuilder {
    /// An empty builder that has not allocated.
    pub fn new() -> KeyBuilder {
        KeyBuilder::default()
    }

    /// An empty builder with room for `capacity` encoded bytes.
    pub fn with_capacity(capacity: usize) -> KeyBuilder {
        KeyBuilder {
            buf: Vec::with_capacity(capacity),
        }
    }

    /// Appends a string element.
    pub fn str(&mut self, value: &str) -> &mut KeyBuilder {
        self.escaped(TAG_STR, value.as_bytes())
    }

    /// Appends a byte-string element.
    pub fn bytes(&mut self, value: &[u8]) -> &mut KeyBuilder {
        self.escaped(TAG_BYTES, value)
    }

    /// Appends a `u32` element (its own tag: a u32 never compares equal to a u64).
    pub fn u32(&mut self, value: u32) -> &mut KeyBuilder {
        self.fixed(TAG_U32, &value.to_be_bytes())
    }

    /// Appends a `u64` element.
    pub fn u64(&mut self, value: u64) -> &mut KeyBuilder {
        self.fixed(TAG_U64, &value.to_be_bytes())
    }

    /// Appends an `i64` element; negative values sort before positive ones.
    pub fn i64(&mut self, value: i64) -> &mut KeyBuilder {
        let flipped = (value as u64) ^ I64_SIGN_BIT;
        self.fixed(TAG_I64, &flipped.to_be_bytes())
    }

    /// Appends a bool element; `false` sorts before `true`.
    pub fn bool(&mut self, value: bool) -> &mut KeyBuilder {
        self.fixed(TAG_BOOL, &[u8::from(value)])
    }

    /// The key encoded so far.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf
    }

    /// The length in bytes of the key encoded so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Bytes the builder holds room for without growing.
    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Whether no element has been appended since the builder was made or cleared.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Forgets every element but keeps the buffer's capacity, for reuse.
    pub fn clear(&mut self) -> &mut KeyBuilder {
        self.buf.clear();
        self
    }

    /// Takes the encoded key, leaving the builder empty (and without its buffer: to reuse the
    /// allocation, read [`as_slice`](Self::as_slice) and [`clear`](Self::clear) instead).
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    fn fixed(&mut self, tag: u8, payload: &[u8]) -> &mut KeyBuilder {
        self.buf.push(tag);
        self.buf.extend_from_slice(payload);
        self
    }

    fn escaped(&mut self, tag: u8, body: &[u8]) -> &mut KeyBuilder {
        self.buf
            .reserve(body.len().saturating_add(ESCAPED_OVERHEAD));
        self.buf.push(tag);
        let mut runs = body.split(|&b| b == ESCAPE);
        if let Some(first) = runs.next() {
            self.buf.extend_from_slice(first);
        }
        for run in runs {
            self.buf.extend_from_slice(&[ESCAPE, ESCAPED_ZERO]);
            self.buf.extend_from_slice(run);
        }
        self.buf.extend_from_slice(&[ESCAPE, TERMINATOR]);
        self
    }
}

impl AsRef<[u8]> for KeyBuilder {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

/// Reads a key's elements in order; the caller knows the types it expects.
///
/// A read that fails returns a `Corruption` error naming the byte offset in the key and leaves the
/// reader where it was. Strings and byte strings are borrowed from the key unless they held a
/// `0x00`, which must be unescaped into a copy.
#[derive(Debug, Clone)]
pub struct KeyReader<'a> {
    key: &'a [u8],
    pos: usize,
}

impl<'a> KeyReader<'a> {
    /// A reader at the start of `key`.
    pub fn new(key: &'a [u8]) -> KeyReader<'a> {
        KeyReader { key, pos: 0 }
    }

    /// The byte offset of the next element in the key.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Whether every element has been read.
    pub fn is_empty(&self) -> bool {
        self.rest().is_empty()
    }

    /// The bytes not read yet: the encoding of the remaining elements.
    pub fn rest(&self) -> &'a [u8] {
        self.key.get(self.pos..).unwrap_or_default()
    }

    /// Fails unless every element has been read, for keys that must hold nothing more.
    #[inline]
    pub fn expect_end(&self) -> Result<()> {
        match self.rest().len() {
            0 => Ok(()),
            left => Err(self.unread(left)),
        }
    }

    #[cold]
    #[inline(never)]
    fn unread(&self, left: usize) -> Error {
        self.corrupt(
            self.pos,
            format_args!("{left} unread bytes after the last expected element"),
        )
    }

    /// Reads a string element.
    pub fn str(&mut self) -> Result<Cow<'a, str>> {
        let (raw, end) = self.escaped(TAG_STR, "string")?;
        let body_start = self.pos.saturating_add(1);
        let value = match raw {
            Cow::Borrowed(b) => {
                Cow::Borrowed(std::str::from_utf8(b).map_err(|e| self.bad_utf8(body_start, b, &e))?)
            }
            Cow::Owned(v) => Cow::Owned(
                String::from_utf8(v)
                    .map_err(|e| self.bad_utf8(body_start, e.as_bytes(), &e.utf8_error()))?,
            ),
        };
        self.pos = end;
        Ok(value)
    }

    /// Reads a byte-string element.
    pub fn bytes(&mut self) -> Result<Cow<'a, [u8]>> {
        let (value, end) = self.escaped(TAG_BYTES, "bytes")?;
        self.pos = end;
        Ok(value)
    }

    /// Reads a `u32` element.
    #[inline]
    pub fn u32(&mut self) -> Result<u32> {
        self.fixed(TAG_U32, "u32").map(u32::from_be_bytes)
    }

    /// Reads a `u64` element.
    #[inline]
    pub fn u64(&mut self) -> Result<u64> {
        self.fixed(TAG_U64, "u64").map(u64::from_be_bytes)
    }

    /// Reads an `i64` element.
    pub fn i64(&mut self) -> Result<i64> {
        let flipped = self.fixed(TAG_I64, "i64").map(u64::from_be_bytes)?;
        Ok((flipped ^ I64_SIGN_BIT) as i64)
    }

    /// Reads a bool element.
    #[inline]
    pub fn bool(&mut self) -> Result<bool> {
        let payload_at = self.pos.saturating_add(1);
        let [byte] = self.peek_fixed::<1>(TAG_BOOL, "bool")?;
        let value = match byte {
            0 => false,
            1 => true,
            other => return Err(self.bad_bool(payload_at, other)),
        };
        self.pos = payload_at.saturating_add(1);
        Ok(value)
    }

    // The fixed-size readers are inlined into the key decoders of the stores (a scan reads one
    // key per entry); their errors are built out of line.

    #[cold]
    #[inline(never)]
    fn bad_bool(&self, at: usize, byte: u8) -> Error {
        self.corrupt(
            at,
            format_args!("bool byte 0x{byte:02x} is neither 0x00 nor 0x01"),
        )
    }

    /// Checks the tag at the reader's position.
    #[inline]
    fn expect_tag(&self, tag: u8, what: &str) -> Result<()> {
        match self.key.get(self.pos) {
            Some(&found) if found == tag => Ok(()),
            found => Err(self.bad_tag(tag, found.copied(), what)),
        }
    }

    #[cold]
    #[inline(never)]
    fn bad_tag(&self, tag: u8, found: Option<u8>, what: &str) -> Error {
        match found {
            Some(found) => self.corrupt(
                self.pos,
                format_args!("expected {what} tag 0x{tag:02x}, found 0x{found:02x}"),
            ),
            None => self.corrupt(
                self.pos,
                format_args!("key ends where a {what} element was expected"),
            ),
        }
    }

    /// Checks the tag and returns the `N`-byte payload after it, without moving.
    #[inline]
    fn peek_fixed<const N: usize>(&self, tag: u8, what: &str) -> Result<[u8; N]> {
        self.expect_tag(tag, what)?;
        let payload_at = self.pos.saturating_add(1);
        let rest = self.key.get(payload_at..).unwrap_or_default();
        match rest.first_chunk::<N>() {
            Some(payload) => Ok(*payload),
            None => Err(self.short_payload(payload_at, N, rest.len(), what)),
        }
    }

    #[cold]
    #[inline(never)]
    fn short_payload(&self, at: usize, n: usize, left: usize, what: &str) -> Error {
        self.corrupt(at, format_args!("{what} needs {n} bytes, only {left} left"))
    }

    #[inline]
    fn fixed<const N: usize>(&mut self, tag: u8, what: &str) -> Result<[u8; N]> {
        let payload = self.peek_fixed::<N>(tag, what)?;
        self.pos = self.pos.saturating_add(1 + N);
        Ok(payload)
    }

    /// Checks the tag and unescapes the body after it; returns the body and the offset just past
    /// the terminator, without moving.
    fn escaped(&self, tag: u8, what: &str) -> Result<(Cow<'a, [u8]>, usize)> {
        self.expect_tag(tag, what)?;
        // Filled only once a 0x00 shows up; until then the body is borrowed.
        let mut owned: Option<Vec<u8>> = None;
        // Start of the body bytes not yet copied (while `owned` is None, the body's start).
        let mut run_start = self.pos.saturating_add(1);
        loop {
            let (run, escape_at, kind) = self.next_escape(run_start, what)?;
            let after_escape = escape_at.saturating_add(2);
            if kind == TERMINATOR {
                let value = match owned {
                    None => Cow::Borrowed(run),
                    Some(mut copy) => {
                        copy.extend_from_slice(run);
                        Cow::Owned(copy)
                    }
                };
                return Ok((value, after_escape));
            }
            let copy = owned.get_or_insert_with(Vec::new);
            copy.extend_from_slice(run);
            copy.push(0);
            run_start = after_escape;
        }
    }

    /// Finds the first escape at or after `run_start`. Returns the bytes before it, its offset and
    /// the byte after its `0x00`, which is [`TERMINATOR`] or [`ESCAPED_ZERO`]; anything else fails.
    fn next_escape(&self, run_start: usize, what: &str) -> Result<(&'a [u8], usize, u8)> {
        let rest = self.key.get(run_start..).unwrap_or_default();
        let Some(run_len) = rest.iter().position(|&b| b == ESCAPE) else {
            return Err(self.corrupt(self.pos, format_args!("{what} has no terminator 0x00 0x01")));
        };
        let run = rest.get(..run_len).unwrap_or_default();
        let escape_at = run_start.saturating_add(run_len);
        match rest.get(run_len.saturating_add(1)) {
            Some(&kind @ (TERMINATOR | ESCAPED_ZERO)) => Ok((run, escape_at, kind)),
            Some(&other) => Err(self.corrupt(
                escape_at,
                format_args!("bad escape 0x00 0x{other:02x} in {what}"),
            )),
            None => Err(self.corrupt(escape_at, format_args!("{what} ends inside an escape"))),
        }
    }

    /// The error for a string body starting at `body_start` whose unescaped bytes are `decoded`.
    /// The offset is the invalid byte's in the key: each `0x00` before it took two key bytes.
    fn bad_utf8(&self, body_start: usize, decoded: &[u8], err: &std::str::Utf8Error) -> Error {
        let valid = err.valid_up_to();
        let zeros = decoded
            .get(..valid)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b == 0)
            .count();
        let at = body_start.saturating_add(valid).saturating_add(zeros);
        self.corrupt(at, format_args!("invalid UTF-8 in string"))
    }

    fn corrupt(&self, at: usize, what: std::fmt::Arguments<'_>) -> Error {
        Error::corruption(format!(
            "key offset {at} (of {} bytes): {what}",
            self.key.len()
        ))
    }
}

/// The smallest byte string greater than every byte string that starts with `prefix`: the
/// exclusive upper bound of a scan over `prefix`. `None` when `prefix` is empty or all `0xFF`,
/// where no such bound exists and the scan runs to the end of the keyspace.
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let last = prefix.iter().rposition(|&b| b != 0xFF)?;
    let mut successor = prefix.get(..=last)?.to_vec();
    if let Some(byte) = successor.last_mut() {
        // Cannot overflow: `rposition` chose a byte other than 0xFF.
        *byte += 1;
    }
    Some(successor)
}

#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used
)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::sample::{select, Index};

    use super::*;
    use crate::error::ErrorKind;

    /// A tuple element as the tests model it. The variants are in tag order, so the derived `Ord`
    /// is the order the encoding must reproduce.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    enum Elem {
        Bytes(Vec<u8>),
        Str(String),
        U32(u32),
        U64(u64),
        I64(i64),
        Bool(bool),
    }

    fn encode(tuple: &[Elem]) -> Vec<u8> {
        let mut b = KeyBuilder::new();
        for elem in tuple {
            match elem {
                Elem::Bytes(v) => b.bytes(v),
                Elem::Str(v) => b.str(v),
                Elem::U32(v) => b.u32(*v),
                Elem::U64(v) => b.u64(*v),
                Elem::I64(v) => b.i64(*v),
                Elem::Bool(v) => b.bool(*v),
            };
        }
        b.finish()
    }

    /// Reads one element of the same type as `like`.
    fn read_like(r: &mut KeyReader<'_>, like: &Elem) -> Result<Elem> {
        Ok(match like {
            Elem::Bytes(_) => Elem::Bytes(r.bytes()?.into_owned()),
            Elem::Str(_) => Elem::Str(r.str()?.into_owned()),
            Elem::U32(_) => Elem::U32(r.u32()?),
            Elem::U64(_) => Elem::U64(r.u64()?),
            Elem::I64(_) => Elem::I64(r.i64()?),
            Elem::Bool(_) => Elem::Bool(r.bool()?),
        })
    }

    /// Decodes a whole key holding elements of the types of `schema`.
    fn decode_like(key: &[u8], schema: &[Elem]) -> Result<Vec<Elem>> {
        let mut r = KeyReader::new(key);
        let tuple = schema
            .iter()
            .map(|like| read_like(&mut r, like))
            .collect::<Result<Vec<_>>>()?;
        r.expect_end()?;
        Ok(tuple)
    }

    /// Checks that `err` is a Corruption naming an offset inside the key, and returns the offset.
    fn error_offset(err: &Error, key_len: usize) -> usize {
        assert_eq!(err.kind(), ErrorKind::Corruption, "{err}");
        let at: usize = err
            .message()
            .strip_prefix("key offset ")
            .and_then(|m| m.split(' ').next())
            .and_then(|digits| digits.parse().ok())
            .unwrap_or_else(|| panic!("no offset in {err}"));
        assert!(at <= key_len, "offset past the key: {err}");
        at
    }

    /// Bytes that hit the escape rules often.
    fn edge_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            select(vec![0x00u8, 0x01, 0x02, 0x7F, 0xFE, 0xFF, b'a', b'b']),
            any::<u8>(),
        ]
    }

    /// Bytes that hit every tag and escape, and invalid UTF-8, often.
    fn reader_byte() -> impl Strategy<Value = u8> {
        let special = vec![
            TAG_BYTES,
            TAG_STR,
            TAG_U32,
            TAG_U64,
            TAG_I64,
            TAG_BOOL,
            ESCAPE,
            TERMINATOR,
            ESCAPED_ZERO,
            0x80,
            0xC3,
            0xF0,
            b'a',
        ];
        prop_oneof![3 => select(special), 1 => any::<u8>()]
    }

    /// Strings over a small alphabet (so tuples share prefixes) with NUL and multi-byte chars.
    fn edge_string() -> impl Strategy<Value = String> {
        let chars = vec!['\0', '\u{1}', 'a', 'b', '\u{e9}', '\u{ffff}', '\u{10348}'];
        prop_oneof![
            3 => vec(select(chars), 0..5).prop_map(|c| c.into_iter().collect()),
            1 => any::<String>(),
        ]
    }

    /// An element of type `kind % 6`, in tag order.
    fn elem_of(kind: u8) -> BoxedStrategy<Elem> {
        match kind % 6 {
            0 => vec(edge_byte(), 0..5).prop_map(Elem::Bytes).boxed(),
            1 => edge_string().prop_map(Elem::Str).boxed(),
            2 => prop_oneof![0..3u32, Just(u32::MAX), any::<u32>()]
                .prop_map(Elem::U32)
                .boxed(),
            3 => prop_oneof![0..3u64, Just(u64::MAX), Just(1 << 63), any::<u64>()]
                .prop_map(Elem::U64)
                .boxed(),
            4 => prop_oneof![-2..3i64, Just(i64::MIN), Just(i64::MAX), any::<i64>()]
                .prop_map(Elem::I64)
                .boxed(),
            _ => any::<bool>().prop_map(Elem::Bool).boxed(),
        }
    }

    fn schema() -> impl Strategy<Value = Vec<u8>> {
        vec(0..6u8, 0..5)
    }

    fn tuple_of(schema: &[u8]) -> Vec<BoxedStrategy<Elem>> {
        schema.iter().map(|&kind| elem_of(kind)).collect()
    }

    fn any_tuple() -> impl Strategy<Value = Vec<Elem>> {
        schema().prop_flat_map(|s| tuple_of(&s))
    }

    fn nonempty_tuple() -> impl Strategy<Value = Vec<Elem>> {
        vec(0..6u8, 1..5).prop_flat_map(|s| tuple_of(&s))
    }

    proptest! {
        #[test]
        fn byte_order_is_tuple_order_for_one_type_sequence(
            (a, b) in schema().prop_flat_map(|s| (tuple_of(&s), tuple_of(&s)))
        ) {
            prop_assert_eq!(encode(&a).cmp(&encode(&b)), a.cmp(&b));
        }

        #[test]
        fn byte_order_is_tuple_order_across_types_and_lengths(a in any_tuple(), b in any_tuple()) {
            prop_assert_eq!(encode(&a).cmp(&encode(&b)), a.cmp(&b));
        }

        #[test]
        fn tuple_prefix_encodes_to_a_byte_prefix(t in any_tuple()) {
            let full = encode(&t);
            for k in 0..=t.len() {
                prop_assert!(full.starts_with(&encode(&t[..k])));
            }
        }

        #[test]
        fn prefix_scan_finds_exactly_the_tuples_with_that_prefix(
            (tuples, probe, k) in schema().prop_flat_map(|s| {
                let len = s.len();
                (vec(tuple_of(&s), 0..24), tuple_of(&s), 0..=len)
            }),
            pick in any::<Option<Index>>(),
        ) {
            let stored: BTreeMap<Vec<u8>, Vec<Elem>> =
                tuples.iter().map(|t| (encode(t), t.clone())).collect();
            let source = match pick {
                Some(i) if !tuples.is_empty() => &tuples[i.index(tuples.len())],
                _ => &probe,
            };
            let prefix = &source[..k];
            let lo = encode(prefix);
            let found: Vec<&Vec<Elem>> = match prefix_successor(&lo) {
                Some(hi) => stored.range(lo..hi).map(|(_, t)| t).collect(),
                None => stored.range(lo..).map(|(_, t)| t).collect(),
            };
            let expected: BTreeSet<&Vec<Elem>> =
                tuples.iter().filter(|t| t.starts_with(prefix)).collect();
            prop_assert_eq!(found, expected.into_iter().collect::<Vec<_>>());
        }

        #[test]
        fn decode_inverts_encode(t in any_tuple()) {
            let back = decode_like(&encode(&t), &t);
            prop_assert!(back.is_ok(), "{:?}", back);
            prop_assert_eq!(back.unwrap(), t);
        }

        #[test]
        fn truncated_key_is_corruption_within_the_key(t in nonempty_tuple(), cut in any::<Index>()) {
            let key = encode(&t);
            let cut = cut.index(key.len());
            let back = decode_like(&key[..cut], &t);
            prop_assert!(back.is_err(), "{:?}", back);
            error_offset(&back.unwrap_err(), cut);
        }

        #[test]
        fn reader_never_panics_on_arbitrary_bytes(
            key in vec(reader_byte(), 0..48),
            ops in vec(0..7u8, 0..12),
        ) {
            let mut r = KeyReader::new(&key);
            for op in ops {
                let before = r.position();
                let outcome = match op {
                    0 => r.str().map(drop),
                    1 => r.bytes().map(drop),
                    2 => r.u32().map(drop),
                    3 => r.u64().map(drop),
                    4 => r.i64().map(drop),
                    5 => r.bool().map(drop),
                    _ => r.expect_end(),
                };
                match outcome {
                    Ok(()) => prop_assert!(r.position() <= key.len()),
                    Err(e) => {
                        error_offset(&e, key.len());
                        prop_assert_eq!(r.position(), before);
                    }
                }
                prop_assert_eq!(r.rest(), &key[r.position()..]);
            }
        }

        #[test]
        fn reader_never_panics_on_damaged_keys(
            t in any_tuple(),
            at in any::<Index>(),
            byte in reader_byte(),
            how in 0..3u8,
        ) {
            let mut key = encode(&t);
            if !key.is_empty() {
                let i = at.index(key.len());
                match how {
                    0 => key[i] = byte,
                    1 => key.insert(i, byte),
                    _ => {
                        key.remove(i);
                    }
                }
            }
            if let Err(e) = decode_like(&key, &t) {
                error_offset(&e, key.len());
            }
        }

        #[test]
        fn prefix_successor_bounds_exactly_the_extensions(
            prefix in vec(edge_byte(), 0..5),
            s in vec(edge_byte(), 0..7),
        ) {
            match prefix_successor(&prefix) {
                Some(succ) => {
                    prop_assert!(succ > prefix);
                    prop_assert_eq!(s < succ, s < prefix || s.starts_with(&prefix));
                }
                None => prop_assert!(prefix.iter().all(|&b| b == 0xFF)),
            }
        }
    }

    #[test]
    fn layout_matches_the_module_doc_example() {
        let key = KeyBuilder::new().str("a\0").u32(7).finish();
        assert_eq!(key, [0x02, 0x61, 0x00, 0xFF, 0x00, 0x01, 0x10, 0, 0, 0, 7]);
    }

    #[test]
    fn layout_of_each_type_is_pinned() {
        let cases: [(Vec<u8>, &[u8]); 7] = [
            (KeyBuilder::new().bytes(b"").finish(), &[0x01, 0x00, 0x01]),
            (
                KeyBuilder::new().bytes(b"\0").finish(),
                &[0x01, 0x00, 0xFF, 0x00, 0x01],
            ),
            (
                KeyBuilder::new().u64(1).finish(),
                &[0x11, 0, 0, 0, 0, 0, 0, 0, 1],
            ),
            (
                KeyBuilder::new().i64(-1).finish(),
                &[0x12, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            ),
            (
                KeyBuilder::new().i64(0).finish(),
                &[0x12, 0x80, 0, 0, 0, 0, 0, 0, 0],
            ),
            (KeyBuilder::new().bool(false).finish(), &[0x20, 0x00]),
            (KeyBuilder::new().bool(true).finish(), &[0x20, 0x01]),
        ];
        for (key, expected) in cases {
            assert_eq!(key, expected);
        }
    }

    #[test]
    fn strings_order_a_before_a_nul_before_ab() {
        let keys: Vec<Vec<u8>> = ["a", "a\0", "a\0\0", "a\u{1}", "ab", "b"]
            .iter()
            .map(|s| KeyBuilder::new().str(s).finish())
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:02x?}");
    }

    #[test]
    fn i64_orders_across_zero() {
        let keys: Vec<Vec<u8>> = [i64::MIN, -256, -1, 0, 1, 256, i64::MAX]
            .iter()
            .map(|&v| KeyBuilder::new().i64(v).finish())
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn reader_borrows_bodies_without_zero_bytes() {
        let key = KeyBuilder::new()
            .str("abc")
            .bytes(b"xyz")
            .str("a\0c")
            .bytes(b"\0")
            .finish();
        let mut r = KeyReader::new(&key);
        assert!(matches!(r.str().unwrap(), Cow::Borrowed("abc")));
        assert!(matches!(r.bytes().unwrap(), Cow::Borrowed(b"xyz")));
        let owned = r.str().unwrap();
        assert!(matches!(owned, Cow::Owned(_)));
        assert_eq!(owned, "a\0c");
        assert_eq!(r.bytes().unwrap().as_ref(), b"\0");
        assert!(r.is_empty());
        r.expect_end().unwrap();
    }

    #[test]
    fn builder_clear_keeps_the_buffer_for_reuse() {
        let mut b = KeyBuilder::with_capacity(64);
        let capacity = b.as_slice().as_ptr();
        b.str("tenant").u64(1);
        let first = b.as_slice().to_vec();
        b.clear().str("tenant").u64(2);
        assert_eq!(b.as_slice().as_ptr(), capacity);
        assert_eq!(b.len(), first.len());
        assert!(first.as_slice() < b.as_slice());
        assert_eq!(b.finish().len(), first.len());
        assert!(b.is_empty());
    }

    #[test]
    fn reader_rest_is_the_encoding_of_the_remaining_elements() {
        let key = KeyBuilder::new().u32(9).str("x").bool(true).finish();
        let mut r = KeyReader::new(&key);
        assert_eq!(r.u32().unwrap(), 9);
        assert_eq!(r.rest(), KeyBuilder::new().str("x").bool(true).as_slice());
        assert_eq!(r.position(), 5);
    }

    fn first_error(key: &[u8], read: impl FnOnce(&mut KeyReader<'_>) -> Result<()>) -> String {
        let mut r = KeyReader::new(key);
        let err = read(&mut r).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Corruption);
        err.to_string()
    }

    #[test]
    fn wrong_tag_names_offset_and_both_tags() {
        let key = KeyBuilder::new().u64(5).str("x").finish();
        let msg = first_error(&key, |r| {
            r.u64()?;
            r.bytes().map(drop)
        });
        assert_eq!(
            msg,
            "corruption: key offset 9 (of 13 bytes): expected bytes tag 0x01, found 0x02"
        );
    }

    #[test]
    fn truncated_integer_names_payload_offset() {
        let msg = first_error(&[0x11, 0, 0, 1], |r| r.u64().map(drop));
        assert_eq!(
            msg,
            "corruption: key offset 1 (of 4 bytes): u64 needs 8 bytes, only 3 left"
        );
    }

    #[test]
    fn missing_element_names_key_end() {
        let msg = first_error(&[0x20, 0x01], |r| {
            r.bool()?;
            r.i64().map(drop)
        });
        assert_eq!(
            msg,
            "corruption: key offset 2 (of 2 bytes): key ends where a i64 element was expected"
        );
    }

    #[test]
    fn bad_escape_names_escape_offset() {
        let msg = first_error(&[0x01, b'a', 0x00, 0x02], |r| r.bytes().map(drop));
        assert_eq!(
            msg,
            "corruption: key offset 2 (of 4 bytes): bad escape 0x00 0x02 in bytes"
        );
    }

    #[test]
    fn unterminated_body_names_element_offset() {
        let msg = first_error(&[0x02, b'a', b'b'], |r| r.str().map(drop));
        assert_eq!(
            msg,
            "corruption: key offset 0 (of 3 bytes): string has no terminator 0x00 0x01"
        );
        let msg = first_error(&[0x02, b'a', 0x00], |r| r.str().map(drop));
        assert_eq!(
            msg,
            "corruption: key offset 2 (of 3 bytes): string ends inside an escape"
        );
    }

    #[test]
    fn invalid_utf8_offset_counts_escaped_zeros() {
        // A bytes element holding [0x00, 0xFF], retagged as a string: the 0xFF is key byte 3.
        let mut key = KeyBuilder::new().bytes(&[0x00, 0xFF]).finish();
        key[0] = TAG_STR;
        let msg = first_error(&key, |r| r.str().map(drop));
        assert_eq!(
            msg,
            "corruption: key offset 3 (of 6 bytes): invalid UTF-8 in string"
        );
        let msg = first_error(&[0x02, b'a', 0xC3, 0x00, 0x01], |r| r.str().map(drop));
        assert_eq!(
            msg,
            "corruption: key offset 2 (of 5 bytes): invalid UTF-8 in string"
        );
    }

    #[test]
    fn bool_byte_must_be_zero_or_one() {
        let msg = first_error(&[0x20, 0x02], |r| r.bool().map(drop));
        assert_eq!(
            msg,
            "corruption: key offset 1 (of 2 bytes): bool byte 0x02 is neither 0x00 nor 0x01"
        );
    }

    #[test]
    fn expect_end_reports_trailing_bytes() {
        let key = KeyBuilder::new().u32(1).u32(2).finish();
        let msg = first_error(&key, |r| {
            r.u32()?;
            r.expect_end()
        });
        assert_eq!(
            msg,
            "corruption: key offset 5 (of 10 bytes): 5 unread bytes after the last expected element"
        );
    }

    #[test]
    fn failed_read_leaves_the_reader_in_place() {
        let key = KeyBuilder::new().str("ok").u64(3).finish();
        let mut r = KeyReader::new(&key);
        assert!(r.u64().is_err());
        assert!(r.bytes().is_err());
        assert_eq!(r.position(), 0);
        assert_eq!(r.str().unwrap(), "ok");
        assert_eq!(r.u64().unwrap(), 3);
    }

    #[test]
    fn prefix_successor_increments_the_last_byte_below_ff() {
        assert_eq!(prefix_successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_successor(&[b'a', 0xFF, 0xFF]), Some(b"b".to_vec()));
        assert_eq!(prefix_successor(&[0x00]), Some(vec![0x01]));
        assert_eq!(prefix_successor(&[0xFF, 0xFF]), None);
        assert_eq!(prefix_successor(&[]), None);
    }
}
