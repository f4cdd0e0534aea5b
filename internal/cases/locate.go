package cases

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/geo"
	"grassroots/internal/platform/web"
	"grassroots/internal/registry"
)

// Locating a case, and the 待定位 queue. A case is located by its point
// (the grid that holds it), else by its address: the registry's matcher
// (registry.MatchAddress) finds the standard address a free-text address
// means. A 12345 work order whose address matches nothing well enough is
// not refused: it is filed all the same, received when the hotline
// received it, and kept in the queue of the division its address (or the
// export's 区/街道 columns) names, else of the importer's territory, for
// that division's staff to place on the map or on a registry address.
// While it waits it is counted in that division (its region is the
// division's code); once placed it moves, with its counts, to the grid
// and is handled like any other case. Nothing is lost on the way.

// locate finds the grid of the case: by its point, else by its address in
// the registry of standard addresses. A point outside every grid of the
// city is refused: nobody could handle it. An address that matches no
// building is refused too, unless queue names the division whose 待定位
// queue keeps it (the 12345 import): the case is then filed in the
// division the address names, if below queue, else in queue.
func (s *Service) locate(ctx context.Context, c *Case, queue string) error {
	if c.Lon != nil {
		lon, lat := *c.Lon, *c.Lat
		if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
			return errs.Field("lon", "rule.range", "WGS-84")
		}
		code, ok := s.deps.Territory.LocateGrid(lon, lat)
		if ok {
			c.RegionCode = code
			return nil
		}
		// A point in the city where no grid is drawn yet (a city still
		// setting up its grids) waits to be placed like an address that
		// matches nothing; a point outside the city is refused.
		b := s.site().Bounds
		if queue == "" || (b != nil && (lon < b[0] || lat < b[1] || lon > b[2] || lat > b[3])) {
			return errs.Field("location", "rule.out_of_area", "")
		}
		c.RegionCode, c.unlocated = queue, true
		return nil
	}
	m, ok, err := s.deps.Registry.MatchAddress(ctx, c.Address)
	if err != nil {
		return err
	}
	if ok {
		c.RegionCode, c.Lon, c.Lat = m.RegionCode, m.Lon, m.Lat
		return nil
	}
	if queue == "" {
		return errs.Field("address", "rule.address_unknown", c.Address)
	}
	c.RegionCode, c.unlocated = queue, true
	if strings.HasPrefix(m.Division, queue) {
		c.RegionCode = m.Division
	}
	return nil
}

// receivedAt is when a case was received: the hotline's own time for a
// 12345 order that gives one (never in the future), else now.
func receivedAt(in ReportInput, now time.Time) (time.Time, error) {
	if in.ReceivedAt == nil || in.Channel != ChannelHotline {
		return now, nil
	}
	t := in.ReceivedAt.UTC().Truncate(time.Microsecond)
	if t.After(now) {
		return now, errs.Field("received_at", "rule.not_future", "")
	}
	return t, nil
}

// enqueue puts a case that locate left unlocated into its division's
// queue, in the transaction of ctx (the import's).
func enqueue(ctx context.Context, tx *db.Tx, c *Case) error {
	if _, err := tx.ExecContext(ctx, `/* cases.enqueue */ INSERT INTO case_locate_queue (case_id, region_code, created_at) VALUES (?, ?, ?)`,
		c.ID, c.RegionCode, tx.Now()); err != nil {
		return fmt.Errorf("cases: queue %d for locating: %w", c.ID, err)
	}
	return insertEvent(ctx, tx, authz.ActorFrom(ctx), &Event{CaseID: c.ID, Action: "unlocated", FromStatus: c.Status, ToStatus: c.Status})
}

// Unlocated is a case of the 待定位 queue, as the queue lists it.
type Unlocated struct {
	Case         *Case     `json:"case"`
	DivisionName string    `json:"division_name" doc:"the division whose queue holds the case"`
	QueuedAt     time.Time `json:"queued_at"`
}

