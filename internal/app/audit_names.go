package app

import (
	"context"
	"strconv"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/pii"
)

// auditNames name the objects of the audit log's sentences, each in the
// reader's scope: cases by number, people by their masked name, accounts
// by their holder's name, divisions and departments by name. They read
// through the modules' services, which the audit package does not
// import; none of them records a read (names shown masked, as lists
// show them).
func (a *App) auditNames() audit.Names {
	id := func(s string) (int64, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, errs.NotFoundf("kind.object")
		}
		return n, nil
	}
	number := func(_ context.Context, s string) (audit.Label, error) {
		if _, err := id(s); err != nil {
			return audit.Label{}, err
		}
		return audit.Label{Text: s}, nil
	}
	region := func(page string) audit.Resolver {
		return func(ctx context.Context, code string) (audit.Label, error) {
			r, err := a.Territory.ContainsRegion(ctx, code)
			if err != nil {
				return audit.Label{}, err
			}
			return audit.Label{Text: r.Name, Link: page + r.Code}, nil
		}
	}
	return audit.Names{
		"case": func(ctx context.Context, s string) (audit.Label, error) {
			n, err := id(s)
			if err != nil {
				return audit.Label{}, err
			}
			c, err := a.Cases.Case(ctx, n)
			if err != nil {
				return audit.Label{}, err
			}
			return audit.Label{Text: c.Number, Link: "/cases/" + s}, nil
		},
		"person": func(ctx context.Context, s string) (audit.Label, error) {
			n, err := id(s)
			if err != nil {
				return audit.Label{}, err
			}
			p, err := a.Registry.Person(ctx, n)
			if err != nil || p.Name == "" {
				return audit.Label{}, err
			}
			return audit.Label{Text: pii.MaskName(p.Name), Link: "/people/" + s}, nil
		},
		"user": func(ctx context.Context, s string) (audit.Label, error) {
			n, err := id(s)
			if err != nil {
				return audit.Label{}, err
			}
			u, err := a.Accounts.User(ctx, n)
			if err != nil {
				return audit.Label{}, err
			}
			return audit.Label{Text: u.DisplayName, Link: "/users/" + s}, nil
		},
		"region": region("/regions/"),
		"grid":   region("/grids/"),
		// A catalogue version and a calendar year read as the number they
		// are ("第 2 版", "2027 年"), not as a record's number.
		"case_catalogue": number,
		"calendar_year":  number,
		"department": func(ctx context.Context, s string) (audit.Label, error) {
			n, err := id(s)
			if err != nil {
				return audit.Label{}, err
			}
			d, err := a.Territory.Department(ctx, n)
			if err != nil {
				return audit.Label{}, err
			}
			return audit.Label{Text: d.Name, Link: "/departments"}, nil
		},
		"building": func(ctx context.Context, s string) (audit.Label, error) {
			n, err := id(s)
			if err != nil {
				return audit.Label{}, err
			}
			b, err := a.Registry.Building(ctx, n)
			if err != nil {
				return audit.Label{}, err
			}
			return audit.Label{Text: b.Address}, nil
		},
		"party_org": func(ctx context.Context, s string) (audit.Label, error) {
			n, err := id(s)
			if err != nil {
				return audit.Label{}, err
			}
			o, err := a.Party.Org(ctx, n)
			if err != nil {
				return audit.Label{}, err
			}
			return audit.Label{Text: o.Name, Link: "/party/orgs/" + s}, nil
		},
		// A visit by the household's address, a patrol by its grid and day.
		"visit": func(ctx context.Context, s string) (audit.Label, error) {
			n, err := id(s)
			if err != nil {
				return audit.Label{}, err
			}
			text, link, err := a.Visits.VisitName(ctx, n)
			return audit.Label{Text: text, Link: link}, err
		},
		"patrol": func(ctx context.Context, s string) (audit.Label, error) {
			n, err := id(s)
			if err != nil {
				return audit.Label{}, err
			}
			text, err := a.Visits.PatrolName(ctx, n)
			return audit.Label{Text: text}, err
		},
		"unit": func(ctx context.Context, s string) (audit.Label, error) {
			n, err := id(s)
			if err != nil {
				return audit.Label{}, err
			}
			u, err := a.Units.Get(ctx, n)
			if err != nil {
				return audit.Label{}, err
			}
			return audit.Label{Text: u.Name}, nil
		},
	}
}
