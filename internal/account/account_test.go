package account_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"grassroots/internal/apptest"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/web"
)

var ctx = context.Background()

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// errorText is the alert of a page.
func errorText(body string) string {
	_, after, ok := strings.Cut(body, `role="alert">`)
	if !ok {
		return ""
	}
	text, _, _ := strings.Cut(after, "<")
	return text
}

// hasSession reports whether the browser holds a session cookie.
func hasSession(e *apptest.Env, c *apptest.Client) bool {
	u, _ := url.Parse(e.Srv.URL)
	for _, ck := range c.HC.Jar.Cookies(u) {
		if ck.Name == web.SessionCookie && ck.Value != "" {
			return true
		}
	}
	return false
}

func TestLoginLockoutAfterFiveFailures(t *testing.T) {
	e := apptest.New(t)
	c := e.Anon()
	wrong := url.Values{"username": {"worker"}, "password": {"Wrong-Pass-1234"}}
	for i := 1; i <= 4; i++ {
		res := c.Form("/login", wrong)
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, "用户名或密码错误") {
			t.Fatalf("failure %d: status %d, want 401 with the generic message", i, res.StatusCode)
		}
	}
	res := c.Form("/login", wrong)
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("fifth failure: status %d, want 401 like any failure: %s", res.StatusCode, res.Body)
	}
	// Even the right password is refused while locked, with the answer an
	// unknown name gets, so that the lock does not tell which names exist.
	right := url.Values{"username": {"worker"}, "password": {apptest.Password}}
	locked := c.Form("/login", right)
	unknown := e.Anon().Form("/login", url.Values{"username": {"nobody-at-all"}, "password": {apptest.Password}})
	if locked.StatusCode != http.StatusUnauthorized || unknown.StatusCode != http.StatusUnauthorized {
		t.Fatalf("right password while locked: status %d, unknown name %d, want 401 for both", locked.StatusCode, unknown.StatusCode)
	}
	if errorText(locked.Body) != errorText(unknown.Body) || errorText(locked.Body) == "" {
		t.Fatalf("locked and unknown answer differently: %q vs %q", errorText(locked.Body), errorText(unknown.Body))
	}
	es, err := audit.Find(ctx, e.App.DB, authz.All, audit.Filter{Action: "account.locked"})
	if err != nil || len(es) != 1 || es[0].Region != apptest.CommunityB {
		t.Fatalf("lockout audit: %v %+v", err, es)
	}
	e.Clock.Add(15*time.Minute + time.Second)
	if res := c.Form("/login", right); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the lockout: status %d, want a successful login", res.StatusCode)
	}
}

func TestUnknownUserGetsSameAnswer(t *testing.T) {
	e := apptest.New(t)
	res := e.Anon().Form("/login", url.Values{"username": {"nobody-here"}, "password": {"Whatever-123!"}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, "用户名或密码错误") {
		t.Fatalf("unknown user: %d", res.StatusCode)
	}
	es, _ := audit.Find(ctx, e.App.DB, authz.Scope{Region: apptest.City}, audit.Filter{Action: "account.login.failed"})
	if len(es) != 1 {
		t.Fatalf("failed login of an unknown name should be audited for the city admin, got %d", len(es))
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("worker")
	if res := c.Get("/me"); res.StatusCode != http.StatusOK {
		t.Fatalf("/me: %d", res.StatusCode)
	}
	e.Clock.Add(29 * time.Minute)
	if res := c.Get("/me"); res.StatusCode != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d, want still signed in", res.StatusCode)
	}
	e.Clock.Add(31 * time.Minute)
	res := c.Get("/me")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("after 31 idle minutes: %d %q, want a redirect to the login", res.StatusCode, res.Header.Get("Location"))
	}
	if res := c.Get("/login"); !strings.Contains(res.Body, "登录已超时") {
		t.Errorf("the login page should say the session expired: %s", res.Body)
	}
	if res := c.API("GET", "/api/v1/me", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("API after expiry: %d, want 401", res.StatusCode)
	}
}

func TestLogoutEndsSession(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("worker")
	had := hasSession(e, c)
	if res := c.Form("/logout", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if !had || hasSession(e, c) {
		t.Errorf("the session cookie should be cleared")
	}
	if res := c.Get("/me"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout /me: %d, want a redirect", res.StatusCode)
	}
}

func TestCSRFRequiredOnForms(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("secretary")
	res := c.Do("POST", "/users", strings.NewReader("username=x-csrf&display_name=x&role=resident&region_code="+apptest.CommunityA+"&password=Strong-Pass-2026"),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "CSRF") {
		t.Fatalf("post without token: %d, want 403", res.StatusCode)
	}
	cross := c.Do("POST", "/users", strings.NewReader("csrf="+c.CSRF()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}})
	if cross.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post: %d, want 403", cross.StatusCode)
	}
	if _, err := e.App.Accounts.UserByName(ctx, "x-csrf"); err == nil {
		t.Fatal("a refused post created the account")
	}
}

