package visits_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/internal/apptest"
	"grassroots/internal/visits"
)

// due is the due list an actor reads, as (household, never visited, days
// overdue) in the list's order.
type dueRow struct {
	ID      int64
	Never   bool
	Overdue int
}

func dueRows(t *testing.T, c *apptest.Client, path string) []dueRow {
	t.Helper()
	l := MustList[visits.DueHousehold](t, c, path)
	if l.Total != len(l.Items) {
		t.Fatalf("%s: total %d, %d items on one page", path, l.Total, len(l.Items))
	}
	out := []dueRow{}
	for _, d := range l.Items {
		out = append(out, dueRow{d.HouseholdID, d.NeverVisited, d.DaysOverdue})
	}
	return out
}

// TestDueRule: a household with a special-care member is due a visit
// monthly by default — when it was never visited, or its last visit is 30
// days old or more — and at the interval a community or subdistrict sets
// for the tag, the most specific setting winning; a Party member alone
// makes no household due. Settings are audited and bad ones change
// nothing.
func TestDueRule(t *testing.T) {
	e := apptest.New(t)
	grid := e.Login("grid")
	never := MustHousehold(t, e, apptest.GridA1, "101室", "elderly_alone")
	recent := MustHousehold(t, e, apptest.GridA1, "102室", "disability")
	onTheDay := MustHousehold(t, e, apptest.GridA1, "201室", "subsistence")
	MustHousehold(t, e, apptest.GridA1, "202室", "party_member")
	MustHousehold(t, e, apptest.GridA1, "301室")
	late := MustHousehold(t, e, apptest.GridA1, "302室", "veteran", "party_member")
	MustVisit(t, grid, recent, daysAgo(29))
	MustVisit(t, grid, onTheDay, daysAgo(30))
	MustVisit(t, grid, late, daysAgo(60))
	MustVisit(t, grid, late, daysAgo(45))

	t.Run("MonthlyByDefault", func(t *testing.T) {
		want := []dueRow{{never, true, 0}, {late, false, 15}, {onTheDay, false, 0}}
		if diff := cmp.Diff(want, dueRows(t, grid, "/api/v1/visits/due")); diff != "" {
			t.Errorf("due list (-want +got):\n%s", diff)
		}
	})

	sec, sub := e.Login("secretary"), e.Login("subdistrict")
	before := auditCount(t, e, "visits.intervals.set")
	if r := sec.API("PUT", "/api/v1/visits/intervals", map[string]any{"region_code": apptest.CommunityA,
		"days": map[string]any{"elderly_alone": 7, "subsistence": 0}}); r.StatusCode != http.StatusOK {
		t.Fatalf("community intervals: %d %s", r.StatusCode, r.Body)
	}
	if r := sub.API("PUT", "/api/v1/visits/intervals", map[string]any{"region_code": apptest.SubA,
		"days": map[string]any{"disability": 20, "elderly_alone": 60}}); r.StatusCode != http.StatusOK {
		t.Fatalf("subdistrict intervals: %d %s", r.StatusCode, r.Body)
	}
	if n := auditCount(t, e, "visits.intervals.set") - before; n != 2 {
		t.Errorf("%d interval changes audited, want 2", n)
	}

	t.Run("ConfiguredInterval", func(t *testing.T) {
		// disability every 20 days (the subdistrict's): 29 days is 9
		// overdue; subsistence 0 (the community's): not due at all.
		want := []dueRow{{never, true, 0}, {late, false, 15}, {recent, false, 9}}
		if diff := cmp.Diff(want, dueRows(t, grid, "/api/v1/visits/due")); diff != "" {
			t.Errorf("due list (-want +got):\n%s", diff)
		}
		want = []dueRow{{recent, false, 9}, {late, false, 15}, {never, true, 0}}
		if diff := cmp.Diff(want, dueRows(t, grid, "/api/v1/visits/due?sort=overdue_asc")); diff != "" {
			t.Errorf("due list, least overdue first (-want +got):\n%s", diff)
		}
	})

	t.Run("WhereEachIntervalComesFrom", func(t *testing.T) {
		var is []visits.Interval
		sec.Get("/api/v1/visits/intervals?region="+apptest.CommunityA).JSON(t, &is)
		got := map[string]string{}
		for _, i := range is {
			got[i.Tag] = fmt.Sprintf("%d@%s", i.Days, i.From)
		}
		want := map[string]string{"elderly_alone": "7@" + apptest.CommunityA, "subsistence": "0@" + apptest.CommunityA,
			"disability": "20@" + apptest.SubA, "veteran": "30@", "left_behind_child": "30@", "key_care": "30@", "party_member": "0@"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("intervals (-want +got):\n%s", diff)
		}
	})

	t.Run("BadSettingsChangeNothing", func(t *testing.T) {
		n := auditCount(t, e, "visits.intervals.set")
		for _, tt := range []struct {
			name   string
			c      *apptest.Client
			body   map[string]any
			status int
			field  string
		}{
			{"ErrNegative", sec, map[string]any{"region_code": apptest.CommunityA, "days": map[string]any{"elderly_alone": -1}}, 422, `"field":"days.elderly_alone"`},
			{"ErrTooLong", sec, map[string]any{"region_code": apptest.CommunityA, "days": map[string]any{"veteran": 400}}, 422, `"field":"days.veteran"`},
			{"ErrUnknownTag", sec, map[string]any{"region_code": apptest.CommunityA, "days": map[string]any{"nobody": 3}}, 422, `"field":"days.nobody"`},
			{"ErrOtherCommunity", sec, map[string]any{"region_code": apptest.CommunityB, "days": map[string]any{"veteran": 3}}, 422, `"field":"region_code"`},
			{"ErrGrid", sec, map[string]any{"region_code": apptest.GridA1, "days": map[string]any{"veteran": 3}}, 422, `"field":"region_code"`},
			{"ErrGridWorker", grid, map[string]any{"region_code": apptest.GridA1, "days": map[string]any{"veteran": 3}}, 403, ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := tt.c.API("PUT", "/api/v1/visits/intervals", tt.body)
				if r.StatusCode != tt.status || !strings.Contains(r.Body, tt.field) {
					t.Errorf("%d %s, want %d %s", r.StatusCode, r.Body, tt.status, tt.field)
				}
			})
		}
		if got := auditCount(t, e, "visits.intervals.set"); got != n {
			t.Errorf("refused settings wrote %d audit entries", got-n)
		}
		want := []dueRow{{never, true, 0}, {late, false, 15}, {recent, false, 9}}
		if diff := cmp.Diff(want, dueRows(t, grid, "/api/v1/visits/due")); diff != "" {
			t.Errorf("due list after refused settings (-want +got):\n%s", diff)
		}
	})

	t.Run("ByCommunityOnly", func(t *testing.T) {
		if r := sub.Get("/api/v1/visits/due"); r.StatusCode != 422 || !strings.Contains(r.Body, "visits_due_area") {
			t.Errorf("a subdistrict's whole due list: %d %s", r.StatusCode, r.Body)
		}
		if got := dueRows(t, sub, "/api/v1/visits/due?region="+apptest.CommunityA); len(got) != 3 {
			t.Errorf("the subdistrict reads community A's due list: %v", got)
		}
	})
}

