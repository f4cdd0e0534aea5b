package registry

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
)

// This file holds the scoped reads that household visits (走访) make of
// the registry: which households have special-care members, and what a
// visit to one household needs to know of it. Each takes the scope as an
// argument, so the caller decides whose view is read.

// CareHousehold is a household with at least one current member carrying
// a tag: the candidates for regular visits.
type CareHousehold struct {
	ID         int64
	RegionCode string
	Address    string
	// Tags are the tags of its current members, each once, in the order
	// of Tags.
	Tags []string
}

// CareHouseholds lists the households in sc whose current members carry
// any tag, narrowed to the subtrees of within when it is not empty (a
// worker's grids, one community), ordered by id. Only the address and the
// tags are read, no person's name or number.
func (s *Service) CareHouseholds(ctx context.Context, sc authz.Scope, within []string) ([]CareHousehold, error) {
	qb := db.NewQuery(`/* registry.CareHouseholds */ SELECT h.id, h.region_code, h.address, p.tags
		FROM registry_households h JOIN registry_people p ON p.household_id = h.id`).
		Scope(sc, "h.region_code", "").And("p.moved_out_at IS NULL").And("p.tags <> ''")
	// A member lives in the household's division: saying so of the
	// people too lets the planner read the area's people by their region
	// instead of every person of the city.
	qb.Scope(sc, "p.region_code", "")
	if len(within) > 0 {
		qb.Scope(authz.Scope{GridsOnly: true, Grids: within}, "h.region_code", "")
		qb.Scope(authz.Scope{GridsOnly: true, Grids: within}, "p.region_code", "")
	}
	qb.Tail("ORDER BY h.id")
	q, args := qb.SQL()
	type row struct {
		id           int64
		region, addr string
		tags         string
	}
	rows, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (row, error) {
		var x row
		err := r.Scan(&x.id, &x.region, &x.addr, &x.tags)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("registry: care households: %w", err)
	}
	var out []CareHousehold
	for _, x := range rows {
		if n := len(out); n == 0 || out[n-1].ID != x.id {
			out = append(out, CareHousehold{ID: x.id, RegionCode: x.region, Address: x.addr})
		}
		h := &out[len(out)-1]
		for _, t := range tagList(x.tags) {
			if !slices.Contains(h.Tags, t) {
				h.Tags = append(h.Tags, t)
			}
		}
	}
	for i := range out {
		slices.SortFunc(out[i].Tags, func(a, b string) int { return tagOrder(a) - tagOrder(b) })
	}
	return out, nil
}

// tagList splits a stored tag column.
func tagList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// tagOrder is the position of tag t in Tags (unknown tags last).
func tagOrder(t string) int {
	if i := slices.Index(Tags, t); i >= 0 {
		return i
	}
	return len(Tags)
}

// VisitTarget is a household as a visit to it sees it: where it is, the
// point of its building (for a problem found there), the tags and the
// names of its current members (whom the visitor may have met).
type VisitTarget struct {
	ID         int64
	RegionCode string
	Address    string
	Lon, Lat   *float64
	Tags       []string
	Members    []string
}

// VisitTarget returns household id as sc sees it; outside sc it is not
// found, like a household that does not exist.
func (s *Service) VisitTarget(ctx context.Context, sc authz.Scope, id int64) (VisitTarget, error) {
	qb := db.NewQuery(`/* registry.VisitTarget */ SELECT h.id, h.region_code, h.address, b.lon, b.lat
		FROM registry_households h LEFT JOIN registry_buildings b ON b.id = h.building_id`).And("h.id = ?", id).Scope(sc, "h.region_code", "")
	q, args := qb.SQL()
	v, err := db.One(ctx, s.db, q, args, func(r db.Scanner) (VisitTarget, error) {
		var v VisitTarget
		err := r.Scan(&v.ID, &v.RegionCode, &v.Address, &v.Lon, &v.Lat)
		return v, err
	}, error(errs.NotFoundf("kind.household")))
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return VisitTarget{}, err
		}
		return VisitTarget{}, fmt.Errorf("registry: visit target %d: %w", id, err)
	}
	mq := db.NewQuery(`/* registry.VisitTarget */ SELECT p.name, p.tags FROM registry_people p`).
		And("p.household_id = ?", id).And("p.moved_out_at IS NULL").Scope(sc, "p.region_code", "").
		Tail("ORDER BY CASE p.relation WHEN 'head' THEN 0 ELSE 1 END, p.birth_date, p.id")
	q, args = mq.SQL()
	type member struct{ name, tags string }
	ms, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (member, error) {
		var m member
		err := r.Scan(&m.name, &m.tags)
		return m, err
	})
	if err != nil {
		return VisitTarget{}, fmt.Errorf("registry: visit target %d members: %w", id, err)
	}
	v.Tags, v.Members = []string{}, []string{}
	for _, m := range ms {
		v.Members = append(v.Members, m.name)
		for _, t := range tagList(m.tags) {
			if !slices.Contains(v.Tags, t) {
				v.Tags = append(v.Tags, t)
			}
		}
	}
	slices.SortFunc(v.Tags, func(a, b string) int { return tagOrder(a) - tagOrder(b) })
	return v, nil
}

// VisitTargets lists up to limit households in sc whose address contains
// address (all when it is empty), in id order: the households a visitor
// may pick from.
func (s *Service) VisitTargets(ctx context.Context, sc authz.Scope, address string, limit int) ([]VisitTarget, error) {
	qb := db.NewQuery(`/* registry.VisitTargets */ SELECT h.id, h.region_code, h.address FROM registry_households h`).Scope(sc, "h.region_code", "")
	if address != "" {
		qb.And("h.address LIKE ?", "%"+address+"%")
	}
	qb.Tail("ORDER BY h.id LIMIT ?", limit)
	q, args := qb.SQL()
	out, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (VisitTarget, error) {
		var v VisitTarget
		err := r.Scan(&v.ID, &v.RegionCode, &v.Address)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("registry: visit targets: %w", err)
	}
	return out, nil
}

// HouseholdVisit is one visit to a household as its card lists it.
type HouseholdVisit struct {
	ID         int64
	VisitedOn  string // YYYY-MM-DD
	KindKey    string // the message key of its kind
	WorkerName string
}

// VisitHistory is what a household's card shows of its visits, as the
// actor may see them: the last few, newest first, and how many in all.
type VisitHistory struct {
	CanView   bool // the actor may read visits; without it nothing else is filled
	CanRecord bool // the actor may record a visit
	Last      []HouseholdVisit
	Total     int
}

// HouseholdVisits reads up to limit of a household's last visits as the
// actor of ctx may see them (package visits answers, through the
// application's wiring).
type HouseholdVisits func(ctx context.Context, householdID int64, limit int) (VisitHistory, error)

// SetHouseholdVisits sets where a household's card reads its visits.
// Call it before serving; without one the card shows no visits.
func (s *Service) SetHouseholdVisits(f HouseholdVisits) { s.visits = f }

// householdVisits is the card's visit history; none without a source.
func (s *Service) householdVisits(ctx context.Context, id int64, limit int) (VisitHistory, error) {
	if s.visits == nil {
		return VisitHistory{}, nil
	}
	v, err := s.visits(ctx, id, limit)
	if err != nil {
		return VisitHistory{}, fmt.Errorf("registry: visits of household %d: %w", id, err)
	}
	return v, nil
}
