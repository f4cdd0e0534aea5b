package cases

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/geo"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
)

// The 12345 import files the work orders of a hotline export as they
// really arrive (issue 9 §2): CSV in GBK, GB18030, UTF-16 or UTF-8 (read
// by package tabular, which also finds the header under title rows and
// merged group headings, and the sheet of a workbook that holds it); the
// hotline's own column names; receipt times the deadlines count from;
// addresses matched against the registry, or kept in the 待定位 queue
// (locate.go); phones as Excel writes them; work-order numbers that must
// stay text; categories mapped by the city's table (hotline_map.go); and
// points in WGS-84, GCJ-02 or BD-09.

// Fields of an import row, in this order.
const (
	hfExternalID = iota
	hfCategory
	hfDescription
	hfAddress
	hfLon
	hfLat
	hfContactName
	hfContactPhone
	hfAcceptedAt
	hfDispatchedAt
	hfDistrict
	hfSubdistrict
)

// hotlineFields are the input fields of the import's columns.
var hotlineFields = []string{"external_id", "category", "description", "address", "lon", "lat", "contact_name", "contact_phone",
	"accepted_at", "dispatched_at", "district", "subdistrict"}

// HotlineTemplate is the header of the batch file; an export's own
// headers (hotlineColumns) are read as well.
var HotlineTemplate = []string{"工单编号", "问题类型", "问题描述", "地址", "经度", "纬度", "诉求人", "联系电话", "受理时间", "派单时间", "所属区", "所属街道"}

// hotlineColumns maps the headers 12345 systems write (normalised by
// headerKey) to fields.
var hotlineColumns = map[string]string{}

func init() {
	for field, names := range map[string][]string{
		"external_id":   {"工单编号", "工单号", "工单编码", "受理编号", "诉求编号", "热线编号", "external_id", "work_order", "order_id"},
		"category":      {"问题类型", "问题分类", "诉求类型", "诉求分类", "工单类型", "工单分类", "事项分类", "业务类型", "category"},
		"description":   {"问题描述", "诉求内容", "工单内容", "来电内容", "反映内容", "问题内容", "事件描述", "描述", "description"},
		"address":       {"地址", "事发地址", "发生地址", "诉求地址", "问题地址", "事发地点", "发生地点", "详细地址", "address"},
		"lon":           {"经度", "lon", "lng", "longitude", "x"},
		"lat":           {"纬度", "lat", "latitude", "y"},
		"contact_name":  {"诉求人", "诉求人姓名", "来电人", "来电人姓名", "联系人", "联系人姓名", "反映人", "姓名", "contact_name", "name"},
		"contact_phone": {"联系电话", "诉求人电话", "来电号码", "来电电话", "联系人电话", "联系方式", "电话", "手机", "contact_phone", "phone"},
		"accepted_at":   {"受理时间", "来电时间", "登记时间", "受理日期", "accepted_at", "received_at"},
		"dispatched_at": {"派单时间", "派发时间", "转派时间", "交办时间", "dispatched_at"},
		"district":      {"所属区", "区", "区县", "所属区县", "行政区", "district"},
		"subdistrict":   {"所属街道", "街道", "街道乡镇", "乡镇街道", "所属街乡", "subdistrict"},
	} {
		for _, n := range names {
			hotlineColumns[headerKey(n)] = field
		}
	}
}

var headerRemark = regexp.MustCompile(`\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】`)

// headerKey is a header as hotlineColumns keys it: full-width forms
// plain, remarks in brackets ((必填), （yyyy-mm-dd）), spaces and the
// required mark * dropped, Latin letters lower-case.
func headerKey(h string) string {
	h = strings.ToLower(norm.NFKC.String(strings.TrimPrefix(h, "\ufeff")))
	h = headerRemark.ReplaceAllString(h, "")
	return strings.NewReplacer("*", "", " ", "", "\t", "", ":", "").Replace(h)
}

// hotlineHeader maps the cells of a header row (with the group headings
// above it, 诉求人信息 over 姓名 and 电话) to the column of each field, and
// counts the columns it knows.
func hotlineHeader(group, row []string) (map[string]int, int) {
	col := map[string]int{}
	for i, h := range row {
		k := headerKey(h)
		f, ok := hotlineColumns[k]
		if !ok && i < len(group) {
			g := strings.TrimSuffix(headerKey(group[i]), "信息")
			f, ok = hotlineColumns[g+k]
		}
		if !ok || k == "" {
			continue
		}
		if _, taken := col[f]; !taken {
			col[f] = i
		}
	}
	return col, len(col)
}

