package treestore_test

import (
	"path/filepath"
	"testing"

	treestore "github.com/treestore/treestore/sdk/go"
	"github.com/treestore/treestore/sdk/go/document"
	"github.com/treestore/treestore/sdk/go/metadata"
	"github.com/treestore/treestore/sdk/go/prompt"
	"github.com/treestore/treestore/sdk/go/query"
	"github.com/treestore/treestore/sdk/go/version"
)

// Code written against the old packages' names compiles and runs on the SDK: the sub-packages'
// types are the SDK's own.
func TestOldPackageNames(t *testing.T) {
	db, err := treestore.Open(filepath.Join(t.TempDir(), "t.tsdb"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	root := "r"
	var docs document.Store = db.Documents()
	var v *version.Version
	v, err = docs.StoreDocument(&document.Document{
		Version: version.Version{PolicyID: "p", VersionID: "v1"},
		Nodes:   []document.Node{{NodeID: "r", Title: "Root"}, {NodeID: "a", ParentID: &root, Title: "A"}},
	})
	if err != nil || v.RootNodeID != "r" {
		t.Fatalf("StoreDocument = %+v, %v", v, err)
	}
	var h *version.VersionHistory
	var vs version.Store = db.Versions()
	if h, err = vs.GetVersionHistory("p"); err != nil || len(h.Versions) != 1 {
		t.Errorf("GetVersionHistory = %+v, %v", h, err)
	}
	var md metadata.Store = db.Metadata()
	var e *metadata.MetadataEntry
	if e, err = md.SetMetadata("node", "p/a", "k", "v"); err != nil || e.Value != "v" {
		t.Errorf("SetMetadata = %+v, %v", e, err)
	}
	var ps prompt.Store = db.Prompts()
	var c *prompt.Conversation
	if c, err = ps.CreateConversation(&prompt.Conversation{UserID: "u"}); err != nil || c.ID == "" {
		t.Errorf("CreateConversation = %+v, %v", c, err)
	}
	var q query.Engine = db.Query()
	var en *query.EnrichedDocument
	if en, err = q.GetEnrichedDocument("p", "", "a", 0); err != nil || len(en.Metadata) != 1 {
		t.Errorf("GetEnrichedDocument = %+v, %v", en, err)
	}
}
