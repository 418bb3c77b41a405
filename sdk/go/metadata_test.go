package treestore

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestGenericMetadata(t *testing.T) {
	db := openTemp(t, nil)
	m := db.Metadata()
	for _, tc := range []struct {
		id, key  string
		value    any
		text, vt string
	}{
		{"d1", "owner", "ops", "ops", "string"},
		{"d1", "pages", 12, "12", "int"},
		{"d1", "ratio", 0.5, "0.5", "float"},
		{"d1", "final", true, "true", "bool"},
		{"d1", "extra", map[string]int{"a": 1}, `{"a":1}`, "json"},
		{"d2", "owner", "ops", "ops", "string"},
		{"d3", "owner", "legal", "legal", "string"},
	} {
		e, err := m.SetMetadata("doc", tc.id, tc.key, tc.value)
		if err != nil || e.Value != tc.text || e.ValueType != tc.vt || e.CreatedAt.IsZero() {
			t.Errorf("SetMetadata(%s, %v) = %+v, %v", tc.key, tc.value, e, err)
		}
	}
	e, err := m.GetMetadata("doc", "d1", "pages")
	if err != nil || e.Value != "12" || e.EntityID != "d1" {
		t.Errorf("GetMetadata = %+v, %v", e, err)
	}
	es, err := m.GetAllMetadata("doc", "d1")
	if err != nil || len(es) != 5 || es[0].Key != "extra" {
		t.Errorf("GetAllMetadata = %d entries, %v", len(es), err)
	}
	byKey, err := m.QueryByKey("doc", "owner", Page{Limit: 2})
	if err != nil || len(byKey.Items) != 2 || byKey.NextCursor == "" || byKey.Items[0].Value != "legal" {
		t.Errorf("QueryByKey = %+v, %v", byKey, err)
	}
	rest, err := m.QueryByKey("", "owner", Page{Limit: 2, Cursor: byKey.NextCursor})
	if err != nil || len(rest.Items) != 1 || rest.NextCursor != "" {
		t.Errorf("QueryByKey page 2 = %+v, %v", rest, err)
	}
	byValue, err := m.QueryByKeyValue("doc", "owner", "ops", Page{})
	if err != nil || len(byValue.Items) != 2 {
		t.Errorf("QueryByKeyValue = %+v, %v", byValue, err)
	}
	refs, err := m.QueryMultiple(MetadataQuery{EntityType: "doc", Filters: map[string]string{"owner": "ops", "pages": "12"}})
	if err != nil || len(refs.Items) != 1 || refs.Items[0] != (EntityRef{"doc", "d1"}) {
		t.Errorf("QueryMultiple = %+v, %v", refs, err)
	}
	if removed, err := m.DeleteMetadata("doc", "d1", "ratio"); err != nil || !removed {
		t.Errorf("DeleteMetadata = %v, %v", removed, err)
	}
	if n, err := m.DeleteAllMetadata("doc", "d1"); err != nil || n != 4 {
		t.Errorf("DeleteAllMetadata = %d, %v", n, err)
	}
	errOf := func(_ any, err error) error { return err }
	runCalls(t, []call{
		{"GetMetadata missing", func() error { return errOf(m.GetMetadata("doc", "d1", "owner")) }, ErrNotFound},
		{"SetMetadata bad value", func() error { return errOf(m.SetMetadata("doc", "d", "k", func() {})) }, ErrInvalidArgument},
		{"SetMetadata empty key", func() error { return errOf(m.SetMetadata("doc", "d", "", 1)) }, ErrInvalidArgument},
		{"SetMetadataEntry wrong type", func() error {
			return errOf(m.SetMetadataEntry(`{"entity_type":"doc","entity_id":"d","key":"k","value":"x","value_type":"int"}`))
		}, ErrInvalidArgument},
		{"SetMetadataEntry malformed", func() error { return errOf(m.SetMetadataEntry(`{`)) }, ErrInvalidArgument},
		{"QueryByKey negative", func() error { return errOf(m.QueryByKey("doc", "owner", Page{Limit: -1})) }, ErrInvalidArgument},
		{"QueryMultiple no filter", func() error { return errOf(m.QueryMultiple(MetadataQuery{})) }, ErrInvalidArgument},
		{"DeleteMetadata missing", func() error { return errOf(m.DeleteMetadata("doc", "zz", "k")) }, nil},
	})
}

