package treestore

import (
	"errors"
	"testing"
)

func TestStoresInTransactions(t *testing.T) {
	db := sampleDB(t)
	// A write transaction sees its own writes; a rollback leaves nothing behind.
	boom := errors.New("boom")
	err := db.Update(func(tx *Tx) error {
		if _, err := tx.Documents().StoreDocument(smallDoc("p", "v1")); err != nil {
			return err
		}
		if _, err := tx.Metadata().SetMetadata("doc", "p", "k", 1); err != nil {
			return err
		}
		if _, err := tx.Prompts().CreateConversation(&Conversation{ID: "c1", UserID: "u"}); err != nil {
			return err
		}
		if n, err := tx.Documents().GetSubtree("p", "v1", "r", 0); err != nil || len(n) != 4 {
			t.Errorf("inside the transaction: %d nodes, %v", len(n), err)
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Update = %v", err)
	}
	if _, err := db.Documents().GetDocument("p", "v1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a rolled-back document is there: %v", err)
	}
	if _, err := db.Prompts().GetConversation("c1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a rolled-back conversation is there: %v", err)
	}

	// A commit makes every store's writes visible at once.
	err = db.Update(func(tx *Tx) error {
		if _, err := tx.Versions().CreateVersion(smallDoc("p", "v1")); err != nil {
			return err
		}
		if err := tx.Versions().TagVersion("p", "v1", "live"); err != nil {
			return err
		}
		_, err := tx.Metadata().StoreToolResult(&ToolResult{ToolName: "t", Success: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := db.Versions().GetVersionByTag("p", "live"); err != nil || v.VersionID != "v1" {
		t.Errorf("after commit: %v, %v", v, err)
	}

	// A read snapshot does not see later commits; writes in it are ErrReadOnly.
	tx, err := db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Documents().DeleteDocument("p", ""); err != nil {
		t.Fatal(err)
	}
	if n, err := tx.Documents().GetChildren("p", "v1", ""); err != nil || len(n) != 2 {
		t.Errorf("the snapshot lost the document: %d, %v", len(n), err)
	}
	if _, err := tx.Query().GetEnrichedDocument("p", "v1", "a", 0); err != nil {
		t.Errorf("GetEnrichedDocument in a snapshot: %v", err)
	}
	if _, err := tx.Documents().StoreDocument(smallDoc("p", "v2")); !errors.Is(err, ErrReadOnly) {
		t.Errorf("a write in a read transaction: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Documents().GetNode("p", "v1", "a"); !errors.Is(err, ErrClosed) {
		t.Errorf("a call on an ended transaction: %v", err)
	}
	err = db.View(func(tx *Tx) error {
		_, err := tx.Metadata().SetMetadata("doc", "x", "k", 1)
		return err
	})
	if !errors.Is(err, ErrReadOnly) {
		t.Errorf("a write in View: %v", err)
	}
}

func TestStoresOnClosedDB(t *testing.T) {
	db, err := Open(tempPath(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	errOf := func(_ any, err error) error { return err }
	runCalls(t, []call{
		{"Documents", func() error { return errOf(db.Documents().GetNode("p", "", "n")) }, ErrClosed},
		{"Versions", func() error { return errOf(db.Versions().GetLatestVersion("p")) }, ErrClosed},
		{"Metadata", func() error { return errOf(db.Metadata().GetAllMetadata("a", "b")) }, ErrClosed},
		{"Prompts", func() error { return errOf(db.Prompts().ListPrompts(Page{})) }, ErrClosed},
		{"Query", func() error { return errOf(db.Query().BatchGetNodes("p", "", []string{"a"})) }, ErrClosed},
		{"Metrics", func() error { return errOf(db.Metrics()) }, ErrClosed},
		{"Backup", func() error { return errOf(db.Backup(tempPath(t))) }, ErrClosed},
		{"LibraryHealth", func() error { return errOf(db.LibraryHealth()) }, ErrClosed},
	})
}
