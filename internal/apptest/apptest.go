// Package apptest runs the whole application for a module's tests, on a
// fresh database (SQLite, or PostgreSQL when TEST_POSTGRES_DSN is set)
// with a small explicit fixture instead of the demo: a city of another
// province than the demo's, two districts, a subdistrict in each, a
// community in each with two grids and a building per grid, a department,
// and an account for every role. Tests read and change it over real HTTP
// as people would, or call the services directly.
//
// After goatcounter's gctest: a module's tests sit beside it and build
// what they need with small helpers, never depending on the demo.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"grassroots/internal/account"
	"grassroots/internal/app"
	"grassroots/internal/city"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/dbtest"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/web"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
)

// Password is every fixture account's password.
const Password = "Fixture-Pass-2026"

// The fixture's divisions: codes follow GB/T 2260's hierarchy, the names
// say what each is for. The city is not the demo's, so nothing in a
// module may take Nanchang for granted.
const (
	Province   = "44"
	City       = "4403"
	DistrictA  = "440303"
	DistrictB  = "440307"
	SubA       = "440303001"
	SubB       = "440307001"
	CommunityA = "440303001001"
	CommunityB = "440307001001"
	GridA1     = CommunityA + "001"
	GridA2     = CommunityA + "002"
	GridB1     = CommunityB + "001"
)

// Jurisdiction is the Open311 jurisdiction_id of the fixture city's
// profile.
const Jurisdiction = "city.test.example.gov.cn"

// PropertyCompany is the company of the "property" account.
const PropertyCompany = "甲一物业"

// Divisions is the fixture's division list in the import format.
const Divisions = `code,name,level,parent_code,kind
44,测试省,province,,
4403,测试市,city,44,
440303,甲区,district,4403,
440307,乙区,district,4403,
440303001,甲一街道,subdistrict,440303,
440307001,乙一街道,subdistrict,440307,
440303001001,甲一社区居委会,community,440303001,urban
440307001001,乙一社区居委会,community,440307001,urban
`

// Accounts are the fixture's accounts by role: user name, role, division.
// "worker" serves community B, so that a community's staff has a
// neighbour; "grid" serves grid A1 only, not A2.
var Accounts = []struct {
	Name   string
	Role   authz.Role
	Region string
}{
	{"city", authz.RoleCityAdmin, City},
	{"district", authz.RoleDistrictStaff, DistrictA},
	{"subdistrict", authz.RoleSubdistrictStaff, SubA},
	{"secretary", authz.RoleCommunitySecretary, CommunityA},
	{"worker", authz.RoleCommunityWorker, CommunityB},
	{"grid", authz.RoleGridWorker, CommunityA},
	{"dept", authz.RoleDepartmentStaff, DistrictA},
	{"member", authz.RolePartyMember, CommunityA},
	{"resident", authz.RoleResident, CommunityA},
	{"property", authz.RolePropertyCompany, CommunityA},
	{"hotline", authz.RoleIntegration, City},
}

// Env is a running application with the fixture, served over HTTP.
type Env struct {
	T     testing.TB
	App   *app.App
	Srv   *httptest.Server
	Clock *Clock
	Keys  *pii.Keyring
	// Dept is district A's 城市管理局, department of the "dept" account.
	Dept territory.Department
	// Token is the API token of the "hotline" integration account.
	Token string
	// Points are a point inside each grid (lon, lat), by grid code.
	Points map[string][2]float64
	// Buildings are the id of the building in each grid.
	Buildings map[string]int64
}

// Clock is a settable clock; the fixture starts on Thursday 2026-11-26,
// 10:00 China Standard Time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock on.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// grid squares: each grid a 0.002° square, side by side.
var gridOrigin = map[string][2]float64{GridA1: {114.100, 22.550}, GridA2: {114.102, 22.550}, GridB1: {114.200, 22.650}}

