package treestore

import (
	"bytes"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// call is one row of an error table: a call and the sentinel its error must match (nil: none).
type call struct {
	name string
	run  func() error
	want error
}

func runCalls(t *testing.T, calls []call) {
	t.Helper()
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) { wantErr(t, c.name, c.run(), c.want) })
	}
}

const badUTF8 = "\xff\xfe"

// smallDoc is a three-node document: root r with children a (pages 1-2) and b (page 3).
func smallDoc(policy, version string) *Document {
	r, a := "r", "a"
	return &Document{
		Version: Version{PolicyID: policy, VersionID: version, Tags: []string{"draft"},
			Metadata: map[string]string{"owner": "ops"}},
		Nodes: []Node{
			{NodeID: "r", Title: "Root"},
			{NodeID: "a", ParentID: &r, Title: "Alpha", PageStart: 1, PageEnd: 2, Summary: "first",
				Text: "alpha text about fees", SeeAlso: []string{"b"}, Metadata: map[string]string{"k": "v"}},
			{NodeID: "b", ParentID: &r, Title: "Beta", PageStart: 3, PageEnd: 3, Text: "beta text"},
			{NodeID: "c", ParentID: &a, Title: "Gamma", PageStart: 2, PageEnd: 2, Text: "gamma"},
		},
	}
}

func TestStoreAndReadDocument(t *testing.T) {
	db := openTemp(t, nil)
	d := db.Documents()
	v, err := d.StoreDocument(smallDoc("p", "v1"))
	if err != nil {
		t.Fatal(err)
	}
	if v.PolicyID != "p" || v.VersionID != "v1" || v.RootNodeID != "r" || v.CreatedAt.IsZero() ||
		v.Metadata["owner"] != "ops" || len(v.Tags) != 1 {
		t.Errorf("stored version %+v", v)
	}
	doc, err := d.GetDocument("p", "")
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, n := range doc.Nodes {
		ids = append(ids, n.NodeID)
	}
	if strings.Join(ids, ",") != "r,a,c,b" {
		t.Errorf("pre-order %v", ids)
	}
	a := doc.Nodes[1]
	if a.ParentID == nil || *a.ParentID != "r" || a.Depth != 1 || a.SectionPath != "1" ||
		a.PageStart != 1 || a.PageEnd != 2 || a.Summary != "first" || a.Text != "alpha text about fees" ||
		len(a.ChildIDs) != 1 || a.ChildIDs[0] != "c" || a.SeeAlso[0] != "b" || a.Metadata["k"] != "v" ||
		a.PolicyID != "p" || a.VersionID != "v1" || a.CreatedAt.IsZero() {
		t.Errorf("node a %+v", a)
	}
	if doc.Nodes[0].ParentID != nil {
		t.Errorf("the root has a parent: %v", *doc.Nodes[0].ParentID)
	}
	// The slices of one node are full-capacity-limited: appending never writes over another's.
	a.ChildIDs = append(a.ChildIDs, "x")
	if doc.Nodes[2].NodeID != "c" {
		t.Error("append wrote into another node")
	}

	// Storing the version again replaces it.
	again := smallDoc("p", "v1")
	again.Nodes = again.Nodes[:2]
	if _, err := d.StoreDocument(again); err != nil {
		t.Fatal(err)
	}
	if doc, err := d.GetDocument("p", "v1"); err != nil || len(doc.Nodes) != 2 {
		t.Errorf("after replacing: %v", err)
	}

	n, err := d.StoreDocuments([]Document{*smallDoc("q", "v1"), *smallDoc("q", "v2")})
	if err != nil || n != 2 {
		t.Fatalf("StoreDocuments = %d, %v", n, err)
	}
	if n, err := d.DeleteDocument("q", "v1"); err != nil || n != 1 {
		t.Errorf("DeleteDocument(q, v1) = %d, %v", n, err)
	}
	if n, err := d.DeleteDocument("q", ""); err != nil || n != 1 {
		t.Errorf("DeleteDocument(q) = %d, %v", n, err)
	}
}

