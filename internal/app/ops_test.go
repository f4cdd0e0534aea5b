package app

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"grassroots/internal/platform/db"
	"grassroots/internal/platform/dbtest"
	"grassroots/internal/platform/web"
	"grassroots/internal/registry"
)

func TestHealthReadyMetrics(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	if r := c.get("/healthz"); r.StatusCode != 200 || strings.TrimSpace(r.body) != "ok" {
		t.Errorf("healthz: %d %q", r.StatusCode, r.body)
	}
	r := c.get("/readyz")
	if r.StatusCode != 200 || !strings.Contains(r.body, `"migrations":"current"`) {
		t.Errorf("readyz: %d %s", r.StatusCode, r.body)
	}
	city := e.login("demo-city")
	city.get("/regions/3601")
	// Metrics are for the operators' scraper only: not the public, not a
	// signed-in person, not a wrong token.
	for name, cl := range map[string]*client{"anonymous": c, "city admin": city, "wrong token": e.bearer("scrape-wrong")} {
		if r := cl.get("/metrics"); r.StatusCode != http.StatusNotFound || strings.Contains(r.body, "grassroots_http") {
			t.Errorf("/metrics for %s: %d", name, r.StatusCode)
		}
	}
	m := e.bearer(testMetricsToken).get("/metrics")
	for _, want := range []string{
		`grassroots_http_requests_total{method="GET",route="GET /regions/{code}",status="OK"}`,
		`grassroots_http_request_duration_seconds_bucket{method="GET",route="GET /regions/{code}"`,
		`go_sql_open_connections`,
	} {
		if !strings.Contains(m.body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// A pending migration makes the instance not ready.
	if _, err := e.app.DB.ExecContext(tCtx, `DELETE FROM schema_migrations WHERE module = 'account'`); err != nil {
		t.Fatal(err)
	}
	if r := c.get("/readyz"); r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.body, "account/0001_accounts") {
		t.Errorf("readyz with a pending migration: %d %s", r.StatusCode, r.body)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	r := e.anon().get("/login")
	h := r.Header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %s", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers: %v", h)
	}
	if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " onclick=") || strings.Contains(r.body, " style=") {
		t.Error("the page has inline script or style, which the CSP blocks")
	}
	login := e.login("demo-worker")
	u, _ := http.NewRequest("GET", e.srv.URL, nil)
	for _, ck := range login.hc.Jar.Cookies(u.URL) {
		_ = ck // the jar hides attributes; check the raw Set-Cookie instead
	}
	raw := e.anon().form("/login", map[string][]string{"username": {"demo-worker"}, "password": {DemoPassword}})
	sc := raw.Header.Get("Set-Cookie")
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Errorf("session cookie %q", sc)
	}
}

func TestStaticFilesAreHashedAndCached(t *testing.T) {
	e := newEnv(t)
	page := e.login("demo-city").get("/regions/3601")
	i := strings.Index(page.body, "/static/vendor/echarts-6.1.0.min.js?v=")
	if i < 0 {
		t.Fatal("the region page does not load ECharts")
	}
	url := page.body[i : i+strings.IndexByte(page.body[i:], '"')]
	r := e.anon().get(url)
	if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") || len(r.body) < 500000 {
		t.Errorf("hashed asset: %d %q %d bytes", r.StatusCode, r.Header.Get("Cache-Control"), len(r.body))
	}
}

// run drives the command line as a user would.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	err := m.Run(context.Background(), args)
	return out.String(), errb.String(), err
}

