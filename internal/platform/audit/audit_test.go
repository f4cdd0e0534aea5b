package audit_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
)

var ctx = context.Background()

func TestAuditRecordsWritesWithBeforeAndAfter(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("subdistrict")
	id := strconv.FormatInt(e.UserID("secretary"), 10)
	res := c.API("PATCH", "/api/v1/users/"+id, map[string]any{"version": 1, "display_name": "新名字"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("update: %d %s", res.StatusCode, res.Body)
	}
	es, err := audit.Find(ctx, e.App.DB, authz.All, audit.Filter{Action: "account.user.update", ObjectID: id})
	if err != nil || len(es) != 1 {
		t.Fatalf("audit rows: %v %d", err, len(es))
	}
	got := es[0]
	if got.ActorName != "subdistrict" || got.ActorRole != "subdistrict_staff" || got.ActorScope != apptest.SubA ||
		got.Region != apptest.CommunityA || got.ClientIP != "127.0.0.1" || got.RequestID == "" {
		t.Errorf("who/where: %+v", got)
	}
	before, after := fmt.Sprintf("%s", got.Before), fmt.Sprintf("%s", got.After)
	if !strings.Contains(before, "secretary（测试）") || !strings.Contains(after, "新名字") {
		t.Errorf("before %s / after %s", before, after)
	}
	if !got.At.Equal(e.Clock.Now().Truncate(1000)) {
		t.Errorf("at %v, want the clock's %v", got.At, e.Clock.Now())
	}
}

func TestAuditIsAppendOnly(t *testing.T) {
	e := apptest.New(t)
	if _, err := e.App.DB.ExecContext(ctx, `UPDATE audit_log SET action = 'x'`); err == nil {
		t.Error("audit rows could be updated")
	}
	if _, err := e.App.DB.ExecContext(ctx, `DELETE FROM audit_log`); err == nil {
		t.Error("audit rows could be deleted")
	}
	var n int
	if err := e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("the fixture should have left audit rows")
	}
}

func TestAuditPageFiltersAndExports(t *testing.T) {
	e := apptest.New(t)
	e.Login("grid")
	e.Login("secretary")
	c := e.Login("subdistrict")
	page := c.Get("/audit?actor=grid&action=account.login")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "<code>account.login") {
		t.Fatalf("audit page: %d", page.StatusCode)
	}
	if strings.Contains(page.Body, ">secretary ") {
		t.Error("the actor filter let other actors through")
	}
	bad := c.Get("/audit?from=yesterday")
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "YYYY-MM-DD") {
		t.Errorf("bad date: %d", bad.StatusCode)
	}
	res := c.Get("/audit.csv?action=account.login")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("export content type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 3 || rows[0][0] != "id" {
		t.Fatalf("export rows: %v", rows)
	}
	for _, r := range rows[1:] {
		if !strings.HasPrefix(r[5], "account.login") {
			t.Errorf("export ignores the filter: %v", r)
		}
	}
	es, _ := audit.Find(ctx, e.App.DB, authz.All, audit.Filter{Action: "audit.export"})
	if len(es) != 1 {
		t.Errorf("the export itself must be audited")
	}
	// The filter form is shown in English after switching language.
	c.Form("/lang", url.Values{"lang": {"en"}, "next": {"/audit"}})
	if res := c.Get("/audit"); !strings.Contains(res.Body, "Audit log") || !strings.Contains(res.Body, `lang="en"`) {
		t.Errorf("English audit page: %s", res.Body[:200])
	}
}
