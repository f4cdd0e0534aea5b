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
	"grassroots/internal/platform/pagetext"
	"grassroots/internal/platform/web"
)

// closedWithPhoto is a resident's report handled by the community with a
// note and a photo, noted internally, checked and closed with a note.
func closedWithPhoto(t *testing.T, e *apptest.Env) int64 {
	t.Helper()
	p := e.Points[apptest.GridA1]
	in := MustReport(t, e.Login("resident"), map[string]any{"category": "0303", "description": "三号楼前路灯不亮", "lon": p[0], "lat": p[1]})
	id := in.Case.ID
	sec := e.Login("secretary")
	c := MustMove(t, sec, id, cases.Move{Action: "accept", Version: in.Case.Version}, 200)
	c = MustMove(t, sec, id, cases.Move{Action: "register", Version: c.Version}, 200)
	c = MustMove(t, sec, id, cases.Move{Action: "dispatch", Version: c.Version, UnitKind: "community"}, 200)
	r := postMultipart(sec, "/cases/"+itoa(id)+"/act", url.Values{"action": {"handle"}, "version": {itoa(int64(c.Version))}, "note": {"已更换灯泡，恢复照明"}},
		map[string][]byte{"fixed.png": pngBytes()})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("handle with a photo: %d %s", r.StatusCode, r.Body)
	}
	var d cases.CaseDetail
	sec.Get("/api/v1/cases/"+itoa(id)).JSON(t, &d)
	c = *d.Case
	c = MustMove(t, sec, id, cases.Move{Action: "note", Version: c.Version, Note: "供货商编号 GX-778，内部留存"}, 200)
	c = MustMove(t, e.Login("grid"), id, cases.Move{Action: "verify", Version: c.Version, Pass: ptr(true)}, 200)
	MustMove(t, sec, id, cases.Move{Action: "close", Version: c.Version, Note: "经回访，居民确认已亮灯"}, 200)
	return id
}

// TestReporterReadsHowItWasHandled: the reporter's case page tells how the
// case was handled and why it was closed (the notes of the public
// entries) with the handling photo, before the rating form; internal
// entries and staff names stay hidden, and the handling photo opens for
// the reporter.
func TestReporterReadsHowItWasHandled(t *testing.T) {
	e := apptest.New(t)
	id := closedWithPhoto(t, e)
	resident := e.Login("resident")
	page := resident.Get("/cases/" + itoa(id))
	if page.StatusCode != http.StatusOK {
		t.Fatalf("case page: %d", page.StatusCode)
	}
	text := pagetext.VisibleText(page.Body)
	for _, want := range []string{"已更换灯泡，恢复照明", "经回访，居民确认已亮灯"} {
		if !strings.Contains(text, want) {
			t.Errorf("the reporter does not read %q", want)
		}
	}
	for _, hidden := range []string{"GX-778", "secretary（测试）", "grid（测试）"} {
		if strings.Contains(text, hidden) {
			t.Errorf("the reporter reads %q", hidden)
		}
	}
	handled, form := strings.Index(page.Body, "已更换灯泡"), strings.Index(page.Body, `id="case-rate-form"`)
	if form < 0 || handled > form {
		t.Errorf("the handling note (at %d) comes after the rating form (at %d)", handled, form)
	}
	photos := regexp.MustCompile(`<img src="(/cases/\d+/photos/\d+)"`).FindAllStringSubmatch(page.Body, -1)
	if len(photos) == 0 || strings.Index(page.Body, photos[0][0]) > form {
		t.Fatalf("the reporter sees no handling photo before the rating form: %v", photos)
	}
	if r := resident.Get(photos[0][1]); r.StatusCode != http.StatusOK {
		t.Errorf("the reporter opens the handling photo: %d", r.StatusCode)
	}
	// Another resident reads nothing of it.
	MustUser(t, e, "neighbour", "resident", apptest.CommunityA, 0)
	if r := e.Login("neighbour").Get(photos[0][1]); r.StatusCode != http.StatusNotFound {
		t.Errorf("another resident opens the photo: %d, want 404", r.StatusCode)
	}
	// The API tells the reporter the same.
	var d cases.CaseDetail
	resident.Get("/api/v1/cases/"+itoa(id)).JSON(t, &d)
	var notes []string
	for _, ev := range d.Events {
		if !ev.Public || ev.ActorName != "" {
			t.Errorf("the reporter's API timeline holds %+v", ev)
		}
		notes = append(notes, ev.Note)
	}
	if j := strings.Join(notes, "|"); !strings.Contains(j, "已更换灯泡") || strings.Contains(j, "GX-778") {
		t.Errorf("the reporter's API notes: %s", j)
	}
}

