package app

import (
	"strings"
	"testing"

	"grassroots/internal/party"
)

// TestPartyMemberPerson checks that a Party member's person_id must be a
// resident the actor may read: another community's resident, an unknown
// id and a resident who has moved out are refused on person_id, and
// nothing is written.
func TestPartyMemberPerson(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary") // 民巷社区
	var orgs struct {
		Items []party.Org `json:"items"`
	}
	c.get("/api/v1/party/orgs?kind=committee").json(t, &orgs)
	if len(orgs.Items) != 1 {
		t.Fatalf("%d committees visible to the secretary, want 1", len(orgs.Items))
	}
	org := orgs.Items[0]
	person := func(community string) int64 {
		t.Helper()
		var id int64
		if err := e.app.DB.QueryRowContext(tCtx, `SELECT id FROM registry_people WHERE region_code >= ? AND region_code < ? AND moved_out_at IS NULL
			ORDER BY id LIMIT 1`, community, community+"~").Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	own, foreign := person(demoCommunityA), person("360102002002")
	var gone int64
	if err := e.app.DB.QueryRowContext(tCtx, `SELECT id FROM registry_people WHERE region_code >= ? AND region_code < ? AND id <> ? ORDER BY id DESC LIMIT 1`,
		demoCommunityA, demoCommunityA+"~", own).Scan(&gone); err != nil {
		t.Fatal(err)
	}
	var version int
	e.app.DB.QueryRowContext(tCtx, `SELECT version FROM registry_people WHERE id = ?`, gone).Scan(&version)
	if r := c.api("POST", "/api/v1/people/"+itoa(gone)+"/move-out", map[string]any{"version": version}); r.StatusCode/100 != 2 {
		t.Fatalf("move out: %d %s", r.StatusCode, r.body)
	}
	members := func() (n int) {
		e.app.DB.QueryRowContext(tCtx, `SELECT COUNT(*) FROM party_members`).Scan(&n)
		return n
	}
	for _, tt := range []struct {
		name   string
		person int64
	}{
		{"ErrForeignPerson", foreign},
		{"ErrNoSuchPerson", 999999999},
		{"ErrMovedOut", gone},
		{"ErrNegative", -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, audits := members(), e.auditCount()
			r := c.api("POST", "/api/v1/party/members", map[string]any{"org_id": org.ID, "person_id": tt.person, "name": "新党员", "category": "direct", "status": "full"})
			if r.StatusCode != 422 || !strings.Contains(r.body, `"field":"person_id"`) || !strings.Contains(r.body, "person_in_scope") {
				t.Errorf("person %d: %d %s, want 422 on person_id", tt.person, r.StatusCode, r.body)
			}
			if members() != before || e.auditCount() != audits {
				t.Error("a refused member was written")
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		r := c.api("POST", "/api/v1/party/members", map[string]any{"org_id": org.ID, "person_id": own, "name": "新党员", "category": "direct", "status": "full"})
		if r.StatusCode != 201 {
			t.Fatalf("own resident: %d %s", r.StatusCode, r.body)
		}
		var m party.Member
		r.json(t, &m)
		if m.PersonID != own {
			t.Errorf("person_id %d, want %d", m.PersonID, own)
		}
	})
}
