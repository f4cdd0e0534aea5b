package admission_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"grassroots/internal/admission"
	"grassroots/internal/apptest"
)

// TestMain fails a full run in which some page of the module was rendered
// by none of its tests.
func TestMain(m *testing.M) { apptest.Main(m, "admission") }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// publishStarter saves the shipped starter list as the city's draft and
// publishes it, as the city administrator does, and returns it.
func publishStarter(t *testing.T, e *apptest.Env) admission.List {
	t.Helper()
	city := e.Login("city")
	var in admission.ListInput
	city.Get("/api/v1/admission/starter").JSON(t, &in)
	in.OwnerCode, in.EffectiveFrom = apptest.City, "2026-11-26"
	r := city.API("POST", "/api/v1/admission/lists", in)
	if r.StatusCode != 201 {
		t.Fatalf("draft: %d %s", r.StatusCode, r.Body)
	}
	var l admission.List
	r.JSON(t, &l)
	r = city.API("POST", "/api/v1/admission/lists/"+itoa(l.ID)+"/publish", map[string]any{})
	if r.StatusCode != 200 {
		t.Fatalf("publish: %d %s", r.StatusCode, r.Body)
	}
	r.JSON(t, &l)
	return l
}

// itemID finds the id of the item with code in l.
func itemID(t *testing.T, l admission.List, code string) int64 {
	t.Helper()
	for _, it := range l.Items {
		if it.Code == code {
			return it.ID
		}
	}
	t.Fatalf("no item %s", code)
	return 0
}

// rule is the rule of the first field error of a problem answer.
func rule(r apptest.Response) string {
	i := strings.Index(r.Body, `"rule":"`)
	if i < 0 {
		return ""
	}
	s := r.Body[i+8:]
	return "rule." + s[:strings.IndexByte(s, '"')]
}

