package coverage

import (
	"context"
	"net/url"
	"strconv"

	"grassroots/internal/account"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/web"
	"grassroots/internal/workforce"
)

// widgets are the module's panel on the workbench: the Party's and the
// workforce's figures of the actor's area, with the coverage report as
// their drill-down.
func (s *Service) widgets() []web.Widget {
	return []web.Widget{{Name: "coverage-figures", Perm: PermView, Order: 42,
		For: func(a *authz.Actor) bool {
			return a.Scope.Department == 0 && !a.Scope.GridsOnly && a.Scope.Region != ""
		}, Load: s.figuresWidget}}
}

func (s *Service) figuresWidget(ctx context.Context, a *authz.Actor) (web.Panel, error) {
	code := a.Scope.Region
	rep, err := s.Report(ctx, code)
	if err != nil {
		return web.Panel{}, err
	}
	t, href := rep.Total, "/coverage/"+code
	pct := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "%" }
	p := web.Panel{Title: "wb.coverage.title", Figures: []web.Figure{
		// No list shows an area's Party members (they appear by
		// organisation): the figure links nowhere.
		{Label: "wb.coverage.members", Value: strconv.Itoa(t.Members)},
		{Label: "wb.coverage.grid_branch", Value: pct(t.GridBranchRate), Href: href},
		{Label: "wb.coverage.building_group", Value: pct(t.BuildingGroupRate), Href: href},
		{Label: "wb.coverage.workers", Value: strconv.Itoa(t.Workers), Href: workforceHref(a)},
		{Label: "wb.coverage.grid_workers", Value: strconv.Itoa(t.GridWorkers), Href: gridWorkersHref(a, code)},
	}}
	if len(code) < 12 {
		p.Figures = append(p.Figures, web.Figure{Label: "wb.coverage.community_org", Value: pct(t.CommunityOrgRate), Href: href})
	}
	return p, nil
}

// gridWorkersHref is the accounts list of the area's grid workers for
// those who may open it.
func gridWorkersHref(a *authz.Actor, code string) string {
	if a.Can(account.PermUserView) {
		return "/users?" + url.Values{"role": {string(authz.RoleGridWorker)}, "region": {code}}.Encode()
	}
	return ""
}

// workforceHref is the workforce list for those who may open it.
func workforceHref(a *authz.Actor) string {
	if a.Can(workforce.PermView) {
		return "/workforce"
	}
	return ""
}
