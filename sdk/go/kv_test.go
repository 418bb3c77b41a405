package treestore

import (
	"bytes"
	"fmt"
	"testing"
)

// kvStore is what *DB and *Tx share, so one table of cases runs against both.
type kvStore interface {
	KVGet(table string, key []byte) ([]byte, error)
	KVPut(table string, key, value []byte) error
	KVDelete(table string, key []byte) (bool, error)
	KVScan(table string, r KVRange) ([]KV, error)
}

// onDBAndTx runs f against the DB and inside an Update.
func onDBAndTx(t *testing.T, f func(t *testing.T, s kvStore)) {
	t.Run("DB", func(t *testing.T) { f(t, openTemp(t, nil)) })
	t.Run("Tx", func(t *testing.T) {
		db := openTemp(t, nil)
		err := db.Update(func(tx *Tx) error {
			f(t, tx)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestKVPutGetDelete(t *testing.T) {
	onDBAndTx(t, func(t *testing.T, s kvStore) {
		steps := []struct {
			op, table, key, value string
			want                  string // value read, or "removed"/"absent" for deletes
			err                   error
		}{
			{"get", "t", "k", "", "", ErrNotFound},
			{"put", "t", "k", "v1", "", nil},
			{"get", "t", "k", "", "v1", nil},
			{"put", "t", "k", "v2", "", nil},
			{"get", "t", "k", "", "v2", nil},
			{"get", "other", "k", "", "", ErrNotFound},
			{"put", "t", "", "empty key", "", nil},
			{"get", "t", "", "", "empty key", nil},
			{"put", "t", "empty value", "", "", nil},
			{"get", "t", "empty value", "", "", nil},
			{"put", "t", "\x00\xff binary", "\x00\x01\x02", "", nil},
			{"get", "t", "\x00\xff binary", "", "\x00\x01\x02", nil},
			{"put", "tábla ✓", "k", "unicode table", "", nil},
			{"get", "tábla ✓", "k", "", "unicode table", nil},
			{"delete", "t", "k", "", "removed", nil},
			{"delete", "t", "k", "", "absent", nil},
			{"get", "t", "k", "", "", ErrNotFound},
			{"put", "", "k", "v", "", ErrInvalidArgument},
			{"get", "", "k", "", "", ErrInvalidArgument},
			{"delete", "", "k", "", "", ErrInvalidArgument},
			{"put", "t\xff", "k", "v", "", ErrInvalidUTF8},
			{"get", "t\xff", "k", "", "", ErrInvalidUTF8},
			{"delete", "t\xff", "k", "", "", ErrInvalidUTF8},
		}
		for i, st := range steps {
			what := fmt.Sprintf("step %d: %s %q %q", i, st.op, st.table, st.key)
			switch st.op {
			case "put":
				wantErr(t, what, s.KVPut(st.table, []byte(st.key), []byte(st.value)), st.err)
			case "get":
				v, err := s.KVGet(st.table, []byte(st.key))
				wantErr(t, what, err, st.err)
				if err == nil && (string(v) != st.want || v == nil) {
					t.Errorf("%s = %q, want %q", what, v, st.want)
				}
			case "delete":
				removed, err := s.KVDelete(st.table, []byte(st.key))
				wantErr(t, what, err, st.err)
				if err == nil && removed != (st.want == "removed") {
					t.Errorf("%s: removed = %v, want %s", what, removed, st.want)
				}
			}
		}
	})
}

func TestKVNilArgumentsAreEmpty(t *testing.T) {
	onDBAndTx(t, func(t *testing.T, s kvStore) {
		if err := s.KVPut("t", nil, nil); err != nil {
			t.Fatal(err)
		}
		v, err := s.KVGet("t", []byte{})
		if err != nil || v == nil || len(v) != 0 {
			t.Errorf("KVGet(empty key) = %q (nil %v), %v", v, v == nil, err)
		}
	})
}

func TestKVScan(t *testing.T) {
	keys := func(kvs []KV) string {
		var b bytes.Buffer
		for _, kv := range kvs {
			b.Write(kv.Key)
		}
		return b.String()
	}
	onDBAndTx(t, func(t *testing.T, s kvStore) {
		for _, k := range []string{"d", "a", "c", "e", "b"} {
			if err := s.KVPut("t", []byte(k), []byte("value of "+k)); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name  string
			table string
			r     KVRange
			want  string
			err   error
		}{
			{"everything", "t", KVRange{}, "abcde", nil},
			{"reversed", "t", KVRange{Reverse: true}, "edcba", nil},
			{"from b", "t", KVRange{Start: []byte("b")}, "bcde", nil},
			{"before d", "t", KVRange{End: []byte("d")}, "abc", nil},
			{"b to d", "t", KVRange{Start: []byte("b"), End: []byte("d")}, "bc", nil},
			{"b to d reversed", "t", KVRange{Start: []byte("b"), End: []byte("d"), Reverse: true}, "cb", nil},
			{"limit 2", "t", KVRange{Limit: 2}, "ab", nil},
			{"limit 2 reversed", "t", KVRange{Limit: 2, Reverse: true}, "ed", nil},
			{"limit over count", "t", KVRange{Limit: 99}, "abcde", nil},
			{"empty start is unbounded too", "t", KVRange{Start: []byte{}}, "abcde", nil},
			{"empty end excludes everything", "t", KVRange{End: []byte{}}, "", nil},
			{"start after end", "t", KVRange{Start: []byte("d"), End: []byte("b")}, "", nil},
			{"between keys", "t", KVRange{Start: []byte("bb"), End: []byte("cc")}, "c", nil},
			{"missing table", "none", KVRange{}, "", nil},
			{"negative limit", "t", KVRange{Limit: -1}, "", ErrInvalidArgument},
			{"empty table name", "", KVRange{}, "", ErrInvalidArgument},
			{"invalid UTF-8 table", "\xff", KVRange{}, "", ErrInvalidUTF8},
		}
		for _, tt := range tests {
			got, err := s.KVScan(tt.table, tt.r)
			wantErr(t, tt.name, err, tt.err)
			if err != nil {
				continue
			}
			if keys(got) != tt.want {
				t.Errorf("%s: keys %q, want %q", tt.name, keys(got), tt.want)
			}
			for _, kv := range got {
				if string(kv.Value) != "value of "+string(kv.Key) {
					t.Errorf("%s: %q = %q", tt.name, kv.Key, kv.Value)
				}
			}
		}
	})
}

func TestKVResultsAreTheCallersMemory(t *testing.T) {
	db := openTemp(t, nil)
	mustPut(t, db, "t", "a", "1111")
	mustPut(t, db, "t", "b", "2222")
	kvs, err := db.KVScan("t", KVRange{})
	if err != nil || len(kvs) != 2 {
		t.Fatal(kvs, err)
	}
	// Keys and values share one allocation; appending to one never writes over the next.
	_ = append(kvs[0].Key, "XXXXXXXX"...)
	_ = append(kvs[0].Value, "XXXXXXXX"...)
	if string(kvs[0].Value) != "1111" || string(kvs[1].Key) != "b" || string(kvs[1].Value) != "2222" {
		t.Errorf("an append overwrote a neighbour: %q", kvs)
	}
	v, _ := db.KVGet("t", []byte("a"))
	v[0] = 'X'
	if again, _ := db.KVGet("t", []byte("a")); string(again) != "1111" {
		t.Errorf("changing a returned value changed the database: %q", again)
	}
	// A caller's buffer is not kept: changing it after the call changes nothing stored.
	key, value := []byte("c"), []byte("3333")
	if err := db.KVPut("t", key, value); err != nil {
		t.Fatal(err)
	}
	key[0], value[0] = 'z', 'z'
	if got, err := db.KVGet("t", []byte("c")); err != nil || string(got) != "3333" {
		t.Errorf("KVGet(c) = %q, %v", got, err)
	}
}

func TestKVLargeValues(t *testing.T) {
	db := openTemp(t, nil)
	for _, n := range []int{4095, 4096, 100_000, 1 << 20} {
		value := bytes.Repeat([]byte{byte(n)}, n)
		key := []byte(fmt.Sprint(n))
		if err := db.KVPut("big", key, value); err != nil {
			t.Fatalf("KVPut %d bytes: %v", n, err)
		}
		got, err := db.KVGet("big", key)
		if err != nil || !bytes.Equal(got, value) {
			t.Errorf("KVGet %d bytes: %d bytes, %v", n, len(got), err)
		}
	}
}

// An argument over the library's 1 GiB limit is refused before it is read (the slice is never
// touched, so the allocation costs address space, not memory).
func TestKVArgumentOverTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 1 GiB of address space")
	}
	db := openTemp(t, nil)
	huge := make([]byte, 1<<30+1)
	err := db.KVPut("t", []byte("k"), huge)
	wantErr(t, "KVPut", err, ErrTooLarge)
	wantErr(t, "KVPut", err, ErrInvalidArgument)
	_, err = db.KVGet("t", huge)
	wantErr(t, "KVGet", err, ErrTooLarge)
}
