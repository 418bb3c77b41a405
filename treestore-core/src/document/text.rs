//! Node text, stored once per distinct content within a policy's line of versions.
//!
//! Texts of at most [`INLINE_TEXT_MAX`] bytes stay inside the node record (a lookup would cost more
//! than the bytes), and so do texts of at most [`inline_text_max`] bytes (512 at 4 KiB pages) whose
//! record still fits inline in a leaf with them: a separate lookup is a second cold leaf per read,
//! for fewer bytes than a node's title and summary, which are per version too. A longer text is stored by the first node that holds it, under that node's
//! `(vid, pos)`, so a version's new texts are written in key order, next to each other (a
//! hash-keyed table would make every new text a random insert, which dominated bulk import).
//!
//! Sharing: each node record keeps its text's SipHash-1-3-128 and length. Storing a version first
//! collects the stored texts of its *base* versions (the version it replaces and the policy's
//! latest version) by hash; a new text whose hash and length match one of them, or an earlier text
//! of the same version, is compared byte for byte with the stored body, or with the text itself
//! when this write stored it (a different text with the same hash is simply stored anew) and then shared: its owner's reference count goes up. So a
//! policy whose versions change a few sections stores each unchanged text once, wherever it moves
//! in the tree. Texts are not shared across policies.
//!
//! `doc.text` keys, by [`crate::keys`]: `(owner vid u64, owner pos u32, false)` → the UTF-8 body,
//! or its first chunk; `(owner vid u64, owner pos u32, false, i u32)` → chunk `i` (from 1) of a
//! body longer than one chunk; `(owner vid u64, owner pos u32, true)` → the reference count (uvar),
//! present only while it is 2 or more (absent means 1). The owner's vid may be a deleted version's
//! while later versions still hold the text.
//!
//! Chunks: a body is cut into chunks that stay inline in a B+tree leaf ([`chunk_len`]: four
//! entries fill a page), rather than one value that would spill into overflow pages, each a whole
//! page however little of it the text fills: at 4 KiB pages and texts of 0.4 to 2 KB this halves
//! the bytes texts take. A read is a point read of the first chunk, then point reads of the chunks
//! after it from the same finger (the chunks of a body are adjacent in key order, so each is
//! usually found in the leaf the finger already holds). Readers join whatever chunks follow the
//! first one up to the recorded length, so a body stored whole (by an older build, or under a
//! larger page) reads the same.

use crate::hash::FxHashMap;
use std::borrow::Cow;
use std::ops::Bound;

use crate::btree::{Bytes, Finger, LeafSlot};
use crate::codec::{Decoder, Encoder};
use crate::db::{ReadOps, Table, WriteTxn};
use crate::error::{Error, Result};
use crate::keys::KeyBuilder;

/// Texts up to this many bytes are always kept inside the node record.
pub(crate) const INLINE_TEXT_MAX: usize = 48;
/// Texts up to this many bytes (and an eighth of a page) are kept inside the node record too, unless
/// the record would then no longer fit in a leaf ([`inline_text_max`]).
pub(crate) const SMALL_TEXT_MAX: usize = 512;

/// The longest text a node record keeps inline at `page_size`: [`SMALL_TEXT_MAX`] bytes, or an
/// eighth of a smaller page, never less than [`INLINE_TEXT_MAX`].
pub(crate) fn inline_text_max(page_size: usize) -> usize {
    SMALL_TEXT_MAX.min(page_size / 8).max(INLINE_TEXT_MAX)
}
/// Fixed SipHash key: the hash only needs to spread texts, not to resist an adversary (a collision
/// costs a byte comparison and a second copy, never a wrong answer).
pub(crate) const HASH_KEY: (u64, u64) = (0x7472_6565_7374_6f72, 0x6e6f_6465_7465_7874);

/// A text stored in `doc.text`, as a node record refers to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoredText {
    pub owner_vid: u64,
    pub owner_pos: u32,
    /// Length in bytes.
    pub len: u64,
    pub hash: [u8; 16],
}

