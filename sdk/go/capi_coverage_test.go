package treestore

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Every export of include/treestore.h is called by the capi*.go files, except the few a Go
// program has no use for (each with the reason).
func TestEveryExportIsWrapped(t *testing.T) {
	notWrapped := map[string]string{
		"treestore_db_free":      "Close calls treestore_db_close, which frees the handle too",
		"treestore_error_status": "the status comes back as the return value of the call",
	}
	header, err := os.ReadFile("../../include/treestore.h")
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	files, _ := os.ReadDir(".")
	for _, f := range files {
		if strings.HasPrefix(f.Name(), "capi") && strings.HasSuffix(f.Name(), ".go") && !strings.HasSuffix(f.Name(), "_test.go") {
			b, err := os.ReadFile(f.Name())
			if err != nil {
				t.Fatal(err)
			}
			src.Write(b)
		}
	}
	exports := regexp.MustCompile(`(?m)^\S.*\b(treestore_[a-z_0-9]+)\(`).FindAllStringSubmatch(string(header), -1)
	if len(exports) < 90 {
		t.Fatalf("found only %d exports in the header", len(exports))
	}
	for _, m := range exports {
		name := m[1]
		if _, ok := notWrapped[name]; ok {
			continue
		}
		if !regexp.MustCompile(`\b` + name + `\(`).MatchString(src.String()) {
			t.Errorf("%s is not called by the Go SDK", name)
		}
	}
}