// UnlocatedList is a page of the queue and how many cases wait in all.
type UnlocatedList struct {
	Items      []Unlocated `json:"items"`
	Total      int         `json:"total" doc:"cases waiting in the caller's territory"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// Unlocated lists the cases waiting to be located in the actor's
// territory, oldest first (the longest waiting first), from after the
// case id afterID, and how many wait in all.
func (s *Service) Unlocated(ctx context.Context, afterID int64, limit int) ([]Unlocated, int, error) {
	a := authz.ActorFrom(ctx)
	if a == nil || !a.Can(PermManage) {
		return nil, 0, errs.E(errs.Forbidden, "err.forbidden")
	}
	ac := accessOf(a)
	// The queue is read first (CROSS JOIN keeps SQLite to that order):
	// it holds a few cases, the division's range of cases millions.
	cq, cargs := ac.limit(db.NewQuery(`/* cases.unlocatedCount */ SELECT COUNT(*) FROM case_locate_queue q CROSS JOIN cases c`).And("c.id = q.case_id")).SQL()
	var total int
	if err := s.db.QueryRowContext(ctx, cq, cargs...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cases: count unlocated: %w", err)
	}
	qb := ac.limit(db.NewQuery(`/* cases.unlocated */ SELECT `+caseCols+`, q.created_at FROM case_locate_queue q CROSS JOIN cases c`).And("c.id = q.case_id")).
		And("q.case_id > ?", afterID).Tail("ORDER BY q.case_id LIMIT ?", limit)
	q, args := qb.SQL()
	items, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (Unlocated, error) {
		var u Unlocated
		c, err := scanCase(rowWith{r, &u.QueuedAt})
		u.Case, u.QueuedAt = c, u.QueuedAt.UTC()
		return u, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("cases: unlocated: %w", err)
	}
	names := map[string]string{}
	for i := range items {
		s.decorate(ctx, items[i].Case)
		code := items[i].Case.RegionCode
		if _, ok := names[code]; !ok {
			names[code] = code
			if r, err := s.deps.Territory.ContainsRegion(ctx, code); err == nil {
				names[code] = r.Name
			}
		}
		items[i].DivisionName = names[code]
	}
	return items, total, nil
}

// rowWith scans a case row with more columns after the case's.
type rowWith struct {
	r    db.Scanner
	more *time.Time
}

func (w rowWith) Scan(dest ...any) error { return w.r.Scan(append(dest, w.more)...) }

// LocationInput places a case of the queue: a point tapped on the map,
// a building the queue offered, or a standard address.
type LocationInput struct {
	Lon        *float64 `json:"lon,omitempty"`
	Lat        *float64 `json:"lat,omitempty"`
	CRS        string   `json:"crs,omitempty" doc:"the point's system: wgs84 (default), gcj02 or bd09"`
	BuildingID int64    `json:"building_id,omitempty" doc:"a registry building (one of the queue's candidates)"`
	Address    string   `json:"address,omitempty" doc:"a standard address of the registry"`
}

// Locate places a case of the 待定位 queue that the actor manages: on a
// point (its grid), on a registry building, or on a standard address. It
// moves to that grid with its counts, leaves the queue and is handled
// from there like any case.
func (s *Service) Locate(ctx context.Context, id int64, in LocationInput) (*Case, error) {
	a := authz.ActorFrom(ctx)
	if a == nil || !a.Can(PermManage) {
		return nil, errs.E(errs.Forbidden, "err.forbidden")
	}
	var p struct {
		region, via string
		lon, lat    *float64
	}
	switch {
	case in.Lon != nil || in.Lat != nil:
		crs, ok := geo.ParseCRS(in.CRS)
		switch {
		case !ok:
			return nil, errs.Field("crs", "rule.one_of", "wgs84, gcj02, bd09")
		case in.Lon == nil || in.Lat == nil:
			return nil, errs.Field("lat", "rule.point_pair", "")
		case math.IsNaN(*in.Lon) || math.IsNaN(*in.Lat) || *in.Lon < -180 || *in.Lon > 180 || *in.Lat < -90 || *in.Lat > 90:
			return nil, errs.Field("lon", "rule.range", "WGS-84")
		}
		lon, lat := crs.ToWGS84(*in.Lon, *in.Lat)
		code, ok := s.deps.Territory.LocateGrid(lon, lat)
		if !ok {
			return nil, errs.Field("location", "rule.out_of_area", "")
		}
		p.region, p.lon, p.lat, p.via = code, &lon, &lat, "map"
	case in.BuildingID != 0:
		b, err := s.deps.Registry.Building(ctx, in.BuildingID)
		if err != nil {
			return nil, errs.Field("building_id", "rule.building", strconv.FormatInt(in.BuildingID, 10))
		}
		p.region, p.lon, p.lat, p.via = b.RegionCode, b.Lon, b.Lat, "building"
	case strings.TrimSpace(in.Address) != "":
		m, ok, err := s.deps.Registry.MatchAddress(ctx, in.Address)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errs.Field("address", "rule.address_unknown", in.Address)
		}
		p.region, p.lon, p.lat, p.via = m.RegionCode, m.Lon, m.Lat, "address"
	default:
		return nil, errs.Field("location", "rule.location_required", "")
	}
	var out *Case
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := findCase(ctx, tx, accessOf(a), id)
		if err != nil {
			return err
		}
		// The case goes only where its placer may follow it: a place
		// outside the placer's territory is for the level above to decide.
		if !a.Scope.Contains(p.region) {
			return errs.Field("location", "rule.location_scope", "")
		}
		if a.Scope.Department != 0 || a.Scope.PropertyOnly {
			return errs.E(errs.Forbidden, "err.forbidden")
		}
		res, err := tx.ExecContext(ctx, `/* cases.dequeue */ DELETE FROM case_locate_queue WHERE case_id = ?`, c.ID)
		if err != nil {
			return fmt.Errorf("cases: locate %d: %w", c.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "err.case_located")
		}
		before := *c
		from := c.RegionCode
		c.RegionCode, c.Lon, c.Lat = p.region, p.lon, p.lat
		res, err = tx.ExecContext(ctx, `/* cases.locate */ UPDATE cases SET region_code = ?, sub_code = ?, com_code = ?, lon = ?, lat = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			c.RegionCode, cut(c.RegionCode, 9), cut(c.RegionCode, 12), c.Lon, c.Lat, tx.Now(), c.ID, c.Version)
		if err != nil {
			return fmt.Errorf("cases: locate %d: %w", c.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "err.conflict")
		}
		c.Version++
		c.UpdatedAt = tx.Now()
		// The counts move with the case: out of the division that kept
		// it, into the grid.
		month := c.CreatedAt.In(cst).Format("2006-01")
		for _, move := range []struct {
			region string
			delta  int
		}{{from, -1}, {c.RegionCode, 1}} {
			if err := AddCount(ctx, tx, move.region, c.Status, move.delta); err != nil {
				return err
			}
			if err := AddMonth(ctx, tx, month, move.region, c.Category[:2], move.delta); err != nil {
				return err
			}
		}
		ev := &Event{CaseID: c.ID, Action: "locate", FromStatus: c.Status, ToStatus: c.Status}
		if err := insertEvent(ctx, tx, a, ev); err != nil {
			return err
		}
		s.decorate(ctx, c)
		out = c
		return audit.Record(ctx, tx, audit.Entry{Action: "cases.locate", ObjectType: "case", ObjectID: strconv.FormatInt(c.ID, 10),
			Region: c.RegionCode, Before: before, After: c, Detail: map[string]any{"via": p.via, "from": from}})
	})
	return out, err
}

