package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/memo"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

// Stats is a dashboard: cases by status, by child division, the overdue
// and about-to-be-overdue counts, and the monthly trend by class.
type Stats struct {
	Region   string           `json:"region"`
	ByStatus map[Status]int64 `json:"by_status"`
	Children []ChildStat      `json:"children"`
	Open     int64            `json:"open"`
	Overdue  int64            `json:"overdue"`
	DueSoon  int64            `json:"due_soon"`
	// DueCountedAt is when the deadline sweep last counted Overdue and
	// DueSoon (every minute); empty where they are counted live.
	DueCountedAt *time.Time         `json:"due_counted_at,omitempty"`
	Months       []string           `json:"months"`
	Trend        map[string][]int64 `json:"trend" doc:"class code → cases per month, aligned with months"`
}

// ChildStat is one child division's cases.
type ChildStat struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Own    bool   `json:"own,omitempty" doc:"the division's own cases, not yet placed in a child (待定位)"`
	Total  int64  `json:"total"`
	Open   int64  `json:"open"`
	Closed int64  `json:"closed"`
}

func childLen(region string) int {
	switch len(region) {
	case 2, 4: // a city (a municipality's at 2 digits)
		return 6
	case 6:
		return 9
	case 9:
		return 12
	}
	return 15
}