impl StoredText {
    /// Whether both name the same content (hash and length; 2^-128 odds of a false yes).
    pub(crate) fn same_content(&self, other: &StoredText) -> bool {
        self.hash == other.hash && self.len == other.len
    }
}

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

/// The hash of a text (also used to key long section paths).
pub(crate) fn text_hash(text: &str) -> [u8; 16] {
    siphash128::<1, 3>(HASH_KEY, text.as_bytes())
}

fn key(owner_vid: u64, owner_pos: u32, count: bool) -> Vec<u8> {
    KeyBuilder::with_capacity(24)
        .u64(owner_vid)
        .u32(owner_pos)
        .bool(count)
        .finish()
}

/// The key of chunk `i` of a body (chunk 0 is under the body key itself).
#[cfg(test)]
fn chunk_key(owner_vid: u64, owner_pos: u32, i: u32) -> Vec<u8> {
    let mut k = KeyBuilder::with_capacity(24);
    chunk_key_in(&mut k, owner_vid, owner_pos, i);
    k.finish()
}

/// The key of chunk `i` of a body (chunk 0 is under the body key itself), built in `k` (a caller's
/// buffer, reused from chunk to chunk).
pub(crate) fn chunk_key_in(k: &mut KeyBuilder, owner_vid: u64, owner_pos: u32, i: u32) -> &[u8] {
    k.clear().u64(owner_vid).u32(owner_pos).bool(false);
    if i > 0 {
        k.u32(i);
    }
    k.as_slice()
}

/// Bytes per chunk of a body at `page_size`: the longest value whose entry (with the longest chunk
/// key, 21 bytes) a leaf keeps inline.
pub(crate) fn chunk_len(page_size: usize) -> usize {
    crate::btree::max_inline_value(page_size, 21)
}

/// Cuts `text` into chunks of at most `len` bytes, each ending on a character boundary (so a
/// reader may check each one alone; the concatenation is the text).
fn chunks(text: &str, len: usize) -> impl Iterator<Item = &[u8]> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = crate::utf8::truncate(rest, len).len();
        let (head, tail) = rest.split_at(cut);
        rest = tail;
        Some(head.as_bytes())
    })
}

/// The texts a new version may share, by hash, and the bodies the write has stored so far.
#[derive(Default)]
pub(crate) struct TextPool<'a> {
    /// Keys are SipHash outputs already: Fx (one multiply per word) spreads them.
    by_hash: FxHashMap<[u8; 16], StoredText>,
    /// The texts this write stored, by owner `(vid, pos)`: a match owned by one of them is
    /// compared in memory instead of read back (vids are never reused, so the body under such
    /// an owner is this text while any record offers it).
    written: FxHashMap<(u64, u32), &'a str>,
}

impl<'a> TextPool<'a> {
    /// Offers a stored text for sharing.
    pub(crate) fn offer(&mut self, s: StoredText) {
        self.by_hash.entry(s.hash).or_insert(s);
    }

    /// Forgets the offered texts (a new version offers its own base versions'), keeping the
    /// bodies written.
    pub(crate) fn new_version(&mut self) {
        self.by_hash.clear();
    }
}

/// Stores `text` for the node at `(vid, pos)`, or shares an equal text from `pool`.
pub(crate) fn store<'a>(
    tx: &mut WriteTxn,
    t: Table,
    pool: &mut TextPool<'a>,
    (vid, pos): (u64, u32),
    text: &'a str,
) -> Result<StoredText> {
    let hash = text_hash(text);
    let len = text.len() as u64;
    if let Some(c) = pool.by_hash.get(&hash).filter(|c| c.len == len).copied() {
        let equal = match pool.written.get(&(c.owner_vid, c.owner_pos)) {
            Some(&body) => body == text,
            None => body_equals(tx, t, &c, text)?,
        };
        if equal {
            retain(tx, t, &c)?;
            return Ok(c);
        }
    }
    let len_per_chunk = chunk_len(tx.page_size());
    let mut key = KeyBuilder::with_capacity(24);
    for (i, chunk) in chunks(text, len_per_chunk).enumerate() {
        tx.insert(t, chunk_key_in(&mut key, vid, pos, i as u32), chunk)?;
    }
    let s = StoredText {
        owner_vid: vid,
        owner_pos: pos,
        len,
        hash,
    };
    pool.offer(s);
    pool.written.insert((vid, pos), text);
    Ok(s)
}

