//! Borrowed version reads: [`VersionReader::version_with`], [`VersionReader::latest_version_with`],
//! [`VersionReader::version_as_of_with`] and [`VersionReader::version_by_tag_with`] hand a closure the version's fields as views into its stored
//! record, for callers that copy them elsewhere anyway (the C ABI writes them into a result's
//! arena), so the read makes none of the owned [`Document`](crate::document::Document)'s
//! allocations.

use super::{version_not_found, VersionReader};
use crate::codec::{Decoder, StrList, StrPairs};
use crate::db::ReadOps;
use crate::error::Result;
use crate::time::Timestamp;
use crate::version::effective_memo::MAX_RECORD;
use crate::version::record::{check_format, version_key};

/// One version, borrowed from the transaction's pages: the fields of
/// [`Document`](crate::document::Document), with metadata and tags read lazily (each string
/// checked to be UTF-8 as it is read).
pub struct VersionRef<'a> {
    pub policy_id: &'a str,
    pub version_id: &'a str,
    pub pageindex_doc_id: Option<&'a str>,
    pub root_node_id: &'a str,
    /// In key order.
    pub metadata: StrPairs<'a>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub effective_start: Option<Timestamp>,
    pub effective_end: Option<Timestamp>,
    pub created_by: &'a str,
    pub description: &'a str,
    pub tags: StrList<'a>,
}

impl VersionRef<'_> {
    /// An owned copy (what [`VersionReader::version`] returns), for a caller that keeps it.
    pub fn to_document(&self) -> Result<crate::document::Document> {
        Ok(crate::document::Document {
            policy_id: self.policy_id.into(),
            version_id: self.version_id.into(),
            pageindex_doc_id: self.pageindex_doc_id.map(Into::into),
            root_node_id: self.root_node_id.into(),
            metadata: self
                .metadata
                .iter()
                .map(|kv| kv.map(|(k, v)| (k.to_string(), v.to_string())))
                .collect::<Result<_>>()?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            effective_start: self.effective_start,
            effective_end: self.effective_end,
            created_by: self.created_by.into(),
            description: self.description.into(),
            tags: self
                .tags
                .iter()
                .map(|s| s.map(Into::into))
                .collect::<Result<_>>()?,
        })
    }
}