// TestReporterReadsPublicStatuses: a reporter reads one vocabulary of
// statuses on their list, the case page and the workbench (已受理, 已处置
// …, never 已立案 or 待核查), and their list has no staff columns.
func TestReporterReadsPublicStatuses(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	resident, sec := e.Login("resident"), e.Login("secretary")
	in := MustReport(t, resident, map[string]any{"category": "0303", "description": "五号楼路灯闪烁", "lon": p[0], "lat": p[1]})
	id := in.Case.ID
	c := MustMove(t, sec, id, cases.Move{Action: "accept", Version: in.Case.Version}, 200)
	c = MustMove(t, sec, id, cases.Move{Action: "register", Version: c.Version}, 200)
	reads := func(stage, want string, not ...string) {
		t.Helper()
		list := pagetext.VisibleText(resident.Get("/cases?view=mine").Body)
		page := resident.Get("/cases/" + itoa(id)).Body
		status := regexp.MustCompile(`id="case-status">([^<]*)<`).FindStringSubmatch(page)
		if status == nil || status[1] != want {
			t.Errorf("%s: the case page says %v, want %s", stage, status, want)
		}
		if !strings.Contains(list, want) {
			t.Errorf("%s: the list does not say %s: %s", stage, want, list)
		}
		for _, n := range not {
			if strings.Contains(list, n) || strings.Contains(pagetext.VisibleText(page), n) {
				t.Errorf("%s: the reporter reads the staff step %s", stage, n)
			}
		}
		var wb struct {
			Panels []struct {
				Name string    `json:"name"`
				Rows []web.Row `json:"rows"`
			} `json:"panels"`
		}
		resident.Get("/api/v1/workbench").JSON(t, &wb)
		found := false
		for _, pn := range wb.Panels {
			for _, r := range pn.Rows {
				if strings.Contains(r.Title, c.Number) {
					found = true
					if r.Badge != want {
						t.Errorf("%s: the workbench says %s, want %s", stage, r.Badge, want)
					}
				}
			}
		}
		if !found {
			t.Errorf("%s: the workbench does not list the report", stage)
		}
	}
	reads("registered", "已受理", "已立案")
	list := resident.Get("/cases?view=mine").Body
	head := list[strings.Index(list, "<thead>"):strings.Index(list, "</thead>")]
	if strings.Contains(head, "单位") || strings.Contains(head, "期限") {
		t.Errorf("the reporter's list shows staff columns: %s", pagetext.VisibleText(head))
	}
	c = MustMove(t, sec, id, cases.Move{Action: "dispatch", Version: c.Version, UnitKind: "community"}, 200)
	reads("dispatched", "处置中")
	c = MustMove(t, sec, id, cases.Move{Action: "handle", Version: c.Version, Note: "已修复"}, 200)
	reads("handled", "已处置", "待核查")
	c = MustMove(t, e.Login("grid"), id, cases.Move{Action: "verify", Version: c.Version, Pass: ptr(true)}, 200)
	reads("verified", "已处置", "待结案")
	// Staff still read the steps.
	if s := regexp.MustCompile(`id="case-status">([^<]*)<`).FindStringSubmatch(sec.Get("/cases/" + itoa(id)).Body); s == nil || s[1] != "待结案" {
		t.Errorf("staff read the status %v, want 待结案", s)
	}
}

