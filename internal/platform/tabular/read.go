package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"grassroots/internal/platform/errs"
)

// Files arrive as the programs that made them write them. Chinese Excel
// and WPS save "CSV" in GBK (GB18030 is its superset), "Unicode text" in
// UTF-16LE with tabs between the cells, and "CSV UTF-8" with a byte-order
// mark; exports of other systems are often plain UTF-8. Read finds out
// which (or takes the importer's word for it), and which of comma, tab
// and semicolon parts the cells. Exports also put a title or a row of
// merged group headings above the real header, and their data on some
// sheet other than the first: ReadTable finds the header row and the
// sheet that holds it.

// Encodings of a CSV upload, as the importer may choose them. Auto
// (empty) detects: a byte-order mark, else valid UTF-8, else UTF-16 by
// its zero bytes, else GB18030.
const (
	EncodingAuto    = ""
	EncodingUTF8    = "utf-8"
	EncodingGBK     = "gbk" // read as GB18030, which contains it
	EncodingGB18030 = "gb18030"
	EncodingUTF16LE = "utf-16le"
	EncodingUTF16BE = "utf-16be"
)

// Encodings lists the choices pages and the API offer.
var Encodings = []string{EncodingUTF8, EncodingGBK, EncodingGB18030, EncodingUTF16LE, EncodingUTF16BE}

// ParseEncoding reads an encoding choice as people write it (UTF8,
// GB2312, cp936, Unicode, UTF-16…); empty and "auto" detect.
func ParseEncoding(s string) (string, bool) {
	switch strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(s))) {
	case "", "auto":
		return EncodingAuto, true
	case "utf8", "utf8bom":
		return EncodingUTF8, true
	case "gbk", "gb2312", "cp936", "936", "ansi":
		return EncodingGBK, true
	case "gb18030":
		return EncodingGB18030, true
	case "utf16", "utf16le", "unicode", "ucs2":
		return EncodingUTF16LE, true
	case "utf16be":
		return EncodingUTF16BE, true
	}
	return "", false
}

// Decode returns the text of a CSV file in enc (EncodingAuto: detected)
// and the encoding it was read in. Bytes that are not text in that
// encoding are an error naming the row (line) where they are.
func Decode(data []byte, enc string) (string, string, error) {
	if enc == EncodingAuto {
		enc = detect(data)
	}
	var text string
	switch enc {
	case EncodingUTF8:
		data = bytes.TrimPrefix(data, []byte("\ufeff"))
		if !utf8.Valid(data) {
			return "", enc, badBytes(string(bytes.ToValidUTF8(data, []byte("\ufffd"))), enc)
		}
		return string(data), enc, nil
	case EncodingGBK, EncodingGB18030:
		text = decodeWith(simplifiedchinese.GB18030, data)
	case EncodingUTF16LE:
		text = decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), data)
	case EncodingUTF16BE:
		text = decodeWith(unicode.UTF16(unicode.BigEndian, unicode.UseBOM), data)
	default:
		return "", enc, errs.Field("encoding", "rule.one_of", strings.Join(Encodings, ", "))
	}
	if strings.ContainsRune(text, utf8.RuneError) {
		return "", enc, badBytes(text, enc)
	}
	return strings.TrimPrefix(text, "\ufeff"), enc, nil
}

func decodeWith(e encoding.Encoding, data []byte) string {
	out, _, err := transform.Bytes(e.NewDecoder(), data)
	if err != nil {
		return string(utf8.RuneError)
	}
	return string(out)
}

// badBytes names the line of the first byte that is not text in enc.
func badBytes(text, enc string) error {
	line := strings.Count(text[:strings.IndexRune(text, utf8.RuneError)], "\n") + 1
	rule := "rule.file_encoding"
	if enc == EncodingGB18030 || enc == EncodingGBK {
		rule = "rule.file_encoding_gbk"
	}
	return errs.Field("encoding", rule, strconv.Itoa(line))
}

// detect tells the encoding of data by its byte-order mark, by being
// valid UTF-8, by the zero bytes UTF-16 puts beside ASCII, or else takes
// it for GB18030 (GBK), what Chinese Excel saves as "CSV".
func detect(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return EncodingUTF8
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return EncodingUTF16LE
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return EncodingUTF16BE
	}
	sample := data[:min(len(data), 4096)]
	var even, odd int
	for i, b := range sample {
		if b == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	switch {
	case len(sample) >= 4 && odd > len(sample)/8 && odd > 2*even:
		return EncodingUTF16LE
	case len(sample) >= 4 && even > len(sample)/8 && even > 2*odd:
		return EncodingUTF16BE
	case utf8.Valid(data):
		return EncodingUTF8
	}
	return EncodingGB18030
}

