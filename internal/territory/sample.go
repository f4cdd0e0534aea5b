package territory

import (
	"context"

	"grassroots/internal/platform/authz"
)

// Sample is a real place in the actor's territory, for the example rows of
// import templates: so that a template downloaded in Beijing shows a
// Beijing community, not the demo's Nanchang one.
type Sample struct {
	Community string // a community's code, "" when the actor's territory has none
	Grid      string // a grid of that community, "" when it has none
	// Names of the divisions above the community (empty where unknown).
	City, District, Subdistrict, CommunityName string
}

// Sample returns the first community (and grid) in the actor's scope with
// the names of the divisions above it. Those names are the actor's own
// ancestors, which every page's breadcrumb shows anyway.
func (s *Service) Sample(ctx context.Context) (Sample, error) {
	sc := authz.ScopeFrom(ctx)
	var out Sample
	cs, err := findRegions(ctx, s.db, sc, RegionFilter{Level: LevelCommunity, Limit: 1})
	if err != nil {
		return out, err
	}
	if len(cs) > 0 {
		out.Community = cs[0].Code
		gs, err := findRegions(ctx, s.db, sc, RegionFilter{Level: LevelGrid, Parent: out.Community, Limit: 1})
		if err != nil {
			return out, err
		}
		if len(gs) > 0 {
			out.Grid = gs[0].Code
		}
	} else {
		// A grid worker's scope holds grids, not their community.
		gs, err := findRegions(ctx, s.db, sc, RegionFilter{Level: LevelGrid, Limit: 1})
		if err != nil || len(gs) == 0 {
			return out, err
		}
		out.Grid, out.Community = gs[0].Code, gs[0].ParentCode
	}
	crumbs, err := s.breadcrumb(ctx, authz.All, out.Community)
	if err != nil {
		return out, err
	}
	for _, r := range crumbs {
		switch r.Level {
		case LevelCity:
			out.City = r.Name
		case LevelDistrict:
			out.District = r.Name
		case LevelSubdistrict:
			out.Subdistrict = r.Name
		case LevelCommunity:
			out.CommunityName = r.Name
		}
	}
	return out, nil
}
