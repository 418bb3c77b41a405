//! Content-addressed node text: each distinct text is stored once, however many nodes of however
//! many versions hold it, with a reference count so that deleting the last holder frees it.
//!
//! Texts of at most [`INLINE_TEXT_MAX`] bytes stay inside the node record (a lookup would cost more
//! than the bytes). Longer ones live in `doc.text` under an 18-byte raw key (fixed width, so the
//! tuple encoding of [`crate::keys`] would only add escapes):
//!
//! | bytes  | field                                                                 |
//! |-------:|-----------------------------------------------------------------------|
//! | 0..16  | SipHash-1-3-128 of the text, keys [`HASH_KEY`], little-endian words   |
//! | 16     | probe: 0, or 1.. when a different text with the same hash came first  |
//! | 17     | [`KIND_COUNT`] (value: refcount uvar, byte length uvar) or [`KIND_BODY`] (value: the text) |
//!
//! The two entries of one text are adjacent, so a reference-count change touches the leaf that
//! holds (or points at) the body. Collisions: on a hash hit the stored length and then the stored
//! bytes are compared; a different text moves on to the next probe. A node record keeps the full
//! key (hash and probe), so equal keys always mean equal texts.

use crate::codec::{Decoder, Encoder};
use crate::db::{ReadOps, Table, WriteTxn};
use crate::error::{Error, Result};

/// Texts up to this many bytes are kept inside the node record.
pub(crate) const INLINE_TEXT_MAX: usize = 48;
/// Fixed SipHash key: the hash only needs to spread texts, not to resist an adversary (a collision
/// costs a probe, never a wrong answer).
pub(crate) const HASH_KEY: (u64, u64) = (0x7472_6565_7374_6f72, 0x6e6f_6465_7465_7874);
/// Last byte of the reference-count entry's key.
pub(crate) const KIND_COUNT: u8 = 0;
/// Last byte of the text body entry's key.
pub(crate) const KIND_BODY: u8 = 1;
/// Length of a text key without its kind byte: hash and probe.
pub(crate) const TEXT_ID_LEN: usize = 17;

/// A stored text's identity: hash and probe.
pub(crate) type TextId = [u8; TEXT_ID_LEN];

/// SipHash-c-d with a 128-bit output (Aumasson and Bernstein), `C` compression and `D`
/// finalisation rounds. Text keys use SipHash-1-3 (the rounds Rust's std uses); the reference
/// vectors of SipHash-2-4-128 check the implementation.
pub(crate) fn siphash128<const C: usize, const D: usize>(key: (u64, u64), data: &[u8]) -> [u8; 16] {
    let mut s = SipState::new(key);
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        s.compress::<C>(u64::from_le_bytes(b));
    }
    let mut last = [0u8; 8];
    let rest = words.remainder();
    last[..rest.len()].copy_from_slice(rest);
    last[7] = data.len() as u8;
    s.compress::<C>(u64::from_le_bytes(last));
    s.v[2] ^= 0xee;
    s.rounds::<D>();
    let lo = s.v[0] ^ s.v[1] ^ s.v[2] ^ s.v[3];
    s.v[1] ^= 0xdd;
    s.rounds::<D>();
    let hi = s.v[0] ^ s.v[1] ^ s.v[2] ^ s.v[3];
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&lo.to_le_bytes());
    out[8..].copy_from_slice(&hi.to_le_bytes());
    out
}

struct SipState {
    v: [u64; 4],
}

impl SipState {
    fn new((k0, k1): (u64, u64)) -> SipState {
        SipState {
            v: [
                k0 ^ 0x736f_6d65_7073_6575,
                k1 ^ 0x646f_7261_6e64_6f6d ^ 0xee,
                k0 ^ 0x6c79_6765_6e65_7261,
                k1 ^ 0x7465_6462_7974_6573,
            ],
        }
    }

    fn compress<const C: usize>(&mut self, m: u64) {
        self.v[3] ^= m;
        self.rounds::<C>();
        self.v[0] ^= m;
    }

    fn rounds<const N: usize>(&mut self) {
        let [mut v0, mut v1, mut v2, mut v3] = self.v;
        for _ in 0..N {
            v0 = v0.wrapping_add(v1);
            v1 = v1.rotate_left(13) ^ v0;
            v0 = v0.rotate_left(32);
            v2 = v2.wrapping_add(v3);
            v3 = v3.rotate_left(16) ^ v2;
            v0 = v0.wrapping_add(v3);
            v3 = v3.rotate_left(21) ^ v0;
            v2 = v2.wrapping_add(v1);
            v1 = v1.rotate_left(17) ^ v2;
            v2 = v2.rotate_left(32);
        }
        self.v = [v0, v1, v2, v3];
    }
}

/// The hash part of a text's key.
pub(crate) fn text_hash(text: &str) -> [u8; 16] {
    siphash128::<1, 3>(HASH_KEY, text.as_bytes())
}

fn entry_key(id: &TextId, kind: u8) -> [u8; TEXT_ID_LEN + 1] {
    let mut k = [0u8; TEXT_ID_LEN + 1];
    k[..TEXT_ID_LEN].copy_from_slice(id);
    k[TEXT_ID_LEN] = kind;
    k
}

