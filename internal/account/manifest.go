package account

import (
	"io/fs"

	"grassroots/internal/platform/module"
	"grassroots/internal/platform/web"
)

// Manifest registers the account module. secure marks cookies Secure
// (set when the site is served over TLS, directly or behind a proxy).
func Manifest(svc *Service, secure bool) module.Manifest {
	m := Migrations()
	tpl, _ := fs.Sub(templateFiles, "templates")
	msg, _ := fs.Sub(messageFiles, "messages")
	return module.Manifest{
		Name: "account", Migrations: &m, Grants: Grants(), Templates: tpl, Messages: msg,
		Menu: []web.MenuItem{
			{Key: "nav.users", Path: "/users", Perm: PermUserView, Order: 80, Group: web.GroupAdmin},
			{Key: "nav.me", Path: "/me", Perm: "authenticated", Order: 99},
		},
		Routes: func(r *web.Router) { (&handler{svc: svc, ui: r.UI(), secure: secure}).routes(r) },
	}
}
