package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"grassroots/internal/account"
	"grassroots/internal/city"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/territory"
)

// DemoPassword is the password of every demo account. Demo accounts exist
// only in a database made by `grassroots demo`.
const DemoPassword = "Demo-2026-nc"

// demoMark labels everything the demo invents, so nobody mistakes it for
// real data.
const demoMark = "（演示）"

// demoDepartments are the district departments of the demo besides the
// 城市管理局 of demo-dept.
var demoDepartments = []string{"东湖区住房和城乡建设局", "东湖区应急管理局", "东湖区市场监督管理局", "南昌市公安局东湖分局"}

// DemoAccount is one demo login.
type DemoAccount struct {
	Username, Name string
	Role           authz.Role
	Region         string
	Department     string // department name, for department staff
	Organisation   string // company name, for a property company
}

// Real divisions of Nanchang that the demo accounts sit in: 东湖区,
// its 滕王阁街道, and two of that subdistrict's communities.
const (
	demoCity        = "3601"         // 南昌市
	demoDistrict    = "360102"       // 东湖区
	demoSubdistrict = "360102002"    // 滕王阁街道
	demoCommunityA  = "360102002001" // 民巷社区
	demoCommunityB  = "360102002002" // 章江路社区
)

// DemoAccounts lists the demo logins, one for every level and role.
var DemoAccounts = []DemoAccount{
	{Username: "demo-city", Name: "市级管理员" + demoMark, Role: authz.RoleCityAdmin, Region: demoCity},
	{Username: "demo-district", Name: "东湖区工作人员" + demoMark, Role: authz.RoleDistrictStaff, Region: demoDistrict},
	{Username: "demo-subdistrict", Name: "滕王阁街道工作人员" + demoMark, Role: authz.RoleSubdistrictStaff, Region: demoSubdistrict},
	{Username: "demo-secretary", Name: "民巷社区书记" + demoMark, Role: authz.RoleCommunitySecretary, Region: demoCommunityA},
	{Username: "demo-worker", Name: "章江路社区工作者" + demoMark, Role: authz.RoleCommunityWorker, Region: demoCommunityB},
	{Username: "demo-grid", Name: "民巷社区网格员" + demoMark, Role: authz.RoleGridWorker, Region: demoCommunityA},
	{Username: "demo-dept", Name: "东湖区城管局人员" + demoMark, Role: authz.RoleDepartmentStaff, Region: demoDistrict, Department: "东湖区城市管理局" + demoMark},
	{Username: "demo-property", Name: "演示物业客服" + demoMark, Role: authz.RolePropertyCompany, Region: demoSubdistrict, Organisation: demoProperty},
	{Username: "demo-member", Name: "在职党员" + demoMark, Role: authz.RolePartyMember, Region: demoCommunityA},
	{Username: "demo-resident", Name: "居民" + demoMark, Role: authz.RoleResident, Region: demoCommunityA},
	{Username: "demo-hotline", Name: "12345 热线对接" + demoMark, Role: authz.RoleIntegration, Region: demoCity},
}

// DemoLogins lists the user names of the demo accounts that sign in on
// the login page (the integration account has only its API token): the
// accounts the login page of a demo site offers.
func DemoLogins() []string {
	var out []string
	for _, da := range DemoAccounts {
		if da.Role != authz.RoleIntegration {
			out = append(out, da.Username)
		}
	}
	return out
}

// seedDemo loads the real Nanchang division tree, the demo's data and
// accounts, and its cases, filed over the last months with the database
// clock clk moved back while they are (see seedDemoCases). It is
// idempotent: a second run changes nothing and duplicates nothing. It
// refuses a database that holds accounts other than the demo ones.
func seedDemo(ctx context.Context, a *App, out io.Writer, clk demoClock) error {
	if err := seedDemoScaled(ctx, a, out, demoFullScale); err != nil {
		return err
	}
	return seedDemoCases(ctx, a, out, clk, demoFullScale)
}

