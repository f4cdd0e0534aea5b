package app

import (
	"bytes"
	"context"
	"encoding/xml"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
	"grassroots/internal/territory"
)

// spot returns a point inside a grid of community (a building's), and
// the grid's code.
func (e *env) spot(community string) (lon, lat float64, grid string) {
	e.t.Helper()
	err := e.app.DB.QueryRowContext(context.Background(), `SELECT lon, lat, region_code FROM registry_buildings
		WHERE region_code >= ? AND region_code < ? AND lon IS NOT NULL ORDER BY id LIMIT 1`, community, community+"~").Scan(&lon, &lat, &grid)
	if err != nil {
		e.t.Fatal(err)
	}
	if g, ok := e.app.Territory.LocateGrid(lon, lat); !ok || g != grid {
		e.t.Fatalf("building point (%v, %v) of %s is located in %q", lon, lat, grid, g)
	}
	return lon, lat, grid
}

func (e *env) dept(name string) territory.Department {
	e.t.Helper()
	var d territory.Department
	err := e.app.DB.QueryRowContext(context.Background(), `SELECT id, name FROM territory_departments WHERE name LIKE ?`, "%"+name+"%").Scan(&d.ID, &d.Name)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func move(t *testing.T, c *client, id int64, m cases.Move, want int) cases.Case {
	t.Helper()
	r := c.api("POST", "/api/v1/cases/"+itoa(id)+"/moves", m)
	if r.StatusCode != want {
		t.Fatalf("%s by %s: %d %s (want %d)", m.Action, c.name, r.StatusCode, r.body, want)
	}
	var out cases.Case
	if want == 200 {
		r.json(t, &out)
	}
	return out
}

// TestCaseWorkflow follows a resident's report through whistle, handling,
// verification, closing and rating over the API, with the refusals on the
// way, the working-day deadlines and the ranking it ends up in.
func TestCaseWorkflow(t *testing.T) {
	e := newEnv(t)
	lon, lat, grid := e.spot("360102002001")
	resident := e.login("demo-resident")

	// Bad reports change nothing.
	before := e.auditCount()
	for _, bad := range []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"category": "9999", "description": "路灯坏了很久了", "lon": lon, "lat": lat}, `"field":"category"`},
		{map[string]any{"category": "0303", "description": "路灯坏了很久了"}, `"field":"location"`},
		{map[string]any{"category": "0303", "description": "路灯坏了很久了", "lon": 0.1, "lat": 0.1}, `"rule":"out_of_area"`},
		{map[string]any{"category": "0303", "description": "路灯坏了很久了", "address": "不存在的地址 99 号"}, `"rule":"address_unknown"`},
		{map[string]any{"category": "0303", "description": "短", "lon": lon, "lat": lat, "contact_phone": "123"}, `"field":"contact_phone"`},
	} {
		r := resident.api("POST", "/api/v1/cases", bad.in)
		if r.StatusCode != 422 || !strings.Contains(r.body, bad.want) {
			t.Errorf("report %v: %d %s, want 422 with %s", bad.in, r.StatusCode, r.body, bad.want)
		}
	}
	if e.auditCount() != before {
		t.Fatal("a refused report wrote to the audit log")
	}

	r := resident.api("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "小区门口路灯不亮已经一周", "lon": lon, "lat": lat,
		"contact_name": "李女士", "contact_phone": "13912345678"})
	if r.StatusCode != 201 {
		t.Fatalf("report: %d %s", r.StatusCode, r.body)
	}
	var in cases.Intake
	r.json(t, &in)
	c := in.Case
	if c.Status != cases.Submitted || c.RegionCode != grid || c.Channel != cases.ChannelResident || c.PhoneMasked != "139****5678" ||
		!strings.HasPrefix(c.Number, "20261126-") || c.StepDueAt == nil {
		t.Fatalf("new case: %+v", c)
	}
	// Received Thursday 10:00 CST; accepting has 2 working hours.
	if want := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC); !c.StepDueAt.Equal(want) {
		t.Errorf("accept due %v, want %v", c.StepDueAt, want)
	}
	// A second report of the same kind nearby is offered as a duplicate.
	r = resident.api("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "门口路灯又坏了", "lon": lon + 0.0002, "lat": lat})
	var dup cases.Intake
	r.json(t, &dup)
	// A resident learns only public facts of it: not who reported it
	// or what they wrote.
	if len(dup.Duplicates) != 1 || dup.Duplicates[0].Case != nil || dup.Duplicates[0].Category != "0303" || dup.Duplicates[0].Metres < 10 {
		t.Fatalf("duplicates offered: %+v", dup.Duplicates)
	}
	if strings.Contains(r.body, "一周") || strings.Contains(r.body, "李女士") || strings.Contains(r.body, "5678") {
		t.Fatalf("the duplicate offered to a resident shows the other report: %s", r.body)
	}

	sec := e.login("demo-secretary")
	other := e.login("demo-worker") // another community: out of scope
	if g := other.get("/api/v1/cases/" + itoa(c.ID)); g.StatusCode != 404 {
		t.Errorf("another community's worker reads the case: %d", g.StatusCode)
	}
	move(t, other, c.ID, cases.Move{Action: "accept", Version: 1}, 404)
	move(t, sec, dup.Case.ID, cases.Move{Action: "merge", Version: 1, MergeInto: c.ID}, 200)
	if p := sec.get("/cases/" + itoa(c.ID)); !strings.Contains(p.body, `id="merged"`) || !strings.Contains(p.body, dup.Case.Number) {
		t.Error("the case page does not list the report merged into it")
	}

	cs := move(t, sec, c.ID, cases.Move{Action: "accept", Version: 1}, 200)
	move(t, sec, c.ID, cases.Move{Action: "close", Version: cs.Version}, 409) // not from accepted
	move(t, sec, c.ID, cases.Move{Action: "register", Version: 1}, 409)       // stale version
	move(t, resident, c.ID, cases.Move{Action: "register", Version: 2}, 403)  // residents do not manage
	cs = move(t, sec, c.ID, cases.Move{Action: "register", Version: cs.Version}, 200)

	// Whistle to the city management bureau, then dispatch to it.
	cg := e.dept("城市管理局")
	w := sec.api("POST", "/api/v1/cases/"+itoa(c.ID)+"/whistles", cases.WhistleInput{Ground: "pressing_problem", DeptIDs: []int64{cg.ID}, Note: "路灯线路需城管协调"})
	if w.StatusCode != 201 {
		t.Fatalf("whistle: %d %s", w.StatusCode, w.body)
	}
	var wl cases.Whistle
	w.json(t, &wl)
	if len(wl.Parties) != 1 || !wl.Parties[0].ReportDueAt.Equal(e.clock.Now().Add(120*time.Minute).Truncate(time.Microsecond)) {
		t.Fatalf("whistle parties: %+v", wl.Parties)
	}
	cs = move(t, sec, c.ID, cases.Move{Action: "dispatch", Version: cs.Version, UnitKind: "department", DeptID: cg.ID}, 200)
	// Street lights: 2 working days to handle from Thursday 10:00 → Monday 17:00 CST.
	if want := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC); cs.HandleDueAt == nil || !cs.HandleDueAt.Equal(want) {
		t.Errorf("handle due %v, want %v", cs.HandleDueAt, want)
	}

	dept := e.login("demo-dept")
	var list struct{ Items []cases.Case }
	dept.get("/api/v1/cases?view=handling").json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != c.ID {
		t.Fatalf("department's cases to handle: %+v", list.Items)
	}
	step := func(action string, want int) {
		t.Helper()
		r := dept.api("POST", "/api/v1/whistles/"+itoa(wl.ID)+"/steps", cases.PartyInput{Action: action, Note: "已到场处理"})
		if r.StatusCode != want {
			t.Fatalf("whistle %s: %d %s", action, r.StatusCode, r.body)
		}
	}
	step("arrive", 409) // report first
	step("report", 200)
	cs = move(t, dept, c.ID, cases.Move{Action: "handle", Version: cs.Version, Note: "已更换灯泡"}, 200)
	move(t, sec, c.ID, cases.Move{Action: "verify", Version: cs.Version, Pass: ptr(false)}, 422) // sending back needs a note
	grid1 := e.login("demo-grid")
	cs = move(t, grid1, c.ID, cases.Move{Action: "verify", Version: cs.Version, Pass: ptr(true)}, 200)
	// The whistled department has not fed back: the joint case cannot close.
	if r := sec.api("POST", "/api/v1/cases/"+itoa(c.ID)+"/moves", cases.Move{Action: "close", Version: cs.Version}); r.StatusCode != 409 || !strings.Contains(r.body, "whistle") {
		t.Fatalf("close before feedback: %d %s", r.StatusCode, r.body)
	}
	step("feedback", 200)
	if r := sec.api("POST", "/api/v1/whistles/"+itoa(wl.ID)+"/ratings", cases.PartyRating{DeptID: cg.ID, Rating: 5}); r.StatusCode != 200 {
		t.Fatalf("rate department: %d %s", r.StatusCode, r.body)
	}
	cs = move(t, sec, c.ID, cases.Move{Action: "close", Version: cs.Version}, 200)

	if r := resident.api("POST", "/api/v1/cases/"+itoa(c.ID)+"/rating", cases.RateInput{Resolved: true, Satisfaction: "basic"}); r.StatusCode != 200 {
		t.Fatalf("rating: %d %s", r.StatusCode, r.body)
	}
	var detail cases.CaseDetail
	resident.get("/api/v1/cases/"+itoa(c.ID)).json(t, &detail)
	if detail.Case.Satisfaction != "basic" || len(detail.Events) < 9 {
		t.Fatalf("rated case: %+v, %d events", detail.Case, len(detail.Events))
	}

	var rk cases.Ranking
	e.login("demo-subdistrict").get("/api/v1/case-rankings?month=2026-11&level=community").json(t, &rk)
	if len(rk.Scores) != 1 || rk.Scores[0].Key != "360102002001" || rk.Scores[0].Satisfaction == nil || *rk.Scores[0].Satisfaction != 0.9 {
		t.Fatalf("ranking: %+v", rk.Scores)
	}
	// Response 1 (acknowledged on time), resolution 1, satisfaction 0.9: 0.1 + 0.5 + 0.36.
	if rk.Scores[0].Composite != 96 {
		t.Errorf("composite %v, want 96", rk.Scores[0].Composite)
	}
	// The same case in the lists of every level above it.
	for _, l := range []struct{ user, query string }{{"demo-city", ""}, {"demo-city", "&region=360102"}, {"demo-district", "&region=360102002"},
		{"demo-subdistrict", ""}, {"demo-subdistrict", "&region=360102002001"}, {"demo-subdistrict", "&region=" + grid}} {
		var got struct{ Items []cases.Case }
		e.login(l.user).get("/api/v1/cases?view=all"+l.query).json(t, &got)
		if len(got.Items) == 0 || got.Items[len(got.Items)-1].ID != c.ID {
			t.Errorf("%s lists %s: %d cases", l.user, l.query, len(got.Items))
		}
	}
	var wr cases.Ranking
	dept.get("/api/v1/case-rankings?month=2026-11&level=whistle").json(t, &wr)
	// Reported in time, fed back, rated 5/5.
	if len(wr.Scores) != 1 || wr.Scores[0].Name != cg.Name || wr.Scores[0].Composite != 100 {
		t.Fatalf("whistle ranking: %+v", wr.Scores)
	}
	var dr cases.Ranking
	dept.get("/api/v1/case-rankings?month=2026-11&level=department").json(t, &dr)
	if len(dr.Scores) != 1 || dr.Scores[0].Name != cg.Name || *dr.Scores[0].OnTimeRate != 1 {
		t.Fatalf("department ranking: %+v", dr.Scores)
	}
}

