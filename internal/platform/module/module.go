// Package module defines how a capability registers with the application:
// its migrations, permissions, menu, templates, messages, routes, start-up
// loads, change-feed watches and periodic jobs. The
// application holds one ordered list of manifests; that order is the
// migration order. Nothing registers itself from init().
package module

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

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
	// Widgets are the module's panels on the workbench (工作台).
	Widgets   []web.Widget
	Templates fs.FS // page templates, one file per page
	Messages  fs.FS // zh-CN.json and en.json
	Routes    func(*web.Router)
	// Start loads what the module keeps in memory (an index, a catalogue)
	// once the migrations are applied and before the first request.
	Start func(ctx context.Context) error
	// Watch names the change-feed topics (package change) on which the
	// module learns that another instance wrote what it keeps in memory,
	// and how it catches up.
	Watch []Watch
	// Jobs are the module's periodic tasks; the serve command runs them.
	Jobs []Job
}

// Watch is a reaction to a change-feed topic: Reload runs on every
// instance, within a poll of a write on any instance that touched Topic
// (the writer's own instance included, so Reload must be cheap to repeat).
type Watch struct {
	Topic  string
	Reload func(ctx context.Context) error
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

// Pages lists the page templates the module contributes: one file a page,
// named after it.
func (m Manifest) Pages() ([]string, error) {
	if m.Templates == nil {
		return nil, nil
	}
	files, err := fs.Glob(m.Templates, "*.html")
	if err != nil {
		return nil, fmt.Errorf("module %s: templates: %w", m.Name, err)
	}
	out := make([]string, 0, len(files))
	for _, f := range files {
		out = append(out, strings.TrimSuffix(f, ".html"))
	}
	return out, nil
}
