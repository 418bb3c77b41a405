package treestore

// The document store: versions of policy documents as trees of nodes, PageIndex import and
// export, the tree queries and search. A versionID of "" names the policy's latest version.
// Tree queries return nodes in pre-order (root first) with their texts.

import (
	"encoding/json"
	"time"
)

// Documents is the document store of a DB or a Tx.
type Documents struct{ s scope }

// Documents is the document store; each call runs in a transaction of its own.
func (db *DB) Documents() Documents { return Documents{db} }

// Documents is the document store inside tx.
func (tx *Tx) Documents() Documents { return Documents{tx} }

// documentInput is the JSON the library takes for one document version.
func documentInput(doc *Document) []byte {
	return encode(struct {
		Document Version `ts:"document"`
		Nodes    []Node  `ts:"nodes"`
	}{doc.Version, doc.Nodes})
}

// StoreDocument stores doc (its version header and every node) as version (PolicyID,
// VersionID), replacing that version if it exists. It fails with ErrInvalidArgument naming the
// node and field when the tree is not valid (nothing is written then). It returns the stored
// version (root id and timestamps filled in).
func (d Documents) StoreDocument(doc *Document) (*Version, error) {
	if doc == nil {
		return nil, invalid("StoreDocument: doc is nil")
	}
	input := string(documentInput(doc))
	return one[Version](d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cDocumentStore(h, txn, input)
	})
}

// StoreDocuments stores several documents in one transaction (all or none) and returns how many.
func (d Documents) StoreDocuments(docs []Document) (int, error) {
	buf := []byte{'['}
	for i := range docs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, documentInput(&docs[i])...)
	}
	input := string(append(buf, ']'))
	return count(d.s, func(h dbHandle, txn txnHandle) (uint64, error) {
		return cDocumentStoreBatch(h, txn, input)
	})
}

// DeleteDocument deletes one version, or every version of the policy when versionID is "", and
// returns how many versions it deleted.
func (d Documents) DeleteDocument(policyID, versionID string) (int, error) {
	return count(d.s, func(h dbHandle, txn txnHandle) (uint64, error) {
		return cDocumentDelete(h, txn, policyID, versionID)
	})
}

// GetDocument reads a version with every node and its text.
func (d Documents) GetDocument(policyID, versionID string) (*Document, error) {
	res, err := fetch(d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cDocumentGet(h, txn, policyID, versionID)
	})
	if err != nil {
		return nil, err
	}
	v, err := decodeTop[Version](res, 0)
	if err != nil {
		return nil, err
	}
	return &Document{Version: v, Nodes: res.nodes}, nil
}

// GetStructure reads one page of a version's outline: nodes without text, summaries cut to
// opts.SummaryChars.
func (d Documents) GetStructure(policyID, versionID string, opts StructureOptions) (*StructurePage, error) {
	if err := checkCount("StructureOptions.Limit", opts.Limit); err != nil {
		return nil, err
	}
	chars := int64(opts.SummaryChars)
	switch {
	case opts.NoSummaries:
		chars = 0
	case chars == 0:
		chars = DefaultSummaryChars
	}
	res, err := fetch(d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cDocumentStructure(h, txn, policyID, versionID, chars, opts.Limit, opts.Cursor)
	})
	if err != nil {
		return nil, err
	}
	v, err := decodeTop[Version](res, 0)
	if err != nil {
		return nil, err
	}
	return &StructurePage{Version: v, Nodes: res.nodes, TotalNodes: int64(res.total), NextCursor: res.next}, nil
}

// GetNode reads one node with its text; ErrNotFound when the version or node does not exist.
func (d Documents) GetNode(policyID, versionID, nodeID string) (*Node, error) {
	ns, err := nodes(d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cNodeGet(h, txn, policyID, versionID, nodeID)
	})
	if err != nil {
		return nil, err
	}
	if len(ns) != 1 {
		return nil, newError(StatusPanic, "treestore_node_get returned a result without one node")
	}
	return &ns[0], nil
}

// GetChildren reads the children of parentID in order ("" for the root's children).
func (d Documents) GetChildren(policyID, versionID, parentID string) ([]Node, error) {
	return nodes(d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cNodeChildren(h, txn, policyID, versionID, parentID, true)
	})
}

// GetSubtree reads nodeID and its descendants to maxDepth levels below it (0: all), in pre-order.
func (d Documents) GetSubtree(policyID, versionID, nodeID string, maxDepth int) ([]Node, error) {
	return d.subtree(policyID, versionID, nodeID, maxDepth, true)
}

// GetSubtreeOutline is GetSubtree without the texts (cheaper for large trees).
func (d Documents) GetSubtreeOutline(policyID, versionID, nodeID string, maxDepth int) ([]Node, error) {
	return d.subtree(policyID, versionID, nodeID, maxDepth, false)
}

func (d Documents) subtree(policyID, versionID, nodeID string, maxDepth int, text bool) ([]Node, error) {
	if maxDepth < 0 || maxDepth > 1<<31 {
		return nil, invalid("maxDepth %d is out of range", maxDepth)
	}
	return nodes(d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cNodeSubtree(h, txn, policyID, versionID, nodeID, uint32(maxDepth), text)
	})
}

