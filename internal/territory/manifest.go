package territory

import (
	"context"
	"io/fs"

	"grassroots/internal/platform/module"
	"grassroots/internal/platform/web"
)

// Manifest registers the territory module.
func Manifest(svc *Service) module.Manifest {
	m := Migrations()
	tpl, _ := fs.Sub(templateFiles, "templates")
	msg, _ := fs.Sub(messageFiles, "messages")
	return module.Manifest{
		Name: "territory", Migrations: &m, Grants: Grants(), Templates: tpl, Messages: msg,
		Menu: []web.MenuItem{
			{Key: "nav.home", Path: "/", Perm: PermView, Order: 0},
			{Key: "nav.departments", Path: "/departments", Perm: PermView, Order: 50},
		},
		Routes: func(r *web.Router) { (&handler{svc: svc, ui: r.UI()}).routes(r) },
		Start:  svc.LoadIndex,
		Watch: []module.Watch{
			{Topic: TopicGrids, Reload: svc.SyncIndex},
			{Topic: TopicRegions, Reload: func(context.Context) error { svc.counts.Clear(); return nil }},
		},
	}
}
