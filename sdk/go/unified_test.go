package treestore

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// unifiedDB holds one item of every kind that matches "knee": node p1/v1/a, tool results t1 (case
// c1, about p1) and t2, prompt knee_triage:1 and trajectory step tr:1 (case c1).
func unifiedDB(t *testing.T) *DB {
	t.Helper()
	db := openTemp(t, nil)
	r := "r"
	doc := &Document{Version: Version{PolicyID: "p1", VersionID: "v1"}, Nodes: []Node{
		{NodeID: "r", Title: "Prior authorization", Text: "Scope."},
		{NodeID: "a", ParentID: &r, Title: "Imaging", Text: "MRI of the knee needs review."},
	}}
	m := db.Metadata()
	steps := []error{
		errOnly(db.Documents().StoreDocument(doc)),
		errOnly(m.StoreToolResult(&ToolResult{ExecutionID: "t1", ToolName: "search_policy", PolicyID: "p1", CaseID: "c1",
			ResultData: rawJSON(`{"found": "knee imaging"}`), Success: true})),
		errOnly(m.StoreToolResult(&ToolResult{ExecutionID: "t2", ToolName: "search_policy", ErrorMessage: "knee section not found"})),
		errOnly(db.Prompts().CreatePromptTemplate(&PromptTemplate{Name: "knee_triage", Template: "Triage the knee case {{case}}"})),
		errOnly(m.StoreTrajectory(&Trajectory{TrajectoryID: "tr", CaseID: "c1",
			Steps: []TrajectoryStep{{Action: "open", Observation: "knee limits apply"}}})),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("setup step %d: %v", i, err)
		}
	}
	return db
}

func errOnly(_ any, err error) error { return err }

func hitIDs(hits []UnifiedHit) []string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return ids
}

func sortedIDs(hits []UnifiedHit) []string {
	ids := hitIDs(hits)
	sort.Strings(ids)
	return ids
}

