package admission

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/territory"
)

// Figures are one division's (or department's) burden figures for a
// period: each metric's count, and the estimated hours of the tasks.
type Figures struct {
	Code  string           `json:"code"`
	Name  string           `json:"name"`
	N     map[string]int64 `json:"n" doc:"by metric: tasks, form, signboard, survey, inspection, assessment, emergency, offlist, refused, declined, certificate"`
	Hours float64          `json:"hours" doc:"estimated hours of the tasks received"`
	// Signboards and Ledgers are those kept now (registered and not
	// removed), whatever the period.
	Signboards int64 `json:"signboards_kept"`
	Ledgers    int64 `json:"ledgers_kept"`
}

// Report is the burden of a division and of each of its children in a
// month, its twelve months' trend, and the departments ranked by their
// off-list attempts and the declines they caused.
type Report struct {
	Region string `json:"region"`
	Name   string `json:"name"`
	Month  string `json:"month" doc:"YYYY-MM"`
	// Department names the department whose own figures these are, when
	// a department reads them: they count only what it asked, and differ
	// from the division's figures under the same name and month.
	Department string `json:"department,omitempty" doc:"the department whose own figures these are (a department reading its figures); empty: all departments"`
	// Parent is the division above, when the actor may read its figures
	// (empty: none, or not theirs to read).
	Parent     string    `json:"parent,omitempty" doc:"the division above, when the actor may read its figures"`
	ParentName string    `json:"parent_name,omitempty"`
	Total      Figures   `json:"total"`
	Children   []Figures `json:"children" doc:"each child division; a child's row equals that child's own total"`
	// Trend is the division's figures month by month, the twelve months
	// up to Month.
	Trend       []Figures `json:"trend"`
	Departments []Figures `json:"departments" doc:"departments that asked this area, most off-list attempts and declines first"`
	// Version is the latest list version that took effect inside the
	// trend's months, compared with the version before it (nil: none did).
	Version *VersionEffect `json:"version,omitempty" doc:"the latest list version that took effect in the twelve months, compared with the one before it"`
}

// VersionEffect compares the months under a list version with those
// under the version before it. Only months wholly under one version
// count: before runs from the previous version's effective month to the
// month before this one took effect, since from the first whole month
// under it to the report's month, months that have not ended left out.
// A month in which the version took effect part way is in neither.
type VersionEffect struct {
	Title         string `json:"title"`
	Version       int    `json:"version"`
	EffectiveFrom string `json:"effective_from"`
	// Previous is the version in force before it and PreviousFrom its
	// effective date (0, "": none).
	Previous     int    `json:"previous,omitempty" doc:"the version in force before it (0: none)"`
	PreviousFrom string `json:"previous_from,omitempty"`
	// NotCompared says why the two are not compared: no_previous (no
	// version before it), no_month_before (the previous one was in force
	// for no month of its own), no_whole_month (no month under this one
	// has ended yet). Empty: they are.
	NotCompared  string `json:"not_compared,omitempty" doc:"why they are not compared: no_previous, no_month_before, no_whole_month; empty when they are"`
	BeforeFrom   string `json:"before_from,omitempty" doc:"YYYY-MM, the first month under the previous version"`
	BeforeTo     string `json:"before_to,omitempty" doc:"YYYY-MM, the month before this version took effect"`
	SinceFrom    string `json:"since_from,omitempty" doc:"YYYY-MM, the first whole month under this version"`
	SinceTo      string `json:"since_to,omitempty" doc:"YYYY-MM, the last ended month under it up to the report's month"`
	MonthsBefore int    `json:"months_before"`
	MonthsSince  int    `json:"months_since"`
	// Before and Since are each metric's monthly average over the
	// months; BeforeTotal and SinceTotal its sum.
	Before      map[string]float64 `json:"before" doc:"monthly average of each metric under the previous version"`
	Since       map[string]float64 `json:"since" doc:"monthly average of each metric under this version"`
	BeforeTotal map[string]int64   `json:"before_total"`
	SinceTotal  map[string]int64   `json:"since_total"`
}

// childLen is the length of a division's children's codes.
func childLen(code string) int {
	switch {
	case len(code) <= territory.CityCodeLen(code):
		return 6
	case len(code) == 6:
		return 9
	default:
		return 12
	}
}

// ParseMonth checks a YYYY-MM.
func ParseMonth(m string) (time.Time, error) { return time.Parse("2006-01", m) }

