package admission_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/internal/admission"
	"grassroots/internal/apptest"
)

// draftOf reads a version with its items as its editor does.
func draftOf(t *testing.T, c *apptest.Client, id string) admission.List {
	t.Helper()
	var l admission.List
	r := c.Get("/api/v1/admission/lists/" + id)
	if r.StatusCode != 200 {
		t.Fatalf("list %s: %d %s", id, r.StatusCode, r.Body)
	}
	r.JSON(t, &l)
	return l
}

// item is the item coded code of l (none: nil).
func item(l admission.List, code string) *admission.Item {
	for i := range l.Items {
		if l.Items[i].Code == code {
			return &l.Items[i]
		}
	}
	return nil
}

// storedValues matches, as words, the values stored for an item that a
// page must show by their names.
var storedValues = func() *regexp.Regexp {
	var vs []string
	for _, set := range [][]string{admission.Sections, admission.Carriers, admission.Kinds, admission.Frequencies} {
		vs = append(vs, set...)
	}
	return regexp.MustCompile(`\b(` + strings.Join(vs, "|") + `)\b`)
}()

// noStoredValues fails when what a person reads of body shows a stored
// value or a code.
func noStoredValues(t *testing.T, what, body string) {
	t.Helper()
	apptest.NoCodes(t, what, body)
	if m := storedValues.FindString(apptest.VisibleText(body)); m != "" {
		t.Errorf("%s shows the stored value %q", what, m)
	}
}

