package treestore

import (
	"fmt"
	"testing"
	"time"
)

// The document of sdk/c/bench/bench_abi.c and treestore-ffi/examples/bench_direct.rs: a root, 9
// chapters, 990 sections round-robin under them, each with a text and one metadata pair.
func benchDocument() *Document {
	doc := &Document{Version: Version{PolicyID: "bench", VersionID: "v1"}}
	doc.Nodes = append(doc.Nodes, Node{NodeID: "n0", Title: "Root"})
	for i := 1; i < 1000; i++ {
		parent := 0
		if i > 9 {
			parent = 1 + (i-10)%9
		}
		p := fmt.Sprintf("n%d", parent)
		doc.Nodes = append(doc.Nodes, Node{
			NodeID: fmt.Sprintf("n%d", i), ParentID: &p, Title: fmt.Sprintf("Section %d", i),
			PageStart: i, PageEnd: i + 1,
			Text:     fmt.Sprintf("Body of section %d, long enough to be stored out of line in the text table.", i),
			Metadata: map[string]string{"i": fmt.Sprint(i)},
		})
	}
	return doc
}

func benchDocDB(b *testing.B) *DB {
	db := openTemp(b, &Options{Durability: DurabilityRelaxed})
	if _, err := db.Documents().StoreDocument(benchDocument()); err != nil {
		b.Fatal(err)
	}
	if err := db.Checkpoint(); err != nil {
		b.Fatal(err)
	}
	return db
}

func BenchmarkGetNode(b *testing.B) {
	db := benchDocDB(b)
	d := db.Documents()
	b.Run("Go", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if n, err := d.GetNode("bench", "", "n500"); err != nil || n.Text == "" {
				b.Fatal(err)
			}
		}
	})
	b.Run("C", func(b *testing.B) {
		if _, err := benchCNodeGet(db, "bench", "n500", b.N); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkGetSubtree1000(b *testing.B) {
	db := benchDocDB(b)
	d := db.Documents()
	b.Run("Go", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if ns, err := d.GetSubtree("bench", "", "n0", 0); err != nil || len(ns) != 1000 {
				b.Fatal(len(ns), err)
			}
		}
	})
	b.Run("C", func(b *testing.B) {
		if n, err := benchCSubtree(db, "bench", "n0", b.N); err != nil || n != 1000*b.N {
			b.Fatal(n, err)
		}
	})
}

// BenchmarkStoreOverhead is BenchmarkOverhead for the document store: chunks of calls through Go
// and through C alternate, the fastest chunk of each counts, and the difference is what Go adds
// per call (cgo crossings, the handle lock, copying the result into Go values).
func BenchmarkStoreOverhead(b *testing.B) {
	db := benchDocDB(b)
	d := db.Documents()
	cases := []struct {
		name   string
		chunk  int
		goCall func(n int)
		cCall  func(n int)
	}{
		{"GetNode", 200, func(n int) {
			for i := 0; i < n; i++ {
				if _, err := d.GetNode("bench", "", "n500"); err != nil {
					b.Fatal(err)
				}
			}
		}, func(n int) {
			if _, err := benchCNodeGet(db, "bench", "n500", n); err != nil {
				b.Fatal(err)
			}
		}},
		{"GetSubtree1000", 4, func(n int) {
			for i := 0; i < n; i++ {
				if _, err := d.GetSubtree("bench", "", "n0", 0); err != nil {
					b.Fatal(err)
				}
			}
		}, func(n int) {
			if _, err := benchCSubtree(db, "bench", "n0", n); err != nil {
				b.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			bestGo, bestC := time.Duration(1<<62), time.Duration(1<<62)
			for done := 0; done < b.N; done += c.chunk {
				t0 := time.Now()
				c.goCall(c.chunk)
				t1 := time.Now()
				c.cCall(c.chunk)
				t2 := time.Now()
				bestGo = min(bestGo, t1.Sub(t0))
				bestC = min(bestC, t2.Sub(t1))
			}
			goNs := float64(bestGo.Nanoseconds()) / float64(c.chunk)
			cNs := float64(bestC.Nanoseconds()) / float64(c.chunk)
			b.ReportMetric(goNs, "go-ns/call")
			b.ReportMetric(cNs, "c-ns/call")
			b.ReportMetric(goNs-cNs, "overhead-ns/call")
		})
	}
}
