package treestore

// The prompt store: conversations and their messages (the old prompt package), prompt templates
// with versions, labels, rendering and diffs, and their usage with statistics.

import (
	"encoding/json"
	"math"
)

// Prompts is the prompt store of a DB or a Tx.
type Prompts struct{ s scope }

// Prompts is the prompt store; each call runs in a transaction of its own.
func (db *DB) Prompts() Prompts { return Prompts{db} }

// Prompts is the prompt store inside tx.
func (tx *Tx) Prompts() Prompts { return Prompts{tx} }

// CreateConversation stores a new conversation (ID generated when empty) and returns it.
func (p Prompts) CreateConversation(c *Conversation) (*Conversation, error) {
	if c == nil {
		return nil, invalid("CreateConversation: c is nil")
	}
	in := string(encode(c))
	return one[Conversation](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cConversationCreate(h, txn, in)
	})
}

// UpdateConversation replaces the Title, Tags and Metadata of conversation c.ID.
func (p Prompts) UpdateConversation(c *Conversation) (*Conversation, error) {
	if c == nil {
		return nil, invalid("UpdateConversation: c is nil")
	}
	in := string(encode(c))
	return one[Conversation](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cConversationUpdate(h, txn, in)
	})
}

// AddMessage appends m to conversation m.ConversationID and returns it as stored.
func (p Prompts) AddMessage(m *Message) (*Message, error) {
	if m == nil {
		return nil, invalid("AddMessage: m is nil")
	}
	in := string(encode(m))
	return one[Message](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cConversationAddMessage(h, txn, in)
	})
}

// GetConversation reads one conversation; ErrNotFound when it does not exist.
func (p Prompts) GetConversation(id string) (*Conversation, error) {
	return one[Conversation](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cConversationGet(h, txn, id)
	})
}

// GetMessage reads one message.
func (p Prompts) GetMessage(messageID string) (*Message, error) {
	return one[Message](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cConversationGetMessage(h, txn, messageID)
	})
}

// GetMessages lists a conversation's messages, oldest first.
func (p Prompts) GetMessages(conversationID string, pg Page) (List[Message], error) {
	pj, err := pageJSON(pg)
	if err != nil {
		return List[Message]{}, err
	}
	return page[Message](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cConversationListMessages(h, txn, conversationID, pj)
	})
}

// GetConversationWithMessages reads a conversation and every message.
func (p Prompts) GetConversationWithMessages(id string) (*ConversationWithMessages, error) {
	return one[ConversationWithMessages](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cConversationGetWithMessages(h, txn, id)
	})
}

// ListConversations lists conversations matching q, newest first.
func (p Prompts) ListConversations(q ConversationQuery) (List[Conversation], error) {
	if err := checkCount("ConversationQuery.Limit", q.Limit); err != nil {
		return List[Conversation]{}, err
	}
	in := string(encode(q))
	return page[Conversation](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cConversationList(h, txn, in)
	})
}

// ListConversationsByUser lists a user's conversations, newest first.
func (p Prompts) ListConversationsByUser(userID string, pg Page) (List[Conversation], error) {
	pj, err := pageJSON(pg)
	if err != nil {
		return List[Conversation]{}, err
	}
	return page[Conversation](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cConversationListByUser(h, txn, userID, pj)
	})
}

// ListConversationsByTag lists the conversations with a tag, newest first.
func (p Prompts) ListConversationsByTag(tag string, pg Page) (List[Conversation], error) {
	pj, err := pageJSON(pg)
	if err != nil {
		return List[Conversation]{}, err
	}
	return page[Conversation](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cConversationListByTag(h, txn, tag, pj)
	})
}

// DeleteConversation removes a conversation and its messages; removed reports whether it
// existed.
func (p Prompts) DeleteConversation(id string) (removed bool, err error) {
	return flag(p.s, func(h dbHandle, txn txnHandle) (bool, error) {
		return cConversationDelete(h, txn, id)
	})
}

// promptVersion checks a version number for the C API's uint32 (0: none).
func promptVersion(name string, v int) (uint32, error) {
	if v < 0 || v > math.MaxUint32 {
		return 0, invalid("%s %d is out of range", name, v)
	}
	return uint32(v), nil
}

// CreatePromptTemplate stores a new version of prompt t.Name and returns it (Version and
// Variables filled in).
func (p Prompts) CreatePromptTemplate(t *PromptTemplate) (*PromptTemplate, error) {
	if t == nil {
		return nil, invalid("CreatePromptTemplate: t is nil")
	}
	in := string(encode(t))
	return one[PromptTemplate](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cPromptCreate(h, txn, in)
	})
}

// GetPromptTemplate reads a version of a prompt: by version, else by label, else the newest.
// Giving both is ErrInvalidArgument.
func (p Prompts) GetPromptTemplate(name string, version int, label string) (*PromptTemplate, error) {
	v, err := promptVersion("version", version)
	if err != nil {
		return nil, err
	}
	return one[PromptTemplate](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cPromptGet(h, txn, name, v, label)
	})
}

