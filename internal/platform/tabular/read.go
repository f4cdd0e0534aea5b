package tabular

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"slices"
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

// Limits of one upload. A file is read a row at a time and refused, the
// limit named, as soon as it passes one: a workbook of a few megabytes can
// unpack to gigabytes of XML, and every cell held costs memory beside its
// text. They are well above what people bring: a district's population
// register (200,000 residents of 9 columns), a city's 12345 exports.
const (
	// MaxRows is the most rows a file may have below its header (blank
	// rows not counted).
	MaxRows = 200_000
	// MaxColumns is the most columns a row may use, empty cells at its
	// right end aside.
	MaxColumns = 200
	// MaxCells is the most cells a file may hold: 200,000 rows of 25.
	MaxCells = 5_000_000
	// MaxUnzipped is the most bytes an .xlsx workbook may unpack to.
	MaxUnzipped = 256 << 20
	// MaxMerged is the most merged ranges a sheet may have: one a row
	// of a register whose rows are all merged somewhere.
	MaxMerged = 200_000
)

// recordCells is the most cells a CSV record may have before its empty
// cells at the right are taken off (Excel's last column is XFD, 16,384).
const recordCells = 16_384

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
	// MaxRows is the most rows below the header to read (0 or more than
	// MaxRows: MaxRows); an import done within one request reads at most
	// MaxImportRows.
	MaxRows int
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
// tab or semicolon) or .xlsx upload (its first sheet) into rows, within
// the limits above; it stops when ctx is done.
func Read(ctx context.Context, name string, data []byte) ([][]string, error) {
	return readRows(ctx, name, data, 0)
}

// readRows is Read of at most max rows below the first (0: MaxRows).
func readRows(ctx context.Context, name string, data []byte, max int) ([][]string, error) {
	t, err := ReadTable(ctx, name, data, ReadOptions{MaxRows: max})
	if err != nil || t.HeaderRow == 0 {
		return nil, err
	}
	return append([][]string{t.Header}, t.Rows...), nil
}

// ReadTable reads a CSV or .xlsx upload and finds its header (see
// ReadOptions.Header): the sheet that holds it, the header row under any
// title rows, and the rows below it. Merged cells of a sheet read as
// their value in every cell they cover. Sheets are read a row at a time:
// of each sheet only the first HeaderScan rows until the header is found,
// then the rest of that sheet alone. A file past a limit (MaxRows or
// opt.MaxRows, MaxColumns, MaxCells, MaxUnzipped, MaxMerged) is refused
// naming it; reading stops when ctx is done.
func ReadTable(ctx context.Context, name string, data []byte, opt ReadOptions) (Table, error) {
	rd := &reader{ctx: ctx, max: opt.MaxRows}
	if rd.max <= 0 || rd.max > MaxRows {
		rd.max = MaxRows
	}
	var t Table
	var err error
	if isXLSX(name, data) {
		t, err = rd.workbook(data, opt)
	} else {
		t, err = rd.csv(data, opt)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Table{}, errTimeout(0)
	}
	if err != nil {
		return Table{}, err
	}
	return t, nil
}

// reader reads the rows of one upload within the limits.
type reader struct {
	ctx   context.Context
	max   int // rows below the header
	cells int // cells held of the sheet being read
	n     int // rows read, for checking ctx now and then
}

// add counts n more cells held.
func (rd *reader) add(n int) error {
	if rd.cells += n; rd.cells > MaxCells {
		return errs.Field("file", "rule.too_many_cells", strconv.Itoa(MaxCells))
	}
	return nil
}

// sheetRows are the rows of one sheet (or CSV file) read so far.
type sheetRows struct {
	rd   *reader
	next func() ([]string, error) // the next row; io.EOF after the last
	rows [][]string
	// blank counts rows without cells since the last row kept: kept
	// only when a row with cells follows, so that a sheet's empty rows
	// at its end are no rows.
	blank  int
	eof    bool
	header int // the index of the header row: rows below it count
	data   int // rows below the header that are not blank
}

func (rd *reader) sheet(next func() ([]string, error)) *sheetRows {
	rd.cells = 0
	return &sheetRows{rd: rd, next: next, header: math.MaxInt}
}

