package treestore

import (
	"runtime"
	"sync"
)

// Tx is a read snapshot or the write transaction. Use a Tx from one goroutine at a time, as with
// database/sql and bbolt. The C transaction is not tied to an OS thread, so the goroutine may move
// between threads from call to call: no runtime.LockOSThread is needed.
//
// A read transaction sees the database as it was when it began, whatever commits since; it never
// blocks the writer. There is one write transaction at a time: Begin(true) (and every write
// outside a transaction) waits while another is open. Inside Update use the Tx's methods, not the
// DB's: a DB write there waits for the Update's own transaction, forever.
type Tx struct {
	db       *DB
	s        *txState
	writable bool
	managed  bool // begun by Update or View, which end it
}

// txState is the C transaction; DB.Close ends the ones still open. It is apart from Tx so the
// DB's list of open transactions does not keep a forgotten Tx from its finalizer.
type txState struct {
	db dbHandle // valid while txn is: Close frees the DB only after ending every txState
	// mu serialises calls on txn with Close and the finalizer; the Tx is one goroutine's.
	mu         sync.Mutex
	txn        txnHandle // nil once ended
	closedByDB bool      // ended by DB.Close rather than by its owner
}

// endByClose rolls back and frees the C transaction unless it has ended: for DB.Close, and for
// the finalizer, after which no one can call again.
func (s *txState) endByClose() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.txn != nil {
		capiFreeTxn(s.txn)
		s.txn = nil
		s.closedByDB = true
	}
}

// ended is the error of a call after the transaction ended.
func (s *txState) ended() error {
	if s.closedByDB {
		return newError(StatusClosed, "the database was closed, which rolled back this transaction")
	}
	return errTxEnded()
}

// Begin starts a read transaction or, when writable, the write transaction (waiting while another
// is open). End it with Commit or Rollback; Update and View do that for you.
func (db *DB) Begin(writable bool) (*Tx, error) {
	h, err := db.acquire()
	if err != nil {
		return nil, err
	}
	defer db.mu.RUnlock()
	txn, err := capiBegin(h, writable)
	if err != nil {
		return nil, err
	}
	s := &txState{db: h, txn: txn}
	db.txMu.Lock()
	if db.closing.Load() {
		db.txMu.Unlock()
		capiFreeTxn(txn)
		return nil, errDBClosed()
	}
	db.txs[s] = struct{}{}
	db.txMu.Unlock()
	tx := &Tx{db: db, s: s, writable: writable}
	runtime.SetFinalizer(tx, (*Tx).finalize)
	return tx, nil
}

// finalize rolls back a transaction nobody ended; a forgotten write transaction would otherwise
// stop every writer for good.
func (tx *Tx) finalize() {
	tx.s.endByClose()
	tx.forget()
}

func (tx *Tx) forget() {
	tx.db.txMu.Lock()
	delete(tx.db.txs, tx.s)
	tx.db.txMu.Unlock()
}

// Update runs fn in the write transaction and commits when fn returns nil. When fn returns an
// error or panics, the transaction rolls back, and the error is returned or the panic goes on.
func (db *DB) Update(fn func(tx *Tx) error) error {
	return db.managed(true, fn)
}

// View runs fn in a read transaction: a snapshot that no commit changes while fn runs. Writes
// through the Tx fail with ErrReadOnly.
func (db *DB) View(fn func(tx *Tx) error) error {
	return db.managed(false, fn)
}

func (db *DB) managed(writable bool, fn func(tx *Tx) error) error {
	tx, err := db.Begin(writable)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		// fn returned an error, panicked or called runtime.Goexit: roll back (a panic goes on).
		if !done {
			_ = tx.end(false)
		}
	}()
	tx.managed = true
	if err := fn(tx); err != nil {
		return err
	}
	done = true
	return tx.end(true)
}

// Writable reports whether tx is the write transaction.
func (tx *Tx) Writable() bool { return tx.writable }

// DB is the database tx belongs to.
func (tx *Tx) DB() *DB { return tx.db }

// Commit makes the writes of tx durable (per Options.Durability) and visible, and ends tx. A read
// transaction just ends. The transaction has ended even when Commit fails.
func (tx *Tx) Commit() error {
	if tx.managed {
		return ErrTxManaged
	}
	return tx.end(true)
}

// Rollback discards the writes of tx and ends it. A read transaction just ends.
func (tx *Tx) Rollback() error {
	if tx.managed {
		return ErrTxManaged
	}
	return tx.end(false)
}

func (tx *Tx) end(commit bool) error {
	tx.s.mu.Lock()
	txn := tx.s.txn
	tx.s.txn = nil
	var err error
	if txn == nil {
		err = tx.s.ended()
	} else {
		err = capiEnd(txn, commit)
	}
	tx.s.mu.Unlock()
	if txn != nil {
		runtime.SetFinalizer(tx, nil)
		tx.forget()
	}
	return err
}

// acquire returns the C handles with tx.s.mu held; the caller unlocks it.
func (tx *Tx) acquire() (dbHandle, txnHandle, error) {
	tx.s.mu.Lock()
	if tx.s.txn == nil {
		err := tx.s.ended()
		tx.s.mu.Unlock()
		return nil, nil, err
	}
	return tx.s.db, tx.s.txn, nil
}
