package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"grassroots/internal/platform/dbtest"
)

// TestHelp: every command's and subcommand's -h or --help prints its help
// on standard output and succeeds, touching no database; a command group
// without its subcommand, a wrong flag or an unknown subcommand is a usage
// error (exit 2) with the help on standard error.
func TestHelp(t *testing.T) {
	// A database that must not be created: help opens nothing.
	db := "sqlite:" + filepath.Join(t.TempDir(), "never.db")
	env := map[string]string{"GRASSROOTS_DB": db}
	for _, tc := range []struct {
		args []string
		want []string // in the help printed
	}{
		{[]string{"-h"}, []string{"grassroots serve", "grassroots city set"}},
		{[]string{"--help"}, []string{"grassroots import regions"}},
		{[]string{"help"}, []string{"grassroots load"}},
		{[]string{"serve", "-h"}, []string{"Usage: grassroots serve", "-public-url", "overrides the city profile"}},
		{[]string{"demo", "--help"}, []string{"Usage: grassroots demo", "-city-residents"}},
		{[]string{"migrate", "-h"}, []string{"-status"}},
		{[]string{"user", "-h"}, []string{"grassroots user add", "grassroots user passwd", "管理账号"}},
		{[]string{"user", "add", "-h"}, []string{"Usage: grassroots user add", "-username", "-region"}},
		{[]string{"user", "passwd", "--help"}, []string{"Usage: grassroots user passwd USERNAME"}},
		{[]string{"user", "list", "-h"}, []string{"list accounts"}},
		{[]string{"import", "-h"}, []string{"grassroots import regions", "grassroots import people", "grassroots import holidays"}},
		{[]string{"import", "--help"}, []string{"grassroots import people"}},
		{[]string{"import", "regions", "-h"}, []string{"Usage: grassroots import regions", "-keep-good", "市辖区"}},
		{[]string{"import", "people", "-h"}, []string{"Usage: grassroots import people", "-keep-good"}},
		{[]string{"import", "holidays", "--help"}, []string{"Usage: grassroots import holidays"}},
		{[]string{"city", "-h"}, []string{"grassroots city show", "grassroots city set", "查看或设置城市"}},
		{[]string{"city", "set", "-h"}, []string{"-code", "-jurisdiction", "-centre", "-bounds", "-hours", "-summer-hours", "-summer", "-public-url", "作息时间"}},
		{[]string{"city", "show", "--help"}, []string{"Usage: grassroots city show"}},
		{[]string{"backup", "-h"}, []string{"Usage: grassroots backup FILE"}},
		{[]string{"load", "-h"}, []string{"-region", "signed-in account's own"}},
		{[]string{"keygen", "-h"}, []string{"Usage: grassroots keygen"}},
		{[]string{"version", "--help"}, []string{"Usage: grassroots version"}},
	} {
		name := strings.Join(tc.args, " ")
		out, errOut, err := run(t, env, "", tc.args...)
		if err != nil || errOut != "" {
			t.Errorf("%s: %v, stderr %q", name, err, errOut)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: help lacks %q:\n%s", name, w, out)
			}
		}
	}
	if _, err := os.Stat(strings.TrimPrefix(db, "sqlite:")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("help opened the database: %v", err)
	}

	for _, tc := range []struct {
		args []string
		want string // on standard error
	}{
		{nil, "Usage:"},
		{[]string{"import"}, "grassroots import regions"},
		{[]string{"import", "streets"}, `unknown command "streets"`},
		{[]string{"user"}, "grassroots user add"},
		{[]string{"city", "delete"}, `unknown command "delete"`},
		{[]string{"serve", "-no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{[]string{"user", "add", "-bogus"}, "Usage: grassroots user add"},
		{[]string{"city", "set", "-code"}, "flag needs an argument: -code"},
		{[]string{"import", "people"}, "name one .csv or .xlsx file"},
		{[]string{"load", "extra"}, `unexpected argument "extra"`},
		{[]string{"nonsense"}, `unknown command "nonsense"`},
	} {
		name := strings.Join(tc.args, " ")
		out, errOut, err := run(t, env, "", tc.args...)
		if !errors.Is(err, ErrUsage) || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: %v, stdout %q, stderr %q (want %q)", name, err, out, errOut, tc.want)
		}
	}
}

