//! Opening the database the way each command needs it, and timing store calls into the
//! database's metrics (what `stats --prometheus` renders).

use std::path::Path;

use anyhow::{bail, Context, Result};
use treestore_core::db::ReadOps;
use treestore_core::document::DocReader;
use treestore_core::metrics::Op;
use treestore_core::time::{self, Timestamp};
use treestore_core::{Database, Durability, Options};

use crate::args::VersionSel;

/// Opens an existing database read-only: reads never create, change or checkpoint the file, and
/// several can run at once (a shared lock).
pub(crate) fn open_read(path: &Path) -> Result<Database> {
    open(
        path,
        Options {
            read_only: true,
            create: false,
            ..Options::default()
        },
    )
}

/// Opens an existing database for writing (an exclusive lock).
pub(crate) fn open_write(path: &Path) -> Result<Database> {
    open(
        path,
        Options {
            create: false,
            ..Options::default()
        },
    )
}

/// Opens the database for a bulk write, creating it when missing. Commits are not synced one by
/// one (relaxed durability): [`close`] checkpoints, which syncs them all before the command
/// reports success, and a crash before that loses whole files' commits, never consistency, so
/// running the import again finishes the job.
pub(crate) fn open_for_import(path: &Path) -> Result<Database> {
    let options = Options {
        durability: Durability::Relaxed,
        ..Options::default()
    };
    Database::open(path, options).with_context(|| format!("opening {}", path.display()))
}

fn open(path: &Path, options: Options) -> Result<Database> {
    if !path.exists() {
        bail!("{}: no such database", path.display());
    }
    Database::open(path, options).with_context(|| format!("opening {}", path.display()))
}

/// Closes a database opened for writing, reporting the final checkpoint's error.
pub(crate) fn close(db: Database) -> Result<()> {
    let path = db.path().to_path_buf();
    db.close()
        .with_context(|| format!("closing {}", path.display()))
}

/// Runs one store call as one observation of `op` in `db.metrics()`.
pub(crate) fn timed<T>(
    db: &Database,
    op: Op,
    f: impl FnOnce() -> treestore_core::Result<T>,
) -> treestore_core::Result<T> {
    db.metrics().time(op, f)
}

/// A date argument: `YYYY-MM-DD` (midnight UTC) or RFC 3339.
pub(crate) fn parse_date(what: &str, text: &str) -> Result<Timestamp> {
    time::parse(text).with_context(|| format!("{what} {text:?} is not a date"))
}

/// The version a [`VersionSel`] names: `Some(id)`, or `None` for the latest.
pub(crate) fn select_version<R: ReadOps + ?Sized>(
    db: &Database,
    reader: &DocReader<'_, R>,
    policy: &str,
    sel: &VersionSel,
) -> Result<Option<String>> {
    match (&sel.version, &sel.as_of) {
        (Some(v), _) => Ok(Some(v.clone())),
        (None, Some(date)) => {
            let at = parse_date("--as-of", date)?;
            let doc = timed(db, Op::GetVersionAsOf, || {
                reader.versions().version_as_of(policy, at)
            })?;
            Ok(Some(doc.version_id))
        }
        (None, None) => Ok(None),
    }
}
