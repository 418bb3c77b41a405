package treestore

import (
	"errors"
	"testing"
)

func TestErrorMatchesTheSentinelsOfItsStatus(t *testing.T) {
	all := []error{ErrInvalidArgument, ErrInvalidUTF8, ErrTooLarge, ErrNotFound, ErrAlreadyExists,
		ErrCorruption, ErrIO, ErrPreviousIO, ErrLocked, ErrReadOnly, ErrClosed, ErrInternal}
	tests := []struct {
		status Status
		is     []error
	}{
		{StatusInvalidArgument, []error{ErrInvalidArgument}},
		{StatusNullParameter, []error{ErrInvalidArgument}},
		{StatusInvalidUTF8, []error{ErrInvalidUTF8, ErrInvalidArgument}},
		{StatusTooLarge, []error{ErrTooLarge, ErrInvalidArgument}},
		{StatusNotFound, []error{ErrNotFound}},
		{StatusAlreadyExists, []error{ErrAlreadyExists}},
		{StatusCorruption, []error{ErrCorruption}},
		{StatusIO, []error{ErrIO}},
		{StatusPreviousIO, []error{ErrPreviousIO, ErrIO}},
		{StatusLocked, []error{ErrLocked}},
		{StatusReadOnly, []error{ErrReadOnly}},
		{StatusClosed, []error{ErrClosed}},
		{StatusPanic, []error{ErrInternal}},
		{Status(777), nil}, // a status from a newer library matches no sentinel
	}
	for _, tt := range tests {
		t.Run(tt.status.String(), func(t *testing.T) {
			var err error = newError(tt.status, "message")
			for _, s := range all {
				want := false
				for _, w := range tt.is {
					want = want || w == s
				}
				if got := errors.Is(err, s); got != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, got, want)
				}
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != tt.status {
				t.Errorf("errors.As: %v", err)
			}
		})
	}
}

func TestErrorTextNamesStatusOnce(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{newError(StatusNotFound, "not found: key not found in table \"t\""), `treestore: not found: key not found in table "t"`},
		{newError(StatusInvalidUTF8, "argument `path` is not valid UTF-8 (byte 1)"), "treestore: invalid UTF-8: argument `path` is not valid UTF-8 (byte 1)"},
		{newError(StatusClosed, ""), "treestore: closed"},
		{newError(Status(777), "new"), "treestore: status 777: new"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestGoConstantsEqualTheHeader(t *testing.T) {
	for name, v := range headerConstants() {
		if v[0] != v[1] {
			t.Errorf("%s = %d in Go, %d in include/treestore.h", name, v[0], v[1])
		}
	}
}

func TestStatusNamesEqualTheLibrary(t *testing.T) {
	for s := range statusInfo {
		if got, want := s.String(), cStatusName(s); got != want {
			t.Errorf("Status(%d).String() = %q, treestore_status_str says %q", s, got, want)
		}
	}
}

func TestVersions(t *testing.T) {
	if ABIVersion() != headerABIVersion {
		t.Errorf("ABIVersion() = %d, header says %d", ABIVersion(), headerABIVersion)
	}
	if LibraryVersion() != "0.1.0" {
		t.Errorf("LibraryVersion() = %q", LibraryVersion())
	}
}
