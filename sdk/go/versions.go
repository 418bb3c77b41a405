package treestore

// The version store: a policy's versions, tags, point-in-time lookups and diffs. A version is
// created by storing or importing a document (CreateVersion is StoreDocument under its old name).

import "time"

// Versions is the version store of a DB or a Tx.
type Versions struct{ s scope }

// Versions is the version store; each call runs in a transaction of its own.
func (db *DB) Versions() Versions { return Versions{db} }

// Versions is the version store inside tx.
func (tx *Tx) Versions() Versions { return Versions{tx} }

// CreateVersion stores doc as a new version of its policy (see Documents.StoreDocument).
func (v Versions) CreateVersion(doc *Document) (*Version, error) {
	return Documents(v).StoreDocument(doc)
}

// GetVersion reads one version; ErrNotFound when it does not exist.
func (v Versions) GetVersion(policyID, versionID string) (*Version, error) {
	return one[Version](v.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cVersionGet(h, txn, policyID, versionID)
	})
}

// GetLatestVersion reads the policy's newest version (by CreatedAt).
func (v Versions) GetLatestVersion(policyID string) (*Version, error) {
	return one[Version](v.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cVersionLatest(h, txn, policyID)
	})
}

// GetVersionAsOf reads the version in force at t: the one whose effective range holds t;
// ErrNotFound when none does.
func (v Versions) GetVersionAsOf(policyID string, t time.Time) (*Version, error) {
	at := t.UnixMicro()
	return one[Version](v.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cVersionAsOf(h, txn, policyID, at)
	})
}

// GetVersionByTag reads the version a tag points at.
func (v Versions) GetVersionByTag(policyID, tag string) (*Version, error) {
	return one[Version](v.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cVersionGetByTag(h, txn, policyID, tag)
	})
}

// ListVersions reads one page of a policy's versions, newest first.
func (v Versions) ListVersions(q VersionQuery) (*VersionHistory, error) {
	if err := checkCount("VersionQuery.Limit", q.Limit); err != nil {
		return nil, err
	}
	p, err := page[Version](v.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cVersionList(h, txn, q.PolicyID, q.Limit, q.Cursor)
	})
	if err != nil {
		return nil, err
	}
	return &VersionHistory{PolicyID: q.PolicyID, Versions: p.Items, NextCursor: p.NextCursor}, nil
}

// ListPolicies reads one page of the ids of the policies that have at least one version, in id
// order (p.Limit 0: all). Pass the page's NextCursor as p.Cursor for the next.
func (v Versions) ListPolicies(p Page) (List[string], error) {
	if err := checkCount("Page.Limit", p.Limit); err != nil {
		return List[string]{}, err
	}
	res, err := fetch(v.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cPolicyList(h, txn, p.Limit, p.Cursor)
	})
	if err != nil {
		return List[string]{}, err
	}
	return List[string]{Items: res.strings, NextCursor: res.next}, nil
}

// GetVersionHistory reads every version of a policy, newest first (every page of ListVersions).
func (v Versions) GetVersionHistory(policyID string) (*VersionHistory, error) {
	h := &VersionHistory{PolicyID: policyID}
	q := VersionQuery{PolicyID: policyID}
	for {
		p, err := v.ListVersions(q)
		if err != nil {
			return nil, err
		}
		h.Versions = append(h.Versions, p.Versions...)
		if p.NextCursor == "" {
			return h, nil
		}
		q.Cursor = p.NextCursor
	}
}

// TagVersion points tag at a version (moving it from another version of the policy).
func (v Versions) TagVersion(policyID, versionID, tag string) error {
	return exec(v.s, func(h dbHandle, txn txnHandle) error {
		return cVersionTag(h, txn, policyID, versionID, tag)
	})
}

// UntagVersion removes a tag; removed reports whether it existed.
func (v Versions) UntagVersion(policyID, tag string) (removed bool, err error) {
	return flag(v.s, func(h dbHandle, txn txnHandle) (bool, error) {
		return cVersionUntag(h, txn, policyID, tag)
	})
}

// Diff compares two versions of a policy node by node.
func (v Versions) Diff(policyID, fromVersion, toVersion string) (*VersionDiff, error) {
	return one[VersionDiff](v.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cVersionDiff(h, txn, policyID, fromVersion, toVersion)
	})
}
