package city_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"grassroots/internal/account"
	"grassroots/internal/app"
	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/city"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/dbtest"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

func auditRows(t *testing.T, e *apptest.Env) []struct{ before, after string } {
	t.Helper()
	rows, err := e.App.DB.QueryContext(context.Background(), `SELECT COALESCE(before_json, ''), COALESCE(after_json, '') FROM audit_log WHERE action = 'city.profile.set' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []struct{ before, after string }
	for rows.Next() {
		var x struct{ before, after string }
		if err := rows.Scan(&x.before, &x.after); err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

// TestProfileSetAndRead: the city administrator reads the fixture's
// profile, changes it over the API and on the page, and each change is in
// force at once and in the audit log with what it replaced.
func TestProfileSetAndRead(t *testing.T) {
	e := apptest.New(t)
	admin := e.Login("city")
	var v city.View
	admin.Get("/api/v1/city").JSON(t, &v)
	if !v.Set || v.Profile.Code != apptest.City || v.Profile.Name != "测试市" || v.Profile.Jurisdiction != apptest.Jurisdiction {
		t.Fatalf("fixture profile: %+v", v)
	}
	// Its maps open on the fixture's grids (no frame set by hand).
	if v.Map.Source != "outlines" || v.Map.Bounds == nil || v.Map.Bounds[0] != 114.100 || v.Map.Bounds[3] != 22.652 {
		t.Errorf("map frame from the grids: %+v", v.Map)
	}
	before := len(auditRows(t, e))

	r := admin.API("PUT", "/api/v1/city", city.Input{Code: apptest.City, Name: "测试城市", PublicURL: "https://Grassroots.Test.Example.gov.cn/",
		Jurisdiction: "Test.Example.gov.cn", Centre: "114.15,22.6", Hours: "08:30-12:00,14:30-17:30",
		SummerHours: "08:00-12:00,15:00-18:00", Summer: "06-01:08-31", Version: v.Profile.Version})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %d %s", r.StatusCode, r.Body)
	}
	r.JSON(t, &v)
	p := v.Profile
	if p.Name != "测试城市" || p.PublicURL != "https://grassroots.test.example.gov.cn" || p.Jurisdiction != "test.example.gov.cn" ||
		p.Hours != "08:30-12:00,14:30-17:30" || p.Summer != "06-01:08-31" || p.Version != 2 || p.UpdatedBy != "city" {
		t.Errorf("profile after PUT: %+v", p)
	}
	if v.PublicURL != p.PublicURL || v.PublicURLSource != "profile" || v.Map.Source != "profile" || v.Map.Centre[0] != 114.15 {
		t.Errorf("in force after PUT: %+v", v)
	}
	if e.App.City.Jurisdiction() != "test.example.gov.cn" || !e.App.City.Changed().Equal(*p.UpdatedAt) {
		t.Errorf("what cases see: %q %v", e.App.City.Jurisdiction(), e.App.City.Changed())
	}
	rows := auditRows(t, e)
	if len(rows) != before+1 || !strings.Contains(rows[len(rows)-1].before, apptest.Jurisdiction) || !strings.Contains(rows[len(rows)-1].after, "test.example.gov.cn") {
		t.Fatalf("audit of the change: %+v", rows)
	}
	// A change made on a version since replaced is refused, not lost.
	if r := admin.API("PUT", "/api/v1/city", city.Input{Code: apptest.City, Name: "旧版本", Version: 1}); r.StatusCode != http.StatusConflict {
		t.Errorf("stale version: %d %s", r.StatusCode, r.Body)
	}

	// The page shows the profile and saves the form.
	page := admin.Get("/city")
	if page.StatusCode != 200 || !strings.Contains(page.Body, `id="city-form"`) || !strings.Contains(page.Body, "测试城市") ||
		!strings.Contains(page.Body, `value="08:30-12:00,14:30-17:30"`) || strings.Contains(page.Body, `id="city-unset"`) {
		t.Fatalf("profile page: %d %s", page.StatusCode, page.Body)
	}
	form := url.Values{"code": {apptest.City}, "name": {"测试市"}, "public_url": {""}, "jurisdiction": {"test.example.gov.cn"},
		"centre": {""}, "bounds": {""}, "hours": {"09:00-12:00,13:30-17:30"}, "version": {"2"}}
	if r := admin.Form("/city", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("page save: %d %s", r.StatusCode, r.Body)
	}
	p, _ = e.App.City.Current()
	if p.Name != "测试市" || p.PublicURL != "" || p.Centre != "" || p.SummerHours != "" || p.Version != 3 {
		t.Errorf("after the page save: %+v", p)
	}
	if v := e.App.City.View(); v.Map.Source != "outlines" || v.PublicURLSource != "none" {
		t.Errorf("cleared frame and URL: %+v", v)
	}
	if n := len(auditRows(t, e)); n != before+2 {
		t.Errorf("audit rows %d, want %d", n, before+2)
	}
	// Staff read the profile; the city's name shows, no code needed.
	if r := e.Login("worker").Get("/api/v1/city"); r.StatusCode != 200 || !strings.Contains(r.Body, "测试市") {
		t.Errorf("a community worker reading the profile: %d", r.StatusCode)
	}
}

// TestProfileValidationNamesTheField: every bad field is named with its
// rule, in English and Chinese, and nothing is stored or audited.
func TestProfileValidationNamesTheField(t *testing.T) {
	e := apptest.New(t)
	admin := e.Login("city")
	before := len(auditRows(t, e))
	bad := city.Input{Code: apptest.DistrictA, PublicURL: "https://grassroots.example.gov.cn/cases?x=1", Jurisdiction: "not a host",
		Centre: "114.1", Bounds: "115,22,114,23", Hours: "12:00-09:00", SummerHours: "08:30-12:00"}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"Code: must be an imported city-level division", "Public address: must be an absolute http", "Open311 jurisdiction: must be a host name",
			"Map centre: must be two numbers", "Map bounds: must be four numbers", "Office hours: must be periods HH:MM-HH:MM",
			"Summer season: the summer hours and the summer season go together"}},
		{"zh-CN", []string{"代码：须为您辖区内已导入的地级行政区划", "公开地址：须为以 http:// 或 https:// 开头", "Open311 辖区标识：须为域名形式",
			"地图中心：须为两个数", "地图范围：须为四个数", "作息时间：须为以逗号分隔的 HH:MM-HH:MM 时段", "夏季作息期间：夏季作息时间与夏季作息期间须同时填写"}},
	} {
		b, _ := json.Marshal(bad)
		req := admin.Do("PUT", "/api/v1/city", strings.NewReader(string(b)), http.Header{"Content-Type": {"application/json"},
			"X-Csrf-Token": {admin.CSRF()}, "Accept-Language": {tc.lang}})
		if req.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d %s", tc.lang, req.StatusCode, req.Body)
		}
		var pr web.Problem
		req.JSON(t, &pr)
		got := map[string]bool{}
		for _, f := range pr.Errors {
			got[f.Field] = true
		}
		for _, f := range []string{"code", "public_url", "jurisdiction", "centre", "bounds", "hours", "summer"} {
			if !got[f] {
				t.Errorf("%s: field %s not named: %+v", tc.lang, f, pr.Errors)
			}
		}
		msgs := ""
		for _, f := range pr.Errors {
			msgs += strings.Replace(f.Message, ": ", "：", 1) + "\n"
		}
		for _, w := range tc.want {
			if !strings.Contains(strings.Replace(msgs, "：", ": ", -1), strings.Replace(w, "：", ": ", -1)) {
				t.Errorf("%s: no %q in\n%s", tc.lang, w, msgs)
			}
		}
	}
	// The page re-renders the form with the messages, keeping the input.
	r := admin.Form("/city", url.Values{"code": {apptest.City}, "hours": {"9点到5点"}, "summer": {"05-01:09-30"}, "summer_hours": {"08:30-12:00"},
		"jurisdiction": {"ok.example.gov.cn"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "作息时间: 须为") || !strings.Contains(r.Body, `value="9点到5点"`) {
		t.Errorf("page with bad hours: %d %s", r.StatusCode, r.Body)
	}
	if p, _ := e.App.City.Current(); p.Jurisdiction != apptest.Jurisdiction || len(auditRows(t, e)) != before {
		t.Errorf("a refused change was stored or audited: %+v", p)
	}
}

// TestOnlyTheCityAdminChangesTheProfile: other staff may read but not
// change it, and a city administrator of another city may change neither
// this city's profile nor point it at their own.
func TestOnlyTheCityAdminChangesTheProfile(t *testing.T) {
	e := apptest.New(t)
	in := city.Input{Code: apptest.City, Name: "改名"}
	for _, name := range []string{"district", "subdistrict", "secretary", "dept", "hotline"} {
		var c *apptest.Client
		if name == "hotline" {
			c = e.WithToken(e.Token)
		} else {
			c = e.Login(name)
		}
		if r := c.API("PUT", "/api/v1/city", in); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s changing the profile: %d", name, r.StatusCode)
		}
		if name == "district" {
			if r := c.Get("/city"); r.StatusCode != http.StatusForbidden {
				t.Errorf("district staff opening the profile page: %d", r.StatusCode)
			}
			if _, err := e.App.City.Set(e.As(name), in); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("district staff through the service: %v", err)
			}
		}
	}
	if r := e.Anon().Get("/api/v1/city"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous profile read: %d", r.StatusCode)
	}
	// Another city in the same database, with its own administrator.
	rep, err := e.App.Territory.ImportCSV(e.System(), strings.NewReader("code,name,level,parent_code,kind\n4404,另一市,city,44,\n"), territoryOpts)
	if err != nil || !rep.Committed {
		t.Fatalf("second city: %+v %v", rep, err)
	}
	if _, err := e.App.Accounts.CreateUser(e.System(), account.UserInput{Username: "other-city", DisplayName: "另一市管理员", Role: authz.RoleCityAdmin,
		RegionCode: "4404", Password: apptest.Password}); err != nil {
		t.Fatal(err)
	}
	other := e.Login("other-city")
	if r := other.API("PUT", "/api/v1/city", city.Input{Code: "4404"}); r.StatusCode != http.StatusForbidden {
		t.Errorf("another city's administrator replacing this city's profile: %d %s", r.StatusCode, r.Body)
	}
	if r := e.Login("city").API("PUT", "/api/v1/city", city.Input{Code: "4404"}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"code"`) {
		t.Errorf("this city's administrator naming a city outside their territory: %d %s", r.StatusCode, r.Body)
	}
	if p, _ := e.App.City.Current(); p.Code != apptest.City || p.Name != "测试市" {
		t.Errorf("the profile changed: %+v", p)
	}
}

