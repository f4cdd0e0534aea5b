package app

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"grassroots/internal/account"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/i18n"
	"grassroots/internal/platform/pii"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
)

// Main is the command line. Tests drive it directly.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Ready, when set, receives the listening address once serving.
	Ready func(addr string)
	// Serving, when set, receives the assembled application of a serve
	// command just before Ready; tests reach its services through it.
	Serving func(a *App)
}

// NewMain returns a Main on the process's standard streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

const usage = `grassroots — 基层治理平台 (grassroots governance platform)

Usage:
  grassroots serve   [flags]             serve the site and API
  grassroots demo    [-city] [flags]     load Nanchang divisions and demo data, then serve (-city: the whole city at real scale)
  grassroots migrate [-status] [flags]   apply database migrations and report the version
  grassroots user add -username U -role R -region CODE [-name N] [-department ID] [-phone P]
                                         create an account; the password is read from standard input
  grassroots user passwd U               set a password (read from standard input); lifts a lockout
  grassroots user disable U | enable U   stop or restore an account's access
  grassroots user list                   list accounts
  grassroots import regions FILE [-keep-good]
                                         import divisions from CSV (code,name,level,parent_code,kind)
  grassroots import people FILE [-keep-good]
                                         import residents from .csv or .xlsx in the template's format
  grassroots import holidays FILE        load or replace a year's holiday arrangement (CSV: from,to,kind,name)
  grassroots city show                   show the city profile (城市设置)
  grassroots city set -code CODE [-name N] [-public-url URL] [-jurisdiction ID] [-centre LON,LAT]
                      [-bounds W,S,E,N] [-hours 09:00-12:00,13:30-17:30] [-summer-hours H] [-summer MM-DD:MM-DD]
                                         set the city profile; flags not given keep their values
  grassroots backup FILE                 write a consistent copy of the running SQLite database
  grassroots load [-url U] [-region CODE] [-n N] [-c C]
                                         measure the latency of the heavy read paths of a running server
  grassroots keygen                      print a new personal-data key
  grassroots version                     print the version

Run "grassroots COMMAND -h" for the flags of a command (grassroots 命令 -h：查看命令的参数).
`

// ErrUsage reports a command line that could not be understood.
var ErrUsage = errors.New("usage")

// Run executes the command in args (without the program name). Help
// asked for (-h, --help) is printed on standard output and is a success;
// a command line that cannot be understood is ErrUsage, with the help on
// standard error.
func (m *Main) Run(ctx context.Context, args []string) error {
	if err := m.run(ctx, args); !errors.Is(err, errHelp) {
		return err
	}
	return nil
}

func (m *Main) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return ErrUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return m.serve(ctx, rest, false)
	case "demo":
		return m.serve(ctx, rest, true)
	case "migrate":
		return m.migrate(ctx, rest)
	case "user":
		return m.user(ctx, rest)
	case "import":
		return m.importCmd(ctx, rest)
	case "backup":
		return m.backup(ctx, rest)
	case "load":
		return m.load(ctx, rest)
	case "city":
		return m.city(ctx, rest)
	case "keygen":
		if err := m.noArgs("keygen", rest); err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, pii.NewKeySpec("k"+time.Now().UTC().Format("20060102")))
		return nil
	case "version":
		if err := m.noArgs("version", rest); err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, "grassroots", Version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	fmt.Fprintf(m.Stderr, "grassroots: unknown command %q\n\n%s", cmd, usage)
	return ErrUsage
}

// flags builds a flag set for cmd with the shared settings.
func (m *Main) flags(cmd, defaultDB string, c *Config) *flag.FlagSet {
	fs := m.newFlags(cmd)
	bindConfig(fs, c, m.Getenv, defaultDB)
	return fs
}

// parse reads the flags and positional arguments of a command with the
// shared settings (see parseArgs) and checks the settings.
func (m *Main) parse(fs *flag.FlagSet, args []string, c *Config) ([]string, error) {
	pos, err := m.parseArgs(fs, args)
	if err != nil {
		return nil, err
	}
	return pos, c.validate()
}