// hotlineNeeds are the columns an export must have.
var hotlineNeeds = []string{"external_id", "category", "description"}

func isHotlineHeader(group, row []string) (int, bool) {
	col, n := hotlineHeader(group, row)
	for _, need := range hotlineNeeds {
		if _, ok := col[need]; !ok {
			return n, false
		}
	}
	return n, true
}

// floatNumber is a work-order number a spreadsheet turned into a number:
// 2.02611E+11, or 202611300001.0.
var floatNumber = regexp.MustCompile(`^['+-]?[0-9]*([.,][0-9]+)?\s*[eE]\s*[+-]?[0-9]+$|^['+-]?[0-9]+[.,][0-9]+$`)

// HotlineOptions say how to read a 12345 export.
type HotlineOptions struct {
	Name     string  // file name; .xlsx for Excel
	Encoding string  // of a CSV (tabular.Encodings; empty: detected)
	CRS      geo.CRS // of its points (empty: WGS-84)
	KeepGood bool    // commit the good rows when some are bad
}

// HotlineReport tells what a 12345 import did and how it read the file.
type HotlineReport struct {
	tabular.Report
	Unlocated int    `json:"unlocated" doc:"new cases whose address matched no registry address: they wait in their division's 待定位 queue"`
	Encoding  string `json:"encoding,omitempty" doc:"the encoding the CSV was read in"`
	Sheet     string `json:"sheet,omitempty" doc:"the sheet of the workbook that was read"`
	HeaderRow int    `json:"header_row,omitempty" doc:"the row of the file that holds the header"`
	CRS       string `json:"crs" doc:"the system the points were read in"`
	// UnlocatedOrders are the work orders of the Unlocated cases, in the
	// file's order.
	UnlocatedOrders []UnlocatedOrder `json:"unlocated_orders,omitempty" doc:"the work orders of the unlocated cases, in the file's order"`
}

// UnlocatedOrder is a work order of an import whose address matched no
// registry address, for the importer to find it in the 待定位 queue.
type UnlocatedOrder struct {
	Row        int    `json:"row" doc:"the row of the file"`
	ExternalID string `json:"external_id" doc:"the work order's number"`
	CaseID     int64  `json:"case_id"`
}

