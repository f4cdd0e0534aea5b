package apptest

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/xuri/excelize/v2"

	"grassroots/internal/platform/pii"
)

// CSV is rows as a CSV file, for import tests.
func CSV(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows)
	return b.Bytes()
}

// XLSX is rows as an Excel workbook (every cell text, as people type ID
// numbers), for import tests.
func XLSX(t testing.TB, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellStr("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// IDNumber is a valid citizen ID number (GB 11643) issued in division
// (six digits), for a person born on birth (YYYYMMDD) with sequence seq
// (three digits).
func IDNumber(division, birth, seq string) string {
	first := division[:6] + birth + seq
	return first + string(pii.IDCheckChar(first))
}
