package tabular

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"grassroots/internal/platform/db"
	"grassroots/internal/platform/dbtest"
	"grassroots/internal/platform/errs"
)

// sheetXML is a worksheet part: head, then body n times, then tail.
type sheetXML struct {
	name             string
	head, body, tail string
	n                int
}

// rowsSheet is a sheet of n rows, each the cells given (inline strings,
// no cell or row references, as some exporters write them), then more
// XML (merged cells) after the rows.
func rowsSheet(name string, n int, cells []string, after string) sheetXML {
	row := strings.Builder{}
	row.WriteString("<row>" + cellsXML(cells) + "</row>")
	// Rows go in chunks of about 1 MB, each compressed once and repeated.
	per := max(1, (1<<20)/row.Len())
	for n%per != 0 {
		per--
	}
	return sheetXML{name: name, n: n / per, body: strings.Repeat(row.String(), per),
		head: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`,
		tail: "</sheetData>" + after + "</worksheet>"}
}

// deflated is s compressed on its own: with no reference to what came
// before it, so that such pieces can be put one after another, and (but
// for the last) ending on a byte.
func deflated(t *testing.T, s string, last bool) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte(s))
	if last {
		err = w.Close()
	} else {
		err = w.Flush()
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bombXLSX is a workbook of the sheets given, written as a zip by hand:
// a sheet of a million rows unpacks to hundreds of megabytes but takes a
// few, as the tester's file did.
func bombXLSX(t *testing.T, sheets ...sheetXML) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name, s string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(s))
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/package/2006/relationships"`
	types, books, rels := "", "", ""
	for i, s := range sheets {
		types += fmt.Sprintf(`<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1)
		books += fmt.Sprintf(`<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, s.name, i+1, i+1)
		rels += fmt.Sprintf(`<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
	}
	put("[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`+types+`</Types>`)
	put("_rels/.rels", `<Relationships `+ns+`><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`+books+`</sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", `<Relationships `+ns+`>`+rels+`</Relationships>`)
	for i, s := range sheets {
		head, body, tail := deflated(t, s.head, false), deflated(t, s.body, false), deflated(t, s.tail, true)
		crc := crc32.ChecksumIEEE([]byte(s.head))
		for range s.n {
			crc = crc32.Update(crc, crc32.IEEETable, []byte(s.body))
		}
		crc = crc32.Update(crc, crc32.IEEETable, []byte(s.tail))
		w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), Method: zip.Deflate, CRC32: crc,
			CompressedSize64:   uint64(len(head) + s.n*len(body) + len(tail)),
			UncompressedSize64: uint64(len(s.head) + s.n*len(s.body) + len(s.tail))})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(head)
		for range s.n {
			_, _ = w.Write(body)
		}
		_, _ = w.Write(tail)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// refused checks that err refuses the file by rule with param.
func refused(t *testing.T, err error, rule, param string) {
	t.Helper()
	e := errs.As(err)
	if e.Code != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "file" || e.Fields[0].Rule != rule || e.Fields[0].Param != param {
		t.Fatalf("want the file refused by %s %s, got %v", rule, param, err)
	}
}

// TestReadXLSXBomb reads workbooks made to exhaust the server (the
// security test's: a few megabytes that unpack to 400 MB of rows): each
// is refused naming the limit it passes, without being read whole, and a
// header on a later sheet is found reading only the top of a huge one.
func TestReadXLSXBomb(t *testing.T) {
	ten := slices.Repeat([]string{"楼道堆物"}, 10)
	t.Run("Unpacked", func(t *testing.T) {
		// 1,000,000 rows of 10 cells: 500 MB of XML in a file of a few.
		data := bombXLSX(t, rowsSheet("工单", 1_000_000, ten, ""))
		if len(data) > 16<<20 {
			t.Fatalf("the bomb is %d bytes", len(data))
		}
		_, err := ReadTable(t.Context(), "orders.xlsx", data, ReadOptions{Header: isOrderHeader, Raw: true})
		refused(t, err, "rule.xlsx_too_large", strconv.Itoa(MaxUnzipped>>20))
		_, err = Read(t.Context(), "people.xlsx", data)
		refused(t, err, "rule.xlsx_too_large", "256")
	})
	// 250,000 rows of one cell unpack to 12 MB: under that limit, over
	// the rows one.
	many := rowsSheet("Sheet1", 250_000, []string{"x"}, "")
	t.Run("Rows", func(t *testing.T) {
		_, err := Read(t.Context(), "people.xlsx", bombXLSX(t, many))
		refused(t, err, "rule.too_many_rows", "200000")
		_, err = ReadTable(t.Context(), "orders.xlsx", bombXLSX(t, rowsSheet("工单", 250_000, orders[1], "")), ReadOptions{Header: isOrderHeader, MaxRows: MaxImportRows})
		// No header on the only sheet: its rows are all read, as far as
		// the limit.
		refused(t, err, "rule.too_many_rows", "10000")
	})
	t.Run("HeaderOnSecondSheet", func(t *testing.T) {
		// Read whole, the first sheet would pass MaxCells: 120,000 rows
		// of 50 numbers, in 90 MB of XML.
		first := rowsSheet("说明", 120_000, slices.Repeat([]string{"1"}, 50), "")
		second := rowsSheet("工单", 2, orders[0], "")
		second.body = "<row>" + cellsXML(orders[0]) + "</row><row>" + cellsXML(orders[1]) + "</row>"
		second.n = 1
		tab, err := ReadTable(t.Context(), "orders.xlsx", bombXLSX(t, first, second), ReadOptions{Header: isOrderHeader})
		if err != nil || tab.Sheet != "工单" || tab.HeaderRow != 1 || len(tab.Rows) != 1 || !slices.Equal(tab.Rows[0], orders[1]) {
			t.Fatalf("the header on the second sheet: %+v %v", tab, err)
		}
	})
	t.Run("Columns", func(t *testing.T) {
		_, err := Read(t.Context(), "people.xlsx", bombXLSX(t, rowsSheet("Sheet1", 10, slices.Repeat([]string{"1"}, MaxColumns+1), "")))
		refused(t, err, "rule.too_many_columns", "200")
	})
}

// cellsXML is a row's cells: numbers as numbers, the rest inline text.
func cellsXML(row []string) string {
	var b strings.Builder
	for _, c := range row {
		if _, err := strconv.Atoi(c); err == nil {
			b.WriteString(`<c><v>` + c + `</v></c>`)
		} else {
			b.WriteString(`<c t="inlineStr"><is><t>` + c + `</t></is></c>`)
		}
	}
	return b.String()
}

// TestReadXLSXMerged finds merged cells after the rows of a sheet larger
// than the chunk it is searched in, with the element names prefixed as
// some exporters write them.
func TestReadXLSXMerged(t *testing.T) {
	s := rowsSheet("工单", 30_000, []string{"1", "", "3"}, `<mergeCells count="1"><mergeCell ref="A30001:B30002"/></mergeCells>`)
	s.head = strings.Replace(s.head, `<sheetData>`, `<sheetData><row><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c></row>`, 1)
	s.tail = `<row r="30002"><c r="C30002" t="inlineStr"><is><t>end</t></is></c></row>` + s.tail
	for _, prefix := range []string{"", "x:"} {
		p := s
		if prefix != "" {
			for _, f := range []*string{&p.head, &p.body, &p.tail} {
				*f = strings.NewReplacer("</", "</x:", "<?", "<?", "<", "<x:", ` xmlns=`, ` xmlns:x=`).Replace(*f)
			}
		}
		rows, err := Read(t.Context(), "x.xlsx", bombXLSX(t, p))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 30_002 || !slices.Equal(rows[1], []string{"1", "", "3"}) || !slices.Equal(rows[29_999], []string{"1", "", "3"}) ||
			!slices.Equal(rows[30_000], []string{"1", "1", "3"}) || !slices.Equal(rows[30_001], []string{"1", "1", "end"}) {
			t.Errorf("%q: %d rows, the last three %q", prefix, len(rows), rows[max(0, len(rows)-3):])
		}
	}
}

// TestReadCSVLimits refuses CSV files past the limits, naming them; empty
// cells at the right of a row and blank rows do not count.
func TestReadCSVLimits(t *testing.T) {
	lines := func(n int, line string) string { return "a,b\r\n" + strings.Repeat(line, n) }
	_, err := Read(t.Context(), "x.csv", []byte(lines(MaxRows+1, "1,2\r\n")))
	refused(t, err, "rule.too_many_rows", "200000")
	if rows, err := Read(t.Context(), "x.csv", []byte(lines(MaxRows, "1,2\r\n")+",\r\n,\r\n")); err != nil || len(rows) != MaxRows+3 {
		t.Errorf("as many rows as allowed, and blank ones: %d rows, %v", len(rows), err)
	}
	titled := "12345 工单导出\r\n" + csvText(orders[:1], ",") + strings.Repeat(csvText(orders[1:2], ","), MaxImportRows+1)
	_, err = ReadTable(t.Context(), "x.csv", []byte(titled), ReadOptions{Header: isOrderHeader, MaxRows: MaxImportRows})
	refused(t, err, "rule.too_many_rows", "10000")

	// A line of a million commas is refused before it is a million cells.
	_, err = Read(t.Context(), "x.csv", []byte("a,b\r\n"+strings.Repeat(",", 1_000_000)+"x\r\n"))
	refused(t, err, "rule.too_many_columns", "200")
	// Commas inside quotes are text.
	if rows, err := Read(t.Context(), "x.csv", []byte("a,b\r\n\""+strings.Repeat(",", 50_000)+"\",2\r\n")); err != nil || len(rows[1]) != 2 {
		t.Errorf("commas in a quoted cell: %v", err)
	}
	_, err = Read(t.Context(), "x.csv", []byte(lines(2, strings.Repeat("1,", MaxColumns)+"1\r\n")))
	refused(t, err, "rule.too_many_columns", "200")
	// Excel pads every row to the widest: empty cells at the right pass.
	if rows, err := Read(t.Context(), "x.csv", []byte(lines(2, "1,2"+strings.Repeat(",", 300)+"\r\n"))); err != nil || !slices.Equal(rows[1], []string{"1", "2"}) {
		t.Errorf("empty cells at the right: %v", err)
	}
	// 30,000 rows of 200 cells: 6,000,000 cells.
	_, err = Read(t.Context(), "x.csv", []byte(lines(30_000, strings.Repeat("1,", 199)+"1\n")))
	refused(t, err, "rule.too_many_cells", "5000000")
}

// TestReadCancelled stops reading a file when the request is over.
func TestReadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, f := range []struct{ name, data string }{
		{"x.csv", "a,b\r\n" + strings.Repeat("1,2\r\n", 1000)},
		{"x.xlsx", string(bombXLSX(t, rowsSheet("Sheet1", 1000, []string{"1", "2"}, "")))},
	} {
		if _, err := Read(ctx, f.name, []byte(f.data)); !errors.Is(err, context.Canceled) {
			t.Errorf("%s read after the request ended: %v", f.name, err)
		}
		if _, err := ReadTable(ctx, f.name, []byte(f.data), ReadOptions{Header: isOrderHeader}); !errors.Is(err, context.Canceled) {
			t.Errorf("%s read for a header after the request ended: %v", f.name, err)
		}
	}
	// A deadline that passed is the person's to act on, not a failure.
	ctx, cancel = context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := Read(ctx, "x.csv", []byte("a,b\r\n"+strings.Repeat("1,2\r\n", 1000)))
	refused(t, err, "rule.import_timeout", "")
}

// itemsSpec imports one name a row into a table of its own.
func itemsSpec(d *db.DB, slow time.Duration, tried *atomic.Int64) Spec {
	return Spec{Header: []string{"名称"}, Fields: []string{"name"}, Create: func(ctx context.Context, row []string) error {
		tried.Add(1)
		time.Sleep(slow)
		if row[0] == "" {
			return errs.Field("name", "rule.required", "")
		}
		return d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `/* tabular.test */ INSERT INTO tabular_test_items (name) VALUES (?)`, row[0])
			return err
		})
	}}
}

func itemCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `/* tabular.test */ SELECT COUNT(*) FROM tabular_test_items`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportLimits refuses an import of more rows than one request can
// write before trying any, and one whose request ends before it is done
// with a message to split the file, not a server error: nothing of
// either is kept.
func TestImportLimits(t *testing.T) {
	d := dbtest.New(t, nil, db.Migrations{Module: "tabulartest", FS: fstest.MapFS{"0001_items.sql": {Data: []byte("CREATE TABLE tabular_test_items (name TEXT);")}}})
	var tried atomic.Int64
	rows := [][]string{{"名称"}}
	for i := range MaxImportRows + 1 {
		rows = append(rows, []string{"item" + strconv.Itoa(i)})
	}
	_, err := Import(t.Context(), d, itemsSpec(d, 0, &tried), rows, true)
	refused(t, err, "rule.too_many_rows", "10000")
	if tried.Load() != 0 {
		t.Errorf("%d rows tried of a file over the limit", tried.Load())
	}
	// Blank rows do not count.
	blanks := append(rows[:4:4], slices.Repeat([][]string{{""}}, MaxImportRows)...)
	if rep, err := ImportLines(t.Context(), d, itemsSpec(d, 0, &tried), blanks[:4], nil, true); err != nil || !rep.Committed || itemCount(t, d) != 3 {
		t.Fatalf("three rows: %+v %v", rep, err)
	}
	if rep, err := ImportLines(t.Context(), d, itemsSpec(d, 0, &tried), blanks, nil, false); err != nil || len(rep.Errors) != MaxImportRows {
		t.Errorf("three rows and %d blank ones: %d errors, %v", MaxImportRows, len(rep.Errors), err)
	}

	// 100 rows at 20 ms each take 2 s; the request ends after 200 ms.
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	tried.Store(0)
	rep, err := Import(ctx, d, itemsSpec(d, 20*time.Millisecond, &tried), rows[:101], false)
	if e := errs.As(err); e.Code != errs.Invalid || len(e.Fields) != 1 || !strings.HasPrefix(e.Fields[0].Rule, "rule.import_timeout") {
		t.Fatalf("an import past its deadline: %v", err)
	}
	if rep.Committed || tried.Load() == 0 || tried.Load() == 100 || itemCount(t, d) != 3 {
		t.Errorf("an import past its deadline: %+v after %d rows, %d items", rep, tried.Load(), itemCount(t, d))
	}
}
