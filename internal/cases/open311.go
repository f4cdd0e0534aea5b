package cases

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): services
// are the sub-classes of the catalogue in force, requests are cases.
// Reading is public and shows no personal data (a caller with an API key
// that may view cases also gets the descriptions in its scope); posting
// needs an API key (a platform API token).

type open311 struct {
	svc        *Service
	tokenActor func(context.Context, string) (*authz.Actor, error)
	ui         *web.UI
}

func (o *open311) routes(r *web.Router) {
	r.Raw("GET /open311/v2/{file}", authz.Public, o.serve(o.get))
	r.Raw("POST /open311/v2/{file}", authz.Public, o.serve(o.post))
	r.Raw("GET /open311/v2/services/{file}", authz.Public, o.serve(o.definition))
	r.Raw("GET /open311/v2/requests/{file}", authz.Public, o.serve(o.request))
	r.Raw("GET /open311/v2/tokens/{file}", authz.Public, o.serve(o.token))
}

// o311Error is the spec's error body.
type o311Error struct {
	XMLName     xml.Name `xml:"error" json:"-"`
	Code        int      `xml:"code" json:"code"`
	Description string   `xml:"description" json:"description"`
}

type o311Errors struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []o311Error `xml:"error"`
}

type o311Fail struct {
	status int
	desc   string
}

func (f o311Fail) Error() string { return f.desc }

func fail(status int, desc string) error { return o311Fail{status, desc} }

// serve splits {file} into its name and format and writes the answer or
// the spec's error list in that format.
func (o *open311) serve(fn func(r *http.Request, name string) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file := r.PathValue("file")
		name, format, _ := strings.Cut(file, ".")
		if format != "json" && format != "xml" {
			write(w, "xml", http.StatusNotFound, errorsOf(http.StatusNotFound, "unknown format: use .xml or .json"))
			return
		}
		if j, own := r.FormValue("jurisdiction_id"), o.svc.site().Jurisdiction; j != "" && own != "" && !strings.EqualFold(j, own) {
			write(w, format, http.StatusNotFound, errorsOf(http.StatusNotFound, "jurisdiction_id not found: this endpoint serves "+own))
			return
		}
		v, err := fn(r, name)
		if err != nil {
			st, desc := http.StatusBadRequest, err.Error()
			if f, ok := err.(o311Fail); ok {
				st = f.status
			} else {
				e := errs.As(err)
				switch e.Code {
				case errs.NotFound:
					st, desc = http.StatusNotFound, "not found"
				case errs.Forbidden, errs.Unauthorized:
					st, desc = http.StatusForbidden, "api_key not allowed to do this"
				case errs.Invalid, errs.Malformed, errs.Conflict:
					// The parameter the client sent and the rule, in
					// Chinese and in English.
					var parts []string
					for _, f := range e.Fields {
						zh, en := o.ui.FieldMessage("zh-CN", f), o.ui.FieldMessage("en", f)
						_, zh, _ = strings.Cut(zh, ": ")
						_, en, _ = strings.Cut(en, ": ")
						parts = append(parts, f.Field+": "+zh+" ("+en+")")
					}
					desc = strings.Join(parts, "; ")
					if desc == "" {
						desc = o.ui.Catalog().T("zh-CN", e.Key) + " (" + o.ui.Catalog().T("en", e.Key) + ")"
					}
				default:
					st, desc = http.StatusInternalServerError, "internal error"
				}
			}
			write(w, format, st, errorsOf(st, desc))
			return
		}
		write(w, format, http.StatusOK, v)
	})
}

func errorsOf(st int, desc string) any {
	return o311Errors{Errors: []o311Error{{Code: st, Description: desc}}}
}

// write answers v as JSON (lists are arrays) or XML.
func write(w http.ResponseWriter, format string, st int, v any) {
	if format == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(st)
		var body any = v
		switch x := v.(type) {
		case o311Errors:
			body = x.Errors
		case o311Services:
			body = x.Services
		case o311Requests:
			body = x.Requests
		case o311Updates:
			body = x.Updates
		case o311CreatedList:
			body = x.Requests
		}
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(st)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(v)
}

