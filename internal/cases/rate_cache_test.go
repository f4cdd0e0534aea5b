package cases_test

import (
	"net/http"
	"net/url"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestRatingLinkNotCached: the anonymous rating page, shown, refused,
// rated and unknown, tells every cache not to keep it: its address is
// the token.
func TestRatingLinkNotCached(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	in := MustReport(t, e.Login("resident"), map[string]any{"category": "0303", "description": "三号楼前的路灯一直不亮", "lon": p[0], "lat": p[1]})
	id := in.Case.ID
	sec := e.Login("secretary")
	c := MustMove(t, sec, id, cases.Move{Action: "accept", Version: in.Case.Version}, 200)
	c = MustMove(t, sec, id, cases.Move{Action: "register", Version: c.Version}, 200)
	c = MustMove(t, sec, id, cases.Move{Action: "dispatch", Version: c.Version, UnitKind: "community"}, 200)
	c = MustMove(t, sec, id, cases.Move{Action: "handle", Version: c.Version, Note: "已更换灯泡"}, 200)
	c = MustMove(t, e.Login("grid"), id, cases.Move{Action: "verify", Version: c.Version, Pass: ptr(true)}, 200)
	MustMove(t, sec, id, cases.Move{Action: "close", Version: c.Version}, 200)
	var rl cases.RateLinkOut
	e.Login("district").Get("/api/v1/cases/"+itoa(id)+"/rate-link").JSON(t, &rl)
	if rl.URL == "" {
		t.Fatal("no rating link")
	}
	anon := e.Anon()
	for _, tt := range []struct {
		name string
		r    apptest.Response
		want int
	}{
		{"Shown", anon.Get(rl.URL), http.StatusOK},
		{"Refused", anon.Form(rl.URL, url.Values{"resolved": {"1"}, "satisfaction": {"great"}}), http.StatusUnprocessableEntity},
		{"Rated", anon.Form(rl.URL, url.Values{"resolved": {"1"}, "satisfaction": {"satisfied"}}), http.StatusOK},
		{"RatedAgain", anon.Form(rl.URL, url.Values{"resolved": {"1"}, "satisfaction": {"satisfied"}}), http.StatusConflict},
		{"ShownRated", anon.Get(rl.URL), http.StatusOK},
		{"Unknown", anon.Get("/rate/00000000000000000000000000000000"), http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.r.StatusCode != tt.want || tt.r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%d, Cache-Control %q; want %d, no-store", tt.r.StatusCode, tt.r.Header.Get("Cache-Control"), tt.want)
			}
		})
	}
}
