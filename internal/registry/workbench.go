package registry

import (
	"context"
	"strconv"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/web"
)

// Widgets are the registry's panels on the workbench: the people and
// homes of the actor's area.
func (s *Service) Widgets() []web.Widget {
	return []web.Widget{{Name: "registry-figures", Perm: PermView, Order: 41,
		For: func(a *authz.Actor) bool {
			return a.Scope.Department == 0 && !a.Scope.PropertyOnly && a.Scope.Region != ""
		}, Load: s.figuresWidget}}
}

// figuresWidget: people, floating people, households and buildings of
// the actor's area, from the kept totals (a grid worker's: their grids'),
// and a community's special-care residents. Each figure with a link is
// the total of the list it opens.
func (s *Service) figuresWidget(ctx context.Context, a *authz.Actor) (web.Panel, error) {
	root := a.Scope.Region
	cs, err := s.CountsByChild(ctx, root, len(root))
	if err != nil {
		return web.Panel{}, err
	}
	var c Counts
	if x := cs[root]; x != nil {
		c = *x
	}
	n := func(v int) string { return strconv.Itoa(v) }
	p := web.Panel{Title: "wb.registry.title", Figures: []web.Figure{
		{Label: "wb.registry.people", Value: n(c.Residents + c.Floating), Href: "/people"},
		{Label: "wb.registry.floating", Value: n(c.Floating), Href: "/people?residence=floating"},
		{Label: "wb.registry.households", Value: n(c.Households)},
		{Label: "wb.registry.buildings", Value: n(c.Buildings), Href: "/buildings"},
	}}
	if a.Scope.GridsOnly || len(root) >= 12 {
		// A community's or a grid worker's special-care residents, from
		// the kept totals, as the list they link to counts them.
		t, err := countPeople(ctx, s.db, a.Scope, PersonFilter{Tag: TagCare}, "", "")
		if err != nil {
			return p, err
		}
		p.Figures = append(p.Figures, web.Figure{Label: "wb.registry.care", Value: n(t.N), Href: "/people?tag=" + TagCare})
	}
	return p, nil
}