// delimiter tells what parts the cells of a CSV text: a tab (Excel's
// "Unicode text"), a semicolon (Excel where the comma is the decimal
// sign) or a comma, by which of them the first lines hold most of.
func delimiter(text string) rune {
	head := text
	for i, n := 0, 0; i < len(text); i++ {
		if text[i] == '\n' {
			if n++; n == 20 {
				head = text[:i]
				break
			}
		}
	}
	tabs, commas, semis := strings.Count(head, "\t"), strings.Count(head, ","), strings.Count(head, ";")
	switch {
	case tabs > 0 && tabs >= commas && tabs >= semis:
		return '\t'
	case semis > commas:
		return ';'
	}
	return ','
}

// ReadOptions say how to read an upload.
type ReadOptions struct {
	// Encoding of a CSV file (EncodingAuto: detected).
	Encoding string
	// Header, when set, tells the header row: for a row (and the row
	// above it, for headings under merged group headings; nil for the
	// first row) how many of its cells are column names the caller
	// knows, and whether the columns it needs are all there. ReadTable
	// looks in the first HeaderScan rows of every sheet, in order, and
	// reads the first sheet that has such a row. Of a header of two rows
	// (merged group headings above, sub-headings below) it takes the
	// lower when that names more columns.
	Header func(group, row []string) (known int, ok bool)
	// Raw reads .xlsx cells as stored (a number as its digits, a date as
	// its serial number), not as the sheet formats them: an order number
	// stays whole, a phone is not shown as 1.38E+10.
	Raw bool
}

// HeaderScan is how many rows at the top of a sheet may hold the header.
const HeaderScan = 20

// Table is an upload read: its header row and the rows below it, each
// with its row number as the spreadsheet program shows it.
type Table struct {
	Sheet    string `json:"sheet,omitempty" doc:"the sheet read (.xlsx)"`
	Encoding string `json:"encoding,omitempty" doc:"the encoding read (CSV)"`
	// HeaderRow is the row number of the header; 0 when Header matched
	// no row (Rows are then every row of the first sheet).
	HeaderRow int        `json:"header_row"`
	Header    []string   `json:"-"`
	Group     []string   `json:"-"` // the row above the header
	Rows      [][]string `json:"-"`
	Lines     []int      `json:"-"` // the row number of each of Rows
}

// Read reads a CSV (any encoding Decode detects, cells parted by comma,
// tab or semicolon) or .xlsx upload (its first sheet) into rows.
func Read(name string, data []byte) ([][]string, error) {
	sheets, _, _, err := readSheets(name, data, ReadOptions{}, true)
	if err != nil {
		return nil, err
	}
	return sheets[0].rows, nil
}

// ReadTable reads a CSV or .xlsx upload and finds its header (see
// ReadOptions.Header): the sheet that holds it, the header row under any
// title rows, and the rows below it. Merged cells of a sheet read as
// their value in every cell they cover.
func ReadTable(name string, data []byte, opt ReadOptions) (Table, error) {
	sheets, enc, _, err := readSheets(name, data, opt, opt.Header == nil)
	if err != nil {
		return Table{}, err
	}
	t := Table{Encoding: enc}
	if opt.Header != nil {
		for _, s := range sheets {
			// match reads row i as a header: as it is, or with the cells
			// of headings merged down from the row above filled in (a
			// CSV saved from such a sheet leaves them empty).
			match := func(i int) ([]string, int, bool) {
				var group []string
				if i > 0 {
					group = s.rows[i-1]
				}
				if n, ok := opt.Header(group, s.rows[i]); ok {
					return s.rows[i], n, true
				}
				if group != nil {
					if n, ok := opt.Header(group, fillFrom(s.rows[i], group)); ok {
						return fillFrom(s.rows[i], group), n, true
					}
				}
				return nil, 0, false
			}
			for i := 0; i < len(s.rows) && i < HeaderScan; i++ {
				row, n, ok := match(i)
				if !ok {
					continue
				}
				for i+1 < len(s.rows) && i+1 < HeaderScan {
					next, m, ok := match(i + 1)
					if !ok || m <= n {
						break
					}
					i, row, n = i+1, next, m
				}
				t.Sheet, t.HeaderRow, t.Header = s.name, i+1, row
				if i > 0 {
					t.Group = s.rows[i-1]
				}
				t.Rows, t.Lines = s.rows[i+1:], numbers(i+2, len(s.rows)-i-1)
				return t, nil
			}
		}
	}
	s := sheets[0]
	t.Sheet, t.Rows, t.Lines = s.name, s.rows, numbers(1, len(s.rows))
	if opt.Header == nil && len(s.rows) > 0 {
		t.HeaderRow, t.Header, t.Rows, t.Lines = 1, s.rows[0], s.rows[1:], numbers(2, len(s.rows)-1)
	}
	return t, nil
}

