// Package prompt names the prompt store's types as the Go package TreeStore replaces named them
// (prompt.Conversation, prompt.Message...), with the prompt templates and their usage. They are
// aliases of the types of package treestore; the methods are on treestore.Prompts (db.Prompts()).
package prompt

import treestore "github.com/treestore/treestore/sdk/go"

type (
	Conversation             = treestore.Conversation
	Message                  = treestore.Message
	ConversationWithMessages = treestore.ConversationWithMessages
	ConversationQuery        = treestore.ConversationQuery
	PromptTemplate           = treestore.PromptTemplate
	PromptLabel              = treestore.PromptLabel
	PromptInfo               = treestore.PromptInfo
	PromptDiff               = treestore.PromptDiff
	DiffLine                 = treestore.DiffLine
	PromptUsage              = treestore.PromptUsage
	UsageQuery               = treestore.UsageQuery
	PromptStats              = treestore.PromptStats
	Page                     = treestore.Page
	Store                    = treestore.Prompts
)