func TestCreateUserThroughPageAndPasswordRules(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("secretary")
	bad := c.Form("/users", url.Values{"username": {"zhang.san"}, "display_name": {"张三"}, "role": {"community_worker"},
		"region_code": {apptest.CommunityA}, "phone": {"1380013800"}, "password": {"short"}})
	if bad.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", bad.StatusCode)
	}
	for _, want := range []string{"手机号: 须为 11 位大陆手机号", "密码: 至少 10 个字符", `value="zhang.san"`} {
		if !strings.Contains(bad.Body, want) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}
	weak := c.Form("/users", url.Values{"username": {"zhang.san"}, "display_name": {"张三"}, "role": {"community_worker"},
		"region_code": {apptest.CommunityA}, "password": {"alllowercase1"}})
	if !strings.Contains(weak.Body, "三类") {
		t.Errorf("two classes should be refused: %d", weak.StatusCode)
	}
	ok := c.Form("/users", url.Values{"username": {"zhang.san"}, "display_name": {"张三"}, "role": {"community_worker"},
		"region_code": {apptest.CommunityA}, "phone": {"13800138000"}, "password": {"Strong-Pass-2026"}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", ok.StatusCode, ok.Body)
	}
	list := c.Get("/users?q=zhang")
	if !strings.Contains(list.Body, "138****8000") || strings.Contains(list.Body, "13800138000") {
		t.Errorf("the list must show the phone masked only")
	}
	// The phone is stored encrypted: the plain number is nowhere in the table.
	var enc string
	if err := e.App.DB.QueryRowContext(ctx, `SELECT phone_enc FROM account_users WHERE username = ?`, "zhang.san").Scan(&enc); err != nil {
		t.Fatal(err)
	}
	if enc == "" || strings.Contains(enc, "13800138000") {
		t.Errorf("phone at rest: %q", enc)
	}
	// Exact search by phone works through the keyed hash.
	if res := c.Get("/api/v1/users?phone=13800138000"); !strings.Contains(res.Body, "zhang.san") {
		t.Errorf("search by phone: %s", res.Body)
	}
	// The new account can sign in.
	nc := e.Anon()
	if res := nc.Form("/login", url.Values{"username": {"zhang.san"}, "password": {"Strong-Pass-2026"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("new account login: %d", res.StatusCode)
	}
}

func TestRevealPhoneIsAudited(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("secretary")
	id := e.UserID("grid")
	upd := c.API("PATCH", "/api/v1/users/"+itoa(id), map[string]any{"version": 1, "phone": "13912345678"})
	if upd.StatusCode != http.StatusOK || !strings.Contains(upd.Body, "139****5678") {
		t.Fatalf("set phone: %d %s", upd.StatusCode, upd.Body)
	}
	page := c.Get("/users/" + itoa(id))
	if strings.Contains(page.Body, "13912345678") || !strings.Contains(page.Body, "reveal-phone") {
		t.Fatalf("detail page must show the masked phone with a reveal button")
	}
	res := c.Do("POST", "/users/"+itoa(id)+"/personal", strings.NewReader(""), http.Header{"HX-Request": {"true"}, "X-CSRF-Token": {c.CSRF()}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "13912345678") || strings.Contains(res.Body, "<html") {
		t.Fatalf("reveal fragment: %d %s", res.StatusCode, res.Body)
	}
	es, _ := audit.Find(ctx, e.App.DB, authz.All, audit.Filter{Action: "account.user.read_personal", ObjectID: itoa(id)})
	if len(es) != 1 || es[0].ActorName != "secretary" {
		t.Fatalf("the read of the phone must be audited once: %+v", es)
	}
}

func TestOptimisticVersionPreventsLostUpdate(t *testing.T) {
	e := apptest.New(t)
	a, b := e.Login("subdistrict"), e.Login("secretary")
	id := e.UserID("grid")
	if res := a.API("PATCH", "/api/v1/users/"+itoa(id), map[string]any{"version": 1, "display_name": "甲改"}); res.StatusCode != 200 {
		t.Fatalf("first edit: %d %s", res.StatusCode, res.Body)
	}
	res := b.API("PATCH", "/api/v1/users/"+itoa(id), map[string]any{"version": 1, "display_name": "乙改"})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("stale edit: %d, want 409", res.StatusCode)
	}
	if u, _ := e.App.Accounts.UserByName(ctx, "grid"); u.DisplayName != "甲改" {
		t.Errorf("stored name %q, want the first edit kept", u.DisplayName)
	}
}

// TestDisabledAccountLosesAccess: a subdistrict disables an account of a
// community it covers; its open session ends and it cannot sign in again.
func TestDisabledAccountLosesAccess(t *testing.T) {
	e := apptest.New(t)
	admin, grid := e.Login("subdistrict"), e.Login("grid")
	id := e.UserID("grid")
	res := admin.Form("/users/"+itoa(id), url.Values{"action": {"disable"}, "version": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", res.StatusCode, res.Body)
	}
	if res := grid.Get("/me"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("disabled account's session still works: %d", res.StatusCode)
	}
	if res := e.Anon().Form("/login", url.Values{"username": {"grid"}, "password": {apptest.Password}}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("disabled account can sign in: %d", res.StatusCode)
	}
}

func TestAPITokenLifecycle(t *testing.T) {
	e := apptest.New(t)
	if e.Token == "" {
		t.Fatal("the fixture issued no token")
	}
	hot := e.WithToken(e.Token)
	res := hot.Get("/api/v1/regions/" + apptest.City)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("token read: %d", res.StatusCode)
	}
	// last_used_at is recorded.
	list := hot.Get("/api/v1/tokens")
	if !strings.Contains(list.Body, `"last_used_at"`) {
		t.Errorf("last use not recorded: %s", list.Body)
	}
	// Integration accounts cannot sign in with a password.
	if r := e.Anon().Form("/login", url.Values{"username": {"hotline"}, "password": {apptest.Password}}); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("integration account signed in interactively: %d", r.StatusCode)
	}
	// A worker makes a token, sees the secret once, and revokes it.
	w := e.Login("worker")
	nt := w.API("POST", "/api/v1/tokens", map[string]any{"name": "phone app"})
	var created struct {
		ID     int64  `json:"id"`
		Secret string `json:"secret"`
	}
	nt.JSON(t, &created)
	if nt.StatusCode != http.StatusCreated || !strings.HasPrefix(created.Secret, "grt_") {
		t.Fatalf("create token: %d %s", nt.StatusCode, nt.Body)
	}
	if strings.Contains(w.Get("/api/v1/tokens").Body, created.Secret) {
		t.Error("the secret is shown again in the list")
	}
	var stored string
	_ = e.App.DB.QueryRowContext(ctx, `SELECT token_hash FROM account_tokens WHERE id = ?`, created.ID).Scan(&stored)
	if stored == "" || strings.Contains(stored, created.Secret) {
		t.Error("the token must be stored hashed")
	}
	tc := e.WithToken(created.Secret)
	if r := tc.Get("/api/v1/me"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `"worker"`) {
		t.Fatalf("new token: %d %s", r.StatusCode, r.Body)
	}
	if r := w.API("DELETE", "/api/v1/tokens/"+itoa(created.ID), nil); r.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.StatusCode, r.Body)
	}
	if r := tc.Get("/api/v1/me"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token still works: %d", r.StatusCode)
	}
	if r := e.WithToken("grt_made_up").Get("/api/v1/me"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("made-up token: %d", r.StatusCode)
	}
}

