package territory

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/dbtest"
)

func newService(t *testing.T) (*Service, *db.DB) {
	t.Helper()
	d := dbtest.New(t, nil, audit.Migrations(), change.Migrations(), Migrations())
	return NewService(d), d
}

func asAll() context.Context {
	return authz.WithActor(context.Background(), &authz.Actor{Username: "test", Scope: authz.All})
}

func as(region string) context.Context {
	return authz.WithActor(context.Background(), &authz.Actor{Username: "test", Scope: authz.Scope{Region: region}})
}

func count(t *testing.T, d *db.DB, q string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportNanchang(t *testing.T) {
	s, d := newService(t)
	rep, err := s.ImportCSV(asAll(), bytes.NewReader(NanchangCSV()), ImportOptions{})
	if err != nil || !rep.Committed || rep.Changed != 2413 || len(rep.Errors) != 0 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	city, err := s.Region(as("3601"), "3601")
	if err != nil {
		t.Fatal(err)
	}
	want := Counts{LevelDistrict: 9, LevelSubdistrict: 139, LevelCommunity: 2263}
	if diff := cmp.Diff(want, city.Counts); diff != "" {
		t.Errorf("city counts (-want +got):\n%s", diff)
	}
	var villages int
	villages = count(t, d, `SELECT COUNT(*) FROM territory_regions WHERE kind = 'village'`)
	if villages != 1258 {
		t.Errorf("%d village committees, want 1258", villages)
	}
	// Re-importing the same file changes nothing.
	again, err := s.ImportCSV(asAll(), bytes.NewReader(NanchangCSV()), ImportOptions{})
	if err != nil || again.Changed != 0 || again.Unchanged != 2413 {
		t.Errorf("second import: %+v %v", again, err)
	}
	kids, err := s.Children(as("360102"), "360102")
	if err != nil || len(kids) != 10 {
		t.Fatalf("children of 东湖区: %d %v", len(kids), err)
	}
	total := 0
	for _, k := range kids {
		total += k.Counts[LevelCommunity]
		if k.Counts[LevelSubdistrict] != 0 {
			t.Errorf("%s counts itself", k.Code)
		}
	}
	if total != 119 {
		t.Errorf("communities under the subdistricts of 东湖区: %d, want 119", total)
	}
	if _, err := s.Children(as("360103"), "360102"); err == nil {
		t.Error("children of a region outside scope")
	}
}

func TestImportReportsEveryBadRowAndCommitsNothing(t *testing.T) {
	s, d := newService(t)
	csv := "code,name,level,parent_code,kind\n" +
		"36,江西省,province,,\n" +
		"3601,南昌市,city,36,\n" +
		"360102,东湖区,district,3601,\n" +
		"36010x,坏代码,district,3601,\n" + // row 5: not digits
		"3601020,长度错,district,3601,\n" + // row 6: wrong length
		"360103,,district,3601,\n" + // row 7: no name
		"360104002,孤儿,subdistrict,360104,\n" + // row 8: unknown parent
		"360102002001,民巷社区居委会,community,360102002,town\n" // row 9: parent unknown and bad kind
	before := count(t, d, `SELECT COUNT(*) FROM audit_log`)
	rep, err := s.ImportCSV(asAll(), strings.NewReader(csv), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[int]bool{}
	for _, e := range rep.Errors {
		rows[e.Row] = true
	}
	if diff := cmp.Diff(map[int]bool{5: true, 6: true, 7: true, 8: true, 9: true}, rows); diff != "" {
		t.Errorf("bad rows (-want +got):\n%s\n%+v", diff, rep.Errors)
	}
	if rep.Committed || count(t, d, `SELECT COUNT(*) FROM territory_regions`) != 0 || count(t, d, `SELECT COUNT(*) FROM audit_log`) != before {
		t.Fatalf("a bad import wrote data: %+v", rep)
	}
	keep, err := s.ImportCSV(asAll(), strings.NewReader(csv), ImportOptions{KeepGood: true})
	if err != nil || !keep.Committed || keep.Changed != 3 || keep.Skipped != 5 {
		t.Fatalf("keep good rows: %+v %v", keep, err)
	}
	// Outside the actor's scope nothing may be imported.
	out, _ := s.ImportCSV(as("360102"), strings.NewReader("code,name,level,parent_code,kind\n360103,西湖区,district,3601,\n"), ImportOptions{})
	if out.Committed || len(out.Errors) != 1 || out.Errors[0].Rule != "rule.out_of_scope" {
		t.Errorf("import outside scope: %+v", out)
	}
	if _, err := s.ImportCSV(asAll(), strings.NewReader("a,b\n1,2\n"), ImportOptions{}); err == nil {
		t.Error("a wrong header was accepted")
	}
}

func TestDepartmentsScope(t *testing.T) {
	s, _ := newService(t)
	if _, err := s.ImportCSV(asAll(), bytes.NewReader(NanchangCSV()), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	dh, err := s.CreateDepartment(as("360102"), DepartmentInput{Name: "东湖区城管局", RegionCode: "360102"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateDepartment(as("360102"), DepartmentInput{Name: "西湖区城管局", RegionCode: "360103"}); err == nil {
		t.Error("created a department outside scope")
	}
	if _, err := s.CreateDepartment(as("360102"), DepartmentInput{Name: "东湖区城管局", RegionCode: "360102"}); err == nil {
		t.Error("duplicate department accepted")
	}
	// A subdistrict sees the district department that serves it; another
	// district does not; a department's own staff see only their own.
	if ds, _ := s.Departments(as("360102002"), 0, 10); len(ds) != 1 {
		t.Errorf("subdistrict sees %d departments, want the district one", len(ds))
	}
	if _, err := s.Department(as("360103"), dh.ID); err == nil {
		t.Error("another district sees the department")
	}
	other, _ := s.EnsureDepartment(asAll(), "东湖区住建局", "360102")
	staff := authz.WithActor(context.Background(), &authz.Actor{Scope: authz.Scope{Region: "360102", Department: dh.ID}})
	if _, err := s.Department(staff, other.ID); err == nil {
		t.Error("department staff see another department")
	}
	again, err := s.EnsureDepartment(asAll(), "东湖区住建局", "360102")
	if err != nil || again.ID != other.ID {
		t.Errorf("EnsureDepartment twice: %v %v", again, err)
	}
}
