package treestore

// Whole-database operations and observability: backup and compaction, the Prometheus metrics
// text, the library's health record, and the engine's log lines routed to log/slog.

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Backup writes a consistent, compacted copy of the latest snapshot to a new file at dest while
// other goroutines go on reading and writing; ErrAlreadyExists when dest exists.
func (db *DB) Backup(dest string) (*BackupReport, error) {
	res, err := fetch(db, func(h dbHandle, _ txnHandle) (*result, error) { return capiBackup(h, dest) })
	if err != nil {
		return nil, err
	}
	r, err := decodeTop[BackupReport](res, 0)
	return &r, err
}

// Compact rewrites the closed database at path into a compacted file in place. It fails with
// ErrLocked while any handle has the database open. opts may be nil (its page size is ignored).
func Compact(path string, opts *Options) (*BackupReport, error) {
	if err := abiCheck(); err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	res, err := capiCompact(path, o)
	if err != nil {
		return nil, err
	}
	r, err := decodeTop[BackupReport](res, 0)
	return &r, err
}

// Metrics returns the database's metrics in the Prometheus text format (0.0.4):
// treestore_op_duration_seconds histograms and treestore_op_errors_total counters per operation,
// and the engine's counters and gauges (pages, WAL, readers).
func (db *DB) Metrics() (string, error) {
	res, err := fetch(db, func(h dbHandle, _ txnHandle) (*result, error) { return capiMetricsText(h) })
	if err != nil {
		return "", err
	}
	return res.firstString()
}

// LibraryHealth is the library's own health record: whether the database is open and writable
// (not read-only, not stopped by an I/O failure), its version, uptime and last checkpoint's age.
type LibraryHealth struct {
	Healthy  bool   `ts:"healthy"`
	ReadOnly bool   `ts:"read_only"`
	Poisoned bool   `ts:"poisoned"` // an I/O failure stopped writes; reopen the database
	Version  string `ts:"version"`
	// UptimeSeconds and LastCheckpointAgeSeconds (nil before the first checkpoint).
	UptimeSeconds            float64  `ts:"uptime_seconds"`
	LastCheckpointAgeSeconds *float64 `ts:"last_checkpoint_age_seconds"`
	WALBytes                 int64    `ts:"wal_bytes"`
	LiveReaders              int64    `ts:"live_readers"`
}

// Uptime is UptimeSeconds as a duration.
func (h LibraryHealth) Uptime() time.Duration {
	return time.Duration(h.UptimeSeconds * float64(time.Second))
}

// LibraryHealth reads the library's health record (treestore_db_health).
func (db *DB) LibraryHealth() (*LibraryHealth, error) {
	res, err := fetch(db, func(h dbHandle, _ txnHandle) (*result, error) { return capiHealth(h) })
	if err != nil {
		return nil, err
	}
	r, err := decodeTop[LibraryHealth](res, 0)
	return &r, err
}

// logState is the process-wide logger the engine's log lines go to.
var logState struct {
	mu     sync.Mutex // serialises SetLogger
	logger atomic.Pointer[slog.Logger]
}

// LevelTrace is the slog level of the engine's trace lines (below slog.LevelDebug).
const LevelTrace = slog.LevelDebug - 4

// SetLogger routes the engine's log lines (recovery, checkpoints, I/O failures that stop writes)
// at minLevel or more severe to logger, for the whole process (every open database), with the
// attribute component=treestore. A nil logger stops them; when SetLogger returns, the previous
// logger receives nothing more. The logger runs on the engine's threads, several at once, and must
// not call SetLogger itself (that waits for the running callback). The library prints nothing by
// itself.
func SetLogger(logger *slog.Logger, minLevel slog.Level) error {
	logState.mu.Lock()
	defer logState.mu.Unlock()
	if logger == nil {
		// After capiLogSet returns, the old callback is not running and never runs again.
		err := capiLogSet(false, logOff)
		logState.logger.Store(nil)
		return err
	}
	logState.logger.Store(logger)
	return capiLogSet(true, cLogLevel(minLevel))
}

// cLogLevel is the library's level for the least severe slog level asked for.
func cLogLevel(l slog.Level) uint32 {
	switch {
	case l <= LevelTrace:
		return logTrace
	case l <= slog.LevelDebug:
		return logDebug
	case l <= slog.LevelInfo:
		return logInfo
	case l <= slog.LevelWarn:
		return logWarn
	default:
		return logError
	}
}

// slogLevel is the slog level of a library level.
func slogLevel(level uint32) slog.Level {
	switch level {
	case logError:
		return slog.LevelError
	case logWarn:
		return slog.LevelWarn
	case logInfo:
		return slog.LevelInfo
	case logDebug:
		return slog.LevelDebug
	default:
		return LevelTrace
	}
}

// deliverLog hands one engine line to the logger (from capi_log.go's callback).
func deliverLog(level uint32, msg string) {
	l := logState.logger.Load()
	if l == nil {
		return
	}
	l.LogAttrs(context.Background(), slogLevel(level), msg, slog.String("component", "treestore"))
}
