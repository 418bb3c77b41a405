package treestore

import "fmt"

// scope is where a store method runs: on the DB, each call in a transaction of its own (a write
// commits before it returns), or in a Tx. The stores (Documents, Versions, Metadata, Prompts,
// Query) are written once against it and reached from both: db.Documents() and tx.Documents().
type scope interface {
	// with runs fn with the C handles (txn nil on the DB), holding the lock that keeps them valid.
	with(fn func(h dbHandle, txn txnHandle) error) error
}

func (db *DB) with(fn func(h dbHandle, txn txnHandle) error) error {
	h, err := db.acquire()
	if err != nil {
		return err
	}
	defer db.mu.RUnlock()
	return fn(h, nil)
}

func (tx *Tx) with(fn func(h dbHandle, txn txnHandle) error) error {
	h, txn, err := tx.acquire()
	if err != nil {
		return err
	}
	defer tx.s.mu.Unlock()
	return fn(h, txn)
}

// fetch runs an export that writes a result; the result is Go memory, decoded after the lock is
// released.
func fetch(s scope, call func(h dbHandle, txn txnHandle) (*result, error)) (*result, error) {
	var res *result
	err := s.with(func(h dbHandle, txn txnHandle) error {
		var err error
		res, err = call(h, txn)
		return err
	})
	return res, err
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
	var n uint64
	err := s.with(func(h dbHandle, txn txnHandle) error {
		var err error
		n, err = call(h, txn)
		return err
	})
	return int(n), err
}

// flag runs an export that reports whether it did something (removed, found).
func flag(s scope, call func(h dbHandle, txn txnHandle) (bool, error)) (bool, error) {
	var b bool
	err := s.with(func(h dbHandle, txn txnHandle) error {
		var err error
		b, err = call(h, txn)
		return err
	})
	return b, err
}

// exec runs an export with no output.
func exec(s scope, call func(h dbHandle, txn txnHandle) error) error { return s.with(call) }

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