func ptr[T any](v T) *T { return &v }

// asActor is a context of staff with case permissions in region.
func asActor(ctx context.Context, region string) context.Context {
	return authz.WithActor(ctx, &authz.Actor{Username: "test", Scope: authz.Scope{Region: region},
		Perms: map[authz.Perm]bool{cases.PermView: true}})
}

// TestCaseDeadlines checks the working-day clock: an overdue step is
// flagged, listed and pushed once, and the deadline survives a restart.
func TestCaseDeadlines(t *testing.T) {
	e := newEnv(t)
	lon, lat, _ := e.spot("360102002001")
	grid := e.login("demo-grid")
	r := grid.api("POST", "/api/v1/cases", map[string]any{"category": "0101", "description": "垃圾桶满溢无人清运", "lon": lon, "lat": lat})
	var in cases.Intake
	r.json(t, &in)
	c := in.Case
	if c.Status != cases.Accepted || c.Channel != cases.ChannelPatrol {
		t.Fatalf("patrol report: %+v", c)
	}
	sec := e.login("demo-secretary")
	cs := move(t, sec, c.ID, cases.Move{Action: "register", Version: c.Version}, 200)
	cs = move(t, sec, c.ID, cases.Move{Action: "dispatch", Version: cs.Version, UnitKind: "community"}, 200)
	// Exposed rubbish: one working day, Thursday 10:00 → Friday 17:00 CST.
	if want := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC); !cs.HandleDueAt.Equal(want) {
		t.Fatalf("handle due %v, want %v", cs.HandleDueAt, want)
	}
	if n, err := e.app.Cases.Sweep(context.Background()); err != nil || n != 0 {
		t.Fatalf("sweep before anything is due: %d, %v", n, err)
	}
	if cs.StepWarnAt == nil || !cs.StepWarnAt.Equal(time.Date(2026, 11, 27, 5, 45, 0, 0, time.UTC)) {
		t.Errorf("warning from %v, want Friday 13:45 CST (three quarters of 13 working hours)", cs.StepWarnAt)
	}
	// Friday 15:00 CST: in the last quarter of the working time.
	e.clock.Add(29 * time.Hour)
	if n, _ := e.app.Cases.Sweep(context.Background()); n != 1 {
		t.Fatalf("about-to-be-overdue notices: %d", n)
	}
	// Saturday: overdue; the weekend is not working time but the deadline passed.
	e.clock.Add(20 * time.Hour)
	if n, _ := e.app.Cases.Sweep(context.Background()); n != 1 {
		t.Fatalf("overdue notices: %d", n)
	}
	if n, _ := e.app.Cases.Sweep(context.Background()); n != 0 {
		t.Fatalf("a second sweep pushed again: %d", n)
	}
	var ns []cases.Notice
	sec = e.login("demo-secretary") // the clock moved past the session's idle time
	sec.get("/api/v1/case-notices").json(t, &ns)
	if len(ns) != 2 || ns[0].Kind != "overdue" || ns[1].Kind != "due_soon" {
		t.Fatalf("notices: %+v", ns)
	}
	var st cases.Stats
	sec.get("/api/v1/case-stats").json(t, &st)
	if st.Overdue != 1 || st.DueSoon != 0 || st.DueCountedAt == nil {
		t.Errorf("dashboard after the sweep: overdue %d, due soon %d, counted %v", st.Overdue, st.DueSoon, st.DueCountedAt)
	}
	if ok := e.login("demo-worker").get("/api/v1/case-notices"); strings.Contains(ok.body, c.Number) {
		t.Error("another community sees the notices")
	}
	// A new application on the same database (a restart) lists it overdue.
	a2, err := New(context.Background(), e.app.DB, Options{Config: Config{SessionIdle: time.Hour, SessionMax: time.Hour}, Keys: e.keys(), Log: e.app.Log})
	if err != nil {
		t.Fatal(err)
	}
	f, err := a2.Cases.Cases(asActor(context.Background(), "360102002001"), cases.Filter{View: "overdue"})
	if err != nil || len(f) != 1 || f[0].ID != c.ID {
		t.Fatalf("overdue after restart: %v %+v", err, f)
	}
	// Suspending stops the clock; resuming adds the working time suspended.
	cs = move(t, sec, c.ID, cases.Move{Action: "suspend", Version: cs.Version, Note: "等待物业配合"}, 200)
	e.clock.Add(48 * time.Hour) // Saturday 11:00 → Monday 11:00 CST: two working hours suspended
	sec = e.login("demo-secretary")
	cs = move(t, sec, c.ID, cases.Move{Action: "resume", Version: cs.Version}, 200)
	if want := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC); !cs.HandleDueAt.Equal(want) {
		t.Errorf("deadline after a suspension over the weekend: %v, want %v", cs.HandleDueAt, want)
	}
}