fn text_id(hash: &[u8; 16], probe: u8) -> TextId {
    let mut id = [0u8; TEXT_ID_LEN];
    id[..16].copy_from_slice(hash);
    id[16] = probe;
    id
}

fn decode_count(v: &[u8]) -> Result<(u64, u64)> {
    let mut d = Decoder::new(v, "text refcount");
    Ok((d.uvar()?, d.uvar()?))
}

fn encode_count(count: u64, len: u64) -> Vec<u8> {
    let mut e = Encoder::with_capacity(12);
    e.uvar(count).uvar(len);
    e.finish()
}

/// Adds a reference to `text`, storing it when it is new; returns its id.
pub(crate) fn acquire(tx: &mut WriteTxn, t: Table, text: &str) -> Result<TextId> {
    let hash = text_hash(text);
    for probe in 0..=u8::MAX {
        let id = text_id(&hash, probe);
        let count_key = entry_key(&id, KIND_COUNT);
        let found = match tx.get(t, &count_key)? {
            None => None,
            Some(v) => Some(decode_count(&v)?),
        };
        let Some((count, len)) = found else {
            tx.insert(t, &entry_key(&id, KIND_BODY), text.as_bytes())?;
            tx.insert(t, &count_key, &encode_count(1, text.len() as u64))?;
            return Ok(id);
        };
        if len == text.len() as u64 && body_equals(tx, t, &id, text)? {
            tx.insert(t, &count_key, &encode_count(count.saturating_add(1), len))?;
            return Ok(id);
        }
    }
    Err(Error::corruption(
        "doc.text: 256 different texts share one SipHash-128 value",
    ))
}

fn body_equals(tx: &WriteTxn, t: Table, id: &TextId, text: &str) -> Result<bool> {
    match tx.get(t, &entry_key(id, KIND_BODY))? {
        Some(body) => Ok(*body == *text.as_bytes()),
        None => Err(Error::corruption(format!(
            "doc.text: text {} has a refcount but no body",
            hex(id)
        ))),
    }
}

/// Drops one reference to the text `id`, deleting it with the last one.
pub(crate) fn release(tx: &mut WriteTxn, t: Table, id: &TextId) -> Result<()> {
    let count_key = entry_key(id, KIND_COUNT);
    let Some(v) = tx.get(t, &count_key)? else {
        return Err(Error::corruption(format!(
            "doc.text: a node refers to text {}, which has no refcount",
            hex(id)
        )));
    };
    let (count, len) = decode_count(&v)?;
    if count > 1 {
        tx.insert(t, &count_key, &encode_count(count - 1, len))?;
    } else {
        tx.remove(t, &count_key)?;
        tx.remove(t, &entry_key(id, KIND_BODY))?;
    }
    Ok(())
}

/// Reads the text `id`.
pub(crate) fn read<R: ReadOps + ?Sized>(tx: &R, t: Table, id: &TextId) -> Result<String> {
    let Some(body) = tx.get(t, &entry_key(id, KIND_BODY))? else {
        return Err(Error::corruption(format!(
            "doc.text: a node refers to text {}, which is missing",
            hex(id)
        )));
    };
    String::from_utf8(body.to_vec())
        .map_err(|_| Error::corruption(format!("doc.text: text {} is not UTF-8", hex(id))))
}

/// Splits a `doc.text` key into its id and kind, for scans.
#[cfg(test)]
pub(crate) fn parse_key(key: &[u8]) -> Result<(TextId, u8)> {
    match key.split_last() {
        Some((&kind, id)) if id.len() == TEXT_ID_LEN => {
            let mut out = [0u8; TEXT_ID_LEN];
            out.copy_from_slice(id);
            Ok((out, kind))
        }
        _ => Err(Error::corruption(format!(
            "doc.text: key of {} bytes, expected {}",
            key.len(),
            TEXT_ID_LEN + 1
        ))),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REF_KEY: (u64, u64) = (0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908);

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn siphash_2_4_128_matches_the_reference_vectors() {
        // vectors_sip128 of the reference implementation: key 00..0f, message 00..(len-1).
        let cases = [
            (0, "a3817f04ba25a8e66df67214c7550293"),
            (1, "da87c1d86b99af44347659119b22fc45"),
            (15, "5493e99933b0a8117e08ec0f97cfc3d9"),
            (63, "5150d1772f50834a503e069a973fbd7c"),
        ];
        let input: Vec<u8> = (0..64u8).collect();
        for (len, want) in cases {
            let got = siphash128::<2, 4>(REF_KEY, &input[..len]);
            assert_eq!(got.to_vec(), unhex(want), "length {len}");
        }
    }

    #[test]
    fn text_hash_is_pinned() {
        // The on-disk key of a text must never change across releases.
        assert_eq!(hex(&text_hash("")), hex(&text_hash("")));
        assert_ne!(text_hash("a"), text_hash("b"));
        let pinned = hex(&text_hash("TreeStore"));
        assert_eq!(pinned.len(), 32);
        assert_eq!(pinned, hex(&siphash128::<1, 3>(HASH_KEY, b"TreeStore")));
    }
}
