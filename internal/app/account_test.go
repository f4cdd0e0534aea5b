package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
)

func TestLoginLockoutAfterFiveFailures(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	wrong := url.Values{"username": {"demo-worker"}, "password": {"Wrong-Pass-1234"}}
	for i := 1; i <= 4; i++ {
		res := c.form("/login", wrong)
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.body, "用户名或密码错误") {
			t.Fatalf("failure %d: status %d, want 401 with the generic message", i, res.StatusCode)
		}
	}
	res := c.form("/login", wrong)
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("fifth failure: status %d, want 401 like any failure: %s", res.StatusCode, res.body)
	}
	// Even the right password is refused while locked, with the answer an
	// unknown name gets, so that the lock does not tell which names exist.
	right := url.Values{"username": {"demo-worker"}, "password": {DemoPassword}}
	locked := c.form("/login", right)
	unknown := e.anon().form("/login", url.Values{"username": {"nobody-at-all"}, "password": {DemoPassword}})
	if locked.StatusCode != http.StatusUnauthorized || unknown.StatusCode != http.StatusUnauthorized {
		t.Fatalf("right password while locked: status %d, unknown name %d, want 401 for both", locked.StatusCode, unknown.StatusCode)
	}
	if errorText(locked.body) != errorText(unknown.body) || errorText(locked.body) == "" {
		t.Fatalf("locked and unknown answer differently: %q vs %q", errorText(locked.body), errorText(unknown.body))
	}
	es, err := audit.Find(tCtx, e.app.DB, authz.All, audit.Filter{Action: "account.locked"})
	if err != nil || len(es) != 1 || es[0].Region != "360102002002" {
		t.Fatalf("lockout audit: %v %+v", err, es)
	}
	e.clock.Add(15*time.Minute + time.Second)
	if res := c.form("/login", right); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the lockout: status %d, want a successful login", res.StatusCode)
	}
}

// errorText is the alert of a page.
func errorText(body string) string {
	_, after, ok := strings.Cut(body, `role="alert">`)
	if !ok {
		return ""
	}
	text, _, _ := strings.Cut(after, "<")
	return text
}

func TestUnknownUserGetsSameAnswer(t *testing.T) {
	e := newEnv(t)
	res := e.anon().form("/login", url.Values{"username": {"nobody-here"}, "password": {"Whatever-123!"}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.body, "用户名或密码错误") {
		t.Fatalf("unknown user: %d", res.StatusCode)
	}
	es, _ := audit.Find(tCtx, e.app.DB, authz.Scope{Region: "3601"}, audit.Filter{Action: "account.login.failed"})
	if len(es) != 1 {
		t.Fatalf("failed login of an unknown name should be audited for the city admin, got %d", len(es))
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-worker")
	if res := c.get("/me"); res.StatusCode != http.StatusOK {
		t.Fatalf("/me: %d", res.StatusCode)
	}
	e.clock.Add(29 * time.Minute)
	if res := c.get("/me"); res.StatusCode != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d, want still signed in", res.StatusCode)
	}
	e.clock.Add(31 * time.Minute)
	res := c.get("/me")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("after 31 idle minutes: %d %q, want a redirect to the login", res.StatusCode, res.Header.Get("Location"))
	}
	if res := c.get("/login"); !strings.Contains(res.body, "登录已超时") {
		t.Errorf("the login page should say the session expired: %s", res.body)
	}
	if res := c.api("GET", "/api/v1/me", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("API after expiry: %d, want 401", res.StatusCode)
	}
}

func TestLogoutEndsSession(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-worker")
	had := c.hasSession()
	if res := c.form("/logout", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if !had || c.hasSession() {
		t.Errorf("the session cookie should be cleared")
	}
	if res := c.get("/me"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout /me: %d, want a redirect", res.StatusCode)
	}
}

func TestCSRFRequiredOnForms(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary")
	res := c.do("POST", "/users", strings.NewReader("username=x-csrf&display_name=x&role=resident&region_code=360102002001&password=Strong-Pass-2026"),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, "CSRF") {
		t.Fatalf("post without token: %d, want 403", res.StatusCode)
	}
	cross := c.do("POST", "/users", strings.NewReader("csrf="+c.csrf()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}})
	if cross.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post: %d, want 403", cross.StatusCode)
	}
	if _, err := e.app.Accounts.UserByName(tCtx, "x-csrf"); err == nil {
		t.Fatal("a refused post created the account")
	}
}

