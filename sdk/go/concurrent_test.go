package treestore

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Many goroutines share one DB: single writes, reads and scans, Update and View, statistics and
// checkpoints. Update writes a pair of keys to the same value, so a View that sees them differ
// saw a torn commit. Run under -race.
func TestConcurrentUse(t *testing.T) {
	db := openTemp(t, &Options{Durability: DurabilityRelaxed})
	const workers, rounds = 16, 60
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				if err := concurrentRound(db, w, i); err != nil {
					errs <- fmt.Errorf("worker %d round %d: %w", w, i, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	kvs, err := db.KVScan("own", KVRange{})
	if err != nil || len(kvs) != workers*rounds {
		t.Errorf("%d keys of %d, %v", len(kvs), workers*rounds, err)
	}
	if ok, findings, err := db.CheckIntegrity(); !ok || err != nil {
		t.Errorf("CheckIntegrity: %q, %v", findings, err)
	}
}

func concurrentRound(db *DB, w, i int) error {
	key := []byte(fmt.Sprintf("w%02d-%04d", w, i))
	value := []byte(fmt.Sprint(w * i))
	if err := db.KVPut("own", key, value); err != nil {
		return err
	}
	got, err := db.KVGet("own", key)
	if err != nil {
		return err
	}
	if string(got) != string(value) {
		return fmt.Errorf("KVGet(%s) = %q, want %q", key, got, value)
	}
	switch i % 4 {
	case 0:
		return db.Update(func(tx *Tx) error {
			v := []byte(fmt.Sprint(w, i))
			if err := tx.KVPut("pair", []byte("a"), v); err != nil {
				return err
			}
			return tx.KVPut("pair", []byte("b"), v)
		})
	case 1:
		return db.View(func(tx *Tx) error {
			a, errA := tx.KVGet("pair", []byte("a"))
			b, errB := tx.KVGet("pair", []byte("b"))
			for _, err := range []error{errA, errB} {
				if err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
			}
			if (errA == nil) != (errB == nil) || string(a) != string(b) {
				return fmt.Errorf("torn pair: %q %v, %q %v", a, errA, b, errB)
			}
			return nil
		})
	case 2:
		_, err := db.KVScan("own", KVRange{Start: []byte(fmt.Sprintf("w%02d", w)), Limit: 10})
		if err != nil {
			return err
		}
		_, err = db.Stats()
		return err
	default:
		if w == 0 {
			return db.Checkpoint()
		}
		_, err := db.Health()
		return err
	}
}

// Close while goroutines are busy: each call either succeeds or returns ErrClosed (never another
// error, never a crash), Close returns, and the file opens again.
func TestCloseWhileInUse(t *testing.T) {
	path := tempPath(t)
	db, err := Open(path, &Options{Durability: DurabilityRelaxed})
	if err != nil {
		t.Fatal(err)
	}
	const workers = 12
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				err := concurrentRound(db, w, i)
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d: %w", w, err)
					return
				}
			}
		}(w)
	}
	// A writer holding the write transaction across Close: Close must end it rather than wait.
	held := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := db.Update(func(tx *Tx) error {
			close(held)
			for {
				if err := tx.KVPut("held", []byte("k"), []byte("v")); err != nil {
					return err
				}
				time.Sleep(time.Millisecond)
			}
		})
		if !errors.Is(err, ErrClosed) {
			errs <- fmt.Errorf("the held Update: %v", err)
		}
	}()
	<-held
	time.Sleep(20 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return")
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	again, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if _, err := again.KVGet("held", []byte("k")); !errors.Is(err, ErrNotFound) {
		t.Errorf("the held Update's write survived Close: %v", err)
	}
	if ok, findings, err := again.CheckIntegrity(); !ok || err != nil {
		t.Errorf("CheckIntegrity: %q, %v", findings, err)
	}
}

// Concurrent Close calls all return once the database is closed; one of them reports the result.
func TestConcurrentCloseCalls(t *testing.T) {
	path := tempPath(t)
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := db.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			// Every Close returns only once the file is released.
			again, err := Open(path, &Options{ReadOnly: true})
			if err != nil {
				t.Errorf("Open after Close: %v", err)
				return
			}
			again.Close()
		}()
	}
	wg.Wait()
}
