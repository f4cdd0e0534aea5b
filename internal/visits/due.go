package visits

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/territory"
)

// DefaultDays is the interval between visits to a household with a
// special-care member when no division sets one: monthly.
const DefaultDays = 30

// MaxDays is the longest interval a division may set.
const MaxDays = 366

// defaultDays is a tag's interval where no division sets one. A Party
// member is no special-care case: 0, not due on that tag's account.
func defaultDays(tag string) int {
	if tag == "party_member" {
		return 0
	}
	return DefaultDays
}

// Interval is the visit interval of one tag as it applies in a division.
type Interval struct {
	Tag  string `json:"tag"`
	Days int    `json:"days" doc:"days between visits; 0: households are not due a visit on this tag's account"`
	// From is the division whose setting applies: the division itself,
	// one above it, or empty for the default.
	From     string `json:"from,omitempty" doc:"region_code of the division whose setting applies; empty: the default"`
	FromName string `json:"from_name,omitempty"`
}

// IntervalsInput sets a division's intervals: a tag with a number sets
// it, a tag with null (or left out) takes the setting from above.
type IntervalsInput struct {
	RegionCode string          `json:"region_code" doc:"a community, subdistrict, district or city in the actor's territory"`
	Days       map[string]*int `json:"days" doc:"tag → days between visits (0–366; 0: not due on that tag's account); null: as the division above"`
}

// setting is one stored interval.
type setting struct {
	region, tag string
	days        int
}

// rules resolves intervals: the most specific division's setting of a
// tag, else the tag's default.
type rules map[string]map[string]int // region → tag → days

func newRules(ss []setting) rules {
	r := rules{}
	for _, s := range ss {
		if r[s.region] == nil {
			r[s.region] = map[string]int{}
		}
		r[s.region][s.tag] = s.days
	}
	return r
}

// prefixLens are the code lengths of the levels, deepest first.
var prefixLens = []int{15, 12, 9, 6, 4, 2}

// days returns the interval of tag in region and the division it comes
// from ("" for the default).
func (r rules) days(region, tag string) (int, string) {
	for _, n := range prefixLens {
		if n > len(region) {
			continue
		}
		if d, ok := r[region[:n]][tag]; ok {
			return d, region[:n]
		}
	}
	return defaultDays(tag), ""
}

// interval is the interval of a household: the shortest of its tags'
// that are visited at all; 0 when none is.
func (r rules) interval(region string, tags []string) int {
	best := 0
	for _, t := range tags {
		if d, _ := r.days(region, t); d > 0 && (best == 0 || d < best) {
			best = d
		}
	}
	return best
}

// DueHousehold is a household due a visit.
type DueHousehold struct {
	HouseholdID  int64    `json:"household_id"`
	RegionCode   string   `json:"region_code"`
	RegionName   string   `json:"region_name"`
	Address      string   `json:"address"`
	Tags         []string `json:"tags"`
	IntervalDays int      `json:"interval_days" doc:"the shortest interval among its members' tags"`
	LastVisit    string   `json:"last_visit,omitempty" doc:"YYYY-MM-DD; empty: never visited"`
	NeverVisited bool     `json:"never_visited"`
	DaysSince    int      `json:"days_since" doc:"days since the last visit; 0 when never visited"`
	DaysOverdue  int      `json:"days_overdue" doc:"days past the interval; 0 on the day it falls due or when never visited"`
}

// dueOf applies the due rule: a household whose interval is d (> 0) is
// due when it was never visited, or when its last visit is d or more days
// before today.
func dueOf(h CareHousehold, interval int, last string, today time.Time) (DueHousehold, bool) {
	if interval <= 0 {
		return DueHousehold{}, false
	}
	d := DueHousehold{HouseholdID: h.ID, RegionCode: h.RegionCode, Address: h.Address, Tags: h.Tags, IntervalDays: interval, LastVisit: last}
	if d.Tags == nil {
		d.Tags = []string{}
	}
	if last == "" {
		d.NeverVisited = true
		return d, true
	}
	lt, err := time.Parse(time.DateOnly, last)
	if err != nil {
		return DueHousehold{}, false
	}
	d.DaysSince = int(today.Sub(lt).Hours() / 24)
	if d.DaysSince < interval {
		return DueHousehold{}, false
	}
	d.DaysOverdue = d.DaysSince - interval
	return d, true
}

