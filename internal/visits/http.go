package visits

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

type handler struct {
	svc *Service
	ui  *web.UI
}

func (h *handler) routes(r *web.Router) {
	r.Page("GET /visits", PermView, h.handleVisits)
	r.Page("GET /visits/new", PermRecord, h.handleVisitNew)
	r.Page("POST /visits", PermRecord, h.handleVisitCreate)
	r.Page("GET /visits/settings", PermConfigure, h.handleSettings)
	r.Page("POST /visits/settings", PermConfigure, h.handleSettingsSave)
	r.Page("GET /visits/{id}", PermView, h.handleVisit)
	r.Page("GET /patrols", PermView, h.handlePatrols)
	r.Page("GET /patrols/new", PermRecord, h.handlePatrolNew)
	r.Page("POST /patrols", PermRecord, h.handlePatrolCreate)
	r.Page("POST /patrols/start", PermRecord, h.handlePatrolStart)
	r.Page("POST /patrols/{id}/end", PermRecord, h.handlePatrolEnd)
}

// area is the part of the actor's territory a list page is narrowed to,
// as its query names it.
type area struct {
	Region string
	Grids  []string
}

func areaFrom(r *http.Request) area {
	q := r.URL.Query()
	var gs []string
	for _, g := range q["grid"] {
		if g = strings.TrimSpace(g); g != "" {
			gs = append(gs, g)
		}
	}
	return area{Region: strings.TrimSpace(q.Get("region")), Grids: gs}
}

