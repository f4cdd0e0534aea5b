package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/dbtest"
	"grassroots/internal/platform/pii"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
)

// instance is one running `grassroots serve` of a cluster.
type instance struct {
	name string
	app  *App
	env  *env // the test client's view of it: requests go to its address
	log  *syncBuffer
}

// startServe runs `grassroots serve` with env until the test ends.
func startServe(t *testing.T, name string, vars map[string]string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{name: name, log: &syncBuffer{}}
	ready := make(chan string, 1)
	opened := make(chan *App, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: in.log, Getenv: func(k string) string { return vars[k] },
		Ready: func(a string) { ready <- a }, Serving: func(a *App) { opened <- a }}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s: serve returned %v", name, err)
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", name, in.log.String())
		}
	})
	select {
	case in.app = <-opened:
	case err := <-done:
		t.Fatalf("%s: serve stopped: %v\n%s", name, err, in.log.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not start", name)
	}
	addr := <-ready
	in.env = &env{t: t, app: in.app, srv: &httptest.Server{URL: "http://" + addr}}
	return in
}

// rect is a GeoJSON rectangle.
func rect(x0, y0, x1, y1 float64) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0))
}

// on returns c's browser (its cookies, its token) talking to instance in.
func (c *client) on(in *instance) *client {
	return &client{e: in.env, hc: c.hc, bearer: c.bearer, name: c.name}
}

