package tabular

import (
	"bytes"
	"math"
	"mime"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// TestWriteWorkbookNumbers: figures are number cells that SUM adds up,
// decimals shown (and kept) to their places, text escaped as in every
// export, headings bold, and a Chinese file name sent as filename*.
func TestWriteWorkbookNumbers(t *testing.T) {
	rec := httptest.NewRecorder()
	err := WriteWorkbook(rec, "东湖区-2026-12.xlsx",
		Sheet{Name: "负担统计", Rows: [][]Cell{
			{Text("标题").Bold()},
			{Text("单位").Bold(), Text("数").Bold(), Text("工时").Bold()},
			{Text("=甲"), Count(12), Decimal(3.14159, 1)},
			{Text("乙"), Count(-3), Decimal(math.NaN(), 1)},
		}},
		Sheet{Name: "Second", Rows: [][]Cell{Texts("a", "b")}})
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(rec.Header().Get("Content-Disposition"))
	if err != nil || params["filename"] != "东湖区-2026-12.xlsx" {
		t.Errorf("Content-Disposition %q: %v %v", rec.Header().Get("Content-Disposition"), params, err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if d := cmp.Diff([]string{"负担统计", "Second"}, f.GetSheetList()); d != "" {
		t.Errorf("sheets (-want +got):\n%s", d)
	}
	for _, tt := range []struct {
		cell, raw, shown string
		number           bool
	}{
		{"A3", "'=甲", "'=甲", false},
		{"B3", "12", "12", true},
		{"C3", "3.1", "3.1", true},
		{"B4", "-3", "-3", true},
		{"C4", "", "", false},
	} {
		typ, err := f.GetCellType("负担统计", tt.cell)
		if err != nil {
			t.Fatal(err)
		}
		isNumber := typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset
		raw, _ := f.GetCellValue("负担统计", tt.cell, excelize.Options{RawCellValue: true})
		shown, _ := f.GetCellValue("负担统计", tt.cell)
		if raw != tt.raw || shown != tt.shown || (tt.raw != "" && isNumber != tt.number) {
			t.Errorf("%s: raw %q shown %q type %v, want %q %q number %v", tt.cell, raw, shown, typ, tt.raw, tt.shown, tt.number)
		}
	}
	if err := f.SetCellFormula("负担统计", "B5", "SUM(B3:B4)"); err != nil {
		t.Fatal(err)
	}
	if sum, err := f.CalcCellValue("负担统计", "B5"); err != nil || sum != "9" {
		t.Errorf("SUM of the figures: %q %v, want 9", sum, err)
	}
	st, _ := f.GetCellStyle("负担统计", "C3")
	if s, err := f.GetStyle(st); err != nil || s.CustomNumFmt == nil || *s.CustomNumFmt != "0.0" {
		t.Errorf("C3's number format: %+v %v", s, err)
	}
	st, _ = f.GetCellStyle("负担统计", "A1")
	if s, err := f.GetStyle(st); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("A1 is not bold: %+v %v", s, err)
	}
	if err := WriteWorkbook(httptest.NewRecorder(), "x.xlsx", Sheet{Name: "a/b"}); err == nil {
		t.Error("a sheet name Excel refuses was written")
	}
}