type o311Discovery struct {
	XMLName    xml.Name       `xml:"discovery" json:"-"`
	Changeset  string         `xml:"changeset" json:"changeset"`
	Contact    string         `xml:"contact" json:"contact"`
	KeyService string         `xml:"key_service" json:"key_service"`
	Endpoints  []o311Endpoint `xml:"endpoints>endpoint" json:"endpoints"`
}

type o311Endpoint struct {
	Specification string   `xml:"specification" json:"specification"`
	URL           string   `xml:"url" json:"url"`
	Changeset     string   `xml:"changeset" json:"changeset"`
	Type          string   `xml:"type" json:"type"`
	Formats       []string `xml:"formats>format" json:"formats"`
}

type o311Service struct {
	XMLName     xml.Name `xml:"service" json:"-"`
	ServiceCode string   `xml:"service_code" json:"service_code"`
	ServiceName string   `xml:"service_name" json:"service_name"`
	Description string   `xml:"description" json:"description"`
	Metadata    bool     `xml:"metadata" json:"metadata"`
	Type        string   `xml:"type" json:"type"`
	Keywords    string   `xml:"keywords" json:"keywords"`
	Group       string   `xml:"group" json:"group"`
}

type o311Services struct {
	XMLName  xml.Name      `xml:"services"`
	Services []o311Service `xml:"service"`
}

type o311Definition struct {
	XMLName     xml.Name        `xml:"service_definition" json:"-"`
	ServiceCode string          `xml:"service_code" json:"service_code"`
	Attributes  []o311Attribute `xml:"attributes>attribute" json:"attributes"`
}

type o311Attribute struct {
	Variable            bool             `xml:"variable" json:"variable"`
	Code                string           `xml:"code" json:"code"`
	Datatype            string           `xml:"datatype" json:"datatype"`
	Required            bool             `xml:"required" json:"required"`
	DatatypeDescription string           `xml:"datatype_description" json:"datatype_description"`
	Order               int              `xml:"order" json:"order"`
	Description         string           `xml:"description" json:"description"`
	Values              []AttributeValue `xml:"values>value" json:"values,omitempty"`
}

type o311Request struct {
	XMLName           xml.Name `xml:"request" json:"-"`
	ServiceRequestID  string   `xml:"service_request_id" json:"service_request_id"`
	Status            string   `xml:"status,omitempty" json:"status,omitempty"`
	StatusNotes       string   `xml:"status_notes,omitempty" json:"status_notes,omitempty"`
	ServiceName       string   `xml:"service_name,omitempty" json:"service_name,omitempty"`
	ServiceCode       string   `xml:"service_code,omitempty" json:"service_code,omitempty"`
	Description       string   `xml:"description" json:"description"`
	AgencyResponsible string   `xml:"agency_responsible,omitempty" json:"agency_responsible,omitempty"`
	ServiceNotice     string   `xml:"service_notice,omitempty" json:"service_notice,omitempty"`
	RequestedDatetime string   `xml:"requested_datetime,omitempty" json:"requested_datetime,omitempty"`
	UpdatedDatetime   string   `xml:"updated_datetime,omitempty" json:"updated_datetime,omitempty"`
	ExpectedDatetime  string   `xml:"expected_datetime,omitempty" json:"expected_datetime,omitempty"`
	Address           string   `xml:"address,omitempty" json:"address,omitempty"`
	Lat               *float64 `xml:"lat,omitempty" json:"lat,omitempty"`
	Long              *float64 `xml:"long,omitempty" json:"long,omitempty"`
	MediaURL          string   `xml:"media_url,omitempty" json:"media_url,omitempty"`
}

// o311Created answers a POST (and a token lookup): the spec's three
// elements, a token only where the id is not known.
type o311Created struct {
	XMLName          xml.Name `xml:"request" json:"-"`
	ServiceRequestID string   `xml:"service_request_id" json:"service_request_id"`
	Token            string   `xml:"token,omitempty" json:"token,omitempty"`
	ServiceNotice    string   `xml:"service_notice,omitempty" json:"service_notice,omitempty"`
	AccountID        string   `xml:"account_id" json:"account_id"`
}

type o311CreatedList struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []o311Created `xml:"request"`
}

type o311Requests struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []o311Request `xml:"request"`
}

