package cases_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// simpleXML reads a document the way FixMyStreet's Open311 client does
// (XML::Simple with ForceArray on the group tags, GroupTags folding
// <values><value> into a list, KeyAttr off): the root is dropped,
// element names are keys, an element with only text is its text, the
// force-array names and any repeated name are lists, and a group element
// is the list of its members.
func simpleXML(t *testing.T, body string) map[string]any {
	t.Helper()
	type node struct {
		name     string
		text     strings.Builder
		children []*node
	}
	dec := xml.NewDecoder(strings.NewReader(body))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%s", err, body)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			n := &node{name: x.Name.Local}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(x)
			}
		}
	}
	groups := map[string]string{"services": "service", "attributes": "attribute", "values": "value", "service_requests": "request",
		"errors": "error", "service_request_updates": "request_update", "groups": "group"}
	force := map[string]bool{}
	for _, v := range groups {
		force[v] = true
	}
	var value func(n *node) any
	value = func(n *node) any {
		if len(n.children) == 0 {
			return strings.TrimSpace(n.text.String())
		}
		m := map[string]any{}
		count := map[string]int{}
		for _, c := range n.children {
			count[c.name]++
		}
		for _, c := range n.children {
			v := value(c)
			if force[c.name] || count[c.name] > 1 {
				l, _ := m[c.name].([]any)
				m[c.name] = append(l, v)
			} else {
				m[c.name] = v
			}
		}
		// GroupTags: <values><value>…</value></values> is the list itself.
		if member, ok := groups[n.name]; ok && len(m) == 1 {
			if l, ok := m[member].([]any); ok {
				return l
			}
		}
		return m
	}
	if root == nil {
		t.Fatalf("empty document")
	}
	m, ok := value(root).(map[string]any)
	if !ok {
		// A root group folds to its list: keep XML::Simple's shape.
		m = map[string]any{groups[root.name]: value(root)}
	}
	return m
}

// children lists the element names directly under each element named
// parent, in document order.
func children(t *testing.T, body, parent string) [][]string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(body))
	var out [][]string
	depth, at := 0, -1
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			depth++
			if at >= 0 && depth == at+1 {
				out[len(out)-1] = append(out[len(out)-1], x.Name.Local)
			}
			if x.Name.Local == parent && at < 0 {
				at = depth
				out = append(out, nil)
			}
		case xml.EndElement:
			if depth == at {
				at = -1
			}
			depth--
		}
	}
}

// inSpecOrder checks that every element of got appears in the spec's
// example in the same order, and that every name of need is there.
func inSpecOrder(t *testing.T, what string, got, spec, need []string) {
	t.Helper()
	last := -1
	for _, g := range got {
		i := slices.Index(spec, g)
		if i < 0 {
			t.Errorf("%s: element <%s> is not in the spec's example %v", what, g, spec)
			continue
		}
		if i < last {
			t.Errorf("%s: <%s> out of the spec's order: %v", what, g, got)
		}
		last = i
	}
	for _, n := range need {
		if !slices.Contains(got, n) {
			t.Errorf("%s: <%s> missing: %v", what, n, got)
		}
	}
}

