package cases

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
)

// Views are the lists the pages offer.
var Views = []string{"mine", "grid", "dispatch", "handling", "acknowledge", "verify", "overdue", "due_soon", "supervised", "extension", "to_rate", "all"}

// Filter selects cases.
type Filter struct {
	View     string // one of Views; "" is all
	Status   Status
	Category string // a class ("01") or sub-class ("0101")
	Region   string // a subtree inside the scope
	Channel  string
	Number   string
	// Open keeps only the cases that still need work.
	Open bool
	// SelfHandled keeps only the cases fixed on the spot (自行处置).
	SelfHandled bool
	// Month keeps the cases received in that month (YYYY-MM, China
	// Standard Time).
	Month    string
	AfterID  int64
	AfterDue time.Time // with AfterID, the page key of the deadline views
	Limit    int
}

// Validate checks a filter's values.
func (f Filter) Validate() error {
	var fe errs.Fields
	if f.View != "" && !slices.Contains(Views, f.View) {
		fe.Add("view", "rule.one_of", strings.Join(Views, ", "))
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		fe.Add("status", "rule.one_of", "submitted, accepted, …")
	}
	if f.Category != "" && (!digits(f.Category) || len(f.Category) != 2 && len(f.Category) != 4) {
		fe.Add("category", "rule.category", f.Category)
	}
	if f.Region != "" && !digits(f.Region) {
		fe.Add("region", "rule.region_code", f.Region)
	}
	if f.Channel != "" && !slices.Contains(Channels, f.Channel) {
		fe.Add("channel", "rule.one_of", strings.Join(Channels, ", "))
	}
	if f.Month != "" {
		if _, err := ParseMonth(f.Month); err != nil {
			fe.Add("month", "rule.month", "YYYY-MM")
		}
	}
	return fe.Err()
}

// levelCols are the columns holding a case's subdistrict and community.
var levelCols = []db.Level{{Of: "c.region_code", Len: 9, Col: "c.sub_code"}, {Of: "c.region_code", Len: 12, Col: "c.com_code"}}

// openList is the SQL list of the statuses that still need work.
const openList = "('submitted', 'accepted', 'registered', 'dispatched', 'handled', 'verified')"

// shutList is the SQL list of the other statuses: NOT IN shutList is
// openList put so that no index on the status serves it.
const shutList = "('closed', 'rejected', 'merged', 'suspended')"

// Cases lists cases for the actor, newest first (overdue: most recently
// due first; due soon: soonest first). Residents and Party members see
// their own reports.
//
// Lists stay fast at millions of rows by reading an index in the order
// shown and stopping after a page: wide subtrees are walked in id order
// (db.Query.Ordered), and a view over several statuses runs one query a
// status on the (status, id) index and merges the pages.
func (s *Service) Cases(ctx context.Context, f Filter) ([]*Case, error) {
	sel, err := s.selectCases(ctx, &f)
	if err != nil || sel.none {
		return []*Case{}, err
	}
	if f.Limit <= 0 || f.Limit > 501 {
		f.Limit = 50
	}
	statuses := sel.statuses
	query := func(st Status) *db.Query {
		qb := sel.where(sel.base(`/* cases.list */ SELECT `+caseCols+` FROM cases c`), st)
		switch f.View {
		case "overdue":
			if f.AfterID > 0 {
				qb.And("(c.step_due_at < ? OR c.step_due_at = ? AND c.id < ?)", f.AfterDue, f.AfterDue, f.AfterID)
			}
			return qb.Tail("ORDER BY c.step_due_at DESC, c.id DESC LIMIT ?", f.Limit)
		case "due_soon":
			if f.AfterID > 0 {
				qb.And("(c.step_due_at > ? OR c.step_due_at = ? AND c.id > ?)", f.AfterDue, f.AfterDue, f.AfterID)
			}
			return qb.Tail("ORDER BY c.step_due_at, c.id LIMIT ?", f.Limit)
		}
		if f.AfterID > 0 {
			qb.And("c.id < ?", f.AfterID)
		}
		return qb.Tail("ORDER BY c.id DESC LIMIT ?", f.Limit)
	}
	var out []*Case
	if len(statuses) <= 1 {
		st := Status("")
		if len(statuses) == 1 {
			st = statuses[0]
		}
		q, args := query(st).SQL()
		cs, err := db.Collect(ctx, s.db, q, args, scanCase)
		if err != nil {
			return nil, fmt.Errorf("cases: list: %w", err)
		}
		out = cs
	} else {
		for _, st := range statuses {
			q, args := query(st).SQL()
			cs, err := db.Collect(ctx, s.db, q, args, scanCase)
			if err != nil {
				return nil, fmt.Errorf("cases: list: %w", err)
			}
			out = append(out, cs...)
		}
		slices.SortFunc(out, func(x, y *Case) int { return cmp.Compare(y.ID, x.ID) })
		if len(out) > f.Limit {
			out = out[:f.Limit]
		}
	}
	public := readsPublic(authz.ActorFrom(ctx))
	for _, c := range out {
		s.decorate(ctx, c)
		if public {
			c.forPublic()
		}
	}
	if out == nil {
		out = []*Case{}
	}
	return out, nil
}

