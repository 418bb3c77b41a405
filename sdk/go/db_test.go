package treestore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestOpenRejects(t *testing.T) {
	dir := t.TempDir()
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		opts *Options
		want []error
	}{
		{"empty path", "", nil, []error{ErrInvalidArgument}},
		{"invalid UTF-8 path", dir + "/\xff\xfe.tsdb", nil, []error{ErrInvalidUTF8, ErrInvalidArgument}},
		{"missing file with NoCreate", dir + "/missing.tsdb", &Options{NoCreate: true}, []error{ErrNotFound}},
		{"missing file read-only", dir + "/missing.tsdb", &Options{ReadOnly: true}, []error{ErrNotFound}},
		{"page size not a power of two", dir + "/a.tsdb", &Options{PageSize: 3000}, []error{ErrInvalidArgument}},
		{"page size too small", dir + "/a.tsdb", &Options{PageSize: 512}, []error{ErrInvalidArgument}},
		{"unknown durability", dir + "/a.tsdb", &Options{Durability: 7}, []error{ErrInvalidArgument}},
		{"a directory", dir, nil, []error{ErrIO}},
		{"below a regular file", notADir + "/x.tsdb", nil, []error{ErrIO}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(tt.path, tt.opts)
			if err == nil {
				db.Close()
				t.Fatalf("Open succeeded")
			}
			if db != nil {
				t.Errorf("Open returned a DB with the error")
			}
			for _, w := range tt.want {
				wantErr(t, "Open", err, w)
			}
			var e *Error
			if !errors.As(err, &e) || e.Message == "" {
				t.Errorf("error %v carries no message", err)
			}
		})
	}
}

