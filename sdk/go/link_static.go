//go:build !treestore_dynamic

package treestore

// The default build links the static library of this repository's Rust build (`make lib` at the
// repository root writes target/release/libtreestore.a), so a program needs no libtreestore.so at
// run time. The archive is named by its path, not by -L/-ltreestore: the linker prefers the .so
// that sits beside it. The other libraries are what the Rust standard library needs from libc.

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: ${SRCDIR}/../../target/release/libtreestore.a -lm -ldl -lpthread
import "C"