// Stats computes the dashboard of region (the actor's own when empty),
// from the count tables kept with every change.
func (s *Service) Stats(ctx context.Context, region string) (Stats, error) {
	sc := authz.ScopeFrom(ctx)
	if region == "" {
		region = sc.Home()
	}
	if !sc.Contains(region) || region == "" && !sc.All {
		return Stats{}, errs.NotFoundf("kind.region")
	}
	st := Stats{Region: region, ByStatus: map[Status]int64{}, Trend: map[string][]int64{}}
	cl := childLen(region)
	children := map[string]*ChildStat{}
	var order []string
	add := func(code string, status Status, n int64) {
		st.ByStatus[status] += n
		ch := children[code]
		if ch == nil {
			ch = &ChildStat{Code: code}
			children[code] = ch
			order = append(order, code)
		}
		ch.Total += n
		if status.Open() {
			ch.Open += n
			st.Open += n
		} else {
			ch.Closed += n
		}
	}
	// A department's, a property company's or a grid worker's cases are
	// few and not what the per-division count tables hold: count them live.
	live := sc.Department != 0 || sc.PropertyOnly || sc.GridsOnly
	if live {
		// A department's cases, as its lists show them: dispatched to it
		// or whistled to it.
		qb := db.NewQuery(`/* cases.statsDept */ SELECT substr(c.region_code, 1, ?), c.status, COUNT(*) FROM cases c`, cl).
			Under("c.region_code", region)
		q, args := scopeCases(qb, sc).Tail("GROUP BY 1, 2").SQL()
		if err := eachCount(ctx, s.db, q, args, add); err != nil {
			return st, err
		}
	} else {
		q := `/* cases.stats */ SELECT region_code, status, n FROM case_level_counts WHERE parent_code = ?`
		if err := eachCount(ctx, s.db, q, []any{region}, add); err != nil {
			return st, err
		}
	}
	now := s.db.Now()
	if live || len(region) > 12 {
		// A department's or a grid's cases: few enough to count live.
		qb := db.NewQuery(`/* cases.statsDue */ SELECT COALESCE(SUM(CASE WHEN c.step_due_at < ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN c.step_due_at >= ? AND c.step_warn_at <= ? THEN 1 ELSE 0 END), 0) FROM cases c`, now, now, now).
			And("c.step_due_at IS NOT NULL").And("c.status <> 'suspended'").Under("c.region_code", region)
		scopeCases(qb, sc)
		q, args := qb.SQL()
		if err := s.db.QueryRowContext(ctx, q, args...).Scan(&st.Overdue, &st.DueSoon); err != nil {
			return st, fmt.Errorf("cases: stats due: %w", err)
		}
	} else {
		var at time.Time
		err := s.db.QueryRowContext(ctx, `/* cases.dueCounts */ SELECT overdue, due_soon, counted_at FROM case_due_counts WHERE region_code = ?`, region).
			Scan(&st.Overdue, &st.DueSoon, &at)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return st, fmt.Errorf("cases: due counts: %w", err)
		}
		if err == nil {
			at = at.UTC()
			st.DueCountedAt = &at
		}
	}
	// Twelve months to this one.
	first := time.Date(now.In(cst).Year(), now.In(cst).Month()-11, 1, 0, 0, 0, 0, cst)
	idx := map[string]int{}
	for i := 0; i < 12; i++ {
		m := first.AddDate(0, i, 0).Format("2006-01")
		idx[m] = i
		st.Months = append(st.Months, m)
	}
	if live {
		// The months of the actor's own cases, read case by case.
		qb := db.NewQuery(`/* cases.trendLive */ SELECT c.created_at, c.category FROM cases c`).
			And("c.created_at >= ?", first.UTC()).Under("c.region_code", region)
		q, args := scopeCases(qb, sc).SQL()
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return st, fmt.Errorf("cases: trend: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var at time.Time
			var cat string
			if err := rows.Scan(&at, &cat); err != nil {
				return st, err
			}
			class := cat[:min(2, len(cat))]
			if _, ok := st.Trend[class]; !ok {
				st.Trend[class] = make([]int64, 12)
			}
			if i, ok := idx[at.In(cst).Format("2006-01")]; ok {
				st.Trend[class][i]++
			}
		}
		if err := rows.Err(); err != nil {
			return st, err
		}
	} else {
		rows, err := s.db.QueryContext(ctx, `/* cases.trend */ SELECT month, class, n FROM case_month_counts WHERE region_code = ? AND month >= ?`,
			communityOf(region), st.Months[0])
		if err != nil {
			return st, fmt.Errorf("cases: trend: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m, class string
			var n int64
			if err := rows.Scan(&m, &class, &n); err != nil {
				return st, err
			}
			if _, ok := st.Trend[class]; !ok {
				st.Trend[class] = make([]int64, 12)
			}
			if i, ok := idx[m]; ok {
				st.Trend[class][i] += n
			}
		}
		if err := rows.Err(); err != nil {
			return st, err
		}
	}
	names := map[string]string{}
	// Names of the divisions below region, which the actor may see (checked above).
	if cl < 15 {
		rs, err := s.deps.Territory.UnscopedRegions(ctx, territory.RegionFilter{Parent: region, Limit: 5000})
		if err != nil {
			return st, err
		}
		for _, r := range rs {
			names[r.Code] = r.Name
		}
	} else {
		gs, err := s.deps.Territory.UnscopedGrids(ctx, territory.GridFilter{Region: region, Limit: 1000})
		if err != nil {
			return st, err
		}
		for _, g := range gs {
			names[g.Code] = g.Name
		}
	}
	for _, code := range order {
		ch := children[code]
		// A division's own row holds the cases not yet placed in a
		// child; a grid has no children, its row is the grid itself.
		ch.Name, ch.Own = names[code], code == region && len(region) < 15
		if ch.Name == "" {
			ch.Name = code
		}
		st.Children = append(st.Children, *ch)
	}
	if st.Children == nil {
		st.Children = []ChildStat{}
	}
	return st, nil
}

func eachCount(ctx context.Context, q db.Querier, query string, args []any, fn func(string, Status, int64)) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("cases: counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var st Status
		var n int64
		if err := rows.Scan(&code, &st, &n); err != nil {
			return err
		}
		fn(code, st, n)
	}
	return rows.Err()
}

// Cluster is a group of cases near one point, for the map.
type Cluster struct {
	Lon    float64 `json:"lon"`
	Lat    float64 `json:"lat"`
	Count  int     `json:"count"`
	CaseID int64   `json:"case_id" doc:"one of the cases, for a single-case cluster"`
}

