package cases_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/registry"
)

// caseVersion is the case's version as staff read it.
func caseVersion(t *testing.T, c *apptest.Client, id int64) string {
	t.Helper()
	var d cases.CaseDetail
	c.Get("/api/v1/cases/"+itoa(id)).JSON(t, &d)
	return strconv.Itoa(d.Case.Version)
}

// actOnPage posts an action form of the case page and checks the answer.
func actOnPage(t *testing.T, c *apptest.Client, id int64, v url.Values, want int) apptest.Response {
	t.Helper()
	if v.Get("version") == "" {
		v.Set("version", caseVersion(t, c, id))
	}
	r := postMultipart(c, "/cases/"+itoa(id)+"/act", v, nil)
	if r.StatusCode != want {
		t.Fatalf("%s: %d (want %d) %s", v.Get("action"), r.StatusCode, want, r.Body)
	}
	return r
}

// opened reports whether the action form of name is shown open.
func opened(body, name string) bool {
	return regexp.MustCompile(`id="act-` + name + `" open>`).MatchString(body)
}

// TestWhistleToUnstaffedDepartment: whistling to a department that has no
// active account warns on the page and in the API answer; the whistle
// holds the case open until it is withdrawn, with a reason, audited and
// internal on the timeline; a called department can be replaced.
func TestWhistleToUnstaffedDepartment(t *testing.T) {
	e := apptest.New(t)
	nobody := MustDepartment(t, e, "甲区住房和城乡建设局", apptest.DistrictA)
	p := e.Points[apptest.GridA1]
	resident := e.Login("resident")
	in := MustReport(t, resident, map[string]any{"category": "0601", "description": "楼顶违建", "lon": p[0], "lat": p[1]})
	id := in.Case.ID
	sec := e.Login("secretary")
	c := MustMove(t, sec, id, cases.Move{Action: "accept", Version: in.Case.Version}, 200)
	c = MustMove(t, sec, id, cases.Move{Action: "register", Version: c.Version}, 200)
	if page := sec.Get("/cases/" + itoa(id)); !strings.Contains(page.Body, "甲区住房和城乡建设局 <span class=\"tag bad no-account\">") ||
		strings.Contains(page.Body, "甲区城市管理局 <span class=\"tag bad no-account\">") {
		t.Errorf("the whistle form does not mark the department without an account")
	}
	r := sec.API("POST", "/api/v1/cases/"+itoa(id)+"/whistles", cases.WhistleInput{Ground: "joint_enforcement", DeptIDs: []int64{nobody.ID}, Note: "请住建部门到场"})
	var w cases.Whistle
	r.JSON(t, &w)
	if r.StatusCode != 201 || len(w.Unstaffed) != 1 || w.Unstaffed[0] != "甲区住房和城乡建设局" || !w.Parties[0].NoAccount {
		t.Fatalf("whistle to a department without accounts: %d %s", r.StatusCode, r.Body)
	}
	page := sec.Get("/cases/" + itoa(id))
	if !strings.Contains(page.Body, `id="whistle-unstaffed"`) {
		t.Errorf("the case page does not warn of the unstaffed department")
	}
	c = MustMove(t, sec, id, cases.Move{Action: "dispatch", Version: c.Version, UnitKind: "community"}, 200)
	c = MustMove(t, sec, id, cases.Move{Action: "handle", Version: c.Version, Note: "已拆除"}, 200)
	c = MustMove(t, e.Login("grid"), id, cases.Move{Action: "verify", Version: c.Version, Pass: ptr(true)}, 200)
	MustMove(t, sec, id, cases.Move{Action: "close", Version: c.Version}, http.StatusConflict)

	// Withdrawing needs a reason: the form comes back open with it marked.
	change := "/whistles/" + itoa(w.ID) + "/change"
	if r := sec.Form(change, url.Values{"action": {"withdraw"}, "dept_id": {"0"}, "reason": {""}}); r.StatusCode != 422 ||
		!regexp.MustCompile(`id="whistle-change-`+itoa(w.ID)+`" open`).MatchString(r.Body) || !strings.Contains(r.Body, "原因") {
		t.Fatalf("withdraw without a reason: %d %s", r.StatusCode, r.Body)
	}
	before := auditCount(t, e)
	r = sec.Form(change, url.Values{"action": {"withdraw"}, "dept_id": {"0"}, "reason": {"该部门尚未开通账号，改由社区协调"}})
	if r.StatusCode != 303 {
		t.Fatalf("withdraw: %d %s", r.StatusCode, r.Body)
	}
	if auditCount(t, e) != before+1 {
		t.Error("the withdrawal is not audited")
	}
	done := sec.Get(r.Header.Get("Location"))
	if !strings.Contains(done.Body, "已撤回对 甲区住房和城乡建设局 的吹哨") || !strings.Contains(done.Body, "该部门尚未开通账号") ||
		strings.Contains(done.Body, `id="whistle-unstaffed"`) {
		t.Errorf("after the withdrawal: %s", done.Body)
	}
	if rp := resident.Get("/cases/" + itoa(id)); strings.Contains(rp.Body, "该部门尚未开通账号") || strings.Contains(rp.Body, "撤回") {
		t.Error("the reporter reads the withdrawal")
	}
	// Withdrawn, the whistle no longer holds the case open.
	MustMove(t, sec, id, cases.Move{Action: "close", Version: c.Version}, 200)

	// Replacing: a second case whistled to the unstaffed department and
	// the city management bureau; the first is replaced by the bureau's
	// neighbour, which has no account either and is flagged at once.
	in2 := MustReport(t, resident, map[string]any{"category": "0601", "description": "车库违建", "lon": p[0], "lat": p[1]})
	c2 := MustMove(t, sec, in2.Case.ID, cases.Move{Action: "accept", Version: in2.Case.Version}, 200)
	MustMove(t, sec, in2.Case.ID, cases.Move{Action: "register", Version: c2.Version}, 200)
	r = sec.API("POST", "/api/v1/cases/"+itoa(in2.Case.ID)+"/whistles", cases.WhistleInput{Ground: "joint_enforcement", DeptIDs: []int64{nobody.ID, e.Dept.ID}, Note: "联合执法"})
	r.JSON(t, &w)
	other := MustDepartment(t, e, "甲区城市管理执法局", apptest.DistrictA)
	r = sec.API("POST", "/api/v1/whistles/"+itoa(w.ID)+"/changes", cases.WhistleChange{Action: "replace", DeptID: nobody.ID, NewDeptID: e.Dept.ID, Reason: "重复"})
	if r.StatusCode != 422 || !strings.Contains(r.Body, "new_dept_id") {
		t.Errorf("replace by a department already called: %d %s", r.StatusCode, r.Body)
	}
	r = sec.API("POST", "/api/v1/whistles/"+itoa(w.ID)+"/changes", cases.WhistleChange{Action: "replace", DeptID: nobody.ID, NewDeptID: other.ID, Reason: "违建归执法局管"})
	var changed cases.Whistle
	r.JSON(t, &changed)
	if r.StatusCode != 200 || len(changed.Parties) != 3 || len(changed.Unstaffed) != 1 || changed.Unstaffed[0] != "甲区城市管理执法局" {
		t.Fatalf("replace: %d %s", r.StatusCode, r.Body)
	}
	for _, pt := range changed.Parties {
		if pt.DeptID == nobody.ID && pt.WithdrawnAt == nil || pt.DeptID == other.ID && pt.WithdrawnAt != nil {
			t.Errorf("party after the replacement: %+v", pt)
		}
	}
	// The department replaced can no longer report; the bureau can.
	if r := e.Login("dept").API("POST", "/api/v1/whistles/"+itoa(w.ID)+"/steps", cases.PartyInput{Action: "report"}); r.StatusCode != 200 {
		t.Errorf("the bureau reports: %d %s", r.StatusCode, r.Body)
	}
	// The bureau's feedback needs a note: the case page comes back with
	// the problem beside the field; then it says what was done.
	dept := e.Login("dept")
	step := "/whistles/" + itoa(w.ID) + "/step"
	back := "/cases/" + itoa(in2.Case.ID)
	if f := dept.Form(step, url.Values{"action": {"feedback"}, "note": {""}, "back": {back}}); f.StatusCode != 422 || !strings.Contains(f.Body, `id="party-note-error"`) {
		t.Errorf("feedback without a note: %d %s", f.StatusCode, f.Body)
	}
	f := dept.Form(step, url.Values{"action": {"feedback"}, "note": {"已到场处理"}, "back": {back}})
	if f.StatusCode != 303 || !strings.Contains(dept.Get(f.Header.Get("Location")).Body, "已反馈，等待社区评价") {
		t.Errorf("feedback: %d %s", f.StatusCode, f.Header.Get("Location"))
	}
	// A reporter, and department staff, may not change whistles.
	if r := e.Login("dept").API("POST", "/api/v1/whistles/"+itoa(w.ID)+"/changes", cases.WhistleChange{Action: "withdraw", Reason: "不想来"}); r.StatusCode != 403 {
		t.Errorf("a department withdraws a whistle: %d", r.StatusCode)
	}
}

