package treestore

// The types of the metadata store (tool results, trajectories, cross-references, contradictions,
// generic metadata) and of the query engine. Enumerations are strings, spelled as the library
// spells them ("cites", "high", "open", "int").

import "time"

// Page selects one page of a list: at most Limit items (0: the library's default) after Cursor
// (the NextCursor of the previous page; "" for the first).
type Page struct {
	Limit  int    `ts:"limit"`
	Cursor string `ts:"cursor"`
}

// List is one page of a list and the cursor of the next ("" on the last page).
type List[T any] struct {
	Items      []T
	NextCursor string
}

// MetadataEntry is one key/value pair about an entity. Value is the stored text; ValueType says
// how to read it: "string", "int", "float", "bool" or "json".
type MetadataEntry struct {
	EntityType string    `ts:"entity_type"`
	EntityID   string    `ts:"entity_id"`
	Key        string    `ts:"key"`
	Value      string    `ts:"value"`
	ValueType  string    `ts:"value_type"`
	CreatedAt  time.Time `ts:"created_at"`
	UpdatedAt  time.Time `ts:"updated_at"`
}

// EntityRef names an entity that has metadata.
type EntityRef struct {
	EntityType string `ts:"entity_type"`
	EntityID   string `ts:"entity_id"`
}

// MetadataQuery finds the entities (of EntityType, when set) whose metadata has every pair of
// Filters.
type MetadataQuery struct {
	EntityType string            `ts:"entity_type"`
	Filters    map[string]string `ts:"filters"`
	Limit      int               `ts:"limit"`
	Cursor     string            `ts:"cursor"`
}

// ToolResult is one execution of a reasoning tool. ExecutionID is generated when empty on input;
// ExecutedAt is now when zero. Set Success: it is sent as is (false records a failure).
type ToolResult struct {
	ExecutionID  string    `ts:"execution_id"`
	ToolName     string    `ts:"tool_name"`
	PolicyID     string    `ts:"policy_id"`
	NodeID       string    `ts:"node_id"`
	CaseID       string    `ts:"case_id"`
	ResultData   rawJSON   `ts:"result_data"` // any JSON value
	Success      bool      `ts:"success"`
	ErrorMessage string    `ts:"error_message"`
	ExecutedAt   time.Time `ts:"executed_at"`
	DurationMS   int64     `ts:"duration_ms"`
}

// ToolResultQuery filters tool results; zero fields do not filter.
type ToolResultQuery struct {
	PolicyID string    `ts:"policy_id"`
	ToolName string    `ts:"tool_name"`
	CaseID   string    `ts:"case_id"`
	Success  *bool     `ts:"success"`
	Since    time.Time `ts:"since"`
	Until    time.Time `ts:"until"`
	Limit    int       `ts:"limit"`
	Cursor   string    `ts:"cursor"`
}

// TrajectoryStep is one step of a reasoning trajectory; StepNumber is assigned when 0.
type TrajectoryStep struct {
	StepNumber  int       `ts:"step_number"`
	ToolName    string    `ts:"tool_name"`
	Action      string    `ts:"action"`
	Observation string    `ts:"observation"`
	Thought     string    `ts:"thought"`
	Timestamp   time.Time `ts:"timestamp"`
}

// Trajectory is the steps of one reasoning run for a case; TrajectoryID is generated when empty.
type Trajectory struct {
	TrajectoryID string           `ts:"trajectory_id"`
	CaseID       string           `ts:"case_id"`
	Steps        []TrajectoryStep `ts:"steps"`
	StartedAt    time.Time        `ts:"started_at"`
	CompletedAt  *time.Time       `ts:"completed_at"`
}

// CrossReference links a policy (or one of its nodes) to another. ReferenceType is "cites"
// (the default), "contradicts", "supports" or "see_also".
type CrossReference struct {
	SourcePolicyID string    `ts:"source_policy_id"`
	SourceNodeID   string    `ts:"source_node_id"`
	TargetPolicyID string    `ts:"target_policy_id"`
	TargetNodeID   string    `ts:"target_node_id"`
	ReferenceType  string    `ts:"reference_type"`
	Context        string    `ts:"context"`
	CreatedAt      time.Time `ts:"created_at"`
}

// CrossReferenceQuery lists the references of a policy (or node): Direction "outgoing",
// "incoming" or "both" (the default).
type CrossReferenceQuery struct {
	PolicyID      string `ts:"policy_id"`
	NodeID        string `ts:"node_id"`
	Direction     string `ts:"direction"`
	ReferenceType string `ts:"reference_type"`
	Limit         int    `ts:"limit"`
	Cursor        string `ts:"cursor"`
}

// Contradiction is a conflict found between two policies (or nodes). Severity is "low",
// "medium" (the default) or "high"; Status "open" (the default), "acknowledged", "resolved" or
// "dismissed".
type Contradiction struct {
	ContradictionID string     `ts:"contradiction_id"`
	PolicyA         string     `ts:"policy_a"`
	NodeA           string     `ts:"node_a"`
	PolicyB         string     `ts:"policy_b"`
	NodeB           string     `ts:"node_b"`
	Description     string     `ts:"description"`
	Severity        string     `ts:"severity"`
	DetectedAt      time.Time  `ts:"detected_at"`
	Status          string     `ts:"status"`
	Resolution      string     `ts:"resolution"`
	ResolvedAt      *time.Time `ts:"resolved_at"`
}

// ContradictionQuery filters contradictions; zero fields do not filter.
type ContradictionQuery struct {
	PolicyID string    `ts:"policy_id"`
	Severity string    `ts:"severity"`
	Status   string    `ts:"status"`
	Since    time.Time `ts:"since"`
	Until    time.Time `ts:"until"`
	Limit    int       `ts:"limit"`
	Cursor   string    `ts:"cursor"`
}

// EnrichedDocument is a node with what the other stores know about it: its version, its
// metadata (entity type "node", id "policy/node") and its cross-references in both directions.
// CrossReferencesCursor is "" when CrossReferences holds them all, else the Cursor of a
// CrossReferenceQuery (same policy and node, direction "both") that lists the rest.
type EnrichedDocument struct {
	Node                  Node
	Version               Version          `ts:"version"`
	Metadata              []MetadataEntry  `ts:"metadata"`
	CrossReferences       []CrossReference `ts:"cross_references"`
	CrossReferencesCursor string           `ts:"cross_references_cursor"`
}

// RelatedNode is a node related to another, with the reason: "cross_reference" (ReferenceType
// set), "keyword" (Score set), "sibling" (HitNodeID set) or "see_also". Nodes come without text.
type RelatedNode struct {
	Node          Node
	Reason        string  `ts:"reason"`
	ReferenceType string  `ts:"reference_type"`
	Score         float64 `ts:"score"`
	HitNodeID     string  `ts:"hit_node_id"`
}
