package treestore

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The sample policy of examples/data: three versions of a prior-authorization policy, 17 nodes
// in v1 with the root, effective from 2023, 2024 and 2025.
const samplePolicy = "advanced-imaging-pa"

func sampleFile(t testing.TB, version int) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "data",
		"advanced-imaging-pa_v"+string(rune('0'+version))+".json"))
	if err != nil {
		t.Fatalf("reading the sample policy: %v", err)
	}
	return b
}

func date(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }

// importSample imports the sample policy's three versions v1..v3 into db.
func importSample(t testing.TB, db *DB) {
	t.Helper()
	for v := 1; v <= 3; v++ {
		start := date(2022 + v)
		_, err := db.Documents().ImportPageIndex(sampleFile(t, v), samplePolicy, "v"+string(rune('0'+v)),
			&ImportOptions{EffectiveStart: &start, CreatedBy: "test", Description: "sample"})
		if err != nil {
			t.Fatalf("ImportPageIndex v%d: %v", v, err)
		}
	}
}

// sampleDB is a new database holding the sample policy.
func sampleDB(t testing.TB) *DB {
	t.Helper()
	db := openTemp(t, &Options{Durability: DurabilityRelaxed})
	importSample(t, db)
	return db
}
