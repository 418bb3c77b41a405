package treestore

import "time"

// Stats are the engine's counters and gauges at one moment.
type Stats struct {
	PageSize     uint64 // bytes per page
	TotalPages   uint64 // pages below the high-water mark
	FreePages    uint64 // pages free for reuse
	PendingPages uint64 // pages freed but still reachable by a live reader
	UsedPages    uint64 // pages holding data
	WALPages     uint64 // committed pages not yet checkpointed
	FileBytes    uint64 // bytes of the main file
	WALBytes     uint64 // bytes of the WAL
	LastTxID     uint64 // id of the last committed transaction
	Commits      uint64 // commits since open
	Checkpoints  uint64 // checkpoints since open
	LiveReaders  uint64 // read transactions alive now

	// OldestReaderAge is the age of the oldest live read transaction (0: none).
	OldestReaderAge time.Duration
	// LastCheckpointAge is the time since this handle's last checkpoint; -1 when there was none.
	LastCheckpointAge time.Duration
	// Uptime is the time since the database was opened.
	Uptime time.Duration
}