impl<R: ReadOps + ?Sized> VersionReader<'_, R> {
    /// [`VersionReader::version`], handed to `f` as a [`VersionRef`] instead of copied into a
    /// [`Document`](crate::document::Document).
    pub fn version_with<T>(
        &self,
        policy: &str,
        version: &str,
        f: impl FnOnce(&VersionRef<'_>) -> Result<T>,
    ) -> Result<T> {
        let t = self.versions.get(self.tx)?;
        let Some(v) = self.tx.get(t, &version_key(policy, version))? else {
            return Err(version_not_found(policy, version));
        };
        Self::version_from(policy, version, &v, f)
    }

    /// Decodes `v`, the stored record of `version` of `policy`, for `f`.
    fn version_from<T>(
        policy: &str,
        version: &str,
        v: &[u8],
        f: impl FnOnce(&VersionRef<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut d = Decoder::new(v, "version");
        check_format(&mut d)?;
        d.uvar()?;
        let pageindex_doc_id = match d.u8()? {
            0 => None,
            1 => Some(d.str()?),
            _ => {
                return Err(crate::Error::corruption(
                    "version record: invalid option tag",
                ))
            }
        };
        f(&VersionRef {
            policy_id: policy,
            version_id: version,
            pageindex_doc_id,
            root_node_id: d.str()?,
            metadata: d.str_pairs_ref()?,
            created_at: d.ivar()?,
            updated_at: d.ivar()?,
            effective_start: d.opt_ivar()?,
            effective_end: d.opt_ivar()?,
            created_by: d.str()?,
            description: d.str()?,
            tags: d.str_list_ref()?,
        })
    }

    /// [`VersionReader::latest_version`], handed to `f` as a [`VersionRef`].
    pub fn latest_version_with<T>(
        &self,
        policy: &str,
        f: impl FnOnce(&VersionRef<'_>) -> Result<T>,
    ) -> Result<T> {
        let r = self.resolve(policy, None)?;
        self.version_with(policy, &r.version_id, f)
    }

    /// [`VersionReader::version_as_of`], handed to `f` as a [`VersionRef`].
    pub fn version_as_of_with<T>(
        &self,
        policy: &str,
        at: Timestamp,
        f: impl FnOnce(&VersionRef<'_>) -> Result<T>,
    ) -> Result<T> {
        let Some(span) = self.as_of_memo(policy, at)? else {
            let version = self.as_of_version_id(policy, at)?;
            return self.version_with(policy, &version, f);
        };
        // the snapshot's memo names the version; its record is kept beside it once read
        if let Some(rec) = span.record.get() {
            return Self::version_from(policy, &span.version, rec, f);
        }
        let t = self.versions.get(self.tx)?;
        let Some(v) = self.tx.get(t, &version_key(policy, &span.version))? else {
            return Err(version_not_found(policy, &span.version));
        };
        if v.len() > MAX_RECORD {
            return Self::version_from(policy, &span.version, &v, f);
        }
        let rec = span.record.get_or_init(|| v.to_vec().into_boxed_slice());
        Self::version_from(policy, &span.version, rec, f)
    }

    /// [`VersionReader::version_by_tag`], handed to `f` as a [`VersionRef`].
    pub fn version_by_tag_with<T>(
        &self,
        policy: &str,
        tag: &str,
        f: impl FnOnce(&VersionRef<'_>) -> Result<T>,
    ) -> Result<T> {
        let version = self.tagged_version_id(policy, tag)?;
        self.version_with(policy, &version, f)
    }
}

#[cfg(test)]
mod tests {
    use crate::db::Database;
    use crate::document::{store_document, Document, Node};
    use crate::version::VersionReader;
    use std::collections::BTreeMap;

    #[test]
    fn version_with_sees_what_version_returns() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path().join("t.tsdb"), Default::default()).unwrap();
        let full = Document {
            policy_id: "p".into(),
            version_id: "v2".into(),
            pageindex_doc_id: Some("pi".into()),
            metadata: BTreeMap::from([("k".into(), "v".into()), ("a".into(), "é".into())]),
            effective_start: Some(1_000),
            created_by: "me".into(),
            description: "second".into(),
            tags: vec!["prod".into(), "x".into()],
            ..Document::default()
        };
        let bare = Document {
            policy_id: "p".into(),
            version_id: "v1".into(),
            ..Document::default()
        };
        let root = [Node {
            node_id: "r".into(),
            title: "R".into(),
            ..Node::default()
        }];
        let mut w = db.begin_write().unwrap();
        store_document(&mut w, &bare, &root).unwrap();
        store_document(&mut w, &full, &root).unwrap();
        w.commit().unwrap();
        let tx = db.begin_read().unwrap();
        let rd = VersionReader::new(&tx);
        let owned = |v: &super::VersionRef<'_>| v.to_document();
        for id in ["v1", "v2"] {
            let want = rd.version("p", id).unwrap();
            assert_eq!(rd.version_with("p", id, owned).unwrap(), want, "{id}");
        }
        let latest = rd.latest_version("p").unwrap();
        assert_eq!(rd.latest_version_with("p", owned).unwrap(), latest);
        let err = rd.version_with("p", "v9", |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("v9"), "{err}");
        drop(tx);

        let mut w = db.begin_write().unwrap();
        crate::version::tag_version(&mut w, "p", "v1", "old").unwrap();
        w.commit().unwrap();
        let tx = db.begin_read().unwrap();
        let rd = VersionReader::new(&tx);
        let same = |a: crate::Result<Document>, b: crate::Result<Document>, what: &str| match (a, b)
        {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{what}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
            (a, b) => panic!("{what}: {a:?} vs {b:?}"),
        };
        let mut found = 0;
        for at in [-5, 0, 999, 1_000, 5_000, i64::MAX] {
            let want = rd.version_as_of("p", at);
            found += usize::from(want.is_ok());
            same(
                rd.version_as_of_with("p", at, owned),
                want,
                &format!("as of {at}"),
            );
        }
        assert!(found >= 2, "the as-of cases reach versions");
        for tag in ["old", "none"] {
            let want = rd.version_by_tag("p", tag);
            same(rd.version_by_tag_with("p", tag, owned), want, tag);
        }
        assert_eq!(
            rd.version_by_tag_with("p", "old", owned)
                .unwrap()
                .version_id,
            "v1"
        );
    }
}
