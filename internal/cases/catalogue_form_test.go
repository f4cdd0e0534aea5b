package cases_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestCatalogueRefusedFieldsMarked: a refused category form comes back
// with each error beside its field (marked invalid, described by the
// message), the value as typed, the parent class named in the inherited
// choices, and a line at the top pointing to the fields; the default
// limits' form alike.
func TestCatalogueRefusedFieldsMarked(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	f := subForm("1")
	f.Set("limit_handle", "abc")
	f.Set("name", "")
	r := city.Form("/cases/catalogue/category", f)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", r.StatusCode)
	}
	handle := regexp.MustCompile(`<input id="lim-0201-handle"[^>]*>`).FindString(r.Body)
	for _, want := range []string{`value="abc"`, `aria-invalid="true"`, `aria-describedby="lim-0201-handle-error"`} {
		if !strings.Contains(handle, want) {
			t.Errorf("the handling limit's field lacks %s: %s", want, handle)
		}
	}
	if !strings.Contains(r.Body, `<span class="field-error" id="lim-0201-handle-error">处置时限: 须为 1–1000 的整数`) {
		t.Error("the handling limit's error is not beside it")
	}
	name := regexp.MustCompile(`<input name="name"[^>]*aria-invalid[^>]*>`).FindString(r.Body)
	if !strings.Contains(name, `aria-describedby="cat-0201-name-error"`) || !strings.Contains(r.Body, `<span class="field-error" id="cat-0201-name-error">名称: `) {
		t.Errorf("the name's error is not beside it: %q", name)
	}
	top := regexp.MustCompile(`(?s)<ul class="field-errors" role="alert" id="catalogue-errors">(.*?)</ul>`).FindStringSubmatch(r.Body)
	if top == nil || !strings.Contains(top[1], "请更正下面标出的项") || strings.Contains(top[1], "处置时限") {
		t.Errorf("the top of the page: %v", top)
	}
	// The heading of what a sub-class inherits names its class.
	if strings.Contains(r.Body, "同大类（）") || !strings.Contains(r.Body, `<option value="~inherit" selected>同大类（街面秩序）</option>`) {
		t.Error("the refused form loses the class's name in 同大类（…）")
	}
	// The default limits.
	d := url.Values{"base": {"1"}}
	for _, s := range cases.Steps {
		d.Set("limit_"+s, "2")
		d.Set("unit_"+s, "d")
	}
	d.Set("limit_verify", "0")
	r = city.Form("/cases/catalogue/defaults", d)
	verify := regexp.MustCompile(`<input id="defaults-verify"[^>]*>`).FindString(r.Body)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(verify, `aria-describedby="defaults-verify-error"`) || !strings.Contains(verify, `value="0"`) ||
		!strings.Contains(r.Body, `<span class="field-error" id="defaults-verify-error">核查时限: 须为 1–1000 的整数`) {
		t.Errorf("a bad default: %d %s", r.StatusCode, verify)
	}
	if v := catalogueVersion(t, city, "").Version; v != 1 {
		t.Errorf("refused forms made version %d", v)
	}
}

// TestCatalogueAuditSaysWhatChanged: the audit log tells each catalogue
// version by what it changed — the categories added, removed and changed,
// by name, and the default limits — in Chinese and in English.
func TestCatalogueAuditSaysWhatChanged(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	f := subForm("1")
	f.Set("limit_handle", "3")
	if r := city.Form("/cases/catalogue/category", f); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", r.StatusCode)
	}
	add := url.Values{"base": {"2"}, "new": {"1"}, "parent": {"02"}, "code": {"0205"}, "name": {"店外经营"}, "name_en": {"Trading outside the shop"},
		"department": {"~inherit"}, "limit_handle": {"2"}, "unit_handle": {"d"}}
	if r := city.Form("/cases/catalogue/category", add); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", r.StatusCode)
	}
	// A file without 0202 and with other default limits.
	cat := catalogueVersion(t, city, "")
	doc := cat.Doc
	var kept []cases.Category
	for _, x := range doc.Categories {
		if x.Code != "0202" {
			kept = append(kept, x)
		}
	}
	doc.Categories = kept
	doc.Defaults.Close = cases.Limit{N: 9, Unit: 'd'}
	r := city.API("PUT", "/api/v1/case-catalogue", doc)
	if r.StatusCode != http.StatusOK && r.StatusCode != http.StatusCreated {
		t.Fatalf("put: %d %s", r.StatusCode, r.Body)
	}
	text := apptest.VisibleText(city.Get("/audit?action=cases.catalogue.put").Body)
	for _, want := range []string{
		"保存了事项分类目录第 2 版：修改 街面秩序 › 占道经营（0201）",
		"保存了事项分类目录第 3 版：新增 街面秩序 › 店外经营（0205）",
		"保存了事项分类目录第 4 版：删除 街面秩序 › 无照游商（0202）；修改 默认时限",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, text)
		}
	}
	city.Form("/lang", url.Values{"lang": {"en"}, "next": {"/audit"}})
	en := apptest.VisibleText(city.Get("/audit?action=cases.catalogue.put").Body)
	if want := "saved version 3 of the case catalogue: added Street order › Trading outside the shop (0205)"; !strings.Contains(en, want) {
		t.Errorf("the English log lacks %q:\n%s", want, en)
	}
	if !strings.Contains(en, "removed Street order › Unlicensed street vendors (0202); changed the default time limits") {
		t.Errorf("the English log does not name the default limits:\n%s", en)
	}
}
