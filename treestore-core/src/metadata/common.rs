//! What the metadata and prompt stores share: input limits and the checks that enforce them with
//! errors naming the record and the field, pages and their opaque cursors, and the newest-first
//! index scans every list is built on.

use std::fmt::Display;
use std::ops::Bound;

use crate::codec::Decoder;
use crate::db::{ReadOps, Table};
use crate::error::{Error, ErrorKind, Result};
use crate::keys::{prefix_successor, KeyBuilder};
use crate::time::Timestamp;

/// Longest id, name, user or tag accepted, in bytes. Several of them share one index key, which
/// must stay under the B+tree's key limit (976 bytes at 4 KiB pages).
pub const MAX_ID_LEN: usize = 200;
/// Longest label, enum-like name or metadata key, in bytes.
pub const MAX_KEY_LEN: usize = 128;
/// Longest short text (titles, descriptions, error messages, contexts, commit messages), in bytes.
pub const MAX_TEXT_LEN: usize = 64 << 10;
/// Longest large text (tool result data, responses, message contents, templates), in bytes.
pub const MAX_BLOB_LEN: usize = 16 << 20;
/// Page size used when a caller passes a limit of 0.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page a list returns.
pub const MAX_LIMIT: usize = 10_000;

/// One page of a list, and the cursor that continues it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Pass it back as the cursor of the same query for the next page; `None` when the list ended.
    /// A page may come back empty with `None` when the previous one ended exactly at a limit.
    pub next_cursor: Option<String>,
}

/// Names a record in messages: `tool result "abc"`, or `new tool result` before it has an id.
pub(crate) struct Subject<'a>(pub &'static str, pub &'a str);

impl Display for Subject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.1.is_empty() {
            write!(f, "new {}", self.0)
        } else {
            write!(f, "{} {:?}", self.0, self.1)
        }
    }
}

/// The `InvalidArgument` error for one field of one record: `"{what}: field {field}: {why}"`.
pub(crate) fn invalid(what: &dyn Display, field: &str, why: impl Display) -> Error {
    Error::invalid(format!("{what}: field {field}: {why}"))
}

/// The `TooLarge` error for one field.
fn too_large(what: &dyn Display, field: &str, len: usize, max: usize) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        format!("{what}: field {field}: {len} bytes exceeds the limit of {max}"),
    )
}

/// A required identifier: not empty, at most [`MAX_ID_LEN`] bytes, no control characters.
pub(crate) fn check_id(what: &dyn Display, field: &str, v: &str) -> Result<()> {
    if v.is_empty() {
        return Err(invalid(what, field, "is required"));
    }
    check_token(what, field, v, MAX_ID_LEN)
}

/// An optional identifier: when present, as [`check_id`].
pub(crate) fn check_opt_id(what: &dyn Display, field: &str, v: Option<&str>) -> Result<()> {
    v.map_or(Ok(()), |v| check_id(what, field, v))
}

/// A non-empty token of at most `max` bytes without control characters.
pub(crate) fn check_token(what: &dyn Display, field: &str, v: &str, max: usize) -> Result<()> {
    if v.is_empty() {
        return Err(invalid(what, field, "is required"));
    }
    if v.len() > max {
        return Err(too_large(what, field, v.len(), max));
    }
    if v.chars().any(char::is_control) {
        return Err(invalid(what, field, "contains a control character"));
    }
    Ok(())
}

/// A text of at most `max` bytes (it may be empty).
pub(crate) fn check_len(what: &dyn Display, field: &str, v: &str, max: usize) -> Result<()> {
    if v.len() > max {
        return Err(too_large(what, field, v.len(), max));
    }
    Ok(())
}

/// A required, non-blank text of at most `max` bytes.
pub(crate) fn check_text(what: &dyn Display, field: &str, v: &str, max: usize) -> Result<()> {
    if v.trim().is_empty() {
        return Err(invalid(what, field, "is required"));
    }
    check_len(what, field, v, max)
}

/// JSON text that must parse, of at most `max` bytes.
pub(crate) fn check_json(what: &dyn Display, field: &str, v: &str, max: usize) -> Result<()> {
    check_len(what, field, v, max)?;
    if v.trim().is_empty() {
        return Err(invalid(
            what,
            field,
            "is required (JSON text; use null for none)",
        ));
    }
    serde_json::from_str::<serde_json::Value>(v)
        .map(|_| ())
        .map_err(|e| invalid(what, field, format_args!("is not valid JSON: {e}")))
}

/// A string map: keys are tokens of at most [`MAX_KEY_LEN`] bytes, values texts.
pub(crate) fn check_map(
    what: &dyn Display,
    field: &str,
    map: &std::collections::BTreeMap<String, String>,
) -> Result<()> {
    for (k, v) in map {
        check_token(what, field, k, MAX_KEY_LEN)?;
        check_len(what, &format!("{field}[{k:?}]"), v, MAX_TEXT_LEN)?;
    }
    Ok(())
}

