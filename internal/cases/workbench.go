package cases

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

// Widgets are the module's panels on the workbench: one a role, each
// count the Total of the list its link opens.
func (s *Service) Widgets() []web.Widget {
	return []web.Widget{
		{Name: "cases-mine", Perm: PermReport, Order: 10, For: func(a *authz.Actor) bool { return !a.Can(PermView) }, Load: s.mineWidget},
		{Name: "cases-nearby", Perm: PermReport, Order: 12, For: func(a *authz.Actor) bool { return !a.Can(PermView) && a.Scope.Region != "" }, Load: s.nearbyWidget},
		{Name: "cases-grid", Perm: PermVerify, Order: 10, For: func(a *authz.Actor) bool { return a.Scope.GridsOnly }, Load: s.gridWidget},
		{Name: "cases-community", Perm: PermManage, Order: 10, For: isCommunityDesk, Load: s.communityWidget},
		{Name: "cases-department", Perm: PermHandle, Order: 10, For: func(a *authz.Actor) bool { return a.Scope.Department != 0 || a.Scope.PropertyOnly }, Load: s.departmentWidget},
		{Name: "cases-supervision", Perm: PermSupervise, Order: 10, For: func(a *authz.Actor) bool { return a.Scope.Department == 0 }, Load: s.supervisionWidget},
		{Name: "cases-figures", Perm: PermManage, Order: 40, For: func(a *authz.Actor) bool { return a.Scope.Department == 0 && !a.Scope.GridsOnly }, Load: s.figuresWidget},
	}
}

// ViewsFor lists the list tabs that mean something to a: a department
// has no grids and dispatches nothing, a grid worker approves nothing.
func ViewsFor(a *authz.Actor) []string {
	var out []string
	for _, v := range Views {
		switch v {
		case "grid":
			if !a.Scope.GridsOnly {
				continue
			}
		case "dispatch", "supervised":
			if !a.Can(PermManage) || a.Scope.Department != 0 {
				continue
			}
		case "acknowledge", "handling":
			if !a.Can(PermHandle) {
				continue
			}
		case "verify":
			if !a.Can(PermVerify) {
				continue
			}
		case "extension":
			if !a.Can(PermSupervise) {
				continue
			}
		case "to_rate", "mine":
			if !a.Can(PermReport) {
				continue
			}
		}
		out = append(out, v)
	}
	return out
}

// isCommunityDesk: community staff, who take every case of the community
// through its steps.
func isCommunityDesk(a *authz.Actor) bool {
	return a.Scope.Department == 0 && !a.Scope.GridsOnly && len(a.Scope.Region) == 12
}

// listURL is the case list that shows exactly what f selects.
func listURL(f Filter) string {
	v := url.Values{}
	if f.View != "" {
		v.Set("view", f.View)
	}
	if f.Status != "" {
		v.Set("status", string(f.Status))
	}
	if f.Region != "" {
		v.Set("region", f.Region)
	}
	if f.Open {
		v.Set("open", "1")
	}
	if f.SelfHandled {
		v.Set("self_handled", "1")
	}
	if f.Month != "" {
		v.Set("month", f.Month)
	}
	return "/cases?" + v.Encode()
}

// item counts f as its list does.
func (s *Service) item(ctx context.Context, label string, f Filter, tone string) (web.Item, *time.Time, error) {
	t, err := s.Total(ctx, f)
	if err != nil {
		return web.Item{}, nil, err
	}
	if t.N == 0 && tone != web.ToneOK {
		tone = ""
	}
	return web.Item{Label: label, Count: t.N, Href: listURL(f), Tone: tone}, t.CountedAt, nil
}

// todo is one to-do of a panel: its label, its list, and how it is marked
// while anything waits.
type todo struct {
	label string
	f     Filter
	tone  string
}

