package party_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/party"
)

// TestMemberNameIsXingming: the names of committee members and Party
// members are asked for and listed as 姓名, and a refused one says so;
// an organisation's name stays 名称.
func TestMemberNameIsXingming(t *testing.T) {
	e := apptest.New(t)
	committee, _ := mustCommittees(t, e)
	m, err := e.App.Party.CreateMember(e.System(), party.MemberInput{OrgID: committee.ID, Name: "姓名党员", Category: party.Direct, Status: "full"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Party.AddCommitteeMember(e.System(), committee.ID, party.CommitteeMemberInput{Name: "姓名委员", Post: "member"}); err != nil {
		t.Fatal(err)
	}
	c := e.Login("secretary")
	org := "/party/orgs/" + itoa(committee.ID)
	page := c.Get(org)
	for _, want := range []string{`<th>姓名</th><th>职务</th>`, `<th>姓名</th><th>党员类别</th>`, `<td data-label="姓名">姓名委员</td>`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the organisation's page lacks %s", want)
		}
	}
	if n := strings.Count(page.Body, `<label>姓名<input name="name" required>`); n != 2 || strings.Contains(page.Body, `<label>名称<input name="name"`) {
		t.Errorf("%d forms ask for a person's name as 姓名, want 2 (committee member, Party member)", n)
	}
	// Refused names: a committee member, a new member, a corrected one.
	for _, x := range []struct {
		path string
		form url.Values
	}{
		{org + "/committee", url.Values{"name": {" "}, "post": {"member"}}},
		{"/party/members", url.Values{"org_id": {itoa(committee.ID)}, "name": {""}, "category": {"direct"}, "status": {"full"}, "region_code": {apptest.CommunityA}}},
		{"/party/members/" + itoa(m.ID) + "/edit", url.Values{"version": {"1"}, "org_id": {itoa(committee.ID)}, "name": {""}, "category": {"direct"},
			"status": {"full"}, "region_code": {apptest.CommunityA}}},
	} {
		r := c.Form(x.path, x.form)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "姓名: 必填") || strings.Contains(r.Body, "名称: 必填") {
			t.Errorf("%s without a name: %d", x.path, r.StatusCode)
		}
	}
	if r := c.Get("/party/members/" + itoa(m.ID) + "/edit"); !strings.Contains(r.Body, `<label>姓名<input name="name" required value="姓名党员">`) {
		t.Error("the member's form asks for the name otherwise than 姓名")
	}
	// An organisation is still named 名称.
	if r := c.Get(org + "/edit"); !strings.Contains(r.Body, `<label>名称<input name="name"`) {
		t.Error("an organisation's name is no longer 名称")
	}
}