// The spec's example documents, element by element
// (http://wiki.open311.org/GeoReport_v2).
var (
	specService    = []string{"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
	specDefinition = []string{"service_code", "attributes"}
	specAttribute  = []string{"variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"}
	specValue      = []string{"key", "name"}
	specCreated    = []string{"service_request_id", "token", "service_notice", "account_id"}
	specRequest    = []string{"service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
		"service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
	specUpdate = []string{"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"}
	specError  = []string{"code", "description"}
)

// withMultiList publishes a catalogue in which 0302 also asks which
// hazards there are (a multivaluelist) and returns its keys.
func withMultiList(t *testing.T, e *apptest.Env) {
	t.Helper()
	body, err := os.ReadFile("catalogue/default.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc cases.CatalogueDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	for i := range doc.Categories {
		if doc.Categories[i].Code == "0302" {
			doc.Categories[i].Attributes = append(doc.Categories[i].Attributes, cases.Attribute{Code: "hazard", Description: "隐患 Hazards",
				Datatype: "multivaluelist", Values: []cases.AttributeValue{{Key: "fall", Name: "跌落 Fall"}, {Key: "traffic", Name: "交通 Traffic"}, {Key: "smell", Name: "异味 Smell"}}})
		}
	}
	out, _ := json.Marshal(doc)
	if _, err := e.App.Cases.PutCatalogue(e.As("city"), out); err != nil {
		t.Fatal(err)
	}
}

func postForm(c *apptest.Client, format string, v url.Values) apptest.Response {
	return c.Do("POST", "/open311/v2/requests."+format, strings.NewReader(v.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// TestOpen311XMLAsClientsReadIt reads every XML answer element by element
// against the spec's examples and the way FixMyStreet's client parses it:
// list values under lowercase <key>/<name>, the POST answer without a
// token, a description element in every request, updates and errors.
func TestOpen311XMLAsClientsReadIt(t *testing.T) {
	e := apptest.New(t)
	withMultiList(t, e)
	c := e.Anon()
	p := e.Points[apptest.GridA1]

	svc := c.Get("/open311/v2/services.xml")
	for _, got := range children(t, svc.Body, "service") {
		inSpecOrder(t, "service", got, specService, []string{"service_code", "service_name", "metadata", "type"})
	}
	list := simpleXML(t, svc.Body)["service"].([]any)
	if len(list) < 10 || list[0].(map[string]any)["service_code"] == "" {
		t.Fatalf("services as a client reads them: %v", list[:1])
	}

	def := c.Get("/open311/v2/services/0302.xml")
	inSpecOrder(t, "service_definition", children(t, def.Body, "service_definition")[0], specDefinition, specDefinition)
	for _, got := range children(t, def.Body, "attribute") {
		inSpecOrder(t, "attribute", got, specAttribute, []string{"variable", "code", "datatype", "required", "order", "description"})
	}
	for _, got := range children(t, def.Body, "value") {
		inSpecOrder(t, "value", got, specValue, specValue)
	}
	attrs, ok := simpleXML(t, def.Body)["attributes"].([]any)
	if !ok || len(attrs) != 2 {
		t.Fatalf("attributes as a client reads them: %v\n%s", simpleXML(t, def.Body), def.Body)
	}
	first := attrs[0].(map[string]any)
	values, ok := first["values"].([]any)
	if !ok || len(values) == 0 {
		t.Fatalf("values of %v", first)
	}
	v0 := values[0].(map[string]any)
	if v0["key"] != "rain" || v0["name"] != "雨水 Rain water" {
		t.Errorf("a list option as FixMyStreet reads it has key %q and name %q, want rain and 雨水 Rain water", v0["key"], v0["name"])
	}

	form := url.Values{"api_key": {e.Token}, "service_code": {"0302"}, "lat": {ftoa(p[1])}, "long": {ftoa(p[0])}, "description": {"井盖缺失"},
		"attribute[hazard][]": {"fall", "traffic"}, "first_name": {"张"}, "last_name": {"三"}, "media_url": {"https://fms.example.org/photo/1.jpeg"}}
	made := postForm(c, "xml", form)
	if made.StatusCode != 200 {
		t.Fatalf("post: %d %s", made.StatusCode, made.Body)
	}
	inSpecOrder(t, "POST answer", children(t, made.Body, "request")[0], specCreated, []string{"service_request_id", "service_notice"})
	req := simpleXML(t, made.Body)["request"].([]any)[0].(map[string]any)
	id, _ := req["service_request_id"].(string)
	if id == "" || req["token"] != nil {
		t.Fatalf("POST answers a service_request_id and no token: %v", req)
	}

	one := c.Get("/open311/v2/requests/" + id + ".xml")
	got := children(t, one.Body, "request")
	if len(got) != 1 {
		t.Fatalf("one request is a list of one: %s", one.Body)
	}
	inSpecOrder(t, "request", got[0], specRequest, []string{"service_request_id", "status", "service_code", "description", "requested_datetime", "media_url"})
	r := simpleXML(t, one.Body)["request"].([]any)[0].(map[string]any)
	if r["description"] != "" || r["media_url"] != "https://fms.example.org/photo/1.jpeg" || r["status"] != "open" {
		t.Errorf("public request: description %q (redacted, present), media_url %q, status %q", r["description"], r["media_url"], r["status"])
	}
	full := simpleXML(t, c.Get("/open311/v2/requests/"+id+".xml?api_key="+e.Token).Body)["request"].([]any)[0].(map[string]any)
	if d, _ := full["description"].(string); !strings.HasPrefix(d, "井盖缺失") || !strings.Contains(d, "隐患 Hazards：跌落 Fall、交通 Traffic") {
		t.Errorf("with a key the description and both hazards: %q", d)
	}

	ups := c.Get("/open311/v2/servicerequestupdates.xml")
	for _, got := range children(t, ups.Body, "request_update") {
		inSpecOrder(t, "request_update", got, specUpdate, specUpdate)
	}
	u, ok := simpleXML(t, ups.Body)["request_update"].([]any)
	if !ok || len(u) != 1 || u[0].(map[string]any)["service_request_id"] != id || u[0].(map[string]any)["status"] != "open" {
		t.Errorf("updates as a client reads them: %v\n%s", u, ups.Body)
	}

	if r := c.Get("/open311/v2/services.xml?jurisdiction_id=" + strings.ToUpper(apptest.Jurisdiction)); r.StatusCode != 200 {
		t.Errorf("a jurisdiction id is a host name, whatever its case: %d", r.StatusCode)
	}
	bad := c.Get("/open311/v2/requests/nothing.xml")
	inSpecOrder(t, "error", children(t, bad.Body, "error")[0], specError, specError)
	if errs := simpleXML(t, bad.Body)["error"].([]any); bad.StatusCode != 404 || errs[0].(map[string]any)["code"] != "404" {
		t.Errorf("error as a client reads it: %d %v", bad.StatusCode, errs)
	}
}

// TestOpen311PostToTheLetter: what the spec allows is accepted, kept and
// returned; what it refuses answers its status.
func TestOpen311PostToTheLetter(t *testing.T) {
	e := apptest.New(t)
	withMultiList(t, e)
	c := e.Anon()
	p := e.Points[apptest.GridA1]
	base := func() url.Values {
		return url.Values{"api_key": {e.Token}, "service_code": {"0302"}, "lat": {ftoa(p[1])}, "long": {ftoa(p[0])}}
	}
	post := func(name string, v url.Values, want int) cases.Case {
		t.Helper()
		r := postForm(c, "json", v)
		if r.StatusCode != want {
			t.Fatalf("%s: %d %s (want %d)", name, r.StatusCode, r.Body, want)
		}
		if want != 200 {
			return cases.Case{}
		}
		var made []struct {
			ID string `json:"service_request_id"`
		}
		r.JSON(t, &made)
		n, _ := cases.ParseNumber(made[0].ID)
		cs, err := e.App.Cases.Case(e.As("city"), n)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return *cs
	}

	if r := c.Do("POST", "/open311/v2/requests.json?api_key="+e.Token, strings.NewReader("service_code=0302&lat="+ftoa(p[1])+"&long="+ftoa(p[0])),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}); r.StatusCode != 403 {
		t.Errorf("a POST with its api_key in the URL: %d %s", r.StatusCode, r.Body)
	}
	v := base()
	v.Set("service_code", "9999")
	post("unknown service_code", v, 404)
	v = base()
	v.Set("lat", "10")
	v.Set("long", "10")
	if r := postForm(c, "json", v); r.StatusCode != 400 || !strings.Contains(r.Body, "location: 该位置不在本市任何网格内 (this place is in no grid of the city)") {
		t.Errorf("a point outside the city: %d %s, want the field and the rule in Chinese and English", r.StatusCode, r.Body)
	}
	// A point in the city where no grid is drawn waits to be placed.
	v.Set("lat", "22.6")
	v.Set("long", "114.15")
	if got := post("a point in the city but in no grid", v, 200); got.Lat == nil || got.RegionCode == "" || len(got.RegionCode) == 15 {
		t.Errorf("a point between grids: kept at %q, point %v", got.RegionCode, got.Lat)
	}
	v = base()
	v.Set("description", "路灯坏了")
	if got := post("four characters", v, 200); got.Description != "路灯坏了" {
		t.Errorf("description %q", got.Description)
	}
	post("no description", base(), 200)
	v = base()
	v.Set("description", strings.Repeat("井", 4000))
	post("4,000 characters", v, 200)
	v.Set("description", strings.Repeat("井", 4001))
	post("4,001 characters", v, 400)

	for _, ph := range []struct{ sent, kept string }{{"+86 791 8888 8888", "0791-88888888"}, {"0791-88888888", "0791-88888888"}, {"+44 20 7946 0000", "+44 20 7946 0000"},
		{"+86 138 0013 8000", "13800138000"}, {"晚上六点后打 前台", "晚上六点后打 前台"}} {
		v = base()
		v.Set("phone", ph.sent)
		got := post("phone "+ph.sent, v, 200)
		phone, err := e.App.Cases.Contact(e.As("city"), got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if phone == "" || (ph.kept != "" && phone != ph.kept) {
			t.Errorf("phone %q kept as %q, want %q", ph.sent, phone, ph.kept)
		}
	}

	v = base()
	v["media_url"] = []string{"https://fms.example.org/p/1.jpeg", "https://fms.example.org/p/2.jpeg"}
	got := post("media", v, 200)
	if !slices.Equal(got.MediaURLs, v["media_url"]) {
		t.Errorf("media %v", got.MediaURLs)
	}
	if page := e.Login("city").Get("/cases/" + itoa(got.ID)); !strings.Contains(page.Body, `href="https://fms.example.org/p/2.jpeg" rel="noopener noreferrer nofollow"`) {
		t.Errorf("the case page links the sender's media: %s", page.Body)
	}
	v.Set("media_url", "javascript:alert(1)")
	post("a media_url that is not a link", v, 400)

	v = base()
	v["attribute[hazard][]"] = []string{"fall", "smell"}
	if got := post("multivaluelist", v, 200); !strings.Contains(got.Description, "隐患 Hazards：跌落 Fall、异味 Smell") {
		t.Errorf("multivaluelist answers: %q", got.Description)
	}
	v = base()
	v["attribute[hazard]"] = []string{"traffic", "fall"}
	if got := post("multivaluelist as repeated keys", v, 200); !strings.Contains(got.Description, "隐患 Hazards：跌落 Fall、交通 Traffic") {
		t.Errorf("repeated keys: %q", got.Description)
	}
	v = base()
	v["attribute[hazard][]"] = []string{"fall", "fire"}
	post("a value not in the list", v, 400)
	v = base()
	v["attribute[cover_type]"] = []string{"rain", "sewage"}
	post("two values for a singlevaluelist", v, 400)

	for _, n := range []struct{ first, last, want string }{{"张", "三", "张三"}, {"明", "王", "王明"}, {"John", "Smith", "John Smith"}, {"欧阳", "修", "欧阳修"}} {
		v = base()
		v.Set("first_name", n.first)
		v.Set("last_name", n.last)
		if got := post("name", v, 200); got.ReporterName != n.want {
			t.Errorf("first %q last %q shown as %q, want %q", n.first, n.last, got.ReporterName, n.want)
		}
	}

	v = url.Values{"api_key": {e.Token}, "service_code": {"0302"}, "address_string": {"门口那个井盖，靠近小卖部"}, "lat": {ftoa(p[1])}, "long": {ftoa(p[0])}}
	if got := post("free-text address with a point", v, 200); got.Address != "门口那个井盖，靠近小卖部" || got.RegionCode != apptest.GridA1 {
		t.Errorf("free text address: %q in %s", got.Address, got.RegionCode)
	}
	v = url.Values{"api_key": {e.Token}, "service_code": {"0302"}, "address_string": {"乙一网格1路1号1栋"}}
	if got := post("a registry address as free text", v, 200); got.RegionCode != apptest.GridB1 {
		t.Errorf("registry address: in %s", got.RegionCode)
	}
	v.Set("address_string", "菜市场东门对面")
	queued := post("a free-text address nothing matches", v, 200)
	var waiting cases.UnlocatedList
	e.Login("city").Get("/api/v1/cases/unlocated").JSON(t, &waiting)
	if waiting.Total != 2 || !slices.ContainsFunc(waiting.Items, func(u cases.Unlocated) bool { return u.Case.ID == queued.ID }) {
		t.Errorf("an address nothing matches waits to be placed: %+v", waiting)
	}
	v = url.Values{"api_key": {e.Token}, "service_code": {"0302"}, "address_id": {itoa(e.Buildings[apptest.GridB1])}}
	if got := post("address_id", v, 200); got.RegionCode != apptest.GridB1 || got.Address != "乙一网格1路1号1栋" {
		t.Errorf("address_id: %q in %s", got.Address, got.RegionCode)
	}
	v.Set("address_id", "999999")
	post("unknown address_id", v, 400)
}

// TestOpen311Dates: W3C-DTF with or without seconds, and never a range
// over 90 days.
func TestOpen311Dates(t *testing.T) {
	e := apptest.New(t)
	MustHotlineOrder(t, e, map[string]any{"category": "0302", "description": "井盖缺失", "lon": e.Points[apptest.GridA1][0], "lat": e.Points[apptest.GridA1][1]})
	c := e.Anon()
	for _, q := range []struct {
		query string
		want  int
		n     int
	}{
		{"start_date=2026-11-01T00:00Z", 200, 1},
		{"start_date=2026-11-01T00:00%2B08:00&end_date=2026-11-30T00:00%2B08:00", 200, 1},
		{"start_date=2026-11-01", 200, 1},
		{"start_date=2026-11-27T00:00:00.5%2B08:00", 200, 0},
		{"start_date=2026-07-01T00:00Z&end_date=2026-11-30T00:00Z", 400, 0},
		{"start_date=2026-11-30T00:00Z&end_date=2026-11-01T00:00Z", 400, 0},
		{"start_date=2026-11-01T00", 400, 0},
		{"service_request_id=" + strings.Repeat("1,", 1000) + "1", 400, 0},
	} {
		r := c.Get("/open311/v2/requests.json?" + q.query)
		if r.StatusCode != q.want {
			t.Errorf("%s: %d %s", q.query, r.StatusCode, r.Body)
			continue
		}
		if q.want == 200 && strings.Count(r.Body, "service_request_id") != q.n {
			t.Errorf("%s: %s, want %d requests", q.query, r.Body, q.n)
		}
	}
}

// TestOpen311Updates: servicerequestupdates tells each move of public
// requests with the public note of its status, never a staff note, and
// nothing of private classes without a key.
func TestOpen311Updates(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	open := MustHotlineOrder(t, e, map[string]any{"category": "0302", "description": "井盖缺失", "lon": p[0], "lat": p[1]})
	MustHotlineOrder(t, e, map[string]any{"category": "0701", "description": "楼上噪声", "lon": p[0], "lat": p[1]})
	e.Clock.Add(time.Hour)
	sec := e.Login("secretary")
	MustMove(t, sec, open.Case.ID, cases.Move{Action: "register", Version: open.Case.Version, Note: "内部：请物业先看看"}, 200)

	r := e.Anon().Get("/open311/v2/servicerequestupdates.json?start_date=2026-11-26T00:00%2B08:00&end_date=2026-11-27T00:00%2B08:00")
	var ups []struct {
		ID, Request, Status, At, Description string
	}
	var raw []map[string]string
	r.JSON(t, &raw)
	for _, m := range raw {
		ups = append(ups, struct{ ID, Request, Status, At, Description string }{m["update_id"], m["service_request_id"], m["status"], m["updated_datetime"], m["description"]})
	}
	if len(ups) != 2 || ups[0].Request != open.Case.Number || ups[0].Status != "open" || ups[1].Status != "investigating" || !strings.HasPrefix(ups[1].Description, "已立案") {
		t.Fatalf("updates: %s", r.Body)
	}
	if strings.Contains(r.Body, "内部") || strings.Contains(r.Body, "噪声") {
		t.Errorf("updates tell what staff wrote or private classes: %s", r.Body)
	}
	withKey := e.Anon().Get("/open311/v2/servicerequestupdates.json?start_date=2026-11-26T00:00%2B08:00&api_key=" + e.Token)
	if strings.Count(withKey.Body, "update_id") != 3 {
		t.Errorf("with a key that may view cases, the private class too: %s", withKey.Body)
	}
	if r := e.Anon().Get("/open311/v2/servicerequestupdates.json?start_date=2026-01-01T00:00Z&end_date=2026-11-27T00:00Z"); r.StatusCode != 400 {
		t.Errorf("updates over 90 days: %d", r.StatusCode)
	}
}

// TestOpen311DiscoveryChangeset: the changeset moves when the catalogue
// does.
func TestOpen311DiscoveryChangeset(t *testing.T) {
	e := apptest.New(t)
	read := func() string {
		var d struct {
			Changeset string `json:"changeset"`
		}
		e.Anon().Get("/open311/v2/discovery.json").JSON(t, &d)
		return d.Changeset
	}
	before := read()
	e.Clock.Add(time.Hour)
	withMultiList(t, e)
	if after := read(); after == before || after == "" {
		t.Errorf("changeset %q → %q after a new catalogue", before, after)
	}
}
