// Package treestore is the Go SDK of TreeStore, an embedded crash-safe database for document trees.
// It calls the C library libtreestore through cgo (so it needs CGO_ENABLED=1 and a C compiler) and
// links it statically by default; see README.md.
//
// # Handles
//
// Open returns a *DB, safe for concurrent use by many goroutines. Close it explicitly: Close ends
// open transactions, waits for calls in flight, checkpoints and unlocks the file. A finalizer
// closes a forgotten *DB only as a safety net. Methods on a closed DB return an error matching
// ErrClosed.
//
// # Transactions
//
// Update and View run a function in a transaction, in the style of bbolt: Update commits when the
// function returns nil and rolls back when it returns an error or panics; View runs on a read
// snapshot. Begin returns a *Tx to end by hand. The DB methods (KVPut, KVGet, ...) each run in a
// transaction of their own. A *Tx belongs to one goroutine at a time; it is not tied to an OS
// thread.
//
// # Stores
//
// The document, version, metadata, prompt and query stores mirror the Go packages TreeStore
// replaces: db.Documents(), db.Versions(), db.Metadata(), db.Prompts() and db.Query() run each
// call in a transaction of its own; tx.Documents() and the others run in tx. Their types (Node,
// Version, Document, SearchResult, MetadataEntry, Conversation, ToolResult...) carry `ts` tags
// naming the library's record fields.
//
// # Errors
//
// A failed call returns an *Error with the library's Status and message. Match it with errors.Is
// against the sentinels (ErrNotFound, ErrInvalidArgument, ErrCorruption, ErrLocked, ErrReadOnly,
// ErrClosed, ErrIO, ...), or errors.As for the Status.
//
// # Memory
//
// Every value a method returns lives in Go memory: results are copied out of the library's result
// objects, which are freed before the method returns. Arguments are passed to C as (pointer,
// length) for the duration of one call, as the cgo pointer rules allow.
package treestore