// ListPromptVersions lists the versions of a prompt, newest first.
func (p Prompts) ListPromptVersions(name string, pg Page) (List[PromptTemplate], error) {
	pj, err := pageJSON(pg)
	if err != nil {
		return List[PromptTemplate]{}, err
	}
	return page[PromptTemplate](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cPromptListVersions(h, txn, name, pj)
	})
}

// ListPrompts lists every prompt by name.
func (p Prompts) ListPrompts(pg Page) (List[PromptInfo], error) {
	pj, err := pageJSON(pg)
	if err != nil {
		return List[PromptInfo]{}, err
	}
	return page[PromptInfo](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cPromptList(h, txn, pj)
	})
}

// SetPromptLabel points label at a version of a prompt.
func (p Prompts) SetPromptLabel(name, label string, version int) error {
	v, err := promptVersion("version", version)
	if err != nil {
		return err
	}
	return exec(p.s, func(h dbHandle, txn txnHandle) error {
		return cPromptSetLabel(h, txn, name, label, v)
	})
}

// RemovePromptLabel removes a label; removed reports whether it existed.
func (p Prompts) RemovePromptLabel(name, label string) (removed bool, err error) {
	return flag(p.s, func(h dbHandle, txn txnHandle) (bool, error) {
		return cPromptRemoveLabel(h, txn, name, label)
	})
}

// RenderPrompt fills a version of a prompt (picked as GetPromptTemplate picks) with variables
// (non-string values are used as their JSON text). A placeholder without a value is
// ErrInvalidArgument naming it.
func (p Prompts) RenderPrompt(name string, version int, label string, variables map[string]any) (string, error) {
	v, err := promptVersion("version", version)
	if err != nil {
		return "", err
	}
	vars, err := json.Marshal(variables)
	if err != nil {
		return "", invalid("prompt variables: %v", err)
	}
	if variables == nil {
		vars = []byte("{}")
	}
	res, err := fetch(p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cPromptRender(h, txn, name, v, label, string(vars))
	})
	if err != nil {
		return "", err
	}
	return res.firstString()
}

// DiffPrompt compares two versions of a prompt.
func (p Prompts) DiffPrompt(name string, fromVersion, toVersion int) (*PromptDiff, error) {
	from, err := promptVersion("fromVersion", fromVersion)
	if err != nil {
		return nil, err
	}
	to, err := promptVersion("toVersion", toVersion)
	if err != nil {
		return nil, err
	}
	return one[PromptDiff](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cPromptDiff(h, txn, name, from, to)
	})
}

// DeletePrompt removes a prompt with every version and label; removed reports whether it existed.
func (p Prompts) DeletePrompt(name string) (removed bool, err error) {
	return flag(p.s, func(h dbHandle, txn txnHandle) (bool, error) {
		return cPromptDelete(h, txn, name)
	})
}

// RecordUsage records one use of a prompt version and returns it as stored.
func (p Prompts) RecordUsage(u *PromptUsage) (*PromptUsage, error) {
	if u == nil {
		return nil, invalid("RecordUsage: u is nil")
	}
	in := string(encode(u))
	return one[PromptUsage](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cUsageRecord(h, txn, in)
	})
}

// ScoreUsage sets the score of a usage (nil clears it).
func (p Prompts) ScoreUsage(usageID string, score *float64) (*PromptUsage, error) {
	var s *float64
	if score != nil {
		v := *score
		s = &v
	}
	return one[PromptUsage](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cUsageScore(h, txn, usageID, s)
	})
}

// GetUsage reads one usage.
func (p Prompts) GetUsage(usageID string) (*PromptUsage, error) {
	return one[PromptUsage](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cUsageGet(h, txn, usageID)
	})
}

// ListUsage lists usage matching q, newest first.
func (p Prompts) ListUsage(q UsageQuery) (List[PromptUsage], error) {
	if err := checkCount("UsageQuery.Limit", q.Limit); err != nil {
		return List[PromptUsage]{}, err
	}
	in := string(encode(q))
	return page[PromptUsage](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cUsageList(h, txn, in)
	})
}

// DeleteUsage removes one usage; removed reports whether it existed.
func (p Prompts) DeleteUsage(usageID string) (removed bool, err error) {
	return flag(p.s, func(h dbHandle, txn txnHandle) (bool, error) {
		return cUsageDelete(h, txn, usageID)
	})
}

// GetPromptStats reads the usage statistics of one version of a prompt (zero counts when it was
// never used).
func (p Prompts) GetPromptStats(name string, version int) (*PromptStats, error) {
	v, err := promptVersion("version", version)
	if err != nil {
		return nil, err
	}
	return one[PromptStats](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cPromptStatsGet(h, txn, name, v)
	})
}

// ListPromptStats reads the statistics of every version of a prompt.
func (p Prompts) ListPromptStats(name string) ([]PromptStats, error) {
	return all[PromptStats](p.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cPromptStatsList(h, txn, name)
	})
}
