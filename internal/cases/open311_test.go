package cases_test

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"grassroots/internal/apptest"
)

// open311Schemas compiles the GeoReport v2 JSON Schemas in
// testdata/open311 and returns a check of an answer against one of them.
func open311Schemas(t *testing.T) func(schema string, r apptest.Response) {
	t.Helper()
	schemas := jsonschema.NewCompiler()
	for _, f := range []string{"service.json", "services.json", "service-definition.json", "request.json", "requests.json"} {
		doc, err := os.Open(filepath.Join("testdata", "open311", f))
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(doc)
		doc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas.AddResource(f, v); err != nil {
			t.Fatal(err)
		}
	}
	return func(schema string, r apptest.Response) {
		t.Helper()
		sch, err := schemas.Compile(schema)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(r.Body))
		if err != nil {
			t.Fatalf("%s: %v: %s", schema, err, r.Body)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s does not validate: %v\n%s", schema, err, r.Body)
		}
	}
}

// TestOpen311 checks the Open311 GeoReport v2 interface against the
// spec's schemas: services, posting with an API key, requests public
// without personal data or private classes, and the spec's errors.
func TestOpen311(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	lon, lat := p[0], p[1]
	// A neighbourhood dispute from the hotline: a private class.
	MustHotlineOrder(t, e, map[string]any{"category": "0701", "description": "楼上深夜噪声扰民", "lon": lon, "lat": lat,
		"external_id": "12345-202611260001", "contact_phone": "13800001111"})
	valid := open311Schemas(t)

	client := e.Anon()
	services := client.Get("/open311/v2/services.json")
	if services.StatusCode != 200 || !strings.Contains(services.Body, `"service_code":"0302"`) {
		t.Fatalf("services: %d %s", services.StatusCode, services.Body)
	}
	valid("services.json", services)
	valid("service-definition.json", client.Get("/open311/v2/services/0302.json"))
	if x := client.Get("/open311/v2/services.xml"); !strings.Contains(x.Body, "<services><service><service_code>0101</service_code>") {
		t.Errorf("services.xml: %s", x.Body)
	}
	if d := client.Get("/open311/v2/discovery.json"); d.StatusCode != 200 || !strings.Contains(d.Body, "GeoReport_v2") {
		t.Errorf("discovery: %d %s", d.StatusCode, d.Body)
	}

	post := func(v url.Values, format string) apptest.Response {
		return client.Do("POST", "/open311/v2/requests."+format, strings.NewReader(v.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	}
	form := url.Values{"service_code": {"0302"}, "lat": {ftoa(lat)}, "long": {ftoa(lon)}, "description": {"井盖缺失，有行人跌落风险"},
		"attribute[cover_type]": {"sewage"}, "first_name": {"明"}, "last_name": {"王"}}
	if r := post(form, "json"); r.StatusCode != 403 || !strings.Contains(r.Body, `"code":403`) {
		t.Errorf("post without api_key: %d %s", r.StatusCode, r.Body)
	}
	bad := url.Values{"api_key": {e.Token}, "service_code": {"0302"}, "lat": {"abc"}, "long": {ftoa(lon)}}
	if r := post(bad, "xml"); r.StatusCode != 400 || !strings.Contains(r.Body, "<errors><error><code>400</code>") {
		t.Errorf("malformed post: %d %s", r.StatusCode, r.Body)
	}
	wrong := url.Values{"api_key": {e.Token}, "service_code": {"0302"}, "lat": {ftoa(lat)}, "long": {ftoa(lon)}, "attribute[cover_type]": {"gold"}, "description": {"井盖缺失了"}}
	if r := post(wrong, "json"); r.StatusCode != 400 || !strings.Contains(r.Body, "attribute[cover_type]") {
		t.Errorf("bad attribute: %d %s", r.StatusCode, r.Body)
	}
	form.Set("api_key", e.Token)
	created := post(form, "json")
	if created.StatusCode != 200 {
		t.Fatalf("post request: %d %s", created.StatusCode, created.Body)
	}
	var made []struct {
		ID    string `json:"service_request_id"`
		Token string `json:"token"`
	}
	created.JSON(t, &made)
	if len(made) != 1 || made[0].ID == "" {
		t.Fatalf("post answer: %s", created.Body)
	}
	one := client.Get("/open311/v2/requests/" + made[0].ID + ".json")
	valid("requests.json", one)
	if !strings.Contains(one.Body, `"status":"open"`) || strings.Contains(one.Body, "跌落") || !strings.Contains(one.Body, `"description":""`) {
		t.Errorf("public request shows status and hides the description: %s", one.Body)
	}
	if r := client.Get("/open311/v2/requests/" + made[0].ID + ".json?api_key=" + e.Token); !strings.Contains(r.Body, "井盖缺失") {
		t.Errorf("with an api_key that may view cases the description is shown: %s", r.Body)
	}
	var x struct {
		XMLName  xml.Name `xml:"service_requests"`
		Requests []struct {
			ID     string `xml:"service_request_id"`
			Status string `xml:"status"`
		} `xml:"request"`
	}
	// Neighbourhood disputes (07) are a private class: the public does not
	// see them, a key that may view cases does.
	if err := xml.Unmarshal([]byte(client.Get("/open311/v2/requests.xml?service_code=0302,0701&status=open").Body), &x); err != nil || len(x.Requests) != 1 {
		t.Errorf("requests.xml by service code: %v %+v", err, x)
	}
	x.Requests = nil
	if err := xml.Unmarshal([]byte(client.Get("/open311/v2/requests.xml?service_code=0302,0701&status=open&api_key="+e.Token).Body), &x); err != nil || len(x.Requests) != 2 {
		t.Errorf("requests.xml by service code with a key: %v %+v", err, x)
	}
	all := client.Get("/open311/v2/requests.json")
	valid("requests.json", all)
	if strings.Count(all.Body, "service_request_id") != 1 {
		t.Errorf("requests of the last 90 days: %s", all.Body)
	}
	if r := client.Get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-02-01T00:00:00%2B08:00"); r.Body != "[]\n" {
		t.Errorf("requests in January: %s", r.Body)
	}
	if made[0].Token != "" {
		t.Errorf("the spec returns no token with a service_request_id: %s", created.Body)
	}
	if r := client.Get("/open311/v2/requests/99999999.json"); r.StatusCode != 404 || !strings.Contains(r.Body, `"code":404`) {
		t.Errorf("unknown request: %d %s", r.StatusCode, r.Body)
	}
	if r := client.Get("/open311/v2/services.json?jurisdiction_id=elsewhere.gov"); r.StatusCode != 404 {
		t.Errorf("unknown jurisdiction: %d", r.StatusCode)
	}
	if r := client.Get("/open311/v2/requests.json?start_date=yesterday"); r.StatusCode != 400 {
		t.Errorf("bad start_date: %d", r.StatusCode)
	}
}