func (o *open311) get(r *http.Request, name string) (any, error) {
	switch name {
	case "discovery":
		// The endpoint is the configured public address, never the
		// request's Host header, which any client may set.
		site := o.svc.site()
		base := strings.TrimRight(site.PublicURL, "/") + "/open311/v2/"
		cat, err := o.svc.Catalogue(r.Context(), 0)
		if err != nil {
			return nil, err
		}
		// The changeset moves with whatever changes what the endpoint
		// offers: a new catalogue or a new city profile.
		changed := cat.CreatedAt
		if site.Changed.After(changed) {
			changed = site.Changed
		}
		cs := iso(changed)
		return o311Discovery{Changeset: cs, Contact: "12345 热线 / 基层治理平台", KeyService: "API keys are issued by the city administrator (账号 → API token)",
			Endpoints: []o311Endpoint{{Specification: "http://wiki.open311.org/GeoReport_v2", URL: base, Changeset: cs,
				Type: "production", Formats: []string{"text/xml", "application/json"}}}}, nil
	case "services":
		cat, err := o.svc.Catalogue(r.Context(), 0)
		if err != nil {
			return nil, err
		}
		out := o311Services{Services: []o311Service{}}
		for _, c := range cat.Subs("") {
			parent, _ := cat.Get(c.Parent)
			out.Services = append(out.Services, o311Service{ServiceCode: c.Code, ServiceName: c.Name + " " + c.NameEN,
				Description: parent.Name + " / " + c.Name, Metadata: len(c.Attributes) > 0, Type: "realtime",
				Keywords: strings.Join(c.Keywords, ","), Group: parent.Name})
		}
		return out, nil
	case "requests":
		return o.list(r)
	case "servicerequestupdates":
		return o.updates(r)
	}
	return nil, fail(http.StatusNotFound, "no such resource: "+name)
}

func (o *open311) definition(r *http.Request, code string) (any, error) {
	cat, err := o.svc.Catalogue(r.Context(), 0)
	if err != nil {
		return nil, err
	}
	c, ok := cat.Get(code)
	if !ok || c.Parent == "" {
		return nil, fail(http.StatusNotFound, "service_code not found: "+code)
	}
	d := o311Definition{ServiceCode: c.Code, Attributes: []o311Attribute{}}
	for i, a := range c.Attributes {
		d.Attributes = append(d.Attributes, o311Attribute{Variable: true, Code: a.Code, Datatype: a.Datatype, Required: a.Required,
			Order: i + 1, Description: a.Description, Values: a.Values})
	}
	return d, nil
}

// actor returns the caller of an api_key, nil without one.
func (o *open311) actor(r *http.Request) (*authz.Actor, error) {
	key := r.FormValue("api_key")
	if r.Method == http.MethodPost {
		// A key that writes travels in the body, never in a URL that
		// proxies and logs keep.
		key = r.PostFormValue("api_key")
	}
	if key == "" {
		return nil, nil
	}
	a, err := o.tokenActor(r.Context(), key)
	if err != nil {
		return nil, fail(http.StatusForbidden, "api_key not valid")
	}
	return a, nil
}