// selection is what a filter selects for an actor: the statuses to read
// one query each (none: any), and the conditions of every query.
type selection struct {
	statuses []Status
	none     bool // the filter selects nothing (a grid worker without grids)
	where    func(qb *db.Query, st Status) *db.Query
	// rare: the view's few rows are found through a partial index of
	// their own (supervised cases, extensions asked for). Its conditions
	// on the division and the status are written so that no wider index
	// serves them (a division by prefix, open as "not shut"): a planner
	// without statistics would otherwise walk every open case of a city.
	rare bool
	// dept: the view binds the actor's department (its cases to
	// acknowledge, handle, or late): found through (dept_id, status),
	// never through the district's cases of that status.
	dept bool
}

// base starts a query of the selection: a rare view's with its division
// by prefix, any other's walked in the levels' order (db.Query.Ordered).
func (sel selection) base(sql string) *db.Query {
	if sel.rare {
		return db.NewQuery(sql).Ordered()
	}
	return db.NewQuery(sql).Ordered(levelCols...)
}

// counted starts the count of the selection: a view found through an
// index of its own is counted as it is listed (base); any other reads
// the division's range of the index it is filtered by.
func (sel selection) counted(sql string) *db.Query {
	if sel.rare || sel.dept {
		return sel.base(sql)
	}
	return db.NewQuery(sql)
}

