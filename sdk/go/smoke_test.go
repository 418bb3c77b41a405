package treestore

import (
	"fmt"
	"testing"
)

func TestSmoke(t *testing.T) {
	db := sampleDB(t)
	d := db.Documents()
	doc, err := d.GetDocument(samplePolicy, "v1")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%+v\n", doc.Version)
	for _, n := range doc.Nodes[:3] {
		fmt.Printf("%s parent=%v %q pages %d-%d depth %d children %v path %q text %d\n", n.NodeID, n.ParentID, n.Title, n.PageStart, n.PageEnd, n.Depth, n.ChildIDs, n.SectionPath, len(n.Text))
	}
	hits, err := d.Search("lumbar MRI", &QueryOptions{PolicyID: samplePolicy, SnippetChars: 80})
	fmt.Println(len(hits), err)
	for _, h := range hits {
		fmt.Printf("%+v\n", []any{h.NodeID, h.VersionID, h.Score, h.MatchedTerms, h.Snippet, h.Node.Title})
	}
}
