package treestore

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// walkPages follows NextCursor from the first page to the last and returns every item; it fails
// the test when a page is larger than the limit or the cursor does not advance.
func walkPages[T any](t *testing.T, limit int, read func(Page) (List[T], error)) []T {
	t.Helper()
	var all []T
	p := Page{Limit: limit}
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatalf("limit %d: the cursor does not advance", limit)
		}
		l, err := read(p)
		if err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
		if limit > 0 && len(l.Items) > limit {
			t.Fatalf("limit %d: a page of %d", limit, len(l.Items))
		}
		all = append(all, l.Items...)
		if l.NextCursor == "" {
			return all
		}
		p.Cursor = l.NextCursor
	}
}

func TestListPolicies(t *testing.T) {
	db := openTemp(t, &Options{Durability: DurabilityRelaxed})
	vs := db.Versions()
	if l, err := vs.ListPolicies(Page{}); err != nil || len(l.Items) != 0 || l.NextCursor != "" {
		t.Fatalf("ListPolicies on an empty database = %+v, %v", l, err)
	}
	ids := []string{"b", "a", "a-2", "c", "é"}
	for _, id := range ids {
		for _, v := range []string{"v1", "v2"} {
			if _, err := db.Documents().StoreDocument(smallDoc(id, v)); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := []string{"a", "a-2", "b", "c", "é"}
	all, err := vs.ListPolicies(Page{})
	if err != nil || !reflect.DeepEqual(all.Items, want) || all.NextCursor != "" {
		t.Fatalf("ListPolicies = %+v, %v; want %v", all, err, want)
	}
	for _, limit := range []int{1, 2, 5, 6} {
		if got := walkPages(t, limit, vs.ListPolicies); !reflect.DeepEqual(got, want) {
			t.Errorf("limit %d: walked %v, want %v", limit, got, want)
		}
	}
	if _, err := vs.ListPolicies(Page{Limit: -1}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("ListPolicies with a negative limit: %v", err)
	}
}

func TestTrajectoryStepsAndMetadataPages(t *testing.T) {
	db := openTemp(t, &Options{Durability: DurabilityRelaxed})
	m := db.Metadata()
	tr := &Trajectory{CaseID: "c"}
	for i := 0; i < 17; i++ {
		tr.Steps = append(tr.Steps, TrajectoryStep{Action: fmt.Sprintf("a%d", i)})
	}
	stored, err := m.StoreTrajectory(tr)
	if err != nil {
		t.Fatal(err)
	}
	id := stored.TrajectoryID
	for _, limit := range []int{1, 4, 17, 18} {
		steps := walkPages(t, limit, func(p Page) (List[TrajectoryStep], error) { return m.ListTrajectorySteps(id, p) })
		if len(steps) != 17 || steps[0].StepNumber != 1 || steps[16].StepNumber != 17 || steps[16].Action != "a16" {
			t.Errorf("limit %d: steps %+v", limit, steps)
		}
	}
	if s, err := m.GetTrajectoryStep(id, 5); err != nil || s.Action != "a4" || s.StepNumber != 5 {
		t.Errorf("GetTrajectoryStep = %+v, %v", s, err)
	}
	if _, err := m.GetTrajectoryStep(id, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetTrajectoryStep past the end: %v", err)
	}
	if _, err := m.ListTrajectorySteps("nope", Page{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("ListTrajectorySteps of a missing trajectory: %v", err)
	}

	for i := 0; i < 9; i++ {
		if _, err := m.SetMetadata("doc", "d1", fmt.Sprintf("k%d", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	every, err := m.GetAllMetadata("doc", "d1")
	if err != nil || len(every) != 9 {
		t.Fatalf("GetAllMetadata = %d, %v", len(every), err)
	}
	for _, limit := range []int{1, 2, 9, 10} {
		got := walkPages(t, limit, func(p Page) (List[MetadataEntry], error) { return m.ListMetadata("doc", "d1", p) })
		if !reflect.DeepEqual(got, every) {
			t.Errorf("limit %d: walked %d entries, want the %d of GetAllMetadata", limit, len(got), len(every))
		}
	}
	if _, err := m.ListMetadata("", "d1", Page{}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("ListMetadata without an entity type: %v", err)
	}
}