func TestToolResultsAndTrajectories(t *testing.T) {
	db := openTemp(t, nil)
	m := db.Metadata()
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	r, err := m.StoreToolResult(&ToolResult{ToolName: "navigate_tree", PolicyID: "p1", NodeID: "0003", CaseID: "c1",
		ResultData: json.RawMessage(`{"children":["0004"]}`), Success: true, ExecutedAt: at, DurationMS: 12})
	if err != nil {
		t.Fatal(err)
	}
	if r.ExecutionID == "" || !r.ExecutedAt.Equal(at) || string(r.ResultData) != `{"children":["0004"]}` || !r.Success || r.DurationMS != 12 {
		t.Errorf("stored %+v", r)
	}
	failed, err := m.StoreToolResult(&ToolResult{ToolName: "search", CaseID: "c1", Success: false, ErrorMessage: "boom", ExecutedAt: at.Add(time.Hour)})
	if err != nil || failed.Success || failed.ErrorMessage != "boom" {
		t.Errorf("failed result %+v, %v", failed, err)
	}
	got, err := m.GetToolResult(r.ExecutionID)
	if err != nil || got.NodeID != "0003" {
		t.Errorf("GetToolResult = %+v, %v", got, err)
	}
	ok := true
	list, err := m.ListToolResults(ToolResultQuery{CaseID: "c1", Success: &ok})
	if err != nil || len(list.Items) != 1 || list.Items[0].ExecutionID != r.ExecutionID {
		t.Errorf("ListToolResults = %+v, %v", list, err)
	}
	list, err = m.ListToolResults(ToolResultQuery{Since: at.Add(time.Minute)})
	if err != nil || len(list.Items) != 1 || list.Items[0].ToolName != "search" {
		t.Errorf("ListToolResults since = %+v, %v", list, err)
	}
	if removed, err := m.DeleteToolResult(failed.ExecutionID); err != nil || !removed {
		t.Errorf("DeleteToolResult = %v, %v", removed, err)
	}
	if n, err := m.PurgeToolResults(at.Add(time.Second)); err != nil || n != 1 {
		t.Errorf("PurgeToolResults = %d, %v", n, err)
	}

	tr, err := m.StoreTrajectory(&Trajectory{CaseID: "c1", StartedAt: at, Steps: []TrajectoryStep{
		{Action: "open", ToolName: "navigate_tree", Timestamp: at},
		{Action: "read", Observation: "text", Thought: "why"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if tr.TrajectoryID == "" || len(tr.Steps) != 2 || tr.Steps[0].ToolName != "navigate_tree" || tr.CompletedAt != nil {
		t.Errorf("trajectory %+v", tr)
	}
	step, err := m.AppendTrajectoryStep(tr.TrajectoryID, TrajectoryStep{Action: "answer"})
	if err != nil || step.StepNumber != 3 || step.Action != "answer" {
		t.Errorf("AppendTrajectoryStep = %+v, %v", step, err)
	}
	if err := m.CompleteTrajectory(tr.TrajectoryID, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	tr, err = m.GetTrajectory(tr.TrajectoryID)
	if err != nil || tr.CompletedAt == nil || !tr.CompletedAt.Equal(at.Add(time.Minute)) {
		t.Errorf("GetTrajectory = %+v, %v", tr, err)
	}
	trs, err := m.ListTrajectories("c1", Page{})
	if err != nil || len(trs.Items) != 1 || len(trs.Items[0].Steps) != 3 {
		t.Errorf("ListTrajectories = %+v, %v", trs, err)
	}
	if _, err := m.AppendTrajectoryStep(tr.TrajectoryID, TrajectoryStep{Action: "late"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("AppendTrajectoryStep on a completed trajectory: %v", err)
	}
	if removed, err := m.DeleteTrajectory(tr.TrajectoryID); err != nil || !removed {
		t.Errorf("DeleteTrajectory = %v, %v", removed, err)
	}

	errOf := func(_ any, err error) error { return err }
	runCalls(t, []call{
		{"StoreToolResult nil", func() error { return errOf(m.StoreToolResult(nil)) }, ErrInvalidArgument},
		{"StoreToolResult no tool", func() error { return errOf(m.StoreToolResult(&ToolResult{})) }, ErrInvalidArgument},
		{"StoreToolResult bad JSON", func() error {
			return errOf(m.StoreToolResult(&ToolResult{ToolName: "t", ResultData: json.RawMessage(`{`)}))
		}, ErrInvalidArgument},
		{"GetToolResult missing", func() error { return errOf(m.GetToolResult("nope")) }, ErrNotFound},
		{"ListToolResults negative", func() error { return errOf(m.ListToolResults(ToolResultQuery{Limit: -1})) }, ErrInvalidArgument},
		{"StoreTrajectory nil", func() error { return errOf(m.StoreTrajectory(nil)) }, ErrInvalidArgument},
		{"StoreTrajectory no case", func() error { return errOf(m.StoreTrajectory(&Trajectory{})) }, ErrInvalidArgument},
		{"StoreTrajectory step without action", func() error {
			return errOf(m.StoreTrajectory(&Trajectory{CaseID: "c", Steps: []TrajectoryStep{{}}}))
		}, ErrInvalidArgument},
		{"AppendTrajectoryStep missing", func() error { return errOf(m.AppendTrajectoryStep("nope", TrajectoryStep{Action: "a"})) }, ErrNotFound},
		{"CompleteTrajectory missing", func() error { return m.CompleteTrajectory("nope", time.Time{}) }, ErrNotFound},
		{"GetTrajectory missing", func() error { return errOf(m.GetTrajectory("nope")) }, ErrNotFound},
		{"ListTrajectories negative", func() error { return errOf(m.ListTrajectories("c1", Page{Limit: -1})) }, ErrInvalidArgument},
	})
}

func TestCrossReferencesAndContradictions(t *testing.T) {
	db := openTemp(t, nil)
	m := db.Metadata()
	ref, err := m.StoreCrossReference(&CrossReference{SourcePolicyID: "a", SourceNodeID: "1", TargetPolicyID: "b",
		TargetNodeID: "2", ReferenceType: "see_also", Context: "see 2"})
	if err != nil || ref.ReferenceType != "see_also" || ref.CreatedAt.IsZero() {
		t.Fatalf("StoreCrossReference = %+v, %v", ref, err)
	}
	if _, err := m.StoreCrossReference(&CrossReference{SourcePolicyID: "c", TargetPolicyID: "a"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    CrossReferenceQuery
		want int
	}{
		{CrossReferenceQuery{PolicyID: "a"}, 2},
		{CrossReferenceQuery{PolicyID: "a", Direction: "outgoing"}, 1},
		{CrossReferenceQuery{PolicyID: "a", Direction: "incoming"}, 1},
		{CrossReferenceQuery{PolicyID: "a", ReferenceType: "cites"}, 1},
		{CrossReferenceQuery{PolicyID: "b", Direction: "outgoing"}, 0},
	} {
		l, err := m.ListCrossReferences(tc.q)
		if err != nil || len(l.Items) != tc.want {
			t.Errorf("ListCrossReferences(%+v) = %d, %v; want %d", tc.q, len(l.Items), err, tc.want)
		}
	}
	if removed, err := m.DeleteCrossReference(ref); err != nil || !removed {
		t.Errorf("DeleteCrossReference = %v, %v", removed, err)
	}
	if n, err := m.DeleteCrossReferencesOfPolicy("a"); err != nil || n != 1 {
		t.Errorf("DeleteCrossReferencesOfPolicy = %d, %v", n, err)
	}

	c, err := m.StoreContradiction(&Contradiction{PolicyA: "a", NodeA: "1", PolicyB: "b", Description: "10 vs 15 days", Severity: "high"})
	if err != nil || c.ContradictionID == "" || c.Status != "open" || c.Severity != "high" || c.ResolvedAt != nil {
		t.Fatalf("StoreContradiction = %+v, %v", c, err)
	}
	c, err = m.ResolveContradiction(c.ContradictionID, "resolved", "v2 wins")
	if err != nil || c.Status != "resolved" || c.Resolution != "v2 wins" || c.ResolvedAt == nil {
		t.Errorf("ResolveContradiction = %+v, %v", c, err)
	}
	if g, err := m.GetContradiction(c.ContradictionID); err != nil || g.Resolution != "v2 wins" {
		t.Errorf("GetContradiction = %+v, %v", g, err)
	}
	if l, err := m.ListContradictions(ContradictionQuery{Status: "resolved"}); err != nil || len(l.Items) != 1 {
		t.Errorf("ListContradictions = %+v, %v", l, err)
	}
	if l, err := m.ListContradictions(ContradictionQuery{Severity: "low"}); err != nil || len(l.Items) != 0 {
		t.Errorf("ListContradictions low = %+v, %v", l, err)
	}
	if removed, err := m.DeleteContradiction(c.ContradictionID); err != nil || !removed {
		t.Errorf("DeleteContradiction = %v, %v", removed, err)
	}
	errOf := func(_ any, err error) error { return err }
	runCalls(t, []call{
		{"StoreCrossReference nil", func() error { return errOf(m.StoreCrossReference(nil)) }, ErrInvalidArgument},
		{"StoreCrossReference bad type", func() error {
			return errOf(m.StoreCrossReference(&CrossReference{SourcePolicyID: "a", TargetPolicyID: "b", ReferenceType: "likes"}))
		}, ErrInvalidArgument},
		{"ListCrossReferences no policy", func() error { return errOf(m.ListCrossReferences(CrossReferenceQuery{})) }, ErrInvalidArgument},
		{"ListCrossReferences bad direction", func() error {
			return errOf(m.ListCrossReferences(CrossReferenceQuery{PolicyID: "a", Direction: "up"}))
		}, ErrInvalidArgument},
		{"DeleteCrossReference nil", func() error { return errOf(m.DeleteCrossReference(nil)) }, ErrInvalidArgument},
		{"StoreContradiction nil", func() error { return errOf(m.StoreContradiction(nil)) }, ErrInvalidArgument},
		{"StoreContradiction no description", func() error {
			return errOf(m.StoreContradiction(&Contradiction{PolicyA: "a", PolicyB: "b"}))
		}, ErrInvalidArgument},
		{"ResolveContradiction missing", func() error { return errOf(m.ResolveContradiction("nope", "resolved", "")) }, ErrNotFound},
		{"ResolveContradiction bad status", func() error { return errOf(m.ResolveContradiction("nope", "closed", "")) }, ErrInvalidArgument},
		{"GetContradiction missing", func() error { return errOf(m.GetContradiction("nope")) }, ErrNotFound},
		{"ListContradictions bad severity", func() error { return errOf(m.ListContradictions(ContradictionQuery{Severity: "huge"})) }, ErrInvalidArgument},
	})
}
