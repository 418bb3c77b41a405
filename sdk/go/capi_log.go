package treestore

// The engine's log callback, exported to C. A file with //export may only declare C functions,
// so the shim that installs it is in capi.go.

// #include <stdint.h>
// #include <stddef.h>
import "C"

import "unsafe"

// goTreestoreLog receives one log line from the engine, on any thread (including the WAL sync
// thread, which Go has never seen: cgo attaches it). msg is valid only during the call, so it is
// copied before the handler sees it.
//
//export goTreestoreLog
func goTreestoreLog(level C.uint32_t, msg *C.uint8_t, n C.size_t, _ unsafe.Pointer) {
	var text string
	if msg != nil && n > 0 {
		text = string(unsafe.Slice((*byte)(unsafe.Pointer(msg)), int(n)))
	}
	deliverLog(uint32(level), text)
}