func TestOpenOptions(t *testing.T) {
	tests := []struct {
		name     string
		opts     *Options
		pageSize uint64
	}{
		{"defaults", nil, 4096},
		{"zero options", &Options{}, 4096},
		{"relaxed durability", &Options{Durability: DurabilityRelaxed}, 4096},
		{"page size 8192", &Options{PageSize: 8192}, 8192},
		{"page size 1024", &Options{PageSize: 1024}, 1024},
		{"small checkpoint threshold", &Options{CheckpointWALBytes: 64 << 10}, 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tempPath(t)
			db, err := Open(path, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			mustPut(t, db, "t", "k", "v")
			s, err := db.Stats()
			if err != nil || s.PageSize != tt.pageSize {
				t.Errorf("Stats: page size %d, err %v; want %d", s.PageSize, err, tt.pageSize)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			// An existing file keeps its page size whatever the options say.
			db, err = Open(path, &Options{PageSize: 65536, NoCreate: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if s, _ := db.Stats(); s.PageSize != tt.pageSize {
				t.Errorf("reopened page size %d, want %d", s.PageSize, tt.pageSize)
			}
			if v, err := db.KVGet("t", []byte("k")); err != nil || string(v) != "v" {
				t.Errorf("KVGet after reopen = %q, %v", v, err)
			}
		})
	}
}

func TestOpenWhileOpenIsLocked(t *testing.T) {
	tests := []struct {
		name          string
		first, second Options
		want          error
	}{
		{"read-write then read-write", Options{}, Options{}, ErrLocked},
		{"read-write then read-only", Options{}, Options{ReadOnly: true}, ErrLocked},
		{"read-only then read-write", Options{ReadOnly: true}, Options{}, ErrLocked},
		{"read-only then read-only", Options{ReadOnly: true}, Options{ReadOnly: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tempPath(t)
			seed, err := Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			seed.Close()
			first, err := Open(path, &tt.first)
			if err != nil {
				t.Fatal(err)
			}
			second, err := Open(path, &tt.second)
			wantErr(t, "second Open", err, tt.want)
			if second != nil {
				second.Close()
			}
			first.Close()
			// Once the first handle is closed, the file opens again.
			again, err := Open(path, &tt.second)
			if err != nil {
				t.Fatalf("Open after Close: %v", err)
			}
			again.Close()
		})
	}
}

func TestReadOnlyDatabaseRefusesWrites(t *testing.T) {
	path := tempPath(t)
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, db, "t", "k", "v")
	db.Close()
	ro, err := Open(path, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if !ro.ReadOnly() {
		t.Error("ReadOnly() is false")
	}
	writes := []struct {
		name string
		op   func() error
	}{
		{"KVPut", func() error { return ro.KVPut("t", []byte("k"), []byte("w")) }},
		{"KVDelete", func() error { _, err := ro.KVDelete("t", []byte("k")); return err }},
		{"Begin(true)", func() error { _, err := ro.Begin(true); return err }},
		{"Update", func() error { return ro.Update(func(*Tx) error { return nil }) }},
		{"Tx.KVPut in View", func() error {
			return ro.View(func(tx *Tx) error { return tx.KVPut("t", []byte("k"), []byte("w")) })
		}},
	}
	for _, w := range writes {
		wantErr(t, w.name, w.op(), ErrReadOnly)
	}
	if v, err := ro.KVGet("t", []byte("k")); err != nil || string(v) != "v" {
		t.Errorf("KVGet = %q, %v", v, err)
	}
	if ok, findings, err := ro.CheckIntegrity(); err != nil || !ok {
		t.Errorf("CheckIntegrity = %v, %v, %v", ok, findings, err)
	}
}

func TestClosedDatabaseReturnsErrClosed(t *testing.T) {
	db, err := Open(tempPath(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, db, "t", "k", "v")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		name string
		op   func() error
	}{
		{"Close again", func() error { return db.Close() }},
		{"Checkpoint", db.Checkpoint},
		{"CheckIntegrity", func() error { _, _, err := db.CheckIntegrity(); return err }},
		{"Stats", func() error { _, err := db.Stats(); return err }},
		{"Health", func() error { _, err := db.Health(); return err }},
		{"Begin", func() error { _, err := db.Begin(false); return err }},
		{"Update", func() error { return db.Update(func(*Tx) error { return nil }) }},
		{"View", func() error { return db.View(func(*Tx) error { return nil }) }},
		{"KVGet", func() error { _, err := db.KVGet("t", []byte("k")); return err }},
		{"KVPut", func() error { return db.KVPut("t", []byte("k"), nil) }},
		{"KVDelete", func() error { _, err := db.KVDelete("t", []byte("k")); return err }},
		{"KVScan", func() error { _, err := db.KVScan("t", KVRange{}); return err }},
	}
	for _, c := range calls {
		want := ErrClosed
		if c.name == "Close again" {
			want = nil
		}
		wantErr(t, c.name, c.op(), want)
	}
}

func TestCloseEndsOpenTransactions(t *testing.T) {
	path := tempPath(t)
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, db, "t", "kept", "v")
	w, err := db.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.KVPut("t", []byte("lost"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	r, err := db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "write Tx.KVPut after Close", w.KVPut("t", []byte("x"), nil), ErrClosed)
	wantErr(t, "write Tx.Commit after Close", w.Commit(), ErrClosed)
	_, err = r.KVGet("t", []byte("kept"))
	wantErr(t, "read Tx.KVGet after Close", err, ErrClosed)
	err = r.Rollback()
	wantErr(t, "read Tx.Rollback after Close", err, ErrClosed)
	if want := "treestore: closed: the database was closed, which rolled back this transaction"; err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}

	db, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.KVGet("t", []byte("lost"))
	wantErr(t, "the rolled-back write", err, ErrNotFound)
	if _, err := db.KVGet("t", []byte("kept")); err != nil {
		t.Errorf("the committed write: %v", err)
	}
}

func TestCheckpointEmptiesTheWAL(t *testing.T) {
	db := openTemp(t, nil)
	for i := 0; i < 50; i++ {
		mustPut(t, db, "t", string(rune('a'+i%26))+string(rune('0'+i/26)), "value")
	}
	before, _ := db.Stats()
	if before.WALPages == 0 || before.LastCheckpointAge != -1 {
		t.Errorf("before: %d WAL pages, last checkpoint age %v", before.WALPages, before.LastCheckpointAge)
	}
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	after, _ := db.Stats()
	if after.WALPages != 0 || after.Checkpoints != before.Checkpoints+1 || after.LastCheckpointAge < 0 {
		t.Errorf("after: %+v", after)
	}
}

func TestStatsCountCommitsAndReaders(t *testing.T) {
	db := openTemp(t, nil)
	s0, err := db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, db, "t", "a", "1")
	mustPut(t, db, "t", "b", "2")
	tx, err := db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	s1, _ := db.Stats()
	tx.Rollback()
	s2, _ := db.Stats()
	checks := []struct {
		name string
		ok   bool
	}{
		{"two commits", s1.Commits == s0.Commits+2},
		{"txid advanced", s1.LastTxID >= s0.LastTxID+2},
		{"one live reader", s1.LiveReaders == 1 && s1.OldestReaderAge > 0},
		{"reader gone", s2.LiveReaders == 0 && s2.OldestReaderAge == 0},
		{"pages add up", s1.UsedPages+s1.FreePages+s1.PendingPages == s1.TotalPages},
		{"file has pages", s1.FileBytes >= 3*s1.PageSize},
		{"uptime", s1.Uptime > 0 && s1.Uptime >= s0.Uptime},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: before %+v, with reader %+v, after %+v", c.name, s0, s1, s2)
		}
	}
}

