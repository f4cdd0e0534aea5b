// Package text is the one place where text typed by people is cleaned and
// checked before it is stored: names and other one-line fields (Line) and
// multi-line free text such as descriptions and notes (Block). Every
// module passes its name and text fields through it.
//
// The rules:
//
//   - Text must be valid UTF-8 (rule.utf8): a file saved in GBK, say, is
//     refused cell by cell instead of being stored as replacement marks.
//   - It is normalised to NFC, so that the same name typed on two
//     keyboards is stored, compared and searched as the same string.
//   - Invisible characters (zero-width U+200B–U+200D, U+2060–U+2064,
//     U+FEFF; the soft hyphen U+00AD, U+034F, the Hangul fillers U+115F,
//     U+1160, U+3164, U+FFA0, U+180E, the tag characters U+E0000–U+E007F;
//     in one-line fields also the variation selectors) are removed: two
//     names that look the same would otherwise differ. Block keeps U+200C,
//     U+200D and the variation selectors, which make emoji in free text.
//   - Direction controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
//     U+061C) are refused (rule.bidi_control) rather than removed: they
//     reorder what is shown (a name can be made to look like another, a
//     phone number in a description to read backwards), and a clear
//     refusal tells the person what to fix, while silently dropping them
//     could change what the text says.
//   - Control characters (NUL and the rest of C0 and C1, DEL) are
//     refused (rule.control_char). Line refuses line breaks and tabs
//     (U+2028 and U+2029 included) with rule.single_line; Block keeps
//     line feeds and tabs and turns CR LF, a lone CR and U+2028/U+2029
//     into a line feed.
//   - Leading and trailing white space is trimmed.
//
// ID numbers and phone numbers are normalised by package pii (NFKC, so
// that full-width digits are accepted).
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"grassroots/internal/platform/errs"
)

// Rules a text can break; each is a catalogue key.
const (
	RuleUTF8        = "rule.utf8"
	RuleControlChar = "rule.control_char"
	RuleSingleLine  = "rule.single_line"
	RuleBidiControl = "rule.bidi_control"
)

// Line cleans s as a one-line field (a name, a title, an address) and
// returns it with the rule it breaks, or "" when it may be stored.
func Line(s string) (string, string) { return clean(s, false) }

// Block cleans s as multi-line free text (a description, a note) and
// returns it with the rule it breaks, or "" when it may be stored.
func Block(s string) (string, string) { return clean(s, true) }

// LineField is Line for a validator: it records the broken rule on fe
// under field and returns the cleaned text.
func LineField(fe *errs.Fields, field, s string) string {
	out, rule := Line(s)
	if rule != "" {
		fe.Add(field, rule, "")
	}
	return out
}

// BlockField is Block for a validator: it records the broken rule on fe
// under field and returns the cleaned text.
func BlockField(fe *errs.Fields, field, s string) string {
	out, rule := Block(s)
	if rule != "" {
		fe.Add(field, rule, "")
	}
	return out
}

func clean(s string, multiline bool) (string, string) {
	if !utf8.ValidString(s) {
		return strings.TrimSpace(strings.ToValidUTF8(s, "")), RuleUTF8
	}
	rule := ""
	var b strings.Builder
	b.Grow(len(s))
	prevCR := false
	for _, r := range s {
		cr := prevCR
		prevCR = false
		switch {
		case zeroWidth(r) && !(multiline && (r == '\u200c' || r == '\u200d')):
			continue
		case !multiline && variationSelector(r):
			continue
		case bidiControl(r):
			if rule == "" {
				rule = RuleBidiControl
			}
			continue
		case multiline && r == '\n':
			if cr {
				continue // the LF of a CR LF: the CR already made a line feed
			}
			b.WriteByte('\n')
		case multiline && r == '\r':
			b.WriteByte('\n')
			prevCR = true
		case multiline && (r == '\u2028' || r == '\u2029'):
			b.WriteByte('\n')
		case multiline && r == '\t':
			b.WriteByte('\t')
		case r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029':
			if rule == "" {
				rule = RuleSingleLine
			}
			continue
		case unicode.IsControl(r):
			if rule == "" {
				rule = RuleControlChar
			}
			continue
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if !norm.NFC.IsNormalString(out) {
		out = norm.NFC.String(out)
	}
	return strings.TrimSpace(out), rule
}

// zeroWidth reports the invisible characters that are removed: the
// zero-width spaces and joiners, the soft hyphen, the combining grapheme
// joiner, the Hangul fillers, the Mongolian vowel separator, the tag
// characters (U+E0000–U+E007F) and, outside free text, the variation
// selectors (an emoji's U+FE0F is kept in a description).
func zeroWidth(r rune) bool {
	switch {
	case r >= '\u200b' && r <= '\u200d', r >= '\u2060' && r <= '\u2064', r == '\ufeff':
		return true
	case r == '\u00ad', r == '\u034f', r == '\u115f', r == '\u1160', r == '\u3164', r == '\uffa0', r == '\u180e':
		return true
	case r >= 0xe0000 && r <= 0xe007f:
		return true
	}
	return false
}

// variationSelector reports U+FE00–U+FE0F and U+E0100–U+E01EF.
func variationSelector(r rune) bool {
	return r >= '\ufe00' && r <= '\ufe0f' || r >= 0xe0100 && r <= 0xe01ef
}

// bidiControl reports the characters that change the direction of text.
func bidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' || r == '\u200e' || r == '\u200f' || r == '\u061c'
}
