package pdf

import (
	"strings"
	"unicode"

	"github.com/go-pdf/fpdf"
)

// Paragraph writes s from the current position in cells of width w (0:
// to the right margin) and line height h, aligned "L", "C" or "R", and
// leaves the position at the left margin below it. It replaces fpdf's
// MultiCell, which treats each Han character as a breakable space and so
// drops the character at every line break of Chinese text ("兹证明张三丰
// 自2020年起" prints "兹证明张三丰 / 2020年起").
func Paragraph(d *fpdf.Fpdf, w, h float64, s, align string) {
	if w == 0 {
		pw, _ := d.GetPageSize()
		_, _, right, _ := d.GetMargins()
		w = pw - right - d.GetX()
	}
	for _, line := range Lines(d, s, w-2*d.GetCellMargin()) {
		d.CellFormat(w, h, strings.TrimRight(line, " "), "", 2, align, false, 0, "")
	}
	left, _, _, _ := d.GetMargins()
	d.SetX(left)
}

// Lines breaks s into lines no wider than w in d's current font and size.
// Every character is kept: the lines of a text without "\n" joined make
// the text again. A line breaks at "\n", after a space, or beside a
// Chinese character or punctuation mark, but never before a closing mark
// (，。）” …) nor after an opening one (（“ …); a word or number wider than
// the line is cut where it overflows. Spaces at a break end the line, where
// they take no width.
func Lines(d *fpdf.Fpdf, s string, w float64) []string {
	var lines []string
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		lines = append(lines, wrap(d, []rune(para), w)...)
	}
	return lines
}

// wrap breaks a paragraph greedily: each line takes as much as fits and
// ends at the last place it may.
func wrap(d *fpdf.Fpdf, r []rune, w float64) []string {
	var lines []string
	fits := func(j, k int) bool { return d.GetStringWidth(strings.TrimRight(string(r[j:k]), " ")) <= w }
	start, brk := 0, -1 // the line's first rune; the last place it may end
	for i := range r {
		if i > start && mayBreak(r[i-1], r[i]) {
			brk = i
		}
		for i > start && !fits(start, i+1) {
			end := i
			if brk > start {
				end = brk
			}
			lines = append(lines, string(r[start:end]))
			start, brk = end, -1
		}
	}
	return append(lines, string(r[start:]))
}

// mayBreak reports whether a line may end between a and b.
func mayBreak(a, b rune) bool {
	switch {
	case b == ' ':
		return false
	case a == ' ':
		return true
	case strings.ContainsRune(noStart, b), strings.ContainsRune(noEnd, a):
		return false
	}
	return wide(a) || wide(b)
}

// noStart are the marks a line may not begin with, noEnd those it may not
// end with (the common rules of Chinese typesetting, 避头尾).
const (
	noStart = "，。、；：？！）］｝〕〉》」』】〗〙〛”’…—·・％‰,.;:?!)]}%"
	noEnd   = "（［｛〔〈《「『【〖〘〚“‘([{"
)

// wide reports whether r is a character of Chinese (or Japanese or Korean)
// text, between any two of which a line may break.
func wide(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef || strings.ContainsRune("“”‘’…—·", r)
}