// Sort orders of the due list.
const (
	SortOverdue    = "overdue"     // never visited first, then most days overdue
	SortOverdueAsc = "overdue_asc" // least overdue first, never visited last
)

// DueFilter selects the households due a visit: Region (a community or
// grid) and Grids narrow the actor's scope, which must then be a
// community or narrower.
type DueFilter struct {
	Region string
	Grids  []string
	Sort   string
	Offset int
	Limit  int
}

// DueArea reports whether the due list can be read for sc narrowed to
// region and grids: a community or narrower. Wider areas read it one
// community at a time.
func DueArea(sc authz.Scope, region string, grids []string) bool {
	within, err := narrow(sc, region, grids)
	if err != nil {
		return false
	}
	rs := roots(sc, within)
	for _, r := range rs {
		if len(r) < 12 {
			return false
		}
	}
	return len(rs) > 0
}

// Due lists the households in sc due a visit, sorted by days overdue,
// with the total. The area must be a community or narrower.
func (s *Service) Due(ctx context.Context, sc authz.Scope, f DueFilter) (List[DueHousehold], error) {
	within, err := narrow(sc, f.Region, f.Grids)
	if err != nil {
		return List[DueHousehold]{}, err
	}
	all, err := s.due(ctx, sc, within)
	if err != nil {
		return List[DueHousehold]{}, err
	}
	switch f.Sort {
	case "", SortOverdue:
		slices.SortStableFunc(all, func(a, b DueHousehold) int {
			if a.NeverVisited != b.NeverVisited {
				if a.NeverVisited {
					return -1
				}
				return 1
			}
			return b.DaysOverdue - a.DaysOverdue
		})
	case SortOverdueAsc:
		slices.SortStableFunc(all, func(a, b DueHousehold) int {
			if a.NeverVisited != b.NeverVisited {
				if a.NeverVisited {
					return 1
				}
				return -1
			}
			return a.DaysOverdue - b.DaysOverdue
		})
	default:
		return List[DueHousehold]{}, errs.Field("sort", "rule.one_of", SortOverdue+", "+SortOverdueAsc)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Offset = max(f.Offset, 0)
	out := List[DueHousehold]{Total: len(all), Items: []DueHousehold{}}
	if f.Offset < len(all) {
		end := min(len(all), f.Offset+f.Limit)
		out.Items = all[f.Offset:end]
		if end < len(all) {
			out.NextCursor = encodeCursor("", int64(end))
		}
	}
	nameAll(ctx, s, out.Items, func(d *DueHousehold) (string, *string) { return d.RegionCode, &d.RegionName })
	return out, nil
}

// due is every household in sc narrowed to within that is due a visit, in
// household order.
func (s *Service) due(ctx context.Context, sc authz.Scope, within []string) ([]DueHousehold, error) {
	rs := roots(sc, within)
	if len(rs) == 0 {
		return nil, errs.Field("region", "rule.visits_due_area", "")
	}
	for _, r := range rs {
		if len(r) < 12 {
			return nil, errs.Field("region", "rule.visits_due_area", "")
		}
	}
	hs, err := s.deps.Households.CareHouseholds(ctx, sc, within)
	if err != nil {
		return nil, err
	}
	if len(hs) == 0 {
		return nil, nil
	}
	last, err := lastVisits(ctx, s.db, sc, within)
	if err != nil {
		return nil, err
	}
	ss, err := findSettings(ctx, s.db, sc)
	if err != nil {
		return nil, err
	}
	r := newRules(ss)
	today := s.today()
	var out []DueHousehold
	for _, h := range hs {
		if d, ok := dueOf(h, r.interval(h.RegionCode, h.Tags), last[h.ID], today); ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// Intervals returns the intervals in force in division region, one per
// tag, and where each comes from.
func (s *Service) Intervals(ctx context.Context, sc authz.Scope, region string) ([]Interval, error) {
	if region == "" || !sc.ContainsOrAbove(region) {
		return nil, errs.NotFoundf("kind.region")
	}
	ss, err := findSettings(ctx, s.db, sc)
	if err != nil {
		return nil, err
	}
	r := newRules(ss)
	out := make([]Interval, 0, len(s.deps.Tags))
	var from []string
	for _, t := range s.deps.Tags {
		d, f := r.days(region, t)
		out = append(out, Interval{Tag: t, Days: d, From: f})
		from = append(from, f)
	}
	names := s.names(ctx, from)
	for i := range out {
		out[i].FromName = names[out[i].From]
	}
	return out, nil
}

// SetIntervals sets the intervals of a division in the actor's territory;
// the change is audited with what was set before.
func (s *Service) SetIntervals(ctx context.Context, in IntervalsInput) ([]Interval, error) {
	sc := authz.ScopeFrom(ctx)
	var fe errs.Fields
	in.RegionCode = strings.TrimSpace(in.RegionCode)
	if in.RegionCode == "" {
		fe.Add("region_code", "rule.required", "")
	} else if r, err := s.deps.Territory.ContainsRegion(ctx, in.RegionCode); err != nil || r.Level == territory.LevelGrid || r.Level == territory.LevelProvince {
		fe.Add("region_code", "rule.visits_interval_region", "")
	}
	for _, t := range slices.Sorted(maps.Keys(in.Days)) {
		d := in.Days[t]
		if !slices.Contains(s.deps.Tags, t) {
			fe.Add("days."+t, "rule.one_of", strings.Join(s.deps.Tags, ", "))
			continue
		}
		if d != nil && (*d < 0 || *d > MaxDays) {
			fe.Add("days."+t, "rule.range", "0–"+strconv.Itoa(MaxDays))
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		before, err := ownSettings(ctx, tx, sc, in.RegionCode)
		if err != nil {
			return err
		}
		after := map[string]int{}
		for _, t := range s.deps.Tags {
			d := in.Days[t]
			if d == nil {
				if err := deleteSetting(ctx, tx, in.RegionCode, t); err != nil {
					return err
				}
				continue
			}
			after[t] = *d
			if err := putSetting(ctx, tx, setting{region: in.RegionCode, tag: t, days: *d}, tx.Now()); err != nil {
				return err
			}
		}
		if maps.Equal(before, after) {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "visits.intervals.set", ObjectType: "region", ObjectID: in.RegionCode,
			Region: in.RegionCode, Before: before, After: after})
	})
	if err != nil {
		return nil, err
	}
	return s.Intervals(ctx, sc, in.RegionCode)
}

// Counts are an area's to-dos and figures for the workbench. Each count
// is the total of the list its URL opens.
type Counts struct {
	// DueCounted tells whether DueHouseholds was counted: only for a
	// community or narrower (a wider area reads it community by
	// community).
	DueCounted    bool   `json:"due_counted"`
	DueHouseholds int    `json:"due_households"`
	DueURL        string `json:"due_url,omitempty"`
	Month         string `json:"month" doc:"YYYY-MM, China Standard Time"`
	// VisitsThisMonth and PatrolsThisMonth count what was done in Month.
	VisitsThisMonth  int    `json:"visits_this_month"`
	VisitsURL        string `json:"visits_url"`
	PatrolsThisMonth int    `json:"patrols_this_month"`
	PatrolsURL       string `json:"patrols_url"`
	// OpenPatrols are patrols started and not yet ended in the area.
	OpenPatrols    int    `json:"open_patrols"`
	OpenPatrolsURL string `json:"open_patrols_url"`
	// OpenPatrol is the actor's own patrol under way, if any.
	OpenPatrol *Patrol `json:"open_patrol,omitempty"`
}

// listURL is path with the query that shows exactly the counted items.
func listURL(path, param, value string, grids []string) string {
	q := "?" + param + "=" + value
	for _, g := range grids {
		q += "&grid=" + g
	}
	return path + q
}

// Counts counts the to-dos and this month's work in sc, narrowed to grids
// when given (a worker's grids). The URLs open the lists whose totals
// they are.
func (s *Service) Counts(ctx context.Context, sc authz.Scope, grids []string) (Counts, error) {
	within, err := narrow(sc, "", grids)
	if err != nil {
		return Counts{}, err
	}
	c := Counts{Month: s.ThisMonth()}
	if DueArea(sc, "", within) {
		d, err := s.due(ctx, sc, within)
		if err != nil {
			return Counts{}, err
		}
		c.DueCounted, c.DueHouseholds, c.DueURL = true, len(d), listURL("/visits", "due", "1", within)
	}
	from, to, _ := monthRange(c.Month)
	if c.VisitsThisMonth, err = countVisits(ctx, s.db, sc, visitQuery{within: within, from: from, to: to}); err != nil {
		return Counts{}, err
	}
	c.VisitsURL = listURL("/visits", "month", c.Month, within)
	if c.PatrolsThisMonth, err = countPatrols(ctx, s.db, sc, patrolQuery{within: within, from: from, to: to}); err != nil {
		return Counts{}, err
	}
	c.PatrolsURL = listURL("/patrols", "month", c.Month, within)
	if c.OpenPatrols, err = countPatrols(ctx, s.db, sc, patrolQuery{within: within, open: true}); err != nil {
		return Counts{}, err
	}
	c.OpenPatrolsURL = listURL("/patrols", "open", "1", within)
	if a := authz.ActorFrom(ctx); a != nil && a.UserID != 0 {
		if p, err := s.OpenPatrol(ctx); err == nil {
			c.OpenPatrol = &p
		} else if errs.CodeOf(err) != errs.NotFound {
			return Counts{}, err
		}
	}
	return c, nil
}

// Figures are an area's visits and patrols in a month.
type Figures struct {
	Visits        int `json:"visits"`
	Households    int `json:"households" doc:"households visited at least once"`
	Patrols       int `json:"patrols"`
	PatrolMinutes int `json:"patrol_minutes"`
}

func (f *Figures) add(o Figures) {
	f.Visits += o.Visits
	f.Households += o.Households
	f.Patrols += o.Patrols
	f.PatrolMinutes += o.PatrolMinutes
}

// childLen is the code length of root's children.
func childLen(root string) int {
	switch len(root) {
	case 2, 4:
		return 6
	case 6:
		return 9
	case 9:
		return 12
	}
	return 15
}

// FiguresByChild counts the visits and patrols of month (YYYY-MM) under
// root in sc, by root's children (communities of a subdistrict, grids of
// a community). A key equal to root holds what is placed on root itself.
// The figures of a child are those of FiguresByChild of the child summed,
// so a division's figure equals its row in its parent's table.
func (s *Service) FiguresByChild(ctx context.Context, sc authz.Scope, root, month string) (map[string]Figures, error) {
	if root == "" || !sc.ContainsOrAbove(root) {
		return nil, errs.NotFoundf("kind.region")
	}
	from, to, err := monthRange(month)
	if err != nil {
		return nil, err
	}
	n := childLen(root)
	out := map[string]Figures{}
	vs, err := visitFigures(ctx, s.db, sc, root, n, from, to)
	if err != nil {
		return nil, err
	}
	for k, f := range vs {
		x := out[k]
		x.add(f)
		out[k] = x
	}
	ps, err := patrolFigures(ctx, s.db, sc, root, n, from, to)
	if err != nil {
		return nil, err
	}
	for k, f := range ps {
		x := out[k]
		x.add(f)
		out[k] = x
	}
	return out, nil
}

// FigureRow is one child's figures, named.
type FigureRow struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Figures
}

// FiguresReport is a division's figures with its children's.
type FiguresReport struct {
	Code     string      `json:"code"`
	Name     string      `json:"name"`
	Month    string      `json:"month"`
	Total    Figures     `json:"total"`
	Children []FigureRow `json:"children"`
}

// Report is FiguresByChild with names, the division's total first.
func (s *Service) Report(ctx context.Context, sc authz.Scope, root, month string) (FiguresReport, error) {
	fs, err := s.FiguresByChild(ctx, sc, root, month)
	if err != nil {
		return FiguresReport{}, err
	}
	rep := FiguresReport{Code: root, Month: month, Children: []FigureRow{}}
	if r, err := s.deps.Territory.ContainsRegion(ctx, root); err == nil {
		rep.Name = r.Name
	}
	for _, f := range fs {
		rep.Total.add(f)
	}
	if sc.Contains(root) {
		kids, err := s.deps.Territory.Children(ctx, root)
		if err != nil {
			return FiguresReport{}, err
		}
		for _, k := range kids {
			rep.Children = append(rep.Children, FigureRow{Code: k.Code, Name: k.Name, Figures: fs[k.Code]})
		}
	}
	return rep, nil
}
