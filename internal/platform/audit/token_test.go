package audit_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"grassroots/internal/account"
	"grassroots/internal/apptest"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/web"
)

// TestAuditNamesTheToken: an action done with an API token is recorded
// with the token's id, on the API, the page and the export, so that a
// leaked token's actions can be told from its holder's; an action in a
// signed-in session names none.
func TestAuditNamesTheToken(t *testing.T) {
	e := apptest.New(t)
	worker := e.Login("worker")
	var nt account.NewToken
	if r := worker.API("POST", "/api/v1/tokens", map[string]any{"name": "phone"}); r.StatusCode != http.StatusCreated {
		t.Fatalf("token: %d %s", r.StatusCode, r.Body)
	} else {
		r.JSON(t, &nt)
	}
	p := e.Points[apptest.GridB1]
	report := func(c *apptest.Client, desc string) string {
		t.Helper()
		r := c.API("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": desc, "lon": p[0], "lat": p[1]})
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("report: %d %s", r.StatusCode, r.Body)
		}
		var in struct {
			Case struct{ ID int64 }
		}
		r.JSON(t, &in)
		return strconv.FormatInt(in.Case.ID, 10)
	}
	byToken := report(e.WithToken(nt.Secret), "路灯不亮，手机上报")
	bySession := report(worker, "路灯不亮，网页上报")

	city := e.Login("city")
	var list web.List[audit.Entry]
	city.Get("/api/v1/audit?object_type=case").JSON(t, &list)
	seen := 0
	for _, en := range list.Items {
		switch {
		case en.Action != "cases.report":
		case en.ObjectID == byToken:
			seen++
			if en.TokenID != nt.ID || en.ActorName != "worker" {
				t.Errorf("the report made with token %d is recorded with %d by %s", nt.ID, en.TokenID, en.ActorName)
			}
		case en.ObjectID == bySession:
			seen++
			if en.TokenID != 0 {
				t.Errorf("the report made in a session names token %d", en.TokenID)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("found %d of the two reports in %+v", seen, list.Items)
	}
	if body := city.Get("/audit?object_type=case").Body; !strings.Contains(body, "API 令牌 "+strconv.FormatInt(nt.ID, 10)) {
		t.Error("the audit page does not name the token")
	}
	csv := city.Get("/audit.csv?object_type=case").Body
	if !strings.Contains(strings.SplitN(csv, "\n", 2)[0], "token_id") {
		t.Errorf("the export has no token column: %.200s", csv)
	}
}
