// Package tabular gives an entity its spreadsheet form: a CSV and Excel
// template with Chinese headers, an import that checks every row with the
// module's own rules and commits all or none (unless asked to keep the good
// rows), and an export in the same format. Modules describe the entity in
// a Spec and register it on their routes.
package tabular

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

// Manifest registers the shared import page and its messages.
func Manifest() module.Manifest {
	t, _ := fs.Sub(templateFiles, "templates")
	m, _ := fs.Sub(messageFiles, "messages")
	return module.Manifest{Name: "tabular", Templates: t, Messages: m}
}

// Spec is one entity's spreadsheet form.
type Spec struct {
	Path string // URL path of the entity's page, e.g. "/units"
	// Back is the page that lists the entity, where the import page links
	// back to; empty: Path.
	Back     string
	TitleKey string   // catalogue key of the entity's name
	Header   []string // column headers, in Chinese as people fill them in
	Fields   []string // for each column, the input field it feeds (for errors)
	// Also names the column of fields that a column feeds besides its own
	// (a "type" column that sets both kind and subkind, say).
	Also    map[string]string
	Example []string // one example row for the template
	// Create parses one row and creates the entity with the module's own
	// checks; invalid input returns errs with Fields named as in Fields.
	Create func(ctx context.Context, row []string) error
	// CreateWarn, when set, is used instead of Create: it also returns
	// what was worth a look in a row it created (a phone that could not
	// be read and was kept as it came), named like errors by field and
	// rule. The report lists them as warnings; they refuse nothing.
	CreateWarn func(ctx context.Context, row []string) ([]errs.FieldError, error)
	// Export returns the rows in scope in the template's format.
	Export func(ctx context.Context) ([][]string, error)
	// Exists reports whether the entity of a row is there already (by its
	// natural key), so that importing the same file twice changes nothing.
	Exists func(ctx context.Context, row []string) (bool, error)
}

