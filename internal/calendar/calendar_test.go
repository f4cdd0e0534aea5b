package calendar_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"grassroots/internal/account"
	"grassroots/internal/app"
	"grassroots/internal/apptest"
	"grassroots/internal/calendar"
)

func auditCount(t *testing.T, e *apptest.Env) int {
	t.Helper()
	var n int
	if err := e.App.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCalendar loads a year's holiday arrangement through the API and the
// page, checks that deadlines follow it at once and after a restart, and
// that a bad file or a non-admin changes nothing.
func TestCalendar(t *testing.T) {
	e := apptest.New(t)
	admin := e.Login("city")
	var years []calendar.Year
	admin.Get("/api/v1/calendar").JSON(t, &years)
	if len(years) < 2 || years[len(years)-1].Year != 2026 || years[len(years)-1].Source != "embedded" {
		t.Fatalf("shipped years: %+v", years)
	}
	cal := e.App.Calendar.Calendar()
	newYear := time.Date(2031, 1, 1, 10, 0, 0, 0, cal.Location())
	if !cal.IsWorkday(newYear) {
		t.Fatal("1 January 2031 is a holiday before any arrangement is loaded")
	}

	sub := e.Login("subdistrict")
	before := auditCount(t, e)
	bad := admin.API("PUT", "/api/v1/calendar/2031", map[string]any{"csv": "from,to,kind,name\n2031-01-01,,off,元旦\n2030-12-31,,off,x\n2031-02-30,,off,春节\n"})
	if bad.StatusCode != 422 || !strings.Contains(bad.Body, "line 4: column from") {
		t.Errorf("bad file: %d %s", bad.StatusCode, bad.Body)
	}
	wrongYear := admin.API("PUT", "/api/v1/calendar/2031", map[string]any{"csv": "from,to,kind,name\n2030-12-31,,off,x\n"})
	if wrongYear.StatusCode != 422 || !strings.Contains(wrongYear.Body, "2030-12-31") {
		t.Errorf("date outside the year: %d %s", wrongYear.StatusCode, wrongYear.Body)
	}
	if w := sub.API("PUT", "/api/v1/calendar/2031", map[string]any{"csv": "from,to,kind,name\n2031-01-01,,off,元旦\n"}); w.StatusCode != 403 {
		t.Errorf("subdistrict staff loading a calendar: %d", w.StatusCode)
	}
	if auditCount(t, e) != before || !e.App.Calendar.Calendar().IsWorkday(newYear) {
		t.Fatal("a refused load changed the calendar or the audit log")
	}

	ok := admin.API("PUT", "/api/v1/calendar/2031", map[string]any{"csv": "from,to,kind,name\n2031-01-01,,off,元旦\n2031-01-04,,work,元旦\n"})
	var y calendar.Year
	ok.JSON(t, &y)
	if ok.StatusCode != 200 || y.Source != "loaded" || len(y.Days) != 2 {
		t.Fatalf("load 2031: %d %s", ok.StatusCode, ok.Body)
	}
	if e.App.Calendar.Calendar().IsWorkday(newYear) || auditCount(t, e) != before+1 {
		t.Error("2031 loaded but 1 January still a working day, or the load was not audited")
	}

	// The page: an upload replaces 2026 (here with one extra day off), and
	// a broken file is refused with the line named.
	page := admin.Get("/calendar")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "2026-10-10") || !strings.Contains(page.Body, "调休上班") {
		t.Errorf("calendar page: %d", page.StatusCode)
	}
	r := admin.Upload("/calendar", "2026.csv", []byte("from,to,kind,name\n2026-12-31,,off,测试\n"), map[string]string{"year": "2026"})
	if r.StatusCode != 303 || e.App.Calendar.Calendar().IsWorkday(time.Date(2026, 12, 31, 10, 0, 0, 0, cal.Location())) {
		t.Errorf("page upload: %d", r.StatusCode)
	}
	r = admin.Upload("/calendar", "2027.csv", []byte("from,to,kind,name\n2027-01-01,,holiday,元旦\n"), map[string]string{"year": "2027"})
	if r.StatusCode != 422 || !strings.Contains(r.Body, "column kind") {
		t.Errorf("bad page upload: %d", r.StatusCode)
	}
	if e.Login("worker").Get("/calendar").StatusCode != 200 {
		t.Error("a community worker cannot see the calendar")
	}

	// A restart reads the loaded years back.
	again, err := app.New(context.Background(), e.App.DB, app.Options{Config: app.Config{SessionIdle: time.Minute, SessionMax: time.Hour}, Log: e.App.Log,
		Argon2: account.Argon2Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	c2 := again.Calendar.Calendar()
	if !c2.Covers(2031) || c2.IsWorkday(newYear) || !c2.IsWorkday(time.Date(2031, 1, 4, 10, 0, 0, 0, cal.Location())) {
		t.Error("after a restart the loaded 2031 arrangement is lost")
	}
	if !c2.IsWorkday(time.Date(2026, 10, 1, 10, 0, 0, 0, cal.Location())) {
		t.Error("after a restart the replaced 2026 arrangement is back to the shipped one")
	}
}