// GetAncestorPath reads the path from the root down to nodeID (both included).
func (d Documents) GetAncestorPath(policyID, versionID, nodeID string) ([]Node, error) {
	return nodes(d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cNodeAncestors(h, txn, policyID, versionID, nodeID, true)
	})
}

// GetNodesByPage reads the nodes whose page range covers page.
func (d Documents) GetNodesByPage(policyID, versionID string, page int) ([]Node, error) {
	return nodes(d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cNodeByPage(h, txn, policyID, versionID, int64(page), true)
	})
}

// GetNodesByPages reads the nodes meeting any range of spec ("5-10,12").
func (d Documents) GetNodesByPages(policyID, versionID, spec string) ([]Node, error) {
	return nodes(d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cNodeByPages(h, txn, policyID, versionID, spec, true)
	})
}

// GetNodeBySectionPath reads the node at a dotted section path ("" is the root).
func (d Documents) GetNodeBySectionPath(policyID, versionID, path string) (*Node, error) {
	ns, err := nodes(d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cNodeBySectionPath(h, txn, policyID, versionID, path)
	})
	if err != nil {
		return nil, err
	}
	if len(ns) != 1 {
		return nil, newError(StatusPanic, "treestore_node_by_section_path returned a result without one node")
	}
	return &ns[0], nil
}

// Search runs query (FTS5 syntax: words, OR, NOT, "phrases", prefix*) over opts.PolicyID (and
// opts.VersionID) when set, else over everything, best first; opts may be nil. A malformed query
// fails with ErrInvalidArgument naming the position.
func (d Documents) Search(query string, opts *QueryOptions) ([]SearchResult, error) {
	o, err := checkedQueryOptions(opts)
	if err != nil {
		return nil, err
	}
	res, err := fetch(d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cSearch(h, txn, o.PolicyID, o.VersionID, query, o.Limit, o.Offset, o.SnippetChars, o.IncludeText)
	})
	if err != nil {
		return nil, err
	}
	return searchResults(res)
}

// checkedQueryOptions copies opts (nil: the zero options) after checking that its counts are not
// negative, naming the field that is.
func checkedQueryOptions(opts *QueryOptions) (QueryOptions, error) {
	var o QueryOptions
	if opts != nil {
		o = *opts
	}
	for _, c := range []struct {
		name string
		n    int
	}{{"Limit", o.Limit}, {"Offset", o.Offset}, {"SnippetChars", o.SnippetChars}} {
		if err := checkCount("QueryOptions."+c.name, c.n); err != nil {
			return o, err
		}
	}
	return o, nil
}

// searchResults pairs each search_hit record with its node (records[i] and nodes[i]).
func searchResults(res *result) ([]SearchResult, error) {
	hits, err := decodeAll[SearchResult](res)
	if err != nil {
		return nil, err
	}
	if len(res.nodes) != len(hits) {
		return nil, newError(StatusPanic, "search: the result has not one node per hit")
	}
	for i := range hits {
		hits[i].Node = res.nodes[i]
	}
	return hits, nil
}

// ImportPageIndex stores a PageIndex JSON document as version versionID of policyID (replacing
// it if it exists) and returns the version. A malformed file fails with ErrInvalidArgument naming the JSON location.
func (d Documents) ImportPageIndex(pageIndexJSON []byte, policyID, versionID string, opts *ImportOptions) (*Version, error) {
	var o ImportOptions
	if opts != nil {
		o = *opts
	}
	start, end := microsPtr(o.EffectiveStart), microsPtr(o.EffectiveEnd)
	text := string(pageIndexJSON)
	return one[Version](d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cPageIndexImport(h, txn, text, policyID, versionID, start, end, o.CreatedBy, o.Description)
	})
}

// ExportPageIndex writes a version back as PageIndex JSON.
func (d Documents) ExportPageIndex(policyID, versionID string, opts *ExportOptions) ([]byte, error) {
	var flags uint32
	if opts != nil && opts.Pretty {
		flags |= exportPretty
	}
	if opts != nil && opts.ASCII {
		flags |= exportASCII
	}
	res, err := fetch(d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cPageIndexExport(h, txn, policyID, versionID, flags)
	})
	if err != nil {
		return nil, err
	}
	s, err := res.firstString()
	return []byte(s), err
}

// SearchSettings reads the index's stemming and field weights.
func (d Documents) SearchSettings() (*SearchSettings, error) {
	return one[SearchSettings](d.s, cSearchSettingsGet)
}

// SetSearchSettings changes the settings: Stemming "" and zero weights keep their value; stemming
// changes only while nothing is indexed (else ErrInvalidArgument).
func (d Documents) SetSearchSettings(s SearchSettings) (*SearchSettings, error) {
	in := map[string]any{}
	if s.Stemming != "" {
		in["stemming"] = s.Stemming
	}
	w := map[string]float64{}
	for name, v := range map[string]float64{"title": s.Weights.Title, "summary": s.Weights.Summary, "text": s.Weights.Text} {
		if v != 0 {
			w[name] = v
		}
	}
	if len(w) > 0 {
		in["weights"] = w
	}
	input, err := json.Marshal(in)
	if err != nil {
		return nil, invalid("search settings: %v", err)
	}
	return one[SearchSettings](d.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cSearchSettingsSet(h, txn, string(input))
	})
}

// microsPtr is t as µs since the epoch, nil for nil.
func microsPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	us := t.UnixMicro()
	return &us
}
