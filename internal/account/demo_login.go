package account

import (
	"context"
	"strings"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

// DemoLogins are the accounts the login page of a demo site lists, with
// the password they share. Only `grassroots demo` sets them: a site
// served on a real database never lists an account.
type DemoLogins struct {
	Usernames []string
	Password  string
}

// DemoLogin is one account the login page of a demo site offers: its user
// name, its role, and where it works, by name.
type DemoLogin struct {
	Username string
	Role     authz.Role
	Place    string // its division below the province: 东湖区 › 滕王阁街道
	Unit     string // its department or company, if any
}

// UnscopedDemoLogins lists the demo accounts that exist and are enabled,
// and their shared password, for the login page of a demo site. Nobody is
// signed in there yet, so it reads the accounts and the names of their
// divisions as the system. Outside demo mode it lists nothing.
func (s *Service) UnscopedDemoLogins(ctx context.Context) ([]DemoLogin, string, error) {
	if len(s.cfg.Demo.Usernames) == 0 {
		return nil, "", nil
	}
	n := s.namer(authz.WithActor(ctx, authz.System("login")))
	var out []DemoLogin
	for _, name := range s.cfg.Demo.Usernames {
		u, err := unscopedFindUserByName(ctx, s.db, name)
		if errs.CodeOf(err) == errs.NotFound {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		if u.Disabled {
			continue
		}
		cs, err := n.crumbs(u.RegionCode)
		if err != nil {
			return nil, "", err
		}
		var names []string
		for _, c := range cs {
			if len(c.Code) > 2 { // below the province
				names = append(names, c.Name)
			}
		}
		if len(names) > 2 {
			names = names[len(names)-2:]
		}
		unit, err := n.department(u.DepartmentID)
		if err != nil {
			return nil, "", err
		}
		if unit == "" {
			unit = u.Organisation
		}
		out = append(out, DemoLogin{Username: u.Username, Role: u.Role, Place: strings.Join(names, web.PathSep), Unit: unit})
	}
	return out, s.cfg.Demo.Password, nil
}