// TestScope: a grid worker records visits only to households of their own
// grids, and every list, count and visit stays in the actor's territory;
// outside it, a visit answers like one that does not exist.
func TestScope(t *testing.T) {
	e := apptest.New(t)
	a1 := MustHousehold(t, e, apptest.GridA1, "101室", "elderly_alone")
	a2 := MustHousehold(t, e, apptest.GridA2, "101室", "elderly_alone")
	b1 := MustHousehold(t, e, apptest.GridB1, "101室", "elderly_alone")
	grid, sec, worker := e.Login("grid"), e.Login("secretary"), e.Login("worker")
	va1 := MustVisit(t, grid, a1, daysAgo(1))
	va2 := MustVisit(t, sec, a2, daysAgo(1))
	MustVisit(t, worker, b1, daysAgo(1))

	t.Run("ErrOutsideOwnGrids", func(t *testing.T) {
		rows, audits := rowCount(t, e, "visits_visits"), rowCount(t, e, "audit_log")
		for _, tt := range []struct {
			name string
			c    *apptest.Client
			hh   int64
		}{{"GridWorkerOtherGrid", grid, a2}, {"GridWorkerOtherCommunity", grid, b1}, {"GridWorkerNoSuchHousehold", grid, 999999}, {"WorkerOtherCommunity", worker, a1}} {
			t.Run(tt.name, func(t *testing.T) {
				r := tt.c.API("POST", "/api/v1/visits", map[string]any{"household_id": tt.hh, "kind": "home"})
				if r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"household_id"`) || !strings.Contains(r.Body, "visits_household") {
					t.Errorf("%d %s", r.StatusCode, r.Body)
				}
			})
		}
		if r := grid.API("POST", "/api/v1/patrols/start", map[string]any{"grid_code": apptest.GridA2}); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"grid_code"`) {
			t.Errorf("patrol of another grid: %d %s", r.StatusCode, r.Body)
		}
		if rowCount(t, e, "visits_visits") != rows || rowCount(t, e, "audit_log") != audits {
			t.Error("refused visits wrote rows")
		}
	})

	t.Run("Lists", func(t *testing.T) {
		for _, tt := range []struct {
			actor string
			path  string
			want  []int64
		}{
			{"grid", "/api/v1/visits", []int64{va1.ID}},
			{"grid", "/api/v1/visits?region=" + apptest.CommunityA, []int64{va1.ID}},
			{"secretary", "/api/v1/visits", []int64{va2.ID, va1.ID}},
			{"secretary", "/api/v1/visits?grid=" + apptest.GridA2, []int64{va2.ID}},
			{"subdistrict", "/api/v1/visits", []int64{va2.ID, va1.ID}},
			{"district", "/api/v1/visits?household=" + itoa(a1), []int64{va1.ID}},
		} {
			t.Run(tt.actor, func(t *testing.T) {
				l := MustList[visits.Visit](t, e.Login(tt.actor), tt.path)
				var got []int64
				for _, v := range l.Items {
					got = append(got, v.ID)
					if v.Note != "" || v.MetWith != "" {
						t.Errorf("a list shows a visit's note: %+v", v)
					}
				}
				if diff := cmp.Diff(tt.want, got); diff != "" || l.Total != len(tt.want) {
					t.Errorf("%s: total %d (-want +got):\n%s", tt.path, l.Total, diff)
				}
			})
		}
		if got := dueRows(t, grid, "/api/v1/visits/due"); len(got) != 0 {
			t.Errorf("grid worker's due list: %v", got)
		}
		c := MustList[visits.Visit](t, e.Login("city"), "/api/v1/visits")
		if c.Total != 3 {
			t.Errorf("the city sees %d visits, want 3", c.Total)
		}
	})

	t.Run("ErrOutOfScopeLikeMissing", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			c    *apptest.Client
			path string
		}{
			{"GridWorkerOtherGridVisit", grid, "/api/v1/visits/" + itoa(va2.ID)},
			{"WorkerOtherCommunityVisit", worker, "/api/v1/visits/" + itoa(va1.ID)},
			{"WorkerOtherCommunityPage", worker, "/visits/" + itoa(va1.ID)},
			{"GridWorkerOtherCommunityList", grid, "/api/v1/visits?region=" + apptest.CommunityB},
			{"SecretaryOtherGridList", sec, "/api/v1/visits?grid=" + apptest.GridB1},
			{"WorkerOtherCommunityDue", worker, "/api/v1/visits/due?region=" + apptest.CommunityA},
			{"WorkerOtherCommunityForm", worker, "/visits/new?household=" + itoa(a1)},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if r := tt.c.Get(tt.path); r.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %d %s", tt.path, r.StatusCode, r.Body)
				}
			})
		}
		missing := grid.Get("/api/v1/visits/999999")
		foreign := grid.Get("/api/v1/visits/" + itoa(va2.ID))
		detail := regexp.MustCompile(`"detail":"[^"]*","code":"[a-z_]*"`)
		if missing.StatusCode != foreign.StatusCode || detail.FindString(missing.Body) != detail.FindString(foreign.Body) {
			t.Errorf("a visit outside the scope answers unlike a missing one: %s / %s", foreign.Body, missing.Body)
		}
	})
}

