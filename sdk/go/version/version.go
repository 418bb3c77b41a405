// Package version names the version store's types as the Go package TreeStore replaces named
// them (version.Version, version.VersionHistory...). They are aliases of the types of package
// treestore; the methods are on treestore.Versions (db.Versions()).
package version

import treestore "github.com/treestore/treestore/sdk/go"

type (
	Version        = treestore.Version
	VersionQuery   = treestore.VersionQuery
	VersionHistory = treestore.VersionHistory
	VersionDiff    = treestore.VersionDiff
	NodeChange     = treestore.NodeChange
	Store          = treestore.Versions
)