/// A page size: 0 means [`DEFAULT_LIMIT`]; above [`MAX_LIMIT`] is an error.
pub(crate) fn check_limit(what: &dyn Display, limit: usize) -> Result<usize> {
    match limit {
        0 => Ok(DEFAULT_LIMIT),
        n if n <= MAX_LIMIT => Ok(n),
        n => Err(invalid(
            what,
            "limit",
            format_args!("{n} exceeds the maximum page of {MAX_LIMIT}"),
        )),
    }
}

/// A time range `[since, until)`; both ends optional.
pub(crate) fn check_range(
    what: &dyn Display,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Result<()> {
    if let (Some(s), Some(u)) = (since, until) {
        if s > u {
            return Err(invalid(what, "until", "is before since"));
        }
    }
    Ok(())
}

/// `ts`, or the current time when it is 0 (the unset value of the SDKs).
pub(crate) fn or_now(ts: Timestamp) -> Timestamp {
    if ts == 0 {
        crate::time::now()
    } else {
        ts
    }
}

/// A cursor: an optional one-letter phase and the hex of the last key a page returned.
pub(crate) fn encode_cursor(phase: &str, key: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(phase.len() + key.len() * 2);
    s.push_str(phase);
    for b in key {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Reads a cursor of [`encode_cursor`]: the phase must match and the key must start with `prefix`.
pub(crate) fn decode_cursor(
    what: &dyn Display,
    cursor: &str,
    phase: &str,
    prefix: &[u8],
) -> Result<Vec<u8>> {
    let bad = || invalid(what, "cursor", "was not returned by this query");
    let hex = cursor.strip_prefix(phase).ok_or_else(bad)?;
    if hex.len() % 2 != 0 {
        return Err(bad());
    }
    let key = (0..hex.len() / 2)
        .map(|i| {
            hex.get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)?;
    if !key.starts_with(prefix) {
        return Err(bad());
    }
    Ok(key)
}

/// A scan of the keys of `table` that start with `prefix`, optionally narrowed to a time range
/// when the element right after the prefix is an `i64` timestamp.
pub(crate) struct Scan {
    pub table: Table,
    pub prefix: Vec<u8>,
    pub lower: Bound<Vec<u8>>,
    pub upper: Bound<Vec<u8>>,
    /// Newest (largest key) first.
    pub reverse: bool,
}

impl Scan {
    /// Every key starting with `prefix`.
    pub fn prefix(table: Table, prefix: Vec<u8>, reverse: bool) -> Scan {
        let upper = prefix_successor(&prefix).map_or(Bound::Unbounded, Bound::Excluded);
        Scan {
            table,
            lower: Bound::Included(prefix.clone()),
            upper,
            prefix,
            reverse,
        }
    }

    /// Keys `prefix + (ts: i64) + ...` with `since <= ts < until`, newest first.
    pub fn time_range(
        table: Table,
        prefix: Vec<u8>,
        since: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> Scan {
        let at = |ts: Timestamp| {
            let mut k = prefix.clone();
            k.extend_from_slice(KeyBuilder::new().i64(ts).as_slice());
            k
        };
        let (lower, upper) = (since.map(at), until.map(at));
        let mut scan = Scan::prefix(table, prefix, true);
        if let Some(l) = lower {
            scan.lower = Bound::Included(l);
        }
        if let Some(u) = upper {
            scan.upper = Bound::Excluded(u);
        }
        scan
    }

    /// Reads one page: `visit` maps each `(key, value)` to an item or skips it (`None`), until
    /// `limit` items. `phase` tags the cursors of this scan (for lists made of several scans).
    pub fn page<R: ReadOps + ?Sized, T>(
        mut self,
        tx: &R,
        what: &dyn Display,
        phase: &str,
        cursor: Option<&str>,
        limit: usize,
        mut visit: impl FnMut(&[u8], &[u8]) -> Result<Option<T>>,
    ) -> Result<Page<T>> {
        if let Some(c) = cursor {
            let key = decode_cursor(what, c, phase, &self.prefix)?;
            if self.reverse {
                self.upper = Bound::Excluded(key);
            } else {
                self.lower = Bound::Excluded(key);
            }
        }
        let (lower, upper) = (as_ref(&self.lower), as_ref(&self.upper));
        let mut it = if self.reverse {
            tx.range_rev(self.table, lower, upper)?
        } else {
            tx.range(self.table, lower, upper)?
        };
        let mut items = Vec::new();
        while let Some(kv) = it.next() {
            let (k, v) = kv?;
            if let Some(item) = visit(&k, &v)? {
                items.push(item);
                if items.len() >= limit {
                    let more = it.next().transpose()?.is_some();
                    let next_cursor = more.then(|| encode_cursor(phase, &k));
                    return Ok(Page { items, next_cursor });
                }
            }
        }
        Ok(Page {
            items,
            next_cursor: None,
        })
    }
}

fn as_ref(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(v) => Bound::Included(v.as_slice()),
        Bound::Excluded(v) => Bound::Excluded(v.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// Keys of `table` starting with `prefix`, collected (to delete them after the scan).
pub(crate) fn keys_with_prefix<R: ReadOps + ?Sized>(
    tx: &R,
    table: Table,
    prefix: &[u8],
) -> Result<Vec<Vec<u8>>> {
    tx.prefix(table, prefix)?
        .map(|kv| kv.map(|(k, _)| k.to_vec()))
        .collect()
}

/// The format version every record of these stores starts with.
pub(crate) const FORMAT_V1: u8 = 1;

/// A decoder of a `what` record, past its format version byte (which must be [`FORMAT_V1`]).
pub(crate) fn decoder<'a>(v: &'a [u8], what: &'static str) -> Result<Decoder<'a>> {
    let mut d = Decoder::new(v, what);
    match d.u8()? {
        FORMAT_V1 => Ok(d),
        other => Err(Error::corruption(format!(
            "{what} record has unknown format version {other}"
        ))),
    }
}

/// An optional string written by `Encoder::opt_str`, borrowed.
pub(crate) fn opt_str<'a>(d: &mut Decoder<'a>) -> Result<Option<&'a str>> {
    match d.u8()? {
        0 => Ok(None),
        1 => d.str().map(Some),
        t => Err(Error::corruption(format!("invalid option tag {t}"))),
    }
}

/// An optional `f64`: a presence byte, then the value.
pub(crate) fn opt_f64(d: &mut Decoder<'_>) -> Result<Option<f64>> {
    match d.u8()? {
        0 => Ok(None),
        1 => d.f64().map(Some),
        t => Err(Error::corruption(format!("invalid option tag {t}"))),
    }
}

/// Writes what [`opt_f64`] reads.
pub(crate) fn put_opt_f64(e: &mut crate::codec::Encoder, v: Option<f64>) {
    match v {
        None => e.u8(0),
        Some(x) => e.u8(1).f64(x),
    };
}

/// The error for an index entry whose record is missing.
pub(crate) fn dangling(what: &str, id: &str) -> Error {
    Error::corruption(format!(
        "an index entry names {what} {id:?}, which does not exist"
    ))
}

/// Defines a closed set of names stored as one byte: `as_str`, `parse` (an error naming the
/// field and the accepted names), `code`/`from_code` for the record codec, and `Display`.
macro_rules! name_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $code:literal, $text:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used in the SDKs and messages.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// Reads a name (as [`as_str`](Self::as_str) writes it); an error names `field`.
            pub fn parse(field: &str, s: &str) -> $crate::error::Result<$name> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::error::Error::invalid(format!(
                        "{}: field {field}: {s:?} is not one of {}",
                        $what,
                        [$($text),+].join(", ")
                    ))),
                }
            }

            pub(crate) fn code(self) -> u8 {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            pub(crate) fn from_code(c: u8) -> $crate::error::Result<$name> {
                match c {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::error::Error::corruption(format!(
                        "{} code {c} is unknown",
                        $what
                    ))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use name_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_foreign_ones() {
        let c = encode_cursor("o", &[0, 1, 0xab]);
        assert_eq!(c, "o0001ab");
        assert_eq!(
            decode_cursor(&"q", &c, "o", &[0]).unwrap(),
            vec![0, 1, 0xab]
        );
        for bad in ["i0001ab", "o0001a", "ozz", "o01"] {
            let err = decode_cursor(&"q", bad, "o", &[0]).unwrap_err();
            assert!(err.to_string().contains("field cursor"), "{err}");
        }
    }

    #[test]
    fn checks_name_the_field() {
        let e = check_json(&"tool result \"x\"", "result_data", "{", 100).unwrap_err();
        assert!(
            e.to_string()
                .contains("field result_data: is not valid JSON"),
            "{e}"
        );
        let e = check_id(&"r", "policy_id", "").unwrap_err();
        assert!(
            e.to_string().contains("field policy_id: is required"),
            "{e}"
        );
        let e = check_id(&"r", "policy_id", &"x".repeat(MAX_ID_LEN + 1)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooLarge);
        assert_eq!(check_limit(&"q", 0).unwrap(), DEFAULT_LIMIT);
        assert!(check_limit(&"q", MAX_LIMIT + 1).is_err());
    }
}