// TestCasePageGuides: the case page opens what the case waits for from
// the reader and folds the rest away; each change says what it did, with
// names; units and places show by name; the list shows where and what.
func TestCasePageGuides(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	in := MustReport(t, e.Login("resident"), map[string]any{"category": "0303", "description": "小区东门的路灯坏了好几天了，晚上很黑", "lon": p[0], "lat": p[1]})
	id := in.Case.ID
	sec := e.Login("secretary")
	page := sec.Get("/cases/" + itoa(id))
	if !opened(page.Body, "accept") || opened(page.Body, "reject") || !strings.Contains(page.Body, `id="more-actions"`) {
		t.Errorf("a new report: accept open, reject folded: %s", page.Body)
	}
	r := actOnPage(t, sec, id, url.Values{"action": {"accept"}}, 303)
	if got := sec.Get(r.Header.Get("Location")); !strings.Contains(got.Body, `<p class="flash" role="status" id="case-done">已受理</p>`) || !opened(got.Body, "register") {
		t.Errorf("after accepting: %s", got.Body)
	}
	actOnPage(t, sec, id, url.Values{"action": {"register"}}, 303)
	r = actOnPage(t, sec, id, url.Values{"action": {"dispatch"}, "unit_kind": {"department"}, "dept_id": {itoa(e.Dept.ID)}}, 303)
	got := sec.Get(r.Header.Get("Location"))
	if !strings.Contains(got.Body, "已派遣至 甲区城市管理局") {
		t.Errorf("after dispatching: %s", got.Body)
	}
	// The community waits for the department now: nothing opens, 改派
	// least of all.
	if opened(got.Body, "reassign") || !strings.Contains(got.Body, `id="act-reassign"`) {
		t.Errorf("reassign opens right after the dispatch")
	}
	// The department's page opens what it must do: acknowledge.
	if dp := e.Login("dept").Get("/cases/" + itoa(id)); !opened(dp.Body, "acknowledge") {
		t.Errorf("the department's next step is not open")
	}
	// Sent back to the community instead: by name, never by code.
	r = actOnPage(t, sec, id, url.Values{"action": {"reassign"}, "unit_kind": {"community"}}, 303)
	got = sec.Get(r.Header.Get("Location"))
	if !strings.Contains(got.Body, "已改派至 甲一社区居委会") || !strings.Contains(got.Body, `<b id="case-unit">甲一社区居委会</b>`) ||
		strings.Contains(got.Body, ">"+apptest.CommunityA+"<") || !strings.Contains(got.Body, "甲一社区居委会 甲一网格1") {
		t.Errorf("the community unit by name: %s", got.Body)
	}
	l := sec.Get("/cases")
	if !strings.Contains(l.Body, "甲一社区居委会 甲一网格1") || !strings.Contains(l.Body, "小区东门的路灯坏了好几天了") || strings.Contains(l.Body, ">"+apptest.CommunityA+"<") {
		t.Errorf("the list shows place and excerpt by name: %s", l.Body)
	}
	// A refused form comes back open with the input kept: a property
	// company needs its name.
	r = actOnPage(t, sec, id, url.Values{"action": {"reassign"}, "unit_kind": {"property"}, "unit_name": {""}, "note": {"物业负责路灯"}}, 422)
	if !opened(r.Body, "reassign") || !strings.Contains(r.Body, `name="unit_kind" value="property" checked`) || !strings.Contains(r.Body, ">物业负责路灯</textarea>") ||
		!strings.Contains(r.Body, `class="field-error"`) {
		t.Errorf("the refused reassignment: %s", r.Body)
	}
	// A stale form says so in the form, which stays open.
	r = actOnPage(t, sec, id, url.Values{"action": {"suspend"}, "version": {"1"}, "note": {"等待配件"}}, 409)
	if !opened(r.Body, "suspend") || !strings.Contains(r.Body, ">等待配件</textarea>") {
		t.Errorf("a stale form: %s", r.Body)
	}

	// In English: categories, channels, units and sides translated.
	en := e.Login("secretary")
	en.Form("/lang", url.Values{"lang": {"en"}, "next": {"/cases"}})
	ep := en.Get("/cases/" + itoa(id))
	for _, s := range []string{"Street light out", "Resident", "Community", "Reassign"} {
		if !strings.Contains(ep.Body, s) {
			t.Errorf("the English case page misses %q", s)
		}
	}
	if el := en.Get("/cases"); !strings.Contains(el.Body, "Street light out") {
		t.Errorf("the English list shows the category in Chinese")
	}
}