// New builds the application and the fixture.
func New(t testing.TB) *Env {
	t.Helper()
	ctx := context.Background()
	e := &Env{T: t, Clock: &Clock{t: time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)}, Points: map[string][2]float64{}, Buildings: map[string]int64{}}
	d, err := db.Open(ctx, dbtest.URL(t), e.Clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	e.Keys, _ = pii.ParseKeyring(pii.NewKeySpec("k1"))
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("server log:\n" + logs.String())
		}
	})
	cfg := app.Config{SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour, RequestTimeout: 30 * time.Second}
	e.App, err = app.New(ctx, d, app.Options{Config: cfg, Keys: e.Keys, Log: log, Argon2: account.Argon2Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	remember(e.App)
	e.fixture(ctx)
	e.Srv = httptest.NewServer(e.App.Handler)
	t.Cleanup(e.Srv.Close)
	return e
}

func (e *Env) fixture(ctx context.Context) {
	t := e.T
	t.Helper()
	ctx = authz.WithActor(ctx, authz.System("fixture"))
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture %s: %v", what, err)
		}
	}
	rep, err := e.App.Territory.ImportCSV(ctx, strings.NewReader(Divisions), territory.ImportOptions{})
	must("divisions", err)
	if !rep.Committed {
		t.Fatalf("fixture divisions: %+v", rep.Errors)
	}
	for _, g := range []struct{ code, community, name string }{{GridA1, CommunityA, "甲一网格1"}, {GridA2, CommunityA, "甲一网格2"}, {GridB1, CommunityB, "乙一网格1"}} {
		o := gridOrigin[g.code]
		x0, y0, x1, y1 := o[0], o[1], o[0]+0.002, o[1]+0.002
		made, err := e.App.Territory.CreateGrid(ctx, territory.GridInput{CommunityCode: g.community, Name: g.name,
			Geometry: []byte(fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0))})
		must("grid "+g.code, err)
		if made.Code != g.code {
			t.Fatalf("fixture grid coded %s, want %s", made.Code, g.code)
		}
		lon, lat := o[0]+0.001, o[1]+0.001
		e.Points[g.code] = [2]float64{lon, lat}
		b, err := e.App.Registry.CreateBuilding(ctx, registry.BuildingInput{RegionCode: g.code, Name: "1栋", Address: g.name + "路1号1栋",
			Floors: 6, Units: 2, Lon: &lon, Lat: &lat})
		must("building "+g.code, err)
		e.Buildings[g.code] = b.ID
	}
	// The city profile, as an installation sets it once (its map frame
	// is that of the grids above).
	_, err = e.App.City.Set(ctx, city.Input{Code: City, Jurisdiction: Jurisdiction})
	must("city profile", err)
	e.Dept, err = e.App.Territory.CreateDepartment(ctx, territory.DepartmentInput{Name: "甲区城市管理局", RegionCode: DistrictA})
	must("department", err)
	for _, a := range Accounts {
		in := account.UserInput{Username: a.Name, DisplayName: a.Name + "（测试）", Role: a.Role, RegionCode: a.Region, Password: Password}
		switch a.Role {
		case authz.RoleDepartmentStaff:
			in.DepartmentID = e.Dept.ID
		case authz.RolePropertyCompany:
			in.Organisation = PropertyCompany
		}
		u, err := e.App.Accounts.CreateUser(ctx, in)
		must("account "+a.Name, err)
		switch a.Role {
		case authz.RoleGridWorker:
			_, err = e.App.Accounts.SetGridWorkers(ctx, GridA1, []int64{u.ID})
			must("grid assignment", err)
		case authz.RoleIntegration:
			nt, err := e.App.Accounts.UnscopedIssueToken(ctx, u.ID, "fixture")
			must("token", err)
			e.Token = nt.Secret
		}
	}
}

// UserID is the id of a fixture account.
func (e *Env) UserID(name string) int64 {
	e.T.Helper()
	u, err := e.App.Accounts.UserByName(context.Background(), name)
	if err != nil {
		e.T.Fatal(err)
	}
	return u.ID
}

// As is a context acting as a fixture account, for calling services.
func (e *Env) As(name string) context.Context {
	e.T.Helper()
	u, err := e.App.Accounts.UserByName(context.Background(), name)
	if err != nil {
		e.T.Fatal(err)
	}
	a, err := e.App.Accounts.ActorFor(context.Background(), u)
	if err != nil {
		e.T.Fatal(err)
	}
	return authz.WithActor(context.Background(), a)
}

// System is a context of named system work.
func (e *Env) System() context.Context {
	return authz.WithActor(context.Background(), authz.System("test"))
}

// Client is one person's browser: a cookie jar, their CSRF token, or an
// API token.
type Client struct {
	e      *Env
	HC     *http.Client
	Bearer string
}

// Anon is a browser not signed in.
func (e *Env) Anon() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{e: e, HC: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Login signs a fixture account in through the login form.
func (e *Env) Login(name string) *Client {
	e.T.Helper()
	c := e.Anon()
	if r := c.Form("/login", url.Values{"username": {name}, "password": {Password}, "next": {"/"}}); r.StatusCode != http.StatusSeeOther {
		e.T.Fatalf("login %s: %d %s", name, r.StatusCode, r.Body)
	}
	return c
}

// WithToken is a client authenticated by an API token.
func (e *Env) WithToken(token string) *Client {
	c := e.Anon()
	c.Bearer = token
	return c
}

// Response is an answer with its body read.
type Response struct {
	*http.Response
	Body string
}

// JSON decodes the body into v.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// CSRF is the token the pages of this browser carry.
func (c *Client) CSRF() string {
	u, _ := url.Parse(c.e.Srv.URL)
	pre := ""
	for _, ck := range c.HC.Jar.Cookies(u) {
		switch ck.Name {
		case web.SessionCookie:
			return web.CSRFToken(ck.Value)
		case web.PreSessionCookie:
			pre = web.CSRFToken(ck.Value)
		}
	}
	return pre
}

// Do sends a request.
func (c *Client) Do(method, path string, body io.Reader, header http.Header) Response {
	c.e.T.Helper()
	req, err := http.NewRequest(method, c.e.Srv.URL+path, body)
	if err != nil {
		c.e.T.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	res, err := c.HC.Do(req)
	if err != nil {
		c.e.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return Response{Response: res, Body: string(b)}
}

// Get reads a page or an API resource.
func (c *Client) Get(path string) Response { return c.Do("GET", path, nil, nil) }

// Form posts a form as the page would, with its CSRF token.
func (c *Client) Form(path string, v url.Values) Response {
	if path == "/login" && c.CSRF() == "" {
		c.Get("/login")
	}
	if t := c.CSRF(); t != "" && v.Get("csrf") == "" {
		v.Set("csrf", t)
	}
	return c.Do("POST", path, strings.NewReader(v.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// API sends JSON as a script on our pages would.
func (c *Client) API(method, path string, v any) Response {
	var body io.Reader
	h := http.Header{}
	if v != nil {
		b, _ := json.Marshal(v)
		body = bytes.NewReader(b)
		h.Set("Content-Type", "application/json")
	}
	if t := c.CSRF(); t != "" {
		h.Set("X-CSRF-Token", t)
	}
	return c.Do(method, path, body, h)
}

// Upload posts a file as the page's form would, with its CSRF token and
// the other fields given.
func (c *Client) Upload(path, name string, data []byte, fields map[string]string) Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", c.CSRF())
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	return c.Do("POST", path, &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