func (o *open311) post(r *http.Request, name string) (any, error) {
	if name != "requests" {
		return nil, fail(http.StatusNotFound, "no such resource: "+name)
	}
	if err := r.ParseForm(); err != nil {
		return nil, fail(http.StatusBadRequest, "form: "+err.Error())
	}
	a, err := o.actor(r)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, fail(http.StatusForbidden, "api_key required")
	}
	if !a.Can(PermReport) {
		return nil, fail(http.StatusForbidden, "api_key not allowed to post requests")
	}
	f := r.PostForm
	code := f.Get("service_code")
	if code == "" {
		return nil, fail(http.StatusBadRequest, "service_code: required")
	}
	cat, err := o.svc.Catalogue(r.Context(), 0)
	if err != nil {
		return nil, err
	}
	if cg, ok := cat.Get(code); !ok || cg.Parent == "" {
		return nil, fail(http.StatusNotFound, "service_code not found: "+code)
	}
	in := ReportInput{Category: code, Description: f.Get("description"), Address: f.Get("address_string"),
		FirstName: f.Get("first_name"), LastName: f.Get("last_name"), ContactPhone: f.Get("phone"), Channel: ChannelOpen311,
		Attributes: map[string]string{}}
	for _, k := range []string{"media_url", "media_url[]"} {
		for _, u := range f[k] {
			if u = strings.TrimSpace(u); u != "" {
				in.MediaURLs = append(in.MediaURLs, u)
			}
		}
	}
	if f.Get("lat") != "" || f.Get("long") != "" {
		in.Lat, in.Lon = parseFloat(f.Get("lat")), parseFloat(f.Get("long"))
		if in.Lat == nil || in.Lon == nil {
			return nil, fail(http.StatusBadRequest, "lat, long: both must be decimal degrees (WGS-84)")
		}
	}
	if id := strings.TrimSpace(f.Get("address_id")); id != "" && in.Lat == nil {
		p, ok, err := o.svc.deps.Registry.LocateBuilding(r.Context(), id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fail(http.StatusBadRequest, "address_id: not an address of this jurisdiction: "+id)
		}
		in.Lon, in.Lat = p.Lon, p.Lat
		if in.Address == "" || p.Lon == nil {
			in.Address = p.Address
		}
	}
	if in.Lat == nil && strings.TrimSpace(in.Address) == "" {
		return nil, fail(http.StatusBadRequest, "location: lat and long, address_string or address_id is required")
	}
	// A free-text address that matches no registry address, or a point in
	// the city where no grid is drawn, waits in the 待定位 queue of the
	// division it names, else of the key's territory, to be placed on the
	// map: never refused for that.
	in.queue = a.Scope.Region
	attrs, err := attributesOf(f)
	if err != nil {
		return nil, err
	}
	in.Attributes = attrs
	res, err := o.svc.Report(authz.WithActor(r.Context(), a), in)
	if err != nil {
		return nil, err
	}
	// The spec returns a token only when the id is not known yet; ours is
	// known at once.
	return o311CreatedList{Requests: []o311Created{{ServiceRequestID: res.Case.Number,
		ServiceNotice: "已收到，受理后按工作日时限办理 (received; once accepted it is handled within time limits in working days)"}}}, nil
}

// attributesOf reads attribute[code]=v and, for multivaluelist answers,
// the spec's attribute[code][]=a&attribute[code][]=b (repeated keys): the
// values of one code joined by commas. Two values under a key without []
// are refused rather than silently cut to one.
func attributesOf(f url.Values) (map[string]string, error) {
	out := map[string]string{}
	multi := map[string][]string{}
	for k, vs := range f {
		code, ok := strings.CutPrefix(k, "attribute[")
		if !ok {
			continue
		}
		list := strings.HasSuffix(code, "][]")
		code = strings.TrimSuffix(strings.TrimSuffix(code, "[]"), "]")
		if code == "" || strings.ContainsAny(code, "[]") {
			return nil, fail(http.StatusBadRequest, k+": not an attribute")
		}
		var keep []string
		for _, v := range vs {
			if v = strings.TrimSpace(v); v != "" {
				keep = append(keep, v)
			}
		}
		if !list && len(keep) > 1 {
			// Clients that send a list without [] repeat the key.
			list = true
		}
		if list {
			multi[code] = append(multi[code], keep...)
		} else if len(keep) == 1 {
			out[code] = keep[0]
		}
	}
	for code, vs := range multi {
		if v, ok := out[code]; ok {
			vs = append([]string{v}, vs...)
		}
		slices.Sort(vs)
		out[code] = strings.Join(slices.Compact(vs), ",")
	}
	return out, nil
}