// ImportHotline files the work orders of a 12345 export. Each row is
// checked like a pushed order; work orders received before are counted
// unchanged, a work order twice in the file is a bad row. Every bad row is
// reported with its row, column and rule, cells kept but worth a look
// (a phone that could not be read) as warnings, and nothing is committed
// unless opt.KeepGood (tabular.ImportLines).
func (s *Service) ImportHotline(ctx context.Context, data []byte, opt HotlineOptions) (HotlineReport, error) {
	a := authz.ActorFrom(ctx)
	if a == nil {
		return HotlineReport{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	if opt.CRS == "" {
		opt.CRS = geo.WGS84
	}
	rep := HotlineReport{CRS: string(opt.CRS)}
	if len(data) == 0 {
		return rep, errs.Field("file", "rule.required", "")
	}
	tab, err := tabular.ReadTable(ctx, opt.Name, data, tabular.ReadOptions{Encoding: opt.Encoding, Header: isHotlineHeader, Raw: true, MaxRows: tabular.MaxImportRows})
	if err != nil {
		return rep, err
	}
	rep.Encoding, rep.Sheet, rep.HeaderRow = tab.Encoding, tab.Sheet, tab.HeaderRow
	if tab.HeaderRow == 0 {
		return rep, errs.Field("file", "rule.hotline_header", strings.Join(HotlineTemplate[:3], "、"))
	}
	col, _ := hotlineHeader(tab.Group, tab.Header)
	// The report names columns as the file does.
	header := make([]string, len(hotlineFields))
	for k, f := range hotlineFields {
		header[k] = HotlineTemplate[k]
		if i, ok := col[f]; ok && strings.TrimSpace(tab.Header[i]) != "" {
			header[k] = strings.TrimSpace(tab.Header[i])
		}
	}
	table := [][]string{header}
	var lines []int
	first := map[string]int{} // work order → the row it is first on
	for n, r := range tab.Rows {
		if strings.TrimSpace(strings.Join(r, "")) == "" {
			continue
		}
		row := make([]string, len(hotlineFields))
		for k, f := range hotlineFields {
			if i, ok := col[f]; ok && i < len(r) {
				row[k] = strings.TrimSpace(r[i])
			}
		}
		// The number as it will be stored (Report cleans a line the same
		// way), so that checks and repeats see what the case will hold.
		row[hfExternalID], _ = text.Line(norm.NFKC.String(row[hfExternalID]))
		if _, ok := first[row[hfExternalID]]; !ok {
			first[row[hfExternalID]] = tab.Lines[n]
		}
		table = append(table, row)
		lines = append(lines, tab.Lines[n])
	}
	cats, err := s.categoryResolver(ctx)
	if err != nil {
		return rep, err
	}
	sender := "u" + strconv.FormatInt(a.UserID, 10)
	home := a.Scope.Home()
	divisions := map[string]string{} // 区+街道 → their division
	unmapped, labels := map[string]int{}, map[string]string{}
	seen := map[string]int{} // work order → rows of it met so far
	repeat := func(ext string) bool { seen[ext]++; return seen[ext] > 1 }
	var unlocated []UnlocatedOrder
	spec := tabular.Spec{Header: header, Fields: hotlineFields,
		Also: map[string]string{"location": header[hfAddress], "received_at": header[hfAcceptedAt], "building_id": header[hfAddress]},
		Exists: func(ctx context.Context, row []string) (bool, error) {
			ext := row[hfExternalID]
			if ext == "" || floatNumber.MatchString(ext) || seen[ext] > 0 {
				return false, nil // CreateWarn reports the missing, shortened or repeated number
			}
			_, err := s.repeatOf(ctx, accessOf(a), sender, ChannelHotline, ext)
			if err == nil {
				seen[ext]++
			} else if errs.CodeOf(err) != errs.NotFound {
				return false, err
			}
			return err == nil, nil
		},
		CreateWarn: func(ctx context.Context, row []string) ([]errs.FieldError, error) {
			var fe, warn errs.Fields
			in := ReportInput{ExternalID: row[hfExternalID], Description: row[hfDescription], Address: row[hfAddress],
				ContactName: row[hfContactName], Channel: ChannelHotline}
			switch {
			case in.ExternalID == "":
				fe.Add("external_id", "rule.required", "")
			case floatNumber.MatchString(in.ExternalID):
				fe.Add("external_id", "rule.hotline_number_text", row[hfExternalID])
			case repeat(in.ExternalID):
				fe.Add("external_id", "rule.hotline_repeat", strconv.Itoa(first[in.ExternalID]))
			}
			if code, ok := cats.resolve(row[hfCategory]); ok {
				in.Category = code
			} else if t := strings.TrimSpace(row[hfCategory]); t == "" {
				fe.Add("category", "rule.required", "")
			} else {
				fe.Add("category", "rule.hotline_category_unmapped", t)
				if k := categoryKey(t); k != "" {
					unmapped[k]++
					if labels[k] == "" {
						labels[k] = norm.NFKC.String(t)
					}
				}
			}
			s.hotlinePoint(&fe, &in, row[hfLon], row[hfLat], opt.CRS)
			s.hotlineTime(&fe, &in, row[hfAcceptedAt], row[hfDispatchedAt])
			phones, rest := pii.ReadPhones(row[hfContactPhone])
			switch {
			case rest == "" && len(phones) == 1 && pii.ValidPhone(phones[0]):
				in.ContactPhone = phones[0]
			case rest == "" && len(phones) > 0:
				in.contact = strings.Join(phones, "/")
			case rest != "":
				// Kept as it came, sealed like a phone, for a person to read.
				in.contact = truncate(strings.Join(strings.Fields(row[hfContactPhone]), " "), 100)
				warn.Add("contact_phone", "rule.phone_kept", "")
			}
			if in.Lon == nil && in.Address != "" {
				key := row[hfDistrict] + "\x00" + row[hfSubdistrict]
				d, ok := divisions[key]
				if !ok {
					d = home
					if row[hfDistrict] != "" || row[hfSubdistrict] != "" {
						named, err := s.deps.Registry.DivisionOf(ctx, row[hfDistrict], row[hfSubdistrict])
						if err != nil {
							return nil, err
						}
						if named != "" && a.Scope.Contains(named) {
							d = named
						}
					}
					divisions[key] = d
				}
				in.queue = d
			}
			if len(fe) > 0 {
				// The rest of the row is checked as well, so that the
				// report names every bad cell of it at once.
				return nil, mergeFields(fe, s.checkRow(ctx, in, cats.cat))
			}
			res, err := s.Report(ctx, in)
			if err != nil {
				return nil, err
			}
			if res.Case.unlocated {
				unlocated = append(unlocated, UnlocatedOrder{Row: first[in.ExternalID], ExternalID: in.ExternalID, CaseID: res.Case.ID})
			}
			return warn, nil
		}}
	r, err := tabular.ImportLines(ctx, s.db, spec, table, lines, opt.KeepGood)
	if err == nil {
		err = s.noteUnmapped(ctx, unmapped, labels)
	}
	rep.Report = r
	if r.Committed {
		rep.Unlocated, rep.UnlocatedOrders = len(unlocated), unlocated
	}
	return rep, err
}

// hotlinePoint reads a row's point in crs into in, as WGS-84. A point
// of 0, 0 is the hotline's "no point".
func (s *Service) hotlinePoint(fe *errs.Fields, in *ReportInput, lonCell, latCell string, crs geo.CRS) {
	lonCell, latCell = norm.NFKC.String(lonCell), norm.NFKC.String(latCell)
	if lonCell == "" && latCell == "" {
		return
	}
	lon, err1 := strconv.ParseFloat(lonCell, 64)
	lat, err2 := strconv.ParseFloat(latCell, 64)
	switch {
	case lonCell == "" || latCell == "":
		fe.Add("lat", "rule.point_pair", "")
	case err1 != nil:
		fe.Add("lon", "rule.number", "")
	case err2 != nil:
		fe.Add("lat", "rule.number", "")
	case lon == 0 && lat == 0:
	default:
		lon, lat = crs.ToWGS84(lon, lat)
		in.Lon, in.Lat = &lon, &lat
	}
}

// hotlineTime reads when the hotline received the order: its 受理时间, else
// its 派单时间 (China Standard Time unless the cell says its zone). An
// unreadable time, or one still to come, refuses the row.
func (s *Service) hotlineTime(fe *errs.Fields, in *ReportInput, accepted, dispatched string) {
	now := s.db.Now()
	var times [2]*time.Time
	for i, c := range []struct{ field, cell string }{{"accepted_at", accepted}, {"dispatched_at", dispatched}} {
		if c.cell == "" {
			continue
		}
		t, ok := tabular.Time(c.cell, cst)
		switch {
		case !ok:
			fe.Add(c.field, "rule.hotline_time", c.cell)
		case t.After(now):
			fe.Add(c.field, "rule.not_future", "")
		default:
			times[i] = &t
		}
	}
	switch {
	case times[0] != nil && times[1] != nil && times[1].Before(*times[0]):
		fe.Add("dispatched_at", "rule.hotline_time_order", "")
	case times[0] != nil:
		in.ReceivedAt = times[0]
	default:
		in.ReceivedAt = times[1]
	}
}

// checkRow runs Report's checks on a row that is bad already, so that
// the import names every bad cell of it: the row is filed under a
// savepoint that is always rolled back, and Report's field errors (or
// none) returned.
func (s *Service) checkRow(ctx context.Context, in ReportInput, cat *Catalogue) error {
	in.ExternalID = "" // never a repeat of an earlier order
	if _, ok := cat.Get(in.Category); !ok {
		if subs := cat.Subs(""); len(subs) > 0 {
			in.Category = subs[0].Code // the category's own error is known
		}
	}
	var checked error
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		_, checked = s.Report(db.WithTx(ctx, tx), in)
		return errChecked
	})
	if err != nil && !errors.Is(err, errChecked) {
		return err
	}
	if errs.CodeOf(checked) == errs.Invalid {
		return checked
	}
	return nil
}

