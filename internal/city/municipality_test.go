package city_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"grassroots/internal/account"
	"grassroots/internal/apptest"
	"grassroots/internal/city"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/pii"
	"grassroots/internal/territory"
)

// Real NBS rows (2023 codes) as the statistical list gives them.
const municipalities = `code,name,level,parent_code,kind
11,北京市,province,,
1101,市辖区,city,11,
110101,东城区,district,1101,
110101001,东华门街道,subdistrict,110101,
110101001001,多福巷社区居委会,community,110101001,urban
50,重庆市,province,,
5001,市辖区,city,50,
500101,万州区,district,5001,
5002,县,city,50,
500229,城口县,district,5002,
500229100,葛城镇,subdistrict,500229,
`

// TestMunicipalityCityAdmin: a province-level municipality is one city at
// its province code. Its city administrator sits at 11 (or 50, which spans
// Chongqing's districts and counties alike), sees every district, staffs
// them and sets the city's profile; the placeholders 1101 and 5002 are no
// divisions one can sit at.
func TestMunicipalityCityAdmin(t *testing.T) {
	e := apptest.New(t)
	sys := e.System()
	if rep, err := e.App.Territory.ImportCSV(sys, strings.NewReader(municipalities), territory.ImportOptions{}); err != nil || !rep.Committed {
		t.Fatalf("import: %+v %v", rep, err)
	}
	for _, u := range []struct {
		name, region string
		ok           bool
	}{{"bj-city", "11", true}, {"cq-city", "50", true}, {"bj-placeholder", "1101", false}, {"cq-county", "5002", false}} {
		_, err := e.App.Accounts.CreateUser(sys, account.UserInput{Username: u.name, DisplayName: u.name, Role: authz.RoleCityAdmin, RegionCode: u.region, Password: apptest.Password})
		if (err == nil) != u.ok {
			t.Errorf("city administrator at %s: %v, want ok %v", u.region, err, u.ok)
		}
	}
	// A district's staff is not at the city level.
	if _, err := e.App.Accounts.CreateUser(sys, account.UserInput{Username: "bj-wrong", DisplayName: "x", Role: authz.RoleDistrictStaff, RegionCode: "11", Password: apptest.Password}); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("district staff at a municipality: %v", err)
	}
	// Chongqing's administrator sees districts and counties alike and
	// staffs a county.
	cq := e.Login("cq-city")
	var kids struct {
		Items []territory.RegionSummary `json:"items"`
	}
	cq.Get("/api/v1/regions/50/children").JSON(t, &kids)
	if len(kids.Items) != 2 || kids.Items[0].Code != "500101" || kids.Items[1].Code != "500229" {
		t.Errorf("Chongqing's children: %+v", kids.Items)
	}
	if _, err := e.App.Accounts.CreateUser(e.As("cq-city"), account.UserInput{Username: "cq-county-staff", DisplayName: "城口县工作人员",
		Role: authz.RoleDistrictStaff, RegionCode: "500229", Password: apptest.Password}); err != nil {
		t.Errorf("Chongqing's administrator staffing 城口县: %v", err)
	}
	if r := e.Login("bj-city").Get("/regions/11"); r.StatusCode != 200 || !strings.Contains(r.Body, "东城区") || strings.Contains(r.Body, "市辖区") {
		t.Errorf("Beijing's page: %d", r.StatusCode)
	}
	// The residents template's example row is in the importer's own city:
	// a community of theirs, an address in their district, an ID number
	// issued there (with a valid check character).
	for _, tc := range []struct{ user, community, address string }{
		{"bj-city", "110101001001", "北京市东城区某某路"},
		{"city", apptest.GridA1, "测试市甲区某某路"},
	} {
		r := e.Login(tc.user).Get("/people/template.csv")
		lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(r.Body, "\ufeff")), "\n")
		if r.StatusCode != 200 || len(lines) != 2 {
			t.Fatalf("%s: template %d %q", tc.user, r.StatusCode, r.Body)
		}
		row := strings.Split(strings.TrimSpace(lines[1]), ",")
		if _, err := pii.ParseID(row[1], time.Now()); err != nil || row[1][:6] != tc.community[:6] || !strings.Contains(lines[1], tc.address) || !strings.Contains(lines[1], ","+tc.community+",") {
			t.Errorf("%s: example row %q (ID %v)", tc.user, lines[1], err)
		}
		if strings.Contains(lines[1], "3601") || strings.Contains(lines[1], "南昌") {
			t.Errorf("%s: the example row is Nanchang's: %q", tc.user, lines[1])
		}
	}
	// Beijing's administrator sets the profile of their city at 11 (the
	// fixture's profile put aside: one installation, one city).
	if _, err := e.App.DB.ExecContext(context.Background(), `DELETE FROM city_profile`); err != nil {
		t.Fatal(err)
	}
	if err := e.App.City.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	bj := e.Login("bj-city")
	if r := bj.API("PUT", "/api/v1/city", city.Input{Code: "11", Jurisdiction: "beijing.example.gov.cn"}); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `"name":"北京市"`) {
		t.Errorf("Beijing's profile at 11: %d %s", r.StatusCode, r.Body)
	}
	if r := bj.API("PUT", "/api/v1/city", city.Input{Code: "110101"}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a district as the city: %d", r.StatusCode)
	}
}

// TestMunicipalityDashboard: a case reported in 东城区 counts on Beijing's
// city dashboard at 11, under the district, as in any other city.
func TestMunicipalityDashboard(t *testing.T) {
	e := apptest.New(t)
	sys := e.System()
	if rep, err := e.App.Territory.ImportCSV(sys, strings.NewReader(municipalities), territory.ImportOptions{}); err != nil || !rep.Committed {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if _, err := e.App.Territory.CreateGrid(sys, territory.GridInput{CommunityCode: "110101001001", Name: "多福巷网格1",
		Geometry: []byte(`{"type":"Polygon","coordinates":[[[116.409,39.912],[116.413,39.912],[116.413,39.916],[116.409,39.916],[116.409,39.912]]]}`)}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		name, region string
		role         authz.Role
	}{{"bj-city", "11", authz.RoleCityAdmin}, {"bj-secretary", "110101001001", authz.RoleCommunitySecretary}} {
		if _, err := e.App.Accounts.CreateUser(sys, account.UserInput{Username: u.name, DisplayName: u.name, Role: u.role, RegionCode: u.region, Password: apptest.Password}); err != nil {
			t.Fatal(err)
		}
	}
	r := e.Login("bj-secretary").API("POST", "/api/v1/cases", map[string]any{"category": "0101", "description": "胡同口垃圾无人清运", "lon": 116.411, "lat": 39.914})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("report: %d %s", r.StatusCode, r.Body)
	}
	var st struct {
		Open     int64 `json:"open"`
		Children []struct {
			Code  string `json:"code"`
			Total int64  `json:"total"`
		} `json:"children"`
	}
	e.Login("bj-city").Get("/api/v1/case-stats?region=11").JSON(t, &st)
	if st.Open != 1 || len(st.Children) != 1 || st.Children[0].Code != "110101" || st.Children[0].Total != 1 {
		t.Errorf("Beijing's dashboard: %+v", st)
	}
}