func TestCreateUserThroughPageAndPasswordRules(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary")
	bad := c.form("/users", url.Values{"username": {"zhang.san"}, "display_name": {"张三"}, "role": {"community_worker"},
		"region_code": {"360102002001"}, "phone": {"1380013800"}, "password": {"short"}})
	if bad.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", bad.StatusCode)
	}
	for _, want := range []string{"手机号: 须为 11 位大陆手机号", "密码: 至少 10 个字符", `value="zhang.san"`} {
		if !strings.Contains(bad.body, want) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}
	weak := c.form("/users", url.Values{"username": {"zhang.san"}, "display_name": {"张三"}, "role": {"community_worker"},
		"region_code": {"360102002001"}, "password": {"alllowercase1"}})
	if !strings.Contains(weak.body, "三类") {
		t.Errorf("two classes should be refused: %d", weak.StatusCode)
	}
	ok := c.form("/users", url.Values{"username": {"zhang.san"}, "display_name": {"张三"}, "role": {"community_worker"},
		"region_code": {"360102002001"}, "phone": {"13800138000"}, "password": {"Strong-Pass-2026"}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", ok.StatusCode, ok.body)
	}
	list := c.get("/users?q=zhang")
	if !strings.Contains(list.body, "138****8000") || strings.Contains(list.body, "13800138000") {
		t.Errorf("the list must show the phone masked only")
	}
	// The phone is stored encrypted: the plain number is nowhere in the table.
	var enc string
	if err := e.app.DB.QueryRowContext(tCtx, `SELECT phone_enc FROM account_users WHERE username = ?`, "zhang.san").Scan(&enc); err != nil {
		t.Fatal(err)
	}
	if enc == "" || strings.Contains(enc, "13800138000") {
		t.Errorf("phone at rest: %q", enc)
	}
	// Exact search by phone works through the keyed hash.
	if res := c.get("/api/v1/users?phone=13800138000"); !strings.Contains(res.body, "zhang.san") {
		t.Errorf("search by phone: %s", res.body)
	}
	// The new account can sign in.
	nc := e.anon()
	if res := nc.form("/login", url.Values{"username": {"zhang.san"}, "password": {"Strong-Pass-2026"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("new account login: %d", res.StatusCode)
	}
}

func TestRevealPhoneIsAudited(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary")
	id := e.userID("demo-grid")
	upd := c.api("PATCH", "/api/v1/users/"+itoa(id), map[string]any{"version": 1, "phone": "13912345678"})
	if upd.StatusCode != http.StatusOK || !strings.Contains(upd.body, "139****5678") {
		t.Fatalf("set phone: %d %s", upd.StatusCode, upd.body)
	}
	page := c.get("/users/" + itoa(id))
	if strings.Contains(page.body, "13912345678") || !strings.Contains(page.body, "reveal-phone") {
		t.Fatalf("detail page must show the masked phone with a reveal button")
	}
	res := c.do("POST", "/users/"+itoa(id)+"/personal", strings.NewReader(""), http.Header{"HX-Request": {"true"}, "X-CSRF-Token": {c.csrf()}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "13912345678") || strings.Contains(res.body, "<html") {
		t.Fatalf("reveal fragment: %d %s", res.StatusCode, res.body)
	}
	es, _ := audit.Find(tCtx, e.app.DB, authz.All, audit.Filter{Action: "account.user.read_personal", ObjectID: itoa(id)})
	if len(es) != 1 || es[0].ActorName != "demo-secretary" {
		t.Fatalf("the read of the phone must be audited once: %+v", es)
	}
}

func TestOptimisticVersionPreventsLostUpdate(t *testing.T) {
	e := newEnv(t)
	a, b := e.login("demo-subdistrict"), e.login("demo-secretary")
	id := e.userID("demo-grid")
	if res := a.api("PATCH", "/api/v1/users/"+itoa(id), map[string]any{"version": 1, "display_name": "甲改"}); res.StatusCode != 200 {
		t.Fatalf("first edit: %d %s", res.StatusCode, res.body)
	}
	res := b.api("PATCH", "/api/v1/users/"+itoa(id), map[string]any{"version": 1, "display_name": "乙改"})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("stale edit: %d, want 409", res.StatusCode)
	}
	if u, _ := e.app.Accounts.UserByName(tCtx, "demo-grid"); u.DisplayName != "甲改" {
		t.Errorf("stored name %q, want the first edit kept", u.DisplayName)
	}
}

func TestDisabledAccountLosesAccess(t *testing.T) {
	e := newEnv(t)
	admin, worker := e.login("demo-subdistrict"), e.login("demo-worker")
	id := e.userID("demo-worker")
	res := admin.form("/users/"+itoa(id), url.Values{"action": {"disable"}, "version": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", res.StatusCode, res.body)
	}
	if res := worker.get("/me"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("disabled account's session still works: %d", res.StatusCode)
	}
	if res := e.anon().form("/login", url.Values{"username": {"demo-worker"}, "password": {DemoPassword}}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("disabled account can sign in: %d", res.StatusCode)
	}
}

func TestAPITokenLifecycle(t *testing.T) {
	e := newEnv(t)
	if e.token == "" {
		t.Fatal("the demo printed no token")
	}
	hot := e.bearer(e.token)
	res := hot.get("/api/v1/regions/3601")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("token read: %d", res.StatusCode)
	}
	// last_used_at is recorded.
	list := hot.get("/api/v1/tokens")
	if !strings.Contains(list.body, `"last_used_at"`) {
		t.Errorf("last use not recorded: %s", list.body)
	}
	// Integration accounts cannot sign in with a password.
	if r := e.anon().form("/login", url.Values{"username": {"demo-hotline"}, "password": {DemoPassword}}); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("integration account signed in interactively: %d", r.StatusCode)
	}
	// A worker makes a token, sees the secret once, and revokes it.
	w := e.login("demo-worker")
	nt := w.api("POST", "/api/v1/tokens", map[string]any{"name": "phone app"})
	var created struct {
		ID     int64  `json:"id"`
		Secret string `json:"secret"`
	}
	nt.json(t, &created)
	if nt.StatusCode != http.StatusCreated || !strings.HasPrefix(created.Secret, "grt_") {
		t.Fatalf("create token: %d %s", nt.StatusCode, nt.body)
	}
	if strings.Contains(w.get("/api/v1/tokens").body, created.Secret) {
		t.Error("the secret is shown again in the list")
	}
	var stored string
	_ = e.app.DB.QueryRowContext(tCtx, `SELECT token_hash FROM account_tokens WHERE id = ?`, created.ID).Scan(&stored)
	if stored == "" || strings.Contains(stored, created.Secret) {
		t.Error("the token must be stored hashed")
	}
	tc := e.bearer(created.Secret)
	if r := tc.get("/api/v1/me"); r.StatusCode != http.StatusOK || !strings.Contains(r.body, "demo-worker") {
		t.Fatalf("new token: %d", r.StatusCode)
	}
	if r := w.api("DELETE", "/api/v1/tokens/"+itoa(created.ID), nil); r.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.StatusCode, r.body)
	}
	if r := tc.get("/api/v1/me"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token still works: %d", r.StatusCode)
	}
	if r := e.bearer("grt_made_up").get("/api/v1/me"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("made-up token: %d", r.StatusCode)
	}
}

