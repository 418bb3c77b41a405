//! [`InlineStr`]: an immutable string kept inside its owner when it is short (policy and version
//! ids usually are), so reading it follows no pointer. The snapshot's shared resolutions keep
//! their keys and resolved version ids this way: on a big database each pointer followed per
//! point read is a likely cache miss.

use std::fmt;
use std::ops::Deref;

/// Longest string kept inline (the whole value is 24 bytes, as a `String`).
const INLINE: usize = 22;

/// An immutable string, inline up to [`INLINE`] bytes, else boxed.
#[derive(Clone)]
pub(crate) enum InlineStr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Boxed(Box<str>),
}

impl InlineStr {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            InlineStr::Inline { len, bytes } => {
                let b = &bytes[..usize::from(*len)];
                // SAFETY: `bytes[..len]` is a copy of a whole `&str` (see `From<&str>`), so it
                // is UTF-8; the bytes never change after.
                unsafe { std::str::from_utf8_unchecked(b) }
            }
            InlineStr::Boxed(s) => s,
        }
    }
}

impl From<&str> for InlineStr {
    fn from(s: &str) -> Self {
        if s.len() > INLINE {
            return InlineStr::Boxed(s.into());
        }
        let mut bytes = [0; INLINE];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        InlineStr::Inline {
            len: s.len() as u8,
            bytes,
        }
    }
}

impl From<String> for InlineStr {
    fn from(s: String) -> Self {
        if s.len() > INLINE {
            return InlineStr::Boxed(s.into_boxed_str());
        }
        InlineStr::from(s.as_str())
    }
}

impl Deref for InlineStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for InlineStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for InlineStr {}

impl PartialEq<str> for InlineStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for InlineStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for InlineStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for InlineStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_of_every_length_read_back_as_given() {
        assert_eq!(std::mem::size_of::<InlineStr>(), 24);
        for len in 0..=60 {
            // Every byte length, and multi-byte characters ending at and across the limit.
            let ascii: String = ('a'..='z').cycle().take(len).collect();
            let mixed: String = "aé€😀".chars().cycle().take(len).collect();
            for s in [ascii, mixed] {
                read_back(&s);
            }
        }
        assert_ne!(InlineStr::from("ab"), InlineStr::from("abc"));
        assert_ne!(InlineStr::from(""), InlineStr::from("\0"));
        assert_eq!(
            InlineStr::from("x".repeat(30)),
            InlineStr::from(&*"x".repeat(30))
        );
    }

    fn read_back(s: &str) {
        for v in [InlineStr::from(s), InlineStr::from(s.to_string())] {
            assert_eq!(v.as_str(), s);
            assert_eq!(&*v, s);
            assert_eq!(v.to_string(), s);
            assert_eq!(format!("{v:?}"), format!("{s:?}"));
            let inline = matches!(v, InlineStr::Inline { .. });
            assert_eq!(inline, s.len() <= INLINE, "{} bytes", s.len());
        }
    }
}
