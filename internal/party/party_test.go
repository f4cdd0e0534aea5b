package party_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/party"
)

func TestPartyTree(t *testing.T) {
	e := apptest.New(t)
	mustCommittees(t, e)
	c := e.Login("secretary")
	page := c.Get("/party")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "甲一社区大党委") || strings.Contains(page.Body, "乙一社区大党委") {
		t.Fatalf("party page in scope: %d", page.StatusCode)
	}
	var orgs struct {
		Items []party.Org `json:"items"`
	}
	c.Get("/api/v1/party/orgs?kind=committee").JSON(t, &orgs)
	if len(orgs.Items) != 1 {
		t.Fatalf("%d committees visible to the secretary, want 1", len(orgs.Items))
	}
	committee := orgs.Items[0]
	// A group directly under the committee is allowed (narrower); a
	// committee under a committee is not; an org outside the parent's area is not.
	bad := c.API("POST", "/api/v1/party/orgs", map[string]any{"parent_id": committee.ID, "name": "x", "kind": "committee", "region_code": apptest.GridA1})
	if bad.StatusCode != 422 || !strings.Contains(bad.Body, `"field":"kind"`) {
		t.Errorf("committee under committee: %d %s", bad.StatusCode, bad.Body)
	}
	out := c.API("POST", "/api/v1/party/orgs", map[string]any{"parent_id": committee.ID, "name": "x", "kind": "branch", "region_code": apptest.GridB1})
	if out.StatusCode != 422 || !strings.Contains(out.Body, `"field":"region_code"`) {
		t.Errorf("branch outside the parent's area: %d %s", out.StatusCode, out.Body)
	}
	if r := c.API("POST", "/api/v1/party/orgs", map[string]any{"parent_id": committee.ID, "name": "楼栋党小组", "kind": "group", "region_code": apptest.GridA1,
		"building_id": e.Buildings[apptest.GridA1]}); r.StatusCode != 201 {
		t.Errorf("group directly under the committee: %d %s", r.StatusCode, r.Body)
	}
	// Page forms: a general branch, a part-time committee member, a member.
	res := c.Form("/party/orgs", url.Values{"parent_id": {itoa(committee.ID)}, "name": {"老干部党总支"}, "kind": {"general_branch"}, "region_code": {apptest.CommunityA}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create general branch: %d %s", res.StatusCode, res.Body)
	}
	orgPath := res.Header.Get("Location")
	id := strings.TrimPrefix(orgPath, "/party/orgs/")
	if r := c.Form(orgPath+"/committee", url.Values{"name": {"王委员"}, "post": {"member"}, "part_time": {"on"}}); r.StatusCode != 422 || !strings.Contains(r.Body, "单位") {
		t.Errorf("part-time member without a unit: %d", r.StatusCode)
	}
	if r := c.Form(orgPath+"/committee", url.Values{"name": {"王委员"}, "post": {"member"}, "part_time": {"on"}, "unit": {"某学校"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("part-time member: %d %s", r.StatusCode, r.Body)
	}
	if r := c.Form("/party/members", url.Values{"org_id": {id}, "name": {"李党员"}, "category": {"in_service"}, "status": {"full"}}); r.StatusCode != 422 {
		t.Errorf("in-service member without a workplace: %d", r.StatusCode)
	}
	if r := c.Form("/party/members", url.Values{"org_id": {id}, "name": {"李党员"}, "category": {"in_service"}, "status": {"full"}, "workplace": {"市教育局机关党委"}, "model_household": {"on"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("member: %d %s", r.StatusCode, r.Body)
	}
	var counted, real int
	e.App.DB.QueryRowContext(ctx, `SELECT (SELECT SUM(members) FROM party_member_counts), (SELECT COUNT(*) FROM party_members)`).Scan(&counted, &real)
	if counted != real || real == 0 {
		t.Errorf("member totals %d, members %d", counted, real)
	}
	org := c.Get(orgPath)
	for _, want := range []string{"王委员", "兼职委员", "某学校", "李党员", "在职党员", "党员示范户"} {
		if !strings.Contains(org.Body, want) {
			t.Errorf("org page lacks %q", want)
		}
	}
	// The neighbour community's worker neither lists nor opens the organisation.
	w := e.Login("worker")
	if r := w.Get(orgPath); r.StatusCode != 404 {
		t.Errorf("another community's worker opens the organisation: %d", r.StatusCode)
	}
	if r := w.Get("/party"); strings.Contains(r.Body, "老干部党总支") || !strings.Contains(r.Body, "乙一社区大党委") {
		t.Errorf("another community's worker and the party page: %d", r.StatusCode)
	}
}
