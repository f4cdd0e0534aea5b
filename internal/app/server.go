package app

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"grassroots/internal/account"
	"grassroots/internal/admission"
	"grassroots/internal/calendar"
	"grassroots/internal/cases"
	"grassroots/internal/city"
	"grassroots/internal/coverage"
	"grassroots/internal/party"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/i18n"
	"grassroots/internal/platform/jobs"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/web"
	"grassroots/internal/registry"
	"grassroots/internal/search"
	"grassroots/internal/territory"
	"grassroots/internal/units"
	"grassroots/internal/visits"
	"grassroots/internal/volunteer"
	"grassroots/internal/workbench"
	"grassroots/internal/workforce"
)

// Version is set at build time with -ldflags "-X grassroots/internal/app.Version=…".
var Version = "dev"

// App is the assembled program: database, services and HTTP handler.
type App struct {
	DB        *db.DB
	Log       *slog.Logger
	Territory *territory.Service
	Accounts  *account.Service
	Registry  *registry.Service
	Party     *party.Service
	Workforce *workforce.Service
	Units     *units.Service
	Calendar  *calendar.Service
	City      *city.Service // the city profile: jurisdiction, public URL, map frame, office hours
	Cases     *cases.Service
	Visits    *visits.Service // household visits (走访) and grid patrols
	// Admission is the community work access list (准入清单) and its gate.
	Admission *admission.Service
	Volunteer *volunteer.Service
	Policy    *authz.Policy
	Feed      *change.Feed // keeps this instance's memory in step with the other instances' writes
	Modules   []module.Manifest
	Router    *web.Router
	Handler   http.Handler
	UI        *web.UI
	// Metrics is the Prometheus handler; serve runs it on -metrics-addr.
	Metrics      http.Handler
	metricsToken string
}

// Migrations returns every module's migrations in module order.
func (a *App) Migrations() []db.Migrations {
	var ms []db.Migrations
	for _, m := range a.Modules {
		if m.Migrations != nil {
			ms = append(ms, *m.Migrations)
		}
	}
	return ms
}

// Options are what New needs beyond the database.
type Options struct {
	Config Config
	Keys   *pii.Keyring
	Log    *slog.Logger
	Argon2 account.Argon2Params // zero: the default cost
	// SkipMigrate assembles without touching the schema (migrate -status).
	SkipMigrate bool
}