// seedDemoScaled is seedDemo without the cases, with buildingsPerGrid
// buildings in every grid of 滕王阁街道 (demoFullScale in the demo, about
// 400 residents a grid; tests use fewer, and then the other districts'
// subdistricts get a token of their data: see demoAreas).
func seedDemoScaled(ctx context.Context, a *App, out io.Writer, buildingsPerGrid int) error {
	ctx = authz.WithActor(ctx, authz.System("demo"))
	users, err := a.Accounts.Users(ctx, account.UserFilter{Limit: 1000})
	if err != nil {
		return err
	}
	for _, u := range users {
		if !strings.HasPrefix(u.Username, "demo-") {
			return fmt.Errorf("the database holds real accounts (%s); run the demo on its own database (-db)", u.Username)
		}
	}
	rep, err := a.Territory.ImportCSV(ctx, bytes.NewReader(territory.NanchangCSV()), territory.ImportOptions{})
	if err != nil {
		return err
	}
	if !rep.Committed {
		return fmt.Errorf("embedded division list has %d bad rows", len(rep.Errors))
	}
	fmt.Fprintf(out, "Nanchang divisions (NBS 2023 codes): %d rows, %d new or changed.\n", rep.Rows, rep.Changed)
	areas := demoAreas(buildingsPerGrid)
	grids, err := seedDemoGeography(ctx, a, areas)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Approximate district outlines and synthetic grids for 滕王阁街道 and a subdistrict in every district: %d new grids.\n", grids)
	if err := seedDemoProfile(ctx, a, out); err != nil {
		return err
	}
	start := time.Now()
	people, err := seedDemoPeople(ctx, a, areas)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Synthetic buildings, households and residents (demo data, no real person): %d new residents in %s.\n",
		people, time.Since(start).Round(time.Millisecond))
	var members, workers, nunits int
	for _, ar := range areas {
		n, err := seedDemoParty(ctx, a, ar)
		if err != nil {
			return err
		}
		members += n
		if n, err = seedDemoWorkforce(ctx, a, ar); err != nil {
			return err
		}
		workers += n
		if n, err = seedDemoUnits(ctx, a, ar); err != nil {
			return err
		}
		nunits += n
	}
	fmt.Fprintf(out, "Party committees, grid branches, building groups and %d new Party members (demo).\n", members)
	fmt.Fprintf(out, "%d new community workers and reserve candidates (demo).\n", workers)
	fmt.Fprintf(out, "%d new co-building units, two-new organisations and stations (demo).\n", nunits)
	// The departments cases are dispatched and whistled to: 东湖区's, and
	// the 城市管理局 of every district.
	for _, name := range demoDepartments {
		if _, err := a.Territory.EnsureDepartment(ctx, name+demoMark, demoDistrict); err != nil {
			return err
		}
	}
	for _, ar := range areas {
		if _, err := a.Territory.EnsureDepartment(ctx, ar.department(), ar.districtCode()); err != nil {
			return err
		}
	}
	created := 0
	for _, da := range DemoAccounts {
		in := account.UserInput{Username: da.Username, DisplayName: da.Name, Role: da.Role, RegionCode: da.Region, Password: DemoPassword,
			Organisation: da.Organisation}
		if da.Department != "" {
			d, err := a.Territory.EnsureDepartment(ctx, da.Department, da.Region)
			if err != nil {
				return err
			}
			in.DepartmentID = d.ID
		}
		_, err := a.Accounts.CreateUser(ctx, in)
		if fe, ok := err.(*errs.Error); ok && len(fe.Fields) == 1 && fe.Fields[0].Rule == "rule.unique" {
			continue // already there
		}
		if err != nil {
			return fmt.Errorf("account %s: %w", da.Username, describe(a, err))
		}
		created++
	}
	if u, err := a.Accounts.UserByName(ctx, "demo-grid"); err == nil {
		for _, g := range []string{demoCommunityA + "001", demoCommunityA + "002"} {
			if ws, err := a.Accounts.GridWorkers(ctx, g); err == nil && len(ws) == 0 {
				if _, err := a.Accounts.SetGridWorkers(ctx, g, []int64{u.ID}); err != nil {
					return fmt.Errorf("assign demo-grid: %w", describe(a, err))
				}
			}
		}
	}
	if err := seedVisits(ctx, a, out); err != nil {
		return err
	}
	if err := seedAdmission(ctx, a, out); err != nil {
		return err
	}
	if err := seedVolunteer(ctx, a, out); err != nil {
		return err
	}
	token, err := demoToken(ctx, a)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo accounts (%d new), all with password %s — demo data, not real people:\n", created, DemoPassword)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, da := range DemoAccounts {
		if da.Role == authz.RoleIntegration {
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", da.Username, da.Role, da.Region)
	}
	tw.Flush()
	if token != "" {
		fmt.Fprintf(out, "API token of demo-hotline (shown once): %s\n", token)
	}
	return nil
}

// demoToken gives the integration account a token the first time.
func demoToken(ctx context.Context, a *App) (string, error) {
	u, err := a.Accounts.UserByName(ctx, "demo-hotline")
	if err != nil {
		return "", err
	}
	actx := authz.WithActor(ctx, authz.System("demo"))
	ts, err := a.Accounts.Tokens(actx, u.ID, 0, 1)
	if err != nil || len(ts) > 0 {
		return "", err
	}
	nt, err := a.Accounts.UnscopedIssueToken(ctx, u.ID, "demo")
	return nt.Secret, err
}

// demoJurisdiction is the Open311 jurisdiction_id of the demo city.
const demoJurisdiction = "nanchang.gov.cn"

// seedDemoProfile sets Nanchang as the city profile, once: a profile
// changed since (on the page or with `grassroots city set`) is kept. The
// maps frame the district outlines loaded before it.
func seedDemoProfile(ctx context.Context, a *App, out io.Writer) error {
	if _, ok := a.City.Current(); ok {
		return nil
	}
	p, err := a.City.Set(ctx, city.Input{Code: demoCity, Name: "南昌市", Jurisdiction: demoJurisdiction})
	if err != nil {
		return fmt.Errorf("city profile: %w", describe(a, err))
	}
	fmt.Fprintf(out, "City profile (demo): %s, Open311 jurisdiction %s, office hours %s.\n", p.Name, p.Jurisdiction, p.Hours)
	return nil
}