// Candidates are the registry buildings a queued case's address may
// mean, best first.
func (s *Service) Candidates(ctx context.Context, c *Case) ([]registry.AddressCandidate, error) {
	if c.Address == "" {
		return nil, nil
	}
	m, _, err := s.deps.Registry.MatchAddress(ctx, c.Address)
	// Only buildings the placer could place the case on: the matcher
	// reads the whole registry.
	sc := authz.ScopeFrom(ctx)
	var out []registry.AddressCandidate
	for _, x := range m.Candidates {
		if sc.Contains(x.RegionCode) {
			out = append(out, x)
		}
	}
	return out, err
}

// queued reports whether case id waits in the queue.
func (s *Service) queued(ctx context.Context, id int64) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `/* cases.queued */ SELECT COUNT(*) FROM case_locate_queue WHERE case_id = ?`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("cases: queued %d: %w", id, err)
	}
	return n > 0, nil
}

func (h *handler) locateRoutes(r *web.Router) {
	r.API("GET /api/v1/cases/unlocated", PermManage, web.OpDoc{Summary: "The 待定位 queue: cases whose address matched no registry address, waiting in the caller's territory to be placed, longest waiting first", Tag: "cases",
		Query: web.PageQuery, Response: UnlocatedList{}}, h.apiUnlocated)
	r.API("POST /api/v1/cases/{id}/location", PermManage, web.OpDoc{Summary: "Place a case of the 待定位 queue: a point (lon, lat, crs), a registry building or a standard address; it moves to that grid and leaves the queue", Tag: "cases",
		Body: LocationInput{}, Response: Case{}}, web.Apply("kind.case", http.StatusOK, h.svc.Locate))
	r.Page("GET /cases/unlocated", PermManage, h.handleUnlocated)
	r.Page("GET /cases/{id}/locate", PermManage, h.handleLocateForm)
	r.Page("POST /cases/{id}/locate", PermManage, h.handleLocate)
}

