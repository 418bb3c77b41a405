//! The one error type of `treestore-core`: a kind a caller can match plus a message that names what is
//! wrong (which page, which WAL offset, which node, which field).

use std::fmt;

/// What went wrong, for callers that branch on it. New kinds may be added.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The thing asked for does not exist.
    NotFound,
    /// The caller passed something invalid; nothing was written.
    InvalidArgument,
    /// The file or WAL holds bytes that fail a checksum or an invariant.
    Corruption,
    /// The operating system reported an I/O error.
    Io,
    /// Another process holds the database open for writing.
    DatabaseLocked,
    /// A write was attempted on a read-only database or transaction.
    ReadOnly,
    /// An earlier I/O or fsync failure poisoned the database; reopen it.
    PreviousIo,
    /// The database or handle was closed.
    Closed,
    /// A value already exists where a new one was required.
    AlreadyExists,
    /// A size limit was exceeded (key, value, document).
    TooLarge,
}

impl ErrorKind {
    /// A short stable name, used in messages and across the C ABI.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Corruption => "corruption",
            ErrorKind::Io => "I/O error",
            ErrorKind::DatabaseLocked => "database locked",
            ErrorKind::ReadOnly => "read-only",
            ErrorKind::PreviousIo => "previous I/O error",
            ErrorKind::Closed => "closed",
            ErrorKind::AlreadyExists => "already exists",
            ErrorKind::TooLarge => "too large",
        }
    }
}

/// An error from the engine or a store: a kind and a message with the context.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// The result type of `treestore-core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the kind.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A `NotFound` error.
    pub fn not_found(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::NotFound, message)
    }

    /// An `InvalidArgument` error.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// A `Corruption` error.
    pub fn corruption(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Corruption, message)
    }

    /// An `Io` error with what was being done when it happened.
    pub fn io(context: impl fmt::Display, err: std::io::Error) -> Error {
        Error::new(ErrorKind::Io, format!("{context}: {err}"))
    }

    /// Prefixes the message with more context, keeping the kind.
    pub fn context(self, context: impl fmt::Display) -> Error {
        Error {
            kind: self.kind,
            message: format!("{context}: {}", self.message),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_kind_and_context() {
        let err = Error::corruption("leaf page 7 has zero entries").context("opening db");
        assert_eq!(err.kind(), ErrorKind::Corruption);
        assert_eq!(
            err.to_string(),
            "corruption: opening db: leaf page 7 has zero entries"
        );
    }
}
