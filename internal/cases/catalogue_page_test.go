package cases_test

import (
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/apptest"
)

// TestCataloguePageNames: the catalogue page names the shipped version's
// author as the system, never by its stored account name, and its
// department lists offer each name once, a department carrying a label in
// brackets (住房和城乡建设局（演示）) under the plain name.
func TestCataloguePageNames(t *testing.T) {
	e := apptest.New(t)
	MustDepartment(t, e, "甲区住房和城乡建设局", apptest.DistrictA)
	MustDepartment(t, e, "乙区住房和城乡建设局（演示）", apptest.DistrictB)
	MustDepartment(t, e, "乙区园林绿化局（演示）", apptest.DistrictB)
	page := e.Login("city").Get("/cases/catalogue?edit=new")
	if page.StatusCode != 200 {
		t.Fatalf("catalogue page: %d", page.StatusCode)
	}
	if !strings.Contains(page.Body, "第 1 版，系统 于") || strings.Contains(page.Body, "版，system") {
		t.Errorf("the version line does not name the system: %s", regexp.MustCompile(`第 \d+ 版，[^<]*`).FindString(page.Body))
	}
	sel := regexp.MustCompile(`(?s)<select name="department"[^>]*>(.*?)</select>`).FindStringSubmatch(page.Body)
	if sel == nil {
		t.Fatal("no department list on the catalogue page")
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`<option value="([^"]*)"`).FindAllStringSubmatch(sel[1], -1) {
		if seen[m[1]] {
			t.Errorf("the department list offers %s twice", m[1])
		}
		seen[m[1]] = true
	}
	if !seen["住房和城乡建设局"] || seen["住房和城乡建设局（演示）"] {
		t.Errorf("the department list offers %v, want 住房和城乡建设局 once, without its labelled twin", seen)
	}
	if !seen["园林绿化局（演示）"] {
		t.Errorf("a labelled name with no plain twin is missing: %v", seen)
	}
}
