package cases_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestRatingFormChoosesNothing: the rating forms preselect no answer, and
// one sent without 是否解决 or without a satisfaction is asked again,
// beside each field, and records nothing: one tap on 提交 never rates a
// case "resolved, satisfied".
func TestRatingFormChoosesNothing(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	resident := e.Login("resident")
	in := MustReport(t, resident, map[string]any{"category": "0303", "description": "五号楼前路灯不亮", "lon": p[0], "lat": p[1]})
	id := in.Case.ID
	sec := e.Login("secretary")
	c := MustMove(t, sec, id, cases.Move{Action: "accept", Version: in.Case.Version}, 200)
	c = MustMove(t, sec, id, cases.Move{Action: "register", Version: c.Version}, 200)
	c = MustMove(t, sec, id, cases.Move{Action: "dispatch", Version: c.Version, UnitKind: "community"}, 200)
	c = MustMove(t, sec, id, cases.Move{Action: "handle", Version: c.Version, Note: "已更换灯泡"}, 200)
	c = MustMove(t, e.Login("grid"), id, cases.Move{Action: "verify", Version: c.Version, Pass: ptr(true)}, 200)
	MustMove(t, sec, id, cases.Move{Action: "close", Version: c.Version}, 200)

	page := resident.Get("/cases/" + itoa(id))
	form := page.Body[strings.Index(page.Body, `id="case-rate-form"`):]
	form = form[:strings.Index(form, "</form>")]
	if strings.Contains(form, "checked") {
		t.Errorf("the rating form preselects an answer: %s", form)
	}
	r := resident.Form("/cases/"+itoa(id)+"/rate", url.Values{"note": {"谢谢"}})
	if r.StatusCode != http.StatusUnprocessableEntity || strings.Count(r.Body, `class="field-error"`) < 2 || !strings.Contains(r.Body, "谢谢") {
		t.Errorf("a rating sent without answers: %d", r.StatusCode)
	}
	var got cases.CaseDetail
	resident.Get("/api/v1/cases/"+itoa(id)).JSON(t, &got)
	if got.Case.RatedAt != nil || got.Case.Satisfaction != "" {
		t.Errorf("an unanswered form rated the case: %+v", got.Case)
	}
	if r := resident.Form("/cases/"+itoa(id)+"/rate", url.Values{"resolved": {"1"}, "satisfaction": {"basic"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a rating with answers: %d", r.StatusCode)
	}
}