// query is the area as a query string with extra parameters (name, value
// pairs), for links that keep it.
func (a area) Query(kv ...string) string {
	v := url.Values{}
	if a.Region != "" {
		v.Set("region", a.Region)
	}
	for _, g := range a.Grids {
		v.Add("grid", g)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// visitsPage is /visits: the households due a visit and the visits made,
// in the overview or one list at a time (?due=1, ?visits=1, ?month=).
type visitsPage struct {
	web.Page
	Area  area
	View  string // "", "due" or "visits"
	Month string
	Sort  string
	// DueOK: the area is a community or narrower, so its due list is read.
	DueOK        bool
	Due          List[DueHousehold]
	Visits       List[Visit]
	PatrolsTotal int
	NextDue      string
	NextVisits   string
	// Report holds the figures by child for an area wider than a community.
	Report *FiguresReport
	// MineURL narrows the page to the grids the actor serves, when a
	// community worker serves some.
	MineURL   string
	CanRecord bool
	CanConfig bool
	// Links of the overview's figures, each to the list it counts.
	DueURL, MonthURL, PatrolsURL string
}

func (h *handler) handleVisits(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sc := authz.ScopeFrom(ctx)
	q := r.URL.Query()
	p := visitsPage{Page: h.ui.Page(r, "title.visits"), Area: areaFrom(r), Sort: q.Get("sort"), Month: q.Get("month")}
	p.CanRecord, p.CanConfig = p.Actor.Can(PermRecord), p.Actor.Can(PermConfigure)
	switch {
	case q.Get("due") == "1":
		p.View = "due"
	case q.Get("visits") == "1" || p.Month != "" || q.Get("household") != "":
		p.View = "visits"
	}
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	if p.View == "" {
		limit = 10
	}
	if _, err := narrow(sc, p.Area.Region, p.Area.Grids); err != nil {
		return err
	}
	if h.svc.deps.GridsOf != nil && p.Actor != nil && len(p.Area.Grids) == 0 && p.Area.Region == "" {
		if gs, err := h.svc.deps.GridsOf(ctx, p.Actor.UserID); err == nil && len(gs) > 0 && !sc.GridsOnly {
			p.MineURL = "/visits" + area{Grids: gs}.Query()
		}
	}
	p.DueOK = DueArea(sc, p.Area.Region, p.Area.Grids)
	if p.DueOK && p.View != "visits" {
		if p.Due, err = h.svc.Due(ctx, sc, DueFilter{Region: p.Area.Region, Grids: p.Area.Grids, Sort: p.Sort, Offset: int(cur.ID), Limit: limit}); err != nil {
			return err
		}
		if p.Due.NextCursor != "" && p.View == "due" {
			p.NextDue = "/visits" + p.Area.Query("due", "1", "sort", p.Sort, "cursor", p.Due.NextCursor)
		}
	}
	this := h.svc.ThisMonth()
	if p.View != "due" {
		household, _ := strconv.ParseInt(q.Get("household"), 10, 64)
		f := VisitFilter{Region: p.Area.Region, Grids: p.Area.Grids, HouseholdID: household, Month: p.Month, Limit: limit}
		if p.View == "" {
			f.Month = this
		} else {
			f.AfterKey, f.AfterID = cur.Key, cur.ID
		}
		if p.Visits, err = h.svc.Visits(ctx, sc, f); err != nil {
			return err
		}
		if p.Visits.NextCursor != "" && p.View == "visits" {
			p.NextVisits = "/visits" + p.Area.Query("visits", "1", "month", p.Month, "household", q.Get("household"), "cursor", p.Visits.NextCursor)
		}
	}
	if p.View == "" {
		ps, err := h.svc.Patrols(ctx, sc, PatrolFilter{Region: p.Area.Region, Grids: p.Area.Grids, Month: this, Limit: 1})
		if err != nil {
			return err
		}
		p.PatrolsTotal = ps.Total
		p.DueURL = "/visits" + p.Area.Query("due", "1")
		p.MonthURL = "/visits" + p.Area.Query("month", this)
		p.PatrolsURL = "/patrols" + p.Area.Query("month", this)
		p.Month = this
		if !p.DueOK {
			root := p.Area.Region
			if root == "" {
				if root, err = h.svc.deps.Territory.Root(ctx); err != nil {
					return err
				}
			}
			// An actor with no area (a grid worker not yet given a grid)
			// has no figures.
			if rep, err := h.svc.Report(ctx, sc, root, this); err == nil {
				p.Report = &rep
			} else if errs.CodeOf(err) != errs.NotFound {
				return err
			}
		}
	}
	return h.ui.Render(w, r, http.StatusOK, "visits", "", p)
}

type visitNewPage struct {
	web.Page
	Household  *Household
	RegionName string
	Address    string
	Matches    []Household
	Kinds      []string
	Categories []CategoryClass // the problem categories, by class
	Form       VisitInput
	Category   string
	Problem    string
	Report     bool
	Today      string
	Errors     []string
	NoteErrors []string // what is wrong with the note, shown beside it
}

func (h *handler) visitNewPage(r *http.Request, id int64) (visitNewPage, error) {
	ctx := r.Context()
	p := visitNewPage{Page: h.ui.Page(r, "title.visit_new"), Kinds: Kinds, Today: h.svc.today().Format("2006-01-02"), Form: VisitInput{Kind: "home"}}
	if id == 0 {
		p.Address = strings.TrimSpace(r.URL.Query().Get("address"))
		ms, err := h.svc.SearchHouseholds(ctx, p.Address, 30)
		if err != nil {
			return p, err
		}
		p.Matches = ms
		return p, nil
	}
	hh, err := h.svc.Household(ctx, id)
	if err != nil {
		return p, err
	}
	p.Household = &hh
	p.RegionName = h.svc.names(ctx, []string{hh.RegionCode})[hh.RegionCode]
	cats, err := h.svc.Categories(ctx)
	if err != nil {
		return p, err
	}
	p.Categories = ByClass(cats)
	return p, nil
}

func (h *handler) handleVisitNew(w http.ResponseWriter, r *http.Request) error {
	var id int64
	if s := r.URL.Query().Get("household"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return errs.NotFoundf("kind.household")
		}
		id = n
	}
	p, err := h.visitNewPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "visit_new", "", p)
}

