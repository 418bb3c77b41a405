package treestore

import (
	"fmt"
	"sync"
	"testing"
)

// Many goroutines share one DB through the stores: writers store documents and tool results and
// delete them again, readers walk trees, search, look up versions and read metrics, and snapshot
// readers check that a document is there whole or not at all. Run under -race (make test-go).
func TestConcurrentStores(t *testing.T) {
	db := sampleDB(t)
	const writers, readers, rounds = 4, 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, (writers+readers)*rounds)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				if err := writerRound(db, w, i); err != nil {
					errs <- fmt.Errorf("writer %d round %d: %w", w, i, err)
					return
				}
			}
		}(w)
	}
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				if err := readerRound(db, r, i); err != nil {
					errs <- fmt.Errorf("reader %d round %d: %w", r, i, err)
					return
				}
			}
		}(r)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ok, findings, err := db.CheckIntegrity(); !ok || err != nil {
		t.Errorf("CheckIntegrity: %q, %v", findings, err)
	}
}

func writerRound(db *DB, w, i int) error {
	policy := fmt.Sprintf("w%d", w)
	version := fmt.Sprintf("v%d", i)
	if _, err := db.Documents().StoreDocument(smallDoc(policy, version)); err != nil {
		return err
	}
	if _, err := db.Metadata().StoreToolResult(&ToolResult{ToolName: "navigate", PolicyID: policy, Success: true}); err != nil {
		return err
	}
	if i%3 == 2 {
		if _, err := db.Documents().DeleteDocument(policy, ""); err != nil {
			return err
		}
	}
	return nil
}

func readerRound(db *DB, r, i int) error {
	d := db.Documents()
	sub, err := d.GetSubtree(samplePolicy, "v1", "root", 0)
	if err != nil {
		return err
	}
	if len(sub) != 17 {
		return fmt.Errorf("the sample tree has %d nodes", len(sub))
	}
	if hits, err := d.Search("lumbar", &QueryOptions{PolicyID: samplePolicy}); err != nil || len(hits) != 3 {
		return fmt.Errorf("search: %d hits, %v", len(hits), err)
	}
	if v, err := db.Versions().GetVersionAsOf(samplePolicy, date(2024)); err != nil || v.VersionID != "v2" {
		return fmt.Errorf("as-of: %v, %v", v, err)
	}
	if i%5 == 0 {
		if _, err := db.Metrics(); err != nil {
			return err
		}
	}
	// In a snapshot a writer's document is whole (4 nodes) or absent.
	return db.View(func(tx *Tx) error {
		policy := fmt.Sprintf("w%d", r%4)
		vs, err := tx.Versions().GetVersionHistory(policy)
		if err != nil {
			return err
		}
		for _, v := range vs.Versions {
			doc, err := tx.Documents().GetDocument(policy, v.VersionID)
			if err != nil {
				return err
			}
			if len(doc.Nodes) != 4 {
				return fmt.Errorf("%s/%s has %d nodes in a snapshot", policy, v.VersionID, len(doc.Nodes))
			}
		}
		return nil
	})
}