// TestHotlineAndOpen311 checks the 12345 push (idempotent by its own id)
// and the Open311 GeoReport v2 interface against the spec's schemas.
func TestHotlineAndOpen311(t *testing.T) {
	e := newEnv(t)
	lon, lat, _ := e.spot("360102002001")
	hot := e.bearer(e.token)
	order := map[string]any{"category": "0701", "description": "楼上深夜噪声扰民", "lon": lon, "lat": lat, "external_id": "12345-202611260001", "contact_phone": "13800001111"}
	first := hot.api("POST", "/api/v1/hotline/cases", order)
	again := hot.api("POST", "/api/v1/hotline/cases", order)
	var a, b cases.Intake
	first.json(t, &a)
	again.json(t, &b)
	if first.StatusCode != 201 || again.StatusCode != 200 || !b.Repeated || a.Case.ID != b.Case.ID || a.Case.Status != cases.Accepted {
		t.Fatalf("hotline push twice: %d %s / %d %s", first.StatusCode, first.body, again.StatusCode, again.body)
	}
	if r := e.login("demo-resident").api("POST", "/api/v1/hotline/cases", order); r.StatusCode != 403 {
		t.Errorf("a resident pushing as the hotline: %d", r.StatusCode)
	}

	schemas := jsonschema.NewCompiler()
	for _, f := range []string{"service.json", "services.json", "service-definition.json", "request.json", "requests.json"} {
		doc, err := os.Open(filepath.Join("testdata", "open311", f))
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(doc)
		doc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas.AddResource(f, v); err != nil {
			t.Fatal(err)
		}
	}
	valid := func(schema string, r response) {
		t.Helper()
		sch, err := schemas.Compile(schema)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(r.body))
		if err != nil {
			t.Fatalf("%s: %v: %s", schema, err, r.body)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s does not validate: %v\n%s", schema, err, r.body)
		}
	}
	client := e.anon()
	services := client.get("/open311/v2/services.json")
	if services.StatusCode != 200 || !strings.Contains(services.body, `"service_code":"0302"`) {
		t.Fatalf("services: %d %s", services.StatusCode, services.body)
	}
	valid("services.json", services)
	valid("service-definition.json", client.get("/open311/v2/services/0302.json"))
	if x := client.get("/open311/v2/services.xml"); !strings.Contains(x.body, "<services><service><service_code>0101</service_code>") {
		t.Errorf("services.xml: %s", x.body)
	}
	if d := client.get("/open311/v2/discovery.json"); d.StatusCode != 200 || !strings.Contains(d.body, "GeoReport_v2") {
		t.Errorf("discovery: %d %s", d.StatusCode, d.body)
	}

	post := func(v url.Values, format string) response {
		return client.do("POST", "/open311/v2/requests."+format, strings.NewReader(v.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	}
	form := url.Values{"service_code": {"0302"}, "lat": {ftoa(lat)}, "long": {ftoa(lon)}, "description": {"井盖缺失，有行人跌落风险"},
		"attribute[cover_type]": {"sewage"}, "first_name": {"明"}, "last_name": {"王"}}
	if r := post(form, "json"); r.StatusCode != 403 || !strings.Contains(r.body, `"code":403`) {
		t.Errorf("post without api_key: %d %s", r.StatusCode, r.body)
	}
	bad := url.Values{"api_key": {e.token}, "service_code": {"0302"}, "lat": {"abc"}, "long": {ftoa(lon)}}
	if r := post(bad, "xml"); r.StatusCode != 400 || !strings.Contains(r.body, "<errors><error><code>400</code>") {
		t.Errorf("malformed post: %d %s", r.StatusCode, r.body)
	}
	wrong := url.Values{"api_key": {e.token}, "service_code": {"0302"}, "lat": {ftoa(lat)}, "long": {ftoa(lon)}, "attribute[cover_type]": {"gold"}, "description": {"井盖缺失了"}}
	if r := post(wrong, "json"); r.StatusCode != 400 || !strings.Contains(r.body, "attribute[cover_type]") {
		t.Errorf("bad attribute: %d %s", r.StatusCode, r.body)
	}
	form.Set("api_key", e.token)
	created := post(form, "json")
	if created.StatusCode != 200 {
		t.Fatalf("post request: %d %s", created.StatusCode, created.body)
	}
	var made []struct {
		ID    string `json:"service_request_id"`
		Token string `json:"token"`
	}
	created.json(t, &made)
	if len(made) != 1 || made[0].ID == "" {
		t.Fatalf("post answer: %s", created.body)
	}
	one := client.get("/open311/v2/requests/" + made[0].ID + ".json")
	valid("requests.json", one)
	if !strings.Contains(one.body, `"status":"open"`) || strings.Contains(one.body, "跌落") {
		t.Errorf("public request shows status and hides the description: %s", one.body)
	}
	if r := client.get("/open311/v2/requests/" + made[0].ID + ".json?api_key=" + e.token); !strings.Contains(r.body, "井盖缺失") {
		t.Errorf("with an api_key that may view cases the description is shown: %s", r.body)
	}
	var x struct {
		XMLName  xml.Name `xml:"service_requests"`
		Requests []struct {
			ID     string `xml:"service_request_id"`
			Status string `xml:"status"`
		} `xml:"request"`
	}
	// Neighbourhood disputes (07) are a private class: the public does not
	// see them, a key that may view cases does.
	if err := xml.Unmarshal([]byte(client.get("/open311/v2/requests.xml?service_code=0302,0701&status=open").body), &x); err != nil || len(x.Requests) != 1 {
		t.Errorf("requests.xml by service code: %v %+v", err, x)
	}
	x.Requests = nil
	if err := xml.Unmarshal([]byte(client.get("/open311/v2/requests.xml?service_code=0302,0701&status=open&api_key="+e.token).body), &x); err != nil || len(x.Requests) != 2 {
		t.Errorf("requests.xml by service code with a key: %v %+v", err, x)
	}
	all := client.get("/open311/v2/requests.json")
	valid("requests.json", all)
	if strings.Count(all.body, "service_request_id") != 1 {
		t.Errorf("requests of the last 90 days: %s", all.body)
	}
	if r := client.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-02-01T00:00:00%2B08:00"); r.body != "[]\n" {
		t.Errorf("requests in January: %s", r.body)
	}
	if r := client.get("/open311/v2/tokens/" + made[0].Token + ".json"); !strings.Contains(r.body, made[0].ID) {
		t.Errorf("token lookup: %s", r.body)
	}
	if r := client.get("/open311/v2/requests/99999999.json"); r.StatusCode != 404 || !strings.Contains(r.body, `"code":404`) {
		t.Errorf("unknown request: %d %s", r.StatusCode, r.body)
	}
	if r := client.get("/open311/v2/services.json?jurisdiction_id=elsewhere.gov"); r.StatusCode != 404 {
		t.Errorf("unknown jurisdiction: %d", r.StatusCode)
	}
	if r := client.get("/open311/v2/requests.json?start_date=yesterday"); r.StatusCode != 400 {
		t.Errorf("bad start_date: %d", r.StatusCode)
	}
}

