package account

import (
	"testing"

	"grassroots/internal/platform/errs"
)

func TestPasswordRules(t *testing.T) {
	for _, tt := range []struct {
		pw, user, rule string
	}{
		{"Short-1", "wang", "rule.min_length"},
		{"alllowercase1", "wang", "rule.password_classes"},
		{"ALLUPPER-NODIGIT", "wang", "rule.password_classes"},
		{"ALLUPPER-1DIGIT", "wang", ""},
		{"Xx1-zhangsan-pw", "zhangsan", "rule.password_username"},
		{"Correct-Horse-9", "wang", ""},
		{"密码很长很长的中文密码1A", "wang", ""},
	} {
		var fe errs.Fields
		validatePassword(&fe, "password", tt.pw, tt.user)
		got := ""
		if len(fe) > 0 {
			got = fe[0].Rule
		}
		if got != tt.rule {
			t.Errorf("%q: rule %q, want %q", tt.pw, got, tt.rule)
		}
	}
}

func TestHashAndCheck(t *testing.T) {
	h := hashPassword("Correct-Horse-9", DefaultArgon2)
	if !checkPassword(h, "Correct-Horse-9") || checkPassword(h, "Correct-Horse-8") {
		t.Fatal("check")
	}
	if h == hashPassword("Correct-Horse-9", DefaultArgon2) {
		t.Error("salts must differ")
	}
	if checkPassword("$argon2id$garbage", "x") {
		t.Error("a malformed hash matched")
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		hashPassword("Correct-Horse-9", DefaultArgon2)
	}
}
