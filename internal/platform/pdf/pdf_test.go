package pdf

import (
	"bytes"
	"regexp"
	"testing"
	"unicode/utf16"
)

// shownText is the text a PDF's pages show: its (…)Tj strings, which the
// embedded font writes as UTF-16BE, unescaped.
func shownText(b []byte) string {
	var out []rune
	for _, m := range regexp.MustCompile(`(?s)\((.*?[^\\])\)Tj`).FindAllSubmatch(b, -1) {
		s := m[1]
		var raw []byte
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				i++
				switch e := s[i]; e {
				case 'n':
					c = '\n'
				case 'r':
					c = '\r'
				case 't':
					c = '\t'
				case 'b':
					c = '\b'
				case 'f':
					c = '\f'
				default:
					if e >= '0' && e <= '7' {
						v := 0
						for j := 0; j < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7'; j++ {
							v = v*8 + int(s[i]-'0')
							i++
						}
						i--
						c = byte(v)
					} else {
						c = e
					}
				}
			}
			raw = append(raw, c)
		}
		u := make([]uint16, len(raw)/2)
		for i := range u {
			u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
		}
		out = append(out, utf16.Decode(u)...)
	}
	return string(out)
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
	d.MultiCell(0, 8, text, "", "L", false)
	d.SetCompression(false)
	b, err := Bytes(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte("/FontFile2")) {
		t.Fatalf("not a PDF with an embedded TrueType font (%d bytes)", len(b))
	}
	if got := shownText(b); got != text {
		t.Errorf("the page shows %q, want %q", got, text)
	}
	// Only the glyphs used are embedded, not the 4.6 MB font.
	if len(b) > 200_000 {
		t.Errorf("the document is %d bytes: the font was not subset", len(b))
	}
}
