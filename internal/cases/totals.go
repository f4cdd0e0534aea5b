package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
)

// MaxLiveTotal is where a total counted from the cases themselves stops:
// beyond it a list says "more than 10,000".
const MaxLiveTotal = 10000

// Total is how many cases a filter selects: the figure a list shows above
// its first page, and the count of the workbench item that links to it.
type Total struct {
	N int64 `json:"total"`
	// More: there are more than N (a live count stops at MaxLiveTotal).
	More bool `json:"total_more,omitempty"`
	// CountedAt is set when N is the deadline sweep's count of overdue or
	// due-soon cases (every minute), not a live one.
	CountedAt *time.Time `json:"total_counted_at,omitempty"`
}

// Total counts what f selects for the actor, as Cases lists it. A whole
// division's cases by status come from the count tables kept with every
// change, its overdue and due-soon ones from the sweep's counts; anything
// narrower (a grid, a department, a category) is counted live, up to
// MaxLiveTotal.
func (s *Service) Total(ctx context.Context, f Filter) (Total, error) {
	sel, err := s.selectCases(ctx, &f)
	if err != nil || sel.none {
		return Total{}, err
	}
	a := authz.ActorFrom(ctx)
	if region, ok := tableRegion(a, f); ok {
		switch f.View {
		case "overdue", "due_soon":
			return s.dueTotal(ctx, region, f.View)
		default:
			return s.levelTotal(ctx, region, sel.statuses)
		}
	}
	var t Total
	count := func(st Status) error {
		qb := sel.where(sel.counted(`/* cases.total */ SELECT 1 FROM cases c`), st)
		q, args := qb.Tail("LIMIT ?", MaxLiveTotal+1-t.N).SQL()
		var n int64
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+q+`) t`, args...).Scan(&n); err != nil {
			return fmt.Errorf("cases: total: %w", err)
		}
		t.N += n
		return nil
	}
	if len(sel.statuses) == 0 {
		err = count("")
	}
	for _, st := range sel.statuses {
		if err = count(st); err != nil || t.N > MaxLiveTotal {
			break
		}
	}
	if t.N > MaxLiveTotal {
		t.N, t.More = MaxLiveTotal, true
	}
	return t, err
}

// tableRegion returns the division whose kept counts answer f for a: a
// whole community or wider, seen by an actor whose scope is a division
// (not a department, property company or grids), with nothing but a
// status or a view over statuses or deadlines.
func tableRegion(a *authz.Actor, f Filter) (string, bool) {
	sc := a.Scope
	if !a.Can(PermView) || sc.All || sc.Department != 0 || sc.PropertyOnly || sc.GridsOnly || sc.Region == "" {
		return "", false
	}
	switch f.View {
	case "", "all", "dispatch", "verify", "overdue", "due_soon":
	default:
		return "", false
	}
	if f.Category != "" || f.Channel != "" || f.Number != "" || f.SelfHandled || f.Month != "" {
		return "", false
	}
	region := f.Region
	if region == "" {
		region = sc.Region
	}
	if len(region) > 12 || !sc.Contains(region) {
		return "", false
	}
	return region, true
}

// levelTotal sums a division's children's counts by status.
func (s *Service) levelTotal(ctx context.Context, region string, statuses []Status) (Total, error) {
	qb := db.NewQuery(`/* cases.levelTotal */ SELECT COALESCE(SUM(n), 0) FROM case_level_counts`).And("parent_code = ?", region)
	if len(statuses) > 0 {
		args := make([]any, len(statuses))
		for i, st := range statuses {
			args[i] = st
		}
		qb.And("status IN ("+db.In(len(args))+")", args...)
	}
	q, args := qb.SQL()
	var t Total
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&t.N); err != nil {
		return t, fmt.Errorf("cases: level total of %s: %w", region, err)
	}
	return t, nil
}

// dueTotal is a division's overdue or due-soon count as the sweep last
// counted it.
func (s *Service) dueTotal(ctx context.Context, region, view string) (Total, error) {
	var t Total
	var overdue, soon int64
	var at time.Time
	err := s.db.QueryRowContext(ctx, `/* cases.dueTotal */ SELECT overdue, due_soon, counted_at FROM case_due_counts WHERE region_code = ?`, region).
		Scan(&overdue, &soon, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return t, nil
	}
	if err != nil {
		return t, fmt.Errorf("cases: due total of %s: %w", region, err)
	}
	t.N, at = overdue, at.UTC()
	if view == "due_soon" {
		t.N = soon
	}
	t.CountedAt = &at
	return t, nil
}