func TestCommandLine(t *testing.T) {
	url := dbtest.URL(t)
	env := map[string]string{"GRASSROOTS_DB": url, "GRASSROOTS_DATA_KEY": "k1:" + strings.Repeat("A", 43) + "="}
	out, _, err := run(t, env, "", "migrate")
	if err != nil || !strings.Contains(out, "pending: 0") || !strings.Contains(out, "version: ") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	out, _, err = run(t, env, "", "migrate", "-status")
	if err != nil || strings.Contains(out, "migration(s)") || !strings.Contains(out, "pending: 0") {
		t.Fatalf("migrate -status: %v\n%s", err, out)
	}
	// A fresh database has no accounts; the first administrator comes
	// from the command line, which needs the divisions first.
	csv := filepath.Join(t.TempDir(), "r.csv")
	os.WriteFile(csv, []byte("code,name,level,parent_code,kind\n36,江西省,province,,\n3601,南昌市,city,36,\n3601x,坏,city,36,\n"), 0o600)
	out, _, err = run(t, env, "", "import", "regions", csv)
	if err == nil || !strings.Contains(out, "row 4, column code: digits") || !strings.Contains(out, "committed: false") {
		t.Fatalf("import with a bad row: %v\n%s", err, out)
	}
	out, _, err = run(t, env, "", "import", "regions", "-keep-good", csv)
	if err != nil || !strings.Contains(out, "2 changed") {
		t.Fatalf("import -keep-good: %v\n%s", err, out)
	}
	people := filepath.Join(t.TempDir(), "people.csv")
	os.WriteFile(people, csvBytes([][]string{registry.PeopleHeader, {"命令行", validID("19800101", "005"), "", "户主", "户籍", "", "命令行路1号", "3601", ""}}), 0o600)
	out, _, err = run(t, env, "", "import", "people", people)
	if err == nil || !strings.Contains(out, "row 2, column 网格代码: grid_or_community") {
		t.Errorf("import people into a city code: %v\n%s", err, out)
	}
	hol := filepath.Join(t.TempDir(), "2032.csv")
	os.WriteFile(hol, []byte("from,to,kind,name\n2032-01-01,,off,元旦\n2032-02-30,,off,春节\n"), 0o600)
	if _, _, err := run(t, env, "", "import", "holidays", hol); err == nil || !strings.Contains(err.Error(), "line 3: column from") {
		t.Errorf("import holidays with a bad line: %v", err)
	}
	os.WriteFile(hol, []byte("\ufefffrom,to,kind,name\n2032-01-01,2032-01-03,off,元旦\n2032-01-04,,work,元旦\n"), 0o600)
	if out, _, err := run(t, env, "", "import", "holidays", hol); err != nil || !strings.Contains(out, "2032: 3 holidays, 1 adjusted working days") {
		t.Errorf("import holidays: %v\n%s", err, out)
	}
	if _, _, err := run(t, env, "weak\n", "user", "add", "-username", "admin", "-role", "city_admin", "-region", "3601"); err == nil {
		t.Fatal("a weak password was accepted")
	}
	out, _, err = run(t, env, "Strong-Pass-2026\n", "user", "add", "-username", "admin", "-role", "city_admin", "-region", "3601")
	if err != nil || !strings.Contains(out, "created account") {
		t.Fatalf("user add: %v %s", err, out)
	}
	if _, _, err := run(t, env, "", "user", "disable", "admin"); err != nil {
		t.Fatalf("disable: %v", err)
	}
	out, _, _ = run(t, env, "", "user", "list")
	if !strings.Contains(out, "admin") || !strings.Contains(out, "disabled") {
		t.Errorf("list: %s", out)
	}
	if _, _, err := run(t, env, "Another-Pass-2027\n", "user", "passwd", "admin"); err != nil {
		t.Errorf("passwd: %v", err)
	}
	// Bad input on the command line.
	if _, errOut, err := run(t, env, "", "serve", "-bogus"); !errors.Is(err, ErrUsage) || !strings.Contains(errOut, "bogus") {
		t.Errorf("unknown flag: %v %s", err, errOut)
	}
	if _, _, err := run(t, map[string]string{}, "", "migrate", "-db", "mysql://x"); err == nil || !strings.Contains(err.Error(), "must start with sqlite: or postgres://") {
		t.Errorf("bad URL: %v", err)
	}
	if _, _, err := run(t, map[string]string{}, "", "migrate", "-db", "postgres://nobody@127.0.0.1:1/x?connect_timeout=1"); err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("unreachable database: %v", err)
	}
	if _, errOut, err := run(t, env, "", "frobnicate"); !errors.Is(err, ErrUsage) || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: %v", err)
	}
	out, _, _ = run(t, env, "", "version")
	if !strings.HasPrefix(out, "grassroots ") {
		t.Errorf("version: %q", out)
	}
}

