package tabular

import (
	"bytes"
	"encoding/csv"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

func TestEscapeCell(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
	}{
		{"Hyperlink", `=HYPERLINK("http://x","y")`, `'=HYPERLINK("http://x","y")`},
		{"At", "@SUM(1)", "'@SUM(1)"},
		{"MinusFormula", "-1+2", "'-1+2"},
		{"Plus", "+86 138", "'+86 138"},
		{"Tab", "\t=1", "'\t=1"},
		{"CarriageReturn", "\r=1", "'\r=1"},
		{"FullWidthEquals", "＝1+1", "'＝1+1"},
		{"FullWidthPlus", "＋1", "'＋1"},
		{"FullWidthMinus", "－1+1", "'－1+1"},
		{"FullWidthAt", "＠SUM(1)", "'＠SUM(1)"},
		{"BehindSpaces", "  =1+1", "'  =1+1"},
		{"QuotedFormula", "'=1+1", "''=1+1"},
		{"NegativeNumber", "-12", "-12"},
		{"NegativeDecimal", "-12.5", "-12.5"},
		{"Name", "张三", "张三"},
		{"InnerEquals", "a=b", "a=b"},
		{"Quote", "'abc", "'abc"},
		{"Empty", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := EscapeCell(tt.in)
			if got != tt.want {
				t.Errorf("EscapeCell(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if back := UnescapeCell(got); back != tt.in {
				t.Errorf("UnescapeCell(%q) = %q, want %q", got, back, tt.in)
			}
		})
	}
}

var hostile = [][]string{{"名称", "数"}, {`=HYPERLINK("http://x","y")`, "-3"}, {"@SUM(1)", "1"}, {"-1+2", "0"}}

func TestWriteCSVEscapes(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := WriteCSV(rec, "x.csv", hostile); err != nil {
		t.Fatal(err)
	}
	raw := rec.Body.Bytes()
	if !bytes.HasPrefix(raw, []byte("\ufeff")) {
		t.Errorf("no byte-order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"名称", "数"}, {`'=HYPERLINK("http://x","y")`, "-3"}, {"'@SUM(1)", "1"}, {"'-1+2", "0"}}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("cells as written (-want +got):\n%s", d)
	}
	back, err := Read(t.Context(), "x.csv", raw)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(hostile, back); d != "" {
		t.Errorf("import of the export (-want +got):\n%s", d)
	}
}

func TestWriteXLSXEscapes(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := WriteXLSX(rec, "x.xlsx", hostile); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"名称", "数"}, {`'=HYPERLINK("http://x","y")`, "-3"}, {"'@SUM(1)", "1"}, {"'-1+2", "0"}}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("cells as written (-want +got):\n%s", d)
	}
	if formula, _ := f.GetCellFormula("Sheet1", "A2"); formula != "" {
		t.Errorf("A2 holds the formula %q", formula)
	}
	back, err := Read(t.Context(), "x.xlsx", rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(hostile, back); d != "" {
		t.Errorf("import of the export (-want +got):\n%s", d)
	}
}
