package app

import (
	"net/url"
	"strings"
	"testing"
)

// An account's own page says a phone was never given, rather than
// showing nothing after 手机号, and asks for the new password as such.
func TestMePagePhoneAndNewPassword(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary")
	for _, x := range []struct{ lang, phone, password string }{
		{"zh-CN", `手机号: <span id="phone"><span class="muted" id="phone-none">未填写</span></span>`, `<label>新密码<input name="password"`},
		{"en", `Mobile: <span id="phone"><span class="muted" id="phone-none">Not given</span></span>`, `<label>New password<input name="password"`},
	} {
		if x.lang == "en" {
			c.form("/lang", url.Values{"lang": {"en"}, "next": {"/me"}})
		}
		r := c.get("/me")
		if r.StatusCode != 200 {
			t.Fatalf("/me (%s): %d", x.lang, r.StatusCode)
		}
		for _, want := range []string{x.phone, x.password} {
			if !strings.Contains(r.body, want) {
				t.Errorf("/me (%s) lacks %s", x.lang, want)
			}
		}
	}
}
