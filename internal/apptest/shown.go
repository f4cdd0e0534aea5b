package apptest

import (
	"testing"

	"grassroots/internal/platform/pagetext"
)

// VisibleText is what a person reads on a page (pagetext.VisibleText).
func VisibleText(body string) string { return pagetext.VisibleText(body) }

// NoCodes fails the test when what a person reads of body shows a run of
// nine or more digits (pagetext.NoCodes).
func NoCodes(t testing.TB, what, body string) {
	t.Helper()
	pagetext.NoCodes(t, what, body)
}
