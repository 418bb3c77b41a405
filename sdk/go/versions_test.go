package treestore

import (
	"strings"
	"testing"
)

func TestVersionStore(t *testing.T) {
	db := sampleDB(t)
	vs := db.Versions()
	ver := func(v *Version, err error) string {
		if err != nil {
			return "error: " + err.Error()
		}
		return v.VersionID
	}
	if err := vs.TagVersion(samplePolicy, "v2", "approved"); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, got, want string }{
		{"GetVersion", ver(vs.GetVersion(samplePolicy, "v2")), "v2"},
		{"GetLatestVersion", ver(vs.GetLatestVersion(samplePolicy)), "v3"},
		{"GetVersionAsOf 2023", ver(vs.GetVersionAsOf(samplePolicy, date(2023).AddDate(0, 6, 0))), "v1"},
		{"GetVersionAsOf 2024", ver(vs.GetVersionAsOf(samplePolicy, date(2024))), "v2"},
		{"GetVersionAsOf today", ver(vs.GetVersionAsOf(samplePolicy, date(2030))), "v3"},
		{"GetVersionByTag", ver(vs.GetVersionByTag(samplePolicy, "approved")), "v2"},
		{"CreateVersion", ver(vs.CreateVersion(smallDoc(samplePolicy, "v4"))), "v4"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	page1, err := vs.ListVersions(VersionQuery{PolicyID: samplePolicy, Limit: 3})
	if err != nil || len(page1.Versions) != 3 || page1.NextCursor == "" || page1.Versions[0].VersionID != "v4" {
		t.Fatalf("ListVersions: %+v, %v", page1, err)
	}
	page2, err := vs.ListVersions(VersionQuery{PolicyID: samplePolicy, Limit: 3, Cursor: page1.NextCursor})
	if err != nil || len(page2.Versions) != 1 || page2.NextCursor != "" || page2.Versions[0].VersionID != "v1" {
		t.Errorf("ListVersions page 2: %+v, %v", page2, err)
	}
	h, err := vs.GetVersionHistory(samplePolicy)
	if err != nil || len(h.Versions) != 4 || h.PolicyID != samplePolicy {
		t.Errorf("GetVersionHistory: %+v, %v", h, err)
	}
	diff, err := vs.Diff(samplePolicy, "v1", "v2")
	if err != nil {
		t.Fatal(err)
	}
	var added, changed []string
	for _, c := range diff.Added {
		added = append(added, c.NodeID)
	}
	for _, c := range diff.Changed {
		changed = append(changed, c.NodeID+":"+strings.Join(c.Fields, "+"))
	}
	if diff.FromVersion != "v1" || diff.ToVersion != "v2" || strings.Join(added, ",") != "0016" ||
		len(diff.Removed) != 0 || !strings.Contains(strings.Join(changed, " "), "0008:") {
		t.Errorf("diff: added %v, removed %v, changed %v", added, diff.Removed, changed)
	}
	if removed, err := vs.UntagVersion(samplePolicy, "approved"); err != nil || !removed {
		t.Errorf("UntagVersion = %v, %v", removed, err)
	}
	if removed, err := vs.UntagVersion(samplePolicy, "approved"); err != nil || removed {
		t.Errorf("UntagVersion again = %v, %v", removed, err)
	}
}

func TestVersionErrors(t *testing.T) {
	db := sampleDB(t)
	vs := db.Versions()
	errOf := func(_ any, err error) error { return err }
	runCalls(t, []call{
		{"GetVersion missing", func() error { return errOf(vs.GetVersion(samplePolicy, "v9")) }, ErrNotFound},
		{"GetVersion bad UTF-8", func() error { return errOf(vs.GetVersion(badUTF8, "v1")) }, ErrInvalidUTF8},
		{"GetLatestVersion missing", func() error { return errOf(vs.GetLatestVersion("nope")) }, ErrNotFound},
		{"GetVersionAsOf before", func() error { return errOf(vs.GetVersionAsOf(samplePolicy, date(1999))) }, ErrNotFound},
		{"GetVersionByTag missing", func() error { return errOf(vs.GetVersionByTag(samplePolicy, "nope")) }, ErrNotFound},
		{"ListVersions negative", func() error { return errOf(vs.ListVersions(VersionQuery{PolicyID: samplePolicy, Limit: -2})) }, ErrInvalidArgument},
		{"ListVersions bad cursor", func() error {
			return errOf(vs.ListVersions(VersionQuery{PolicyID: samplePolicy, Cursor: "\x00junk"}))
		}, ErrInvalidArgument},
		{"GetVersionHistory unknown policy", func() error { return errOf(vs.GetVersionHistory("nope")) }, nil},
		{"TagVersion missing", func() error { return vs.TagVersion(samplePolicy, "v9", "x") }, ErrNotFound},
		{"TagVersion empty tag", func() error { return vs.TagVersion(samplePolicy, "v1", "") }, ErrInvalidArgument},
		{"Diff missing", func() error { return errOf(vs.Diff(samplePolicy, "v1", "v9")) }, ErrNotFound},
		{"CreateVersion nil", func() error { return errOf(vs.CreateVersion(nil)) }, ErrInvalidArgument},
	})
}
