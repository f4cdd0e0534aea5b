package text

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/internal/platform/errs"
)

func TestLine(t *testing.T) {
	for _, tt := range []struct {
		name, in, want, rule string
	}{
		{"OK", "  张三  ", "张三", ""},
		{"NFC", "Jose\u0301", "José", ""},
		{"ZeroWidthRemoved", "张\u200b三\u200d\ufeff\u2060", "张三", ""},
		{"InvisibleRemoved", "张\u00ad三\u3164\u180e\U000E0041\ufe0f\u034f", "张三", ""},
		{"ErrNUL", "张\x00三", "张三", RuleControlChar},
		{"ErrEscape", "张\x1b[31m三", "张[31m三", RuleControlChar},
		{"ErrC1", "张\u0085三", "张三", RuleControlChar},
		{"ErrNewline", "张三\n李四", "张三李四", RuleSingleLine},
		{"ErrCR", "张三\r", "张三", RuleSingleLine},
		{"ErrTab", "张\t三", "张三", RuleSingleLine},
		{"ErrLineSeparator", "张\u2028三", "张三", RuleSingleLine},
		{"ErrRLO", "abc\u202egpj.exe", "abcgpj.exe", RuleBidiControl},
		{"ErrIsolate", "\u2066张三\u2069", "张三", RuleBidiControl},
		{"ErrMark", "张\u200f三", "张三", RuleBidiControl},
		{"ErrArabicMark", "张\u061c三", "张三", RuleBidiControl},
		{"ErrUTF8", "张\xff三", "张三", RuleUTF8},
		{"Markup", "<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, rule := Line(tt.in)
			if got != tt.want || rule != tt.rule {
				t.Errorf("Line(%q) = %q, %q; want %q, %q", tt.in, got, rule, tt.want, tt.rule)
			}
		})
	}
}

func TestBlock(t *testing.T) {
	for _, tt := range []struct {
		name, in, want, rule string
	}{
		{"OK", "路灯坏了。\n\t请尽快修理。", "路灯坏了。\n\t请尽快修理。", ""},
		{"CRLF", "一\r\n二\r三\u2029四", "一\n二\n三\n四", ""},
		{"EmojiJoinerKept", "👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧", ""},
		{"ZeroWidthRemoved", "路\u200b灯", "路灯", ""},
		{"ErrNUL", "路灯\x00坏了", "路灯坏了", RuleControlChar},
		{"ErrBell", "路灯\a坏了", "路灯坏了", RuleControlChar},
		{"ErrRLO", "请拨\u202e0008 0013 831", "请拨0008 0013 831", RuleBidiControl},
		{"ErrUTF8", "\xc0路灯", "路灯", RuleUTF8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, rule := Block(tt.in)
			if got != tt.want || rule != tt.rule {
				t.Errorf("Block(%q) = %q, %q; want %q, %q", tt.in, got, rule, tt.want, tt.rule)
			}
		})
	}
}

func TestField(t *testing.T) {
	var fe errs.Fields
	name := LineField(&fe, "name", " 张\x00三 ")
	note := BlockField(&fe, "note", "好\n的")
	if name != "张三" || note != "好\n的" {
		t.Errorf("cleaned %q, %q", name, note)
	}
	want := errs.Fields{{Field: "name", Rule: RuleControlChar}}
	if d := cmp.Diff(want, fe); d != "" {
		t.Errorf("field errors (-want +got):\n%s", d)
	}
}
