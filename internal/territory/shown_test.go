package territory_test

import (
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/platform/errs"
	"grassroots/internal/territory"
)

// TestRegionPageShowsNames: a division's page names it and its children
// and never shows a division code; the code stays in the URL and data
// attributes, and the API keeps it for machines.
func TestRegionPageShowsNames(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("subdistrict")
	for _, tt := range []struct {
		name, code string
		want       []string
	}{
		{"Subdistrict", apptest.SubA, []string{"甲一街道", "甲一社区居委会"}},
		{"Community", apptest.CommunityA, []string{"甲一社区居委会", "甲一网格1", "甲一网格2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Get("/regions/" + tt.code)
			if r.StatusCode != 200 {
				t.Fatalf("region page: %d", r.StatusCode)
			}
			text := apptest.VisibleText(r.Body)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("the page does not name %q", w)
				}
			}
			apptest.NoCodes(t, "the page", text)
			if !strings.Contains(r.Body, `data-code="`+tt.code+`"`) {
				t.Errorf("the page lost the division's code in its data attribute")
			}
		})
	}
	var kids struct {
		Items []territory.RegionSummary `json:"items"`
	}
	c.Get("/api/v1/regions/"+apptest.CommunityA+"/children").JSON(t, &kids)
	if len(kids.Items) != 2 || kids.Items[0].Code != apptest.GridA1 {
		t.Errorf("the API's children keep their codes: %+v", kids.Items)
	}
}

// TestLabels: a division is labelled by its name, a grid by its
// community's name and its own; unknown codes are left out.
func TestLabels(t *testing.T) {
	e := apptest.New(t)
	got, err := e.App.Territory.UnscopedLabels(e.System(), []string{apptest.SubA, apptest.GridA1, apptest.GridB1, apptest.CommunityA + "999", ""})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{apptest.SubA: "甲一街道", apptest.GridA1: "甲一社区居委会 › 甲一网格1", apptest.GridB1: "乙一社区居委会 › 乙一网格1"}
	if len(got) != len(want) {
		t.Errorf("labels %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("label of %s: %q, want %q", k, got[k], v)
		}
	}
}

// TestPicked: a division picker is read by its code while the text still
// names that division, else by the name typed, in the actor's scope and
// at the levels asked; a name that names nothing there is refused on the
// field.
func TestPicked(t *testing.T) {
	e := apptest.New(t)
	ctx := e.As("subdistrict")
	for _, tt := range []struct {
		name         string
		form         url.Values
		levels       []territory.Level
		want, errArg string
	}{
		{"CodeOnly", url.Values{"region_code": {apptest.GridA1}}, nil, apptest.GridA1, ""},
		{"CodeNamed", url.Values{"region_code": {apptest.GridA1}, "region_code_text": {"甲一社区居委会 › 甲一网格1"}}, nil, apptest.GridA1, ""},
		{"NameTypedOverCode", url.Values{"region_code": {apptest.GridA1}, "region_code_text": {"甲一网格2"}}, nil, apptest.GridA2, ""},
		{"NameOnly", url.Values{"region_code_text": {" 甲一社区居委会 "}}, []territory.Level{territory.LevelCommunity}, apptest.CommunityA, ""},
		{"Path", url.Values{"region_code_text": {"甲一街道 › 甲一社区居委会"}}, nil, apptest.CommunityA, ""},
		{"Empty", url.Values{"region_code": {apptest.GridA1}, "region_code_text": {""}}, nil, "", ""},
		{"ErrWrongLevel", url.Values{"region_code_text": {"甲一网格1"}}, []territory.Level{territory.LevelCommunity}, "", "甲一网格1"},
		{"ErrOutOfScope", url.Values{"region_code_text": {"乙一社区居委会"}}, nil, "", "乙一社区居委会"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.App.Territory.Picked(ctx, tt.form, "region_code", tt.levels...)
			if tt.errArg != "" {
				fe := errs.As(err)
				if errs.CodeOf(err) != errs.Invalid || len(fe.Fields) != 1 || fe.Fields[0].Field != "region_code" || fe.Fields[0].Param != tt.errArg {
					t.Fatalf("error %v, want a region_code field error about %q", err, tt.errArg)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("picked %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
