package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"grassroots/internal/platform/web"
)

// TestLoadUsesTheRegion: `grassroots load` measures the division given with
// -region, and without it the signed-in account's own, never a fixed city.
func TestLoadUsesTheRegion(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.RequestURI())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch p := r.URL.Path; {
		case p == "/login" && r.Method == "GET":
			http.SetCookie(w, &http.Cookie{Name: web.PreSessionCookie, Value: "pre", Path: "/"})
		case p == "/login":
			w.WriteHeader(http.StatusSeeOther)
		case p == "/api/v1/me":
			w.Write([]byte(`{"region_code":"4403"}`))
		case p == "/api/v1/households" || p == "/api/v1/cases":
			w.Write([]byte(`{"items":[{"id":1}]}`))
		case p == "/api/v1/grids":
			w.Write([]byte(`{"items":[{"geometry":{"coordinates":[[[114.1,22.5],[114.2,22.5],[114.2,22.6],[114.1,22.5]]]}}]}`))
		case p == "/api/v1/regions/4403/children":
			w.Write([]byte(`{"items":[{"code":"440303"}]}`))
		case p == "/api/v1/regions/440303/children":
			w.Write([]byte(`{"items":[{"code":"440303001"}]}`))
		default:
			w.Write([]byte(`{}`))
		}
	}))
	defer srv.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-url", srv.URL, "-n", "1", "-c", "1"}, "/api/v1/coverage/4403"},
		{[]string{"-url", srv.URL, "-n", "1", "-c", "1", "-region", "440303"}, "/api/v1/coverage/440303"},
		{[]string{"-url", srv.URL, "-n", "1", "-c", "1", "-suite", "cases"}, "/api/v1/regions/4403/children"},
	} {
		paths = nil
		if _, errOut, err := run(t, nil, "", append([]string{"load"}, tc.args...)...); err != nil {
			t.Fatalf("load %v: %v %s", tc.args, err, errOut)
		}
		all := strings.Join(paths, "\n")
		if !strings.Contains(all, tc.want) || strings.Contains(all, "3601") {
			t.Errorf("load %v asked for:\n%s\nwant %s and no 3601", tc.args, all, tc.want)
		}
	}
}