// Clusters groups the located cases of the last days in region into
// cells of about cell metres.
func (s *Service) Clusters(ctx context.Context, region string, days, cell int, category string) ([]Cluster, error) {
	sc := authz.ScopeFrom(ctx)
	if region == "" {
		region = sc.Home()
	}
	k := 111320.0 / float64(cell)
	qb := db.NewQuery(`/* cases.clusters */ SELECT ROUND(c.lon * ?), ROUND(c.lat * ?), COUNT(*), MIN(c.id), AVG(c.lon), AVG(c.lat) FROM cases c`, k, k).
		And("c.lat IS NOT NULL").And("c.created_at >= ?", s.db.Now().AddDate(0, 0, -days))
	if region != "" {
		qb.Under("c.region_code", region)
	}
	if category != "" {
		qb.Under("c.category", category)
	}
	scopeCases(qb, sc)
	q, args := qb.Tail("GROUP BY 1, 2 LIMIT 5000").SQL()
	out, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (Cluster, error) {
		var c Cluster
		var x, y float64
		err := r.Scan(&x, &y, &c.Count, &c.CaseID, &c.Lon, &c.Lat)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("cases: clusters: %w", err)
	}
	if out == nil {
		out = []Cluster{}
	}
	return out, nil
}

// GridCounts is the number of cases per grid under region, for the heat map.
func (s *Service) GridCounts(ctx context.Context, region string) (map[string]int64, error) {
	sc := authz.ScopeFrom(ctx)
	if region == "" {
		region = sc.Home()
	}
	var qb *db.Query
	if sc.Department != 0 || sc.PropertyOnly || sc.GridsOnly {
		// The count tables hold every department's cases: count the
		// department's own (dispatched or whistled to it) live, as Stats does.
		qb = db.NewQuery(`/* cases.gridCountsDept */ SELECT c.region_code, COUNT(*) FROM cases c`).And("length(c.region_code) = 15")
		if region != "" {
			qb.Under("c.region_code", communityOf(region))
		}
		scopeCases(qb, sc).Tail("GROUP BY c.region_code")
	} else {
		qb = db.NewQuery(`/* cases.gridCounts */ SELECT region_code, SUM(n) FROM case_level_counts`).And("length(region_code) = 15").
			Scope(sc, "region_code", "")
		if region != "" {
			qb.Under("parent_code", communityOf(region))
		}
		qb.Tail("GROUP BY region_code")
	}
	q, args := qb.SQL()
	out := map[string]int64{}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("cases: grid counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var n int64
		if err := rows.Scan(&code, &n); err != nil {
			return nil, err
		}
		out[code] += n
	}
	return out, rows.Err()
}

