package treestore

import "fmt"

// scope is where a store method runs: on the DB, each call in a transaction of its own (a write
// commits before it returns), or in a Tx. The stores (Documents, Versions, Metadata, Prompts,
// Query) are written once against it and reached from both: db.Documents() and tx.Documents().
//
// The helpers below call `call` directly between handles and release, so the closures the
// stores pass do not escape and cost no allocation.
type scope interface {
	// handles returns the C handles (txn nil on the DB) holding the lock that keeps them valid;
	// release drops it.
	handles() (dbHandle, txnHandle, error)
	release()
}

func (db *DB) handles() (dbHandle, txnHandle, error) {
	h, err := db.acquire()
	return h, nil, err
}

func (db *DB) release() { db.mu.RUnlock() }

func (tx *Tx) handles() (dbHandle, txnHandle, error) { return tx.acquire() }

func (tx *Tx) release() { tx.s.mu.Unlock() }

// with runs fn with the handles of s.
func with(s scope, fn func(h dbHandle, txn txnHandle) error) error {
	h, txn, err := s.handles()
	if err != nil {
		return err
	}
	defer s.release()
	return fn(h, txn)
}

// fetch runs an export that writes a result; the result is Go memory, decoded after the lock is
// released.
func fetch(s scope, call func(h dbHandle, txn txnHandle) (*result, error)) (*result, error) {
	h, txn, err := s.handles()
	if err != nil {
		return nil, err
	}
	defer s.release()
	return call(h, txn)
}

// one decodes the first record of the result of call.
func one[T any](s scope, call func(h dbHandle, txn txnHandle) (*result, error)) (*T, error) {
	res, err := fetch(s, call)
	if err != nil {
		return nil, err
	}
	v, err := decodeTop[T](res, 0)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// all decodes every top-level record of the result of call.
func all[T any](s scope, call func(h dbHandle, txn txnHandle) (*result, error)) ([]T, error) {
	res, err := fetch(s, call)
	if err != nil {
		return nil, err
	}
	return decodeAll[T](res)
}

// page decodes a page of records and the cursor of the next.
func page[T any](s scope, call func(h dbHandle, txn txnHandle) (*result, error)) (List[T], error) {
	res, err := fetch(s, call)
	if err != nil {
		return List[T]{}, err
	}
	items, err := decodeAll[T](res)
	if err != nil {
		return List[T]{}, err
	}
	return List[T]{Items: items, NextCursor: res.next}, nil
}

// nodes returns the nodes of the result of call.
func nodes(s scope, call func(h dbHandle, txn txnHandle) (*result, error)) ([]Node, error) {
	res, err := fetch(s, call)
	if err != nil {
		return nil, err
	}
	return res.nodes, nil
}

// count runs an export that reports a number (deleted, stored).
func count(s scope, call func(h dbHandle, txn txnHandle) (uint64, error)) (int, error) {
	h, txn, err := s.handles()
	if err != nil {
		return 0, err
	}
	defer s.release()
	n, err := call(h, txn)
	return int(n), err
}

// flag runs an export that reports whether it did something (removed, found).
func flag(s scope, call func(h dbHandle, txn txnHandle) (bool, error)) (bool, error) {
	h, txn, err := s.handles()
	if err != nil {
		return false, err
	}
	defer s.release()
	return call(h, txn)
}

// exec runs an export with no output.
func exec(s scope, call func(h dbHandle, txn txnHandle) error) error { return with(s, call) }

// invalid is an error matching ErrInvalidArgument, raised on the Go side.
func invalid(format string, args ...any) error {
	return newError(StatusInvalidArgument, fmt.Sprintf(format, args...))
}

// checkCount rejects a negative limit, offset or similar count.
func checkCount(name string, n int) error {
	if n < 0 {
		return invalid("%s is negative (%d)", name, n)
	}
	return nil
}
