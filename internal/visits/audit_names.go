package visits

import (
	"context"
	"strconv"

	"grassroots/internal/platform/authz"
)

// VisitName names a visit in the actor's territory for the audit log:
// the household's address as visited, and its page. It reads no notes and
// records nothing.
func (s *Service) VisitName(ctx context.Context, id int64) (text, link string, err error) {
	v, err := findVisit(ctx, s.db, authz.ScopeFrom(ctx), id)
	if err != nil {
		return "", "", err
	}
	return v.Address, "/visits/" + strconv.FormatInt(v.ID, 10), nil
}

// PatrolName names a patrol in the actor's territory for the audit log:
// its grid and day (甲一网格1 2026-11-26). It records nothing.
func (s *Service) PatrolName(ctx context.Context, id int64) (string, error) {
	p, err := findPatrol(ctx, s.db, authz.ScopeFrom(ctx), id)
	if err != nil {
		return "", err
	}
	name := s.names(ctx, []string{p.RegionCode})[p.RegionCode]
	if name == "" {
		return p.PatrolledOn, nil
	}
	return name + " " + p.PatrolledOn, nil
}
