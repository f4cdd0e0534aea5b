package visits

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/workday"
	"grassroots/internal/territory"
)

// Patrol is one patrol of a grid (网格巡查).
type Patrol struct {
	ID          int64  `json:"id"`
	RegionCode  string `json:"region_code" doc:"the grid patrolled"`
	RegionName  string `json:"region_name"`
	WorkerID    int64  `json:"worker_id"`
	WorkerName  string `json:"worker_name"`
	PatrolledOn string `json:"patrolled_on" doc:"YYYY-MM-DD, China Standard Time"`
	// StartedAt and EndedAt are set on a patrol started and ended in the
	// app; a patrol recorded afterwards has neither.
	StartedAt *time.Time `json:"started_at,omitempty"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	Open      bool       `json:"open" doc:"started and not yet ended"`
	Minutes   int        `json:"duration_minutes"`
	Route     string     `json:"route"`
	Problems  int        `json:"problems_found"`
	Cases     []CaseRef  `json:"cases" doc:"cases the patrol reported"`
	CreatedAt time.Time  `json:"created_at"`
}

// PatrolInput records a patrol afterwards.
type PatrolInput struct {
	GridCode    string   `json:"grid_code"`
	PatrolledOn string   `json:"patrolled_on,omitempty" doc:"YYYY-MM-DD; today when empty; at most a year back"`
	Minutes     int      `json:"duration_minutes" doc:"1–1440"`
	Route       string   `json:"route,omitempty"`
	Problems    int      `json:"problems_found"`
	CaseNumbers []string `json:"case_numbers,omitempty" doc:"numbers of cases the patrol reported, which the actor may read"`
}

// PatrolStart starts a patrol now.
type PatrolStart struct {
	GridCode string `json:"grid_code"`
}

// PatrolEnd ends the actor's patrol now.
type PatrolEnd struct {
	Route       string   `json:"route,omitempty"`
	Problems    int      `json:"problems_found"`
	CaseNumbers []string `json:"case_numbers,omitempty"`
}

// PatrolFilter selects patrols: Region and Grids narrow the actor's
// scope, Month is YYYY-MM, Open keeps patrols under way.
type PatrolFilter struct {
	Region   string
	Grids    []string
	Month    string
	Open     bool
	AfterKey string
	AfterID  int64
	Limit    int
}

// Patrol limits.
const (
	MaxMinutes  = 24 * 60
	MaxProblems = 999
	MaxCases    = 20
)

// checkGrid accepts a grid in the actor's territory (a grid worker: one
// of their grids).
func (s *Service) checkGrid(ctx context.Context, fe *errs.Fields, code string) {
	if code == "" {
		fe.Add("grid_code", "rule.required", "")
		return
	}
	r, err := s.deps.Territory.ContainsRegion(ctx, code)
	if err != nil || r.Level != territory.LevelGrid {
		fe.Add("grid_code", "rule.visits_grid", "")
	}
}

// checkProblems reads the problems found and the cases they became.
func (s *Service) checkProblems(ctx context.Context, fe *errs.Fields, route *string, problems int, numbers []string) []CaseRef {
	*route = text.BlockField(fe, "route", *route)
	if utf8.RuneCountInString(*route) > MaxRoute {
		fe.Add("route", "rule.max_length", strconv.Itoa(MaxRoute))
	}
	if problems < 0 || problems > MaxProblems {
		fe.Add("problems_found", "rule.range", "0–"+strconv.Itoa(MaxProblems))
	}
	var refs []CaseRef
	var clean []string
	for _, n := range numbers {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(clean, n) {
			clean = append(clean, n)
		}
	}
	if len(clean) > MaxCases {
		fe.Add("case_numbers", "rule.visits_case_count", strconv.Itoa(MaxCases))
		return nil
	}
	for _, n := range clean {
		if s.deps.FindCase == nil {
			fe.Add("case_numbers", "rule.visits_case", n)
			continue
		}
		ref, err := s.deps.FindCase(ctx, n)
		if err != nil {
			fe.Add("case_numbers", "rule.visits_case", n)
			continue
		}
		if !slices.ContainsFunc(refs, func(r CaseRef) bool { return r.ID == ref.ID }) {
			refs = append(refs, ref)
		}
	}
	if len(refs) > problems && problems >= 0 {
		fe.Add("problems_found", "rule.visits_problems", strconv.Itoa(len(refs)))
	}
	return refs
}

// RecordPatrol records a patrol made earlier by the actor.
func (s *Service) RecordPatrol(ctx context.Context, in PatrolInput) (Patrol, error) {
	a := authz.ActorFrom(ctx)
	if a == nil {
		return Patrol{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	var fe errs.Fields
	in.GridCode = strings.TrimSpace(in.GridCode)
	s.checkGrid(ctx, &fe, in.GridCode)
	in.PatrolledOn = s.checkDate(&fe, "patrolled_on", in.PatrolledOn)
	if in.Minutes < 1 || in.Minutes > MaxMinutes {
		fe.Add("duration_minutes", "rule.range", "1–"+strconv.Itoa(MaxMinutes))
	}
	refs := s.checkProblems(ctx, &fe, &in.Route, in.Problems, in.CaseNumbers)
	if err := fe.Err(); err != nil {
		return Patrol{}, err
	}
	p := Patrol{RegionCode: in.GridCode, WorkerID: a.UserID, WorkerName: a.DisplayName, PatrolledOn: in.PatrolledOn,
		Minutes: in.Minutes, Route: in.Route, Problems: in.Problems, Cases: refs}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		p.CreatedAt = tx.Now()
		if err := insertPatrol(ctx, tx, &p); err != nil {
			return err
		}
		if err := insertPatrolCases(ctx, tx, p.ID, refs); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "visits.patrol.create", ObjectType: "patrol", ObjectID: strconv.FormatInt(p.ID, 10),
			Region: p.RegionCode, After: p})
	})
	if err != nil {
		return Patrol{}, err
	}
	return s.named(ctx, p), nil
}

// StartPatrol starts a patrol of a grid by the actor now; a worker has
// one patrol under way at a time.
func (s *Service) StartPatrol(ctx context.Context, in PatrolStart) (Patrol, error) {
	a := authz.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return Patrol{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	var fe errs.Fields
	in.GridCode = strings.TrimSpace(in.GridCode)
	s.checkGrid(ctx, &fe, in.GridCode)
	if err := fe.Err(); err != nil {
		return Patrol{}, err
	}
	p := Patrol{RegionCode: in.GridCode, WorkerID: a.UserID, WorkerName: a.DisplayName, Open: true, Cases: []CaseRef{}}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := openPatrolOf(ctx, tx, authz.All, a.UserID); err == nil {
			return errs.E(errs.Conflict, "err.visits_patrol_open")
		} else if errs.CodeOf(err) != errs.NotFound {
			return err
		}
		now := tx.Now()
		p.StartedAt, p.CreatedAt = &now, now
		p.PatrolledOn = now.In(workday.CST).Format(time.DateOnly)
		if err := insertPatrol(ctx, tx, &p); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "visits.patrol.start", ObjectType: "patrol", ObjectID: strconv.FormatInt(p.ID, 10),
			Region: p.RegionCode, After: p})
	})
	if err != nil {
		return Patrol{}, err
	}
	return s.named(ctx, p), nil
}

// EndPatrol ends the actor's own patrol id now, with what it found.
// Another's patrol, or one outside the actor's territory, is not found.
func (s *Service) EndPatrol(ctx context.Context, id int64, in PatrolEnd) (Patrol, error) {
	a := authz.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return Patrol{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	p, err := findPatrol(ctx, s.db, a.Scope, id)
	if err != nil {
		return Patrol{}, err
	}
	if p.WorkerID != a.UserID {
		return Patrol{}, errs.NotFoundf("kind.patrol")
	}
	if !p.Open {
		return Patrol{}, errs.E(errs.Conflict, "err.visits_patrol_ended")
	}
	var fe errs.Fields
	refs := s.checkProblems(ctx, &fe, &in.Route, in.Problems, in.CaseNumbers)
	if err := fe.Err(); err != nil {
		return Patrol{}, err
	}
	before := p
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := tx.Now()
		minutes := int(math.Ceil(now.Sub(*p.StartedAt).Minutes()))
		p.EndedAt, p.Open, p.Route, p.Problems, p.Cases = &now, false, in.Route, in.Problems, refs
		p.Minutes = min(max(minutes, 1), MaxMinutes)
		ok, err := endPatrol(ctx, tx, &p)
		if err != nil {
			return err
		}
		if !ok {
			return errs.E(errs.Conflict, "err.visits_patrol_ended")
		}
		if err := insertPatrolCases(ctx, tx, p.ID, refs); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "visits.patrol.end", ObjectType: "patrol", ObjectID: strconv.FormatInt(p.ID, 10),
			Region: p.RegionCode, Before: before, After: p})
	})
	if err != nil {
		return Patrol{}, err
	}
	return s.named(ctx, p), nil
}

// OpenPatrol returns the actor's own patrol under way; none is not found.
func (s *Service) OpenPatrol(ctx context.Context) (Patrol, error) {
	a := authz.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return Patrol{}, errs.NotFoundf("kind.patrol")
	}
	p, err := openPatrolOf(ctx, s.db, a.Scope, a.UserID)
	if err != nil {
		return Patrol{}, err
	}
	return s.named(ctx, p), nil
}

// Patrols lists the patrols in sc, newest first, with the total.
func (s *Service) Patrols(ctx context.Context, sc authz.Scope, f PatrolFilter) (List[Patrol], error) {
	q := patrolQuery{open: f.Open, afterKey: f.AfterKey, afterID: f.AfterID}
	var err error
	if q.within, q.from, q.to, err = bounds(sc, f.Region, f.Grids, f.Month); err != nil {
		return List[Patrol]{}, err
	}
	out, err := listPage(f.Limit,
		func() (int, error) { return countPatrols(ctx, s.db, sc, q) },
		func(n int) ([]Patrol, error) {
			q.limit = n
			return findPatrols(ctx, s.db, sc, q)
		},
		func(p Patrol) string { return encodeCursor(p.PatrolledOn, p.ID) })
	if err != nil {
		return List[Patrol]{}, err
	}
	if err := patrolCases(ctx, s.db, out.Items); err != nil {
		return List[Patrol]{}, err
	}
	nameAll(ctx, s, out.Items, func(p *Patrol) (string, *string) { return p.RegionCode, &p.RegionName })
	return out, nil
}

// named fills a patrol's grid name and case links for an answer.
func (s *Service) named(ctx context.Context, p Patrol) Patrol {
	p.RegionName = s.names(ctx, []string{p.RegionCode})[p.RegionCode]
	if p.Cases == nil {
		p.Cases = []CaseRef{}
	}
	return p
}

// Grids lists the grids the actor may patrol (a grid worker: theirs).
func (s *Service) Grids(ctx context.Context) ([]territory.Grid, error) {
	gs, err := s.deps.Territory.Grids(ctx, territory.GridFilter{Limit: 500})
	if err != nil {
		return nil, fmt.Errorf("visits: grids: %w", err)
	}
	return gs, nil
}
