package treestore

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

// A hand-built result: the decoder's checks without the library.
func fakeResult(kind string, fields ...field) *result {
	return &result{top: 1, records: []record{{kind: kind, first: 0, count: len(fields)}}, fields: fields,
		strings: []string{"a", "b"}, kvs: []kvPair{{"k", "v"}}}
}

func TestDecodeMismatches(t *testing.T) {
	for _, tc := range []struct {
		name string
		res  *result
	}{
		{"wrong kind", fakeResult("tool_result")},
		{"string into int", fakeResult("version", field{name: "created_at", kind: valueStr, s: "x"})},
		{"int into string", fakeResult("version", field{name: "policy_id", kind: valueInt, i: 3})},
		{"list out of range", fakeResult("version", field{name: "tags", kind: valueStrList, first: 1, count: 5})},
		{"map into list", fakeResult("version", field{name: "tags", kind: valueStrMap, count: 1})},
		{"nested out of range", fakeResult("version_diff", field{name: "added", kind: valueRecords, first: 9, count: 1})},
		{"huge nested count", fakeResult("version_diff", field{name: "changed", kind: valueRecords, first: 0, count: 1 << 31})},
	} {
		_, err := decodeTop[Version](tc.res, 0)
		if tc.res.records[0].kind == "version_diff" {
			_, err = decodeTop[VersionDiff](tc.res, 0)
		}
		if !errors.Is(err, ErrInternal) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := decodeTop[Version](&result{}, 0); !errors.Is(err, ErrInternal) {
		t.Errorf("no record: %v", err)
	}
	v, err := decodeTop[Version](fakeResult("version",
		field{name: "policy_id", kind: valueStr, s: "p"},
		field{name: "effective_end", kind: valueNull},
		field{name: "effective_start", kind: valueTime, i: 1_000_000},
		field{name: "tags", kind: valueStrList, first: 0, count: 2},
		field{name: "metadata", kind: valueStrMap, first: 0, count: 1},
		field{name: "unknown", kind: valueInt, i: 1},
	), 0)
	want := time.Unix(1, 0).UTC()
	if err != nil || v.PolicyID != "p" || v.EffectiveEnd != nil || !v.EffectiveStart.Equal(want) ||
		!reflect.DeepEqual(v.Tags, []string{"a", "b"}) || v.Metadata["k"] != "v" {
		t.Errorf("decoded %+v, %v", v, err)
	}
}

func TestEncode(t *testing.T) {
	ok := false
	at := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)
	got := string(encode(ToolResultQuery{ToolName: "t\"x", Success: &ok, Since: at}))
	want := `{"tool_name":"t\"x","success":false,"since":1704164645000006}`
	if got != want {
		t.Errorf("encode = %s, want %s", got, want)
	}
	got = string(encode(ToolResult{ToolName: "t", ResultData: json.RawMessage(`[1]`)}))
	if got != `{"tool_name":"t","result_data":[1],"success":false}` {
		t.Errorf("encode tool result = %s", got)
	}
	var back map[string]any
	if err := json.Unmarshal(encode(smallDoc("p", "v")), &back); err != nil {
		t.Errorf("a document does not encode as JSON: %v", err)
	}
}