// parseNone is parse for a command that takes no positional argument.
func (m *Main) parseNone(fs *flag.FlagSet, args []string, c *Config) error {
	pos, err := m.parse(fs, args, c)
	if err == nil && len(pos) > 0 {
		return m.usageError(fs, "unexpected argument %q", pos[0])
	}
	return err
}

// noArgs parses the command line of a command without flags or arguments,
// so that its -h works like every other's.
func (m *Main) noArgs(cmd string, args []string) error {
	fs := m.newFlags(cmd)
	pos, err := m.parseArgs(fs, args)
	if err == nil && len(pos) > 0 {
		return m.usageError(fs, "unexpected argument %q", pos[0])
	}
	return err
}

func (m *Main) logger(c Config) *slog.Logger {
	lvl := slog.LevelInfo
	_ = lvl.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, opts))
}

// open connects, migrates and assembles the application.
func (m *Main) open(ctx context.Context, c Config, log *slog.Logger) (*App, error) {
	return m.openClock(ctx, c, log, nil)
}

// openClock is open with the database clock (nil: the real time).
func (m *Main) openClock(ctx context.Context, c Config, log *slog.Logger, clock func() time.Time) (*App, error) {
	d, err := db.Open(ctx, c.DB, clock)
	if err != nil {
		return nil, err
	}
	keys, err := c.keyring(d.Path, func(s string) { log.Warn(s) })
	if err != nil {
		d.Close()
		return nil, err
	}
	a, err := New(ctx, d, Options{Config: c, Keys: keys, Log: log})
	if err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

// openAsOperator opens the application for a command-line task. The
// command line acts for the operator with unrestricted scope; the audit log
// records it as "cli" from "cli".
func (m *Main) openAsOperator(ctx context.Context, c Config) (*App, context.Context, error) {
	c.LogLevel = "warn"
	a, err := m.open(ctx, c, m.logger(c))
	if err != nil {
		return nil, ctx, err
	}
	return a, authz.WithActor(ctx, authz.System("cli")), nil
}

const (
	defaultDB = "sqlite:data/grassroots.db"
	demoDB    = "sqlite:data/demo.db"
)

func (m *Main) serve(ctx context.Context, args []string, demo bool) error {
	var c Config
	name, def := "serve", defaultDB
	if demo {
		name, def = "demo", demoDB
	}
	fs := m.flags(name, def, &c)
	var city bool
	var cityResidents, cityCases, cityAdmission int
	if demo {
		fs.IntVar(&cityCases, "city-cases", 0, "also generate this many synthetic cases over the last year in every community (load work)")
		fs.IntVar(&cityAdmission, "city-admission", 0, "also generate a year of requests through the access list, this many tasks a community (load work; 300)")
		fs.BoolVar(&city, "city", false, "also generate the whole city at real scale for load work (synthetic; takes minutes)")
		fs.IntVar(&cityResidents, "city-residents", 6_500_000, "residents to generate with -city")
	}
	if err := m.parseNone(fs, args, &c); err != nil {
		return err
	}
	log := m.logger(c)
	start := time.Now()
	// A demo site lists its accounts on the login page, and files the
	// history of its cases with its clock moved back.
	c.Demo = demo
	clk := &shiftClock{}
	var clock func() time.Time
	if demo {
		clock = clk.Now
	}
	a, err := m.openClock(ctx, c, log, clock)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	if demo {
		if err := seedDemo(ctx, a, m.Stdout, clk); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if city {
			octx := authz.WithActor(ctx, authz.System("demo"))
			if err := seedCity(octx, a, m.Stdout, cityResidents); err != nil {
				return fmt.Errorf("demo -city: %w", err)
			}
		}
		if cityCases > 0 {
			octx := authz.WithActor(ctx, authz.System("demo"))
			if err := seedCityCases(octx, a, m.Stdout, cityCases); err != nil {
				return fmt.Errorf("demo -city-cases: %w", err)
			}
		}
		if cityAdmission > 0 {
			if err := seedCityAdmission(ctx, a, m.Stdout, cityAdmission); err != nil {
				return fmt.Errorf("demo -city-admission: %w", err)
			}
		}
	} else if n, err := a.Accounts.CountUsers(ctx); err == nil && n == 0 {
		log.Warn("no accounts yet: create the first administrator with `grassroots user add -role city_admin …`")
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	srv := &http.Server{
		Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: c.RequestTimeout + 10*time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	url := fmt.Sprintf("%s://%s/", scheme, ln.Addr())
	log.Info("serving", "url", url, "db", a.DB.Dialect().String(), "startup", time.Since(start).Round(time.Millisecond).String())
	if demo {
		fmt.Fprintf(m.Stdout, "\nOpen %s (ready in %s). Press Ctrl+C to stop.\n", url, time.Since(start).Round(time.Millisecond))
	}
	// The modules' jobs: the change feed's poll, and the cluster-wide
	// ones (the case deadline sweep) on whichever instance holds their
	// lock. They stop, releasing their locks, before the database closes.
	jobsCtx, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() { a.RunJobs(jobsCtx); close(jobsDone) }()
	defer func() { stopJobs(); <-jobsDone }()
	if m.Serving != nil {
		m.Serving(a)
	}
	if m.Ready != nil {
		m.Ready(ln.Addr().String())
	}
	errc := make(chan error, 2)
	if c.MetricsAddr != "" {
		mln, err := net.Listen("tcp", c.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on -metrics-addr %s: %w", c.MetricsAddr, err)
		}
		msrv := &http.Server{Handler: a.Metrics, ReadHeaderTimeout: 10 * time.Second}
		defer msrv.Close()
		log.Info("metrics", "url", "http://"+mln.Addr().String()+"/metrics")
		go func() {
			if err := msrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics: %w", err)
			}
		}()
	}
	go func() {
		if c.TLSCert != "" {
			errc <- srv.ServeTLS(ln, c.TLSCert, c.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "wait", c.ShutdownWait.String())
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownWait)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func (m *Main) migrate(ctx context.Context, args []string) error {
	var c Config
	fs := m.flags("migrate", defaultDB, &c)
	status := fs.Bool("status", false, "only report, apply nothing")
	if err := m.parseNone(fs, args, &c); err != nil {
		return err
	}
	d, err := db.Open(ctx, c.DB, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	a, err := New(ctx, d, Options{Config: c, Log: m.logger(c), SkipMigrate: true})
	if err != nil {
		return err
	}
	ms := a.Migrations()
	if !*status {
		n, err := d.Migrate(ctx, ms)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "applied %d migration(s)\n", n)
	}
	st, err := d.MigrationStatus(ctx, ms)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "database: %s\nversion: %s (%d applied)\npending: %d\n", d.Dialect(), st.Latest, st.Applied, len(st.Pending))
	for _, p := range st.Pending {
		fmt.Fprintln(m.Stdout, "  "+p)
	}
	return nil
}

func (m *Main) readSecret() (string, error) {
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// describe turns an application error into English lines for the terminal.
func describe(a *App, err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == errs.Internal {
		return err
	}
	var b strings.Builder
	b.WriteString(a.UI.Message(i18n.EN, e))
	for _, f := range e.Fields {
		b.WriteString("\n  " + a.UI.FieldMessage(i18n.EN, f))
	}
	return errors.New(b.String())
}

func (m *Main) user(ctx context.Context, args []string) error {
	if done, err := m.group("user", args); done {
		return err
	}
	sub, rest := args[0], args[1:]
	var c Config
	fs := m.flags("user "+sub, defaultDB, &c)
	var in account.UserInput
	var role string
	if sub == "add" {
		fs.StringVar(&in.Username, "username", "", "user name (3–32 letters, digits, . - _)")
		fs.StringVar(&in.DisplayName, "name", "", "display name (default: the user name)")
		fs.StringVar(&role, "role", "", "role: "+strings.Join(roleNames(), ", "))
		fs.StringVar(&in.RegionCode, "region", "", "division code of the account's territory")
		fs.Int64Var(&in.DepartmentID, "department", 0, "department id (department staff only)")
		fs.StringVar(&in.Phone, "phone", "", "mobile number (optional)")
	}
	pos, err := m.parse(fs, rest, &c)
	if err != nil {
		return err
	}
	switch {
	case (sub == "add" || sub == "list") && len(pos) > 0:
		return m.usageError(fs, "unexpected argument %q", pos[0])
	case sub != "add" && sub != "list" && len(pos) != 1:
		return m.usageError(fs, "name one account")
	}
	a, ctx, err := m.openAsOperator(ctx, c)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	switch sub {
	case "add":
		in.Role = authz.Role(role)
		if in.DisplayName == "" {
			in.DisplayName = in.Username
		}
		if in.Password, err = m.readSecret(); err != nil {
			return err
		}
		u, err := a.Accounts.CreateUser(ctx, in)
		if err != nil {
			return describe(a, err)
		}
		fmt.Fprintf(m.Stdout, "created account %d %s (%s, %s)\n", u.ID, u.Username, u.Role, u.RegionCode)
		return nil
	case "passwd", "disable", "enable":
		u, err := a.Accounts.UserByName(ctx, pos[0])
		if err != nil {
			return fmt.Errorf("no account named %q", pos[0])
		}
		if sub == "passwd" {
			pw, err := m.readSecret()
			if err != nil {
				return err
			}
			if err := a.Accounts.SetPassword(ctx, u.ID, pw); err != nil {
				return describe(a, err)
			}
			fmt.Fprintf(m.Stdout, "password set for %s; its sessions have ended\n", u.Username)
			return nil
		}
		off := sub == "disable"
		if _, err := a.Accounts.UpdateUser(ctx, u.ID, account.UserUpdate{Version: u.Version, Disabled: &off, Unlock: !off}); err != nil {
			return describe(a, err)
		}
		fmt.Fprintf(m.Stdout, "%sd %s\n", sub, u.Username)
		return nil
	case "list":
		users, err := a.Accounts.Users(ctx, account.UserFilter{Limit: 1000})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tROLE\tREGION\tPHONE\tSTATUS")
		for _, u := range users {
			st := "active"
			if u.Disabled {
				st = "disabled"
			} else if u.LockedUntil != nil && u.LockedUntil.After(time.Now()) {
				st = "locked"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.Role, u.RegionCode, u.PhoneMasked, st)
		}
		return tw.Flush()
	}
	fmt.Fprintf(m.Stderr, "grassroots user: unknown command %q\n", sub)
	return ErrUsage
}

func roleNames() []string {
	var out []string
	for _, r := range authz.Roles {
		out = append(out, string(r))
	}
	return out
}

func (m *Main) importCmd(ctx context.Context, args []string) error {
	if done, err := m.group("import", args); done {
		return err
	}
	switch args[0] {
	case "people":
		return m.importPeople(ctx, args[1:])
	case "holidays":
		return m.importHolidays(ctx, args[1:])
	}
	in, err := m.importInput(ctx, "regions", "one CSV file", args[1:])
	if err != nil {
		return err
	}
	a, ctx := in.app, in.ctx
	defer a.DB.Close()
	rep, err := a.Territory.ImportCSV(ctx, bytes.NewReader(in.data), territory.ImportOptions{KeepGood: in.keep, Progress: progress(m.Stderr)})
	if err != nil {
		return describe(a, err)
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(m.Stdout, "row %d, column %s: %s %s\n", e.Row, e.Column, strings.TrimPrefix(e.Rule, "rule."), e.Value)
	}
	if rep.Folded > 0 {
		fmt.Fprintf(m.Stdout, "%d placeholder rows of municipalities (市辖区, 县) folded: their districts sit under the municipality\n", rep.Folded)
	}
	fmt.Fprintf(m.Stdout, "%d rows: %d changed, %d unchanged, %d skipped; committed: %v\n", rep.Rows, rep.Changed, rep.Unchanged, rep.Skipped, rep.Committed)
	if !rep.Committed {
		return fmt.Errorf("%d bad rows: nothing imported (use -keep-good to import the good rows)", len(rep.Errors))
	}
	return nil
}

// importInput is what every import command reads: its file, -keep-good,
// and the application opened for the operator.
type importInput struct {
	file string
	data []byte
	keep bool
	app  *App
	ctx  context.Context
}

func (m *Main) importInput(ctx context.Context, what, want string, args []string) (importInput, error) {
	var c Config
	fs := m.flags("import "+what, defaultDB, &c)
	var keep *bool
	if what != "holidays" {
		keep = fs.Bool("keep-good", false, "commit the good rows even if some rows are bad")
	} else {
		keep = new(bool)
	}
	pos, err := m.parse(fs, args, &c)
	if err != nil {
		return importInput{}, err
	}
	if len(pos) != 1 {
		return importInput{}, m.usageError(fs, "name %s", want)
	}
	b, err := os.ReadFile(pos[0])
	if err != nil {
		return importInput{}, err
	}
	a, octx, err := m.openAsOperator(ctx, c)
	if err != nil {
		return importInput{}, err
	}
	return importInput{file: pos[0], data: b, keep: *keep, app: a, ctx: octx}, nil
}

// importPeople loads residents from a CSV or .xlsx file in the template's
// format, showing progress.
func (m *Main) importPeople(ctx context.Context, args []string) error {
	in, err := m.importInput(ctx, "people", "one .csv or .xlsx file", args)
	if err != nil {
		return err
	}
	a, ctx := in.app, in.ctx
	defer a.DB.Close()
	rows, err := registry.ReadTable(ctx, in.file, in.data)
	if err != nil {
		return describe(a, err)
	}
	start := time.Now()
	rep, err := a.Registry.ImportPeople(ctx, rows, registry.ImportOptions{KeepGood: in.keep, Progress: progress(m.Stderr)})
	if err != nil {
		return describe(a, err)
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(m.Stdout, "row %d, column %s: %s %s\n", e.Row, e.Column, strings.TrimPrefix(e.Rule, "rule."), e.Param)
	}
	took := time.Since(start)
	fmt.Fprintf(m.Stdout, "%d rows in %s (%.0f rows/s): %d new, %d updated, %d unchanged, %d new households; committed: %v\n",
		rep.Rows, took.Round(time.Millisecond), float64(rep.Rows)/took.Seconds(), rep.Created, rep.Updated, rep.Unchanged, rep.NewHouseholds, rep.Committed)
	if !rep.Committed {
		return fmt.Errorf("%d bad cells: nothing imported (use -keep-good to import the good rows)", len(rep.Errors))
	}
	return nil
}

// importHolidays loads one year's holiday arrangement (the year of the
// file's dates), replacing what the calendar had for that year.
func (m *Main) importHolidays(ctx context.Context, args []string) error {
	in, err := m.importInput(ctx, "holidays", "one CSV file (from,to,kind,name)", args)
	if err != nil {
		return err
	}
	a, ctx := in.app, in.ctx
	defer a.DB.Close()
	y, err := a.Calendar.Put(ctx, 0, string(in.data))
	if err != nil {
		return describe(a, err)
	}
	off := 0
	for _, d := range y.Days {
		if !d.Work {
			off++
		}
	}
	fmt.Fprintf(m.Stdout, "%d: %d holidays, %d adjusted working days loaded\n", y.Year, off, len(y.Days)-off)
	return nil
}

// progress draws a one-line progress bar on a terminal stream.
func progress(w io.Writer) func(done, total int) {
	return func(done, total int) {
		const width = 30
		n := width * done / max(total, 1)
		fmt.Fprintf(w, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}

func (m *Main) backup(ctx context.Context, args []string) error {
	var c Config
	fs := m.flags("backup", defaultDB, &c)
	pos, err := m.parse(fs, args, &c)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return m.usageError(fs, "name the file to write")
	}
	file := pos[0]
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("backup: %s exists; choose a new file", file)
	}
	d, err := db.Open(ctx, c.DB, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	start := time.Now()
	if err := d.Backup(ctx, file); err != nil {
		return err
	}
	st, _ := os.Stat(file)
	fmt.Fprintf(m.Stdout, "backed up to %s (%d bytes) in %s; keep the .key file with it\n", file, st.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}
