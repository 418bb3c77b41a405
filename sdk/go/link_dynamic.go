//go:build treestore_dynamic

package treestore

// With the treestore_dynamic build tag the package links the shared library found through
// pkg-config (`make install` writes treestore.pc), for systems that install libtreestore once, and
// for programs that link a second Rust static library (two Rust staticlibs in one binary can clash).

// #cgo pkg-config: treestore
import "C"