// TestServeShutsDownGracefully starts the real server, holds a request in
// flight, cancels (as SIGTERM does) and checks the request still completes.
func TestServeShutsDownGracefully(t *testing.T) {
	if os.Getenv(dbtest.EnvPostgres) != "" {
		t.Skip("exercises the SQLite default; the server code is the same")
	}
	dir := t.TempDir()
	env := map[string]string{"GRASSROOTS_DB": "sqlite:" + filepath.Join(dir, "x.db"), "GRASSROOTS_ADDR": "127.0.0.1:0"}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Ready: func(a string) { ready <- a }}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"demo"}) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("demo stopped: %v\n%s", err, errb.String())
	case <-time.After(60 * time.Second):
		t.Fatal("demo did not start")
	}
	// A slow client: its login form is half sent, so the handler is busy
	// reading it when the shutdown starts; then it sends the rest.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const pre = "0123456789abcdef0123456789abcdef" // the login form's pre-session cookie
	body := "username=demo-worker&csrf=" + web.CSRFToken(pre) + "&password=" + DemoPassword
	conn.Write([]byte("POST /login HTTP/1.1\r\nHost: x\r\nCookie: grassroots_pre=" + pre + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body[:10]))
	time.Sleep(100 * time.Millisecond)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); cancel() }()
	time.Sleep(100 * time.Millisecond)
	conn.Write([]byte(body[10:]))
	buf := make([]byte, 512)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _ := conn.Read(buf)
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	if !strings.Contains(string(buf[:n]), "303 See Other") {
		t.Errorf("the request in flight got %q", buf[:n])
	}
	if !strings.Contains(errb.String(), "stopped") {
		t.Errorf("log: %s", errb.String())
	}
	// Demo output names the accounts and a second run duplicates nothing.
	if !strings.Contains(out.String(), "demo-secretary") {
		t.Errorf("demo output: %s", out.String())
	}
	d, err := db.Open(context.Background(), env["GRASSROOTS_DB"], nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var users, regions int
	d.QueryRowContext(context.Background(), `SELECT (SELECT COUNT(*) FROM account_users), (SELECT COUNT(*) FROM territory_regions WHERE level <> 'grid')`).Scan(&users, &regions)
	if users != len(DemoAccounts) || regions != 2413 {
		t.Errorf("after the demo: %d users, %d regions", users, regions)
	}
}

func TestBackupOfRunningDatabase(t *testing.T) {
	if os.Getenv(dbtest.EnvPostgres) != "" {
		t.Skip("backup is for SQLite")
	}
	e := newEnv(t)
	// Keep writing while the backup runs.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				e.anon().form("/login", map[string][]string{"username": {"nobody"}, "password": {"x"}})
			}
		}
	}()
	file := filepath.Join(t.TempDir(), "copy.db")
	err := e.app.DB.Backup(tCtx, file)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	cp, err := db.Open(tCtx, "sqlite:"+file, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	var ok string
	var n int
	cp.QueryRowContext(tCtx, `PRAGMA integrity_check`).Scan(&ok)
	cp.QueryRowContext(tCtx, `SELECT COUNT(*) FROM territory_regions WHERE level <> 'grid'`).Scan(&n)
	if ok != "ok" || n != 2413 {
		t.Errorf("backup: integrity %q, %d regions", ok, n)
	}
}
