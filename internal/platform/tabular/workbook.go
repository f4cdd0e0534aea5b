package tabular

import (
	"bytes"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Cell is one cell of a sheet that WriteWorkbook writes: text, escaped
// like every cell this package writes (see EscapeCell), or a number that
// a spreadsheet adds up. Figures are written as numbers so that SUM and
// sorting work on them; identifiers (ID and phone numbers, codes) stay
// text, as WriteXLSX writes them.
type Cell struct {
	text   string
	number bool
	whole  int64
	value  float64
	places int // decimals shown (and kept) of a non-whole number
	bold   bool
}

// Text is a text cell.
func Text(s string) Cell { return Cell{text: s} }

// Count is a whole number.
func Count(n int64) Cell { return Cell{number: true, whole: n, places: -1} }

// Decimal is a number shown with places decimals (0 to 6), as a number
// format: the cell holds the value rounded to those places, so that what
// the sheet shows is what it adds up.
func Decimal(v float64, places int) Cell {
	places = min(max(places, 0), 6)
	return Cell{number: true, value: v, places: places}
}

// Bold is the cell in bold: a sheet's title or a column's name.
func (c Cell) Bold() Cell { c.bold = true; return c }

// Texts are cells of text, one for each of ss.
func Texts(ss ...string) []Cell {
	out := make([]Cell, len(ss))
	for i, s := range ss {
		out[i] = Text(s)
	}
	return out
}

// Sheet is one sheet of a workbook: its name (at most 31 characters, none
// of : \ / ? * [ ]) and its rows.
type Sheet struct {
	Name string
	Rows [][]Cell
	// Width is every used column's width in characters (0: 18, wide
	// enough for an address or an ID number).
	Width float64
}

// WriteWorkbook writes sheets as an Excel workbook for download as
// filename. A name that is not ASCII (a division's, in Chinese) is sent
// as RFC 6266's filename*, which browsers save under its own name.
func WriteWorkbook(w http.ResponseWriter, filename string, sheets ...Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	styles := map[Cell]int{} // by places and bold only
	styleOf := func(c Cell) (int, error) {
		key := Cell{places: c.places, bold: c.bold}
		if !c.number {
			key.places = -1
		}
		if key.places < 0 && !key.bold {
			return 0, nil
		}
		if id, ok := styles[key]; ok {
			return id, nil
		}
		st := &excelize.Style{}
		if key.bold {
			st.Font = &excelize.Font{Bold: true}
		}
		if key.places >= 0 {
			format := "0"
			if key.places > 0 {
				format += "." + strings.Repeat("0", key.places)
			}
			st.CustomNumFmt = &format
		}
		id, err := f.NewStyle(st)
		styles[key] = id
		return id, err
	}
	if len(sheets) == 0 {
		sheets = []Sheet{{Name: "Sheet1"}}
	}
	for i, s := range sheets {
		name := s.Name
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return fmt.Errorf("tabular: sheet %q: %w", name, err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("tabular: sheet %q: %w", name, err)
		}
		cols := 0
		for r, row := range s.Rows {
			cols = max(cols, len(row))
			for j, c := range row {
				cell, _ := excelize.CoordinatesToCellName(j+1, r+1)
				var err error
				switch {
				case !c.number:
					err = f.SetCellStr(name, cell, EscapeCell(c.text))
				case c.places < 0:
					err = f.SetCellInt(name, cell, c.whole)
				case math.IsNaN(c.value) || math.IsInf(c.value, 0):
					err = f.SetCellStr(name, cell, "")
				default:
					err = f.SetCellFloat(name, cell, c.value, c.places, 64)
				}
				if err != nil {
					return fmt.Errorf("tabular: cell %s: %w", cell, err)
				}
				style, err := styleOf(c)
				if err != nil {
					return fmt.Errorf("tabular: style: %w", err)
				}
				if style != 0 {
					if err := f.SetCellStyle(name, cell, cell, style); err != nil {
						return fmt.Errorf("tabular: style of %s: %w", cell, err)
					}
				}
			}
		}
		if cols > 0 {
			width := s.Width
			if width <= 0 {
				width = 18
			}
			last, _ := excelize.ColumnNumberToName(cols)
			_ = f.SetColWidth(name, "A", last, width)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	_, err := buf.WriteTo(w)
	return err
}
