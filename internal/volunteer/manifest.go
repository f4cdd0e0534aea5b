package volunteer

import (
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/web"
)

// Manifest registers the module: its tables, permissions, menu entries,
// pages and API.
func Manifest(svc *Service) module.Manifest {
	m := Migrations()
	return module.Manifest{
		Name: "volunteer", Migrations: &m, Grants: Grants(),
		Templates: module.Sub(templateFiles, "templates"), Messages: module.Sub(messageFiles, "messages"),
		Menu: []web.MenuItem{
			{Key: "nav.volunteer", Path: "/volunteer", Perm: PermView, Order: 12, Group: web.GroupWork},
			{Key: "nav.vol_registrations", Path: "/volunteer/registrations", Perm: PermOrganise, Order: 13, Group: web.GroupWork},
			{Key: "nav.vol_me", Path: "/volunteer/me", Perm: PermCheckIn, Order: 13, Group: web.GroupWork},
			{Key: "nav.vol_wishes", Path: "/volunteer/wishes", Perm: PermView, Order: 14, Group: web.GroupWork},
		},
		Routes: func(r *web.Router) {
			h := &handler{svc: svc, ui: r.UI()}
			h.routes(r)
			h.apiRoutes(r)
			h.registrationRoutes(r)
			h.wishRoutes(r)
		},
	}
}