// reportRoutes registers the dashboards, maps, rankings, catalogue and
// settings.
func (h *handler) reportRoutes(r *web.Router) {
	// Dashboards may lag writes by ten seconds: at a thousand cases a
	// second, recounting on every view would cost more than it tells.
	stats := &memo.Memo[Stats]{TTL: 10 * time.Second, Max: 10000}
	h.stats = func(ctx context.Context, region string) (Stats, error) {
		return stats.Load(authz.ScopeFrom(ctx).Key()+"|"+region, func() (Stats, error) { return h.svc.Stats(ctx, region) })
	}
	r.Page("GET /cases/dashboard", PermView, h.handleDashboard)
	r.Page("GET /cases/ranking", PermEvaluate, h.handleRanking)
	r.Page("GET /cases/ranking.xlsx", PermEvaluate, h.handleRankingXLSX)
	r.Page("GET /cases/catalogue", PermConfigure, h.handleCatalogue)
	r.Page("POST /cases/catalogue", PermConfigure, h.handleCataloguePut)
	r.Page("POST /cases/settings", PermConfigure, h.handleSettingsPut)
	h.catalogueRoutes(r)
	region := []web.Param{{Name: "region", Type: "string"}}
	r.API("GET /api/v1/case-stats", PermView, web.OpDoc{Summary: "Dashboard: cases by status and child division, overdue, trend by class", Tag: "cases",
		Query: region, Response: Stats{}}, h.apiStats)
	r.API("GET /api/v1/case-map", PermView, web.OpDoc{Summary: "Located cases grouped into cells, for the hot-spot map", Tag: "cases",
		Query: append(region, web.Param{Name: "days", Type: "integer"}, web.Param{Name: "cell", Type: "integer", Description: "cell size in metres, 50–5000"},
			web.Param{Name: "category", Type: "string"}), Response: []Cluster{}}, h.apiMap)
	r.API("GET /api/v1/case-grid-counts", PermView, web.OpDoc{Summary: "Cases per grid, for the heat map", Tag: "cases", Query: region,
		Response: map[string]int64{}}, h.apiGridCounts)
	r.API("GET /api/v1/case-rankings", PermEvaluate, web.OpDoc{Summary: "A month's ranking of subdistricts, communities, departments or property companies", Tag: "cases",
		Query: []web.Param{{Name: "month", Type: "string", Required: true, Description: "YYYY-MM"}, {Name: "level", Type: "string", Required: true}}, Response: Ranking{}}, h.apiRanking)
	r.API("GET /api/v1/case-catalogue", PermReport, web.OpDoc{Summary: "The catalogue in force (or ?version=N)", Tag: "cases",
		Query: []web.Param{{Name: "version", Type: "integer"}}, Response: Catalogue{}}, h.apiCatalogue)
	r.API("PUT /api/v1/case-catalogue", PermConfigure, web.OpDoc{Summary: "Store a new catalogue version; open cases keep theirs", Tag: "cases",
		Body: CatalogueDoc{}, Response: Catalogue{}}, h.apiCataloguePut)
	r.API("GET /api/v1/case-settings", PermView, web.OpDoc{Summary: "Evaluation weights and duplicate search settings", Tag: "cases", Response: Settings{}}, h.apiSettings)
	r.API("PUT /api/v1/case-settings", PermConfigure, web.OpDoc{Summary: "Change the evaluation weights (they add up to 1) and the duplicate search", Tag: "cases",
		Body: Settings{}, Response: Settings{}}, web.Submit(http.StatusOK, h.svc.PutSettings))
}

type dashboardPage struct {
	web.Page
	Stats     Stats
	Region    string
	Classes   []*Category
	StatusBar template.JS
	TrendOpt  template.JS
	Statuses  []Status
	// Name is the division's name; Up the division above it when the
	// viewer may open its dashboard.
	Name   string
	Up     string
	UpName string
}

// parentRegion is the code of the division above code ("" for the top).
func parentRegion(code string) string {
	switch len(code) {
	case 15:
		return code[:12]
	case 12:
		return code[:9]
	case 9:
		return code[:6]
	case 6:
		return code[:4]
	}
	return ""
}

func (h *handler) handleDashboard(w http.ResponseWriter, r *http.Request) error {
	region := r.URL.Query().Get("region")
	st, err := h.stats(r.Context(), region)
	if err != nil {
		return err
	}
	cat, err := h.svc.Catalogue(r.Context(), 0)
	if err != nil {
		return err
	}
	p := dashboardPage{Page: h.ui.Page(r, "title.case_dashboard"), Stats: st, Region: st.Region, Classes: cat.Classes(), Statuses: Statuses}
	up := parentRegion(st.Region)
	if !authz.ScopeFrom(r.Context()).Contains(up) {
		up = ""
	}
	names, err := h.svc.deps.Territory.UnscopedLabels(r.Context(), []string{st.Region, up})
	if err != nil {
		return err
	}
	p.Name = names[st.Region]
	if p.Name != "" {
		p.Title = p.Name + " · " + p.Title
	}
	if up != "" && names[up] != "" {
		p.Up, p.UpName = up, names[up]
	}
	var bars []web.Bar
	for _, c := range st.Children {
		bars = append(bars, web.Bar{Name: c.Name, Value: float64(c.Open), Code: c.Code})
	}
	p.StatusBar = web.BarChart(p.T("dash.open_by_child"), bars)
	p.TrendOpt = trendChart(p.T("dash.trend"), st, cat, p.Lang)
	return h.ui.Render(w, r, http.StatusOK, "case_dashboard", "", p)
}

