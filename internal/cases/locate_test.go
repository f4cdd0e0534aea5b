package cases_test

import (
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/account"
	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
)

// TestRejectedLeavesTheQueue: a case waiting to be located that is
// rejected has nobody left to place it: it leaves the 待定位 queue.
func TestRejectedLeavesTheQueue(t *testing.T) {
	e := apptest.New(t)
	c := e.Anon()
	made := postForm(c, "json", url.Values{"api_key": {e.Token}, "service_code": {"0302"}, "address_string": {"菜市场东门对面"}})
	var ids []struct {
		ID string `json:"service_request_id"`
	}
	made.JSON(t, &ids)
	n, _ := cases.ParseNumber(ids[0].ID)
	city := e.Login("city")
	waiting := func() int {
		var l cases.UnlocatedList
		city.Get("/api/v1/cases/unlocated").JSON(t, &l)
		return l.Total
	}
	if waiting() != 1 {
		t.Fatalf("the case does not wait to be placed")
	}
	got, err := e.App.Cases.Case(e.As("city"), n)
	if err != nil {
		t.Fatal(err)
	}
	MustMove(t, city, n, cases.Move{Action: "reject", Reason: "not_actionable", Note: "不属于受理范围", Version: got.Version}, 200)
	if w := waiting(); w != 0 {
		t.Errorf("a rejected case still waits to be placed: %d", w)
	}
	if r := city.API("POST", "/api/v1/cases/"+itoa(n)+"/location", map[string]any{"address": "甲一网格1路1号1栋"}); r.StatusCode != 409 {
		t.Errorf("a rejected case placed: %d %s", r.StatusCode, r.Body)
	}
}

// TestIntegrationFilesInItsTerritory: a district's system (an integration
// account of district A) files cases in district A only, by Open311 and
// by the push API, and is told why elsewhere.
func TestIntegrationFilesInItsTerritory(t *testing.T) {
	e := apptest.New(t)
	ctx := e.System()
	u, err := e.App.Accounts.CreateUser(ctx, account.UserInput{Username: "hot-a", DisplayName: "甲区热线", Role: authz.RoleIntegration,
		RegionCode: apptest.DistrictA, Password: apptest.Password})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.App.Accounts.UnscopedIssueToken(ctx, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	a, b := e.Points[apptest.GridA1], e.Points[apptest.GridB1]
	hot := e.WithToken(tok.Secret)
	order := func(ext string, p [2]float64) apptest.Response {
		return hot.API("POST", "/api/v1/hotline/cases", map[string]any{"category": "0302", "description": "井盖缺失", "lon": p[0], "lat": p[1], "external_id": ext})
	}
	if r := order("A-1", a); r.StatusCode != 201 {
		t.Fatalf("in its district: %d %s", r.StatusCode, r.Body)
	}
	if r := order("A-2", b); r.StatusCode != 422 || !strings.Contains(r.Body, "location_scope") {
		t.Errorf("in another district: %d %s", r.StatusCode, r.Body)
	}
	v := url.Values{"api_key": {tok.Secret}, "service_code": {"0302"}, "lat": {ftoa(b[1])}, "long": {ftoa(b[0])}}
	if r := postForm(e.Anon(), "json", v); r.StatusCode != 400 || !strings.Contains(r.Body, "location:") {
		t.Errorf("Open311 in another district: %d %s", r.StatusCode, r.Body)
	}
}
