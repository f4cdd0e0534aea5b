package visits

import (
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/web"
)

// Manifest registers the module: its tables, permissions, menu entries,
// pages and API.
func Manifest(svc *Service) module.Manifest {
	m := Migrations()
	return module.Manifest{
		Name: "visits", Migrations: &m, Grants: Grants(),
		Templates: module.Sub(templateFiles, "templates"), Messages: module.Sub(messageFiles, "messages"),
		Menu: []web.MenuItem{
			{Key: "nav.visits", Path: "/visits", Perm: PermView, Order: 6, Group: web.GroupWork},
			{Key: "nav.patrols", Path: "/patrols", Perm: PermView, Order: 7, Group: web.GroupWork},
		},
		Widgets: svc.widgets(),
		Routes: func(r *web.Router) {
			h := &handler{svc: svc, ui: r.UI()}
			h.routes(r)
			h.apiRoutes(r)
		},
	}
}
