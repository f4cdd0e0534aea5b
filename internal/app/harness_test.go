package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"grassroots/internal/account"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/dbtest"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

// testMetricsToken is the scraper's token of test servers.
const testMetricsToken = "scrape-2026-test"

// cheapArgon keeps tests fast; the production cost is tested in account.
var cheapArgon = account.Argon2Params{Memory: 64, Time: 1, Threads: 1}

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a running application on a fresh database with the demo loaded,
// served over real HTTP.
type env struct {
	t       testing.TB
	app     *App
	srv     *httptest.Server
	clock   *clock
	out     bytes.Buffer
	token   string // demo-hotline's API token
	keyring *pii.Keyring
}

func (e *env) keys() *pii.Keyring { return e.keyring }

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvConfig(t, nil)
}

// newEnvConfig is newEnv with its configuration changed by set.
func newEnvConfig(t testing.TB, set func(*Config)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, clock: &clock{t: time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)}}
	d, err := db.Open(ctx, dbtest.URL(t), e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	keys, _ := pii.ParseKeyring(pii.NewKeySpec("k1"))
	e.keyring = keys
	cfg := Config{SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour, RequestTimeout: 30 * time.Second,
		MetricsToken: testMetricsToken, PublicURL: "https://grassroots.example.gov.cn"}
	if set != nil {
		set(&cfg)
	}
	// Errors are logged to a buffer that a failing test prints.
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("server log:\n" + logs.String())
		}
	})
	e.app, err = New(ctx, d, Options{Config: cfg, Keys: keys, Log: log, Argon2: cheapArgon})
	if err != nil {
		t.Fatal(err)
	}
	uis, uiApps = append(uis, e.app.UI), append(uiApps, e.app)
	// One building a grid (about 2,500 residents) keeps each test fast.
	if err := seedDemoScaled(ctx, e.app, &e.out, 1); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(e.out.String(), "\n") {
		if _, tok, ok := strings.Cut(line, "(shown once): "); ok {
			e.token = strings.TrimSpace(tok)
		}
	}
	e.srv = httptest.NewServer(e.app.Handler)
	t.Cleanup(e.srv.Close)
	return e
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

// client is one person's browser: a cookie jar and their CSRF token.
type client struct {
	e      *env
	hc     *http.Client
	bearer string
	name   string
}

func (e *env) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// login signs in name with the demo password and fails the test if that
// does not work.
func (e *env) login(name string) *client {
	e.t.Helper()
	c := e.anon()
	c.name = name
	res := c.form("/login", url.Values{"username": {name}, "password": {DemoPassword}, "next": {"/"}})
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login %s: status %d: %s", name, res.StatusCode, res.body)
	}
	return c
}

func (e *env) bearer(token string) *client {
	c := e.anon()
	c.bearer = token
	return c
}

type response struct {
	*http.Response
	body string
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

func (c *client) csrf() string {
	u, _ := url.Parse(c.e.srv.URL)
	pre := ""
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == web.SessionCookie {
			return web.CSRFToken(ck.Value)
		}
		if ck.Name == web.PreSessionCookie {
			pre = web.CSRFToken(ck.Value)
		}
	}
	return pre
}

func (c *client) do(method, path string, body io.Reader, header http.Header) response {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Response: res, body: string(b)}
}

func (c *client) get(path string) response { return c.do("GET", path, nil, nil) }

// form posts a form with the session's CSRF token, as the page would.
func (c *client) form(path string, v url.Values) response {
	if path == "/login" && c.csrf() == "" {
		c.get("/login") // the form's pre-session cookie, as a browser has it
	}
	if t := c.csrf(); t != "" && v.Get("csrf") == "" {
		v.Set("csrf", t)
	}
	return c.do("POST", path, strings.NewReader(v.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// api sends JSON with the CSRF header a script on our pages would send.
func (c *client) api(method, path string, v any) response {
	var body io.Reader
	h := http.Header{}
	if v != nil {
		b, _ := json.Marshal(v)
		body = bytes.NewReader(b)
		h.Set("Content-Type", "application/json")
	}
	if t := c.csrf(); t != "" {
		h.Set("X-CSRF-Token", t)
	}
	return c.do(method, path, body, h)
}

// userID looks a demo account up directly in the database.
func (e *env) userID(name string) int64 {
	e.t.Helper()
	u, err := e.app.Accounts.UserByName(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// spot returns a point inside a grid of community (a building's), and
// the grid's code.
func (e *env) spot(community string) (lon, lat float64, grid string) {
	e.t.Helper()
	err := e.app.DB.QueryRowContext(context.Background(), `SELECT lon, lat, region_code FROM registry_buildings
		WHERE region_code >= ? AND region_code < ? AND lon IS NOT NULL ORDER BY id LIMIT 1`, community, community+"~").Scan(&lon, &lat, &grid)
	if err != nil {
		e.t.Fatal(err)
	}
	if g, ok := e.app.Territory.LocateGrid(lon, lat); !ok || g != grid {
		e.t.Fatalf("building point (%v, %v) of %s is located in %q", lon, lat, grid, g)
	}
	return lon, lat, grid
}

// dept finds a demo department by part of its name.
func (e *env) dept(name string) territory.Department {
	e.t.Helper()
	var d territory.Department
	err := e.app.DB.QueryRowContext(context.Background(), `SELECT id, name FROM territory_departments WHERE name LIKE ?`, "%"+name+"%").Scan(&d.ID, &d.Name)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// pngBytes is a small valid PNG photo.
func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

const (
	demoGridA = "360102002001001" // first demo grid of 民巷社区
	demoGridB = "360102002002001" // first demo grid of 章江路社区
)

func ftoa(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

// validID makes a valid ID number for a birth date (YYYYMMDD) and sequence.
func validID(birth, seq string) string {
	first := "360102" + birth + seq
	return first + string(pii.IDCheckChar(first))
}

func pad3(i int) string {
	s := itoa(int64(i % 1000))
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

func csvBytes(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	return b.Bytes()
}

func xlsxBytes(t *testing.T, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			f.SetCellStr("Sheet1", cell, v)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (c *client) upload(path, name string, data []byte, fields map[string]string) response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", c.csrf())
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	return c.do("POST", path, &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}
