package treestore

import (
	"errors"
	"runtime"
	"testing"
)

func TestUpdate(t *testing.T) {
	errFn := errors.New("fn failed")
	tests := []struct {
		name      string
		fn        func(tx *Tx) error
		wantErr   error
		wantPanic any
		committed bool
	}{
		{"nil commits", func(tx *Tx) error { return nil }, nil, nil, true},
		{"an error rolls back", func(tx *Tx) error { return errFn }, errFn, nil, false},
		{"a panic rolls back and goes on", func(tx *Tx) error { panic("boom") }, nil, "boom", false},
		{"a failed write's error rolls back", func(tx *Tx) error {
			return tx.KVPut("", []byte("k"), nil)
		}, ErrInvalidArgument, nil, false},
		{"Commit inside is refused", func(tx *Tx) error { return tx.Commit() }, ErrTxManaged, nil, false},
		{"Rollback inside is refused", func(tx *Tx) error { return tx.Rollback() }, ErrTxManaged, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTemp(t, nil)
			var panicked any
			err := func() (err error) {
				defer func() { panicked = recover() }()
				return db.Update(func(tx *Tx) error {
					if !tx.Writable() || tx.DB() != db {
						t.Error("Update's Tx is not the DB's write transaction")
					}
					if err := tx.KVPut("t", []byte("k"), []byte("v")); err != nil {
						return err
					}
					return tt.fn(tx)
				})
			}()
			wantErr(t, "Update", err, tt.wantErr)
			if panicked != tt.wantPanic {
				t.Errorf("panic %v, want %v", panicked, tt.wantPanic)
			}
			_, err = db.KVGet("t", []byte("k"))
			if committed := err == nil; committed != tt.committed {
				t.Errorf("committed = %v (%v), want %v", committed, err, tt.committed)
			}
			// The write lock is free again.
			if err := db.KVPut("t", []byte("after"), nil); err != nil {
				t.Errorf("a write after Update: %v", err)
			}
		})
	}
}

func TestUpdateRollsBackOnGoexit(t *testing.T) {
	db := openTemp(t, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = db.Update(func(tx *Tx) error {
			_ = tx.KVPut("t", []byte("k"), []byte("v"))
			runtime.Goexit()
			return nil
		})
	}()
	<-done
	_, err := db.KVGet("t", []byte("k"))
	wantErr(t, "KVGet", err, ErrNotFound)
	if err := db.KVPut("t", []byte("after"), nil); err != nil {
		t.Errorf("a write after Update: %v", err)
	}
}

func TestViewSeesASnapshot(t *testing.T) {
	db := openTemp(t, nil)
	mustPut(t, db, "t", "k", "old")
	err := db.View(func(tx *Tx) error {
		if tx.Writable() {
			t.Error("View's Tx is writable")
		}
		mustPut(t, db, "t", "k", "new") // commits while the snapshot is open
		mustPut(t, db, "t", "k2", "new")
		v, err := tx.KVGet("t", []byte("k"))
		if err != nil || string(v) != "old" {
			t.Errorf("in the snapshot: %q, %v", v, err)
		}
		kvs, err := tx.KVScan("t", KVRange{})
		if err != nil || len(kvs) != 1 {
			t.Errorf("scan in the snapshot: %q, %v", kvs, err)
		}
		wantErr(t, "KVPut in View", tx.KVPut("t", []byte("x"), nil), ErrReadOnly)
		_, err = tx.KVDelete("t", []byte("k"))
		wantErr(t, "KVDelete in View", err, ErrReadOnly)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := db.KVGet("t", []byte("k")); string(v) != "new" {
		t.Errorf("after View: %q", v)
	}
	errFn := errors.New("fn failed")
	wantErr(t, "View returning an error", db.View(func(*Tx) error { return errFn }), errFn)
	if s, _ := db.Stats(); s.LiveReaders != 0 {
		t.Errorf("%d readers left open", s.LiveReaders)
	}
}

func TestBeginCommitRollback(t *testing.T) {
	tests := []struct {
		name      string
		end       func(tx *Tx) error
		committed bool
	}{
		{"commit", (*Tx).Commit, true},
		{"rollback", (*Tx).Rollback, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTemp(t, nil)
			tx, err := db.Begin(true)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"a", "b", "c"} {
				if err := tx.KVPut("t", []byte(k), []byte(k)); err != nil {
					t.Fatal(err)
				}
			}
			if removed, err := tx.KVDelete("t", []byte("b")); err != nil || !removed {
				t.Fatalf("KVDelete = %v, %v", removed, err)
			}
			if err := tt.end(tx); err != nil {
				t.Fatal(err)
			}
			kvs, err := db.KVScan("t", KVRange{})
			if err != nil || (len(kvs) == 2) != tt.committed {
				t.Errorf("after %s: %q, %v", tt.name, kvs, err)
			}
		})
	}
}

func TestEndedTransactionReturnsErrClosed(t *testing.T) {
	for _, writable := range []bool{false, true} {
		for _, end := range []string{"commit", "rollback"} {
			db := openTemp(t, nil)
			tx, err := db.Begin(writable)
			if err != nil {
				t.Fatal(err)
			}
			if end == "commit" {
				err = tx.Commit()
			} else {
				err = tx.Rollback()
			}
			if err != nil {
				t.Fatal(err)
			}
			calls := []struct {
				name string
				op   func() error
			}{
				{"Commit", tx.Commit},
				{"Rollback", tx.Rollback},
				{"KVGet", func() error { _, err := tx.KVGet("t", []byte("k")); return err }},
				{"KVPut", func() error { return tx.KVPut("t", []byte("k"), nil) }},
				{"KVDelete", func() error { _, err := tx.KVDelete("t", []byte("k")); return err }},
				{"KVScan", func() error { _, err := tx.KVScan("t", KVRange{}); return err }},
			}
			for _, c := range calls {
				wantErr(t, c.name+" after "+end, c.op(), ErrClosed)
			}
		}
	}
}

func TestWriteTransactionsTakeTurns(t *testing.T) {
	db := openTemp(t, nil)
	first, err := db.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	second := make(chan error, 1)
	go func() {
		close(started)
		second <- db.Update(func(tx *Tx) error {
			v, err := tx.KVGet("t", []byte("k"))
			if err != nil || string(v) != "first" {
				t.Errorf("the second writer reads %q, %v", v, err)
			}
			return tx.KVPut("t", []byte("k"), []byte("second"))
		})
	}()
	<-started
	if err := first.KVPut("t", []byte("k"), []byte("first")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-second:
		t.Fatalf("the second writer ran while the first was open: %v", err)
	default:
	}
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if v, _ := db.KVGet("t", []byte("k")); string(v) != "second" {
		t.Errorf("final value %q", v)
	}
}

// Close from inside Update (on the same goroutine) ends the Update's transaction instead of
// waiting for it: the Update then fails with ErrClosed and its writes are gone.
func TestCloseInsideUpdate(t *testing.T) {
	path := tempPath(t)
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *Tx) error {
		if err := tx.KVPut("t", []byte("k"), []byte("v")); err != nil {
			return err
		}
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		return tx.KVPut("t", []byte("k2"), []byte("v"))
	})
	wantErr(t, "Update", err, ErrClosed)
	db, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.KVGet("t", []byte("k"))
	wantErr(t, "KVGet", err, ErrNotFound)
}