// TestGateToInboxToFigures: a department's requests through the gate,
// over the API: an item of another department, a negative-list item, an
// assessment no item allows, a start too soon and a community outside its
// area are refused with the rule and change nothing but the count of
// refused attempts; a listed item reaches the community at once; an
// off-list request waits for the district's approver, who approves it in
// time; the community completes one task and declines the other, which the
// approver upholds; a decision after the deadline is refused. The figures
// of each level equal their parent's row for them.
func TestGateToInboxToFigures(t *testing.T) {
	e := apptest.New(t)
	l := publishStarter(t, e)
	dept := e.Login("dept") // 甲区城市管理局
	base := map[string]any{"title": "垃圾分类入户宣传", "target": apptest.DistrictA, "starts_on": "2026-11-27", "due_on": "2026-12-31"}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, tt := range []struct {
		name string
		body map[string]any
		rule string
	}{
		{"OtherDepartmentsItem", with("item_id", itemID(t, l, "XZ-01")), "rule.adm_item_other_department"},
		{"Negative", with("item_id", itemID(t, l, "FM-01")), "rule.adm_negative"},
		{"Assessment", with("kind", "assessment", "starts_on", "2027-02-01", "due_on", "2027-02-28"), "rule.adm_no_judging"},
		{"TooSoon", with("kind", "form"), "rule.adm_lead_time"},
		{"OutsideArea", with("item_id", itemID(t, l, "XZ-21"), "target", apptest.DistrictB), "rule.adm_outside_area"},
		{"DueBeforeStart", with("item_id", itemID(t, l, "XZ-21"), "due_on", "2026-11-20"), "rule.adm_due_before_start"},
		{"FarFuture", with("kind", "task", "starts_on", "9999-12-31", "due_on", "9999-12-31"), "rule.adm_within_year"},
		{"EndlessDue", with("item_id", itemID(t, l, "XZ-21"), "due_on", "2099-12-31"), "rule.adm_within_year"},
	} {
		r := dept.API("POST", "/api/v1/admission/requests", tt.body)
		if r.StatusCode != 422 || rule(r) != tt.rule {
			t.Errorf("%s: %d %s, want 422 %s", tt.name, r.StatusCode, r.Body, tt.rule)
		}
	}
	var none admission.Request
	if r := dept.Get("/api/v1/admission/requests"); !strings.Contains(r.Body, `"total":0`) {
		t.Fatalf("a refused request was stored: %s %v", r.Body, none)
	}
	listed := dept.API("POST", "/api/v1/admission/requests", with("item_id", itemID(t, l, "XZ-21")))
	var lr admission.Request
	listed.JSON(t, &lr)
	if listed.StatusCode != 201 || lr.Status != admission.Admitted || lr.Communities != 1 || lr.ListVersion != 1 || lr.Hours != 4 {
		t.Fatalf("a listed request: %d %+v", listed.StatusCode, lr)
	}
	off := dept.API("POST", "/api/v1/admission/requests", with("title", "沿街商户信息统计表", "kind", "form", "starts_on", "2027-02-01", "due_on", "2027-02-28", "hours", 6))
	var or admission.Request
	off.JSON(t, &or)
	if off.StatusCode != 201 || or.Status != admission.Pending || or.DecideBy == nil || or.Communities != 0 || or.ApproverCode != apptest.DistrictA {
		t.Fatalf("an off-list request: %d %+v", off.StatusCode, or)
	}
	sec := e.Login("secretary")
	var inbox struct {
		Items []admission.Task `json:"items"`
		Total int64            `json:"total"`
	}
	sec.Get("/api/v1/admission/tasks?status=open").JSON(t, &inbox)
	if inbox.Total != 1 || inbox.Items[0].RequestID != lr.ID {
		t.Fatalf("the community's inbox before approval: %+v", inbox)
	}
	// Only the approver of the department's district decides: not a
	// subdistrict, not the city.
	if r := e.Login("city").API("POST", "/api/v1/admission/requests/"+itoa(or.ID)+"/decision", map[string]any{"approve": true}); r.StatusCode != 404 {
		t.Errorf("the city decides a district's request: %d", r.StatusCode)
	}
	if r := e.Login("subdistrict").API("POST", "/api/v1/admission/requests/"+itoa(or.ID)+"/decision", map[string]any{"approve": true}); r.StatusCode != 403 {
		t.Errorf("a subdistrict decides: %d", r.StatusCode)
	}
	district := e.Login("district")
	var queue struct {
		Total int64 `json:"total"`
	}
	district.Get("/api/v1/admission/requests?queue=true").JSON(t, &queue)
	if queue.Total != 1 {
		t.Errorf("the approver's queue holds %d, want 1", queue.Total)
	}
	if r := district.API("POST", "/api/v1/admission/requests/"+itoa(or.ID)+"/decision", map[string]any{"approve": false}); r.StatusCode != 422 || rule(r) != "rule.adm_note_required" {
		t.Errorf("a refusal without its reason: %d %s", r.StatusCode, r.Body)
	}
	r := district.API("POST", "/api/v1/admission/requests/"+itoa(or.ID)+"/decision", map[string]any{"approve": true, "note": "确需统计，经费随事项下拨"})
	r.JSON(t, &or)
	if r.StatusCode != 200 || or.Status != admission.Approved || or.Communities != 1 {
		t.Fatalf("approved: %d %+v", r.StatusCode, or)
	}
	sec.Get("/api/v1/admission/tasks?status=open").JSON(t, &inbox)
	if inbox.Total != 2 {
		t.Fatalf("the inbox after approval holds %d, want 2", inbox.Total)
	}
	// Community B's worker sees neither task.
	for _, tk := range inbox.Items {
		if g := e.Login("worker").Get("/api/v1/admission/tasks/" + itoa(tk.ID)); g.StatusCode != 404 {
			t.Errorf("another community reads task %d: %d", tk.ID, g.StatusCode)
		}
	}
	var listedTask, offTask int64
	for _, tk := range inbox.Items {
		if tk.RequestID == lr.ID {
			listedTask = tk.ID
		} else {
			offTask = tk.ID
		}
	}
	if r := sec.API("POST", "/api/v1/admission/tasks/"+itoa(listedTask)+"/act", map[string]any{"action": "done"}); r.StatusCode != 422 || rule(r) != "rule.required" {
		t.Errorf("done without evidence: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.API("POST", "/api/v1/admission/tasks/"+itoa(listedTask)+"/act", map[string]any{"action": "done", "note": "入户 120 户，发放资料 120 份"}); r.StatusCode != 200 {
		t.Fatalf("done: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.API("POST", "/api/v1/admission/tasks/"+itoa(offTask)+"/act", map[string]any{"action": "decline", "note": "商户信息市场监管部门已有，不应由社区重复采集"}); r.StatusCode != 200 {
		t.Fatalf("decline: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.API("POST", "/api/v1/admission/tasks/"+itoa(offTask)+"/act", map[string]any{"action": "done", "note": "again"}); r.StatusCode != 409 {
		t.Errorf("acting on a declined task: %d", r.StatusCode)
	}
	var review struct {
		Total int64 `json:"total"`
	}
	district.Get("/api/v1/admission/tasks?status=review").JSON(t, &review)
	if review.Total != 1 {
		t.Errorf("declines to review: %d, want 1", review.Total)
	}
	if r := district.API("POST", "/api/v1/admission/tasks/"+itoa(offTask)+"/review", map[string]any{"approve": true, "note": "退回成立"}); r.StatusCode != 200 {
		t.Fatalf("uphold: %d %s", r.StatusCode, r.Body)
	}

	// The figures: each level's row for a division is that division's own
	// total, and the department is ranked by what it caused.
	month := "2026-11"
	report := func(c *apptest.Client, region string) admission.Report {
		t.Helper()
		var rep admission.Report
		if r := c.Get("/api/v1/admission/burden?region=" + region + "&month=" + month); r.StatusCode != 200 {
			t.Fatalf("burden of %s: %d %s", region, r.StatusCode, r.Body)
		} else {
			r.JSON(t, &rep)
		}
		return rep
	}
	cityRep := report(e.Login("city"), apptest.City)
	distRep := report(district, apptest.DistrictA)
	subRep := report(e.Login("subdistrict"), apptest.SubA)
	comRep := report(sec, apptest.CommunityA)
	for _, lv := range []struct {
		parent admission.Report
		child  admission.Report
	}{{cityRep, distRep}, {distRep, subRep}, {subRep, comRep}} {
		var row *admission.Figures
		for i := range lv.parent.Children {
			if lv.parent.Children[i].Code == lv.child.Region {
				row = &lv.parent.Children[i]
			}
		}
		if row == nil {
			t.Fatalf("%s has no row for %s", lv.parent.Region, lv.child.Region)
		}
		for _, m := range admission.Metrics {
			if row.N[m] != lv.child.Total.N[m] {
				t.Errorf("%s's row for %s: %s %d, its own total %d", lv.parent.Region, lv.child.Region, m, row.N[m], lv.child.Total.N[m])
			}
		}
		if row.Hours != lv.child.Total.Hours {
			t.Errorf("%s's row for %s: %v hours, its own %v", lv.parent.Region, lv.child.Region, row.Hours, lv.child.Total.Hours)
		}
	}
	want := map[string]int64{"tasks": 2, "form": 1, "offlist": 1, "refused": 2, "declined": 1}
	for m, n := range want {
		if comRep.Total.N[m] != n {
			t.Errorf("community A's %s: %d, want %d", m, comRep.Total.N[m], n)
		}
	}
	if comRep.Total.Hours != 10 {
		t.Errorf("community A's hours: %v, want 10", comRep.Total.Hours)
	}
	if len(distRep.Departments) != 1 || distRep.Departments[0].Name != "甲区城市管理局" || distRep.Departments[0].N["declined"] != 1 {
		t.Errorf("the departments ranked: %+v", distRep.Departments)
	}
	if b := report(e.Login("worker"), apptest.CommunityB); b.Total.N["tasks"] != 0 {
		t.Errorf("community B received %d tasks", b.Total.N["tasks"])
	}
	// The department reads its own figures, not another district's.
	if g := dept.Get("/api/v1/admission/burden?region=" + apptest.DistrictB); g.StatusCode != 404 {
		t.Errorf("the department reads district B's figures: %d", g.StatusCode)
	}

	// A decision after the deadline changes nothing.
	late := dept.API("POST", "/api/v1/admission/requests", with("title", "季度台账", "kind", "form", "starts_on", "2027-03-01", "due_on", "2027-03-31"))
	var lt admission.Request
	late.JSON(t, &lt)
	e.Clock.Add(30 * 24 * time.Hour)
	district, dept = e.Login("district"), e.Login("dept") // the sessions have lapsed
	if r := district.API("POST", "/api/v1/admission/requests/"+itoa(lt.ID)+"/decision", map[string]any{"approve": true}); r.StatusCode != 422 || rule(r) != "rule.adm_decision_late" {
		t.Errorf("a late decision: %d %s", r.StatusCode, r.Body)
	}
	var lapsed struct {
		Total int64 `json:"total"`
	}
	dept.Get("/api/v1/admission/requests?status=lapsed").JSON(t, &lapsed)
	if lapsed.Total != 1 {
		t.Errorf("lapsed requests: %d, want 1", lapsed.Total)
	}
}

// TestEmergencyPassesAndIsReviewed: an emergency reaches every community
// of the department's area at once and waits for the approver's review.
func TestEmergencyPassesAndIsReviewed(t *testing.T) {
	e := apptest.New(t)
	publishStarter(t, e)
	dept := e.Login("dept")
	r := dept.API("POST", "/api/v1/admission/requests", map[string]any{"title": "燃气管道泄漏排查", "kind": "inspection", "target": apptest.DistrictA,
		"starts_on": "2026-11-26", "due_on": "2026-11-27", "emergency": "public_safety"})
	if r.StatusCode != 422 || rule(r) != "rule.adm_emergency_reason" {
		t.Fatalf("an emergency without its reason: %d %s", r.StatusCode, r.Body)
	}
	r = dept.API("POST", "/api/v1/admission/requests", map[string]any{"title": "燃气管道泄漏排查", "kind": "inspection", "target": apptest.DistrictA,
		"starts_on": "2026-11-26", "due_on": "2026-11-27", "emergency": "public_safety", "emergency_reason": "甲一街道燃气管道泄漏，须逐户排查"})
	var req admission.Request
	r.JSON(t, &req)
	if r.StatusCode != 201 || req.Status != admission.Admitted || req.Rule != "gate.emergency" || req.Communities != 1 {
		t.Fatalf("an emergency: %d %+v", r.StatusCode, req)
	}
	district := e.Login("district")
	r = district.API("POST", "/api/v1/admission/requests/"+itoa(req.ID)+"/decision", map[string]any{"approve": false, "note": "属日常检查，不属紧急事项"})
	r.JSON(t, &req)
	if r.StatusCode != 200 || req.ReviewedAt == nil || req.Upheld() {
		t.Fatalf("review: %d %+v", r.StatusCode, req)
	}
	if r := district.API("POST", "/api/v1/admission/requests/"+itoa(req.ID)+"/decision", map[string]any{"approve": true}); r.StatusCode != 409 {
		t.Errorf("a second review: %d", r.StatusCode)
	}
	// Not an emergency after all: it counts against the department, at
	// every level alike.
	var com, dist admission.Report
	e.Login("secretary").Get("/api/v1/admission/burden?month=2026-11").JSON(t, &com)
	district.Get("/api/v1/admission/burden?month=2026-11").JSON(t, &dist)
	if com.Total.N["misused"] != 1 || dist.Total.N["misused"] != 1 || len(dist.Departments) != 1 || dist.Departments[0].N["misused"] != 1 {
		t.Errorf("the emergency found not to be one: community %d, district %d, departments %+v", com.Total.N["misused"], dist.Total.N["misused"], dist.Departments)
	}
}

// TestCertificates: a community issues a listed certificate, printed as a
// PDF, which anyone verifies by its code without seeing more than it
// states; a certificate the list gives to another body is refused with
// that body; an altered code finds nothing; a revoked one says so.
func TestCertificates(t *testing.T) {
	e := apptest.New(t)
	l := publishStarter(t, e)
	sec := e.Login("secretary")
	id := apptest.IDNumber(apptest.DistrictA, "19800101", "011")
	r := sec.API("POST", "/api/v1/admission/certificates", map[string]any{"item_id": itemID(t, l, "FM-11"), "holder": "张三", "statement": "无犯罪记录"})
	if r.StatusCode != 422 || rule(r) != "rule.adm_cert_instead" || !strings.Contains(r.Body, "公安机关") {
		t.Errorf("a certificate of the negative list: %d %s", r.StatusCode, r.Body)
	}
	r = sec.API("POST", "/api/v1/admission/certificates", map[string]any{"item_id": itemID(t, l, "ZM-01"), "holder": "张三", "id_number": id,
		"statement": "自 2020 年 3 月起在本社区甲一小区 3 栋 201 室居住至今", "purpose": "办理居住证"})
	var c admission.Certificate
	r.JSON(t, &c)
	if r.StatusCode != 201 || c.Code == "" || c.IDMasked == "" || strings.Contains(r.Body, id) || !strings.HasPrefix(c.Number, "ZM2026") {
		t.Fatalf("issued: %d %s", r.StatusCode, r.Body)
	}
	var list struct {
		Items []admission.Certificate `json:"items"`
	}
	sec.Get("/api/v1/admission/certificates").JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].Holder == "张三" || list.Items[0].Statement != "" || list.Items[0].Code != "" {
		t.Errorf("the list shows the holder whole or the code: %+v", list.Items)
	}
	pdf := sec.Get("/admission/certificates/" + itoa(c.ID) + "/pdf")
	if pdf.StatusCode != 200 || !strings.HasPrefix(pdf.Body, "%PDF-") || pdf.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("the PDF: %d %q", pdf.StatusCode, pdf.Header.Get("Content-Type"))
	}
	if g := e.Login("worker").Get("/admission/certificates/" + itoa(c.ID) + "/pdf"); g.StatusCode != 404 {
		t.Errorf("another community prints it: %d", g.StatusCode)
	}
	anon := e.Anon()
	page := anon.Get("/verify?code=" + url.QueryEscape(strings.ToLower(strings.ReplaceAll(c.Code, "-", " "))))
	if page.StatusCode != 200 || !strings.Contains(page.Body, "张三") || !strings.Contains(page.Body, "甲一社区居委会") || !strings.Contains(page.Body, c.IDMasked) {
		t.Errorf("the public check of a typed code: %d", page.StatusCode)
	}
	if strings.Contains(page.Body, id) {
		t.Error("the public check shows the whole ID number")
	}
	if v := anon.API("GET", "/api/v1/admission/verify?code="+c.Code, nil); v.StatusCode != 200 || v.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the API's check: %d, Cache-Control %q", v.StatusCode, v.Header.Get("Cache-Control"))
	}
	var checks struct {
		Items []struct {
			Actor string `json:"actor_name"`
		} `json:"items"`
	}
	e.Login("city").Get("/api/v1/audit?action=admission.certificate.verify&object_id="+itoa(c.ID)).JSON(t, &checks)
	if len(checks.Items) != 2 || checks.Items[0].Actor != "public" {
		t.Errorf("the public checks in the audit log: %+v, want two by the public", checks.Items)
	}
	altered := []byte(c.Code)
	if altered[0] == 'A' {
		altered[0] = 'B'
	} else {
		altered[0] = 'A'
	}
	if g := anon.Get("/verify?code=" + string(altered)); g.StatusCode != 404 || !strings.Contains(g.Body, "查无此证明") || strings.Contains(g.Body, "张三") {
		t.Errorf("an altered code: %d", g.StatusCode)
	}
	if g := anon.API("GET", "/api/v1/admission/verify?code=12", nil); g.StatusCode != 422 || rule(g) != "rule.adm_code_form" {
		t.Errorf("a malformed code: %d %s", g.StatusCode, g.Body)
	}
	if r := sec.API("POST", "/api/v1/admission/certificates/"+itoa(c.ID)+"/revoke", map[string]any{"reason": "证明内容有误"}); r.StatusCode != 200 {
		t.Fatalf("revoke: %d %s", r.StatusCode, r.Body)
	}
	var v admission.Verified
	anon.API("GET", "/api/v1/admission/verify?code="+c.Code, nil).JSON(t, &v)
	if !v.Revoked || v.RevokedOn == "" || v.Holder != "" || v.Statement != "" || v.Number != c.Number {
		t.Errorf("a revoked certificate's check shows more than that it was withdrawn: %+v", v)
	}
	if g := anon.Get("/verify?code=" + c.Code); !strings.Contains(g.Body, `id="revoked-on"`) || strings.Contains(g.Body, "张三") {
		t.Errorf("the public page of a revoked certificate: %d, shows the holder or not the date", g.StatusCode)
	}
	var cr admission.Report
	sec.Get("/api/v1/admission/burden").JSON(t, &cr)
	if cr.Total.N["certificate"] != 1 {
		t.Errorf("certificates counted: %d", cr.Total.N["certificate"])
	}
}

