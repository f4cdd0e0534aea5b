package cases

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/web"
)

// hotlineColumns maps the headers of a 12345 work-order export (Chinese
// or English) to fields.
var hotlineColumns = map[string]string{
	"工单编号": "external_id", "external_id": "external_id",
	"问题类型": "category", "category": "category",
	"问题描述": "description", "description": "description",
	"地址": "address", "address": "address",
	"经度": "lon", "lon": "lon",
	"纬度": "lat", "lat": "lat",
	"联系人": "contact_name", "contact_name": "contact_name",
	"联系电话": "contact_phone", "contact_phone": "contact_phone",
}

// HotlineTemplate is the header of the batch file.
var HotlineTemplate = []string{"工单编号", "问题类型", "问题描述", "地址", "经度", "纬度", "联系人", "联系电话"}

var errRefused = errors.New("refused")

// ImportHotline files the work orders of a 12345 export (rows with a
// header). Each row is checked like a pushed order; work orders received
// before are counted unchanged. Every bad row is reported, and nothing is
// committed unless keepGood.
func (s *Service) ImportHotline(ctx context.Context, rows [][]string, keepGood bool) (tabular.Report, error) {
	var rep tabular.Report
	if len(rows) == 0 {
		return rep, errs.Field("file", "rule.required", "")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		if f, ok := hotlineColumns[strings.TrimSpace(strings.ToLower(h))]; ok {
			col[f] = i
		} else if f, ok := hotlineColumns[strings.TrimSpace(h)]; ok {
			col[f] = i
		}
	}
	for _, need := range []string{"external_id", "category", "description"} {
		if _, ok := col[need]; !ok {
			return rep, errs.Field("file", "rule.hotline_header", strings.Join(HotlineTemplate, ","))
		}
	}
	cell := func(r []string, f string) string {
		if i, ok := col[f]; ok && i < len(r) {
			return strings.TrimSpace(r[i])
		}
		return ""
	}
	cat, err := s.Catalogue(ctx, 0)
	if err != nil {
		return rep, err
	}
	byName := map[string]string{}
	for _, c := range cat.Subs("") {
		byName[c.Name] = c.Code
	}
	seen := map[string]int{}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		inner := db.WithTx(ctx, tx)
		for i, r := range rows[1:] {
			line := i + 2
			if strings.TrimSpace(strings.Join(r, "")) == "" {
				continue
			}
			rep.Rows++
			in := ReportInput{ExternalID: cell(r, "external_id"), Category: cell(r, "category"), Description: cell(r, "description"),
				Address: cell(r, "address"), ContactName: cell(r, "contact_name"), ContactPhone: cell(r, "contact_phone"), Channel: ChannelHotline}
			if code, ok := byName[in.Category]; ok {
				in.Category = code
			}
			if in.ExternalID == "" {
				rep.Errors = append(rep.Errors, tabular.RowError{Row: line, Column: "external_id", Rule: "rule.required"})
				continue
			}
			if first, dup := seen[in.ExternalID]; dup {
				rep.Errors = append(rep.Errors, tabular.RowError{Row: line, Column: "external_id", Rule: "rule.hotline_repeat", Param: strconv.Itoa(first)})
				continue
			}
			seen[in.ExternalID] = line
			if lon, lat := cell(r, "lon"), cell(r, "lat"); lon != "" || lat != "" {
				in.Lon, in.Lat = parseFloat(lon), parseFloat(lat)
				if in.Lon == nil || in.Lat == nil {
					rep.Errors = append(rep.Errors, tabular.RowError{Row: line, Column: "lat", Rule: "rule.point_pair"})
					continue
				}
			}
			res, err := s.Report(inner, in)
			if err != nil {
				e := errs.As(err)
				if e.Code == errs.Internal {
					return err
				}
				for _, f := range e.Fields {
					rep.Errors = append(rep.Errors, tabular.RowError{Row: line, Column: f.Field, Rule: f.Rule, Param: f.Param})
				}
				if len(e.Fields) == 0 {
					rep.Errors = append(rep.Errors, tabular.RowError{Row: line, Column: "", Rule: e.Key})
				}
				continue
			}
			if res.Repeated {
				rep.Unchanged++
			} else {
				rep.Created++
			}
		}
		if len(rep.Errors) > 0 && !keepGood {
			return errRefused
		}
		return nil
	})
	if errors.Is(err, errRefused) {
		rep.Created, rep.Unchanged = 0, 0
		return rep, nil
	}
	if err != nil {
		return rep, err
	}
	rep.Committed = true
	return rep, nil
}

func (h *handler) hotlineRoutes(r *web.Router) {
	r.Upload("POST /api/v1/hotline/import", PermIntake, web.OpDoc{Summary: "Import a 12345 work-order export (CSV or .xlsx with the header 工单编号,问题类型,问题描述,地址,经度,纬度,联系人,联系电话); nothing is committed when a row is bad unless keep_good", Tag: "cases",
		Query: []web.Param{{Name: "keep_good", Type: "boolean"}, {Name: "name", Type: "string", Description: "file name; .xlsx for Excel"}}, Response: tabular.Report{}}, h.apiHotlineImport)
	r.Page("GET /cases/hotline", PermIntake, h.handleHotlineForm)
	r.PageUpload("POST /cases/hotline", PermIntake, h.handleHotlineImport)
	r.Page("GET /cases/hotline-template.csv", PermIntake, func(w http.ResponseWriter, _ *http.Request) error {
		return tabular.WriteCSV(w, "12345-template.csv", [][]string{HotlineTemplate})
	})
}

func (h *handler) apiHotlineImport(w http.ResponseWriter, r *http.Request) error {
	data, err := readBody(r)
	if err != nil {
		return err
	}
	name := r.URL.Query().Get("name")
	if strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
		name = "upload.xlsx"
	}
	rows, err := tabular.Read(name, data)
	if err != nil {
		return err
	}
	rep, err := h.svc.ImportHotline(r.Context(), rows, r.URL.Query().Get("keep_good") == "true")
	if err != nil {
		return err
	}
	st := http.StatusOK
	if !rep.Committed {
		st = http.StatusUnprocessableEntity
	}
	return web.JSON(w, st, rep)
}

type hotlinePage struct {
	web.Page
	Report *tabular.Report
	Errors []string
}

func (h *handler) handleHotlineForm(w http.ResponseWriter, r *http.Request) error {
	return h.ui.Render(w, r, http.StatusOK, "hotline", "", hotlinePage{Page: h.ui.Page(r, "title.hotline")})
}

func (h *handler) handleHotlineImport(w http.ResponseWriter, r *http.Request) error {
	p := hotlinePage{Page: h.ui.Page(r, "title.hotline")}
	name, data, err := web.FormFile(r, "file")
	var rows [][]string
	if err == nil {
		rows, err = tabular.Read(name, data)
	}
	var rep tabular.Report
	if err == nil {
		rep, err = h.svc.ImportHotline(r.Context(), rows, r.PostFormValue("keep_good") == "1")
	}
	if c := errs.CodeOf(err); c == errs.Invalid {
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		if len(p.Errors) == 0 {
			p.Errors = []string{h.ui.Message(p.Lang, errs.As(err))}
		}
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "hotline", "", p)
	} else if err != nil {
		return err
	}
	p.Report = &rep
	for _, e := range rep.Errors {
		p.Errors = append(p.Errors, p.T("import.row_error", e.Row, e.Column)+" "+p.T(e.Rule, e.Param))
	}
	st := http.StatusOK
	if !rep.Committed {
		st = http.StatusUnprocessableEntity
	}
	return h.ui.Render(w, r, st, "hotline", "", p)
}