// upload posts a multipart form with files, as the page would.
func (c *client) multipart(path string, fields url.Values, files map[string][]byte) response {
	c.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if t := c.csrf(); t != "" {
		fields.Set("csrf", t)
	}
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for name, b := range files {
		w, _ := mw.CreateFormFile("photos", name)
		_, _ = w.Write(b)
	}
	mw.Close()
	return c.do("POST", path, &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// TestCasePages drives the pages: the phone report form with a photo, the
// lists, the case page's actions, the rating link, dashboards, rankings
// and the catalogue.
func TestCasePages(t *testing.T) {
	e := newEnv(t)
	lon, lat, _ := e.spot("360102002001")
	resident := e.login("demo-resident")
	if r := resident.get("/cases/new"); r.StatusCode != 200 || !strings.Contains(r.body, `data-pick="#report-form"`) {
		t.Fatalf("report form: %d", r.StatusCode)
	}
	fields := url.Values{"category": {"0303"}, "description": {"路灯不亮，晚上很黑"}, "lon": {ftoa(lon)}, "lat": {ftoa(lat)}, "contact_phone": {"13912345678"}}
	if r := resident.multipart("/cases", fields, map[string][]byte{"x.png": []byte("not an image at all")}); r.StatusCode != 422 || !strings.Contains(r.body, "JPEG") {
		t.Fatalf("non-image photo: %d", r.StatusCode)
	}
	r := resident.multipart("/cases", fields, map[string][]byte{"lamp.png": pngBytes()})
	if r.StatusCode != 303 {
		t.Fatalf("report: %d %s", r.StatusCode, r.body)
	}
	loc := r.Header.Get("Location")
	page := resident.get(loc)
	if !strings.Contains(page.body, "路灯不亮") || !strings.Contains(page.body, "/photos/") || !strings.Contains(page.body, "139****5678") {
		t.Fatalf("case page for the reporter: %s", page.body)
	}
	id := strings.TrimPrefix(loc, "/cases/")
	photo := regexp.MustCompile(`/cases/\d+/photos/\d+`).FindString(page.body)
	if p := resident.get(photo); p.StatusCode != 200 || p.Header.Get("Content-Type") != "image/png" {
		t.Errorf("photo: %d %s", p.StatusCode, p.Header.Get("Content-Type"))
	}
	photoAPI := func(c *client, body []byte) response {
		return c.do("POST", "/api/v1/cases/"+id+"/photos", bytes.NewReader(body), http.Header{"Content-Type": {"image/png"}, "X-CSRF-Token": {c.csrf()}})
	}
	if r := photoAPI(resident, pngBytes()); r.StatusCode != 201 || !strings.Contains(r.Header.Get("Location"), "/photos/") {
		t.Errorf("photo by the reporter: %d %s", r.StatusCode, r.body)
	}
	big := append(pngBytes(), make([]byte, cases.MaxPhotoBytes)...)
	if r := photoAPI(resident, big); r.StatusCode != 422 || !strings.Contains(r.body, "photo_size") {
		t.Errorf("oversized photo: %d %s", r.StatusCode, r.body)
	}
	if r := photoAPI(e.login("demo-worker"), pngBytes()); r.StatusCode != 404 {
		t.Errorf("photo by another community: %d", r.StatusCode)
	}
	if l := resident.get("/cases"); !strings.Contains(l.body, "/cases/"+id) {
		t.Error("the resident's own list misses the report")
	}

	sec := e.login("demo-secretary")
	l := sec.do("GET", "/cases?view=dispatch", nil, http.Header{"HX-Request": {"true"}})
	if !strings.Contains(l.body, "/cases/"+id) || strings.Contains(l.body, "<html") {
		t.Fatalf("htmx list fragment: %s", l.body)
	}
	version := func() string {
		var d cases.CaseDetail
		sec.get("/api/v1/cases/"+id).json(t, &d)
		return strconv.Itoa(d.Case.Version)
	}
	act := func(c *client, v url.Values, want int) response {
		t.Helper()
		v.Set("version", version())
		r := c.multipart("/cases/"+id+"/act", v, nil)
		if r.StatusCode != want {
			t.Fatalf("%s: %d (want %d) %s", v.Get("action"), r.StatusCode, want, r.body)
		}
		return r
	}
	cp := sec.get("/cases/" + id)
	if !strings.Contains(cp.body, `id="act-accept"`) || !strings.Contains(cp.body, `id="reveal-contact"`) {
		t.Fatalf("actions on the case page: %s", cp.body)
	}
	if c := sec.form("/cases/"+id+"/contact", url.Values{}); !strings.Contains(c.body, "13912345678") {
		t.Errorf("reveal contact: %s", c.body)
	}
	act(sec, url.Values{"action": {"close"}}, 409)
	act(sec, url.Values{"action": {"accept"}}, 303)
	act(sec, url.Values{"action": {"register"}}, 303)
	act(sec, url.Values{"action": {"dispatch"}, "unit_kind": {"community"}}, 303)
	act(sec, url.Values{"action": {"handle"}}, 422) // evidence note required
	act(sec, url.Values{"action": {"handle"}, "note": {"已报修并更换"}}, 303)
	act(e.login("demo-grid"), url.Values{"action": {"verify"}, "pass": {"1"}}, 303)
	r = act(sec, url.Values{"action": {"close"}}, 303)

	// The rating link is for the call-back, never in the timeline the
	// handling unit reads; the community handled this case, so the
	// subdistrict above makes the call-back.
	if g := sec.get("/api/v1/cases/" + id); strings.Contains(g.body, "/rate/") {
		t.Fatalf("the timeline shows the rating link to the rated unit: %s", g.body)
	}
	if g := sec.get("/api/v1/cases/" + id + "/rate-link"); g.StatusCode != 403 {
		t.Fatalf("the rated community reads its own rating link: %d %s", g.StatusCode, g.body)
	}
	var rl cases.RateLinkOut
	sub := e.login("demo-subdistrict")
	sub.get("/api/v1/cases/"+id+"/rate-link").json(t, &rl)
	// A link to send: absolute, on the site's public address.
	link, ok := strings.CutPrefix(rl.URL, "https://grassroots.example.gov.cn")
	if !ok || !regexp.MustCompile(`^/rate/[0-9a-f]+$`).MatchString(link) {
		t.Fatalf("rating link for the call-back: %q", rl.URL)
	}
	anon := e.anon()
	if g := anon.get(link); g.StatusCode != 200 || !strings.Contains(g.body, `id="rate-form"`) {
		t.Fatalf("rating link: %d", g.StatusCode)
	}
	if p := anon.form(link, url.Values{"resolved": {"1"}, "satisfaction": {"great"}}); p.StatusCode != 422 {
		t.Errorf("bad satisfaction: %d", p.StatusCode)
	}
	if p := anon.form(link, url.Values{"resolved": {"1"}, "satisfaction": {"very_satisfied"}}); p.StatusCode != 200 || !strings.Contains(p.body, `id="rate-done"`) {
		t.Fatalf("rate by link: %d %s", p.StatusCode, p.body)
	}
	if p := anon.form(link, url.Values{"resolved": {"1"}, "satisfaction": {"unsatisfied"}}); p.StatusCode != 409 || !strings.Contains(p.body, `id="rate-already"`) {
		t.Errorf("the link works once and says so: %d", p.StatusCode)
	}
	if g := anon.get(link); !strings.Contains(g.body, `id="rate-already"`) || !strings.Contains(g.body, "案件 ") {
		t.Errorf("the used link names its case and says it was rated: %s", g.body)
	}

	dept := e.login("demo-dept")
	for _, p := range []struct {
		c    *client
		path string
		want string
	}{
		{dept, "/whistles", `id="whistles"`},
		{sec, "/cases/notices", `id="notices"`},
		{sec, "/cases/dashboard", `id="hotspot-map"`},
		{e.login("demo-subdistrict"), "/cases/ranking?month=2026-11&level=community", "民巷社区"},
		{e.login("demo-city"), "/cases/catalogue", `id="catalogue-form"`},
	} {
		if r := p.c.get(p.path); r.StatusCode != 200 || !strings.Contains(r.body, p.want) {
			t.Errorf("%s: %d, want %s", p.path, r.StatusCode, p.want)
		}
	}
	if x := e.login("demo-subdistrict").get("/cases/ranking.xlsx?month=2026-11&level=community"); x.StatusCode != 200 || !strings.HasPrefix(x.body, "PK") {
		t.Errorf("ranking export: %d", x.StatusCode)
	}
	city := e.login("demo-city")
	if r := city.form("/cases/catalogue", url.Values{"catalogue": {`{"defaults":{},"categories":[]}`}}); r.StatusCode != 422 {
		t.Errorf("bad catalogue: %d", r.StatusCode)
	}
	if r := city.form("/cases/settings", url.Values{"w_response": {"0.2"}, "w_resolution": {"0.5"}, "w_satisfaction": {"0.4"}, "basic_factor": {"0.9"},
		"dedup_metres": {"100"}, "dedup_days": {"7"}, "warn_share": {"0.25"}}); r.StatusCode != 422 || !strings.Contains(r.body, "1") {
		t.Errorf("weights not adding up to 1: %d", r.StatusCode)
	}
	var st cases.Stats
	sec.get("/api/v1/case-stats").json(t, &st)
	if st.ByStatus[cases.Closed] != 1 || len(st.Months) != 12 || st.Trend["03"][11] != 1 {
		t.Errorf("stats: %+v", st)
	}
	var cl []cases.Cluster
	sec.get("/api/v1/case-map?days=30").json(t, &cl)
	if len(cl) != 1 || cl[0].Count != 1 {
		t.Errorf("clusters: %+v", cl)
	}
}

// TestHotlineImport files a 12345 export: a bad row stops the whole file
// unless the good rows are wanted, and a repeated file creates nothing.
func TestHotlineImport(t *testing.T) {
	e := newEnv(t)
	lon, lat, grid := e.spot("360102002001")
	addr := ""
	if err := e.app.DB.QueryRowContext(context.Background(), `SELECT address FROM registry_buildings WHERE region_code = ? ORDER BY id LIMIT 1`, grid).Scan(&addr); err != nil {
		t.Fatal(err)
	}
	csv := "工单编号,问题类型,问题描述,地址,经度,纬度,联系人,联系电话\n" +
		"H001,0101,垃圾堆放多日无人清运,," + ftoa(lon) + "," + ftoa(lat) + ",张先生,13800002222\n" +
		"H002,噪声扰民,夜间施工噪声扰民," + addr + ",,,,\n" +
		"H003,9999,分类不存在的工单,," + ftoa(lon) + "," + ftoa(lat) + ",,\n" +
		"H001,0101,重复的工单编号,," + ftoa(lon) + "," + ftoa(lat) + ",,\n"
	city := e.login("demo-city")
	upload := func(q string) (response, tabularReport) {
		r := city.do("POST", "/api/v1/hotline/import"+q, strings.NewReader(csv), http.Header{"Content-Type": {"text/csv"}, "X-CSRF-Token": {city.csrf()}})
		var rep tabularReport
		r.json(t, &rep)
		return r, rep
	}
	before := e.auditCount()
	r, rep := upload("")
	if r.StatusCode != 422 || rep.Committed || len(rep.Errors) != 2 || rep.Errors[0].Row != 4 || rep.Errors[1].Row != 5 || e.auditCount() != before {
		t.Fatalf("file with bad rows: %d %s", r.StatusCode, r.body)
	}
	_, rep = upload("?keep_good=true")
	if !rep.Committed || rep.Created != 2 {
		t.Fatalf("keep the good rows: %+v", rep)
	}
	_, rep = upload("?keep_good=true")
	if rep.Created != 0 || rep.Unchanged != 2 {
		t.Fatalf("the same file again: %+v", rep)
	}
	var list struct{ Items []cases.Case }
	e.login("demo-grid").get("/api/v1/cases?view=grid").json(t, &list)
	if len(list.Items) != 2 || list.Items[0].Channel != cases.ChannelHotline {
		t.Fatalf("cases in the grid worker's grids: %+v", list.Items)
	}
	if p := city.get("/cases/hotline"); p.StatusCode != 200 || !strings.Contains(p.body, `id="hotline-form"`) {
		t.Errorf("import page: %d", p.StatusCode)
	}
	page := city.multipartFile("/cases/hotline", "file", "orders.csv", []byte(csv))
	if page.StatusCode != 422 || !strings.Contains(page.body, "import-errors") {
		t.Errorf("import page with bad rows: %d", page.StatusCode)
	}
}

type tabularReport struct {
	Rows, Created, Unchanged int
	Committed                bool
	Errors                   []struct {
		Row    int
		Column string
		Rule   string
	}
}

// multipartFile posts one file in a form field, as the page would.
func (c *client) multipartFile(path, field, name string, data []byte) response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", c.csrf())
	w, _ := mw.CreateFormFile(field, name)
	_, _ = w.Write(data)
	mw.Close()
	return c.do("POST", path, &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
}
