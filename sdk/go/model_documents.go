package treestore

// The types of the document, version and search stores, named and shaped as the Go packages
// TreeStore replaces named them (document.Node, version.Version...). Each field's `ts` tag is the
// field of the library's record (docs/c-api.md); the decoder and the JSON encoder of inputs read
// it. Optional strings of the engine are "" when absent, except ParentID, which is nil at the root.

import (
	"encoding/json"
	"time"
)

// Node is one section of a document version.
type Node struct {
	NodeID    string  `ts:"node_id"`
	PolicyID  string  `ts:"policy_id"`
	VersionID string  `ts:"version_id"`
	ParentID  *string `ts:"parent_id"` // nil at the root
	Title     string  `ts:"title"`
	// PageStart and PageEnd are the section's page range, inclusive; 0 when unknown.
	PageStart int    `ts:"page_start"`
	PageEnd   int    `ts:"page_end"`
	Summary   string `ts:"summary"`
	// Text is the section's text; "" when it has none or when the query did not read texts.
	Text string `ts:"text"`
	// SectionPath is the dotted ordinal path ("1.2.3"; "" at the root), derived when absent.
	SectionPath string            `ts:"section_path"`
	ChildIDs    []string          `ts:"child_ids"`
	Depth       int               `ts:"depth"` // derived: 0 at the root
	CreatedAt   time.Time         `ts:"created_at"`
	UpdatedAt   time.Time         `ts:"updated_at"`
	SeeAlso     []string          `ts:"see_also"`
	Metadata    map[string]string `ts:"metadata"`
}

// Version is one version of a policy document: everything but its nodes.
type Version struct {
	PolicyID       string            `ts:"policy_id"`
	VersionID      string            `ts:"version_id"`
	PageIndexDocID string            `ts:"pageindex_doc_id"`
	RootNodeID     string            `ts:"root_node_id"`
	Metadata       map[string]string `ts:"metadata"`
	CreatedAt      time.Time         `ts:"created_at"` // zero on input: now
	UpdatedAt      time.Time         `ts:"updated_at"`
	EffectiveStart *time.Time        `ts:"effective_start"`
	EffectiveEnd   *time.Time        `ts:"effective_end"`
	CreatedBy      string            `ts:"created_by"`
	Description    string            `ts:"description"`
	Tags           []string          `ts:"tags"`
}

// Document is a version with its nodes (in pre-order when read).
type Document struct {
	Version
	Nodes []Node `ts:"-"`
}

// VersionQuery selects one page of a policy's versions, newest first.
type VersionQuery struct {
	PolicyID string
	Limit    int    // 0: the library's default
	Cursor   string // NextCursor of the previous page; "" for the first
}

// VersionHistory is a policy's versions, newest first (one page of them from ListVersions).
type VersionHistory struct {
	PolicyID   string
	Versions   []Version
	NextCursor string // "" on the last page
}

// NodeChange is a node of a VersionDiff; Fields names what changed (empty when added or removed):
// title, pages, summary, text, parent_id, position, section_path, see_also, metadata.
type NodeChange struct {
	NodeID      string   `ts:"node_id"`
	Title       string   `ts:"title"`
	SectionPath string   `ts:"section_path"`
	Fields      []string `ts:"fields"`
}

// VersionDiff is what changed between two versions of a policy, each list in pre-order.
type VersionDiff struct {
	PolicyID    string       `ts:"policy_id"`
	FromVersion string       `ts:"from_version"`
	ToVersion   string       `ts:"to_version"`
	Added       []NodeChange `ts:"added"`
	Removed     []NodeChange `ts:"removed"`
	Changed     []NodeChange `ts:"changed"`
}

// StructurePage is one page of a version's outline (nodes without text).
type StructurePage struct {
	Version    Version
	Nodes      []Node
	TotalNodes int64  // nodes in the version
	NextCursor string // "" on the last page
}

// StructureOptions page an outline. SummaryChars cuts summaries to that many characters: 0 is the
// SDKs' default of 420, a negative number keeps them whole, and NoSummaries drops them.
type StructureOptions struct {
	SummaryChars int
	NoSummaries  bool
	Limit        int // 0: every node
	Cursor       string
}

// DefaultSummaryChars is the summary length of an outline when StructureOptions leave it 0.
const DefaultSummaryChars = 420