// New assembles the application on an open database and applies pending
// migrations.
func New(ctx context.Context, d *db.DB, o Options) (*App, error) {
	a := &App{DB: d, Log: o.Log, Policy: authz.NewPolicy(), metricsToken: o.Config.MetricsToken}
	acfg := account.DefaultConfig
	acfg.IdleTimeout, acfg.MaxSession = o.Config.SessionIdle, o.Config.SessionMax
	if o.Argon2.Memory != 0 {
		acfg.Argon2 = o.Argon2
	}
	if o.Config.Demo {
		acfg.Demo = account.DemoLogins{Usernames: DemoLogins(), Password: DemoPassword}
	}
	a.Territory = territory.NewService(d)
	a.Accounts = account.NewService(d, a.Territory, a.Policy, o.Keys, acfg)
	a.Registry = registry.NewService(d, a.Territory, o.Keys)
	a.Territory.SetBuildingSource(baseBuildings(a.Registry))
	a.Units = units.NewService(d, a.Territory)
	a.Workforce = workforce.NewService(d, a.Territory, a.Registry.ResidentsByChild)
	a.Party = party.NewService(d, a.Territory, func(ctx context.Context, id int64) (string, error) {
		b, err := a.Registry.Building(ctx, id)
		return b.RegionCode, err
	}, func(ctx context.Context, id int64) (string, error) {
		p, err := a.Registry.Person(ctx, id)
		if err != nil {
			return "", err
		}
		if p.MovedOutAt != nil {
			return "", errs.E(errs.Conflict, "err.anonymised")
		}
		return p.RegionCode, nil
	})
	cal, err := calendar.NewService(d)
	if err != nil {
		return nil, err
	}
	a.Calendar = cal
	// The -public-url flag, when given, overrides the profile's public URL.
	a.City = city.NewService(d, a.Territory, o.Config.PublicURL)
	a.Cases = cases.NewService(d, cases.Deps{Territory: a.Territory, Registry: a.Registry, Keys: o.Keys, Calendar: a.City.Calendar(cal.Calendar),
		GridsOf: a.Accounts.GridsOf, Site: func() cases.Site {
			return cases.Site{PublicURL: a.City.PublicURL(), Jurisdiction: a.City.Jurisdiction(), Changed: a.City.Changed(), Bounds: a.City.MapView().Bounds}
		}, DepartmentStaffed: func(ctx context.Context, depts []territory.Department) (map[int64]bool, error) {
			return departmentsStaffed(ctx, a.Accounts, depts)
		}})
	a.Visits = visits.NewService(d, visitsDeps(a, o.Keys))
	a.Registry.SetHouseholdVisits(householdVisits(a))
	a.Admission = admission.NewService(d, admission.Deps{Territory: a.Territory, Keys: o.Keys, Calendar: a.City.Calendar(cal.Calendar),
		PublicURL: a.City.PublicURL})
	a.Volunteer = volunteer.NewService(d, volunteer.Deps{Territory: a.Territory, Keys: o.Keys, PublicURL: a.City.PublicURL})
	secure := o.Config.SecureCookies || o.Config.TLSCert != ""
	a.Feed = change.NewFeed(d)
	poll := o.Config.ChangePoll
	if poll <= 0 {
		poll = DefaultChangePoll
	}
	// The order of this list is the migration order.
	a.Modules = []module.Manifest{
		audit.Manifest(d, o.Keys, a.auditNames()),
		change.Manifest(a.Feed, poll),
		jobs.Manifest(),
		tabular.Manifest(),
		territory.Manifest(a.Territory, a.gridDeps()),
		account.Manifest(a.Accounts, secure),
		registry.Manifest(a.Registry, jobs.NewRegistry(d)),
		party.Manifest(a.Party),
		visits.Manifest(a.Visits),
		workforce.Manifest(a.Workforce),
		units.Manifest(a.Units),
		search.Manifest(search.NewService(a.Registry, a.Party, a.Units, a.Cases, a.Territory)),
		coverage.Manifest(coverage.NewService(a.Territory, a.Party, a.Registry, a.Accounts, a.Workforce, a.Units)),
		calendar.Manifest(a.Calendar),
		city.Manifest(a.City),
		cases.Manifest(a.Cases, a.Accounts.TokenActor),
		admission.Manifest(a.Admission),
		volunteer.Manifest(a.Volunteer),
	}
	// The workbench lays out every other module's panels; it is last.
	var widgets []web.Widget
	for _, m := range a.Modules {
		widgets = append(widgets, m.Widgets...)
	}
	if err := workbench.Check(widgets); err != nil {
		return nil, err
	}
	a.Modules = append(a.Modules, workbench.Manifest(widgets, o.Log))
	if !o.SkipMigrate {
		if _, err := d.Migrate(ctx, a.Migrations()); err != nil {
			return nil, err
		}
		// Data migrations that need the data key.
		if err := d.RunOnce(ctx, "data", "0001_short_search_hashes", func(ctx context.Context) error {
			if err := a.Accounts.Rehash(ctx); err != nil {
				return err
			}
			return a.Registry.Rehash(ctx)
		}); err != nil {
			return nil, err
		}
		// People indexed before surnames were read as surnames (曾 zeng).
		if err := d.RunOnce(ctx, "data", "0002_surname_initials", a.Registry.ReindexInitials); err != nil {
			return nil, err
		}
	}
	if !o.SkipMigrate {
		// The feed is primed before the loads, so that a write another
		// instance commits in between is caught up at the first poll.
		if err := a.Feed.Prime(ctx); err != nil {
			return nil, err
		}
		for _, m := range a.Modules {
			if m.Start == nil {
				continue
			}
			if err := m.Start(ctx); err != nil {
				return nil, fmt.Errorf("start %s: %w", m.Name, err)
			}
		}
	}
	for _, m := range a.Modules {
		for _, w := range m.Watch {
			a.Feed.Watch(w.Topic, w.Reload)
		}
	}
	msgs := []fs.FS{web.Messages()}
	var tpls []fs.FS
	var menu []web.MenuItem
	for _, m := range a.Modules {
		a.Policy.Add(m.Grants...)
		if m.Messages != nil {
			msgs = append(msgs, m.Messages)
		}
		if m.Templates != nil {
			tpls = append(tpls, m.Templates)
		}
		menu = append(menu, m.Menu...)
	}
	sort.SliceStable(menu, func(i, j int) bool { return menu[i].Order < menu[j].Order })
	cat, err := i18n.New(msgs...)
	if err != nil {
		return nil, err
	}
	if a.UI, err = web.NewUI(cat, menu, tpls...); err != nil {
		return nil, err
	}
	tiles, err := o.Config.tiles()
	if err != nil {
		return nil, err
	}
	if a.UI.Tiles = tiles; tiles != nil {
		a.UI.TileURL = tiles.Layers[0].URL
	}
	a.UI.MapView = a.City.MapView
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(d.SQL(), d.Dialect().String()))
	a.Router = web.NewRouter(a.UI, o.Log, web.NewMetrics(reg))
	for _, m := range a.Modules {
		if m.Routes != nil {
			m.Routes(a.Router)
		}
	}
	a.opsRoutes(reg)
	a.Handler = web.Chain(a.Router, web.ChainConfig{
		Log: o.Log, Auth: a.Accounts, UI: a.UI, Secure: secure, TrustProxy: o.Config.TrustProxy,
		Timeout: o.Config.RequestTimeout, TileOrigins: allTileOrigins(tiles), BodyLimit: a.Router.BodyLimit,
	})
	return a, nil
}