// TestListVersions: a change is a new version; a request keeps the one
// it was made under; a draft is its editors' alone; bad items are named
// by their row.
func TestListVersions(t *testing.T) {
	e := apptest.New(t)
	v1 := publishStarter(t, e)
	dept := e.Login("dept")
	r := dept.API("POST", "/api/v1/admission/requests", map[string]any{"title": "垃圾分类宣传", "item_id": itemID(t, v1, "XZ-21"), "target": apptest.CommunityA,
		"starts_on": "2026-11-27", "due_on": "2026-12-31"})
	var req admission.Request
	r.JSON(t, &req)
	city := e.Login("city")
	bad := admission.ListInput{OwnerCode: apptest.City, Title: "第二版", EffectiveFrom: "2026-12-01", Items: []admission.Item{
		{Code: "A", Section: "negative", Title: "招商引资", Carrier: "workstation", Kind: "task", Frequency: "once"},
		{Code: "A", Section: "assist", Title: "", Carrier: "x", Kind: "task", Frequency: "once"},
	}}
	r = city.API("POST", "/api/v1/admission/lists", bad)
	for _, f := range []string{`"items[0].instead"`, `"items[1].code"`, `"items[1].title"`, `"items[1].carrier"`, `"items[1].department"`} {
		if !strings.Contains(r.Body, f) {
			t.Errorf("a bad list does not name %s: %s", f, r.Body)
		}
	}
	v2in := admission.ListInput{OwnerCode: apptest.City, Title: "第二版", EffectiveFrom: "2026-12-01", Items: []admission.Item{
		{Code: "XZ-21", Section: "assist", Title: "生活垃圾分类宣传引导", Department: "城市管理局", Carrier: "committee", Kind: "task", Frequency: "monthly", Hours: 2},
	}}
	r = city.API("POST", "/api/v1/admission/lists", v2in)
	var v2 admission.List
	r.JSON(t, &v2)
	if r.StatusCode != 201 || v2.Version != 2 || v2.PublishedAt != nil {
		t.Fatalf("version 2 as a draft: %d %s", r.StatusCode, r.Body)
	}
	if g := e.Anon().API("GET", "/api/v1/admission/lists/"+itoa(v2.ID), nil); g.StatusCode != 404 {
		t.Errorf("anyone reads the draft: %d", g.StatusCode)
	}
	if g := e.Login("district").API("POST", "/api/v1/admission/lists/"+itoa(v2.ID)+"/publish", map[string]any{}); g.StatusCode != 404 {
		t.Errorf("a district publishes the city's draft: %d", g.StatusCode)
	}
	city.API("POST", "/api/v1/admission/lists/"+itoa(v2.ID)+"/publish", map[string]any{})
	var in []admission.List
	e.Anon().Get("/api/v1/admission/lists").JSON(t, &in)
	if len(in) != 1 || in[0].Version != 1 {
		t.Errorf("before its effective date version 1 is in force: %+v", in)
	}
	e.Clock.Add(6 * 24 * time.Hour)
	dept = e.Login("dept") // the session has lapsed
	e.Anon().Get("/api/v1/admission/lists").JSON(t, &in)
	if len(in) != 1 || in[0].Version != 2 || len(in[0].Items) != 1 {
		t.Errorf("from its effective date version 2 is in force: %+v", in)
	}
	dept.Get("/api/v1/admission/requests/"+itoa(req.ID)).JSON(t, &req)
	if req.ListVersion != 1 {
		t.Errorf("the request made under version 1 now says version %d", req.ListVersion)
	}
	// The figures compare the months under version 1 with the whole
	// months under version 2: one task in November, and no month under
	// version 2 has ended yet (see TestBurdenVersionEffect).
	var rep admission.Report
	e.Login("secretary").Get("/api/v1/admission/burden?month=2026-12").JSON(t, &rep)
	if v := rep.Version; v == nil || v.Version != 2 || v.Previous != 1 || v.MonthsBefore != 1 || v.Before["tasks"] != 1 || v.MonthsSince != 0 || v.NotCompared != "no_whole_month" {
		t.Errorf("before and since version 2: %+v", rep.Version)
	}
	// An item of version 1 no longer passes.
	r = dept.API("POST", "/api/v1/admission/requests", map[string]any{"title": "再宣传", "item_id": itemID(t, v1, "XZ-21"), "target": apptest.CommunityA,
		"starts_on": "2026-12-02", "due_on": "2026-12-31"})
	if r.StatusCode != 422 || rule(r) != "rule.adm_item_not_in_force" {
		t.Errorf("an item of a superseded version: %d %s", r.StatusCode, r.Body)
	}
}