// TestFormErrorsNameTheirFields: each problem is named by the label its
// form shows: 问题解决了吗？, 问题类型, 反馈, 物业公司名称 (required, not a
// length), and a whistle without a department asks to choose one.
func TestFormErrorsNameTheirFields(t *testing.T) {
	e := apptest.New(t)
	id := closedWithPhoto(t, e)
	resident, sec := e.Login("resident"), e.Login("secretary")
	fieldErrors := func(body string) string {
		var out []string
		for _, m := range regexp.MustCompile(`class="field-error"[^>]*>([^<]*)<`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return strings.Join(out, " | ")
	}
	r := resident.Form("/cases/"+itoa(id)+"/rate", url.Values{"satisfaction": {"basic"}})
	if got := fieldErrors(r.Body); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got, "问题解决了吗？") || strings.Contains(got, "resolved") {
		t.Errorf("rating without 是否解决: %d %q", r.StatusCode, got)
	}

	p := e.Points[apptest.GridA1]
	r = postMultipart(resident, "/cases", url.Values{"description": {"路灯不亮"}, "lon": {ftoa(p[0])}, "lat": {ftoa(p[1])}}, nil)
	if got := fieldErrors(r.Body); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got, "问题类型") || strings.Contains(got, "类别") {
		t.Errorf("report without a category: %d %q", r.StatusCode, got)
	}

	in := MustReport(t, sec, map[string]any{"category": "0601", "description": "电梯故障", "lon": p[0], "lat": p[1]})
	c := MustMove(t, sec, in.Case.ID, cases.Move{Action: "register", Version: in.Case.Version}, 200)
	r = sec.Form("/cases/"+itoa(c.ID)+"/act", url.Values{"action": {"dispatch"}, "version": {itoa(int64(c.Version))}, "unit_kind": {"property"}, "unit_name": {""}})
	if got := fieldErrors(r.Body); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got, "物业公司名称: 必填") || strings.Contains(got, "长度") {
		t.Errorf("dispatch to a property company without a name: %d %q", r.StatusCode, got)
	}

	r = sec.Form("/cases/"+itoa(c.ID)+"/whistle", url.Values{"ground": {"pressing_problem"}, "note": {"请城管到场"}})
	if got := fieldErrors(r.Body); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got, "请至少选择一个部门") || strings.Contains(got, "数量") {
		t.Errorf("whistle without a department: %d %q", r.StatusCode, got)
	}
	w := sec.API("POST", "/api/v1/cases/"+itoa(c.ID)+"/whistles", cases.WhistleInput{Ground: "pressing_problem", DeptIDs: []int64{e.Dept.ID}, Note: "请城管到场"})
	if w.StatusCode != http.StatusCreated {
		t.Fatalf("whistle: %d %s", w.StatusCode, w.Body)
	}
	var wl cases.Whistle
	w.JSON(t, &wl)
	dept := e.Login("dept")
	if r := dept.Form("/whistles/"+itoa(wl.ID)+"/step", url.Values{"action": {"report"}, "back": {"/cases/" + itoa(c.ID)}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("report to the whistle: %d", r.StatusCode)
	}
	r = dept.Form("/whistles/"+itoa(wl.ID)+"/step", url.Values{"action": {"feedback"}, "note": {""}, "back": {"/cases/" + itoa(c.ID)}})
	if got := fieldErrors(r.Body); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got, "反馈: 必填") || strings.Contains(got, "说明") {
		t.Errorf("feedback without a text: %d %q", r.StatusCode, got)
	}
}

// TestHandlerCountsAddUp: a property company's and a department's 待签收
// and 处置中 do not overlap: together they are the open cases handed to
// the unit, and each equals its list's total; the community neither signs
// for nor handles a case handed to a property company.
func TestHandlerCountsAddUp(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	sec := e.Login("secretary")
	dispatch := func(m cases.Move) cases.Case {
		t.Helper()
		in := MustReport(t, sec, map[string]any{"category": "0601", "description": "电梯故障，请维修", "lon": p[0], "lat": p[1]})
		c := MustMove(t, sec, in.Case.ID, cases.Move{Action: "register", Version: in.Case.Version}, 200)
		m.Action, m.Version = "dispatch", c.Version
		return MustMove(t, sec, c.ID, m, 200)
	}
	for _, unit := range []struct {
		account string
		move    cases.Move
	}{
		{"property", cases.Move{UnitKind: "property", UnitName: apptest.PropertyCompany}},
		{"dept", cases.Move{UnitKind: "department", DeptID: e.Dept.ID}},
	} {
		first := dispatch(unit.move)
		dispatch(unit.move)
		if unit.account == "property" {
			if acts := fmtActions(t, sec, first.ID); strings.Contains(acts, "acknowledge") || strings.Contains(acts, ",handle,") {
				t.Errorf("the community may %s on a property company's case", acts)
			}
			MustMove(t, sec, first.ID, cases.Move{Action: "acknowledge", Version: first.Version}, http.StatusForbidden)
			MustMove(t, sec, first.ID, cases.Move{Action: "handle", Version: first.Version, Note: "已修好"}, http.StatusForbidden)
			if page := sec.Get("/cases/" + itoa(first.ID)).Body; strings.Contains(page, `id="do-acknowledge"`) || strings.Contains(page, `id="do-handle"`) {
				t.Errorf("the community's page offers to sign for or handle a property company's case")
			}
		}
		c := e.Login(unit.account)
		MustMove(t, c, first.ID, cases.Move{Action: "acknowledge", Version: first.Version}, 200)
		var wb struct {
			Panels []struct {
				Name  string     `json:"name"`
				Items []web.Item `json:"items"`
			} `json:"panels"`
		}
		c.Get("/api/v1/workbench").JSON(t, &wb)
		counts := map[string]int64{}
		for _, pn := range wb.Panels {
			for _, it := range pn.Items {
				if it.Label == "待签收" || it.Label == "处置中" {
					counts[it.Label] = it.Count
					if n := apiTotal(t, c, it.Href); n != it.Count {
						t.Errorf("%s: «%s» counts %d, its list %s holds %d", unit.account, it.Label, it.Count, it.Href, n)
					}
				}
			}
		}
		if counts["待签收"] != 1 || counts["处置中"] != 1 {
			t.Errorf("%s: 待签收 %d, 处置中 %d, want 1 and 1 (two open cases, one signed for)", unit.account, counts["待签收"], counts["处置中"])
		}
	}
}