// opsRoutes registers health, readiness, metrics, static files and the
// OpenAPI document.
func (a *App) opsRoutes(reg *prometheus.Registry) {
	r := a.Router
	r.Raw("GET /static/", authz.Public, a.UI.StaticHandler())
	r.Raw("GET /healthz", authz.Public, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	}))
	r.Raw("GET /readyz", authz.Public, http.HandlerFunc(a.handleReady))
	a.Metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	// Metrics name routes, counts and the runtime: for the operators, not
	// the public. The main address answers only a scraper with the token.
	r.Raw("GET /metrics", authz.Public, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if a.metricsToken == "" || !ok || subtle.ConstantTimeCompare([]byte(got), []byte(a.metricsToken)) != 1 {
			http.NotFound(w, r)
			return
		}
		a.Metrics.ServeHTTP(w, r)
	}))
	spec := sync.OnceValue(func() []byte {
		b, _ := json.MarshalIndent(a.Router.OpenAPI(Version), "", " ")
		return b
	})
	r.Raw("GET /api/v1/openapi.json", authz.Public, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(spec())
	}))
}

// Readiness is the body of /readyz.
type Readiness struct {
	Database   string   `json:"database"`
	Migrations string   `json:"migrations"`
	Pending    []string `json:"pending,omitempty"`
}

func (a *App) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	st := Readiness{Database: "ok", Migrations: "current"}
	code := http.StatusOK
	if err := a.DB.SQL().PingContext(ctx); err != nil {
		st.Database, code = "unreachable", http.StatusServiceUnavailable
	} else if ms, err := a.DB.MigrationStatus(ctx, a.Migrations()); err != nil {
		st.Migrations, code = "unknown", http.StatusServiceUnavailable
	} else if len(ms.Pending) > 0 {
		st.Migrations, st.Pending, code = "pending", ms.Pending, http.StatusServiceUnavailable
	}
	_ = web.JSON(w, code, st)
}

// departmentsStaffed tells which of depts have an active (not disabled)
// department account: a whistle to a department without one cannot be
// answered. It reads the accounts of the departments' divisions as named
// system work: whether anybody can answer is no personal data.
func departmentsStaffed(ctx context.Context, accounts *account.Service, depts []territory.Department) (map[int64]bool, error) {
	sys := authz.WithActor(ctx, authz.System("cases.department-staffed"))
	out := map[int64]bool{}
	seen := map[string]bool{}
	for _, d := range depts {
		if seen[d.RegionCode] {
			continue
		}
		seen[d.RegionCode] = true
		// Page by page: a city's departments may have many accounts.
		for after, page := int64(0), 0; page < 100; page++ {
			us, err := accounts.Users(sys, account.UserFilter{Role: authz.RoleDepartmentStaff, Region: d.RegionCode, AfterID: after, Limit: 1000})
			if err != nil {
				return nil, err
			}
			for _, u := range us {
				if !u.Disabled && u.DepartmentID != 0 {
					out[u.DepartmentID] = true
				}
				after = u.ID
			}
			if len(us) < 1000 {
				break
			}
		}
	}
	return out, nil
}