// trendChart is the ECharts option of the monthly cases by class.
func trendChart(title string, st Stats, cat *Catalogue, lang string) template.JS {
	var series []any
	var legend []string
	for _, c := range cat.Classes() {
		data, ok := st.Trend[c.Code]
		if !ok {
			continue
		}
		name := c.Label(lang)
		legend = append(legend, name)
		series = append(series, map[string]any{"type": "line", "name": name, "data": data})
	}
	opt := map[string]any{
		"title": map[string]any{"text": title, "textStyle": map[string]any{"fontSize": 14}}, "tooltip": map[string]any{"trigger": "axis"},
		"legend": map[string]any{"data": legend, "top": 32, "type": "scroll"},
		"grid":   map[string]any{"left": 8, "right": 8, "bottom": 8, "top": 72, "containLabel": true},
		"xAxis":  map[string]any{"type": "category", "data": st.Months}, "yAxis": map[string]any{"type": "value"}, "series": series,
	}
	b, _ := json.Marshal(opt)
	return template.JS(b)
}

type rankingPage struct {
	web.Page
	Ranking Ranking
	Levels  []string
}

func rankingQuery(r *http.Request, now time.Time) (string, string) {
	month, level := r.URL.Query().Get("month"), r.URL.Query().Get("level")
	if month == "" {
		month = now.In(cst).Format("2006-01")
	}
	if level == "" {
		level = "subdistrict"
		if a := authz.ActorFrom(r.Context()); a.Scope.Department != 0 {
			level = "department"
		} else if len(a.Scope.Region) >= 9 {
			level = "community"
		}
	}
	return month, level
}

func (h *handler) handleRanking(w http.ResponseWriter, r *http.Request) error {
	month, level := rankingQuery(r, h.svc.db.Now())
	rk, err := h.svc.Rank(r.Context(), month, level)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "ranking", "", rankingPage{Page: h.ui.Page(r, "title.ranking"), Ranking: rk, Levels: Levels})
}

func pct(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
}

func (h *handler) handleRankingXLSX(w http.ResponseWriter, r *http.Request) error {
	month, level := rankingQuery(r, h.svc.db.Now())
	rk, err := h.svc.Rank(r.Context(), month, level)
	if err != nil {
		return err
	}
	p := h.ui.Page(r, "title.ranking")
	rows := [][]string{{p.T("rank.rank"), p.T("rank.unit"), p.T("rank.cases"), p.T("rank.response"), p.T("rank.resolution"),
		p.T("rank.satisfaction"), p.T("rank.on_time"), p.T("rank.closing"), p.T("rank.rework"), p.T("rank.composite"), p.T("rank.self_handled")}}
	for _, x := range rk.Scores {
		rank, score := "—", "—"
		if x.Rank > 0 {
			rank = strconv.Itoa(x.Rank)
		}
		if x.Scored {
			score = strconv.FormatFloat(x.Composite, 'f', 2, 64)
			if len(x.Missing) > 0 {
				// The rates it leaves out, as the page names them.
				missing := make([]string, len(x.Missing))
				for i, m := range x.Missing {
					missing[i] = p.T("rank." + m)
				}
				score += " (" + p.T("rank.partial") + strings.Join(missing, p.T("rank.sep")) + ")"
			}
		}
		rows = append(rows, []string{rank, x.Name, strconv.Itoa(x.Cases), pct(x.Response), pct(x.Resolution),
			pct(x.Satisfaction), pct(x.OnTimeRate), pct(x.ClosingRate), pct(x.ReworkRate), score,
			strconv.Itoa(x.SelfHandled)})
	}
	rows = append(rows, []string{}, []string{p.T("rank.weights", rk.Settings.WResponse, rk.Settings.WResolution, rk.Settings.WSatisfaction, rk.Settings.BasicFactor)})
	return tabular.WriteXLSX(w, fmt.Sprintf("ranking-%s-%s.xlsx", level, month), rows)
}

type cataloguePage struct {
	web.Page
	Catalogue *Catalogue
	Body      string
	Settings  Settings
	Errors    []string
	Editor    catalogueEditor // the forms (catalogue.go)
}