func TestHealth(t *testing.T) {
	db := openTemp(t, &Options{CheckpointWALBytes: 1 << 40})
	h, err := db.Health()
	if err != nil || !h.OK() {
		t.Fatalf("fresh database: %+v, %v", h, err)
	}
	if h.Stats.PageSize != 4096 || !h.Writable || h.LibraryVersion != LibraryVersion() {
		t.Errorf("Health = %+v", h)
	}
	// A WAL over twice the threshold is a problem. The engine's threshold stays high so it does
	// not checkpoint; Health is told of a tiny one.
	mustPut(t, db, "t", "k", "v")
	db.opts.CheckpointWALBytes = 1
	if h, err := db.Health(); err != nil || len(h.Problems) != 1 || h.Stats.WALBytes <= 2 {
		t.Errorf("WAL over the threshold: %+v, %v", h, err)
	}
}

func TestHealthProblems(t *testing.T) {
	tests := []struct {
		name  string
		stats Stats
		want  []string
	}{
		{"healthy", Stats{OldestReaderAge: time.Minute, WALBytes: 100}, nil},
		{"old reader", Stats{OldestReaderAge: time.Hour, PendingPages: 7, WALBytes: 100},
			[]string{"a read transaction has been open for 1h0m0s; 7 pages wait for it to end"}},
		{"big WAL", Stats{WALBytes: 2001},
			[]string{"the WAL is 2001 bytes, over 2 times the checkpoint threshold of 1000"}},
		{"WAL at the limit", Stats{WALBytes: 2000}, nil},
	}
	for _, tt := range tests {
		got := healthProblems(tt.stats, 1000)
		if len(got) != len(tt.want) || (len(got) == 1 && got[0] != tt.want[0]) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// pristineImage is the file of a database holding 200 keys in table "t", written in one commit
// and checkpointed.
func pristineImage(t *testing.T) []byte {
	path := tempPath(t)
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *Tx) error {
		for i := 0; i < 200; i++ {
			if err := tx.KVPut("t", []byte(fmt.Sprintf("key-%05d", i)), []byte("some value")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckIntegrity(t *testing.T) {
	t.Run("intact", func(t *testing.T) {
		db := openTemp(t, nil)
		mustPut(t, db, "t", "k", "v")
		ok, findings, err := db.CheckIntegrity()
		if err != nil || !ok || len(findings) != 0 {
			t.Errorf("CheckIntegrity = %v, %q, %v", ok, findings, err)
		}
	})
	// Damage one data page at a time (pages 0-2 are the header and the meta pages). A page that
	// opening reads (the freelist) fails Open; CheckIntegrity finds any other page in use, and
	// every page whose damage a scan meets.
	image := pristineImage(t)
	var openFailed, checkFound, scanFailed int
	for at := 3*4096 + 100; at < len(image); at += 4096 {
		page := at / 4096
		damaged := append([]byte(nil), image...)
		damaged[at] ^= 0x5a
		path := tempPath(t)
		if err := os.WriteFile(path, damaged, 0o644); err != nil {
			t.Fatal(err)
		}
		db, err := Open(path, nil)
		if err != nil {
			wantErr(t, fmt.Sprintf("Open with page %d damaged", page), err, ErrCorruption)
			openFailed++
			continue
		}
		ok, findings, err := db.CheckIntegrity()
		if err != nil || ok != (len(findings) == 0) {
			t.Errorf("page %d damaged: CheckIntegrity = %v, %q, %v", page, ok, findings, err)
		}
		if !ok {
			checkFound++
		}
		if _, err := db.KVScan("t", KVRange{}); err != nil {
			wantErr(t, fmt.Sprintf("KVScan with page %d damaged", page), err, ErrCorruption)
			scanFailed++
			if ok {
				t.Errorf("page %d damaged: KVScan fails but CheckIntegrity finds nothing", page)
			}
		}
		if h, err := db.Health(); err != nil || !h.OK() { // Health reads no data pages
			t.Errorf("Health = %+v, %v", h, err)
		}
		db.Close()
	}
	t.Logf("damaged pages: %d failed Open, %d found by CheckIntegrity, %d failed KVScan",
		openFailed, checkFound, scanFailed)
	if checkFound == 0 || scanFailed == 0 {
		t.Error("no damage reached CheckIntegrity and KVScan")
	}
}

func TestFinalizerClosesAForgottenDatabase(t *testing.T) {
	path := tempPath(t)
	func() {
		if _, err := Open(path, nil); err != nil {
			t.Fatal(err)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		db, err := Open(path, nil)
		if err == nil {
			db.Close()
			return
		}
		if !errors.Is(err, ErrLocked) || time.Now().After(deadline) {
			t.Fatalf("Open: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFinalizerRollsBackAForgottenWriteTransaction(t *testing.T) {
	db := openTemp(t, nil)
	func() {
		tx, err := db.Begin(true)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.KVPut("t", []byte("ghost"), []byte("v")); err != nil {
			t.Fatal(err)
		}
	}()
	done := make(chan error, 1)
	go func() { done <- db.KVPut("t", []byte("k"), []byte("v")) }()
	deadline := time.After(10 * time.Second)
	for {
		runtime.GC()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.KVGet("t", []byte("ghost"))
			wantErr(t, "the forgotten write", err, ErrNotFound)
			return
		case <-deadline:
			t.Fatal("the forgotten write transaction still blocks writers")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestLastCloseShrinksTheFileUnlessNoShrink(t *testing.T) {
	for _, noShrink := range []bool{false, true} {
		path := tempPath(t)
		db, err := Open(path, &Options{NoShrink: noShrink})
		if err != nil {
			t.Fatal(err)
		}
		value := strings.Repeat("x", 8000)
		for i := 0; i < 300; i++ {
			mustPut(t, db, "t", fmt.Sprintf("k%03d", i), value)
		}
		for i := 1; i < 300; i++ {
			if _, err := db.KVDelete("t", []byte(fmt.Sprintf("k%03d", i))); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Checkpoint(); err != nil {
			t.Fatal(err)
		}
		before := fileSize(t, path)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		after := fileSize(t, path)
		if noShrink && after != before {
			t.Errorf("NoShrink: the file went from %d to %d bytes", before, after)
		}
		if !noShrink && after*2 >= before {
			t.Errorf("the last close should shrink the file: %d -> %d bytes", before, after)
		}
		db, err = Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := db.KVGet("t", []byte("k000")); err != nil || string(v) != value {
			t.Errorf("KVGet after the close: %d bytes, %v", len(v), err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}
