package visits

import (
	"context"
	"net/url"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/web"
)

// widgets are the module's panel on the workbench: the households due a
// visit and the visits and patrols of this month, each count the total of
// the list its link opens.
func (s *Service) widgets() []web.Widget {
	return []web.Widget{{Name: "visits", Perm: PermView, Order: 20,
		For: func(a *authz.Actor) bool {
			return a.Scope.Department == 0 && !a.Scope.PropertyOnly && a.Scope.Region != ""
		}, Load: s.widget}}
}

func (s *Service) widget(ctx context.Context, a *authz.Actor) (web.Panel, error) {
	var grids []string
	if a.Scope.GridsOnly {
		grids = a.Scope.Grids
	}
	c, err := s.Counts(ctx, a.Scope, grids)
	if err != nil {
		return web.Panel{}, err
	}
	p := web.Panel{Title: "wb.visits.title"}
	if a.Can(PermRecord) {
		p.Actions = append(p.Actions, web.Action{Label: "wb.visits.record", Href: "/visits/new", Primary: a.Scope.GridsOnly})
		if c.OpenPatrol != nil {
			p.Actions = append(p.Actions, web.Action{Label: "wb.visits.patrol_on", Href: "/patrols?open=1"})
		} else {
			p.Actions = append(p.Actions, web.Action{Label: "wb.visits.patrol", Href: "/patrols/new"})
		}
	}
	if c.DueCounted {
		tone := ""
		if c.DueHouseholds > 0 {
			tone = web.ToneWarn
		}
		p.Items = append(p.Items, web.Item{Label: "wb.visits.due", Count: int64(c.DueHouseholds), Href: c.DueURL, Tone: tone})
	}
	p.Items = append(p.Items,
		web.Item{Label: "wb.visits.month", Count: int64(c.VisitsThisMonth), Href: c.VisitsURL},
		web.Item{Label: "wb.visits.patrols_month", Count: int64(c.PatrolsThisMonth), Href: c.PatrolsURL},
	)
	if c.OpenPatrols > 0 {
		p.Items = append(p.Items, web.Item{Label: "wb.visits.patrols_open", Count: int64(c.OpenPatrols), Href: c.OpenPatrolsURL})
	}
	if !c.DueCounted {
		// A subdistrict or wider: the visits of each child this month.
		rep, err := s.Report(ctx, a.Scope, a.Scope.Region, c.Month)
		if err != nil {
			return p, err
		}
		for _, r := range rep.Children {
			p.Rows = append(p.Rows, web.Row{Title: r.Name, Note: "wb.visits.month", Count: int64(r.Visits),
				Href: "/visits?visits=1&month=" + url.QueryEscape(c.Month) + "&region=" + url.QueryEscape(r.Code)})
		}
	}
	return p, nil
}