func (h *handler) cataloguePage(r *http.Request) (cataloguePage, error) {
	cat, err := h.svc.Catalogue(r.Context(), 0)
	if err != nil {
		return cataloguePage{}, err
	}
	b, _ := json.MarshalIndent(cat.Doc, "", " ")
	p := cataloguePage{Page: h.ui.Page(r, "title.catalogue"), Catalogue: cat, Body: string(b), Settings: h.svc.Settings()}
	p.Editor, err = h.catalogueEditor(r, p.Page, cat)
	return p, err
}

func (h *handler) handleCatalogue(w http.ResponseWriter, r *http.Request) error {
	p, err := h.cataloguePage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "catalogue", "", p)
}

func (h *handler) handleCataloguePut(w http.ResponseWriter, r *http.Request) error {
	body := r.PostFormValue("catalogue")
	_, err := h.svc.PutCatalogue(r.Context(), []byte(body))
	return h.catalogueSaved(w, r, err, "flash.catalogue_saved", func(p *cataloguePage) { p.Body = body })
}

// catalogueSaved answers a form of the catalogue page: back to the page
// with the form as sent and its field errors, or on with flash.
func (h *handler) catalogueSaved(w http.ResponseWriter, r *http.Request, err error, flash string, keep func(*cataloguePage)) error {
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.cataloguePage(r)
		if perr != nil {
			return perr
		}
		keep(&p)
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "catalogue", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/cases/catalogue", flash)
}

func formFloat(r *http.Request, name string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(r.PostFormValue(name)), 64)
	if err != nil {
		return -1
	}
	return f
}

func (h *handler) handleSettingsPut(w http.ResponseWriter, r *http.Request) error {
	in := Settings{WResponse: formFloat(r, "w_response"), WResolution: formFloat(r, "w_resolution"), WSatisfaction: formFloat(r, "w_satisfaction"),
		BasicFactor: formFloat(r, "basic_factor"), DedupMetres: int(formInt(r, "dedup_metres")), DedupDays: int(formInt(r, "dedup_days")),
		WarnShare: formFloat(r, "warn_share")}
	_, err := h.svc.PutSettings(r.Context(), in)
	return h.catalogueSaved(w, r, err, "flash.settings_saved", func(p *cataloguePage) { p.Settings = in })
}

func (h *handler) apiStats(w http.ResponseWriter, r *http.Request) error {
	st, err := h.stats(r.Context(), r.URL.Query().Get("region"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, st)
}

func (h *handler) apiMap(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var fe errs.Fields
	days, cell := 30, 200
	if s := q.Get("days"); s != "" {
		if n, err := strconv.Atoi(s); err != nil || n < 1 || n > 366 {
			fe.Add("days", "rule.range", "1–366")
		} else {
			days = n
		}
	}
	if s := q.Get("cell"); s != "" {
		if n, err := strconv.Atoi(s); err != nil || n < 50 || n > 5000 {
			fe.Add("cell", "rule.range", "50–5000")
		} else {
			cell = n
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	cs, err := h.svc.Clusters(r.Context(), q.Get("region"), days, cell, q.Get("category"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, cs)
}

func (h *handler) apiGridCounts(w http.ResponseWriter, r *http.Request) error {
	m, err := h.svc.GridCounts(r.Context(), r.URL.Query().Get("region"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, m)
}

func (h *handler) apiRanking(w http.ResponseWriter, r *http.Request) error {
	rk, err := h.svc.Rank(r.Context(), r.URL.Query().Get("month"), r.URL.Query().Get("level"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, rk)
}

func (h *handler) apiCatalogue(w http.ResponseWriter, r *http.Request) error {
	v, _ := strconv.Atoi(r.URL.Query().Get("version"))
	c, err := h.svc.Catalogue(r.Context(), v)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, c)
}

func (h *handler) apiCataloguePut(w http.ResponseWriter, r *http.Request) error {
	var doc CatalogueDoc
	if err := web.DecodeJSON(r, &doc); err != nil {
		return err
	}
	b, _ := json.Marshal(doc)
	c, err := h.svc.PutCatalogue(r.Context(), b)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, c)
}

func (h *handler) apiSettings(w http.ResponseWriter, _ *http.Request) error {
	return web.JSON(w, http.StatusOK, h.svc.Settings())
}
