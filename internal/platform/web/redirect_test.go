package web

import "testing"

func TestLocalPath(t *testing.T) {
	for _, p := range []string{"/", "/cases/12", "/cases?view=mine&page=2", "/regions/360102#top", "/search?q=%E5%BC%A0"} {
		if got := LocalPath(p, "/fallback"); got != p {
			t.Errorf("LocalPath(%q) = %q, want it kept", p, got)
		}
	}
	for _, p := range []string{
		"", "cases", "http://evil.example/", "https://evil.example", "//evil.example", "///evil.example",
		"/\\evil.example", "/\\/evil.example", "\\\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example",
		"/ /evil.example" + "\x00", "/%2f/evil.example", "/%2F%2Fevil.example", "/%5cevil.example", "javascript:alert(1)",
		"/\x7f/evil.example", " /cases", "\t//evil.example", "/cases\\..\\..\\evil",
	} {
		if got := LocalPath(p, "/fallback"); got != "/fallback" {
			t.Errorf("LocalPath(%q) = %q, want the fallback", p, got)
		}
	}
}
