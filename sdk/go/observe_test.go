package treestore

import (
	"bufio"
	"bytes"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// A sample line of the Prometheus text format 0.0.4: name, optional labels, value.
var promSample = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$`)

// parseProm checks the text line by line and returns the samples by name and labels.
func parseProm(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	types := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
		case strings.HasPrefix(line, "# HELP "):
		case strings.HasPrefix(line, "# TYPE "):
			f := strings.Fields(line)
			if len(f) != 4 {
				t.Fatalf("bad TYPE line %q", line)
			}
			types[f[2]] = f[3]
		default:
			m := promSample.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("not a Prometheus sample: %q", line)
			}
			v, err := strconv.ParseFloat(m[3], 64)
			if err != nil && m[3] != "+Inf" {
				t.Fatalf("bad value in %q", line)
			}
			out[m[1]+m[2]] = v
		}
	}
	if types["treestore_op_duration_seconds"] != "histogram" {
		t.Errorf("no treestore_op_duration_seconds histogram: %v", types)
	}
	return out
}

func TestMetrics(t *testing.T) {
	db := sampleDB(t)
	if _, err := db.Documents().GetNode(samplePolicy, "v1", "0001"); err != nil {
		t.Fatal(err)
	}
	_, _ = db.Documents().GetNode(samplePolicy, "v1", "ghost")
	text, err := db.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	samples := parseProm(t, text)
	var count, errs float64
	for k, v := range samples {
		if strings.HasPrefix(k, "treestore_op_duration_seconds_count{") && strings.Contains(k, `op="get_node"`) {
			count = v
		}
		if strings.HasPrefix(k, "treestore_op_errors_total{") && strings.Contains(k, `op="get_node"`) {
			errs = v
		}
	}
	if count != 2 || errs != 1 {
		t.Errorf("get_node: count %v, errors %v\n%s", count, errs, text)
	}
}

func TestLibraryHealthBackupCompact(t *testing.T) {
	db := sampleDB(t)
	h, err := db.LibraryHealth()
	if err != nil || !h.Healthy || h.ReadOnly || h.Poisoned || h.Version != LibraryVersion() || h.Uptime() < 0 {
		t.Errorf("LibraryHealth = %+v, %v", h, err)
	}
	dest := filepath.Join(t.TempDir(), "backup.tsdb")
	r, err := db.Backup(dest)
	if err != nil || r.Tables == 0 || r.Entries == 0 || r.FileBytes == 0 {
		t.Fatalf("Backup = %+v, %v", r, err)
	}
	if _, err := db.Backup(dest); !errorsIs(err, ErrAlreadyExists) {
		t.Errorf("Backup over a file: %v", err)
	}
	if _, err := Compact(dest, nil); err != nil {
		t.Errorf("Compact: %v", err)
	}
	if _, err := Compact(db.Path(), nil); !errorsIs(err, ErrLocked) {
		t.Errorf("Compact of an open database: %v", err)
	}
	if _, err := Compact(filepath.Join(t.TempDir(), "none.tsdb"), nil); !errorsIs(err, ErrNotFound) && !errorsIs(err, ErrIO) {
		t.Errorf("Compact of a missing file: %v", err)
	}
	b, err := Open(dest, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n, err := b.Documents().GetSubtree(samplePolicy, "v2", "root", 0); err != nil || len(n) != 18 {
		t.Errorf("the backup holds %d nodes of v2, %v", len(n), err)
	}
	if h, err := b.LibraryHealth(); err != nil || h.Healthy || !h.ReadOnly {
		t.Errorf("read-only health = %+v, %v", h, err)
	}
	if _, err := b.Documents().StoreDocument(smallDoc("p", "v")); !errorsIs(err, ErrReadOnly) {
		t.Errorf("a write on a read-only database: %v", err)
	}
}

// lockedBuffer collects log output from any thread.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestSetLogger(t *testing.T) {
	var buf lockedBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: LevelTrace}))
	if err := SetLogger(logger, slog.LevelInfo); err != nil {
		t.Fatal(err)
	}
	db := openTemp(t, nil)
	mustPut(t, db, "t", "k", "v")
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	if err := SetLogger(nil, 0); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "checkpoint") || !strings.Contains(out, "level=INFO") || !strings.Contains(out, "component=treestore") {
		t.Errorf("log output %q", out)
	}
	// After SetLogger(nil) nothing more arrives.
	before := buf.String()
	mustPut(t, db, "t", "k2", "v")
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	if buf.String() != before {
		t.Errorf("logged after SetLogger(nil): %q", strings.TrimPrefix(buf.String(), before))
	}
	for _, tc := range []struct {
		l    slog.Level
		want uint32
	}{{LevelTrace, logTrace}, {slog.LevelDebug, logDebug}, {slog.LevelInfo, logInfo}, {slog.LevelWarn, logWarn}, {slog.LevelError, logError}} {
		if got := cLogLevel(tc.l); got != tc.want || slogLevel(got) != tc.l {
			t.Errorf("level %v -> %d -> %v", tc.l, got, slogLevel(got))
		}
	}
}

// Replacing the logger while databases checkpoint (and log) on other goroutines is safe; run
// under -race.
func TestSetLoggerConcurrently(t *testing.T) {
	db := openTemp(t, &Options{Durability: DurabilityRelaxed})
	defer func() { _ = SetLogger(nil, 0) }()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := db.KVPut("t", []byte{byte(w), byte(i)}, []byte("v")); err != nil {
					t.Error(err)
					return
				}
				if err := db.Checkpoint(); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	var bufs [2]lockedBuffer
	for i := 0; i < 40; i++ {
		l := slog.New(slog.NewTextHandler(&bufs[i%2], nil))
		if err := SetLogger(l, slog.LevelInfo); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	// The last logger installed (bufs[1]) receives the next checkpoint's line.
	mustPut(t, db, "t", "last", "v")
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bufs[1].String(), "checkpoint") {
		t.Errorf("the last logger did not receive the checkpoint: %q", bufs[1].String())
	}
}
