package cases_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
)

// catalogueVersion is the catalogue in force, as the API gives it.
func catalogueVersion(t *testing.T, c *apptest.Client, query string) cases.Catalogue {
	t.Helper()
	var cat cases.Catalogue
	c.Get("/api/v1/case-catalogue"+query).JSON(t, &cat)
	return cat
}

func category(cat cases.Catalogue, code string) cases.Category {
	for _, x := range cat.Doc.Categories {
		if x.Code == code {
			return x
		}
	}
	return cases.Category{}
}

// subForm is the form of sub-class 0201 (占道经营) as the page sends it
// unchanged, on catalogue version base.
func subForm(base string) url.Values {
	v := url.Values{"base": {base}, "code": {"0201"}, "name": {"占道经营"}, "name_en": {"Trading on the road"},
		"department": {"~inherit"}, "urgency": {""}, "private": {""}, "kind": {""}, "limit_handle": {"1"}, "unit_handle": {"d"}}
	for _, s := range cases.Steps {
		if s != "handle" {
			v.Set("limit_"+s, "")
			v.Set("unit_"+s, "d")
		}
	}
	return v
}

// The API gives each version's document as it was saved: a sub-class's
// unset values (nil, "") inherit from its class.

// TestCatalogueFormEditsMakeVersions: the city administrator edits a
// sub-class as a form — its handling department chosen by name, its
// urgency, whether the public reads it, a step's time limit — and each
// save is a new version, audited, with the old one kept; a bad value is
// named by category and field and changes nothing, and so does a form
// made from an older version.
func TestCatalogueFormEditsMakeVersions(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	page := city.Get("/cases/catalogue")
	if page.StatusCode != http.StatusOK || strings.Contains(page.Body, `<textarea name="catalogue"`) || len(page.Body) > 100_000 {
		t.Fatalf("catalogue page: %d, %d bytes (the catalogue is a light list of forms, not raw JSON)", page.StatusCode, len(page.Body))
	}
	for _, want := range []string{`href="/cases/catalogue?edit=0201#cat-0201"`, "街面秩序", "占道经营", `action="/cases/catalogue/import"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	page = city.Get("/cases/catalogue?edit=0201")
	for _, want := range []string{`action="/cases/catalogue/category"`, `<option value="城市管理局"`, `<option value="市场监督管理局"`, "处置时限",
		`<option value="~inherit" selected>同大类（街面秩序）</option>`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the form of 0201 lacks %s", want)
		}
	}
	// Saving the form unchanged makes no version.
	if r := city.Form("/cases/catalogue/category", subForm("1")); r.StatusCode != http.StatusSeeOther || catalogueVersion(t, city, "").Version != 1 {
		t.Fatalf("unchanged form: %d, version %d", r.StatusCode, catalogueVersion(t, city, "").Version)
	}
	f := subForm("1")
	f.Set("department", "市场监督管理局")
	f.Set("urgency", "urgent")
	f.Set("private", "private")
	f.Set("limit_handle", "4")
	f.Set("unit_handle", "h")
	if r := city.Form("/cases/catalogue/category", f); r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "#cat-0201") {
		t.Fatalf("save: %d %s", r.StatusCode, r.Body)
	}
	cat := catalogueVersion(t, city, "")
	got := category(cat, "0201")
	if cat.Version != 2 || got.Dept() != "市场监督管理局" || got.Urgency != "urgent" || got.Public() || got.Limits.Handle.String() != "4h" ||
		got.Limits.Accept.String() != "" || len(got.Keywords) != 0 {
		t.Errorf("version %d, 0201 %+v", cat.Version, got)
	}
	if other := category(cat, "0202"); other.Department != nil || other.Private != nil || other.Limits.Handle.String() != "1d" {
		t.Errorf("another sub-class changed: %+v", other)
	}
	if old := category(catalogueVersion(t, city, "?version=1"), "0201"); old.Department != nil || old.Urgency != "" || old.Limits.Handle.String() != "1d" {
		t.Errorf("version 1 changed: %+v", old)
	}
	if es, _ := audit.Find(e.System(), e.App.DB, authz.All, audit.Filter{Action: "cases.catalogue.put", ObjectID: "2"}); len(es) != 1 {
		t.Errorf("the new version is not audited")
	}

	// A bad limit: named by category and field, nothing changes, the form
	// opens again as sent.
	f = subForm("2")
	f.Set("limit_handle", "0")
	f.Set("limit_verify", "abc")
	r := city.Form("/cases/catalogue/category", f)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad limit: %d", r.StatusCode)
	}
	for _, want := range []string{`<span class="field-error" id="lim-0201-handle-error">处置时限: 须为 1–1000 的整数`,
		`<span class="field-error" id="lim-0201-verify-error">核查时限: 须为 1–1000 的整数`, `name="limit_handle" inputmode="numeric" value="0"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("bad limit: the page lacks %s", want)
		}
	}
	// A form made from version 1 cannot undo version 2.
	if r := city.Form("/cases/catalogue/category", subForm("1")); r.StatusCode != http.StatusConflict {
		t.Errorf("stale form: %d", r.StatusCode)
	}
	if v := catalogueVersion(t, city, "").Version; v != 2 {
		t.Errorf("refused forms made version %d", v)
	}

	// A new sub-class comes after the last of its class and takes the
	// class's department.
	add := url.Values{"base": {"2"}, "new": {"1"}, "parent": {"02"}, "code": {"0205"}, "name": {"店外经营"}, "department": {"~inherit"},
		"limit_handle": {"2"}, "unit_handle": {"d"}}
	if r := city.Form("/cases/catalogue/category", add); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d %s", r.StatusCode, r.Body)
	}
	cat = catalogueVersion(t, city, "")
	var codes []string
	for _, x := range cat.Doc.Categories {
		if x.Parent == "02" {
			codes = append(codes, x.Code)
		}
	}
	if strings.Join(codes, ",") != "0201,0202,0203,0204,0205" || cat.Version != 3 {
		t.Errorf("sub-classes of 02 in version %d: %v", cat.Version, codes)
	}
	// Adding it again is refused by its code.
	add.Set("base", "3")
	if r := city.Form("/cases/catalogue/category", add); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `<span class="field-error" id="cat-new-0205-code-error">代码: 已被占用`) {
		t.Errorf("duplicate code: %d", r.StatusCode)
	}

	// The default limits.
	d := url.Values{"base": {"3"}}
	for _, s := range cases.Steps {
		d.Set("limit_"+s, "3")
		d.Set("unit_"+s, "h")
	}
	d.Set("limit_close", "")
	if r := city.Form("/cases/catalogue/defaults", d); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "默认时限: 必须给出每个环节的默认时限") {
		t.Errorf("a missing default: %d", r.StatusCode)
	}
	d.Set("limit_close", "2")
	d.Set("unit_close", "d")
	if r := city.Form("/cases/catalogue/defaults", d); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("defaults: %d %s", r.StatusCode, r.Body)
	}
	if cat := catalogueVersion(t, city, ""); cat.Doc.Defaults.Close.String() != "2d" || cat.Doc.Defaults.Accept.String() != "3h" {
		t.Errorf("defaults %+v", cat.Doc.Defaults)
	}
	if r := e.Login("district").Form("/cases/catalogue/category", subForm("4")); r.StatusCode != http.StatusForbidden {
		t.Errorf("district staff edit the catalogue: %d", r.StatusCode)
	}
}

