package apptest

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"grassroots/internal/app"
	"grassroots/internal/platform/web"
)

// built collects the applications a test binary's tests built, so that
// Main can check what they rendered.
var built struct {
	sync.Mutex
	apps []*app.App
}

func remember(a *app.App) {
	built.Lock()
	built.apps = append(built.apps, a)
	built.Unlock()
}

// Main runs a module's tests, then fails the run when one of the module's
// page templates was rendered by none of them, or a message key they used
// is missing from the catalogue (goatcounter's check, per module): a page
// nobody opened in a test is a page nobody knows works. It checks only a
// full run (no -run or -skip).
//
//	func TestMain(m *testing.M) { apptest.Main(m, "cases") }
func Main(m *testing.M, module string) {
	code := m.Run()
	if code == 0 && fullRun() {
		if err := checkPages(module); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func checkPages(module string) error {
	built.Lock()
	defer built.Unlock()
	if len(built.apps) == 0 {
		return nil
	}
	pages, err := ModulePages(built.apps[0], module)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	var missing []string
	for _, a := range built.apps {
		for k := range a.UI.Executed() {
			done[k] = true
		}
		missing = append(missing, a.UI.Catalog().Missing()...)
	}
	var never []string
	for _, p := range pages {
		if !done[p+"/layout.html"] {
			never = append(never, p)
		}
	}
	sort.Strings(never)
	switch {
	case len(never) > 0:
		return fmt.Errorf("%s: page templates no test rendered: %v", module, never)
	case len(missing) > 0:
		return fmt.Errorf("%s: message keys used but not in the catalogue: %v", module, missing)
	}
	return nil
}

// ModulePages lists the page templates module contributes.
func ModulePages(a *app.App, module string) ([]string, error) {
	for _, m := range a.Modules {
		if m.Name == module {
			return m.Pages()
		}
	}
	return nil, fmt.Errorf("apptest: no module %q", module)
}

// UIs is every UI the binary's tests built (for the cross-module check).
func UIs() []*web.UI {
	built.Lock()
	defer built.Unlock()
	var out []*web.UI
	for _, a := range built.apps {
		out = append(out, a.UI)
	}
	return out
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
