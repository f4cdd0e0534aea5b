package tabular

import (
	"encoding/csv"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Spreadsheet programs (Excel, WPS, LibreOffice) read a cell that starts
// with =, +, -, @, a tab or a line break as a formula, so a name such as
// =HYPERLINK("http://x","y") in an export would run when the file is
// opened (OWASP "CSV Injection"). Every cell this package writes, to CSV
// or to Excel, goes through EscapeCell, which puts a single quote in
// front of such a cell; the spreadsheet then shows it as text. Read takes
// that quote off again, so our exports import back unchanged.

// EscapeCell returns s as a spreadsheet shows it literally: with a single
// quote in front when it would start a formula. It also escapes the
// full-width forms of the trigger characters (＝＋－＠), which East Asian
// spreadsheet programs read as formula signs too, triggers behind leading
// spaces, and a cell that already starts with a quote followed by a
// trigger (so that UnescapeCell gives it back). A negative number such as
// -12.5 is left alone: it is a number, not a formula.
func EscapeCell(s string) string {
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

// UnescapeCell undoes EscapeCell: UnescapeCell(EscapeCell(s)) == s for
// every s, and a cell EscapeCell leaves alone passes unchanged.
func UnescapeCell(s string) string {
	if strings.HasPrefix(s, "'") && formulaLike(s[1:]) {
		return s[1:]
	}
	return s
}

var negativeNumber = regexp.MustCompile(`^-[0-9]+(\.[0-9]+)?$`)

// formulaLike reports whether a spreadsheet could take s for a formula.
func formulaLike(s string) bool {
	t := strings.TrimLeft(s, " \u3000")
	r, n := utf8.DecodeRuneInString(t)
	switch r {
	case '=', '+', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠':
		return true
	case '-':
		return !negativeNumber.MatchString(t)
	case '\'':
		return formulaLike(t[n:])
	}
	return false
}

// CSVWriter writes CSV rows for spreadsheets: a byte-order mark first (so
// that Excel reads the UTF-8 Chinese text) and every cell escaped with
// EscapeCell. Every CSV export writes through it.
type CSVWriter struct {
	w   *csv.Writer
	err error
}

// NewCSVWriter writes the byte-order mark to w and returns the writer.
func NewCSVWriter(w io.Writer) *CSVWriter {
	_, err := io.WriteString(w, "\ufeff")
	return &CSVWriter{w: csv.NewWriter(w), err: err}
}

// Write writes one row.
func (c *CSVWriter) Write(row []string) error {
	if c.err != nil {
		return c.err
	}
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = EscapeCell(v)
	}
	c.err = c.w.Write(out)
	return c.err
}

// Flush writes what is buffered and returns the first error of any write.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	if c.err != nil {
		return c.err
	}
	return c.w.Error()
}
