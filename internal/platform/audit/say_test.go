package audit_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
)

// mustDispatchedCase reports a case in grid A1 and dispatches it to the
// district's 城市管理局, as the community's secretary.
func mustDispatchedCase(t *testing.T, e *apptest.Env) cases.Case {
	t.Helper()
	p := e.Points[apptest.GridA1]
	r := e.Login("resident").API("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "小区门口路灯不亮已经一周",
		"lon": p[0], "lat": p[1]})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("report: %d %s", r.StatusCode, r.Body)
	}
	var in cases.Intake
	r.JSON(t, &in)
	sec := e.Login("secretary")
	c := *in.Case
	for _, m := range []cases.Move{{Action: "accept"}, {Action: "register"}, {Action: "dispatch", UnitKind: "department", DeptID: e.Dept.ID}} {
		m.Version = c.Version
		r := sec.API("POST", fmt.Sprintf("/api/v1/cases/%d/moves", c.ID), m)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", m.Action, r.StatusCode, r.Body)
		}
		r.JSON(t, &c)
	}
	return c
}

// TestAuditReadsAsSentences: the log tells each record as a sentence
// with the names people know — who (name and role), which case by its
// number, which unit — with links, in Chinese and in English, and keeps
// the raw record behind a toggle; no division code is in what people
// read.
func TestAuditReadsAsSentences(t *testing.T) {
	e := apptest.New(t)
	c := mustDispatchedCase(t, e)
	sub := e.Login("subdistrict")
	if r := sub.API("PATCH", fmt.Sprintf("/api/v1/users/%d", e.UserID("grid")), map[string]any{"version": 1, "role": "community_worker"}); r.StatusCode != http.StatusOK {
		t.Fatalf("placement: %d %s", r.StatusCode, r.Body)
	}
	page := sub.Get("/audit")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("audit page: %d", page.StatusCode)
	}
	text := apptest.VisibleText(page.Body)
	for _, want := range []string{
		"secretary（测试）（社区党组织书记）将案件 " + c.Number + " 派遣至 甲区城市管理局",
		"secretary（测试）（社区党组织书记）受理了案件 " + c.Number,
		"resident（测试）（居民）上报了案件 " + c.Number,
		"subdistrict（测试）（街道工作人员）将账号 grid（测试） 调整为社区工作者，所属 甲一社区居委会",
		"subdistrict（测试）（街道工作人员）登录",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	if !strings.Contains(page.Body, fmt.Sprintf(`<a href="/cases/%d">%s</a>`, c.ID, c.Number)) ||
		!strings.Contains(page.Body, fmt.Sprintf(`<a href="/users/%d">secretary（测试）（社区党组织书记）</a>`, e.UserID("secretary"))) {
		t.Error("the case and the actor are not linked")
	}
	if !strings.Contains(page.Body, "<summary>原始记录</summary>") || !strings.Contains(page.Body, "<code>cases.dispatch</code>") {
		t.Error("the raw record is not behind a toggle")
	}
	apptest.NoCodes(t, "the log", text)
	sub.Form("/lang", url.Values{"lang": {"en"}, "next": {"/audit"}})
	en := apptest.VisibleText(sub.Get("/audit").Body)
	if want := "secretary（测试） (Community Party secretary) dispatched case " + c.Number + " to 甲区城市管理局"; !strings.Contains(en, want) {
		t.Errorf("the English log lacks %q", want)
	}
}

// TestAuditNamesInScopeOnly: a name the reader may not see is not shown:
// the district's staff reads the record of a case they see, but an
// account of another district stays unnamed.
func TestAuditNamesInScopeOnly(t *testing.T) {
	e := apptest.New(t)
	e.Login("worker") // community B, district B
	city, district := e.Login("city"), e.Login("district")
	if r := city.API("PATCH", fmt.Sprintf("/api/v1/users/%d", e.UserID("worker")), map[string]any{"version": 1, "display_name": "乙区社工"}); r.StatusCode != http.StatusOK {
		t.Fatalf("rename: %d", r.StatusCode)
	}
	if text := apptest.VisibleText(city.Get("/audit?action=account.user").Body); !strings.Contains(text, "修改了账号 乙区社工") {
		t.Errorf("the city admin reads the account's name: %s", text)
	}
	if text := apptest.VisibleText(district.Get("/audit").Body); strings.Contains(text, "乙区社工") || strings.Contains(text, "worker") {
		t.Errorf("district A reads of district B: %s", text)
	}
}

// TestAuditFiltersPageWithTotal: the log is filtered by who, by group of
// actions, by kind of object and by dates, says how many records match,
// and pages through them.
func TestAuditFiltersPageWithTotal(t *testing.T) {
	e := apptest.New(t)
	for i := 0; i < 3; i++ {
		e.Login("grid")
	}
	c := e.Login("subdistrict")
	n, err := audit.Count(ctx, e.App.DB, authz.Scope{Region: apptest.SubA}, audit.Filter{Actor: "grid", Action: "account.login"})
	if err != nil || n != 3 {
		t.Fatalf("count: %d %v", n, err)
	}
	page := c.Get("/audit?actor=grid&action=account.login")
	if !strings.Contains(page.Body, "共 3 条记录") || strings.Count(page.Body, `<p class="audit-say">`) != 3 {
		t.Errorf("filtered page: %s", regexp.MustCompile(`id="audit-total">[^<]*`).FindString(page.Body))
	}
	if !strings.Contains(page.Body, `<option value="account.login" selected>登录与退出</option>`) {
		t.Error("the action filter does not show its choice by name")
	}
	kind := c.Get("/audit?object_type=grid")
	if text := apptest.VisibleText(kind.Body); !strings.Contains(text, "指派了网格 甲一网格1 的网格员") || strings.Contains(text, "登录") && strings.Contains(text, "grid（测试）（网格员）登录") {
		t.Errorf("kind filter: %s", text)
	}
	if r := c.Get("/audit?from=2026-11-27"); !strings.Contains(r.Body, "共 0 条记录") {
		t.Error("records before the from date are shown")
	}
	// More than a page: the older records follow, and the newest are a
	// link away.
	for i := 0; i < 100; i++ {
		e.Login("grid")
	}
	first := c.Get("/audit?actor=grid")
	older := regexp.MustCompile(`href="(/audit\?[^"]*)" id="audit-older"`).FindStringSubmatch(first.Body)
	if !strings.Contains(first.Body, "共 103 条记录") || older == nil {
		t.Fatalf("first page: %s", regexp.MustCompile(`id="audit-total">[^<]*`).FindString(first.Body))
	}
	second := c.Get(strings.ReplaceAll(older[1], "&amp;", "&"))
	if strings.Count(second.Body, `<p class="audit-say">`) != 3 || !strings.Contains(second.Body, `id="audit-newest"`) || !strings.Contains(second.Body, "共 103 条记录") {
		t.Errorf("second page: %d records", strings.Count(second.Body, `<p class="audit-say">`))
	}
	if r := c.Get("/audit?actor=grid"); !strings.Contains(r.Body, `href="/audit.csv?actor=grid"`) {
		t.Error("the export link does not carry the filter")
	}
}
