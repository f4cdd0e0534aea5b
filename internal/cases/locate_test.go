package cases_test

import (
	"net/url"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
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