// Burden reports region's burden in month, read from the counts kept
// with every write. region must lie in the scope; a department reads its
// own figures only.
func (s *Service) Burden(ctx context.Context, sc authz.Scope, region, mon string) (Report, error) {
	if region == "" {
		region = sc.Home()
		if sc.All || region == "" {
			var err error
			if region, err = s.Root(ctx); err != nil {
				return Report{}, err
			}
		}
	}
	if !digits(region) || len(region) > 12 || !mayRead(sc, region) {
		return Report{}, errs.NotFoundf("kind.region")
	}
	if mon == "" {
		mon = month(s.db.Now())
	}
	start, err := ParseMonth(mon)
	if err != nil || start.Year() < 2000 || start.Year() > 2100 {
		return Report{}, errs.Field("month", "rule.month", "YYYY-MM")
	}
	dept := sc.Department // a department's own figures; 0: all departments
	rep := Report{Region: region, Month: mon}
	// The division and its children, this month: one key of the counts'
	// primary key (region, month, department) each.
	cl := childLen(region)
	children, err := s.deps.Territory.UnscopedRegions(ctx, territory.RegionFilter{Parent: region, Limit: 5000})
	if err != nil {
		return rep, err
	}
	codes := []any{region}
	rows := map[string]*Figures{}
	get := func(code string) *Figures {
		f := rows[code]
		if f == nil {
			f = &Figures{Code: code, N: map[string]int64{}}
			rows[code] = f
		}
		return f
	}
	for _, c := range children {
		if len(c.Code) != cl {
			continue
		}
		// Every child is listed, those without figures too.
		get(c.Code).Name = c.Name
		codes = append(codes, c.Code)
	}
	qb := db.NewQuery(`/* admission.burden */ SELECT region_code, metric, n, hours FROM admission_counts`).
		And("region_code IN ("+db.In(len(codes))+")", codes...).And("month = ?", mon).And("dept_id = ?", dept)
	if err := s.eachCount(ctx, qb, func(code, metric string, n int64, hours float64) { add(get(code), metric, n, hours) }); err != nil {
		return rep, err
	}
	rep.Total = *get(region)
	delete(rows, region)
	for _, f := range rows {
		rep.Children = append(rep.Children, *f)
	}
	sort.Slice(rep.Children, func(i, j int) bool { return rep.Children[i].Code < rep.Children[j].Code })
	if dept == 0 {
		if err := s.kept(ctx, region, cl, &rep); err != nil {
			return rep, err
		}
	}
	// Twelve months' trend.
	from := start.AddDate(0, -11, 0).Format("2006-01")
	trend := map[string]*Figures{}
	tq := db.NewQuery(`/* admission.burdenTrend */ SELECT month, metric, n, hours FROM admission_counts`).
		And("region_code = ?", region).And("dept_id = ?", dept).And("month >= ? AND month <= ?", from, mon)
	if err := s.eachCount(ctx, tq, func(m, metric string, n int64, hours float64) {
		f := trend[m]
		if f == nil {
			f = &Figures{Code: m, Name: m, N: map[string]int64{}}
			trend[m] = f
		}
		add(f, metric, n, hours)
	}); err != nil {
		return rep, err
	}
	for m := start.AddDate(0, -11, 0); !m.After(start); m = m.AddDate(0, 1, 0) {
		key := m.Format("2006-01")
		if f := trend[key]; f != nil {
			rep.Trend = append(rep.Trend, *f)
		} else {
			rep.Trend = append(rep.Trend, Figures{Code: key, Name: key, N: map[string]int64{}})
		}
	}
	if err := s.versionEffect(ctx, &rep, dept); err != nil {
		return rep, err
	}
	// Departments that asked this area, ranked.
	dq := db.NewQuery(`/* admission.burdenDepts */ SELECT CAST(dept_id AS TEXT), metric, n, hours FROM admission_counts`).
		And("month = ?", mon).And("region_code = ?", region)
	if dept != 0 {
		dq.And("dept_id = ?", dept)
	} else {
		dq.And("dept_id <> 0")
	}
	depts := map[string]*Figures{}
	if err := s.eachCount(ctx, dq, func(id, metric string, n int64, hours float64) {
		f := depts[id]
		if f == nil {
			f = &Figures{Code: id, N: map[string]int64{}}
			depts[id] = f
		}
		add(f, metric, n, hours)
	}); err != nil {
		return rep, err
	}
	if len(depts) > 0 || dept != 0 {
		names, err := s.departmentNames(ctx)
		if err != nil {
			return rep, err
		}
		for id, f := range depts {
			f.Name = names[id]
			rep.Departments = append(rep.Departments, *f)
		}
		if dept != 0 {
			rep.Department = names[fmt.Sprint(dept)]
		}
	}
	sort.Slice(rep.Departments, func(i, j int) bool {
		a, b := rep.Departments[i], rep.Departments[j]
		ka, kb := a.N["offlist"]+a.N["refused"]+a.N["declined"]+a.N["misused"], b.N["offlist"]+b.N["refused"]+b.N["declined"]+b.N["misused"]
		if ka != kb {
			return ka > kb
		}
		return a.Name < b.Name
	})
	up := parentOf(region)
	if up != "" && !mayRead(sc, up) {
		up = ""
	}
	names, err := s.deps.Territory.UnscopedNames(ctx, []string{region, up})
	if err != nil {
		return rep, err
	}
	rep.Name = names[region]
	rep.Total.Name = rep.Name
	if up != "" && names[up] != "" {
		rep.Parent, rep.ParentName = up, names[up]
	}
	if rep.Children == nil {
		rep.Children = []Figures{}
	}
	if rep.Departments == nil {
		rep.Departments = []Figures{}
	}
	return rep, nil
}