// TestFormsKeepInput: a report or a whistle left incomplete comes back as
// the form, the problem beside the field, everything typed kept; the
// category is found by typing its name.
func TestFormsKeepInput(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	resident := e.Login("resident")
	if f := resident.Get("/cases/new"); !strings.Contains(f.Body, `<optgroup label="道路交通">`) || !strings.Contains(f.Body, `list="category-options"`) ||
		!strings.Contains(f.Body, `<option value="路灯不亮（道路交通）">`) {
		t.Errorf("the report form groups and searches the categories: %s", f.Body)
	}
	fields := url.Values{"category_text": {"路灯"}, "description": {""}, "address": {"甲一网格1路1号1栋"}, "contact_name": {"王先生"}, "contact_phone": {"123"}}
	r := postMultipart(resident, "/cases", fields, nil)
	if r.StatusCode != 422 || !strings.Contains(r.Body, `id="description-error"`) || !strings.Contains(r.Body, `id="contact-phone-error"`) ||
		!strings.Contains(r.Body, `value="王先生"`) || !strings.Contains(r.Body, `value="甲一网格1路1号1栋"`) || !strings.Contains(r.Body, `value="0303" selected`) {
		t.Fatalf("an incomplete report: %d %s", r.StatusCode, r.Body)
	}
	// Typed text that fits several types, or none.
	fields = url.Values{"category_text": {"垃圾"}, "description": {"门口很多垃圾"}, "lon": {ftoa(p[0])}, "lat": {ftoa(p[1])}}
	if r := postMultipart(resident, "/cases", fields, nil); r.StatusCode != 422 || !strings.Contains(r.Body, `id="category-error"`) || !strings.Contains(r.Body, "暴露垃圾") ||
		!strings.Contains(r.Body, `value="垃圾"`) {
		t.Errorf("an ambiguous category: %d %s", r.StatusCode, r.Body)
	}
	fields.Set("category_text", "")
	if r := postMultipart(resident, "/cases", fields, nil); r.StatusCode != 422 || !strings.Contains(r.Body, "请选择或输入问题类型") {
		t.Errorf("no category: %d %s", r.StatusCode, r.Body)
	}
	fields.Set("category_text", "Exposed rubbish")
	if r := postMultipart(resident, "/cases", fields, nil); r.StatusCode != 303 {
		t.Errorf("a category by its English name: %d %s", r.StatusCode, r.Body)
	}

	// The whistle form: no department chosen.
	in := MustReport(t, resident, map[string]any{"category": "0303", "description": "路灯不亮", "lon": p[0], "lat": p[1]})
	sec := e.Login("secretary")
	MustMove(t, sec, in.Case.ID, cases.Move{Action: "accept", Version: in.Case.Version}, 200)
	w := sec.Form("/cases/"+itoa(in.Case.ID)+"/whistle", url.Values{"ground": {"emergency"}, "note": {"线路需城管协调"}, "respond_minutes": {"45"}})
	if w.StatusCode != 422 || !strings.Contains(w.Body, `id="whistle-box" open`) || !strings.Contains(w.Body, ">线路需城管协调</textarea>") ||
		!strings.Contains(w.Body, `value="emergency" selected`) || !strings.Contains(w.Body, `value="45"`) {
		t.Errorf("an incomplete whistle: %d %s", w.StatusCode, w.Body)
	}
	// A reply needs its text.
	r = actOnPage(t, sec, in.Case.ID, url.Values{"action": {"reply"}, "note": {""}}, 422)
	if !opened(r.Body, "reply") || !strings.Contains(r.Body, "必填") {
		t.Errorf("an empty reply: %s", r.Body)
	}
}