// TestCatalogueJSONExportImport: the catalogue goes out as a JSON file
// and comes back as one; a file becomes a version only when every entry
// is valid, and every problem is named by category and field.
func TestCatalogueJSONExportImport(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	res := city.Get("/cases/catalogue.json")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "catalogue-v1.json") {
		t.Fatalf("export: %d %v", res.StatusCode, res.Header)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(res.Body), &doc); err != nil {
		t.Fatal(err)
	}
	// The file as it came back changes nothing.
	if r := city.Upload("/cases/catalogue/import", "catalogue.json", []byte(res.Body), nil); r.StatusCode != http.StatusSeeOther || catalogueVersion(t, city, "").Version != 1 {
		t.Fatalf("same file: %d", r.StatusCode)
	}
	cats := doc["categories"].([]any)
	setField := func(code, k string, v any) {
		for _, c := range cats {
			if m := c.(map[string]any); m["code"] == code {
				if k == "handle" {
					lim, _ := m["limits"].(map[string]any)
					if lim == nil {
						lim = map[string]any{}
						m["limits"] = lim
					}
					lim[k] = v
				} else {
					m[k] = v
				}
			}
		}
	}
	setField("0201", "handle", "0d")
	setField("0302", "urgency", "asap")
	setField("0303", "handle", 5)
	bad, _ := json.Marshal(doc)
	r := city.Upload("/cases/catalogue/import", "catalogue.json", bad, nil)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad file: %d", r.StatusCode)
	}
	for _, want := range []string{"街面秩序 › 占道经营（0201）: 处置时限: 须为 1–1000 的整数", "道路交通 › 井盖缺失破损（0302）: 紧急程度: 须为以下之一",
		"道路交通 › 路灯不亮（0303）: 处置时限"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("bad file: the page lacks %q", want)
		}
	}
	if v := catalogueVersion(t, city, "").Version; v != 1 {
		t.Errorf("a bad file made version %d", v)
	}
	if r := city.Upload("/cases/catalogue/import", "catalogue.json", []byte(`{"defaults": {`), nil); r.StatusCode != 422 || !strings.Contains(r.Body, "分类目录文件: JSON 格式错误") {
		t.Errorf("broken JSON: %d", r.StatusCode)
	}
	setField("0201", "handle", "3d")
	setField("0302", "urgency", "urgent")
	setField("0303", "handle", "2d")
	setField("0303", "name", "路灯熄灭")
	good, _ := json.Marshal(doc)
	if r := city.Upload("/cases/catalogue/import", "catalogue.json", append([]byte("\ufeff"), good...), nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("good file: %d %s", r.StatusCode, r.Body)
	}
	cat := catalogueVersion(t, city, "")
	if cat.Version != 2 || category(cat, "0303").Name != "路灯熄灭" || category(cat, "0201").Limits.Handle.String() != "3d" {
		t.Errorf("imported version %d: %+v", cat.Version, category(cat, "0303"))
	}
	// The API names a bad limit by its place too.
	setField("0201", "handle", "soon")
	var body any
	json.Unmarshal(mustJSON(t, doc), &body)
	if r := city.API("PUT", "/api/v1/case-catalogue", body); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"categories[6].limits.handle"`) {
		t.Errorf("API bad limit: %d %s", r.StatusCode, r.Body)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
