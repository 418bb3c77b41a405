package treestore

import (
	"errors"
	"path/filepath"
	"testing"
)

// tempPath is a database path in a fresh directory removed after the test.
func tempPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "test.tsdb")
}

// openTemp opens a new database closed after the test.
func openTemp(t testing.TB, opts *Options) *DB {
	t.Helper()
	db, err := Open(tempPath(t), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// wantErr fails unless err matches want (nil: no error).
func wantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Errorf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Errorf("%s: error %v, want one matching %v", what, err, want)
	}
}

func mustPut(t testing.TB, db *DB, table, key, value string) {
	t.Helper()
	if err := db.KVPut(table, []byte(key), []byte(value)); err != nil {
		t.Fatalf("KVPut(%q, %q): %v", table, key, err)
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