// itemForm is the form of an item as its page sends it.
func itemForm(kv ...string) url.Values {
	v := url.Values{"section": {"duty"}, "code": {""}, "title": {"组织社区志愿服务活动"}, "department": {""}, "instead": {""},
		"basis": {"《志愿服务条例》"}, "carrier": {"committee"}, "kind": {"task"}, "frequency": {"monthly"}, "hours": {"3"},
		"funding": {"区财政志愿服务经费"}, "expires_on": {""}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// TestListEditor: the city starts its first version from the starter
// list and edits the draft item by item through the pages, which show
// every value by its name; an item is added under the next free code of
// its section, edited and removed; a bad number of hours, a repeated code
// and a negative item without who does it instead come back beside their
// fields and change nothing; a published version, another area's draft
// and a department cannot be edited.
func TestListEditor(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	vp := city.Get("/admission/lists")
	if vp.StatusCode != 200 || !strings.Contains(vp.Body, `id="draft-start"`) || strings.Contains(vp.Body, "<textarea name=\"items\"") {
		t.Fatalf("the versions page before a draft: %d", vp.StatusCode)
	}
	if r := city.Form("/admission/lists", url.Values{"title": {"测试清单"}, "effective_from": {"2026-11-26"}, "note": {"起步"}}); r.StatusCode != 303 {
		t.Fatalf("start the draft: %d %s", r.StatusCode, r.Body)
	}
	vp = city.Get("/admission/lists")
	id := hrefID(t, vp.Body, `/admission/lists/`)
	starter, err := admission.Starter()
	if err != nil {
		t.Fatal(err)
	}
	before := draftOf(t, city, id)
	if len(before.Items) != len(starter.Items) || before.Title != "测试清单" || before.Note != "起步" {
		t.Fatalf("the draft starts as the starter list: %d items, %q %q", len(before.Items), before.Title, before.Note)
	}
	for _, want := range []string{`id="draft-duty"`, `id="draft-negative"`, `id="add-assist"`, `id="edit-LZ-01"`, `id="remove-FM-01"`, `id="draft-save"`,
		"依法履职事项", "负面清单", "居务（居委会）", "工作任务", "按需", "社区自身职责"} {
		if !strings.Contains(vp.Body, want) {
			t.Errorf("the versions page lacks %s", want)
		}
	}
	noStoredValues(t, "the versions page", vp.Body)

	// Add: the form names every choice and offers the next code.
	np := city.Get("/admission/lists/" + id + "/items/new?section=duty")
	if np.StatusCode != 200 || !strings.Contains(np.Body, `placeholder="LZ-13"`) || !strings.Contains(np.Body, `<option value="monthly">每月</option>`) ||
		!strings.Contains(np.Body, `<option value="duty" selected>依法履职事项</option>`) {
		t.Fatalf("the new item's form: %d", np.StatusCode)
	}
	noStoredValues(t, "the new item's form", np.Body)
	if r := city.Form("/admission/lists/"+id+"/items", itemForm()); r.StatusCode != 303 || !strings.HasSuffix(r.Header.Get("Location"), "#items-duty") {
		t.Fatalf("add: %d %s", r.StatusCode, r.Body)
	}
	added := item(draftOf(t, city, id), "LZ-13")
	if added == nil || added.Title != "组织社区志愿服务活动" || added.Frequency != "monthly" || added.Hours != 3 || added.Funding != "区财政志愿服务经费" {
		t.Fatalf("the added item: %+v", added)
	}
	if r := city.Form("/admission/lists/"+id+"/items", itemForm("code", "LZ-01")); r.StatusCode != 422 || !strings.Contains(r.Body, `id="code-error"`) ||
		!strings.Contains(r.Body, "事项编码 LZ-01 重复") {
		t.Errorf("a repeated code: %d", r.StatusCode)
	}
	if r := city.Form("/admission/lists/"+id+"/items", itemForm("section", "negative", "code", "FM-99")); r.StatusCode != 422 ||
		!strings.Contains(r.Body, `id="instead-error"`) || !strings.Contains(r.Body, "应由谁办理") {
		t.Errorf("a negative item without who does it instead: %d", r.StatusCode)
	}

	// Edit: bad hours come back beside the field with what was typed, and
	// change nothing.
	ep := city.Get("/admission/lists/" + id + "/items/LZ-13")
	if ep.StatusCode != 200 || !strings.Contains(ep.Body, `value="组织社区志愿服务活动"`) || !strings.Contains(ep.Body, `<option value="monthly" selected>每月</option>`) ||
		!strings.Contains(ep.Body, `value="3"`) || !strings.Contains(ep.Body, `id="item-remove"`) {
		t.Fatalf("the item's form: %d", ep.StatusCode)
	}
	noStoredValues(t, "the item's form", ep.Body)
	was := draftOf(t, city, id)
	for _, tt := range []struct{ name, hours, says string }{
		{"NotANumber", "三小时", "每个社区预计工时: 须为数字"},
		{"NaN", "NaN", "每个社区预计工时: 须为数字"},
		{"Negative", "-2", "每个社区预计工时: 取值范围 0–1000"},
		{"TooMany", "5000", "每个社区预计工时: 取值范围 0–1000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := city.Form("/admission/lists/"+id+"/items/LZ-13", itemForm("code", "LZ-13", "title", "改过的名称", "hours", tt.hours))
			if r.StatusCode != 422 || !strings.Contains(r.Body, `name="hours" min="0" max="1000" step="any" inputmode="decimal" value="`+tt.hours+`" aria-invalid="true" aria-describedby="hours-error"`) ||
				!regexp.MustCompile(`id="hours-error" role="alert">[^<]*`+regexp.QuoteMeta(tt.says)).MatchString(r.Body) || !strings.Contains(r.Body, `value="改过的名称"`) {
				t.Errorf("hours %q: %d", tt.hours, r.StatusCode)
			}
			if diff := cmp.Diff(was, draftOf(t, city, id)); diff != "" {
				t.Errorf("bad hours changed the draft (-before +after):\n%s", diff)
			}
		})
	}
	if r := city.Form("/admission/lists/"+id+"/items/LZ-13", itemForm("code", "LZ-13", "title", "组织志愿服务", "hours", "2.5", "frequency", "quarterly")); r.StatusCode != 303 {
		t.Fatalf("edit: %d %s", r.StatusCode, r.Body)
	}
	after := draftOf(t, city, id)
	if it := item(after, "LZ-13"); it == nil || it.Title != "组织志愿服务" || it.Hours != 2.5 || it.Frequency != "quarterly" || len(after.Items) != len(starter.Items)+1 {
		t.Fatalf("the edited item: %+v of %d", it, len(after.Items))
	}
	if after.Title != "测试清单" || after.EffectiveFrom != "2026-11-26" || after.Note != "起步" {
		t.Errorf("an item's edit changed the draft's title, date or note: %q %q %q", after.Title, after.EffectiveFrom, after.Note)
	}
	// The log names the one item changed.
	var log struct {
		Items []struct {
			Detail map[string]any `json:"detail"`
		} `json:"items"`
	}
	city.Get("/api/v1/audit?action=admission.list.draft&limit=1").JSON(t, &log)
	if len(log.Items) != 1 || fmt.Sprint(log.Items[0].Detail["changed"]) != "[LZ-13]" || log.Items[0].Detail["added"] != nil || log.Items[0].Detail["removed"] != nil {
		t.Errorf("the edit's audit record: %+v", log.Items)
	}
	if r := city.Get("/admission/lists/" + id + "/items/LZ-99"); r.StatusCode != 404 {
		t.Errorf("an item not in the draft: %d", r.StatusCode)
	}

	// Remove.
	if r := city.Form("/admission/lists/"+id+"/items/LZ-13/remove", url.Values{}); r.StatusCode != 303 {
		t.Fatalf("remove: %d %s", r.StatusCode, r.Body)
	}
	if l := draftOf(t, city, id); item(l, "LZ-13") != nil || len(l.Items) != len(starter.Items) {
		t.Errorf("the removed item is still there: %d items", len(l.Items))
	}

	// The draft's title and date stay editable on the versions page.
	if r := city.Form("/admission/lists", url.Values{"title": {""}, "effective_from": {"2026-11-26"}}); r.StatusCode != 422 || !strings.Contains(r.Body, `id="title-error"`) {
		t.Errorf("a draft without its title: %d", r.StatusCode)
	}
	if r := city.Form("/admission/lists", url.Values{"title": {"测试清单（第一版）"}, "effective_from": {"2026-11-27"}}); r.StatusCode != 303 {
		t.Fatalf("retitle: %d %s", r.StatusCode, r.Body)
	}
	if l := draftOf(t, city, id); l.Title != "测试清单（第一版）" || l.EffectiveFrom != "2026-11-27" || len(l.Items) != len(starter.Items) {
		t.Errorf("retitled: %q %q %d items", l.Title, l.EffectiveFrom, len(l.Items))
	}

	// A district's editor cannot edit the city's draft; a department
	// cannot edit at all.
	district, dept := e.Login("district"), e.Login("dept")
	for _, tt := range []struct {
		name   string
		c      *apptest.Client
		status int
	}{{"OtherArea", district, 404}, {"Department", dept, 403}} {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []apptest.Response{
				tt.c.Get("/admission/lists/" + id + "/items/new?section=duty"),
				tt.c.Get("/admission/lists/" + id + "/items/LZ-01"),
				tt.c.Form("/admission/lists/"+id+"/items", itemForm()),
				tt.c.Form("/admission/lists/"+id+"/items/LZ-01", itemForm("code", "LZ-01")),
				tt.c.Form("/admission/lists/"+id+"/items/LZ-01/remove", url.Values{}),
			} {
				if r.StatusCode != tt.status {
					t.Errorf("%s %s: %d, want %d", r.Request.Method, r.Request.URL.Path, r.StatusCode, tt.status)
				}
			}
		})
	}
	if l := draftOf(t, city, id); len(l.Items) != len(starter.Items) || item(l, "LZ-01").Title != item(before, "LZ-01").Title {
		t.Errorf("another area's editor changed the draft")
	}

	// Published, the version is no longer editable.
	if r := city.Form("/admission/lists/"+id+"/publish", url.Values{}); r.StatusCode != 303 {
		t.Fatalf("publish: %d %s", r.StatusCode, r.Body)
	}
	pub := draftOf(t, city, id)
	for _, r := range []apptest.Response{
		city.Get("/admission/lists/" + id + "/items/LZ-01"),
		city.Get("/admission/lists/" + id + "/items/new?section=duty"),
		city.Form("/admission/lists/"+id+"/items/LZ-01", itemForm("code", "LZ-01", "title", "改")),
		city.Form("/admission/lists/"+id+"/items", itemForm()),
		city.Form("/admission/lists/"+id+"/items/LZ-01/remove", url.Values{}),
	} {
		if r.StatusCode != 409 || !strings.Contains(r.Body, "第 1 版已发布") {
			t.Errorf("%s %s of a published version: %d", r.Request.Method, r.Request.URL.Path, r.StatusCode)
		}
	}
	if diff := cmp.Diff(pub, draftOf(t, city, id)); diff != "" {
		t.Errorf("the published version changed (-before +after):\n%s", diff)
	}

	// The next version starts from the published one.
	vp = city.Get("/admission/lists")
	if !strings.Contains(vp.Body, `id="draft-start"`) || !strings.Contains(vp.Body, "新版本以第 1 版为底稿") {
		t.Errorf("the versions page after publishing offers no next version")
	}
	if r := city.Form("/admission/lists", url.Values{"title": {"测试清单（第二版）"}, "effective_from": {"2026-12-01"}}); r.StatusCode != 303 {
		t.Fatalf("start the next version: %d %s", r.StatusCode, r.Body)
	}
	next := draftOf(t, city, hrefID(t, city.Get("/admission/lists").Body, `/admission/lists/`))
	if next.Version != 2 || next.PublishedAt != nil || len(next.Items) != len(pub.Items) {
		t.Errorf("the next version: %d, %d items", next.Version, len(next.Items))
	}

	// In English, names too.
	city.Form("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
	en := city.Get("/admission/lists")
	for _, want := range []string{"Items of the draft", "Duties by law", "Residents&#39; committee", "As needed", "Add item", "Edit", "Remove"} {
		if !strings.Contains(en.Body, want) {
			t.Errorf("the English versions page lacks %q", want)
		}
	}
	apptest.NoCodes(t, "the English versions page", en.Body)
	if ef := city.Get("/admission/lists/" + itoa(next.ID) + "/items/LZ-01"); ef.StatusCode != 200 || !strings.Contains(ef.Body, "Item code") {
		t.Errorf("the English item form: %d", ef.StatusCode)
	}
}

