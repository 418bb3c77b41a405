package treestore

// The metadata store: generic key/value metadata on any entity (the old metadata package), and
// the reasoning service's records: tool results, trajectories, cross-references between policies
// and contradictions.

import (
	"encoding/json"
	"time"
)

// Metadata is the metadata store of a DB or a Tx.
type Metadata struct{ s scope }

// Metadata is the metadata store; each call runs in a transaction of its own.
func (db *DB) Metadata() Metadata { return Metadata{db} }

// Metadata is the metadata store inside tx.
func (tx *Tx) Metadata() Metadata { return Metadata{tx} }

// pageJSON is the library's {"limit", "cursor"} object; "" (absent) for the first page.
func pageJSON(p Page) (string, error) {
	if err := checkCount("Page.Limit", p.Limit); err != nil {
		return "", err
	}
	if p == (Page{}) {
		return "", nil
	}
	return string(encode(p)), nil
}

// SetMetadata sets key on an entity. value is stored as given when it is a string, else as its
// JSON text, and its type ("string", "int", "float", "bool", "json") follows the JSON value.
func (m Metadata) SetMetadata(entityType, entityID, key string, value any) (*MetadataEntry, error) {
	v, err := json.Marshal(value)
	if err != nil {
		return nil, invalid("metadata value for %q: %v", key, err)
	}
	in, err := json.Marshal(map[string]any{
		"entity_type": entityType, "entity_id": entityID, "key": key, "value": json.RawMessage(v),
	})
	if err != nil {
		return nil, invalid("metadata entry: %v", err)
	}
	return m.SetMetadataEntry(string(in))
}

// SetMetadataEntry sets a key from the library's JSON object (entity_type, entity_id, key,
// value, and optionally value_type, which the value must parse as).
func (m Metadata) SetMetadataEntry(entryJSON string) (*MetadataEntry, error) {
	return one[MetadataEntry](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cMetadataSet(h, txn, entryJSON)
	})
}

// GetMetadata reads one key of an entity; ErrNotFound when it is not set.
func (m Metadata) GetMetadata(entityType, entityID, key string) (*MetadataEntry, error) {
	return one[MetadataEntry](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cMetadataGet(h, txn, entityType, entityID, key)
	})
}

// GetAllMetadata reads every key of an entity, by key.
func (m Metadata) GetAllMetadata(entityType, entityID string) ([]MetadataEntry, error) {
	return all[MetadataEntry](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cMetadataGetAll(h, txn, entityType, entityID)
	})
}

// ListMetadata reads one page of an entity's keys, by key (for entities with many keys).
func (m Metadata) ListMetadata(entityType, entityID string, p Page) (List[MetadataEntry], error) {
	pj, err := pageJSON(p)
	if err != nil {
		return List[MetadataEntry]{}, err
	}
	return page[MetadataEntry](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cMetadataList(h, txn, entityType, entityID, pj)
	})
}

// DeleteMetadata removes one key; removed reports whether it was set.
func (m Metadata) DeleteMetadata(entityType, entityID, key string) (removed bool, err error) {
	return flag(m.s, func(h dbHandle, txn txnHandle) (bool, error) {
		return cMetadataDelete(h, txn, entityType, entityID, key)
	})
}

// DeleteAllMetadata removes every key of an entity and returns how many.
func (m Metadata) DeleteAllMetadata(entityType, entityID string) (int, error) {
	return count(m.s, func(h dbHandle, txn txnHandle) (uint64, error) {
		return cMetadataDeleteAll(h, txn, entityType, entityID)
	})
}

// QueryByKey lists the entries with key on any entity (of entityType unless ""), by value.
func (m Metadata) QueryByKey(entityType, key string, p Page) (List[MetadataEntry], error) {
	pj, err := pageJSON(p)
	if err != nil {
		return List[MetadataEntry]{}, err
	}
	return page[MetadataEntry](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cMetadataQueryByKey(h, txn, entityType, key, pj)
	})
}

// QueryByKeyValue lists the entries whose key is value (on entities of entityType unless "").
func (m Metadata) QueryByKeyValue(entityType, key, value string, p Page) (List[MetadataEntry], error) {
	pj, err := pageJSON(p)
	if err != nil {
		return List[MetadataEntry]{}, err
	}
	return page[MetadataEntry](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cMetadataQueryByKeyValue(h, txn, entityType, key, value, pj)
	})
}

