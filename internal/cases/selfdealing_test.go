package cases_test

import (
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestNoUnitJudgesItself: the community that asks for more time cannot
// grant it, and staff who filed and handled a case cannot rate it as its
// reporter; the subdistrict grants the time.
func TestNoUnitJudgesItself(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	sec := e.Login("secretary")
	in := MustReport(t, sec, map[string]any{"category": "0303", "description": "路灯不亮，社区自己登记", "lon": p[0], "lat": p[1]})
	c := MustMove(t, sec, in.Case.ID, cases.Move{Action: "register", Version: in.Case.Version}, 200)
	c = MustMove(t, sec, c.ID, cases.Move{Action: "dispatch", Version: c.Version, UnitKind: "community"}, 200)
	c = MustMove(t, sec, c.ID, cases.Move{Action: "request_extension", Version: c.Version, Days: 30, Note: "需要等待配件"}, 200)
	MustMove(t, sec, c.ID, cases.Move{Action: "decide_extension", Version: c.Version, Approve: ptr(true)}, 403)
	c = MustMove(t, e.Login("subdistrict"), c.ID, cases.Move{Action: "decide_extension", Version: c.Version, Approve: ptr(true)}, 200)

	c = MustMove(t, sec, c.ID, cases.Move{Action: "handle", Version: c.Version, Note: "已更换灯泡"}, 200)
	c = MustMove(t, e.Login("grid"), c.ID, cases.Move{Action: "verify", Version: c.Version, Pass: ptr(true)}, 200)
	MustMove(t, sec, c.ID, cases.Move{Action: "close", Version: c.Version}, 200)
	if r := sec.API("POST", "/api/v1/cases/"+itoa(c.ID)+"/rating", map[string]any{"resolved": true, "satisfaction": "very_satisfied"}); r.StatusCode != 403 {
		t.Errorf("the secretary rates the case it filed and handled: %d %s", r.StatusCode, r.Body)
	}
	if r := e.Login("district").API("POST", "/api/v1/cases/"+itoa(c.ID)+"/rating", map[string]any{"resolved": true, "satisfaction": "satisfied"}); r.StatusCode != 200 {
		t.Errorf("the district records the call-back: %d %s", r.StatusCode, r.Body)
	}
}