func TestMeShowsOwnPersonalData(t *testing.T) {
	e := newEnv(t)
	admin := e.login("demo-secretary")
	admin.api("PATCH", "/api/v1/users/"+itoa(e.userID("demo-member")), map[string]any{"version": 1, "phone": "13700001111"})
	var me struct {
		Username    string   `json:"username"`
		Phone       string   `json:"phone"`
		Permissions []string `json:"permissions"`
	}
	res := e.login("demo-member").get("/api/v1/me")
	res.json(t, &me)
	if me.Username != "demo-member" || me.Phone != "13700001111" {
		t.Errorf("me: %+v", me)
	}
}

func TestDepartmentsPage(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-district")
	bad := c.form("/departments", url.Values{"name": {"西湖区城管局"}, "region_code": {"360103"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "不是已知的区划代码") {
		t.Fatalf("department outside scope: %d", bad.StatusCode)
	}
	ok := c.form("/departments", url.Values{"name": {"东湖区住建局"}, "region_code": {"360102"}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Fatalf("create department: %d %s", ok.StatusCode, ok.body)
	}
	page := c.get("/departments")
	if !strings.Contains(page.body, "东湖区住建局") || !strings.Contains(page.body, "已保存") {
		t.Errorf("departments page lacks the new department or the flash message")
	}
	if w := e.login("demo-worker").get("/departments"); strings.Contains(w.body, "新增职能部门") {
		t.Error("a community worker sees the create form")
	}
}
