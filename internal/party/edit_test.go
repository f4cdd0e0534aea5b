package party_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/party"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
)

// orgPath is the stored path of an organisation.
func orgPath(t *testing.T, e *apptest.Env, id int64) string {
	t.Helper()
	var p string
	if err := e.App.DB.QueryRowContext(ctx, `SELECT path FROM party_orgs WHERE id = ?`, id).Scan(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEditOrg(t *testing.T) {
	e := apptest.New(t)
	committee, _ := mustCommittees(t, e)
	branch := mustOrg(t, e, party.OrgInput{ParentID: committee.ID, Name: "甲一网格党支部", Kind: party.Branch, RegionCode: apptest.GridA1})
	group := mustOrg(t, e, party.OrgInput{ParentID: branch.ID, Name: "1栋党小组", Kind: party.Group, RegionCode: apptest.GridA1, BuildingID: e.Buildings[apptest.GridA1]})
	general := mustOrg(t, e, party.OrgInput{ParentID: committee.ID, Name: "老干部党总支", Kind: party.GeneralBranch, RegionCode: apptest.CommunityA})
	c := e.Login("secretary")
	put := func(id int64, body map[string]any) apptest.Response {
		t.Helper()
		return c.API("PUT", "/api/v1/party/orgs/"+itoa(id), body)
	}
	// Refused changes: each names its field and rule, and nothing changes.
	audits := auditCount(t, e)
	for _, x := range []struct {
		name string
		id   int64
		body map[string]any
		want string
	}{
		{"ErrEntryRules", branch.ID, map[string]any{"version": branch.Version, "parent_id": committee.ID, "name": "", "kind": "committee", "region_code": apptest.GridA1},
			`"field":"name","rule":"required"`},
		{"ErrNotNarrowerThanParent", branch.ID, map[string]any{"version": branch.Version, "parent_id": committee.ID, "name": "x", "kind": "committee", "region_code": apptest.GridA1},
			`"field":"kind","rule":"narrower_than_parent"`},
		{"ErrNotWiderThanChildren", branch.ID, map[string]any{"version": branch.Version, "parent_id": committee.ID, "name": "x", "kind": "group", "region_code": apptest.GridA1},
			`"field":"kind","rule":"wider_than_children"`},
		{"ErrChildOutside", branch.ID, map[string]any{"version": branch.Version, "parent_id": committee.ID, "name": "x", "kind": "branch", "region_code": apptest.GridA2},
			`"field":"region_code","rule":"holds_children"`},
		{"ErrCycle", committee.ID, map[string]any{"version": committee.Version, "parent_id": group.ID, "name": "x", "kind": "committee", "region_code": apptest.CommunityA},
			`"field":"parent_id","rule":"parent_cycle"`},
		{"ErrStale", branch.ID, map[string]any{"version": branch.Version + 1, "parent_id": committee.ID, "name": "x", "kind": "branch", "region_code": apptest.GridA1},
			`"code":"conflict"`},
	} {
		if r := put(x.id, x.body); r.StatusCode < 400 || !strings.Contains(r.Body, x.want) {
			t.Errorf("%s: %d %s", x.name, r.StatusCode, r.Body)
		}
	}
	if got, _ := e.App.Party.Org(e.System(), branch.ID); got.Name != branch.Name || got.Version != branch.Version || auditCount(t, e) != audits {
		t.Errorf("a refused change wrote: %+v", got)
	}
	// A new parent moves the organisation and what lies below it.
	r := put(branch.ID, map[string]any{"version": branch.Version, "parent_id": general.ID, "name": "甲一网格第一党支部", "kind": "branch", "region_code": apptest.GridA1})
	if r.StatusCode != 200 {
		t.Fatalf("reparent: %d %s", r.StatusCode, r.Body)
	}
	want := orgPath(t, e, general.ID) + itoa(branch.ID) + "/"
	if got := orgPath(t, e, branch.ID); got != want {
		t.Errorf("branch path %s, want %s", got, want)
	}
	if got := orgPath(t, e, group.ID); got != want+itoa(group.ID)+"/" {
		t.Errorf("group path %s, want below %s", got, want)
	}
	es, _ := audit.Find(ctx, e.App.DB, authz.All, audit.Filter{Action: "party.org.update", ObjectID: itoa(branch.ID)})
	if len(es) != 1 {
		t.Fatalf("%d audit entries", len(es))
	}
	b, a := apptest.Fields(t, es[0].Before), apptest.Fields(t, es[0].After)
	if b["name"] != "甲一网格党支部" || a["name"] != "甲一网格第一党支部" || b["parent_id"] != float64(committee.ID) || a["parent_id"] != float64(general.ID) {
		t.Errorf("audit: %v → %v", b, a)
	}
	if _, ok := b["kind"]; ok {
		t.Errorf("the audit holds an unchanged field: %v", b)
	}
	// The page: a refused form keeps what was typed; a stale one says so.
	o, _ := e.App.Party.Org(e.System(), branch.ID)
	if p := c.Get("/party/orgs/" + itoa(o.ID) + "/edit"); p.StatusCode != 200 || !strings.Contains(p.Body, "甲一网格1") || strings.Contains(p.Body, ">"+apptest.GridA1+"<") {
		t.Fatalf("edit page: %d, offers areas by name", p.StatusCode)
	}
	form := url.Values{"version": {itoa(int64(o.Version))}, "parent_id": {itoa(general.ID)}, "name": {"新名字"}, "kind": {"committee"}, "region_code": {apptest.GridA1}}
	if p := c.Form("/party/orgs/"+itoa(o.ID)+"/edit", form); p.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `value="新名字"`) {
		t.Errorf("refused form: %d", p.StatusCode)
	}
	form.Set("kind", "branch")
	form.Set("version", itoa(int64(o.Version-1)))
	if p := c.Form("/party/orgs/"+itoa(o.ID)+"/edit", form); p.StatusCode != http.StatusConflict || !strings.Contains(p.Body, "已被他人修改") {
		t.Errorf("stale form: %d", p.StatusCode)
	}
	form.Set("version", itoa(int64(o.Version)))
	if p := c.Form("/party/orgs/"+itoa(o.ID)+"/edit", form); p.StatusCode != http.StatusSeeOther {
		t.Errorf("form: %d %s", p.StatusCode, p.Body)
	}
	if p := c.Get("/party/orgs/" + itoa(o.ID)); !strings.Contains(p.Body, `href="/party/orgs/`+itoa(o.ID)+`/edit"`) {
		t.Error("the organisation's page has no edit link")
	}
	// Another community's worker cannot reach it.
	w := e.Login("worker")
	if r := w.Get("/party/orgs/" + itoa(o.ID) + "/edit"); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
		t.Errorf("worker opens the edit page: %d", r.StatusCode)
	}
	if r := e.Login("district").API("PUT", "/api/v1/party/orgs/"+itoa(o.ID), map[string]any{"version": 1, "name": "x", "kind": "branch", "region_code": apptest.GridA1}); r.StatusCode != http.StatusConflict {
		t.Errorf("district staff (in scope, stale): %d", r.StatusCode)
	}
}