// errChecked rolls back the savepoint of checkRow.
var errChecked = errors.New("cases: row checked only")

// mergeFields adds the field errors of err to fe, but for fields fe
// names already; an error that is not about fields is returned as it is.
func mergeFields(fe errs.Fields, err error) error {
	if err != nil && errs.CodeOf(err) != errs.Invalid {
		return err
	}
	if err != nil {
		for _, f := range errs.As(err).Fields {
			if !slices.ContainsFunc(fe, func(x errs.FieldError) bool { return x.Field == f.Field }) {
				fe = append(fe, f)
			}
		}
	}
	return fe.Err()
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func (h *handler) hotlineRoutes(r *web.Router) {
	r.Upload("POST /api/v1/hotline/import", PermIntake, web.OpDoc{Summary: "Import a 12345 work-order export: CSV (GBK, GB18030, UTF-16 or UTF-8, detected or chosen; comma, tab or semicolon) or .xlsx, the header (工单编号, 问题类型, 问题描述 at least; the hotline's own names read) found under title rows and on any sheet; nothing is committed when a row is bad unless keep_good", Tag: "cases",
		Query: []web.Param{{Name: "keep_good", Type: "boolean"}, {Name: "name", Type: "string", Description: "file name; .xlsx for Excel"},
			{Name: "encoding", Type: "string", Description: "of a CSV: utf-8, gbk, gb18030, utf-16le or utf-16be; empty: detected"},
			{Name: "crs", Type: "string", Description: "the system of the file's points: wgs84 (default), gcj02 (Amap, Tencent) or bd09 (Baidu)"}},
		Response: HotlineReport{}}, h.apiHotlineImport)
	r.Page("GET /cases/hotline", PermIntake, h.handleHotlineForm)
	r.PageUpload("POST /cases/hotline", PermIntake, h.handleHotlineImport)
	r.Page("GET /cases/hotline-template.csv", PermIntake, func(w http.ResponseWriter, _ *http.Request) error {
		return tabular.WriteCSV(w, "12345-template.csv", [][]string{HotlineTemplate})
	})
	h.categoryRoutes(r)
	h.locateRoutes(r)
}

// hotlineOptions reads the import's choices (query or form values).
func hotlineOptions(get func(string) string) (HotlineOptions, error) {
	var opt HotlineOptions
	var fe errs.Fields
	enc, ok := tabular.ParseEncoding(get("encoding"))
	if !ok {
		fe.Add("encoding", "rule.one_of", strings.Join(tabular.Encodings, ", "))
	}
	crs, ok := geo.ParseCRS(get("crs"))
	if !ok {
		fe.Add("crs", "rule.one_of", "wgs84, gcj02, bd09")
	}
	opt.Encoding, opt.CRS = enc, crs
	return opt, fe.Err()
}

func (h *handler) apiHotlineImport(w http.ResponseWriter, r *http.Request) error {
	opt, err := hotlineOptions(r.URL.Query().Get)
	if err != nil {
		return err
	}
	data, err := readBody(r)
	if err != nil {
		return err
	}
	opt.Name, opt.KeepGood = r.URL.Query().Get("name"), r.URL.Query().Get("keep_good") == "true"
	if strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
		opt.Name = "upload.xlsx"
	}
	rep, err := h.svc.ImportHotline(r.Context(), data, opt)
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
	Report    *HotlineReport
	Errors    []string
	Warnings  []string
	Encodings []string
	CRSs      []geo.CRS
	Form      HotlineOptions
	// Unlocated are the unlocated work orders the report names (the
	// first unlocatedShown), UnlocatedMore how many others there are.
	Unlocated     []UnlocatedOrder
	UnlocatedMore int
}