/// Whether the body of `s` is `text`: its chunks read by point reads, as a reader joins them, up
/// to `text`'s length (which is `s`'s recorded length), not by a range scan, which costs more
/// than the comparison of a one-chunk text.
fn body_equals(tx: &WriteTxn, t: Table, s: &StoredText, text: &str) -> Result<bool> {
    let mut rest = text.as_bytes();
    let mut key = KeyBuilder::with_capacity(24);
    let mut i = 0u32;
    loop {
        let Some(chunk) = tx.get(t, chunk_key_in(&mut key, s.owner_vid, s.owner_pos, i))? else {
            return if i == 0 { Err(missing(s)) } else { Ok(false) };
        };
        match rest.strip_prefix(&*chunk) {
            Some([]) => return Ok(true),
            Some(tail) => rest = tail,
            None => return Ok(false),
        }
        i = match i.checked_add(1) {
            Some(next) => next,
            None => return Ok(false),
        };
    }
}

pub(crate) fn missing(s: &StoredText) -> Error {
    Error::corruption(format!(
        "doc.text: the text of vid {} position {} is missing",
        s.owner_vid, s.owner_pos
    ))
}

fn count(tx: &WriteTxn, t: Table, s: &StoredText) -> Result<u64> {
    match tx.get(t, &key(s.owner_vid, s.owner_pos, true))? {
        None => Ok(1),
        Some(v) => Decoder::new(&v, "text refcount").uvar(),
    }
}

fn encode_count(n: u64) -> Vec<u8> {
    let mut e = Encoder::with_capacity(10);
    e.uvar(n);
    e.finish()
}

/// Adds a reference to a stored text.
fn retain(tx: &mut WriteTxn, t: Table, s: &StoredText) -> Result<()> {
    let count_key = key(s.owner_vid, s.owner_pos, true);
    let n = match tx.get(t, &count_key)? {
        None => 1,
        Some(v) => Decoder::new(&v, "text refcount").uvar()?,
    };
    tx.insert(t, &count_key, &encode_count(n + 1))?;
    Ok(())
}

/// Drops a reference to a stored text, deleting it with the last one.
pub(crate) fn release(tx: &mut WriteTxn, t: Table, s: &StoredText) -> Result<()> {
    let n = count(tx, t, s)?;
    let count_key = key(s.owner_vid, s.owner_pos, true);
    match n {
        0 | 1 => {
            let body = key(s.owner_vid, s.owner_pos, false);
            let end = crate::keys::prefix_successor(&body);
            let upper = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
            if tx.remove_range(t, Bound::Included(&body), upper)? == 0 {
                return Err(missing(s));
            }
        }
        2 => {
            tx.remove(t, &count_key)?;
        }
        _ => {
            tx.insert(t, &count_key, &encode_count(n - 1))?;
        }
    }
    Ok(())
}

/// Reads a stored text, building its keys in `key` (a caller's buffer, so a run of reads
/// allocates no key).
pub(crate) fn read_keyed<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    s: &StoredText,
    finger: &mut Finger,
    key: &mut KeyBuilder,
) -> Result<String> {
    let first = first_chunk(tx, t, s, finger, key)?;
    join(tx, t, s, FirstChunk::found(&first), finger, key)
}

/// The first chunk of `s`, looked up through `finger`, its cache lines asked for.
pub(crate) fn first_chunk<'t, R: ReadOps + ?Sized>(
    tx: &'t R,
    t: Table,
    s: &StoredText,
    finger: &mut Finger,
    key: &mut KeyBuilder,
) -> Result<Bytes<'t>> {
    let first_key = chunk_key_in(key, s.owner_vid, s.owner_pos, 0);
    let Some(first) = tx.get_near(t, first_key, finger)? else {
        return Err(missing(s));
    };
    crate::btree::prefetch(&first);
    Ok(first)
}

