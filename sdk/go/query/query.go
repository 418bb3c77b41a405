// Package query names the query engine's types as the Go package TreeStore replaces named them
// (query.EnrichedDocument). They are aliases of the types of package treestore; the methods are
// on treestore.Query (db.Query()).
package query

import treestore "github.com/treestore/treestore/sdk/go"

type (
	EnrichedDocument = treestore.EnrichedDocument
	RelatedNode      = treestore.RelatedNode
	SearchResult     = treestore.SearchResult
	QueryOptions     = treestore.QueryOptions
	UnifiedHit       = treestore.UnifiedHit
	UnifiedOptions   = treestore.UnifiedSearchOptions
	Engine           = treestore.Query
)