func (h *handler) apiUnlocated(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	items, total, err := h.svc.Unlocated(r.Context(), cur.ID, limit+1)
	if err != nil {
		return err
	}
	l := web.Paginate(items, limit, func(u Unlocated) web.Cursor { return web.Cursor{ID: u.Case.ID} })
	return web.JSON(w, http.StatusOK, UnlocatedList{Items: l.Items, Total: total, NextCursor: l.NextCursor})
}

type unlocatedPage struct {
	web.Page
	Items []Unlocated
	Total int
	More  int64
	Now   time.Time
}

func (h *handler) handleUnlocated(w http.ResponseWriter, r *http.Request) error {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	items, total, err := h.svc.Unlocated(r.Context(), after, 51)
	if err != nil {
		return err
	}
	p := unlocatedPage{Page: h.ui.Page(r, "title.unlocated"), Items: items, Total: total, Now: h.svc.db.Now()}
	if len(items) == 51 {
		p.Items, p.More = items[:50], items[49].Case.ID
	}
	return h.ui.Render(w, r, http.StatusOK, "unlocated", "", p)
}

type locatePage struct {
	web.Page
	Case       *Case
	Candidates []registry.AddressCandidate
	Form       LocationInput
	Lon, Lat   string
	Errors     []string
}

func (h *handler) locatePage(r *http.Request) (locatePage, error) {
	p := locatePage{Page: h.ui.Page(r, "title.locate")}
	id, err := caseID(r)
	if err != nil {
		return p, err
	}
	if p.Case, err = h.svc.Case(r.Context(), id); err != nil {
		return p, err
	}
	if q, err := h.svc.queued(r.Context(), id); err != nil {
		return p, err
	} else if !q {
		return p, errs.E(errs.Conflict, "err.case_located")
	}
	p.Candidates, err = h.svc.Candidates(r.Context(), p.Case)
	return p, err
}

func (h *handler) handleLocateForm(w http.ResponseWriter, r *http.Request) error {
	p, err := h.locatePage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "case_locate", "", p)
}

func (h *handler) handleLocate(w http.ResponseWriter, r *http.Request) error {
	in := LocationInput{Lon: parseFloat(r.PostFormValue("lon")), Lat: parseFloat(r.PostFormValue("lat")), Address: r.PostFormValue("address")}
	in.BuildingID, _ = strconv.ParseInt(r.PostFormValue("building_id"), 10, 64)
	id, err := caseID(r)
	if err != nil {
		return err
	}
	c, err := h.svc.Locate(r.Context(), id, in)
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.locatePage(r)
		if perr != nil {
			return perr
		}
		p.Form, p.Lon, p.Lat = in, r.PostFormValue("lon"), r.PostFormValue("lat")
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "case_locate", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/cases/"+strconv.FormatInt(c.ID, 10), "flash.case_located")
}