// TestMergeByTypedNumber: a report that is a repeat of a case the
// duplicate search did not offer (another spot of the same street) is
// merged by typing that case's number; a typed number that is no case
// number, or a case of another class, gets its error beside the field
// and the report stays as it was.
func TestMergeByTypedNumber(t *testing.T) {
	e := apptest.New(t)
	p, q := e.Points[apptest.GridA1], e.Points[apptest.GridA2]
	resident := e.Login("resident")
	first := MustReport(t, resident, map[string]any{"category": "0303", "description": "路灯不亮", "lon": p[0], "lat": p[1]}).Case
	other := MustReport(t, resident, map[string]any{"category": "0601", "description": "楼顶违建", "lon": p[0], "lat": p[1]}).Case
	repeat := MustReport(t, resident, map[string]any{"category": "0303", "description": "同一条路的路灯都不亮", "lon": q[0], "lat": q[1]}).Case
	sec := e.Login("secretary")
	page := sec.Get("/cases/" + itoa(repeat.ID))
	if !strings.Contains(page.Body, `name="merge_number"`) || strings.Contains(page.Body, `<select name="merge_into"></select>`) {
		t.Fatalf("the merge form offers no way to name the case: %s", page.Body)
	}
	for _, bad := range []string{"路灯那件", other.Number} {
		r := actOnPage(t, sec, repeat.ID, url.Values{"action": {"merge"}, "merge_number": {bad}}, 422)
		if !opened(r.Body, "merge") || !strings.Contains(r.Body, `value="`+bad+`"`) || !strings.Contains(r.Body, `class="field-error"`) {
			t.Errorf("merge into %q: the form is not open with the error and what was typed", bad)
		}
	}
	var d cases.CaseDetail
	sec.Get("/api/v1/cases/"+itoa(repeat.ID)).JSON(t, &d)
	if d.Case.Status != cases.Submitted {
		t.Fatalf("a refused merge changed the report: %s", d.Case.Status)
	}
	actOnPage(t, sec, repeat.ID, url.Values{"action": {"merge"}, "merge_number": {" " + first.Number + " "}}, 303)
	sec.Get("/api/v1/cases/"+itoa(repeat.ID)).JSON(t, &d)
	if d.Case.Status != cases.Merged || d.Case.MergedInto != first.ID {
		t.Errorf("merged by number: %s into %d, want into %d", d.Case.Status, d.Case.MergedInto, first.ID)
	}
}