func TestUnifiedSearchEveryKind(t *testing.T) {
	db := unifiedDB(t)
	l, err := db.Query().UnifiedSearch("knee", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := sortedIDs(l.Items); !reflect.DeepEqual(got, []string{"knee_triage:1", "p1/v1/a", "t1", "t2", "tr:1"}) || l.NextCursor != "" {
		t.Fatalf("hits %v, cursor %q", got, l.NextCursor)
	}
	byID := map[string]UnifiedHit{}
	last := 1.0
	for _, h := range l.Items {
		byID[h.ID] = h
		if h.Score > last || h.Score < 0 || h.Score >= 1 || h.BM25 <= 0 {
			t.Errorf("hit %s: score %v after %v, bm25 %v", h.ID, h.Score, last, h.BM25)
		}
		last = h.Score
	}
	want := map[string]UnifiedHit{
		"p1/v1/a":       {Kind: "node", PolicyID: "p1", VersionID: "v1", NodeID: "a", Snippet: "MRI of the <b>knee</b> needs review."},
		"t2":            {Kind: "tool_result", ExecutionID: "t2", Snippet: "<b>knee</b> section not found"},
		"t1":            {Kind: "tool_result", ExecutionID: "t1"},
		"knee_triage:1": {Kind: "prompt", PromptName: "knee_triage", PromptVersion: 1},
		"tr:1":          {Kind: "trajectory_step", TrajectoryID: "tr", StepNumber: 1},
	}
	for id, w := range want {
		h := byID[id]
		if w.Snippet == "" {
			w.Snippet = h.Snippet
		}
		w.ID, w.Score, w.BM25, w.MatchedTerms = id, h.Score, h.BM25, h.MatchedTerms
		if !reflect.DeepEqual(h, w) {
			t.Errorf("hit %s = %+v, want %+v", id, h, w)
		}
		if len(h.MatchedTerms) != 1 || h.MatchedTerms[0] != "knee" {
			t.Errorf("hit %s matched %v", id, h.MatchedTerms)
		}
	}
}

func TestUnifiedSearchFilters(t *testing.T) {
	q := unifiedDB(t).Query()
	for _, tc := range []struct {
		name string
		opts UnifiedSearchOptions
		want []string
	}{
		{"case", UnifiedSearchOptions{CaseID: "c1"}, []string{"t1", "tr:1"}},
		{"kinds and policy", UnifiedSearchOptions{Kinds: []string{"prompt", "node"}, PolicyID: "p1"}, []string{"p1/v1/a"}},
		{"prompts", UnifiedSearchOptions{Kinds: []string{"prompt"}}, []string{"knee_triage:1"}},
		{"tool results", UnifiedSearchOptions{Kinds: []string{"tool_result"}}, []string{"t1", "t2"}},
		{"version", UnifiedSearchOptions{Kinds: []string{"node"}, PolicyID: "p1", VersionID: "v1"}, []string{"p1/v1/a"}},
		{"other version", UnifiedSearchOptions{Kinds: []string{"node"}, PolicyID: "p1", VersionID: "v9"}, []string{}},
		{"limit", UnifiedSearchOptions{Limit: 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := q.UnifiedSearch("knee", &tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == nil {
				if len(l.Items) != 1 || l.NextCursor == "" {
					t.Errorf("limit 1: %v, cursor %q", hitIDs(l.Items), l.NextCursor)
				}
				return
			}
			if got := sortedIDs(l.Items); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("hits %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUnifiedSearchPagesUntilExhausted(t *testing.T) {
	q := unifiedDB(t).Query()
	whole, err := q.UnifiedSearch("knee", nil)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	opts := UnifiedSearchOptions{Limit: 2}
	pages := 0
	for {
		l, err := q.UnifiedSearch("knee", &opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		seen = append(seen, hitIDs(l.Items)...)
		if l.NextCursor == "" {
			break
		}
		if pages > 10 {
			t.Fatal("the cursor never ran out")
		}
		opts.Cursor = l.NextCursor
	}
	if !reflect.DeepEqual(seen, hitIDs(whole.Items)) || pages != 3 {
		t.Errorf("pages %d: %v, whole %v", pages, seen, hitIDs(whole.Items))
	}
}

func TestUnifiedSearchInATransaction(t *testing.T) {
	db := unifiedDB(t)
	rollback := errors.New("roll back")
	err := db.Update(func(tx *Tx) error {
		if _, err := tx.Metadata().StoreToolResult(&ToolResult{ExecutionID: "t9", ToolName: "lookup",
			ResultData: rawJSON(`{"note": "meniscus"}`)}); err != nil {
			return err
		}
		l, err := tx.Query().UnifiedSearch("meniscus", nil)
		if err != nil || !reflect.DeepEqual(hitIDs(l.Items), []string{"t9"}) {
			t.Errorf("inside the transaction: %v, %v", hitIDs(l.Items), err)
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatalf("Update = %v", err)
	}
	if l, err := db.Query().UnifiedSearch("meniscus", nil); err != nil || len(l.Items) != 0 {
		t.Errorf("after the rollback: %v, %v", hitIDs(l.Items), err)
	}
	if removed, err := db.Metadata().DeleteToolResult("t2"); err != nil || !removed {
		t.Fatalf("DeleteToolResult: %v, %v", removed, err)
	}
	if l, err := db.Query().UnifiedSearch("knee", nil); err != nil || len(l.Items) != 4 {
		t.Errorf("after the delete: %v, %v", hitIDs(l.Items), err)
	}
}

func TestUnifiedSearchErrors(t *testing.T) {
	db := unifiedDB(t)
	q := db.Query()
	for _, tc := range []struct {
		name, query string
		opts        *UnifiedSearchOptions
		want        error
		mentions    string
	}{
		{"malformed query", "knee AND", nil, ErrInvalidArgument, "character 5"},
		{"unknown kind", "knee", &UnifiedSearchOptions{Kinds: []string{"nodes"}}, ErrInvalidArgument, "kinds"},
		{"limit too large", "knee", &UnifiedSearchOptions{Limit: 5000}, ErrInvalidArgument, "limit"},
		{"negative limit", "knee", &UnifiedSearchOptions{Limit: -1}, ErrInvalidArgument, "Limit"},
		{"negative snippet", "knee", &UnifiedSearchOptions{SnippetChars: -1}, ErrInvalidArgument, "SnippetChars"},
		{"bad cursor", "knee", &UnifiedSearchOptions{Cursor: "zz"}, ErrInvalidArgument, "cursor"},
		{"version without policy", "knee", &UnifiedSearchOptions{VersionID: "v1"}, ErrInvalidArgument, "version_id"},
		{"invalid UTF-8", badUTF8, nil, ErrInvalidArgument, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := q.UnifiedSearch(tc.query, tc.opts)
			wantErr(t, tc.name, err, tc.want)
			if err != nil && !strings.Contains(err.Error(), tc.mentions) {
				t.Errorf("%v does not mention %q", err, tc.mentions)
			}
		})
	}
	db.Close()
	_, err := q.UnifiedSearch("knee", nil)
	wantErr(t, "closed", err, ErrClosed)
}

func TestEnrichedDocumentCrossReferencesCursor(t *testing.T) {
	db := unifiedDB(t)
	m := db.Metadata()
	for _, src := range []string{"o0", "o1", "o2"} {
		if _, err := m.StoreCrossReference(&CrossReference{SourcePolicyID: src, TargetPolicyID: "p1", TargetNodeID: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	e, err := db.Query().GetEnrichedDocument("p1", "", "a", 2)
	if err != nil || len(e.CrossReferences) != 2 || e.CrossReferencesCursor == "" {
		t.Fatalf("first page: %+v, %v", e, err)
	}
	rest, err := m.ListCrossReferences(CrossReferenceQuery{PolicyID: "p1", NodeID: "a", Direction: "both", Limit: 2,
		Cursor: e.CrossReferencesCursor})
	if err != nil {
		t.Fatal(err)
	}
	var srcs []string
	for _, x := range append(e.CrossReferences, rest.Items...) {
		srcs = append(srcs, x.SourcePolicyID)
	}
	sort.Strings(srcs)
	if !reflect.DeepEqual(srcs, []string{"o0", "o1", "o2"}) || rest.NextCursor != "" {
		t.Errorf("sources %v, cursor %q", srcs, rest.NextCursor)
	}
	if all, err := db.Query().GetEnrichedDocument("p1", "", "a", 0); err != nil || all.CrossReferencesCursor != "" {
		t.Errorf("all of them: cursor %q, %v", all.CrossReferencesCursor, err)
	}
}
