package tabular

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"grassroots/internal/platform/errs"
)

// orders is a small 12345 export: a header with Chinese names, and a
// description with a character GBK lacks but GB18030 has (㐀, CJK
// extension A), so a GB18030 file is really read as GB18030.
var orders = [][]string{{"工单编号", "问题描述", "诉求人"}, {"202611300001", "楼道堆物，消防通道堵塞", "张三"}, {"202611300002", "路灯不亮㐀", "李四"}}

func encode(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func csvText(rows [][]string, sep string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, sep) + "\r\n")
	}
	return b.String()
}

// TestReadEncodings reads the CSV files Chinese Excel, WPS and other
// systems really save (issue 9 §2.1): GBK and GB18030 "CSV", UTF-16LE
// "Unicode text" parted by tabs, UTF-16BE, and UTF-8 with or without a
// byte-order mark, each detected; a chosen encoding is honoured.
func TestReadEncodings(t *testing.T) {
	gbkRows := [][]string{orders[0], orders[1]} // GBK has no 㐀
	text := csvText(orders, ",")
	for _, tt := range []struct {
		name, enc string
		data      []byte
		want      [][]string
		read      string
	}{
		{"GBK", "", encode(t, simplifiedchinese.GBK, csvText(gbkRows, ",")), gbkRows, EncodingGB18030},
		{"GB18030", "", encode(t, simplifiedchinese.GB18030, text), orders, EncodingGB18030},
		{"UnicodeText", "", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), csvText(orders, "\t")), orders, EncodingUTF16LE},
		{"UTF16BE", "", encode(t, unicode.UTF16(unicode.BigEndian, unicode.UseBOM), text), orders, EncodingUTF16BE},
		{"UTF16LENoBOM", "", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), csvText(orders, "\t")), orders, EncodingUTF16LE},
		{"UTF8BOM", "", append([]byte("\ufeff"), text...), orders, EncodingUTF8},
		{"UTF8", "", []byte(text), orders, EncodingUTF8},
		{"Semicolons", "", []byte(csvText(orders, ";")), orders, EncodingUTF8},
		{"ChosenGBK", EncodingGBK, encode(t, simplifiedchinese.GBK, csvText(gbkRows, ",")), gbkRows, EncodingGBK},
		{"ChosenUTF16", EncodingUTF16LE, encode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), csvText(orders, "\t")), orders, EncodingUTF16LE},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := ReadTable(t.Context(), "orders.csv", tt.data, ReadOptions{Encoding: tt.enc})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, append([][]string{tab.Header}, tab.Rows...)); d != "" || tab.Encoding != tt.read {
				t.Errorf("read as %s (want %s), rows (-want +got):\n%s", tab.Encoding, tt.read, d)
			}
			rows, err := Read(t.Context(), "orders.csv", tt.data)
			if tt.enc == "" && (err != nil || !slices.Equal(rows[0], orders[0])) {
				t.Errorf("Read: %v %v", rows, err)
			}
		})
	}
}

// TestReadBadEncoding checks that a file that is not in the chosen
// encoding (or in none that is detected) is refused with the row where
// it goes wrong, instead of a misleading header error.
func TestReadBadEncoding(t *testing.T) {
	gbk := encode(t, simplifiedchinese.GBK, "工单编号,问题描述\r\n1,路灯不亮\r\n")
	for _, tt := range []struct {
		name, enc string
		data      []byte
		rule      string
	}{
		{"GBKChosenAsUTF8", EncodingUTF8, gbk, "rule.file_encoding"},
		{"NotText", "", []byte("a,b\r\n\x81\x20\xff\xfe\x80,c\r\n"), "rule.file_encoding_gbk"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTable(t.Context(), "x.csv", tt.data, ReadOptions{Encoding: tt.enc})
			e := errs.As(err)
			if e.Code != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "encoding" || e.Fields[0].Rule != tt.rule {
				t.Fatalf("got %v", err)
			}
		})
	}
	if tab, err := ReadTable(t.Context(), "x.csv", []byte("a,b\r\n路灯\"坏了\",c\r\n"), ReadOptions{}); err != nil || tab.Rows[0][0] != `路灯"坏了"` {
		t.Errorf("a quote inside a cell: %+v %v", tab, err)
	}
	_, err := ReadTable(t.Context(), "x.csv", []byte("a,b\r\n\"open,c\r\n"), ReadOptions{})
	if e := errs.As(err); e.Code != errs.Invalid || e.Fields[0].Rule != "rule.csv_syntax" || e.Fields[0].Param != "2" {
		t.Errorf("an unclosed quote: %v", err)
	}
}

func isOrderHeader(_, row []string) (int, bool) {
	n := 0
	for _, c := range row {
		if slices.Contains(orders[0], c) {
			n++
		}
	}
	return n, slices.Contains(row, "工单编号") && slices.Contains(row, "问题描述")
}