func TestMeShowsOwnPersonalData(t *testing.T) {
	e := apptest.New(t)
	admin := e.Login("secretary")
	if r := admin.API("PATCH", "/api/v1/users/"+itoa(e.UserID("member")), map[string]any{"version": 1, "phone": "13700001111"}); r.StatusCode != http.StatusOK {
		t.Fatalf("set phone: %d %s", r.StatusCode, r.Body)
	}
	var me struct {
		Username    string   `json:"username"`
		Phone       string   `json:"phone"`
		Permissions []string `json:"permissions"`
	}
	res := e.Login("member").Get("/api/v1/me")
	res.JSON(t, &me)
	if me.Username != "member" || me.Phone != "13700001111" {
		t.Errorf("me: %+v", me)
	}
}

func TestDepartmentsPage(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("district")
	bad := c.Form("/departments", url.Values{"name": {"乙区城管局"}, "region_code": {apptest.DistrictB}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "不是已知的区划代码") {
		t.Fatalf("department outside scope: %d", bad.StatusCode)
	}
	ok := c.Form("/departments", url.Values{"name": {"甲区住建局"}, "region_code": {apptest.DistrictA}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Fatalf("create department: %d %s", ok.StatusCode, ok.Body)
	}
	page := c.Get("/departments")
	if !strings.Contains(page.Body, "甲区住建局") || !strings.Contains(page.Body, "已保存") {
		t.Errorf("departments page lacks the new department or the flash message")
	}
	if w := e.Login("worker").Get("/departments"); strings.Contains(w.Body, "新增职能部门") {
		t.Error("a community worker sees the create form")
	}
}