// TestOfficeHoursCountInTimeLimits: a step limited in working hours counts
// within the city's office hours. Registered at 11:30 with two working
// hours to dispatch: half an hour before lunch and an hour and a half
// after it, so 14:30 with the default 09:00–12:00 and 13:00–17:00, and
// 16:00 with 08:30–12:00 and 14:30–17:30.
func TestOfficeHoursCountInTimeLimits(t *testing.T) {
	for _, tc := range []struct {
		hours string
		want  string // CST
	}{
		{"", "2026-11-26 14:30"},
		{"08:30-12:00,14:30-17:30", "2026-11-26 16:00"},
	} {
		e := apptest.New(t)
		if tc.hours != "" {
			if _, err := e.App.City.Set(e.System(), city.Input{Code: apptest.City, Hours: tc.hours}); err != nil {
				t.Fatal(err)
			}
		}
		p := e.Points[apptest.GridA1]
		r := e.Login("grid").API("POST", "/api/v1/cases", map[string]any{"category": "0101", "description": "垃圾桶满溢无人清运", "lon": p[0], "lat": p[1]})
		var in cases.Intake
		r.JSON(t, &in)
		e.Clock.Add(90 * time.Minute) // Thursday 11:30 CST
		sec := e.Login("secretary")
		m := sec.API("POST", "/api/v1/cases/"+itoa(in.Case.ID)+"/moves", cases.Move{Action: "register", Version: in.Case.Version})
		var c cases.Case
		m.JSON(t, &c)
		want, _ := time.ParseInLocation("2006-01-02 15:04", tc.want, time.FixedZone("CST", 8*3600))
		if m.StatusCode != 200 || c.StepDueAt == nil || !c.StepDueAt.Equal(want) {
			t.Errorf("hours %q: dispatch due %v (%d %s), want %s", tc.hours, c.StepDueAt, m.StatusCode, m.Body, tc.want)
		}
	}
}

