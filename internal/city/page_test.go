package city_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/city"
)

// TestProfilePageInForceAndFieldErrors: 当前生效 lists every setting in
// force under its name (the summer hours as 夏季作息, never 夏令, a
// word for daylight-saving time); a bad field sent from the form is marked
// (aria-invalid), its message stands beside it, and what was typed comes
// back.
func TestProfilePageInForceAndFieldErrors(t *testing.T) {
	e := apptest.New(t)
	admin := e.Login("city")
	var v city.View
	admin.Get("/api/v1/city").JSON(t, &v)
	if r := admin.API("PUT", "/api/v1/city", city.Input{Code: apptest.City, Name: "测试城市", Jurisdiction: "test.example.gov.cn",
		Centre: "114.15,22.6", Bounds: "114,22.5,114.3,22.7", Hours: "08:30-12:00,14:30-17:30",
		SummerHours: "08:00-12:00,15:00-18:00", Summer: "06-01:08-31", Version: v.Profile.Version}); r.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %d %s", r.StatusCode, r.Body)
	}
	page := admin.Get("/city")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("page: %d %s", page.StatusCode, page.Body)
	}
	inForce := page.Body[strings.Index(page.Body, `id="city-in-force"`):strings.Index(page.Body, `id="city-form"`)]
	for _, want := range []string{">测试城市<", ">test.example.gov.cn<", ">114.15,22.6 <", ">114,22.5,114.3,22.7 <", ">08:30-12:00,14:30-17:30<",
		"<dt>夏季作息时间</dt><dd id=\"in-force-summer-hours\">08:00-12:00,15:00-18:00<", "<dt>夏季作息期间</dt><dd id=\"in-force-summer\">06-01:08-31<"} {
		if !strings.Contains(inForce, want) {
			t.Errorf("当前生效 lacks %q:\n%s", want, inForce)
		}
	}
	if strings.Contains(page.Body, "夏令") {
		t.Error("the page calls the summer hours 夏令 (daylight-saving time)")
	}
	if strings.Contains(page.Body, `aria-invalid`) {
		t.Error("a field is marked bad before anything was sent")
	}

	form := url.Values{"code": {apptest.City}, "name": {"新名称"}, "jurisdiction": {"test.example.gov.cn"}, "centre": {""},
		"bounds": {"114,22.5"}, "hours": {"08:30-12:00"}, "summer_hours": {"08:00-12:00"}, "summer": {""}, "version": {itoa(v.Profile.Version + 1)}}
	r := admin.Form("/city", form)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d %s", r.StatusCode, r.Body)
	}
	for _, tt := range []struct{ name, id, value, message string }{
		{"bounds", "city-bounds", "114,22.5", "地图范围: 须为四个数"},
		{"summer", "city-summer", "", "夏季作息期间: 夏季作息时间与夏季作息期间须同时填写"},
	} {
		input := regexp.MustCompile(`<input id="` + tt.id + `" name="` + tt.name + `"[^>]*>`).FindString(r.Body)
		if !strings.Contains(input, `value="`+tt.value+`"`) || !strings.Contains(input, `aria-invalid="true"`) || !strings.Contains(input, `aria-describedby="`+tt.id+`-error"`) {
			t.Errorf("%s is not marked or lost its value: %s", tt.name, input)
		}
		// The message follows its field at once.
		if after := r.Body[strings.Index(r.Body, input)+len(input):]; !strings.HasPrefix(after, `<span class="field-error" id="`+tt.id+`-error">`+tt.message) {
			t.Errorf("%s: no message beside the field: %.200s", tt.name, after)
		}
	}
	for _, ok := range []string{"name", "jurisdiction", "hours", "summer_hours"} {
		if input := regexp.MustCompile(`<input id="city-[a-z-]*" name="` + ok + `"[^>]*>`).FindString(r.Body); strings.Contains(input, "aria-invalid") {
			t.Errorf("a good field is marked: %s", input)
		}
	}
	if !strings.Contains(r.Body, `value="新名称"`) || !strings.Contains(r.Body, "请更正下面标出的项") {
		t.Errorf("the form does not keep what was typed or say what to correct")
	}
	if strings.Contains(r.Body, `<ul class="field-errors"`) {
		t.Errorf("errors of fields the form shows are listed above it too")
	}
}
