package app

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"grassroots/internal/account"
	"grassroots/internal/cases"
)

// TestIntakeRepeatAnswersOnlyItsSender: an external id is one sender's
// idempotency key. Another sender with the same id gets a case of its own
// and never reads the first; the first sender's repeat still answers.
func TestIntakeRepeatAnswersOnlyItsSender(t *testing.T) {
	e := newEnv(t)
	lon, lat, _ := e.spot("360102002001")
	hot := e.bearer(e.token)
	order := map[string]any{"category": "0303", "description": "路灯不亮，第一个系统的工单", "lon": lon, "lat": lat, "external_id": "WO-2026-1"}
	var first cases.Intake
	if r := hot.api("POST", "/api/v1/hotline/cases", order); r.StatusCode != 201 {
		t.Fatalf("first push: %d %s", r.StatusCode, r.body)
	} else {
		r.json(t, &first)
	}

	// A second integration, set up by the city, uses the same number.
	city := e.login("demo-city")
	r := city.api("POST", "/api/v1/users", map[string]any{"username": "other-system", "display_name": "另一系统", "role": "integration",
		"region_code": "3601", "password": "Machine-Pass-2026"})
	if r.StatusCode != 201 {
		t.Fatalf("create integration: %d %s", r.StatusCode, r.body)
	}
	var other account.User
	r.json(t, &other)
	var tok account.NewToken
	city.api("POST", "/api/v1/tokens", map[string]any{"name": "other", "user_id": other.ID}).json(t, &tok)
	r = e.bearer(tok.Secret).api("POST", "/api/v1/hotline/cases", map[string]any{"category": "0303", "description": "另一个系统的工单内容",
		"lon": lon, "lat": lat, "external_id": "WO-2026-1"})
	var second cases.Intake
	r.json(t, &second)
	if r.StatusCode != 201 || second.Repeated || second.Case.ID == first.Case.ID || second.Case.Description != "另一个系统的工单内容" {
		t.Fatalf("another sender with the same id: %d %s", r.StatusCode, r.body)
	}
	// The first sender's repeat answers with its own case.
	var again cases.Intake
	if r := hot.api("POST", "/api/v1/hotline/cases", order); r.StatusCode != 200 {
		t.Fatalf("repeat: %d", r.StatusCode)
	} else if r.json(t, &again); !again.Repeated || again.Case.ID != first.Case.ID {
		t.Fatalf("repeat answered %+v", again)
	}

	// Staff in another community with the same external id: no leak.
	sec := e.login("demo-secretary")
	r = sec.api("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "社区书记登记的问题", "lon": lon, "lat": lat, "external_id": "S-7"})
	if r.StatusCode != 201 {
		t.Fatalf("secretary report: %d %s", r.StatusCode, r.body)
	}
	lonB, latB, _ := e.spot("360102002002")
	r = e.login("demo-worker").api("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "另一社区的问题", "lon": lonB, "lat": latB, "external_id": "S-7"})
	if r.StatusCode != 201 || strings.Contains(r.body, "社区书记登记") || strings.Contains(r.body, `"repeated":true`) {
		t.Fatalf("a neighbour's repeat: %d %s", r.StatusCode, r.body)
	}
}

// TestOpen311PublicView: the public reads neither private classes nor
// exact points and addresses, and discovery names the configured address
// whatever Host a client sends.
func TestOpen311PublicView(t *testing.T) {
	e := newEnv(t)
	lon, lat, _ := e.spot("360102002001")
	hot := e.bearer(e.token)
	for _, o := range []map[string]any{
		{"category": "0701", "description": "楼上深夜噪声扰民", "lon": lon, "lat": lat, "address": "民巷5栋301", "external_id": "P-1"},
		{"category": "0303", "description": "小区门口路灯不亮", "lon": lon, "lat": lat, "external_id": "P-2"},
	} {
		if r := hot.api("POST", "/api/v1/hotline/cases", o); r.StatusCode != 201 {
			t.Fatalf("push: %d %s", r.StatusCode, r.body)
		}
	}
	r := e.anon().get("/open311/v2/requests.json?jurisdiction_id=nanchang.gov.cn")
	if r.StatusCode != 200 || strings.Contains(r.body, `"service_code":"0701"`) || !strings.Contains(r.body, `"service_code":"0303"`) {
		t.Fatalf("public list: %d %s", r.StatusCode, r.body)
	}
	if exact := strconv.FormatFloat(lat, 'f', -1, 64); strings.Contains(r.body, "民巷5栋") || len(exact) > 7 && strings.Contains(r.body, exact) {
		t.Errorf("public list shows an address or an exact point: %s", r.body)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/open311/v2/discovery.json", nil)
	req.Host = "evil.example"
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var d struct {
		Endpoints []struct {
			URL string `json:"url"`
		} `json:"endpoints"`
	}
	if err := json.NewDecoder(res.Body).Decode(&d); err != nil || len(d.Endpoints) == 0 || d.Endpoints[0].URL != "https://grassroots.example.gov.cn/open311/v2/" {
		t.Fatalf("discovery: %v %+v", err, d)
	}
}

// TestGridWorkerSeesOnlyTheirGrids: a grid worker's scope is the grids
// assigned to them, not the whole community.
func TestGridWorkerSeesOnlyTheirGrids(t *testing.T) {
	e := newEnv(t)
	const community = "360102002001"
	var hh struct {
		Items []struct {
			ID         int64  `json:"id"`
			RegionCode string `json:"region_code"`
		} `json:"items"`
	}
	e.login("demo-secretary").get("/api/v1/households?limit=500&region="+community).json(t, &hh)
	var mine, other int64
	for _, h := range hh.Items {
		switch h.RegionCode {
		case community + "001":
			mine = h.ID
		case community + "003":
			other = h.ID
		}
	}
	if mine == 0 || other == 0 {
		t.Fatalf("fixture: households in grids 001 and 003 of %s: %+v", community, hh.Items)
	}
	grid := e.login("demo-grid")
	if r := grid.get("/api/v1/households/" + itoa(mine)); r.StatusCode != 200 {
		t.Errorf("own grid's household: %d", r.StatusCode)
	}
	if r := grid.get("/api/v1/households/" + itoa(other)); r.StatusCode != 404 {
		t.Errorf("another grid's household: %d", r.StatusCode)
	}
	var list struct {
		Items []struct {
			RegionCode string `json:"region_code"`
		} `json:"items"`
	}
	grid.get("/api/v1/households?limit=500&region="+community).json(t, &list)
	if len(list.Items) == 0 {
		t.Fatal("grid worker lists no household")
	}
	for _, h := range list.Items {
		if h.RegionCode != community+"001" && h.RegionCode != community+"002" {
			t.Fatalf("grid worker lists a household of grid %s", h.RegionCode)
		}
	}
}