// TestReadTableFindsHeader finds the header under a title row and a row
// of group headings, in a CSV and on the second sheet of a workbook
// whose first sheet is a cover (issue 9 §2.2), and numbers the rows as
// the spreadsheet shows them.
func TestReadTableFindsHeader(t *testing.T) {
	titled := append([][]string{{"12345 热线工单导出（2026年11月）", "", ""}, {"工单信息", "", "诉求人信息"}}, orders...)
	tab, err := ReadTable(t.Context(), "x.csv", []byte(csvText(titled, ",")), ReadOptions{Header: isOrderHeader})
	if err != nil {
		t.Fatal(err)
	}
	if tab.HeaderRow != 3 || !slices.Equal(tab.Header, orders[0]) || !slices.Equal(tab.Group, titled[1]) || len(tab.Rows) != 2 || !slices.Equal(tab.Lines, []int{4, 5}) {
		t.Fatalf("CSV with a title: %+v", tab)
	}

	// The same two-row header saved as CSV: the cells merged down are
	// empty in the lower row.
	twoRows := "工单编号,问题描述,诉求人信息\r\n,,诉求人\r\n" + csvText(orders[1:], ",")
	if tab, err := ReadTable(t.Context(), "x.csv", []byte(twoRows), ReadOptions{Header: isOrderHeader}); err != nil || tab.HeaderRow != 2 ||
		!slices.Equal(tab.Header, orders[0]) || len(tab.Rows) != 2 {
		t.Fatalf("CSV with a two-row header: %+v %v", tab, err)
	}

	f := excelize.NewFile()
	_ = f.SetCellStr("Sheet1", "A1", "说明：本文件由 12345 系统导出")
	_, _ = f.NewSheet("工单")
	_ = f.SetCellStr("工单", "A1", "12345 热线工单导出")
	_ = f.MergeCell("工单", "A1", "C1")
	// 工单编号 and 问题描述 merged down over rows 2–3; 诉求人 under the
	// group heading 诉求人信息 in row 2.
	_ = f.SetCellStr("工单", "A2", "工单编号")
	_ = f.MergeCell("工单", "A2", "A3")
	_ = f.SetCellStr("工单", "B2", "问题描述")
	_ = f.MergeCell("工单", "B2", "B3")
	_ = f.SetCellStr("工单", "C2", "诉求人信息")
	_ = f.SetCellStr("工单", "C3", "诉求人")
	for i, r := range orders[1:] {
		for j, v := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+4)
			_ = f.SetCellStr("工单", cell, v)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	tab, err = ReadTable(t.Context(), "x.xlsx", b.Bytes(), ReadOptions{Header: isOrderHeader})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Sheet != "工单" || tab.HeaderRow != 3 || !slices.Equal(tab.Header, orders[0]) || tab.Group[2] != "诉求人信息" ||
		!slices.Equal(tab.Lines, []int{4, 5}) || !slices.Equal(tab.Rows[1], orders[2]) {
		t.Fatalf("workbook: %+v", tab)
	}
	if tab, err := ReadTable(t.Context(), "x.csv", []byte("a,b\r\n1,2\r\n"), ReadOptions{Header: isOrderHeader}); err != nil || tab.HeaderRow != 0 {
		t.Errorf("no header: %+v %v", tab, err)
	}
}

// TestReadTableRaw reads numeric cells as stored: a work order Excel
// shows as 2.02611E+11 is 202611300001, a phone number cell is its 11
// digits, a 19-digit order typed as text stays whole (issue 9 §2.5–6).
func TestReadTableRaw(t *testing.T) {
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"工单编号", "问题描述", "联系电话"})
	_ = f.SetCellValue("Sheet1", "A2", 202611300001)
	_ = f.SetCellStr("Sheet1", "B2", "路灯不亮")
	_ = f.SetCellValue("Sheet1", "C2", 13812345678)
	_ = f.SetCellStr("Sheet1", "A3", "2026113000010000123")
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 11}) // 0.00E+00
	_ = f.SetCellStyle("Sheet1", "A2", "A2", style)
	_ = f.SetCellStyle("Sheet1", "C2", "C2", style)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	shown, _ := ReadTable(t.Context(), "x.xlsx", b.Bytes(), ReadOptions{Header: isOrderHeader})
	if !strings.Contains(shown.Rows[0][0], "E+") {
		t.Fatalf("the formatted cell is not in E notation: %q", shown.Rows[0][0])
	}
	raw, err := ReadTable(t.Context(), "x.xlsx", b.Bytes(), ReadOptions{Header: isOrderHeader, Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	if raw.Rows[0][0] != "202611300001" || raw.Rows[0][2] != "13812345678" || raw.Rows[1][0] != "2026113000010000123" {
		t.Errorf("raw cells: %q", raw.Rows)
	}
}

// TestTime reads the receipt times of 12345 exports (issue 9 §2.3).
func TestTime(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	want := time.Date(2026, 11, 30, 14, 5, 0, 0, cst)
	for _, in := range []string{"2026/11/30 14:05", "2026-11-30 14:05:00", "2026-11-30 14:05:00.000", "2026.11.30 14:05", "2026年11月30日 14时05分",
		"2026年11月30日14:05", "2026-11-30T14:05:00+08:00", "2026-11-30T06:05:00Z", "20261130140500", "２０２６/１１/３０ １４:０５"} {
		if got, ok := Time(in, cst); !ok || !got.Equal(want) {
			t.Errorf("Time(%q) = %v %v", in, got, ok)
		}
	}
	serial := 46356 + (14*60+5)/1440.0
	if got, ok := Time(strconv.FormatFloat(serial, 'f', -1, 64), cst); !ok || !got.Equal(want) {
		t.Errorf("Excel serial %v: %v %v", serial, got, ok)
	}
	if got, ok := Time("46356.5868", cst); !ok || got.Format("2006-01-02 15:04:05") != "2026-11-30 14:05:00" {
		t.Errorf("Excel serial 46356.5868: %v %v", got, ok)
	}
	if got, ok := Time("2026/11/30", cst); !ok || !got.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, cst)) {
		t.Errorf("a date alone: %v %v", got, ok)
	}
	for _, bad := range []string{"", "昨天下午", "2026/13/01 10:00", "1900-01-01", "30/11/2026 14:05"} {
		if got, ok := Time(bad, cst); ok {
			t.Errorf("Time(%q) read as %v", bad, got)
		}
	}
}