// TestDispatchOffersPropertyCompanies: the dispatch form offers the
// property companies of the community's compounds by name, never another
// community's, so that a case reaches the company's account as written.
func TestDispatchOffersPropertyCompanies(t *testing.T) {
	e := apptest.New(t)
	for _, c := range []registry.CompoundInput{
		{RegionCode: apptest.CommunityA, Name: "甲一小区", Address: "甲一路1号", PropertyCompany: "甲一物业服务有限公司"},
		{RegionCode: apptest.CommunityB, Name: "乙一小区", Address: "乙一路1号", PropertyCompany: "乙一物业服务有限公司"},
	} {
		if _, err := e.App.Registry.CreateCompound(e.System(), c); err != nil {
			t.Fatal(err)
		}
	}
	p := e.Points[apptest.GridA1]
	in := MustReport(t, e.Login("resident"), map[string]any{"category": "0303", "description": "小区路灯不亮", "lon": p[0], "lat": p[1]})
	sec := e.Login("secretary")
	c := MustMove(t, sec, in.Case.ID, cases.Move{Action: "accept", Version: in.Case.Version}, 200)
	MustMove(t, sec, in.Case.ID, cases.Move{Action: "register", Version: c.Version}, 200)
	page := sec.Get("/cases/" + itoa(in.Case.ID))
	if !strings.Contains(page.Body, `<option value="甲一物业服务有限公司">`) || !strings.Contains(page.Body, `list="properties-dispatch"`) {
		t.Errorf("the dispatch form does not offer the community's property company")
	}
	if strings.Contains(page.Body, "乙一物业服务有限公司") {
		t.Errorf("the dispatch form offers another community's property company")
	}
}

// TestRankingMarksPartialScores: a community whose cases are not rated
// yet is scored on what it has, and the ranking page says which rates
// its score leaves out, in the reader's language.
func TestRankingMarksPartialScores(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	in := MustReport(t, e.Login("resident"), map[string]any{"category": "0303", "description": "路灯不亮", "lon": p[0], "lat": p[1]})
	sec := e.Login("secretary")
	c := MustMove(t, sec, in.Case.ID, cases.Move{Action: "accept", Version: in.Case.Version}, 200)
	c = MustMove(t, sec, in.Case.ID, cases.Move{Action: "register", Version: c.Version}, 200)
	MustMove(t, sec, in.Case.ID, cases.Move{Action: "dispatch", Version: c.Version, UnitKind: "community"}, 200)
	sub := e.Login("subdistrict")
	var rk cases.Ranking
	sub.Get("/api/v1/case-rankings?month=2026-11&level=community").JSON(t, &rk)
	if len(rk.Scores) != 1 || strings.Join(rk.Scores[0].Missing, ",") != "resolution,satisfaction" {
		t.Fatalf("ranking of an unrated community: %+v", rk.Scores)
	}
	if page := sub.Get("/cases/ranking?month=2026-11&level=community"); !strings.Contains(page.Body, "* 未含：解决率、满意率") {
		t.Errorf("the ranking page does not say what the score leaves out")
	}
	sub.Form("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
	if page := sub.Get("/cases/ranking?month=2026-11&level=community"); !strings.Contains(page.Body, "without: Resolution") {
		t.Errorf("the English ranking page does not say what the score leaves out")
	}
}
