package treestore

// Durability says when a commit is durable.
type Durability uint32

const (
	// DurabilitySync returns from a commit after its WAL record is fsynced (concurrent commits
	// share one fsync). The default.
	DurabilitySync Durability = 0
	// DurabilityRelaxed returns from a commit at once; the WAL is fsynced in the background every
	// 100 ms and at each checkpoint. A crash loses at most the commits since, never consistency.
	DurabilityRelaxed Durability = 1
)

// Options configure Open. The zero value (and a nil *Options) is the default: synchronous
// commits, 4096-byte pages, read-write, create the file when missing, checkpoint every 64 MiB of
// WAL.
type Options struct {
	// Durability of commits.
	Durability Durability
	// PageSize of a new database: a power of two from 1024 to 65536; 0 for 4096. An existing
	// file keeps its own.
	PageSize uint32
	// ReadOnly opens with a shared lock: any number of read-only handles, no writer, no writes.
	ReadOnly bool
	// NoCreate fails with ErrNotFound instead of creating a missing file.
	NoCreate bool
	// CheckpointWALBytes checkpoints automatically once the WAL passes this many bytes; 0 for
	// 64 MiB.
	CheckpointWALBytes uint64
	// NoShrink keeps the file as it is when the last handle closes. By default that close moves
	// live pages down and cuts the free end off the file when at least a quarter of it is free
	// (on file systems mounted with online discard, freeing the blocks can take seconds).
	NoShrink bool
}

// defaultCheckpointWALBytes is the library's default for Options.CheckpointWALBytes.
const defaultCheckpointWALBytes = 64 << 20