func (h *handler) handleVisitCreate(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(r.PostFormValue("household_id"), 10, 64)
	in := VisitInput{HouseholdID: id, VisitedOn: r.PostFormValue("visited_on"), Kind: r.PostFormValue("kind"),
		MetWith: r.PostFormValue("met_with"), Note: r.PostFormValue("note")}
	report := r.PostFormValue("report") == "1"
	if report {
		in.Issue = &IssueInput{Category: r.PostFormValue("category"), Description: r.PostFormValue("description")}
	}
	v, err := h.svc.RecordVisit(r.Context(), in)
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.visitNewPage(r, id)
		if errs.CodeOf(perr) == errs.NotFound {
			p, perr = h.visitNewPage(r, 0)
		}
		if perr != nil {
			return perr
		}
		p.Form, p.Report = in, report
		p.Category, p.Problem = r.PostFormValue("category"), r.PostFormValue("description")
		for _, f := range errs.As(err).Fields {
			if f.Field == "note" && p.Household != nil {
				f.Field = "visit_note" // as the form labels it
				p.NoteErrors = append(p.NoteErrors, h.ui.FieldMessage(p.Lang, f))
				continue
			}
			p.Errors = append(p.Errors, h.ui.FieldMessage(p.Lang, f))
		}
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "visit_new", "", p)
	}
	if err != nil {
		return err
	}
	if v.CaseID != 0 {
		return web.Redirect(w, r, "/visits/"+strconv.FormatInt(v.ID, 10), "flash.visit_reported")
	}
	return web.Redirect(w, r, "/visits/"+strconv.FormatInt(v.ID, 10), "flash.visit_saved")
}

type visitPage struct {
	web.Page
	Visit    Visit
	CanNotes bool
}

func (h *handler) handleVisit(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.visit")
	if err != nil {
		return err
	}
	v, err := h.svc.Visit(r.Context(), id)
	if err != nil {
		return err
	}
	p := visitPage{Page: h.ui.Page(r, "title.visit"), Visit: v}
	p.CanNotes = p.Actor.Can(PermNotes)
	p.Title = v.Address
	return h.ui.Render(w, r, http.StatusOK, "visit", "", p)
}

type settingsPage struct {
	web.Page
	Region     string
	RegionName string
	Choices    []territory.RegionSummary
	Intervals  []Interval
	Errors     []string
	MaxDays    int
	Default    int
}

func (h *handler) settingsPage(r *http.Request, region string) (settingsPage, error) {
	ctx := r.Context()
	sc := authz.ScopeFrom(ctx)
	p := settingsPage{Page: h.ui.Page(r, "title.visit_settings"), Region: region, MaxDays: MaxDays, Default: DefaultDays}
	if p.Region == "" {
		p.Region = sc.Home()
	}
	reg, err := h.svc.deps.Territory.Region(ctx, p.Region)
	if err != nil {
		return p, err
	}
	p.RegionName = reg.Name
	if p.Intervals, err = h.svc.Intervals(ctx, sc, p.Region); err != nil {
		return p, err
	}
	if home := sc.Home(); home != "" && reg.Level != territory.LevelCommunity {
		kids, err := h.svc.deps.Territory.Children(ctx, p.Region)
		if err != nil {
			return p, err
		}
		for _, k := range kids {
			if k.Level != territory.LevelGrid {
				p.Choices = append(p.Choices, k)
			}
		}
	}
	return p, nil
}

func (h *handler) handleSettings(w http.ResponseWriter, r *http.Request) error {
	p, err := h.settingsPage(r, strings.TrimSpace(r.URL.Query().Get("region")))
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "visit_settings", "", p)
}

func (h *handler) handleSettingsSave(w http.ResponseWriter, r *http.Request) error {
	in := IntervalsInput{RegionCode: strings.TrimSpace(r.PostFormValue("region_code")), Days: map[string]*int{}}
	var fe errs.Fields
	for _, t := range h.svc.deps.Tags {
		s := strings.TrimSpace(r.PostFormValue("days." + t))
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			fe.Add("days."+t, "rule.range", "0–"+strconv.Itoa(MaxDays))
			continue
		}
		in.Days[t] = &n
	}
	err := fe.Err()
	if err == nil {
		_, err = h.svc.SetIntervals(r.Context(), in)
	}
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.settingsPage(r, in.RegionCode)
		if perr != nil {
			return perr
		}
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "visit_settings", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/visits/settings?region="+url.QueryEscape(in.RegionCode), "flash.saved")
}

type patrolsPage struct {
	web.Page
	Area      area
	Month     string
	OpenOnly  bool
	Open      *Patrol
	Patrols   List[Patrol]
	Next      string
	CanRecord bool
	Errors    []string
	End       PatrolEnd
	Cases     string // the case numbers as typed into the end form
}

