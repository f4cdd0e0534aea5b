// Package module defines how a capability registers with the application:
// its migrations, permissions, menu, templates, messages and routes. The
// application holds one ordered list of manifests; that order is the
// migration order. Nothing registers itself from init().
package module

import (
	"io/fs"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/web"
)

// Manifest is what a module contributes.
type Manifest struct {
	Name       string
	Migrations *db.Migrations
	Grants     []authz.Grant
	Menu       []web.MenuItem
	Templates  fs.FS // page templates, one file per page
	Messages   fs.FS // zh-CN.json and en.json
	Routes     func(*web.Router)
}

// Sub returns the folder dir of an embedded file system; modules use it
// for their migrations, templates and messages.
func Sub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic("module: " + err.Error())
	}
	return s
}