func (o *open311) request(r *http.Request, id string) (any, error) {
	n, ok := ParseNumber(id)
	if !ok {
		return nil, fail(http.StatusNotFound, "service_request_id not found: "+id)
	}
	rs, err := o.find(r, RequestFilter{IDs: []int64{n}, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(rs.Requests) == 0 {
		return nil, fail(http.StatusNotFound, "service_request_id not found: "+id)
	}
	return rs, nil
}

func (o *open311) token(r *http.Request, tok string) (any, error) {
	number, err := o.svc.NumberByToken(r.Context(), tok)
	if err != nil {
		return nil, fail(http.StatusNotFound, "token not found")
	}
	return o311CreatedList{Requests: []o311Created{{ServiceRequestID: number, Token: tok}}}, nil
}

// list answers GET requests: by ids, or by service codes, status and
// dates, 90 days and 1,000 requests at most by default (the spec's).
func (o *open311) list(r *http.Request) (any, error) {
	q := r.URL.Query()
	if ids := q.Get("service_request_id"); ids != "" {
		var nums []int64
		if strings.Count(ids, ",") >= 1000 {
			return nil, fail(http.StatusBadRequest, "service_request_id: 1,000 ids at most (最多 1000 个)")
		}
		for _, s := range strings.Split(ids, ",") {
			if n, ok := ParseNumber(strings.TrimSpace(s)); ok {
				nums = append(nums, n)
			}
		}
		if len(nums) == 0 {
			return o311Requests{Requests: []o311Request{}}, nil
		}
		return o.find(r, RequestFilter{IDs: nums, Limit: len(nums)})
	}
	f := RequestFilter{Limit: 1000}
	start, end, err := dateRange(q, o.svc.db.Now())
	if err != nil {
		return nil, err
	}
	if s := q.Get("service_code"); s != "" {
		for _, c := range strings.Split(s, ",") {
			f.Categories = append(f.Categories, strings.TrimSpace(c))
		}
	}
	f.Status = q.Get("status")
	for _, s := range strings.Split(f.Status, ",") {
		if s != "" && s != "open" && s != "closed" {
			return nil, fail(http.StatusBadRequest, "status: open or closed")
		}
	}
	f.From, f.To = start, end
	return o.find(r, f)
}

// maxSpan is the longest range of dates a list may ask for (the spec's
// 90 days).
const maxSpan = 90 * 24 * time.Hour

// dateRange reads start_date and end_date: without either the last 90
// days, with one of them the 90 days from or up to it, never more than 90
// days.
func dateRange(q url.Values, now time.Time) (start, end time.Time, err error) {
	end = now
	if s := q.Get("end_date"); s != "" {
		if end, err = parseW3C(s); err != nil {
			return start, end, fail(http.StatusBadRequest, "end_date: "+err.Error())
		}
	}
	start = end.Add(-maxSpan)
	if s := q.Get("start_date"); s != "" {
		if start, err = parseW3C(s); err != nil {
			return start, end, fail(http.StatusBadRequest, "start_date: "+err.Error())
		}
		if q.Get("end_date") == "" {
			end = start.Add(maxSpan)
		}
	}
	if end.Before(start) {
		return start, end, fail(http.StatusBadRequest, "end_date: before start_date")
	}
	if end.Sub(start) > maxSpan {
		return start, end, fail(http.StatusBadRequest, "start_date, end_date: the range may span at most 90 days")
	}
	return start, end, nil
}

// w3cLayouts are the W3C-DTF forms (https://www.w3.org/TR/NOTE-datetime)
// the spec cites, longest first; a time without seconds is one of them.
var w3cLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02", "2006-01", "2006"}

// parseW3C reads a W3C-DTF date or time. A date without a time is the
// start of that day in China Standard Time.
func parseW3C(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	// A "+" of the zone arrives as a space when a client does not escape it.
	if len(s) > 10 && strings.Count(s, " ") == 1 && !strings.Contains(s, "+") {
		s = strings.Replace(s, " ", "+", 1)
	}
	for i, l := range w3cLayouts {
		var t time.Time
		var err error
		if i < 2 {
			t, err = time.Parse(l, s)
		} else {
			t, err = time.ParseInLocation(l, s, cst)
		}
		if err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("want a W3C date or time with a zone, e.g. 2026-11-01T00:00+08:00, 2026-11-01T00:00:00Z or 2026-11-01")
}

func (o *open311) find(r *http.Request, f RequestFilter) (o311Requests, error) {
	a, err := o.actor(r)
	if err != nil {
		return o311Requests{}, err
	}
	cs, full, err := o.svc.Requests(r.Context(), a, f)
	if err != nil {
		return o311Requests{}, err
	}
	out := o311Requests{Requests: []o311Request{}}
	for _, c := range cs {
		out.Requests = append(out.Requests, toRequest(c, full))
	}
	return out, nil
}

// o311Update is one status update (the servicerequestupdates extension
// FixMyStreet and other clients read).
type o311Update struct {
	XMLName          xml.Name `xml:"request_update" json:"-"`
	UpdateID         string   `xml:"update_id" json:"update_id"`
	ServiceRequestID string   `xml:"service_request_id" json:"service_request_id"`
	Status           string   `xml:"status" json:"status"`
	UpdatedDatetime  string   `xml:"updated_datetime" json:"updated_datetime"`
	Description      string   `xml:"description" json:"description"`
	MediaURL         string   `xml:"media_url" json:"media_url"`
}

type o311Updates struct {
	XMLName xml.Name     `xml:"service_request_updates"`
	Updates []o311Update `xml:"request_update"`
}

// updateStatus is the status word of an update: the extended statuses
// clients map (FixMyStreet's map_state: open, investigating, in_progress,
// action_scheduled, fixed, no_further_action, duplicate, closed).
var updateStatus = map[Status]string{Submitted: "open", Accepted: "open", Registered: "investigating", Dispatched: "in_progress",
	Handled: "fixed", Verified: "fixed", Closed: "closed", Rejected: "no_further_action", Suspended: "action_scheduled", Merged: "duplicate"}

// updates answers GET servicerequestupdates: the public timeline entries
// of requests between start_date and end_date (as for requests: 90 days
// at most, the last 24 hours by default), oldest first: each change of
// status with its public note, and the replies written for the reporter;
// no staff note, no internal entry.
func (o *open311) updates(r *http.Request) (any, error) {
	q := r.URL.Query()
	if q.Get("start_date") == "" && q.Get("end_date") == "" {
		q.Set("start_date", iso(o.svc.db.Now().Add(-24*time.Hour)))
	}
	start, end, err := dateRange(q, o.svc.db.Now())
	if err != nil {
		return nil, err
	}
	a, err := o.actor(r)
	if err != nil {
		return nil, err
	}
	us, err := o.svc.RequestUpdates(r.Context(), a, start, end, 1000)
	if err != nil {
		return nil, err
	}
	out := o311Updates{Updates: []o311Update{}}
	for _, u := range us {
		x := o311Update{UpdateID: strconv.FormatInt(u.ID, 10), ServiceRequestID: u.Number, Status: updateStatus[u.Status],
			UpdatedDatetime: iso(u.At), Description: statusNotes[u.Status]}
		if u.Reply != "" {
			x.Description = u.Reply
		}
		if len(u.MediaURLs) > 0 {
			x.MediaURL = u.MediaURLs[0]
		}
		out.Updates = append(out.Updates, x)
	}
	return out, nil
}

func iso(t time.Time) string { return t.In(cst).Format(time.RFC3339) }

var statusNotes = map[Status]string{Submitted: "待受理 (received)", Accepted: "已受理 (accepted)", Registered: "已立案 (registered)",
	Dispatched: "已派遣，处置中 (dispatched, being handled)", Handled: "已处置，待核查 (handled, to be checked)", Verified: "已核查 (checked)",
	Closed: "已结案 (closed)", Rejected: "不予立案 (not taken up)", Suspended: "挂起 (on hold)", Merged: "已并案 (merged with another report)"}

func toRequest(c *Case, full bool) o311Request {
	x := o311Request{ServiceRequestID: c.Number, Status: "open", StatusNotes: statusNotes[c.Status],
		ServiceName: c.CategoryName, ServiceCode: c.Category, AgencyResponsible: c.UnitLabel,
		RequestedDatetime: iso(c.CreatedAt), UpdatedDatetime: iso(c.UpdatedAt), Address: c.Address, Lat: roundTo(c.Lat, 7), Long: roundTo(c.Lon, 7)}
	if !c.Status.Open() {
		x.Status = "closed"
	}
	if c.HandleDueAt != nil {
		x.ExpectedDatetime = iso(*c.HandleDueAt)
	}
	if len(c.MediaURLs) > 0 {
		x.MediaURL = c.MediaURLs[0]
	}
	if full {
		x.Description = c.Description
	} else {
		// The public sees where a problem is to about 100 m, not whose
		// door it is: points rounded, no address.
		x.Address = ""
		x.Lat, x.Long = roundTo(c.Lat, 3), roundTo(c.Lon, 3)
	}
	return x
}

// roundTo rounds a coordinate to digits decimals: 7 (about 1 cm) writes
// 28.6913699 rather than 28.691369899999998; 3 (about 100 m) is what the
// public may know of a place.
func roundTo(v *float64, digits int) *float64 {
	if v == nil {
		return nil
	}
	p := math.Pow10(digits)
	r := math.Round(*v*p) / p
	return &r
}
