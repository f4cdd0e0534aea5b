package i18n

import (
	"testing"
	"testing/fstest"
)

func TestCatalog(t *testing.T) {
	ok := fstest.MapFS{"zh-CN.json": {Data: []byte(`{"a":"甲%s","b":"乙"}`)}, "en.json": {Data: []byte(`{"a":"A%s","b":"B"}`)}}
	c, err := New(ok)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T(ZH, "a", "1"); got != "甲1" {
		t.Errorf("T = %q", got)
	}
	if got := c.T(EN, "b", "extra"); got != "B" {
		t.Errorf("an argument for a text without a verb: %q", got)
	}
	if got := c.T("fr", "b"); got != "乙" {
		t.Errorf("unknown language must fall back to Chinese: %q", got)
	}
	if c.T(ZH, "nope") != "nope" || len(c.Missing()) != 1 {
		t.Errorf("missing keys are returned and remembered: %v", c.Missing())
	}
	half := fstest.MapFS{"zh-CN.json": {Data: []byte(`{"a":"甲"}`)}, "en.json": {Data: []byte(`{}`)}}
	if _, err := New(half); err == nil {
		t.Error("a key without English was accepted")
	}
	if _, err := New(ok, ok); err == nil {
		t.Error("a key defined twice was accepted")
	}
}

func TestMatch(t *testing.T) {
	for in, want := range map[string]string{"": ZH, "en": EN, "en-US,en;q=0.9": EN, "zh-TW": ZH, "fr,en;q=0.5": EN, "de": ZH} {
		if got := Match(in); got != want {
			t.Errorf("Match(%q) = %s, want %s", in, got, want)
		}
	}
}