// readTo reads rows until there are n (n < 0: until the last).
func (s *sheetRows) readTo(n int) error {
	for !s.eof && (n < 0 || len(s.rows) < n) {
		if s.rd.n++; s.rd.n%256 == 0 {
			if err := s.rd.ctx.Err(); err != nil {
				return err
			}
		}
		row, err := s.next()
		if errors.Is(err, io.EOF) {
			s.eof = true
			break
		}
		if err != nil {
			return err
		}
		if len(row) == 0 {
			s.blank++
			continue
		}
		if len(row) > MaxColumns {
			for len(row) > 0 && strings.TrimSpace(row[len(row)-1]) == "" {
				row = row[:len(row)-1]
			}
			if len(row) > MaxColumns {
				return errs.Field("file", "rule.too_many_columns", strconv.Itoa(MaxColumns))
			}
			row = slices.Clone(row) // not holding the cells taken off
		}
		if err := s.rd.add(len(row) + s.blank); err != nil {
			return err
		}
		for ; s.blank > 0; s.blank-- {
			s.rows = append(s.rows, nil)
		}
		for j, v := range row {
			row[j] = UnescapeCell(v)
		}
		s.rows = append(s.rows, row)
		if len(s.rows)-1 > s.header && !blank(row) {
			if s.data++; s.data > s.rd.max {
				return errs.Field("file", "rule.too_many_rows", strconv.Itoa(s.rd.max))
			}
		}
	}
	return nil
}

// setHeader makes row i the header (-1: none) and counts the rows read
// below it.
func (s *sheetRows) setHeader(i int) error {
	s.header, s.data = i, 0
	for _, row := range s.rows[i+1:] {
		if !blank(row) {
			s.data++
		}
	}
	if s.data > s.rd.max {
		return errs.Field("file", "rule.too_many_rows", strconv.Itoa(s.rd.max))
	}
	return nil
}

