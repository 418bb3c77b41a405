package treestore

import (
	"strings"
	"testing"
)

func TestQueryEngine(t *testing.T) {
	db := sampleDB(t)
	q := db.Query()
	if _, err := db.Metadata().SetMetadata("node", samplePolicy+"/0008", "reviewed", true); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Metadata().StoreCrossReference(&CrossReference{SourcePolicyID: samplePolicy, SourceNodeID: "0008",
		TargetPolicyID: samplePolicy, TargetNodeID: "0012", ReferenceType: "see_also"}); err != nil {
		t.Fatal(err)
	}
	e, err := q.GetEnrichedDocument(samplePolicy, "v1", "0008", 0)
	if err != nil {
		t.Fatal(err)
	}
	if e.Node.NodeID != "0008" || e.Node.Text == "" || e.Version.VersionID != "v1" || len(e.Metadata) != 1 ||
		e.Metadata[0].Key != "reviewed" || len(e.CrossReferences) != 1 || e.CrossReferences[0].TargetNodeID != "0012" {
		t.Errorf("enriched %+v", e)
	}
	rel, err := q.FindRelated(samplePolicy, "v1", "0008", []string{"urgent"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, r := range rel {
		reasons = append(reasons, r.Node.NodeID+":"+r.Reason)
		if r.Reason == "keyword" && r.Score <= 0 {
			t.Errorf("a keyword hit without a score: %+v", r)
		}
		if r.Reason == "sibling" && r.HitNodeID == "" {
			t.Errorf("a sibling without its hit: %+v", r)
		}
	}
	got := strings.Join(reasons, " ")
	if !strings.HasPrefix(got, "0012:cross_reference") || !strings.Contains(got, ":keyword") {
		t.Errorf("FindRelated = %s", got)
	}
	hits, err := q.GlobalSearch("urgent", &QueryOptions{Scopes: []SearchScope{{PolicyID: samplePolicy, VersionID: "v3"}},
		Weights: &FieldWeights{Title: 5}, Limit: 5, SnippetChars: 40})
	if err != nil || len(hits) == 0 {
		t.Fatalf("GlobalSearch: %v, %v", hits, err)
	}
	for _, h := range hits {
		if h.VersionID != "v3" || h.Node.NodeID != h.NodeID || h.Snippet == "" {
			t.Errorf("GlobalSearch hit %+v", h)
		}
	}
	if all, err := q.GlobalSearch("urgent", nil); err != nil || len(all) <= len(hits) {
		t.Errorf("GlobalSearch everywhere: %d hits, %v", len(all), err)
	}
	errOf := func(_ any, err error) error { return err }
	runCalls(t, []call{
		{"GetEnrichedDocument missing", func() error { return errOf(q.GetEnrichedDocument(samplePolicy, "v1", "9999", 0)) }, ErrNotFound},
		{"GetEnrichedDocument negative", func() error { return errOf(q.GetEnrichedDocument(samplePolicy, "v1", "0008", -1)) }, ErrInvalidArgument},
		{"BatchGetNodes missing version", func() error { return errOf(q.BatchGetNodes(samplePolicy, "v9", []string{"0001"})) }, ErrNotFound},
		{"BatchGetNodes none", func() error { return errOf(q.BatchGetNodes(samplePolicy, "v1", nil)) }, nil},
		{"GlobalSearch malformed", func() error { return errOf(q.GlobalSearch("(", nil)) }, ErrInvalidArgument},
		{"GlobalSearch negative", func() error { return errOf(q.GlobalSearch("x", &QueryOptions{Limit: -1})) }, ErrInvalidArgument},
		{"FindRelated missing", func() error { return errOf(q.FindRelated(samplePolicy, "v1", "9999", nil, 10)) }, ErrNotFound},
		{"FindRelated limit too large", func() error { return errOf(q.FindRelated(samplePolicy, "v1", "0008", nil, 100000)) }, ErrInvalidArgument},
	})
}
