package cases

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"grassroots/internal/platform/authz"
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

// hotlineFields are the input fields of HotlineTemplate's columns.
var hotlineFields = []string{"external_id", "category", "description", "address", "lon", "lat", "contact_name", "contact_phone"}

// ImportHotline files the work orders of a 12345 export (rows with a
// header in Chinese or English, columns in any order). Each row is checked
// like a pushed order; work orders received before are counted unchanged,
// a work order twice in the file is a bad row. Every bad row is reported,
// and nothing is committed unless keepGood (tabular.Import).
func (s *Service) ImportHotline(ctx context.Context, rows [][]string, keepGood bool) (tabular.Report, error) {
	if len(rows) == 0 {
		return tabular.Report{}, errs.Field("file", "rule.required", "")
	}
	// Put the columns in the template's order under its header.
	col := map[string]int{}
	for i, h := range rows[0] {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if f, ok := hotlineColumns[strings.ToLower(h)]; ok {
			col[f] = i
		} else if f, ok := hotlineColumns[h]; ok {
			col[f] = i
		}
	}
	for _, need := range []string{"external_id", "category", "description"} {
		if _, ok := col[need]; !ok {
			return tabular.Report{}, errs.Field("file", "rule.hotline_header", strings.Join(HotlineTemplate, ","))
		}
	}
	table := [][]string{HotlineTemplate}
	first := map[string]int{} // work order → its first row
	for n, r := range rows[1:] {
		if strings.TrimSpace(strings.Join(r, "")) == "" {
			continue
		}
		row := make([]string, len(hotlineFields))
		for k, f := range hotlineFields {
			if i, ok := col[f]; ok && i < len(r) {
				row[k] = strings.TrimSpace(r[i])
			}
		}
		if _, ok := first[row[0]]; !ok {
			first[row[0]] = n + 2
		}
		table = append(table, row)
	}
	cat, err := s.Catalogue(ctx, 0)
	if err != nil {
		return tabular.Report{}, err
	}
	byName := map[string]string{}
	for _, c := range cat.Subs("") {
		byName[c.Name] = c.Code
	}
	a := authz.ActorFrom(ctx)
	if a == nil {
		return tabular.Report{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	sender := "u" + strconv.FormatInt(a.UserID, 10)
	seen := map[string]int{} // work order → rows of it met so far
	repeat := func(ext string) bool { seen[ext]++; return seen[ext] > 1 }
	spec := tabular.Spec{Header: HotlineTemplate, Fields: hotlineFields,
		Exists: func(ctx context.Context, row []string) (bool, error) {
			if row[0] == "" || seen[row[0]] > 0 {
				return false, nil // Create reports the missing or repeated number
			}
			_, err := s.repeatOf(ctx, accessOf(a), sender, ChannelHotline, row[0])
			if err == nil {
				seen[row[0]]++
			} else if errs.CodeOf(err) != errs.NotFound {
				return false, err
			}
			return err == nil, nil
		},
		Create: func(ctx context.Context, row []string) error {
			in := ReportInput{ExternalID: row[0], Category: row[1], Description: row[2], Address: row[3],
				ContactName: row[6], ContactPhone: row[7], Channel: ChannelHotline}
			switch {
			case in.ExternalID == "":
				return errs.Field("external_id", "rule.required", "")
			case repeat(in.ExternalID):
				return errs.Field("external_id", "rule.hotline_repeat", strconv.Itoa(first[in.ExternalID]))
			}
			if code, ok := byName[in.Category]; ok {
				in.Category = code
			}
			if row[4] != "" || row[5] != "" {
				in.Lon, in.Lat = parseFloat(row[4]), parseFloat(row[5])
				if in.Lon == nil || in.Lat == nil {
					return errs.Field("lat", "rule.point_pair", "")
				}
			}
			_, err := s.Report(ctx, in)
			return err
		}}
	return tabular.Import(ctx, s.db, spec, table, keepGood)
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