func blank(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// find reads the sheet if its first HeaderScan rows hold the header (any
// first row when opt.Header is nil), filling its merged cells ms; ok is
// false, and the rest of the sheet unread, if they do not.
func (s *sheetRows) find(opt ReadOptions, ms []merged) (t Table, ok bool, err error) {
	if err := s.readTo(HeaderScan); err != nil {
		return t, false, err
	}
	if err := s.fill(ms); err != nil {
		return t, false, err
	}
	i, header := 0, []string(nil)
	switch {
	case opt.Header == nil && len(s.rows) == 0:
		// An empty file: no header, no rows.
		return t, true, nil
	case opt.Header == nil:
		header = s.rows[0]
	default:
		if i, header, ok = findHeader(s.rows, opt.Header); !ok {
			return t, false, nil
		}
	}
	if err := s.setHeader(i); err != nil {
		return t, false, err
	}
	if err := s.all(ms); err != nil {
		return t, false, err
	}
	t.HeaderRow, t.Header = i+1, header
	if i > 0 && opt.Header != nil {
		t.Group = s.rows[i-1]
	}
	t.Rows, t.Lines = s.rows[i+1:], numbers(i+2, len(s.rows)-i-1)
	return t, true, nil
}

// all reads the rest of the sheet and fills its merged cells.
func (s *sheetRows) all(ms []merged) error {
	if err := s.readTo(-1); err != nil {
		return err
	}
	return s.fill(ms)
}

// everything is the sheet as rows without a header (none was found).
func (s *sheetRows) everything(ms []merged) (Table, error) {
	if err := s.setHeader(-1); err != nil {
		return Table{}, err
	}
	if err := s.all(ms); err != nil {
		return Table{}, err
	}
	return Table{Rows: s.rows, Lines: numbers(1, len(s.rows))}, nil
}

// findHeader is the header row among the first HeaderScan rows: read as
// it is, or with the cells of headings merged down from the row above
// filled in (a CSV saved from such a sheet leaves them empty).
func findHeader(rows [][]string, header func(group, row []string) (int, bool)) (int, []string, bool) {
	match := func(i int) ([]string, int, bool) {
		var group []string
		if i > 0 {
			group = rows[i-1]
		}
		if n, ok := header(group, rows[i]); ok {
			return rows[i], n, true
		}
		if group != nil {
			if n, ok := header(group, fillFrom(rows[i], group)); ok {
				return fillFrom(rows[i], group), n, true
			}
		}
		return nil, 0, false
	}
	for i := 0; i < len(rows) && i < HeaderScan; i++ {
		row, n, ok := match(i)
		if !ok {
			continue
		}
		for i+1 < len(rows) && i+1 < HeaderScan {
			next, m, ok := match(i + 1)
			if !ok || m <= n {
				break
			}
			i, row, n = i+1, next, m
		}
		return i, row, true
	}
	return -1, nil, false
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

// workbook reads the sheet of an .xlsx upload that holds the header (the
// first when opt.Header is nil or no sheet does).
func (rd *reader) workbook(data []byte, opt ReadOptions) (Table, error) {
	wb, err := openWorkbook(data)
	if err != nil {
		return Table{}, err
	}
	defer wb.Close()
	names := wb.f.GetSheetList()
	if len(names) == 0 {
		return Table{}, errs.Field("file", "rule.xlsx_no_sheet", "")
	}
	for _, n := range names {
		t, ok, err := rd.fromSheet(wb, n, func(s *sheetRows, ms []merged) (Table, bool, error) { return s.find(opt, ms) }, opt.Raw)
		if err != nil || ok {
			return t, err
		}
	}
	t, _, err := rd.fromSheet(wb, names[0], func(s *sheetRows, ms []merged) (Table, bool, error) {
		t, err := s.everything(ms)
		return t, true, err
	}, opt.Raw)
	return t, err
}

// fromSheet reads sheet name of wb a row at a time with read.
func (rd *reader) fromSheet(wb *workbook, name string, read func(*sheetRows, []merged) (Table, bool, error), raw bool) (Table, bool, error) {
	ms, err := mergesOf(rd.ctx, wb.parts[name])
	if err != nil {
		return Table{}, false, err
	}
	it, err := wb.f.Rows(name)
	if err != nil {
		return Table{}, false, errXLSXSheet(name, err)
	}
	defer it.Close()
	s := rd.sheet(func() ([]string, error) {
		if !it.Next() {
			if err := it.Error(); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
		return it.Columns(excelize.Options{RawCellValue: raw})
	})
	t, ok, err := read(s, ms)
	if err != nil {
		return Table{}, false, errXLSXSheet(name, err)
	}
	t.Sheet = name
	return t, ok, nil
}

// csv reads a CSV upload. A record is one line, or more when a quoted
// cell holds line breaks.
func (rd *reader) csv(data []byte, opt ReadOptions) (Table, error) {
	text, enc, err := Decode(data, opt.Encoding)
	if err != nil {
		return Table{}, err
	}
	comma := delimiter(text)
	if widest(text, byte(comma), recordCells) > recordCells {
		return Table{}, errs.Field("file", "rule.too_many_columns", strconv.Itoa(MaxColumns))
	}
	read := func(lazy bool) (Table, error) {
		r := csv.NewReader(strings.NewReader(text))
		r.Comma = comma
		r.FieldsPerRecord = -1
		r.LazyQuotes = lazy
		s := rd.sheet(r.Read)
		t, ok, err := s.find(opt, nil)
		if err == nil && !ok {
			t, err = s.everything(nil)
		}
		return t, err
	}
	t, err := read(false)
	var pe *csv.ParseError
	if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrBareQuote) {
		// A quote inside an unquoted cell (路灯"坏了"): Excel writes none,
		// people typing a CSV do; read it as a character.
		t, err = read(true)
	}
	if errors.As(err, &pe) {
		return Table{}, errs.Field("file", "rule.csv_syntax", strconv.Itoa(pe.StartLine))
	}
	t.Encoding = enc
	return t, err
}

// widest is the most cells a record of text has, counted as encoding/csv
// reads it with LazyQuotes, stopping past limit: one line of a million
// commas would be a million cells before it could be refused.
func widest(text string, comma byte, limit int) int {
	const (
		start    = iota // of a cell
		plain           // inside an unquoted cell
		quoted          // inside a quoted cell
		quoteEnd        // a quote inside a quoted cell: its end, or "" or a bare quote
	)
	state, cells, most := start, 1, 1
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case state == start && c == '"':
			state = quoted
		case state == quoted:
			if c == '"' {
				state = quoteEnd
			}
		case state == quoteEnd && c == '"':
			state = quoted
		case state == quoteEnd && c == '\r':
		case c == comma:
			if cells++; cells > most {
				if most = cells; most > limit {
					return most
				}
			}
			state = start
		case c == '\n':
			state, cells = start, 1
		case state == quoteEnd:
			state = quoted // a bare quote, read as a character
		default:
			state = plain
		}
	}
	return most
}

// isXLSX tells an Excel workbook by its name or, for an upload without
// one, by the zip signature it starts with.
func isXLSX(name string, data []byte) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".xlsx") || strings.HasSuffix(n, ".xlsm") ||
		(!strings.HasSuffix(n, ".csv") && !strings.HasSuffix(n, ".txt") && bytes.HasPrefix(data, []byte("PK\x03\x04")))
}
