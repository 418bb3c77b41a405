package treestore

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// The cost of the Go layer: each pair runs the same work through this package ("Go") and in a
// loop written in C ("C"); the difference is what Go adds per call (cgo crossings, the handle
// lock, copying the result into Go memory).

func BenchmarkABIVersion(b *testing.B) {
	b.Run("Go", func(b *testing.B) {
		var sum uint32
		for i := 0; i < b.N; i++ {
			sum += ABIVersion()
		}
		if sum != uint32(b.N) {
			b.Fatal(sum)
		}
	})
	b.Run("C", func(b *testing.B) {
		if benchCABIVersion(b.N) != uint64(b.N) {
			b.Fatal("wrong sum")
		}
	})
}

// benchDB is a database with 10,000 keys of table "t" holding 100-byte values.
func benchDB(b *testing.B) *DB {
	db := openTemp(b, &Options{Durability: DurabilityRelaxed})
	err := db.Update(func(tx *Tx) error {
		for i := 0; i < 10_000; i++ {
			if err := tx.KVPut("t", benchKey(i), bytes.Repeat([]byte{'v'}, 100)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

func benchKey(i int) []byte { return []byte(fmt.Sprintf("key-%08d", i)) }

func BenchmarkKVGet(b *testing.B) {
	db := benchDB(b)
	key := benchKey(5_000)
	b.Run("Go", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := db.KVGet("t", key); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("C", func(b *testing.B) {
		buf := make([]byte, 100)
		if err := benchCKVGet(db, "t", key, buf, b.N); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("GoInView", func(b *testing.B) {
		b.ReportAllocs()
		err := db.View(func(tx *Tx) error {
			for i := 0; i < b.N; i++ {
				if _, err := tx.KVGet("t", key); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	})
	b.Run("GoParallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := db.KVGet("t", key); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func BenchmarkKVScan100(b *testing.B) {
	db := benchDB(b)
	r := KVRange{Start: benchKey(1_000), Limit: 100}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		kvs, err := db.KVScan("t", r)
		if err != nil || len(kvs) != 100 {
			b.Fatal(len(kvs), err)
		}
	}
}

func BenchmarkKVPutRelaxed(b *testing.B) {
	db := openTemp(b, &Options{Durability: DurabilityRelaxed})
	value := bytes.Repeat([]byte{'v'}, 100)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := db.KVPut("t", benchKey(i%10_000), value); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOverhead measures what Go adds to a call on a busy machine: it alternates chunks of
// calls through Go and through C, so both see the same load, and reports the fastest chunk of
// each (the one least disturbed) per call, and their difference.
func BenchmarkOverhead(b *testing.B) {
	db := benchDB(b)
	key := benchKey(5_000)
	buf := make([]byte, 100)
	cases := []struct {
		name   string
		goCall func(n int)
		cCall  func(n int)
	}{
		{"ABIVersion", func(n int) {
			for i := 0; i < n; i++ {
				ABIVersion()
			}
		}, func(n int) { benchCABIVersion(n) }},
		{"KVGet", func(n int) {
			for i := 0; i < n; i++ {
				if _, err := db.KVGet("t", key); err != nil {
					b.Fatal(err)
				}
			}
		}, func(n int) {
			if err := benchCKVGet(db, "t", key, buf, n); err != nil {
				b.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			const chunk = 200
			bestGo, bestC := time.Duration(1<<62), time.Duration(1<<62)
			for done := 0; done < b.N; done += chunk {
				t0 := time.Now()
				c.goCall(chunk)
				t1 := time.Now()
				c.cCall(chunk)
				t2 := time.Now()
				bestGo = min(bestGo, t1.Sub(t0))
				bestC = min(bestC, t2.Sub(t1))
			}
			goNs := float64(bestGo.Nanoseconds()) / chunk
			cNs := float64(bestC.Nanoseconds()) / chunk
			b.ReportMetric(goNs, "go-ns/call")
			b.ReportMetric(cNs, "c-ns/call")
			b.ReportMetric(goNs-cNs, "overhead-ns/call")
		})
	}
}
