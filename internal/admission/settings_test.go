package admission_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"grassroots/internal/admission"
	"grassroots/internal/apptest"
)

// TestSettingsPage: the city sets the gate's periods on a page; a bad
// number is refused beside its field and changes nothing; a district
// reads them and cannot change them; the new lead time is the one the
// gate applies.
func TestSettingsPage(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	page := city.Get("/admission/settings")
	if page.StatusCode != 200 || !strings.Contains(page.Body, `value="30"`) || !strings.Contains(page.Body, `value="15"`) || !strings.Contains(page.Body, `id="settings-save"`) {
		t.Fatalf("the settings page: %d", page.StatusCode)
	}
	for _, bad := range []url.Values{{"lead_days": {"三十"}, "decide_days": {"15"}}, {"lead_days": {"30"}, "decide_days": {"0"}}, {"lead_days": {"2.5"}, "decide_days": {"15"}}} {
		if r := city.Form("/admission/settings", bad); r.StatusCode != 422 || !strings.Contains(r.Body, `class="field-error"`) {
			t.Errorf("%v: %d", bad, r.StatusCode)
		}
	}
	var st admission.Settings
	city.Get("/api/v1/admission/settings").JSON(t, &st)
	if st.LeadDays != 30 || st.DecideDays != 15 {
		t.Fatalf("bad input changed the settings: %+v", st)
	}
	if r := city.Form("/admission/settings", url.Values{"lead_days": {"10"}, "decide_days": {"5"}}); r.StatusCode != 303 {
		t.Fatalf("save: %d %s", r.StatusCode, r.Body)
	}
	if p := city.Get("/admission/settings"); !strings.Contains(p.Body, `value="10"`) || !strings.Contains(p.Body, `id="settings-changed"`) {
		t.Error("the saved periods are not shown, or not who changed them")
	}
	district := e.Login("district")
	if p := district.Get("/admission/settings"); p.StatusCode != 200 || strings.Contains(p.Body, `id="settings-save"`) || !strings.Contains(p.Body, "disabled") {
		t.Errorf("the district's view of the settings: %d", p.StatusCode)
	}
	if r := district.Form("/admission/settings", url.Values{"lead_days": {"0"}, "decide_days": {"1"}}); r.StatusCode != 403 {
		t.Errorf("the district changes the settings: %d", r.StatusCode)
	}
	if r := e.Login("dept").Get("/admission/settings"); r.StatusCode != 403 {
		t.Errorf("a department opens the settings: %d", r.StatusCode)
	}
	// Ten working days ahead is now enough for an off-list request.
	dept := e.Login("dept")
	r := dept.API("POST", "/api/v1/admission/requests", map[string]any{"title": "商户统计", "kind": "form", "target": apptest.CommunityA,
		"starts_on": "2026-12-11", "due_on": "2026-12-31"})
	if r.StatusCode != 201 {
		t.Errorf("an off-list request ten working days ahead after the change: %d %s", r.StatusCode, r.Body)
	}
}

// TestVersionStanding: the versions page says which version is in force,
// which waits for its date and which was superseded.
func TestVersionStanding(t *testing.T) {
	e := apptest.New(t)
	publishStarter(t, e) // version 1, in force from today
	city := e.Login("city")
	var in admission.ListInput
	city.Get("/api/v1/admission/starter").JSON(t, &in)
	in.OwnerCode, in.EffectiveFrom = apptest.City, "2027-01-01"
	var v2 admission.List
	city.API("POST", "/api/v1/admission/lists", in).JSON(t, &v2)
	city.API("POST", "/api/v1/admission/lists/"+itoa(v2.ID)+"/publish", map[string]any{})
	page := city.Get("/admission/lists")
	if strings.Count(page.Body, `data-state="in_force"`) != 1 || strings.Count(page.Body, `data-state="scheduled"`) != 1 || !strings.Contains(page.Body, "现行") {
		t.Errorf("the versions' standing before version 2 takes effect")
	}
	if d := e.Login("district").Get("/admission/lists"); d.StatusCode != 200 || !strings.Contains(d.Body, `id="list-above"`) || !strings.Contains(d.Body, "测试市清单第 1 版") {
		t.Errorf("the district's editor is not told which city list its communities work under: %d", d.StatusCode)
	}
	e.Clock.Add(40 * 24 * time.Hour)
	page = e.Login("city").Get("/admission/lists")
	if strings.Count(page.Body, `data-state="in_force"`) != 1 || strings.Count(page.Body, `data-state="superseded"`) != 1 {
		t.Errorf("the versions' standing after version 2 took effect")
	}
}

// TestItemRules: an item's code is letters, digits and dashes, and a duty
// by law names no department; each is refused naming the item's field.
func TestItemRules(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	item := admission.Item{Code: "LZ-01", Section: "duty", Title: "居民会议", Carrier: "committee", Kind: "task", Frequency: "yearly"}
	for _, tt := range []struct {
		name string
		edit func(*admission.Item)
		rule string
	}{
		{"SpaceInCode", func(it *admission.Item) { it.Code = "ZZ 1" }, "rule.adm_item_code_form"},
		{"DutyWithDepartment", func(it *admission.Item) { it.Department = "民政局" }, "rule.adm_duty_department"},
	} {
		it := item
		tt.edit(&it)
		r := city.API("POST", "/api/v1/admission/lists", admission.ListInput{OwnerCode: apptest.City, Title: "清单", EffectiveFrom: "2026-11-26", Items: []admission.Item{it}})
		if r.StatusCode != 422 || rule(r) != tt.rule || !strings.Contains(r.Body, `"items[0].`) {
			t.Errorf("%s: %d %s, want %s on items[0]", tt.name, r.StatusCode, r.Body, tt.rule)
		}
	}
}
