package treestore

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realPageIndexDir holds real PageIndex outputs on the development machine, not in the
// repository: shared/data/pageindex beside the repository or one level above (as the Rust and C
// suites look for it), or TREESTORE_PAGEINDEX_DIR.
func realPageIndexDir() string {
	if d := os.Getenv("TREESTORE_PAGEINDEX_DIR"); d != "" {
		return d
	}
	for _, up := range []string{"../../..", "../../../.."} {
		d := filepath.Join(up, "shared", "data", "pageindex")
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	return "../../../shared/data/pageindex"
}

// Every real PageIndex file imports, reads back as a tree of the same size, and exports to the
// same JSON.
func TestRealPageIndexFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(realPageIndexDir(), "*.json"))
	if len(files) == 0 {
		t.Skipf("SKIP: no real PageIndex files in %s (set TREESTORE_PAGEINDEX_DIR to run this test)", realPageIndexDir())
	}
	db := openTemp(t, &Options{Durability: DurabilityRelaxed})
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			v, err := db.Documents().ImportPageIndex(in, name, "v1", nil)
			if err != nil {
				t.Fatal(err)
			}
			nodes, err := db.Documents().GetSubtree(name, "v1", v.RootNodeID, 0)
			if err != nil {
				t.Fatal(err)
			}
			var parsed struct {
				Structure json.RawMessage `json:"structure"`
			}
			if err := json.Unmarshal(in, &parsed); err != nil {
				t.Fatal(err)
			}
			if want := strings.Count(string(parsed.Structure), `"title"`) + 1; len(nodes) != want {
				t.Errorf("%d nodes read, %d in the file with the root", len(nodes), want)
			}
			out, err := db.Documents().ExportPageIndex(name, "v1", nil)
			if err != nil {
				t.Fatal(err)
			}
			var a, b any
			if json.Unmarshal(in, &a) != nil || json.Unmarshal(out, &b) != nil {
				t.Fatal("not JSON")
			}
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if !bytes.Equal(ja, jb) {
				t.Errorf("the export differs from the file")
			}
		})
	}
}
