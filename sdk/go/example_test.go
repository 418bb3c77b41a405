package treestore_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	treestore "github.com/treestore/treestore/sdk/go"
)

// exampleDir is a fresh directory for an example's database; remove it when done.
func exampleDir() string {
	dir, err := os.MkdirTemp("", "treestore-example-")
	if err != nil {
		log.Fatal(err)
	}
	return dir
}

// Open a database, write a key and read it back.
func Example() {
	dir := exampleDir()
	defer os.RemoveAll(dir)

	db, err := treestore.Open(filepath.Join(dir, "policies.tsdb"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	if err := db.KVPut("sections", []byte("policy-001/2.1"), []byte("When prior authorization is required")); err != nil {
		log.Fatal(err)
	}
	v, err := db.KVGet("sections", []byte("policy-001/2.1"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(v))

	_, err = db.KVGet("sections", []byte("policy-001/9.9"))
	fmt.Println(errors.Is(err, treestore.ErrNotFound))
	// Output:
	// When prior authorization is required
	// true
}

// Update commits every write of the function at once, or none of them.
func ExampleDB_Update() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	db, err := treestore.Open(filepath.Join(dir, "accounts.tsdb"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	err = db.Update(func(tx *treestore.Tx) error {
		if err := tx.KVPut("accounts", []byte("alice"), []byte("90")); err != nil {
			return err
		}
		return tx.KVPut("accounts", []byte("bob"), []byte("110"))
	})
	if err != nil {
		log.Fatal(err)
	}

	// An error rolls the whole transaction back.
	err = db.Update(func(tx *treestore.Tx) error {
		if err := tx.KVPut("accounts", []byte("alice"), []byte("0")); err != nil {
			return err
		}
		return errors.New("insufficient funds")
	})
	fmt.Println(err)

	kvs, err := db.KVScan("accounts", treestore.KVRange{})
	if err != nil {
		log.Fatal(err)
	}
	for _, kv := range kvs {
		fmt.Printf("%s=%s\n", kv.Key, kv.Value)
	}
	// Output:
	// insufficient funds
	// alice=90
	// bob=110
}

// View reads from a snapshot that commits made meanwhile do not change.
func ExampleDB_View() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	db, err := treestore.Open(filepath.Join(dir, "views.tsdb"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if err := db.KVPut("t", []byte("k"), []byte("before")); err != nil {
		log.Fatal(err)
	}

	err = db.View(func(tx *treestore.Tx) error {
		if err := db.KVPut("t", []byte("k"), []byte("after")); err != nil {
			return err
		}
		v, err := tx.KVGet("t", []byte("k"))
		if err != nil {
			return err
		}
		fmt.Println("in the snapshot:", string(v))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	v, _ := db.KVGet("t", []byte("k"))
	fmt.Println("after it:", string(v))
	// Output:
	// in the snapshot: before
	// after it: after
}

// KVScan reads a range of keys in order, here the last two before "c".
func ExampleDB_KVScan() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	db, err := treestore.Open(filepath.Join(dir, "scan.tsdb"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	for _, k := range []string{"a", "b", "c", "d"} {
		if err := db.KVPut("letters", []byte(k), []byte("letter "+k)); err != nil {
			log.Fatal(err)
		}
	}
	kvs, err := db.KVScan("letters", treestore.KVRange{End: []byte("c"), Limit: 2, Reverse: true})
	if err != nil {
		log.Fatal(err)
	}
	for _, kv := range kvs {
		fmt.Println(string(kv.Key), string(kv.Value))
	}
	// Output:
	// b letter b
	// a letter a
}

// A second read-write Open of an open file fails with ErrLocked; the *Error carries the status
// and the library's message.
func ExampleError() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "locked.tsdb")
	db, err := treestore.Open(path, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	_, err = treestore.Open(path, nil)
	var e *treestore.Error
	fmt.Println(errors.Is(err, treestore.ErrLocked), errors.As(err, &e), e.Status)
	// Output:
	// true true database locked
}

// Stats and Health for monitoring.
func ExampleDB_Health() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	db, err := treestore.Open(filepath.Join(dir, "health.tsdb"), &treestore.Options{PageSize: 8192})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	h, err := db.Health()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.OK(), h.Stats.PageSize, h.Stats.LiveReaders)
	// Output:
	// true 8192 0
}