/// The first chunk of `s` from slot `at` of `doc.text`, where a lookup in this snapshot found it
/// before ([`crate::db::ReadOps::slot_of`]), without a lookup; `None` when the slot no longer
/// holds it (the caller then looks it up).
pub(crate) fn first_chunk_at<'t, R: ReadOps + ?Sized>(
    tx: &'t R,
    t: Table,
    s: &StoredText,
    at: LeafSlot,
    key: &mut KeyBuilder,
) -> Option<Bytes<'t>> {
    let first = tx.value_at_slot(t, at, chunk_key_in(key, s.owner_vid, s.owner_pos, 0))?;
    crate::btree::prefetch(&first);
    Some(first)
}

/// The body of `s` from its first chunk `first` (already read) and the chunks after it: chunks
/// 1, 2, … from the slots after `first`'s slot `at` when it is known and they hold them, else by
/// point reads from the finger (the chunks of a body are adjacent keys, mostly in the same leaf,
/// so each is a search of that leaf), up to the recorded length. Each chunk is found (and its
/// cache lines asked for) before the one before it is copied, so the loads of two chunks overlap
/// instead of each copy waiting for its own.
fn join<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    s: &StoredText,
    FirstChunk { body: first, at }: FirstChunk<'_>,
    finger: &mut Finger,
    key: &mut KeyBuilder,
) -> Result<String> {
    let mut body = Vec::with_capacity(usize::try_from(s.len).unwrap_or(0).min(1 << 20));
    let mut have = first.len() as u64;
    // The last chunk found and not yet copied (`None`: `first`, not yet copied either).
    let mut held: Option<Bytes<'_>> = None;
    let mut i = 1u32;
    while have < s.len {
        let chunk_key = chunk_key_in(key, s.owner_vid, s.owner_pos, i);
        let beside = at.and_then(|at| {
            let slot = at.slot.checked_add(u16::try_from(i).ok()?)?;
            tx.value_at_slot(t, LeafSlot { slot, ..at }, chunk_key)
        });
        let chunk = match beside {
            Some(chunk) => chunk,
            None => match tx.get_near(t, chunk_key, finger)? {
                Some(chunk) => chunk,
                None => break,
            },
        };
        crate::btree::prefetch(&chunk);
        body.extend_from_slice(held.as_deref().unwrap_or(first));
        have += chunk.len() as u64;
        held = Some(chunk);
        i = i.checked_add(1).ok_or_else(|| missing(s))?;
    }
    body.extend_from_slice(held.as_deref().unwrap_or(first));
    checked_body(s, body)
}

/// Reads a stored text and hands it to `f`: borrowed from the store when it is one chunk, else
/// joined into a string (what [`read_keyed`] returns), with the same checks.
pub(crate) fn read_with<R: ReadOps + ?Sized, T>(
    tx: &R,
    t: Table,
    s: &StoredText,
    finger: &mut Finger,
    key: &mut KeyBuilder,
    f: impl FnOnce(Cow<'_, str>) -> Result<T>,
) -> Result<T> {
    // Every line of the chunk is asked for at once: the check then waits for about one miss,
    // not one per line as it walks the body.
    let first = first_chunk(tx, t, s, finger, key)?;
    finish_with(tx, t, s, FirstChunk::found(&first), finger, key, f)
}

/// A text's first chunk in hand, and the leaf slot it was read from when known (its further
/// chunks are then tried in the slots after it).
#[derive(Clone, Copy)]
pub(crate) struct FirstChunk<'b> {
    pub body: &'b [u8],
    pub at: Option<LeafSlot>,
}

