package app

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"grassroots/internal/registry"
)

// exportRows reads a CSV export as the spreadsheet sees it: cells as
// written, quotes included.
func exportRows(t *testing.T, r response) [][]string {
	t.Helper()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("export: %d %s", r.StatusCode, r.body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func firstCells(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		if len(r) > 0 {
			out = append(out, r[0])
		}
	}
	return out
}

func hasCell(cells []string, want string) bool {
	for _, c := range cells {
		if c == want {
			return true
		}
	}
	return false
}

// TestExportsNeutraliseFormulas: names that a spreadsheet would run as
// formulas come out of the exports with a leading quote, and importing
// the export gives the same names back (nothing new is created).
func TestExportsNeutraliseFormulas(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary")
	const unit, worker, person = `=HYPERLINK("http://x","y")`, "-1+2", "@SUM(1)"

	units := [][]string{exportRows(t, c.get("/units/template.csv"))[0], {unit, "非公有制企业", "360102002001", "某路1号", "35", "", "否", "是"}}
	if r := c.upload("/units/import", "units.csv", csvBytes(units), nil); !strings.Contains(r.body, "新增 1") {
		t.Fatalf("units import: %d %s", r.StatusCode, r.body)
	}
	exp := c.get("/units/export.csv")
	if cells := firstCells(exportRows(t, exp)); !hasCell(cells, "'"+unit) || hasCell(cells, unit) {
		t.Errorf("units export: names %q, want %q quoted", cells, unit)
	}
	if r := c.upload("/units/import", "units.csv", []byte(exp.body), nil); !strings.Contains(r.body, "新增 0，已存在") {
		t.Errorf("re-importing the units export: %s", r.body)
	}

	workers := [][]string{{"姓名", "社区代码", "岗位", "社工证书", "学历", "培训学时"}, {worker, "360102002001", "社工", "社会工作师", "本科", "16"}}
	if r := c.upload("/workforce/import", "w.csv", csvBytes(workers), nil); !strings.Contains(r.body, "新增 1") {
		t.Fatalf("workers import: %s", r.body)
	}
	if cells := firstCells(exportRows(t, c.get("/workforce/export.csv"))); !hasCell(cells, "'"+worker) {
		t.Errorf("workers export: names %q, want %q quoted", cells, worker)
	}

	// A person typed with a full-width ID number and phone is accepted,
	// found by the ASCII number, and exported with the name quoted.
	idn := validID("19900307", "123")
	wide := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if r >= '0' && r <= '9' {
				r += '０' - '0'
			} else if r == 'X' {
				r = 'Ｘ'
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	r := c.api("POST", "/api/v1/people", map[string]any{"name": person, "id_number": wide(idn), "phone": wide("13912345678"),
		"relation": "head", "residence": "registered", "region_code": demoGridA})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("register with full-width digits: %d %s", r.StatusCode, r.body)
	}
	var found struct {
		Items []registry.Person `json:"items"`
	}
	c.api("GET", "/api/v1/people?q="+idn, nil).json(t, &found)
	if len(found.Items) != 1 || found.Items[0].Name != person {
		t.Errorf("search by the ASCII ID number: %+v", found.Items)
	}
	c.api("GET", "/api/v1/people?q=13912345678", nil).json(t, &found)
	if len(found.Items) != 1 {
		t.Errorf("search by the ASCII phone: %+v", found.Items)
	}
	if cells := firstCells(exportRows(t, c.get("/people/export.csv?q=SUM"))); !hasCell(cells, "'"+person) {
		t.Errorf("people export: names %q, want %q quoted", cells, person)
	}
}