// mayRead reports whether sc may read region's figures: a division in
// its area, or for a department a division its area lies in (its own
// figures there).
func mayRead(sc authz.Scope, region string) bool {
	return sc.Contains(region) || sc.Department != 0 && strings.HasPrefix(sc.Region, region)
}

// parentOf is the division above code whose figures are kept: a
// community's subdistrict, a subdistrict's district, a district's city;
// none above a city.
func parentOf(code string) string {
	switch cl := territory.CityCodeLen(code); {
	case len(code) <= cl:
		return ""
	case len(code) == 6:
		return code[:cl]
	case len(code) == 9 || len(code) == 12:
		return code[:len(code)-3]
	}
	return ""
}

// Quiet reports whether f has no figure at all: nothing counted in the
// month, no signboard or ledger kept.
func (f Figures) Quiet() bool {
	for _, n := range f.N {
		if n != 0 {
			return false
		}
	}
	return f.Hours == 0 && f.Signboards == 0 && f.Ledgers == 0
}

func add(f *Figures, metric string, n int64, hours float64) {
	f.N[metric] += n
	if metric == "tasks" {
		f.Hours += hours
	}
}

// eachCount runs qb (code, metric, n, hours) and hands each row to fn.
func (s *Service) eachCount(ctx context.Context, qb *db.Query, fn func(code, metric string, n int64, hours float64)) error {
	q, args := qb.SQL()
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("admission: burden: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, metric string
		var n int64
		var hours float64
		if err := rows.Scan(&code, &metric, &n, &hours); err != nil {
			return fmt.Errorf("admission: burden: %w", err)
		}
		fn(code, metric, n, hours)
	}
	return rows.Err()
}

// kept counts the signboards and ledgers kept now in region and each
// child.
func (s *Service) kept(ctx context.Context, region string, cl int, rep *Report) error {
	lo, hi := authz.PrefixRange(region)
	qb := db.NewQuery(`/* admission.kept */ SELECT substr(community_code, 1, ?), kind, COUNT(*) FROM admission_burdens`, cl).
		And("community_code >= ?", lo).And("removed_on = ''")
	if hi != "" {
		qb.And("community_code < ?", hi)
	}
	q, args := qb.Tail("GROUP BY 1, 2").SQL()
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("admission: kept of %s: %w", region, err)
	}
	defer rows.Close()
	idx := map[string]int{}
	for i, c := range rep.Children {
		idx[c.Code] = i
	}
	for rows.Next() {
		var code, kind string
		var n int64
		if err := rows.Scan(&code, &kind, &n); err != nil {
			return err
		}
		var f *Figures
		if i, ok := idx[code]; ok {
			f = &rep.Children[i]
		}
		for _, x := range []*Figures{f, &rep.Total} {
			if x == nil {
				continue
			}
			if kind == "signboard" {
				x.Signboards += n
			} else {
				x.Ledgers += n
			}
		}
	}
	return rows.Err()
}

// departmentNames names every department by id (as text).
func (s *Service) departmentNames(ctx context.Context) (map[string]string, error) {
	ds, err := s.deps.Territory.UnscopedDepartments(ctx, 0, 100000)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ds))
	for _, d := range ds {
		out[fmt.Sprint(d.ID)] = d.Name
	}
	return out, nil
}