// QueryMultiple lists the entities carrying every pair of q.Filters (at least one).
func (m Metadata) QueryMultiple(q MetadataQuery) (List[EntityRef], error) {
	if err := checkCount("MetadataQuery.Limit", q.Limit); err != nil {
		return List[EntityRef]{}, err
	}
	in := string(encode(q))
	return page[EntityRef](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cMetadataQueryMultiple(h, txn, in)
	})
}

// StoreToolResult records a tool execution and returns it as stored (ExecutionID and ExecutedAt
// filled in when empty).
func (m Metadata) StoreToolResult(r *ToolResult) (*ToolResult, error) {
	if r == nil {
		return nil, invalid("StoreToolResult: r is nil")
	}
	in := string(encode(r))
	return one[ToolResult](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cToolResultStore(h, txn, in)
	})
}

// GetToolResult reads one tool result; ErrNotFound when it does not exist.
func (m Metadata) GetToolResult(executionID string) (*ToolResult, error) {
	return one[ToolResult](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cToolResultGet(h, txn, executionID)
	})
}

// ListToolResults lists tool results newest first.
func (m Metadata) ListToolResults(q ToolResultQuery) (List[ToolResult], error) {
	if err := checkCount("ToolResultQuery.Limit", q.Limit); err != nil {
		return List[ToolResult]{}, err
	}
	in := string(encode(q))
	return page[ToolResult](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cToolResultList(h, txn, in)
	})
}

// DeleteToolResult removes one tool result; removed reports whether it existed.
func (m Metadata) DeleteToolResult(executionID string) (removed bool, err error) {
	return flag(m.s, func(h dbHandle, txn txnHandle) (bool, error) {
		return cToolResultDelete(h, txn, executionID)
	})
}

// PurgeToolResults deletes every tool result executed before t and returns how many.
func (m Metadata) PurgeToolResults(before time.Time) (int, error) {
	us := before.UnixMicro()
	return count(m.s, func(h dbHandle, txn txnHandle) (uint64, error) {
		return cToolResultPurge(h, txn, us)
	})
}

// StoreTrajectory stores a trajectory with its steps and returns it as stored.
func (m Metadata) StoreTrajectory(t *Trajectory) (*Trajectory, error) {
	if t == nil {
		return nil, invalid("StoreTrajectory: t is nil")
	}
	in := string(encode(t))
	return one[Trajectory](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cTrajectoryStore(h, txn, in)
	})
}

// AppendTrajectoryStep adds a step to an open trajectory and returns the step as stored
// (StepNumber assigned when 0); ErrInvalidArgument when the trajectory is completed.
func (m Metadata) AppendTrajectoryStep(trajectoryID string, step TrajectoryStep) (*TrajectoryStep, error) {
	in := string(encode(step))
	return one[TrajectoryStep](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cTrajectoryAppendStep(h, txn, trajectoryID, in)
	})
}

// CompleteTrajectory marks a trajectory completed at t (zero: now).
func (m Metadata) CompleteTrajectory(trajectoryID string, at time.Time) error {
	var us int64
	if !at.IsZero() {
		us = at.UnixMicro()
	}
	return exec(m.s, func(h dbHandle, txn txnHandle) error {
		return cTrajectoryComplete(h, txn, trajectoryID, us)
	})
}

// GetTrajectory reads a trajectory with its steps.
func (m Metadata) GetTrajectory(trajectoryID string) (*Trajectory, error) {
	return one[Trajectory](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cTrajectoryGet(h, txn, trajectoryID)
	})
}

// ListTrajectories lists the trajectories of a case, latest started first.
func (m Metadata) ListTrajectories(caseID string, p Page) (List[Trajectory], error) {
	pj, err := pageJSON(p)
	if err != nil {
		return List[Trajectory]{}, err
	}
	return page[Trajectory](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cTrajectoryList(h, txn, caseID, pj)
	})
}