// fmtActions lists the actions the case's API offers c, comma-separated.
func fmtActions(t *testing.T, c *apptest.Client, id int64) string {
	t.Helper()
	var d cases.CaseDetail
	c.Get("/api/v1/cases/"+itoa(id)).JSON(t, &d)
	return "," + strings.Join(d.Actions, ",") + ","
}

// apiTotal is the total of the case list at href (a page address).
func apiTotal(t *testing.T, c *apptest.Client, href string) int64 {
	t.Helper()
	u, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	var l struct {
		Total *int64 `json:"total"`
	}
	c.Get("/api/v1/cases?"+u.RawQuery).JSON(t, &l)
	if l.Total == nil {
		t.Fatalf("list %s has no total", href)
	}
	return *l.Total
}

// TestExtensionOnOverdueCase: more time approved on a case already past
// its deadline runs from the approval, so that it is time still to come.
func TestExtensionOnOverdueCase(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	sec := e.Login("secretary")
	in := MustReport(t, sec, map[string]any{"category": "0303", "description": "路灯不亮", "lon": p[0], "lat": p[1]})
	c := MustMove(t, sec, in.Case.ID, cases.Move{Action: "register", Version: in.Case.Version}, 200)
	c = MustMove(t, sec, c.ID, cases.Move{Action: "dispatch", Version: c.Version, UnitKind: "department", DeptID: e.Dept.ID}, 200)
	e.Clock.Add(10 * 24 * time.Hour) // well past the 2 working days
	sec, dept := e.Login("secretary"), e.Login("dept")
	c = MustMove(t, dept, c.ID, cases.Move{Action: "request_extension", Version: c.Version, Days: 2, Note: "需更换线缆"}, 200)
	c = MustMove(t, sec, c.ID, cases.Move{Action: "decide_extension", Version: c.Version, Approve: ptr(true)}, 200)
	now := e.Clock.Now()
	if c.HandleDueAt == nil || !c.HandleDueAt.After(now.Add(24*time.Hour)) {
		t.Errorf("approved 2 working days at %v: the deadline is %v, want later than a day from now", now, c.HandleDueAt)
	}
	if c.Overdue(now) {
		t.Errorf("the case is still overdue after more time was approved")
	}
}

// TestDispatchWarnsOfUnstaffedDepartment: the dispatch form marks a
// department without an active account, as the whistle form does.
func TestDispatchWarnsOfUnstaffedDepartment(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	MustDepartment(t, e, "甲区水务局", apptest.DistrictA)
	sec := e.Login("secretary")
	in := MustReport(t, sec, map[string]any{"category": "0303", "description": "路灯不亮", "lon": p[0], "lat": p[1]})
	c := MustMove(t, sec, in.Case.ID, cases.Move{Action: "register", Version: in.Case.Version}, 200)
	page := sec.Get("/cases/" + itoa(c.ID)).Body
	sel := regexp.MustCompile(`(?s)<select name="dept_id" id="dispatch-dept">(.*?)</select>`).FindStringSubmatch(page)
	if sel == nil {
		t.Fatalf("no dispatch form")
	}
	if !regexp.MustCompile(`>甲区水务局 \(无在岗账号\)</option>`).MatchString(sel[1]) {
		t.Errorf("the dispatch list does not mark the department without an account: %s", sel[1])
	}
	if !regexp.MustCompile(`>甲区城市管理局</option>`).MatchString(sel[1]) {
		t.Errorf("the dispatch list marks a staffed department: %s", sel[1])
	}
}
