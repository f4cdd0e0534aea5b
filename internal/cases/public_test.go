package cases_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestReporterReadsPublicEntriesOnly: staff write an internal note and a
// reply to the reporter on purpose; the reporter's case page, the API
// and Open311's updates show the reply and the changes of status, never
// the note, the whistle or a staff name, only the side that acted.
func TestReporterReadsPublicEntriesOnly(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	resident := e.Login("resident")
	in := MustReport(t, resident, map[string]any{"category": "0302", "description": "小区门口井盖缺失，晚上看不见", "lon": p[0], "lat": p[1]})
	id := in.Case.ID
	sec := e.Login("secretary")
	c := MustMove(t, sec, id, cases.Move{Action: "accept", Version: in.Case.Version}, http.StatusOK)
	c = MustMove(t, sec, id, cases.Move{Action: "register", Version: c.Version}, http.StatusOK)
	MustMove(t, sec, id, cases.Move{Action: "note", Note: "内部备注：疑似物业责任，先核实"}, http.StatusOK)
	MustMove(t, sec, id, cases.Move{Action: "reply", Note: "您好，已安排城管今天更换井盖"}, http.StatusOK)
	if w := sec.API("POST", "/api/v1/cases/"+itoa(id)+"/whistles", cases.WhistleInput{Ground: "pressing_problem", DeptIDs: []int64{e.Dept.ID}, Note: "吹哨内容：请城管到场"}); w.StatusCode != 201 {
		t.Fatalf("whistle: %d %s", w.StatusCode, w.Body)
	}
	MustMove(t, sec, id, cases.Move{Action: "dispatch", Version: c.Version, UnitKind: "department", DeptID: e.Dept.ID}, http.StatusOK)
	// A reply or a note needs no version: the dispatch above was not stale.
	const staffName = "secretary（测试）"
	hidden := []string{"内部备注", "吹哨内容", staffName}

	page := resident.Get("/cases/" + itoa(id))
	if page.StatusCode != 200 || !strings.Contains(page.Body, "已安排城管今天更换井盖") {
		t.Fatalf("the reporter's page misses the reply: %d %s", page.StatusCode, page.Body)
	}
	for _, s := range hidden {
		if strings.Contains(page.Body, s) {
			t.Errorf("the reporter's page shows %q", s)
		}
	}
	if strings.Contains(page.Body, `id="whistle-`) {
		t.Error("the reporter's page shows the whistle")
	}
	tl := regexp.MustCompile(`(?s)<ol class="timeline" id="timeline">(.*?)</ol>`).FindStringSubmatch(page.Body)
	if tl == nil || !strings.Contains(tl[1], "社区") || !strings.Contains(tl[1], "答复群众") || strings.Contains(tl[1], "内部") {
		t.Errorf("the reporter's timeline names the community and shows the reply only: %v", tl)
	}

	var d cases.CaseDetail
	r := resident.Get("/api/v1/cases/" + itoa(id))
	r.JSON(t, &d)
	for _, s := range hidden {
		if strings.Contains(r.Body, s) {
			t.Errorf("the reporter's API answer shows %q", s)
		}
	}
	if !strings.Contains(r.Body, "已安排城管今天更换井盖") || len(d.Whistles) != 0 {
		t.Errorf("the reporter's API answer: %s", r.Body)
	}
	for _, ev := range d.Events {
		if !ev.Public || ev.ActorName != "" || ev.Action == "note" || ev.Action == "whistle" {
			t.Errorf("the reporter reads %+v", ev)
		}
	}

	// Staff read everything, each entry marked public or internal.
	staff := sec.Get("/cases/" + itoa(id))
	for _, s := range []string{"内部备注", "已安排城管今天更换井盖", staffName, "吹哨内容", "内部</span>", "公开</span>"} {
		if !strings.Contains(staff.Body, s) {
			t.Errorf("the staff page misses %q", s)
		}
	}

	// Open311's updates are public: the reply is one, the note is not.
	ups := e.Anon().Get("/open311/v2/servicerequestupdates.json?start_date=2026-11-26T00:00%2B08:00&end_date=2026-11-27T00:00%2B08:00")
	if !strings.Contains(ups.Body, "已安排城管今天更换井盖") {
		t.Errorf("Open311 updates miss the reply: %s", ups.Body)
	}
	for _, s := range hidden {
		if strings.Contains(ups.Body, s) {
			t.Errorf("Open311 updates show %q: %s", s, ups.Body)
		}
	}
	// Residents may not write to the timeline.
	MustMove(t, resident, id, cases.Move{Action: "reply", Note: "我来答复"}, http.StatusForbidden)
}

