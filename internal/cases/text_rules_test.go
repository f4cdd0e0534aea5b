package cases_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestCatalogueTextRules: the catalogue's names, English names, keywords
// and note follow the text rules of every name: direction overrides and
// control characters are refused with the field named, changing
// nothing; invisible characters are removed before the catalogue is
// stored.
func TestCatalogueTextRules(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	cur := catalogueVersion(t, city, "")
	i := slices.IndexFunc(cur.Doc.Categories, func(x cases.Category) bool { return x.Code == "0303" })
	if i < 0 {
		t.Fatal("no sub-class 0303 in the catalogue")
	}
	at := "categories[" + itoa(int64(i)) + "]"
	put := func(change func(*cases.CatalogueDoc)) apptest.Response {
		t.Helper()
		doc := cur.Doc
		doc.Categories = slices.Clone(cur.Doc.Categories)
		change(&doc)
		return city.API("PUT", "/api/v1/case-catalogue", doc)
	}
	for _, x := range []struct {
		field, rule string
		change      func(*cases.CatalogueDoc)
	}{
		{at + ".name", "bidi_control", func(d *cases.CatalogueDoc) { d.Categories[i].Name = "路灯\u202e亮不" }},
		{at + ".name_en", "control_char", func(d *cases.CatalogueDoc) { d.Categories[i].NameEN = "Street\x00light" }},
		{at + ".keywords[1]", "bidi_control", func(d *cases.CatalogueDoc) { d.Categories[i].Keywords = []string{"路灯", "灯\u2066坏"} }},
		{"note", "control_char", func(d *cases.CatalogueDoc) { d.Note = "第二版\x07" }},
	} {
		r := put(x.change)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"`+x.field+`","rule":"`+x.rule+`"`) {
			t.Errorf("%s: %d %s", x.field, r.StatusCode, r.Body)
		}
	}
	if v := catalogueVersion(t, city, "").Version; v != cur.Version {
		t.Fatalf("refused catalogues stored version %d", v)
	}
	// The import page names the category and the field.
	doc := cur.Doc
	doc.Categories = slices.Clone(cur.Doc.Categories)
	doc.Categories[i].Name = "路灯\u202e亮不"
	if r := city.Upload("/cases/catalogue/import", "catalogue.json", mustJSON(t, doc), nil); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "名称: 不能包含文字方向控制字符") {
		t.Errorf("the import page: %d", r.StatusCode)
	}
	// Invisible characters go.
	r := put(func(d *cases.CatalogueDoc) {
		d.Categories[i].Name = "路灯\u200b熄灭"
		d.Categories[i].Keywords = []string{"\ufeff灯不亮"}
		d.Note = " 第二版\u200b "
	})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("a catalogue with invisible characters: %d %s", r.StatusCode, r.Body)
	}
	got := catalogueVersion(t, city, "")
	if c := category(got, "0303"); c.Name != "路灯熄灭" || !slices.Equal(c.Keywords, []string{"灯不亮"}) || got.Doc.Note != "第二版" || got.Version != cur.Version+1 {
		t.Errorf("stored version %d: %q %q note %q", got.Version, c.Name, c.Keywords, got.Doc.Note)
	}
}

// TestHotlineCategoryTextRules: a 12345 category name follows the text
// rules: refused with the field named, or stored without its invisible
// characters.
func TestHotlineCategoryTextRules(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	for name, rule := range map[string]string{"环境保护/噪音\u202e扰民": "bidi_control", "环境保护/噪音\x00扰民": "control_char"} {
		r := city.API("POST", "/api/v1/hotline/categories", map[string]any{"name": name, "category": "0701"})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"name","rule":"`+rule+`"`) {
			t.Errorf("%q: %d %s", name, r.StatusCode, r.Body)
		}
	}
	var table []cases.HotlineCategory
	city.Get("/api/v1/hotline/categories").JSON(t, &table)
	if len(table) != 0 {
		t.Fatalf("refused names are in the table: %+v", table)
	}
	if r := city.API("POST", "/api/v1/hotline/categories", map[string]any{"name": "环境保护/噪音\u200b扰民", "category": "0701"}); r.StatusCode != http.StatusOK {
		t.Fatalf("a name with a zero-width space: %d %s", r.StatusCode, r.Body)
	}
	city.Get("/api/v1/hotline/categories").JSON(t, &table)
	if len(table) != 1 || table[0].Name != "环境保护/噪音扰民" {
		t.Errorf("the table holds %+v", table)
	}
}
