package party_test

import (
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/party"
)

// TestPartyMemberPerson checks that a Party member's person_id must be a
// resident the actor may read: another community's resident, an unknown
// id and a resident who has moved out are refused on person_id, and
// nothing is written.
func TestPartyMemberPerson(t *testing.T) {
	e := apptest.New(t)
	mustCommittees(t, e)
	own := mustPerson(t, e, "本社区居民", apptest.IDNumber(apptest.DistrictA, "19700101", "013"), apptest.GridA1).ID
	foreign := mustPerson(t, e, "外社区居民", apptest.IDNumber(apptest.DistrictA, "19710202", "024"), apptest.GridB1).ID
	gone := mustPerson(t, e, "已迁出居民", apptest.IDNumber(apptest.DistrictA, "19720303", "035"), apptest.GridA2)
	c := e.Login("secretary") // community A
	var orgs struct {
		Items []party.Org `json:"items"`
	}
	c.Get("/api/v1/party/orgs?kind=committee").JSON(t, &orgs)
	if len(orgs.Items) != 1 {
		t.Fatalf("%d committees visible to the secretary, want 1", len(orgs.Items))
	}
	org := orgs.Items[0]
	if r := c.API("POST", "/api/v1/people/"+itoa(gone.ID)+"/move-out", map[string]any{"version": gone.Version}); r.StatusCode/100 != 2 {
		t.Fatalf("move out: %d %s", r.StatusCode, r.Body)
	}
	members := func() (n int) {
		e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM party_members`).Scan(&n)
		return n
	}
	for _, tt := range []struct {
		name   string
		person int64
	}{
		{"ErrForeignPerson", foreign},
		{"ErrNoSuchPerson", 999999999},
		{"ErrMovedOut", gone.ID},
		{"ErrNegative", -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, audits := members(), auditCount(t, e)
			r := c.API("POST", "/api/v1/party/members", map[string]any{"org_id": org.ID, "person_id": tt.person, "name": "新党员", "category": "direct", "status": "full"})
			if r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"person_id"`) || !strings.Contains(r.Body, "person_in_scope") {
				t.Errorf("person %d: %d %s, want 422 on person_id", tt.person, r.StatusCode, r.Body)
			}
			if members() != before || auditCount(t, e) != audits {
				t.Error("a refused member was written")
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		r := c.API("POST", "/api/v1/party/members", map[string]any{"org_id": org.ID, "person_id": own, "name": "新党员", "category": "direct", "status": "full"})
		if r.StatusCode != 201 {
			t.Fatalf("own resident: %d %s", r.StatusCode, r.Body)
		}
		var m party.Member
		r.JSON(t, &m)
		if m.PersonID != own {
			t.Errorf("person_id %d, want %d", m.PersonID, own)
		}
	})
}
