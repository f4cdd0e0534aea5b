package account_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"grassroots/internal/account"
	"grassroots/internal/apptest"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
)

// TestNobodyGrantsAPermissionTheyLack: a subdistrict user cannot make an
// integration account, which would hold case intake they do not.
func TestNobodyGrantsAPermissionTheyLack(t *testing.T) {
	e := apptest.New(t)
	r := e.Login("subdistrict").API("POST", "/api/v1/users", map[string]any{"username": "my-bot", "display_name": "bot", "role": "integration",
		"region_code": apptest.SubA, "password": "Bot-Password-2026"})
	if r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"role"`) {
		t.Fatalf("subdistrict creates an integration account: %d %s", r.StatusCode, r.Body)
	}
}

// TestLoginLockoutCannotBeRaced: forty parallel guesses check at most five
// passwords, and the right one is refused once the account is locked.
func TestLoginLockoutCannotBeRaced(t *testing.T) {
	e := apptest.New(t)
	var wg sync.WaitGroup
	for range 40 {
		c := e.Anon()
		c.Get("/login")
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Form("/login", url.Values{"username": {"worker"}, "password": {"Wrong-Pass-1234"}})
		}()
	}
	wg.Wait()
	id := itoa(e.UserID("worker"))
	checked := 0
	for _, action := range []string{"account.login.failed", "account.locked"} {
		es, err := audit.Find(ctx, e.App.DB, authz.All, audit.Filter{Action: action, Limit: 1000})
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
	if r := e.Anon().Form("/login", url.Values{"username": {"worker"}, "password": {apptest.Password}}); r.StatusCode == http.StatusSeeOther {
		t.Fatal("the right password logged in although the account is locked")
	}
}

// TestRedirectsStayOnSite: next and back parameters never lead off-site,
// whatever browsers make of tabs and backslashes.
func TestRedirectsStayOnSite(t *testing.T) {
	e := apptest.New(t)
	tricks := []string{"//evil.example", "/\\evil.example", "/\t/evil.example", "/\\\tevil.example", "https://evil.example", "/%2F%2Fevil.example"}
	signedIn := e.Login("worker")
	for _, next := range tricks {
		c := e.Anon()
		r := c.Form("/login", url.Values{"username": {"worker"}, "password": {apptest.Password}, "next": {next}})
		if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("login next=%q: %d → %q", next, r.StatusCode, loc)
		}
		if loc := signedIn.Get("/login?next=" + url.QueryEscape(next)).Header.Get("Location"); loc != "/" {
			t.Errorf("signed-in login next=%q → %q", next, loc)
		}
		if loc := signedIn.Form("/lang", url.Values{"lang": {"en"}, "next": {next}}).Header.Get("Location"); loc != "/" {
			t.Errorf("lang next=%q → %q", next, loc)
		}
	}
	if loc := signedIn.Form("/lang", url.Values{"lang": {"zh-CN"}, "next": {"/cases?view=mine"}}).Header.Get("Location"); loc != "/cases?view=mine" {
		t.Errorf("a local next is kept: %q", loc)
	}
}

// TestLoginFormHasCSRF: a login posted without the form's token (from
// another site) is refused, so nobody can sign a victim into their account.
func TestLoginFormHasCSRF(t *testing.T) {
	e := apptest.New(t)
	c := e.Anon()
	r := c.Do("POST", "/login", strings.NewReader(url.Values{"username": {"worker"}, "password": {apptest.Password}}.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("login without its CSRF token: %d", r.StatusCode)
	}
	if r := c.Form("/login", url.Values{"username": {"worker"}, "password": {apptest.Password}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login through the form: %d", r.StatusCode)
	}
}

// TestOwnPasswordNeedsCurrent: a manager's own password changes only with
// the current one, through the API and the page.
func TestOwnPasswordNeedsCurrent(t *testing.T) {
	e := apptest.New(t)
	sub := e.Login("subdistrict")
	me := itoa(e.UserID("subdistrict"))
	if r := sub.API("PUT", "/api/v1/users/"+me+"/password", map[string]any{"password": "Taken-Over-2026"}); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"password"`) {
		t.Errorf("API reset of one's own password: %d %s", r.StatusCode, r.Body)
	}
	if r := sub.Form("/users/"+me+"/password", url.Values{"password": {"Taken-Over-2026"}}); r.StatusCode != 422 {
		t.Errorf("page reset of one's own password: %d", r.StatusCode)
	}
	e.Login("subdistrict") // the old password still works
}

