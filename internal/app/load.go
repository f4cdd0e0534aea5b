package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"grassroots/internal/platform/web"
)

// load measures the latency of the heavy read paths of a running server:
// the city coverage and staffing reports, resident search, household cards
// and point → grid lookups. It signs in as a user, sends a bounded number
// of requests with bounded concurrency, and prints percentiles. It only
// talks to loopback addresses.
func (m *Main) load(ctx context.Context, args []string) error {
	fs := m.newFlags("load")
	base := fs.String("url", "http://127.0.0.1:8080", "server to measure (loopback only)")
	user := fs.String("user", "demo-city", "account to sign in as")
	password := fs.String("password", DemoPassword, "its password")
	n := fs.Int("n", 200, "requests per path")
	conc := fs.Int("c", 4, "requests in flight")
	region := fs.String("region", "", "division whose reports and lists to load (default: the signed-in account's own)")
	month := fs.String("month", "", "month of the rankings to measure, YYYY-MM (default: the last whole month)")
	suite := fs.String("suite", "registry", "what to measure: registry (reports, search, households, point → grid), cases (lists, case pages, dashboards, rankings), workbench (every role's home page) or admission (the access list's burden figures)")
	users := fs.String("users", strings.Join(workbenchUsers, ","), "with -suite workbench: the accounts whose workbenches to measure")
	pos, err := m.parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return m.usageError(fs, "unexpected argument %q", pos[0])
	}
	u, err := url.Parse(*base)
	if err != nil {
		return fmt.Errorf("-url: %w", err)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return errors.New("-url must be a loopback address (127.0.0.0/8, ::1 or localhost)")
	}
	if *n < 1 || *n > 100000 || *conc < 1 || *conc > 64 {
		return errors.New("-n must be 1–100000 and -c 1–64")
	}
	if *suite == "workbench" {
		return m.loadWorkbench(ctx, *base, strings.Split(*users, ","), *password, *n, *conc)
	}
	hc, err := loadSignIn(*base, *user, *password)
	if err != nil {
		return err
	}
	getJSON := func(path string, v any) error {
		r, err := hc.Get(*base + path)
		if err != nil {
			return err
		}
		defer r.Body.Close()
		if r.StatusCode != 200 {
			return fmt.Errorf("GET %s: %d", path, r.StatusCode)
		}
		return json.NewDecoder(r.Body).Decode(v)
	}
	if *region == "" {
		// The account's own territory: the city for a city administrator,
		// whichever city this server serves.
		var me struct {
			RegionCode string `json:"region_code"`
		}
		if err := getJSON("/api/v1/me", &me); err != nil {
			return fmt.Errorf("the account's region (give -region): %w", err)
		}
		*region = me.RegionCode
	}
	if *suite == "cases" {
		if *month == "" {
			now := time.Now()
			*month = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.Local).AddDate(0, -1, 0).Format("2006-01")
		}
		if _, err := time.Parse("2006-01", *month); err != nil {
			return errors.New("-month must be YYYY-MM")
		}
		return m.loadCases(ctx, hc, *base, *region, *month, getJSON, *n, *conc)
	}
	if *suite == "admission" {
		if *month == "" {
			*month = time.Now().Format("2006-01")
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "PATH\tN\tERRORS\tP50\tP95\tP99\tMAX\n")
		for _, p := range []struct{ name, path string }{
			{"burden report (API)", "/api/v1/admission/burden?region=" + *region + "&month=" + *month},
			{"burden page", "/admission/burden?region=" + *region + "&month=" + *month},
			{"access list in force (public)", "/api/v1/admission/lists"},
			{"the approver's queue", "/api/v1/admission/requests?queue=true"},
		} {
			measure(ctx, hc, tw, base, p.name, *n, *conc, func() string { return p.path })
		}
		return tw.Flush()
	}
	// Sample real ids and points to ask for.
	var hh struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := getJSON("/api/v1/households?limit=500&region="+*region, &hh); err != nil {
		return err
	}
	var grids struct {
		Items []struct {
			Geometry struct {
				Coordinates [][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"items"`
	}
	if err := getJSON("/api/v1/grids?limit=500&region="+*region, &grids); err != nil {
		return err
	}
	if len(hh.Items) == 0 || len(grids.Items) == 0 {
		return errors.New("no households or grids to load: run `grassroots demo` first")
	}
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"王", "李", "张", "wj", "lx", "zh", "演示"}
	paths := []struct {
		name string
		next func() string
	}{
		{"coverage report", func() string { return "/api/v1/coverage/" + *region }},
		{"staffing report", func() string { return "/api/v1/workforce/staffing/" + *region }},
		{"resident search", func() string { return "/api/v1/people?limit=20&q=" + url.QueryEscape(names[r.IntN(len(names))]) }},
		{"household card", func() string { return fmt.Sprintf("/api/v1/households/%d", hh.Items[r.IntN(len(hh.Items))].ID) }},
		{"point → grid", func() string {
			ring := grids.Items[r.IntN(len(grids.Items))].Geometry.Coordinates[0]
			a, b := ring[0], ring[2]
			return fmt.Sprintf("/api/v1/locate?lon=%f&lat=%f", (a[0]+b[0])/2, (a[1]+b[1])/2)
		}},
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "PATH\tN\tERRORS\tP50\tP95\tP99\tMAX\n")
	for _, p := range paths {
		measure(ctx, hc, tw, base, p.name, *n, *conc, p.next)
	}
	return tw.Flush()
}

// loadSignIn signs user in through the login form and returns the client.
func loadSignIn(base, user, password string) (*http.Client, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("-url: %w", err)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// The login form's CSRF token comes from its pre-session cookie.
	form, err := hc.Get(base + "/login")
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	form.Body.Close()
	csrf := ""
	for _, ck := range jar.Cookies(u) {
		if ck.Name == web.PreSessionCookie {
			csrf = web.CSRFToken(ck.Value)
		}
	}
	res, err := hc.PostForm(base+"/login", url.Values{"username": {user}, "password": {password}, "csrf": {csrf}})
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in as %s: status %d", user, res.StatusCode)
	}
	return hc, nil
}

// workbenchUsers are the demo's accounts, one a role.
var workbenchUsers = []string{"demo-city", "demo-district", "demo-subdistrict", "demo-secretary", "demo-worker", "demo-grid", "demo-dept", "demo-member", "demo-resident"}

// loadWorkbench measures each account's workbench: the whole of it through
// the API, and each of its panels as the page loads them.
func (m *Main) loadWorkbench(ctx context.Context, base string, users []string, password string, n, conc int) error {
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "PATH\tN\tERRORS\tP50\tP95\tP99\tMAX\n")
	for _, user := range users {
		hc, err := loadSignIn(base, strings.TrimSpace(user), password)
		if err != nil {
			return err
		}
		r, err := hc.Get(base + "/api/v1/workbench")
		if err != nil {
			return err
		}
		var wb struct {
			Panels []struct {
				Name  string `json:"name"`
				Error string `json:"error"`
			} `json:"panels"`
		}
		err = json.NewDecoder(r.Body).Decode(&wb)
		r.Body.Close()
		if err != nil || r.StatusCode != http.StatusOK {
			return fmt.Errorf("workbench of %s: status %d: %v", user, r.StatusCode, err)
		}
		measure(ctx, hc, tw, &base, user+": workbench (API, every panel)", n, conc, func() string { return "/api/v1/workbench" })
		for _, p := range wb.Panels {
			if p.Error != "" {
				return fmt.Errorf("workbench of %s: panel %s: %s", user, p.Name, p.Error)
			}
			measure(ctx, hc, tw, &base, user+": "+p.Name, n, conc, func() string { return "/workbench/w/" + p.Name })
		}
	}
	return tw.Flush()
}

// measure sends n requests from next with conc in flight and prints a row
// of percentiles.
func measure(ctx context.Context, hc *http.Client, tw io.Writer, base *string, name string, n, conc int, next func() string) {
	var mu sync.Mutex
	var lat []time.Duration
	fails := 0
	urls := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for path := range urls {
				t0 := time.Now()
				res, err := hc.Get(*base + path)
				d := time.Since(t0)
				ok := err == nil && res.StatusCode == 200
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				mu.Lock()
				if ok {
					lat = append(lat, d)
				} else {
					fails++
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		urls <- next()
	}
	close(urls)
	wg.Wait()
	slices.Sort(lat)
	pct := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(q*float64(len(lat))))]
	}
	var mx time.Duration
	if len(lat) > 0 {
		mx = lat[len(lat)-1]
	}
	fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", name, n, fails, rnd(pct(.5)), rnd(pct(.95)), rnd(pct(.99)), rnd(mx))
}

// loadCases measures the case lists, case pages, dashboards and the
// monthly rankings of a server holding many cases (`demo -city-cases`).
func (m *Main) loadCases(ctx context.Context, hc *http.Client, base, region, month string, getJSON func(string, any) error, n, conc int) error {
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := getJSON("/api/v1/cases?limit=500", &list); err != nil {
		return err
	}
	if len(list.Items) == 0 {
		return errors.New("no cases to load: run `grassroots demo -city-cases 5000000` first")
	}
	type children struct {
		Items []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	var districts children
	if err := getJSON("/api/v1/regions/"+url.PathEscape(region)+"/children?limit=500", &districts); err != nil {
		return err
	}
	var regions, subs []string
	for _, d := range districts.Items {
		regions = append(regions, d.Code)
		var ch children
		if err := getJSON("/api/v1/regions/"+d.Code+"/children?limit=500", &ch); err != nil {
			return err
		}
		for _, c := range ch.Items {
			subs = append(subs, c.Code)
		}
	}
	regions = append(regions, subs...)
	r := rand.New(rand.NewPCG(3, 4))
	one := func(xs []string) string { return xs[r.IntN(len(xs))] }
	classes := []string{"01", "02", "03", "04", "05", "06", "07", "08", "09", "10"}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "PATH\tN\tERRORS\tP50\tP95\tP99\tMAX\n")
	seq := 0
	paths := []struct {
		name string
		n    int
		next func() string
	}{
		{"case list, city", n, func() string { return "/api/v1/cases?limit=50" }},
		{"case list page, city", n, func() string { return "/cases" }},
		{"overdue list, city", n, func() string { return "/api/v1/cases?view=overdue&limit=50" }},
		{"to dispatch, city", n, func() string { return "/api/v1/cases?view=dispatch&limit=50" }},
		{"class filter, city", n, func() string { return "/api/v1/cases?limit=50&category=" + one(classes) }},
		{"subdistrict list", n, func() string { return "/api/v1/cases?limit=50&region=" + one(subs) }},
		{"case detail", n, func() string { return fmt.Sprintf("/api/v1/cases/%d", list.Items[r.IntN(len(list.Items))].ID) }},
		{"dashboard, each division once (uncached)", len(regions), func() string { seq++; return "/api/v1/case-stats?region=" + regions[(seq-1)%len(regions)] }},
		{"dashboard page", n, func() string { return "/cases/dashboard?region=" + one(regions) }},
	}
	for _, p := range paths {
		measure(ctx, hc, tw, &base, p.name, p.n, conc, p.next)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, level := range []string{"subdistrict", "community", "department"} {
		t0 := time.Now()
		var rk struct {
			Scores []any `json:"scores"`
		}
		if err := getJSON("/api/v1/case-rankings?month="+month+"&level="+level, &rk); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "monthly ranking %s, %s, whole city: %d units in %s\n", month, level, len(rk.Scores), rnd(time.Since(t0)))
	}
	return nil
}

func rnd(d time.Duration) string { return strings.TrimSpace(d.Round(100 * time.Microsecond).String()) }