// RowError is one bad cell of an import: the one type every import
// reports its bad rows with.
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Rule   string `json:"rule"`
	Param  string `json:"param,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Report tells what an import did.
type Report struct {
	Rows      int        `json:"rows"`
	Created   int        `json:"created"`
	Unchanged int        `json:"unchanged"`
	Errors    []RowError `json:"errors,omitempty"`
	Warnings  []RowError `json:"warnings,omitempty" doc:"cells of rows that were imported, kept as they came but worth a look"`
	Committed bool       `json:"committed"`
}

var errRefused = errors.New("refused")

// MaxImportRows is the most rows (blank ones aside) an import may have. It
// runs within one request, and in one write transaction so that it
// commits all or nothing, while every other write of the application
// waits (SQLite has one writer). On SQLite on a busy two-core machine a
// 12345 export of 10,000 rows took 3.6 s and one of 20,000 12 s; a slower
// server or database must still finish well within the request's 30 s
// (and is stopped with a clear error when it would not). Larger files are
// split, or imported as a job where the module offers one (the people
// import does).
const MaxImportRows = 10_000

// errSlow stops an import that would not finish before its deadline.
var errSlow = errors.New("too slow")

// errTimeout refuses an import that did not finish within its request:
// nothing of it is kept. fit, when known, is about how many rows would
// have.
func errTimeout(fit int) error {
	if fit < 100 {
		return errs.Field("file", "rule.import_timeout", "")
	}
	return errs.Field("file", "rule.import_timeout_rows", strconv.Itoa(fit/100*100))
}

// Import creates one entity per row in one transaction. Every row is tried
// (each under a savepoint) and every bad cell reported; nothing is kept if
// any row is bad unless keepGood.
func Import(ctx context.Context, d *db.DB, spec Spec, rows [][]string, keepGood bool) (Report, error) {
	return ImportLines(ctx, d, spec, rows, nil, keepGood)
}

// ImportLines is Import for rows that came from further down a file (under
// title rows, with blank rows left out): lines[i] is the row number, as
// the file shows it, of rows[i+1], and the report names rows by it. nil
// lines number the rows from 2.
//
// A file of more than MaxImportRows rows is refused before any is tried.
// One that will not be done before ctx's deadline (as the rows tried so
// far tell) is stopped, and refused with about how many rows fit: nothing
// is kept, and the error is the person's to act on, not a server error.
func ImportLines(ctx context.Context, d *db.DB, spec Spec, rows [][]string, lines []int, keepGood bool) (Report, error) {
	var rep Report
	if len(rows) == 0 || !slices.Equal(trim(rows[0]), spec.Header) {
		return rep, errs.Field("header", "rule.csv_header", strings.Join(spec.Header, ","))
	}
	rep.Rows = len(rows) - 1
	n := 0
	for _, row := range rows[1:] {
		if !blank(row) {
			n++
		}
	}
	if n > MaxImportRows {
		return rep, errs.Field("file", "rule.too_many_rows", strconv.Itoa(MaxImportRows))
	}
	line := func(i int) int {
		if i < len(lines) {
			return lines[i]
		}
		return i + 2
	}
	start := time.Now() // wall time, as ctx's deadline is
	deadline, timed := ctx.Deadline()
	done, fit := 0, 0 // rows tried; rows that would fit before the deadline
	err := d.Tx(ctx, func(tx *db.Tx) error {
		inner := db.WithTx(ctx, tx)
		for i, row := range rows[1:] {
			if err := ctx.Err(); err != nil {
				return err
			}
			if done = i; timed && i > 0 && i%100 == 0 {
				// At the pace so far, the rest would end past the
				// deadline (with a margin): stop now rather than hold
				// the writers until it.
				spent := time.Since(start)
				need := spent * time.Duration(rep.Rows-i) / time.Duration(i)
				if spent > 2*time.Second && need > time.Until(deadline)*5/4 {
					fit = int(float64(i) * float64(deadline.Sub(start)) / float64(spent) * 0.8)
					return errSlow
				}
			}
			for len(row) < len(spec.Header) {
				row = append(row, "")
			}
			row = trim(row)
			if spec.Exists != nil {
				there, err := spec.Exists(inner, row)
				if err != nil {
					return fmt.Errorf("row %d: %w", line(i), err)
				}
				if there {
					rep.Unchanged++
					continue
				}
			}
			var warns []errs.FieldError
			var err error
			if spec.CreateWarn != nil {
				warns, err = spec.CreateWarn(inner, row)
			} else {
				err = spec.Create(inner, row)
			}
			var e *errs.Error
			switch {
			case err == nil:
				rep.Created++
				for _, f := range warns {
					rep.Warnings = append(rep.Warnings, RowError{Row: line(i), Column: spec.column(f.Field), Rule: f.Rule, Param: f.Param})
				}
			case errors.As(err, &e) && e.Code == errs.Invalid:
				for _, f := range e.Fields {
					rep.Errors = append(rep.Errors, RowError{Row: line(i), Column: spec.column(f.Field), Rule: f.Rule, Param: f.Param})
				}
			default:
				return fmt.Errorf("row %d: %w", line(i), err)
			}
		}
		if len(rep.Errors) > 0 && !keepGood {
			return errRefused
		}
		return nil
	})
	if errors.Is(err, errRefused) {
		// Rows there before stay counted: they are there either way.
		return Report{Rows: rep.Rows, Unchanged: rep.Unchanged, Errors: rep.Errors, Warnings: rep.Warnings}, nil
	}
	if errors.Is(err, errSlow) || err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		if fit == 0 && done > 0 && timed {
			fit = int(float64(done) * float64(deadline.Sub(start)) / float64(time.Since(start)) * 0.8)
		}
		return Report{Rows: rep.Rows}, errTimeout(fit)
	}
	if err != nil {
		return Report{Rows: rep.Rows, Errors: rep.Errors}, err
	}
	rep.Committed = true
	return rep, nil
}

func (s Spec) column(field string) string {
	if i := slices.Index(s.Fields, field); i >= 0 {
		return s.Header[i]
	}
	if h, ok := s.Also[field]; ok {
		return h
	}
	return field
}

func trim(r []string) []string {
	out := make([]string, len(r))
	for i, x := range r {
		out[i] = strings.TrimSpace(strings.TrimPrefix(x, "\ufeff"))
	}
	return out
}

// WriteCSV writes rows as CSV with a BOM (so Excel reads the Chinese),
// every cell escaped (see EscapeCell).
func WriteCSV(w http.ResponseWriter, filename string, rows [][]string) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	cw := NewCSVWriter(w)
	for _, row := range rows {
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// WriteXLSX writes rows as an Excel sheet, every cell a string (ID and
// phone numbers must not become numbers) escaped like a CSV cell (see
// EscapeCell), the columns wide enough for an address or an ID number.
// Figures that a spreadsheet should add up go through WriteWorkbook.
func WriteXLSX(w http.ResponseWriter, filename string, rows [][]string) error {
	cells := make([][]Cell, len(rows))
	for i, row := range rows {
		cells[i] = Texts(row...)
	}
	return WriteWorkbook(w, filename, Sheet{Name: "Sheet1", Rows: cells})
}

type importPage struct {
	web.Page
	Spec     Spec
	Report   *Report
	Errors   []string
	Warnings []string
}

// RowMessages are the report's errors and warnings as a person reads
// them, each naming its row and column, in the page's language.
func RowMessages(p web.Page, rep Report) (errors, warnings []string) {
	for _, e := range rep.Errors {
		errors = append(errors, p.T("import.row_error", e.Row, e.Column)+" "+p.T(e.Rule, e.Param))
	}
	for _, e := range rep.Warnings {
		warnings = append(warnings, p.T("import.row_error", e.Row, e.Column)+" "+p.T(e.Rule, e.Param))
	}
	return errors, warnings
}

// Register adds, under spec.Path: template.csv, template.xlsx and
// export.csv (view), and the import form and upload (manage).
func Register(r *web.Router, d *db.DB, spec Spec, view, manage authz.Perm) {
	ui := r.UI()
	name := strings.Trim(strings.ReplaceAll(spec.Path, "/", "-"), "-")
	template := [][]string{spec.Header, spec.Example}
	r.Page("GET "+spec.Path+"/template.csv", view, func(w http.ResponseWriter, _ *http.Request) error {
		return WriteCSV(w, name+"-template.csv", template)
	})
	r.Page("GET "+spec.Path+"/template.xlsx", view, func(w http.ResponseWriter, _ *http.Request) error {
		return WriteXLSX(w, name+"-template.xlsx", template)
	})
	r.Page("GET "+spec.Path+"/export.csv", view, func(w http.ResponseWriter, req *http.Request) error {
		rows, err := spec.Export(req.Context())
		if err != nil {
			return err
		}
		return WriteCSV(w, name+".csv", append([][]string{spec.Header}, rows...))
	})
	page := func(req *http.Request) importPage {
		p := importPage{Page: ui.Page(req, "title.table_import"), Spec: spec}
		p.Title = p.T(spec.TitleKey) + " · " + p.Title
		return p
	}
	r.Page("GET "+spec.Path+"/import", manage, func(w http.ResponseWriter, req *http.Request) error {
		return ui.Render(w, req, http.StatusOK, "table_import", "", page(req))
	})
	r.PageUpload("POST "+spec.Path+"/import", manage, func(w http.ResponseWriter, req *http.Request) error {
		filename, data, err := web.FormFile(req, "file")
		if err != nil {
			return err
		}
		p := page(req)
		rows, err := readRows(req.Context(), filename, data, MaxImportRows)
		if err == nil {
			var rep Report
			rep, err = Import(req.Context(), d, spec, rows, req.PostFormValue("keep_good") == "on")
			p.Report = &rep
			p.Errors, p.Warnings = RowMessages(p.Page, rep)
		}
		if errs.CodeOf(err) == errs.Invalid {
			p.Errors = append(p.Errors, ui.Message(p.Lang, errs.As(err)))
			p.Errors = append(p.Errors, ui.FieldMessages(p.Lang, err)...)
			return ui.Render(w, req, http.StatusUnprocessableEntity, "table_import", "", p)
		}
		if err != nil {
			return err
		}
		status := http.StatusOK
		if !p.Report.Committed {
			status = http.StatusUnprocessableEntity
		}
		return ui.Render(w, req, status, "table_import", "", p)
	})
}