// TestRatingLinkNamesItsCase: the rating page names the case (number,
// category, the start of the description); once used, it says so and
// when, and a link replaced after rework still says what it was for.
func TestRatingLinkNamesItsCase(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	resident := e.Login("resident")
	in := MustReport(t, resident, map[string]any{"category": "0303", "description": "三号楼前的路灯一直不亮", "lon": p[0], "lat": p[1], "contact_phone": "13912345678"})
	id := in.Case.ID
	// Sessions are signed in afresh: the clock moves past their idle time.
	closeIt := func() {
		t.Helper()
		sec, grid := e.Login("secretary"), e.Login("grid")
		var d cases.CaseDetail
		if r := sec.Get("/api/v1/cases/" + itoa(id)); r.StatusCode != 200 {
			t.Fatalf("case: %d %s", r.StatusCode, r.Body)
		} else {
			r.JSON(t, &d)
		}
		c := *d.Case
		if c.Status == cases.Submitted {
			c = MustMove(t, sec, id, cases.Move{Action: "accept", Version: c.Version}, 200)
			c = MustMove(t, sec, id, cases.Move{Action: "register", Version: c.Version}, 200)
			c = MustMove(t, sec, id, cases.Move{Action: "dispatch", Version: c.Version, UnitKind: "community"}, 200)
		}
		c = MustMove(t, sec, id, cases.Move{Action: "handle", Version: c.Version, Note: "已更换灯泡"}, 200)
		c = MustMove(t, grid, id, cases.Move{Action: "verify", Version: c.Version, Pass: ptr(true)}, 200)
		MustMove(t, sec, id, cases.Move{Action: "close", Version: c.Version}, 200)
	}
	link := func() string {
		t.Helper()
		var rl cases.RateLinkOut
		e.Login("district").Get("/api/v1/cases/"+itoa(id)+"/rate-link").JSON(t, &rl)
		if rl.URL == "" {
			t.Fatal("no rating link")
		}
		return rl.URL
	}
	closeIt()
	first := link()
	anon := e.Anon()
	g := anon.Get(first)
	if g.StatusCode != 200 || !strings.Contains(g.Body, in.Case.Number) || !strings.Contains(g.Body, "路灯不亮") || !strings.Contains(g.Body, "三号楼前的路灯") {
		t.Fatalf("the rating page does not name its case: %s", g.Body)
	}
	// A rating refused keeps what was typed, the problem beside its field.
	bad := anon.Form(first, url.Values{"resolved": {"0"}, "satisfaction": {"great"}, "note": {"还是不亮"}})
	if bad.StatusCode != 422 || !strings.Contains(bad.Body, `id="satisfaction-error"`) || !strings.Contains(bad.Body, ">还是不亮</textarea>") ||
		!strings.Contains(bad.Body, `name="resolved" value="0" checked`) {
		t.Errorf("a refused rating: %d %s", bad.StatusCode, bad.Body)
	}
	e.Clock.Add(time.Hour)
	if r := anon.Form(first, url.Values{"resolved": {"0"}, "satisfaction": {"unsatisfied"}}); r.StatusCode != 200 {
		t.Fatalf("rate: %d %s", r.StatusCode, r.Body)
	}
	used := anon.Get(first)
	if !strings.Contains(used.Body, `id="rate-already"`) || !strings.Contains(used.Body, "2026-11-26 11:00") || !strings.Contains(used.Body, "已于") ||
		!strings.Contains(used.Body, in.Case.Number) {
		t.Errorf("a used link says when it was used: %s", used.Body)
	}
	// Unresolved: handled again and closed again, with a new link; the
	// old one still names its case and says it was used.
	closeIt()
	second := link()
	if second == first {
		t.Fatal("no new link after rework")
	}
	old := anon.Get(first)
	if old.StatusCode != 200 || !strings.Contains(old.Body, `id="rate-already"`) || !strings.Contains(old.Body, in.Case.Number) {
		t.Errorf("the replaced link: %d %s", old.StatusCode, old.Body)
	}
	if r := anon.Form(first, url.Values{"resolved": {"1"}, "satisfaction": {"satisfied"}}); r.StatusCode != 409 || !strings.Contains(r.Body, `id="rate-already"`) {
		t.Errorf("rating by the replaced link: %d", r.StatusCode)
	}
	if r := anon.Form(second, url.Values{"resolved": {"1"}, "satisfaction": {"satisfied"}}); r.StatusCode != 200 || !strings.Contains(r.Body, `id="rate-done"`) {
		t.Errorf("the new link rates the rework: %d %s", r.StatusCode, r.Body)
	}
	// The reporter's own case page names the case in its rating form.
	if page := e.Login("resident").Get("/cases/" + itoa(id)); !strings.Contains(page.Body, `id="case-rating"`) {
		t.Errorf("the reporter's page shows the rating: %s", page.Body)
	}
}
