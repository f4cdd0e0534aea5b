package admission_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/apptest"
)

// hrefID is the id in the first link to prefix… on a page.
func hrefID(t *testing.T, body, prefix string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(prefix) + `(\d+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no link to %s…", prefix)
	}
	return m[1]
}

// TestPages walks the pages as their users do: the city publishes the
// list from the starter draft; the public reads it; the department asks
// off the list and, on a bad date, gets the error beside the field with
// what it typed; the approver approves from the queue; the community
// declines from its inbox with the reason required; a certificate is
// issued, printed and checked; every figure page answers. No page shows a
// division code or a stored value.
func TestPages(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	// The versions page offers to start the first version from the
	// starter list, which becomes the draft shown item by item.
	vp := city.Get("/admission/lists")
	if vp.StatusCode != 200 || !strings.Contains(vp.Body, `id="draft-start"`) || strings.Contains(vp.Body, `name="items"`) {
		t.Fatalf("the versions page: %d", vp.StatusCode)
	}
	if r := city.Form("/admission/lists", url.Values{"title": {"测试清单"}, "effective_from": {"2026-11-26"}}); r.StatusCode != 303 {
		t.Fatalf("start the draft: %d %s", r.StatusCode, r.Body)
	}
	vp = city.Get("/admission/lists")
	if !strings.Contains(vp.Body, "LZ-01") || !strings.Contains(vp.Body, `id="draft-form"`) {
		t.Errorf("the draft's items are not on the versions page")
	}
	draft := hrefID(t, vp.Body, `/admission/lists/`)
	if v := city.Get("/admission/lists/" + draft); v.StatusCode != 200 || !strings.Contains(v.Body, "草稿") {
		t.Errorf("the draft's page: %d", v.StatusCode)
	}
	if r := city.Form("/admission/lists/"+draft+"/publish", url.Values{}); r.StatusCode != 303 {
		t.Fatalf("publish: %d %s", r.StatusCode, r.Body)
	}
	pub := e.Anon().Get("/lists")
	for _, want := range []string{"测试清单", "依法履职事项", "负面清单", "证明事项", "公安机关", "社区自身职责", "每月"} {
		if !strings.Contains(pub.Body, want) {
			t.Errorf("the public list lacks %q", want)
		}
	}
	apptest.NoCodes(t, "/lists", pub.Body)

	// The department asks off the list too soon: the error stands beside
	// the start, the form keeps the title.
	dept := e.Login("dept")
	np := dept.Get("/admission/requests/new")
	if np.StatusCode != 200 || !strings.Contains(np.Body, "XZ-21") || strings.Contains(np.Body, "XZ-01 ") {
		t.Fatalf("the request form offers the department's items only: %d", np.StatusCode)
	}
	f := url.Values{"title": {"商户信息统计"}, "kind": {"form"}, "target": {apptest.DistrictA}, "starts_on": {"2026-12-01"}, "due_on": {"2026-12-31"}}
	r := dept.Form("/admission/requests", f)
	if r.StatusCode != 422 || !strings.Contains(r.Body, "最早可于 2027-01-07 开始") || !strings.Contains(r.Body, `value="商户信息统计"`) {
		t.Errorf("an off-list request too soon: %d", r.StatusCode)
	}
	f.Set("starts_on", "2027-02-01")
	f.Set("due_on", "2027-02-28")
	r = dept.Form("/admission/requests", f)
	if r.StatusCode != 303 {
		t.Fatalf("an off-list request: %d %s", r.StatusCode, r.Body)
	}
	req := strings.TrimPrefix(r.Header.Get("Location"), "/admission/requests/")
	rp := dept.Get("/admission/requests/" + req)
	if !strings.Contains(rp.Body, "待审批") || !strings.Contains(rp.Body, "清单外事项，须经审批") || strings.Contains(rp.Body, `id="decision-form"`) {
		t.Errorf("the department's view of its request")
	}
	apptest.NoCodes(t, "/admission/requests/"+req, rp.Body)
	if l := dept.Get("/admission/requests"); !strings.Contains(l.Body, "商户信息统计") || !strings.Contains(l.Body, "共 1 条") {
		t.Errorf("the department's requests")
	}
	// The approver approves it from the queue.
	district := e.Login("district")
	q := district.Get("/admission/queue")
	if !strings.Contains(q.Body, "商户信息统计") || !strings.Contains(q.Body, "前审批") || !strings.Contains(q.Body, "还剩 15 个工作日") {
		t.Errorf("the approver's queue")
	}
	if r := district.Form("/admission/requests/"+req+"/decision", url.Values{"note": {"同意"}}); r.StatusCode != 422 || !strings.Contains(r.Body, "请选择一项") {
		t.Errorf("a decision with neither choice: %d", r.StatusCode)
	}
	if r := district.Form("/admission/requests/"+req+"/decision", url.Values{"approve": {"0"}}); r.StatusCode != 422 || !strings.Contains(r.Body, "须写明理由") {
		t.Errorf("a refusal without its reason: %d", r.StatusCode)
	}
	if r := district.Form("/admission/requests/"+req+"/decision", url.Values{"approve": {"1"}, "note": {"同意"}}); r.StatusCode != 303 {
		t.Fatalf("approve: %d %s", r.StatusCode, r.Body)
	}
	// The community declines it from its inbox.
	sec := e.Login("secretary")
	ib := sec.Get("/admission/inbox")
	if !strings.Contains(ib.Body, "商户信息统计") || !strings.Contains(ib.Body, "清单外（已批准）") {
		t.Fatalf("the inbox: %d", ib.StatusCode)
	}
	apptest.NoCodes(t, "/admission/inbox", ib.Body)
	task := hrefID(t, ib.Body, `/admission/tasks/`)
	if r := sec.Form("/admission/tasks/"+task+"/act", url.Values{"action": {"decline"}}); r.StatusCode != 422 || !strings.Contains(r.Body, `aria-invalid="true"`) {
		t.Errorf("a decline without its reason: %d", r.StatusCode)
	}
	if r := sec.Form("/admission/tasks/"+task+"/act", url.Values{"action": {"decline"}, "note": {"市场监管部门已有此数据"}}); r.StatusCode != 303 {
		t.Fatalf("decline: %d %s", r.StatusCode, r.Body)
	}
	tp := district.Get("/admission/tasks/" + task)
	if !strings.Contains(tp.Body, `id="review-form"`) || !strings.Contains(tp.Body, "市场监管部门已有此数据") {
		t.Errorf("the approver's view of the decline")
	}
	if r := district.Form("/admission/tasks/"+task+"/review", url.Values{"approve": {"1"}}); r.StatusCode != 303 {
		t.Errorf("uphold: %d %s", r.StatusCode, r.Body)
	}
	// A signboard registered, and taken down.
	if r := sec.Form("/admission/burdens", url.Values{"kind": {"signboard"}, "name": {""}}); r.StatusCode != 422 || !strings.Contains(r.Body, `id="burden-form"`) {
		t.Errorf("a signboard without a name: %d", r.StatusCode)
	}
	if r := sec.Form("/admission/burdens", url.Values{"kind": {"signboard"}, "name": {"创建示范点"}, "department": {"甲区城市管理局"}}); r.StatusCode != 303 {
		t.Fatalf("register: %d %s", r.StatusCode, r.Body)
	}
	ib = sec.Get("/admission/inbox")
	if !strings.Contains(ib.Body, "创建示范点") {
		t.Error("the signboard is not listed")
	}
	sign := regexp.MustCompile(`/admission/burdens/(\d+)/remove`).FindStringSubmatch(ib.Body)
	if sign == nil {
		t.Fatal("no remove button")
	}
	if r := sec.Form("/admission/burdens/"+sign[1]+"/remove", url.Values{}); r.StatusCode != 303 {
		t.Errorf("remove: %d", r.StatusCode)
	}

	// A certificate issued, printed and checked.
	cp := sec.Get("/admission/certificates")
	if !strings.Contains(cp.Body, "居住证明") || !strings.Contains(cp.Body, "无犯罪记录证明 → <b>公安机关</b>") {
		t.Fatalf("the certificates page: %d", cp.StatusCode)
	}
	item := regexp.MustCompile(`<option value="(\d+)"[^>]*>居住证明`).FindStringSubmatch(cp.Body)
	if item == nil {
		t.Fatal("no 居住证明 to issue")
	}
	if r := sec.Form("/admission/certificates", url.Values{"item_id": {item[1]}, "holder": {"李四"}, "statement": {""}}); r.StatusCode != 422 || !strings.Contains(r.Body, `value="李四"`) {
		t.Errorf("a certificate without its statement: %d", r.StatusCode)
	}
	r = sec.Form("/admission/certificates", url.Values{"item_id": {item[1]}, "holder": {"李四"}, "statement": {"在本社区居住"}, "purpose": {"子女入学"}})
	if r.StatusCode != 303 {
		t.Fatalf("issue: %d %s", r.StatusCode, r.Body)
	}
	cert := sec.Get(r.Header.Get("Location"))
	code := regexp.MustCompile(`id="cert-code">([A-Z0-9-]+)<`).FindStringSubmatch(cert.Body)
	if code == nil {
		t.Fatal("the certificate page shows no code")
	}
	if v := e.Anon().Get("/verify?code=" + code[1]); !strings.Contains(v.Body, "证明有效") || !strings.Contains(v.Body, "李四") {
		t.Errorf("the public check")
	}
	if v := e.Anon().Get("/verify"); v.StatusCode != 200 || !strings.Contains(v.Body, `id="verify-form"`) {
		t.Errorf("the verification page: %d", v.StatusCode)
	}

	// The figures and their export.
	bp := district.Get("/admission/burden?month=2026-11")
	for _, want := range []string{"甲一街道", "甲区城市管理局", "清单外申请", "社区退回", `id="version-effect"`, "第 1 版（2026-11-26 起）前后对比"} {
		if !strings.Contains(bp.Body, want) {
			t.Errorf("the burden page lacks %q", want)
		}
	}
	apptest.NoCodes(t, "/admission/burden", bp.Body)
	if x := district.Get("/admission/burden.xlsx?month=2026-11"); x.StatusCode != 200 || !strings.HasPrefix(x.Body, "PK") {
		t.Errorf("the export: %d", x.StatusCode)
	}
	// English throughout.
	sec.Form("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
	if en := sec.Get("/admission/inbox"); !strings.Contains(en.Body, "Declined") || !strings.Contains(en.Body, "signboards and ledgers") {
		t.Errorf("the English inbox")
	}
}