// versionEffect finds the latest version of the lists applying to the
// report's division that has taken effect inside its trend, and the
// version in force before it (of the same list), and compares the months
// wholly under each for dept (0: all departments): see VersionEffect.
func (s *Service) versionEffect(ctx context.Context, rep *Report, dept int64) error {
	if len(rep.Trend) == 0 {
		return nil
	}
	first, last := rep.Trend[0].Code, rep.Trend[len(rep.Trend)-1].Code
	today := s.today()
	later := func(a, b *List) bool {
		return b == nil || a.EffectiveFrom > b.EffectiveFrom || a.EffectiveFrom == b.EffectiveFrom && a.Version > b.Version
	}
	var best, prev *List
	for _, owner := range owners(rep.Region, cityOf(rep.Region)) {
		vs, err := s.Versions(ctx, authz.Scope{}, owner, false)
		if err != nil {
			return err
		}
		var top, before *List
		for i := range vs {
			if v := &vs[i]; v.EffectiveFrom <= today && v.EffectiveFrom[:7] <= last && later(v, top) {
				top = v
			}
		}
		if top == nil || top.EffectiveFrom[:7] < first || !later(top, best) {
			continue
		}
		for i := range vs {
			if v := &vs[i]; v.EffectiveFrom < top.EffectiveFrom && later(v, before) {
				before = v
			}
		}
		best, prev = top, before
	}
	if best == nil {
		return nil
	}
	ve := &VersionEffect{Title: best.Title, Version: best.Version, EffectiveFrom: best.EffectiveFrom,
		Before: map[string]float64{}, Since: map[string]float64{}, BeforeTotal: map[string]int64{}, SinceTotal: map[string]int64{}}
	rep.Version = ve
	took := best.EffectiveFrom[:7]
	if prev != nil {
		ve.Previous, ve.PreviousFrom = prev.Version, prev.EffectiveFrom
		ve.BeforeFrom, ve.BeforeTo = prev.EffectiveFrom[:7], addMonths(took, -1)
		if ve.BeforeFrom > ve.BeforeTo {
			ve.BeforeFrom, ve.BeforeTo = "", ""
		}
	}
	// Since: whole months only, the one it took effect in if that was its
	// first day, up to the report's month and before the current one.
	ve.SinceFrom, ve.SinceTo = took, min(rep.Month, addMonths(month(s.db.Now()), -1))
	if best.EffectiveFrom[8:] != "01" {
		ve.SinceFrom = addMonths(took, 1)
	}
	if ve.SinceFrom > ve.SinceTo {
		ve.SinceFrom, ve.SinceTo = "", ""
	}
	switch {
	case prev == nil:
		ve.NotCompared = "no_previous"
	case ve.BeforeFrom == "":
		ve.NotCompared = "no_month_before"
	case ve.SinceFrom == "":
		ve.NotCompared = "no_whole_month"
	}
	lo, hi := ve.BeforeFrom, ve.SinceTo
	if lo == "" {
		lo = ve.SinceFrom
	}
	if hi == "" {
		hi = ve.BeforeTo
	}
	if lo == "" {
		return nil
	}
	ve.MonthsBefore, ve.MonthsSince = monthsIn(ve.BeforeFrom, ve.BeforeTo), monthsIn(ve.SinceFrom, ve.SinceTo)
	qb := db.NewQuery(`/* admission.versionEffect */ SELECT month, metric, n, hours FROM admission_counts`).
		And("region_code = ?", rep.Region).And("dept_id = ?", dept).And("month >= ? AND month <= ?", lo, hi)
	if err := s.eachCount(ctx, qb, func(m, metric string, n int64, _ float64) {
		switch {
		case ve.BeforeFrom != "" && m >= ve.BeforeFrom && m <= ve.BeforeTo:
			ve.BeforeTotal[metric] += n
		case ve.SinceFrom != "" && m >= ve.SinceFrom && m <= ve.SinceTo:
			ve.SinceTotal[metric] += n
		}
	}); err != nil {
		return err
	}
	for m, n := range ve.BeforeTotal {
		ve.Before[m] = float64(n) / float64(ve.MonthsBefore)
	}
	for m, n := range ve.SinceTotal {
		ve.Since[m] = float64(n) / float64(ve.MonthsSince)
	}
	return nil
}

// addMonths is month m (YYYY-MM) moved by n months.
func addMonths(m string, n int) string {
	t, err := ParseMonth(m)
	if err != nil {
		return m
	}
	return t.AddDate(0, n, 0).Format("2006-01")
}

// monthsIn counts the months from a to b (YYYY-MM), both counted; none
// when either is empty.
func monthsIn(a, b string) int {
	ta, err1 := ParseMonth(a)
	tb, err2 := ParseMonth(b)
	if err1 != nil || err2 != nil || tb.Before(ta) {
		return 0
	}
	return (tb.Year()-ta.Year())*12 + int(tb.Month()-ta.Month()) + 1
}