// ListTrajectorySteps reads one page of a trajectory's steps by step number (for trajectories
// too long to read whole); ErrNotFound when the trajectory does not exist.
func (m Metadata) ListTrajectorySteps(trajectoryID string, p Page) (List[TrajectoryStep], error) {
	pj, err := pageJSON(p)
	if err != nil {
		return List[TrajectoryStep]{}, err
	}
	return page[TrajectoryStep](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cTrajectoryListSteps(h, txn, trajectoryID, pj)
	})
}

// GetTrajectoryStep reads one step of a trajectory; ErrNotFound when the trajectory or the step
// does not exist.
func (m Metadata) GetTrajectoryStep(trajectoryID string, stepNumber uint32) (*TrajectoryStep, error) {
	return one[TrajectoryStep](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cTrajectoryGetStep(h, txn, trajectoryID, stepNumber)
	})
}

// DeleteTrajectory removes a trajectory; removed reports whether it existed.
func (m Metadata) DeleteTrajectory(trajectoryID string) (removed bool, err error) {
	return flag(m.s, func(h dbHandle, txn txnHandle) (bool, error) {
		return cTrajectoryDelete(h, txn, trajectoryID)
	})
}

// StoreCrossReference records a reference between policies (or nodes).
func (m Metadata) StoreCrossReference(r *CrossReference) (*CrossReference, error) {
	if r == nil {
		return nil, invalid("StoreCrossReference: r is nil")
	}
	in := string(encode(r))
	return one[CrossReference](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cCrossReferenceStore(h, txn, in)
	})
}

// ListCrossReferences lists the references of a policy or node.
func (m Metadata) ListCrossReferences(q CrossReferenceQuery) (List[CrossReference], error) {
	if err := checkCount("CrossReferenceQuery.Limit", q.Limit); err != nil {
		return List[CrossReference]{}, err
	}
	in := string(encode(q))
	return page[CrossReference](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cCrossReferenceList(h, txn, in)
	})
}

// DeleteCrossReference removes the reference with r's ends and type; removed reports whether it
// existed.
func (m Metadata) DeleteCrossReference(r *CrossReference) (removed bool, err error) {
	if r == nil {
		return false, invalid("DeleteCrossReference: r is nil")
	}
	in := string(encode(r))
	return flag(m.s, func(h dbHandle, txn txnHandle) (bool, error) {
		return cCrossReferenceDelete(h, txn, in)
	})
}

// DeleteCrossReferencesOfPolicy removes every reference from or to a policy; it returns how
// many.
func (m Metadata) DeleteCrossReferencesOfPolicy(policyID string) (int, error) {
	return count(m.s, func(h dbHandle, txn txnHandle) (uint64, error) {
		return cCrossReferenceDeleteOfPolicy(h, txn, policyID)
	})
}

// StoreContradiction records a contradiction (ContradictionID generated when empty).
func (m Metadata) StoreContradiction(c *Contradiction) (*Contradiction, error) {
	if c == nil {
		return nil, invalid("StoreContradiction: c is nil")
	}
	in := string(encode(c))
	return one[Contradiction](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cContradictionStore(h, txn, in)
	})
}

// ResolveContradiction moves a contradiction to status ("open", "acknowledged", "resolved",
// "dismissed") with an optional resolution note.
func (m Metadata) ResolveContradiction(id, status, resolution string) (*Contradiction, error) {
	return one[Contradiction](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cContradictionResolve(h, txn, id, status, resolution)
	})
}

// GetContradiction reads one contradiction.
func (m Metadata) GetContradiction(id string) (*Contradiction, error) {
	return one[Contradiction](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cContradictionGet(h, txn, id)
	})
}

// ListContradictions lists contradictions, newest first.
func (m Metadata) ListContradictions(q ContradictionQuery) (List[Contradiction], error) {
	if err := checkCount("ContradictionQuery.Limit", q.Limit); err != nil {
		return List[Contradiction]{}, err
	}
	in := string(encode(q))
	return page[Contradiction](m.s, func(h dbHandle, txn txnHandle) (*result, error) {
		return cContradictionList(h, txn, in)
	})
}

// DeleteContradiction removes a contradiction; removed reports whether it existed.
func (m Metadata) DeleteContradiction(id string) (removed bool, err error) {
	return flag(m.s, func(h dbHandle, txn txnHandle) (bool, error) {
		return cContradictionDelete(h, txn, id)
	})
}
