module github.com/treestore/treestore/sdk/go

go 1.22