// TestResetAndDisableRevokeTokens: after a reset or a disable, no token
// issued before works again, re-enabling brings none back, and a token
// cannot mint tokens. The worker serves community B, so the city manages
// the account.
func TestResetAndDisableRevokeTokens(t *testing.T) {
	e := apptest.New(t)
	worker := e.Login("worker")
	mint := func() string {
		var nt account.NewToken
		r := worker.API("POST", "/api/v1/tokens", map[string]any{"name": "phone"})
		if r.StatusCode != 201 {
			t.Fatalf("create token: %d %s", r.StatusCode, r.Body)
		}
		r.JSON(t, &nt)
		return nt.Secret
	}
	tok := mint()
	bt := e.WithToken(tok)
	if r := bt.Get("/api/v1/me"); r.StatusCode != 200 {
		t.Fatalf("token: %d", r.StatusCode)
	}
	if r := bt.API("POST", "/api/v1/tokens", map[string]any{"name": "more"}); r.StatusCode != 403 {
		t.Errorf("a token minted a token: %d %s", r.StatusCode, r.Body)
	}
	admin := e.Login("city")
	id := itoa(e.UserID("worker"))
	if r := admin.API("PUT", "/api/v1/users/"+id+"/password", map[string]any{"password": "Fresh-Password-2026"}); r.StatusCode >= 300 {
		t.Fatalf("reset: %d %s", r.StatusCode, r.Body)
	}
	if r := bt.Get("/api/v1/me"); r.StatusCode != 401 {
		t.Errorf("token after a password reset: %d", r.StatusCode)
	}

	// The password the city set: the holder signs in, can do nothing but
	// choose their own, then signs in with it.
	worker = e.Anon()
	if r := worker.Form("/login", url.Values{"username": {"worker"}, "password": {"Fresh-Password-2026"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with the new password: %d", r.StatusCode)
	}
	if r := worker.Get("/cases"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/me") {
		t.Errorf("a page before the holder's own password: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := worker.Get("/me"); r.StatusCode != 200 || !strings.Contains(r.Body, `id="must-change"`) {
		t.Errorf("the account page says to change the password: %d", r.StatusCode)
	}
	if r := worker.Form("/me/password", url.Values{"old_password": {"Fresh-Password-2026"}, "password": {"Holder-Own-Pass-2026"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("own password: %d %s", r.StatusCode, r.Body)
	}
	worker = e.Anon()
	if r := worker.Form("/login", url.Values{"username": {"worker"}, "password": {"Holder-Own-Pass-2026"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with the holder's own password: %d", r.StatusCode)
	}
	tok2 := mint()
	var u account.User
	admin.Get("/api/v1/users/"+id).JSON(t, &u)
	if r := admin.API("PATCH", "/api/v1/users/"+id, map[string]any{"version": u.Version, "disabled": true}); r.StatusCode != 200 {
		t.Fatalf("disable: %d %s", r.StatusCode, r.Body)
	}
	admin.Get("/api/v1/users/"+id).JSON(t, &u)
	if r := admin.API("PATCH", "/api/v1/users/"+id, map[string]any{"version": u.Version, "disabled": false}); r.StatusCode != 200 {
		t.Fatalf("enable: %d %s", r.StatusCode, r.Body)
	}
	if r := e.WithToken(tok2).Get("/api/v1/me"); r.StatusCode != 401 {
		t.Errorf("token after disable and enable: %d", r.StatusCode)
	}
}

// TestGridWorkerOwnAccount: a grid worker, whose scope is their grids,
// still reads their own account, changes their password and makes a
// token.
func TestGridWorkerOwnAccount(t *testing.T) {
	e := apptest.New(t)
	g := e.Login("grid")
	if r := g.Get("/api/v1/me"); r.StatusCode != 200 || !strings.Contains(r.Body, `"username":"grid"`) {
		t.Fatalf("/api/v1/me: %d %s", r.StatusCode, r.Body)
	}
	if r := g.Get("/me"); r.StatusCode != 200 {
		t.Errorf("/me: %d", r.StatusCode)
	}
	if r := g.API("POST", "/api/v1/tokens", map[string]any{"name": "phone"}); r.StatusCode != 201 {
		t.Errorf("own token: %d %s", r.StatusCode, r.Body)
	}
	if r := g.Form("/me/password", url.Values{"old_password": {apptest.Password}, "password": {"Patrol-New-Pass-2026"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("own password: %d %s", r.StatusCode, r.Body)
	}
}

// TestCurrentPasswordGuessesAreLimited: guessing the current password on
// the account page counts against the sign-in tries and locks the account.
func TestCurrentPasswordGuessesAreLimited(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("secretary")
	for i := 0; i < 5; i++ {
		if r := c.Form("/me/password", url.Values{"old_password": {"Wrong-Guess-1234"}, "password": {"Taken-Over-2026"}}); r.StatusCode != 422 {
			t.Fatalf("guess %d: %d", i+1, r.StatusCode)
		}
	}
	if r := c.Form("/me/password", url.Values{"old_password": {apptest.Password}, "password": {"Taken-Over-2026"}}); r.StatusCode != 422 {
		t.Errorf("the right password after five guesses changed it: %d", r.StatusCode)
	}
	if r := e.Anon().Form("/login", url.Values{"username": {"secretary"}, "password": {apptest.Password}}); r.StatusCode == http.StatusSeeOther {
		t.Error("the account is not locked after five wrong current passwords")
	}
}

// TestManagerCannotUseAccountsTheyMake: an account a manager makes holds no
// permission until its holder has chosen their own password, so the
// manager cannot quietly borrow permissions they lack (a secretary's
// unmasked personal data); and a subdistrict cannot staff the district's
// bureau.
func TestManagerCannotUseAccountsTheyMake(t *testing.T) {
	e := apptest.New(t)
	sub := e.Login("subdistrict")
	if r := sub.API("POST", "/api/v1/users", map[string]any{"username": "new-sec", "display_name": "新书记", "role": "community_secretary",
		"region_code": apptest.CommunityA, "password": "Initial-Pass-2026"}); r.StatusCode != 201 {
		t.Fatalf("create: %d %s", r.StatusCode, r.Body)
	}
	c := e.Anon()
	if r := c.Form("/login", url.Values{"username": {"new-sec"}, "password": {"Initial-Pass-2026"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", r.StatusCode)
	}
	for _, path := range []string{"/api/v1/people", "/api/v1/cases", "/api/v1/users"} {
		if r := c.Get(path); r.StatusCode != 403 || !strings.Contains(r.Body, "password") {
			t.Errorf("%s before the holder's own password: %d %s", path, r.StatusCode, r.Body)
		}
	}
	if r := sub.API("POST", "/api/v1/users", map[string]any{"username": "fake-bureau", "display_name": "假城管", "role": "department_staff",
		"region_code": apptest.DistrictA, "department_id": e.Dept.ID, "password": "Initial-Pass-2026"}); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"department_id"`) {
		t.Errorf("a subdistrict staffs the district's bureau: %d %s", r.StatusCode, r.Body)
	}
}

// TestPropertyAccountNamesItsCompany: a property company account names the
// company whose dispatched cases it handles (made by the subdistrict:
// TestPropertyAccountsBySubdistrict).
func TestPropertyAccountNamesItsCompany(t *testing.T) {
	e := apptest.New(t)
	sub := e.Login("subdistrict")
	in := map[string]any{"username": "wy-kefu", "display_name": "物业客服", "role": "property_company", "region_code": apptest.CommunityA, "password": "Initial-Pass-2026"}
	if r := sub.API("POST", "/api/v1/users", in); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"organisation"`) {
		t.Errorf("a property account without its company: %d %s", r.StatusCode, r.Body)
	}
	in["organisation"] = "甲一物业"
	if r := sub.API("POST", "/api/v1/users", in); r.StatusCode != 201 || !strings.Contains(r.Body, `"organisation":"甲一物业"`) {
		t.Errorf("a property account with its company: %d %s", r.StatusCode, r.Body)
	}
}
