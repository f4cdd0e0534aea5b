// Package pagetext reads a page as a person does, for tests: its visible
// text, and whether it shows a code.
package pagetext

import (
	"regexp"
	"strings"
	"testing"
)

var (
	scriptBlock = regexp.MustCompile(`(?is)<script.*?</script>|<style.*?</style>`)
	folded      = regexp.MustCompile(`(?s)(<details[^>]*>\s*<summary[^>]*>.*?</summary>).*?</details>`)
	inlineTag   = regexp.MustCompile(`</?(a|b|span|code|time)\b[^>]*>`)
	anyTag      = regexp.MustCompile(`(?s)<[^>]*>`)
	codeRun     = regexp.MustCompile(`[0-9]{9,}`)
)

// VisibleText is what a person reads on a page: its text outside tags
// and their attributes, without scripts, styles and what is folded behind
// a <details> summary (the raw records), white space folded to single
// spaces. Inline elements join their text as the browser does.
func VisibleText(body string) string {
	body = scriptBlock.ReplaceAllString(body, " ")
	body = folded.ReplaceAllString(body, "$1")
	body = inlineTag.ReplaceAllString(body, "")
	body = anyTag.ReplaceAllString(body, " ")
	return strings.Join(strings.Fields(body), " ")
}

// NoCodes fails the test when what a person reads of body (a page or a
// fragment, see VisibleText) shows a run of nine or more digits: a
// division code (9 to 12 digits), a department's or any other stored
// number people should never have to read. what names the page.
func NoCodes(t testing.TB, what, body string) {
	t.Helper()
	if m := codeRun.FindString(VisibleText(body)); m != "" {
		t.Errorf("%s shows the code %s", what, m)
	}
}