// TestMapsOpenOnTheCitysFrame: every map page carries the profile's frame
// for map.js; a frame set by hand replaces the one of the grids.
func TestMapsOpenOnTheCitysFrame(t *testing.T) {
	e := apptest.New(t)
	admin := e.Login("city")
	view := func() web.MapView {
		t.Helper()
		page := admin.Get("/grids/" + apptest.GridA1)
		i := strings.Index(page.Body, `<script type="application/json" id="map-view">`)
		if page.StatusCode != 200 || i < 0 {
			t.Fatalf("grid page without the map frame: %d", page.StatusCode)
		}
		body := page.Body[i+len(`<script type="application/json" id="map-view">`):]
		var v web.MapView
		if err := json.Unmarshal([]byte(body[:strings.Index(body, "</script>")]), &v); err != nil {
			t.Fatalf("map frame %q: %v", body[:strings.Index(body, "</script>")], err)
		}
		return v
	}
	if v := view(); v.Bounds == nil || v.Bounds[0] != 114.100 || v.Centre == nil || v.Centre[0] != 114.151 {
		t.Errorf("frame of the grids: %v %v", v.Bounds, v.Centre)
	}
	if _, err := e.App.City.Set(e.System(), city.Input{Code: apptest.City, Bounds: "113.7,22.4,114.7,22.9"}); err != nil {
		t.Fatal(err)
	}
	if v := view(); v.Bounds == nil || v.Bounds[0] != 113.7 || v.Centre == nil || v.Centre[0] != 114.2 {
		t.Errorf("frame set by hand: %v %v", v.Bounds, v.Centre)
	}
}