func TestTreeQueries(t *testing.T) {
	db := sampleDB(t)
	d := db.Documents()
	ids := func(ns []Node, err error) string {
		if err != nil {
			return "error: " + err.Error()
		}
		var s []string
		for _, n := range ns {
			s = append(s, n.NodeID)
		}
		return strings.Join(s, ",")
	}
	one := func(n *Node, err error) string {
		if err != nil {
			return "error: " + err.Error()
		}
		return n.NodeID + " " + n.Title
	}
	tests := []struct{ name, got, want string }{
		{"GetNode", one(d.GetNode(samplePolicy, "v1", "0008")), "0008 MRI of the Lumbar Spine"},
		{"GetNode latest", one(d.GetNode(samplePolicy, "", "0017")), "0017 Provider Exemptions (Gold Carding)"},
		{"GetChildren root", ids(d.GetChildren(samplePolicy, "v1", "")), "0000,0003,0004,0007,0011,0014,0015"},
		{"GetChildren", ids(d.GetChildren(samplePolicy, "v1", "0007")), "0008,0009,0010"},
		{"GetSubtree", ids(d.GetSubtree(samplePolicy, "v1", "0004", 0)), "0004,0005,0006"},
		{"GetSubtree depth 1", ids(d.GetSubtree(samplePolicy, "v1", "root", 1)), "root,0000,0003,0004,0007,0011,0014,0015"},
		{"GetSubtreeOutline", ids(d.GetSubtreeOutline(samplePolicy, "v1", "0011", 0)), "0011,0012,0013"},
		{"GetAncestorPath", ids(d.GetAncestorPath(samplePolicy, "v1", "0009")), "root,0007,0009"},
		{"GetNodesByPage", ids(d.GetNodesByPage(samplePolicy, "v1", 7)), "0011,0012,0013"},
		{"GetNodesByPages", ids(d.GetNodesByPages(samplePolicy, "v1", "8-9")), "0014,0015"},
		{"GetNodeBySectionPath", one(d.GetNodeBySectionPath(samplePolicy, "v1", "4.2")), "0009 CT of the Head"},
		{"BatchGetNodes", ids(db.Query().BatchGetNodes(samplePolicy, "v1", []string{"0013", "ghost", "0001"})), "0013,0001"},
	}
	for _, tc := range tests {
		if !strings.HasPrefix(tc.got, tc.want) {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	sub, err := d.GetSubtree(samplePolicy, "v1", "root", 0)
	if err != nil || len(sub) != 17 || sub[5].Text == "" {
		t.Errorf("whole tree: %d nodes, %v", len(sub), err)
	}
	outline, err := d.GetSubtreeOutline(samplePolicy, "v1", "root", 0)
	if err != nil || len(outline) != 17 || outline[5].Text != "" {
		t.Errorf("outline: %d nodes, %v", len(outline), err)
	}
}

func TestStructureImportExportSearch(t *testing.T) {
	db := sampleDB(t)
	d := db.Documents()
	p1, err := d.GetStructure(samplePolicy, "v1", StructureOptions{SummaryChars: 10, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if p1.TotalNodes != 17 || len(p1.Nodes) != 10 || p1.NextCursor == "" || p1.Version.VersionID != "v1" ||
		p1.Nodes[1].Text != "" || len([]rune(p1.Nodes[1].Summary)) > 11 {
		t.Errorf("first page: total %d, %d nodes, cursor %q, summary %q", p1.TotalNodes, len(p1.Nodes), p1.NextCursor, p1.Nodes[1].Summary)
	}
	p2, err := d.GetStructure(samplePolicy, "v1", StructureOptions{Limit: 10, Cursor: p1.NextCursor})
	if err != nil || len(p2.Nodes) != 7 || p2.NextCursor != "" || p2.Nodes[0].Summary == "" {
		t.Errorf("second page: %+v, %v", p2, err)
	}
	for _, tc := range []struct {
		opts StructureOptions
		want func(s, whole string) bool
	}{
		{StructureOptions{NoSummaries: true}, func(s, _ string) bool { return s == "" }},
		{StructureOptions{SummaryChars: -1}, func(s, whole string) bool { return s == whole }},
		{StructureOptions{}, func(s, whole string) bool { return s != "" && len([]rune(s)) <= DefaultSummaryChars+1 }},
	} {
		whole, err := d.GetNode(samplePolicy, "v1", "0008")
		if err != nil {
			t.Fatal(err)
		}
		page, err := d.GetStructure(samplePolicy, "v1", tc.opts)
		if err != nil || len(page.Nodes) != 17 {
			t.Fatalf("GetStructure(%+v): %v", tc.opts, err)
		}
		for _, n := range page.Nodes {
			if n.NodeID == "0008" && !tc.want(n.Summary, whole.Summary) {
				t.Errorf("GetStructure(%+v): summary %q", tc.opts, n.Summary)
			}
		}
	}

	out, err := d.ExportPageIndex(samplePolicy, "v1", &ExportOptions{Pretty: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, sampleFile(t, 1)) && !bytes.Equal(append(out, '\n'), sampleFile(t, 1)) {
		var a, b any
		if json.Unmarshal(out, &a) != nil || json.Unmarshal(sampleFile(t, 1), &b) != nil {
			t.Fatalf("the export is not JSON")
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("the export differs from the imported file")
		}
	}

	hits, err := d.Search("lumbar AND mri", &QueryOptions{PolicyID: samplePolicy, VersionID: "v2", SnippetChars: 60, IncludeText: true})
	if err != nil || len(hits) != 1 {
		t.Fatalf("Search: %d hits, %v", len(hits), err)
	}
	h := hits[0]
	if h.NodeID != "0008" || h.VersionID != "v2" || h.Score <= 0 || len(h.MatchedTerms) != 2 ||
		!strings.Contains(h.Snippet, "<b>") || h.Node.NodeID != "0008" || h.Node.Text == "" {
		t.Errorf("hit %+v", h)
	}
	all, err := d.Search("lumbar", nil)
	if err != nil || len(all) != 3 {
		t.Errorf("Search across versions: %d hits, %v", len(all), err)
	}
	s, err := d.SearchSettings()
	if err != nil || s.Stemming == "" || s.Weights.Title <= 0 {
		t.Errorf("SearchSettings = %+v, %v", s, err)
	}
	s2, err := d.SetSearchSettings(SearchSettings{Weights: FieldWeights{Title: 7}})
	if err != nil || s2.Weights.Title != 7 || s2.Weights.Text != s.Weights.Text {
		t.Errorf("SetSearchSettings = %+v, %v", s2, err)
	}
}

func TestDocumentErrors(t *testing.T) {
	db := sampleDB(t)
	d := db.Documents()
	ghost := "ghost"
	badTree := smallDoc("p", "bad")
	badTree.Nodes[2].ParentID = &ghost
	errOf := func(_ any, err error) error { return err }
	runCalls(t, []call{
		{"StoreDocument bad parent", func() error { return errOf(d.StoreDocument(badTree)) }, ErrInvalidArgument},
		{"StoreDocument nil", func() error { return errOf(d.StoreDocument(nil)) }, ErrInvalidArgument},
		{"StoreDocument no policy", func() error { return errOf(d.StoreDocument(&Document{})) }, ErrInvalidArgument},
		{"StoreDocuments one bad", func() error { return errOf(d.StoreDocuments([]Document{*smallDoc("z", "1"), *badTree})) }, ErrInvalidArgument},
		{"GetDocument missing", func() error { return errOf(d.GetDocument("nope", "")) }, ErrNotFound},
		{"GetDocument bad UTF-8", func() error { return errOf(d.GetDocument(badUTF8, "")) }, ErrInvalidUTF8},
		{"GetStructure missing", func() error { return errOf(d.GetStructure(samplePolicy, "v9", StructureOptions{})) }, ErrNotFound},
		{"GetStructure negative limit", func() error { return errOf(d.GetStructure(samplePolicy, "", StructureOptions{Limit: -1})) }, ErrInvalidArgument},
		{"GetStructure bad cursor", func() error {
			return errOf(d.GetStructure(samplePolicy, "v1", StructureOptions{Cursor: "garbage"}))
		}, ErrInvalidArgument},
		{"GetNode missing node", func() error { return errOf(d.GetNode(samplePolicy, "v1", "9999")) }, ErrNotFound},
		{"GetNode missing version", func() error { return errOf(d.GetNode(samplePolicy, "v9", "0001")) }, ErrNotFound},
		{"GetNode bad UTF-8", func() error { return errOf(d.GetNode(samplePolicy, "v1", badUTF8)) }, ErrInvalidArgument},
		{"GetChildren missing", func() error { return errOf(d.GetChildren(samplePolicy, "v1", "9999")) }, ErrNotFound},
		{"GetSubtree missing", func() error { return errOf(d.GetSubtree(samplePolicy, "v1", "9999", 0)) }, ErrNotFound},
		{"GetSubtree negative depth", func() error { return errOf(d.GetSubtree(samplePolicy, "v1", "root", -1)) }, ErrInvalidArgument},
		{"GetAncestorPath missing", func() error { return errOf(d.GetAncestorPath(samplePolicy, "v1", "9999")) }, ErrNotFound},
		{"GetNodesByPages bad spec", func() error { return errOf(d.GetNodesByPages(samplePolicy, "v1", "9-x")) }, ErrInvalidArgument},
		{"GetNodeBySectionPath missing", func() error { return errOf(d.GetNodeBySectionPath(samplePolicy, "v1", "9.9")) }, ErrNotFound},
		{"Search malformed", func() error { return errOf(d.Search(`"unclosed`, nil)) }, ErrInvalidArgument},
		{"Search negative offset", func() error { return errOf(d.Search("x", &QueryOptions{Offset: -1})) }, ErrInvalidArgument},
		{"Search version without policy", func() error { return errOf(d.Search("x", &QueryOptions{VersionID: "v1"})) }, ErrInvalidArgument},
		{"ImportPageIndex malformed", func() error { return errOf(d.ImportPageIndex([]byte(`{"structure": [`), "p", "v", nil)) }, ErrInvalidArgument},
		{"ExportPageIndex missing", func() error { return errOf(d.ExportPageIndex("nope", "", nil)) }, ErrNotFound},
		{"SetSearchSettings bad stemming", func() error { return errOf(d.SetSearchSettings(SearchSettings{Stemming: "latin"})) }, ErrInvalidArgument},
		{"DeleteDocument missing", func() error { return errOf(d.DeleteDocument("nope", "")) }, nil},
	})
	if _, err := d.GetNode(samplePolicy, "v1", "9999"); err == nil || !strings.Contains(err.Error(), "9999") {
		t.Errorf("the error does not name the node: %v", err)
	}
	var e *Error
	if _, err := d.StoreDocument(badTree); !errors.As(err, &e) || !strings.Contains(e.Message, "ghost") {
		t.Errorf("the error does not name the parent: %v", err)
	}
}

func TestImportEffectiveDates(t *testing.T) {
	db := openTemp(t, nil)
	start, end := date(2020), date(2021)
	v, err := db.Documents().ImportPageIndex(sampleFile(t, 1), "p", "v1",
		&ImportOptions{EffectiveStart: &start, EffectiveEnd: &end, CreatedBy: "me"})
	if err != nil {
		t.Fatal(err)
	}
	if v.EffectiveStart == nil || !v.EffectiveStart.Equal(start) || v.EffectiveEnd == nil ||
		!v.EffectiveEnd.Equal(end) || v.CreatedBy != "me" || v.CreatedAt.Location() != time.UTC {
		t.Errorf("version %+v", v)
	}
}

// Results are Go memory: they stay intact after the database is closed and the library's result
// memory is reused.
func TestResultsOutliveTheDatabase(t *testing.T) {
	db, err := Open(tempPath(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	importSample(t, db)
	nodes, err := db.Documents().GetSubtree(samplePolicy, "v1", "root", 0)
	if err != nil {
		t.Fatal(err)
	}
	hits, err := db.Documents().Search("lumbar", &QueryOptions{SnippetChars: 40})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(nodes))
	for i, n := range nodes {
		want[i] = n.NodeID + n.Title + n.Text + strings.Join(n.ChildIDs, ",")
	}
	snippet := hits[0].Snippet
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Churn the allocator (Go's and the library's) before reading the results again.
	other := openTemp(t, nil)
	importSample(t, other)
	runtime.GC()
	for i, n := range nodes {
		if got := n.NodeID + n.Title + n.Text + strings.Join(n.ChildIDs, ","); got != want[i] {
			t.Fatalf("node %d changed after Close: %q", i, got)
		}
	}
	if hits[0].Snippet != snippet || !strings.Contains(snippet, "<b>") {
		t.Errorf("the snippet changed: %q", hits[0].Snippet)
	}
}
