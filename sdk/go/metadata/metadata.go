// Package metadata names the metadata store's types as the Go package TreeStore replaces named
// them (metadata.MetadataEntry, metadata.MetadataQuery), with the types the old package lacked
// (tool results, trajectories, cross-references, contradictions). They are aliases of the types of
// package treestore; the methods are on treestore.Metadata (db.Metadata()).
package metadata

import treestore "github.com/treestore/treestore/sdk/go"

type (
	MetadataEntry       = treestore.MetadataEntry
	MetadataQuery       = treestore.MetadataQuery
	EntityRef           = treestore.EntityRef
	ToolResult          = treestore.ToolResult
	ToolResultQuery     = treestore.ToolResultQuery
	Trajectory          = treestore.Trajectory
	TrajectoryStep      = treestore.TrajectoryStep
	CrossReference      = treestore.CrossReference
	CrossReferenceQuery = treestore.CrossReferenceQuery
	Contradiction       = treestore.Contradiction
	ContradictionQuery  = treestore.ContradictionQuery
	Page                = treestore.Page
	Store               = treestore.Metadata
)
