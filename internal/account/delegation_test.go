package account_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/account"
	"grassroots/internal/apptest"
)

// tokenCount is how many tokens account name holds, revoked ones
// included.
func tokenCount(t *testing.T, e *apptest.Env, name string) int {
	t.Helper()
	var n int
	if err := e.App.DB.QueryRowContext(e.System(), `SELECT COUNT(*) FROM account_tokens WHERE user_id = ?`, e.UserID(name)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTokensForOthersOnlyForIntegrations: a manager makes tokens for the
// integration accounts they manage, never for a person's account (which
// would let them act as that person); the holder makes their own.
func TestTokensForOthersOnlyForIntegrations(t *testing.T) {
	e := apptest.New(t)
	sec := e.Login("secretary")
	resident := e.UserID("resident")
	r := sec.API("POST", "/api/v1/tokens", map[string]any{"name": "sync", "user_id": resident})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"user_id"`) || strings.Contains(r.Body, "grt_") {
		t.Errorf("a secretary mints a resident's token: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.Form("/tokens", url.Values{"name": {"sync"}, "user_id": {itoa(resident)}}); r.StatusCode != http.StatusUnprocessableEntity || strings.Contains(r.Body, "grt_") {
		t.Errorf("the page mints a resident's token: %d", r.StatusCode)
	}
	// Nor for staff below them.
	if r := sec.API("POST", "/api/v1/tokens", map[string]any{"name": "sync", "user_id": e.UserID("grid")}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a secretary mints a grid worker's token: %d %s", r.StatusCode, r.Body)
	}
	city := e.Login("city")
	if r := city.API("POST", "/api/v1/tokens", map[string]any{"name": "sync", "user_id": e.UserID("worker")}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("the city mints a worker's token: %d %s", r.StatusCode, r.Body)
	}
	if n := tokenCount(t, e, "resident") + tokenCount(t, e, "grid") + tokenCount(t, e, "worker"); n != 0 {
		t.Errorf("refused requests left %d tokens", n)
	}
	// An integration account's tokens are made by who manages it.
	r = city.API("POST", "/api/v1/tokens", account.TokenInput{Name: "second", UserID: e.UserID("hotline")})
	var nt account.NewToken
	r.JSON(t, &nt)
	if r.StatusCode != http.StatusCreated || nt.UserID != e.UserID("hotline") {
		t.Fatalf("the city makes the hotline's token: %d %s", r.StatusCode, r.Body)
	}
	if r := e.WithToken(nt.Secret).Get("/api/v1/me"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `"hotline"`) {
		t.Errorf("the integration's new token: %d %s", r.StatusCode, r.Body)
	}
	// A person makes their own.
	if r := e.Login("worker").API("POST", "/api/v1/tokens", map[string]any{"name": "phone"}); r.StatusCode != http.StatusCreated {
		t.Errorf("a worker's own token: %d %s", r.StatusCode, r.Body)
	}
}

// TestPropertyAccountsBySubdistrict: only subdistrict staff and above
// create a property company's account or make an account one; a
// community's staff can neither, nor take over an existing one.
func TestPropertyAccountsBySubdistrict(t *testing.T) {
	e := apptest.New(t)
	sec := e.Login("secretary")
	in := map[string]any{"username": "wy-fake", "display_name": "物业客服", "role": "property_company", "region_code": apptest.CommunityA,
		"organisation": "任意物业", "password": "Initial-Pass-2026"}
	if r := sec.API("POST", "/api/v1/users", in); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"role"`) {
		t.Errorf("a secretary creates a property account: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.Form("/users", url.Values{"username": {"wy-fake"}, "display_name": {"物业客服"}, "role": {"property_company"},
		"region_code": {apptest.CommunityA}, "organisation": {"任意物业"}, "password": {"Initial-Pass-2026"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "物业服务企业账号只能由街道及以上工作人员创建或管理") {
		t.Errorf("a secretary creates a property account on the page: %d", r.StatusCode)
	}
	if _, err := e.App.Accounts.UserByName(e.System(), "wy-fake"); err == nil {
		t.Error("the refused account exists")
	}
	if body := sec.Get("/users/new").Body; strings.Contains(body, `value="property_company"`) {
		t.Error("the secretary's account form offers the property company role")
	}
	// Nor turn an account into one.
	resident := e.UserID("resident")
	var u account.User
	sec.Get("/api/v1/users/"+itoa(resident)).JSON(t, &u)
	if r := sec.API("PATCH", "/api/v1/users/"+itoa(resident), map[string]any{"version": u.Version, "role": "property_company", "organisation": "任意物业"}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `"field":"role"`) {
		t.Errorf("a secretary makes a resident a property account: %d %s", r.StatusCode, r.Body)
	}
	if got, _ := e.App.Accounts.UserByName(e.System(), "resident"); got.Role != "resident" || got.Organisation != "" {
		t.Errorf("the refused change left %s %q", got.Role, got.Organisation)
	}
	// Nor take over the company's account.
	prop := e.UserID("property")
	sec.Get("/api/v1/users/"+itoa(prop)).JSON(t, &u)
	if r := sec.API("PATCH", "/api/v1/users/"+itoa(prop), map[string]any{"version": u.Version, "organisation": "任意物业"}); r.StatusCode != http.StatusForbidden {
		t.Errorf("a secretary renames the property account's company: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.API("PUT", "/api/v1/users/"+itoa(prop)+"/password", map[string]any{"password": "Taken-Over-2026"}); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
		t.Errorf("a secretary resets the property account's password: %d %s", r.StatusCode, r.Body)
	}
	e.Login("property") // the password is unchanged

	// The subdistrict does both.
	sub := e.Login("subdistrict")
	if body := sub.Get("/users/new").Body; !strings.Contains(body, `value="property_company"`) {
		t.Error("the subdistrict's account form does not offer the property company role")
	}
	in["username"] = "wy-kefu"
	if r := sub.API("POST", "/api/v1/users", in); r.StatusCode != http.StatusCreated || !strings.Contains(r.Body, `"organisation":"任意物业"`) {
		t.Errorf("the subdistrict creates a property account: %d %s", r.StatusCode, r.Body)
	}
	sub.Get("/api/v1/users/"+itoa(resident)).JSON(t, &u)
	if r := sub.API("PATCH", "/api/v1/users/"+itoa(resident), map[string]any{"version": u.Version, "role": "property_company", "organisation": "乙方物业"}); r.StatusCode != http.StatusOK {
		t.Errorf("the subdistrict makes an account a property account: %d %s", r.StatusCode, r.Body)
	}
}