// selectCases checks f for the actor and returns what it selects; f's view
// becomes "mine" for those who may not view cases (their reports waiting
// for their rating stay a view of their own).
func (s *Service) selectCases(ctx context.Context, f *Filter) (selection, error) {
	if err := f.Validate(); err != nil {
		return selection{}, err
	}
	a := authz.ActorFrom(ctx)
	if a == nil {
		return selection{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	if !a.Can(PermView) && f.View != "to_rate" {
		f.View = "mine"
	}
	var grids []any
	if f.View == "grid" {
		gs, err := s.deps.GridsOf(ctx, a.UserID)
		if err != nil {
			return selection{}, err
		}
		if len(gs) == 0 {
			return selection{none: true}, nil
		}
		for _, g := range gs {
			grids = append(grids, g)
		}
	}
	var statuses []Status
	switch {
	case f.Status != "":
		statuses = []Status{f.Status}
	case f.View == "dispatch":
		statuses = []Status{Submitted, Accepted, Registered}
	case f.Open && f.View == "":
		statuses = []Status{Submitted, Accepted, Registered, Dispatched, Handled, Verified}
	case f.View == "handling":
		statuses = []Status{Dispatched}
	case f.View == "verify":
		statuses = []Status{Handled}
	case f.View == "acknowledge":
		statuses = []Status{Dispatched}
	case f.View == "to_rate":
		statuses = []Status{Closed}
	}
	// A number is ours (20261126-00000123) or the sender's own (a 12345
	// work-order number).
	var number int64
	external := strings.TrimSpace(f.Number)
	if n, ok := ParseNumber(external); ok {
		switch date, _, dash := strings.Cut(external, "-"); {
		case dash && len(date) == 8 && n < 1e9:
			number, external = n, "" // 20261126-00000123
		case !dash && len(external) <= 9:
			number = n // a bare id, or a short work-order number
		}
	}
	now := s.db.Now()
	f2 := *f
	where := func(qb *db.Query, st Status) *db.Query {
		f := f2
		if a.Can(PermView) {
			scopeCases(qb, a.Scope)
		}
		if st != "" {
			qb.And("c.status = ?", st)
		}
		switch f.View {
		case "mine":
			qb.And("c.reporter_id = ?", a.UserID)
		case "grid":
			qb.And("c.region_code IN ("+db.In(len(grids))+")", grids...)
		case "handling", "acknowledge":
			// The cases the actor's unit handles (isHandler): to sign
			// for (acknowledge) or signed for and being handled
			// (handling), which add up to its open dispatched cases.
			switch {
			case a.Scope.Department != 0:
				qb.And("c.dept_id = ?", a.Scope.Department)
			case a.Scope.PropertyOnly:
				qb.And("c.unit_kind = 'property'") // its own (scopeCases)
			default:
				qb.And("c.unit_kind = 'community'")
			}
			if f.View == "acknowledge" {
				qb.And("c.acknowledged_at IS NULL")
			} else {
				qb.And("c.acknowledged_at IS NOT NULL")
			}
		case "to_rate":
			// The reporter's own closed reports not yet rated.
			qb.And("c.reporter_id = ?", a.UserID).And("c.rated_at IS NULL")
		case "extension":
			qb.And("c.extension_asked > 0").And("c.status NOT IN " + shutList)
		// Only open and suspended cases have a step deadline: the
		// deadline index alone finds these.
		case "overdue":
			qb.And("c.step_due_at < ?", now).And("c.status <> 'suspended'")
		case "due_soon":
			qb.And("c.step_due_at >= ?", now).And("c.step_warn_at <= ?", now).And("c.status <> 'suspended'")
		}
		switch f.View {
		case "overdue", "due_soon":
			if a.Scope.Department != 0 {
				// A department is late only on the cases it handles: a
				// whistled case's deadline is its community's.
				qb.And("c.dept_id = ?", a.Scope.Department).And("c.status = 'dispatched'")
			}
		case "supervised":
			qb.And("c.supervised = TRUE").And("c.status NOT IN " + shutList)
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
		if f.SelfHandled {
			qb.And("c.self_handled = TRUE")
		}
		if f.Month != "" {
			start, _ := ParseMonth(f.Month)
			qb.And("c.created_at >= ? AND c.created_at < ?", start.UTC(), start.AddDate(0, 1, 0).UTC())
		}
		switch {
		case number != 0 && external != "":
			qb.And("(c.id = ? OR c.external_id = ?)", number, external)
		case number != 0:
			qb.And("c.id = ?", number)
		case external != "":
			qb.And("c.external_id = ?", external)
		}
		return qb
	}
	deptBound := a.Scope.Department != 0 && slices.Contains([]string{"handling", "acknowledge", "overdue", "due_soon"}, f.View)
	return selection{statuses: statuses, where: where, rare: f.View == "supervised" || f.View == "extension", dept: deptBound}, nil
}

// Cursor is the page key of case c in view: its id, and for the deadline
// views its step deadline.
func Cursor(view string, c *Case) (key string, id int64) {
	if (view == "overdue" || view == "due_soon") && c.StepDueAt != nil {
		return c.StepDueAt.UTC().Format(time.RFC3339Nano), c.ID
	}
	return "", c.ID
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
// (masked), in the actor's scope; other people's reports are nothing a
// reporter may read.
func (s *Service) MergedInto(ctx context.Context, id int64) ([]*Case, error) {
	if readsPublic(authz.ActorFrom(ctx)) {
		return nil, nil
	}
	qb := db.NewQuery(`/* cases.merged */ SELECT `+caseCols+` FROM cases c`).And("c.merged_into = ?", id)
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
