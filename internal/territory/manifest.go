package territory

import (
	"context"
	"io/fs"

	"grassroots/internal/platform/module"
	"grassroots/internal/platform/web"
)

// Manifest registers the territory module; the grid page shows what deps
// provide.
func Manifest(svc *Service, deps GridDeps) module.Manifest {
	m := Migrations()
	tpl, _ := fs.Sub(templateFiles, "templates")
	msg, _ := fs.Sub(messageFiles, "messages")
	return module.Manifest{
		Name: "territory", Migrations: &m, Grants: Grants(), Templates: tpl, Messages: msg,
		Menu: []web.MenuItem{
			{Key: "nav.overview", Path: "/overview", Perm: PermBrowse, Order: 31, Group: web.GroupFigures},
			{Key: "nav.departments", Path: "/departments", Perm: PermBrowse, Order: 81, Group: web.GroupAdmin},
		},
		Routes: func(r *web.Router) { (&handler{svc: svc, ui: r.UI(), deps: deps}).routes(r) },
		Start:  svc.Start,
		Watch: []module.Watch{
			{Topic: TopicGrids, Reload: svc.SyncIndex},
			{Topic: TopicRegions, Reload: func(context.Context) error { svc.counts.Clear(); return nil }},
		},
	}
}