func (h *handler) patrolsPage(r *http.Request) (patrolsPage, error) {
	ctx := r.Context()
	q := r.URL.Query()
	p := patrolsPage{Page: h.ui.Page(r, "title.patrols"), Area: areaFrom(r), Month: q.Get("month"), OpenOnly: q.Get("open") == "1"}
	p.CanRecord = p.Actor.Can(PermRecord)
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return p, err
	}
	if p.Patrols, err = h.svc.Patrols(ctx, authz.ScopeFrom(ctx), PatrolFilter{Region: p.Area.Region, Grids: p.Area.Grids, Month: p.Month,
		Open: p.OpenOnly, AfterKey: cur.Key, AfterID: cur.ID, Limit: limit}); err != nil {
		return p, err
	}
	if p.Patrols.NextCursor != "" {
		open := ""
		if p.OpenOnly {
			open = "1"
		}
		p.Next = "/patrols" + p.Area.Query("month", p.Month, "open", open, "cursor", p.Patrols.NextCursor)
	}
	if p.CanRecord {
		if op, err := h.svc.OpenPatrol(ctx); err == nil {
			p.Open = &op
		} else if errs.CodeOf(err) != errs.NotFound {
			return p, err
		}
	}
	return p, nil
}

func (h *handler) handlePatrols(w http.ResponseWriter, r *http.Request) error {
	p, err := h.patrolsPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "patrols", "", p)
}

type patrolNewPage struct {
	web.Page
	Grids  []territory.Grid
	Open   *Patrol
	Form   PatrolInput
	Cases  string
	Today  string
	Errors []string
}

func (h *handler) patrolNewPage(r *http.Request) (patrolNewPage, error) {
	ctx := r.Context()
	p := patrolNewPage{Page: h.ui.Page(r, "title.patrol_new"), Today: h.svc.today().Format("2006-01-02")}
	var err error
	if p.Grids, err = h.svc.Grids(ctx); err != nil {
		return p, err
	}
	if op, err := h.svc.OpenPatrol(ctx); err == nil {
		p.Open = &op
	} else if errs.CodeOf(err) != errs.NotFound {
		return p, err
	}
	return p, nil
}

func (h *handler) handlePatrolNew(w http.ResponseWriter, r *http.Request) error {
	p, err := h.patrolNewPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "patrol_new", "", p)
}

// caseNumbers reads the case numbers typed into one field, separated by
// spaces, commas or new lines.
func caseNumbers(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' || r == '\r' || r == '、' })
}

func formInt(r *http.Request, name string) int {
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
	if err != nil {
		return -1
	}
	return n
}

func (h *handler) handlePatrolCreate(w http.ResponseWriter, r *http.Request) error {
	problems := formInt(r, "problems_found")
	if strings.TrimSpace(r.PostFormValue("problems_found")) == "" {
		problems = 0
	}
	in := PatrolInput{GridCode: r.PostFormValue("grid_code"), PatrolledOn: r.PostFormValue("patrolled_on"), Minutes: formInt(r, "duration_minutes"),
		Route: r.PostFormValue("route"), Problems: problems, CaseNumbers: caseNumbers(r.PostFormValue("case_numbers"))}
	if _, err := h.svc.RecordPatrol(r.Context(), in); err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		p, perr := h.patrolNewPage(r)
		if perr != nil {
			return perr
		}
		p.Form, p.Cases = in, r.PostFormValue("case_numbers")
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "patrol_new", "", p)
	}
	return web.Redirect(w, r, "/patrols", "flash.patrol_saved")
}

func (h *handler) handlePatrolStart(w http.ResponseWriter, r *http.Request) error {
	_, err := h.svc.StartPatrol(r.Context(), PatrolStart{GridCode: r.PostFormValue("grid_code")})
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.patrolNewPage(r)
		if perr != nil {
			return perr
		}
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "patrol_new", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/patrols", "flash.patrol_started")
}

func (h *handler) handlePatrolEnd(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.patrol")
	if err != nil {
		return err
	}
	problems := formInt(r, "problems_found")
	if strings.TrimSpace(r.PostFormValue("problems_found")) == "" {
		problems = 0
	}
	in := PatrolEnd{Route: r.PostFormValue("route"), Problems: problems, CaseNumbers: caseNumbers(r.PostFormValue("case_numbers"))}
	_, err = h.svc.EndPatrol(r.Context(), id, in)
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.patrolsPage(r)
		if perr != nil {
			return perr
		}
		p.End, p.Cases = in, r.PostFormValue("case_numbers")
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "patrols", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/patrols", "flash.patrol_ended")
}