// unlocatedShown is how many unlocated work orders the report names.
const unlocatedShown = 20

func (h *handler) newHotlinePage(r *http.Request) hotlinePage {
	return hotlinePage{Page: h.ui.Page(r, "title.hotline"), Encodings: tabular.Encodings, CRSs: geo.CRSs}
}

func (h *handler) handleHotlineForm(w http.ResponseWriter, r *http.Request) error {
	return h.ui.Render(w, r, http.StatusOK, "hotline", "", h.newHotlinePage(r))
}

func (h *handler) handleHotlineImport(w http.ResponseWriter, r *http.Request) error {
	p := h.newHotlinePage(r)
	name, data, err := web.FormFile(r, "file")
	var opt HotlineOptions
	if err == nil {
		opt, err = hotlineOptions(r.PostFormValue)
	}
	var rep HotlineReport
	if err == nil {
		opt.Name, opt.KeepGood = name, r.PostFormValue("keep_good") == "1"
		p.Form = opt
		rep, err = h.svc.ImportHotline(r.Context(), data, opt)
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
	p.Errors, p.Warnings = tabular.RowMessages(p.Page, rep.Report)
	p.Unlocated = rep.UnlocatedOrders
	if n := len(p.Unlocated); n > unlocatedShown {
		p.Unlocated, p.UnlocatedMore = p.Unlocated[:unlocatedShown], n-unlocatedShown
	}
	st := http.StatusOK
	if !rep.Committed {
		st = http.StatusUnprocessableEntity
	}
	return h.ui.Render(w, r, st, "hotline", "", p)
}