var territoryOpts = territory.ImportOptions{}

// TestFreshDatabaseServes: without a profile the site serves with the
// defaults: no jurisdiction is checked, maps fit the imported grids, the
// national office hours count, and the page says so.
func TestFreshDatabaseServes(t *testing.T) {
	e := apptest.New(t)
	if _, err := e.App.DB.ExecContext(context.Background(), `DELETE FROM city_profile`); err != nil {
		t.Fatal(err)
	}
	if err := e.App.City.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	v := e.App.City.View()
	if v.Set || v.Profile.Hours != city.DefaultHours || e.App.City.Jurisdiction() != "" || v.Map.Source != "outlines" {
		t.Errorf("defaults: %+v", v)
	}
	if r := e.Anon().Get("/open311/v2/services.json?jurisdiction_id=any.example.gov.cn"); r.StatusCode != 200 {
		t.Errorf("Open311 without a profile refused a jurisdiction: %d", r.StatusCode)
	}
	if r := e.Login("city").Get("/city"); r.StatusCode != 200 || !strings.Contains(r.Body, `id="city-unset"`) {
		t.Errorf("page without a profile: %d", r.StatusCode)
	}
}

// TestProfileFollowsAcrossInstances: two instances on one database; a
// change on either shows on the other after its poll of the change feed.
func TestProfileFollowsAcrossInstances(t *testing.T) {
	ctx := context.Background()
	dbURL := dbtest.URL(t)
	keys, _ := pii.ParseKeyring(pii.NewKeySpec("k1"))
	open := func() *app.App {
		t.Helper()
		d, err := db.Open(ctx, dbURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		a, err := app.New(ctx, d, app.Options{Config: app.Config{SessionIdle: time.Hour, SessionMax: time.Hour}, Keys: keys, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Argon2: account.Argon2Params{Memory: 64, Time: 1, Threads: 1}})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	one, two := open(), open()
	sys := authz.WithActor(ctx, authz.System("test"))
	if rep, err := one.Territory.ImportCSV(sys, strings.NewReader(apptest.Divisions), territoryOpts); err != nil || !rep.Committed {
		t.Fatalf("divisions: %+v %v", rep, err)
	}
	if _, err := one.City.Set(sys, city.Input{Code: apptest.City, Jurisdiction: "one.example.gov.cn"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := two.City.Current(); ok {
		t.Fatal("the other instance saw the profile before its poll")
	}
	if err := two.Feed.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if p, ok := two.City.Current(); !ok || p.Jurisdiction != "one.example.gov.cn" || two.City.Jurisdiction() != "one.example.gov.cn" {
		t.Fatalf("after the poll the other instance has %+v", p)
	}
	if _, err := two.City.Set(sys, city.Input{Code: apptest.City, Jurisdiction: "two.example.gov.cn", Hours: "08:30-12:00,14:30-17:30"}); err != nil {
		t.Fatal(err)
	}
	if err := one.Feed.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if one.City.Jurisdiction() != "two.example.gov.cn" || one.City.Hours().Periods[0].From != 8*60+30 {
		t.Errorf("the first instance did not follow: %q %+v", one.City.Jurisdiction(), one.City.Hours())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
