package treestore_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	treestore "github.com/treestore/treestore/sdk/go"
)

// openSample opens a new database in dir and imports the three versions of the sample policy
// (examples/data), effective from 2023, 2024 and 2025.
func openSample(dir string) *treestore.DB {
	db, err := treestore.Open(filepath.Join(dir, "policies.tsdb"), nil)
	if err != nil {
		log.Fatal(err)
	}
	for v := 1; v <= 3; v++ {
		file := filepath.Join("..", "..", "examples", "data", fmt.Sprintf("advanced-imaging-pa_v%d.json", v))
		pageIndex, err := os.ReadFile(file)
		if err != nil {
			log.Fatal(err)
		}
		start := time.Date(2022+v, 1, 1, 0, 0, 0, 0, time.UTC)
		_, err = db.Documents().ImportPageIndex(pageIndex, "advanced-imaging-pa", fmt.Sprintf("v%d", v),
			&treestore.ImportOptions{EffectiveStart: &start, CreatedBy: "example"})
		if err != nil {
			log.Fatal(err)
		}
	}
	return db
}

// Import a PageIndex JSON file as a version of a policy.
func ExampleDocuments_ImportPageIndex() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	db, err := treestore.Open(filepath.Join(dir, "policies.tsdb"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	pageIndex, err := os.ReadFile("../../examples/data/advanced-imaging-pa_v1.json")
	if err != nil {
		log.Fatal(err)
	}
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	v, err := db.Documents().ImportPageIndex(pageIndex, "advanced-imaging-pa", "v1",
		&treestore.ImportOptions{EffectiveStart: &start})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.PolicyID, v.VersionID, "root", v.RootNodeID, "in force from", v.EffectiveStart.Format("2006-01-02"))

	// A malformed file is refused with the JSON location, and nothing is written.
	_, err = db.Documents().ImportPageIndex([]byte(`{"structure": [`), "broken", "v1", nil)
	fmt.Println(errors.Is(err, treestore.ErrInvalidArgument))
	// Output:
	// advanced-imaging-pa v1 root root in force from 2023-01-01
	// true
}

// Walk a section's subtree in pre-order, indenting by depth.
func ExampleDocuments_GetSubtree() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	db := openSample(dir)
	defer db.Close()

	nodes, err := db.Documents().GetSubtree("advanced-imaging-pa", "v1", "0007", 0)
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range nodes {
		fmt.Printf("%s%s %s (pages %d-%d)\n", strings.Repeat("  ", n.Depth-1), n.SectionPath, n.Title, n.PageStart, n.PageEnd)
	}
	path, err := db.Documents().GetAncestorPath("advanced-imaging-pa", "v1", "0009")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("parent of 0009:", *path[len(path)-1].ParentID)
	// Output:
	// 4 Medical Necessity Criteria (pages 4-6)
	//   4.1 MRI of the Lumbar Spine (pages 4-5)
	//   4.2 CT of the Head (pages 5-5)
	//   4.3 PET/CT for Oncology (pages 6-6)
	// parent of 0009: 0007
}

// Find the version of a policy in force on a date.
func ExampleVersions_GetVersionAsOf() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	db := openSample(dir)
	defer db.Close()

	for _, day := range []string{"2023-06-30", "2024-02-01", "2026-11-25"} {
		at, _ := time.Parse("2006-01-02", day)
		v, err := db.Versions().GetVersionAsOf("advanced-imaging-pa", at)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(day, "->", v.VersionID)
	}
	_, err := db.Versions().GetVersionAsOf("advanced-imaging-pa", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println("2020-01-01 ->", errors.Is(err, treestore.ErrNotFound))
	// Output:
	// 2023-06-30 -> v1
	// 2024-02-01 -> v2
	// 2026-11-25 -> v3
	// 2020-01-01 -> true
}

// Search one version of a policy; each hit carries its node and a snippet.
func ExampleDocuments_Search() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	db := openSample(dir)
	defer db.Close()

	hits, err := db.Documents().Search(`lumbar AND "conservative therapy"`, &treestore.QueryOptions{
		PolicyID: "advanced-imaging-pa", VersionID: "v3", Limit: 3, SnippetChars: 60})
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range hits {
		fmt.Println(h.NodeID, h.Node.Title, h.MatchedTerms)
	}
	// Output:
	// 0008 MRI of the Lumbar Spine [conservative lumbar therapy]
}

// Record what a reasoning tool did, then list a case's tool results.
func ExampleMetadata_StoreToolResult() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	db := openSample(dir)
	defer db.Close()

	children, _ := json.Marshal(map[string]any{"children": []string{"0008", "0009", "0010"}})
	r, err := db.Metadata().StoreToolResult(&treestore.ToolResult{
		ToolName:   "expand_children",
		PolicyID:   "advanced-imaging-pa",
		NodeID:     "0007",
		CaseID:     "case-42",
		ResultData: children,
		Success:    true,
		DurationMS: 3,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored with an id:", r.ExecutionID != "")

	list, err := db.Metadata().ListToolResults(treestore.ToolResultQuery{CaseID: "case-42"})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range list.Items {
		fmt.Println(t.ToolName, t.NodeID, string(t.ResultData))
	}
	// Output:
	// stored with an id: true
	// expand_children 0007 {"children":["0008","0009","0010"]}
}

// Search a policy version's sections and the tool results about the policy with one query, one
// hit a page.
func ExampleQuery_UnifiedSearch() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	db := openSample(dir)
	defer db.Close()

	note, _ := json.Marshal(map[string]string{"note": "lumbar MRI requested after six weeks"})
	if _, err := db.Metadata().StoreToolResult(&treestore.ToolResult{
		ExecutionID: "exec-1", ToolName: "read_chart", PolicyID: "advanced-imaging-pa", CaseID: "case-42",
		ResultData: note, Success: true}); err != nil {
		log.Fatal(err)
	}
	opts := &treestore.UnifiedSearchOptions{Kinds: []string{"node", "tool_result"}, PolicyID: "advanced-imaging-pa",
		VersionID: "v3", Limit: 1}
	for page := 1; ; page++ {
		hits, err := db.Query().UnifiedSearch("lumbar", opts)
		if err != nil {
			log.Fatal(err)
		}
		for _, h := range hits.Items {
			fmt.Println(page, h.Kind, h.ID)
		}
		if hits.NextCursor == "" {
			break
		}
		opts.Cursor = hits.NextCursor
	}
	// Output:
	// 1 node advanced-imaging-pa/v3/0008
	// 2 tool_result exec-1
}
