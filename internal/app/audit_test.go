package app

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
)

func TestAuditRecordsWritesWithBeforeAndAfter(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-subdistrict")
	id := e.userID("demo-worker")
	res := c.api("PATCH", "/api/v1/users/"+itoa(id), map[string]any{"version": 1, "display_name": "新名字"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("update: %d %s", res.StatusCode, res.body)
	}
	es, err := audit.Find(tCtx, e.app.DB, authz.All, audit.Filter{Action: "account.user.update", ObjectID: itoa(id)})
	if err != nil || len(es) != 1 {
		t.Fatalf("audit rows: %v %d", err, len(es))
	}
	got := es[0]
	if got.ActorName != "demo-subdistrict" || got.ActorRole != "subdistrict_staff" || got.ActorScope != "360102002" ||
		got.Region != "360102002002" || got.ClientIP != "127.0.0.1" || got.RequestID == "" {
		t.Errorf("who/where: %+v", got)
	}
	before, after := fmt.Sprintf("%s", got.Before), fmt.Sprintf("%s", got.After)
	if !strings.Contains(before, "章江路社区工作者") || !strings.Contains(after, "新名字") {
		t.Errorf("before %s / after %s", before, after)
	}
	if !got.At.Equal(e.clock.Now().Truncate(1000)) {
		t.Errorf("at %v, want the clock's %v", got.At, e.clock.Now())
	}
}

func TestAuditIsAppendOnly(t *testing.T) {
	e := newEnv(t)
	if _, err := e.app.DB.ExecContext(tCtx, `UPDATE audit_log SET action = 'x'`); err == nil {
		t.Error("audit rows could be updated")
	}
	if _, err := e.app.DB.ExecContext(tCtx, `DELETE FROM audit_log`); err == nil {
		t.Error("audit rows could be deleted")
	}
	if e.auditCount() == 0 {
		t.Error("the demo should have left audit rows")
	}
}

func TestAuditPageFiltersAndExports(t *testing.T) {
	e := newEnv(t)
	e.login("demo-worker")
	e.login("demo-secretary")
	c := e.login("demo-subdistrict")
	page := c.get("/audit?actor=demo-worker&action=account.login")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "account.login") {
		t.Fatalf("audit page: %d", page.StatusCode)
	}
	if strings.Contains(page.body, ">demo-secretary ") {
		t.Error("the actor filter let other actors through")
	}
	bad := c.get("/audit?from=yesterday")
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "YYYY-MM-DD") {
		t.Errorf("bad date: %d", bad.StatusCode)
	}
	res := c.get("/audit.csv?action=account.login")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("export content type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\ufeff"))).ReadAll()
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
	es, _ := audit.Find(tCtx, e.app.DB, authz.All, audit.Filter{Action: "audit.export"})
	if len(es) != 1 {
		t.Errorf("the export itself must be audited")
	}
	// The filter form is shown in English after switching language.
	c.form("/lang", url.Values{"lang": {"en"}, "next": {"/audit"}})
	if res := c.get("/audit"); !strings.Contains(res.body, "Audit log") || !strings.Contains(res.body, `lang="en"`) {
		t.Errorf("English audit page: %s", res.body[:200])
	}
}