// eventually polls check until it returns "" or the deadline passes, and
// fails the test with its last answer. Instances poll the change feed
// every 200 ms here; a few seconds leave room for a slow machine.
func eventually(t *testing.T, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", what, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTwoInstances runs two `grassroots serve` commands on one PostgreSQL
// database, as behind a load balancer, and checks that they behave as
// one: what one writes, the other's memory follows within a poll of the
// change feed; sessions, tokens and import jobs work on either; the
// deadline sweep runs on one instance and pushes each notice once.
func TestTwoInstances(t *testing.T) {
	if os.Getenv(dbtest.EnvPostgres) == "" {
		t.Skip("TestTwoInstances runs two instances on one PostgreSQL database: set " + dbtest.EnvPostgres + "=postgres://… to run it (SQLite is served by one process)")
	}
	ctx := context.Background()
	dbURL := dbtest.URL(t)
	keySpec := pii.NewKeySpec("k1")

	// The demo, loaded once into the shared database before either starts.
	var token string
	{
		d, err := db.Open(ctx, dbURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		keys, _ := pii.ParseKeyring(keySpec)
		seed, err := New(ctx, d, Options{Config: Config{SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour},
			Keys: keys, Log: slog.New(slog.DiscardHandler), Argon2: cheapArgon})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := seedDemoScaled(ctx, seed, &out, 1); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if _, tok, ok := strings.Cut(line, "(shown once): "); ok {
				token = strings.TrimSpace(tok)
			}
		}
		d.Close()
	}
	vars := map[string]string{"GRASSROOTS_DB": dbURL, "GRASSROOTS_ADDR": "127.0.0.1:0", "GRASSROOTS_DATA_KEY": keySpec,
		"GRASSROOTS_CHANGE_POLL": "200ms", "GRASSROOTS_LOG_LEVEL": "info"}
	a := startServe(t, "A", vars)
	b := startServe(t, "B", vars)

	t.Run("SessionFromAWorksOnB", func(t *testing.T) {
		city := a.env.login("demo-city")
		onB := city.on(b)
		if r := onB.get("/api/v1/regions/3601"); r.StatusCode != 200 {
			t.Fatalf("A's session on B: %d %s", r.StatusCode, r.body)
		}
		// A write on B with the CSRF token of A's session.
		if r := onB.api("PUT", "/api/v1/calendar/2033", map[string]any{"csv": "from,to,kind,name\n2033-01-01,,off,元旦\n"}); r.StatusCode != 200 {
			t.Fatalf("a write on B in A's session: %d %s", r.StatusCode, r.body)
		}
		// Signing out on B ends the session on A too.
		if r := onB.form("/logout", url.Values{}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out on B: %d", r.StatusCode)
		}
		if r := city.get("/api/v1/regions/3601"); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("A after signing out on B: %d", r.StatusCode)
		}
	})

	t.Run("TokenWorksOnBoth", func(t *testing.T) {
		if token == "" {
			t.Fatal("the demo printed no token")
		}
		for _, in := range []*instance{a, b} {
			if r := in.env.bearer(token).get("/api/v1/regions/3601"); r.StatusCode != 200 {
				t.Errorf("token on %s: %d %s", in.name, r.StatusCode, r.body)
			}
		}
		if r := b.env.bearer("grt_not-a-token").get("/api/v1/regions/3601"); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("a wrong token on B: %d", r.StatusCode)
		}
	})

	t.Run("GridOnALocatedOnB", func(t *testing.T) {
		// A community far from the demo's grids, with no outline: a grid
		// drawn there on A must be found by B's index.
		const community = "360121001001"
		city := a.env.login("demo-city")
		cityB := city.on(b)
		locate := func(c *client, lon, lat float64) (int, string) {
			r := c.get("/api/v1/locate?lon=" + ftoa(lon) + "&lat=" + ftoa(lat))
			var p territory.Place
			if r.StatusCode == 200 {
				json.Unmarshal([]byte(r.body), &p)
			}
			return r.StatusCode, p.Grid.Code
		}
		if st, _ := locate(cityB, 116.05, 28.45); st != 404 {
			t.Fatalf("before: B locates %d", st)
		}
		var before territory.RegionSummary
		cityB.get("/api/v1/regions/"+community).json(t, &before)
		cityB.get("/api/v1/regions/" + community) // B keeps the counts in memory now
		r := city.api("POST", "/api/v1/grids", territory.GridInput{CommunityCode: community, Name: "集群测试网格", Geometry: rect(116.04, 28.44, 116.06, 28.46)})
		if r.StatusCode != 201 {
			t.Fatalf("draw on A: %d %s", r.StatusCode, r.body)
		}
		var g territory.Grid
		r.json(t, &g)
		eventually(t, "B locates the grid drawn on A", func() string {
			if st, code := locate(cityB, 116.05, 28.45); st != 200 || code != g.Code {
				return fmt.Sprintf("%d %q", st, code)
			}
			return ""
		})
		// B's subtree counts of the community, kept a minute in memory,
		// were cleared by A's write.
		eventually(t, "B's grid count after A's write", func() string {
			var now territory.RegionSummary
			cityB.get("/api/v1/regions/"+community).json(t, &now)
			if now.Counts[territory.LevelGrid] != before.Counts[territory.LevelGrid]+1 {
				return fmt.Sprintf("grids %d, before %d", now.Counts[territory.LevelGrid], before.Counts[territory.LevelGrid])
			}
			return ""
		})
		// Redrawn on A: B finds the new place and not the old.
		r = city.api("PUT", "/api/v1/grids/"+g.Code, territory.GridInput{Version: g.Version, Geometry: rect(116.07, 28.44, 116.09, 28.46)})
		if r.StatusCode != 200 {
			t.Fatalf("redraw on A: %d %s", r.StatusCode, r.body)
		}
		eventually(t, "B follows the redraw", func() string {
			stNew, codeNew := locate(cityB, 116.08, 28.45)
			stOld, _ := locate(cityB, 116.05, 28.45)
			if stNew != 200 || codeNew != g.Code || stOld != 404 {
				return fmt.Sprintf("new place %d %q, old place %d", stNew, codeNew, stOld)
			}
			return ""
		})
		// Removed on A (the platform has no grid deletion page yet; the
		// removal is announced on the feed as a deletion would be).
		err := a.app.DB.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM territory_grids WHERE code = ?`, g.Code); err != nil {
				return err
			}
			change.Touch(tx, territory.TopicGrids)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "B forgets the removed grid", func() string {
			if st, code := locate(cityB, 116.08, 28.45); st != 404 {
				return fmt.Sprintf("%d %q", st, code)
			}
			return ""
		})
	})

	t.Run("CatalogueAndWeightsFromAOnB", func(t *testing.T) {
		city := a.env.login("demo-city")
		cityB := city.on(b)
		var cat cases.Catalogue
		cityB.get("/api/v1/case-catalogue").json(t, &cat)
		doc := cat.Doc
		doc.Note = "集群测试版本"
		r := city.api("PUT", "/api/v1/case-catalogue", doc)
		if r.StatusCode != 200 {
			t.Fatalf("new catalogue on A: %d %s", r.StatusCode, r.body)
		}
		var put cases.Catalogue
		r.json(t, &put)
		if put.Version <= cat.Version {
			t.Fatalf("new version %d after %d", put.Version, cat.Version)
		}
		eventually(t, "B's catalogue in force", func() string {
			var now cases.Catalogue
			cityB.get("/api/v1/case-catalogue").json(t, &now)
			if now.Version != put.Version || now.Doc.Note != doc.Note {
				return fmt.Sprintf("version %d %q", now.Version, now.Doc.Note)
			}
			return ""
		})
		// A case filed on B now is filed under A's new version.
		lon, lat, _ := b.env.spot("360102002001")
		r = b.env.bearer(token).api("POST", "/api/v1/hotline/cases", map[string]any{"category": "0701", "description": "集群测试：噪声", "lon": lon, "lat": lat,
			"external_id": "12345-cluster-catalogue"})
		var in cases.Intake
		r.json(t, &in)
		if r.StatusCode != 201 || in.Case.CatalogueVersion != put.Version {
			t.Errorf("case on B: %d, catalogue version %d, want %d", r.StatusCode, in.Case.CatalogueVersion, put.Version)
		}

		var st cases.Settings
		cityB.get("/api/v1/case-settings").json(t, &st)
		st.WResponse, st.WResolution, st.WSatisfaction = 0.2, 0.4, 0.4
		if r := city.api("PUT", "/api/v1/case-settings", st); r.StatusCode != 200 {
			t.Fatalf("weights on A: %d %s", r.StatusCode, r.body)
		}
		eventually(t, "B's weights", func() string {
			var now cases.Settings
			cityB.get("/api/v1/case-settings").json(t, &now)
			if now.WResponse != 0.2 || now.WResolution != 0.4 {
				return fmt.Sprintf("%+v", now)
			}
			return ""
		})
		if got := b.app.Cases.Settings(); got.WResponse != 0.2 {
			t.Errorf("B's service uses %+v", got)
		}
	})

	t.Run("ReportCacheClearedOnB", func(t *testing.T) {
		sec := a.env.login("demo-secretary")
		secB := sec.on(b)
		residents := func() int {
			var rep struct {
				Total struct {
					Residents int `json:"residents"`
				} `json:"total"`
			}
			secB.get("/api/v1/coverage/360102002001").json(t, &rep)
			return rep.Total.Residents
		}
		before := residents()
		if residents() != before {
			t.Fatal("B's totals moved without a write")
		}
		r := sec.api("POST", "/api/v1/people", map[string]any{"name": "集群甲", "id_number": validID("19810303", "031"), "relation": "head",
			"residence": "registered", "region_code": demoGridA})
		if r.StatusCode != 201 {
			t.Fatalf("register on A: %d %s", r.StatusCode, r.body)
		}
		// Well inside the memo's minute: only the feed can have cleared it.
		eventually(t, "B's resident total after A's write", func() string {
			if n := residents(); n != before+1 {
				return fmt.Sprintf("%d, before %d", n, before)
			}
			return ""
		})
	})

	t.Run("CalendarFromAOnB", func(t *testing.T) {
		city := a.env.login("demo-city")
		if r := city.api("PUT", "/api/v1/calendar/2034", map[string]any{"csv": "from,to,kind,name\n2034-01-02,,off,元旦\n"}); r.StatusCode != 200 {
			t.Fatalf("year on A: %d %s", r.StatusCode, r.body)
		}
		eventually(t, "B's calendar", func() string {
			if !b.app.Calendar.Calendar().Covers(2034) {
				return "B's calendar does not know 2034"
			}
			return ""
		})
	})

	t.Run("ImportJobFollowedOnB", func(t *testing.T) {
		grid := a.env.login("demo-grid")
		rows := [][]string{registry.PeopleHeader}
		for i := 0; i < 300; i++ {
			rows = append(rows, []string{"集群批量" + itoa(int64(i)), validID("19820101", pad3(i)), "", "户主", "户籍", "", "集群路" + itoa(int64(i)) + "号", demoGridA, ""})
		}
		start := grid.upload("/people/import/jobs", "more.csv", csvBytes(rows), nil)
		if start.StatusCode != http.StatusAccepted {
			t.Fatalf("start on A: %d %s", start.StatusCode, start.body)
		}
		i := strings.Index(start.body, "/people/import/jobs/")
		job := start.body[i : i+len("/people/import/jobs/")+24]
		onB := grid.on(b)
		eventually(t, "the job's report on B", func() string {
			r := onB.do("GET", job, nil, http.Header{"HX-Request": {"true"}})
			if r.StatusCode != 200 || !strings.Contains(r.body, "新增 300") {
				return fmt.Sprintf("%d %.300s", r.StatusCode, r.body)
			}
			return ""
		})
		if r := a.env.login("demo-secretary").on(b).get(job); r.StatusCode != 404 {
			t.Errorf("another account sees the job on B: %d", r.StatusCode)
		}
	})

	t.Run("SweepOnceInTheCluster", func(t *testing.T) {
		// The sweep job runs on one instance: the one holding its lock.
		took := func(in *instance) bool {
			for _, line := range strings.Split(in.log.String(), "\n") {
				if strings.Contains(line, "this instance runs a cluster job") && strings.Contains(line, "job="+cases.SweepJob) {
					return true
				}
			}
			return false
		}
		eventually(t, "an instance takes the sweep", func() string {
			if !took(a) && !took(b) {
				return "neither instance took it"
			}
			return ""
		})
		if l, err := a.app.DB.TryLock(ctx, "job:"+cases.SweepJob); err != nil || l != nil {
			if l != nil {
				l.Release()
			}
			t.Fatalf("the sweep's lock is free while an instance runs it: %v", err)
		}
		if took(a) && took(b) {
			t.Error("both instances run the sweep")
		}

		// Cases whose current step is past its deadline.
		hot := a.env.bearer(token)
		var ids []any
		for i := 0; i < 6; i++ {
			lon, lat, _ := a.env.spot("360102002001")
			r := hot.api("POST", "/api/v1/hotline/cases", map[string]any{"category": "0701", "description": "集群测试：逾期" + itoa(int64(i)), "lon": lon, "lat": lat,
				"external_id": "12345-cluster-sweep-" + itoa(int64(i))})
			var in cases.Intake
			r.json(t, &in)
			if r.StatusCode != 201 {
				t.Fatalf("case: %d %s", r.StatusCode, r.body)
			}
			ids = append(ids, in.Case.ID)
		}
		past := time.Now().UTC().Add(-time.Hour)
		if _, err := a.app.DB.ExecContext(ctx, `UPDATE cases SET step_due_at = ?, step_warn_at = ? WHERE id IN (`+db.In(len(ids))+`)`,
			append([]any{past, past.Add(-time.Hour)}, ids...)...); err != nil {
			t.Fatal(err)
		}
		// Both instances sweep at once, twice each, as if the lock had
		// been lost: each step's notice is still pushed once.
		var wg sync.WaitGroup
		var mu sync.Mutex
		pushed := 0
		for _, in := range []*instance{a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := in.app.Cases.Sweep(authz.WithActor(ctx, authz.System("test.sweep")))
				if err != nil {
					t.Errorf("sweep on %s: %v", in.name, err)
				}
				mu.Lock()
				pushed += n
				mu.Unlock()
			}()
		}
		wg.Wait()
		rows, err := a.app.DB.QueryContext(ctx, `SELECT case_id, COUNT(*) FROM case_notices WHERE kind = 'overdue' AND case_id IN (`+db.In(len(ids))+`) GROUP BY case_id`, ids...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[int64]int{}
		for rows.Next() {
			var id int64
			var n int
			rows.Scan(&id, &n)
			got[id] = n
		}
		for _, id := range ids {
			if got[id.(int64)] != 1 {
				t.Errorf("case %d: %d overdue notices, want 1", id, got[id.(int64)])
			}
		}
		// The instances' own sweep may have taken some of them first.
		if pushed > len(ids) {
			t.Errorf("the concurrent sweeps pushed %d notices for %d steps", pushed, len(ids))
		}
	})
}
