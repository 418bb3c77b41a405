package treestore

// Records to Go structs and Go structs to the library's JSON input, both driven by the `ts` tags
// of the model types: a tag names the record field (docs/c-api.md), "-" skips the Go field.
// Decoding works on a result already copied into Go memory; a field whose kind does not fit its Go
// type is an error matching ErrInternal (the library and this package disagree), never a panic.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"time"
)

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage(nil))
)

// tagged is a struct field with a `ts` tag (embedded structs' fields included).
type tagged struct {
	name  string
	index []int
}

var tagCache sync.Map // reflect.Type -> []tagged

func taggedFields(t reflect.Type) []tagged {
	if v, ok := tagCache.Load(t); ok {
		return v.([]tagged)
	}
	var out []tagged
	for _, f := range reflect.VisibleFields(t) {
		name := f.Tag.Get("ts")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		out = append(out, tagged{name: name, index: f.Index})
	}
	tagCache.Store(t, out)
	return out
}

// recordKinds is the record kind each model type decodes from; decoding another kind is an
// error (the wrong type for the result), not a zero value.
var recordKinds = map[reflect.Type]string{
	reflect.TypeOf(Version{}):                  "version",
	reflect.TypeOf(VersionDiff{}):              "version_diff",
	reflect.TypeOf(NodeChange{}):               "node_change",
	reflect.TypeOf(SearchResult{}):             "search_hit",
	reflect.TypeOf(SearchSettings{}):           "search_settings",
	reflect.TypeOf(FieldWeights{}):             "field_weights",
	reflect.TypeOf(BackupReport{}):             "backup_report",
	reflect.TypeOf(MetadataEntry{}):            "metadata_entry",
	reflect.TypeOf(EntityRef{}):                "entity_ref",
	reflect.TypeOf(ToolResult{}):               "tool_result",
	reflect.TypeOf(Trajectory{}):               "trajectory",
	reflect.TypeOf(TrajectoryStep{}):           "trajectory_step",
	reflect.TypeOf(CrossReference{}):           "cross_reference",
	reflect.TypeOf(Contradiction{}):            "contradiction",
	reflect.TypeOf(EnrichedDocument{}):         "enriched_node",
	reflect.TypeOf(RelatedNode{}):              "related",
	reflect.TypeOf(Conversation{}):             "conversation",
	reflect.TypeOf(Message{}):                  "message",
	reflect.TypeOf(ConversationWithMessages{}): "conversation_with_messages",
	reflect.TypeOf(PromptTemplate{}):           "prompt_version",
	reflect.TypeOf(PromptLabel{}):              "prompt_label",
	reflect.TypeOf(PromptInfo{}):               "prompt_info",
	reflect.TypeOf(DiffLine{}):                 "diff_line",
	reflect.TypeOf(PromptDiff{}):               "prompt_diff",
	reflect.TypeOf(PromptUsage{}):              "prompt_usage",
	reflect.TypeOf(PromptStats{}):              "prompt_stats",
	reflect.TypeOf(LibraryHealth{}):            "health",
}

// decodeErr is a mismatch between a record and the Go type it decodes into.
func decodeErr(kind, name, format string, args ...any) error {
	return newError(StatusPanic, fmt.Sprintf("decoding record %s, field %s: ", kind, name)+
		fmt.Sprintf(format, args...))
}

// decodeTop decodes top-level record i of res into a new T.
func decodeTop[T any](res *result, i int) (T, error) {
	var v T
	if i >= res.top || i >= len(res.records) {
		return v, newError(StatusPanic, fmt.Sprintf("the result has %d records, not %d", res.top, i+1))
	}
	err := res.decode(i, reflect.ValueOf(&v).Elem())
	return v, err
}

