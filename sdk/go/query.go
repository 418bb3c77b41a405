package treestore

// The query engine: reads that combine stores (a node with its version, metadata and
// cross-references; the nodes related to one), batch reads, search across policies and the
// unified search over nodes, tool results, prompts and trajectory steps.

import "encoding/json"

// Query is the query engine of a DB or a Tx.
type Query struct{ s scope }

// Query is the query engine; each call runs in a transaction of its own.
func (db *DB) Query() Query { return Query{db} }

// Query is the query engine inside tx.
func (tx *Tx) Query() Query { return Query{tx} }

// GetEnrichedDocument reads a node (with text) with its version, its metadata and up to limit
// cross-references (0: 100); ErrNotFound when the node does not exist.
func (q Query) GetEnrichedDocument(policyID, versionID, nodeID string, limit int) (*EnrichedDocument, error) {
	if err := checkCount("limit", limit); err != nil {
		return nil, err
	}
	res, err := fetch(q.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cNodeEnriched(h, txn, policyID, versionID, nodeID, limit)
	})
	if err != nil {
		return nil, err
	}
	e, err := decodeTop[EnrichedDocument](res, 0)
	if err != nil {
		return nil, err
	}
	if len(res.nodes) != 1 {
		return nil, newError(StatusPanic, "treestore_node_enriched returned a result without one node")
	}
	e.Node = res.nodes[0]
	return &e, nil
}

// BatchGetNodes reads the nodes of nodeIDs (with text) in the order asked; ids that do not exist
// are left out.
func (q Query) BatchGetNodes(policyID, versionID string, nodeIDs []string) ([]Node, error) {
	ids, err := json.Marshal(nodeIDs)
	if err != nil {
		return nil, invalid("node ids: %v", err)
	}
	if nodeIDs == nil {
		ids = []byte("[]")
	}
	return nodes(q.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cNodeGetBatch(h, txn, policyID, versionID, string(ids), true)
	})
}

// GlobalSearch searches every policy (or opts.Scopes, or opts.PolicyID and VersionID), with
// opts.Weights weighing the fields, best first.
func (q Query) GlobalSearch(query string, opts *QueryOptions) ([]SearchResult, error) {
	o, err := checkedQueryOptions(opts)
	if err != nil {
		return nil, err
	}
	in := string(encode(o))
	res, err := fetch(q.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cSearchAll(h, txn, query, in, o.SnippetChars, o.IncludeText)
	})
	if err != nil {
		return nil, err
	}
	return searchResults(res)
}

// UnifiedSearch runs query (the language of Search) over document nodes, tool results, prompt
// versions and trajectory steps and returns one page of hits, best first by a score comparable
// across kinds, with the cursor of the next page ("" on the last). A malformed query or option is
// ErrInvalidArgument naming the field or the query's character position.
func (q Query) UnifiedSearch(query string, opts *UnifiedSearchOptions) (List[UnifiedHit], error) {
	var o UnifiedSearchOptions
	if opts != nil {
		o = *opts
	}
	if err := checkCount("UnifiedSearchOptions.Limit", o.Limit); err != nil {
		return List[UnifiedHit]{}, err
	}
	if err := checkCount("UnifiedSearchOptions.SnippetChars", o.SnippetChars); err != nil {
		return List[UnifiedHit]{}, err
	}
	in := string(encode(o))
	return page[UnifiedHit](q.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cSearchUnified(h, txn, query, in)
	})
}

// FindRelated returns up to limit nodes (1 to 1,000) related to node nodeID, each with its reason:
// cross-references first, then nodes matching tokens, siblings of those hits, then see-also nodes.
func (q Query) FindRelated(policyID, versionID, nodeID string, tokens []string, limit int) ([]RelatedNode, error) {
	if err := checkCount("limit", limit); err != nil {
		return nil, err
	}
	var tj string
	if len(tokens) > 0 {
		b, err := json.Marshal(tokens)
		if err != nil {
			return nil, invalid("tokens: %v", err)
		}
		tj = string(b)
	}
	res, err := fetch(q.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cNodeRelated(h, txn, policyID, versionID, nodeID, tj, limit)
	})
	if err != nil {
		return nil, err
	}
	out, err := decodeAll[RelatedNode](res)
	if err != nil {
		return nil, err
	}
	if len(res.nodes) != len(out) {
		return nil, newError(StatusPanic, "treestore_node_related returned not one node per record")
	}
	for i := range out {
		out[i].Node = res.nodes[i]
	}
	return out, nil
}
