package workforce_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/workforce"
)

// TestWorkforcePageShowsNames: the workforce page names the workers' and
// candidates' communities and the area shown, never their codes; its
// forms choose the community by name, also without scripts; the area is
// chosen by name too; the API keeps the codes.
func TestWorkforcePageShowsNames(t *testing.T) {
	e := apptest.New(t)
	sec := e.Login("secretary")
	if r := sec.Form("/workforce/workers", url.Values{"region_code_text": {"甲一社区居委会"}, "name": {"张社工"}, "post": {"social_worker"},
		"certificate": {"none"}, "education": {"bachelor"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("worker by the community's name: %d %s", r.StatusCode, apptest.VisibleText(r.Body))
	}
	if r := sec.Form("/workforce/reserve", url.Values{"region_code_text": {"甲一社区居委会"}, "name": {"赵后备"}, "current_post": {"委员"}, "score": {"80"},
		"status": {"candidate"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("candidate by the community's name: %d %s", r.StatusCode, apptest.VisibleText(r.Body))
	}
	if r := sec.Form("/workforce/workers", url.Values{"region_code_text": {"甲一网格1"}, "name": {"网格里的社工"}, "post": {"social_worker"},
		"certificate": {"none"}, "education": {"bachelor"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(apptest.VisibleText(r.Body), "甲一网格1") {
		t.Errorf("a worker placed in a grid: %d", r.StatusCode)
	}
	for _, tt := range []struct{ name, who, path, area string }{
		{"Community", "secretary", "/workforce", "甲一社区居委会"},
		{"AreaByName", "subdistrict", "/workforce?region=&region_text=" + url.QueryEscape("甲一社区居委会"), "甲一街道 › 甲一社区居委会"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Login(tt.who).Get(tt.path)
			text := apptest.VisibleText(r.Body)
			if r.StatusCode != 200 {
				t.Fatalf("workforce page: %d", r.StatusCode)
			}
			for _, w := range []string{"张社工", "赵后备"} {
				if !strings.Contains(text, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			if n := strings.Count(text, "甲一社区居委会"); n < 2 {
				t.Errorf("the page names the community %d times, want it beside the worker and the candidate", n)
			}
			if !strings.Contains(r.Body, `value="`+tt.area+`"`) {
				t.Errorf("the area is not shown as %q", tt.area)
			}
			apptest.NoCodes(t, "the page", text)
		})
	}
	var ws struct {
		Items []workforce.Worker `json:"items"`
	}
	sec.Get("/api/v1/workforce/workers").JSON(t, &ws)
	if len(ws.Items) != 1 || ws.Items[0].RegionCode != apptest.CommunityA {
		t.Errorf("workers by the API: %+v", ws.Items)
	}
}
