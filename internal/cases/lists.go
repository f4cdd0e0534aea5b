package cases

import (
	"context"
	"fmt"
	"strings"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
)

// Views are the lists the pages offer.
var Views = []string{"mine", "grid", "dispatch", "handling", "verify", "overdue", "due_soon", "supervised", "all"}

// Filter selects cases.
type Filter struct {
	View     string // one of Views; "" is all
	Status   Status
	Category string // a class ("01") or sub-class ("0101")
	Region   string // a subtree inside the scope
	Channel  string
	Number   string
	AfterID  int64
	Limit    int
}

// Validate checks a filter's values.
func (f Filter) Validate() error {
	var fe errs.Fields
	if f.View != "" && !contains(Views, f.View) {
		fe.Add("view", "rule.one_of", strings.Join(Views, ", "))
	}
	if f.Status != "" && !contains(Statuses, f.Status) {
		fe.Add("status", "rule.one_of", "submitted, accepted, …")
	}
	if f.Category != "" && (!digits(f.Category) || len(f.Category) != 2 && len(f.Category) != 4) {
		fe.Add("category", "rule.category", f.Category)
	}
	if f.Region != "" && !digits(f.Region) {
		fe.Add("region", "rule.region_code", f.Region)
	}
	if f.Channel != "" && !contains(Channels, f.Channel) {
		fe.Add("channel", "rule.one_of", strings.Join(Channels, ", "))
	}
	return fe.Err()
}

func contains[T comparable](xs []T, x T) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Cases lists cases for the actor, newest first. Residents and Party
// members see their own reports.
func (s *Service) Cases(ctx context.Context, f Filter) ([]*Case, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	a := authz.ActorFrom(ctx)
	if a == nil {
		return nil, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	now := s.db.Now()
	qb := db.NewQuery(`/* cases.list */ SELECT ` + caseCols + ` FROM cases c`)
	if !a.Can(PermView) {
		f.View = "mine"
	} else {
		scopeCases(qb, a.Scope)
	}
	switch f.View {
	case "mine":
		qb.And("c.reporter_id = ?", a.UserID)
	case "grid":
		grids, err := s.deps.GridsOf(ctx, a.UserID)
		if err != nil {
			return nil, err
		}
		if len(grids) == 0 {
			return []*Case{}, nil
		}
		args := make([]any, len(grids))
		for i, g := range grids {
			args[i] = g
		}
		qb.And("c.region_code IN (?"+strings.Repeat(", ?", len(grids)-1)+")", args...)
	case "dispatch":
		qb.And("c.status IN ('submitted', 'accepted', 'registered')")
	case "handling":
		qb.And("c.status = 'dispatched'")
		if a.Scope.Department != 0 {
			qb.And("c.dept_id = ?", a.Scope.Department)
		} else {
			qb.And("c.unit_kind IN ('community', 'property')")
		}
	case "verify":
		qb.And("c.status = 'handled'")
	case "overdue":
		qb.And("c.status IN ('submitted', 'accepted', 'registered', 'dispatched', 'handled', 'verified')").And("c.step_due_at < ?", now)
	case "due_soon":
		qb.And("c.status IN ('submitted', 'accepted', 'registered', 'dispatched', 'handled', 'verified')").
			And("c.step_warn_at <= ?", now).And("c.step_due_at >= ?", now)
	case "supervised":
		qb.And("c.supervised = ?", true).And("c.status NOT IN ('closed', 'rejected', 'merged')")
	}
	if f.Status != "" {
		qb.And("c.status = ?", f.Status)
	}
	if f.Category != "" {
		qb.Under("c.category", f.Category)
	}
	if f.Region != "" {
		qb.Under("c.region_code", f.Region)
	}
	if f.Channel != "" {
		qb.And("c.channel = ?", f.Channel)
	}
	if f.Number != "" {
		id, ok := ParseNumber(strings.TrimSpace(f.Number))
		if !ok {
			return []*Case{}, nil
		}
		qb.And("c.id = ?", id)
	}
	if f.AfterID > 0 {
		qb.And("c.id < ?", f.AfterID)
	}
	if f.Limit <= 0 || f.Limit > 501 {
		f.Limit = 50
	}
	q, args := qb.Tail("ORDER BY c.id DESC LIMIT ?", f.Limit).SQL()
	out, err := db.Collect(ctx, s.db, q, args, scanCase)
	if err != nil {
		return nil, fmt.Errorf("cases: list: %w", err)
	}
	for _, c := range out {
		s.decorate(ctx, c)
	}
	if out == nil {
		out = []*Case{}
	}
	return out, nil
}

// Count is the number of cases in the database (all scopes).
func (s *Service) Count(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases`).Scan(&n); err != nil {
		return 0, fmt.Errorf("cases: count: %w", err)
	}
	return n, nil
}

// MergedInto lists the reports merged into case id, with their reporters
// (masked), in the actor's scope.
func (s *Service) MergedInto(ctx context.Context, id int64) ([]*Case, error) {
	qb := db.NewQuery(`/* cases.merged */ SELECT ` + caseCols + ` FROM cases c`).And("c.merged_into = ?", id)
	scopeCases(qb, authz.ScopeFrom(ctx))
	q, args := qb.Tail("ORDER BY c.id LIMIT 100").SQL()
	out, err := db.Collect(ctx, s.db, q, args, scanCase)
	if err != nil {
		return nil, fmt.Errorf("cases: merged into %d: %w", id, err)
	}
	for _, c := range out {
		s.decorate(ctx, c)
	}
	return out, nil
}