// ImportOptions describe a PageIndex import: the version's effective dates and provenance.
type ImportOptions struct {
	EffectiveStart *time.Time
	EffectiveEnd   *time.Time
	CreatedBy      string
	Description    string
}

// ExportOptions format a PageIndex export.
type ExportOptions struct {
	Pretty bool // indented
	ASCII  bool // non-ASCII escaped
}

// SearchResult is one search hit, best first: the node (with text when asked), its BM25 score,
// the query terms it matched and a snippet with matches in <b>..</b>.
type SearchResult struct {
	PolicyID     string   `ts:"policy_id"`
	VersionID    string   `ts:"version_id"`
	NodeID       string   `ts:"node_id"`
	Score        float64  `ts:"score"`
	MatchedTerms []string `ts:"matched_terms"`
	Snippet      string   `ts:"snippet"`
	Node         Node     `ts:"-"`
}

// UnifiedHit is one hit of a unified search, best first. Kind is "node", "tool_result", "prompt"
// or "trajectory_step"; ID is its display id ("policy/version/node", the execution id,
// "name:version", "trajectory_id:step"); only the ids of its kind are set. Score is the BM25 score
// over the highest its kind could reach for the query, in [0, 1), comparable across kinds; BM25
// is the score within its kind. Snippet marks matches with <b>..</b>.
type UnifiedHit struct {
	Kind          string   `ts:"kind"`
	ID            string   `ts:"id"`
	Score         float64  `ts:"score"`
	BM25          float64  `ts:"bm25"`
	MatchedTerms  []string `ts:"matched_terms"`
	Snippet       string   `ts:"snippet"`
	PolicyID      string   `ts:"policy_id"`
	VersionID     string   `ts:"version_id"`
	NodeID        string   `ts:"node_id"`
	ExecutionID   string   `ts:"execution_id"`
	PromptName    string   `ts:"prompt_name"`
	PromptVersion int      `ts:"prompt_version"`
	TrajectoryID  string   `ts:"trajectory_id"`
	StepNumber    int      `ts:"step_number"`
}

// UnifiedSearchOptions shape a unified search; the zero value searches every kind. Kinds
// restricts the kinds ("node", "tool_result", "prompt", "trajectory_step"); PolicyID keeps nodes
// of the policy and tool results about it, and VersionID, with it, nodes of that version; CaseID
// keeps tool results and trajectory steps of the case. Limit is 0 (10) to 1,000; Cursor is the
// NextCursor of the previous page of the same query; SnippetChars 0 is 200.
type UnifiedSearchOptions struct {
	Kinds        []string `ts:"kinds"`
	PolicyID     string   `ts:"policy_id"`
	VersionID    string   `ts:"version_id"`
	CaseID       string   `ts:"case_id"`
	Limit        int      `ts:"limit"`
	Cursor       string   `ts:"cursor"`
	SnippetChars int      `ts:"snippet_chars"`
}

// QueryOptions shape a search. PolicyID restricts it to a policy and VersionID, with it, to a
// version ("": every version); Scopes and Weights only GlobalSearch reads.
type QueryOptions struct {
	PolicyID     string        `ts:"policy_id"`
	VersionID    string        `ts:"version_id"`
	Limit        int           `ts:"limit"` // 0: 10
	Offset       int           `ts:"offset"`
	Scopes       []SearchScope `ts:"scopes"`
	Weights      *FieldWeights `ts:"weights"`
	SnippetChars int           `ts:"-"` // 0: no snippet
	IncludeText  bool          `ts:"-"`
}

// SearchScope is one policy (and version) a global search covers.
type SearchScope struct {
	PolicyID  string `ts:"policy_id"`
	VersionID string `ts:"version_id"`
}

// FieldWeights weigh BM25 scores by field.
type FieldWeights struct {
	Title   float64 `ts:"title"`
	Summary float64 `ts:"summary"`
	Text    float64 `ts:"text"`
}

// SearchSettings are the index's settings: Stemming "none" or "porter".
type SearchSettings struct {
	Stemming string       `ts:"stemming"`
	Weights  FieldWeights `ts:"weights"`
}

// BackupReport describes a backup or a compaction.
type BackupReport struct {
	Tables    int64 `ts:"tables"`
	Entries   int64 `ts:"entries"`
	TxID      int64 `ts:"txid"`
	FileBytes int64 `ts:"file_bytes"`
}

// rawJSON is the Go type of the engine's JSON values (tool result data, prompt configs).
type rawJSON = json.RawMessage
