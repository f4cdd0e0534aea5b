package pdf

import (
	"bytes"
	"strings"
	"testing"

	"grassroots/internal/platform/pdf/pdftest"
)

// shownText is the text a PDF's pages show, its lines run together.
func shownText(t *testing.T, b []byte) string {
	t.Helper()
	lines, err := pdftest.Lines(b)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "")
}

// TestChineseText: a document with Chinese text shows that text in the
// embedded font's subset, small enough to mail.
func TestChineseText(t *testing.T) {
	var m Maker
	d, err := m.New("居住证明", 14)
	if err != nil {
		t.Fatal(err)
	}
	const text = "兹证明张三在本社区居住。验证码 ABCD-2345"
	Paragraph(d, 0, 8, text, "L")
	d.SetCompression(false)
	b, err := Bytes(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte("/FontFile2")) {
		t.Fatalf("not a PDF with an embedded TrueType font (%d bytes)", len(b))
	}
	if got := shownText(t, b); got != text {
		t.Errorf("the page shows %q, want %q", got, text)
	}
	// Only the glyphs used are embedded, not the 4.6 MB font.
	if len(b) > 200_000 {
		t.Errorf("the document is %d bytes: the font was not subset", len(b))
	}
}

// TestLines: text wrapped to a width keeps every character, each line
// fits, and no line begins with a closing mark or ends with an opening
// one. fpdf's MultiCell drops the character at each break of Chinese text.
func TestLines(t *testing.T) {
	var m Maker
	d, err := m.New("证明", 14)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, text string
		width      float64
		want       []string // the lines, when they are known exactly
	}{
		{name: "Chinese", width: 60, text: "兹证明张三丰自2020年起在本社区甲一小区3栋201室居住至今，本人在本社区实际居住，情况属实（经入户核实）。特此证明。"},
		{name: "Mixed", width: 45, text: "可在 https://grassroots.example.gov.cn/verify 输入验证码 ABCD-EFGH-JKMN 核验本证明的真伪。"},
		{name: "LongWord", width: 20, text: "ABCDEFGHJKMNPQRSTUVWXYZ23456789ABCDEFGHJKMNPQRSTUVWXYZ"},
		{name: "Short", width: 170, text: "特此证明。", want: []string{"特此证明。"}},
		{name: "Empty", width: 170, text: "", want: []string{""}},
		{name: "Newline", width: 170, text: "验证码：ABCD\n可在此核验", want: []string{"验证码：ABCD", "可在此核验"}},
		{name: "KeepsCodeWhole", width: 40, text: "验证码为 ABCD-EFGH-JKMN", want: []string{"验证码为 ", "ABCD-EFGH-JKMN"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lines := Lines(d, tt.text, tt.width)
			if tt.want != nil && strings.Join(lines, "|") != strings.Join(tt.want, "|") {
				t.Errorf("lines %q, want %q", lines, tt.want)
			}
			if got, want := strings.Join(lines, ""), strings.ReplaceAll(tt.text, "\n", ""); got != want {
				t.Errorf("the lines joined are %q, want %q", got, want)
			}
			for i, l := range lines {
				if w := d.GetStringWidth(strings.TrimRight(l, " ")); w > tt.width {
					t.Errorf("line %d %q is %.1f wide, more than %.1f", i, l, w, tt.width)
				}
				if r := []rune(l); i > 0 && len(r) > 0 && strings.ContainsRune(noStart, r[0]) {
					t.Errorf("line %d %q begins with a closing mark", i, l)
				}
				if r := []rune(l); i < len(lines)-1 && len(r) > 0 && strings.ContainsRune(noEnd, r[len(r)-1]) {
					t.Errorf("line %d %q ends with an opening mark", i, l)
				}
			}
			if tt.want == nil && len(lines) < 2 {
				t.Errorf("%q was not wrapped at %.0f mm: %q", tt.text, tt.width, lines)
			}
		})
	}
}

// TestParagraph: a paragraph wrapped over several lines shows every
// character of its text.
func TestParagraph(t *testing.T) {
	var m Maker
	d, err := m.New("证明", 14)
	if err != nil {
		t.Fatal(err)
	}
	const text = "兹证明张三丰自2020年起在本社区甲一小区3栋201室居住至今，本人在本社区实际居住，情况属实，特此证明，用于办理居住证及子女入学等相关事宜。"
	Paragraph(d, 80, 9, text, "L")
	if x, _ := d.GetXY(); x != 20 {
		t.Errorf("the position after the paragraph is %.1f from the left, want the margin (20)", x)
	}
	b, err := Bytes(d) // compressed, as served
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pdftest.Lines(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lines, ""); got != text {
		t.Errorf("the page shows %q, want %q", got, text)
	}
	if len(lines) < 3 {
		t.Errorf("%d lines, want the text wrapped: %q", len(lines), lines)
	}
}
