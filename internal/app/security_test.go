package app

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"grassroots/internal/account"
	"grassroots/internal/cases"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
)

// TestIntakeRepeatAnswersOnlyItsSender: an external id is one sender's
// idempotency key. Another sender with the same id gets a case of its own
// and never reads the first; the first sender's repeat still answers.
func TestIntakeRepeatAnswersOnlyItsSender(t *testing.T) {
	e := newEnv(t)
	lon, lat, _ := e.spot("360102002001")
	hot := e.bearer(e.token)
	order := map[string]any{"category": "0303", "description": "路灯不亮，第一个系统的工单", "lon": lon, "lat": lat, "external_id": "WO-2026-1"}
	var first cases.Intake
	if r := hot.api("POST", "/api/v1/hotline/cases", order); r.StatusCode != 201 {
		t.Fatalf("first push: %d %s", r.StatusCode, r.body)
	} else {
		r.json(t, &first)
	}

	// A second integration, set up by the city, uses the same number.
	city := e.login("demo-city")
	r := city.api("POST", "/api/v1/users", map[string]any{"username": "other-system", "display_name": "另一系统", "role": "integration",
		"region_code": "3601", "password": "Machine-Pass-2026"})
	if r.StatusCode != 201 {
		t.Fatalf("create integration: %d %s", r.StatusCode, r.body)
	}
	var other account.User
	r.json(t, &other)
	var tok account.NewToken
	city.api("POST", "/api/v1/tokens", map[string]any{"name": "other", "user_id": other.ID}).json(t, &tok)
	r = e.bearer(tok.Secret).api("POST", "/api/v1/hotline/cases", map[string]any{"category": "0303", "description": "另一个系统的工单内容",
		"lon": lon, "lat": lat, "external_id": "WO-2026-1"})
	var second cases.Intake
	r.json(t, &second)
	if r.StatusCode != 201 || second.Repeated || second.Case.ID == first.Case.ID || second.Case.Description != "另一个系统的工单内容" {
		t.Fatalf("another sender with the same id: %d %s", r.StatusCode, r.body)
	}
	// The first sender's repeat answers with its own case.
	var again cases.Intake
	if r := hot.api("POST", "/api/v1/hotline/cases", order); r.StatusCode != 200 {
		t.Fatalf("repeat: %d", r.StatusCode)
	} else if r.json(t, &again); !again.Repeated || again.Case.ID != first.Case.ID {
		t.Fatalf("repeat answered %+v", again)
	}

	// Staff in another community with the same external id: no leak.
	sec := e.login("demo-secretary")
	r = sec.api("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "社区书记登记的问题", "lon": lon, "lat": lat, "external_id": "S-7"})
	if r.StatusCode != 201 {
		t.Fatalf("secretary report: %d %s", r.StatusCode, r.body)
	}
	lonB, latB, _ := e.spot("360102002002")
	r = e.login("demo-worker").api("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "另一社区的问题", "lon": lonB, "lat": latB, "external_id": "S-7"})
	if r.StatusCode != 201 || strings.Contains(r.body, "社区书记登记") || strings.Contains(r.body, `"repeated":true`) {
		t.Fatalf("a neighbour's repeat: %d %s", r.StatusCode, r.body)
	}
}

// TestNobodyGrantsAPermissionTheyLack: a subdistrict user cannot make an
// integration account, which would hold case intake they do not.
func TestNobodyGrantsAPermissionTheyLack(t *testing.T) {
	e := newEnv(t)
	r := e.login("demo-subdistrict").api("POST", "/api/v1/users", map[string]any{"username": "my-bot", "display_name": "bot", "role": "integration",
		"region_code": "360102002", "password": "Bot-Password-2026"})
	if r.StatusCode != 422 || !strings.Contains(r.body, `"field":"role"`) {
		t.Fatalf("subdistrict creates an integration account: %d %s", r.StatusCode, r.body)
	}
}

// TestLoginLockoutCannotBeRaced: forty parallel guesses check at most five
// passwords, and the right one is refused once the account is locked.
func TestLoginLockoutCannotBeRaced(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for range 40 {
		c := e.anon()
		c.get("/login")
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.form("/login", url.Values{"username": {"demo-worker"}, "password": {"Wrong-Pass-1234"}})
		}()
	}
	wg.Wait()
	id := itoa(e.userID("demo-worker"))
	checked := 0
	for _, action := range []string{"account.login.failed", "account.locked"} {
		es, err := audit.Find(tCtx, e.app.DB, authz.All, audit.Filter{Action: action, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range es {
			if en.ObjectID == id {
				checked++
			}
		}
	}
	if checked != 5 {
		t.Fatalf("%d passwords were checked by 40 parallel logins, want exactly 5", checked)
	}
	if r := e.anon().form("/login", url.Values{"username": {"demo-worker"}, "password": {DemoPassword}}); r.StatusCode == http.StatusSeeOther {
		t.Fatal("the right password logged in although the account is locked")
	}
}

// TestRedirectsStayOnSite: next and back parameters never lead off-site,
// whatever browsers make of tabs and backslashes.
func TestRedirectsStayOnSite(t *testing.T) {
	e := newEnv(t)
	tricks := []string{"//evil.example", "/\\evil.example", "/\t/evil.example", "/\\\tevil.example", "https://evil.example", "/%2F%2Fevil.example"}
	signedIn := e.login("demo-worker")
	for _, next := range tricks {
		c := e.anon()
		r := c.form("/login", url.Values{"username": {"demo-worker"}, "password": {DemoPassword}, "next": {next}})
		if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("login next=%q: %d → %q", next, r.StatusCode, loc)
		}
		if loc := signedIn.get("/login?next=" + url.QueryEscape(next)).Header.Get("Location"); loc != "/" {
			t.Errorf("signed-in login next=%q → %q", next, loc)
		}
		if loc := signedIn.form("/lang", url.Values{"lang": {"en"}, "next": {next}}).Header.Get("Location"); loc != "/" {
			t.Errorf("lang next=%q → %q", next, loc)
		}
	}
	if loc := signedIn.form("/lang", url.Values{"lang": {"zh-CN"}, "next": {"/cases?view=mine"}}).Header.Get("Location"); loc != "/cases?view=mine" {
		t.Errorf("a local next is kept: %q", loc)
	}
}

// TestLoginFormHasCSRF: a login posted without the form's token (from
// another site) is refused, so nobody can sign a victim into their account.
func TestLoginFormHasCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	r := c.do("POST", "/login", strings.NewReader(url.Values{"username": {"demo-worker"}, "password": {DemoPassword}}.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("login without its CSRF token: %d", r.StatusCode)
	}
	if r := c.form("/login", url.Values{"username": {"demo-worker"}, "password": {DemoPassword}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login through the form: %d", r.StatusCode)
	}
}

// TestOwnPasswordNeedsCurrent: a manager's own password changes only with
// the current one, through the API and the page.
func TestOwnPasswordNeedsCurrent(t *testing.T) {
	e := newEnv(t)
	sub := e.login("demo-subdistrict")
	me := itoa(e.userID("demo-subdistrict"))
	if r := sub.api("PUT", "/api/v1/users/"+me+"/password", map[string]any{"password": "Taken-Over-2026"}); r.StatusCode != 422 || !strings.Contains(r.body, `"field":"password"`) {
		t.Errorf("API reset of one's own password: %d %s", r.StatusCode, r.body)
	}
	if r := sub.form("/users/"+me+"/password", url.Values{"password": {"Taken-Over-2026"}}); r.StatusCode != 422 {
		t.Errorf("page reset of one's own password: %d", r.StatusCode)
	}
	e.login("demo-subdistrict") // the old password still works
}

// TestResetAndDisableRevokeTokens: after a reset or a disable, no token
// issued before works again, re-enabling brings none back, and a token
// cannot mint tokens.
func TestResetAndDisableRevokeTokens(t *testing.T) {
	e := newEnv(t)
	worker := e.login("demo-worker")
	mint := func() string {
		var nt account.NewToken
		r := worker.api("POST", "/api/v1/tokens", map[string]any{"name": "phone"})
		if r.StatusCode != 201 {
			t.Fatalf("create token: %d %s", r.StatusCode, r.body)
		}
		r.json(t, &nt)
		return nt.Secret
	}
	tok := mint()
	bt := e.bearer(tok)
	if r := bt.get("/api/v1/me"); r.StatusCode != 200 {
		t.Fatalf("token: %d", r.StatusCode)
	}
	if r := bt.api("POST", "/api/v1/tokens", map[string]any{"name": "more"}); r.StatusCode != 403 {
		t.Errorf("a token minted a token: %d %s", r.StatusCode, r.body)
	}
	sub := e.login("demo-subdistrict")
	id := itoa(e.userID("demo-worker"))
	if r := sub.api("PUT", "/api/v1/users/"+id+"/password", map[string]any{"password": "Fresh-Password-2026"}); r.StatusCode >= 300 {
		t.Fatalf("reset: %d %s", r.StatusCode, r.body)
	}
	if r := bt.get("/api/v1/me"); r.StatusCode != 401 {
		t.Errorf("token after a password reset: %d", r.StatusCode)
	}

	worker = e.anon()
	if r := worker.form("/login", url.Values{"username": {"demo-worker"}, "password": {"Fresh-Password-2026"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with the new password: %d", r.StatusCode)
	}
	tok2 := mint()
	var u account.User
	sub.get("/api/v1/users/"+id).json(t, &u)
	sub.api("PATCH", "/api/v1/users/"+id, map[string]any{"version": u.Version, "disabled": true})
	sub.get("/api/v1/users/"+id).json(t, &u)
	if r := sub.api("PATCH", "/api/v1/users/"+id, map[string]any{"version": u.Version, "disabled": false}); r.StatusCode != 200 {
		t.Fatalf("enable: %d %s", r.StatusCode, r.body)
	}
	if r := e.bearer(tok2).get("/api/v1/me"); r.StatusCode != 401 {
		t.Errorf("token after disable and enable: %d", r.StatusCode)
	}
}

// TestOpen311PublicView: the public reads neither private classes nor
// exact points and addresses, and discovery names the configured address
// whatever Host a client sends.
func TestOpen311PublicView(t *testing.T) {
	e := newEnv(t)
	lon, lat, _ := e.spot("360102002001")
	hot := e.bearer(e.token)
	for _, o := range []map[string]any{
		{"category": "0701", "description": "楼上深夜噪声扰民", "lon": lon, "lat": lat, "address": "民巷5栋301", "external_id": "P-1"},
		{"category": "0303", "description": "小区门口路灯不亮", "lon": lon, "lat": lat, "external_id": "P-2"},
	} {
		if r := hot.api("POST", "/api/v1/hotline/cases", o); r.StatusCode != 201 {
			t.Fatalf("push: %d %s", r.StatusCode, r.body)
		}
	}
	r := e.anon().get("/open311/v2/requests.json?jurisdiction_id=nanchang.gov.cn")
	if r.StatusCode != 200 || strings.Contains(r.body, `"service_code":"0701"`) || !strings.Contains(r.body, `"service_code":"0303"`) {
		t.Fatalf("public list: %d %s", r.StatusCode, r.body)
	}
	if exact := strconv.FormatFloat(lat, 'f', -1, 64); strings.Contains(r.body, "民巷5栋") || len(exact) > 7 && strings.Contains(r.body, exact) {
		t.Errorf("public list shows an address or an exact point: %s", r.body)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/open311/v2/discovery.json", nil)
	req.Host = "evil.example"
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var d struct {
		Endpoints []struct {
			URL string `json:"url"`
		} `json:"endpoints"`
	}
	if err := json.NewDecoder(res.Body).Decode(&d); err != nil || len(d.Endpoints) == 0 || d.Endpoints[0].URL != "https://grassroots.example.gov.cn/open311/v2/" {
		t.Fatalf("discovery: %v %+v", err, d)
	}
}

// TestGridWorkerSeesOnlyTheirGrids: a grid worker's scope is the grids
// assigned to them, not the whole community.
func TestGridWorkerSeesOnlyTheirGrids(t *testing.T) {
	e := newEnv(t)
	const community = "360102002001"
	var hh struct {
		Items []struct {
			ID         int64  `json:"id"`
			RegionCode string `json:"region_code"`
		} `json:"items"`
	}
	e.login("demo-secretary").get("/api/v1/households?limit=500&region="+community).json(t, &hh)
	var mine, other int64
	for _, h := range hh.Items {
		switch h.RegionCode {
		case community + "001":
			mine = h.ID
		case community + "003":
			other = h.ID
		}
	}
	if mine == 0 || other == 0 {
		t.Fatalf("fixture: households in grids 001 and 003 of %s: %+v", community, hh.Items)
	}
	grid := e.login("demo-grid")
	if r := grid.get("/api/v1/households/" + itoa(mine)); r.StatusCode != 200 {
		t.Errorf("own grid's household: %d", r.StatusCode)
	}
	if r := grid.get("/api/v1/households/" + itoa(other)); r.StatusCode != 404 {
		t.Errorf("another grid's household: %d", r.StatusCode)
	}
	var list struct {
		Items []struct {
			RegionCode string `json:"region_code"`
		} `json:"items"`
	}
	grid.get("/api/v1/households?limit=500&region="+community).json(t, &list)
	if len(list.Items) == 0 {
		t.Fatal("grid worker lists no household")
	}
	for _, h := range list.Items {
		if h.RegionCode != community+"001" && h.RegionCode != community+"002" {
			t.Fatalf("grid worker lists a household of grid %s", h.RegionCode)
		}
	}
}
