package cases_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestPages drives the pages: the phone report form with a photo, the
// lists, the case page's actions, the rating link, dashboards, rankings
// and the catalogue.
func TestPages(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	resident := e.Login("resident")
	if r := resident.Get("/cases/new"); r.StatusCode != 200 || !strings.Contains(r.Body, `data-pick="#report-form"`) {
		t.Fatalf("report form: %d", r.StatusCode)
	}
	fields := url.Values{"category": {"0303"}, "description": {"路灯不亮，晚上很黑"}, "lon": {ftoa(p[0])}, "lat": {ftoa(p[1])}, "contact_phone": {"13912345678"}}
	if r := postMultipart(resident, "/cases", fields, map[string][]byte{"x.png": []byte("not an image at all")}); r.StatusCode != 422 || !strings.Contains(r.Body, "JPEG") {
		t.Fatalf("non-image photo: %d", r.StatusCode)
	}
	r := postMultipart(resident, "/cases", fields, map[string][]byte{"lamp.png": pngBytes()})
	if r.StatusCode != 303 {
		t.Fatalf("report: %d %s", r.StatusCode, r.Body)
	}
	loc := r.Header.Get("Location")
	page := resident.Get(loc)
	if !strings.Contains(page.Body, "路灯不亮") || !strings.Contains(page.Body, "/photos/") || !strings.Contains(page.Body, "139****5678") {
		t.Fatalf("case page for the reporter: %s", page.Body)
	}
	id := strings.TrimPrefix(loc, "/cases/")
	photo := regexp.MustCompile(`/cases/\d+/photos/\d+`).FindString(page.Body)
	if p := resident.Get(photo); p.StatusCode != 200 || p.Header.Get("Content-Type") != "image/png" {
		t.Errorf("photo: %d %s", p.StatusCode, p.Header.Get("Content-Type"))
	}
	photoAPI := func(c *apptest.Client, body []byte) apptest.Response {
		return c.Do("POST", "/api/v1/cases/"+id+"/photos", bytes.NewReader(body), http.Header{"Content-Type": {"image/png"}, "X-CSRF-Token": {c.CSRF()}})
	}
	if r := photoAPI(resident, pngBytes()); r.StatusCode != 201 || !strings.Contains(r.Header.Get("Location"), "/photos/") {
		t.Errorf("photo by the reporter: %d %s", r.StatusCode, r.Body)
	}
	big := append(pngBytes(), make([]byte, cases.MaxPhotoBytes)...)
	if r := photoAPI(resident, big); r.StatusCode != 422 || !strings.Contains(r.Body, "photo_size") {
		t.Errorf("oversized photo: %d %s", r.StatusCode, r.Body)
	}
	if r := photoAPI(e.Login("worker"), pngBytes()); r.StatusCode != 404 {
		t.Errorf("photo by another community: %d", r.StatusCode)
	}
	if l := resident.Get("/cases"); !strings.Contains(l.Body, "/cases/"+id) {
		t.Error("the resident's own list misses the report")
	}

	sec := e.Login("secretary")
	l := sec.Do("GET", "/cases?view=dispatch", nil, http.Header{"HX-Request": {"true"}})
	if !strings.Contains(l.Body, "/cases/"+id) || strings.Contains(l.Body, "<html") {
		t.Fatalf("htmx list fragment: %s", l.Body)
	}
	version := func() string {
		var d cases.CaseDetail
		sec.Get("/api/v1/cases/"+id).JSON(t, &d)
		return strconv.Itoa(d.Case.Version)
	}
	act := func(c *apptest.Client, v url.Values, want int) apptest.Response {
		t.Helper()
		v.Set("version", version())
		r := postMultipart(c, "/cases/"+id+"/act", v, nil)
		if r.StatusCode != want {
			t.Fatalf("%s: %d (want %d) %s", v.Get("action"), r.StatusCode, want, r.Body)
		}
		return r
	}
	cp := sec.Get("/cases/" + id)
	if !strings.Contains(cp.Body, `id="act-accept"`) || !strings.Contains(cp.Body, `id="reveal-contact"`) {
		t.Fatalf("actions on the case page: %s", cp.Body)
	}
	if c := sec.Form("/cases/"+id+"/contact", url.Values{}); !strings.Contains(c.Body, "13912345678") {
		t.Errorf("reveal contact: %s", c.Body)
	}
	act(sec, url.Values{"action": {"close"}}, 409)
	act(sec, url.Values{"action": {"accept"}}, 303)
	act(sec, url.Values{"action": {"register"}}, 303)
	act(sec, url.Values{"action": {"dispatch"}, "unit_kind": {"community"}}, 303)
	act(sec, url.Values{"action": {"handle"}}, 422) // evidence note required
	act(sec, url.Values{"action": {"handle"}, "note": {"已报修并更换"}}, 303)
	act(e.Login("grid"), url.Values{"action": {"verify"}, "pass": {"1"}}, 303)
	act(sec, url.Values{"action": {"close"}}, 303)

	// The rating link is for the call-back, never in the timeline the
	// handling unit reads; the call-back is made from the district, above
	// every unit the ranking scores (community and subdistrict included).
	if g := sec.Get("/api/v1/cases/" + id); strings.Contains(g.Body, "/rate/") {
		t.Fatalf("the timeline shows the rating link to the rated unit: %s", g.Body)
	}
	if g := sec.Get("/api/v1/cases/" + id + "/rate-link"); g.StatusCode != 403 {
		t.Fatalf("the rated community reads its own rating link: %d %s", g.StatusCode, g.Body)
	}
	var rl cases.RateLinkOut
	sub := e.Login("subdistrict")
	if g := sub.Get("/api/v1/cases/" + id + "/rate-link"); g.StatusCode != 403 {
		t.Fatalf("the subdistrict, ranked on its communities' cases, reads the rating link: %d", g.StatusCode)
	}
	e.Login("district").Get("/api/v1/cases/"+id+"/rate-link").JSON(t, &rl)
	link := rl.URL
	if !regexp.MustCompile(`^/rate/[0-9a-f]+$`).MatchString(link) {
		t.Fatalf("rating link for the call-back: %q", link)
	}
	anon := e.Anon()
	if g := anon.Get(link); g.StatusCode != 200 || !strings.Contains(g.Body, `id="rate-form"`) {
		t.Fatalf("rating link: %d", g.StatusCode)
	}
	if p := anon.Form(link, url.Values{"resolved": {"1"}, "satisfaction": {"great"}}); p.StatusCode != 422 {
		t.Errorf("bad satisfaction: %d", p.StatusCode)
	}
	if p := anon.Form(link, url.Values{"resolved": {"1"}, "satisfaction": {"very_satisfied"}}); p.StatusCode != 200 || !strings.Contains(p.Body, `id="rate-done"`) {
		t.Fatalf("rate by link: %d %s", p.StatusCode, p.Body)
	}
	if p := anon.Form(link, url.Values{"resolved": {"1"}, "satisfaction": {"unsatisfied"}}); p.StatusCode != 409 || !strings.Contains(p.Body, `id="rate-already"`) {
		t.Errorf("the link works once and says so: %d", p.StatusCode)
	}
	if g := anon.Get(link); !strings.Contains(g.Body, `id="rate-already"`) || !strings.Contains(g.Body, "案件 ") {
		t.Errorf("the used link names its case and says it was rated: %s", g.Body)
	}

	city := e.Login("city")
	for _, p := range []struct {
		c    *apptest.Client
		path string
		want string
	}{
		{e.Login("dept"), "/whistles", `id="whistles"`},
		{sec, "/cases/notices", `id="notices"`},
		{sec, "/cases/dashboard", `id="hotspot-map"`},
		{sub, "/cases/ranking?month=2026-11&level=community", "甲一社区居委会"},
		{city, "/cases/catalogue", `id="catalogue-form"`},
	} {
		if r := p.c.Get(p.path); r.StatusCode != 200 || !strings.Contains(r.Body, p.want) {
			t.Errorf("%s: %d, want %s", p.path, r.StatusCode, p.want)
		}
	}
	if x := sub.Get("/cases/ranking.xlsx?month=2026-11&level=community"); x.StatusCode != 200 || !strings.HasPrefix(x.Body, "PK") {
		t.Errorf("ranking export: %d", x.StatusCode)
	}
	if r := city.Form("/cases/catalogue", url.Values{"catalogue": {`{"defaults":{},"categories":[]}`}}); r.StatusCode != 422 {
		t.Errorf("bad catalogue: %d", r.StatusCode)
	}
	if r := city.Form("/cases/settings", url.Values{"w_response": {"0.2"}, "w_resolution": {"0.5"}, "w_satisfaction": {"0.4"}, "basic_factor": {"0.9"},
		"dedup_metres": {"100"}, "dedup_days": {"7"}, "warn_share": {"0.25"}}); r.StatusCode != 422 || !strings.Contains(r.Body, "1") {
		t.Errorf("weights not adding up to 1: %d", r.StatusCode)
	}
	var st cases.Stats
	sec.Get("/api/v1/case-stats").JSON(t, &st)
	if st.ByStatus[cases.Closed] != 1 || len(st.Months) != 12 || st.Trend["03"][11] != 1 {
		t.Errorf("stats: %+v", st)
	}
	var cl []cases.Cluster
	sec.Get("/api/v1/case-map?days=30").JSON(t, &cl)
	if len(cl) != 1 || cl[0].Count != 1 {
		t.Errorf("clusters: %+v", cl)
	}
}
