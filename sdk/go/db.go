package treestore

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// DB is an open database. It is safe for concurrent use by any number of goroutines; Close it
// when done (a finalizer closes a forgotten one, but only when the garbage collector gets to it,
// and the file stays locked until then).
type DB struct {
	path string
	opts Options

	// mu guards handle. Every call holds the read lock for the length of its C call; Close takes
	// the write lock, so it frees the handle only once no call is using it.
	mu     sync.RWMutex
	handle dbHandle

	// closing is set (under txMu) when Close begins; calls that start after it fail with ErrClosed
	// instead of queueing behind Close.
	closing   atomic.Bool
	txMu      sync.Mutex
	txs       map[*txState]struct{} // open transactions, for Close to end
	closeOnce sync.Once
}

var abiCheck = sync.OnceValue(func() error {
	if lib := abiVersion(); lib != headerABIVersion {
		return fmt.Errorf("treestore: libtreestore has ABI version %d but this package was built for %d; rebuild the program against the installed library",
			lib, headerABIVersion)
	}
	return nil
})

// Open opens the database at path, creating it unless opts.NoCreate is set; nil opts are the
// defaults. A second read-write Open of the same file, from this process or another, fails with
// ErrLocked while the first is open.
func Open(path string, opts *Options) (*DB, error) {
	if err := abiCheck(); err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	h, err := capiOpen(path, o)
	if err != nil {
		return nil, err
	}
	db := &DB{path: path, opts: o, handle: h, txs: make(map[*txState]struct{})}
	runtime.SetFinalizer(db, (*DB).Close)
	return db, nil
}

// Path is the path the database was opened with.
func (db *DB) Path() string { return db.path }

// ReadOnly reports whether the database was opened read-only.
func (db *DB) ReadOnly() bool { return db.opts.ReadOnly }

// Close ends every open transaction (rolling back writes; their later calls return ErrClosed),
// waits for calls in flight, checkpoints and releases the file. The handle is released even when
// the final checkpoint fails; that error is returned. Calling Close again returns nil; every other
// method returns ErrClosed after Close.
func (db *DB) Close() error {
	var err error
	db.closeOnce.Do(func() { err = db.close() })
	return err
}

func (db *DB) close() error {
	db.txMu.Lock()
	db.closing.Store(true)
	txs := db.txs
	db.txs = nil
	db.txMu.Unlock()
	// Ending the transactions first releases the write lock a call in flight may be waiting for.
	for s := range txs {
		s.endByClose()
	}
	db.mu.Lock()
	h := db.handle
	db.handle = nil
	db.mu.Unlock()
	runtime.SetFinalizer(db, nil)
	return capiClose(h)
}

// acquire returns the handle with the read lock held; the caller calls db.mu.RUnlock.
func (db *DB) acquire() (dbHandle, error) {
	db.mu.RLock()
	if db.handle == nil || db.closing.Load() {
		db.mu.RUnlock()
		return nil, errDBClosed()
	}
	return db.handle, nil
}

// Checkpoint copies committed pages into the main file and empties the WAL.
func (db *DB) Checkpoint() error {
	h, err := db.acquire()
	if err != nil {
		return err
	}
	defer db.mu.RUnlock()
	return capiCheckpoint(h)
}

// CheckIntegrity verifies every checksum and invariant of the file. ok is whether the database is
// intact; findings describe each problem found. err is a failure to run the check, not a finding.
func (db *DB) CheckIntegrity() (ok bool, findings []string, err error) {
	h, err := db.acquire()
	if err != nil {
		return false, nil, err
	}
	defer db.mu.RUnlock()
	return capiCheckIntegrity(h)
}

// Stats returns the engine's counters and gauges.
func (db *DB) Stats() (Stats, error) {
	h, err := db.acquire()
	if err != nil {
		return Stats{}, err
	}
	defer db.mu.RUnlock()
	return capiStats(h)
}

// Health is a cheap summary for a readiness probe: the statistics, and the problems that need an
// operator. It does not read the data; CheckIntegrity does.
type Health struct {
	Stats    Stats
	Problems []string
	// Writable: the database is open for writing (not read-only, not stopped by an I/O failure).
	Writable bool
	// LibraryVersion is the version of the library the database runs on.
	LibraryVersion string
}

// OK reports whether Health found no problem.
func (h Health) OK() bool { return len(h.Problems) == 0 }

// The limits past which Health reports a problem.
const (
	// HealthMaxReaderAge: a read transaction open longer keeps every page it can see from reuse,
	// so the file grows.
	HealthMaxReaderAge = 5 * time.Minute
	// HealthMaxWALFactor: a WAL this many times the checkpoint threshold means checkpoints are not
	// keeping up (usually because of a long-lived reader).
	HealthMaxWALFactor = 2
)

// Health begins and ends a read snapshot (proving the database answers), reads the statistics and
// the library's health record, and reports a long-lived read transaction, a WAL that checkpoints
// do not keep small, or writes stopped by an I/O failure. Uptime and the last checkpoint's age are
// in Stats.
func (db *DB) Health() (Health, error) {
	tx, err := db.Begin(false)
	if err != nil {
		return Health{}, err
	}
	if err := tx.Rollback(); err != nil {
		return Health{}, err
	}
	s, err := db.Stats()
	if err != nil {
		return Health{}, err
	}
	limit := db.opts.CheckpointWALBytes
	if limit == 0 {
		limit = defaultCheckpointWALBytes
	}
	lh, err := db.LibraryHealth()
	if err != nil {
		return Health{}, err
	}
	problems := healthProblems(s, limit)
	if lh.Poisoned {
		problems = append(problems, "an I/O failure stopped writes; reopen the database")
	}
	return Health{Stats: s, Problems: problems, Writable: lh.Healthy, LibraryVersion: lh.Version}, nil
}

func healthProblems(s Stats, checkpointWALBytes uint64) []string {
	var problems []string
	if s.OldestReaderAge > HealthMaxReaderAge {
		problems = append(problems, fmt.Sprintf(
			"a read transaction has been open for %v; %d pages wait for it to end",
			s.OldestReaderAge.Round(time.Second), s.PendingPages))
	}
	if s.WALBytes > HealthMaxWALFactor*checkpointWALBytes {
		problems = append(problems, fmt.Sprintf(
			"the WAL is %d bytes, over %d times the checkpoint threshold of %d",
			s.WALBytes, HealthMaxWALFactor, checkpointWALBytes))
	}
	return problems
}

// LibraryVersion is the version of the linked library, e.g. "0.1.0". (Version is the type of a
// document version.)
func LibraryVersion() string { return libraryVersion() }

// ABIVersion is the ABI version of the linked library.
func ABIVersion() uint32 { return abiVersion() }
