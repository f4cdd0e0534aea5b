package visits

import (
	"net/http"
	"strconv"
	"strings"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

// areaQuery are the parameters that narrow a list to part of the actor's
// territory.
var areaQuery = []web.Param{
	{Name: "region", Type: "string", Description: "a division in the actor's territory (a community, a grid) to narrow to"},
	{Name: "grid", Type: "string", Description: "a grid to narrow to; repeat for several"},
}

func (h *handler) apiRoutes(r *web.Router) {
	r.API("GET /api/v1/visits", PermView, web.OpDoc{Summary: "Household visits in the actor's territory, newest first, with the total (no notes)", Tag: "visits",
		Query:    append(append([]web.Param{{Name: "household", Type: "integer"}, {Name: "month", Type: "string", Description: "YYYY-MM"}}, areaQuery...), web.PageQuery...),
		Response: List[Visit]{}}, h.apiVisits)
	r.API("POST /api/v1/visits", PermRecord, web.OpDoc{Summary: "Record a visit to a household in the actor's territory; with an issue, a case is opened at its building and linked", Tag: "visits",
		Body: VisitInput{}, Response: Visit{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.RecordVisit))
	r.API("GET /api/v1/visits/due", PermView, web.OpDoc{Summary: "Households due a visit (special-care members, last visit older than the interval or never), by days overdue, with the total; a community or narrower", Tag: "visits",
		Query:    append(append([]web.Param{{Name: "sort", Type: "string", Description: "overdue (default: never visited first, then most overdue) or overdue_asc"}}, areaQuery...), web.PageQuery...),
		Response: List[DueHousehold]{}}, h.apiDue)
	r.API("GET /api/v1/visits/counts", PermView, web.OpDoc{Summary: "The actor's visit to-dos and this month's work; each count is the total of the list its URL opens", Tag: "visits",
		Query: []web.Param{{Name: "grid", Type: "string", Description: "a grid to narrow to; repeat for several"}}, Response: Counts{}}, h.apiCounts)
	r.API("GET /api/v1/visits/figures", PermView, web.OpDoc{Summary: "Visits and patrols of a month in a division and each of its children", Tag: "visits",
		Query: []web.Param{{Name: "region", Type: "string"}, {Name: "month", Type: "string", Description: "YYYY-MM; this month by default"}}, Response: FiguresReport{}}, h.apiFigures)
	r.API("GET /api/v1/visits/intervals", PermView, web.OpDoc{Summary: "Visit intervals per special-care tag in force in a division, and where each is set", Tag: "visits",
		Query: []web.Param{{Name: "region", Type: "string"}}, Response: []Interval{}}, h.apiIntervals)
	r.API("PUT /api/v1/visits/intervals", PermConfigure, web.OpDoc{Summary: "Set a division's visit intervals per tag (audited)", Tag: "visits",
		Body: IntervalsInput{}, Response: []Interval{}}, web.Submit(http.StatusOK, h.svc.SetIntervals))
	r.API("GET /api/v1/visits/{id}", PermView, web.OpDoc{Summary: "One visit; its note and whom the visitor met with visits.notes (the read is audited)", Tag: "visits",
		Response: Visit{}}, web.Get("kind.visit", h.svc.Visit))
	r.API("GET /api/v1/patrols", PermView, web.OpDoc{Summary: "Grid patrols in the actor's territory, newest first, with the total", Tag: "visits",
		Query:    append(append([]web.Param{{Name: "month", Type: "string", Description: "YYYY-MM"}, {Name: "open", Type: "boolean", Description: "true: only patrols under way"}}, areaQuery...), web.PageQuery...),
		Response: List[Patrol]{}}, h.apiPatrols)
	r.API("POST /api/v1/patrols", PermRecord, web.OpDoc{Summary: "Record a patrol made earlier", Tag: "visits",
		Body: PatrolInput{}, Response: Patrol{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.RecordPatrol))
	r.API("POST /api/v1/patrols/start", PermRecord, web.OpDoc{Summary: "Start a patrol of a grid now; one at a time", Tag: "visits",
		Body: PatrolStart{}, Response: Patrol{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.StartPatrol))
	r.API("POST /api/v1/patrols/{id}/end", PermRecord, web.OpDoc{Summary: "End the actor's own patrol now, with what it found", Tag: "visits",
		Body: PatrolEnd{}, Response: Patrol{}}, web.Apply("kind.patrol", http.StatusOK, h.svc.EndPatrol))
}

func encodeCursor(key string, id int64) string { return web.EncodeCursor(web.Cursor{Key: key, ID: id}) }

func (h *handler) apiVisits(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	a := areaFrom(r)
	f := VisitFilter{Region: a.Region, Grids: a.Grids, Month: q.Get("month"), AfterKey: cur.Key, AfterID: cur.ID, Limit: limit}
	if s := q.Get("household"); s != "" {
		if f.HouseholdID, err = strconv.ParseInt(s, 10, 64); err != nil {
			return errs.Field("household", "rule.visits_id", "")
		}
	}
	l, err := h.svc.Visits(r.Context(), authz.ScopeFrom(r.Context()), f)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, l)
}

func (h *handler) apiDue(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	a := areaFrom(r)
	l, err := h.svc.Due(r.Context(), authz.ScopeFrom(r.Context()), DueFilter{Region: a.Region, Grids: a.Grids, Sort: r.URL.Query().Get("sort"),
		Offset: int(cur.ID), Limit: limit})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, l)
}

func (h *handler) apiCounts(w http.ResponseWriter, r *http.Request) error {
	c, err := h.svc.Counts(r.Context(), authz.ScopeFrom(r.Context()), areaFrom(r).Grids)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, c)
}

func (h *handler) apiFigures(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	region := strings.TrimSpace(q.Get("region"))
	if region == "" {
		var err error
		if region, err = h.svc.deps.Territory.Root(ctx); err != nil {
			return err
		}
	}
	month := q.Get("month")
	if month == "" {
		month = h.svc.ThisMonth()
	}
	rep, err := h.svc.Report(ctx, authz.ScopeFrom(ctx), region, month)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, rep)
}

func (h *handler) apiIntervals(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sc := authz.ScopeFrom(ctx)
	region := strings.TrimSpace(r.URL.Query().Get("region"))
	if region == "" {
		region = sc.Home()
	}
	is, err := h.svc.Intervals(ctx, sc, region)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, is)
}

func (h *handler) apiPatrols(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	a := areaFrom(r)
	f := PatrolFilter{Region: a.Region, Grids: a.Grids, Month: q.Get("month"), AfterKey: cur.Key, AfterID: cur.ID, Limit: limit}
	if f.Open, err = web.BoolParam(r, "open"); err != nil {
		return err
	}
	l, err := h.svc.Patrols(r.Context(), authz.ScopeFrom(r.Context()), f)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, l)
}