func TestEditMember(t *testing.T) {
	e := apptest.New(t)
	committee, other := mustCommittees(t, e)
	m, err := e.App.Party.CreateMember(e.System(), party.MemberInput{OrgID: committee.ID, Name: "更正党员", Category: party.Direct, Status: "full"})
	if err != nil {
		t.Fatal(err)
	}
	c := e.Login("secretary")
	path := "/api/v1/party/members/" + itoa(m.ID)
	var got party.Member
	c.Get(path).JSON(t, &got)
	if got.ID != m.ID || got.Version != 1 {
		t.Fatalf("member: %+v", got)
	}
	body := map[string]any{"version": m.Version, "org_id": committee.ID, "name": "更正党员", "category": "in_service", "status": "full", "region_code": apptest.GridA1}
	if r := c.API("PUT", path, body); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"workplace","rule":"required"`) {
		t.Errorf("in-service without a workplace: %d %s", r.StatusCode, r.Body)
	}
	body["workplace"], body["model_household"], body["name"] = "市教育局机关党委", true, "更正后党员"
	r := c.API("PUT", path, body)
	if r.StatusCode != 200 {
		t.Fatalf("change: %d %s", r.StatusCode, r.Body)
	}
	r.JSON(t, &got)
	if got.RegionCode != apptest.GridA1 || !got.ModelHousehold || got.Version != 2 {
		t.Errorf("after the change: %+v", got)
	}
	// The totals follow; the audit holds the changes, the name masked.
	var counted, real, models, realModels int
	e.App.DB.QueryRowContext(ctx, `SELECT (SELECT SUM(members) FROM party_member_counts), (SELECT COUNT(*) FROM party_members),
		(SELECT SUM(model_households) FROM party_member_counts), (SELECT COUNT(*) FROM party_members WHERE model_household)`).Scan(&counted, &real, &models, &realModels)
	var inA1 int
	e.App.DB.QueryRowContext(ctx, `SELECT members FROM party_member_counts WHERE region_code = ?`, apptest.GridA1).Scan(&inA1)
	if counted != real || models != realModels || inA1 != 1 {
		t.Errorf("totals: %d members counted of %d, %d model households of %d, %d in A1", counted, real, models, realModels, inA1)
	}
	es, _ := audit.Find(ctx, e.App.DB, authz.All, audit.Filter{Action: "party.member.update", ObjectID: itoa(m.ID)})
	if len(es) != 1 {
		t.Fatalf("%d audit entries", len(es))
	}
	b, a, d := apptest.Fields(t, es[0].Before), apptest.Fields(t, es[0].After), apptest.Fields(t, es[0].Detail)
	if b["category"] != "direct" || a["category"] != "in_service" || b["region_code"] != apptest.CommunityA || a["name"] != "更****" {
		t.Errorf("audit: %v → %v", b, a)
	}
	if changed, _ := json.Marshal(d["changed"]); !strings.Contains(string(changed), `"name"`) {
		t.Errorf("the audit does not say the name changed: %s", changed)
	}
	var raw string
	e.App.DB.QueryRowContext(ctx, `SELECT before_json || after_json FROM audit_log WHERE action = 'party.member.update'`).Scan(&raw)
	if strings.Contains(raw, "更正") {
		t.Error("the audit holds the member's name in clear")
	}
	// Stale, out of scope, and into another community's organisation.
	body["version"] = 1
	if r := c.API("PUT", path, body); r.StatusCode != http.StatusConflict {
		t.Errorf("stale: %d", r.StatusCode)
	}
	body["version"], body["org_id"] = 2, other.ID
	if r := c.API("PUT", path, body); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"org_id"`) {
		t.Errorf("into another community's organisation: %d %s", r.StatusCode, r.Body)
	}
	body["org_id"] = committee.ID
	if r := e.Login("worker").API("PUT", path, body); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
		t.Errorf("another community's worker: %d", r.StatusCode)
	}
	// The page.
	if p := c.Get("/party/orgs/" + itoa(committee.ID)); !strings.Contains(p.Body, `href="/party/members/`+itoa(m.ID)+`/edit"`) {
		t.Error("the organisation's page does not link the member's edit page")
	}
	if p := c.Get("/party/members/" + itoa(m.ID) + "/edit"); p.StatusCode != 200 || !strings.Contains(p.Body, `value="更正后党员"`) {
		t.Fatalf("member edit page: %d", p.StatusCode)
	}
	form := url.Values{"version": {"2"}, "org_id": {itoa(committee.ID)}, "name": {""}, "category": {"floating"}, "status": {"probationary"}, "region_code": {apptest.GridA2}}
	if p := c.Form("/party/members/"+itoa(m.ID)+"/edit", form); p.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `value="probationary" selected`) {
		t.Errorf("refused form: %d", p.StatusCode)
	}
	form.Set("name", "流动党员")
	if p := c.Form("/party/members/"+itoa(m.ID)+"/edit", form); p.StatusCode != http.StatusSeeOther {
		t.Errorf("form: %d %s", p.StatusCode, p.Body)
	}
	e.App.DB.QueryRowContext(ctx, `SELECT (SELECT SUM(members) FROM party_member_counts), (SELECT SUM(model_households) FROM party_member_counts)`).Scan(&counted, &models)
	if counted != real || models != 0 {
		t.Errorf("after the form: %d members counted of %d, %d model households", counted, real, models)
	}
}