// TestFlagsAfterTheFile: flags may follow the file as the usage writes
// them (`import regions FILE -keep-good`).
func TestFlagsAfterTheFile(t *testing.T) {
	env := map[string]string{"GRASSROOTS_DB": dbtest.URL(t), "GRASSROOTS_DATA_KEY": "k1:" + strings.Repeat("A", 43) + "="}
	csv := filepath.Join(t.TempDir(), "r.csv")
	os.WriteFile(csv, []byte("code,name,level,parent_code,kind\n44,测试省,province,,\n4403,测试市,city,44,\n4403x,坏,city,44,\n"), 0o600)
	out, _, err := run(t, env, "", "import", "regions", csv, "-keep-good")
	if err != nil || !strings.Contains(out, "2 changed") {
		t.Fatalf("import FILE -keep-good: %v\n%s", err, out)
	}
}

// TestCityCommand sets and shows the profile from the command line, keeps
// the flags not given, names bad values, and prefers -public-url of serve
// over the stored one.
func TestCityCommand(t *testing.T) {
	env := map[string]string{"GRASSROOTS_DB": dbtest.URL(t), "GRASSROOTS_DATA_KEY": "k1:" + strings.Repeat("A", 43) + "="}
	csv := filepath.Join(t.TempDir(), "r.csv")
	os.WriteFile(csv, []byte("code,name,level,parent_code,kind\n50,重庆市,province,,\n5001,市辖区,city,50,\n500101,万州区,district,5001,\n5002,县,city,50,\n500229,城口县,district,5002,\n"), 0o600)
	if out, _, err := run(t, env, "", "import", "regions", csv); err != nil || !strings.Contains(out, "2 placeholder rows") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, _, err := run(t, env, "", "city", "show")
	if err != nil || !strings.Contains(out, "no city profile is set") {
		t.Fatalf("show before set: %v\n%s", err, out)
	}
	if _, errOut, err := run(t, env, "", "city", "set", "-name", "重庆"); !errors.Is(err, ErrUsage) || !strings.Contains(errOut, "-code") {
		t.Errorf("set without a code: %v %s", err, errOut)
	}
	out, _, err = run(t, env, "", "city", "set", "-code", "50", "-public-url", "https://grassroots.cq.example.gov.cn/", "-jurisdiction", "cq.example.gov.cn",
		"-hours", "09:00-12:00,14:00-18:00", "-summer-hours", "08:30-12:00,15:00-18:00", "-summer", "06-01:09-30")
	if err != nil || !strings.Contains(out, "重庆市 (50)") || !strings.Contains(out, "cq.example.gov.cn") || !strings.Contains(out, "06-01 to 09-30") {
		t.Fatalf("set: %v\n%s", err, out)
	}
	// Only the flags given change.
	if out, _, err = run(t, env, "", "city", "-centre", "108.38,30.81"); err != nil || !strings.Contains(out, "108.380000,30.810000 (set in the profile)") ||
		!strings.Contains(out, "https://grassroots.cq.example.gov.cn (from the profile)") || !strings.Contains(out, "09:00-12:00,14:00-18:00") {
		t.Fatalf("set one flag: %v\n%s", err, out)
	}
	_, _, err = run(t, env, "", "city", "set", "-jurisdiction", "not a host", "-summer", "13-01:09-30")
	if err == nil || !strings.Contains(err.Error(), "jurisdiction: must be a host name") || !strings.Contains(err.Error(), "Summer season: must be two days") {
		t.Errorf("bad values: %v", err)
	}
	// serve's -public-url overrides the stored one; the profile keeps its own.
	env["GRASSROOTS_PUBLIC_URL"] = "https://proxy.example.gov.cn"
	a, err := openForTest(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if v := a.City.View(); v.PublicURL != "https://proxy.example.gov.cn" || v.PublicURLSource != "flag" || v.Profile.PublicURL != "https://grassroots.cq.example.gov.cn" {
		t.Errorf("flag over profile: %+v", v)
	}
	if out, _, err := run(t, env, "", "city", "show"); err != nil || !strings.Contains(out, "https://grassroots.cq.example.gov.cn (from the profile)") {
		t.Errorf("city show with the variable set shows the stored URL: %v\n%s", err, out)
	}
}

// openForTest assembles the application from env as serve would, without
// listening.
func openForTest(t *testing.T, env map[string]string) (*App, error) {
	t.Helper()
	var out strings.Builder
	m := &Main{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return env[k] }}
	var c Config
	fs := m.flags("serve", defaultDB, &c)
	if _, err := m.parse(fs, nil, &c); err != nil {
		return nil, err
	}
	c.LogLevel = "warn"
	a, err := m.open(context.Background(), c, m.logger(c))
	if err == nil {
		t.Cleanup(func() { a.DB.Close() })
	}
	return a, err
}