// fillFrom is row with its empty cells taken from above.
func fillFrom(row, above []string) []string {
	out := make([]string, max(len(row), len(above)))
	copy(out, row)
	for i := range out {
		if strings.TrimSpace(out[i]) == "" && i < len(above) {
			out[i] = above[i]
		}
	}
	return out
}

func numbers(from, n int) []int {
	out := make([]int, max(n, 0))
	for i := range out {
		out[i] = from + i
	}
	return out
}

type sheet struct {
	name string
	rows [][]string
}

// readSheets reads the sheets of an upload (CSV: one); first only reads
// the first sheet.
func readSheets(name string, data []byte, opt ReadOptions, first bool) ([]sheet, string, bool, error) {
	if isXLSX(name, data) {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return nil, "", true, errs.Field("file", "rule.xlsx_unreadable", "")
		}
		defer f.Close()
		names := f.GetSheetList()
		if len(names) == 0 {
			return nil, "", true, errs.Field("file", "rule.xlsx_no_sheet", "")
		}
		var out []sheet
		for _, n := range names {
			var rows [][]string
			if opt.Raw {
				rows, err = f.GetRows(n, excelize.Options{RawCellValue: true})
			} else {
				rows, err = f.GetRows(n)
			}
			if err != nil {
				return nil, "", true, errs.Field("file", "rule.xlsx_sheet_unreadable", n)
			}
			if merged, err := f.GetMergeCells(n); err == nil {
				rows = fillMerged(rows, merged)
			}
			out = append(out, sheet{name: n, rows: unescape(rows)})
			if first {
				break
			}
		}
		return out, "", true, nil
	}
	text, enc, err := Decode(data, opt.Encoding)
	if err != nil {
		return nil, enc, false, err
	}
	rows, err := parseCSV(text, false)
	var pe *csv.ParseError
	if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrBareQuote) {
		// A quote inside an unquoted cell (路灯"坏了"): Excel writes none,
		// people typing a CSV do; read it as a character.
		rows, err = parseCSV(text, true)
	}
	if err != nil {
		line := len(rows) + 1
		if errors.As(err, &pe) {
			line = pe.StartLine
		}
		return nil, enc, false, errs.Field("file", "rule.csv_syntax", strconv.Itoa(line))
	}
	return []sheet{{rows: unescape(rows)}}, enc, false, nil
}

func parseCSV(text string, lazy bool) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = delimiter(text)
	r.FieldsPerRecord = -1
	r.LazyQuotes = lazy
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, rec)
	}
}

// isXLSX tells an Excel workbook by its name or, for an upload without
// one, by the zip signature it starts with.
func isXLSX(name string, data []byte) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".xlsx") || strings.HasSuffix(n, ".xlsm") ||
		(!strings.HasSuffix(n, ".csv") && !strings.HasSuffix(n, ".txt") && bytes.HasPrefix(data, []byte("PK\x03\x04")))
}

// fillMerged writes the value of each merged range into every cell it
// covers: a heading merged over two columns or two rows is then the
// heading of each.
func fillMerged(rows [][]string, merged []excelize.MergeCell) [][]string {
	for _, m := range merged {
		c0, r0, err0 := excelize.CellNameToCoordinates(m.GetStartAxis())
		c1, r1, err1 := excelize.CellNameToCoordinates(m.GetEndAxis())
		if err0 != nil || err1 != nil || r1-r0 > 1000 || c1-c0 > 200 {
			continue
		}
		v := m.GetCellValue()
		for r := r0; r <= r1; r++ {
			for len(rows) < r {
				rows = append(rows, nil)
			}
			for len(rows[r-1]) < c1 {
				rows[r-1] = append(rows[r-1], "")
			}
			for c := c0; c <= c1; c++ {
				rows[r-1][c-1] = v
			}
		}
	}
	return rows
}