// items counts the to-dos into p, noting when the sweep counted.
func (s *Service) items(ctx context.Context, p *web.Panel, todos []todo) error {
	for _, td := range todos {
		it, at, err := s.item(ctx, td.label, td.f, td.tone)
		if err != nil {
			return err
		}
		if at != nil {
			p.CountedAt = at
		}
		p.Items = append(p.Items, it)
	}
	return nil
}

// caseRows are cases as a panel's short list: number, category (in the
// reader's language), an excerpt, and the status or deadline.
func (s *Service) caseRows(ctx context.Context, cs []*Case) ([]web.Row, error) {
	cat, err := s.Catalogue(ctx, 0)
	if err != nil {
		return nil, err
	}
	lang, now := web.LangFrom(ctx), s.db.Now()
	public := readsPublic(authz.ActorFrom(ctx))
	rows := make([]web.Row, 0, len(cs))
	for _, c := range cs {
		name := c.CategoryName
		if cg, ok := cat.Get(c.Category); ok {
			name = cg.Label(lang)
		}
		r := web.Row{Title: c.Number + " " + name, Sub: excerpt(c.Description, 40), Href: "/cases/" + strconv.FormatInt(c.ID, 10),
			Badge: "status." + string(c.Status), Count: -1}
		if public {
			// The reporter reads the public statuses, as on the list
			// and the case page.
			r.Badge = c.Status.PublicKey()
		}
		switch {
		case c.Overdue(now):
			r.Tone, r.Badge = web.ToneUrgent, "view.overdue"
		case c.DueSoon(now):
			r.Tone, r.Badge = web.ToneWarn, "view.due_soon"
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// excerpt is the first n characters of s.
func excerpt(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// mineWidget: a resident's or Party member's own reports.
func (s *Service) mineWidget(ctx context.Context, a *authz.Actor) (web.Panel, error) {
	p := web.Panel{Title: "wb.mine.title", Actions: []web.Action{{Label: "wb.report", Href: "/cases/new", Primary: true}}}
	if err := s.items(ctx, &p, []todo{
		{"wb.to_rate", Filter{View: "to_rate"}, web.ToneWarn},
		{"wb.mine", Filter{View: "mine"}, ""},
	}); err != nil {
		return p, err
	}
	cs, err := s.Cases(ctx, Filter{View: "mine", Limit: 5})
	if err != nil {
		return p, err
	}
	if p.Rows, err = s.caseRows(ctx, cs); err != nil {
		return p, err
	}
	if len(cs) == 5 {
		p.More = listURL(Filter{View: "mine"})
	}
	return p, nil
}

// nearbyWidget: open reports in the resident's own area, public facts
// only: category, status and how long ago, never who or what was written;
// a class the public may not read is left out.
func (s *Service) nearbyWidget(ctx context.Context, a *authz.Actor) (web.Panel, error) {
	p := web.Panel{Title: "wb.nearby.title", Empty: "wb.nearby.none"}
	cat, err := s.Catalogue(ctx, 0)
	if err != nil {
		return p, err
	}
	qb := db.NewQuery(`/* cases.nearbyPublic */ SELECT c.category, c.status, c.created_at FROM cases c`).Ordered(levelCols...).
		Under("c.region_code", a.Scope.Region).And("c.status IN " + openList)
	q, args := qb.Tail("ORDER BY c.id DESC LIMIT 30").SQL()
	type fact struct {
		category string
		status   Status
		at       time.Time
	}
	facts, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (fact, error) {
		var f fact
		err := r.Scan(&f.category, &f.status, &f.at)
		return f, err
	})
	if err != nil {
		return p, fmt.Errorf("cases: nearby reports: %w", err)
	}
	lang := web.LangFrom(ctx)
	for _, f := range facts {
		cg, ok := cat.Get(f.category)
		if !ok || !cg.Public() {
			continue
		}
		at := f.at.UTC()
		p.Rows = append(p.Rows, web.Row{Title: cg.Label(lang), Badge: f.status.PublicKey(), Sub: at.In(cst).Format("01-02"), Count: -1})
		if len(p.Rows) == 5 {
			break
		}
	}
	return p, nil
}

// gridWidget: a grid worker's to-dos in their grids.
func (s *Service) gridWidget(ctx context.Context, a *authz.Actor) (web.Panel, error) {
	p := web.Panel{Title: "wb.grid.title", Actions: []web.Action{{Label: "wb.report_staff", Href: "/cases/new", Primary: true}}}
	if a.Can(PermSelfHandle) {
		p.Actions = append(p.Actions, web.Action{Label: "wb.self_handle", Href: "/cases/self-handle"})
	}
	err := s.items(ctx, &p, []todo{
		{"wb.overdue", Filter{View: "overdue"}, web.ToneUrgent},
		{"wb.due_soon", Filter{View: "due_soon"}, web.ToneWarn},
		{"wb.verify", Filter{View: "verify"}, web.ToneWarn},
		{"wb.my_reports", Filter{View: "mine"}, ""},
		{"wb.self_handled", Filter{View: "mine", SelfHandled: true, Month: s.db.Now().In(cst).Format("2006-01")}, web.ToneOK},
	})
	return p, err
}

// communityWidget: the community's cases by what must happen next, most
// urgent first.
func (s *Service) communityWidget(ctx context.Context, a *authz.Actor) (web.Panel, error) {
	p := web.Panel{Title: "wb.community.title", Actions: []web.Action{{Label: "wb.report_staff", Href: "/cases/new"}, {Label: "wb.notices", Href: "/cases/notices"}}}
	if err := s.items(ctx, &p, []todo{
		{"wb.overdue", Filter{View: "overdue"}, web.ToneUrgent},
		{"wb.due_soon", Filter{View: "due_soon"}, web.ToneWarn},
		{"wb.accept", Filter{Status: Submitted}, web.ToneWarn},
		{"wb.register", Filter{Status: Accepted}, ""},
		{"wb.dispatch", Filter{Status: Registered}, ""},
		{"wb.verify", Filter{Status: Handled}, ""},
		{"wb.close", Filter{Status: Verified}, ""},
	}); err != nil {
		return p, err
	}
	n, err := s.openWhistles(ctx, a.Scope)
	if err != nil {
		return p, err
	}
	p.Items = append(p.Items, web.Item{Label: "wb.whistles_waiting", Count: n, Href: "/whistles?open=1"})
	// 12345 orders whose address named the community but no grid.
	_, queued, err := s.Unlocated(ctx, 0, 0)
	if err != nil {
		return p, err
	}
	if queued > 0 {
		p.Items = append(p.Items, web.Item{Label: "wb.unlocated", Count: int64(queued), Href: "/cases/unlocated", Tone: web.ToneWarn})
	}
	return p, nil
}

// departmentWidget: the whistles a department must report to, with their
// countdown, and its cases; a property company's cases handed to it.
func (s *Service) departmentWidget(ctx context.Context, a *authz.Actor) (web.Panel, error) {
	p := web.Panel{Title: "wb.department.title", Empty: "wb.department.none"}
	if err := s.items(ctx, &p, []todo{
		{"wb.overdue", Filter{View: "overdue"}, web.ToneUrgent},
		{"wb.acknowledge", Filter{View: "acknowledge"}, web.ToneWarn},
		{"wb.handling", Filter{View: "handling"}, ""},
	}); err != nil {
		return p, err
	}
	if a.Scope.Department == 0 {
		// A property company: the cases handed to it, no whistles.
		p.Title = "wb.property.title"
		return p, nil
	}
	p.Actions = []web.Action{{Label: "wb.whistle_record", Href: "/whistles"}, {Label: "wb.ranking", Href: "/cases/ranking"}}
	// The whistles waiting for the department's 报到: their count, the
	// total of the list it opens, and each with the time left.
	toReport := WhistleFilter{ToReport: true}
	n, err := s.WhistleTotal(ctx, toReport)
	if err != nil {
		return p, err
	}
	p.Items = append(p.Items, web.Item{Label: "wb.to_report", Count: n, Href: "/whistles?to_report=1", Tone: web.ToneWarn})
	toReport.Limit = 20
	ws, err := s.DeptWhistles(ctx, toReport)
	if err != nil {
		return p, err
	}
	now := s.db.Now()
	for _, w := range ws {
		for _, pt := range w.Parties {
			if pt.ReportedAt != nil || pt.WithdrawnAt != nil {
				continue
			}
			due := pt.ReportDueAt
			r := web.Row{Title: w.CaseNumber, Sub: excerpt(w.Note, 30), Note: "ground." + w.Ground, Href: "/cases/" + strconv.FormatInt(w.CaseID, 10), Due: &due, Count: -1}
			r.Badge, r.BadgeArgs = timeLeft(due.Sub(now))
			if now.After(due) {
				r.Tone = web.ToneUrgent
			}
			p.Rows = append(p.Rows, r)
		}
	}
	if len(p.Rows) > 0 {
		p.More = "/whistles?to_report=1"
	}
	return p, nil
}

// timeLeft is the badge of a 报到 due in d: the hours and minutes left
// ("报到还剩 1 小时 20 分"), or how late it is ("报到超时 15 分").
func timeLeft(d time.Duration) (string, []any) {
	key := "wb.report_left"
	if d < 0 {
		key, d = "wb.report_late", -d
	}
	m := int(d / time.Minute)
	if m >= 60 && m%60 == 0 {
		return key + "_h", []any{m / 60}
	}
	if m >= 60 {
		return key + "_hm", []any{m / 60, m % 60}
	}
	return key + "_m", []any{m}
}

// supervisionWidget: what waits for a subdistrict, district or city:
// approvals, supervised cases, the 待定位 queue, and overdue cases by
// child division.
func (s *Service) supervisionWidget(ctx context.Context, a *authz.Actor) (web.Panel, error) {
	p := web.Panel{Title: "wb.supervision.title", Actions: []web.Action{{Label: "wb.ranking", Href: "/cases/ranking"}, {Label: "wb.dashboard", Href: "/cases/dashboard"}}}
	if err := s.items(ctx, &p, []todo{
		{"wb.overdue", Filter{View: "overdue"}, web.ToneUrgent},
		{"wb.extension", Filter{View: "extension"}, web.ToneWarn},
		{"wb.supervised", Filter{View: "supervised"}, ""},
	}); err != nil {
		return p, err
	}
	if a.Can(PermManage) {
		_, n, err := s.Unlocated(ctx, 0, 0)
		if err != nil {
			return p, err
		}
		p.Items = append(p.Items, web.Item{Label: "wb.unlocated", Count: int64(n), Href: "/cases/unlocated"})
	}
	region := a.Scope.Region
	overdue, err := s.childOverdue(ctx, region)
	if err != nil {
		return p, err
	}
	children, err := s.deps.Territory.Regions(ctx, territory.RegionFilter{Parent: region, Limit: 500})
	if err != nil {
		return p, err
	}
	for _, ch := range children {
		n := overdue[ch.Code]
		r := web.Row{Title: ch.Name, Sub: "", Href: listURL(Filter{View: "overdue", Region: ch.Code}), Count: n, Note: "wb.overdue_in"}
		if n > 0 {
			r.Tone = web.ToneUrgent
		}
		p.Rows = append(p.Rows, r)
	}
	// The most overdue first; the rest by code, as the tree lists them.
	slices.SortStableFunc(p.Rows, func(x, y web.Row) int { return cmp.Compare(y.Count, x.Count) })
	return p, nil
}

// childOverdue is the sweep's overdue count of every child of region.
func (s *Service) childOverdue(ctx context.Context, region string) (map[string]int64, error) {
	cl := childLen(region)
	if cl > 12 {
		return map[string]int64{}, nil
	}
	lo, hi := authz.PrefixRange(region)
	qb := db.NewQuery(`/* cases.childOverdue */ SELECT region_code, overdue FROM case_due_counts`).And("region_code >= ?", lo)
	if hi != "" {
		qb.And("region_code < ?", hi)
	}
	q, args := qb.And("length(region_code) = ?", cl).SQL()
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("cases: overdue by child of %s: %w", region, err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var code string
		var n int64
		if err := rows.Scan(&code, &n); err != nil {
			return nil, fmt.Errorf("cases: overdue by child of %s: %w", region, err)
		}
		out[code] = n
	}
	return out, rows.Err()
}

// figuresWidget: the area's case figures this month.
func (s *Service) figuresWidget(ctx context.Context, a *authz.Actor) (web.Panel, error) {
	p := web.Panel{Title: "wb.figures.title"}
	region := a.Scope.Region
	now := s.db.Now().In(cst)
	month := now.Format("2006-01")
	var received int64
	if err := s.db.QueryRowContext(ctx, `/* cases.monthFigure */ SELECT COALESCE(SUM(n), 0) FROM case_month_counts WHERE region_code = ? AND month = ?`,
		region, month).Scan(&received); err != nil {
		return p, fmt.Errorf("cases: cases this month in %s: %w", region, err)
	}
	// The open and closed figures are the lists' totals (the count
	// tables), not a whole dashboard with its twelve-month trend.
	open, err := s.Total(ctx, Filter{Open: true})
	if err != nil {
		return p, err
	}
	closed, err := s.Total(ctx, Filter{Status: Closed})
	if err != nil {
		return p, err
	}
	p.Figures = append(p.Figures,
		web.Figure{Label: "wb.fig.received", Value: strconv.FormatInt(received, 10), Note: "wb.this_month", Href: listURL(Filter{Month: month})},
		web.Figure{Label: "wb.fig.open", Value: strconv.FormatInt(open.N, 10), Href: listURL(Filter{Open: true})},
		web.Figure{Label: "wb.fig.closed", Value: strconv.FormatInt(closed.N, 10), Href: listURL(Filter{Status: Closed})})
	if isCommunityDesk(a) {
		sat, err := s.satisfaction(ctx, region, time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, cst))
		if err != nil {
			return p, err
		}
		// No list shows this month's share: the ranking's is a finished month's.
		p.Figures = append(p.Figures, web.Figure{Label: "wb.fig.satisfaction", Value: sat, Note: "wb.this_month"})
	}
	return p, nil
}

// satisfaction is the share of ratings since from in region that were
// satisfied or very satisfied ("—" without ratings).
func (s *Service) satisfaction(ctx context.Context, region string, from time.Time) (string, error) {
	qb := db.NewQuery(`/* cases.satisfaction */ SELECT COUNT(*), COALESCE(SUM(CASE WHEN c.satisfaction IN ('very_satisfied', 'satisfied') THEN 1 ELSE 0 END), 0) FROM cases c`).
		Ordered(levelCols...).Under("c.region_code", region).And("c.rated_at >= ?", from.UTC())
	q, args := qb.SQL()
	var n, good int64
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&n, &good); err != nil {
		return "", fmt.Errorf("cases: satisfaction in %s: %w", region, err)
	}
	if n == 0 {
		return "—", nil
	}
	return strconv.FormatFloat(float64(good)*100/float64(n), 'f', 1, 64) + "%", nil
}

// openWhistles counts the whistles in sc still waiting for a department.
func (s *Service) openWhistles(ctx context.Context, sc authz.Scope) (int64, error) {
	qb := db.NewQuery(`/* cases.openWhistles */ SELECT COUNT(*)`+whistleFrom).
		ScopeMatch(sc, "w.region_code", "EXISTS (SELECT 1 FROM case_whistle_parties p WHERE p.whistle_id = w.id AND p.dept_id = ?)", 1).
		And("w.closed_at IS NULL")
	q, args := qb.SQL()
	var n int64
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("cases: open whistles: %w", err)
	}
	return n, nil
}
