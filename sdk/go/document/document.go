// Package document names the document store's types as the Go package TreeStore replaces named
// them, so code that says document.Node keeps compiling after its import path changes. They are
// aliases of the types of package treestore; the methods are on treestore.Documents
// (db.Documents()).
package document

import treestore "github.com/treestore/treestore/sdk/go"

type (
	Document         = treestore.Document
	Node             = treestore.Node
	SearchResult     = treestore.SearchResult
	QueryOptions     = treestore.QueryOptions
	SearchScope      = treestore.SearchScope
	FieldWeights     = treestore.FieldWeights
	SearchSettings   = treestore.SearchSettings
	StructurePage    = treestore.StructurePage
	StructureOptions = treestore.StructureOptions
	ImportOptions    = treestore.ImportOptions
	ExportOptions    = treestore.ExportOptions
	Store            = treestore.Documents
)
