package treestore

// The types of the prompt store: conversations and messages (as the replaced prompt package named
// them), prompt templates with versions and labels, and their usage.

import "time"

// Conversation is a chat between a user and the reasoning service. ID is generated when empty.
type Conversation struct {
	ID           string            `ts:"id"`
	UserID       string            `ts:"user_id"`
	Title        string            `ts:"title"`
	Tags         []string          `ts:"tags"`
	Metadata     map[string]string `ts:"metadata"`
	CreatedAt    time.Time         `ts:"created_at"`
	UpdatedAt    time.Time         `ts:"updated_at"`
	MessageCount int64             `ts:"message_count"`
}

// Message is one message of a conversation: Role "system", "user" (the default), "assistant" or
// "tool". ID is generated when empty.
type Message struct {
	ID             string            `ts:"id"`
	ConversationID string            `ts:"conversation_id"`
	Role           string            `ts:"role"`
	Content        string            `ts:"content"`
	Metadata       map[string]string `ts:"metadata"`
	CreatedAt      time.Time         `ts:"created_at"`
}

// ConversationWithMessages is a conversation and its messages, oldest first.
type ConversationWithMessages struct {
	Conversation Conversation `ts:"conversation"`
	Messages     []Message    `ts:"messages"`
}

// ConversationQuery filters conversations; zero fields do not filter.
type ConversationQuery struct {
	UserID string    `ts:"user_id"`
	Tag    string    `ts:"tag"`
	Since  time.Time `ts:"since"`
	Until  time.Time `ts:"until"`
	Limit  int       `ts:"limit"`
	Cursor string    `ts:"cursor"`
}

// PromptTemplate is one version of a named prompt template ({{placeholders}} in Template).
// On input (CreatePromptTemplate) Name and Template are required; Version, Variables and
// CreatedAt are assigned; Labels point at the new version.
type PromptTemplate struct {
	Name          string    `ts:"name"`
	Version       int       `ts:"version"`
	Template      string    `ts:"template"`
	Variables     []string  `ts:"variables"`
	Config        rawJSON   `ts:"config"` // any JSON value; nil when none
	CommitMessage string    `ts:"commit_message"`
	CreatedBy     string    `ts:"created_by"`
	Labels        []string  `ts:"labels"`
	CreatedAt     time.Time `ts:"created_at"`
}

// PromptLabel points a label ("prod") at a version of a prompt.
type PromptLabel struct {
	Label   string `ts:"label"`
	Version int    `ts:"version"`
}

// PromptInfo summarises a prompt: its latest version and its labels.
type PromptInfo struct {
	Name          string        `ts:"name"`
	LatestVersion int           `ts:"latest_version"`
	Labels        []PromptLabel `ts:"labels"`
	CreatedAt     time.Time     `ts:"created_at"`
	UpdatedAt     time.Time     `ts:"updated_at"`
}

// DiffLine is one line of a prompt diff: Op "equal", "insert" or "delete".
type DiffLine struct {
	Op   string `ts:"op"`
	Text string `ts:"text"`
}

// PromptDiff compares two versions of a prompt line by line.
type PromptDiff struct {
	Name             string     `ts:"name"`
	FromVersion      int        `ts:"from_version"`
	ToVersion        int        `ts:"to_version"`
	Lines            []DiffLine `ts:"lines"`
	VariablesAdded   []string   `ts:"variables_added"`
	VariablesRemoved []string   `ts:"variables_removed"`
	FromConfig       rawJSON    `ts:"from_config"`
	ToConfig         rawJSON    `ts:"to_config"`
}

// PromptUsage is one use of a prompt version: the response, its cost, and a score set later.
// UsageID is generated when empty; PromptVersion 0 on input is the latest.
type PromptUsage struct {
	UsageID       string            `ts:"usage_id"`
	PromptName    string            `ts:"prompt_name"`
	PromptVersion int               `ts:"prompt_version"`
	Variables     map[string]string `ts:"variables"`
	Response      string            `ts:"response"`
	LatencyMS     int64             `ts:"latency_ms"`
	InputTokens   int64             `ts:"input_tokens"`
	OutputTokens  int64             `ts:"output_tokens"`
	Score         *float64          `ts:"score"`
	CaseID        string            `ts:"case_id"`
	Metadata      map[string]string `ts:"metadata"`
	CreatedAt     time.Time         `ts:"created_at"`
}

// UsageQuery filters prompt usage; zero fields do not filter.
type UsageQuery struct {
	PromptName    string    `ts:"prompt_name"`
	PromptVersion int       `ts:"prompt_version"`
	CaseID        string    `ts:"case_id"`
	Since         time.Time `ts:"since"`
	Until         time.Time `ts:"until"`
	Limit         int       `ts:"limit"`
	Cursor        string    `ts:"cursor"`
}

// PromptStats aggregate the usage of one prompt version.
type PromptStats struct {
	PromptName        string   `ts:"prompt_name"`
	PromptVersion     int      `ts:"prompt_version"`
	Count             int64    `ts:"count"`
	MeanLatencyMS     float64  `ts:"mean_latency_ms"`
	ScoredCount       int64    `ts:"scored_count"`
	MeanScore         *float64 `ts:"mean_score"`
	TotalInputTokens  int64    `ts:"total_input_tokens"`
	TotalOutputTokens int64    `ts:"total_output_tokens"`
}
