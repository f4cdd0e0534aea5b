package registry_test

import (
	"os"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/platform/audit"
	"grassroots/internal/registry"
)

// TestErasureAndAudit follows a resident through registration, a change
// and moving out. The audit rows never hold their name, ID number or phone
// in clear: those are sealed under the resident's own key. Before moving
// out, whoever may read the audit log still sees who was changed (masked);
// moving out destroys the key, and then no audit row, API answer or export
// holds the name, the rows themselves unchanged, and the views say erased.
func TestErasureAndAudit(t *testing.T) {
	e := apptest.New(t)
	const name, masked = "欧阳测迁", "欧***"
	idn, phone, phone2 := apptest.IDNumber(apptest.DistrictA, "19850412", "321"), "13912345670", "13912345671"
	sec := e.Login("secretary")
	r := sec.API("POST", "/api/v1/people", map[string]any{"name": name, "id_number": idn, "phone": phone, "relation": "head",
		"residence": "registered", "region_code": apptest.GridA1})
	if r.StatusCode != 201 {
		t.Fatalf("register: %d %s", r.StatusCode, r.Body)
	}
	var p registry.Person
	r.JSON(t, &p)
	if r := sec.API("PATCH", "/api/v1/people/"+itoa(p.ID), map[string]any{"version": p.Version, "phone": phone2}); r.StatusCode != 200 {
		t.Fatalf("update: %d %s", r.StatusCode, r.Body)
	} else {
		r.JSON(t, &p)
	}
	if r := sec.Get("/api/v1/people/" + itoa(p.ID) + "/export"); r.StatusCode != 200 || !strings.Contains(r.Body, masked) {
		t.Errorf("PIPL export: %d, history shows the person masked: %v", r.StatusCode, strings.Contains(r.Body, masked))
	}

	// rawRows is every audit row as stored, all its text in one string.
	rawRows := func() string {
		t.Helper()
		rows, err := e.App.DB.QueryContext(ctx, `SELECT id, actor_name, action, object_type, object_id, region_code,
			COALESCE(before_json, ''), COALESCE(after_json, ''), COALESCE(detail_json, '') FROM audit_log ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var id int64
			var f [8]string
			if err := rows.Scan(&id, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]); err != nil {
				t.Fatal(err)
			}
			b.WriteString(strings.Join(f[:], "|") + "\n")
		}
		return b.String()
	}
	none := func(where, text string, values ...string) {
		t.Helper()
		for _, v := range values {
			if strings.Contains(text, v) {
				t.Errorf("%s holds %q in clear", where, v)
			}
		}
	}
	stored := rawRows()
	none("the audit table", stored, name, masked, idn, phone, phone2, p.IDMasked, "1985-04-12")

	auditor := e.Login("subdistrict") // may read the audit log
	q := "?object_type=person&object_id=" + itoa(p.ID)
	entries := func() map[string]audit.Entry {
		t.Helper()
		var list struct{ Items []audit.Entry }
		auditor.Get("/api/v1/audit"+q).JSON(t, &list)
		out := map[string]audit.Entry{}
		for _, x := range list.Items {
			out[x.Action] = x
		}
		return out
	}
	field := func(v any, key string) string {
		t.Helper()
		s, _ := apptest.Fields(t, v)[key].(string)
		return s
	}
	es := entries()
	create, update := es["registry.person.create"], es["registry.person.update"]
	for _, x := range []struct {
		where, got, want string
	}{
		{"created: name", field(create.After, "name"), masked},
		{"created: ID number", field(create.After, "id_masked"), p.IDMasked},
		{"created: phone", field(create.After, "phone_masked"), "139****5670"},
		{"created: birth date", field(create.After, "birth_date"), "1985"},
		{"changed: name before", field(update.Before, "name"), masked},
		{"changed: phone before", field(update.Before, "phone_masked"), "139****5670"},
		{"changed: phone after", field(update.After, "phone_masked"), "139****5671"},
	} {
		if x.got != x.want {
			t.Errorf("audit API before moving out, %s: %q, want %q", x.where, x.got, x.want)
		}
	}
	if page := auditor.Get("/audit" + q); !strings.Contains(page.Body, masked) {
		t.Error("the audit page does not say who was changed")
	}
	if exp := auditor.Get("/audit.csv" + q); !strings.Contains(exp.Body, masked) {
		t.Error("the audit export does not say who was changed")
	}

	if r := sec.API("POST", "/api/v1/people/"+itoa(p.ID)+"/move-out", map[string]any{"version": p.Version}); r.StatusCode != 204 {
		t.Fatalf("move out: %d %s", r.StatusCode, r.Body)
	}
	after := rawRows()
	if !strings.HasPrefix(after, stored) {
		t.Error("moving out changed audit rows")
	}
	// On SQLite the erased name is zeroed in the file, not left in a
	// freed cell for a disk image to give back.
	var seq int
	var schema, file string
	if e.App.DB.QueryRowContext(ctx, `PRAGMA database_list`).Scan(&seq, &schema, &file) == nil && file != "" {
		if _, err := e.App.DB.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), name) {
			t.Error("the erased name is still in the database file")
		}
	}
	none("the audit table", after, name, masked, idn, phone, phone2)
	var key string
	e.App.DB.QueryRowContext(ctx, `SELECT key_enc FROM audit_subject_keys WHERE subject = ?`, "person:"+itoa(p.ID)).Scan(&key)
	if key != "" {
		t.Error("moving out left the person's audit key")
	}

	es = entries()
	create, update = es["registry.person.create"], es["registry.person.update"]
	if _, ok := es["registry.person.move_out"]; !ok || create.ActorName != "secretary" || update.Region != apptest.GridA1 {
		t.Errorf("the audit rows lost what was done: %+v", es)
	}
	for _, v := range []struct{ where, got string }{
		{"created: name", field(create.After, "name")}, {"created: ID number", field(create.After, "id_masked")},
		{"created: phone", field(create.After, "phone_masked")}, {"created: birth date", field(create.After, "birth_date")},
		{"changed: name before", field(update.Before, "name")}, {"changed: name after", field(update.After, "name")},
	} {
		if v.got != audit.Erased {
			t.Errorf("audit API after moving out, %s: %q, want %q", v.where, v.got, audit.Erased)
		}
	}
	// Every answer: the audit API, page and export, unfiltered and for the
	// person; the person; their PIPL export, now refused.
	for _, path := range []string{"/api/v1/audit?limit=500", "/api/v1/audit" + q, "/audit", "/audit" + q, "/audit.csv", "/audit.csv" + q} {
		res := auditor.Get(path)
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
		none(path, res.Body, name, masked, idn, phone, phone2)
	}
	if page := auditor.Get("/audit" + q); !strings.Contains(page.Body, "已删除") {
		t.Error("the audit page does not show the erased values as erased")
	}
	if exp := auditor.Get("/audit.csv" + q); !strings.Contains(exp.Body, "已删除") {
		t.Error("the audit export does not show the erased values as erased")
	}
	for _, c := range []*apptest.Client{sec, auditor} {
		res := c.Get("/api/v1/people/" + itoa(p.ID))
		none("the person", res.Body, name, masked, idn, phone, phone2)
	}
	if r := sec.Get("/api/v1/people/" + itoa(p.ID) + "/export"); r.StatusCode != 409 {
		t.Errorf("PIPL export of a person who moved out: %d", r.StatusCode)
	}
	if r := sec.Get("/people/" + itoa(p.ID) + "/export.json"); r.StatusCode != 409 {
		t.Errorf("PIPL export page of a person who moved out: %d", r.StatusCode)
	}
}
