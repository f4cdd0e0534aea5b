package tabular

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"grassroots/internal/platform/errs"
)

// An .xlsx workbook is a zip of XML parts, and a few megabytes of it can
// unpack to gigabytes: its declared sizes are checked before anything is
// unpacked, its sheets are read a row at a time, and its merged cells are
// found by scanning the sheet's XML for them, not by parsing the whole
// sheet into memory (excelize's GetMergeCells does that).

// xmlInMemory is the largest part excelize keeps in memory; larger sheets
// and shared-string tables go to a temporary file that is read from.
const xmlInMemory = 16 << 20

// workbook is an .xlsx upload opened for reading.
type workbook struct {
	f *excelize.File
	// parts are the worksheet parts of the sheets, by sheet name, for
	// finding their merged cells.
	parts map[string]*zip.File
}

// openWorkbook opens data as a workbook, refusing one that unpacks to
// more than MaxUnzipped bytes before unpacking any of it.
func openWorkbook(data []byte) (*workbook, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, errs.Field("file", "rule.xlsx_unreadable", "")
	}
	var size uint64
	for _, f := range zr.File {
		// archive/zip fails a part that unpacks to more than it declares.
		if size += f.UncompressedSize64; f.UncompressedSize64 > MaxUnzipped || size > MaxUnzipped {
			return nil, errs.Field("file", "rule.xlsx_too_large", strconv.Itoa(MaxUnzipped>>20))
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxUnzipped, UnzipXMLSizeLimit: xmlInMemory})
	if err != nil {
		return nil, errs.Field("file", "rule.xlsx_unreadable", "")
	}
	return &workbook{f: f, parts: sheetParts(zr)}, nil
}

func (w *workbook) Close() error { return w.f.Close() }

