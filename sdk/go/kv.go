package treestore

// Raw tables: the engine's ordered key/value tables, named by UTF-8 strings, with byte keys and
// values. The DB methods run in a transaction of their own (a write commits at once); the Tx
// methods in tx. Returned slices are the caller's: they are copied out of the library's memory,
// and the keys and values of one call share one allocation.

// KV is a key and its value.
type KV struct {
	Key   []byte
	Value []byte
}

// KVRange selects the keys of a scan: Start <= key < End in byte order. A nil Start or End is
// unbounded. Limit caps the number of records (0: no cap); Reverse returns them descending.
type KVRange struct {
	Start   []byte
	End     []byte
	Limit   int
	Reverse bool
}

func (r KVRange) check() error {
	if r.Limit < 0 {
		return newError(StatusInvalidArgument, "KVRange.Limit is negative")
	}
	return nil
}

// KVGet returns the value of key in table, or an error matching ErrNotFound.
func (db *DB) KVGet(table string, key []byte) ([]byte, error) {
	h, err := db.acquire()
	if err != nil {
		return nil, err
	}
	defer db.mu.RUnlock()
	return capiKVGet(h, nil, table, key)
}

// KVPut sets key in table to value, creating the table if needed, and commits.
func (db *DB) KVPut(table string, key, value []byte) error {
	h, err := db.acquire()
	if err != nil {
		return err
	}
	defer db.mu.RUnlock()
	return capiKVPut(h, nil, table, key, value)
}

// KVDelete removes key from table and commits; removed reports whether it was there.
func (db *DB) KVDelete(table string, key []byte) (removed bool, err error) {
	h, err := db.acquire()
	if err != nil {
		return false, err
	}
	defer db.mu.RUnlock()
	return capiKVDelete(h, nil, table, key)
}

// KVScan returns the records of table in r, in key order (or reversed).
func (db *DB) KVScan(table string, r KVRange) ([]KV, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	h, err := db.acquire()
	if err != nil {
		return nil, err
	}
	defer db.mu.RUnlock()
	return capiKVScan(h, nil, table, r)
}

// KVGet returns the value of key in table as tx sees it, or an error matching ErrNotFound.
func (tx *Tx) KVGet(table string, key []byte) ([]byte, error) {
	h, txn, err := tx.acquire()
	if err != nil {
		return nil, err
	}
	defer tx.s.mu.Unlock()
	return capiKVGet(h, txn, table, key)
}

// KVPut sets key in table to value in tx; ErrReadOnly in a read transaction.
func (tx *Tx) KVPut(table string, key, value []byte) error {
	h, txn, err := tx.acquire()
	if err != nil {
		return err
	}
	defer tx.s.mu.Unlock()
	return capiKVPut(h, txn, table, key, value)
}

// KVDelete removes key from table in tx; removed reports whether it was there.
func (tx *Tx) KVDelete(table string, key []byte) (removed bool, err error) {
	h, txn, err := tx.acquire()
	if err != nil {
		return false, err
	}
	defer tx.s.mu.Unlock()
	return capiKVDelete(h, txn, table, key)
}

// KVScan returns the records of table in r as tx sees them.
func (tx *Tx) KVScan(table string, r KVRange) ([]KV, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	h, txn, err := tx.acquire()
	if err != nil {
		return nil, err
	}
	defer tx.s.mu.Unlock()
	return capiKVScan(h, txn, table, r)
}
