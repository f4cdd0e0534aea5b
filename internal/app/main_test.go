package app

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"grassroots/internal/platform/web"
)

// uis collects every UI the tests built, so that TestMain can check that
// each page template was rendered by some test and that no message key
// was missing from the catalogue.
var uis []*web.UI

// uiApps are the applications behind uis.
var uiApps []*App

// checkedBeside are the modules whose own tests check that each of their
// pages is rendered (apptest.Main); this binary checks the other pages
// (the layout's error page and the pages of no module).
var checkedBeside = []string{"account", "territory", "cases", "party", "registry", "calendar", "units", "coverage", "audit", "search", "workforce", "city", "admission", "visits", "workbench", "volunteer"}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && len(uis) > 0 && os.Getenv("GRASSROOTS_SKIP_COVERAGE_CHECK") == "" && fullRun() {
		done := map[string]bool{}
		var missing []string
		for _, ui := range uis {
			for k := range ui.Executed() {
				done[k] = true
			}
			missing = append(missing, ui.Catalog().Missing()...)
		}
		beside := map[string]bool{}
		for _, m := range uiApps[0].Modules {
			if !slices.Contains(checkedBeside, m.Name) {
				continue
			}
			pages, err := m.Pages()
			if err != nil {
				fmt.Fprintln(os.Stderr, "FAIL:", err)
				os.Exit(1)
			}
			for _, p := range pages {
				beside[p] = true
			}
		}
		var never []string
		for _, name := range uis[0].PageNames() {
			if !done[name+"/layout.html"] && !beside[name] {
				never = append(never, name)
			}
		}
		sort.Strings(never)
		if len(never) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: page templates no test rendered: %v\n", never)
			code = 1
		}
		if len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: message keys used but not in the catalogue: %v\n", missing)
			code = 1
		}
	}
	os.Exit(code)
}

// fullRun reports whether every test ran (no -run or -skip filter).
func fullRun() bool {
	for _, a := range os.Args {
		if strings.HasPrefix(a, "-test.run=") || strings.HasPrefix(a, "-test.skip=") {
			return false
		}
	}
	return true
}
