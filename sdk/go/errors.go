package treestore

import (
	"errors"
	"strconv"
	"strings"
)

// Status is a status code of the C library (treestore_status): numbered in groups of a hundred,
// never renumbered or reused. Every error this package returns for a failed call is an *Error
// carrying one.
type Status uint32

// The statuses of include/treestore.h (a test keeps the two equal).
const (
	StatusOK              Status = 0
	StatusInvalidArgument Status = 100 // an argument is invalid (the message names it)
	StatusNullParameter   Status = 101 // a required pointer argument was NULL
	StatusInvalidUTF8     Status = 102 // a string argument is not valid UTF-8
	StatusTooLarge        Status = 103 // an argument exceeds a documented size limit
	StatusNotFound        Status = 200 // the thing asked for does not exist
	StatusAlreadyExists   Status = 201 // the thing to create exists already
	StatusCorruption      Status = 300 // the database file or WAL is damaged
	StatusIO              Status = 400 // the operating system reported an I/O error
	StatusPreviousIO      Status = 401 // an earlier I/O failure stopped writes; reopen the database
	StatusLocked          Status = 500 // another handle holds the database open for writing
	StatusReadOnly        Status = 501 // a write on a read-only database or transaction
	StatusClosed          Status = 502 // the database or transaction was closed or has ended
	StatusPanic           Status = 900 // a bug in TreeStore, caught at the C boundary
)

// Sentinels for errors.Is. ErrInvalidArgument also matches ErrInvalidUTF8 and ErrTooLarge, and
// ErrIO also matches ErrPreviousIO: each broad sentinel covers the finer ones of its group.
var (
	ErrInvalidArgument = errors.New("treestore: invalid argument")
	ErrInvalidUTF8     = errors.New("treestore: invalid UTF-8")
	ErrTooLarge        = errors.New("treestore: too large")
	ErrNotFound        = errors.New("treestore: not found")
	ErrAlreadyExists   = errors.New("treestore: already exists")
	ErrCorruption      = errors.New("treestore: corruption")
	ErrIO              = errors.New("treestore: I/O error")
	ErrPreviousIO      = errors.New("treestore: previous I/O error; reopen the database")
	ErrLocked          = errors.New("treestore: database locked")
	ErrReadOnly        = errors.New("treestore: read-only")
	ErrClosed          = errors.New("treestore: closed")
	ErrInternal        = errors.New("treestore: internal error")
)

// ErrTxManaged is returned by Commit and Rollback on the transaction of Update or View, which
// end it themselves when the function returns.
var ErrTxManaged = errors.New("treestore: Commit or Rollback inside Update or View; return from the function instead")

// statusInfo is the one place that maps statuses to names and sentinels.
var statusInfo = map[Status]struct {
	name string
	is   []error
}{
	StatusOK:              {"ok", nil},
	StatusInvalidArgument: {"invalid argument", []error{ErrInvalidArgument}},
	StatusNullParameter:   {"null parameter", []error{ErrInvalidArgument}},
	StatusInvalidUTF8:     {"invalid UTF-8", []error{ErrInvalidUTF8, ErrInvalidArgument}},
	StatusTooLarge:        {"too large", []error{ErrTooLarge, ErrInvalidArgument}},
	StatusNotFound:        {"not found", []error{ErrNotFound}},
	StatusAlreadyExists:   {"already exists", []error{ErrAlreadyExists}},
	StatusCorruption:      {"corruption", []error{ErrCorruption}},
	StatusIO:              {"I/O error", []error{ErrIO}},
	StatusPreviousIO:      {"previous I/O error", []error{ErrPreviousIO, ErrIO}},
	StatusLocked:          {"database locked", []error{ErrLocked}},
	StatusReadOnly:        {"read-only", []error{ErrReadOnly}},
	StatusClosed:          {"closed", []error{ErrClosed}},
	StatusPanic:           {"internal panic", []error{ErrInternal}},
}

// String is the library's English name of s (as treestore_status_str spells it).
func (s Status) String() string {
	if info, ok := statusInfo[s]; ok {
		return info.name
	}
	return "status " + strconv.FormatUint(uint64(s), 10)
}

// Error is a failed call: the library's status and its message, which names what was wrong
// (which argument, which page, which table).
type Error struct {
	Status  Status
	Message string
}

func newError(s Status, message string) *Error {
	return &Error{Status: s, Message: message}
}

// Error reads "treestore: <status>: <message>".
func (e *Error) Error() string {
	name := e.Status.String()
	switch {
	case e.Message == "":
		return "treestore: " + name
	case strings.HasPrefix(e.Message, name+": "):
		// Engine messages already start with the status name.
		return "treestore: " + e.Message
	default:
		return "treestore: " + name + ": " + e.Message
	}
}

// Is reports whether target is one of the sentinels of e's status.
func (e *Error) Is(target error) bool {
	for _, s := range statusInfo[e.Status].is {
		if s == target {
			return true
		}
	}
	return false
}

// The errors of a closed handle, detected on the Go side before any C call (a new value each
// time, so no caller can change another's).
func errDBClosed() error { return newError(StatusClosed, "the database is closed") }

func errTxEnded() error {
	return newError(StatusClosed, "the transaction has already committed or rolled back")
}