// TestNextCode: a new item's code follows its section's numbering, free
// in the whole list.
func TestNextCode(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	in := admission.ListInput{OwnerCode: apptest.City, Title: "区清单", EffectiveFrom: "2026-11-26", Items: []admission.Item{
		{Code: "XZ-07", Section: "assist", Title: "甲", Department: "民政局", Carrier: "committee", Kind: "task", Frequency: "once"},
		{Code: "XZ-x", Section: "assist", Title: "乙", Department: "民政局", Carrier: "committee", Kind: "task", Frequency: "once"},
		{Code: "LZ-02", Section: "assist", Title: "丙", Department: "民政局", Carrier: "committee", Kind: "task", Frequency: "once"},
	}}
	r := city.API("POST", "/api/v1/admission/lists", in)
	var l admission.List
	r.JSON(t, &l)
	for _, tt := range []struct{ section, want string }{{"assist", "XZ-08"}, {"duty", "LZ-03"}, {"negative", "FM-01"}, {"certificate", "ZM-01"}} {
		p := city.Get("/admission/lists/" + itoa(l.ID) + "/items/new?section=" + tt.section)
		if !strings.Contains(p.Body, `placeholder="`+tt.want+`"`) {
			t.Errorf("%s: the next code is not %s", tt.section, tt.want)
		}
	}
}