impl<'b> FirstChunk<'b> {
    /// A first chunk found by a lookup (its slot not known).
    pub(crate) fn found(body: &'b [u8]) -> FirstChunk<'b> {
        FirstChunk { body, at: None }
    }
}

/// [`read_with`] from the first chunk in hand: `f` of the body borrowed from it when it is the
/// whole body, else of the chunks joined.
pub(crate) fn finish_with<R: ReadOps + ?Sized, T>(
    tx: &R,
    t: Table,
    s: &StoredText,
    first: FirstChunk<'_>,
    finger: &mut Finger,
    key: &mut KeyBuilder,
    f: impl FnOnce(Cow<'_, str>) -> Result<T>,
) -> Result<T> {
    if first.body.len() as u64 == s.len {
        return f(Cow::Borrowed(checked_str(s, first.body)?));
    }
    // Joined from the chunk in hand (not read again).
    f(Cow::Owned(join(tx, t, s, first, finger, key)?))
}

/// `body`, the whole body of `s` borrowed from its one chunk, as its text: UTF-8 (its length is
/// the caller's to have checked).
pub(crate) fn checked_str<'b>(s: &StoredText, body: &'b [u8]) -> Result<&'b str> {
    crate::codec::utf8(body).ok_or_else(|| not_utf8(s))
}

#[cold]
fn not_utf8(s: &StoredText) -> Error {
    Error::corruption(format!(
        "doc.text: the text of vid {} position {} is not UTF-8",
        s.owner_vid, s.owner_pos
    ))
}

/// `body`, read from the chunks of `s`, as its text: its length must be the one the node records,
/// and it must be UTF-8.
pub(crate) fn checked_body(s: &StoredText, body: Vec<u8>) -> Result<String> {
    checked_slice(s, &body)?;
    // SAFETY: `checked_slice` has just checked that `body` is UTF-8 (the same check as
    // `String::from_utf8`, only faster), so it is not repeated.
    Ok(unsafe { String::from_utf8_unchecked(body) })
}