// TestVisitOpensCase: "发现问题，上报" on the visit form saves the visit
// and opens a case at the household's building, linked to the visit, in
// one step; when the case cannot be opened, neither is written.
func TestVisitOpensCase(t *testing.T) {
	e := apptest.New(t)
	hh := MustHousehold(t, e, apptest.GridA1, "101室", "elderly_alone")
	grid := e.Login("grid")
	if r := grid.Get("/visits/new?household=" + itoa(hh)); r.StatusCode != 200 || !strings.Contains(r.Body, `id="visit-report"`) ||
		!strings.Contains(r.Body, `value="0303"`) || !strings.Contains(r.Body, "甲一网格1路1号1栋101室") {
		t.Fatalf("visit form: %d %s", r.StatusCode, r.Body)
	}
	cases := rowCount(t, e, "cases")
	r := grid.Form("/visits", form("household_id", itoa(hh), "kind", "home", "note", "楼道灯不亮", "report", "1"))
	if r.StatusCode != 422 || !strings.Contains(r.Body, "field-errors") || rowCount(t, e, "visits_visits") != 0 {
		t.Fatalf("report without a category: %d", r.StatusCode)
	}
	// A category the catalogue lacks fails in the case module, after the
	// visit was inserted: the visit is rolled back with it.
	if r := grid.API("POST", "/api/v1/visits", map[string]any{"household_id": hh, "kind": "home", "note": "x",
		"issue": map[string]any{"category": "9999", "description": "楼道灯不亮"}}); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"category"`) {
		t.Fatalf("unknown category: %d %s", r.StatusCode, r.Body)
	}
	if rowCount(t, e, "visits_visits") != 0 || rowCount(t, e, "cases") != cases {
		t.Fatal("a failed report left a visit or a case behind")
	}
	r = grid.Form("/visits", form("household_id", itoa(hh), "kind", "care", "note", "老人说楼道灯坏了", "report", "1",
		"category", "0303", "description", "楼道灯坏了，晚上看不清"))
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/visits/") {
		t.Fatalf("visit with a problem: %d %s", r.StatusCode, r.Body)
	}
	loc := r.Header.Get("Location")
	var v visits.Visit
	grid.Get("/api/v1"+loc).JSON(t, &v)
	if v.CaseID == 0 || v.CaseNumber == "" {
		t.Fatalf("the visit has no case: %+v", v)
	}
	if p := grid.Get(loc); !strings.Contains(p.Body, `href="/cases/`+itoa(v.CaseID)+`"`) || !strings.Contains(p.Body, v.CaseNumber) {
		t.Errorf("the visit page does not link its case: %s", p.Body)
	}
	var c struct {
		Case struct {
			RegionCode  string `json:"region_code"`
			Description string `json:"description"`
			Number      string `json:"number"`
		} `json:"case"`
	}
	cr := e.Login("secretary").Get("/api/v1/cases/" + itoa(v.CaseID))
	cr.JSON(t, &c)
	if cr.StatusCode != 200 || c.Case.RegionCode != apptest.GridA1 || c.Case.Description != "楼道灯坏了，晚上看不清" || c.Case.Number != v.CaseNumber {
		t.Errorf("the case is not at the household's building: %d %s", cr.StatusCode, cr.Body)
	}
	if got := dueRows(t, grid, "/api/v1/visits/due"); len(got) != 0 {
		t.Errorf("the household visited today is still due: %v", got)
	}
}

// TestCountsEqualListTotals: every count for the workbench is the total
// of the list its URL opens, for a grid worker and for a community narrowed
// to one grid; and a division's figures equal its row in its parent's.
func TestCountsEqualListTotals(t *testing.T) {
	e := apptest.New(t)
	MustHousehold(t, e, apptest.GridA1, "101室", "elderly_alone")
	seen := MustHousehold(t, e, apptest.GridA1, "102室", "disability")
	a2 := MustHousehold(t, e, apptest.GridA2, "101室", "key_care")
	MustHousehold(t, e, apptest.GridA2, "102室", "veteran")
	grid, sec := e.Login("grid"), e.Login("secretary")
	MustVisit(t, grid, seen, daysAgo(1))
	MustVisit(t, grid, seen, daysAgo(3))
	MustVisit(t, grid, seen, daysAgo(40)) // October
	MustVisit(t, sec, a2, daysAgo(2))
	for _, p := range []map[string]any{
		{"grid_code": apptest.GridA1, "patrolled_on": daysAgo(2), "duration_minutes": 60},
		{"grid_code": apptest.GridA1, "patrolled_on": daysAgo(35), "duration_minutes": 30},
	} {
		if r := grid.API("POST", "/api/v1/patrols", p); r.StatusCode != 201 {
			t.Fatalf("patrol: %d %s", r.StatusCode, r.Body)
		}
	}
	if r := grid.API("POST", "/api/v1/patrols/start", map[string]any{"grid_code": apptest.GridA1}); r.StatusCode != 201 {
		t.Fatalf("start: %d %s", r.StatusCode, r.Body)
	}

	for _, tt := range []struct {
		name                     string
		c                        *apptest.Client
		query                    string
		due, month, patrols, own int
	}{
		{"GridWorker", grid, "", 1, 2, 2, 1},
		{"CommunityOneGrid", sec, "?grid=" + apptest.GridA1, 1, 2, 2, 1},
		{"Community", sec, "", 2, 3, 2, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var c visits.Counts
			if r := tt.c.Get("/api/v1/visits/counts" + tt.query); r.StatusCode != 200 {
				t.Fatalf("counts: %d %s", r.StatusCode, r.Body)
			} else {
				r.JSON(t, &c)
			}
			got := [4]int{c.DueHouseholds, c.VisitsThisMonth, c.PatrolsThisMonth, c.OpenPatrols}
			if want := [4]int{tt.due, tt.month, tt.patrols, tt.own}; got != want || !c.DueCounted || c.Month != "2026-11" {
				t.Errorf("counts %v, want %v: %+v", got, want, c)
			}
			// The API lists with the same narrowing.
			q := strings.TrimPrefix(tt.query, "?")
			and := func(s string) string {
				if q == "" {
					return "?" + s
				}
				return "?" + q + "&" + s
			}
			if l := MustList[visits.DueHousehold](t, tt.c, "/api/v1/visits/due"+tt.query); l.Total != c.DueHouseholds {
				t.Errorf("due list total %d, count %d", l.Total, c.DueHouseholds)
			}
			if l := MustList[visits.Visit](t, tt.c, "/api/v1/visits"+and("month=2026-11")); l.Total != c.VisitsThisMonth {
				t.Errorf("visits total %d, count %d", l.Total, c.VisitsThisMonth)
			}
			if l := MustList[visits.Patrol](t, tt.c, "/api/v1/patrols"+and("month=2026-11")); l.Total != c.PatrolsThisMonth {
				t.Errorf("patrols total %d, count %d", l.Total, c.PatrolsThisMonth)
			}
			if l := MustList[visits.Patrol](t, tt.c, "/api/v1/patrols"+and("open=true")); l.Total != c.OpenPatrols {
				t.Errorf("open patrols total %d, count %d", l.Total, c.OpenPatrols)
			}
			// The pages the counts link to say the same totals.
			for _, p := range []struct {
				url, id, text string
			}{
				{c.DueURL, "due-count", fmt.Sprintf("共 %d 户", c.DueHouseholds)},
				{c.VisitsURL, "visits-count", fmt.Sprintf("共 %d 次", c.VisitsThisMonth)},
				{c.PatrolsURL, "patrols-count", fmt.Sprintf("共 %d 次", c.PatrolsThisMonth)},
				{c.OpenPatrolsURL, "patrols-count", fmt.Sprintf("共 %d 次", c.OpenPatrols)},
			} {
				r := tt.c.Get(p.url)
				if r.StatusCode != 200 || !strings.Contains(r.Body, `id="`+p.id+`">`+p.text+`<`) {
					t.Errorf("%s does not show %s: %d", p.url, p.text, r.StatusCode)
				}
			}
			if (c.OpenPatrol != nil) != (tt.c == grid) {
				t.Errorf("own patrol under way: %+v", c.OpenPatrol)
			}
		})
	}

	t.Run("FiguresByChild", func(t *testing.T) {
		var subRep, comRep visits.FiguresReport
		e.Login("subdistrict").Get("/api/v1/visits/figures?region="+apptest.SubA+"&month=2026-11").JSON(t, &subRep)
		sec.Get("/api/v1/visits/figures?region="+apptest.CommunityA+"&month=2026-11").JSON(t, &comRep)
		var row visits.Figures
		for _, r := range subRep.Children {
			if r.Code == apptest.CommunityA {
				row = r.Figures
			}
		}
		want := visits.Figures{Visits: 3, Households: 2, Patrols: 2, PatrolMinutes: 60}
		if diff := cmp.Diff(want, row); diff != "" {
			t.Errorf("community A's row in the subdistrict (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(row, comRep.Total); diff != "" {
			t.Errorf("community A's own figures differ from its row (-row +own):\n%s", diff)
		}
		var sum visits.Figures
		for _, r := range comRep.Children {
			sum.Visits += r.Visits
			sum.Households += r.Households
			sum.Patrols += r.Patrols
			sum.PatrolMinutes += r.PatrolMinutes
		}
		if diff := cmp.Diff(comRep.Total, sum); diff != "" {
			t.Errorf("grid rows do not add up to the community (-total +sum):\n%s", diff)
		}
		var c visits.Counts
		e.Login("subdistrict").Get("/api/v1/visits/counts").JSON(t, &c)
		if c.DueCounted || c.VisitsThisMonth != subRep.Total.Visits {
			t.Errorf("subdistrict counts %+v, figures %+v", c, subRep.Total)
		}
	})
}

// TestPagination: every list pages through its items with a total that
// stays the same on every page, no item twice.
func TestPagination(t *testing.T) {
	e := apptest.New(t)
	grid := e.Login("grid")
	hh := MustHousehold(t, e, apptest.GridA1, "101室", "elderly_alone")
	for i := 1; i <= 7; i++ {
		MustVisit(t, grid, hh, daysAgo(i))
	}
	for i := 0; i < 5; i++ {
		MustHousehold(t, e, apptest.GridA1, fmt.Sprintf("%d02室", i+1), "disability")
	}
	for i := 1; i <= 4; i++ {
		if r := grid.API("POST", "/api/v1/patrols", map[string]any{"grid_code": apptest.GridA1, "patrolled_on": daysAgo(i), "duration_minutes": 30}); r.StatusCode != 201 {
			t.Fatalf("patrol: %d %s", r.StatusCode, r.Body)
		}
	}
	walk := func(t *testing.T, path string, total, pages int, get func(string) (int, []string, string)) []string {
		t.Helper()
		var all []string
		cursor, n := "", 0
		for {
			p := path
			if cursor != "" {
				p += "&cursor=" + cursor
			}
			tot, items, next := get(p)
			n++
			if tot != total {
				t.Errorf("%s: total %d, want %d", p, tot, total)
			}
			all = append(all, items...)
			if next == "" || n > 10 {
				break
			}
			cursor = next
		}
		if n != pages || len(all) != total {
			t.Errorf("%s: %d pages, %d items; want %d pages, %d items", path, n, len(all), pages, total)
		}
		seen := map[string]bool{}
		for _, x := range all {
			if seen[x] {
				t.Errorf("%s: %s on two pages", path, x)
			}
			seen[x] = true
		}
		return all
	}
	dates := walk(t, "/api/v1/visits?limit=3", 7, 3, func(p string) (int, []string, string) {
		l := MustList[visits.Visit](t, grid, p)
		var out []string
		for _, v := range l.Items {
			out = append(out, v.VisitedOn)
		}
		return l.Total, out, l.NextCursor
	})
	if len(dates) == 7 && (dates[0] != daysAgo(1) || dates[6] != daysAgo(7)) {
		t.Errorf("visits are not newest first: %v", dates)
	}
	walk(t, "/api/v1/visits/due?limit=2", 5, 3, func(p string) (int, []string, string) {
		l := MustList[visits.DueHousehold](t, grid, p)
		var out []string
		for _, d := range l.Items {
			out = append(out, itoa(d.HouseholdID))
		}
		return l.Total, out, l.NextCursor
	})
	walk(t, "/api/v1/patrols?limit=3", 4, 2, func(p string) (int, []string, string) {
		l := MustList[visits.Patrol](t, grid, p)
		var out []string
		for _, x := range l.Items {
			out = append(out, itoa(x.ID))
		}
		return l.Total, out, l.NextCursor
	})
	if r := grid.Get("/api/v1/visits?limit=0"); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"limit"`) {
		t.Errorf("bad limit: %d %s", r.StatusCode, r.Body)
	}
	// The pages: a next link while more follow, the total on each.
	p := grid.Get("/visits?visits=1&limit=3")
	if !strings.Contains(p.Body, `id="visits-count">共 7 次<`) || !strings.Contains(p.Body, `id="visits-next"`) {
		t.Fatalf("visits page: %s", p.Body)
	}
	d := grid.Get("/visits?due=1&limit=2")
	if !strings.Contains(d.Body, `id="due-count">共 5 户<`) || !strings.Contains(d.Body, `id="due-next"`) {
		t.Fatalf("due page: %s", d.Body)
	}
	m := regexp.MustCompile(`href="([^"]*)" id="due-next"`).FindStringSubmatch(d.Body)
	if m == nil {
		t.Fatal("no link to the next due page")
	}
	href := strings.ReplaceAll(m[1], "&amp;", "&")
	if p2 := grid.Get(href); p2.StatusCode != 200 || !strings.Contains(p2.Body, `id="due-count">共 5 户<`) {
		t.Errorf("second due page %s: %d", href, p2.StatusCode)
	}
	if p := grid.Get("/patrols?limit=3"); !strings.Contains(p.Body, `id="patrols-count">共 4 次<`) || !strings.Contains(p.Body, `id="patrols-next"`) {
		t.Errorf("patrols page: %s", p.Body)
	}
}