// decodeAll decodes every top-level record of res.
func decodeAll[T any](res *result) ([]T, error) {
	out := make([]T, res.top)
	for i := range out {
		if err := res.decode(i, reflect.ValueOf(&out[i]).Elem()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// decode fills struct dst from record i, field by tag; fields without a tag stay as they are.
func (r *result) decode(i int, dst reflect.Value) error {
	if i < 0 || i >= len(r.records) {
		return newError(StatusPanic, fmt.Sprintf("nested record %d is out of range", i))
	}
	rec := r.records[i]
	if want, ok := recordKinds[dst.Type()]; ok && rec.kind != want {
		return newError(StatusPanic, fmt.Sprintf("decoding %s: the record is a %q, not a %q", dst.Type(), rec.kind, want))
	}
	if rec.first < 0 || rec.first+rec.count > len(r.fields) {
		return decodeErr(rec.kind, "*", "fields out of range")
	}
	fields := r.fields[rec.first : rec.first+rec.count]
	for _, t := range taggedFields(dst.Type()) {
		for j := range fields {
			if fields[j].name == t.name {
				if err := r.set(rec.kind, &fields[j], dst.FieldByIndex(t.index)); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

// set stores one field in dst. NULL leaves dst its zero value.
func (r *result) set(kind string, f *field, dst reflect.Value) error {
	if f.kind == valueNull {
		dst.SetZero()
		return nil
	}
	t := dst.Type()
	switch {
	case t == timeType:
		if f.kind != valueTime {
			break
		}
		dst.Set(reflect.ValueOf(fromMicros(f.i)))
		return nil
	case t == rawType:
		if f.kind != valueJSON && f.kind != valueStr {
			break
		}
		dst.SetBytes([]byte(f.s))
		return nil
	case t.Kind() == reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := r.set(kind, f, p.Elem()); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		if f.kind == valueStr || f.kind == valueJSON {
			dst.SetString(f.s)
			return nil
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if f.kind == valueInt || f.kind == valueTime {
			dst.SetInt(f.i)
			return nil
		}
	case reflect.Float64:
		switch f.kind {
		case valueFloat:
			dst.SetFloat(f.f)
			return nil
		case valueInt:
			dst.SetFloat(float64(f.i))
			return nil
		}
	case reflect.Bool:
		if f.kind == valueBool {
			dst.SetBool(f.i != 0)
			return nil
		}
	case reflect.Slice:
		return r.setSlice(kind, f, dst)
	case reflect.Map:
		if f.kind == valueStrMap && t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.String {
			dst.Set(reflect.ValueOf(r.kvMap(f.first, f.count)))
			return nil
		}
	case reflect.Struct:
		if f.kind == valueRecords && f.count == 1 {
			return r.decode(f.first, dst)
		}
	}
	return decodeErr(kind, f.name, "value kind %d does not fit Go type %s", f.kind, t)
}

func (r *result) setSlice(kind string, f *field, dst reflect.Value) error {
	t := dst.Type()
	switch {
	case f.kind == valueStrList && t.Elem().Kind() == reflect.String:
		if f.first < 0 || f.first+f.count > len(r.strings) {
			return decodeErr(kind, f.name, "list out of range")
		}
		if f.count > 0 {
			dst.Set(reflect.ValueOf(r.strings[f.first : f.first+f.count : f.first+f.count]))
		}
		return nil
	case f.kind == valueRecords && t.Elem().Kind() == reflect.Struct:
		if f.first < 0 || f.first+f.count > len(r.records) {
			return decodeErr(kind, f.name, "nested records out of range")
		}
		s := reflect.MakeSlice(t, f.count, f.count)
		for k := 0; k < f.count; k++ {
			if err := r.decode(f.first+k, s.Index(k)); err != nil {
				return err
			}
		}
		dst.Set(s)
		return nil
	}
	return decodeErr(kind, f.name, "value kind %d does not fit Go type %s", f.kind, t)
}

// firstString is the result's one string (rendered prompts, exports, metrics).
func (r *result) firstString() (string, error) {
	if len(r.strings) == 0 {
		return "", newError(StatusPanic, "the result has no string")
	}
	return r.strings[0], nil
}

// encode writes v (a struct with `ts` tags, or a map, slice or scalar) as the library's JSON
// input. Zero strings, numbers, times, nil pointers and empty lists and maps are left out (the
// library's defaults apply); booleans are always written; times are µs since the epoch.
func encode(v any) []byte {
	var b bytes.Buffer
	encodeValue(&b, reflect.ValueOf(v))
	return b.Bytes()
}

func encodeValue(b *bytes.Buffer, v reflect.Value) {
	switch {
	case !v.IsValid():
		b.WriteString("null")
		return
	case v.Type() == timeType:
		b.WriteString(strconv.FormatInt(v.Interface().(time.Time).UnixMicro(), 10))
		return
	case v.Type() == rawType:
		if v.Len() == 0 {
			b.WriteString("null")
		} else {
			b.Write(v.Bytes())
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("null")
			return
		}
		encodeValue(b, v.Elem())
	case reflect.Struct:
		b.WriteByte('{')
		n := 0
		for _, t := range taggedFields(v.Type()) {
			fv := v.FieldByIndex(t.index)
			if fv.Kind() != reflect.Bool && fv.IsZero() {
				continue
			}
			if fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map {
				if fv.Len() == 0 && fv.Type() != rawType {
					continue
				}
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			writeJSONString(b, t.name)
			b.WriteByte(':')
			encodeValue(b, fv)
		}
		b.WriteByte('}')
	case reflect.Slice, reflect.Array:
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeValue(b, v.Index(i))
		}
		b.WriteByte(']')
	default:
		// Strings, numbers, booleans and string-keyed maps: encoding/json spells them as JSON does.
		out, err := json.Marshal(v.Interface())
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(out)
	}
}

func writeJSONString(b *bytes.Buffer, s string) {
	out, _ := json.Marshal(s)
	b.Write(out)
}