/// [`checked_body`] of a body borrowed from a caller's buffer.
pub(crate) fn checked_slice<'b>(s: &StoredText, body: &'b [u8]) -> Result<&'b str> {
    if body.len() as u64 != s.len {
        return Err(Error::corruption(format!(
            "doc.text: the text of vid {} position {} has {} bytes in its chunks, its nodes \
             record {}",
            s.owner_vid,
            s.owner_pos,
            body.len(),
            s.len
        )));
    }
    checked_str(s, body)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored text read with a key buffer of its own.
    fn read<R: ReadOps + ?Sized>(
        tx: &R,
        t: Table,
        s: &StoredText,
        finger: &mut Finger,
    ) -> Result<String> {
        read_keyed(tx, t, s, finger, &mut KeyBuilder::new())
    }

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
    fn chunks_end_on_character_boundaries_and_join_to_the_text() {
        let text = "aé中".repeat(400);
        for len in [4, 5, 6, 987] {
            let parts: Vec<&[u8]> = chunks(&text, len).collect();
            assert!(parts.iter().all(|c| !c.is_empty() && c.len() <= len));
            assert!(parts.iter().all(|c| std::str::from_utf8(c).is_ok()));
            assert_eq!(parts.concat(), text.as_bytes());
        }
        assert_eq!(chunks("", 10).count(), 0);
        // Four chunk entries fill a 4 KiB page.
        assert_eq!(chunk_len(4096), 979);
    }

    #[test]
    fn a_body_stored_whole_reads_compares_and_releases_as_chunks_do() {
        use crate::db::ReadOps;
        let db = super::super::tests::support::mem_db();
        let mut tx = db.begin_write().unwrap();
        let t = tx.table(super::super::record::TEXTS).unwrap();
        // As an older build, or a larger page, stored it: one value, spilling to overflow pages.
        let body = "w".repeat(3000);
        tx.insert(t, &chunk_key(7, 3, 0), body.as_bytes()).unwrap();
        let s = StoredText {
            owner_vid: 7,
            owner_pos: 3,
            len: 3000,
            hash: text_hash(&body),
        };
        assert_eq!(read(&tx, t, &s, &mut Finger::new()).unwrap(), body);
        assert!(body_equals(&tx, t, &s, &body).unwrap());
        assert!(!body_equals(&tx, t, &s, &"w".repeat(2999)).unwrap());
        assert!(read(&tx, t, &StoredText { len: 3001, ..s }, &mut Finger::new()).is_err());
        release(&mut tx, t, &s).unwrap();
        assert_eq!(tx.table_len(t).unwrap(), 0);
        assert!(read(&tx, t, &s, &mut Finger::new()).is_err());
    }

    #[test]
    fn texts_written_by_the_batch_are_compared_in_memory_and_shared_only_when_equal() {
        use crate::db::ReadOps;
        let db = super::super::tests::support::mem_db();
        let mut tx = db.begin_write().unwrap();
        let t = tx.table(super::super::record::TEXTS).unwrap();
        let (a, b) = ("a".repeat(700), "b".repeat(700));
        let mut pool = TextPool::default();
        let first = store(&mut tx, t, &mut pool, (9, 0), &a).unwrap();
        pool.new_version();
        pool.offer(first);
        // Equal: shared, its owner's count now 2.
        assert_eq!(store(&mut tx, t, &mut pool, (10, 0), &a).unwrap(), first);
        assert_eq!(count(&tx, t, &first).unwrap(), 2);
        // A different text under the same hash and length (a collision, faked): stored anew.
        pool.new_version();
        pool.offer(StoredText {
            hash: text_hash(&b),
            ..first
        });
        let other = store(&mut tx, t, &mut pool, (11, 0), &b).unwrap();
        assert_eq!((other.owner_vid, other.owner_pos), (11, 0));
        assert_eq!(read(&tx, t, &other, &mut Finger::new()).unwrap(), b);
        assert_eq!(read(&tx, t, &first, &mut Finger::new()).unwrap(), a);
        assert_eq!(tx.table_len(t).unwrap(), 3, "two bodies and a count");
    }

    #[test]
    fn bodies_of_one_to_many_chunks_read_back_as_stored() {
        let db = super::super::tests::support::mem_db();
        let mut tx = db.begin_write().unwrap();
        let t = tx.table(super::super::record::TEXTS).unwrap();
        let per = chunk_len(tx.page_size());
        // Lengths around each chunk boundary, in ASCII and with 2- and 3-byte characters (so
        // chunks end short of `per` on a character boundary).
        let mut texts = Vec::new();
        for n in [
            49,
            per - 1,
            per,
            per + 1,
            2 * per - 1,
            2 * per,
            2 * per + 1,
            5 * per + 7,
        ] {
            texts.push("a".repeat(n));
            texts.push("é中z".repeat(n / 6 + 1));
        }
        let mut pool = TextPool::default();
        let stored: Vec<StoredText> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| store(&mut tx, t, &mut pool, (9, i as u32), text).unwrap())
            .collect();
        let mut key = KeyBuilder::new();
        for (text, s) in texts.iter().zip(&stored) {
            let mut finger = Finger::new();
            assert_eq!(&read_keyed(&tx, t, s, &mut finger, &mut key).unwrap(), text);
            let got = read_with(&tx, t, s, &mut finger, &mut key, |b| Ok(b.into_owned()));
            assert_eq!(&got.unwrap(), text, "{} bytes", text.len());
        }
        // A chunk missing from the middle of a body: its length no longer adds up.
        let s = stored[stored.len() - 1];
        tx.remove(t, &chunk_key(s.owner_vid, s.owner_pos, 2))
            .unwrap();
        let err = read_keyed(&tx, t, &s, &mut Finger::new(), &mut key).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Corruption);
        let err = read_with(&tx, t, &s, &mut Finger::new(), &mut key, |_| Ok(())).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Corruption);
    }

    #[test]
    fn text_hash_is_pinned() {
        // Stored hashes (and hashed section-path keys) must never change across releases.
        assert_eq!(hex(&text_hash("TreeStore")), PINNED);
        assert_ne!(text_hash("a"), text_hash("b"));
    }

    const PINNED: &str = "24ee3652a0f5604514c610f5b165d9ec";
}
