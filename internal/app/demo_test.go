package app

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"grassroots/internal/admission"
	"grassroots/internal/cases"
	"grassroots/internal/party"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/browsertest"
	"grassroots/internal/platform/dbtest"
	"grassroots/internal/platform/pagetext"
	"grassroots/internal/platform/workday"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
)

// newDemoCasesEnv is the harness with the demo's cases filed too.
func newDemoCasesEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	before := e.clock.Now()
	var out strings.Builder
	if err := seedDemoCases(tCtx, e.app, &out, e.clock, 1); err != nil {
		t.Fatal(err)
	}
	if now := e.clock.Now(); !now.Equal(before) {
		t.Fatalf("the clock is at %s after the demo's cases, was %s", now, before)
	}
	return e
}

// asDemo is ctx acting as demo account name.
func asDemo(t *testing.T, e *env, name string) context.Context {
	t.Helper()
	ctx, err := demoAccountCtx(authz.WithActor(tCtx, authz.System("test")), e.app, name)
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func TestDemoSpreadsOverEveryDistrict(t *testing.T) {
	e := newDemoCasesEnv(t)
	sys := authz.WithActor(tCtx, authz.System("test"))
	districts, err := e.app.Territory.Regions(sys, territory.RegionFilter{Parent: demoCity})
	if err != nil {
		t.Fatal(err)
	}
	if len(districts) != 9 {
		t.Fatalf("%d districts in the demo city, want 9", len(districts))
	}
	st, err := e.app.Cases.Stats(sys, demoCity)
	if err != nil {
		t.Fatal(err)
	}
	totals := map[string]int64{}
	for _, ch := range st.Children {
		totals[ch.Code] = ch.Total
	}
	seen := map[int64]bool{}
	for _, d := range districts {
		people, err := e.app.Registry.People(sys, registry.PersonFilter{Region: d.Code, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		members, err := e.app.Party.Members(sys, party.MemberFilter{Region: d.Code, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.app.Cases.Total(sys, cases.Filter{Region: d.Code})
		if err != nil {
			t.Fatal(err)
		}
		if len(people) == 0 || len(members) == 0 || n.N == 0 {
			t.Errorf("%s: residents %d, Party members %d, cases %d; want some of each", d.Name, len(people), len(members), n.N)
		}
		if totals[d.Code] != n.N {
			t.Errorf("%s: the city's dashboard counts %d cases, the list %d", d.Name, totals[d.Code], n.N)
		}
		seen[n.N] = true
	}
	if len(seen) < 2 {
		t.Errorf("every district has the same number of cases: nothing to compare on the city's pages")
	}
	// Outside 东湖区 cases are open past their deadline, closed and rated.
	var overdue, closed, rated int
	for _, ar := range demoAreas(1)[1:] {
		cs, err := e.app.Cases.Cases(sys, cases.Filter{Region: ar.code, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Overdue(e.clock.Now()) {
				overdue++
			}
			if c.Status == cases.Closed {
				closed++
			}
			if c.RatedAt != nil {
				rated++
			}
		}
	}
	if overdue == 0 || closed == 0 || rated == 0 {
		t.Errorf("the other districts' cases: %d overdue, %d closed, %d rated; want some of each", overdue, closed, rated)
	}
	// The subdistricts' ranking of a month with cases names several.
	month := e.clock.Now().In(workday.CST).AddDate(0, -1, 0).Format("2006-01")
	rk, err := e.app.Cases.Rank(sys, month, "subdistrict")
	if err != nil {
		t.Fatal(err)
	}
	if len(rk.Scores) < 3 {
		t.Errorf("the ranking of %s scores %d subdistricts, want several", month, len(rk.Scores))
	}
	// A second run files nothing.
	before, _ := e.app.Cases.Count(sys)
	var out strings.Builder
	if err := seedDemoCases(tCtx, e.app, &out, e.clock, 1); err != nil {
		t.Fatal(err)
	}
	if after, _ := e.app.Cases.Count(sys); after != before {
		t.Errorf("a second run of the demo's cases: %d cases, were %d", after, before)
	}
}

func TestDemoPropertySeesOnlyItsCases(t *testing.T) {
	e := newDemoCasesEnv(t)
	prop := asDemo(t, e, "demo-property")
	mine, err := e.app.Cases.Cases(prop, cases.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	byStatus := map[cases.Status]int{}
	for _, c := range mine {
		if c.UnitKind != cases.UnitProperty || c.UnitName != demoProperty {
			t.Errorf("demo-property sees case %s, handled by %s %q", c.Number, c.UnitKind, c.UnitName)
		}
		byStatus[c.Status]++
	}
	if byStatus[cases.Dispatched] == 0 || byStatus[cases.Handled]+byStatus[cases.Closed] == 0 {
		t.Errorf("demo-property's cases by status %v: want some waiting for it and some handled", byStatus)
	}
	sys := authz.WithActor(tCtx, authz.System("test"))
	all, err := e.app.Cases.Total(sys, cases.Filter{Region: demoSubdistrict})
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(mine)) >= all.N {
		t.Errorf("demo-property sees %d of the subdistrict's %d cases", len(mine), all.N)
	}
	// Its list page shows them, and a case of another unit is refused.
	c := e.login("demo-property")
	if res := c.get("/cases"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, mine[0].Number) {
		t.Errorf("demo-property's case list: status %d, without %s", res.StatusCode, mine[0].Number)
	}
	others, err := e.app.Cases.Cases(sys, cases.Filter{Region: demoCommunityA, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range others {
		if o.UnitKind != cases.UnitProperty {
			if res := c.get("/cases/" + itoa(o.ID)); res.StatusCode != http.StatusNotFound {
				t.Errorf("demo-property opens case %s of %s: status %d", o.Number, o.UnitKind, res.StatusCode)
			}
			break
		}
	}
}

func TestDemoMemberHasSomethingToDo(t *testing.T) {
	e := newDemoCasesEnv(t)
	member := asDemo(t, e, "demo-member")
	toRate, err := e.app.Cases.Total(member, cases.Filter{View: "to_rate"})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := e.app.Cases.Cases(member, cases.Filter{View: "mine", Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	open := 0
	for _, c := range mine {
		if c.Status.Open() {
			open++
		}
	}
	if toRate.N == 0 || open == 0 {
		t.Errorf("demo-member: %d reports to rate, %d open of %d; want both", toRate.N, open, len(mine))
	}
	// The workbench's panel of their reports says so.
	res := e.login("demo-member").get("/workbench/w/cases-mine")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `data-count="`+itoa(toRate.N)+`"`) || !strings.Contains(res.body, mine[0].Number) {
		t.Errorf("demo-member's panel: status %d\n%s", res.StatusCode, res.body)
	}
}

// codeRe finds a division code (six digits or more) in a page.
var codeRe = regexp.MustCompile(`\b36\d{4,13}\b`)

func TestDemoLoginListsTheAccounts(t *testing.T) {
	e := newEnvConfig(t, func(c *Config) { c.Demo = true })
	res := e.anon().get("/login")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login page: %d", res.StatusCode)
	}
	i := strings.Index(res.body, `id="demo-logins"`)
	if i < 0 {
		t.Fatalf("a demo site's login page lists no accounts:\n%s", res.body)
	}
	list := res.body[i:]
	for _, name := range DemoLogins() {
		if !strings.Contains(list, `data-username="`+name+`"`) {
			t.Errorf("the demo login page does not offer %s", name)
		}
	}
	for _, want := range []string{DemoPassword, "市级管理员", "物业服务企业", "东湖区 › 滕王阁街道", "滕王阁街道 › 民巷社区", demoProperty, "东湖区城市管理局"} {
		if !strings.Contains(list, want) {
			t.Errorf("the demo accounts' list lacks %q", want)
		}
	}
	if strings.Contains(list, "demo-hotline") {
		t.Error("the list offers the integration account, which signs in with its token only")
	}
	if m := codeRe.FindString(list); m != "" {
		t.Errorf("the list shows the division code %s", m)
	}
	if strings.Contains(list, "<script") {
		t.Error("the list carries a script")
	}
	// A row is a form of its own: posting it, as its button does, signs in.
	c := e.anon()
	c.get("/login?next=/cases")
	form := url.Values{"username": {"demo-worker"}, "password": {DemoPassword}, "next": {"/cases"}}
	if r := c.form("/login", form); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/cases" {
		t.Errorf("a demo row's form: status %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	// The page in English names the roles in English.
	en := e.anon()
	en.get("/login")
	if r := en.form("/lang", url.Values{"lang": {"en"}, "next": {"/login"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("switch to English: %d", r.StatusCode)
	}
	if body := en.get("/login").body; !strings.Contains(body, "Demo accounts") || !strings.Contains(body, "City administrator") || !strings.Contains(body, "Property company") {
		t.Errorf("the English login page does not name the demo accounts' roles in English")
	}
	// A wrong password shows the list again beside the error.
	if r := e.anon().form("/login", url.Values{"username": {"demo-city"}, "password": {"wrong"}}); !strings.Contains(r.body, `id="demo-logins"`) {
		t.Errorf("after a failed login the list is gone: %d", r.StatusCode)
	}
}

func TestLoginListsNoAccountsOutsideTheDemo(t *testing.T) {
	// The harness's database holds the demo accounts, but the site is not
	// a demo site.
	e := newEnv(t)
	if body := e.anon().get("/login").body; strings.Contains(body, "demo-logins") || strings.Contains(body, DemoPassword) || strings.Contains(body, "demo-city") {
		t.Errorf("a site that is not a demo lists accounts on its login page")
	}
	if os.Getenv(dbtest.EnvPostgres) != "" {
		return // the serve command below runs on SQLite; the page code is the same
	}
	// `grassroots serve` on a database of its own.
	dir := t.TempDir()
	vars := map[string]string{"GRASSROOTS_DB": "sqlite:" + filepath.Join(dir, "prod.db"), "GRASSROOTS_ADDR": "127.0.0.1:0"}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var logs syncBuffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &logs, Stderr: &logs, Getenv: func(k string) string { return vars[k] },
		Ready: func(a string) { ready <- a }}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("serve: %v", err)
		}
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	res, err := http.Get("http://" + addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), `id="login-submit"`) || strings.Contains(string(b), "demo-logins") {
		t.Errorf("serve's login page: status %d, list %v", res.StatusCode, strings.Contains(string(b), "demo-logins"))
	}
}

// TestBrowserDemoLogin opens a demo site's login page on a phone, checks
// every demo account's row is on the screen without a sideways scroll,
// and signs in with one tap on a row.
func TestBrowserDemoLogin(t *testing.T) {
	e := newEnvConfig(t, func(c *Config) { c.Demo = true })
	ctx, problems := browsertest.Start(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 812), chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#demo-logins"))); err != nil {
		t.Fatal(err)
	}
	got, err := layoutProblems(ctx, "#demo-logins button.demo-login", "#login-submit")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) > 0 {
		t.Errorf("the demo login page at 375 px: %s", strings.Join(got, "; "))
	}
	shot(t, ctx, "demo-login-375")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-username="demo-grid"]`)), chromedp.WaitVisible(chromedp.CSS("#logout"))); err != nil {
		t.Fatalf("a tap on demo-grid's row: %v", err)
	}
	noConsoleErrors(t, problems)
}

// TestDemoAccessList: the demo's access list is in force and its requests
// went through the gate: the district has one to decide, 民巷社区 has work
// in its inbox, a decline and a certificate; each page of them opens for
// the account that works it and shows names, never codes.
func TestDemoAccessList(t *testing.T) {
	e := newEnv(t)
	district, sec := e.login("demo-district"), e.login("demo-secretary")
	link := func(body, prefix string) string {
		t.Helper()
		m := regexp.MustCompile(regexp.QuoteMeta(prefix) + `\d+`).FindString(body)
		if m == "" {
			t.Fatalf("no link to %s…", prefix)
		}
		return m
	}
	q := district.get("/admission/queue")
	if !strings.Contains(q.body, "物业小区消防通道占用情况统计表") || !strings.Contains(q.body, "汛期危旧房屋逐户排查") {
		t.Errorf("the district's queue lacks the demo's requests")
	}
	for _, p := range []struct {
		c          *client
		path, want string
	}{
		{district, link(q.body, "/admission/requests/"), `id="decision-form"`},
		{sec, link(sec.get("/admission/inbox?all=1").body, "/admission/tasks/"), `id="task"`},
		{sec, link(sec.get("/admission/certificates").body, "/admission/certificates/"), `id="cert-code"`},
	} {
		r := p.c.get(p.path)
		if r.StatusCode != 200 || !strings.Contains(r.body, p.want) {
			t.Errorf("%s: %d", p.path, r.StatusCode)
		}
		pagetext.NoCodes(t, p.path, r.body)
	}
	var rep admission.Report
	district.get("/api/v1/admission/burden").json(t, &rep)
	if rep.Total.N["declined"] != 1 || rep.Total.N["refused"] == 0 || rep.Total.N["emergency"] != 1 || rep.Total.N["certificate"] != 1 {
		t.Errorf("the demo's figures: %+v", rep.Total.N)
	}
}

// TestDemoServiceActivities: the demo member finds 民巷社区's service
// activities to check in to, and its secretary their code.
func TestDemoServiceActivities(t *testing.T) {
	e := newEnv(t)
	list := e.login("demo-member").get("/volunteer")
	if list.StatusCode != 200 || !strings.Contains(list.body, "平安巡逻") || !strings.Contains(list.body, "惠民政策宣讲") {
		t.Fatalf("the member's service activities: %d", list.StatusCode)
	}
	id := regexp.MustCompile(`/volunteer/activities/(\d+)`).FindStringSubmatch(list.body)
	if id == nil {
		t.Fatal("no link to an activity")
	}
	if c := e.login("demo-secretary").get("/volunteer/activities/" + id[1] + "/code"); c.StatusCode != 200 || !strings.Contains(c.body, `id="code-qr"`) {
		t.Errorf("the secretary's code page: %d", c.StatusCode)
	}
}