// rels is a part's relationships (_rels/*.rels).
type rels struct {
	Rel []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

// sheetParts finds the worksheet part of each sheet: the workbook part
// (_rels/.rels), its sheets (workbook.xml) and their targets (its rels).
// A sheet whose part is not found is read without its merged cells.
func sheetParts(zr *zip.Reader) map[string]*zip.File {
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))] = f
	}
	read := func(name string, v any) {
		f := files[strings.ToLower(name)]
		if f == nil || f.UncompressedSize64 > xmlInMemory {
			return
		}
		if rc, err := f.Open(); err == nil {
			_ = xml.NewDecoder(rc).Decode(v)
			rc.Close()
		}
	}
	book := "xl/workbook.xml"
	var root rels
	read("_rels/.rels", &root)
	for _, r := range root.Rel {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			book = strings.TrimPrefix(r.Target, "/")
		}
	}
	var wb struct {
		Sheets []struct {
			Name  string     `xml:"name,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	read(book, &wb)
	var br rels
	read(path.Join(path.Dir(book), "_rels", path.Base(book)+".rels"), &br)
	target := map[string]string{}
	for _, r := range br.Rel {
		if strings.HasPrefix(r.Target, "/") {
			target[r.ID] = r.Target[1:]
		} else {
			target[r.ID] = path.Join(path.Dir(book), r.Target)
		}
	}
	out := map[string]*zip.File{}
	for _, s := range wb.Sheets {
		for _, a := range s.Attrs {
			if a.Name.Local == "id" && a.Name.Space != "" {
				if f := files[strings.ToLower(target[a.Value])]; f != nil {
					out[s.Name] = f
				}
			}
		}
	}
	return out
}

// merged is one merged range of cells, by row and column (from 1).
type merged struct{ r0, c0, r1, c1 int }

// mergesOf reads the merged ranges of a worksheet part. They follow the
// rows (<mergeCells> after <sheetData>): the part is searched for that
// element a megabyte at a time, and only what follows it is parsed.
func mergesOf(ctx context.Context, f *zip.File) ([]merged, error) {
	if f == nil {
		return nil, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil
	}
	defer rc.Close()
	const keep = 64 // bytes of one chunk kept before the next: a tag's start
	buf := make([]byte, keep+1<<20)
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m, rerr := io.ReadFull(rc, buf[n:])
		w := buf[:n+m]
		if i := mergeCellsStart(w); i >= 0 {
			return decodeMerges(ctx, xml.NewDecoder(io.MultiReader(bytes.NewReader(w[i:]), rc)))
		}
		if rerr != nil {
			// The end of the part (or a part that cannot be read: then
			// the rows cannot either, and say so).
			return nil, nil
		}
		n = copy(buf, w[len(w)-min(keep, len(w)):])
	}
}

// mergeCellsStart is where the <mergeCells> start tag (with any prefix)
// begins in w, or -1. Text cannot hold a bare "<", so the name right
// after one is a tag.
func mergeCellsStart(w []byte) int {
	const name = "mergeCells"
	for from := 0; ; {
		j := bytes.Index(w[from:], []byte(name))
		if j < 0 {
			return -1
		}
		j += from
		from = j + len(name)
		if from >= len(w) {
			return -1 // the next chunk shows what follows
		}
		if c := w[from]; c != ' ' && c != '>' && c != '/' && c != '\t' && c != '\r' && c != '\n' {
			continue
		}
		lt := bytes.LastIndexByte(w[:j], '<')
		if lt < 0 || j-lt > 40 {
			continue
		}
		prefix := w[lt+1 : j]
		if len(prefix) == 0 || prefix[len(prefix)-1] == ':' && bytes.IndexAny(prefix, " \t\r\n/<>=\"'") < 0 {
			return lt
		}
	}
}

// decodeMerges reads the <mergeCell ref="A1:C1"/> elements of
// <mergeCells>; a sheet with more than MaxMerged of them is refused.
func decodeMerges(ctx context.Context, d *xml.Decoder) ([]merged, error) {
	var out []merged
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		tok, err := d.Token()
		if err != nil {
			// What was read before a broken tail is kept, as excelize
			// reads rows.
			return out, nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "mergeCell" {
				continue
			}
			for _, a := range t.Attr {
				if a.Name.Local != "ref" {
					continue
				}
				from, to, ok := strings.Cut(a.Value, ":")
				c0, r0, err0 := excelize.CellNameToCoordinates(from)
				c1, r1, err1 := excelize.CellNameToCoordinates(to)
				if !ok || err0 != nil || err1 != nil || r1 < r0 || c1 < c0 {
					continue
				}
				if len(out) == MaxMerged {
					return nil, errs.Field("file", "rule.xlsx_too_many_merged", strconv.Itoa(MaxMerged))
				}
				out = append(out, merged{r0: r0, c0: c0, r1: r1, c1: c1})
			}
		case xml.EndElement:
			if t.Name.Local == "mergeCells" {
				return out, nil
			}
		}
	}
}

// fill writes the value of each merged range into every cell of it that
// has been read: a heading merged over two columns or two rows is then
// the heading of each. Ranges are cut to the rows read and to
// MaxColumns, and the cells they add count against MaxCells.
func (s *sheetRows) fill(ms []merged) error {
	area := 0 // cells written, overlapping ranges too
	for _, m := range ms {
		if m.r0 > len(s.rows) || m.c0 > MaxColumns || m.r1-m.r0 > 1000 {
			continue
		}
		top := s.rows[m.r0-1]
		if m.c0 > len(top) || top[m.c0-1] == "" {
			continue
		}
		v := top[m.c0-1]
		r1, c1 := min(m.r1, len(s.rows)), min(m.c1, MaxColumns)
		if area += (r1 - m.r0 + 1) * (c1 - m.c0 + 1); area > MaxCells {
			return errs.Field("file", "rule.too_many_cells", strconv.Itoa(MaxCells))
		}
		for r := m.r0; r <= r1; r++ {
			row := s.rows[r-1]
			if len(row) < c1 {
				if err := s.rd.add(c1 - len(row)); err != nil {
					return err
				}
				row = append(row, make([]string, c1-len(row))...)
				s.rows[r-1] = row
			}
			for c := m.c0; c <= c1; c++ {
				row[c-1] = v
			}
		}
	}
	return nil
}

// errXLSXSheet is a sheet that cannot be read.
func errXLSXSheet(name string, err error) error {
	var e *errs.Error
	if errors.As(err, &e) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return errs.Field("file", "rule.xlsx_sheet_unreadable", name)
}
